//! `midad import` and `midad export`: the JSON Lines exchange format, streamed both ways so
//! that memory stays bounded whatever the size of the file.
//!
//! An import reads the file twice. The first pass checks every line and keeps only what
//! the checks across lines need (external ids, page slugs); if any line is bad, nothing is
//! written and every bad line is reported. The second pass writes in transactions of
//! `BATCH` lines, so the live site's writers get their turn; each commit also records how
//! far the import got, so an import cut off by a crash carries on from there when it is
//! run again on the same file.

use crate::{Failure, Outcome, config::Config, open_store};
use chrono::{DateTime, Datelike, Duration, SecondsFormat, Utc};
use indicatif::{ProgressBar, ProgressStyle};
use midad_core::body::{self, Block};
use midad_core::exchange::{self, CheckedRecord, Record};
use midad_core::{ArticleData, ArticleKind, ErrorCode, Id, ValidationError};
use midad_media::Storage;
use midad_store::{ArticleQuery, NewMedia, Order, Store, Tx};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

/// One item that passed the checks, with its images resolved to files. The WordPress
/// importer builds these too.
pub(crate) struct Item {
    pub checked: CheckedRecord,
    pub blocks: Vec<Block>,
    pub image: Option<PathBuf>,
    /// Image addresses written in the body, resolved to files.
    pub body_images: HashMap<String, PathBuf>,
    /// Already resolved by the caller (the WordPress importer knows its sections by slug
    /// and has stored its images): these win over the record's names and paths.
    pub section_id: Option<Id>,
    pub image_id: Option<Id>,
}

#[derive(Default, Debug)]
pub struct ImportReport {
    pub created: BTreeMap<&'static str, usize>,
    pub updated: usize,
    pub unchanged: usize,
    pub media: usize,
}

#[derive(Default, Clone, Copy)]
pub struct ImportOptions {
    /// Moves every date by this much (the demo content lands at the moment it is loaded).
    pub shift: Option<Duration>,
    pub progress: bool,
}

pub async fn import_command(config: &Config, file: &Path) -> Outcome {
    let store = open_store(config).await?;
    let options = ImportOptions {
        shift: None,
        progress: true,
    };
    let report = import_file(&store, &config.media_dir(), file, options).await;
    store.close().await;
    let report = report?;
    let created: Vec<String> = report
        .created
        .iter()
        .map(|(k, n)| format!("{n} {k}{}", if *n == 1 { "" } else { "s" }))
        .collect();
    println!(
        "imported {}: created {}; updated {}; unchanged {}; {} media files",
        file.display(),
        if created.is_empty() {
            "nothing".to_string()
        } else {
            created.join(", ")
        },
        report.updated,
        report.unchanged,
        report.media
    );
    Ok(())
}

pub async fn import_file(
    store: &Store,
    media_dir: &Path,
    file: &Path,
    options: ImportOptions,
) -> Result<ImportReport, Failure> {
    let checked = check_file(store, file).await?;
    write_file(store, media_dir, file, &checked, options).await
}

/// Lines per write transaction of an import.
const BATCH: usize = 500;

/// Problems reported in full; beyond them, only counted.
const MAX_REPORTED: usize = 1000;

/// The lines of a file, one at a time, with their numbers (from 1). Invalid UTF-8 is
/// reported as such, not as a read error.
struct Lines {
    reader: std::io::BufReader<std::fs::File>,
    buf: Vec<u8>,
    line: usize,
}

impl Lines {
    fn open(file: &Path) -> Result<Lines, Failure> {
        let f = std::fs::File::open(file).map_err(|e| {
            Failure::Refused(vec![format!(
                "{}: cannot read the file: {e}",
                file.display()
            )])
        })?;
        Ok(Lines {
            reader: std::io::BufReader::with_capacity(1 << 20, f),
            buf: Vec::new(),
            line: 0,
        })
    }

    /// The next line: `None` at the end, `Some((n, Err(())))` for a line that is not UTF-8.
    fn next(&mut self, file: &Path) -> Result<Option<NumberedLine<'_>>, Failure> {
        use std::io::BufRead;
        self.buf.clear();
        let n = self
            .reader
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| anyhow::anyhow!("{}: cannot read the file: {e}", file.display()))?;
        if n == 0 {
            return Ok(None);
        }
        self.line += 1;
        Ok(Some((
            self.line,
            std::str::from_utf8(&self.buf).map_err(|_| ()),
        )))
    }
}

/// A line's number and its text (`Err` when it is not UTF-8).
type NumberedLine<'a> = (usize, Result<&'a str, ()>);

/// One line of a file as a pass sees it: its number, and its item (`None` for a blank
/// line) or what is wrong with it.
struct CheckedLine {
    line: usize,
    item: Result<Option<Item>, LineProblem>,
}

enum LineProblem {
    NotUtf8,
    Invalid(Vec<ValidationError>),
}

/// Lines per chunk handed to a checking thread.
const CHUNK: usize = 64;

/// Threads that check lines (parsing and cleaning the bodies is most of an import's work).
const CHECKERS: usize = 2;

/// Reads `file` on a thread of its own and checks its lines on `CHECKERS` threads, a few
/// chunks ahead of the caller: the items come back in the file's order, while the caller
/// writes the ones before. Lines up to `skip` are not checked (an interrupted import's).
/// The reading thread's result is the file's fingerprint.
struct CheckedLines {
    outs: Vec<tokio::sync::mpsc::Receiver<Passed<Vec<CheckedLine>>>>,
    next: usize,
    ended: bool,
    reader: Option<std::thread::JoinHandle<Result<Fingerprint, Failure>>>,
}

/// What goes down the channels: a chunk, `Ok(None)` after the last one, or why reading
/// stopped. A channel that closes without `Ok(None)` means a thread died: a failure, not
/// the end of the file.
type Passed<T> = Result<Option<T>, Failure>;

/// What checks one line (`check_line`).
type LineCheck = fn(&Path, &str) -> Result<Option<Item>, Vec<ValidationError>>;

impl CheckedLines {
    fn open(file: &Path, skip: usize) -> Result<CheckedLines, Failure> {
        CheckedLines::open_with(file, skip, check_line)
    }

    /// As `open`, with the check each line gets.
    fn open_with(file: &Path, skip: usize, check: LineCheck) -> Result<CheckedLines, Failure> {
        let mut lines = Lines::open(file)?;
        let mut ins = Vec::new();
        let mut outs = Vec::new();
        for _ in 0..CHECKERS {
            let (to_checker, mut chunks) =
                tokio::sync::mpsc::channel::<Passed<Vec<(usize, Option<String>)>>>(2);
            let (to_caller, out) = tokio::sync::mpsc::channel(2);
            let file = file.to_path_buf();
            std::thread::spawn(move || {
                while let Some(chunk) = chunks.blocking_recv() {
                    let checked = chunk.map(|chunk| {
                        chunk.map(|lines| {
                            lines
                                .into_iter()
                                .map(|(line, text)| CheckedLine {
                                    line,
                                    item: match text {
                                        None => Err(LineProblem::NotUtf8),
                                        Some(text) => {
                                            check(&file, &text).map_err(LineProblem::Invalid)
                                        }
                                    },
                                })
                                .collect()
                        })
                    });
                    if to_caller.blocking_send(checked).is_err() {
                        break;
                    }
                }
            });
            ins.push(to_checker);
            outs.push(out);
        }
        let file = file.to_path_buf();
        let reader = std::thread::spawn(move || {
            let stopped = || Failure::Failed(anyhow::anyhow!("the import stopped reading"));
            let mut print = Fingerprint::new();
            let mut chunk = Vec::with_capacity(CHUNK);
            let mut n = 0;
            loop {
                let (line, text) = match lines.next(&file) {
                    Ok(Some((line, text))) => (line, text.ok().map(str::to_string)),
                    Ok(None) => break,
                    Err(e) => {
                        // The checker whose turn it is passes the failure on.
                        let _ = ins[n % CHECKERS].blocking_send(Err(e));
                        return Err(stopped());
                    }
                };
                print.add(&lines.buf);
                if line > skip {
                    chunk.push((line, text));
                }
                if chunk.len() == CHUNK {
                    ins[n % CHECKERS]
                        .blocking_send(Ok(Some(std::mem::take(&mut chunk))))
                        .map_err(|_| stopped())?;
                    n += 1;
                }
            }
            if !chunk.is_empty() {
                ins[n % CHECKERS]
                    .blocking_send(Ok(Some(chunk)))
                    .map_err(|_| stopped())?;
                n += 1;
            }
            ins[n % CHECKERS]
                .blocking_send(Ok(None))
                .map_err(|_| stopped())?;
            Ok(print)
        });
        Ok(CheckedLines {
            outs,
            next: 0,
            ended: false,
            reader: Some(reader),
        })
    }

    /// The next chunk of checked lines, in order; `None` after the last.
    async fn next(&mut self) -> Result<Option<Vec<CheckedLine>>, Failure> {
        if self.ended {
            return Ok(None);
        }
        let k = self.next % CHECKERS;
        self.next += 1;
        match self.outs[k].recv().await {
            Some(Ok(Some(chunk))) => Ok(Some(chunk)),
            Some(Ok(None)) => {
                self.ended = true;
                Ok(None)
            }
            Some(Err(e)) => Err(e),
            None => Err(Failure::Failed(anyhow::anyhow!(
                "a thread checking the file's lines stopped"
            ))),
        }
    }

    /// The file's fingerprint, once every chunk was taken.
    fn finish(mut self) -> Result<Fingerprint, Failure> {
        self.outs.clear();
        match self.reader.take().map(|r| r.join()) {
            Some(Ok(print)) => print,
            _ => Err(Failure::Failed(anyhow::anyhow!(
                "the file's reader stopped"
            ))),
        }
    }
}

/// A stable fingerprint of a file's bytes (64-bit FNV-1a, with the size), by which an
/// interrupted import is recognised when it is run again.
#[derive(Default)]
struct Fingerprint {
    hash: u64,
    size: u64,
}

impl Fingerprint {
    fn new() -> Self {
        Fingerprint {
            hash: 0xcbf2_9ce4_8422_2325,
            size: 0,
        }
    }

    fn add(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.hash ^= u64::from(*b);
            self.hash = self.hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self.size += bytes.len() as u64;
    }

    fn finish(&self) -> String {
        format!("jsonl-{}-{:016x}", self.size, self.hash)
    }
}

/// What the first pass found: the file's fingerprint and how many items it holds.
pub(crate) struct Checked {
    fingerprint: String,
    items: usize,
}

fn line_error(file: &Path, line: usize, e: &ValidationError) -> String {
    format!("{}:{line}: {e}", file.display())
}

/// Resolves a path written in the file: absolute, or relative to the file's folder.
fn resolve(file: &Path, written: &str) -> PathBuf {
    let p = Path::new(written);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        file.parent().unwrap_or(Path::new(".")).join(p)
    }
}

fn is_local(src: &str) -> bool {
    !(src.starts_with("http://")
        || src.starts_with("https://")
        || src.starts_with("//")
        || src.starts_with('/')
        || src.starts_with("data:"))
}

fn check_image(file: &Path, field: &str, written: &str) -> Result<PathBuf, ValidationError> {
    let path = resolve(file, written);
    if !path.is_file() {
        return Err(ValidationError::new(field, ErrorCode::ImageNotFound)
            .with_detail(format!("«{written}» (looked for {})", path.display())));
    }
    let bytes = std::fs::read(&path).map_err(|e| {
        ValidationError::new(field, ErrorCode::ImageNotFound)
            .with_detail(format!("«{written}»: {e}"))
    })?;
    midad_media::inspect(&bytes)
        .and_then(|inspected| midad_media::variants::check_pixels(&inspected))
        .map_err(|e| {
            ValidationError::new(field, ErrorCode::ImageInvalid)
                .with_detail(format!("«{written}»: {e}"))
        })?;
    Ok(path)
}

/// Checks one line on its own (the checks across lines are the caller's): the item, or
/// its problems. `Ok(None)` for a blank line.
fn check_line(file: &Path, text: &str) -> Result<Option<Item>, Vec<ValidationError>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let checked = exchange::parse_line(text)?;
    let mut problems = Vec::new();
    let record = &checked.record;
    let image = match record.image.as_deref().filter(|s| !s.trim().is_empty()) {
        Some(written) => match check_image(file, "image", written) {
            Ok(p) => Some(p),
            Err(e) => {
                problems.push(e);
                None
            }
        },
        None => None,
    };
    let blocks = body::from_html(record.body_html.as_deref().unwrap_or(""));
    if checked.kind != ArticleKind::Caricature && blocks.is_empty() {
        problems.push(
            ValidationError::new("body_html", ErrorCode::BodyRequired)
                .with_detail("the HTML holds no text, image or embed"),
        );
    }
    let mut body_images = HashMap::new();
    for block in &blocks {
        if let Block::Image { src, .. } = block
            && is_local(src)
        {
            match check_image(file, "body_html", src) {
                Ok(path) => {
                    body_images.insert(src.clone(), path);
                }
                Err(e) => problems.push(e),
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(Some(Item {
        checked,
        blocks,
        image,
        body_images,
        section_id: None,
        image_id: None,
    }))
}

/// The first pass: reads and checks every line, holding one line at a time. Returns every
/// problem of every line (the first `MAX_REPORTED` in full), or what the second pass needs.
async fn check_file(store: &Store, file: &Path) -> Result<Checked, Failure> {
    let mut lines = CheckedLines::open(file, 0)?;
    let mut errors = Vec::new();
    let mut more_errors = 0usize;
    let mut report = |errors: &mut Vec<String>, message: String| {
        if errors.len() < MAX_REPORTED {
            errors.push(message);
        } else {
            more_errors += 1;
        }
    };
    let mut items = 0usize;
    let mut external_ids: HashSet<Box<str>> = HashSet::new();
    let mut page_slugs = HashSet::new();
    let mut parents: Vec<(usize, String)> = Vec::new();
    while let Some(chunk) = lines.next().await? {
        for CheckedLine { line, item } in chunk {
            let item = match item {
                Ok(Some(item)) => item,
                Ok(None) => continue,
                Err(LineProblem::NotUtf8) => {
                    report(
                        &mut errors,
                        format!("{}:{line}: the line is not valid UTF-8", file.display()),
                    );
                    continue;
                }
                Err(LineProblem::Invalid(es)) => {
                    for e in &es {
                        report(&mut errors, line_error(file, line, e));
                    }
                    continue;
                }
            };
            let record = &item.checked.record;
            if let Some(ext) = &record.external_id
                && !external_ids.insert(ext.as_str().into())
            {
                let e = ValidationError::new("external_id", ErrorCode::ExternalIdRepeated)
                    .with_detail(ext.clone());
                report(&mut errors, line_error(file, line, &e));
                continue;
            }
            if item.checked.kind == ArticleKind::Page {
                let slug = record.slug.clone().unwrap_or_default();
                let title = record.title.clone().unwrap_or_default();
                page_slugs.insert(midad_arabic::slugify(if slug.is_empty() {
                    &title
                } else {
                    &slug
                }));
            }
            if let Some(parent) = &record.parent {
                parents.push((line, parent.clone()));
            }
            items += 1;
        }
    }
    let print = lines.finish()?;
    // A page's parent must be a page of this file or of the site.
    for (line, parent) in &parents {
        let slug = midad_arabic::slugify(parent);
        let known = page_slugs.contains(&slug)
            || store
                .article_by_slug(ArticleKind::Page, &slug)
                .await
                .map_err(anyhow::Error::from)?
                .is_some();
        if !known {
            let e = ValidationError::new("parent", ErrorCode::ParentNotFound)
                .with_detail(format!("no page «{parent}»"));
            report(&mut errors, line_error(file, *line, &e));
        }
    }
    if errors.is_empty() {
        return Ok(Checked {
            fingerprint: print.finish(),
            items,
        });
    }
    let n = errors.len() + more_errors;
    if more_errors > 0 {
        errors.push(format!(
            "{}: {more_errors} more problems not shown",
            file.display()
        ));
    }
    errors.push(format!(
        "{}: {n} problem{} found; nothing was imported",
        file.display(),
        if n == 1 { "" } else { "s" }
    ));
    Err(Failure::Refused(errors))
}

/// Name → id caches, so a 10,000-line file does not look up the same section 10,000 times.
#[derive(Default)]
pub(crate) struct Names {
    pub sections: HashMap<String, Id>,
    pub tags: HashMap<String, Id>,
    pub authors: HashMap<String, Id>,
}

/// Writes checked items into one transaction: names resolved once, images stored with
/// their variants, an item with a known `external_id` updated in place (or left alone when
/// nothing changed), pages' parents resolved at the end (a child may come first).
pub(crate) struct Writer<'a> {
    pub media_dir: &'a Path,
    pub options: ImportOptions,
    pub names: Names,
    pub report: ImportReport,
    deferred_parents: Vec<(Id, String)>,
}

/// What became of one item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Written {
    Created(Id),
    Updated(Id),
    Unchanged(Id),
}

impl Written {
    pub fn id(self) -> Id {
        match self {
            Written::Created(id) | Written::Updated(id) | Written::Unchanged(id) => id,
        }
    }
}

impl<'a> Writer<'a> {
    pub fn new(media_dir: &'a Path, options: ImportOptions) -> Self {
        Writer {
            media_dir,
            options,
            names: Names::default(),
            report: ImportReport::default(),
            deferred_parents: Vec::new(),
        }
    }

    pub async fn write(&mut self, tx: &mut Tx, item: Item) -> Result<Written, Failure> {
        self.write_batch(tx, vec![item])
            .await?
            .pop()
            .ok_or_else(|| Failure::Failed(anyhow::anyhow!("an item was not written")))
    }

    /// Writes items in a few statements for the batch: the known ones (by `external_id`,
    /// looked up together) updated in place or left alone, the new ones inserted together.
    /// Returns what became of each, in the order given.
    pub async fn write_batch(
        &mut self,
        tx: &mut Tx,
        items: Vec<Item>,
    ) -> Result<Vec<Written>, Failure> {
        let mut prepared = Vec::with_capacity(items.len());
        for item in items {
            prepared.push(
                prepare_item(
                    tx,
                    self.media_dir,
                    item,
                    self.options,
                    &mut self.names,
                    &mut self.report,
                )
                .await?,
            );
        }
        let external_ids: Vec<&str> = prepared
            .iter()
            .filter_map(|p| p.data.external_id.as_deref())
            .collect();
        let known = tx
            .article_ids_by_external_ids(&external_ids)
            .await
            .map_err(anyhow::Error::from)?;
        let mut written: Vec<Option<Written>> = vec![None; prepared.len()];
        let mut new = Vec::new();
        for (i, mut p) in prepared.into_iter().enumerate() {
            // A page whose parent was not found may name a new page earlier in the batch:
            // those are written first, and the parent looked for again (pages are few).
            if let Some(parent) = p.parent.as_deref()
                && p.data.parent_id.is_none()
                && !new.is_empty()
            {
                self.insert_new(tx, std::mem::take(&mut new), &mut written)
                    .await?;
                p.data.parent_id = tx
                    .page_id_by_slug(&midad_arabic::slugify(parent))
                    .await
                    .map_err(anyhow::Error::from)?;
            }
            let current = match p.data.external_id.as_deref().and_then(|e| known.get(e)) {
                Some(id) => tx.article(*id).await.map_err(anyhow::Error::from)?,
                None => None,
            };
            match current {
                Some(current) => {
                    written[i] = Some(
                        write_known(tx, p, current, &mut self.report, &mut self.deferred_parents)
                            .await?,
                    );
                }
                None => new.push((i, p)),
            }
        }
        self.insert_new(tx, new, &mut written).await?;
        Ok(written.into_iter().flatten().collect())
    }

    /// Inserts new items together, recording each in `written` at its place.
    async fn insert_new(
        &mut self,
        tx: &mut Tx,
        new: Vec<(usize, Prepared)>,
        written: &mut [Option<Written>],
    ) -> Result<(), Failure> {
        if new.is_empty() {
            return Ok(());
        }
        let (places, new): (Vec<_>, Vec<_>) = new.into_iter().unzip();
        let parents: Vec<Option<String>> = new
            .iter()
            .map(|p: &Prepared| p.parent.clone().filter(|_| p.data.parent_id.is_none()))
            .collect();
        let inserted = tx
            .insert_articles(new.into_iter().map(|p| p.data).collect())
            .await
            .map_err(refused_or_failed)?;
        for ((i, article), parent) in places.into_iter().zip(inserted).zip(parents) {
            *self
                .report
                .created
                .entry(article.data.kind.as_str())
                .or_default() += 1;
            if let Some(parent) = parent {
                self.deferred_parents.push((article.id, parent));
            }
            written[i] = Some(Written::Created(article.id));
        }
        Ok(())
    }

    /// Stores one image file (deduplicated by content) as a media item.
    pub async fn media(
        &mut self,
        tx: &mut Tx,
        path: &Path,
        when: DateTime<Utc>,
        meta: (Option<String>, Option<String>, Option<String>),
    ) -> Result<midad_core::Media, Failure> {
        store_media(tx, self.media_dir, path, when, meta, &mut self.report).await
    }

    /// Gives pages whose parent came later in the file their parent.
    pub async fn finish(self, tx: &mut Tx) -> Result<ImportReport, Failure> {
        for (id, parent) in self.deferred_parents {
            let slug = midad_arabic::slugify(&parent);
            let parent_id = tx
                .page_id_by_slug(&slug)
                .await
                .map_err(anyhow::Error::from)?;
            let Some(article) = tx.article(id).await.map_err(anyhow::Error::from)? else {
                continue;
            };
            if article.data.parent_id != parent_id {
                let mut data = article.data;
                data.parent_id = parent_id;
                tx.update_article(id, None, data)
                    .await
                    .map_err(anyhow::Error::from)?;
            }
        }
        Ok(self.report)
    }
}

/// The second pass: reads the checked file again and writes it, `BATCH` lines per
/// transaction, each commit recording the last line written. Lines an interrupted run of
/// the same file already wrote are skipped.
async fn write_file(
    store: &Store,
    media_dir: &Path,
    file: &Path,
    checked: &Checked,
    options: ImportOptions,
) -> Result<ImportReport, Failure> {
    let done = store
        .import_progress(&checked.fingerprint)
        .await
        .map_err(anyhow::Error::from)?
        .unwrap_or(0) as usize;
    if done > 0 && options.progress {
        eprintln!(
            "{}: an earlier import of this file stopped after line {done}; carrying on from there",
            file.display()
        );
    }
    let bar = if options.progress {
        let bar = ProgressBar::new(checked.items as u64);
        bar.set_style(
            ProgressStyle::with_template("{bar:40} {pos}/{len} {msg} ({eta})")
                .unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        bar.set_message("importing");
        bar
    } else {
        ProgressBar::hidden()
    };
    let mut writer = Writer::new(media_dir, options);
    let mut lines = CheckedLines::open(file, done)?;
    let mut tx = store.begin().await.map_err(anyhow::Error::from)?;
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(chunk) = lines.next().await? {
        for CheckedLine { line, item } in chunk {
            // The first pass accepted every line: a line that fails now changed since.
            let item = match item {
                Ok(Some(item)) => item,
                Ok(None) => continue,
                Err(_) => {
                    return Err(Failure::Refused(vec![format!(
                        "{}:{line}: the file changed while it was imported; run the import again",
                        file.display()
                    )]));
                }
            };
            batch.push(item);
            if batch.len() == BATCH {
                let n = batch.len() as u64;
                writer
                    .write_batch(&mut tx, std::mem::take(&mut batch))
                    .await?;
                bar.inc(n);
                tx.set_import_progress(&checked.fingerprint, line as i64)
                    .await
                    .map_err(anyhow::Error::from)?;
                tx.commit().await.map_err(anyhow::Error::from)?;
                tx = store.begin().await.map_err(anyhow::Error::from)?;
            }
        }
    }
    if !batch.is_empty() {
        let n = batch.len() as u64;
        writer.write_batch(&mut tx, batch).await?;
        bar.inc(n);
    }
    // The reader must have reached the end of the very file the first pass checked;
    // otherwise the last batch is not committed and the next run starts afresh.
    if lines.finish()?.finish() != checked.fingerprint {
        return Err(Failure::Refused(vec![format!(
            "{}: the file changed while it was imported; run the import again",
            file.display()
        )]));
    }
    let report = writer.finish(&mut tx).await?;
    tx.clear_import_progress(&checked.fingerprint)
        .await
        .map_err(anyhow::Error::from)?;
    bar.set_message("committing");
    tx.commit().await.map_err(anyhow::Error::from)?;
    bar.finish_and_clear();
    // Thousands of new rows change what the planner should choose; a failure here costs
    // speed, not data.
    if let Err(e) = store.optimize().await {
        tracing::warn!(error = %e, "could not refresh the planner's statistics");
    }
    Ok(report)
}

fn shifted(t: Option<DateTime<Utc>>, shift: Option<Duration>) -> Option<DateTime<Utc>> {
    t.map(|t| t + shift.unwrap_or_else(Duration::zero))
}

async fn store_media(
    tx: &mut Tx,
    media_dir: &Path,
    path: &Path,
    when: DateTime<Utc>,
    meta: (Option<String>, Option<String>, Option<String>),
    report: &mut ImportReport,
) -> Result<midad_core::Media, Failure> {
    let bytes =
        std::fs::read(path).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    // A file already stored (a second import) is found before any resizing.
    let planned = midad_media::planned_path(&bytes, &name, when.year(), when.month())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if let Some(existing) = tx
        .media_by_path(&planned)
        .await
        .map_err(anyhow::Error::from)?
        && midad_media::LocalDisk::new(media_dir).exists(&existing.path)
    {
        return Ok(existing);
    }
    let stored = midad_media::store(media_dir, &bytes, &name, when.year(), when.month())
        .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
    if let Some(existing) = tx
        .media_by_path(&stored.path)
        .await
        .map_err(anyhow::Error::from)?
    {
        return Ok(existing);
    }
    report.media += 1;
    let (alt, caption, credit) = meta;
    Ok(tx
        .insert_media(NewMedia {
            path: stored.path,
            mime: stored.inspected.kind.mime().into(),
            width: stored.inspected.width.map(i64::from),
            height: stored.inspected.height.map(i64::from),
            size: stored.size as i64,
            alt,
            caption,
            credit,
            variants: stored.variants,
        })
        .await
        .map_err(anyhow::Error::from)?)
}

/// An item ready to write: its fields as an article's, its names and images resolved.
struct Prepared {
    data: ArticleData,
    /// The slug the line gives, if any (a known item keeps its own otherwise).
    slug: Option<String>,
    /// The parent page the line names.
    parent: Option<String>,
}

/// Turns an item into an article's fields: names found or created, images stored, the
/// parent page looked up.
async fn prepare_item(
    tx: &mut Tx,
    media_dir: &Path,
    item: Item,
    options: ImportOptions,
    names: &mut Names,
    report: &mut ImportReport,
) -> Result<Prepared, Failure> {
    let Item {
        checked,
        mut blocks,
        image,
        body_images,
        section_id,
        image_id,
        ..
    } = item;
    let r = checked.record;
    let mut data = ArticleData::new(checked.kind, r.title.clone().unwrap_or_default());
    data.status = checked.status;
    data.slug = r.slug.clone().unwrap_or_default();
    data.subtitle = r.subtitle.clone();
    data.excerpt = r.excerpt.clone();
    data.source = r.source.clone();
    data.image_caption = r.image_caption.clone();
    data.image_alt = r.image_alt.clone();
    data.image_credit = r.image_credit.clone();
    data.artist = r.artist.clone();
    data.seo_title = r.seo_title.clone();
    data.seo_description = r.seo_description.clone();
    data.breaking = r.breaking;
    data.featured = r.featured;
    data.external_id = r.external_id.clone();
    data.published_at = shifted(
        checked.published_at.map(|t| t.with_timezone(&Utc)),
        options.shift,
    );
    data.updated_at = shifted(
        checked.updated_at.map(|t| t.with_timezone(&Utc)),
        options.shift,
    );
    let when = data.published_at.unwrap_or_else(|| tx.now());

    // The id of a named section, tag or byline: from the cache, or created once.
    macro_rules! id_of {
        ($cache:expr, $name:expr, $create:ident) => {
            match $cache.get($name) {
                Some(id) => *id,
                None => {
                    let id = tx.$create($name).await.map_err(anyhow::Error::from)?.id;
                    $cache.insert($name.clone(), id);
                    id
                }
            }
        };
    }
    if let Some(name) = &r.section {
        data.section_id = Some(id_of!(names.sections, name, section_by_name_or_create));
    }
    if section_id.is_some() {
        data.section_id = section_id;
    }
    if image_id.is_some() {
        data.image_id = image_id;
    }
    for name in &r.tags {
        data.tag_ids
            .push(id_of!(names.tags, name, tag_by_name_or_create));
    }
    for name in &r.authors {
        data.author_ids
            .push(id_of!(names.authors, name, author_by_name_or_create));
    }
    if let Some(path) = &image {
        let meta = (
            r.image_alt.clone(),
            r.image_caption.clone(),
            r.image_credit.clone(),
        );
        let media = store_media(tx, media_dir, path, when, meta, report).await?;
        data.image_id = Some(media.id);
    }
    for block in &mut blocks {
        if let Block::Image {
            src,
            alt,
            caption,
            credit,
            media_id,
        } = block
            && let Some(path) = body_images.get(src.as_str())
        {
            let path = path.clone();
            let meta = (Some(alt.clone()), caption.clone(), credit.clone());
            let media = store_media(tx, media_dir, &path, when, meta, report).await?;
            *src = format!("/media/{}", media.path);
            *media_id = Some(media.id);
        }
    }
    data.body = blocks;

    let parent = r.parent.clone();
    if let Some(parent) = &parent {
        let slug = midad_arabic::slugify(parent);
        data.parent_id = tx
            .page_id_by_slug(&slug)
            .await
            .map_err(anyhow::Error::from)?;
    }
    Ok(Prepared {
        data,
        slug: r.slug.clone(),
        parent,
    })
}

/// Writes an item the site already has (by `external_id`): updated in place, or left
/// alone when nothing changed.
async fn write_known(
    tx: &mut Tx,
    prepared: Prepared,
    current: midad_core::Article,
    report: &mut ImportReport,
    deferred_parents: &mut Vec<(Id, String)>,
) -> Result<Written, Failure> {
    let Prepared {
        mut data,
        slug,
        parent,
    } = prepared;
    // Keep what the line does not say: the address and the publication time. A slug the
    // site had to number (`…-2`, another item had it) is the line's slug too.
    if slug
        .as_deref()
        .is_none_or(|s| numbered_variant(&current.data.slug, &midad_arabic::slugify(s)))
    {
        data.slug = current.data.slug.clone();
    }
    if data.published_at.is_none() {
        data.published_at = current.data.published_at;
    }
    // A parent later in the file is given at the end.
    let unresolved = parent.filter(|_| data.parent_id.is_none());
    let mut candidate = data.clone();
    candidate.normalize(tx.now());
    let written = if candidate == current.data {
        report.unchanged += 1;
        Written::Unchanged(current.id)
    } else {
        tx.update_article(current.id, None, data)
            .await
            .map_err(refused_or_failed)?;
        report.updated += 1;
        Written::Updated(current.id)
    };
    if let Some(parent) = unresolved {
        deferred_parents.push((current.id, parent));
    }
    Ok(written)
}

/// Whether `slug` is `wanted`, or `wanted` numbered to keep it unique (`wanted-2`).
fn numbered_variant(slug: &str, wanted: &str) -> bool {
    slug == wanted
        || slug
            .strip_prefix(wanted)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

fn refused_or_failed(e: midad_store::StoreError) -> Failure {
    match e {
        midad_store::StoreError::Invalid(v) => {
            Failure::Refused(v.0.iter().map(|e| e.to_string()).collect())
        }
        other => Failure::Failed(other.into()),
    }
}

/// Writes every article, caricature and page, oldest id first, with their images copied
/// into a `media` folder beside the file.
pub async fn export_command(config: &Config, file: &Path) -> Outcome {
    let store = open_store(config).await?;
    let n = export_file(&store, &config.media_dir(), file).await;
    store.close().await;
    println!("exported {} items to {}", n?, file.display());
    Ok(())
}

pub async fn export_file(store: &Store, media_dir: &Path, file: &Path) -> Result<usize, Failure> {
    let dir = file.parent().unwrap_or(Path::new(".")).to_path_buf();
    let out_media = dir.join("media");
    let sections: HashMap<Id, String> = store
        .sections()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    let tags: HashMap<Id, String> = store
        .tags()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let authors: HashMap<Id, String> = store
        .authors()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|a| (a.id, a.name))
        .collect();
    let media: HashMap<Id, midad_core::Media> = store
        .all_media()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    // Pages are few; their slugs name a page's parent.
    let page_slugs: HashMap<Id, String> = store
        .articles(&ArticleQuery {
            kind: Some(ArticleKind::Page),
            order: Order::Id,
            ..Default::default()
        })
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|a| (a.id, a.data.slug))
        .collect();
    let copy = |path: &str| -> Result<String, Failure> {
        let from = media_dir.join(path);
        let to = out_media.join(path);
        if let Some(parent) = to.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::copy(&from, &to)
            .map_err(|e| anyhow::anyhow!("cannot copy {}: {e}", from.display()))?;
        Ok(format!("media/{path}"))
    };
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
    // Write beside the target and rename, so a reader never sees half a file.
    let tmp = dir.join(format!(
        ".{}.tmp",
        file.file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_default()
    ));
    let mut out = std::io::BufWriter::new(std::fs::File::create(&tmp)?);
    let mut written = 0;
    let mut after = None;
    loop {
        // A chunk at a time, by id: memory stays bounded whatever the archive holds.
        let chunk = store
            .articles(&ArticleQuery {
                order: Order::Id,
                after_id: after,
                limit: EXPORT_CHUNK,
                ..Default::default()
            })
            .await
            .map_err(anyhow::Error::from)?;
        let Some(last) = chunk.last() else {
            break;
        };
        after = Some(last.id);
        for a in &chunk {
            let d = &a.data;
            let mut blocks = d.body.clone();
            for block in &mut blocks {
                if let Block::Image { src, .. } = block
                    && let Some(path) = src.strip_prefix("/media/")
                {
                    *src = copy(path)?;
                }
            }
            let image = match d.image_id.and_then(|id| media.get(&id)) {
                Some(m) => Some(copy(&m.path)?),
                None => None,
            };
            let record = Record {
                kind: Some(d.kind.as_str().into()),
                title: Some(d.title.clone()),
                slug: Some(d.slug.clone()),
                subtitle: d.subtitle.clone(),
                excerpt: d.excerpt.clone(),
                section: d.section_id.and_then(|id| sections.get(&id).cloned()),
                tags: d
                    .tag_ids
                    .iter()
                    .filter_map(|id| tags.get(id).cloned())
                    .collect(),
                authors: d
                    .author_ids
                    .iter()
                    .filter_map(|id| authors.get(id).cloned())
                    .collect(),
                source: d.source.clone(),
                body_html: Some(body::render_html(&blocks)),
                image,
                image_caption: d.image_caption.clone(),
                image_alt: d.image_alt.clone(),
                image_credit: d.image_credit.clone(),
                artist: d.artist.clone(),
                parent: d.parent_id.and_then(|id| page_slugs.get(&id).cloned()),
                seo_title: d.seo_title.clone(),
                seo_description: d.seo_description.clone(),
                status: Some(d.status.as_str().into()),
                published_at: d.published_at.map(time),
                updated_at: d.updated_at.map(time),
                breaking: d.breaking,
                featured: d.featured,
                external_id: d.external_id.clone(),
            };
            serde_json::to_writer(&mut out, &record).map_err(anyhow::Error::from)?;
            out.write_all(b"\n")?;
            written += 1;
        }
    }
    out.into_inner()
        .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", tmp.display()))?
        .sync_all()?;
    std::fs::rename(&tmp, file)?;
    Ok(written)
}

/// Items read per query of an export.
const EXPORT_CHUNK: i64 = 500;

#[cfg(test)]
mod tests {
    use super::{CheckedLines, ImportOptions, Item, Writer, check_line, numbered_variant};
    use midad_core::ArticleKind;
    use midad_core::ValidationError;
    use midad_store::Store;
    use std::path::Path;

    /// A checking thread that dies is a failure of the import, not the end of the file:
    /// the lines after it must not be silently dropped.
    #[tokio::test]
    async fn a_dead_checking_thread_is_not_the_end_of_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("lines.jsonl");
        let line = r#"{"title":"خبر","body_html":"<p>نص</p>"}"#;
        let mut text = String::new();
        for i in 0..1000 {
            text.push_str(if i == 500 { "boom" } else { line });
            text.push('\n');
        }
        std::fs::write(&file, text).unwrap();
        fn check(file: &Path, text: &str) -> Result<Option<Item>, Vec<ValidationError>> {
            assert!(text.trim() != "boom", "a checking thread died");
            check_line(file, text)
        }
        let Ok(mut lines) = CheckedLines::open_with(&file, 0, check) else {
            panic!("the file did not open");
        };
        let mut seen = 0;
        let outcome = loop {
            match lines.next().await {
                Ok(Some(chunk)) => seen += chunk.len(),
                Ok(None) => break "ended",
                Err(_) => break "failed",
            }
        };
        assert_eq!(outcome, "failed", "after {seen} lines");
        assert!(seen <= 500);
    }

    /// A child page whose parent is a new page earlier in the same batch has its parent
    /// when the batch commits: an import cut off after that commit must not leave it
    /// without one (parents given at the end are only for parents later in the file).
    #[tokio::test]
    async fn a_parent_earlier_in_the_batch_is_given_at_insert() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("midad.db").display());
        let store = Store::open(&url).await.unwrap();
        let file = Path::new("pages.jsonl");
        let lines = [
            r#"{"kind":"page","title":"من نحن","body_html":"<p>عن الموقع</p>"}"#,
            r#"{"kind":"article","title":"خبر","body_html":"<p>نص</p>"}"#,
            r#"{"kind":"page","title":"فريق التحرير","parent":"من نحن","body_html":"<p>الفريق</p>"}"#,
        ];
        let items = lines
            .iter()
            .map(|l| check_line(file, l).unwrap().unwrap())
            .collect();
        let mut writer = Writer::new(dir.path(), ImportOptions::default());
        let mut tx = store.begin().await.unwrap();
        let Ok(written) = writer.write_batch(&mut tx, items).await else {
            panic!("the batch was not written");
        };
        assert_eq!(written.len(), 3);
        // Committed without `finish`, as a batch is before the file's end.
        tx.commit().await.unwrap();
        let parent = store
            .article_by_slug(ArticleKind::Page, "من-نحن")
            .await
            .unwrap()
            .unwrap();
        let child = store
            .article_by_slug(ArticleKind::Page, "فريق-التحرير")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(child.data.parent_id, Some(parent.id));
        assert_eq!(
            child.version, 1,
            "written once, not inserted and then updated"
        );
        assert_eq!(written[2].id(), child.id);
        store.close().await;
    }

    #[test]
    fn numbered_slugs_are_the_same_address() {
        assert!(numbered_variant("خبر", "خبر"));
        assert!(numbered_variant("خبر-2", "خبر"));
        assert!(numbered_variant("خبر-12", "خبر"));
        assert!(!numbered_variant("خبر-عاجل", "خبر"));
        assert!(!numbered_variant("خبر-", "خبر"));
        assert!(!numbered_variant("اخر", "خبر"));
    }
}

//! `midad import-wordpress`: a WordPress site moved in one command, from the export file
//! WordPress writes (WXR) and, optionally, its uploads folder.
//!
//! The file is read twice, streaming both times so memory stays bounded whatever its size.
//! The first pass checks it whole (a truncated or hostile file is refused before anything
//! is written) and gathers what posts refer to: authors, categories, tags, attachments, and
//! each post's address. The second pass writes every post and page in one transaction,
//! through the same writer as `midad import`, then stores the old addresses as redirects.
//! `--dry-run` runs the second pass too, into a scratch media folder, and rolls it back: the
//! report it prints is the one a real run would print.

use crate::exchange::{ImportOptions, Item, Writer, Written};
use crate::{Failure, Outcome, config::Config, open_store};
use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;
use indicatif::{ProgressBar, ProgressStyle};
use midad_core::body::{self, Block};
use midad_core::exchange::{CheckedRecord, Record};
use midad_core::{ArticleKind, Id, Role, Status, redirect};
use midad_store::{NewUser, RedirectTarget, Store, Tx};
use midad_wordpress::{Attachments, Entry, Limits, ReadError, WxrReader};
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// What the command line asks for.
#[derive(Clone, Debug, Default)]
pub struct WpOptions {
    pub uploads: Option<PathBuf>,
    pub dry_run: bool,
    /// Posts filed under this category (by name or slug) become caricatures.
    pub caricature_category: String,
    /// The site's time zone, to read the local dates of drafts; found from the export's
    /// dates when not given.
    pub timezone: Option<String>,
    pub progress: bool,
}

/// The default name of the category whose posts are caricatures.
pub const CARICATURE_CATEGORY: &str = "كاريكاتير";

pub async fn command(config: &Config, file: &Path, options: WpOptions) -> Outcome {
    let store = open_store(config).await?;
    let zone = match &options.timezone {
        Some(_) => None,
        None => Some(site_zone(&store, config).await?),
    };
    let result = import(&store, &config.media_dir(), file, &options, zone).await;
    store.close().await;
    let report = result?;
    print!("{}", report.render(options.dry_run));
    Ok(())
}

/// The site's configured zone, tried first when the export's dates are matched to a zone.
async fn site_zone(store: &Store, config: &Config) -> Result<Tz, Failure> {
    let settings = midad_web::effective_settings(store, &config.site_overrides())
        .await
        .map_err(|e| Failure::Failed(anyhow::anyhow!("{e}")))?;
    Ok(settings.timezone.parse().unwrap_or(Tz::UTC))
}

// ----- the first pass -----

/// An attachment as posts refer to it.
#[derive(Clone, Debug)]
struct Attachment {
    /// Below the uploads folder (`2026/03/x.jpg`), when the export says.
    file: Option<String>,
    alt: String,
    caption: String,
    /// The photographer or agency, from the image's embedded metadata.
    credit: String,
    parent: i64,
    link: String,
    when: Option<DateTime<Utc>>,
}

/// A post or page as other posts and the redirects refer to it.
#[derive(Clone, Debug)]
struct PostInfo {
    post_type: String,
    name: String,
}

/// What the first pass learns.
#[derive(Default)]
struct Survey {
    channel: midad_wordpress::Channel,
    authors: HashMap<String, midad_wordpress::Author>,
    /// In file order; WordPress writes parents before children.
    categories: Vec<midad_wordpress::Term>,
    tags: Vec<midad_wordpress::Term>,
    lookup: Attachments,
    attachments: BTreeMap<i64, Attachment>,
    posts: HashMap<i64, PostInfo>,
    /// How many posts each category (by slug) files.
    category_use: HashMap<String, usize>,
    /// Logins of the writers of imported posts.
    writers: BTreeSet<String>,
    /// (local, UTC) dates of published posts, to find the site's zone.
    dates: Vec<(NaiveDateTime, NaiveDateTime)>,
    summary: midad_wordpress::Summary,
}

/// How deep a category tree is followed.
const MAX_DEPTH: usize = 16;

/// Dates kept to match a zone: enough to see several summers and winters.
const DATE_SAMPLE: usize = 4000;

fn open(file: &Path) -> Result<(BufReader<File>, u64), Failure> {
    let f = File::open(file).map_err(|e| {
        Failure::Refused(vec![format!(
            "{}: cannot read the file: {e}",
            file.display()
        )])
    })?;
    let size = f.metadata().map(|m| m.len()).unwrap_or(0);
    Ok((BufReader::with_capacity(256 * 1024, f), size))
}

fn refused(file: &Path, e: &ReadError) -> Failure {
    Failure::Refused(vec![
        format!("{}: {e}", file.display()),
        format!("{}: nothing was imported", file.display()),
    ])
}

fn bytes_bar(size: u64, show: bool, message: &'static str) -> ProgressBar {
    if !show {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(size);
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {bytes}/{total_bytes} {msg} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message(message);
    bar
}

/// Reads through a file and moves a progress bar by the bytes read.
struct Counted<R> {
    inner: R,
    bar: ProgressBar,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.bar.inc(n as u64);
        Ok(n)
    }
}

/// The export being read, with its progress counted.
type Wxr = WxrReader<BufReader<Counted<BufReader<File>>>>;

fn reader(
    file: &Path,
    message: &'static str,
    progress: bool,
) -> Result<(Wxr, ProgressBar), Failure> {
    let (input, size) = open(file)?;
    let bar = bytes_bar(size, progress, message);
    let counted = Counted {
        inner: input,
        bar: bar.clone(),
    };
    Ok((
        WxrReader::new(
            BufReader::with_capacity(64 * 1024, counted),
            Limits::default(),
        ),
        bar,
    ))
}

/// Whether a category (by its name or slug) is the one whose posts are caricatures.
fn is_caricature(name: &str, slug: &str, wanted: &str) -> bool {
    name.trim() == wanted || slug == wanted
}

fn survey(file: &Path, options: &WpOptions) -> Result<Survey, Failure> {
    let (mut wxr, bar) = reader(file, "checking", options.progress)?;
    let mut s = Survey::default();
    let mut seen_dates = 0usize;
    loop {
        let entry = match wxr.next_entry() {
            Ok(Some(entry)) => entry,
            Ok(None) => break,
            Err(e) => {
                bar.finish_and_clear();
                return Err(refused(file, &e));
            }
        };
        match entry {
            Entry::Channel(c) => s.channel = c,
            Entry::Author(a) => {
                s.authors.insert(a.login.clone(), a);
            }
            Entry::Category(t) => s.categories.push(t),
            Entry::Tag(t) => s.tags.push(t),
            Entry::Term(_) => {}
            Entry::Item(item) => {
                if s.lookup.insert(&item) {
                    let file = item
                        .meta("_wp_attached_file")
                        .filter(|f| inside_uploads(f))
                        .map(str::to_string)
                        .or_else(|| {
                            midad_wordpress::upload_path(
                                &item.attachment_url,
                                &s.channel.base_site_url,
                            )
                        });
                    s.attachments.insert(
                        item.post_id,
                        Attachment {
                            file,
                            alt: item
                                .meta("_wp_attachment_image_alt")
                                .unwrap_or_default()
                                .to_string(),
                            caption: item.excerpt.clone(),
                            credit: item
                                .meta("_wp_attachment_metadata")
                                .and_then(|m| php_string(m, "credit"))
                                .unwrap_or_default(),
                            parent: item.post_parent,
                            link: item.link.clone(),
                            when: midad_wordpress::item_time(&item, Tz::UTC),
                        },
                    );
                    continue;
                }
                if item.post_type != "post" && item.post_type != "page" {
                    continue;
                }
                s.posts.insert(
                    item.post_id,
                    PostInfo {
                        post_type: item.post_type.clone(),
                        name: item.post_name.clone(),
                    },
                );
                if item.post_type == "post" {
                    for term in item.terms("category") {
                        *s.category_use.entry(term.slug.clone()).or_default() += 1;
                    }
                    s.writers.insert(item.creator.clone());
                }
                if let (Some(local), Some(gmt)) = (item.post_date, item.post_date_gmt) {
                    // A reservoir keeps an even sample of a file of any length.
                    seen_dates += 1;
                    if s.dates.len() < DATE_SAMPLE {
                        s.dates.push((local, gmt));
                    } else {
                        let slot = (seen_dates.wrapping_mul(2_654_435_761)) % seen_dates;
                        if slot < DATE_SAMPLE {
                            s.dates[slot] = (local, gmt);
                        }
                    }
                }
            }
        }
    }
    bar.finish_and_clear();
    s.summary = wxr.into_summary();
    Ok(s)
}

/// A string value of a PHP-serialized array (`…s:6:"credit";s:9:"AFP/Reuters";…`), read by
/// its declared byte length; `None` when absent or malformed.
fn php_string(serialized: &str, key: &str) -> Option<String> {
    let marker = format!("s:{}:\"{key}\";s:", key.len());
    let rest = &serialized[serialized.find(&marker)? + marker.len()..];
    let (len, rest) = rest.split_once(':')?;
    let len: usize = len.parse().ok()?;
    let value = rest.strip_prefix('"')?.as_bytes().get(..len)?;
    String::from_utf8(value.to_vec()).ok()
}

/// Whether a path the export names stays inside the uploads folder once joined to it: the
/// file is data from outside and may be hand-made.
fn inside_uploads(relative: &str) -> bool {
    !relative.trim().is_empty()
        && !relative.starts_with('/')
        && !relative.contains(['\\', '\0', ':'])
        && relative
            .split('/')
            .all(|segment| !segment.is_empty() && segment != "." && segment != "..")
}

/// The zone in which every sampled post's local date is its UTC date: the site's own
/// zone first, then every other. `None` when no zone explains them all.
fn find_zone(dates: &[(NaiveDateTime, NaiveDateTime)], first: Tz) -> Option<Tz> {
    let explains = |zone: Tz| {
        dates.iter().all(|(local, gmt)| {
            let item = midad_wordpress::Item {
                post_date: Some(*local),
                post_date_gmt: Some(*gmt),
                ..Default::default()
            };
            midad_wordpress::zone_agrees(&item, zone)
        })
    };
    std::iter::once(first)
        .chain(chrono_tz::TZ_VARIANTS.iter().copied())
        .find(|zone| explains(*zone))
}

// ----- the report -----

#[derive(Default, Debug)]
pub struct WpReport {
    pub site: String,
    pub zone: String,
    pub zone_found: bool,
    /// Imported items by kind and status.
    pub imported: BTreeMap<(&'static str, &'static str), usize>,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub sections: usize,
    pub tags: usize,
    pub authors: usize,
    pub accounts: usize,
    pub media: usize,
    pub redirects: usize,
    pub comments: usize,
    /// Reasons an item was left out or changed, each with the items it concerns.
    pub notes: BTreeMap<String, Vec<String>>,
}

impl WpReport {
    fn note(&mut self, reason: impl Into<String>, item: impl Into<String>) {
        self.notes
            .entry(reason.into())
            .or_default()
            .push(item.into());
    }

    pub fn render(&self, dry_run: bool) -> String {
        let mut out = String::new();
        let head = if dry_run {
            "dry run: nothing was written; a real run would import"
        } else {
            "imported"
        };
        out.push_str(&format!(
            "{head} «{}» (dates read in {}{})\n",
            self.site,
            self.zone,
            if self.zone_found {
                ", found from the export"
            } else {
                ""
            }
        ));
        let mut kinds: BTreeMap<&str, Vec<String>> = BTreeMap::new();
        for ((kind, status), n) in &self.imported {
            kinds.entry(kind).or_default().push(format!("{n} {status}"));
        }
        for (kind, parts) in kinds {
            let total: usize = self
                .imported
                .iter()
                .filter(|((k, _), _)| *k == kind)
                .map(|(_, n)| n)
                .sum();
            out.push_str(&format!("  {kind}s: {total} ({})\n", parts.join(", ")));
        }
        out.push_str(&format!(
            "  new {}, updated {}, unchanged {}\n  sections: {}, tags: {}, bylines: {}, accounts without a password: {}, media files: {}, old addresses kept: {}\n",
            self.created,
            self.updated,
            self.unchanged,
            self.sections,
            self.tags,
            self.authors,
            self.accounts,
            self.media,
            self.redirects
        ));
        if self.comments > 0 {
            out.push_str(&format!(
                "  skipped: {} comments (Midad has no comments)\n",
                self.comments
            ));
        }
        for (reason, items) in &self.notes {
            let shown: Vec<&str> = items.iter().take(10).map(String::as_str).collect();
            let more = items.len().saturating_sub(shown.len());
            out.push_str(&format!(
                "  {reason}: {}{}\n",
                shown.join("; "),
                if more > 0 {
                    format!("; and {more} more")
                } else {
                    String::new()
                }
            ));
        }
        out
    }
}

// ----- the second pass -----

/// What every item of the second pass needs to know.
struct Context<'a> {
    survey: &'a Survey,
    options: &'a WpOptions,
    zone: Tz,
    now: DateTime<Utc>,
    /// Sections by category slug.
    sections: HashMap<String, (Id, String)>,
    /// Media by attachment id.
    media: HashMap<i64, midad_core::Media>,
    /// Attachment ids by the file's path below the uploads folder.
    by_file: HashMap<String, i64>,
}

impl Context<'_> {
    fn upload_file(&self, relative: &str) -> Option<PathBuf> {
        let root = self.options.uploads.as_ref()?;
        let path = root.join(relative);
        path.is_file().then_some(path)
    }
}

pub async fn import(
    store: &Store,
    media_dir: &Path,
    file: &Path,
    options: &WpOptions,
    site_zone: Option<Tz>,
) -> Result<WpReport, Failure> {
    if let Some(dir) = &options.uploads
        && !dir.is_dir()
    {
        return Err(Failure::Usage(format!(
            "--uploads {}: not a folder (give the wp-content/uploads folder of the old site)",
            dir.display()
        )));
    }
    let survey = survey(file, options)?;
    let (zone, zone_found) = match &options.timezone {
        Some(name) => (
            name.parse::<Tz>().map_err(|_| {
                Failure::Usage(format!(
                    "--timezone {name}: not a time zone name (such as Asia/Beirut)"
                ))
            })?,
            false,
        ),
        None => {
            let first = site_zone.unwrap_or(Tz::UTC);
            match find_zone(&survey.dates, first) {
                Some(z) => (z, !survey.dates.is_empty()),
                None => (first, false),
            }
        }
    };
    let mut report = WpReport {
        site: if survey.channel.title.is_empty() {
            survey.channel.link.clone()
        } else {
            survey.channel.title.clone()
        },
        zone: zone.name().to_string(),
        zone_found,
        comments: survey.summary.comments,
        ..Default::default()
    };
    if options.timezone.is_none() && !zone_found && !survey.dates.is_empty() {
        report.note(
            "no time zone explains every post's local and UTC dates; drafts' dates read in",
            zone.name(),
        );
    }

    // A dry run writes its media into a scratch folder that goes away with it.
    let scratch = if options.dry_run {
        Some(tempfile::tempdir().map_err(anyhow::Error::from)?)
    } else {
        None
    };
    let media_dir = scratch.as_ref().map_or(media_dir, |d| d.path());
    let mut writer = Writer::new(
        media_dir,
        ImportOptions {
            shift: None,
            progress: false,
        },
    );
    let known_tags: HashSet<String> = store
        .tags()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|t| t.name)
        .collect();
    let mut tx = store.begin().await.map_err(anyhow::Error::from)?;
    let mut ctx = Context {
        survey: &survey,
        options,
        zone,
        now: tx.now(),
        sections: HashMap::new(),
        media: HashMap::new(),
        by_file: HashMap::new(),
    };
    prepare_sections(store, &mut tx, &mut ctx, &mut writer, &mut report).await?;
    prepare_bylines(store, &mut tx, &survey, &mut writer, &mut report).await?;
    import_attachments(&mut tx, &mut ctx, &mut writer, &mut report).await?;

    let (mut wxr, bar) = reader(file, "importing", options.progress)?;
    let mut ids: HashMap<i64, Id> = HashMap::new();
    loop {
        let entry = match wxr.next_entry() {
            Ok(Some(entry)) => entry,
            Ok(None) => break,
            // The file changed between the passes.
            Err(e) => return Err(refused(file, &e)),
        };
        let Entry::Item(item) = entry else { continue };
        if item.post_type == "attachment" {
            continue;
        }
        if let Some((written, kind, status)) =
            import_item(&mut tx, &ctx, &mut writer, &mut report, &item).await?
        {
            let id = written.id();
            ids.insert(item.post_id, id);
            *report.imported.entry((kind, status)).or_default() += 1;
            old_addresses(&mut tx, &ctx, &mut report, &item, id).await?;
        }
    }
    bar.finish_and_clear();
    term_addresses(&mut tx, &ctx, &writer, &mut report).await?;
    attachment_addresses(&mut tx, &ctx, &mut report, &ids).await?;
    report.tags = writer
        .names
        .tags
        .keys()
        .filter(|name| !known_tags.contains(*name))
        .count();
    let written = writer.finish(&mut tx).await?;
    report.created = written.created.values().sum();
    report.updated = written.updated;
    report.unchanged = written.unchanged;
    report.media = written.media;
    if options.dry_run {
        drop(tx);
    } else {
        tx.commit().await.map_err(anyhow::Error::from)?;
        if let Err(e) = store.optimize().await {
            tracing::warn!(error = %e, "could not refresh the planner's statistics");
        }
    }
    Ok(report)
}

/// Sections for the categories that file at least one post (and their parents); the
/// caricature category is a kind of item in Midad, not a section.
async fn prepare_sections(
    store: &Store,
    tx: &mut Tx,
    ctx: &mut Context<'_>,
    writer: &mut Writer<'_>,
    report: &mut WpReport,
) -> Result<(), Failure> {
    let survey = ctx.survey;
    let by_slug: HashMap<&str, &midad_wordpress::Term> = survey
        .categories
        .iter()
        .map(|t| (t.slug.as_str(), t))
        .collect();
    let mut needed: HashSet<&str> = HashSet::new();
    for (slug, n) in &survey.category_use {
        let Some(term) = by_slug.get(slug.as_str()) else {
            continue;
        };
        if *n == 0 || is_caricature(&term.name, &term.slug, &ctx.options.caricature_category) {
            continue;
        }
        let mut at = Some(*term);
        // A hand-edited file may make a category its own ancestor: the walk is bounded.
        for _ in 0..MAX_DEPTH {
            let Some(t) = at else { break };
            needed.insert(t.slug.as_str());
            at = t
                .parent_slug
                .as_deref()
                .and_then(|p| by_slug.get(p).copied());
        }
    }
    let existing: HashMap<String, midad_core::Section> = store
        .sections()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect();
    // Midad sections nest one level: a deeper category hangs under its top ancestor.
    let top_of = |term: &midad_wordpress::Term| {
        let mut slug = term.slug.clone();
        let mut parent = term.parent_slug.clone();
        for _ in 0..MAX_DEPTH {
            let Some(p) = parent.and_then(|p| by_slug.get(p.as_str()).copied()) else {
                break;
            };
            slug = p.slug.clone();
            parent = p.parent_slug.clone();
        }
        slug
    };
    let mut ordered: Vec<&midad_wordpress::Term> = survey
        .categories
        .iter()
        .filter(|t| needed.contains(t.slug.as_str()))
        .collect();
    // Parents first.
    ordered.sort_by_key(|t| t.parent_slug.is_some());
    for term in ordered {
        let name = term.name.trim();
        let section = match existing.get(name) {
            Some(s) => s.clone(),
            None => {
                let top = top_of(term);
                let parent = (top != term.slug)
                    .then(|| ctx.sections.get(&top).map(|(id, _)| *id))
                    .flatten();
                let description = Some(term.description.trim()).filter(|d| !d.is_empty());
                report.sections += 1;
                tx.insert_section(name, parent, description)
                    .await
                    .map_err(|e| Failure::Refused(vec![format!("category «{name}»: {e}")]))?
            }
        };
        writer
            .names
            .sections
            .insert(section.name.clone(), section.id);
        ctx.sections
            .insert(term.slug.clone(), (section.id, section.slug.clone()));
    }
    for term in &survey.categories {
        if !survey.category_use.contains_key(&term.slug) && !needed.contains(term.slug.as_str()) {
            report.note("categories without posts, not created", term.name.clone());
        }
    }
    Ok(())
}

/// A byline for everyone who wrote a post, and for those the export gives an email, an
/// account (role author) without a password: they choose one through "forgot password".
async fn prepare_bylines(
    store: &Store,
    tx: &mut Tx,
    survey: &Survey,
    writer: &mut Writer<'_>,
    report: &mut WpReport,
) -> Result<(), Failure> {
    let known: HashSet<String> = store
        .authors()
        .await
        .map_err(anyhow::Error::from)?
        .into_iter()
        .map(|a| a.name)
        .collect();
    for login in &survey.writers {
        let Some(a) = survey.authors.get(login) else {
            continue;
        };
        let name = byline_name(a);
        if !known.contains(&name) {
            report.authors += 1;
        }
        let author = tx
            .author_by_name_or_create(&name)
            .await
            .map_err(|e| Failure::Refused(vec![format!("author «{name}»: {e}")]))?;
        writer.names.authors.insert(name.clone(), author.id);
        let email = a.email.trim().to_lowercase();
        if email.is_empty() {
            continue;
        }
        if midad_core::validate_email(&email).is_err() {
            report.note(
                "authors whose email is not valid, no account made",
                format!("{name} <{email}>"),
            );
            continue;
        }
        if store
            .user_by_email(&email)
            .await
            .map_err(anyhow::Error::from)?
            .is_some()
        {
            continue;
        }
        tx.insert_user(NewUser {
            email,
            name: name.clone(),
            role: Role::Author,
            password_hash: None,
            author_id: Some(author.id),
        })
        .await
        .map_err(|e| Failure::Refused(vec![format!("author «{name}»: {e}")]))?;
        report.accounts += 1;
    }
    Ok(())
}

fn byline_name(a: &midad_wordpress::Author) -> String {
    let name = a.display_name.trim();
    if name.is_empty() {
        a.login.trim().to_string()
    } else {
        name.to_string()
    }
}

/// Every attachment whose file is in the uploads folder becomes a media item (with its
/// variants), so featured images, images in posts and attachment pages all find it.
async fn import_attachments(
    tx: &mut Tx,
    ctx: &mut Context<'_>,
    writer: &mut Writer<'_>,
    report: &mut WpReport,
) -> Result<(), Failure> {
    let survey = ctx.survey;
    for (id, a) in &survey.attachments {
        let Some(file) = &a.file else { continue };
        ctx.by_file.insert(file.clone(), *id);
        if ctx.options.uploads.is_none() {
            continue;
        }
        let Some(path) = ctx.upload_file(file) else {
            report.note(
                "attachments whose file is not in the uploads folder",
                file.clone(),
            );
            continue;
        };
        let when = a.when.unwrap_or(ctx.now);
        let meta = (
            Some(a.alt.clone()).filter(|s| !s.trim().is_empty()),
            Some(a.caption.clone()).filter(|s| !s.trim().is_empty()),
            Some(a.credit.clone()).filter(|s| !s.trim().is_empty()),
        );
        match writer.media(tx, &path, when, meta).await {
            Ok(media) => {
                ctx.media.insert(*id, media);
            }
            Err(Failure::Failed(e)) => {
                report.note(
                    "files that are not usable images, skipped",
                    format!("{file}: {e}"),
                );
            }
            Err(other) => return Err(other),
        }
    }
    if ctx.options.uploads.is_none() && !survey.attachments.is_empty() {
        report.note(
            "images not copied (no --uploads folder given); they still point at the old site",
            format!("{} attachments", survey.attachments.len()),
        );
    }
    Ok(())
}

fn status_of(
    item: &midad_wordpress::Item,
    when: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Status> {
    Some(match item.status.as_str() {
        "publish" => Status::Published,
        "draft" => Status::Draft,
        "pending" => Status::Pending,
        "future" => match when {
            Some(t) if t > now => Status::Scheduled,
            _ => Status::Published,
        },
        "private" => Status::Draft,
        _ => return None,
    })
}

fn label(item: &midad_wordpress::Item) -> String {
    let title = item.title.trim();
    if title.is_empty() {
        format!("#{}", item.post_id)
    } else {
        format!("#{} «{}»", item.post_id, title)
    }
}

/// Writes one post or page. `None` when it is left out (the report says why).
async fn import_item(
    tx: &mut Tx,
    ctx: &Context<'_>,
    writer: &mut Writer<'_>,
    report: &mut WpReport,
    item: &midad_wordpress::Item,
) -> Result<Option<(Written, &'static str, &'static str)>, Failure> {
    let survey = ctx.survey;
    let kind = match item.post_type.as_str() {
        "page" => ArticleKind::Page,
        "post" => {
            if item
                .terms("category")
                .any(|t| is_caricature(&t.name, &t.slug, &ctx.options.caricature_category))
            {
                ArticleKind::Caricature
            } else {
                ArticleKind::Article
            }
        }
        other => {
            report.note(
                format!("items of type «{other}» (not imported)"),
                label(item),
            );
            return Ok(None);
        }
    };
    let published_at = midad_wordpress::item_time(item, ctx.zone);
    let Some(mut status) = status_of(item, published_at, ctx.now) else {
        report.note(
            format!("items with status «{}» (not imported)", item.status),
            label(item),
        );
        return Ok(None);
    };
    if item.status == "private" {
        report.note("private items, imported as drafts", label(item));
    }
    if !item.password.is_empty() && status == Status::Published {
        status = Status::Draft;
        report.note("password-protected items, imported as drafts", label(item));
    }
    let updated_at = item.post_modified_gmt.map(|t| t.and_utc()).or_else(|| {
        item.post_modified
            .map(|t| midad_wordpress::local_to_utc(t, ctx.zone))
    });

    // The body: WordPress's markup to plain HTML, images pointed at their files, links to
    // the old site made relative so its redirects answer them wherever Midad runs.
    let converted =
        midad_wordpress::content_to_html(&item.content, &survey.lookup.for_post(item.post_id));
    for name in &converted.unknown_shortcodes {
        report.note(format!("shortcode [{name}] kept as text"), label(item));
    }
    for block in &converted.dropped_blocks {
        report.note(format!("dynamic block «{block}» dropped"), label(item));
    }
    let base = &survey.channel.base_site_url;
    let blog = &survey.channel.base_blog_url;
    let mut body_images: HashMap<String, PathBuf> = HashMap::new();
    let mut body_media: HashMap<String, midad_core::Media> = HashMap::new();
    let html = midad_wordpress::rewrite_urls(&converted.html, |attribute, url| {
        if attribute == "src" {
            let relative = midad_wordpress::upload_path(url, base)?;
            let original = midad_wordpress::original_upload_path(&relative);
            let attachment = ctx
                .by_file
                .get(&original)
                .or_else(|| ctx.by_file.get(&relative));
            if let Some(media) = attachment.and_then(|id| ctx.media.get(id)) {
                let src = format!("/media/{}", media.path);
                body_media.insert(src.clone(), media.clone());
                return Some(src);
            }
            if let Some(path) = ctx
                .upload_file(&original)
                .or_else(|| ctx.upload_file(&relative))
            {
                body_images.insert(url.to_string(), path);
            } else if ctx.options.uploads.is_some() {
                report.note(
                    "images in posts whose file is not in the uploads folder",
                    format!("{} ({relative})", label(item)),
                );
            }
            None
        } else {
            midad_wordpress::post_link_target(url, blog)?;
            site_relative(url, blog)
        }
    });
    let mut blocks = body::from_html(&html);
    for block in &mut blocks {
        if let Block::Image { src, media_id, .. } = block
            && let Some(media) = body_media.get(src.as_str())
        {
            *media_id = Some(media.id);
        }
    }

    // The featured image, or for a caricature its first image.
    let mut image_id = None;
    let mut image_caption = None;
    let mut image_alt = None;
    let mut image_credit = None;
    if let Some(thumb) = item.thumbnail_id() {
        match ctx.media.get(&thumb) {
            Some(media) => {
                image_id = Some(media.id);
                let a = &survey.attachments[&thumb];
                image_caption = Some(a.caption.clone()).filter(|s| !s.trim().is_empty());
                image_alt = Some(a.alt.clone()).filter(|s| !s.trim().is_empty());
                image_credit = Some(a.credit.clone()).filter(|s| !s.trim().is_empty());
            }
            None if ctx.options.uploads.is_some() => {
                report.note("featured images not found", label(item));
            }
            None => {}
        }
    }
    let mut kind = kind;
    if kind == ArticleKind::Caricature && image_id.is_none() {
        let first = blocks.iter().position(|b| {
            matches!(
                b,
                Block::Image {
                    media_id: Some(_),
                    ..
                }
            )
        });
        match first {
            Some(i) => {
                if let Block::Image {
                    media_id,
                    alt,
                    caption,
                    ..
                } = blocks.remove(i)
                {
                    image_id = media_id;
                    image_alt = Some(alt).filter(|s| !s.trim().is_empty());
                    image_caption = caption;
                }
            }
            None => {
                kind = ArticleKind::Article;
                report.note(
                    "caricatures without an image, imported as articles",
                    label(item),
                );
            }
        }
    }
    if kind != ArticleKind::Caricature && blocks.is_empty() {
        report.note("items without content (not imported)", label(item));
        return Ok(None);
    }

    let mut title = item.title.trim().to_string();
    if title.is_empty() {
        title = format!("بلا عنوان {}", item.post_id);
        report.note("items without a title, given one", label(item));
    }
    let section = item
        .terms("category")
        .filter(|t| !is_caricature(&t.name, &t.slug, &ctx.options.caricature_category))
        .find_map(|t| ctx.sections.get(&t.slug))
        .map(|(id, _)| *id);
    if item
        .terms("category")
        .filter(|t| ctx.sections.contains_key(&t.slug))
        .count()
        > 1
    {
        report.note(
            "posts in several categories, filed under the first",
            label(item),
        );
    }
    let tags: Vec<String> = item
        .terms("post_tag")
        .map(|t| t.name.trim().to_string())
        .filter(|n| !n.is_empty())
        .collect();
    let authors: Vec<String> = match (kind, survey.authors.get(&item.creator)) {
        (ArticleKind::Page, _) | (_, None) => Vec::new(),
        (_, Some(a)) => vec![byline_name(a)],
    };
    let parent = (kind == ArticleKind::Page && item.post_parent != 0)
        .then(|| survey.posts.get(&item.post_parent))
        .flatten()
        .filter(|p| p.post_type == "page" && !p.name.is_empty())
        .map(|p| p.name.clone());

    let record = Record {
        title: Some(title),
        slug: Some(midad_arabic::slugify(&item.post_name)).filter(|s| !s.is_empty()),
        excerpt: Some(item.excerpt.trim().to_string()).filter(|s| !s.is_empty()),
        tags,
        authors,
        image_caption,
        image_alt,
        image_credit,
        parent,
        featured: item.is_sticky,
        external_id: Some(format!("wp-{}", item.post_id)),
        ..Default::default()
    };
    let checked = CheckedRecord {
        record,
        kind,
        status,
        published_at: published_at.map(|t| t.fixed_offset()),
        updated_at: updated_at.map(|t| t.fixed_offset()),
    };
    let to_write = Item {
        checked,
        blocks,
        image: None,
        body_images,
        section_id: section,
        image_id,
    };
    let written = match writer.write(tx, to_write).await {
        Ok(w) => w,
        Err(Failure::Refused(reasons)) => {
            return Err(Failure::Refused(
                reasons
                    .into_iter()
                    .map(|r| format!("{}: {r}", label(item)))
                    .collect(),
            ));
        }
        Err(e) => return Err(e),
    };
    Ok(Some((written, kind.as_str(), status.as_str())))
}

/// `http://old.example/2024/05/01/x/` → `/2024/05/01/x/`.
fn site_relative(url: &str, blog: &str) -> Option<String> {
    let rest = url
        .strip_prefix("https:")
        .or_else(|| url.strip_prefix("http:"))
        .unwrap_or(url);
    let blog_host = blog
        .split_once("//")
        .map(|(_, h)| h.trim_end_matches('/'))
        .unwrap_or("");
    let path = rest.strip_prefix("//")?.strip_prefix(blog_host)?;
    path.starts_with(['/', '?']).then(|| {
        if path.starts_with('?') {
            format!("/{path}")
        } else {
            path.to_string()
        }
    })
}

async fn put(
    tx: &mut Tx,
    report: &mut WpReport,
    from: Option<String>,
    to: RedirectTarget,
) -> Result<(), Failure> {
    let Some(from) = from else { return Ok(()) };
    // An old address that is already the new one (a tag whose slug did not change) needs
    // nothing.
    let same = match &to {
        RedirectTarget::Path(p) => redirect::key(p, None).as_deref() == Some(from.as_str()),
        RedirectTarget::Article(_) => false,
    };
    if from == "/" || same {
        return Ok(());
    }
    tx.put_redirect(&from, &to, "wordpress")
        .await
        .map_err(anyhow::Error::from)?;
    report.redirects += 1;
    Ok(())
}

/// The item's permalink and its plain links (`/?p=`, `/?page_id=`).
fn path_and_query(url: &str) -> Option<(String, Option<String>)> {
    let after_scheme = url.split_once("//").map_or(url, |(_, rest)| rest);
    let path_start = after_scheme.find(['/', '?'])?;
    let rest = &after_scheme[path_start..];
    let rest = rest.split('#').next().unwrap_or(rest);
    Some(match rest.split_once('?') {
        Some((p, q)) => (
            if p.is_empty() { "/".into() } else { p.into() },
            Some(q.into()),
        ),
        None => (rest.into(), None),
    })
}

fn key_of(url: &str) -> Option<String> {
    let (path, query) = path_and_query(url)?;
    redirect::key(&path, query.as_deref())
}

async fn old_addresses(
    tx: &mut Tx,
    _ctx: &Context<'_>,
    report: &mut WpReport,
    item: &midad_wordpress::Item,
    id: Id,
) -> Result<(), Failure> {
    let to = RedirectTarget::Article(id);
    put(tx, report, key_of(&item.link), to.clone()).await?;
    put(
        tx,
        report,
        Some(format!("/?p={}", item.post_id)),
        to.clone(),
    )
    .await?;
    if item.post_type == "page" {
        put(tx, report, Some(format!("/?page_id={}", item.post_id)), to).await?;
    }
    Ok(())
}

/// Category, tag and author archives, their feeds, and the site's feed.
async fn term_addresses(
    tx: &mut Tx,
    ctx: &Context<'_>,
    writer: &Writer<'_>,
    report: &mut WpReport,
) -> Result<(), Failure> {
    let survey = ctx.survey;
    let by_slug: HashMap<&str, &midad_wordpress::Term> = survey
        .categories
        .iter()
        .map(|t| (t.slug.as_str(), t))
        .collect();
    for term in &survey.categories {
        let target = if is_caricature(&term.name, &term.slug, &ctx.options.caricature_category) {
            ("/caricature".to_string(), "/feed.xml".to_string())
        } else if let Some((_, slug)) = ctx.sections.get(&term.slug) {
            (
                format!("/section/{slug}"),
                format!("/section/{slug}/feed.xml"),
            )
        } else {
            continue;
        };
        // WordPress answers a child category both by its own slug and by its full path.
        let mut path = vec![term.slug.clone()];
        let mut at = term.parent_slug.as_deref().and_then(|p| by_slug.get(p));
        for _ in 0..MAX_DEPTH {
            let Some(parent) = at else { break };
            path.insert(0, parent.slug.clone());
            at = parent.parent_slug.as_deref().and_then(|p| by_slug.get(p));
        }
        let mut forms = vec![format!("/category/{}", term.slug)];
        if path.len() > 1 {
            forms.push(format!("/category/{}", path.join("/")));
        }
        for form in forms {
            put(
                tx,
                report,
                redirect::key(&form, None),
                RedirectTarget::Path(target.0.clone()),
            )
            .await?;
            put(
                tx,
                report,
                redirect::key(&format!("{form}/feed"), None),
                RedirectTarget::Path(target.1.clone()),
            )
            .await?;
        }
        put(
            tx,
            report,
            Some(format!("/?cat={}", term.id)),
            RedirectTarget::Path(target.0.clone()),
        )
        .await?;
    }
    for term in &survey.tags {
        // Only the tags of imported posts exist (looking them up finds, never creates).
        let name = term.name.trim().to_string();
        if !writer.names.tags.contains_key(&name) {
            continue;
        }
        let tag = tx
            .tag_by_name_or_create(&name)
            .await
            .map_err(anyhow::Error::from)?;
        let page = format!("/tag/{}", tag.slug);
        put(
            tx,
            report,
            redirect::key(&format!("/tag/{}", term.slug), None),
            RedirectTarget::Path(page.clone()),
        )
        .await?;
        put(
            tx,
            report,
            redirect::key(&format!("/tag/{}/feed", term.slug), None),
            RedirectTarget::Path(format!("{page}/feed.xml")),
        )
        .await?;
        put(
            tx,
            report,
            Some(format!("/?tag={}", term.slug)),
            RedirectTarget::Path(page),
        )
        .await?;
    }
    for login in &survey.writers {
        let Some(a) = survey.authors.get(login) else {
            continue;
        };
        let name = byline_name(a);
        if !writer.names.authors.contains_key(&name) {
            continue;
        }
        let author = tx
            .author_by_name_or_create(&name)
            .await
            .map_err(anyhow::Error::from)?;
        put(
            tx,
            report,
            redirect::key(&format!("/author/{login}"), None),
            RedirectTarget::Path(format!("/author/{}", author.slug)),
        )
        .await?;
    }
    put(
        tx,
        report,
        Some("/feed".into()),
        RedirectTarget::Path("/feed.xml".into()),
    )
    .await?;
    put(
        tx,
        report,
        Some("/feed/atom".into()),
        RedirectTarget::Path("/atom.xml".into()),
    )
    .await?;
    Ok(())
}

/// An attachment's page leads to the item that shows it, else to the image itself.
async fn attachment_addresses(
    tx: &mut Tx,
    ctx: &Context<'_>,
    report: &mut WpReport,
    ids: &HashMap<i64, Id>,
) -> Result<(), Failure> {
    for (id, a) in &ctx.survey.attachments {
        let target = match (ids.get(&a.parent), ctx.media.get(id)) {
            (Some(article), _) => RedirectTarget::Article(*article),
            (None, Some(media)) => RedirectTarget::Path(format!("/media/{}", media.path)),
            (None, None) => continue,
        };
        if !a.link.contains("attachment_id=") {
            put(tx, report, key_of(&a.link), target.clone()).await?;
        }
        put(tx, report, Some(format!("/?attachment_id={id}")), target).await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_to_the_old_site_become_paths() {
        let blog = "http://old.example";
        assert_eq!(
            site_relative("http://old.example/2024/05/01/x/", blog).as_deref(),
            Some("/2024/05/01/x/")
        );
        assert_eq!(
            site_relative("https://old.example/?p=3", blog).as_deref(),
            Some("/?p=3")
        );
        assert_eq!(
            site_relative("//old.example/a", blog).as_deref(),
            Some("/a")
        );
        assert_eq!(site_relative("http://old.example.evil/a", blog), None);
        assert_eq!(site_relative("http://other.example/a", blog), None);
    }

    #[test]
    fn credits_are_read_from_the_image_metadata() {
        let meta = r#"a:2:{s:4:"file";s:5:"a.jpg";s:10:"image_meta";a:2:{s:6:"credit";s:12:"وكالة 5";s:7:"caption";s:0:"";}}"#;
        assert_eq!(php_string(meta, "credit").as_deref(), Some("وكالة 5"));
        assert_eq!(php_string(meta, "caption").as_deref(), Some(""));
        assert_eq!(php_string(meta, "camera"), None);
        assert_eq!(php_string(r#"s:6:"credit";s:99:"short""#, "credit"), None);
    }

    #[test]
    fn attached_files_stay_inside_the_uploads_folder() {
        assert!(inside_uploads("2026/03/صورة.jpg"));
        for bad in [
            "../etc/passwd",
            "2026/../../x",
            "/etc/passwd",
            "a\\b",
            "",
            "c:x",
            "a//b",
        ] {
            assert!(!inside_uploads(bad), "{bad}");
        }
    }

    #[test]
    fn permalinks_become_keys() {
        assert_eq!(
            key_of("http://old.example/2024/05/01/%d8%a7/").as_deref(),
            Some("/2024/05/01/ا")
        );
        assert_eq!(
            key_of("http://old.example/?p=357").as_deref(),
            Some("/?p=357")
        );
        assert_eq!(
            key_of("http://old.example/about/team/#x").as_deref(),
            Some("/about/team")
        );
        assert_eq!(key_of("http://old.example").as_deref(), None);
    }
}

//! Arabic-aware full-text search over published articles: a tantivy index in the data
//! folder, fed by the change log, queried with the same analyzer that built it.
//!
//! Every word is indexed twice at one position: as its normalised form and as its light
//! stem. A query word matches both, with the exact form weighted higher, so «الحكومة» finds
//! «والحكومة» and «حكومات» but ranks the article that says «الحكومة» first.
//!
//! Neighbouring common stems are indexed once more as pairs, for phrases (`pairs.rs`); a
//! search is ranked by one pruned union of its terms, its words, phrases and exclusions
//! checked on what the union offers (`ranked.rs`), with one threshold across segments
//! (`collect.rs`), on the index's own threads (`workers.rs`).

mod analyzer;
mod collect;
mod follow;
mod highlight;
mod pairs;
mod query;
mod ranked;
mod workers;

pub use analyzer::Stemming;
pub use follow::{catch_up, follow, rebuild};
pub use pairs::Pairing;
pub use query::{ParsedQuery, QueryError, parse};

use chrono::{DateTime, Utc};
use std::path::Path;
use std::sync::Mutex;
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{Query, RangeQuery, TermQuery};
use tantivy::schema::{
    DateOptions, Field, INDEXED, IndexRecordOption, STORED, Schema, TextFieldIndexing, TextOptions,
    Value,
};
use tantivy::{
    DateTime as TDateTime, Index, IndexReader, IndexWriter, Order, TantivyDocument, Term,
};

/// Bump when the schema or the analyzer changes: an index built by another version is
/// rebuilt at start-up instead of being read wrongly.
const SCHEMA_VERSION: u32 = 4;

#[derive(Debug, thiserror::Error)]
pub enum SearchError {
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    #[error("search index folder: {0}")]
    Io(#[from] std::io::Error),
    #[error("store: {0}")]
    Store(#[from] midad_store::StoreError),
    #[error("{0}")]
    Query(#[from] QueryError),
}

pub type Result<T, E = SearchError> = std::result::Result<T, E>;

/// What the index knows of one article.
#[derive(Clone, Debug, Default)]
pub struct Doc {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub subtitle: String,
    pub excerpt: String,
    pub body: String,
    pub section_id: Option<i64>,
    pub section: String,
    pub tags: Vec<String>,
    pub authors: Vec<String>,
    pub published_at: DateTime<Utc>,
}

#[derive(Clone, Copy)]
pub(crate) struct Fields {
    pub id: Field,
    pub kind: Field,
    pub title: Field,
    pub body: Field,
    pub meta: Field,
    /// Neighbouring stems of the title and of the text (see `analyzer::indexed`).
    pub title_pairs: Field,
    pub body_pairs: Field,
    pub section_id: Field,
    pub published: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |stored: bool| {
        let indexing = TextFieldIndexing::default()
            .set_tokenizer(analyzer::NAME)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions);
        let o = TextOptions::default().set_indexing_options(indexing);
        if stored { o.set_stored() } else { o }
    };
    let pairs = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(analyzer::PAIRS)
            .set_index_option(IndexRecordOption::WithFreqs),
    );
    let fields = Fields {
        id: b.add_u64_field("id", INDEXED | STORED | tantivy::schema::FAST),
        kind: b.add_text_field("kind", tantivy::schema::STRING),
        title: b.add_text_field("title", text(true)),
        body: b.add_text_field("body", text(true)),
        meta: b.add_text_field("meta", text(false)),
        title_pairs: b.add_text_field("title_pairs", pairs.clone()),
        body_pairs: b.add_text_field("body_pairs", pairs),
        section_id: b.add_u64_field("section_id", INDEXED | tantivy::schema::FAST),
        published: b.add_date_field(
            "published",
            DateOptions::default().set_indexed().set_fast().set_stored(),
        ),
    };
    (b.build(), fields)
}

/// How results are ordered.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    #[default]
    Relevance,
    Newest,
}

#[derive(Clone, Debug, Default)]
pub struct Request {
    pub query: String,
    /// 1-based.
    pub page: usize,
    pub per_page: usize,
    pub section_id: Option<i64>,
    pub from: Option<DateTime<Utc>>,
    /// Exclusive upper bound.
    pub to: Option<DateTime<Utc>>,
    pub sort: Sort,
}

#[derive(Clone, Debug)]
pub struct Hit {
    pub id: i64,
    pub score: f32,
    /// The title as written, plain text.
    pub title: String,
    /// The title as written, HTML-escaped, matched words in `<mark>`.
    pub title_html: String,
    /// A passage of the text around the matches, same escaping.
    pub snippet_html: String,
    pub published_at: Option<DateTime<Utc>>,
}

#[derive(Clone, Debug)]
pub struct Results {
    pub total: usize,
    pub hits: Vec<Hit>,
    pub query: ParsedQuery,
}

/// The index and its single writer.
pub struct SearchIndex {
    index: Index,
    writer: Mutex<IndexWriter>,
    reading: Reading,
    /// The threads searches run on (see `workers.rs`).
    workers: workers::Workers,
    /// The index folder; `None` in memory.
    dir: Option<std::path::PathBuf>,
}

/// Memory for the writer's indexing buffer; tantivy splits it between its threads.
const WRITER_MEMORY: usize = 120_000_000;

impl SearchIndex {
    /// Opens the index in `dir`, creating it when missing. A folder that holds no usable
    /// index (corrupt, or built by another schema version) is moved aside and recreated;
    /// `needs_rebuild` then says so.
    pub fn open(dir: &Path) -> Result<(SearchIndex, bool)> {
        std::fs::create_dir_all(dir)?;
        let version_file = dir.join("midad-schema-version");
        let version_ok = std::fs::read_to_string(&version_file)
            .map(|v| v.trim() == SCHEMA_VERSION.to_string())
            .unwrap_or(false);
        let (schema, fields) = schema();
        let opened = if version_ok {
            Index::open_in_dir(dir).ok()
        } else {
            None
        };
        let (index, rebuilt) = match opened {
            Some(index) => (index, false),
            None => {
                if std::fs::read_dir(dir)?.next().is_some() {
                    tracing::warn!(dir = %dir.display(), "search index unusable; rebuilding it");
                    let aside = dir.with_extension(format!("broken-{}", std::process::id()));
                    std::fs::rename(dir, &aside)?;
                    std::fs::create_dir_all(dir)?;
                    let _ = std::fs::remove_dir_all(&aside);
                }
                let index = Index::create_in_dir(dir, schema)?;
                std::fs::write(&version_file, SCHEMA_VERSION.to_string())?;
                (index, true)
            }
        };
        let me = SearchIndex::with_index(index, fields, Stemming::Light, Pairing::Common)?;
        let me = SearchIndex {
            dir: Some(dir.to_path_buf()),
            ..me
        };
        me.reading.frequent.load(dir);
        let held = me.reading.reader.searcher().num_docs();
        let grown = me.reading.frequent.stale(held);
        if grown {
            tracing::info!("the search index has grown well past its last rebuild; rebuilding it");
        }
        // Documents indexed under an unknown choice of common stems may lack pairs that
        // another choice would look for.
        let unknown_pairs = me.reading.frequent.unknown(held);
        if unknown_pairs {
            tracing::warn!(
                "the search index's common stems are missing or its last rebuild did not end; rebuilding it"
            );
        }
        let needs = rebuilt || grown || unknown_pairs || me.indexed_seq().is_none();
        Ok((me, needs))
    }

    /// An index in memory, for tests and tools.
    pub fn in_memory() -> Result<SearchIndex> {
        SearchIndex::in_memory_with(Stemming::Light, Pairing::Common)
    }

    /// An index in memory with another stemmer or pairing, to compare them on the test
    /// set.
    pub fn in_memory_with(stemming: Stemming, pairing: Pairing) -> Result<SearchIndex> {
        let (schema, fields) = schema();
        SearchIndex::with_index(Index::create_in_ram(schema), fields, stemming, pairing)
    }

    fn with_index(
        index: Index,
        fields: Fields,
        stemming: Stemming,
        pairing: Pairing,
    ) -> Result<SearchIndex> {
        let frequent = pairs::Frequent::new(pairing);
        analyzer::register(&index, stemming, &frequent);
        let writer = index.writer(WRITER_MEMORY)?;
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        Ok(SearchIndex {
            index,
            writer: Mutex::new(writer),
            reading: Reading {
                reader,
                fields,
                stemming,
                frequent,
            },
            workers: workers::Workers::per_core(),
            dir: None,
        })
    }

    /// The change-log sequence the last commit covered.
    pub fn indexed_seq(&self) -> Option<i64> {
        self.index
            .load_metas()
            .ok()
            .and_then(|m| m.payload)
            .and_then(|p| p.parse().ok())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, IndexWriter> {
        // A panic while holding the writer leaves it usable: tantivy rolls back on error.
        self.writer.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn document(&self, d: &Doc) -> TantivyDocument {
        let f = self.reading.fields;
        let mut doc = TantivyDocument::default();
        doc.add_u64(f.id, d.id as u64);
        doc.add_text(f.kind, &d.kind);
        doc.add_text(f.title, &d.title);
        doc.add_text(f.title_pairs, &d.title);
        let body = [d.subtitle.as_str(), d.excerpt.as_str(), d.body.as_str()]
            .iter()
            .filter(|s| !s.trim().is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join("\n\n");
        doc.add_text(f.body, &body);
        doc.add_text(f.body_pairs, &body);
        let meta = std::iter::once(d.section.as_str())
            .chain(d.tags.iter().map(String::as_str))
            .chain(d.authors.iter().map(String::as_str))
            .collect::<Vec<_>>()
            .join(" ، ");
        doc.add_text(f.meta, &meta);
        if let Some(s) = d.section_id {
            doc.add_u64(f.section_id, s as u64);
        }
        doc.add_date(
            f.published,
            TDateTime::from_timestamp_secs(d.published_at.timestamp()),
        );
        doc
    }

    /// Adds or replaces documents and removes others, then commits, recording the
    /// change-log sequence this commit covers. Readers see the result at once.
    pub fn apply(&self, upserts: &[Doc], deletes: &[i64], seq: Option<i64>) -> Result<()> {
        let mut writer = self.lock();
        self.add(&writer, upserts, deletes)?;
        let mut commit = writer.prepare_commit()?;
        if let Some(seq) = seq {
            commit.set_payload(&seq.to_string());
        }
        commit.commit()?;
        drop(writer);
        self.reading.reader.reload()?;
        Ok(())
    }

    /// Adds or replaces documents without committing: readers go on seeing the index as
    /// it was until the next [`SearchIndex::apply`]. A rebuild stages its chunks and
    /// commits now and then, so that it writes a few large segments, not one per chunk.
    pub fn stage(&self, upserts: &[Doc]) -> Result<()> {
        let writer = self.lock();
        self.add(&writer, upserts, &[])
    }

    fn add(&self, writer: &IndexWriter, upserts: &[Doc], deletes: &[i64]) -> Result<()> {
        // The first documents of a rebuild, or of an empty index, choose the stems to pair.
        let empty = self.reading.reader.searcher().num_docs() == 0;
        self.reading
            .frequent
            .choose(upserts, self.reading.stemming, self.dir.as_deref(), empty)?;
        for id in deletes.iter().chain(upserts.iter().map(|d| &d.id)) {
            writer.delete_term(Term::from_field_u64(self.reading.fields.id, *id as u64));
        }
        for d in upserts {
            writer.add_document(self.document(d))?;
        }
        Ok(())
    }

    /// Starts a bulk load (a rebuild), the documents in the index staying until replaced:
    /// segments are not merged while it lasts ([`SearchIndex::finish_bulk`] merges them
    /// once at the end), its first documents choose the common stems, and phrases are
    /// checked by positions until it ends.
    pub fn begin_bulk(&self) {
        let writer = self.lock();
        writer.set_merge_policy(Box::new(tantivy::indexer::NoMergePolicy));
        self.reading.frequent.begin_rebuild(self.dir.as_deref());
    }

    /// Removes every document and starts a bulk load.
    pub fn clear(&self) -> Result<()> {
        self.begin_bulk();
        let mut writer = self.lock();
        writer.delete_all_documents()?;
        writer.commit()?;
        drop(writer);
        self.reading.reader.reload()?;
        Ok(())
    }

    /// Ends a bulk load: later commits are merged as they come, the segments it wrote
    /// become one (a search visits each segment apart, so fewer is faster), and queries
    /// use the pairs it indexed.
    pub fn finish_bulk(&self) -> Result<()> {
        let mut writer = self.lock();
        writer.set_merge_policy(Box::<tantivy::indexer::LogMergePolicy>::default());
        let segments = self.index.searchable_segment_ids()?;
        if segments.len() > 1 {
            writer.merge(&segments).wait()?;
        }
        let _ = writer.garbage_collect_files().wait();
        // Still holding the writer: no other change comes between the count and the end.
        self.reading.reader.reload()?;
        let held = self.reading.reader.searcher().num_docs();
        self.reading
            .frequent
            .finish_rebuild(held, self.dir.as_deref(), || self.reading.reader.reload())?;
        drop(writer);
        Ok(())
    }

    /// Ends a bulk load that failed: segments are merged again as commits come, and
    /// phrases stay checked by positions until the next rebuild (at start-up).
    pub fn abandon_bulk(&self) {
        let writer = self.lock();
        writer.set_merge_policy(Box::<tantivy::indexer::LogMergePolicy>::default());
        self.reading.frequent.abandon_rebuild();
    }

    /// The ids of every document in the index.
    pub fn ids(&self) -> Result<Vec<i64>> {
        let searcher = self.reading.reader.searcher();
        let mut ids = Vec::with_capacity(searcher.num_docs() as usize);
        for segment in searcher.segment_readers() {
            let column = segment.fast_fields().u64("id")?;
            for doc in segment.doc_ids_alive() {
                ids.extend(column.first(doc).map(|id| id as i64));
            }
        }
        Ok(ids)
    }

    /// Runs a search. An unusable query (empty, too long) is an error the caller shows.
    /// Searches run on the index's own threads, one per core (see `workers.rs`).
    pub fn search(&self, req: &Request) -> Result<Results> {
        let reading = self.reading.clone();
        let req = req.clone();
        self.workers.run(move || reading.search(&req))
    }

    /// Titles that start with what has been typed so far, for the search box.
    pub fn suggest(&self, typed: &str, limit: usize) -> Result<Vec<(i64, String)>> {
        let reading = self.reading.clone();
        let typed = typed.to_string();
        self.workers.run(move || reading.suggest(&typed, limit))
    }
}

/// What a search needs of the index, cheap to clone into a worker.
#[derive(Clone)]
pub(crate) struct Reading {
    reader: IndexReader,
    fields: Fields,
    stemming: Stemming,
    frequent: pairs::Frequent,
}

impl Reading {
    /// A request as a ranking query: its words, phrases and exclusions, and its filters;
    /// with the reading of the index it is to run on (the pairs it looks for are those of
    /// that reading's documents).
    pub(crate) fn ranked(
        &self,
        req: &Request,
    ) -> Result<(ParsedQuery, ranked::Ranked, tantivy::Searcher)> {
        let parsed = query::parse_with(&req.query, self.stemming)?;
        let f = self.fields;
        let (mut ranked, searcher) = self.frequent.with_query_choice(|choice| {
            (
                parsed.ranked(&f, &self.frequent, choice),
                self.reader.searcher(),
            )
        });
        // The filters come first among the conditions: they are the cheapest to check.
        let mut filters: Vec<Box<dyn Query>> = Vec::new();
        if let Some(section) = req.section_id {
            filters.push(Box::new(TermQuery::new(
                Term::from_field_u64(f.section_id, section as u64),
                IndexRecordOption::Basic,
            )));
        }
        if req.from.is_some() || req.to.is_some() {
            let bound = |t: Option<DateTime<Utc>>, inclusive: bool| match t {
                None => std::ops::Bound::Unbounded,
                Some(t) => {
                    let term = Term::from_field_date_for_search(
                        f.published,
                        TDateTime::from_timestamp_secs(t.timestamp()),
                    );
                    if inclusive {
                        std::ops::Bound::Included(term)
                    } else {
                        std::ops::Bound::Excluded(term)
                    }
                }
            };
            filters.push(Box::new(RangeQuery::new(
                bound(req.from, true),
                bound(req.to, false),
            )));
        }
        ranked.required.splice(0..0, filters);
        Ok((parsed, ranked, searcher))
    }

    fn search(&self, req: &Request) -> Result<Results> {
        let (parsed, ranked, searcher) = self.ranked(req)?;
        let f = self.fields;
        let per_page = req.per_page.clamp(1, 100);
        let offset = req.page.max(1).saturating_sub(1).saturating_mul(per_page);
        let limit = TopDocs::with_limit(per_page).and_offset(offset);
        // Counted apart, unscored: counting beside the ranking would make it score every
        // match instead of pruning.
        let matches = ranked.matches();
        let total = searcher.search(&matches, &Count)?;
        let addresses: Vec<(f32, tantivy::DocAddress)> = match req.sort {
            Sort::Relevance => {
                searcher.search(&ranked, &collect::TopScored::new(offset, per_page))?
            }
            Sort::Newest => searcher
                .search(
                    &matches,
                    &limit.order_by_fast_field::<TDateTime>("published", Order::Desc),
                )?
                .into_iter()
                .map(|(_, a)| (0.0, a))
                .collect(),
        };
        let marker = highlight::Marker::new(&parsed, self.stemming);
        let mut hits = Vec::with_capacity(addresses.len());
        for (score, address) in addresses {
            let doc: TantivyDocument = searcher.doc(address)?;
            let id = doc.get_first(f.id).and_then(|v| v.as_u64()).unwrap_or(0) as i64;
            let title = doc
                .get_first(f.title)
                .and_then(|v| v.as_str())
                .unwrap_or("");
            let body = doc.get_first(f.body).and_then(|v| v.as_str()).unwrap_or("");
            let published_at = doc
                .get_first(f.published)
                .and_then(|v| v.as_datetime())
                .and_then(|d| DateTime::from_timestamp(d.into_timestamp_secs(), 0));
            hits.push(Hit {
                id,
                score,
                title: title.to_string(),
                title_html: marker.mark_all(title),
                snippet_html: marker.snippet(body, 240),
                published_at,
            });
        }
        Ok(Results {
            total,
            hits,
            query: parsed,
        })
    }

    fn suggest(&self, typed: &str, limit: usize) -> Result<Vec<(i64, String)>> {
        let q = query::suggest_query(typed, &self.fields, self.stemming)?;
        let searcher = self.reader.searcher();
        let top = searcher.search(
            &q,
            &TopDocs::with_limit(limit.clamp(1, 20)).order_by_score(),
        )?;
        let mut out = Vec::new();
        for (_, address) in top {
            let doc: TantivyDocument = searcher.doc(address)?;
            let id = doc
                .get_first(self.fields.id)
                .and_then(|v| v.as_u64())
                .unwrap_or(0) as i64;
            let title = doc
                .get_first(self.fields.title)
                .and_then(|v| v.as_str())
                .unwrap_or("")
                .to_string();
            out.push((id, title));
        }
        Ok(out)
    }
}

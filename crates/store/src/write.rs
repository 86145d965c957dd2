//! The write road: a transaction that changes rows and records, for each entity it touched,
//! one change-log entry, appended at commit in sequence order.

use crate::rows::{self, ARTICLE_COLUMNS};
use crate::{Backend, Pools, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use midad_core::{
    Article, ArticleData, ArticleKind, Author, EntityKind, ErrorCode, Id, Media, Role, Section,
    Status, Tag, User, ValidationError, Violations, model,
};
use sqlx::{AssertSqlSafe, Postgres, Sqlite, Transaction};
use std::collections::{HashMap, HashSet};

pub(crate) enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

/// Runs `$body` with `$c` bound to the transaction's connection, once per backend.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.conn {
            $crate::write::Conn::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::write::Conn::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// Binds an article's fields, `kind` to `external_id`, in the order of the INSERT's and
/// the UPDATE's columns; `$body` is the body as JSON.
macro_rules! bind_fields {
    ($q:expr, $data:expr, $body:expr) => {
        $q.bind($data.kind.as_str())
            .bind($data.status.as_str())
            .bind(&$data.title)
            .bind(&$data.slug)
            .bind(&$data.subtitle)
            .bind(&$data.excerpt)
            .bind($body)
            .bind($data.section_id)
            .bind($data.parent_id)
            .bind(&$data.source)
            .bind($data.image_id)
            .bind(&$data.image_caption)
            .bind(&$data.image_alt)
            .bind(&$data.image_credit)
            .bind(&$data.artist)
            .bind(&$data.seo_title)
            .bind(&$data.seo_description)
            .bind($data.breaking)
            .bind($data.featured)
            .bind($data.published_at)
            .bind($data.updated_at)
            .bind(&$data.external_id)
    };
}

/// An open write transaction. Dropping it without `commit` rolls everything back.
pub struct Tx {
    pub(crate) conn: Conn,
    store: Store,
    changes: Vec<(EntityKind, Id)>,
    now: DateTime<Utc>,
}

/// A media file already placed in the media folder, to be recorded.
#[derive(Clone, Debug, Default)]
pub struct NewMedia {
    pub path: String,
    pub mime: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
    pub size: i64,
    pub alt: Option<String>,
    pub caption: Option<String>,
    pub credit: Option<String>,
    pub variants: Vec<u32>,
}

#[derive(Clone, Debug)]
pub struct NewUser {
    pub email: String,
    pub name: String,
    pub role: Role,
    pub password_hash: Option<String>,
    pub author_id: Option<Id>,
}

/// Rows per multi-row INSERT of change-log entries (three parameters each).
const CHANGE_BATCH: usize = STATEMENT_PARAMS / 3;

/// Parameters per multi-row statement. SQLite allows 32,766 and PostgreSQL 65,535, but
/// binding a SQLite statement's parameters costs the square of their number (each is
/// found by a scan of the statement's names): a few hundred rows per statement already
/// take the round trips out of an import.
const STATEMENT_PARAMS: usize = 256;

/// Parameters of one article's row, and rows per INSERT of articles.
const ARTICLE_PARAMS: usize = 24;
const ARTICLE_BATCH: usize = STATEMENT_PARAMS / ARTICLE_PARAMS;

/// Rows per INSERT of tag and byline links (four parameters each).
const LINK_BATCH: usize = STATEMENT_PARAMS / 4;

/// Values per `IN (…)` lookup.
const LOOKUP_BATCH: usize = STATEMENT_PARAMS;

impl Tx {
    pub(crate) async fn begin(store: Store) -> Result<Tx> {
        let conn = match store.pools() {
            // IMMEDIATE takes the write lock now, so a transaction that reads before it
            // writes cannot fail half-way with SQLITE_BUSY when another process writes.
            Pools::Sqlite { writer, .. } => {
                Conn::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?)
            }
            Pools::Postgres(pool) => {
                let mut t = pool.begin().await?;
                // A long transaction (an import) grows tables that were empty when its
                // prepared statements were first planned; a cached generic plan would keep
                // scanning them sequentially. Custom plans see the table as it is.
                sqlx::query("SET LOCAL plan_cache_mode = force_custom_plan")
                    .execute(&mut *t)
                    .await?;
                Conn::Postgres(t)
            }
        };
        Ok(Tx {
            conn,
            store,
            changes: Vec::new(),
            now: model::now(),
        })
    }

    /// The time this transaction stamps on what it writes.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }

    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Records that an entity changed; written to the change log at commit.
    pub fn log(&mut self, kind: EntityKind, id: Id) {
        self.changes.push((kind, id));
    }

    /// Appends the change-log entries and commits. Returns the newest sequence number.
    pub async fn commit(mut self) -> Result<i64> {
        self.changes.dedup();
        let mut last = 0;
        if !self.changes.is_empty() {
            if let Conn::Postgres(t) = &mut self.conn {
                // Sequence numbers are handed out at insert time but become visible at commit;
                // serialising this last step keeps commit order equal to sequence order, so a
                // follower reading "after N" never skips a late-committing N-1.
                sqlx::query("SELECT pg_advisory_xact_lock(7306)")
                    .execute(&mut **t)
                    .await?;
            }
            let changes = std::mem::take(&mut self.changes);
            let at = self.now;
            for chunk in changes.chunks(CHANGE_BATCH) {
                let mut sql = String::from("INSERT INTO changes (kind, entity_id, at) VALUES ");
                for i in 0..chunk.len() {
                    if i > 0 {
                        sql.push(',');
                    }
                    sql.push_str(&format!("(${}, ${}, ${})", i * 3 + 1, i * 3 + 2, i * 3 + 3));
                }
                sql.push_str(" RETURNING seq");
                let seqs: Vec<i64> = on_tx!(self, |c| {
                    let mut q = sqlx::query_scalar(AssertSqlSafe(sql));
                    for (kind, id) in chunk {
                        q = q.bind(kind.as_str()).bind(*id).bind(at);
                    }
                    q.fetch_all(c).await?
                });
                last = last.max(seqs.into_iter().max().unwrap_or(0));
            }
            if let Conn::Postgres(t) = &mut self.conn {
                sqlx::query("SELECT pg_notify('midad_changes', $1)")
                    .bind(last.to_string())
                    .execute(&mut **t)
                    .await?;
            }
        }
        match self.conn {
            Conn::Sqlite(t) => t.commit().await?,
            Conn::Postgres(t) => t.commit().await?,
        }
        self.store.announce(last);
        Ok(last)
    }

    // ----- articles -----

    /// Validates and stores a new article, caricature or page. The slug is made unique
    /// within its kind by a numeric suffix.
    pub async fn insert_article(&mut self, data: ArticleData) -> Result<Article> {
        self.insert_articles(vec![data])
            .await?
            .pop()
            .ok_or_else(|| StoreError::Corrupt("an insert returned no row".into()))
    }

    /// Stores new articles as `insert_article` does each, in a few statements per batch
    /// rather than a few per article: an import's cost is its round trips to the database.
    /// Slugs are made unique against the site and against the batch, in the batch's order.
    /// Returns the articles in the order given; nothing is written if one is invalid.
    pub async fn insert_articles(&mut self, mut batch: Vec<ArticleData>) -> Result<Vec<Article>> {
        for data in &mut batch {
            data.normalize(self.now);
            data.validate()?;
        }
        for data in &batch {
            self.check_parent(data, None).await?;
        }
        self.unique_slugs(&mut batch).await?;
        let now = self.now;
        let mut written = Vec::with_capacity(batch.len());
        for chunk in batch.chunks(ARTICLE_BATCH) {
            // What each row binds besides its fields: the body as JSON, the folded title,
            // the word count.
            let derived: Vec<(String, String, i64)> = chunk
                .iter()
                .map(|d| {
                    Ok((
                        body_json(d)?,
                        midad_arabic::normalize(&d.title),
                        count_words(d),
                    ))
                })
                .collect::<Result<_>>()?;
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| {
                    let p: Vec<String> = (0..ARTICLE_PARAMS)
                        .map(|k| format!("${}", 2 + i * ARTICLE_PARAMS + k))
                        .collect();
                    // $1 is the time every row is created and modified at; version 1.
                    format!("({}, 1, $1, $1)", p.join(", "))
                })
                .collect();
            let sql = format!(
                "INSERT INTO articles (kind, status, title, slug, subtitle, excerpt, body, \
                 section_id, parent_id, source, image_id, image_caption, image_alt, image_credit, \
                 artist, seo_title, seo_description, breaking, featured, published_at, updated_at, \
                 external_id, title_key, words, version, created_at, modified_at) VALUES {} \
                 RETURNING id, kind, slug",
                rows.join(", ")
            );
            let ids: Vec<(Id, String, String)> = on_tx!(self, |c| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql)).bind(now);
                for (data, (body, title_key, words)) in chunk.iter().zip(&derived) {
                    q = bind_fields!(q, data, body).bind(title_key).bind(*words);
                }
                q.fetch_all(c).await?
            });
            // The order of RETURNING's rows is not promised: match them by kind and slug,
            // which are unique together.
            let by_slug: HashMap<(&str, &str), Id> = ids
                .iter()
                .map(|(id, kind, slug)| ((kind.as_str(), slug.as_str()), *id))
                .collect();
            for (data, (_, _, words)) in chunk.iter().zip(&derived) {
                let id = *by_slug
                    .get(&(data.kind.as_str(), data.slug.as_str()))
                    .ok_or_else(|| {
                        StoreError::Corrupt("an inserted article came back unnamed".into())
                    })?;
                written.push(Article {
                    id,
                    version: 1,
                    created_at: now,
                    modified_at: now,
                    words: Some(*words),
                    data: data.clone(),
                });
            }
        }
        drop(batch);
        let links: Vec<(Id, &ArticleData)> = written.iter().map(|a| (a.id, &a.data)).collect();
        self.insert_links(&links).await?;
        for a in &written {
            self.log(EntityKind::Article, a.id);
        }
        Ok(written)
    }

    /// Gives each new article in `batch` a slug free in its kind: its own when neither the
    /// site nor an earlier article of the batch has it, else the first free `slug-N`.
    async fn unique_slugs(&mut self, batch: &mut [ArticleData]) -> Result<()> {
        // The slugs the site already has, one lookup per kind and chunk (the index is on
        // kind and slug).
        let mut existing: HashSet<(&'static str, String)> = HashSet::new();
        for kind in ArticleKind::ALL {
            let slugs: Vec<&str> = batch
                .iter()
                .filter(|d| d.kind == *kind)
                .map(|d| d.slug.as_str())
                .collect();
            for chunk in slugs.chunks(LOOKUP_BATCH) {
                let marks: Vec<String> = (2..=chunk.len() + 1).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "SELECT slug FROM articles WHERE kind = $1 AND slug IN ({})",
                    marks.join(", ")
                );
                let found: Vec<String> = on_tx!(self, |c| {
                    let mut q = sqlx::query_scalar(AssertSqlSafe(sql)).bind(kind.as_str());
                    for slug in chunk {
                        q = q.bind(*slug);
                    }
                    q.fetch_all(c).await?
                });
                existing.extend(found.into_iter().map(|s| (kind.as_str(), s)));
            }
        }
        let mut given: HashSet<(&'static str, String)> = HashSet::new();
        for data in batch.iter_mut() {
            let kind = data.kind.as_str();
            let key = (kind, data.slug.clone());
            if existing.contains(&key) || given.contains(&key) {
                let base = std::mem::take(&mut data.slug);
                let prefix = format!("{base}-");
                let mut taken = self.numbered_slugs(data.kind, &base, 0).await?;
                taken.extend(
                    given
                        .iter()
                        .filter(|(k, s)| *k == kind && s.starts_with(&prefix))
                        .map(|(_, s)| s.clone()),
                );
                taken.push(base.clone());
                data.slug = first_free(&base, &taken);
            }
            given.insert((kind, data.slug.clone()));
        }
        Ok(())
    }

    /// The tag and byline links of articles, many per statement (round trips dominate on
    /// PostgreSQL).
    async fn insert_links(&mut self, articles: &[(Id, &ArticleData)]) -> Result<()> {
        for (table, column) in [("article_tags", "tag_id"), ("article_authors", "author_id")] {
            let links: Vec<(Id, Option<DateTime<Utc>>, Id, i64)> = articles
                .iter()
                .flat_map(|(id, data)| {
                    let ids = if column == "tag_id" {
                        &data.tag_ids
                    } else {
                        &data.author_ids
                    };
                    let at = listed_at(data);
                    ids.iter()
                        .enumerate()
                        .map(move |(i, link)| (*id, at, *link, i as i64))
                })
                .collect();
            for chunk in links.chunks(LINK_BATCH) {
                let rows: Vec<String> = (0..chunk.len())
                    .map(|i| {
                        let n = i * 4;
                        format!("(${}, ${}, ${}, ${})", n + 1, n + 2, n + 3, n + 4)
                    })
                    .collect();
                let sql = format!(
                    "INSERT INTO {table} (article_id, listed_at, {column}, position) VALUES {}",
                    rows.join(", ")
                );
                on_tx!(self, |c| {
                    let mut q = sqlx::query(AssertSqlSafe(sql));
                    for (id, at, link, position) in chunk {
                        q = q.bind(*id).bind(*at).bind(*link).bind(*position);
                    }
                    q.execute(c).await?;
                });
            }
        }
        Ok(())
    }

    /// Replaces an article's content. With `expected_version`, a save based on an older
    /// version is refused with `StoreError::Conflict` instead of overwriting a colleague.
    pub async fn update_article(
        &mut self,
        id: Id,
        expected_version: Option<i64>,
        mut data: ArticleData,
    ) -> Result<Article> {
        let current = self.article(id).await?.ok_or(StoreError::NotFound)?;
        if let Some(v) = expected_version
            && v != current.version
        {
            return Err(StoreError::Conflict {
                current: current.version,
            });
        }
        data.normalize(self.now);
        data.validate()?;
        self.check_parent(&data, Some(id)).await?;
        data.slug = self.unique_slug(&data, Some(id)).await?;
        let now = self.now;
        let body = body_json(&data)?;
        let words = count_words(&data);
        let version = current.version + 1;
        let updated = on_tx!(self, |c| {
            let q = sqlx::query(
                "UPDATE articles SET kind = $1, status = $2, title = $3, slug = $4, subtitle = $5, \
                 excerpt = $6, body = $7, section_id = $8, parent_id = $9, source = $10, \
                 image_id = $11, image_caption = $12, image_alt = $13, image_credit = $14, \
                 artist = $15, seo_title = $16, seo_description = $17, breaking = $18, \
                 featured = $19, published_at = $20, updated_at = $21, external_id = $22, \
                 version = $23, modified_at = $24, title_key = $27, words = $28 \
                 WHERE id = $25 AND version = $26",
            );
            bind_fields!(q, data, &body)
                .bind(version)
                .bind(now)
                .bind(id)
                .bind(current.version)
                .bind(midad_arabic::normalize(&data.title))
                .bind(words)
                .execute(c)
                .await?
                .rows_affected()
        });
        // Another transaction changed it between the read and this write (possible on
        // PostgreSQL, whose writers do not queue like SQLite's): the same conflict.
        if updated == 0 {
            let now_at = self.article(id).await?.map(|a| a.version).unwrap_or(0);
            return Err(StoreError::Conflict { current: now_at });
        }
        self.replace_links(id, &data).await?;
        self.log(EntityKind::Article, id);
        Ok(Article {
            id,
            version,
            created_at: current.created_at,
            modified_at: now,
            words: Some(words),
            data,
        })
    }

    /// Publishes every scheduled item whose time has come (at most 500 per call, oldest
    /// first) and returns their ids. Safe to run on several nodes at once: an item another
    /// transaction published first is not published (nor logged) twice.
    pub async fn publish_due(&mut self, now: DateTime<Utc>) -> Result<Vec<Id>> {
        let due: Vec<(Id,)> = on_tx!(self, |c| {
            sqlx::query_as(
                "SELECT id FROM articles WHERE status = $1 AND published_at <= $2 \
                 ORDER BY published_at, id LIMIT 500",
            )
            .bind(Status::Scheduled.as_str())
            .bind(now)
            .fetch_all(c)
            .await?
        });
        let mut published = Vec::new();
        for (id,) in due {
            let done = on_tx!(self, |c| {
                sqlx::query(
                    "UPDATE articles SET status = $1, version = version + 1, modified_at = $2 \
                     WHERE id = $3 AND status = $4",
                )
                .bind(Status::Published.as_str())
                .bind(self.now)
                .bind(id)
                .bind(Status::Scheduled.as_str())
                .execute(c)
                .await?
                .rows_affected()
            });
            if done == 1 {
                self.relist(Some(id)).await?;
                self.log(EntityKind::Article, id);
                published.push(id);
            }
        }
        Ok(published)
    }

    pub async fn delete_article(&mut self, id: Id) -> Result<()> {
        let done = on_tx!(self, |c| {
            sqlx::query("DELETE FROM articles WHERE id = $1")
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        self.log(EntityKind::Article, id);
        Ok(())
    }

    /// Reads an article inside this transaction (sees its own uncommitted writes).
    pub async fn article(&mut self, id: Id) -> Result<Option<Article>> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1");
        let article = on_tx!(self, |c| {
            match sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(c)
                .await?
            {
                Some(r) => Some(rows::article(&r)?),
                None => None,
            }
        });
        match article {
            Some(mut a) => {
                self.fill_links(&mut a).await?;
                Ok(Some(a))
            }
            None => Ok(None),
        }
    }

    /// The ids of the articles with these external ids, by external id.
    pub async fn article_ids_by_external_ids(
        &mut self,
        external_ids: &[&str],
    ) -> Result<HashMap<String, Id>> {
        let mut found = HashMap::new();
        for chunk in external_ids.chunks(LOOKUP_BATCH) {
            let marks: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!(
                "SELECT external_id, id FROM articles WHERE external_id IN ({})",
                marks.join(", ")
            );
            let rows: Vec<(String, Id)> = on_tx!(self, |c| {
                let mut q = sqlx::query_as(AssertSqlSafe(sql));
                for e in chunk {
                    q = q.bind(*e);
                }
                q.fetch_all(c).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }

    /// The id of the page of that slug, for a page's `parent`.
    pub async fn page_id_by_slug(&mut self, slug: &str) -> Result<Option<Id>> {
        Ok(on_tx!(self, |c| {
            sqlx::query_scalar("SELECT id FROM articles WHERE kind = 'page' AND slug = $1")
                .bind(slug)
                .fetch_optional(c)
                .await?
        }))
    }

    async fn fill_links(&mut self, a: &mut Article) -> Result<()> {
        let id = a.id;
        let (tags, authors): (Vec<Id>, Vec<Id>) = on_tx!(self, |c| {
            let tags = sqlx::query_scalar(
                "SELECT tag_id FROM article_tags WHERE article_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(&mut *c)
            .await?;
            let authors = sqlx::query_scalar(
                "SELECT author_id FROM article_authors WHERE article_id = $1 ORDER BY position",
            )
            .bind(id)
            .fetch_all(&mut *c)
            .await?;
            (tags, authors)
        });
        a.data.tag_ids = tags;
        a.data.author_ids = authors;
        Ok(())
    }

    /// Replaces an article's tag and byline links with those of `data`.
    async fn replace_links(&mut self, id: Id, data: &ArticleData) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM article_tags WHERE article_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
            sqlx::query("DELETE FROM article_authors WHERE article_id = $1")
                .bind(id)
                .execute(&mut *c)
                .await?;
        });
        self.insert_links(&[(id, data)]).await
    }

    /// Brings the `listed_at` of an article's tag and byline links up to date with the
    /// article's row, after a write that changed its status or date without its links.
    /// `None` does it for every link (after a restore, whose backup does not carry them).
    pub(crate) async fn relist(&mut self, id: Option<Id>) -> Result<()> {
        for table in ["article_tags", "article_authors"] {
            // The id is an integer of ours, written inline like every id list.
            let which = id
                .map(|id| format!(" WHERE article_id = {id}"))
                .unwrap_or_default();
            let sql = format!(
                "UPDATE {table} SET listed_at = (SELECT a.published_at FROM articles a \
                 WHERE a.id = {table}.article_id AND a.kind = 'article' AND a.status = 'published'){which}"
            );
            on_tx!(self, |c| {
                sqlx::query(AssertSqlSafe(sql)).execute(c).await?;
            });
        }
        Ok(())
    }

    async fn check_parent(&mut self, data: &ArticleData, own_id: Option<Id>) -> Result<()> {
        let Some(parent) = data.parent_id else {
            return Ok(());
        };
        let kind: Option<String> = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT kind FROM articles WHERE id = $1")
                .bind(parent)
                .fetch_optional(c)
                .await?
        });
        if kind.as_deref() != Some("page") || own_id == Some(parent) {
            return Err(invalid("parent", ErrorCode::ParentNotFound));
        }
        Ok(())
    }

    /// The slug itself when free in its kind, else the first free `slug-N`. The common case
    /// (free) costs one indexed lookup; suffixes are searched as an index range, never with
    /// a scan, so importing ten thousand articles stays linear.
    async fn unique_slug(&mut self, data: &ArticleData, own_id: Option<Id>) -> Result<String> {
        let base = data.slug.clone();
        let own = own_id.unwrap_or(0);
        let exact: Option<Id> = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT id FROM articles WHERE kind = $1 AND slug = $2 AND id <> $3")
                .bind(data.kind.as_str())
                .bind(&base)
                .bind(own)
                .fetch_optional(c)
                .await?
        });
        if exact.is_none() {
            return Ok(base);
        }
        let mut taken = self.numbered_slugs(data.kind, &base, own).await?;
        taken.push(base.clone());
        Ok(first_free(&base, &taken))
    }

    /// The slugs `base-…` of a kind, but for the article `own` (0: none).
    async fn numbered_slugs(
        &mut self,
        kind: ArticleKind,
        base: &str,
        own: Id,
    ) -> Result<Vec<String>> {
        // Every `base-…` sorts between `base-` and `base.` ('.' follows '-').
        let (low, high) = (format!("{base}-"), format!("{base}."));
        Ok(on_tx!(self, |c| {
            sqlx::query_scalar(
                "SELECT slug FROM articles WHERE kind = $1 AND slug >= $2 AND slug < $3 AND id <> $4",
            )
            .bind(kind.as_str())
            .bind(&low)
            .bind(&high)
            .bind(own)
            .fetch_all(c)
            .await?
        }))
    }

    // ----- sections, tags, bylines -----

    /// The section of that name, created (with a derived slug) when missing.
    pub async fn section_by_name_or_create(&mut self, name: &str) -> Result<Section> {
        let name = name.trim();
        model::validate_name("section", name).map_err(one)?;
        let found = on_tx!(self, |c| {
            match sqlx::query(
                "SELECT id, name, slug, parent_id, description, position FROM sections WHERE name = $1",
            )
            .bind(name)
            .fetch_optional(c)
            .await?
            {
                Some(r) => Some(rows::section(&r)?),
                None => None,
            }
        });
        if let Some(s) = found {
            return Ok(s);
        }
        self.insert_section(name, None, None).await
    }

    pub async fn insert_section(
        &mut self,
        name: &str,
        parent_id: Option<Id>,
        description: Option<&str>,
    ) -> Result<Section> {
        let name = name.trim();
        model::validate_name("section", name).map_err(one)?;
        let slug = self
            .unique_name_slug("sections", &model::name_slug(name, "section"))
            .await?;
        let (id, position): (Id, i64) = on_tx!(self, |c| {
            let position: i64 =
                sqlx::query_scalar("SELECT COALESCE(MAX(position), 0) + 1 FROM sections")
                    .fetch_one(&mut *c)
                    .await?;
            let id = sqlx::query_scalar(
                "INSERT INTO sections (name, slug, parent_id, description, position) VALUES ($1, $2, $3, $4, $5) RETURNING id",
            )
            .bind(name)
            .bind(&slug)
            .bind(parent_id)
            .bind(description)
            .bind(position)
            .fetch_one(&mut *c)
            .await?;
            (id, position)
        });
        self.log(EntityKind::Section, id);
        Ok(Section {
            id,
            name: name.to_string(),
            slug,
            parent_id,
            description: description.map(str::to_string),
            position,
        })
    }

    pub async fn tag_by_name_or_create(&mut self, name: &str) -> Result<Tag> {
        let name = name.trim();
        model::validate_name("tags", name).map_err(one)?;
        let found = on_tx!(self, |c| {
            match sqlx::query("SELECT id, name, slug FROM tags WHERE name = $1")
                .bind(name)
                .fetch_optional(c)
                .await?
            {
                Some(r) => Some(rows::tag(&r)?),
                None => None,
            }
        });
        if let Some(t) = found {
            return Ok(t);
        }
        let slug = self
            .unique_name_slug("tags", &model::name_slug(name, "tag"))
            .await?;
        let id: Id = on_tx!(self, |c| {
            sqlx::query_scalar("INSERT INTO tags (name, slug) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(&slug)
                .fetch_one(c)
                .await?
        });
        self.log(EntityKind::Tag, id);
        Ok(Tag {
            id,
            name: name.to_string(),
            slug,
        })
    }

    /// The byline of an account that has none yet: an existing byline of that name that no
    /// other account holds (a writer whose articles were imported), else a new one. Two
    /// people with the same name never share a byline.
    pub async fn author_for_account(&mut self, name: &str) -> Result<Author> {
        let name = name.trim();
        model::validate_name("authors", name).map_err(one)?;
        let found = on_tx!(self, |c| {
            match sqlx::query(
                "SELECT id, name, slug, bio, photo_id FROM authors a WHERE a.name = $1 \
                 AND NOT EXISTS (SELECT 1 FROM users u WHERE u.author_id = a.id) \
                 ORDER BY a.id LIMIT 1",
            )
            .bind(name)
            .fetch_optional(c)
            .await?
            {
                Some(r) => Some(rows::author(&r)?),
                None => None,
            }
        });
        if let Some(a) = found {
            return Ok(a);
        }
        self.insert_author(name).await
    }

    /// A new byline under a unique address.
    async fn insert_author(&mut self, name: &str) -> Result<Author> {
        let slug = self
            .unique_name_slug("authors", &model::name_slug(name, "author"))
            .await?;
        let id: Id = on_tx!(self, |c| {
            sqlx::query_scalar("INSERT INTO authors (name, slug) VALUES ($1, $2) RETURNING id")
                .bind(name)
                .bind(&slug)
                .fetch_one(c)
                .await?
        });
        self.log(EntityKind::Author, id);
        Ok(Author {
            id,
            name: name.to_string(),
            slug,
            bio: None,
            photo_id: None,
        })
    }

    pub async fn author_by_name_or_create(&mut self, name: &str) -> Result<Author> {
        let name = name.trim();
        model::validate_name("authors", name).map_err(one)?;
        let found = on_tx!(self, |c| {
            match sqlx::query("SELECT id, name, slug, bio, photo_id FROM authors WHERE name = $1")
                .bind(name)
                .fetch_optional(c)
                .await?
            {
                Some(r) => Some(rows::author(&r)?),
                None => None,
            }
        });
        if let Some(a) = found {
            return Ok(a);
        }
        self.insert_author(name).await
    }

    async fn unique_name_slug(&mut self, table: &'static str, base: &str) -> Result<String> {
        let sql = format!("SELECT slug FROM {table} WHERE slug = $1 OR (slug >= $2 AND slug < $3)");
        let (low, high) = (format!("{base}-"), format!("{base}."));
        let taken: Vec<String> = on_tx!(self, |c| {
            sqlx::query_scalar(AssertSqlSafe(sql))
                .bind(base)
                .bind(&low)
                .bind(&high)
                .fetch_all(c)
                .await?
        });
        Ok(first_free(base, &taken))
    }

    // ----- media -----

    pub async fn insert_media(&mut self, m: NewMedia) -> Result<Media> {
        let now = self.now;
        let id: Id = on_tx!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO media (path, mime, width, height, size, alt, caption, credit, variants, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .bind(&m.path)
            .bind(&m.mime)
            .bind(m.width)
            .bind(m.height)
            .bind(m.size)
            .bind(&m.alt)
            .bind(&m.caption)
            .bind(&m.credit)
            .bind(crate::rows::format_widths(&m.variants))
            .bind(now)
            .fetch_one(c)
            .await?
        });
        self.log(EntityKind::Media, id);
        Ok(Media {
            id,
            path: m.path,
            mime: m.mime,
            width: m.width,
            height: m.height,
            size: m.size,
            alt: m.alt,
            caption: m.caption,
            credit: m.credit,
            variants: m.variants,
            created_at: now,
        })
    }

    pub async fn media_by_path(&mut self, path: &str) -> Result<Option<Media>> {
        Ok(on_tx!(self, |c| {
            match sqlx::query(
                "SELECT id, path, mime, width, height, size, alt, caption, credit, variants, created_at FROM media WHERE path = $1",
            )
            .bind(path)
            .fetch_optional(c)
            .await?
            {
                Some(r) => Some(rows::media(&r)?),
                None => None,
            }
        }))
    }

    // ----- users -----

    pub async fn insert_user(&mut self, u: NewUser) -> Result<User> {
        let email = midad_core::model::validate_email(&u.email).map_err(one)?;
        model::validate_name("name", &u.name).map_err(one)?;
        let exists: Option<Id> = on_tx!(self, |c| {
            sqlx::query_scalar("SELECT id FROM users WHERE email = $1")
                .bind(&email)
                .fetch_optional(c)
                .await?
        });
        if exists.is_some() {
            return Err(invalid("email", ErrorCode::EmailTaken));
        }
        let now = self.now;
        let name = u.name.trim().to_string();
        let id: Id = on_tx!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO users (email, name, role, author_id, password_hash, disabled, created_at) \
                 VALUES ($1, $2, $3, $4, $5, FALSE, $6) RETURNING id",
            )
            .bind(&email)
            .bind(&name)
            .bind(u.role.as_str())
            .bind(u.author_id)
            .bind(&u.password_hash)
            .bind(now)
            .fetch_one(c)
            .await?
        });
        self.log(EntityKind::User, id);
        Ok(User {
            id,
            email,
            name,
            role: u.role,
            author_id: u.author_id,
            password_hash: u.password_hash,
            disabled: false,
            created_at: now,
        })
    }

    pub async fn set_user_password(&mut self, id: Id, hash: &str) -> Result<()> {
        self.update_user_column(
            id,
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            hash,
        )
        .await
    }

    pub async fn set_user_role(&mut self, id: Id, role: Role) -> Result<()> {
        self.update_user_column(
            id,
            "UPDATE users SET role = $1 WHERE id = $2",
            role.as_str(),
        )
        .await
    }

    /// Links an account to its byline.
    pub async fn set_user_author(&mut self, id: Id, author_id: Id) -> Result<()> {
        let n = on_tx!(self, |c| {
            sqlx::query("UPDATE users SET author_id = $1 WHERE id = $2")
                .bind(author_id)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.log(EntityKind::User, id);
        Ok(())
    }

    /// A disabled account cannot sign in, and its sessions end.
    pub async fn set_user_disabled(&mut self, id: Id, disabled: bool) -> Result<()> {
        let n = on_tx!(self, |c| {
            sqlx::query("UPDATE users SET disabled = $1 WHERE id = $2")
                .bind(disabled)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        if disabled {
            on_tx!(self, |c| {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                    .bind(id)
                    .execute(c)
                    .await?
                    .rows_affected()
            });
        }
        self.log(EntityKind::User, id);
        Ok(())
    }

    async fn update_user_column(&mut self, id: Id, sql: &'static str, value: &str) -> Result<()> {
        let n = on_tx!(self, |c| {
            sqlx::query(sql)
                .bind(value)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        self.log(EntityKind::User, id);
        Ok(())
    }

    // ----- settings -----

    /// Stores one setting (a JSON value) in the database.
    pub async fn put_setting(&mut self, key: &str, value: &serde_json::Value) -> Result<()> {
        let text = value.to_string();
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO settings (key, value) VALUES ($1, $2) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            )
            .bind(key)
            .bind(&text)
            .execute(c)
            .await?;
        });
        self.log(EntityKind::Settings, 0);
        Ok(())
    }

    /// Runs raw SQL inside this transaction (used by restore to copy rows verbatim).
    /// Records that an import of the file with this fingerprint has written its lines up
    /// to `line` (committed with them).
    pub async fn set_import_progress(&mut self, fingerprint: &str, line: i64) -> Result<()> {
        let now = self.now;
        on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO import_progress (fingerprint, line, updated_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (fingerprint) DO UPDATE SET line = excluded.line, updated_at = excluded.updated_at",
            )
            .bind(fingerprint)
            .bind(line)
            .bind(now)
            .execute(c)
            .await?;
        });
        Ok(())
    }

    pub(crate) async fn set_derived(&mut self, id: Id, key: &str, words: i64) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query("UPDATE articles SET title_key = $1, words = $2 WHERE id = $3")
                .bind(key)
                .bind(words)
                .bind(id)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    /// The import of that file is complete.
    pub async fn clear_import_progress(&mut self, fingerprint: &str) -> Result<()> {
        on_tx!(self, |c| {
            sqlx::query("DELETE FROM import_progress WHERE fingerprint = $1")
                .bind(fingerprint)
                .execute(c)
                .await?;
        });
        Ok(())
    }

    pub(crate) fn conn_sqlite(&mut self) -> Option<&mut sqlx::SqliteConnection> {
        match &mut self.conn {
            Conn::Sqlite(t) => Some(&mut **t),
            Conn::Postgres(_) => None,
        }
    }

    pub(crate) fn conn_postgres(&mut self) -> Option<&mut sqlx::PgConnection> {
        match &mut self.conn {
            Conn::Postgres(t) => Some(&mut **t),
            Conn::Sqlite(_) => None,
        }
    }
}

/// The date a tag's or byline's list shows an article under: only published articles (not
/// caricatures or pages) are listed.
fn listed_at(data: &ArticleData) -> Option<DateTime<Utc>> {
    (data.kind == ArticleKind::Article && data.status == Status::Published)
        .then_some(data.published_at)
        .flatten()
}

/// Words in a body, as the reading time counts them.
pub(crate) fn count_words(data: &ArticleData) -> i64 {
    midad_arabic::word_count(&midad_core::body::plain_text(&data.body)) as i64
}

fn body_json(data: &ArticleData) -> Result<String> {
    serde_json::to_string(&data.body).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn one(e: ValidationError) -> StoreError {
    StoreError::Invalid(Violations(vec![e]))
}

fn invalid(field: &str, code: ErrorCode) -> StoreError {
    one(ValidationError::new(field, code))
}

/// `base` when not taken, else `base-2`, `base-3`, … whichever is first free.
fn first_free(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_string();
    }
    (2..)
        .map(|n| format!("{base}-{n}"))
        .find(|candidate| !taken.iter().any(|t| t == candidate))
        .unwrap_or_else(|| base.to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn first_free_slug() {
        let taken = vec!["a".to_string(), "a-2".to_string(), "a-b".to_string()];
        assert_eq!(super::first_free("a", &taken), "a-3");
        assert_eq!(super::first_free("b", &taken), "b");
    }
}

//! Reads: articles by id, slug or filter, and the small tables that pages need (sections,
//! tags, bylines, media, users, settings). Those written with `Store::fetch` say what they
//! cost (see `fetch`); the rest go to the reader pool.

use crate::fetch::{Cost, Param};
use crate::rows::{self, ARTICLE_COLUMNS, CARD_COLUMNS};
use crate::{Result, Store, dispatch};
use chrono::{DateTime, Utc};
use midad_core::{Article, ArticleKind, Author, Id, Media, Section, Status, Tag, User};
use sqlx::AssertSqlSafe;
use std::collections::{BTreeMap, HashMap};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Order {
    /// Newest publication first (the public site).
    #[default]
    Newest,
    /// Lowest id first (exports, backups: stable).
    Id,
    /// Highest id first: the most recently created (the back office's list).
    Latest,
}

/// Which articles to list. `None` means "any".
#[derive(Clone, Debug, Default)]
pub struct ArticleQuery {
    pub kind: Option<ArticleKind>,
    pub status: Option<Status>,
    pub section_id: Option<Id>,
    pub tag_id: Option<Id>,
    pub author_id: Option<Id>,
    pub breaking: Option<bool>,
    pub featured: Option<bool>,
    /// Published at or after this time.
    pub published_from: Option<DateTime<Utc>>,
    /// Published before this time.
    pub published_until: Option<DateTime<Utc>>,
    /// Only ids above this one (reading a whole table a chunk at a time, with `Order::Id`).
    pub after_id: Option<Id>,
    /// Titles that contain these words, folded the way search folds them (the back
    /// office's title search).
    pub title_contains: Option<String>,
    /// Read cards (no body: what a list shows) instead of whole articles.
    pub cards: bool,
    pub order: Order,
    pub limit: i64,
    pub offset: i64,
}

impl ArticleQuery {
    /// Published items of a kind, newest first.
    pub fn published(kind: ArticleKind, limit: i64) -> Self {
        ArticleQuery {
            kind: Some(kind),
            status: Some(Status::Published),
            limit,
            ..Default::default()
        }
    }

    /// WHERE clause and its parameters, numbered from `$1`. Parameters are bound, never
    /// spliced; only the fixed clause text is formatted.
    /// `family` is the section and its sub-sections when `section_id` is set.
    fn filter(&self, family: &[Id]) -> (String, Vec<Param>) {
        let mut clauses = Vec::new();
        let mut params = Vec::new();
        let mut push = |clauses: &mut Vec<String>, clause: &str, p: Param| {
            params.push(p);
            clauses.push(clause.replace('?', &format!("${}", params.len())));
        };
        if let Some(k) = self.kind {
            push(&mut clauses, "a.kind = ?", Param::Text(k.as_str().into()));
        }
        if let Some(s) = self.status {
            push(&mut clauses, "a.status = ?", Param::Text(s.as_str().into()));
        }
        if let Some(id) = self.section_id {
            // A parent section lists its sub-sections' articles too. A plain equality when
            // there are none lets the planner walk the section index in date order.
            if family.len() > 1 {
                // Integers from the database, not from outside: safe to write inline.
                clauses.push(format!("a.section_id IN ({})", inline_ids(family)));
            } else {
                push(&mut clauses, "a.section_id = ?", Param::Int(id));
            }
        }
        if let Some(id) = self.tag_id {
            push(
                &mut clauses,
                "a.id IN (SELECT article_id FROM article_tags WHERE tag_id = ?)",
                Param::Int(id),
            );
        }
        if let Some(id) = self.author_id {
            push(
                &mut clauses,
                "a.id IN (SELECT article_id FROM article_authors WHERE author_id = ?)",
                Param::Int(id),
            );
        }
        if let Some(b) = self.breaking {
            push(&mut clauses, "a.breaking = ?", Param::Bool(b));
        }
        if let Some(b) = self.featured {
            push(&mut clauses, "a.featured = ?", Param::Bool(b));
        }
        if let Some(t) = self.published_from {
            push(&mut clauses, "a.published_at >= ?", Param::Time(t));
        }
        if let Some(t) = self.published_until {
            push(&mut clauses, "a.published_at < ?", Param::Time(t));
        }
        if let Some(id) = self.after_id {
            push(&mut clauses, "a.id > ?", Param::Int(id));
        }
        if let Some(words) = &self.title_contains {
            let folded = midad_arabic::normalize(words)
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_");
            push(
                &mut clauses,
                "a.title_key LIKE ? ESCAPE '\\'",
                Param::Text(format!("%{folded}%")),
            );
        }
        let sql = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        (sql, params)
    }
}

/// Ids are integers, never text from outside: safe to write into an `IN (…)` list, which
/// keeps a batch read to one statement on both backends.
pub(crate) fn inline_ids(ids: &[Id]) -> String {
    ids.iter().map(Id::to_string).collect::<Vec<_>>().join(",")
}

/// (article id, linked id) pairs.
type Links = Vec<(i64, i64)>;

const SECTION_COLUMNS: &str = "id, name, slug, parent_id, description, position";
const MEDIA_COLUMNS: &str =
    "id, path, mime, width, height, size, alt, caption, credit, variants, created_at";
pub(crate) const USER_COLUMNS: &str =
    "id, email, name, role, author_id, password_hash, disabled, created_at";

impl Store {
    pub async fn article(&self, id: Id) -> Result<Option<Article>> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE id = $1");
        match self
            .fetch_first(sql, vec![id.into()], |r| rows::article(r))
            .await?
        {
            Some(a) => Ok(self.with_links(vec![a]).await?.pop()),
            None => Ok(None),
        }
    }

    pub async fn article_by_slug(&self, kind: ArticleKind, slug: &str) -> Result<Option<Article>> {
        let sql = format!("SELECT {ARTICLE_COLUMNS} FROM articles WHERE kind = $1 AND slug = $2");
        let params = vec![kind.as_str().into(), slug.into()];
        match self.fetch_first(sql, params, |r| rows::article(r)).await? {
            Some(a) => Ok(self.with_links(vec![a]).await?.pop()),
            None => Ok(None),
        }
    }

    pub async fn articles(&self, q: &ArticleQuery) -> Result<Vec<Article>> {
        let family = self.section_family(q.section_id).await?;
        let (filter, params) = q.filter(&family);
        let order = match q.order {
            Order::Newest => "a.published_at DESC, a.id DESC",
            Order::Id => "a.id",
            Order::Latest => "a.id DESC",
        };
        let columns = if q.cards {
            CARD_COLUMNS
        } else {
            ARTICLE_COLUMNS
        };
        let columns = columns
            .split(", ")
            .map(|c| match c.trim() {
                // A constant in place of a column (a card's empty body).
                c if c.starts_with('\'') => c.to_string(),
                c => format!("a.{c}"),
            })
            .collect::<Vec<_>>()
            .join(", ");
        let limit = if q.limit <= 0 { i64::MAX } else { q.limit };
        let offset = q.offset.max(0);
        let sql = format!(
            "SELECT {columns} FROM articles a{filter} ORDER BY {order} LIMIT {limit} OFFSET {offset}"
        );
        // Free filters (the back office's) may walk much of the table.
        let list = self
            .fetch(Cost::Long, sql, params, |r| rows::article(r))
            .await?;
        self.with_links(list).await
    }

    pub async fn count_articles(&self, q: &ArticleQuery) -> Result<i64> {
        let family = self.section_family(q.section_id).await?;
        let (filter, params) = q.filter(&family);
        let sql = format!("SELECT COUNT(*) AS n FROM articles a{filter}");
        self.count(Cost::Long, sql, params).await
    }

    /// How many items the query selects, counting no further than `cap`.
    pub async fn count_articles_upto(&self, q: &ArticleQuery, cap: i64) -> Result<i64> {
        let family = self.section_family(q.section_id).await?;
        let (filter, params) = q.filter(&family);
        let sql = format!(
            "SELECT COUNT(*) AS n FROM (SELECT 1 FROM articles a{filter} LIMIT {cap}) AS capped"
        );
        self.count(Cost::Long, sql, params).await
    }

    /// A section and its sub-sections (empty for `None`).
    pub(crate) async fn section_family(&self, section: Option<Id>) -> Result<Vec<Id>> {
        let Some(id) = section else {
            return Ok(Vec::new());
        };
        let sql = "SELECT id FROM sections WHERE parent_id = $1 ORDER BY id".to_string();
        let children = self
            .fetch(Cost::Bounded, sql, vec![id.into()], |r| r.int("id"))
            .await?;
        Ok(std::iter::once(id).chain(children).collect())
    }

    /// Fills the tag and byline ids of a list of articles with two queries.
    async fn with_links(&self, mut list: Vec<Article>) -> Result<Vec<Article>> {
        if list.is_empty() {
            return Ok(list);
        }
        let ids = inline_ids(&list.iter().map(|a| a.id).collect::<Vec<_>>());
        // Both kinds of link in one statement: 't' marks a tag, 'a' a byline.
        let sql = format!(
            "SELECT 't' AS which, article_id, tag_id AS link, position FROM article_tags \
             WHERE article_id IN ({ids}) UNION ALL \
             SELECT 'a' AS which, article_id, author_id AS link, position FROM article_authors \
             WHERE article_id IN ({ids}) ORDER BY which DESC, article_id, position"
        );
        let links = self
            .fetch(Cost::Bounded, sql, Vec::new(), |r| {
                Ok((
                    r.text("which")? == "t",
                    r.int("article_id")?,
                    r.int("link")?,
                ))
            })
            .await?;
        let (tags, authors): (Links, Links) = {
            let mut tags = Vec::new();
            let mut authors = Vec::new();
            for (is_tag, article, link) in links {
                if is_tag {
                    tags.push((article, link));
                } else {
                    authors.push((article, link));
                }
            }
            (tags, authors)
        };
        let mut tag_map: HashMap<Id, Vec<Id>> = HashMap::new();
        for (a, t) in tags {
            tag_map.entry(a).or_default().push(t);
        }
        let mut author_map: HashMap<Id, Vec<Id>> = HashMap::new();
        for (a, t) in authors {
            author_map.entry(a).or_default().push(t);
        }
        for a in &mut list {
            a.data.tag_ids = tag_map.remove(&a.id).unwrap_or_default();
            a.data.author_ids = author_map.remove(&a.id).unwrap_or_default();
        }
        Ok(list)
    }

    pub async fn sections(&self) -> Result<Vec<Section>> {
        let sql = format!("SELECT {SECTION_COLUMNS} FROM sections ORDER BY position, id");
        self.fetch(Cost::Bounded, sql, Vec::new(), |r| rows::section(r))
            .await
    }

    pub async fn section_by_slug(&self, slug: &str) -> Result<Option<Section>> {
        Ok(self.sections().await?.into_iter().find(|s| s.slug == slug))
    }

    pub async fn tags(&self) -> Result<Vec<Tag>> {
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query("SELECT id, name, slug FROM tags ORDER BY id")
                .fetch_all(db)
                .await?;
            rows.iter().map(rows::tag).collect::<Result<Vec<_>>>()?
        }))
    }

    /// The tags with these ids that exist (one statement, whatever their number).
    pub async fn tags_by_ids(&self, ids: &[Id]) -> Result<Vec<Tag>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, name, slug FROM tags WHERE id IN ({})",
            inline_ids(ids)
        );
        self.fetch(Cost::Bounded, sql, Vec::new(), |r| rows::tag(r))
            .await
    }

    /// The bylines with these ids that exist.
    pub async fn authors_by_ids(&self, ids: &[Id]) -> Result<Vec<Author>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, name, slug, bio, photo_id FROM authors WHERE id IN ({})",
            inline_ids(ids)
        );
        self.fetch(Cost::Bounded, sql, Vec::new(), |r| rows::author(r))
            .await
    }

    pub async fn tag_by_slug(&self, slug: &str) -> Result<Option<Tag>> {
        let sql = "SELECT id, name, slug FROM tags WHERE slug = $1".to_string();
        self.fetch_first(sql, vec![slug.into()], |r| rows::tag(r))
            .await
    }

    pub async fn authors(&self) -> Result<Vec<Author>> {
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query("SELECT id, name, slug, bio, photo_id FROM authors ORDER BY id")
                .fetch_all(db)
                .await?;
            rows.iter().map(rows::author).collect::<Result<Vec<_>>>()?
        }))
    }

    pub async fn author_by_slug(&self, slug: &str) -> Result<Option<Author>> {
        let sql = "SELECT id, name, slug, bio, photo_id FROM authors WHERE slug = $1".to_string();
        self.fetch_first(sql, vec![slug.into()], |r| rows::author(r))
            .await
    }

    /// The articles with these ids that exist, in no particular order: one query for a
    /// whole page of search hits instead of one per hit.
    pub async fn articles_by_ids(&self, ids: &[Id]) -> Result<Vec<Article>> {
        self.by_ids(ids, ARTICLE_COLUMNS).await
    }

    /// Like `articles_by_ids`, as cards: without their bodies.
    pub async fn cards_by_ids(&self, ids: &[Id]) -> Result<Vec<Article>> {
        self.by_ids(ids, CARD_COLUMNS).await
    }

    async fn by_ids(&self, ids: &[Id], columns: &str) -> Result<Vec<Article>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {columns} FROM articles WHERE id IN ({})",
            inline_ids(ids)
        );
        let list = self
            .fetch(Cost::Bounded, sql, Vec::new(), |r| rows::article(r))
            .await?;
        self.with_links(list).await
    }

    /// The media rows with these ids that exist.
    pub async fn media_by_ids(&self, ids: &[Id]) -> Result<Vec<Media>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT {MEDIA_COLUMNS} FROM media WHERE id IN ({})",
            inline_ids(ids)
        );
        self.fetch(Cost::Bounded, sql, Vec::new(), |r| rows::media(r))
            .await
    }

    pub async fn media(&self, id: Id) -> Result<Option<Media>> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE id = $1");
        self.fetch_first(sql, vec![id.into()], |r| rows::media(r))
            .await
    }

    pub async fn media_by_path(&self, path: &str) -> Result<Option<Media>> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media WHERE path = $1");
        self.fetch_first(sql, vec![path.into()], |r| rows::media(r))
            .await
    }

    /// Media items newest first: `limit` of them after skipping `offset`.
    pub async fn latest_media(&self, limit: i64, offset: i64) -> Result<Vec<Media>> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media ORDER BY id DESC LIMIT $1 OFFSET $2");
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(limit)
                .bind(offset.max(0))
                .fetch_all(db)
                .await?;
            rows.iter().map(rows::media).collect::<Result<Vec<_>>>()?
        }))
    }

    pub async fn count_media(&self) -> Result<i64> {
        Ok(dispatch!(self.pools(), |db| {
            sqlx::query_scalar("SELECT COUNT(*) FROM media")
                .fetch_one(db)
                .await?
        }))
    }

    pub async fn all_media(&self) -> Result<Vec<Media>> {
        let sql = format!("SELECT {MEDIA_COLUMNS} FROM media ORDER BY id");
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db).await?;
            rows.iter().map(rows::media).collect::<Result<Vec<_>>>()?
        }))
    }

    pub async fn users(&self) -> Result<Vec<User>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users ORDER BY id");
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(AssertSqlSafe(sql)).fetch_all(db).await?;
            rows.iter().map(rows::user).collect::<Result<Vec<_>>>()?
        }))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<Option<User>> {
        let email = email.trim().to_lowercase();
        let sql = format!("SELECT {USER_COLUMNS} FROM users WHERE email = $1");
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(AssertSqlSafe(sql))
                .bind(email)
                .fetch_optional(db)
                .await?
            {
                Some(r) => Some(rows::user(&r)?),
                None => None,
            }
        }))
    }

    /// The settings stored in the database, as key → JSON value.
    pub async fn settings_map(&self) -> Result<BTreeMap<String, serde_json::Value>> {
        let rows: Vec<(String, String)> = dispatch!(self.pools(), |db| {
            sqlx::query_as("SELECT key, value FROM settings ORDER BY key")
                .fetch_all(db)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(k, v)| serde_json::from_str(&v).ok().map(|v| (k, v)))
            .collect())
    }

    /// The last line an unfinished import of the file with this fingerprint wrote.
    pub async fn import_progress(&self, fingerprint: &str) -> Result<Option<i64>> {
        Ok(dispatch!(self.pools(), |db| {
            sqlx::query_scalar("SELECT line FROM import_progress WHERE fingerprint = $1")
                .bind(fingerprint)
                .fetch_optional(db)
                .await?
        }))
    }

    /// Row counts per table, for `midad check` and tests.
    pub async fn counts(&self) -> Result<BTreeMap<&'static str, i64>> {
        let mut out = BTreeMap::new();
        for table in crate::backup::TABLES {
            let sql = format!("SELECT COUNT(*) FROM {}", table.name);
            let n: i64 = dispatch!(self.pools(), |db| {
                sqlx::query_scalar(AssertSqlSafe(sql)).fetch_one(db).await?
            });
            out.insert(table.name, n);
        }
        Ok(out)
    }
}

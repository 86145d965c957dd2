//! Readers' page views (for "most read") and related stories: reads and small writes the
//! public site needs that are not content, so they bypass the change log.

use crate::fetch::Cost;
use crate::read::inline_ids;
use crate::rows::Get;
use crate::{Pools, Result, Store};
use chrono::{DateTime, Utc};
use midad_core::{ArticleKind, Id, Status};

use sqlx::AssertSqlSafe;

/// Related stories look among the articles of this many of an article's tags…
pub const RELATED_TAGS: usize = 6;
/// …and, in each, among this many articles nearest to it in publication time.
pub const RELATED_WINDOW: i64 = 24;

/// A published article or caricature as a sitemap lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Publication {
    pub id: Id,
    pub kind: ArticleKind,
    pub slug: String,
    pub image_id: Option<Id>,
    pub published_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

const PUBLICATION_COLUMNS: &str = "id, kind, slug, image_id, published_at, modified_at";

/// The sitemap's read of one month (a part of it from `offset`): from the `articles_public`
/// index alone, which holds every column it reads, so no row is visited (each is stored with
/// its body, whose overflow pages the columns after it would be read through).
pub(crate) fn publications_between_sql(offset: i64, limit: i64) -> String {
    format!(
        "SELECT {PUBLICATION_COLUMNS} FROM articles WHERE kind IN ('article', 'caricature') \
         AND status = 'published' AND published_at >= $1 AND published_at < $2 \
         ORDER BY published_at, id LIMIT {limit} OFFSET {}",
        offset.max(0)
    )
}

fn publication(r: &(impl Get + ?Sized)) -> Result<Publication> {
    let kind = r.text("kind")?;
    Ok(Publication {
        id: r.int("id")?,
        kind: ArticleKind::parse(&kind)
            .ok_or_else(|| crate::StoreError::Corrupt(format!("unknown kind «{kind}»")))?,
        slug: r.text("slug")?,
        image_id: r.opt_int("image_id")?,
        published_at: r.time("published_at")?,
        modified_at: r.time("modified_at")?,
    })
}

impl Store {
    /// Published items of a kind in publication order (oldest first), `limit` of them after
    /// the key `after` (time, id): a pass over the archive, one index range per call.
    pub async fn publications_of(
        &self,
        kind: ArticleKind,
        after: Option<(DateTime<Utc>, Id)>,
        limit: i64,
    ) -> Result<Vec<Publication>> {
        let from = if after.is_some() {
            " AND (published_at, id) > ($2, $3)"
        } else {
            ""
        };
        let sql = format!(
            "SELECT {PUBLICATION_COLUMNS} FROM articles WHERE kind = $1 AND status = 'published' \
             AND published_at IS NOT NULL{from} ORDER BY published_at, id LIMIT {limit}"
        );
        let mut params = vec![kind.as_str().into()];
        if let Some((t, id)) = after {
            params.extend([t.into(), id.into()]);
        }
        self.fetch(Cost::Bounded, sql, params, |r| publication(r))
            .await
    }

    /// Published articles and caricatures of `[from, until)` in publication order, `limit`
    /// of them after skipping `offset`: one part of a month's sitemap.
    pub async fn publications_between(
        &self,
        from: DateTime<Utc>,
        until: DateTime<Utc>,
        offset: i64,
        limit: i64,
    ) -> Result<Vec<Publication>> {
        let sql = publications_between_sql(offset, limit);
        let params = vec![from.into(), until.into()];
        // A sitemap part is up to 50,000 rows: not for the calling thread.
        self.fetch(Cost::Long, sql, params, |r| publication(r))
            .await
    }

    /// Adds counted views of one site-local day (`YYYY-MM-DD`). Ids of articles deleted
    /// since they were counted are skipped.
    pub async fn add_views(&self, day: &str, counts: &[(Id, i64)]) -> Result<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let ids = inline_ids(&counts.iter().map(|(id, _)| *id).collect::<Vec<_>>());
        let values = counts
            .iter()
            .map(|(id, n)| format!("({id}, {n})"))
            .collect::<Vec<_>>()
            .join(",");
        // Ids and counts are integers from this process, the day is bound.
        let sql = format!(
            "INSERT INTO article_views (article_id, day, views) \
             SELECT v.column1, $1, v.column2 FROM (VALUES {values}) AS v \
             WHERE v.column1 IN (SELECT id FROM articles WHERE id IN ({ids})) \
             ON CONFLICT (article_id, day) DO UPDATE SET views = article_views.views + excluded.views"
        );
        match self.pools() {
            Pools::Sqlite { writer, .. } => {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(day)
                    .execute(writer)
                    .await?;
            }
            Pools::Postgres(pool) => {
                sqlx::query(AssertSqlSafe(sql))
                    .bind(day)
                    .execute(pool)
                    .await?;
            }
        }
        // Most read, where it is kept, is read again.
        self.inner_kept().views_counted();
        Ok(())
    }

    /// Published articles with the most views on or after `since_day`, most viewed first.
    pub async fn most_read(&self, since_day: &str, limit: i64) -> Result<Vec<Id>> {
        let sql = format!(
            "SELECT v.article_id FROM article_views v JOIN articles a ON a.id = v.article_id \
             WHERE v.day >= $1 AND a.status = $2 AND a.kind = $3 \
             GROUP BY v.article_id ORDER BY SUM(v.views) DESC, v.article_id DESC LIMIT {limit}"
        );
        let params = vec![
            since_day.into(),
            Status::Published.as_str().into(),
            ArticleKind::Article.as_str().into(),
        ];
        // Two days of counted views: grows with the day's traffic, not bounded by a page.
        self.fetch(Cost::Long, sql, params, |r| r.int("article_id"))
            .await
    }

    /// Published articles related to `id`, at a cost bounded whatever the size of the
    /// archive. Candidates: for each of its first `RELATED_TAGS` tags, the
    /// `RELATED_WINDOW` published articles of that tag nearest to it in publication time
    /// (half of them listed at or before it, half after; the newest ones when it has no
    /// date yet). Among the candidates, those sharing the most tags with it come first,
    /// then the newest. When they are fewer than `limit`, the newest of its section follow.
    pub async fn related(
        &self,
        id: Id,
        tag_ids: &[Id],
        published_at: Option<DateTime<Utc>>,
        section_id: Option<Id>,
        limit: i64,
    ) -> Result<Vec<Id>> {
        let mut found: Vec<Id> = Vec::new();
        let tags = &tag_ids[..tag_ids.len().min(RELATED_TAGS)];
        let mut candidates: Vec<(DateTime<Utc>, Id)> = Vec::new();
        let half = RELATED_WINDOW / 2;
        let before = RELATED_WINDOW - half;
        if !tags.is_empty() {
            // One statement for every window: each tag's nearest before and after it.
            let around = published_at.unwrap_or(DateTime::<Utc>::MAX_UTC);
            let windows: Vec<String> = tags
                .iter()
                .flat_map(|tag| {
                    [
                        format!(
                            "SELECT * FROM (SELECT listed_at, article_id FROM article_tags \
                             WHERE tag_id = {tag} AND listed_at IS NOT NULL \
                             AND (listed_at, article_id) < ($1, $2) \
                             ORDER BY listed_at DESC, article_id DESC LIMIT {before}) AS b{tag}"
                        ),
                        format!(
                            "SELECT * FROM (SELECT listed_at, article_id FROM article_tags \
                             WHERE tag_id = {tag} AND listed_at IS NOT NULL \
                             AND (listed_at, article_id) > ($1, $2) \
                             ORDER BY listed_at, article_id LIMIT {half}) AS a{tag}"
                        ),
                    ]
                })
                .collect();
            // Tag ids are integers from the database, written inline like every id list.
            let sql = windows.join(" UNION ALL ");
            let params = vec![around.into(), id.into()];
            let rows = self
                .fetch(Cost::Bounded, sql, params, |r| {
                    Ok((r.time("listed_at")?, r.int("article_id")?))
                })
                .await?;
            candidates.extend(rows);
        }
        candidates.retain(|(_, c)| *c != id);
        candidates.sort_unstable();
        candidates.dedup();
        if !candidates.is_empty() {
            // How many of its tags each candidate shares (not only the tags it was found by).
            let sql = format!(
                "SELECT article_id, COUNT(*) AS n FROM article_tags \
                 WHERE article_id IN ({}) AND tag_id IN ({}) GROUP BY article_id",
                inline_ids(&candidates.iter().map(|c| c.1).collect::<Vec<_>>()),
                inline_ids(tag_ids)
            );
            let shared = self
                .fetch(Cost::Bounded, sql, Vec::new(), |r| {
                    Ok((r.int("article_id")?, r.int("n")?))
                })
                .await?;
            let shared: std::collections::HashMap<Id, i64> = shared.into_iter().collect();
            let mut ranked: Vec<(i64, DateTime<Utc>, Id)> = candidates
                .iter()
                .map(|(t, c)| (shared.get(c).copied().unwrap_or(0), *t, *c))
                .collect();
            ranked.sort_unstable_by(|a, b| b.cmp(a));
            found.extend(ranked.into_iter().take(limit.max(0) as usize).map(|r| r.2));
        }
        if let Some(section) = section_id.filter(|_| (found.len() as i64) < limit) {
            let mut skip = found.clone();
            skip.push(id);
            let sql = format!(
                "SELECT id FROM articles WHERE section_id = $1 AND status = $2 AND kind = $3 \
                 AND id NOT IN ({}) ORDER BY published_at DESC, id DESC LIMIT {}",
                inline_ids(&skip),
                limit - found.len() as i64
            );
            let params = vec![
                section.into(),
                Status::Published.as_str().into(),
                ArticleKind::Article.as_str().into(),
            ];
            let rows = self
                .fetch(Cost::Bounded, sql, params, |r| r.int("id"))
                .await?;
            found.extend(rows);
        }
        Ok(found)
    }
}

//! Readers' page views (for "most read") and related stories: reads and small writes the
//! public site needs that are not content, so they bypass the change log.

use crate::read::inline_ids;
use crate::rows::Get;
use crate::{Pools, Result, Store, dispatch};
use chrono::{DateTime, Utc};
use midad_core::{ArticleKind, Id, Status};
use sqlx::AssertSqlSafe;

/// When a published item appeared and last changed: what a sitemap needs of it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Publication {
    pub id: Id,
    pub kind: ArticleKind,
    pub published_at: DateTime<Utc>,
    pub modified_at: DateTime<Utc>,
}

impl Store {
    /// Every published article and caricature, oldest first: one light row each.
    pub async fn publications(&self) -> Result<Vec<Publication>> {
        let sql = "SELECT id, kind, published_at, modified_at FROM articles \
                   WHERE status = $1 AND kind <> $2 AND published_at IS NOT NULL \
                   ORDER BY published_at, id";
        dispatch!(self.pools(), |db| {
            let rows = sqlx::query(sql)
                .bind(Status::Published.as_str())
                .bind(ArticleKind::Page.as_str())
                .fetch_all(db)
                .await?;
            rows.iter()
                .map(|r| {
                    let kind = r.text("kind")?;
                    Ok(Publication {
                        id: r.int("id")?,
                        kind: ArticleKind::parse(&kind).ok_or_else(|| {
                            crate::StoreError::Corrupt(format!("unknown kind «{kind}»"))
                        })?,
                        published_at: r.time("published_at")?,
                        modified_at: r.time("modified_at")?,
                    })
                })
                .collect()
        })
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
        Ok(())
    }

    /// Published articles with the most views on or after `since_day`, most viewed first.
    pub async fn most_read(&self, since_day: &str, limit: i64) -> Result<Vec<Id>> {
        let rows: Vec<(i64,)> = dispatch!(self.pools(), |db| {
            sqlx::query_as(
                "SELECT v.article_id FROM article_views v JOIN articles a ON a.id = v.article_id \
                 WHERE v.day >= $1 AND a.status = $2 AND a.kind = $3 \
                 GROUP BY v.article_id ORDER BY SUM(v.views) DESC, v.article_id DESC LIMIT $4",
            )
            .bind(since_day)
            .bind(Status::Published.as_str())
            .bind(ArticleKind::Article.as_str())
            .bind(limit)
            .fetch_all(db)
            .await?
        });
        Ok(rows.into_iter().map(|(id,)| id).collect())
    }

    /// Published articles related to `id`: those sharing the most tags with it (newest
    /// first among equals), then the newest of its section.
    pub async fn related(
        &self,
        id: Id,
        tag_ids: &[Id],
        section_id: Option<Id>,
        limit: i64,
    ) -> Result<Vec<Id>> {
        let mut found: Vec<Id> = Vec::new();
        if !tag_ids.is_empty() {
            let tags = inline_ids(tag_ids);
            let sql = format!(
                "SELECT a.id FROM article_tags t JOIN articles a ON a.id = t.article_id \
                 WHERE t.tag_id IN ({tags}) AND a.id <> $1 AND a.status = $2 AND a.kind = $3 \
                 GROUP BY a.id, a.published_at \
                 ORDER BY COUNT(*) DESC, a.published_at DESC, a.id DESC LIMIT $4"
            );
            let rows: Vec<(i64,)> = dispatch!(self.pools(), |db| {
                sqlx::query_as(AssertSqlSafe(sql))
                    .bind(id)
                    .bind(Status::Published.as_str())
                    .bind(ArticleKind::Article.as_str())
                    .bind(limit)
                    .fetch_all(db)
                    .await?
            });
            found.extend(rows.into_iter().map(|(id,)| id));
        }
        if let Some(section) = section_id.filter(|_| (found.len() as i64) < limit) {
            let mut skip = found.clone();
            skip.push(id);
            let sql = format!(
                "SELECT id FROM articles WHERE section_id = $1 AND status = $2 AND kind = $3 \
                 AND id NOT IN ({}) ORDER BY published_at DESC, id DESC LIMIT $4",
                inline_ids(&skip)
            );
            let rows: Vec<(i64,)> = dispatch!(self.pools(), |db| {
                sqlx::query_as(AssertSqlSafe(sql))
                    .bind(section)
                    .bind(Status::Published.as_str())
                    .bind(ArticleKind::Article.as_str())
                    .bind(limit - found.len() as i64)
                    .fetch_all(db)
                    .await?
            });
            found.extend(rows.into_iter().map(|(id,)| id));
        }
        Ok(found)
    }
}

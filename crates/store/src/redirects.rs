//! Old addresses that answer `301` (the `redirects` table). Keys are written by
//! `midad_core::redirect::key`; a redirect is not content and bypasses the change log (it is
//! only consulted where the site would otherwise answer 404, which is never cached).

use crate::accounts::on_writer;
use crate::rows::Get;
use crate::write::on_tx;
use crate::{Pools, Result, Store, StoreError, Tx, dispatch};
use chrono::{DateTime, Utc};
use midad_core::{ErrorCode, Id, ValidationError, Violations};

/// Where an old address leads.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RedirectTarget {
    /// An article, caricature or page, at its current address while it is public.
    Article(Id),
    /// A fixed path of this site.
    Path(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    pub id: Id,
    pub from_path: String,
    pub target: RedirectTarget,
    /// `manual` or the system it was imported from (`wordpress`).
    pub origin: String,
    pub created_at: DateTime<Utc>,
}

const COLUMNS: &str = "id, from_path, to_path, article_id, origin, created_at";

fn redirect(r: &impl Get) -> Result<Redirect> {
    let target = match (r.opt_int("article_id")?, r.opt_text("to_path")?) {
        (Some(id), _) => RedirectTarget::Article(id),
        (None, Some(path)) => RedirectTarget::Path(path),
        (None, None) => return Err(StoreError::Corrupt("a redirect leads nowhere".into())),
    };
    Ok(Redirect {
        id: r.int("id")?,
        from_path: r.text("from_path")?,
        target,
        origin: r.text("origin")?,
        created_at: r.time("created_at")?,
    })
}

fn split(target: &RedirectTarget) -> (Option<&str>, Option<Id>) {
    match target {
        RedirectTarget::Article(id) => (None, Some(*id)),
        RedirectTarget::Path(p) => (Some(p.as_str()), None),
    }
}

fn refuse(field: &str, code: ErrorCode, detail: &str) -> StoreError {
    let mut v = Violations::default();
    v.push(ValidationError::new(field, code).with_detail(detail));
    StoreError::Invalid(v)
}

/// A redirect to itself would send a browser round in circles.
fn check(from: &str, target: &RedirectTarget) -> Result<()> {
    if from.is_empty() || from.len() > midad_core::redirect::MAX_PATH {
        return Err(refuse("from", ErrorCode::PathInvalid, from));
    }
    if let RedirectTarget::Path(to) = target {
        if !to.starts_with('/') || to.starts_with("//") || to.len() > midad_core::redirect::MAX_PATH
        {
            return Err(refuse("to", ErrorCode::PathInvalid, to));
        }
        let (path, query) = match to.split_once('?') {
            Some((p, q)) => (p, Some(q)),
            None => (to.as_str(), None),
        };
        if midad_core::redirect::key(path, query).as_deref() == Some(from) {
            return Err(refuse("to", ErrorCode::RedirectLoop, to));
        }
    }
    Ok(())
}

const UPSERT: &str = "INSERT INTO redirects (from_path, to_path, article_id, origin, created_at) \
     VALUES ($1, $2, $3, $4, $5) \
     ON CONFLICT (from_path) DO UPDATE SET to_path = excluded.to_path, \
     article_id = excluded.article_id, origin = excluded.origin";

impl Store {
    /// The redirect stored under `key` (see `midad_core::redirect::key`).
    pub async fn redirect(&self, key: &str) -> Result<Option<Redirect>> {
        let sql = format!("SELECT {COLUMNS} FROM redirects WHERE from_path = $1");
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(key)
                .fetch_optional(db)
                .await?
            {
                Some(r) => Some(redirect(&r)?),
                None => None,
            }
        }))
    }

    /// Redirects whose old address contains `filter` (all when empty), in address order,
    /// with how many match in all.
    pub async fn redirects(
        &self,
        filter: &str,
        limit: i64,
        offset: i64,
    ) -> Result<(Vec<Redirect>, i64)> {
        let pattern = format!(
            "%{}%",
            filter
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "SELECT {COLUMNS} FROM redirects WHERE from_path LIKE $1 ESCAPE '\\' \
             ORDER BY from_path LIMIT $2 OFFSET $3"
        );
        let count = "SELECT COUNT(*) FROM redirects WHERE from_path LIKE $1 ESCAPE '\\'";
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(sql))
                .bind(&pattern)
                .bind(limit)
                .bind(offset)
                .fetch_all(db)
                .await?;
            let total: i64 = sqlx::query_scalar(count)
                .bind(&pattern)
                .fetch_one(db)
                .await?;
            (
                rows.iter().map(redirect).collect::<Result<Vec<_>>>()?,
                total,
            )
        }))
    }

    /// Adds a redirect, or points an existing old address somewhere else.
    pub async fn put_redirect(&self, from: &str, target: &RedirectTarget) -> Result<()> {
        let mut tx = self.begin().await?;
        tx.put_redirect(from, target, "manual").await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_redirect(&self, id: Id) -> Result<()> {
        let deleted = on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM redirects WHERE id = $1")
                .bind(id)
                .execute(db)
                .await?
                .rows_affected()
        });
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }
}

impl Tx {
    /// Adds or replaces the redirect of `from` (a key, see `midad_core::redirect::key`).
    pub async fn put_redirect(
        &mut self,
        from: &str,
        target: &RedirectTarget,
        origin: &str,
    ) -> Result<()> {
        check(from, target)?;
        let (to_path, article_id) = split(target);
        let now = self.now();
        on_tx!(self, |c| {
            sqlx::query(UPSERT)
                .bind(from)
                .bind(to_path)
                .bind(article_id)
                .bind(origin)
                .bind(now)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(())
    }
}

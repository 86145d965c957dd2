//! Sessions, failed sign-ins and the audit log: what the back office's accounts need. These
//! rows are not content and bypass the change log; the writes go to the writer.

use crate::rows::{self, Get};
use crate::{Pools, Result, Store, dispatch};
use chrono::{DateTime, Utc};
use midad_core::{Id, User};
use sqlx::AssertSqlSafe;

/// Runs `$body` with `$db` bound to the pool that writes.
macro_rules! on_writer {
    ($pools:expr, |$db:ident| $body:expr) => {
        match $pools {
            Pools::Sqlite { writer, .. } => {
                let $db = writer;
                $body
            }
            Pools::Postgres(pool) => {
                let $db = pool;
                $body
            }
        }
    };
}
pub(crate) use on_writer;

/// A signed-in session, found by the hash of its cookie's token.
#[derive(Clone, Debug)]
pub struct Session {
    pub token_hash: String,
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub user: User,
}

/// What a new session records.
#[derive(Clone, Debug)]
pub struct NewSession<'a> {
    pub token_hash: &'a str,
    pub user_id: Id,
    pub csrf: &'a str,
    pub expires_at: DateTime<Utc>,
    pub ip: Option<&'a str>,
    pub user_agent: Option<&'a str>,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub user_id: Option<Id>,
    pub action: String,
    pub detail: String,
    pub ip: Option<String>,
}

const USER_COLUMNS_U: &str = "u.id, u.email, u.name, u.role, u.author_id, u.password_hash, \
                              u.disabled, u.created_at";

impl Store {
    pub async fn create_session(&self, s: NewSession<'_>) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query(
                "INSERT INTO sessions (token_hash, user_id, csrf, created_at, expires_at, ip, user_agent) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(s.token_hash)
            .bind(s.user_id)
            .bind(s.csrf)
            .bind(Utc::now())
            .bind(s.expires_at)
            .bind(s.ip)
            .bind(s.user_agent)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// The session with this token hash, if it has not expired and its user may sign in.
    pub async fn session(&self, token_hash: &str, now: DateTime<Utc>) -> Result<Option<Session>> {
        let sql = format!(
            "SELECT s.token_hash, s.csrf, s.created_at AS s_created, s.expires_at, {USER_COLUMNS_U} \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.disabled = FALSE"
        );
        // Every signed-in request reads its session: a read by key.
        self.fetch_first(sql, vec![token_hash.into(), now.into()], |r| {
            Ok(Session {
                token_hash: r.text("token_hash")?,
                csrf: r.text("csrf")?,
                created_at: r.time("s_created")?,
                expires_at: r.time("expires_at")?,
                user: rows::user(r)?,
            })
        })
        .await
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
                .bind(token_hash)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Signs a user out everywhere. Returns how many sessions ended.
    pub async fn delete_user_sessions(&self, user_id: Id) -> Result<u64> {
        Ok(on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(db)
                .await?
                .rows_affected()
        }))
    }

    /// Records a failed sign-in under each key (the account, the address), and forgets
    /// failures older than a day.
    pub async fn record_login_failure(&self, keys: &[&str], at: DateTime<Utc>) -> Result<()> {
        on_writer!(self.pools(), |db| {
            for key in keys {
                sqlx::query("INSERT INTO login_failures (key, at) VALUES ($1, $2)")
                    .bind(*key)
                    .bind(at)
                    .execute(db)
                    .await?;
            }
            sqlx::query("DELETE FROM login_failures WHERE at < $1")
                .bind(at - chrono::Duration::days(1))
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// Failed sign-ins under `key` since `since`: how many, and when the oldest of them was.
    pub async fn login_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<(i64, Option<DateTime<Utc>>)> {
        let times: Vec<DateTime<Utc>> = dispatch!(self.pools(), |db| {
            let rows = sqlx::query(
                "SELECT at FROM login_failures WHERE key = $1 AND at >= $2 ORDER BY at",
            )
            .bind(key)
            .bind(since)
            .fetch_all(db)
            .await?;
            rows.iter()
                .map(|r| r.time("at"))
                .collect::<Result<Vec<_>>>()?
        });
        Ok((times.len() as i64, times.first().copied()))
    }

    /// Forgets an account's failures after it signs in.
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM login_failures WHERE key = $1")
                .bind(key)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    pub async fn audit(
        &self,
        user_id: Option<Id>,
        action: &str,
        detail: &str,
        ip: Option<&str>,
    ) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query(
                "INSERT INTO audit_log (at, user_id, action, detail, ip) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(Utc::now())
            .bind(user_id)
            .bind(action)
            .bind(detail)
            .bind(ip)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// The newest entries of the audit log, newest first.
    pub async fn audit_log(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(
                "SELECT at, user_id, action, detail, ip FROM audit_log ORDER BY at DESC, id DESC LIMIT $1",
            )
            .bind(limit)
            .fetch_all(db)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(AuditEntry {
                        at: r.time("at")?,
                        user_id: r.opt_int("user_id")?,
                        action: r.text("action")?,
                        detail: r.text("detail")?,
                        ip: r.opt_text("ip")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        }))
    }

    pub async fn user(&self, id: Id) -> Result<Option<User>> {
        let sql = format!(
            "SELECT {} FROM users WHERE id = $1",
            crate::read::USER_COLUMNS
        );
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(db)
                .await?
            {
                Some(r) => Some(rows::user(&r)?),
                None => None,
            }
        }))
    }
}

/// One saved version of an item.
#[derive(Clone, Debug)]
pub struct Revision {
    pub version: i64,
    pub at: DateTime<Utc>,
    pub user_id: Option<Id>,
    pub data: midad_core::ArticleData,
}

impl crate::Tx {
    /// Records `article` as saved by `user_id`: one revision per save.
    pub async fn insert_revision(
        &mut self,
        article: &midad_core::Article,
        user_id: Option<Id>,
    ) -> Result<()> {
        let data = serde_json::to_string(&article.data)
            .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?;
        let at = Utc::now();
        crate::write::on_tx!(self, |c| {
            sqlx::query(
                "INSERT INTO revisions (article_id, version, data, user_id, at) VALUES ($1, $2, $3, $4, $5)",
            )
            .bind(article.id)
            .bind(article.version)
            .bind(&data)
            .bind(user_id)
            .bind(at)
            .execute(c)
            .await?
            .rows_affected()
        });
        Ok(())
    }
}

impl Store {
    /// The saved versions of an item, newest first.
    pub async fn revisions(&self, article_id: Id) -> Result<Vec<Revision>> {
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(
                "SELECT version, at, user_id, data FROM revisions WHERE article_id = $1 \
                 ORDER BY version DESC, id DESC",
            )
            .bind(article_id)
            .fetch_all(db)
            .await?;
            rows.iter()
                .map(|r| {
                    let text = r.text("data")?;
                    Ok(Revision {
                        version: r.int("version")?,
                        at: r.time("at")?,
                        user_id: r.opt_int("user_id")?,
                        data: serde_json::from_str(&text)
                            .map_err(|e| crate::StoreError::Corrupt(e.to_string()))?,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        }))
    }
}

impl Store {
    /// The items that show a media file: as their image, or inside their body.
    pub async fn media_usage(&self, media: &midad_core::Media) -> Result<Vec<(Id, String)>> {
        // Paths are made of slug characters; `_` would only widen the match by a character.
        let pattern = format!("%{}%", media.path.replace('%', ""));
        Ok(dispatch!(self.pools(), |db| {
            sqlx::query_as(
                "SELECT id, title FROM articles WHERE image_id = $1 OR body LIKE $2 ORDER BY id",
            )
            .bind(media.id)
            .bind(&pattern)
            .fetch_all(db)
            .await?
        }))
    }
}

impl crate::Tx {
    pub async fn delete_media(&mut self, id: Id) -> Result<()> {
        let n = crate::write::on_tx!(self, |c| {
            sqlx::query("DELETE FROM media WHERE id = $1")
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.log(midad_core::EntityKind::Media, id);
        Ok(())
    }
}

/// Which table a name belongs to: what a newsroom renames and deletes from the back office.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    Section,
    Tag,
}

impl Named {
    fn table(self) -> &'static str {
        match self {
            Named::Section => "sections",
            Named::Tag => "tags",
        }
    }

    fn kind(self) -> midad_core::EntityKind {
        match self {
            Named::Section => midad_core::EntityKind::Section,
            Named::Tag => midad_core::EntityKind::Tag,
        }
    }

    /// The articles that show this name.
    fn articles_sql(self) -> &'static str {
        match self {
            Named::Section => "SELECT id FROM articles WHERE section_id = $1",
            Named::Tag => "SELECT article_id FROM article_tags WHERE tag_id = $1",
        }
    }
}

impl crate::Tx {
    /// Renames a section or tag; its address (slug) stays, so links keep working.
    pub async fn rename(&mut self, what: Named, id: Id, name: &str) -> Result<()> {
        let name = name.trim();
        midad_core::model::validate_name("name", name)
            .map_err(|e| crate::StoreError::Invalid(midad_core::Violations(vec![e])))?;
        let sql = format!("UPDATE {} SET name = $1 WHERE id = $2", what.table());
        let n = crate::write::on_tx!(self, |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(name)
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.log(what.kind(), id);
        Ok(())
    }

    /// Deletes a section or tag. Its articles stay (without it) and are logged as changed,
    /// so caches and the search index re-read them.
    pub async fn delete_named(&mut self, what: Named, id: Id) -> Result<()> {
        let affected: Vec<(i64,)> = crate::write::on_tx!(self, |c| {
            sqlx::query_as(what.articles_sql())
                .bind(id)
                .fetch_all(c)
                .await?
        });
        let sql = format!("DELETE FROM {} WHERE id = $1", what.table());
        let n = crate::write::on_tx!(self, |c| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.log(what.kind(), id);
        for (article,) in affected {
            self.log(midad_core::EntityKind::Article, article);
        }
        Ok(())
    }
}

impl Store {
    /// Records a reset link for `user_id`; older links of the account stop working.
    pub async fn create_password_reset(
        &self,
        token_hash: &str,
        user_id: Id,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM password_resets WHERE user_id = $1")
                .bind(user_id)
                .execute(db)
                .await?;
            sqlx::query(
                "INSERT INTO password_resets (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_at)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    /// The account a still-valid reset link belongs to.
    pub async fn password_reset_user(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>> {
        Ok(dispatch!(self.pools(), |db| {
            sqlx::query_scalar(
                "SELECT user_id FROM password_resets WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(db)
            .await?
        }))
    }
}

impl crate::Tx {
    /// Uses a reset link: the new password is set, the link and every session of the
    /// account end, in one transaction.
    pub async fn complete_password_reset(
        &mut self,
        token_hash: &str,
        user_id: Id,
        password_hash: &str,
    ) -> Result<()> {
        let used = crate::write::on_tx!(self, |c| {
            sqlx::query("DELETE FROM password_resets WHERE token_hash = $1 AND user_id = $2")
                .bind(token_hash)
                .bind(user_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        if used == 0 {
            return Err(crate::StoreError::NotFound);
        }
        self.set_user_password(user_id, password_hash).await?;
        crate::write::on_tx!(self, |c| {
            sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id)
                .execute(c)
                .await?
                .rows_affected()
        });
        Ok(())
    }
}

/// An account's two-factor state: the confirmed secret, and one being set up.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TwoFactor {
    pub secret: Option<String>,
    pub pending: Option<String>,
}

impl Store {
    pub async fn two_factor(&self, user_id: Id) -> Result<TwoFactor> {
        let row: Option<(Option<String>, Option<String>)> = dispatch!(self.pools(), |db| {
            sqlx::query_as("SELECT totp_secret, totp_pending FROM users WHERE id = $1")
                .bind(user_id)
                .fetch_optional(db)
                .await?
        });
        Ok(row
            .map(|(secret, pending)| TwoFactor { secret, pending })
            .unwrap_or_default())
    }

    /// Sets both columns at once (`None` clears).
    pub async fn set_two_factor(&self, user_id: Id, state: &TwoFactor) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("UPDATE users SET totp_secret = $1, totp_pending = $2 WHERE id = $3")
                .bind(&state.secret)
                .bind(&state.pending)
                .bind(user_id)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    pub async fn create_login_challenge(
        &self,
        token_hash: &str,
        user_id: Id,
        expires_at: DateTime<Utc>,
    ) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM login_challenges WHERE expires_at < $1")
                .bind(Utc::now())
                .execute(db)
                .await?;
            sqlx::query(
                "INSERT INTO login_challenges (token_hash, user_id, expires_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash)
            .bind(user_id)
            .bind(expires_at)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    pub async fn login_challenge(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Id>> {
        Ok(dispatch!(self.pools(), |db| {
            sqlx::query_scalar(
                "SELECT user_id FROM login_challenges WHERE token_hash = $1 AND expires_at > $2",
            )
            .bind(token_hash)
            .bind(now)
            .fetch_optional(db)
            .await?
        }))
    }

    pub async fn delete_login_challenge(&self, token_hash: &str) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM login_challenges WHERE token_hash = $1")
                .bind(token_hash)
                .execute(db)
                .await?;
        });
        Ok(())
    }
}

/// What the editor saved by itself for one article and one person.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Autosave {
    /// The article's version the edit started from.
    pub version: i64,
    /// The editing form, as JSON.
    pub data: String,
    pub saved_at: DateTime<Utc>,
}

impl Store {
    pub async fn put_autosave(
        &self,
        article_id: Id,
        user_id: Id,
        version: i64,
        data: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query(
                "INSERT INTO autosaves (article_id, user_id, version, data, saved_at) VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (article_id, user_id) DO UPDATE SET version = excluded.version, \
                 data = excluded.data, saved_at = excluded.saved_at",
            )
            .bind(article_id)
            .bind(user_id)
            .bind(version)
            .bind(data)
            .bind(now)
            .execute(db)
            .await?;
        });
        Ok(())
    }

    pub async fn autosave(&self, article_id: Id, user_id: Id) -> Result<Option<Autosave>> {
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(
                "SELECT version, data, saved_at FROM autosaves WHERE article_id = $1 AND user_id = $2",
            )
            .bind(article_id)
            .bind(user_id)
            .fetch_optional(db)
            .await?
            {
                Some(r) => Some(Autosave {
                    version: r.int("version")?,
                    data: r.text("data")?,
                    saved_at: r.time("saved_at")?,
                }),
                None => None,
            }
        }))
    }

    pub async fn delete_autosave(&self, article_id: Id, user_id: Id) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM autosaves WHERE article_id = $1 AND user_id = $2")
                .bind(article_id)
                .bind(user_id)
                .execute(db)
                .await?;
        });
        Ok(())
    }
}

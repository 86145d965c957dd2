//! The newsletter's rows: subscribers and their double opt-in, sends and the durable
//! delivery queue, sign-up limits, the lease that makes one sender run at a time, and the
//! keys links are signed with. None of this is content: it bypasses the change log.

use crate::accounts::on_writer;
use crate::rows::Get;
use crate::write::on_tx;
use crate::{Pools, Result, Store, StoreError, Tx, dispatch};
use chrono::{DateTime, Duration, Utc};
use midad_core::Id;
use sqlx::AssertSqlSafe;

/// Where a subscriber stands. Only `Confirmed` ones are sent anything but their
/// confirmation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SubscriberStatus {
    Pending,
    Confirmed,
    Unsubscribed,
    Bouncing,
}

impl SubscriberStatus {
    pub const ALL: [SubscriberStatus; 4] = [
        SubscriberStatus::Pending,
        SubscriberStatus::Confirmed,
        SubscriberStatus::Unsubscribed,
        SubscriberStatus::Bouncing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            SubscriberStatus::Pending => "pending",
            SubscriberStatus::Confirmed => "confirmed",
            SubscriberStatus::Unsubscribed => "unsubscribed",
            SubscriberStatus::Bouncing => "bouncing",
        }
    }

    pub fn parse(s: &str) -> Option<SubscriberStatus> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// What a subscriber asked to receive.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Lists {
    pub digest: bool,
    pub alerts: bool,
    /// Sections the digest is limited to; empty = every section.
    pub sections: Vec<Id>,
}

impl Default for Lists {
    fn default() -> Self {
        Lists {
            digest: true,
            alerts: false,
            sections: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Subscriber {
    pub id: Id,
    pub email: String,
    pub status: SubscriberStatus,
    pub lists: Lists,
    pub confirm_nonce: Option<String>,
    pub manage_nonce: String,
    pub confirmation_sent_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub confirmed_at: Option<DateTime<Utc>>,
    pub unsubscribed_at: Option<DateTime<Utc>>,
    pub bounces: i64,
    pub source: String,
}

const SUBSCRIBER_COLUMNS: &str = "id, email, status, digest, alerts, sections, confirm_nonce, \
     manage_nonce, confirmation_sent_at, created_at, confirmed_at, unsubscribed_at, bounces, source";

fn subscriber(r: &impl Get) -> Result<Subscriber> {
    let status = r.text("status")?;
    let sections: Vec<Id> = serde_json::from_str(&r.text("sections")?)
        .map_err(|e| StoreError::Corrupt(format!("subscriber sections: {e}")))?;
    Ok(Subscriber {
        id: r.int("id")?,
        email: r.text("email")?,
        status: SubscriberStatus::parse(&status)
            .ok_or_else(|| StoreError::Corrupt(format!("subscriber status «{status}»")))?,
        lists: Lists {
            digest: r.boolean("digest")?,
            alerts: r.boolean("alerts")?,
            sections,
        },
        confirm_nonce: r.opt_text("confirm_nonce")?,
        manage_nonce: r.text("manage_nonce")?,
        confirmation_sent_at: r.opt_time("confirmation_sent_at")?,
        created_at: r.time("created_at")?,
        confirmed_at: r.opt_time("confirmed_at")?,
        unsubscribed_at: r.opt_time("unsubscribed_at")?,
        bounces: r.int("bounces")?,
        source: r.text("source")?,
    })
}

/// The key an address is known by: `Ali@Example.com` and `ali@example.com` are one
/// subscriber.
pub fn email_key(email: &str) -> String {
    email.trim().to_lowercase()
}

fn sections_json(sections: &[Id]) -> String {
    serde_json::to_string(sections).unwrap_or_else(|_| "[]".into())
}

/// What a sign-up leads to. The page says the same thing in every case, so nobody learns
/// whether an address is known.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SignUp {
    /// Send (again) the confirmation link for this subscriber.
    Confirm(Subscriber),
    /// Nothing to send: already confirmed, or a confirmation went out within the day.
    Quiet,
}

/// One message waiting in, or taken from, the queue.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueuedMessage {
    pub id: Id,
    pub send_id: Id,
    pub subscriber_id: Option<Id>,
    pub email: String,
    pub message_id: String,
    pub attempts: i64,
}

/// A message to queue.
#[derive(Clone, Debug)]
pub struct NewMessage {
    pub subscriber_id: Option<Id>,
    pub email: String,
    pub message_id: String,
}

/// A digest, alert or test, with how its messages stand.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Send {
    pub id: Id,
    pub kind: String,
    pub subject: String,
    pub payload: serde_json::Value,
    pub article_id: Option<Id>,
    pub user_id: Option<Id>,
    pub created_at: DateTime<Utc>,
    pub queued: i64,
    pub sent: i64,
    pub failed: i64,
    pub bounced: i64,
}

/// Filters of the back office's subscriber list.
#[derive(Clone, Debug, Default)]
pub struct SubscriberQuery {
    /// Part of the address.
    pub q: String,
    pub status: Option<SubscriberStatus>,
    /// `digest` or `alerts`.
    pub list: Option<String>,
    pub limit: i64,
    pub offset: i64,
}

/// The lease the newsletter sender holds.
pub const SENDER_LOCK: &str = "newsletter-sender";

/// Rows per multi-row INSERT of queued messages (PostgreSQL allows 65,535 parameters).
const QUEUE_CHUNK: usize = 500;

impl Store {
    pub async fn subscriber(&self, id: Id) -> Result<Option<Subscriber>> {
        let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1");
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(db)
                .await?
            {
                Some(r) => Some(subscriber(&r)?),
                None => None,
            }
        }))
    }

    pub async fn subscriber_by_email(&self, email: &str) -> Result<Option<Subscriber>> {
        let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = $1");
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(AssertSqlSafe(sql))
                .bind(email_key(email))
                .fetch_optional(db)
                .await?
            {
                Some(r) => Some(subscriber(&r)?),
                None => None,
            }
        }))
    }

    /// Subscribers matching the back office's filters, newest first, with the total.
    pub async fn subscribers(&self, q: &SubscriberQuery) -> Result<(Vec<Subscriber>, i64)> {
        let mut conditions = vec!["email_key LIKE $1 ESCAPE '\\'".to_string()];
        if let Some(status) = q.status {
            conditions.push(format!("status = '{}'", status.as_str()));
        }
        match q.list.as_deref() {
            Some("digest") => conditions.push("digest = $4".into()),
            Some("alerts") => conditions.push("alerts = $4".into()),
            _ => conditions.push("$4 = $4".into()),
        }
        let filter = conditions.join(" AND ");
        let pattern = format!(
            "%{}%",
            email_key(&q.q)
                .replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        );
        let sql = format!(
            "SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE {filter} ORDER BY id DESC LIMIT $2 OFFSET $3"
        );
        let count =
            format!("SELECT COUNT(*) FROM subscribers WHERE {filter} AND $2 = $2 AND $3 = $3");
        let limit = q.limit.clamp(1, 100_000);
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(&pattern)
                .bind(limit)
                .bind(q.offset.max(0))
                .bind(true)
                .fetch_all(db)
                .await?;
            let total: i64 = sqlx::query_scalar(AssertSqlSafe(count))
                .bind(&pattern)
                .bind(limit)
                .bind(q.offset.max(0))
                .bind(true)
                .fetch_one(db)
                .await?;
            (
                rows.iter().map(subscriber).collect::<Result<Vec<_>>>()?,
                total,
            )
        }))
    }

    /// How many subscribers stand in each status.
    pub async fn subscriber_counts(&self) -> Result<Vec<(SubscriberStatus, i64)>> {
        let rows: Vec<(String, i64)> = dispatch!(self.pools(), |db| {
            sqlx::query_as("SELECT status, COUNT(*) FROM subscribers GROUP BY status")
                .fetch_all(db)
                .await?
        });
        Ok(rows
            .into_iter()
            .filter_map(|(s, n)| SubscriberStatus::parse(&s).map(|s| (s, n)))
            .collect())
    }

    /// A sign-up from the form. A new address, or one that had left, becomes a pending
    /// subscriber with a fresh confirmation nonce; an address still pending gets at most one
    /// more confirmation a day (the same link); a confirmed one is left alone.
    pub async fn sign_up(
        &self,
        email: &str,
        lists: &Lists,
        now: DateTime<Utc>,
        new_nonce: impl Fn() -> String,
    ) -> Result<SignUp> {
        let mut tx = self.begin().await?;
        let found = tx.subscriber_by_email(email).await?;
        let outcome = match found {
            None => {
                let id: Id = on_tx!(tx, |c| {
                    sqlx::query_scalar(
                        "INSERT INTO subscribers (email, email_key, status, digest, alerts, sections, \
                         confirm_nonce, manage_nonce, confirmation_sent_at, created_at, source) \
                         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $8, 'form') RETURNING id",
                    )
                    .bind(email.trim())
                    .bind(email_key(email))
                    .bind(lists.digest)
                    .bind(lists.alerts)
                    .bind(sections_json(&lists.sections))
                    .bind(new_nonce())
                    .bind(new_nonce())
                    .bind(now)
                    .fetch_one(c)
                    .await?
                });
                SignUp::Confirm(tx.subscriber(id).await?.ok_or(StoreError::NotFound)?)
            }
            Some(s) if s.status == SubscriberStatus::Confirmed => SignUp::Quiet,
            Some(s) => {
                let recently = s
                    .confirmation_sent_at
                    .is_some_and(|t| now - t < Duration::hours(24));
                if recently && s.status == SubscriberStatus::Pending {
                    SignUp::Quiet
                } else {
                    // Pending (a day later), or back after leaving: the lists they choose
                    // now, a link that works (a returning subscriber's old one does not).
                    let nonce = match (&s.confirm_nonce, s.status) {
                        (Some(n), SubscriberStatus::Pending) => n.clone(),
                        _ => new_nonce(),
                    };
                    on_tx!(tx, |c| {
                        sqlx::query(
                            "UPDATE subscribers SET status = 'pending', digest = $2, alerts = $3, \
                             sections = $4, confirm_nonce = $5, confirmation_sent_at = $6 WHERE id = $1",
                        )
                        .bind(s.id)
                        .bind(lists.digest)
                        .bind(lists.alerts)
                        .bind(sections_json(&lists.sections))
                        .bind(&nonce)
                        .bind(now)
                        .execute(c)
                        .await?
                        .rows_affected()
                    });
                    SignUp::Confirm(tx.subscriber(s.id).await?.ok_or(StoreError::NotFound)?)
                }
            }
        };
        tx.commit().await?;
        Ok(outcome)
    }

    /// Uses a confirmation link: only the outstanding nonce of a pending subscriber works,
    /// once. Returns whether it did.
    pub async fn confirm_subscriber(
        &self,
        id: Id,
        nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = on_writer!(self.pools(), |db| {
            sqlx::query(
                "UPDATE subscribers SET status = 'confirmed', confirmed_at = $3, confirm_nonce = NULL, \
                 bounces = 0 WHERE id = $1 AND confirm_nonce = $2 AND status = 'pending'",
            )
            .bind(id)
            .bind(nonce)
            .bind(now)
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn set_lists(&self, id: Id, lists: &Lists) -> Result<()> {
        let n = on_writer!(self.pools(), |db| {
            sqlx::query(
                "UPDATE subscribers SET digest = $2, alerts = $3, sections = $4 WHERE id = $1",
            )
            .bind(id)
            .bind(lists.digest)
            .bind(lists.alerts)
            .bind(sections_json(&lists.sections))
            .execute(db)
            .await?
            .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Leaves every list. Messages still queued for the address are dropped.
    pub async fn unsubscribe(&self, id: Id, now: DateTime<Utc>) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| {
            sqlx::query(
                "UPDATE subscribers SET status = 'unsubscribed', unsubscribed_at = $2, confirm_nonce = NULL \
                 WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .execute(&mut *c)
            .await?;
            sqlx::query(
                "DELETE FROM newsletter_queue WHERE subscriber_id = $1 AND status = 'queued'",
            )
            .bind(id)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(())
    }

    pub async fn delete_subscriber(&self, id: Id) -> Result<()> {
        let n = on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM subscribers WHERE id = $1")
                .bind(id)
                .execute(db)
                .await?
                .rows_affected()
        });
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    /// Adds confirmed subscribers (an import from the newsroom's previous service, whose
    /// readers had already confirmed there). Addresses already known are left as they are.
    /// Returns how many were added.
    pub async fn import_subscribers(
        &self,
        rows: &[(String, Lists)],
        now: DateTime<Utc>,
        new_nonce: impl Fn() -> String,
    ) -> Result<usize> {
        let mut tx = self.begin().await?;
        let mut added = 0;
        for (email, lists) in rows {
            let n = on_tx!(tx, |c| {
                sqlx::query(
                    "INSERT INTO subscribers (email, email_key, status, digest, alerts, sections, \
                     manage_nonce, created_at, confirmed_at, source) \
                     VALUES ($1, $2, 'confirmed', $3, $4, $5, $6, $7, $7, 'import') \
                     ON CONFLICT (email_key) DO NOTHING",
                )
                .bind(email.trim())
                .bind(email_key(email))
                .bind(lists.digest)
                .bind(lists.alerts)
                .bind(sections_json(&lists.sections))
                .bind(new_nonce())
                .bind(now)
                .execute(c)
                .await?
                .rows_affected()
            });
            added += n as usize;
        }
        tx.commit().await?;
        Ok(added)
    }

    /// Confirmed subscribers of a list (`digest` or `alerts`): id, address, sections.
    pub async fn audience(&self, list: &str) -> Result<Vec<(Id, String, Vec<Id>)>> {
        let column = if list == "alerts" { "alerts" } else { "digest" };
        let sql = format!(
            "SELECT id, email, sections FROM subscribers WHERE status = 'confirmed' AND {column} = $1 ORDER BY id"
        );
        let rows: Vec<(Id, String, String)> = dispatch!(self.pools(), |db| {
            sqlx::query_as(AssertSqlSafe(sql))
                .bind(true)
                .fetch_all(db)
                .await?
        });
        Ok(rows
            .into_iter()
            .map(|(id, email, sections)| {
                (
                    id,
                    email,
                    serde_json::from_str(&sections).unwrap_or_default(),
                )
            })
            .collect())
    }

    // ----- sign-up limits -----

    pub async fn record_signup(&self, keys: &[&str], at: DateTime<Utc>) -> Result<()> {
        on_writer!(self.pools(), |db| {
            for key in keys {
                sqlx::query("INSERT INTO signup_events (key, at) VALUES ($1, $2)")
                    .bind(*key)
                    .bind(at)
                    .execute(db)
                    .await?;
            }
            // Old events count for nothing: they go.
            sqlx::query("DELETE FROM signup_events WHERE at < $1")
                .bind(at - Duration::days(2))
                .execute(db)
                .await?;
        });
        Ok(())
    }

    pub async fn signups_since(&self, key: &str, since: DateTime<Utc>) -> Result<i64> {
        Ok(dispatch!(self.pools(), |db| {
            sqlx::query_scalar("SELECT COUNT(*) FROM signup_events WHERE key = $1 AND at >= $2")
                .bind(key)
                .bind(since)
                .fetch_one(db)
                .await?
        }))
    }

    // ----- secrets -----

    /// The secret stored under `name`, made by `make` the first time (by whichever node
    /// asks first; the others read it).
    pub async fn secret(&self, name: &str, make: impl FnOnce() -> String) -> Result<String> {
        on_writer!(self.pools(), |db| {
            sqlx::query(
                "INSERT INTO secrets (name, value) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(make())
            .execute(db)
            .await?;
            let value: String = sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
                .bind(name)
                .fetch_one(db)
                .await?;
            Ok(value)
        })
    }

    // ----- the lease -----

    /// Takes or renews the lease `name` for `holder` until `now + ttl`. True when `holder`
    /// has it: it was free, had run out, or was already `holder`'s.
    pub async fn lease(
        &self,
        name: &str,
        holder: &str,
        now: DateTime<Utc>,
        ttl: Duration,
    ) -> Result<bool> {
        let n = on_writer!(self.pools(), |db| {
            sqlx::query(
                "INSERT INTO locks (name, holder, expires_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at \
                 WHERE locks.holder = excluded.holder OR locks.expires_at < $4",
            )
            .bind(name)
            .bind(holder)
            .bind(now + ttl)
            .bind(now)
            .execute(db)
            .await?
            .rows_affected()
        });
        Ok(n == 1)
    }

    pub async fn release(&self, name: &str, holder: &str) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("DELETE FROM locks WHERE name = $1 AND holder = $2")
                .bind(name)
                .bind(holder)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    // ----- sends and the queue -----

    /// The newest send of a kind.
    pub async fn last_send(&self, kind: &str) -> Result<Option<(Id, DateTime<Utc>)>> {
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(
                "SELECT id, created_at FROM newsletter_sends WHERE kind = $1 ORDER BY id DESC LIMIT 1",
            )
            .bind(kind)
            .fetch_optional(db)
            .await?
            {
                Some(r) => Some((r.int("id")?, r.time("created_at")?)),
                None => None,
            }
        }))
    }

    pub async fn send(&self, id: Id) -> Result<Option<Send>> {
        Ok(self
            .sends_where("s.id = $1", id, 1)
            .await?
            .into_iter()
            .next())
    }

    /// The newest sends with their counts (confirmations and resets are left out: they are
    /// one message each).
    pub async fn sends(&self, limit: i64) -> Result<Vec<Send>> {
        self.sends_where(
            "s.kind IN ('digest', 'alert', 'test') AND $1 = $1",
            0,
            limit,
        )
        .await
    }

    async fn sends_where(&self, condition: &str, arg: i64, limit: i64) -> Result<Vec<Send>> {
        let sql = format!(
            "SELECT s.id, s.kind, s.subject, s.payload, s.article_id, s.user_id, s.created_at, \
             COALESCE(SUM(CASE WHEN q.status IN ('queued', 'sending') THEN 1 ELSE 0 END), 0) AS queued, \
             COALESCE(SUM(CASE WHEN q.status = 'sent' THEN 1 ELSE 0 END), 0) AS sent, \
             COALESCE(SUM(CASE WHEN q.status = 'failed' THEN 1 ELSE 0 END), 0) AS failed, \
             COALESCE(SUM(CASE WHEN q.status = 'bounced' THEN 1 ELSE 0 END), 0) AS bounced \
             FROM newsletter_sends s LEFT JOIN newsletter_queue q ON q.send_id = s.id \
             WHERE {condition} GROUP BY s.id, s.kind, s.subject, s.payload, s.article_id, s.user_id, s.created_at \
             ORDER BY s.id DESC LIMIT $2"
        );
        Ok(dispatch!(self.pools(), |db| {
            let rows = sqlx::query(AssertSqlSafe(sql))
                .bind(arg)
                .bind(limit)
                .fetch_all(db)
                .await?;
            rows.iter()
                .map(|r| {
                    Ok(Send {
                        id: r.int("id")?,
                        kind: r.text("kind")?,
                        subject: r.text("subject")?,
                        payload: serde_json::from_str(&r.text("payload")?)
                            .map_err(|e| StoreError::Corrupt(format!("send payload: {e}")))?,
                        article_id: r.opt_int("article_id")?,
                        user_id: r.opt_int("user_id")?,
                        created_at: r.time("created_at")?,
                        queued: r.int("queued")?,
                        sent: r.int("sent")?,
                        failed: r.int("failed")?,
                        bounced: r.int("bounced")?,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        }))
    }

    /// Messages still to send (queued or in flight).
    pub async fn queue_backlog(&self) -> Result<i64> {
        Ok(dispatch!(self.pools(), |db| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM newsletter_queue WHERE status IN ('queued', 'sending')",
            )
            .fetch_one(db)
            .await?
        }))
    }

    /// When the next queued message is due, if any is.
    pub async fn next_due(&self) -> Result<Option<DateTime<Utc>>> {
        Ok(dispatch!(self.pools(), |db| {
            match sqlx::query(
                "SELECT next_at FROM newsletter_queue WHERE status = 'queued' ORDER BY next_at LIMIT 1",
            )
            .fetch_optional(db)
            .await?
            {
                Some(r) => Some(r.time("next_at")?),
                None => None,
            }
        }))
    }

    /// Puts back in the queue what a sender took and never finished (it died holding the
    /// lease). Call only while holding the lease. Returns how many.
    pub async fn requeue_in_flight(&self) -> Result<u64> {
        Ok(on_writer!(self.pools(), |db| {
            sqlx::query("UPDATE newsletter_queue SET status = 'queued' WHERE status = 'sending'")
                .execute(db)
                .await?
                .rows_affected()
        }))
    }

    /// Takes up to `limit` due messages, oldest first, marking them in flight. Only the
    /// holder of the lease calls this, so no two senders take the same message.
    pub async fn claim(&self, limit: i64, now: DateTime<Utc>) -> Result<Vec<QueuedMessage>> {
        let mut tx = self.begin().await?;
        let rows: Vec<QueuedMessage> = on_tx!(tx, |c| {
            let rows = sqlx::query(
                "SELECT id, send_id, subscriber_id, email, message_id, attempts FROM newsletter_queue \
                 WHERE status = 'queued' AND next_at <= $1 ORDER BY next_at, id LIMIT $2",
            )
            .bind(now)
            .bind(limit)
            .fetch_all(&mut *c)
            .await?;
            rows.iter()
                .map(|r| {
                    Ok(QueuedMessage {
                        id: r.int("id")?,
                        send_id: r.int("send_id")?,
                        subscriber_id: r.opt_int("subscriber_id")?,
                        email: r.text("email")?,
                        message_id: r.text("message_id")?,
                        attempts: r.int("attempts")? + 1,
                    })
                })
                .collect::<Result<Vec<_>>>()?
        });
        if rows.is_empty() {
            return Ok(rows);
        }
        let ids = id_list(rows.iter().map(|m| m.id));
        let sql = format!(
            "UPDATE newsletter_queue SET status = 'sending', attempts = attempts + 1 WHERE id IN ({ids})"
        );
        on_tx!(tx, |c| {
            sqlx::query(AssertSqlSafe(sql))
                .execute(c)
                .await?
                .rows_affected()
        });
        tx.commit().await?;
        Ok(rows)
    }

    pub async fn mark_sent(&self, ids: &[Id], now: DateTime<Utc>) -> Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        let sql = format!(
            "UPDATE newsletter_queue SET status = 'sent', sent_at = $1, error = NULL WHERE id IN ({})",
            id_list(ids.iter().copied())
        );
        on_writer!(self.pools(), |db| {
            sqlx::query(AssertSqlSafe(sql))
                .bind(now)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// A temporary failure: tried again at `next_at`, or given up (`failed`) when that is
    /// `None`.
    pub async fn mark_retry(
        &self,
        id: Id,
        error: &str,
        next_at: Option<DateTime<Utc>>,
    ) -> Result<()> {
        on_writer!(self.pools(), |db| {
            match next_at {
                Some(t) => sqlx::query(
                    "UPDATE newsletter_queue SET status = 'queued', next_at = $2, error = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(t)
                .bind(error)
                .execute(db)
                .await?,
                None => sqlx::query(
                    "UPDATE newsletter_queue SET status = 'failed', error = $2 WHERE id = $1",
                )
                .bind(id)
                .bind(error)
                .execute(db)
                .await?,
            };
        });
        Ok(())
    }

    /// A message that should no longer go (its subscriber left before it was sent).
    pub async fn mark_skipped(&self, id: Id) -> Result<()> {
        on_writer!(self.pools(), |db| {
            sqlx::query("UPDATE newsletter_queue SET status = 'skipped' WHERE id = $1")
                .bind(id)
                .execute(db)
                .await?;
        });
        Ok(())
    }

    /// A permanent refusal (5xx): the message is `bounced`, and the subscriber counts one
    /// more bounce, becoming `bouncing` (sent nothing more) at `threshold`.
    pub async fn mark_bounced(&self, id: Id, error: &str, threshold: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(tx, |c| {
            sqlx::query("UPDATE newsletter_queue SET status = 'bounced', error = $2 WHERE id = $1")
                .bind(id)
                .bind(error)
                .execute(&mut *c)
                .await?;
            sqlx::query(
                "UPDATE subscribers SET bounces = bounces + 1, \
                 status = CASE WHEN bounces + 1 >= $2 AND status = 'confirmed' THEN 'bouncing' ELSE status END \
                 WHERE id = (SELECT subscriber_id FROM newsletter_queue WHERE id = $1)",
            )
            .bind(id)
            .bind(threshold)
            .execute(&mut *c)
            .await?
            .rows_affected()
        });
        tx.commit().await?;
        Ok(())
    }
}

impl Tx {
    pub async fn subscriber(&mut self, id: Id) -> Result<Option<Subscriber>> {
        let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE id = $1");
        Ok(on_tx!(self, |c| {
            match sqlx::query(AssertSqlSafe(sql))
                .bind(id)
                .fetch_optional(c)
                .await?
            {
                Some(r) => Some(subscriber(&r)?),
                None => None,
            }
        }))
    }

    pub async fn subscriber_by_email(&mut self, email: &str) -> Result<Option<Subscriber>> {
        let sql = format!("SELECT {SUBSCRIBER_COLUMNS} FROM subscribers WHERE email_key = $1");
        Ok(on_tx!(self, |c| {
            match sqlx::query(AssertSqlSafe(sql))
                .bind(email_key(email))
                .fetch_optional(c)
                .await?
            {
                Some(r) => Some(subscriber(&r)?),
                None => None,
            }
        }))
    }

    /// Records a digest, alert, test or single message; its messages are queued with
    /// [`Tx::enqueue`] in the same transaction.
    pub async fn create_send(
        &mut self,
        kind: &str,
        subject: &str,
        payload: &serde_json::Value,
        article_id: Option<Id>,
        user_id: Option<Id>,
    ) -> Result<Id> {
        let now = self.now();
        Ok(on_tx!(self, |c| {
            sqlx::query_scalar(
                "INSERT INTO newsletter_sends (kind, subject, payload, article_id, user_id, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
            )
            .bind(kind)
            .bind(subject)
            .bind(payload.to_string())
            .bind(article_id)
            .bind(user_id)
            .bind(now)
            .fetch_one(c)
            .await?
        }))
    }

    /// Queues messages of a send, due now. An address already queued for that send is
    /// not queued twice. Returns how many were queued.
    pub async fn enqueue(&mut self, send_id: Id, messages: &[NewMessage]) -> Result<u64> {
        let now = self.now();
        let mut queued = 0;
        for chunk in messages.chunks(QUEUE_CHUNK) {
            let mut sql = String::from(
                "INSERT INTO newsletter_queue (send_id, subscriber_id, email, message_id, status, next_at) VALUES ",
            );
            for i in 0..chunk.len() {
                let b = i * 3;
                if i > 0 {
                    sql.push_str(", ");
                }
                sql.push_str(&format!(
                    "($1, ${}, ${}, ${}, 'queued', $2)",
                    b + 3,
                    b + 4,
                    b + 5
                ));
            }
            sql.push_str(" ON CONFLICT (send_id, email) DO NOTHING");
            queued += on_tx!(self, |c| {
                let mut q = sqlx::query(AssertSqlSafe(sql)).bind(send_id).bind(now);
                for m in chunk {
                    q = q.bind(m.subscriber_id).bind(&m.email).bind(&m.message_id);
                }
                q.execute(c).await?.rows_affected()
            });
        }
        Ok(queued)
    }
}

fn id_list(ids: impl Iterator<Item = Id>) -> String {
    ids.map(|id| id.to_string()).collect::<Vec<_>>().join(", ")
}

//! Persistence for Midad: one API over SQLite (the default, embedded) and PostgreSQL (several
//! nodes). Every write is a transaction that also appends to the change log.
//!
//! The SQL is written once, in the dialect both engines accept (`$1` parameters, `RETURNING`,
//! `ON CONFLICT`), and the `dispatch!` macro expands each query once per backend, so the two
//! backends cannot drift apart. Reads written with `Store::fetch` (SQL, parameters and one row
//! decoder) run on SQLite without the driver's thread hand-offs (see `fetch`). Each backend has
//! its own migration folder.

mod accounts;
mod backup;
mod fetch;
mod kept;
mod lists;
mod newsletter;
mod read;
mod redirects;
mod rows;
mod scheduler;
mod views;
mod write;

pub use accounts::{AuditEntry, Autosave, Named, NewSession, Revision, Session, TwoFactor};
pub use backup::{BackupReport, backup_to, restore_from};
pub use kept::{Also, Refresh};
pub use lists::{ListPage, Listing, SHORT as LIST_SHORT};
pub use newsletter::{
    Lists, NewMessage, QueuedMessage, SENDER_LOCK, Send, SignUp, Subscriber, SubscriberQuery,
    SubscriberStatus, email_key,
};
pub use read::{ArticleQuery, Order};
pub use redirects::{Redirect, RedirectTarget};
pub use scheduler::run_scheduler;
pub use views::{Publication, RELATED_TAGS, RELATED_WINDOW};
pub use write::{NewMedia, NewUser, Tx};

use midad_core::{Change, Violations};
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, SqlitePool};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// Errors of the store. Database causes are kept for the log; callers show `Invalid` and
/// `Conflict` to people and treat the rest as internal.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0}")]
    Invalid(Violations),
    #[error("not found")]
    NotFound,
    #[error("version conflict: the item is now at version {current}")]
    Conflict { current: i64 },
    #[error("unsupported database URL «{0}»: expected sqlite://PATH or postgres://…")]
    BadUrl(String),
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("database error: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("stored data is not readable: {0}")]
    Corrupt(String),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<Violations> for StoreError {
    fn from(v: Violations) -> Self {
        StoreError::Invalid(v)
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

pub(crate) enum Pools {
    /// One writer connection (SQLite allows one writer at a time; queueing in the pool is
    /// cheaper than retrying on SQLITE_BUSY) and a pool of readers that WAL lets run beside it.
    Sqlite {
        writer: SqlitePool,
        readers: SqlitePool,
        /// The public pages' reads (see `fetch`).
        fast: Arc<fetch::SqliteReaders>,
    },
    Postgres(PgPool),
}

/// Runs `$body` with `$db` bound to the reader pool of whichever backend is in use.
macro_rules! dispatch {
    ($pools:expr, |$db:ident| $body:expr) => {
        match $pools {
            $crate::Pools::Sqlite { readers, .. } => {
                let $db = readers;
                $body
            }
            $crate::Pools::Postgres(pool) => {
                let $db = pool;
                $body
            }
        }
    };
}
pub(crate) use dispatch;

struct Inner {
    pools: Pools,
    backend: Backend,
    /// The newest change-log sequence this process knows of; followers wait on it.
    latest: watch::Sender<i64>,
    url: String,
    /// Other derived values (see `kept`).
    kept: kept::Kept,
}

/// A handle on the database. Cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("backend", &self.inner.backend)
            .finish()
    }
}

/// The embedded migrations of each backend.
static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// The SQLite writer's page cache, in KiB (SQLite reads a negative size as KiB). It grows
/// only as far as the writes need it.
const WRITER_CACHE: &str = "-65536";

/// WAL pages after which a commit copies them into the database (SQLite's default is
/// 1,000). An index page changed by many transactions is copied once per checkpoint, not
/// once per transaction: an import's random index inserts were most of its writes.
const WAL_PAGES: &str = "16384";

impl Store {
    /// Connects and applies pending migrations: what `midad serve` does at start-up.
    pub async fn open(url: &str) -> Result<Store> {
        let store = Store::connect(url).await?;
        store.migrate().await?;
        store.refresh_latest().await?;
        Ok(store)
    }

    /// Connects without touching the schema (`midad check` reports instead of fixing).
    pub async fn connect(url: &str) -> Result<Store> {
        let (pools, backend) = if url.starts_with("sqlite:") {
            let opts = SqliteConnectOptions::from_str(url)
                .map_err(|_| StoreError::BadUrl(redact(url)))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a committed write survives a power cut, not only a killed process.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            let writer = SqlitePoolOptions::new()
                .max_connections(1)
                // A transaction's changed pages stay in memory until it commits: with
                // SQLite's 2 MB default, an import batch spills and rewrites the same index
                // pages dozens of times (29 page writes per article were measured).
                .connect_with(
                    opts.clone()
                        .pragma("cache_size", WRITER_CACHE)
                        .pragma("wal_autocheckpoint", WAL_PAGES),
                )
                .await?;
            let fast = Arc::new(fetch::SqliteReaders::new(opts.get_filename().to_path_buf()));
            let readers = SqlitePoolOptions::new()
                .max_connections(8)
                .connect_with(opts)
                .await?;
            (
                Pools::Sqlite {
                    writer,
                    readers,
                    fast,
                },
                Backend::Sqlite,
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            let opts =
                PgConnectOptions::from_str(url).map_err(|_| StoreError::BadUrl(redact(url)))?;
            let pool = PgPoolOptions::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            (Pools::Postgres(pool), Backend::Postgres)
        } else {
            return Err(StoreError::BadUrl(redact(url)));
        };
        let (latest, _) = watch::channel(0);
        Ok(Store {
            inner: Arc::new(Inner {
                pools,
                backend,
                latest,
                url: url.to_string(),
                kept: Default::default(),
            }),
        })
    }

    pub fn backend(&self) -> Backend {
        self.inner.backend
    }

    /// The URL with any password hidden, for logs and `midad check`.
    pub fn display_url(&self) -> String {
        redact(&self.inner.url)
    }

    pub(crate) fn pools(&self) -> &Pools {
        &self.inner.pools
    }

    /// Applies the migrations this binary embeds that the database has not seen yet.
    pub async fn migrate(&self) -> Result<()> {
        match &self.inner.pools {
            Pools::Sqlite { writer, .. } => SQLITE_MIGRATIONS.run(writer).await?,
            Pools::Postgres(pool) => POSTGRES_MIGRATIONS.run(pool).await?,
        }
        self.fill_title_keys().await?;
        self.optimize().await
    }

    /// Fills the folded title and the word count of articles written before those columns
    /// existed (or restored from a backup), a thousand per transaction: once, as later
    /// writes keep them.
    pub(crate) async fn fill_title_keys(&self) -> Result<()> {
        let sql = format!(
            "SELECT {} FROM articles WHERE title_key IS NULL OR words IS NULL ORDER BY id LIMIT 1000",
            rows::ARTICLE_COLUMNS
        );
        loop {
            let list = dispatch!(self.pools(), |db| {
                let found = sqlx::query(sqlx::AssertSqlSafe(sql.clone()))
                    .fetch_all(db)
                    .await?;
                found
                    .iter()
                    .map(rows::article)
                    .collect::<Result<Vec<_>>>()?
            });
            if list.is_empty() {
                return Ok(());
            }
            let mut tx = self.begin().await?;
            for a in list {
                let key = midad_arabic::normalize(&a.data.title);
                tx.set_derived(a.id, &key, write::count_words(&a.data))
                    .await?;
            }
            tx.commit().await?;
        }
    }

    /// Refreshes the query planner's statistics where they are missing or out of date
    /// (SQLite's `PRAGMA optimize`; PostgreSQL's autovacuum does this by itself). Without
    /// them SQLite may pick an index that makes a related-stories query scan every article.
    /// Cheap when nothing changed much: run at start-up and after a large import.
    ///
    /// SQLite keeps only the per-index figures (`sqlite_stat1`), not the sampled keys
    /// (`sqlite_stat4`): a statement planned from samples is planned again every time a
    /// parameter is bound, even to the same value, and on the article page that re-planning
    /// cost more than the reads (bench/README.md, "Fourth session").
    pub async fn optimize(&self) -> Result<()> {
        if let Pools::Sqlite { writer, fast, .. } = &self.inner.pools {
            // 0x10002: also analyse tables that have never been analysed.
            sqlx::query("PRAGMA optimize = 0x10002")
                .execute(writer)
                .await?;
            let sampled: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'sqlite_stat4'",
            )
            .fetch_optional(writer)
            .await?;
            // The table stays once made: only fresh samples need the planners reloaded.
            let deleted = match sampled {
                Some(_) => sqlx::query("DELETE FROM sqlite_stat4")
                    .execute(writer)
                    .await?
                    .rows_affected(),
                None => 0,
            };
            if deleted > 0 {
                // The writer plans from what is left; readers opened from now on load it.
                sqlx::query("ANALYZE sqlite_schema").execute(writer).await?;
                fast.close();
            }
        }
        Ok(())
    }

    /// Migrations embedded in this binary but not yet applied to the database.
    pub async fn pending_migrations(&self) -> Result<Vec<String>> {
        let migrator = match self.backend() {
            Backend::Sqlite => &SQLITE_MIGRATIONS,
            Backend::Postgres => &POSTGRES_MIGRATIONS,
        };
        let applied: Vec<i64> = dispatch!(self.pools(), |db| {
            let exists: bool = match self.backend() {
                Backend::Sqlite => sqlx::query_scalar::<_, i64>(
                    "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations'",
                )
                .fetch_one(db)
                .await?
                    > 0,
                Backend::Postgres => sqlx::query_scalar::<_, bool>(
                    "SELECT to_regclass('_sqlx_migrations') IS NOT NULL",
                )
                .fetch_one(db)
                .await?,
            };
            if exists {
                sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
                    .fetch_all(db)
                    .await?
            } else {
                Vec::new()
            }
        });
        Ok(migrator
            .iter()
            .filter(|m| !applied.contains(&m.version))
            .map(|m| format!("{} {}", m.version, m.description))
            .collect())
    }

    /// Starts a write transaction. Nothing is visible to others until `Tx::commit`.
    pub async fn begin(&self) -> Result<Tx> {
        Tx::begin(self.clone()).await
    }

    /// Waits for news of commits made through this process.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.inner.latest.subscribe()
    }

    /// Tells the store of a change-log entry another node wrote (a follower read it), so
    /// that what it keeps in memory is read again.
    pub fn heard(&self, seq: i64) {
        self.announce(seq);
    }

    /// The newest change this process knows of: what kept data is labelled with.
    pub(crate) fn heard_seq(&self) -> i64 {
        *self.inner.latest.borrow()
    }

    pub(crate) fn inner_kept(&self) -> &kept::Kept {
        &self.inner.kept
    }

    pub(crate) fn announce(&self, seq: i64) {
        self.inner.latest.send_if_modified(|cur| {
            if seq > *cur {
                *cur = seq;
                true
            } else {
                false
            }
        });
    }

    async fn refresh_latest(&self) -> Result<()> {
        let seq = self.latest_seq().await?;
        self.announce(seq);
        Ok(())
    }

    /// The newest sequence number in the change log (0 when empty).
    pub async fn latest_seq(&self) -> Result<i64> {
        let seq: Option<i64> = dispatch!(self.pools(), |db| {
            sqlx::query_scalar("SELECT MAX(seq) FROM changes")
                .fetch_one(db)
                .await?
        });
        Ok(seq.unwrap_or(0))
    }

    /// What changed after sequence `after`, oldest first, at most `limit` entries.
    pub async fn changes_after(&self, after: i64, limit: i64) -> Result<Vec<Change>> {
        let rows = dispatch!(self.pools(), |db| {
            let rows = sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT seq, kind, entity_id, at FROM changes WHERE seq > $1 ORDER BY seq LIMIT {limit}"
            )))
            .bind(after)
            .fetch_all(db)
            .await?;
            rows.iter().map(rows::change).collect::<Result<Vec<_>>>()?
        });
        Ok(rows)
    }

    /// Checks the database's own consistency: SQLite's integrity and foreign-key checks, or
    /// on PostgreSQL the references the schema cannot express. Returns the problems found.
    pub async fn integrity_check(&self) -> Result<Vec<String>> {
        let mut problems = Vec::new();
        match &self.inner.pools {
            Pools::Sqlite { readers, .. } => {
                let rows: Vec<String> = sqlx::query_scalar("PRAGMA integrity_check")
                    .fetch_all(readers)
                    .await?;
                problems.extend(rows.into_iter().filter(|r| r != "ok"));
                let fk = sqlx::query("PRAGMA foreign_key_check")
                    .fetch_all(readers)
                    .await?;
                if !fk.is_empty() {
                    problems.push(format!("{} rows break a foreign key", fk.len()));
                }
            }
            Pools::Postgres(_) => {}
        }
        let orphans: i64 = dispatch!(self.pools(), |db| {
            sqlx::query_scalar(
                "SELECT COUNT(*) FROM articles a WHERE a.kind = 'caricature' AND a.image_id IS NULL",
            )
            .fetch_one(db)
            .await?
        });
        if orphans > 0 {
            problems.push(format!("{orphans} caricatures have no image"));
        }
        Ok(problems)
    }

    /// Closes every connection (on shutdown, so SQLite checkpoints its WAL).
    pub async fn close(&self) {
        match &self.inner.pools {
            Pools::Sqlite {
                writer,
                readers,
                fast,
            } => {
                fast.close();
                readers.close().await;
                writer.close().await;
            }
            Pools::Postgres(pool) => pool.close().await,
        }
    }
}

/// Hides the password of a database URL.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme_end + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn passwords_are_hidden() {
        assert_eq!(
            super::redact("postgres://midad:s3cret@db/midad"),
            "postgres://midad:***@db/midad"
        );
        assert_eq!(super::redact("sqlite://x.db"), "sqlite://x.db");
    }
}

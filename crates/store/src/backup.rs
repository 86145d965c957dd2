//! Backups: one SQLite file holding every row and every media file of a site, taken as a
//! consistent snapshot while the site runs, and restored into an empty database of either
//! backend (so a backup is also the way to move from SQLite to PostgreSQL).

use crate::rows::Get;
use crate::{Pools, Result, Store, StoreError};
use chrono::{DateTime, Utc};
use futures_util::TryStreamExt;
use midad_core::EntityKind;
use sqlx::sqlite::{SqliteConnectOptions, SqlitePoolOptions};
use sqlx::{AssertSqlSafe, Connection};
use std::path::Path;
use std::str::FromStr;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Col {
    Int,
    OptInt,
    /// A reference to the same table: written as NULL first, then set once every row exists,
    /// so row order never breaks the foreign key.
    SelfRef,
    Text,
    OptText,
    Bool,
    Time,
    OptTime,
}

pub(crate) struct Table {
    pub name: &'static str,
    pub cols: &'static [(&'static str, Col)],
    /// Whether `id` is an identity column (PostgreSQL needs OVERRIDING SYSTEM VALUE).
    pub identity: Option<&'static str>,
}

use Col::*;

/// Every table, parents before children.
pub(crate) const TABLES: &[Table] = &[
    Table {
        name: "media",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("path", Text),
            ("mime", Text),
            ("width", OptInt),
            ("height", OptInt),
            ("size", Int),
            ("alt", OptText),
            ("caption", OptText),
            ("credit", OptText),
            ("variants", Text),
            ("created_at", Time),
        ],
    },
    Table {
        name: "sections",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("name", Text),
            ("slug", Text),
            ("parent_id", SelfRef),
            ("description", OptText),
            ("position", Int),
        ],
    },
    Table {
        name: "tags",
        identity: Some("id"),
        cols: &[("id", Int), ("name", Text), ("slug", Text)],
    },
    Table {
        name: "authors",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("name", Text),
            ("slug", Text),
            ("bio", OptText),
            ("photo_id", OptInt),
        ],
    },
    Table {
        name: "users",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("email", Text),
            ("name", Text),
            ("role", Text),
            ("author_id", OptInt),
            ("password_hash", OptText),
            ("disabled", Bool),
            ("created_at", Time),
            ("totp_secret", OptText),
            ("totp_pending", OptText),
        ],
    },
    Table {
        name: "articles",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("kind", Text),
            ("status", Text),
            ("title", Text),
            ("slug", Text),
            ("subtitle", OptText),
            ("excerpt", OptText),
            ("body", Text),
            ("section_id", OptInt),
            ("parent_id", SelfRef),
            ("source", OptText),
            ("image_id", OptInt),
            ("image_caption", OptText),
            ("image_alt", OptText),
            ("image_credit", OptText),
            ("artist", OptText),
            ("seo_title", OptText),
            ("seo_description", OptText),
            ("breaking", Bool),
            ("featured", Bool),
            ("published_at", OptTime),
            ("updated_at", OptTime),
            ("external_id", OptText),
            ("version", Int),
            ("created_at", Time),
            ("modified_at", Time),
        ],
    },
    Table {
        name: "article_tags",
        identity: None,
        cols: &[("article_id", Int), ("tag_id", Int), ("position", Int)],
    },
    Table {
        name: "article_authors",
        identity: None,
        cols: &[("article_id", Int), ("author_id", Int), ("position", Int)],
    },
    Table {
        name: "article_views",
        identity: None,
        cols: &[("article_id", Int), ("day", Text), ("views", Int)],
    },
    Table {
        name: "redirects",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("from_path", Text),
            ("to_path", OptText),
            ("article_id", OptInt),
            ("origin", Text),
            ("created_at", Time),
        ],
    },
    Table {
        name: "revisions",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("article_id", Int),
            ("version", Int),
            ("data", Text),
            ("user_id", OptInt),
            ("at", Time),
        ],
    },
    Table {
        name: "subscribers",
        identity: Some("id"),
        cols: &[
            ("id", Int),
            ("email", Text),
            ("email_key", Text),
            ("status", Text),
            ("digest", Bool),
            ("alerts", Bool),
            ("sections", Text),
            ("confirm_nonce", OptText),
            ("manage_nonce", Text),
            ("confirmation_sent_at", OptTime),
            ("created_at", Time),
            ("confirmed_at", OptTime),
            ("unsubscribed_at", OptTime),
            ("bounces", Int),
            ("source", Text),
        ],
    },
    Table {
        name: "secrets",
        identity: None,
        cols: &[("name", Text), ("value", Text)],
    },
    Table {
        name: "settings",
        identity: None,
        cols: &[("key", Text), ("value", Text)],
    },
    Table {
        name: "changes",
        identity: Some("seq"),
        cols: &[
            ("seq", Int),
            ("kind", Text),
            ("entity_id", Int),
            ("at", Time),
        ],
    },
];

#[derive(Clone, Debug)]
enum Value {
    Int(Option<i64>),
    Text(Option<String>),
    Bool(bool),
    Time(Option<DateTime<Utc>>),
}

fn read_row(r: &impl Get, cols: &[(&str, Col)]) -> Result<Vec<Value>> {
    cols.iter()
        .map(|(name, col)| {
            Ok(match col {
                Int => Value::Int(Some(r.int(name)?)),
                OptInt | SelfRef => Value::Int(r.opt_int(name)?),
                Text => Value::Text(Some(r.text(name)?)),
                OptText => Value::Text(r.opt_text(name)?),
                Bool => Value::Bool(r.boolean(name)?),
                Time => Value::Time(Some(r.time(name)?)),
                OptTime => Value::Time(r.opt_time(name)?),
            })
        })
        .collect()
}

fn select_sql(t: &Table) -> String {
    let cols: Vec<&str> = t.cols.iter().map(|(n, _)| *n).collect();
    format!(
        "SELECT {} FROM {} ORDER BY {}",
        cols.join(", "),
        t.name,
        cols[0]
    )
}

fn insert_sql(t: &Table, postgres: bool) -> String {
    let cols: Vec<&str> = t.cols.iter().map(|(n, _)| *n).collect();
    let params: Vec<String> = (1..=cols.len()).map(|i| format!("${i}")).collect();
    let overriding = if postgres && t.identity.is_some() {
        " OVERRIDING SYSTEM VALUE"
    } else {
        ""
    };
    format!(
        "INSERT INTO {} ({}){overriding} VALUES ({})",
        t.name,
        cols.join(", "),
        params.join(", ")
    )
}

macro_rules! bind_values {
    ($q:expr, $values:expr, $cols:expr) => {{
        let mut q = $q;
        for (v, (_, col)) in $values.iter().zip($cols.iter()) {
            q = match (v, col) {
                (_, SelfRef) => q.bind(None::<i64>),
                (Value::Int(x), _) => q.bind(*x),
                (Value::Text(x), _) => q.bind(x.clone()),
                (Value::Bool(x), _) => q.bind(*x),
                (Value::Time(x), _) => q.bind(*x),
            };
        }
        q
    }};
}

/// Copies every table from `$src` (one connection, one snapshot) to `$dst`, a row at a time:
/// memory stays bounded whatever the size of the site. Self-references are written as NULL,
/// then set once every row of the table exists (only those pairs are held). Evaluates to
/// the number of rows copied.
macro_rules! copy_all {
    ($src:expr, $dst:expr, $postgres:expr) => {{
        let mut copied = 0usize;
        for t in TABLES {
            let insert = insert_sql(t, $postgres);
            let mut later: Vec<(usize, i64, i64)> = Vec::new();
            {
                let mut rows = sqlx::query(AssertSqlSafe(select_sql(t))).fetch(&mut *$src);
                while let Some(r) = rows.try_next().await? {
                    let row = read_row(&r, t.cols)?;
                    for (i, (_, col)) in t.cols.iter().enumerate() {
                        if let (SelfRef, Value::Int(Some(parent)), Value::Int(Some(id))) =
                            (col, &row[i], &row[0])
                        {
                            later.push((i, *id, *parent));
                        }
                    }
                    bind_values!(sqlx::query(AssertSqlSafe(insert.clone())), row, t.cols)
                        .execute(&mut *$dst)
                        .await?;
                    copied += 1;
                }
            }
            for (i, id, parent) in later {
                let sql = format!("UPDATE {} SET {} = $1 WHERE id = $2", t.name, t.cols[i].0);
                sqlx::query(AssertSqlSafe(sql))
                    .bind(parent)
                    .bind(id)
                    .execute(&mut *$dst)
                    .await?;
            }
        }
        copied
    }};
}

#[derive(Clone, Debug, Default)]
pub struct BackupReport {
    pub rows: usize,
    pub files: usize,
}

/// Writes a consistent snapshot of the site (rows and media files) to a new file at `dest`.
pub async fn backup_to(store: &Store, media_dir: &Path, dest: &Path) -> Result<BackupReport> {
    if dest.exists() {
        return Err(StoreError::Io(std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            format!("{} already exists; choose a new file", dest.display()),
        )));
    }
    let dest_str = dest.to_string_lossy().to_string();
    let mut report = BackupReport::default();
    match store.pools() {
        Pools::Sqlite { readers, .. } => {
            // VACUUM INTO copies a read snapshot page by page: consistent while writers go on.
            sqlx::query("VACUUM INTO $1")
                .bind(&dest_str)
                .execute(readers)
                .await?;
            let counts = store.counts().await?;
            report.rows = counts.values().map(|n| *n as usize).sum();
        }
        Pools::Postgres(pool) => {
            let mut tx = pool
                .begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await?;
            let target = Store::open(&format!("sqlite://{dest_str}")).await?;
            let mut wtx = target.begin().await?;
            if let Some(conn) = wtx.conn_sqlite() {
                report.rows = copy_all!(&mut *tx, conn, false);
            }
            wtx.commit().await?;
            tx.commit().await?;
            target.close().await;
        }
    }
    report.files = add_files(dest, media_dir).await?;
    Ok(report)
}

/// Media files are written once and never changed, so copying them after the row snapshot
/// still gives every row its file.
async fn add_files(dest: &Path, media_dir: &Path) -> Result<usize> {
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(SqliteConnectOptions::new().filename(dest))
        .await?;
    let mut conn = pool.acquire().await?;
    let mut tx = conn.begin().await?;
    sqlx::query("CREATE TABLE backup_files (path TEXT PRIMARY KEY, data BLOB NOT NULL)")
        .execute(&mut *tx)
        .await?;
    let mut n = 0;
    for file in walk(media_dir)? {
        let rel = file
            .strip_prefix(media_dir)
            .map_err(|e| StoreError::Corrupt(e.to_string()))?
            .to_string_lossy()
            .replace('\\', "/");
        let data = tokio::fs::read(&file).await?;
        sqlx::query("INSERT INTO backup_files (path, data) VALUES ($1, $2)")
            .bind(rel)
            .bind(data)
            .execute(&mut *tx)
            .await?;
        n += 1;
    }
    tx.commit().await?;
    drop(conn);
    pool.close().await;
    Ok(n)
}

fn walk(dir: &Path) -> Result<Vec<std::path::PathBuf>> {
    let mut out = Vec::new();
    if !dir.exists() {
        return Ok(out);
    }
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d)? {
            let entry = entry?;
            let path = entry.path();
            if entry.file_type()?.is_dir() {
                stack.push(path);
            } else {
                out.push(path);
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Restores a backup into `store`, which must hold no content yet, and its files into
/// `media_dir`. All rows are written in one transaction (a failed restore leaves none of
/// them), read and written a row at a time.
pub async fn restore_from(src: &Path, store: &Store, media_dir: &Path) -> Result<BackupReport> {
    let counts = store.counts().await?;
    let occupied: Vec<String> = counts
        .iter()
        .filter(|(t, n)| **n > 0 && **t != "changes")
        .map(|(t, n)| format!("{t}: {n}"))
        .collect();
    if !occupied.is_empty() {
        return Err(StoreError::Io(std::io::Error::other(format!(
            "the target database is not empty ({}); restore needs an empty site",
            occupied.join(", ")
        ))));
    }
    let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", src.to_string_lossy()))?
        .read_only(true);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await?;
    let mut conn = pool.acquire().await?;
    let mut report = BackupReport::default();
    // Files first, one at a time (a backup without files has no such table).
    let has_files: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = 'backup_files'",
    )
    .fetch_one(&mut *conn)
    .await?;
    if has_files > 0 {
        let mut files = sqlx::query_as::<_, (String, Vec<u8>)>(
            "SELECT path, data FROM backup_files ORDER BY path",
        )
        .fetch(&mut *conn);
        while let Some((rel, bytes)) = files.try_next().await? {
            if rel.split('/').any(|part| part == ".." || part.is_empty()) {
                return Err(StoreError::Corrupt(format!("unsafe path in backup: {rel}")));
            }
            let path = media_dir.join(&rel);
            if let Some(parent) = path.parent() {
                tokio::fs::create_dir_all(parent).await?;
            }
            tokio::fs::write(&path, bytes).await?;
            report.files += 1;
        }
    }

    let mut tx = store.begin().await?;
    if let Some(dst) = tx.conn_sqlite() {
        sqlx::query("DELETE FROM changes")
            .execute(&mut *dst)
            .await?;
        report.rows = copy_all!(&mut *conn, dst, false);
    } else if let Some(dst) = tx.conn_postgres() {
        sqlx::query("DELETE FROM changes")
            .execute(&mut *dst)
            .await?;
        report.rows = copy_all!(&mut *conn, dst, true);
        for t in TABLES {
            if let Some(col) = t.identity {
                let sql = format!(
                    "SELECT setval(pg_get_serial_sequence('{0}', '{col}'), COALESCE((SELECT MAX({col}) FROM {0}), 0) + 1, false)",
                    t.name
                );
                sqlx::query(AssertSqlSafe(sql)).execute(&mut *dst).await?;
            }
        }
    }
    drop(conn);
    pool.close().await;
    tx.relist(None).await?;
    // Followers (caches, search) must see that everything changed.
    tx.log(EntityKind::Settings, 0);
    tx.commit().await?;
    store.fill_title_keys().await?;
    Ok(report)
}

//! Reads written once for both backends: SQL text, its parameters (`Param`) and a row
//! decoder (`rows::Get`), run by `Store::fetch`.
//!
//! On PostgreSQL a read goes to the pool. On SQLite a read of bounded cost (`Cost::Bounded`:
//! a few index lookups, what a public page does) runs on the calling thread, on one of a
//! small stack of read-only rusqlite connections that keep their prepared statements. Such a
//! read takes microseconds; the sqlx driver hands every statement, and every row, to its own
//! worker thread and back, and on the article page those hand-offs cost more than the reads
//! themselves (measured: bench/README.md, "Scale"). A read whose cost grows with the data
//! (`Cost::Long`: every position of a long list) runs on the blocking pool, so it never holds
//! up the threads that answer requests.
//!
//! A read keeps its plan only if SQLite has no reason to plan it again when a parameter is
//! bound, and it has two: sampled statistics (`sqlite_stat4`, which `Store::optimize` does
//! not keep) and a bound `LIMIT` or `OFFSET`. Both made the article page re-plan its
//! related-stories read at every request. So `LIMIT` and `OFFSET` are written into the SQL
//! as integers, like id lists; a `$N` in them would cost a plan per read.

use crate::rows::Get;
use crate::{Pools, Result, Store, StoreError};
use chrono::{DateTime, FixedOffset, NaiveDateTime, SecondsFormat, TimeZone, Utc};
use rusqlite::types::ValueRef;
use rusqlite::{Connection, OpenFlags, StatementStatus};
use sqlx::AssertSqlSafe;
use std::path::PathBuf;
#[cfg(test)]
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// A bound value of a read. Text from outside is always bound this way, never spliced.
#[derive(Clone, Debug)]
pub(crate) enum Param {
    Int(i64),
    Text(String),
    Bool(bool),
    Time(DateTime<Utc>),
}

impl From<i64> for Param {
    fn from(v: i64) -> Self {
        Param::Int(v)
    }
}

impl From<&str> for Param {
    fn from(v: &str) -> Self {
        Param::Text(v.to_string())
    }
}

impl From<String> for Param {
    fn from(v: String) -> Self {
        Param::Text(v)
    }
}

impl From<bool> for Param {
    fn from(v: bool) -> Self {
        Param::Bool(v)
    }
}

impl From<DateTime<Utc>> for Param {
    fn from(v: DateTime<Utc>) -> Self {
        Param::Time(v)
    }
}

/// What a read costs, which decides where it runs on SQLite.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Cost {
    /// Bounded by what one page shows: run on the calling thread.
    Bounded,
    /// Grows with the data: run on the blocking pool.
    Long,
}

/// Connections kept idle; more are opened when more reads run at once, and closed after.
const IDLE: usize = 8;
/// Prepared statements kept per connection.
const STATEMENTS: usize = 256;

/// SQLite's read-only connections for `fetch`.
pub(crate) struct SqliteReaders {
    path: PathBuf,
    idle: Mutex<Vec<Connection>>,
    /// What the tests count of every read (see `rows`); a running site has the trace.
    #[cfg(test)]
    counted: Counted,
}

/// Reads SQLite planned again instead of running their kept plan, and steps of its virtual
/// machine over every read: what the reads cost, whatever the machine's speed.
#[cfg(test)]
#[derive(Default)]
struct Counted {
    replanned: AtomicU64,
    steps: AtomicU64,
}

impl SqliteReaders {
    pub(crate) fn new(path: PathBuf) -> Self {
        SqliteReaders {
            path,
            idle: Mutex::new(Vec::new()),
            #[cfg(test)]
            counted: Counted::default(),
        }
    }

    /// Closes the idle connections (the last one to close checkpoints the WAL).
    pub(crate) fn close(&self) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
    }

    fn open(&self) -> Result<Connection> {
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(Duration::from_secs(30))?;
        conn.set_prepared_statement_cache_capacity(STATEMENTS);
        Ok(conn)
    }

    fn with<T>(&self, f: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let idle = self
            .idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop();
        let conn = match idle {
            Some(c) => c,
            None => self.open()?,
        };
        let out = f(&conn);
        let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < IDLE {
            idle.push(conn);
        }
        out
    }

    fn rows<T>(
        &self,
        sql: &str,
        params: &[Param],
        decode: fn(&dyn Get) -> Result<T>,
    ) -> Result<Vec<T>> {
        let started = std::time::Instant::now();
        let out = self.with(|conn| {
            let mut st = conn.prepare_cached(sql)?;
            for i in 1..=st.parameter_count() {
                // `$N` names the N-th parameter (as the sqlx driver reads it); a bare `?`
                // takes the next one.
                let n = match st.parameter_name(i) {
                    Some(name) => name
                        .strip_prefix('$')
                        .and_then(|n| n.parse::<usize>().ok())
                        .ok_or_else(|| {
                            StoreError::Corrupt(format!("unsupported parameter «{name}»"))
                        })?,
                    None => i,
                };
                // Unbound parameters are NULL, as SQLite has them.
                let Some(p) = n.checked_sub(1).and_then(|n| params.get(n)) else {
                    continue;
                };
                match p {
                    Param::Int(v) => st.raw_bind_parameter(i, v)?,
                    Param::Text(v) => st.raw_bind_parameter(i, v.as_str())?,
                    Param::Bool(v) => st.raw_bind_parameter(i, i64::from(*v))?,
                    // The text the sqlx driver writes, so stored times compare as written.
                    Param::Time(t) => {
                        st.raw_bind_parameter(i, t.to_rfc3339_opts(SecondsFormat::AutoSi, false))?
                    }
                }
            }
            let names: Vec<String> = st.column_names().into_iter().map(String::from).collect();
            let mut rows = st.raw_query();
            let mut out = Vec::new();
            while let Some(row) = rows.next()? {
                out.push(decode(&SqliteRow { row, names: &names })?);
            }
            drop(rows);
            Ok((
                out,
                st.reset_status(StatementStatus::RePrepare),
                st.reset_status(StatementStatus::VmStep),
            ))
        });
        // What each read costs, for a profile of a page (`log.level` with
        // `midad_store::sql=trace`): its time, its rows, and whether SQLite planned it
        // again instead of running the kept plan.
        tracing::trace!(
            target: "midad_store::sql",
            micros = started.elapsed().as_micros() as u64,
            rows = out.as_ref().map_or(0, |o| o.0.len()),
            steps = out.as_ref().map_or(0, |o| o.2),
            replanned = out.as_ref().map_or(0, |o| o.1),
            sql,
        );
        #[cfg(test)]
        if let Ok((_, replanned, steps)) = &out {
            let add =
                |n: &AtomicU64, v: i32| n.fetch_add(u64::from(v.unsigned_abs()), Ordering::Relaxed);
            add(&self.counted.steps, *steps);
            add(&self.counted.replanned, *replanned);
        }
        out.map(|o| o.0)
    }

    /// Steps of SQLite's virtual machine over every read since these readers were made.
    #[cfg(test)]
    pub(crate) fn steps(&self) -> u64 {
        self.counted.steps.load(Ordering::Relaxed)
    }

    /// How many reads SQLite has planned again since these readers were made.
    #[cfg(test)]
    pub(crate) fn replanned(&self) -> u64 {
        self.counted.replanned.load(Ordering::Relaxed)
    }
}

/// A rusqlite row with its column names, read by name like the sqlx rows.
struct SqliteRow<'a> {
    row: &'a rusqlite::Row<'a>,
    names: &'a [String],
}

impl SqliteRow<'_> {
    fn value(&self, col: &str) -> Result<ValueRef<'_>> {
        let i = self
            .names
            .iter()
            .position(|n| n == col)
            .ok_or_else(|| StoreError::Corrupt(format!("no column «{col}»")))?;
        Ok(self.row.get_ref(i)?)
    }
}

fn mismatch(col: &str, want: &str, got: ValueRef<'_>) -> StoreError {
    StoreError::Corrupt(format!(
        "column «{col}»: expected {want}, found {:?}",
        got.data_type()
    ))
}

fn text_of<'a>(col: &str, v: ValueRef<'a>) -> Result<&'a str> {
    match v {
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map_err(|_| StoreError::Corrupt(format!("column «{col}»: not UTF-8"))),
        other => Err(mismatch(col, "text", other)),
    }
}

/// A stored time, read the ways the sqlx driver reads one: RFC 3339 (what it writes), SQLite's
/// own date-time texts, or Unix seconds.
fn time_of(col: &str, v: ValueRef<'_>) -> Result<DateTime<Utc>> {
    let bad = || StoreError::Corrupt(format!("column «{col}»: not a time"));
    match v {
        ValueRef::Integer(s) => Utc.timestamp_opt(s, 0).single().ok_or_else(bad),
        ValueRef::Text(_) => {
            let text = text_of(col, v)?;
            if let Ok(t) = DateTime::parse_from_rfc3339(text) {
                return Ok(t.with_timezone(&Utc));
            }
            for format in ["%F %T%.f%:z", "%FT%T%.f%:z", "%F %T%.fZ", "%F %R%:z"] {
                if let Ok(t) = DateTime::<FixedOffset>::parse_from_str(text, format) {
                    return Ok(t.with_timezone(&Utc));
                }
            }
            for format in ["%F %T%.f", "%FT%T%.f", "%F %R", "%FT%R"] {
                if let Ok(t) = NaiveDateTime::parse_from_str(text, format) {
                    return Ok(t.and_utc());
                }
            }
            Err(bad())
        }
        other => Err(mismatch(col, "a time", other)),
    }
}

impl Get for SqliteRow<'_> {
    fn int(&self, col: &str) -> Result<i64> {
        match self.value(col)? {
            ValueRef::Integer(v) => Ok(v),
            other => Err(mismatch(col, "an integer", other)),
        }
    }
    fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        match self.value(col)? {
            ValueRef::Null => Ok(None),
            _ => self.int(col).map(Some),
        }
    }
    fn text(&self, col: &str) -> Result<String> {
        Ok(text_of(col, self.value(col)?)?.to_string())
    }
    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        match self.value(col)? {
            ValueRef::Null => Ok(None),
            v => Ok(Some(text_of(col, v)?.to_string())),
        }
    }
    fn boolean(&self, col: &str) -> Result<bool> {
        Ok(self.int(col)? != 0)
    }
    fn time(&self, col: &str) -> Result<DateTime<Utc>> {
        time_of(col, self.value(col)?)
    }
    fn opt_time(&self, col: &str) -> Result<Option<DateTime<Utc>>> {
        match self.value(col)? {
            ValueRef::Null => Ok(None),
            v => time_of(col, v).map(Some),
        }
    }
}

impl Store {
    /// Every row of a read, decoded (see the module's text for where it runs).
    pub(crate) async fn fetch<T: Send + 'static>(
        &self,
        cost: Cost,
        sql: String,
        params: Vec<Param>,
        decode: fn(&dyn Get) -> Result<T>,
    ) -> Result<Vec<T>> {
        match self.pools() {
            Pools::Sqlite { fast, .. } => match cost {
                Cost::Bounded => fast.rows(&sql, &params, decode),
                Cost::Long => {
                    let fast = Arc::clone(fast);
                    tokio::task::spawn_blocking(move || fast.rows(&sql, &params, decode))
                        .await
                        .map_err(|e| StoreError::Io(std::io::Error::other(e)))?
                }
            },
            Pools::Postgres(pool) => {
                let mut q = sqlx::query(AssertSqlSafe(sql));
                for p in params {
                    q = match p {
                        Param::Int(v) => q.bind(v),
                        Param::Text(v) => q.bind(v),
                        Param::Bool(v) => q.bind(v),
                        Param::Time(v) => q.bind(v),
                    };
                }
                let rows = q.fetch_all(pool).await?;
                rows.iter().map(|r| decode(r)).collect()
            }
        }
    }

    /// The number a `SELECT COUNT(*) AS n …` read counts.
    pub(crate) async fn count(&self, cost: Cost, sql: String, params: Vec<Param>) -> Result<i64> {
        let n = self.fetch(cost, sql, params, |r| r.int("n")).await?;
        Ok(n.first().copied().unwrap_or(0))
    }

    /// The first row of a bounded read by key, if any.
    pub(crate) async fn fetch_first<T: Send + 'static>(
        &self,
        sql: String,
        params: Vec<Param>,
        decode: fn(&dyn Get) -> Result<T>,
    ) -> Result<Option<T>> {
        Ok(self
            .fetch(Cost::Bounded, sql, params, decode)
            .await?
            .into_iter()
            .next())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use midad_core::{ArticleData, ArticleKind, Status};

    /// A store on a new SQLite database, with the folder that holds it.
    async fn temp_store() -> (tempfile::TempDir, Store) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("midad.db").display());
        (dir, Store::open(&url).await.unwrap())
    }

    /// A published article, the n-th of a test's archive.
    fn published(n: i64, at: DateTime<Utc>) -> ArticleData {
        let mut a = ArticleData::new(ArticleKind::Article, format!("خبر {n}"));
        a.status = Status::Published;
        a.published_at = Some(at);
        a.body = vec![midad_core::body::Block::Paragraph {
            html: "نص الخبر".into(),
        }];
        a
    }

    /// A month's sitemap reads up to 50,000 rows: from an index that holds every column
    /// it shows, not from the rows, whose columns after the body are read through its
    /// overflow pages.
    #[tokio::test]
    async fn a_sitemap_is_read_from_the_index_alone() {
        let (dir, _store) = temp_store().await;
        let conn = Connection::open(dir.path().join("midad.db")).unwrap();
        let sql = crate::views::publications_between_sql(0, 50_000);
        let plan: Vec<String> = conn
            .prepare(&format!("EXPLAIN QUERY PLAN {sql}"))
            .unwrap()
            .query_map(["2024-01-01", "2024-02-01"], |r| r.get::<_, String>(3))
            .unwrap()
            .collect::<std::result::Result<_, _>>()
            .unwrap();
        assert!(
            plan.iter()
                .any(|step| step.contains("COVERING INDEX articles_public")),
            "{plan:?}"
        );
    }

    /// The reads of a public page, run again with other values (another article, another
    /// page), keep their plans: SQLite plans a statement again at every bind of a parameter
    /// its plan depends on (sampled statistics, a bound LIMIT or OFFSET), which on the
    /// article page cost more than the reads themselves.
    #[tokio::test]
    async fn a_page_s_reads_are_not_planned_again_at_every_bind() {
        use crate::Listing;
        let (_dir, store) = temp_store().await;
        let mut tx = store.begin().await.unwrap();
        let tag = tx.tag_by_name_or_create("وسم").await.unwrap().id;
        let section = tx.section_by_name_or_create("سياسة").await.unwrap().id;
        let base = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut list = Vec::new();
        for n in 0..300 {
            let mut a = published(n, base + chrono::Duration::hours(n));
            a.section_id = Some(section);
            if n % 3 == 0 {
                a.tag_ids = vec![tag];
            }
            list.push(a);
        }
        let written = tx.insert_articles(list).await.unwrap();
        tx.commit().await.unwrap();
        // What start-up and the end of an import do: statistics for every table.
        store.optimize().await.unwrap();
        let Pools::Sqlite { fast, .. } = store.pools() else {
            unreachable!()
        };
        for (i, a) in written.iter().enumerate().skip(30).step_by(37) {
            let related = store
                .related(a.id, &[tag], a.data.published_at, Some(section), 4)
                .await
                .unwrap();
            assert_eq!(related.len(), 4);
            store.cards_by_ids(&related).await.unwrap();
            store.article(a.id).await.unwrap().unwrap();
            let page = (i % 7) as i64 + 1;
            for of in [Listing::Section(section), Listing::Tag(tag)] {
                let found = store.list_page(of, page, 10).await.unwrap().unwrap();
                assert_eq!(found.articles.len(), 10);
            }
            let from = base + chrono::Duration::hours(i as i64 % 50);
            let found = store
                .publications_between(from, from + chrono::Duration::days(30), i as i64 % 5, 20)
                .await
                .unwrap();
            assert_eq!(found.len(), 20);
        }
        let analysed: i64 = fast
            .with(|conn| Ok(conn.query_row("SELECT COUNT(*) FROM sqlite_stat1", [], |r| r.get(0))?))
            .unwrap();
        assert!(analysed > 0, "the planner has its statistics");
        assert_eq!(fast.replanned(), 0, "reads were planned again at a bind");
        store.close().await;
    }

    fn at(text: &str) -> Result<DateTime<Utc>> {
        time_of("t", ValueRef::Text(text.as_bytes()))
    }

    /// The ticker and the featured stories look for a flag few articles carry: their read
    /// costs what they show, not a walk over every article without the flag (at 1,000,000
    /// articles that walk stalled every page each time most read moved).
    #[tokio::test]
    async fn the_flagged_lists_read_no_more_than_they_show() {
        use crate::{ArticleQuery, Order};
        let (_dir, store) = temp_store().await;
        let base = Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap();
        let mut tx = store.begin().await.unwrap();
        let mut list = Vec::new();
        for n in 0..3_000 {
            let mut a = published(n, base + chrono::Duration::minutes(n));
            // Two flagged stories among the oldest.
            a.breaking = n < 2;
            a.featured = n < 2;
            list.push(a);
        }
        tx.insert_articles(list).await.unwrap();
        tx.commit().await.unwrap();
        store.optimize().await.unwrap();
        let Pools::Sqlite { fast, .. } = store.pools() else {
            unreachable!()
        };
        for flag in ["breaking", "featured"] {
            let mut q = ArticleQuery::published(ArticleKind::Article, 5);
            q.cards = true;
            q.order = Order::Newest;
            match flag {
                "breaking" => q.breaking = Some(true),
                _ => q.featured = Some(true),
            }
            let before = fast.steps();
            let found = store.articles(&q).await.unwrap();
            let steps = fast.steps() - before;
            assert_eq!(found.len(), 2, "{flag}");
            assert!(steps < 300, "{flag}: {steps} steps for 2 stories");
        }
        store.close().await;
    }

    #[test]
    fn times_are_read_as_the_sqlx_driver_writes_and_sqlite_writes_them() {
        let t = Utc.with_ymd_and_hms(2024, 11, 16, 9, 30, 5).unwrap();
        // What `Param::Time` binds is what comes back.
        let written = t.to_rfc3339_opts(SecondsFormat::AutoSi, false);
        assert_eq!(written, "2024-11-16T09:30:05+00:00");
        assert_eq!(at(&written).unwrap(), t);
        assert_eq!(at("2024-11-16 09:30:05").unwrap(), t);
        assert_eq!(at("2024-11-16 12:30:05+03:00").unwrap(), t);
        assert_eq!(time_of("t", ValueRef::Integer(t.timestamp())).unwrap(), t);
        assert!(at("16/11/2024").is_err());
        assert!(time_of("t", ValueRef::Null).is_err());
    }
}

//! Opens a fresh, empty store on either backend for one test.

#![allow(dead_code)]

use midad_store::Store;
use std::sync::atomic::{AtomicUsize, Ordering};

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// A store on a new database, and whatever must outlive it (a temp folder or a PostgreSQL
/// database dropped at the end).
pub struct TestDb {
    pub store: Store,
    pub dir: tempfile::TempDir,
    pg: Option<(String, String)>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("midad.db").display());
        let store = Store::open(&url).await.expect("open sqlite");
        TestDb {
            store,
            dir,
            pg: None,
        }
    }

    pub async fn postgres() -> TestDb {
        let base = std::env::var("TEST_POSTGRES_URL").expect("TEST_POSTGRES_URL");
        let name = format!(
            "midad_test_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::SeqCst)
        );
        admin(&base, &format!("DROP DATABASE IF EXISTS {name}")).await;
        admin(&base, &format!("CREATE DATABASE {name}")).await;
        let url = with_database(&base, &name);
        let store = Store::open(&url).await.expect("open postgres");
        TestDb {
            store,
            dir: tempfile::tempdir().expect("temp dir"),
            pg: Some((base, name)),
        }
    }

    /// Closes the store and drops the PostgreSQL database.
    pub async fn finish(self) {
        self.store.close().await;
        if let Some((base, name)) = self.pg {
            admin(&base, &format!("DROP DATABASE IF EXISTS {name}")).await;
        }
    }
}

async fn admin(base: &str, sql: &str) {
    use sqlx::Connection;
    let mut conn = sqlx::PgConnection::connect(base)
        .await
        .expect("connect to TEST_POSTGRES_URL");
    sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
        .execute(&mut conn)
        .await
        .expect(sql);
}

/// The same server URL with another database name.
pub fn with_database(url: &str, db: &str) -> String {
    let (head, query) = match url.split_once('?') {
        Some((h, q)) => (h, Some(q)),
        None => (url, None),
    };
    let scheme_end = head.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = head[scheme_end..]
        .find('/')
        .map(|i| i + scheme_end)
        .unwrap_or(head.len());
    let mut out = format!("{}/{db}", &head[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// Declares one async test body and runs it on both backends: `NAME::sqlite` always,
/// `NAME::postgres` when TEST_POSTGRES_URL is set (otherwise reported as ignored).
#[macro_export]
macro_rules! both_backends {
    ($name:ident, $body:expr) => {
        mod $name {
            use super::*;

            #[tokio::test]
            async fn sqlite() {
                let db = $crate::common::TestDb::sqlite().await;
                ($body)(&db).await;
                db.finish().await;
            }

            #[tokio::test]
            #[cfg_attr(
                not(postgres_tests),
                ignore = "PostgreSQL half skipped: set TEST_POSTGRES_URL to run it"
            )]
            async fn postgres() {
                let db = $crate::common::TestDb::postgres().await;
                ($body)(&db).await;
                db.finish().await;
            }
        }
    };
}

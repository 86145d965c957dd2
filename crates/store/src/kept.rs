//! Values derived from the database and kept in memory between writes: what every page
//! reads (the settings, the sections, the ticker, the home page's lists) and what costs a
//! pass over the archive (the sitemap's months). Not rendered pages: those are the page
//! cache's business.
//!
//! Each value is labelled with the newest change-log sequence this process knew of when it
//! was read, and is good while no newer change is known: a local commit, or another node's
//! change reported by a follower through `Store::heard`, makes every kept value stale. A
//! value read from readers' views (which bypass the change log) is also stale once new
//! views are counted.

use crate::{Result, Store};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Kept values beyond this number are dropped all at once (a crawler walking every long
/// tag list).
const MAX_VALUES: usize = 4096;

struct Entry {
    seq: i64,
    /// The views generation it was read at, when it depends on views.
    views: Option<u64>,
    value: Arc<dyn Any + Send + Sync>,
    /// Set while a reader behind the requests reads it again.
    refreshing: Arc<AtomicBool>,
}

impl Entry {
    fn fresh(&self, seq: i64, views: u64) -> bool {
        self.seq == seq && self.views.is_none_or(|v| v == views)
    }

    /// Stale only because views were counted since: no content changed.
    fn behind_on_views(&self, seq: i64) -> bool {
        self.seq == seq
    }
}

#[derive(Default)]
pub(crate) struct Kept {
    map: Mutex<HashMap<String, Entry>>,
    /// Moves on whenever views are counted.
    views: AtomicU64,
}

/// What else a kept value depends on besides content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Also {
    Nothing,
    /// Readers' views (most read).
    Views,
}

/// How a kept value is read again once stale.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refresh {
    /// The request that finds it stale after a change of content reads it (cheap values:
    /// a few rows). Stale only by counted views, it is read behind, as `Behind`.
    Now,
    /// The stale value is served while one task reads it again (values that cost a pass
    /// over the archive).
    Behind,
}

/// How a kept value stands against what is known now.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Freshness {
    Fresh,
    /// Views were counted since it was read: most read may have moved.
    Views,
    /// Content changed since it was read.
    Content,
}

impl Kept {
    pub(crate) fn views_counted(&self) {
        self.views.fetch_add(1, Ordering::AcqRel);
    }

    fn views_now(&self, also: Also) -> Option<u64> {
        (also == Also::Views).then(|| self.views.load(Ordering::Acquire))
    }

    fn lookup<V: Any + Send + Sync>(
        &self,
        key: &str,
        seq: i64,
    ) -> Option<(Freshness, Arc<V>, Arc<AtomicBool>)> {
        let views = self.views.load(Ordering::Acquire);
        let map = self.map.lock().ok()?;
        let e = map.get(key)?;
        let value = e.value.clone().downcast::<V>().ok()?;
        let freshness = if e.fresh(seq, views) {
            Freshness::Fresh
        } else if e.behind_on_views(seq) {
            Freshness::Views
        } else {
            Freshness::Content
        };
        Some((freshness, value, e.refreshing.clone()))
    }

    fn store<V: Any + Send + Sync>(
        &self,
        key: String,
        seq: i64,
        views: Option<u64>,
        value: Arc<V>,
    ) {
        if let Ok(mut map) = self.map.lock() {
            if map.len() >= MAX_VALUES && !map.contains_key(&key) {
                map.clear();
            }
            map.insert(
                key,
                Entry {
                    seq,
                    views,
                    value,
                    refreshing: Arc::new(AtomicBool::new(false)),
                },
            );
        }
    }
}

impl Store {
    /// The value kept under `key`, read with `read` when there is none or it is stale.
    pub async fn kept<V, F, Fut>(
        &self,
        key: &str,
        refresh: Refresh,
        also: Also,
        read: F,
    ) -> Result<Arc<V>>
    where
        V: Any + Send + Sync,
        F: FnOnce(Store) -> Fut + Send + 'static,
        Fut: Future<Output = Result<V>> + Send + 'static,
    {
        let seq = self.heard_seq();
        let kept = &self.inner_kept();
        let views = kept.views_now(also);
        if let Some((freshness, value, refreshing)) = kept.lookup::<V>(key, seq) {
            if freshness == Freshness::Fresh {
                return Ok(value);
            }
            // New counts of views never hold a request up: they arrive every few seconds
            // and move most read a little. Changed content is read before it is shown
            // (`Refresh::Now`), so a page rendered after a change shows it.
            if refresh == Refresh::Behind || freshness == Freshness::Views {
                if !refreshing.swap(true, Ordering::AcqRel) {
                    let store = self.clone();
                    let key = key.to_string();
                    tokio::spawn(async move {
                        let seq = store.heard_seq();
                        let views = store.inner_kept().views_now(also);
                        match read(store.clone()).await {
                            Ok(v) => store.inner_kept().store(key, seq, views, Arc::new(v)),
                            Err(e) => {
                                refreshing.store(false, Ordering::Release);
                                tracing::warn!(error = %e, key, "cannot read a kept value again");
                            }
                        }
                    });
                }
                return Ok(value);
            }
        }
        let value = Arc::new(read(self.clone()).await?);
        kept.store(key.to_string(), seq, views, value.clone());
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicI64;

    async fn read_count(store: &Store, reads: &Arc<AtomicI64>) -> i64 {
        let reads = reads.clone();
        *store
            .kept("count", Refresh::Now, Also::Views, move |_| async move {
                Ok(reads.fetch_add(1, Ordering::SeqCst) + 1)
            })
            .await
            .unwrap()
    }

    /// Counted views move most read a little every few seconds: the value is served as it
    /// is while one task reads it again. A change of content is read before it is shown.
    #[tokio::test]
    async fn new_views_are_read_behind_and_new_content_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("midad.db").display());
        let store = Store::open(&url).await.unwrap();
        let reads = Arc::new(AtomicI64::new(0));
        assert_eq!(read_count(&store, &reads).await, 1);
        assert_eq!(read_count(&store, &reads).await, 1, "kept while fresh");

        store.inner_kept().views_counted();
        assert_eq!(
            read_count(&store, &reads).await,
            1,
            "served while read behind"
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while read_count(&store, &reads).await != 2 {
            assert!(std::time::Instant::now() < deadline, "never read again");
            tokio::task::yield_now().await;
        }

        store.heard(store.heard_seq() + 1);
        assert_eq!(
            read_count(&store, &reads).await,
            3,
            "changed content is read at once"
        );
        assert_eq!(reads.load(Ordering::SeqCst), 3);
        store.close().await;
    }
}

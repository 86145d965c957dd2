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
    /// The request that finds it stale reads it (cheap values: a few rows).
    Now,
    /// The stale value is served while one task reads it again (values that cost a pass
    /// over the archive).
    Behind,
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
    ) -> Option<(bool, Arc<V>, Arc<AtomicBool>)> {
        let views = self.views.load(Ordering::Acquire);
        let map = self.map.lock().ok()?;
        let e = map.get(key)?;
        let value = e.value.clone().downcast::<V>().ok()?;
        Some((e.fresh(seq, views), value, e.refreshing.clone()))
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
        if let Some((fresh, value, refreshing)) = kept.lookup::<V>(key, seq) {
            if fresh {
                return Ok(value);
            }
            if refresh == Refresh::Behind {
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

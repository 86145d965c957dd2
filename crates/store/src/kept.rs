//! Values derived from the database and kept in memory between writes: what every page
//! reads (the settings, the sections, the ticker, the home page's lists) and what costs a
//! pass over the archive (the sitemap's months). Not rendered pages: those are the page
//! cache's business.
//!
//! Each value is labelled with the newest change-log sequence this process knew of when it
//! was read, and is good while no newer change is known: a local commit, or another node's
//! change reported by a follower through `Store::heard`, makes every kept value stale. A
//! value may also carry a longest age, for what changes without the change log (views).

use crate::{Result, Store};
use std::any::Any;
use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Kept values beyond this number are dropped all at once.
const MAX_VALUES: usize = 1024;

struct Entry {
    seq: i64,
    at: Instant,
    max_age: Option<Duration>,
    value: Arc<dyn Any + Send + Sync>,
    /// Set while a reader behind the requests reads it again.
    refreshing: Arc<AtomicBool>,
}

impl Entry {
    fn fresh(&self, seq: i64) -> bool {
        self.seq == seq && self.max_age.is_none_or(|age| self.at.elapsed() < age)
    }
}

#[derive(Default)]
pub(crate) struct Kept {
    map: Mutex<HashMap<String, Entry>>,
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
    fn lookup<V: Any + Send + Sync>(
        &self,
        key: &str,
        seq: i64,
    ) -> Option<(bool, Arc<V>, Arc<AtomicBool>)> {
        let map = self.map.lock().ok()?;
        let e = map.get(key)?;
        let value = e.value.clone().downcast::<V>().ok()?;
        Some((e.fresh(seq), value, e.refreshing.clone()))
    }

    fn store<V: Any + Send + Sync>(
        &self,
        key: String,
        seq: i64,
        max_age: Option<Duration>,
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
                    at: Instant::now(),
                    max_age,
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
        max_age: Option<Duration>,
        read: F,
    ) -> Result<Arc<V>>
    where
        V: Any + Send + Sync,
        F: FnOnce(Store) -> Fut + Send + 'static,
        Fut: Future<Output = Result<V>> + Send + 'static,
    {
        let seq = self.heard_seq();
        let kept = &self.inner_kept();
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
                        match read(store.clone()).await {
                            Ok(v) => store.inner_kept().store(key, seq, max_age, Arc::new(v)),
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
        kept.store(key.to_string(), seq, max_age, value.clone());
        Ok(value)
    }
}

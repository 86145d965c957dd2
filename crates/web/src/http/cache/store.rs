//! The cache's memory: entries by key, the surrogate keys that purge them, a bound in bytes
//! with second-chance eviction, and one render at a time per page.

use crate::http::reads::Counter;
use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

/// One cached page.
pub(crate) struct Entry {
    pub identity: Bytes,
    pub gzip: Option<Bytes>,
    pub br: Option<Bytes>,
    pub etag: HeaderValue,
    pub content_type: HeaderValue,
    pub surrogate: Option<HeaderValue>,
    pub keys: Vec<String>,
    /// The bounds of the site-local day it was rendered on: it is not served outside them
    /// (the header shows the date).
    pub day_start: DateTime<Utc>,
    pub midnight: DateTime<Utc>,
    pub expires: Instant,
    /// An article page: the counter of its reads that day.
    pub reads: Option<Counter>,
    /// Set on every hit; the eviction clock gives referenced entries a second chance.
    pub referenced: AtomicBool,
}

impl Entry {
    fn size(&self) -> usize {
        self.identity.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.br.as_ref().map_or(0, Bytes::len)
            + 512
    }

    /// Still good: not expired, and rendered today (in the site's zone).
    pub(crate) fn fresh(&self, now: Instant, wall: DateTime<Utc>) -> bool {
        now < self.expires && self.day_start <= wall && wall < self.midnight
    }
}

#[derive(Default)]
struct Inner {
    entries: HashMap<String, Arc<Entry>>,
    /// surrogate key → cache keys of the entries carrying it
    by_key: HashMap<String, HashSet<String>>,
    /// Insertion order, for the eviction clock.
    order: VecDeque<String>,
    bytes: usize,
}

impl Inner {
    fn remove(&mut self, key: &str) {
        if let Some(entry) = self.entries.remove(key) {
            self.bytes -= entry.size();
            for k in &entry.keys {
                if let Some(set) = self.by_key.get_mut(k) {
                    set.remove(key);
                    if set.is_empty() {
                        self.by_key.remove(k);
                    }
                }
            }
        }
    }
}

/// A bounded in-memory cache of rendered pages.
pub struct PageCache {
    inner: RwLock<Inner>,
    /// Bumped by every purge: a page rendered before a purge is not stored after it.
    pub(crate) generation: AtomicU64,
    max_bytes: usize,
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    /// Pages being rendered now, each with what its render will say when it is done.
    rendering: std::sync::Mutex<HashMap<String, watch::Receiver<bool>>>,
}

/// What a request missing the cache does: render the page (and let others wait for it),
/// or wait for the render already under way.
pub(crate) enum Claim<'a> {
    Render(RenderGuard<'a>),
    Wait(watch::Receiver<bool>),
}

/// Held while a page is rendered; when dropped (done, refused or abandoned), the requests
/// waiting for it are woken.
pub(crate) struct RenderGuard<'a> {
    cache: &'a PageCache,
    key: String,
    done: watch::Sender<bool>,
}

impl Drop for RenderGuard<'_> {
    fn drop(&mut self) {
        self.cache.renders().remove(&self.key);
        let _ = self.done.send(true);
    }
}

/// How long a request waits for another's render of the same page before rendering it
/// itself.
pub(crate) const WAIT_FOR_RENDER: Duration = Duration::from_secs(5);

impl PageCache {
    pub fn new(max_bytes: usize) -> PageCache {
        PageCache {
            inner: RwLock::default(),
            generation: AtomicU64::new(0),
            max_bytes,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            rendering: Default::default(),
        }
    }

    /// Whether anything is ever kept (a bound of 0 turns the cache off).
    pub(crate) fn keeps(&self) -> bool {
        self.max_bytes > 0
    }

    fn renders(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Receiver<bool>>> {
        self.rendering.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first request to miss a page renders it; the others wait for that render.
    pub(crate) fn claim(&self, key: &str) -> Claim<'_> {
        let mut renders = self.renders();
        if let Some(done) = renders.get(key) {
            return Claim::Wait(done.clone());
        }
        let (done, waiting) = watch::channel(false);
        renders.insert(key.to_string(), waiting);
        Claim::Render(RenderGuard {
            cache: self,
            key: key.to_string(),
            done,
        })
    }

    /// Number of pages held.
    pub fn len(&self) -> usize {
        self.read().entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Bytes held, compressed variants included.
    pub fn bytes(&self) -> usize {
        self.read().bytes
    }

    fn read(&self) -> std::sync::RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(|e| e.into_inner())
    }

    pub(crate) fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let entry = self.read().entries.get(key).cloned()?;
        // Only the first hit writes: a flag every core rewrites on every hit would bounce
        // its cache line between them.
        if !entry.referenced.load(Ordering::Relaxed) {
            entry.referenced.store(true, Ordering::Relaxed);
        }
        Some(entry)
    }

    pub(crate) fn insert(&self, key: String, entry: Entry, generation: u64) {
        let size = entry.size();
        if size > self.max_bytes / 4 {
            return;
        }
        let mut inner = self.write();
        // Checked under the lock purges take: nothing rendered from older data slips in.
        if self.generation.load(Ordering::Acquire) != generation {
            return;
        }
        inner.remove(&key);
        while inner.bytes + size > self.max_bytes {
            let Some(victim) = inner.order.pop_front() else {
                break;
            };
            match inner.entries.get(&victim) {
                Some(e) if e.referenced.swap(false, Ordering::Relaxed) => {
                    inner.order.push_back(victim);
                }
                Some(_) => inner.remove(&victim),
                None => {}
            }
        }
        for k in &entry.keys {
            inner
                .by_key
                .entry(k.clone())
                .or_default()
                .insert(key.clone());
        }
        inner.bytes += size;
        inner.order.push_back(key.clone());
        inner.entries.insert(key, Arc::new(entry));
        // The order queue may hold keys of removed entries; keep it from growing unbounded.
        if inner.order.len() > 2 * inner.entries.len() + 64 {
            let live: HashSet<String> = inner.entries.keys().cloned().collect();
            let mut seen = HashSet::new();
            inner
                .order
                .retain(|k| live.contains(k) && seen.insert(k.clone()));
        }
    }

    /// Drops every page carrying one of `keys`.
    pub fn purge<S: AsRef<str>>(&self, keys: &[S]) {
        let mut inner = self.write();
        self.generation.fetch_add(1, Ordering::AcqRel);
        for k in keys {
            if let Some(set) = inner.by_key.remove(k.as_ref()) {
                for cache_key in set {
                    inner.remove(&cache_key);
                }
            }
        }
    }

    /// Drops every page.
    pub fn clear(&self) {
        let mut inner = self.write();
        self.generation.fetch_add(1, Ordering::AcqRel);
        *inner = Inner::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The time an entry lives in these tests.
    const TTL: Duration = Duration::from_secs(120);

    #[test]
    fn bounded_with_second_chance_eviction() {
        let cache = PageCache::new(40_000);
        let entry = |n: usize| Entry {
            identity: Bytes::from(vec![b'x'; n]),
            gzip: None,
            br: None,
            etag: HeaderValue::from_static("\"1\""),
            content_type: HeaderValue::from_static("text/html"),
            surrogate: None,
            keys: vec!["latest".into()],
            day_start: Utc::now() - chrono::Duration::hours(1),
            midnight: Utc::now() + chrono::Duration::hours(1),
            expires: Instant::now() + TTL,
            reads: None,
            referenced: AtomicBool::new(false),
        };
        for i in 0..100 {
            cache.insert(format!("page-{i}"), entry(1000), 0);
            // /p0 is read all the time: it survives.
            cache.get("page-0");
            assert!(cache.bytes() <= 40_000);
        }
        assert!(cache.get("page-0").is_some());
        assert!(cache.get("page-99").is_some());
        assert!(cache.get("page-1").is_none());
        cache.purge(&["latest"]);
        assert!(cache.is_empty());
        assert_eq!(cache.bytes(), 0);
        // Rendered before the purge: not stored after it.
        cache.insert("late".into(), entry(10), 0);
        assert!(cache.is_empty());
    }
}

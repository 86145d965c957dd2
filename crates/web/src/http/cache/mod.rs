//! The page cache: rendered pages kept in memory, compressed once, served with `ETag`/`304`
//! and invalidated from the change log.
//!
//! A route is cacheable when it is declared so with its [`CachePolicy`] (`Routes::cached`):
//! which query parameters make another page, which queries ask for something else. Only
//! such routes are looked up; every other request goes by untouched. A handler then makes
//! its answer storable by attaching [`Cacheable`]: the surrogate keys of what the page shows
//! (`a12` for an article, `s3` for a section's lists, `latest` for site-wide lists…). The
//! change-log follower (`jobs::page_cache`) purges by key, so a publish or an edit reaches
//! every page that shows it within a second, on every node. Entries also remember the
//! site-local day they were rendered on: the header's date never outlives midnight.

mod answer;
pub(crate) mod policy;
pub(crate) mod store;

pub(crate) use policy::{CachePolicy, CacheTable, Param};
pub use store::PageCache;

use crate::http::App;
use answer::{Encoding, brotli, day_begins, etag_of, gzip, is_bot, negotiate, respond};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono_tz::Tz;
use midad_core::Id;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use store::{Claim, Entry, WAIT_FOR_RENDER};

/// Longest path that is looked up at all; longer ones go straight to the router (a 404).
const MAX_PATH: usize = 1024;
/// Largest page body kept.
const MAX_BODY: usize = 4 * 1024 * 1024;
/// Bodies smaller than this are not worth compressing.
const MIN_COMPRESS: usize = 512;
/// A safety net for what the change log does not announce: most-read counts, the breaking
/// ticker's window, the clock passing a scheduled time.
pub(crate) const DEFAULT_TTL: Duration = Duration::from_secs(120);

/// What a handler attaches to a response that may be cached.
#[derive(Clone, Debug)]
pub(crate) struct Cacheable {
    /// Surrogate keys of the content shown; sent as `Surrogate-Key` too.
    pub keys: Vec<String>,
    /// The site's zone: the entry is dropped at the next local midnight.
    pub tz: Tz,
    /// The article whose page this is: its reads are counted on hits as on misses.
    pub article: Option<Id>,
    pub ttl: Duration,
}

impl Cacheable {
    pub fn new(tz: Tz) -> Self {
        Cacheable {
            keys: Vec::new(),
            tz,
            article: None,
            ttl: DEFAULT_TTL,
        }
    }

    pub fn key(mut self, key: impl Into<String>) -> Self {
        let key = key.into();
        if !self.keys.contains(&key) {
            self.keys.push(key);
        }
        self
    }

    pub fn keys<I: IntoIterator<Item = String>>(mut self, keys: I) -> Self {
        for k in keys {
            self = self.key(k);
        }
        self
    }
}

/// What the middleware needs: the site, and the routes declared cacheable.
#[derive(Clone)]
pub(crate) struct CacheLayer {
    pub app: Arc<App>,
    pub table: Arc<CacheTable>,
}

/// The middleware: answers from the cache, or lets the router render and keeps the answer
/// when the handler marked it cacheable.
pub(crate) async fn layer(State(state): State<CacheLayer>, req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return next.run(req).await;
    }
    let path = req.uri().path();
    if path.len() > MAX_PATH {
        return next.run(req).await;
    }
    let Some(policy) = state.table.lookup(path) else {
        let response = next.run(req).await;
        debug_assert!(
            response.extensions().get::<Cacheable>().is_none(),
            "a route answered a cacheable page without being declared cacheable"
        );
        return response;
    };
    let Some(key) = policy.key(path, req.uri().query()) else {
        return next.run(req).await;
    };
    let app = &state.app;
    let count = !head && !is_bot(req.headers());
    let now = Instant::now();
    let wall = app.now();
    if let Some(entry) = app.cache.get(&key)
        && entry.fresh(now, wall)
    {
        app.cache.hits.fetch_add(1, Ordering::Relaxed);
        if let (Some(reads), true) = (&entry.reads, count) {
            reads.fetch_add(1, Ordering::Relaxed);
        }
        return respond(app, &entry, req.headers(), head, "hit", wall);
    }
    let key = key.into_owned();
    // One render per page at a time: when a breaking story is edited and purged, the
    // readers asking for it meanwhile wait for one render instead of each starting their
    // own. A waiter renders by itself only if that render was not kept (an error page, a
    // page not cached) or took too long.
    let _rendering = match app.cache.claim(&key) {
        Claim::Render(guard) => Some(guard),
        Claim::Wait(mut done) => {
            let _ = tokio::time::timeout(WAIT_FOR_RENDER, done.wait_for(|d| *d)).await;
            let wall = app.now();
            if let Some(entry) = app.cache.get(&key)
                && entry.fresh(Instant::now(), wall)
            {
                app.cache.hits.fetch_add(1, Ordering::Relaxed);
                if let (Some(reads), true) = (&entry.reads, count) {
                    reads.fetch_add(1, Ordering::Relaxed);
                }
                return respond(app, &entry, req.headers(), head, "hit", wall);
            }
            None
        }
    };
    app.cache.misses.fetch_add(1, Ordering::Relaxed);
    let generation = app.cache.generation.load(Ordering::Acquire);
    let headers = req.headers().clone();
    // The cache compresses and answers conditionals itself: what it stores is the page as
    // rendered, never a compressed or 304 answer meant for one client.
    let mut req = req;
    req.headers_mut().remove(header::ACCEPT_ENCODING);
    req.headers_mut().remove(header::IF_NONE_MATCH);
    let response = next.run(req).await;
    let Some(cacheable) = response.extensions().get::<Cacheable>().cloned() else {
        return response;
    };
    if response.status() != StatusCode::OK {
        return response;
    }
    let (parts, body) = response.into_parts();
    let bytes = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "cannot read a rendered page");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let today = wall.with_timezone(&cacheable.tz).date_naive();
    let reads = cacheable.article.map(|id| app.reads.counter(id, today));
    if let (Some(reads), true) = (&reads, count) {
        reads.fetch_add(1, Ordering::Relaxed);
    }
    // A page that will be kept is compressed both ways, once, for all its readers; with
    // the cache off, only the way this reader asked for.
    let compress = bytes.len() >= MIN_COMPRESS;
    let wanted = negotiate(&headers);
    let keep = app.cache.keeps();
    let entry = Entry {
        gzip: (compress && (keep || wanted == Encoding::Gzip))
            .then(|| gzip(&bytes))
            .flatten(),
        br: (compress && (keep || wanted == Encoding::Brotli))
            .then(|| brotli(&bytes))
            .flatten(),
        etag: etag_of(&bytes),
        identity: bytes,
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .cloned()
            .unwrap_or(HeaderValue::from_static("text/html; charset=utf-8")),
        surrogate: HeaderValue::from_str(&cacheable.keys.join(" ")).ok(),
        keys: cacheable.keys,
        day_start: day_begins(cacheable.tz, today),
        midnight: day_begins(cacheable.tz, today.succ_opt().unwrap_or(today)),
        expires: now + cacheable.ttl,
        reads,
        referenced: AtomicBool::new(false),
    };
    let response = respond(app, &entry, &headers, head, "miss", wall);
    app.cache.insert(key, entry, generation);
    response
}

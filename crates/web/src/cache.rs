//! The page cache: rendered pages kept in memory, compressed once, served with `ETag`/`304`
//! and invalidated from the change log.
//!
//! A handler makes its response cacheable by attaching [`Cacheable`]: the surrogate keys of
//! what the page shows (`a12` for an article, `s3` for a section's lists, `latest` for
//! site-wide lists…). The change-log follower purges by key, so a publish or an edit reaches
//! every page that shows it within a second, on every node. Entries also remember the
//! site-local day they were rendered on: the header's date never outlives midnight.
//!
//! The key is the path plus the one query parameter a page uses (`page`), so query strings a
//! page ignores share its entry instead of growing the cache.

use crate::App;
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use midad_core::{Change, EntityKind, Id, Status};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet, VecDeque};
use std::io::Write;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use tokio::sync::watch;

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

/// One cached page.
pub(crate) struct Entry {
    identity: Bytes,
    gzip: Option<Bytes>,
    br: Option<Bytes>,
    etag: HeaderValue,
    content_type: HeaderValue,
    surrogate: Option<HeaderValue>,
    keys: Vec<String>,
    /// The bounds of the site-local day it was rendered on: it is not served outside them
    /// (the header shows the date).
    day_start: DateTime<Utc>,
    midnight: DateTime<Utc>,
    expires: Instant,
    /// An article page: the counter of its reads that day.
    reads: Option<crate::reads::Counter>,
    /// Set on every hit; the eviction clock gives referenced entries a second chance.
    referenced: AtomicBool,
}

impl Entry {
    fn size(&self) -> usize {
        self.identity.len()
            + self.gzip.as_ref().map_or(0, Bytes::len)
            + self.br.as_ref().map_or(0, Bytes::len)
            + 512
    }

    /// Still good: not expired, and rendered today (in the site's zone).
    fn fresh(&self, now: Instant, wall: DateTime<Utc>) -> bool {
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
    generation: AtomicU64,
    max_bytes: usize,
    pub(crate) hits: AtomicU64,
    pub(crate) misses: AtomicU64,
    /// Pages being rendered now, each with what its render will say when it is done.
    rendering: std::sync::Mutex<HashMap<String, watch::Receiver<bool>>>,
}

/// What a request missing the cache does: render the page (and let others wait for it),
/// or wait for the render already under way.
enum Claim<'a> {
    Render(RenderGuard<'a>),
    Wait(watch::Receiver<bool>),
}

/// Held while a page is rendered; when dropped (done, refused or abandoned), the requests
/// waiting for it are woken.
struct RenderGuard<'a> {
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
const WAIT_FOR_RENDER: Duration = Duration::from_secs(5);

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

    fn renders(&self) -> std::sync::MutexGuard<'_, HashMap<String, watch::Receiver<bool>>> {
        self.rendering.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The first request to miss a page renders it; the others wait for that render.
    fn claim(&self, key: &str) -> Claim<'_> {
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

    fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let entry = self.read().entries.get(key).cloned()?;
        // Only the first hit writes: a flag every core rewrites on every hit would bounce
        // its cache line between them.
        if !entry.referenced.load(Ordering::Relaxed) {
            entry.referenced.store(true, Ordering::Relaxed);
        }
        Some(entry)
    }

    fn insert(&self, key: String, entry: Entry, generation: u64) {
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

/// The cache key of a request, or `None` when it is not looked up at all.
fn cache_key<'a>(path: &'a str, query: Option<&str>) -> Option<Cow<'a, str>> {
    if path.len() > MAX_PATH || (path == "/" && crate::redirects::names_old_link(query)) {
        return None;
    }
    // Lists (`/section/{slug}`, `/tag/{slug}`, `/author/{slug}`, `/caricature`) use `page`.
    let paginated = path == "/caricature"
        || ["/section/", "/tag/", "/author/"]
            .iter()
            .any(|p| path.strip_prefix(p).is_some_and(|rest| !rest.contains('/')));
    let page = if paginated {
        // An unusable number is the handler's to refuse; such answers are not stored.
        crate::pages::page_number(query).ok()?
    } else {
        1
    };
    Some(if page > 1 {
        Cow::Owned(format!("{path}?page={page}"))
    } else {
        Cow::Borrowed(path)
    })
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Identity,
    Gzip,
    Brotli,
}

/// The best encoding the client accepts (`q=0` refuses one).
fn negotiate(headers: &HeaderMap) -> Encoding {
    let Some(accept) = headers
        .get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
    else {
        return Encoding::Identity;
    };
    let mut gzip = false;
    let mut br = false;
    for part in accept.split(',') {
        let mut it = part.split(';');
        let name = it.next().unwrap_or("").trim();
        let refused = it.any(|p| {
            p.trim()
                .strip_prefix("q=")
                .and_then(|q| q.trim().parse::<f32>().ok())
                .is_some_and(|q| q <= 0.0)
        });
        if refused {
            continue;
        }
        match name {
            "br" => br = true,
            "gzip" | "x-gzip" => gzip = true,
            _ => {}
        }
    }
    if br {
        Encoding::Brotli
    } else if gzip {
        Encoding::Gzip
    } else {
        Encoding::Identity
    }
}

fn etag_matches(headers: &HeaderMap, etag: &HeaderValue) -> bool {
    let Some(inm) = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let ours = etag.to_str().unwrap_or("").trim_start_matches("W/");
    inm.split(',').any(|t| {
        let t = t.trim();
        t == "*" || t.trim_start_matches("W/") == ours
    })
}

/// When the local day `day` of `tz` begins, in UTC. Where the clocks jump over midnight
/// (Beirut, Cairo, Damascus have done it), the day begins at the first instant after.
fn day_begins(tz: Tz, day: NaiveDate) -> DateTime<Utc> {
    use chrono::TimeZone;
    (0..3)
        .find_map(|h| {
            tz.from_local_datetime(&day.and_hms_opt(h, 0, 0)?)
                .earliest()
        })
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or_else(|| day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// Shared caches may keep a page a minute and serve it stale while revalidating, but never
/// past the local midnight that changes the header's date.
fn cache_control(midnight: DateTime<Utc>, wall: DateTime<Utc>) -> HeaderValue {
    let left = (midnight - wall).num_seconds().max(1);
    if left >= 660 {
        return HeaderValue::from_static(
            "public, max-age=0, s-maxage=60, stale-while-revalidate=600",
        );
    }
    let fresh = left.min(60);
    let stale = (left - fresh).clamp(0, 600);
    HeaderValue::from_str(&format!(
        "public, max-age=0, s-maxage={fresh}, stale-while-revalidate={stale}"
    ))
    .unwrap_or(HeaderValue::from_static("no-cache"))
}

fn respond(
    app: &App,
    entry: &Entry,
    req_headers: &HeaderMap,
    head: bool,
    status: &'static str,
    wall: DateTime<Utc>,
) -> Response {
    let mut builder = Response::builder();
    if let Some(headers) = builder.headers_mut() {
        headers.reserve(16);
        for (name, value) in &app.security {
            headers.insert(name.clone(), value.clone());
        }
    }
    builder = builder
        .header(header::ETAG, entry.etag.clone())
        .header(header::CACHE_CONTROL, cache_control(entry.midnight, wall))
        .header(header::VARY, HeaderValue::from_static("Accept-Encoding"))
        .header("x-cache", HeaderValue::from_static(status));
    if let Some(s) = &entry.surrogate {
        builder = builder.header("surrogate-key", s.clone());
    }
    if etag_matches(req_headers, &entry.etag) {
        return builder
            .status(StatusCode::NOT_MODIFIED)
            .body(Body::empty())
            .unwrap_or_else(|_| StatusCode::NOT_MODIFIED.into_response());
    }
    let (body, encoding) = match negotiate(req_headers) {
        Encoding::Brotli if entry.br.is_some() => (entry.br.clone(), Some("br")),
        Encoding::Brotli | Encoding::Gzip if entry.gzip.is_some() => {
            (entry.gzip.clone(), Some("gzip"))
        }
        _ => (None, None),
    };
    let body = body.unwrap_or_else(|| entry.identity.clone());
    builder = builder
        .header(header::CONTENT_TYPE, entry.content_type.clone())
        .header(header::CONTENT_LENGTH, body.len());
    if let Some(e) = encoding {
        builder = builder.header(header::CONTENT_ENCODING, e);
    }
    let body = if head {
        Body::empty()
    } else {
        Body::from(body)
    };
    builder
        .body(body)
        .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
}

fn gzip(bytes: &[u8]) -> Option<Bytes> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::new(6));
    enc.write_all(bytes).ok()?;
    enc.finish().ok().map(Bytes::from)
}

fn brotli(bytes: &[u8]) -> Option<Bytes> {
    let mut out = Vec::new();
    {
        let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 6, 22);
        enc.write_all(bytes).ok()?;
    }
    Some(Bytes::from(out))
}

fn etag_of(bytes: &[u8]) -> HeaderValue {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let hex: String = digest[..12].iter().map(|b| format!("{b:02x}")).collect();
    HeaderValue::from_str(&format!("\"{hex}\"")).unwrap_or(HeaderValue::from_static("\"0\""))
}

fn is_bot(headers: &HeaderMap) -> bool {
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    ["bot", "spider", "crawl", "slurp", "preview", "lighthouse"]
        .iter()
        .any(|w| ua.contains(w))
}

/// The middleware: answers from the cache, or lets the router render and keeps the answer
/// when the handler marked it cacheable.
pub(crate) async fn layer(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let head = req.method() == Method::HEAD;
    if req.method() != Method::GET && !head {
        return next.run(req).await;
    }
    let Some(key) = cache_key(req.uri().path(), req.uri().query()) else {
        return next.run(req).await;
    };
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
        return respond(&app, &entry, req.headers(), head, "hit", wall);
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
                return respond(&app, &entry, req.headers(), head, "hit", wall);
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
    let compress = bytes.len() >= MIN_COMPRESS;
    let entry = Entry {
        gzip: compress.then(|| gzip(&bytes)).flatten(),
        br: compress.then(|| brotli(&bytes)).flatten(),
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
    let response = respond(&app, &entry, &headers, head, "miss", wall);
    app.cache.insert(key, entry, generation);
    response
}

/// The surrogate keys a change makes stale. Articles are purged precisely (their own page,
/// the lists of their section, tags, bylines and kind, and the site-wide lists when they are
/// public); names shown on every page (sections in the navigation, settings, media) clear
/// everything.
pub(crate) async fn stale_keys(
    store: &midad_store::Store,
    changes: &[Change],
) -> midad_store::Result<Option<Vec<String>>> {
    let mut keys = Vec::new();
    let mut ids = Vec::new();
    for c in changes {
        match c.kind {
            EntityKind::Article => ids.push(c.entity_id),
            EntityKind::User => {}
            _ => return Ok(None),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    let found = store.articles_by_ids(&ids).await?;
    let sections = store.sections().await?;
    for id in &ids {
        keys.push(format!("a{id}"));
        match found.iter().find(|a| a.id == *id) {
            None => keys.push("latest".into()),
            Some(a) => {
                let d = &a.data;
                keys.push(format!("k{}", d.kind.as_str()));
                if let Some(s) = d.section_id {
                    keys.push(format!("s{s}"));
                    if let Some(parent) = sections
                        .iter()
                        .find(|x| x.id == s)
                        .and_then(|x| x.parent_id)
                    {
                        keys.push(format!("s{parent}"));
                    }
                }
                keys.extend(d.tag_ids.iter().map(|t| format!("t{t}")));
                keys.extend(d.author_ids.iter().map(|u| format!("u{u}")));
                if d.status == Status::Published {
                    keys.push("latest".into());
                }
            }
        }
    }
    Ok(Some(keys))
}

/// Follows the change log and purges what each change makes stale. Wakes at once on a local
/// write and polls twice a second for other nodes' writes.
pub async fn follow(app: Arc<App>) {
    let store = app.store.clone();
    let mut wake = store.subscribe();
    let mut last = loop {
        match store.latest_seq().await {
            Ok(seq) => break seq,
            Err(e) => {
                tracing::warn!(error = %e, "page cache: cannot read the change log; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    loop {
        let _ = tokio::time::timeout(Duration::from_millis(500), wake.changed()).await;
        loop {
            let changes = match store.changes_after(last, 1000).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "page cache: cannot read the change log");
                    break;
                }
            };
            let Some(newest) = changes.last().map(|c| c.seq) else {
                break;
            };
            match stale_keys(&store, &changes).await {
                Ok(Some(keys)) => app.cache.purge(&keys),
                Ok(None) => app.cache.clear(),
                Err(e) => {
                    tracing::warn!(error = %e, "page cache: cannot tell what changed; clearing");
                    app.cache.clear();
                }
            }
            last = newest;
            if changes.len() < 1000 {
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_begins_at_local_midnight_or_just_after_a_jump_over_it() {
        use chrono::TimeZone;
        let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(
            day_begins(chrono_tz::Asia::Riyadh, day(2024, 11, 16)),
            Utc.with_ymd_and_hms(2024, 11, 15, 21, 0, 0).unwrap()
        );
        // Beirut moved its clocks from 00:00 to 01:00 on 31 March 2024.
        assert_eq!(
            day_begins(chrono_tz::Asia::Beirut, day(2024, 3, 31)),
            Utc.with_ymd_and_hms(2024, 3, 30, 22, 0, 0).unwrap()
        );
        let wall = Utc.with_ymd_and_hms(2024, 11, 16, 20, 59, 30).unwrap();
        let midnight = day_begins(chrono_tz::Asia::Riyadh, day(2024, 11, 17));
        assert_eq!(
            cache_control(midnight, wall),
            "public, max-age=0, s-maxage=30, stale-while-revalidate=0"
        );
    }

    #[test]
    fn keys_ignore_unused_query_strings() {
        assert_eq!(cache_key("/", Some("utm_source=x&fbclid=1")).unwrap(), "/");
        assert_eq!(cache_key("/", Some("page=2")).unwrap(), "/");
        assert_eq!(
            cache_key("/article/1/x", Some("a=b")).unwrap(),
            "/article/1/x"
        );
        assert_eq!(
            cache_key("/section/s", Some("page=1")).unwrap(),
            "/section/s"
        );
        assert_eq!(
            cache_key("/section/s", Some("x=1&page=03")).unwrap(),
            "/section/s?page=3"
        );
        assert_eq!(cache_key("/section/s", Some("page=-1")), None);
        assert_eq!(cache_key("/section/s", Some("page=abc")), None);
        assert_eq!(cache_key(&"/x".repeat(600), None), None);
        assert_eq!(
            cache_key("/section/s/feed.xml", Some("page=2")).unwrap(),
            "/section/s/feed.xml"
        );
    }

    #[test]
    fn encodings_are_negotiated() {
        let mut h = HeaderMap::new();
        assert!(negotiate(&h) == Encoding::Identity);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip, deflate, br"),
        );
        assert!(negotiate(&h) == Encoding::Brotli);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br;q=0, gzip"),
        );
        assert!(negotiate(&h) == Encoding::Gzip);
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("identity"),
        );
        assert!(negotiate(&h) == Encoding::Identity);
    }

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
            expires: Instant::now() + DEFAULT_TTL,
            reads: None,
            referenced: AtomicBool::new(false),
        };
        for i in 0..100 {
            cache.insert(format!("/p{i}"), entry(1000), 0);
            // /p0 is read all the time: it survives.
            cache.get("/p0");
            assert!(cache.bytes() <= 40_000);
        }
        assert!(cache.get("/p0").is_some());
        assert!(cache.get("/p99").is_some());
        assert!(cache.get("/p1").is_none());
        cache.purge(&["latest"]);
        assert!(cache.is_empty());
        assert_eq!(cache.bytes(), 0);
        // Rendered before the purge: not stored after it.
        cache.insert("/late".into(), entry(10), 0);
        assert!(cache.is_empty());
    }
}

//! Midad's HTTP application: the public site (rendered from the theme), media files,
//! health and metrics. Handlers read through the store and never write SQL.

mod admin;
mod auth;
mod cache;
mod editor;
mod error;
mod feeds;
mod i18n;
mod mail;
mod media_admin;
mod metrics;
mod names_admin;
mod newsletter;
mod newsletter_admin;
mod pages;
mod reads;
mod redirects;
mod search;
mod seo;
mod settings_admin;
mod site;
mod syndication;
mod theme;
pub mod totp;
mod view;

pub use cache::PageCache;
pub use error::WebError;
pub use mail::{DigestOutcome, MailSettings, SiteComposer, compose, digest_if_due, queue_digest};
pub use metrics::Metrics;
pub use newsletter_admin::{ParsedSubscribers, parse_subscribers};
pub use reads::Reads;

/// The value of `App::clock` that means "the real clock".
const REAL_CLOCK: i64 = i64::MIN;
pub use site::effective_settings;
pub use theme::Theme;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use midad_store::Store;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// What the web layer needs from the configuration.
#[derive(Clone, Debug, Default)]
pub struct WebConfig {
    /// Absolute base of links, feeds and emails, without a trailing slash.
    pub base_url: String,
    pub media_dir: PathBuf,
    /// A folder whose templates and static files override the embedded default theme.
    pub theme_dir: Option<PathBuf>,
    /// Site settings fixed by the configuration; they win over the database's.
    pub site_overrides: BTreeMap<String, serde_json::Value>,
    /// Upper bound of the page cache, in bytes (compressed copies included); 0 turns the
    /// cache off (every request renders: for measuring and debugging).
    pub cache_bytes: usize,
    pub mail: MailSettings,
}

/// The page cache's default bound.
pub const DEFAULT_CACHE_BYTES: usize = 64 * 1024 * 1024;

/// Shared state of every request.
pub struct App {
    pub store: Store,
    pub config: WebConfig,
    pub theme: Theme,
    pub metrics: Metrics,
    pub cache: PageCache,
    pub reads: Reads,
    /// Security headers of every response, built once.
    pub(crate) security: Vec<(HeaderName, HeaderValue)>,
    /// The one-time link token of first-run setup, while no owner exists.
    pub(crate) setup_token: std::sync::Mutex<Option<String>>,
    /// A fixed "now" for tests and previews, in microseconds since the epoch; [`REAL_CLOCK`]
    /// means the real clock. An atomic: every request reads it, and a lock's reader count
    /// would be written by every request on every core.
    clock: std::sync::atomic::AtomicI64,
    /// `None` when the index could not be opened: the site serves on, search says so.
    pub search: Option<Arc<midad_search::SearchIndex>>,
    /// Signs the newsletter's links; its key is read from the database on first use.
    pub(crate) signer: tokio::sync::OnceCell<midad_mail::token::Signer>,
    /// Wakes the newsletter sender when something was queued.
    pub mail_wake: Arc<tokio::sync::Notify>,
    /// The local day the daily digest was last decided for.
    pub(crate) digest_day: std::sync::Mutex<Option<chrono::NaiveDate>>,
}

impl App {
    pub fn new(
        store: Store,
        config: WebConfig,
        search: Option<Arc<midad_search::SearchIndex>>,
    ) -> Result<Arc<App>, WebError> {
        let theme = Theme::load(config.theme_dir.clone())?;
        let mut security = vec![
            (
                header::CONTENT_SECURITY_POLICY,
                HeaderValue::from_str(&theme.csp())
                    .map_err(|e| WebError::Internal(format!("bad CSP: {e}")))?,
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("strict-origin-when-cross-origin"),
            ),
            (
                HeaderName::from_static("permissions-policy"),
                HeaderValue::from_static(
                    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()",
                ),
            ),
            (
                header::X_FRAME_OPTIONS,
                HeaderValue::from_static("SAMEORIGIN"),
            ),
        ];
        if config.base_url.starts_with("https://") {
            security.push((
                header::STRICT_TRANSPORT_SECURITY,
                HeaderValue::from_static("max-age=31536000"),
            ));
        }
        let cache_bytes = config.cache_bytes;
        Ok(Arc::new(App {
            store,
            config,
            theme,
            metrics: Metrics::default(),
            cache: PageCache::new(cache_bytes),
            reads: Reads::default(),
            security,
            clock: std::sync::atomic::AtomicI64::new(REAL_CLOCK),
            setup_token: std::sync::Mutex::new(None),
            search,
            signer: tokio::sync::OnceCell::new(),
            mail_wake: Arc::new(tokio::sync::Notify::new()),
            digest_day: std::sync::Mutex::new(None),
        }))
    }

    /// When no owner account exists, makes the one-time setup link (printed by `midad
    /// serve`): whoever opens it first chooses the owner's email and password.
    pub async fn setup_link(&self) -> Result<Option<String>, WebError> {
        let users = self.store.users().await?;
        if users.iter().any(|u| u.role == midad_core::Role::Owner) {
            return Ok(None);
        }
        let token = auth::random_token()?;
        if let Ok(mut t) = self.setup_token.lock() {
            *t = Some(token.clone());
        }
        Ok(Some(format!(
            "{}/admin/setup/{token}",
            self.config.base_url
        )))
    }

    /// A UI string of the site's language for a message a handler builds (a refusal, a
    /// wait time). Reads only the settings, not the whole page context.
    pub(crate) async fn say(&self, key: &str, n: Option<i64>) -> Result<String, WebError> {
        let settings = effective_settings(&self.store, &self.config.site_overrides).await?;
        let digits = midad_arabic::Digits::parse(&settings.digits).unwrap_or_default();
        Ok(self.theme.translate(&settings.locale, key, n, digits))
    }

    /// The time pages are rendered for: the real clock unless one was set.
    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        match self.clock.load(std::sync::atomic::Ordering::Relaxed) {
            REAL_CLOCK => chrono::Utc::now(),
            fixed => {
                chrono::DateTime::from_timestamp_micros(fixed).unwrap_or_else(chrono::Utc::now)
            }
        }
    }

    /// Fixes the clock at `t` (`None`: back to the real one). Tests use it to render a page
    /// for a given moment, such as a minute before and after local midnight.
    pub fn set_clock(&self, t: Option<chrono::DateTime<chrono::Utc>>) {
        let micros = t.map_or(REAL_CLOCK, |t| t.timestamp_micros());
        self.clock
            .store(micros, std::sync::atomic::Ordering::Relaxed);
    }

    /// Starts what keeps the site current while it serves: the page-cache invalidator that
    /// follows the change log, and the writer of read counts.
    pub fn spawn_background(self: &Arc<Self>) -> Vec<tokio::task::JoinHandle<()>> {
        vec![
            tokio::spawn(cache::follow(self.clone())),
            tokio::spawn(reads::flush_loop(self.clone())),
        ]
    }
}

async fn security_headers(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let mut response = next.run(req).await;
    let headers = response.headers_mut();
    for (name, value) in &app.security {
        headers.entry(name.clone()).or_insert_with(|| value.clone());
    }
    response
}

/// Longest query string accepted (a 10,000-character Arabic search, percent-encoded, fits:
/// the search API refuses it with its own clear code).
const MAX_QUERY: usize = 60 * 1024;

/// Refuses request lines no page needs before any work is done.
async fn limits(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if uri.path().len() > 2048 {
        return WebError::NotFound.into_response();
    }
    if uri.query().is_some_and(|q| q.len() > MAX_QUERY) {
        return (StatusCode::BAD_REQUEST, "query string too long\n").into_response();
    }
    next.run(req).await
}

/// Every route of the application, with its middleware, outermost first: metrics → page
/// cache → trace → compression → security headers → request limits → time-out → themed
/// error pages → body limit.
pub fn router(app: Arc<App>) -> Router {
    // Media files are named by a hash of their content: a name never changes meaning.
    let media = tower::ServiceBuilder::new()
        .map_response(|mut response: axum::http::Response<_>| {
            if response.status().is_success() {
                response.headers_mut().insert(
                    header::CACHE_CONTROL,
                    HeaderValue::from_static("public, max-age=31536000, immutable"),
                );
            }
            response
        })
        .service(ServeDir::new(&app.config.media_dir));
    Router::new()
        .merge(admin::routes())
        .merge(media_admin::routes())
        .merge(names_admin::routes())
        .merge(redirects::routes())
        .merge(newsletter::routes())
        .merge(newsletter_admin::routes())
        .merge(settings_admin::routes())
        .route("/", get(pages::home))
        .route("/article/{id}", get(pages::article_without_slug))
        .route("/article/{id}/{slug}", get(pages::article))
        .route("/section/{slug}", get(pages::section))
        .route("/tag/{slug}", get(pages::tag))
        .route("/author/{slug}", get(pages::author))
        .route("/caricature", get(pages::caricatures))
        .route("/page/{slug}", get(pages::static_page))
        .route("/feed.xml", get(feeds::site_feed))
        .route("/atom.xml", get(feeds::site_feed))
        .route("/feed.json", get(feeds::site_feed))
        .route("/section/{slug}/{file}", get(feeds::section_feed))
        .route("/tag/{slug}/{file}", get(feeds::tag_feed))
        .route("/sitemap.xml", get(feeds::sitemap_index))
        .route("/sitemaps/{file}", get(feeds::sitemap))
        .route("/news-sitemap.xml", get(feeds::news_sitemap))
        .route("/robots.txt", get(feeds::robots))
        .route("/search", get(search::page))
        .route("/api/v1/search", get(search::api))
        .route("/api/v1/search/suggest", get(search::suggest))
        .route("/static/{file}", get(theme::static_file))
        .route("/favicon.ico", get(theme::favicon))
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(metrics::render))
        .nest_service("/media", media)
        .fallback(redirects::fallback)
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    metrics::track,
                ))
                // A page in the cache is answered here, before any other work.
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    cache::layer,
                ))
                .layer(TraceLayer::new_for_http())
                .layer(CompressionLayer::new())
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    security_headers,
                ))
                .layer(axum::middleware::from_fn(limits))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    error::themed,
                ))
                // The hard cap of any request: an upload's size. Every other extractor keeps
                // axum's 2 MB default.
                .layer(RequestBodyLimitLayer::new(
                    midad_media::MAX_BYTES + 1024 * 1024,
                )),
        )
        .with_state(app)
}

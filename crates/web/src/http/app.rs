//! The state every request shares ([`App`]) and what it is made from: the configuration
//! the web layer needs, the theme, the page cache, the counters.

use super::cache::PageCache;
use super::error::WebError;
use super::metrics::Metrics;
use super::reads::Reads;
use crate::theme::Theme;
use axum::http::{HeaderName, HeaderValue, header};
use midad_store::Store;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

/// The value of `App::clock` that means "the real clock".
const REAL_CLOCK: i64 = i64::MIN;

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
    /// URLs per sitemap file before a month is split into parts; 0 means the sitemap
    /// protocol's limit, 50,000 (smaller values are for tests).
    pub sitemap_urls: usize,
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

/// The mail settings the web layer needs (from the configuration's `[mail]`).
#[derive(Clone, Debug, Default)]
pub struct MailSettings {
    /// `Name <address>` or an address; empty = `noreply@` the site's host.
    pub from: String,
    pub reply_to: String,
    /// Sign-ups from these domains (and their subdomains) are answered but never mailed.
    pub blocked_domains: Vec<String>,
    /// Where a `mailto:` unsubscribe goes; empty = none.
    pub unsubscribe_mailto: String,
    /// The SMTP server, password hidden, for the settings screen; empty = none set.
    pub smtp_shown: String,
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
        let token = super::tokens::random_token()?;
        if let Ok(mut t) = self.setup_token.lock() {
            *t = Some(token.clone());
        }
        Ok(Some(format!(
            "{}/admin/setup/{token}",
            self.config.base_url
        )))
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
}

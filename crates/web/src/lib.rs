//! Midad's HTTP application: the public site (rendered from the theme), media files,
//! health and metrics. Handlers read through the store and never write SQL.

mod error;
mod metrics;
mod pages;
mod search;
mod site;
mod theme;
mod view;

pub use error::WebError;
pub use metrics::Metrics;
pub use site::effective_settings;
pub use theme::Theme;

use axum::Router;
use axum::routing::get;
use midad_store::Store;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
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
}

/// Shared state of every request.
pub struct App {
    pub store: Store,
    pub config: WebConfig,
    pub theme: Theme,
    pub metrics: Metrics,
    /// `None` when the index could not be opened: the site serves on, search says so.
    pub search: Option<Arc<midad_search::SearchIndex>>,
}

impl App {
    pub fn new(
        store: Store,
        config: WebConfig,
        search: Option<Arc<midad_search::SearchIndex>>,
    ) -> Result<Arc<App>, WebError> {
        let theme = Theme::load(config.theme_dir.clone())?;
        Ok(Arc::new(App {
            store,
            config,
            theme,
            metrics: Metrics::default(),
            search,
        }))
    }
}

/// Every route of the application, with its middleware, read top to bottom: trace →
/// metrics → time-out → body limit.
pub fn router(app: Arc<App>) -> Router {
    let media = ServeDir::new(&app.config.media_dir);
    Router::new()
        .route("/", get(pages::home))
        .route("/article/{id}", get(pages::article_without_slug))
        .route("/article/{id}/{slug}", get(pages::article))
        .route("/search", get(search::page))
        .route("/api/v1/search", get(search::api))
        .route("/api/v1/search/suggest", get(search::suggest))
        .route("/static/{file}", get(theme::static_file))
        .route("/healthz", get(pages::healthz))
        .route("/metrics", get(metrics::render))
        .nest_service("/media", media)
        .fallback(pages::not_found)
        .layer(
            tower::ServiceBuilder::new()
                .layer(TraceLayer::new_for_http())
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    metrics::track,
                ))
                .layer(TimeoutLayer::with_status_code(
                    axum::http::StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                .layer(RequestBodyLimitLayer::new(2 * 1024 * 1024)),
        )
        .with_state(app)
}

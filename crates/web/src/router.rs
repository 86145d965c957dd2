//! Every route of the application and the middleware around them, outermost first: metrics
//! → page cache → trace → compression → security headers → request limits → time-out →
//! themed error pages → body limit. Each room registers its own routes (`site::routes`,
//! `admin::routes`, `api::routes`), cacheable ones with their cache policy.

use crate::http::App;
use crate::http::cache::{self, CacheLayer};
use crate::http::{guard, ops};
use crate::render::error_page;
use crate::{admin, api, site};
use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::routing::get;
use std::sync::Arc;
use std::time::Duration;
use tower_http::compression::CompressionLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::services::ServeDir;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

/// The application: every room's routes, media files, the operations endpoints, and the
/// middleware.
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
    let (routes, table) = site::routes()
        .merge(admin::routes())
        .merge(api::routes())
        .into_parts();
    let cache = CacheLayer {
        app: app.clone(),
        table: Arc::new(table),
    };
    routes
        .route("/healthz", get(ops::healthz))
        .route("/metrics", get(ops::render))
        .nest_service("/media", media)
        .fallback(site::redirects::fallback)
        .layer(
            tower::ServiceBuilder::new()
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    ops::track,
                ))
                // A page in the cache is answered here, before any other work.
                .layer(axum::middleware::from_fn_with_state(cache, cache::layer))
                .layer(TraceLayer::new_for_http())
                .layer(CompressionLayer::new())
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    guard::security_headers,
                ))
                .layer(axum::middleware::from_fn(guard::limits))
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::SERVICE_UNAVAILABLE,
                    Duration::from_secs(30),
                ))
                .layer(axum::middleware::from_fn_with_state(
                    app.clone(),
                    error_page::themed,
                ))
                // The hard cap of any request: an upload's size. Every other extractor keeps
                // axum's 2 MB default.
                .layer(RequestBodyLimitLayer::new(
                    midad_media::MAX_BYTES + 1024 * 1024,
                )),
        )
        .with_state(app)
}

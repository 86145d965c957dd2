//! The theme's static files under their content-hashed names, and `/favicon.ico`.

use crate::http::app::App;
use crate::http::error::WebError;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// `/favicon.ico`, asked for by browsers and feed readers that do not read the page's icon
/// link: the theme's icon.
pub(crate) async fn favicon(State(app): State<Arc<App>>) -> Response {
    match app.theme.asset("favicon.svg") {
        Some(asset) => (
            StatusCode::MOVED_PERMANENTLY,
            [(header::LOCATION, format!("/static/{}", asset.hashed_name))],
        )
            .into_response(),
        None => WebError::NotFound.into_response(),
    }
}

pub(crate) async fn static_file(State(app): State<Arc<App>>, Path(file): Path<String>) -> Response {
    let theme = &app.theme;
    if let Some(asset) = theme.asset_by_hashed_name(&file) {
        return (
            [
                (header::CONTENT_TYPE, asset.mime),
                (header::CACHE_CONTROL, "public, max-age=31536000, immutable"),
            ],
            asset.bytes.clone(),
        )
            .into_response();
    }
    // An old hash or the plain name: point at the current file rather than failing.
    match theme.asset_by_stem(&file) {
        Some(asset) => (
            StatusCode::FOUND,
            [(header::LOCATION, format!("/static/{}", asset.hashed_name))],
        )
            .into_response(),
        None => WebError::NotFound.into_response(),
    }
}

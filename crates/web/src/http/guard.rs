//! What every response carries and what every request must respect: the security headers
//! built once in [`App`], and the limits on request lines no page needs.

use super::app::App;
use super::error::WebError;
use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

pub(crate) async fn security_headers(
    State(app): State<Arc<App>>,
    req: Request,
    next: Next,
) -> Response {
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
pub(crate) async fn limits(req: Request, next: Next) -> Response {
    let uri = req.uri();
    if uri.path().len() > 2048 {
        return WebError::NotFound.into_response();
    }
    if uri.query().is_some_and(|q| q.len() > MAX_QUERY) {
        return (StatusCode::BAD_REQUEST, "query string too long\n").into_response();
    }
    next.run(req).await
}

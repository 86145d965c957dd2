//! Old addresses: where the site would answer 404 (and on `/?p=123`), a stored redirect
//! answers `301` instead. The back office edits them (`admin::redirects`).

use crate::http::paths::moved;
use crate::http::{App, WebError};
use crate::render::view;
use axum::extract::State;
use axum::http::{Method, Uri};
use axum::response::Response;
use midad_core::{Status, redirect};
use midad_store::RedirectTarget;
use std::sync::Arc;

/// Whether a query string names an old plain link (`?p=`, `?page_id=` …): such requests
/// are answered by a redirect or 404, never by the page at the path.
pub(crate) fn names_old_link(query: Option<&str>) -> bool {
    query.is_some_and(|q| {
        q.split('&').any(|pair| {
            pair.split_once('=')
                .is_some_and(|(k, v)| !v.is_empty() && redirect::KEPT_PARAMETERS.contains(&k))
        })
    })
}

/// Where the redirect stored for this address leads now, if it leads anywhere public.
async fn destination(
    app: &App,
    path: &str,
    query: Option<&str>,
) -> Result<Option<String>, WebError> {
    let Some(key) = redirect::key(path, query) else {
        return Ok(None);
    };
    let Some(found) = app.store.redirect(&key).await? else {
        return Ok(None);
    };
    Ok(match found.target {
        RedirectTarget::Path(p) => Some(p),
        // A draft's or an unpublished item's old address is as absent as the item.
        RedirectTarget::Article(id) => app
            .store
            .article(id)
            .await?
            .filter(|a| a.data.status == Status::Published)
            .map(|a| view::article_url(&a)),
    })
}

/// The answer to an address that names no page: `301` to where its redirect leads, or the
/// themed 404.
pub(crate) async fn answer(
    app: &App,
    method: &Method,
    path: &str,
    query: Option<&str>,
) -> Result<Response, WebError> {
    if method != Method::GET && method != Method::HEAD {
        return Err(WebError::NotFound);
    }
    match destination(app, path, query).await? {
        Some(to) => Ok(moved(&to)),
        None => Err(WebError::NotFound),
    }
}

/// The router's fallback.
pub(crate) async fn fallback(
    State(app): State<Arc<App>>,
    method: Method,
    uri: Uri,
) -> Result<Response, WebError> {
    answer(&app, &method, uri.path(), uri.query()).await
}

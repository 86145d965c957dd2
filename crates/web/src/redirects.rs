//! Old addresses: where the site would answer 404 (and on `/?p=123`), a stored redirect
//! answers `301` instead. The back office lists them, adds, changes and deletes them
//! (administrators: they shape the whole site's addresses).

use crate::admin::{CsrfOnly, allowed, not_allowed, page_of};
use crate::auth::{CurrentUser, HasCsrf, Protected};
use crate::pages::{moved, v};
use crate::{App, WebError, site, view};
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{Method, StatusCode, Uri};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use midad_core::{Action, Status, redirect};
use midad_store::{RedirectTarget, StoreError};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin/redirects", get(show).post(put))
        .route("/admin/redirects/{id}/delete", post(delete))
}

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

const PER_PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub(crate) struct ListQuery {
    #[serde(default)]
    q: String,
    /// Read leniently: a malformed number is the first page.
    #[serde(default)]
    page: Option<String>,
}

async fn screen(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    query: &ListQuery,
    problems: Vec<String>,
    typed: (&str, &str),
) -> Result<Response, WebError> {
    let ctx = site::context(app).await?;
    let page: i64 = query
        .page
        .as_deref()
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=100_000).contains(n))
        .unwrap_or(1);
    let filter = query.q.trim();
    let (rows, total) = app
        .store
        .redirects(filter, PER_PAGE, (page - 1) * PER_PAGE)
        .await?;
    let mut items = Vec::with_capacity(rows.len());
    for r in rows {
        let (to, title) = match &r.target {
            RedirectTarget::Path(p) => (p.clone(), None),
            RedirectTarget::Article(id) => match app.store.article(*id).await? {
                Some(a) => (view::article_url(&a), Some(a.data.title)),
                None => (format!("/article/{id}"), None),
            },
        };
        items.push(context! {
            id => r.id,
            from => r.from_path,
            to => to,
            title => title,
            fixed => matches!(r.target, RedirectTarget::Article(_)),
            origin => r.origin,
        });
    }
    let link = |n: i64| {
        let mut url = format!("/admin/redirects?page={n}");
        if !filter.is_empty() {
            url.push_str("&q=");
            url.push_str(&midad_core::percent::encode(filter));
        }
        url
    };
    page_of(
        app,
        status,
        "admin/redirects.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            redirects => items,
            total => total,
            q => filter,
            prev => (page > 1).then(|| link(page - 1)),
            next => (page * PER_PAGE < total).then(|| link(page + 1)),
            problems => problems,
            from => typed.0,
            to => typed.1,
        },
    )
}

async fn show(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Query(query): Query<ListQuery>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSettings) {
        return not_allowed(&app).await;
    }
    screen(&app, &user, StatusCode::OK, &query, Vec::new(), ("", "")).await
}

#[derive(Deserialize)]
pub(crate) struct RedirectForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
}

impl HasCsrf for RedirectForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Adds a redirect, or points an old address somewhere else.
async fn put(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<RedirectForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSettings) {
        return not_allowed(&app).await;
    }
    let mut problems = Vec::new();
    let from = redirect::parse_path("from", &form.from)
        .map_err(|e| problems.push(e.code.message_ar().to_string()))
        .ok();
    let to = form.to.trim();
    if redirect::parse_path("to", to).is_err() {
        problems.push(midad_core::ErrorCode::PathInvalid.message_ar().to_string());
    }
    if let (Some(from), true) = (&from, problems.is_empty()) {
        match app
            .store
            .put_redirect(from, &RedirectTarget::Path(to.to_string()))
            .await
        {
            Ok(()) => {
                app.store
                    .audit(
                        Some(user.session.user.id),
                        "redirect_saved",
                        &format!("{from} → {to}"),
                        user.ip.as_deref(),
                    )
                    .await?;
                return Ok(Redirect::to("/admin/redirects").into_response());
            }
            Err(StoreError::Invalid(v)) => {
                problems.extend(v.0.iter().map(|e| e.code.message_ar().to_string()));
            }
            Err(e) => return Err(e.into()),
        }
    }
    screen(
        &app,
        &user,
        StatusCode::UNPROCESSABLE_ENTITY,
        &ListQuery::default(),
        problems,
        (&form.from, &form.to),
    )
    .await
}

async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSettings) {
        return not_allowed(&app).await;
    }
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    match app.store.delete_redirect(id).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    app.store
        .audit(
            Some(user.session.user.id),
            "redirect_deleted",
            &id.to_string(),
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/redirects").into_response())
}

//! The old addresses screen: lists the stored redirects, adds, changes and deletes them
//! (administrators: they shape the whole site's addresses).

use super::roles::{allowed, not_allowed};
use super::screen::{CsrfOnly, page_of};
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::routes::Routes;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use crate::render::view;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use midad_core::{Action, redirect};
use midad_store::{RedirectTarget, StoreError};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/admin/redirects", get(show).post(put))
        .route("/admin/redirects/{id}/delete", post(delete))
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
    let ctx = site_context(app).await?;
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

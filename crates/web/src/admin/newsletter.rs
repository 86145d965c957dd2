//! The newsletter screen: the history of sends with how each stands, a test send to
//! oneself, and a story sent as a breaking alert (after a confirmation step). Editors and
//! above; no open or click tracking anywhere.

use super::roles::{allowed, not_allowed};
use super::screen::{CsrfOnly, page_of};
use crate::http::auth::{CurrentUser, Protected};
use crate::http::routes::Routes;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use midad_core::{Action, Status};
use minijinja::context;
use std::sync::Arc;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/admin/newsletter", get(sends))
        .route("/admin/newsletter/test", post(test_send))
        .route(
            "/admin/articles/{id}/alert",
            get(alert_page).post(send_alert),
        )
}

async fn sends_screen(
    app: &App,
    user: &CurrentUser,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let sends: Vec<_> = app
        .store
        .sends(50)
        .await?
        .into_iter()
        .map(|s| {
            context! {
                id => s.id,
                kind => s.kind,
                subject => s.subject,
                when => ctx.locale.date_time(s.created_at),
                queued => s.queued,
                sent => s.sent,
                failed => s.failed,
                bounced => s.bounced,
            }
        })
        .collect();
    page_of(
        app,
        StatusCode::OK,
        "admin/newsletter.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            sends => sends,
            backlog => app.store.queue_backlog().await?,
            email => user.session.user.email.clone(),
            digest_time => ctx.settings.digest_time.clone(),
            ..extra
        },
    )
}

async fn sends(State(app): State<Arc<App>>, user: CurrentUser) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSubscribers) {
        return not_allowed(&app).await;
    }
    sends_screen(&app, &user, context! {}).await
}

async fn test_send(
    State(app): State<Arc<App>>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSubscribers) {
        return not_allowed(&app).await;
    }
    crate::mail::outbox::queue_test(&app, user.session.user.id, &user.session.user.email).await?;
    sends_screen(&app, &user, context! { tested => true }).await
}

/// The article, if it can go out as an alert: published, and the user may flag breaking.
async fn alertable(app: &App, id: &str) -> Result<midad_core::Article, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let a = app.store.article(id).await?.ok_or(WebError::NotFound)?;
    if a.data.status != Status::Published || a.data.kind != midad_core::ArticleKind::Article {
        return Err(WebError::NotFound);
    }
    Ok(a)
}

/// The confirmation step: what goes, to how many.
async fn alert_page(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::FlagBreaking) {
        return not_allowed(&app).await;
    }
    let a = alertable(&app, &id).await?;
    let ctx = site_context(&app).await?;
    let audience = app.store.audience("alerts").await?.len();
    let earlier = app
        .store
        .sends(200)
        .await?
        .into_iter()
        .filter(|s| s.kind == "alert" && s.article_id == Some(a.id))
        .count();
    page_of(
        &app,
        StatusCode::OK,
        "admin/alert.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            id => a.id,
            title => a.data.title.clone(),
            url => crate::render::view::article_url(&a),
            audience => audience,
            earlier => earlier,
        },
    )
}

async fn send_alert(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::FlagBreaking) {
        return not_allowed(&app).await;
    }
    let a = alertable(&app, &id).await?;
    let queued = crate::mail::outbox::queue_alert(&app, &a, user.session.user.id).await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "alert_sent",
            &format!("{} → {queued}", a.data.title),
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/newsletter").into_response())
}

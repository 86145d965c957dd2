//! One's own account: two-factor sign-in with an authenticator app, turned on and off.

use super::screen::{CsrfOnly, page_of};
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::totp;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) async fn account_page(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let state = app.store.two_factor(user.session.user.id).await?;
    let me = &user.session.user;
    let setup = state.pending.as_ref().map(|secret| {
        let grouped: Vec<String> = secret
            .as_bytes()
            .chunks(4)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        let issuer = midad_core::percent::encode(&ctx.site.name);
        context! {
            secret => grouped.join(" "),
            uri => format!(
                "otpauth://totp/{issuer}:{}?secret={secret}&issuer={issuer}&digits=6&period=30",
                midad_core::percent::encode(&me.email)
            ),
        }
    });
    page_of(
        app,
        status,
        "admin/account.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            me => context! { name => me.name.clone(), email => me.email.clone(), role => me.role.as_str() },
            enabled => state.secret.is_some(),
            setup => setup,
            problems => problems,
        },
    )
}

pub(crate) async fn account(
    State(app): State<Arc<App>>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    account_page(&app, &user, StatusCode::OK, Vec::new()).await
}

pub(crate) async fn totp_start(
    State(app): State<Arc<App>>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    let mut state = app.store.two_factor(user.session.user.id).await?;
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| WebError::Internal(e.to_string()))?;
    state.pending = Some(totp::base32(&secret));
    app.store
        .set_two_factor(user.session.user.id, &state)
        .await?;
    Ok(Redirect::to("/admin/account").into_response())
}

#[derive(Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

impl HasCsrf for CodeForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn wrong_code(app: &App, user: &CurrentUser) -> Result<Response, WebError> {
    let text = app.say("totp_wrong_code", None).await?;
    account_page(app, user, StatusCode::UNPROCESSABLE_ENTITY, vec![text]).await
}

pub(crate) async fn totp_confirm(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<CodeForm>,
) -> Result<Response, WebError> {
    let id = user.session.user.id;
    let mut state = app.store.two_factor(id).await?;
    if !totp::verify_stored(state.pending.as_deref(), &form.code, app.now().timestamp()) {
        return wrong_code(&app, &user).await;
    }
    state.secret = state.pending.take();
    app.store.set_two_factor(id, &state).await?;
    app.store
        .audit(Some(id), "two_factor_on", "", user.ip.as_deref())
        .await?;
    Ok(Redirect::to("/admin/account").into_response())
}

pub(crate) async fn totp_off(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<CodeForm>,
) -> Result<Response, WebError> {
    let id = user.session.user.id;
    let state = app.store.two_factor(id).await?;
    if !totp::verify_stored(state.secret.as_deref(), &form.code, app.now().timestamp()) {
        return wrong_code(&app, &user).await;
    }
    app.store
        .set_two_factor(id, &midad_store::TwoFactor::default())
        .await?;
    app.store
        .audit(Some(id), "two_factor_off", "", user.ip.as_deref())
        .await?;
    Ok(Redirect::to("/admin/account").into_response())
}

//! The back office's doors: first-run setup of the owner account, signing in (with a
//! second step for two-factor accounts) and out, and password resets by a mailed link.

use super::screen::{CsrfOnly, render};
use crate::http::auth::{self, Protected};
use crate::http::tokens::{random_token, token_hash};
use crate::http::totp;
use crate::http::{App, WebError};
use crate::mail::outbox::queue_reset;
use crate::render::context::site_context;
use axum::Form;
use axum::extract::{FromRequest, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use midad_core::Role;
use midad_store::NewUser;
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

/// The page a sign-in or setup ends on: the new session's cookie, then the dashboard.
pub(crate) fn signed_in(app: &App, token: &str) -> Response {
    let mut response = Redirect::to("/admin").into_response();
    if let Ok(cookie) = auth::session_cookie(app, Some(token)).parse() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

pub(crate) async fn login_page(
    State(app): State<Arc<App>>,
    headers: HeaderMap,
) -> Result<Response, WebError> {
    // Already signed in: straight to the dashboard.
    if let Some(token) = auth::cookie_value(&headers, auth::COOKIE)
        && app
            .store
            .session(&token_hash(token), app.now())
            .await?
            .is_some()
    {
        return Ok(Redirect::to("/admin").into_response());
    }
    render(&app, StatusCode::OK, "admin/login.html", context! {}).await
}

pub(crate) async fn login(
    State(app): State<Arc<App>>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let (parts, body) = request.into_parts();
    let ip = auth::client_ip(&parts);
    let headers = parts.headers.clone();
    let Form(form) =
        Form::<LoginForm>::from_request(axum::extract::Request::from_parts(parts, body), &())
            .await
            .map_err(|_| WebError::NotFound)?;
    if !auth::same_origin(&app, &headers) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let email = form.email.trim().to_lowercase();
    let again = |status: StatusCode, problem: String| {
        let app = app.clone();
        let email = email.clone();
        async move {
            render(
                &app,
                status,
                "admin/login.html",
                context! { problem => problem, email => email },
            )
            .await
        }
    };
    if let Some(wait) = auth::throttled(&app, &email, ip.as_deref()).await? {
        let minutes = (wait.num_seconds() + 59) / 60;
        let text = app.say("admin_throttled", Some(minutes)).await?;
        return again(StatusCode::TOO_MANY_REQUESTS, text).await;
    }
    let user = app.store.user_by_email(&email).await?;
    let password = form.password;
    let user_ok = match user {
        Some(u) if !u.disabled && u.password_hash.is_some() => {
            let stored = u.password_hash.clone().unwrap_or_default();
            let ok = tokio::task::spawn_blocking(move || {
                midad_core::password::verify(&password, &stored)
            })
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?;
            ok.then_some(u)
        }
        _ => None,
    };
    let Some(user) = user_ok else {
        let account = format!("email:{email}");
        let address = ip.as_ref().map(|ip| format!("ip:{ip}"));
        let mut keys = vec![account.as_str()];
        keys.extend(address.as_deref());
        app.store.record_login_failure(&keys, app.now()).await?;
        app.store
            .audit(None, "sign_in_failed", &email, ip.as_deref())
            .await?;
        let text = app.say("admin_bad_login", None).await?;
        return again(StatusCode::UNAUTHORIZED, text).await;
    };
    // With two-factor sign-in on, the password only opens the second step.
    if app.store.two_factor(user.id).await?.secret.is_some() {
        let challenge = random_token()?;
        app.store
            .create_login_challenge(
                &token_hash(&challenge),
                user.id,
                app.now() + chrono::Duration::minutes(5),
            )
            .await?;
        return render(
            &app,
            StatusCode::OK,
            "admin/code.html",
            context! { challenge => challenge },
        )
        .await;
    }
    // A token presented before signing in is never promoted: it is dropped, and the new
    // session gets a new token.
    if let Some(old) = auth::cookie_value(&headers, auth::COOKIE) {
        app.store.delete_session(&token_hash(old)).await?;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let token = auth::start_session(&app, user.id, ip.as_deref(), ua).await?;
    app.store
        .clear_login_failures(&format!("email:{email}"))
        .await?;
    app.store
        .audit(Some(user.id), "sign_in", "", ip.as_deref())
        .await?;
    Ok(signed_in(&app, &token))
}

pub(crate) fn signed_out(app: &App) -> Response {
    let mut response = Redirect::to("/admin/login").into_response();
    if let Ok(cookie) = auth::session_cookie(app, None).parse() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

pub(crate) async fn logout(
    State(app): State<Arc<App>>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    app.store.delete_session(&user.session.token_hash).await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "sign_out",
            "",
            user.ip.as_deref(),
        )
        .await?;
    Ok(signed_out(&app))
}

pub(crate) async fn logout_everywhere(
    State(app): State<Arc<App>>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    let n = app.store.delete_user_sessions(user.session.user.id).await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "sign_out_everywhere",
            &format!("{n} sessions"),
            user.ip.as_deref(),
        )
        .await?;
    Ok(signed_out(&app))
}

#[derive(Deserialize)]
pub(crate) struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(crate) async fn owner_exists(app: &App) -> Result<bool, WebError> {
    Ok(app
        .store
        .users()
        .await?
        .iter()
        .any(|u| u.role == Role::Owner))
}

pub(crate) fn setup_token_matches(app: &App, token: &str) -> bool {
    app.setup_token
        .lock()
        .map(|t| {
            t.as_deref()
                .is_some_and(|t| crate::http::tokens::same(t, token))
        })
        .unwrap_or(false)
}

pub(crate) async fn setup_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    if !setup_token_matches(&app, &token) || owner_exists(&app).await? {
        return Err(WebError::NotFound);
    }
    render(
        &app,
        StatusCode::OK,
        "admin/setup.html",
        context! { token => token },
    )
    .await
}

pub(crate) async fn setup(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<SetupForm>,
) -> Result<Response, WebError> {
    if !setup_token_matches(&app, &token) || owner_exists(&app).await? {
        return Err(WebError::NotFound);
    }
    if !auth::same_origin(&app, &headers) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let tr = site_context(&app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&tr.site.locale, key, None, tr.locale.digits)
    };
    let mut problems = Vec::new();
    if midad_core::model::validate_email(&form.email).is_err() {
        problems.push(say("admin_email_invalid"));
    }
    if midad_core::model::validate_name("name", &form.name).is_err() {
        problems.push(say("admin_name_required"));
    }
    if midad_core::password::check_strength(&form.password).is_err() {
        problems.push(say("admin_password_short"));
    }
    if form.password != form.confirm {
        problems.push(say("admin_password_mismatch"));
    }
    if !problems.is_empty() {
        return render(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            "admin/setup.html",
            context! { token => token, problems => problems, email => form.email, name => form.name },
        )
        .await;
    }
    let password = form.password.clone();
    let hash = tokio::task::spawn_blocking(move || midad_core::password::hash(&password))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(WebError::Internal)?;
    let mut tx = app.store.begin().await?;
    let user = tx
        .insert_user(NewUser {
            email: form.email.clone(),
            name: form.name.clone(),
            role: Role::Owner,
            password_hash: Some(hash),
            author_id: None,
        })
        .await?;
    tx.commit().await?;
    if let Ok(mut t) = app.setup_token.lock() {
        *t = None;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let token = auth::start_session(&app, user.id, None, ua).await?;
    app.store
        .audit(Some(user.id), "setup", "owner created", None)
        .await?;
    Ok(signed_in(&app, &token))
}

/// Reset requests accepted from one address in the throttle window.
const MAX_RESETS_PER_ADDRESS: i64 = 10;

#[derive(Deserialize)]
pub(crate) struct ResetRequestForm {
    #[serde(default)]
    email: String,
}

pub(crate) async fn reset_request_page(State(app): State<Arc<App>>) -> Result<Response, WebError> {
    render(
        &app,
        StatusCode::OK,
        "admin/reset_request.html",
        context! {},
    )
    .await
}

/// Asks for a reset link. The answer is the same whether or not the address has an
/// account. The link is mailed; until mail is set up, it is written to the server's log.
pub(crate) async fn reset_request(
    State(app): State<Arc<App>>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let (parts, body) = request.into_parts();
    let ip = auth::client_ip(&parts);
    let headers = parts.headers.clone();
    let Form(form) = Form::<ResetRequestForm>::from_request(
        axum::extract::Request::from_parts(parts, body),
        &(),
    )
    .await
    .map_err(|_| WebError::NotFound)?;
    if !auth::same_origin(&app, &headers) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let now = app.now();
    let key = format!("reset:{}", ip.as_deref().unwrap_or("unknown"));
    let (recent, _) = app
        .store
        .login_failures(
            &key,
            now - chrono::Duration::minutes(auth::THROTTLE_WINDOW_MINUTES),
        )
        .await?;
    if recent >= MAX_RESETS_PER_ADDRESS {
        return render(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            "admin/reset_request.html",
            context! { sent => true },
        )
        .await;
    }
    app.store.record_login_failure(&[key.as_str()], now).await?;
    let email = form.email.trim().to_lowercase();
    if let Some(user) = app.store.user_by_email(&email).await?
        && !user.disabled
    {
        // The link is made when the message is written, and mailed (or, with no mail
        // server set up, written to the log).
        queue_reset(&app, user.id, &user.email).await?;
        app.store
            .audit(Some(user.id), "password_reset_requested", "", ip.as_deref())
            .await?;
    }
    render(
        &app,
        StatusCode::OK,
        "admin/reset_request.html",
        context! { sent => true },
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm: String,
}

pub(crate) async fn reset_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match app
        .store
        .password_reset_user(&token_hash(&token), app.now())
        .await?
    {
        Some(_) => {
            render(
                &app,
                StatusCode::OK,
                "admin/reset.html",
                context! { token => token },
            )
            .await
        }
        None => {
            render(
                &app,
                StatusCode::NOT_FOUND,
                "admin/reset.html",
                context! { expired => true },
            )
            .await
        }
    }
}

pub(crate) async fn reset(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    if !auth::same_origin(&app, &headers) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let hash = token_hash(&token);
    let Some(user_id) = app.store.password_reset_user(&hash, app.now()).await? else {
        return render(
            &app,
            StatusCode::NOT_FOUND,
            "admin/reset.html",
            context! { expired => true },
        )
        .await;
    };
    let tr = site_context(&app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&tr.site.locale, key, None, tr.locale.digits)
    };
    let mut problems = Vec::new();
    if midad_core::password::check_strength(&form.password).is_err() {
        problems.push(say("admin_password_short"));
    }
    if form.password != form.confirm {
        problems.push(say("admin_password_mismatch"));
    }
    if !problems.is_empty() {
        return render(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            "admin/reset.html",
            context! { token => token, problems => problems },
        )
        .await;
    }
    let password = form.password.clone();
    let new_hash = tokio::task::spawn_blocking(move || midad_core::password::hash(&password))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
        .map_err(WebError::Internal)?;
    let mut tx = app.store.begin().await?;
    tx.complete_password_reset(&hash, user_id, &new_hash)
        .await?;
    tx.commit().await?;
    app.store
        .audit(Some(user_id), "password_reset", "", None)
        .await?;
    Ok(Redirect::to("/admin/login").into_response())
}

/// Failed codes allowed per account in the throttle window.
const MAX_CODE_FAILURES: i64 = 5;

#[derive(Deserialize)]
pub(crate) struct CodeLoginForm {
    #[serde(default)]
    challenge: String,
    #[serde(default)]
    code: String,
}

/// The second step of a two-factor sign-in: the code from the authenticator app.
pub(crate) async fn login_code(
    State(app): State<Arc<App>>,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let (parts, body) = request.into_parts();
    let ip = auth::client_ip(&parts);
    let headers = parts.headers.clone();
    let Form(form) =
        Form::<CodeLoginForm>::from_request(axum::extract::Request::from_parts(parts, body), &())
            .await
            .map_err(|_| WebError::NotFound)?;
    if !auth::same_origin(&app, &headers) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let hash = token_hash(&form.challenge);
    let now = app.now();
    let Some(user_id) = app.store.login_challenge(&hash, now).await? else {
        return Ok(Redirect::to("/admin/login").into_response());
    };
    let tr = site_context(&app).await?;
    let say = |key: &str, n: Option<i64>| {
        app.theme
            .translate(&tr.site.locale, key, n, tr.locale.digits)
    };
    let key = format!("totp:{user_id}");
    let since = now - chrono::Duration::minutes(auth::THROTTLE_WINDOW_MINUTES);
    let (failures, oldest) = app.store.login_failures(&key, since).await?;
    if failures >= MAX_CODE_FAILURES {
        // Too many wrong codes: the challenge ends; the password is needed again later.
        app.store.delete_login_challenge(&hash).await?;
        let wait = oldest
            .map(|o| o + chrono::Duration::minutes(auth::THROTTLE_WINDOW_MINUTES) - now)
            .unwrap_or_else(chrono::Duration::zero);
        let minutes = ((wait.num_seconds() + 59) / 60).max(1);
        return render(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            "admin/login.html",
            context! { problem => say("admin_throttled", Some(minutes)) },
        )
        .await;
    }
    let secret = app.store.two_factor(user_id).await?.secret;
    if !totp::verify_stored(secret.as_deref(), &form.code, now.timestamp()) {
        app.store.record_login_failure(&[key.as_str()], now).await?;
        app.store
            .audit(Some(user_id), "sign_in_code_failed", "", ip.as_deref())
            .await?;
        return render(
            &app,
            StatusCode::UNAUTHORIZED,
            "admin/code.html",
            context! { challenge => form.challenge, problem => say("totp_wrong_code", None) },
        )
        .await;
    }
    app.store.delete_login_challenge(&hash).await?;
    if let Some(old) = auth::cookie_value(&headers, auth::COOKIE) {
        app.store.delete_session(&token_hash(old)).await?;
    }
    let ua = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok());
    let token = auth::start_session(&app, user_id, ip.as_deref(), ua).await?;
    app.store.clear_login_failures(&key).await?;
    app.store
        .audit(Some(user_id), "sign_in", "two-factor", ip.as_deref())
        .await?;
    Ok(signed_in(&app, &token))
}

//! The back office's doors: first-run setup of the owner account, signing in and out, and
//! the dashboard. Pages here are never cached and are Arabic by default like the site.

use crate::auth::{self, CurrentUser, HasCsrf, Protected};
use crate::pages::v;
use crate::site;
use crate::view;
use crate::{App, WebError};
use axum::extract::{FromRequest, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::{Form, Router, routing::get};
use midad_core::{ArticleKind, Role, Status};
use midad_store::{ArticleQuery, NewUser};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) fn routes() -> Router<Arc<App>> {
    Router::new()
        .route("/admin", get(dashboard))
        .route("/admin/", get(|| async { Redirect::permanent("/admin") }))
        .route("/admin/login", get(login_page).post(login))
        .route("/admin/logout", axum::routing::post(logout))
        .route("/admin/logout-all", axum::routing::post(logout_everywhere))
        .route("/admin/setup/{token}", get(setup_page).post(setup))
        .route("/admin/audit", get(audit_log))
        .route("/admin/login/code", axum::routing::post(login_code))
        .route("/admin/account", get(account))
        .route("/admin/account/totp/start", axum::routing::post(totp_start))
        .route(
            "/admin/account/totp/confirm",
            axum::routing::post(totp_confirm),
        )
        .route("/admin/account/totp/off", axum::routing::post(totp_off))
        .route("/admin/reset", get(reset_request_page).post(reset_request))
        .route("/admin/reset/{token}", get(reset_page).post(reset))
        .route("/admin/users", get(users_page).post(add_user))
        .route(
            "/admin/articles",
            get(crate::editor::list).post(crate::editor::create),
        )
        .route("/admin/articles/new", get(crate::editor::new_form))
        .route(
            "/admin/articles/bulk",
            axum::routing::post(crate::editor::bulk),
        )
        .route("/admin/suggest/{what}", get(crate::editor::suggest))
        .route(
            "/admin/articles/{id}",
            get(crate::editor::edit_form).post(crate::editor::update),
        )
        .route("/admin/articles/{id}/preview", get(crate::editor::preview))
        .route(
            "/admin/articles/{id}/autosave",
            axum::routing::post(crate::editor::autosave),
        )
        .route(
            "/admin/articles/{id}/revisions/{version}",
            get(crate::editor::revision),
        )
        .route(
            "/admin/articles/{id}/revisions/{version}/restore",
            axum::routing::post(crate::editor::restore),
        )
        .route("/admin/users/{id}/role", axum::routing::post(change_role))
        .route(
            "/admin/users/{id}/disabled",
            axum::routing::post(set_disabled),
        )
}

/// A back-office page from a template given its whole context.
pub(crate) fn page_of(
    app: &App,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response, WebError> {
    let html = app.theme.render(template, ctx)?;
    Ok(page(status, html))
}

/// 403 in the site's language: the role does not allow the action. Nothing happened.
pub(crate) async fn not_allowed(app: &App) -> Result<Response, WebError> {
    render(
        app,
        StatusCode::FORBIDDEN,
        "admin/forbidden.html",
        context! {},
    )
    .await
}

pub(crate) fn allowed(user: &CurrentUser, action: midad_core::Action) -> bool {
    user.session.user.role.can(action)
}

async fn users_page(State(app): State<Arc<App>>, user: CurrentUser) -> Result<Response, WebError> {
    users_screen(&app, &user, StatusCode::OK, Vec::new()).await
}

async fn users_screen(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    if !allowed(user, midad_core::Action::ManageUsers) {
        return not_allowed(app).await;
    }
    let users: Vec<_> = app
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            context! {
                id => u.id,
                name => u.name,
                email => u.email,
                role => u.role.as_str(),
                disabled => u.disabled,
                me => u.id == user.session.user.id,
            }
        })
        .collect();
    let roles: Vec<&str> = Role::ALL
        .iter()
        .filter(|r| **r != Role::Owner || user.session.user.role == Role::Owner)
        .map(|r| r.as_str())
        .collect();
    render(
        app,
        status,
        "admin/users.html",
        context! {
            users => users,
            roles => roles,
            csrf => user.session.csrf.clone(),
            me => context! { name => user.session.user.name.clone(), role => user.session.user.role.as_str() },
            problems => problems,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct AddUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

impl HasCsrf for AddUserForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Only an owner hands out or takes away the owner role.
fn may_assign(actor: Role, from: Option<Role>, to: Role) -> bool {
    actor == Role::Owner || (to != Role::Owner && from != Some(Role::Owner))
}

async fn add_user(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<AddUserForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let tr = site::context(&app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&tr.site.locale, key, None, tr.locale.digits)
    };
    let mut problems = Vec::new();
    let role = Role::parse(&form.role);
    match role {
        None => problems.push(say("admin_role_unknown")),
        Some(r) if !may_assign(user.session.user.role, None, r) => {
            return not_allowed(&app).await;
        }
        Some(_) => {}
    }
    if !form.password.is_empty() && midad_core::password::check_strength(&form.password).is_err() {
        problems.push(say("admin_password_short"));
    }
    let hash = if problems.is_empty() && !form.password.is_empty() {
        let password = form.password.clone();
        Some(
            tokio::task::spawn_blocking(move || midad_core::password::hash(&password))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?
                .map_err(WebError::Internal)?,
        )
    } else {
        None
    };
    if let (true, Some(role)) = (problems.is_empty(), role) {
        let mut tx = app.store.begin().await?;
        match tx
            .insert_user(NewUser {
                email: form.email.clone(),
                name: form.name.clone(),
                role,
                password_hash: hash,
                author_id: None,
            })
            .await
        {
            Ok(created) => {
                tx.commit().await?;
                app.store
                    .audit(
                        Some(user.session.user.id),
                        "user_added",
                        &format!("{} ({})", created.email, role.as_str()),
                        user.ip.as_deref(),
                    )
                    .await?;
                return Ok(Redirect::to("/admin/users").into_response());
            }
            Err(midad_store::StoreError::Invalid(v)) => {
                for e in &v.0 {
                    problems.push(e.code.message_ar().to_string());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    users_screen(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, problems).await
}

#[derive(Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

impl HasCsrf for RoleForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn target_user(app: &App, id: &str) -> Result<midad_core::User, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    app.store.user(id).await?.ok_or(WebError::NotFound)
}

/// Whether `target` is the last owner who can sign in: the site must keep one.
async fn last_owner(app: &App, target: &midad_core::User) -> Result<bool, WebError> {
    if target.role != Role::Owner {
        return Ok(false);
    }
    let owners = app
        .store
        .users()
        .await?
        .iter()
        .filter(|u| u.role == Role::Owner && !u.disabled)
        .count();
    Ok(owners <= 1)
}

async fn change_role(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, form }: Protected<RoleForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let target = target_user(&app, &id).await?;
    let Some(role) = Role::parse(&form.role) else {
        let text = app.say("admin_role_unknown", None).await?;
        return users_screen(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, vec![text]).await;
    };
    if !may_assign(user.session.user.role, Some(target.role), role) {
        return not_allowed(&app).await;
    }
    if role != Role::Owner && last_owner(&app, &target).await? {
        let text = app.say("admin_last_owner", None).await?;
        return users_screen(&app, &user, StatusCode::CONFLICT, vec![text]).await;
    }
    let mut tx = app.store.begin().await?;
    tx.set_user_role(target.id, role).await?;
    tx.commit().await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "role_changed",
            &format!(
                "{}: {} → {}",
                target.email,
                target.role.as_str(),
                role.as_str()
            ),
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
pub(crate) struct DisableForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    disabled: String,
}

impl HasCsrf for DisableForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn set_disabled(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, form }: Protected<DisableForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let target = target_user(&app, &id).await?;
    let disable = form.disabled == "true";
    if !may_assign(user.session.user.role, Some(target.role), target.role) {
        return not_allowed(&app).await;
    }
    if disable && last_owner(&app, &target).await? {
        let text = app.say("admin_last_owner", None).await?;
        return users_screen(&app, &user, StatusCode::CONFLICT, vec![text]).await;
    }
    let mut tx = app.store.begin().await?;
    tx.set_user_disabled(target.id, disable).await?;
    tx.commit().await?;
    app.store
        .audit(
            Some(user.session.user.id),
            if disable {
                "user_disabled"
            } else {
                "user_enabled"
            },
            &target.email,
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

fn page(status: StatusCode, html: String) -> Response {
    (
        status,
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_FRAME_OPTIONS, "DENY"),
        ],
        Html(html),
    )
        .into_response()
}

/// The page a sign-in or setup ends on: the new session's cookie, then the dashboard.
fn signed_in(app: &App, token: &str) -> Response {
    let mut response = Redirect::to("/admin").into_response();
    if let Ok(cookie) = auth::session_cookie(app, Some(token)).parse() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn render(
    app: &App,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response, WebError> {
    let site = site::context(app).await?;
    let html = app
        .theme
        .render(template, context! { site => v(&site.site), ..ctx })?;
    Ok(page(status, html))
}

#[derive(Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
}

async fn login_page(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, WebError> {
    // Already signed in: straight to the dashboard.
    if let Some(token) = auth::cookie_value(&headers, auth::COOKIE)
        && app
            .store
            .session(&auth::token_hash(token), app.now())
            .await?
            .is_some()
    {
        return Ok(Redirect::to("/admin").into_response());
    }
    render(&app, StatusCode::OK, "admin/login.html", context! {}).await
}

async fn login(
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
        let challenge = auth::random_token()?;
        app.store
            .create_login_challenge(
                &auth::token_hash(&challenge),
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
        app.store.delete_session(&auth::token_hash(old)).await?;
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

#[derive(Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

impl HasCsrf for CsrfOnly {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn signed_out(app: &App) -> Response {
    let mut response = Redirect::to("/admin/login").into_response();
    if let Ok(cookie) = auth::session_cookie(app, None).parse() {
        response.headers_mut().insert(header::SET_COOKIE, cookie);
    }
    response
}

async fn logout(
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

async fn logout_everywhere(
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

async fn dashboard(State(app): State<Arc<App>>, user: CurrentUser) -> Result<Response, WebError> {
    let store = &app.store;
    let me = &user.session.user;
    let ctx = site::context(&app).await?;
    let list = |status: Status, author: Option<i64>, limit: i64| ArticleQuery {
        kind: Some(ArticleKind::Article),
        status: Some(status),
        author_id: author,
        limit,
        ..Default::default()
    };
    // Contributors and authors see their own work; editors and above see the newsroom's.
    let own_only = !me.role.can(midad_core::Action::EditAny);
    let mine = if own_only {
        me.author_id.or(Some(-1))
    } else {
        None
    };
    let drafts = match me.author_id {
        Some(a) => store.articles(&list(Status::Draft, Some(a), 10)).await?,
        None => Vec::new(),
    };
    let pending = store.articles(&list(Status::Pending, mine, 10)).await?;
    let scheduled = store.articles(&list(Status::Scheduled, mine, 10)).await?;
    let published = store.articles(&list(Status::Published, mine, 10)).await?;
    let today = app
        .now()
        .with_timezone(&ctx.locale.tz)
        .date_naive()
        .to_string();
    let read_ids = store.most_read(&today, 5).await?;
    let mut most_read = store.articles_by_ids(&read_ids).await?;
    most_read.sort_by_key(|a| read_ids.iter().position(|id| *id == a.id));
    let all: Vec<&midad_core::Article> = drafts
        .iter()
        .chain(&pending)
        .chain(&scheduled)
        .chain(&published)
        .chain(&most_read)
        .collect();
    let names = crate::pages::names(&app, &all, &ctx).await?;
    let views = |l: &[midad_core::Article]| -> Vec<view::ArticleView> {
        l.iter()
            .map(|a| view::view(a, &names, &ctx.locale, false))
            .collect()
    };
    let html = app.theme.render(
        "admin/dashboard.html",
        context! {
            site => v(&ctx.site),
            me => context! { name => me.name.clone(), email => me.email.clone(), role => me.role.as_str() },
            csrf => user.session.csrf.clone(),
            can_manage_users => me.role.can(midad_core::Action::ManageUsers),
            can_manage_subscribers => me.role.can(midad_core::Action::ManageSubscribers),
            drafts => v(&views(&drafts)),
            pending => v(&views(&pending)),
            scheduled => v(&views(&scheduled)),
            published => v(&views(&published)),
            most_read => v(&views(&most_read)),
        },
    )?;
    Ok(page(StatusCode::OK, html))
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

async fn owner_exists(app: &App) -> Result<bool, WebError> {
    Ok(app
        .store
        .users()
        .await?
        .iter()
        .any(|u| u.role == Role::Owner))
}

fn setup_token_matches(app: &App, token: &str) -> bool {
    app.setup_token
        .lock()
        .map(|t| t.as_deref().is_some_and(|t| auth::same(t, token)))
        .unwrap_or(false)
}

async fn setup_page(
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

async fn setup(
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
    let tr = site::context(&app).await?;
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

/// How long a reset link works.
pub(crate) const RESET_MINUTES: i64 = 60;
/// Reset requests accepted from one address in the throttle window.
const MAX_RESETS_PER_ADDRESS: i64 = 10;

#[derive(Deserialize)]
pub(crate) struct ResetRequestForm {
    #[serde(default)]
    email: String,
}

async fn reset_request_page(State(app): State<Arc<App>>) -> Result<Response, WebError> {
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
async fn reset_request(
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
        crate::mail::queue_reset(&app, user.id, &user.email).await?;
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

async fn reset_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match app
        .store
        .password_reset_user(&auth::token_hash(&token), app.now())
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

async fn reset(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<ResetForm>,
) -> Result<Response, WebError> {
    if !auth::same_origin(&app, &headers) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let hash = auth::token_hash(&token);
    let Some(user_id) = app.store.password_reset_user(&hash, app.now()).await? else {
        return render(
            &app,
            StatusCode::NOT_FOUND,
            "admin/reset.html",
            context! { expired => true },
        )
        .await;
    };
    let tr = site::context(&app).await?;
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

/// Who did what and when: for those who run the site.
async fn audit_log(State(app): State<Arc<App>>, user: CurrentUser) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let ctx = site::context(&app).await?;
    let names: std::collections::HashMap<i64, String> = app
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let entries: Vec<_> = app
        .store
        .audit_log(300)
        .await?
        .into_iter()
        .map(|e| {
            context! {
                at => ctx.locale.date_time(e.at),
                who => e.user_id.and_then(|id| names.get(&id).cloned()),
                action => e.action,
                detail => e.detail,
                ip => e.ip,
            }
        })
        .collect();
    page_of(
        &app,
        StatusCode::OK,
        "admin/audit.html",
        context! { site => v(&ctx.site), entries => entries },
    )
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
async fn login_code(
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
    let hash = auth::token_hash(&form.challenge);
    let now = app.now();
    let Some(user_id) = app.store.login_challenge(&hash, now).await? else {
        return Ok(Redirect::to("/admin/login").into_response());
    };
    let tr = site::context(&app).await?;
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
    if !crate::totp::verify_stored(secret.as_deref(), &form.code, now.timestamp()) {
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
        app.store.delete_session(&auth::token_hash(old)).await?;
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

async fn account_page(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let ctx = site::context(app).await?;
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

async fn account(State(app): State<Arc<App>>, user: CurrentUser) -> Result<Response, WebError> {
    account_page(&app, &user, StatusCode::OK, Vec::new()).await
}

async fn totp_start(
    State(app): State<Arc<App>>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    let mut state = app.store.two_factor(user.session.user.id).await?;
    let mut secret = [0u8; 20];
    getrandom::fill(&mut secret).map_err(|e| WebError::Internal(e.to_string()))?;
    state.pending = Some(crate::totp::base32(&secret));
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

async fn wrong_code(app: &App, user: &CurrentUser) -> Result<Response, WebError> {
    let text = app.say("totp_wrong_code", None).await?;
    account_page(app, user, StatusCode::UNPROCESSABLE_ENTITY, vec![text]).await
}

async fn totp_confirm(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<CodeForm>,
) -> Result<Response, WebError> {
    let id = user.session.user.id;
    let mut state = app.store.two_factor(id).await?;
    if !crate::totp::verify_stored(state.pending.as_deref(), &form.code, app.now().timestamp()) {
        return wrong_code(&app, &user).await;
    }
    state.secret = state.pending.take();
    app.store.set_two_factor(id, &state).await?;
    app.store
        .audit(Some(id), "two_factor_on", "", user.ip.as_deref())
        .await?;
    Ok(Redirect::to("/admin/account").into_response())
}

async fn totp_off(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<CodeForm>,
) -> Result<Response, WebError> {
    let id = user.session.user.id;
    let state = app.store.two_factor(id).await?;
    if !crate::totp::verify_stored(state.secret.as_deref(), &form.code, app.now().timestamp()) {
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

//! Who is signed in: session cookies, CSRF tokens and sign-in throttling for the back office.
//!
//! The cookie carries 32 random bytes; the database keeps only their SHA-256, so a copy of
//! the database signs nobody in. Every sign-in makes a new session (a token planted before
//! it is never promoted: no session fixation). Each session has its own CSRF token, which
//! every state-changing form of a signed-in user must send back ([`Protected`]).

use super::tokens::{random_token, same, token_hash};
use super::{App, WebError};
use axum::extract::{ConnectInfo, Form, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use midad_store::Session;
use serde::de::DeserializeOwned;
use std::net::SocketAddr;
use std::sync::Arc;

pub(crate) const COOKIE: &str = "midad_session";
/// How long a session lasts without signing in again.
pub(crate) const SESSION_DAYS: i64 = 14;
/// Failed sign-ins counted over this window.
pub(crate) const THROTTLE_WINDOW_MINUTES: i64 = 15;
/// Failures of one account within the window before it must wait.
pub(crate) const MAX_ACCOUNT_FAILURES: i64 = 5;
/// Failures from one address within the window before it must wait.
pub(crate) const MAX_ADDRESS_FAILURES: i64 = 20;
/// How long a password-reset link works.
pub(crate) const RESET_MINUTES: i64 = 60;

pub(crate) fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The `Set-Cookie` value for a session token (or its removal when `None`).
pub(crate) fn session_cookie(app: &App, token: Option<&str>) -> String {
    let secure = if app.config.base_url.starts_with("https://") {
        "; Secure"
    } else {
        ""
    };
    match token {
        Some(t) => format!(
            "{COOKIE}={t}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{secure}",
            SESSION_DAYS * 86_400
        ),
        None => format!("{COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{secure}"),
    }
}

/// The client's address, when the server knows it.
pub(crate) fn client_ip(parts: &Parts) -> Option<String> {
    parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip().to_string())
}

/// Starts a session for `user_id`; returns the cookie's token.
pub(crate) async fn start_session(
    app: &App,
    user_id: i64,
    ip: Option<&str>,
    user_agent: Option<&str>,
) -> Result<String, WebError> {
    let token = random_token()?;
    let csrf = random_token()?;
    let hash = token_hash(&token);
    app.store
        .create_session(midad_store::NewSession {
            token_hash: &hash,
            user_id,
            csrf: &csrf,
            expires_at: app.now() + Duration::days(SESSION_DAYS),
            ip,
            user_agent: user_agent.map(|ua| &ua[..ua.len().min(300)]),
        })
        .await?;
    Ok(token)
}

/// The signed-in user of a request. A request without a valid session is sent to the
/// sign-in page.
pub(crate) struct CurrentUser {
    pub session: Session,
    pub ip: Option<String>,
}

impl<S> FromRequestParts<S> for CurrentUser
where
    Arc<App>: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let app = Arc::<App>::from_ref(state);
        let ip = client_ip(parts);
        let Some(token) = cookie_value(&parts.headers, COOKIE) else {
            return Err(Redirect::to("/admin/login").into_response());
        };
        match app.store.session(&token_hash(token), app.now()).await {
            Ok(Some(session)) => Ok(CurrentUser { session, ip }),
            Ok(None) => Err(Redirect::to("/admin/login").into_response()),
            Err(e) => Err(WebError::from(e).into_response()),
        }
    }
}

/// A form that carries the session's CSRF token.
pub(crate) trait HasCsrf {
    fn csrf(&self) -> &str;
}

/// A state-changing form of a signed-in user, accepted only with the session's CSRF token:
/// without it, or with another, the answer is 403 and nothing happens.
pub(crate) struct Protected<T> {
    pub user: CurrentUser,
    /// Sign-out forms carry nothing else; the editor's forms will.
    #[allow(dead_code)]
    pub form: T,
}

fn forbidden() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CACHE_CONTROL, "no-store")],
        Html(
            "<!doctype html><html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\">\
             <title>طلب مرفوض</title></head><body><h1>طلب مرفوض</h1>\
             <p>انتهت صلاحية النموذج أو لم يُرسل من هذا الموقع. عُد إلى الصفحة السابقة وحدّثها ثم حاول مجددًا.</p>\
             </body></html>",
        ),
    )
        .into_response()
}

impl<S, T> FromRequest<S> for Protected<T>
where
    Arc<App>: FromRef<S>,
    S: Send + Sync,
    T: DeserializeOwned + HasCsrf + Send,
{
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let user = CurrentUser::from_request_parts(&mut parts, state).await?;
        let req = Request::from_parts(parts, body);
        let Form(form) = Form::<T>::from_request(req, state)
            .await
            .map_err(|_| forbidden())?;
        if !same(form.csrf(), &user.session.csrf) {
            return Err(forbidden());
        }
        Ok(Protected { user, form })
    }
}

/// Refuses a sign-in form posted from another site (the login form has no session yet, so
/// no CSRF token: the browser's Origin says where it came from).
pub(crate) fn same_origin(app: &App, headers: &HeaderMap) -> bool {
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        // Old browsers and some privacy settings send no Origin; SameSite=Lax still holds.
        return true;
    };
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let base = app.config.base_url.trim_end_matches('/');
    origin == base
        || origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest == host)
}

/// How long an account or address must wait before trying again, if it must.
pub(crate) async fn throttled(
    app: &App,
    email: &str,
    ip: Option<&str>,
) -> Result<Option<Duration>, WebError> {
    let now = app.now();
    let since = now - Duration::minutes(THROTTLE_WINDOW_MINUTES);
    let mut wait: Option<DateTime<Utc>> = None;
    let mut check = |count: i64, oldest: Option<DateTime<Utc>>, max: i64| {
        if count >= max
            && let Some(oldest) = oldest
        {
            let until = oldest + Duration::minutes(THROTTLE_WINDOW_MINUTES);
            wait = Some(wait.map_or(until, |w| w.max(until)));
        }
    };
    let (n, oldest) = app
        .store
        .login_failures(&format!("email:{email}"), since)
        .await?;
    check(n, oldest, MAX_ACCOUNT_FAILURES);
    if let Some(ip) = ip {
        let (n, oldest) = app.store.login_failures(&format!("ip:{ip}"), since).await?;
        check(n, oldest, MAX_ADDRESS_FAILURES);
    }
    Ok(wait
        .map(|until| until - now)
        .filter(|d| *d > Duration::zero()))
}

/// A multipart form (an upload), read whole. A body over the route's size limit ends the
/// reading: `too_large` says so, and the fields read before it are kept.
pub(crate) struct UploadForm {
    fields: Vec<UploadField>,
    pub too_large: bool,
}

struct UploadField {
    name: String,
    filename: Option<String>,
    bytes: axum::body::Bytes,
}

impl UploadForm {
    pub async fn read(mut multipart: axum::extract::Multipart) -> UploadForm {
        let mut form = UploadForm {
            fields: Vec::new(),
            too_large: false,
        };
        loop {
            let field = match multipart.next_field().await {
                Ok(Some(f)) => f,
                Ok(None) => break,
                Err(_) => {
                    form.too_large = true;
                    break;
                }
            };
            let name = field.name().unwrap_or("").to_string();
            let filename = field.file_name().map(str::to_string);
            let Ok(bytes) = field.bytes().await else {
                form.too_large = true;
                break;
            };
            form.fields.push(UploadField {
                name,
                filename,
                bytes,
            });
        }
        form
    }

    /// A text field, trimmed; `None` when missing or empty.
    pub fn text(&self, name: &str) -> Option<String> {
        let f = self.fields.iter().find(|f| f.name == name)?;
        let t = String::from_utf8_lossy(&f.bytes).trim().to_string();
        (!t.is_empty()).then_some(t)
    }

    /// The non-empty files sent under any of `names`, with their file names, in order.
    pub fn files(&self, names: &[&str]) -> Vec<(&str, &[u8])> {
        self.fields
            .iter()
            .filter(|f| names.contains(&f.name.as_str()) && !f.bytes.is_empty())
            .map(|f| (f.filename.as_deref().unwrap_or(""), &f.bytes[..]))
            .collect()
    }

    /// The form carries the session's CSRF token, or the body was cut before any token was
    /// read (refused as too large by the caller all the same).
    pub fn csrf_ok(&self, user: &CurrentUser) -> bool {
        match self.fields.iter().find(|f| f.name == "csrf") {
            Some(f) => same(&String::from_utf8_lossy(&f.bytes), &user.session.csrf),
            None => self.too_large,
        }
    }
}

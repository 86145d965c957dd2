//! The subscribers screen: search, filters, CSV export, CSV import with a preview and a
//! report of the rows refused, deletion. Editors and above.

use super::roles::{allowed, not_allowed};
use super::screen::{CsrfOnly, page_of};
use crate::http::auth::{CurrentUser, HasCsrf, Protected, UploadForm};
use crate::http::routes::Routes;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use midad_core::Action;
use midad_store::{Lists, SubscriberQuery, SubscriberStatus};
use minijinja::context;
use serde::Deserialize;
use std::collections::HashSet;
use std::sync::Arc;

/// The largest CSV an import takes (about 200,000 addresses).
const MAX_CSV: usize = 8 * 1024 * 1024;
const MAX_ROWS: usize = 200_000;
const PER_PAGE: i64 = 50;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/admin/subscribers", get(list))
        .route("/admin/subscribers/export.csv", get(export))
        .route(
            "/admin/subscribers/import",
            post(preview).layer(DefaultBodyLimit::max(MAX_CSV + 64 * 1024)),
        )
        .route(
            "/admin/subscribers/import/confirm",
            post(import).layer(DefaultBodyLimit::max(3 * MAX_CSV)),
        )
        .route("/admin/subscribers/{id}/delete", post(delete))
}

#[derive(Deserialize, Default)]
pub(crate) struct ListParams {
    #[serde(default)]
    q: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    list: String,
    #[serde(default)]
    page: Option<String>,
}

impl ListParams {
    fn query(&self, limit: i64) -> SubscriberQuery {
        let page: i64 = self
            .page
            .as_deref()
            .and_then(|n| n.parse().ok())
            .filter(|n| (1..=100_000).contains(n))
            .unwrap_or(1);
        SubscriberQuery {
            q: self.q.trim().chars().take(200).collect(),
            status: SubscriberStatus::parse(&self.status),
            list: ["digest", "alerts"]
                .contains(&self.list.as_str())
                .then(|| self.list.clone()),
            limit,
            offset: (page - 1) * limit,
        }
    }
}

fn link(p: &ListParams, page: i64) -> String {
    let mut url = format!("/admin/subscribers?page={page}");
    for (k, v) in [("q", p.q.trim()), ("status", &p.status), ("list", &p.list)] {
        if !v.is_empty() {
            url.push_str(&format!("&{k}={}", midad_core::percent::encode(v)));
        }
    }
    url
}

/// The subscriber list again, with one refusal in the site's language.
async fn refused(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    key: &str,
) -> Result<Response, WebError> {
    let problem = app.say(key, None).await?;
    list_screen(
        app,
        user,
        status,
        &ListParams::default(),
        context! { problems => vec![problem] },
    )
    .await
}

async fn list(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSubscribers) {
        return not_allowed(&app).await;
    }
    list_screen(&app, &user, StatusCode::OK, &p, context! {}).await
}

async fn list_screen(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    p: &ListParams,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let q = p.query(PER_PAGE);
    let (rows, total) = app.store.subscribers(&q).await?;
    let page = q.offset / PER_PAGE + 1;
    let counts = app.store.subscriber_counts().await?;
    let subscribers: Vec<_> = rows
        .iter()
        .map(|s| {
            context! {
                id => s.id,
                email => s.email.clone(),
                status => s.status.as_str(),
                digest => s.lists.digest,
                alerts => s.lists.alerts,
                created => ctx.locale.date_time(s.created_at),
                bounces => s.bounces,
            }
        })
        .collect();
    page_of(
        app,
        status,
        "admin/subscribers.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            subscribers => subscribers,
            total => total,
            counts => counts.iter().map(|(s, n)| context! { status => s.as_str(), n => *n }).collect::<Vec<_>>(),
            q => p.q.trim(),
            status_filter => p.status.clone(),
            list_filter => p.list.clone(),
            export => link(p, 1).replacen("/admin/subscribers?page=1", "/admin/subscribers/export.csv?", 1).replace("?&", "?"),
            prev => (page > 1).then(|| link(p, page - 1)),
            next => (page * PER_PAGE < total).then(|| link(p, page + 1)),
            ..extra
        },
    )
}

/// A CSV field, quoted when it must be (and never read as a formula by a spreadsheet).
fn csv_field(s: &str) -> String {
    let s = if s.starts_with(['=', '+', '-', '@']) {
        format!("'{s}")
    } else {
        s.to_string()
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s
    }
}

async fn export(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSubscribers) {
        return not_allowed(&app).await;
    }
    let (rows, _) = app.store.subscribers(&p.query(100_000)).await?;
    let mut out = String::from("email,status,digest,alerts,sections,created_at,confirmed_at\n");
    for s in rows {
        let sections = s
            .lists
            .sections
            .iter()
            .map(|id| id.to_string())
            .collect::<Vec<_>>()
            .join(" ");
        out.push_str(&format!(
            "{},{},{},{},{},{},{}\n",
            csv_field(&s.email),
            s.status.as_str(),
            s.lists.digest,
            s.lists.alerts,
            sections,
            s.created_at.to_rfc3339(),
            s.confirmed_at.map(|t| t.to_rfc3339()).unwrap_or_default()
        ));
    }
    app.store
        .audit(
            Some(user.session.user.id),
            "subscribers_exported",
            "",
            user.ip.as_deref(),
        )
        .await?;
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"subscribers.csv\"",
            ),
            (header::CACHE_CONTROL, "no-store"),
        ],
        out,
    )
        .into_response())
}

/// What a CSV holds: the rows to add and the rows refused, each with its line and reason.
#[derive(Default)]
pub struct ParsedSubscribers {
    pub accepted: Vec<(String, Lists)>,
    /// Line, the address as written, the reason (`import_why_*` in the locale), detail.
    pub refused: Vec<(usize, String, &'static str, String)>,
}

fn yes(s: &str) -> Option<bool> {
    match s.trim().to_lowercase().as_str() {
        "" => None,
        "1" | "yes" | "true" | "y" | "نعم" => Some(true),
        "0" | "no" | "false" | "n" | "لا" => Some(false),
        _ => None,
    }
}

fn parse_csv(app: &App, text: &str) -> ParsedSubscribers {
    parse_subscribers(text, &app.config.mail.blocked_domains)
}

/// Reads `email[,digest][,alerts]` lines; a header line naming `email` is skipped.
pub fn parse_subscribers(text: &str, blocked_domains: &[String]) -> ParsedSubscribers {
    let mut parsed = ParsedSubscribers::default();
    let mut seen = HashSet::new();
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim().trim_start_matches('\u{feff}');
        if line.is_empty() {
            continue;
        }
        if parsed.accepted.len() + parsed.refused.len() >= MAX_ROWS {
            parsed
                .refused
                .push((n, String::new(), "too_many", MAX_ROWS.to_string()));
            break;
        }
        let cells: Vec<String> = line
            .split(',')
            .map(|c| c.trim().trim_matches('"').trim().to_string())
            .collect();
        let email = cells[0].clone();
        if n == 1 && email.eq_ignore_ascii_case("email") {
            continue;
        }
        let shown: String = email.chars().take(80).collect();
        let address = match midad_mail::address::check_address(&email) {
            Ok(a) => a,
            Err(e) => {
                parsed
                    .refused
                    .push((n, shown, "bad_address", e.code().to_string()));
                continue;
            }
        };
        if crate::site::newsletter::blocked(blocked_domains, &address) {
            parsed.refused.push((n, shown, "blocked", String::new()));
            continue;
        }
        if !seen.insert(midad_store::email_key(&address)) {
            parsed.refused.push((n, shown, "repeated", String::new()));
            continue;
        }
        let digest = cells.get(1).and_then(|c| yes(c)).unwrap_or(true);
        let alerts = cells.get(2).and_then(|c| yes(c)).unwrap_or(false);
        if !digest && !alerts {
            parsed.refused.push((n, shown, "no_list", String::new()));
            continue;
        }
        parsed.accepted.push((
            address,
            Lists {
                digest,
                alerts,
                sections: Vec::new(),
            },
        ));
    }
    parsed
}

/// Step one: the file is read and shown — what would be added, what is refused and why.
async fn preview(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let form = UploadForm::read(multipart).await;
    if !form.csrf_ok(&user) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let too_large = form.too_large;
    let mut text = String::new();
    let mut not_utf8 = false;
    for (_, bytes) in form.files(&["file", "csv"]) {
        match std::str::from_utf8(bytes) {
            Ok(t) => text.push_str(t),
            Err(_) => not_utf8 = true,
        }
        text.push('\n');
    }
    if !allowed(&user, Action::ManageSubscribers) {
        return not_allowed(&app).await;
    }
    if not_utf8 {
        return refused(
            &app,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            "import_not_utf8",
        )
        .await;
    }
    if too_large || text.len() > MAX_CSV {
        return refused(
            &app,
            &user,
            StatusCode::PAYLOAD_TOO_LARGE,
            "import_too_large",
        )
        .await;
    }
    let parsed = parse_csv(&app, &text);
    if parsed.accepted.is_empty() && parsed.refused.is_empty() {
        return refused(
            &app,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            "import_empty",
        )
        .await;
    }
    let ctx = site_context(&app).await?;
    page_of(
        &app,
        StatusCode::OK,
        "admin/subscribers_import.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            accepted => parsed.accepted.len(),
            sample => parsed.accepted.iter().take(20).map(|(e, l)| context! { email => e.clone(), digest => l.digest, alerts => l.alerts }).collect::<Vec<_>>(),
            refused => parsed.refused.iter().take(500).map(|(n, e, why, detail)| context! { line => *n, email => e.clone(), why => *why, detail => detail.clone() }).collect::<Vec<_>>(),
            refused_count => parsed.refused.len(),
            csv => text,
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct ImportForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    csv: String,
}

impl HasCsrf for ImportForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Step two: the previewed rows are added (as confirmed: they consented on the service
/// the newsroom leaves); addresses already known stay as they are.
async fn import(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<ImportForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSubscribers) {
        return not_allowed(&app).await;
    }
    if form.csv.len() > MAX_CSV {
        return refused(
            &app,
            &user,
            StatusCode::PAYLOAD_TOO_LARGE,
            "import_too_large",
        )
        .await;
    }
    let parsed = parse_csv(&app, &form.csv);
    let added = app
        .store
        .import_subscribers(&parsed.accepted, app.now(), midad_mail::token::random_nonce)
        .await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "subscribers_imported",
            &format!("{added} added, {} refused", parsed.refused.len()),
            user.ip.as_deref(),
        )
        .await?;
    let report = context! {
        imported => added,
        known => parsed.accepted.len() - added,
        refused_count => parsed.refused.len(),
    };
    list_screen(&app, &user, StatusCode::OK, &ListParams::default(), report).await
}

async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSubscribers) {
        return not_allowed(&app).await;
    }
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    match app.store.delete_subscriber(id).await {
        Ok(()) => {}
        Err(midad_store::StoreError::NotFound) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    app.store
        .audit(
            Some(user.session.user.id),
            "subscriber_deleted",
            &id.to_string(),
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/subscribers").into_response())
}

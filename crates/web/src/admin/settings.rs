//! The site's settings screen: name, tagline, logo, language, time zone, digits, Hijri date,
//! ticker window and feed content. A value fixed by the configuration (file, environment or
//! flag) is shown as fixed and is not changed from here, whatever a form sends.

use super::roles::{allowed, not_allowed};
use super::screen::page_of;
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::routes::Routes;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use midad_core::{Action, Settings};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) fn routes() -> Routes {
    Routes::new().route("/admin/settings", get(show).post(save))
}

/// The keys this screen edits, in the order shown.
const KEYS: [&str; 12] = [
    "name",
    "tagline",
    "logo",
    "locale",
    "timezone",
    "digits",
    "date_style",
    "hijri",
    "breaking_hours",
    "feed_full_content",
    "social",
    "digest_time",
];

async fn screen(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    values: &Settings,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let fixed: Vec<&str> = KEYS
        .iter()
        .copied()
        .filter(|k| app.config.site_overrides.contains_key(*k))
        .collect();
    page_of(
        app,
        status,
        "admin/settings.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            values => v(values),
            date_styles => date_styles(&ctx.locale, app.now()),
            fixed => fixed,
            smtp => app.config.mail.smtp_shown.clone(),
            mail_from => crate::mail::address::sender_address(app).0.address,
            problems => problems,
        },
    )
}

/// Each header date style, shown with today's date.
fn date_styles(
    locale: &crate::render::context::Locale,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<minijinja::Value> {
    midad_arabic::DateStyle::ALL
        .iter()
        .map(|style| {
            context! { value => style.as_str(), sample => locale.header_date_in(now, *style) }
        })
        .collect()
}

async fn show(State(app): State<Arc<App>>, user: CurrentUser) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSettings) {
        return not_allowed(&app).await;
    }
    let current =
        crate::render::context::effective_settings(&app.store, &app.config.site_overrides).await?;
    screen(&app, &user, StatusCode::OK, &current, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct SettingsForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    tagline: String,
    #[serde(default)]
    logo: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    digits: String,
    #[serde(default)]
    date_style: String,
    #[serde(default)]
    hijri: Option<String>,
    #[serde(default)]
    breaking_hours: String,
    #[serde(default)]
    feed_full_content: Option<String>,
    /// One profile address per line.
    #[serde(default)]
    social: String,
    #[serde(default)]
    digest_time: String,
}

impl HasCsrf for SettingsForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn save(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<SettingsForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSettings) {
        return not_allowed(&app).await;
    }
    let ctx = site_context(&app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&ctx.site.locale, key, None, ctx.locale.digits)
    };
    let mut problems = Vec::new();
    let hours = form.breaking_hours.trim().parse::<u32>();
    if hours.is_err() {
        problems.push(say("settings_hours_invalid"));
    }
    let wanted = Settings {
        name: form.name.trim().to_string(),
        tagline: form.tagline.trim().to_string(),
        logo: form.logo.trim().to_string(),
        locale: form.locale.trim().to_string(),
        timezone: form.timezone.trim().to_string(),
        digits: form.digits.trim().to_string(),
        // A form from before the field existed keeps the current style.
        date_style: match form.date_style.trim() {
            "" => ctx.settings.date_style.clone(),
            style => style.to_string(),
        },
        hijri: form.hijri.is_some(),
        breaking_hours: hours.unwrap_or(0),
        feed_full_content: form.feed_full_content.is_some(),
        social: form
            .social
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        digest_time: form.digest_time.trim().to_string(),
    };
    if let Err(v) = wanted.validate() {
        problems.extend(v.0.iter().map(|e| e.code.message_ar().to_string()));
    }
    if wanted.timezone.parse::<chrono_tz::Tz>().is_err() {
        problems.push(say("settings_timezone_invalid"));
    }
    if !wanted.logo.is_empty() && app.store.media_by_path(&wanted.logo).await?.is_none() {
        problems.push(say("settings_logo_missing"));
    }
    if !problems.is_empty() {
        problems.dedup();
        return screen(
            &app,
            &user,
            StatusCode::UNPROCESSABLE_ENTITY,
            &wanted,
            problems,
        )
        .await;
    }
    let values = serde_json::to_value(&wanted).map_err(|e| WebError::Internal(e.to_string()))?;
    let mut tx = app.store.begin().await?;
    for key in KEYS {
        // What the configuration fixes stays as the configuration says.
        if app.config.site_overrides.contains_key(key) {
            continue;
        }
        if let Some(value) = values.get(key) {
            tx.put_setting(key, value).await?;
        }
    }
    tx.commit().await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "settings_changed",
            "",
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/settings").into_response())
}

//! How a back-office page is answered: from a template with the site's context, never
//! cached, never framed; and the form that carries nothing but its CSRF token.

use crate::http::auth::HasCsrf;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use serde::Deserialize;

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

pub(crate) fn page(status: StatusCode, html: String) -> Response {
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

pub(crate) async fn render(
    app: &App,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Result<Response, WebError> {
    let site = site_context(app).await?;
    let html = app
        .theme
        .render(template, context! { site => v(&site.site), ..ctx })?;
    Ok(page(status, html))
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

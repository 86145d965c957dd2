//! Error pages in the theme: 404 and 500 answers rendered with the site's header,
//! navigation and search box.

use super::context::site_context;
use super::helpers::v;
use crate::http::App;
use crate::http::error::ErrorPage;
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Response};
use minijinja::context;
use std::sync::Arc;

/// Renders 404 and 500 pages with the theme (header, navigation, search box), keeping the
/// self-contained page when the theme itself fails.
pub(crate) async fn themed(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let head = req.method() == axum::http::Method::HEAD;
    let response = next.run(req).await;
    if response.extensions().get::<ErrorPage>().is_none() || head {
        return response;
    }
    let status = response.status();
    let Ok(ctx) = site_context(&app).await else {
        return response;
    };
    match app.theme.render(
        "error.html",
        context! { site => v(&ctx.site), status => status.as_u16() },
    ) {
        Ok(html) => (status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "the theme's error page failed");
            response
        }
    }
}

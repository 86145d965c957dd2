//! Errors of the web layer, shown to readers as Arabic pages; causes go to the log only.
//! The page here is self-contained (it must render even when the theme is what failed);
//! `render::error_page` replaces it with the theme's `error.html` when that renders.

use crate::theme::ThemeError;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};

#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("not found")]
    NotFound,
    #[error("template error: {0}")]
    Template(#[from] minijinja::Error),
    #[error("store error: {0}")]
    Store(#[from] midad_store::StoreError),
    #[error("{0}")]
    Internal(String),
}

impl From<ThemeError> for WebError {
    fn from(e: ThemeError) -> WebError {
        match e {
            ThemeError::Template(e) => WebError::Template(e),
            ThemeError::Invalid(e) => WebError::Internal(e),
        }
    }
}

/// Marks a response as an error page the theme may dress.
#[derive(Clone, Copy)]
pub(crate) struct ErrorPage;

impl IntoResponse for WebError {
    fn into_response(self) -> Response {
        let (status, title, line) = match &self {
            WebError::NotFound => (
                StatusCode::NOT_FOUND,
                "الصفحة غير موجودة",
                "ربما نُقلت هذه الصفحة أو حُذفت. جرّب الصفحة الرئيسية.",
            ),
            _ => {
                tracing::error!(error = %self, "request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "حدث خطأ",
                    "حدث خطأ غير متوقع من جهتنا. حاول مرة أخرى بعد قليل.",
                )
            }
        };
        let body = format!(
            "<!doctype html><html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head><body>\
             <h1>{title}</h1><p>{line}</p><p><a href=\"/\">الصفحة الرئيسية</a></p></body></html>"
        );
        let mut response =
            (status, [(header::CACHE_CONTROL, "no-store")], Html(body)).into_response();
        response.extensions_mut().insert(ErrorPage);
        response
    }
}

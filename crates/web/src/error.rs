//! Errors of the web layer, shown to readers as Arabic pages; causes go to the log only.

use axum::http::StatusCode;
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
        // A self-contained page: it must render even when the theme is what failed.
        let body = format!(
            "<!doctype html><html lang=\"ar\" dir=\"rtl\"><head><meta charset=\"utf-8\">\
             <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
             <title>{title}</title></head><body style=\"font-family:sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem\">\
             <h1>{title}</h1><p>{line}</p><p><a href=\"/\">الصفحة الرئيسية</a></p></body></html>"
        );
        (status, Html(body)).into_response()
    }
}

//! Search as JSON: `/api/v1/search` (the same query and parameters as the search page)
//! and `/api/v1/search/suggest` (titles as the reader types). A query the index refuses is a
//! `400` with a stable `error` code.

use crate::http::{App, WebError};
use crate::render::context::{Locale, effective_settings};
use crate::site::search::{Invalid, Params, blocking, check, enrich};
use axum::Json;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use std::sync::Arc;

#[derive(Serialize)]
struct ApiHit {
    id: i64,
    title: String,
    url: String,
    snippet: String,
    section: Option<String>,
    published_at: Option<String>,
}

#[derive(Serialize)]
struct ApiResults {
    total: usize,
    page: usize,
    results: Vec<ApiHit>,
}

fn unavailable() -> Response {
    api_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "search_unavailable",
        "البحث غير متاح الآن",
    )
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    (
        status,
        Json(serde_json::json!({ "error": code, "message": message })),
    )
        .into_response()
}

pub(crate) async fn api(
    State(app): State<Arc<App>>,
    Query(p): Query<Params>,
) -> Result<Response, WebError> {
    let Some(index) = app.search.clone() else {
        return Ok(unavailable());
    };
    let settings = effective_settings(&app.store, &app.config.site_overrides).await?;
    let locale = Locale::new(&settings);
    let checked = match check(&app, &p, &locale, 20).await {
        Ok(c) => c,
        Err(Invalid(code, msg)) => return Ok(api_error(StatusCode::BAD_REQUEST, code, msg)),
    };
    let request = checked.request;
    let page = request.page;
    let results = match blocking(move || index.search(&request)).await? {
        Ok(r) => r,
        Err(e) => return Ok(api_error(StatusCode::BAD_REQUEST, e.code(), e.message_ar())),
    };
    let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
    let facts = enrich(&app, &ids).await?;
    let base = &app.config.base_url;
    let hits = results
        .hits
        .into_iter()
        .filter_map(|h| {
            let (url, section) = facts.get(&h.id)?.clone();
            Some(ApiHit {
                id: h.id,
                title: h.title,
                url: format!("{base}{url}"),
                snippet: h.snippet_html,
                section,
                published_at: h.published_at.map(|t| locale.iso(t)),
            })
        })
        .collect();
    Ok(Json(ApiResults {
        total: results.total,
        page,
        results: hits,
    })
    .into_response())
}

#[derive(Deserialize)]
pub(crate) struct SuggestParams {
    #[serde(default)]
    q: String,
}

pub(crate) async fn suggest(
    State(app): State<Arc<App>>,
    Query(p): Query<SuggestParams>,
) -> Result<Response, WebError> {
    let Some(index) = app.search.clone() else {
        return Ok(unavailable());
    };
    let typed = p.q.clone();
    let found = match blocking(move || index.suggest(&typed, 8)).await? {
        Ok(found) => found,
        Err(e) => return Ok(api_error(StatusCode::BAD_REQUEST, e.code(), e.message_ar())),
    };
    let ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
    let facts = enrich(&app, &ids).await?;
    let base = &app.config.base_url;
    let out: Vec<_> = found
        .into_iter()
        .filter_map(|(id, title)| {
            let (url, _) = facts.get(&id)?;
            Some(serde_json::json!({ "id": id, "title": title, "url": format!("{base}{url}") }))
        })
        .collect();
    Ok(Json(serde_json::json!({ "suggestions": out })).into_response())
}

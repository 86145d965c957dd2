//! The JSON API under `/api/v1/`: today search and its suggestions. Answers are JSON and
//! never kept by the page cache; errors carry a stable code.

pub(crate) mod search;

use crate::http::routes::Routes;
use axum::routing::get;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/api/v1/search", get(search::api))
        .route("/api/v1/search/suggest", get(search::suggest))
}

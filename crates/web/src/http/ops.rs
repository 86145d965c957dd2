//! The operations endpoints and their counting: every response is counted by the `track`
//! middleware, `/metrics` shows the counters in the Prometheus text format, `/healthz`
//! says the process is alive and its database answers.

use super::app::App;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

pub(crate) async fn track(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    app.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let response = next.run(req).await;
    app.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
    let micros = u64::try_from(start.elapsed().as_micros()).unwrap_or(u64::MAX);
    app.metrics.record(response.status().as_u16(), micros);
    response
}

pub(crate) async fn render(State(app): State<Arc<App>>) -> impl IntoResponse {
    let m = &app.metrics;
    let mut out = String::new();
    out.push_str("# HELP midad_http_responses_total HTTP responses sent, by status class.\n");
    out.push_str("# TYPE midad_http_responses_total counter\n");
    for (i, counter) in m.by_class.iter().enumerate() {
        out.push_str(&format!(
            "midad_http_responses_total{{class=\"{}xx\"}} {}\n",
            i + 1,
            counter.load(Ordering::Relaxed)
        ));
    }
    out.push_str("# HELP midad_http_response_seconds_total Time spent answering requests.\n");
    out.push_str("# TYPE midad_http_response_seconds_total counter\n");
    out.push_str(&format!(
        "midad_http_response_seconds_total {:.6}\n",
        m.duration_micros.load(Ordering::Relaxed) as f64 / 1e6
    ));
    out.push_str("# HELP midad_http_requests_in_flight Requests being answered now.\n");
    out.push_str("# TYPE midad_http_requests_in_flight gauge\n");
    out.push_str(&format!(
        "midad_http_requests_in_flight {}\n",
        m.in_flight.load(Ordering::Relaxed)
    ));
    let cache = &app.cache;
    out.push_str("# HELP midad_page_cache_requests_total Page-cache lookups, by result.\n");
    out.push_str("# TYPE midad_page_cache_requests_total counter\n");
    out.push_str(&format!(
        "midad_page_cache_requests_total{{result=\"hit\"}} {}\nmidad_page_cache_requests_total{{result=\"miss\"}} {}\n",
        cache.hits.load(Ordering::Relaxed),
        cache.misses.load(Ordering::Relaxed)
    ));
    out.push_str("# HELP midad_page_cache_entries Pages held in the page cache.\n");
    out.push_str("# TYPE midad_page_cache_entries gauge\n");
    out.push_str(&format!("midad_page_cache_entries {}\n", cache.len()));
    out.push_str("# HELP midad_page_cache_bytes Bytes held in the page cache.\n");
    out.push_str("# TYPE midad_page_cache_bytes gauge\n");
    out.push_str(&format!("midad_page_cache_bytes {}\n", cache.bytes()));
    if let Ok(seq) = app.store.latest_seq().await {
        out.push_str("# HELP midad_change_log_sequence Newest change-log sequence number.\n");
        out.push_str("# TYPE midad_change_log_sequence gauge\n");
        out.push_str(&format!("midad_change_log_sequence {seq}\n"));
    }
    out.push_str("# HELP midad_build_info Version of the running binary.\n");
    out.push_str("# TYPE midad_build_info gauge\n");
    out.push_str(&format!(
        "midad_build_info{{version=\"{}\",backend=\"{}\"}} 1\n",
        env!("CARGO_PKG_VERSION"),
        app.store.backend().as_str()
    ));
    (
        [(
            header::CONTENT_TYPE,
            "text/plain; version=0.0.4; charset=utf-8",
        )],
        out,
    )
}

/// `/healthz`: alive, and the database answers.
pub(crate) async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.store.latest_seq().await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

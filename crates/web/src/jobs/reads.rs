//! Writes the counted reads ("most read") to the database every few seconds.

use crate::http::App;
use crate::http::reads::FLUSH_EVERY;
use std::sync::Arc;

/// Flushes the counters every [`FLUSH_EVERY`] for as long as the server runs.
pub(crate) async fn flush_loop(app: Arc<App>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = app.reads.flush(&app.store).await {
            tracing::warn!(error = %e, "cannot write read counts; will retry");
        }
    }
}

//! Counting readers for "most read", without cookies or any record of who read: each
//! article page served (from the cache or freshly rendered) adds one to an in-memory counter
//! of its article and site-local day; a background task adds the counters to the database
//! every few seconds.

use chrono::NaiveDate;
use midad_core::Id;
use midad_store::Store;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

/// How often counted reads are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

#[derive(Default)]
pub struct Reads {
    pending: Mutex<HashMap<(NaiveDate, Id), i64>>,
}

impl Reads {
    pub(crate) fn record(&self, id: Id, day: NaiveDate) {
        let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
        *map.entry((day, id)).or_default() += 1;
    }

    /// Writes what was counted since the last flush. On failure the counts are put back.
    pub async fn flush(&self, store: &Store) -> midad_store::Result<()> {
        let taken = std::mem::take(&mut *self.pending.lock().unwrap_or_else(|e| e.into_inner()));
        let mut by_day: HashMap<NaiveDate, Vec<(Id, i64)>> = HashMap::new();
        for ((day, id), n) in &taken {
            by_day.entry(*day).or_default().push((*id, *n));
        }
        let mut days: Vec<_> = by_day.into_iter().collect();
        while let Some((day, counts)) = days.pop() {
            if let Err(e) = store.add_views(&day.to_string(), &counts).await {
                let mut map = self.pending.lock().unwrap_or_else(|e| e.into_inner());
                days.push((day, counts));
                for (day, counts) in days {
                    for (id, n) in counts {
                        *map.entry((day, id)).or_default() += n;
                    }
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

/// Flushes the counters every [`FLUSH_EVERY`] for as long as the server runs.
pub async fn flush_loop(app: std::sync::Arc<crate::App>) {
    let mut tick = tokio::time::interval(FLUSH_EVERY);
    loop {
        tick.tick().await;
        if let Err(e) = app.reads.flush(&app.store).await {
            tracing::warn!(error = %e, "cannot write read counts; will retry");
        }
    }
}

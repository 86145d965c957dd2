//! Request counters exposed at `/metrics` in the Prometheus text format.

use std::sync::atomic::{AtomicU64, Ordering};

#[derive(Default)]
pub struct Metrics {
    /// Responses by status class: 1xx … 5xx.
    pub(crate) by_class: [AtomicU64; 5],
    pub(crate) duration_micros: AtomicU64,
    pub(crate) in_flight: AtomicU64,
}

impl Metrics {
    pub(crate) fn record(&self, status: u16, micros: u64) {
        let class = usize::from(status / 100).clamp(1, 5) - 1;
        self.by_class[class].fetch_add(1, Ordering::Relaxed);
        self.duration_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

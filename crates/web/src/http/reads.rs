//! Counting readers for "most read", without cookies or any record of who read: each
//! article page served (from the cache or freshly rendered) adds one to an in-memory counter
//! of its article and site-local day; a background task adds the counters to the database
//! every few seconds.
//!
//! A cached page holds its counter, so a hit adds one with a single atomic operation: no
//! lock and no map look-up on the path that serves a breaking story a hundred times a
//! second.

use chrono::NaiveDate;
use midad_core::Id;
use midad_store::Store;
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// How often counted reads are written.
pub const FLUSH_EVERY: Duration = Duration::from_secs(5);

/// The reads of one article on one day, not yet written.
pub(crate) type Counter = Arc<AtomicI64>;

#[derive(Default)]
pub struct Reads {
    counters: Mutex<HashMap<(NaiveDate, Id), Counter>>,
}

impl Reads {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(NaiveDate, Id), Counter>> {
        self.counters.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The counter of an article's reads on a day, for a cached page to keep.
    pub(crate) fn counter(&self, id: Id, day: NaiveDate) -> Counter {
        self.lock().entry((day, id)).or_default().clone()
    }

    /// What was counted since the last call, by day, each counter back to zero.
    fn take(&self) -> HashMap<NaiveDate, Vec<(Id, i64)>> {
        let mut by_day: HashMap<NaiveDate, Vec<(Id, i64)>> = HashMap::new();
        let mut counters = self.lock();
        for ((day, id), counter) in counters.iter() {
            let n = counter.swap(0, Ordering::Relaxed);
            if n != 0 {
                by_day.entry(*day).or_default().push((*id, n));
            }
        }
        // A counter no cached page holds any more is made again when next needed: no one
        // else can reach it while the lock is held.
        counters.retain(|_, c| Arc::strong_count(c) > 1);
        by_day
    }

    /// Writes what was counted since the last flush. On failure the counts are put back.
    pub async fn flush(&self, store: &Store) -> midad_store::Result<()> {
        let mut days: Vec<_> = self.take().into_iter().collect();
        while let Some((day, counts)) = days.pop() {
            if let Err(e) = store.add_views(&day.to_string(), &counts).await {
                days.push((day, counts));
                for (day, counts) in days {
                    for (id, n) in counts {
                        self.counter(id, day).fetch_add(n, Ordering::Relaxed);
                    }
                }
                return Err(e);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counters_held_by_a_page_are_shared_and_the_others_dropped_after_a_flush() {
        let reads = Reads::default();
        let day = NaiveDate::from_ymd_opt(2024, 11, 16).unwrap();
        let held = reads.counter(7, day);
        reads.counter(7, day).fetch_add(1, Ordering::Relaxed);
        held.fetch_add(2, Ordering::Relaxed);
        reads.counter(8, day).fetch_add(1, Ordering::Relaxed);
        let mut counted = reads.take().remove(&day).unwrap();
        counted.sort();
        assert_eq!(counted, [(7, 3), (8, 1)], "one counter per article and day");
        assert_eq!(reads.lock().len(), 1, "only the counter a page holds stays");
        held.fetch_add(1, Ordering::Relaxed);
        assert_eq!(
            reads.take().remove(&day).unwrap(),
            [(7, 1)],
            "counted from zero again"
        );
        assert!(reads.take().is_empty());
    }
}

//! The scheduler: publishes scheduled items when their time comes. It looks once a second
//! and at start-up, so an item whose time passed while the server was down is published as
//! soon as it is back. On several nodes each runs it; the conditional update in
//! [`crate::Tx::publish_due`] publishes every item exactly once.

use crate::{ArticleQuery, Result, Store};
use chrono::{DateTime, Utc};
use midad_core::{Id, Status};
use std::time::Duration;

/// How often the scheduler looks for due items.
pub const EVERY: Duration = Duration::from_secs(1);

impl Store {
    /// Publishes what is due at `now`; returns the ids published by this call.
    pub async fn publish_scheduled(&self, now: DateTime<Utc>) -> Result<Vec<Id>> {
        // A read first: most seconds nothing is due, and the write lock stays free.
        let due = self
            .count_articles(&ArticleQuery {
                status: Some(Status::Scheduled),
                published_until: Some(now + chrono::Duration::microseconds(1)),
                ..Default::default()
            })
            .await?;
        if due == 0 {
            return Ok(Vec::new());
        }
        let mut tx = self.begin().await?;
        let ids = tx.publish_due(now).await?;
        tx.commit().await?;
        for id in &ids {
            self.audit(None, "scheduled_publish", &format!("article {id}"), None)
                .await?;
        }
        Ok(ids)
    }
}

/// Runs the scheduler until the task is dropped.
pub async fn run_scheduler(store: Store) {
    let mut tick = tokio::time::interval(EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match store.publish_scheduled(Utc::now()).await {
            Ok(ids) if !ids.is_empty() => tracing::info!(?ids, "published on schedule"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "scheduler: will try again"),
        }
    }
}

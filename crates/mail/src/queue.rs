//! The sender: takes due messages from the durable queue in the database and delivers them
//! over the transport, at a set rate, with retries and bounce counting.
//!
//! One sender runs at a time however many nodes share the database: each holds a lease
//! (`locks`) while it works and renews it between batches. A sender that takes the lease
//! over puts back in the queue what its predecessor had in flight — those messages may
//! arrive twice, which is why a batch is never larger than the sender's concurrency, and
//! why a message keeps its Message-ID across attempts (mail servers can drop the copy).

use crate::message::Outgoing;
use crate::transport::{SendError, Transport};
use chrono::{DateTime, Duration, Utc};
use midad_core::Id;
use midad_store::{QueuedMessage, SENDER_LOCK, Send, Store};
use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use tokio::sync::{Mutex, Notify};
use tokio::task::JoinSet;

/// Writes the message a queued row stands for (the site's templates know how).
pub trait Compose: std::marker::Send + Sync + 'static {
    /// `Ok(None)`: the message should no longer go (the subscriber left).
    fn compose(
        &self,
        send: &Send,
        message: &QueuedMessage,
    ) -> impl Future<Output = Result<Option<Outgoing>, String>> + std::marker::Send;

    /// Called every few seconds while this process holds the lease: the place for work
    /// that must run once across nodes, such as queuing the daily digest when it is due.
    fn while_leading(&self) -> impl Future<Output = ()> + std::marker::Send {
        async {}
    }
}

#[derive(Clone, Debug)]
pub struct SenderConfig {
    /// Messages per second; 0 = as fast as the server takes them.
    pub rate_per_second: u32,
    /// Messages in flight at once (and the most that can arrive twice after a crash).
    pub concurrency: usize,
    /// Permanent refusals after which an address is `bouncing`.
    pub bounce_threshold: i64,
    /// Attempts after which a temporarily refused message is given up.
    pub max_attempts: i64,
    /// Who holds the lease: unique per process.
    pub holder: String,
    pub lease: Duration,
    /// Signs every message when set.
    pub dkim: Option<crate::Dkim>,
}

impl Default for SenderConfig {
    fn default() -> Self {
        SenderConfig {
            rate_per_second: 50,
            concurrency: 8,
            bounce_threshold: 3,
            max_attempts: 8,
            holder: format!("{}-{}", std::process::id(), crate::token::random_nonce()),
            lease: Duration::seconds(15),
            dkim: None,
        }
    }
}

/// How long to wait before attempt `attempts + 1` of a temporarily refused message:
/// a minute, then 5, 15, 30 minutes, an hour, then every three hours.
pub fn backoff(attempts: i64) -> Duration {
    match attempts {
        ..=1 => Duration::minutes(1),
        2 => Duration::minutes(5),
        3 => Duration::minutes(15),
        4 => Duration::minutes(30),
        5 => Duration::hours(1),
        _ => Duration::hours(3),
    }
}

/// Spaces sends evenly at the configured rate.
struct Pace {
    every: Option<std::time::Duration>,
    next: Mutex<tokio::time::Instant>,
}

impl Pace {
    fn new(rate: u32) -> Pace {
        Pace {
            every: (rate > 0).then(|| std::time::Duration::from_secs_f64(1.0 / f64::from(rate))),
            next: Mutex::new(tokio::time::Instant::now()),
        }
    }

    async fn wait(&self) {
        let Some(every) = self.every else { return };
        let slot = {
            let mut next = self.next.lock().await;
            let now = tokio::time::Instant::now();
            let slot = (*next).max(now);
            *next = slot + every;
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

/// What one pass of the sender did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pass {
    pub leading: bool,
    pub sent: usize,
    pub retried: usize,
    pub bounced: usize,
    pub failed: usize,
    pub skipped: usize,
}

impl Pass {
    pub fn handled(&self) -> usize {
        self.sent + self.retried + self.bounced + self.failed + self.skipped
    }
}

pub struct Sender<C: Compose> {
    store: Store,
    transport: Transport,
    composer: Arc<C>,
    config: SenderConfig,
    pace: Arc<Pace>,
    leading: bool,
    sends: HashMap<Id, Arc<Send>>,
}

/// The outcome of delivering one message.
enum Delivered {
    Sent(Id),
    Skipped(Id),
    Refused(Id, SendError, i64),
    Broken(Id, String),
}

impl<C: Compose> Sender<C> {
    pub fn new(store: Store, transport: Transport, composer: Arc<C>, config: SenderConfig) -> Self {
        let pace = Arc::new(Pace::new(config.rate_per_second));
        Sender {
            store,
            transport,
            composer,
            config,
            pace,
            leading: false,
            sends: HashMap::new(),
        }
    }

    /// Takes or keeps the lease; on taking it over, puts back what a dead sender had in
    /// flight.
    async fn lead(&mut self, now: DateTime<Utc>) -> Result<bool, midad_store::StoreError> {
        let held = self
            .store
            .lease(SENDER_LOCK, &self.config.holder, now, self.config.lease)
            .await?;
        if held && !self.leading {
            let back = self.store.requeue_in_flight().await?;
            if back > 0 {
                tracing::warn!(
                    messages = back,
                    "a previous sender stopped with messages in flight; they go again (some may arrive twice)"
                );
            }
        }
        self.leading = held;
        Ok(held)
    }

    async fn send_of(&mut self, id: Id) -> Result<Option<Arc<Send>>, midad_store::StoreError> {
        if let Some(s) = self.sends.get(&id) {
            return Ok(Some(s.clone()));
        }
        let Some(send) = self.store.send(id).await? else {
            return Ok(None);
        };
        if self.sends.len() > 64 {
            self.sends.clear();
        }
        let send = Arc::new(send);
        self.sends.insert(id, send.clone());
        Ok(Some(send))
    }

    /// One batch: lead, take up to `concurrency` due messages, deliver them, record how
    /// each went.
    pub async fn pass(&mut self) -> Result<Pass, midad_store::StoreError> {
        let mut pass = Pass::default();
        let now = Utc::now();
        if !self.lead(now).await? {
            return Ok(pass);
        }
        pass.leading = true;
        self.composer.while_leading().await;
        let batch = self
            .store
            .claim(self.config.concurrency.max(1) as i64, Utc::now())
            .await?;
        let mut tasks = JoinSet::new();
        for message in batch {
            let Some(send) = self.send_of(message.send_id).await? else {
                pass.skipped += 1;
                self.store
                    .mark_retry(message.id, "its send is gone", None)
                    .await?;
                continue;
            };
            let composer = self.composer.clone();
            let transport = self.transport.clone();
            let pace = self.pace.clone();
            let dkim = self.config.dkim.clone();
            tasks.spawn(async move {
                deliver(&*composer, &transport, &pace, dkim.as_ref(), &send, message).await
            });
        }
        let mut sent = Vec::new();
        while let Some(done) = tasks.join_next().await {
            let Ok(done) = done else { continue };
            match done {
                Delivered::Sent(id) => sent.push(id),
                Delivered::Skipped(id) => {
                    pass.skipped += 1;
                    self.store.mark_skipped(id).await?;
                }
                Delivered::Refused(id, SendError::Permanent(why), _) => {
                    pass.bounced += 1;
                    self.store
                        .mark_bounced(id, &why, self.config.bounce_threshold)
                        .await?;
                }
                Delivered::Refused(id, SendError::Transient(why), attempts) => {
                    if attempts >= self.config.max_attempts {
                        pass.failed += 1;
                        self.store.mark_retry(id, &why, None).await?;
                    } else {
                        pass.retried += 1;
                        self.store
                            .mark_retry(id, &why, Some(Utc::now() + backoff(attempts)))
                            .await?;
                    }
                }
                Delivered::Broken(id, why) => {
                    pass.failed += 1;
                    self.store.mark_retry(id, &why, None).await?;
                }
            }
        }
        pass.sent = sent.len();
        self.store.mark_sent(&sent, Utc::now()).await?;
        Ok(pass)
    }

    /// Gives the lease back (a clean stop), so another node need not wait for it to run out.
    pub async fn release(&mut self) {
        if self.leading {
            let _ = self.store.release(SENDER_LOCK, &self.config.holder).await;
            self.leading = false;
        }
    }

    /// Sends until stopped: a batch after another while there is work, otherwise waits to be
    /// woken (something was queued) or for the next retry to fall due, renewing the lease.
    pub async fn run(mut self, wake: Arc<Notify>) {
        loop {
            let pass = match self.pass().await {
                Ok(p) => p,
                Err(e) => {
                    tracing::error!(error = %e, "the newsletter sender could not reach the database");
                    Pass::default()
                }
            };
            if pass.handled() > 0 {
                continue;
            }
            let idle = if pass.leading {
                std::time::Duration::from_secs(2)
            } else {
                // Another node leads: look again before its lease could run out.
                std::time::Duration::from_secs(5)
            };
            let _ = tokio::time::timeout(idle, wake.notified()).await;
        }
    }
}

async fn deliver<C: Compose>(
    composer: &C,
    transport: &Transport,
    pace: &Pace,
    dkim: Option<&crate::Dkim>,
    send: &Send,
    message: QueuedMessage,
) -> Delivered {
    let outgoing = match composer.compose(send, &message).await {
        Ok(Some(o)) => o,
        Ok(None) => return Delivered::Skipped(message.id),
        Err(e) => return Delivered::Broken(message.id, e),
    };
    let bytes = match outgoing.to_bytes(dkim) {
        Ok(b) => b,
        Err(e) => return Delivered::Broken(message.id, e.to_string()),
    };
    pace.wait().await;
    let from = outgoing.from.address.clone();
    match transport.send(&from, &message.email, &bytes).await {
        Ok(()) => Delivered::Sent(message.id),
        Err(e) => Delivered::Refused(message.id, e, message.attempts),
    }
}

//! The newsletter sender's site side ([`SiteComposer`]): it writes each message from the
//! theme when the sender takes it, and, on the node that leads the sending, keeps the daily
//! digest's clock — every few seconds it asks whether today's digest is due.

use crate::http::{App, WebError};
use crate::mail::compose::compose_for;
use crate::mail::outbox::{DigestOutcome, queue_digest};
use crate::render::context::site_context;
use crate::render::helpers::v;
use midad_mail::message::Outgoing;
use midad_store::{QueuedMessage, Send};

/// Queues the daily digest once it is due today in the site's zone, unless one went out
/// today already. Asked every few seconds by the node that leads the sending.
pub async fn digest_if_due(app: &App) -> Result<Option<DigestOutcome>, WebError> {
    let ctx = site_context(app).await?;
    let Some((hour, minute)) = ctx.settings.digest_at() else {
        return Ok(None);
    };
    let now = app.now();
    let local = now.with_timezone(&ctx.locale.tz);
    let today = local.date_naive();
    if let Ok(done) = app.digest_day.lock()
        && *done == Some(today)
    {
        return Ok(None);
    }
    let due = chrono::Timelike::hour(&local) > hour
        || (chrono::Timelike::hour(&local) == hour && chrono::Timelike::minute(&local) >= minute);
    if !due {
        return Ok(None);
    }
    let already = app
        .store
        .last_send("digest")
        .await?
        .is_some_and(|(_, t)| t.with_timezone(&ctx.locale.tz).date_naive() == today);
    let outcome = if already {
        None
    } else {
        Some(queue_digest(app, now).await?)
    };
    if let Ok(mut done) = app.digest_day.lock() {
        *done = Some(today);
    }
    if let Some(o) = &outcome {
        tracing::info!(outcome = ?o, "daily digest");
    }
    Ok(outcome)
}

/// The site's side of the newsletter sender: messages written from the theme, and the
/// daily digest queued by whichever node leads.
pub struct SiteComposer {
    app: std::sync::Arc<App>,
    /// The site's context for the templates, and when it was read.
    site: tokio::sync::Mutex<Option<(std::time::Instant, minijinja::Value)>>,
}

/// How long the sender uses the site's context before reading it again.
const SITE_CONTEXT_TTL: std::time::Duration = std::time::Duration::from_secs(5);

impl SiteComposer {
    pub fn new(app: std::sync::Arc<App>) -> SiteComposer {
        SiteComposer {
            app,
            site: tokio::sync::Mutex::new(None),
        }
    }

    async fn site_value(&self) -> Result<minijinja::Value, WebError> {
        let mut cached = self.site.lock().await;
        if let Some((at, value)) = &*cached
            && at.elapsed() < SITE_CONTEXT_TTL
        {
            return Ok(value.clone());
        }
        let ctx = site_context(&self.app).await?;
        let value = v(&ctx.site);
        *cached = Some((std::time::Instant::now(), value.clone()));
        Ok(value)
    }
}

impl midad_mail::queue::Compose for SiteComposer {
    async fn compose(
        &self,
        send: &Send,
        message: &QueuedMessage,
    ) -> Result<Option<Outgoing>, String> {
        let site_value = self.site_value().await.map_err(|e| e.to_string())?;
        compose_for(&self.app, site_value, send, message)
            .await
            .map_err(|e| e.to_string())
    }

    async fn while_leading(&self) {
        if let Err(e) = digest_if_due(&self.app).await {
            tracing::error!(error = %e, "could not queue the daily digest");
        }
    }
}

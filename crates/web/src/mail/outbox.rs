//! The outbox: confirmations, digests, breaking alerts, test sends and password resets are
//! queued here (`newsletter_sends` and `newsletter_queue`), each send with its messages in
//! one transaction, and the sender is woken. The messages are written later, one
//! subscriber at a time, by [`compose`](super::compose).

use super::address::sender_address;
use super::payload::{Payload, Story, digest_payload, for_sections, stories};
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use chrono::{DateTime, Utc};
use midad_core::{Article, ArticleKind, Id};
use midad_store::{ArticleQuery, NewMessage};
use minijinja::context;

fn new_message_id(app: &App) -> String {
    midad_mail::message::message_id(&sender_address(app).1)
}

/// One message of a send, to one address.
fn message_to(app: &App, subscriber_id: Option<Id>, email: String) -> NewMessage {
    NewMessage {
        subscriber_id,
        email,
        message_id: new_message_id(app),
    }
}

/// What a send is, as recorded with its messages.
struct SendRecord<'a> {
    kind: &'a str,
    subject: String,
    payload: serde_json::Value,
    article_id: Option<Id>,
    user_id: Option<Id>,
}

/// Records a send and queues its messages in one transaction, then wakes the sender.
/// Returns the send's id and how many messages were queued.
async fn queue_send(
    app: &App,
    send: SendRecord<'_>,
    messages: &[NewMessage],
) -> Result<(Id, u64), WebError> {
    let mut tx = app.store.begin().await?;
    let id = tx
        .create_send(
            send.kind,
            &send.subject,
            &send.payload,
            send.article_id,
            send.user_id,
        )
        .await?;
    let queued = tx.enqueue(id, messages).await?;
    tx.commit().await?;
    app.mail_wake.notify_one();
    Ok((id, queued))
}

/// Queues one message of a new send and wakes the sender.
async fn queue_one(
    app: &App,
    kind: &str,
    payload: serde_json::Value,
    subscriber_id: Option<Id>,
    email: &str,
    user_id: Option<Id>,
) -> Result<Id, WebError> {
    let send = SendRecord {
        kind,
        subject: String::new(),
        payload,
        article_id: None,
        user_id,
    };
    let message = message_to(app, subscriber_id, email.to_string());
    Ok(queue_send(app, send, &[message]).await?.0)
}

/// A digest's, an alert's or a test's record: its subject rendered from `template`.
async fn rendered_send<'a>(
    app: &App,
    kind: &'a str,
    template: &str,
    payload: &Payload,
    article_id: Option<Id>,
) -> Result<SendRecord<'a>, WebError> {
    let subject = app
        .theme
        .render(template, subject_context(app, payload).await?)?;
    Ok(SendRecord {
        kind,
        subject: subject.trim().to_string(),
        payload: serde_json::to_value(payload).map_err(|e| WebError::Internal(e.to_string()))?,
        article_id,
        user_id: payload.user_id,
    })
}

pub(crate) async fn queue_confirmation(
    app: &App,
    subscriber: Id,
    email: &str,
) -> Result<(), WebError> {
    queue_one(
        app,
        "confirmation",
        serde_json::json!({}),
        Some(subscriber),
        email,
        None,
    )
    .await?;
    Ok(())
}

/// A reset link is made when the message is written, so only its hash is ever stored.
pub(crate) async fn queue_reset(app: &App, user_id: Id, email: &str) -> Result<(), WebError> {
    queue_one(
        app,
        "reset",
        serde_json::json!({ "user_id": user_id }),
        None,
        email,
        Some(user_id),
    )
    .await?;
    Ok(())
}

/// What became of a digest.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DigestOutcome {
    /// Queued for this many subscribers.
    Queued { send_id: Id, messages: u64 },
    /// Nothing was published since the last digest.
    NothingNew,
    /// Stories, but no confirmed subscriber of the digest (of their sections).
    NoAudience,
}

/// Queues the digest for every confirmed subscriber of it (each gets the stories of their
/// sections; one with none is left out). Nothing new since the last digest: nothing sent.
pub async fn queue_digest(app: &App, now: DateTime<Utc>) -> Result<DigestOutcome, WebError> {
    let Some(payload) = digest_payload(app, now).await? else {
        return Ok(DigestOutcome::NothingNew);
    };
    let audience = app.store.audience("digest").await?;
    let all: Vec<Story> = payload.top.iter().chain(&payload.latest).cloned().collect();
    let messages: Vec<NewMessage> = audience
        .into_iter()
        .filter(|(_, _, sections)| !for_sections(&all, sections).is_empty())
        .map(|(id, email, _)| message_to(app, Some(id), email))
        .collect();
    if messages.is_empty() {
        return Ok(DigestOutcome::NoAudience);
    }
    let send = rendered_send(app, "digest", "mail/digest.subject.txt", &payload, None).await?;
    let (send_id, queued) = queue_send(app, send, &messages).await?;
    Ok(DigestOutcome::Queued {
        send_id,
        messages: queued,
    })
}

async fn subject_context(app: &App, payload: &Payload) -> Result<minijinja::Value, WebError> {
    let ctx = site_context(app).await?;
    Ok(context! {
        site => v(&ctx.site),
        date => payload.date.clone(),
        top => v(&payload.top),
        latest => v(&payload.latest),
    })
}

/// Queues a published article as a breaking alert to everyone who asked for alerts.
pub(crate) async fn queue_alert(
    app: &App,
    article: &Article,
    user_id: Id,
) -> Result<u64, WebError> {
    let story = stories(app, std::slice::from_ref(article)).await?;
    let payload = Payload {
        date: String::new(),
        top: story,
        latest: Vec::new(),
        user_id: Some(user_id),
    };
    let audience = app.store.audience("alerts").await?;
    let messages: Vec<NewMessage> = audience
        .into_iter()
        .map(|(id, email, _)| message_to(app, Some(id), email))
        .collect();
    let send = rendered_send(
        app,
        "alert",
        "mail/alert.subject.txt",
        &payload,
        Some(article.id),
    )
    .await?;
    Ok(queue_send(app, send, &messages).await?.1)
}

/// Sends the digest as it would go out now (or the latest stories, when nothing is new) to
/// one address: the signed-in user's own, to see it in their mail client.
pub(crate) async fn queue_test(app: &App, user_id: Id, email: &str) -> Result<(), WebError> {
    let now = app.now();
    let mut payload = match digest_payload(app, now).await? {
        Some(p) => p,
        None => {
            let latest = app
                .store
                .articles(&ArticleQuery::published(ArticleKind::Article, 5))
                .await?;
            let ctx = site_context(app).await?;
            Payload {
                date: ctx.locale.header_date(now),
                top: Vec::new(),
                latest: stories(app, &latest).await?,
                user_id: None,
            }
        }
    };
    payload.user_id = Some(user_id);
    let send = rendered_send(app, "test", "mail/digest.subject.txt", &payload, None).await?;
    queue_send(app, send, &[message_to(app, None, email.to_string())]).await?;
    Ok(())
}

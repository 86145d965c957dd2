//! What the site mails, and how each message is written: confirmations, digests, breaking
//! alerts, test sends and password resets are queued here (`newsletter_sends` and
//! `newsletter_queue`) and composed from the theme's `mail/` templates when the sender
//! takes them, one subscriber at a time (their links are personal).
//!
//! A send's content is fixed when it is queued (its payload: the stories, as they were),
//! so a send resumed after a restart says the same thing to everyone.

use crate::newsletter::{CONFIRM, CONFIRM_DAYS, MANAGE};
use crate::pages::names;
use crate::view;
use crate::{App, WebError, site};
use chrono::{DateTime, Duration, Utc};
use midad_core::{Article, ArticleKind, Id, Status};
use midad_mail::message::{Mailbox, Outgoing, Unsubscribe};
use midad_mail::token::{Claim, Signer};
use midad_store::{ArticleQuery, NewMessage, QueuedMessage, Send, Subscriber, SubscriberStatus};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The mail settings the web layer needs (from the configuration's `[mail]`).
#[derive(Clone, Debug, Default)]
pub struct MailSettings {
    /// `Name <address>` or an address; empty = `noreply@` the site's host.
    pub from: String,
    pub reply_to: String,
    /// Sign-ups from these domains (and their subdomains) are answered but never mailed.
    pub blocked_domains: Vec<String>,
    /// Where a `mailto:` unsubscribe goes; empty = none.
    pub unsubscribe_mailto: String,
    /// The SMTP server, password hidden, for the settings screen; empty = none set.
    pub smtp_shown: String,
}

/// The key links are signed with: made once per site and kept in the database, so every
/// node signs alike and links outlive restarts.
pub(crate) async fn signer(app: &App) -> Result<&Signer, WebError> {
    app.signer
        .get_or_try_init(|| async {
            let key = app
                .store
                .secret("link-key", || {
                    use base64::Engine;
                    base64::engine::general_purpose::STANDARD
                        .encode(midad_mail::token::random_key())
                })
                .await?;
            use base64::Engine;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(key.as_bytes())
                .map_err(|e| WebError::Internal(format!("the link key is unreadable: {e}")))?;
            Ok::<_, WebError>(Signer::new(&bytes))
        })
        .await
}

fn claim(purpose: &str, subject: Id, nonce: &str, expires: Option<DateTime<Utc>>) -> Claim {
    Claim {
        purpose: purpose.into(),
        subject,
        expires,
        nonce: nonce.into(),
    }
}

pub(crate) async fn manage_link(app: &App, s: &Subscriber) -> Result<String, WebError> {
    let token = signer(app)
        .await?
        .sign(&claim(MANAGE, s.id, &s.manage_nonce, None));
    Ok(format!(
        "{}/newsletter/preferences/{token}",
        app.config.base_url
    ))
}

pub(crate) async fn unsubscribe_link(app: &App, s: &Subscriber) -> Result<String, WebError> {
    let token = signer(app)
        .await?
        .sign(&claim(MANAGE, s.id, &s.manage_nonce, None));
    Ok(format!(
        "{}/newsletter/unsubscribe/{token}",
        app.config.base_url
    ))
}

/// The mailbox mail comes from, and the domain its Message-IDs carry.
pub(crate) fn sender_address(app: &App) -> (Mailbox, String) {
    let configured = app.config.mail.from.trim();
    let host = app
        .config
        .base_url
        .split_once("://")
        .map(|(_, rest)| rest.split(['/', ':']).next().unwrap_or("localhost"))
        .unwrap_or("localhost")
        .to_string();
    let from = if configured.is_empty() {
        // A site reached by an address (127.0.0.1) has no domain to send from: operators
        // set `mail.from`, and until then the mail says where it comes from plainly.
        if midad_mail::address::check_address(&format!("noreply@{host}")).is_ok() {
            format!("noreply@{host}")
        } else {
            "noreply@localhost.localdomain".to_string()
        }
    } else {
        configured.to_string()
    };
    let mailbox = parse_mailbox(&from);
    let domain = midad_mail::address::domain_of(&mailbox.address).to_string();
    (mailbox, if domain.is_empty() { host } else { domain })
}

/// `Name <address>` or a bare address.
pub(crate) fn parse_mailbox(written: &str) -> Mailbox {
    match written.rsplit_once('<') {
        Some((name, address)) => {
            let name = name.trim().trim_matches('"').trim();
            let address = address.trim_end_matches('>').trim();
            if name.is_empty() {
                Mailbox::bare(address)
            } else {
                Mailbox::new(name, address)
            }
        }
        None => Mailbox::bare(written.trim()),
    }
}

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

// ----- digests and alerts -----

/// A story as a send carries it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Story {
    pub id: Id,
    pub title: String,
    pub url: String,
    pub excerpt: Option<String>,
    pub section: Option<String>,
    /// The story's section and its parent: a subscriber of either gets it.
    pub sections: Vec<Id>,
    pub image: Option<String>,
    pub published: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Payload {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub top: Vec<Story>,
    #[serde(default)]
    pub latest: Vec<Story>,
    #[serde(default)]
    pub user_id: Option<Id>,
}

async fn stories(app: &App, articles: &[Article]) -> Result<Vec<Story>, WebError> {
    let ctx = site::context(app).await?;
    let refs: Vec<&Article> = articles.iter().collect();
    let names = names(app, &refs, &ctx).await?;
    let parents: HashMap<Id, Option<Id>> =
        ctx.sections.iter().map(|s| (s.id, s.parent_id)).collect();
    let base = &app.config.base_url;
    Ok(articles
        .iter()
        .map(|a| {
            let v = view::view(a, &names, &ctx.locale, false);
            let mut sections = Vec::new();
            if let Some(id) = a.data.section_id {
                sections.push(id);
                if let Some(Some(parent)) = parents.get(&id) {
                    sections.push(*parent);
                }
            }
            Story {
                id: a.id,
                title: v.title,
                url: format!("{base}{}", v.url),
                excerpt: v.excerpt,
                section: v.section.map(|s| s.name),
                sections,
                image: v.image.map(|i| format!("{base}{}", i.url)),
                published: v.published,
            }
        })
        .collect())
}

/// What a subscriber limited to some sections gets of a list of stories.
fn for_sections(stories: &[Story], chosen: &[Id]) -> Vec<Story> {
    stories
        .iter()
        .filter(|s| chosen.is_empty() || s.sections.iter().any(|id| chosen.contains(id)))
        .cloned()
        .collect()
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

/// The digest's stories: what was published since the last digest (at most a day back),
/// the most read first.
async fn digest_payload(app: &App, now: DateTime<Utc>) -> Result<Option<Payload>, WebError> {
    let last = app.store.last_send("digest").await?.map(|(_, t)| t);
    let since = last.map_or(now - Duration::days(1), |t| t.max(now - Duration::days(1)));
    let mut articles = app
        .store
        .articles(&ArticleQuery {
            kind: Some(ArticleKind::Article),
            status: Some(Status::Published),
            published_from: Some(since),
            published_until: Some(now),
            limit: 40,
            ..Default::default()
        })
        .await?;
    articles.retain(|a| a.data.published_at.is_some_and(|t| t > since));
    if articles.is_empty() {
        return Ok(None);
    }
    let ctx = site::context(app).await?;
    let since_day = (now.with_timezone(&ctx.locale.tz) - Duration::days(1))
        .date_naive()
        .to_string();
    let read = app.store.most_read(&since_day, 200).await?;
    let rank = |a: &Article| read.iter().position(|id| *id == a.id).unwrap_or(usize::MAX);
    let mut top: Vec<Article> = articles.clone();
    top.sort_by_key(|a| (rank(a), std::cmp::Reverse(a.data.featured)));
    top.truncate(3);
    let top_ids: Vec<Id> = top.iter().map(|a| a.id).collect();
    let latest: Vec<Article> = articles
        .into_iter()
        .filter(|a| !top_ids.contains(&a.id))
        .collect();
    Ok(Some(Payload {
        date: ctx.locale.header_date(now),
        top: stories(app, &top).await?,
        latest: stories(app, &latest).await?,
        user_id: None,
    }))
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
    let ctx = site::context(app).await?;
    Ok(context! {
        site => crate::pages::v(&ctx.site),
        date => payload.date.clone(),
        top => crate::pages::v(&payload.top),
        latest => crate::pages::v(&payload.latest),
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
            let ctx = site::context(app).await?;
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

// ----- writing one message -----

/// The three parts of a message from `mail/{name}.subject.txt`, `.txt` and `.html`.
fn render_parts(
    app: &App,
    name: &str,
    ctx: minijinja::Value,
) -> Result<(String, String, String), WebError> {
    let subject = app
        .theme
        .render(&format!("mail/{name}.subject.txt"), ctx.clone())?;
    let text = app.theme.render(&format!("mail/{name}.txt"), ctx.clone())?;
    let html = app.theme.render(&format!("mail/{name}.html"), ctx)?;
    // A subject is one line whatever the template holds.
    let subject = subject.split_whitespace().collect::<Vec<_>>().join(" ");
    Ok((subject, text, html))
}

/// Writes the message a queued row stands for, or `None` when it should no longer go
/// (the subscriber left, or already confirmed).
pub async fn compose(
    app: &App,
    send: &Send,
    row: &QueuedMessage,
) -> Result<Option<Outgoing>, WebError> {
    let ctx = site::context(app).await?;
    compose_for(app, crate::pages::v(&ctx.site), send, row).await
}

/// [`compose`] with the site's part of the templates' context already read (the sender
/// reads it once every few seconds, not once a message).
async fn compose_for(
    app: &App,
    site_value: minijinja::Value,
    send: &Send,
    row: &QueuedMessage,
) -> Result<Option<Outgoing>, WebError> {
    let payload: Payload = serde_json::from_value(send.payload.clone()).unwrap_or_default();
    let subscriber = match row.subscriber_id {
        Some(id) => app.store.subscriber(id).await?,
        None => None,
    };
    let mut unsubscribe = None;
    let (subject, text, html) = match send.kind.as_str() {
        "confirmation" => {
            let Some(s) = subscriber.filter(|s| s.status == SubscriberStatus::Pending) else {
                return Ok(None);
            };
            let Some(nonce) = &s.confirm_nonce else {
                return Ok(None);
            };
            let expires = send.created_at + Duration::days(CONFIRM_DAYS);
            let token = signer(app)
                .await?
                .sign(&claim(CONFIRM, s.id, nonce, Some(expires)));
            let link = format!("{}/newsletter/confirm/{token}", app.config.base_url);
            render_parts(
                app,
                "confirm",
                context! { site => site_value, link => link, days => CONFIRM_DAYS },
            )?
        }
        "reset" => {
            let Some(user_id) = send.payload.get("user_id").and_then(|v| v.as_i64()) else {
                return Ok(None);
            };
            let Some(user) = app.store.user(user_id).await?.filter(|u| !u.disabled) else {
                return Ok(None);
            };
            let token = crate::auth::random_token()?;
            app.store
                .create_password_reset(
                    &crate::auth::token_hash(&token),
                    user.id,
                    app.now() + Duration::minutes(crate::admin::RESET_MINUTES),
                )
                .await?;
            let link = format!("{}/admin/reset/{token}", app.config.base_url);
            render_parts(
                app,
                "reset",
                context! { site => site_value, link => link, name => user.name, minutes => crate::admin::RESET_MINUTES },
            )?
        }
        kind @ ("digest" | "alert") => {
            let Some(s) = subscriber.filter(|s| s.status == SubscriberStatus::Confirmed) else {
                return Ok(None);
            };
            let (top, latest) = if kind == "digest" {
                (
                    for_sections(&payload.top, &s.lists.sections),
                    for_sections(&payload.latest, &s.lists.sections),
                )
            } else {
                (payload.top.clone(), Vec::new())
            };
            if top.is_empty() && latest.is_empty() {
                return Ok(None);
            }
            let manage = manage_link(app, &s).await?;
            let leave = unsubscribe_link(app, &s).await?;
            unsubscribe = Some(Unsubscribe {
                url: leave.clone(),
                mailto: Some(app.config.mail.unsubscribe_mailto.trim().to_string())
                    .filter(|m| !m.is_empty())
                    .map(|m| format!("mailto:{m}?subject=unsubscribe")),
            });
            render_parts(
                app,
                kind,
                context! {
                    site => site_value,
                    date => payload.date.clone(),
                    top => crate::pages::v(&top),
                    latest => crate::pages::v(&latest),
                    manage => manage,
                    unsubscribe => leave,
                },
            )?
        }
        "test" => render_parts(
            app,
            "digest",
            context! {
                site => site_value,
                date => payload.date.clone(),
                top => crate::pages::v(&payload.top),
                latest => crate::pages::v(&payload.latest),
                manage => format!("{}/newsletter", app.config.base_url),
                unsubscribe => format!("{}/newsletter", app.config.base_url),
                test => true,
            },
        )?,
        _ => return Ok(None),
    };
    let (from, _) = sender_address(app);
    Ok(Some(Outgoing {
        from,
        reply_to: Some(app.config.mail.reply_to.trim())
            .filter(|r| !r.is_empty())
            .map(parse_mailbox),
        to: row.email.clone(),
        subject,
        text,
        html: Some(html),
        message_id: row.message_id.clone(),
        date: app.now(),
        unsubscribe,
    }))
}

/// Queues the daily digest once it is due today in the site's zone, unless one went out
/// today already. Asked every few seconds by the node that leads the sending.
pub async fn digest_if_due(app: &App) -> Result<Option<DigestOutcome>, WebError> {
    let ctx = site::context(app).await?;
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
        let ctx = site::context(&self.app).await?;
        let value = crate::pages::v(&ctx.site);
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

//! Writing one message: the theme's `mail/` templates as subject, text and HTML, for one
//! subscriber (their links are personal), when the sender takes the message.

use super::address::{parse_mailbox, sender_address};
use super::links::{CONFIRM, CONFIRM_DAYS, claim, manage_link, signer, unsubscribe_link};
use super::payload::{Payload, for_sections};
use crate::http::auth::RESET_MINUTES;
use crate::http::tokens::{random_token, token_hash};
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use chrono::Duration;
use midad_mail::message::{Outgoing, Unsubscribe};
use midad_store::{QueuedMessage, Send, SubscriberStatus};
use minijinja::context;

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
    let ctx = site_context(app).await?;
    compose_for(app, v(&ctx.site), send, row).await
}

/// [`compose`] with the site's part of the templates' context already read (the sender
/// reads it once every few seconds, not once a message).
pub(crate) async fn compose_for(
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
            let token = random_token()?;
            app.store
                .create_password_reset(
                    &token_hash(&token),
                    user.id,
                    app.now() + Duration::minutes(RESET_MINUTES),
                )
                .await?;
            let link = format!("{}/admin/reset/{token}", app.config.base_url);
            render_parts(
                app,
                "reset",
                context! { site => site_value, link => link, name => user.name, minutes => RESET_MINUTES },
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
                    top => v(&top),
                    latest => v(&latest),
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
                top => v(&payload.top),
                latest => v(&payload.latest),
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

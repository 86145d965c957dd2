//! The newsletter's public pages: sign-up (the box on every page and a page of its own),
//! confirmation, preferences and leaving.
//!
//! Sign-up is double opt-in: the form only ever answers «check your inbox» (whether or not
//! the address was known), and the address becomes a subscriber when the link mailed to it
//! is opened *and* its button pressed: a mail scanner's bare GET confirms nothing. The form
//! lives on cached pages, so it has no CSRF token: it is guarded by an Origin check, limits
//! per address and per network address, a honeypot field, a block list of domains — and the
//! opt-in itself. The links carry signed tokens (`midad_mail::token`): confirmation links
//! expire and work once; preference and unsubscribe links work without a session, and a
//! POST to the unsubscribe link unsubscribes at once (RFC 8058 one-click).

use crate::http::auth;
use crate::http::routes::Routes;
use crate::http::{App, WebError};
use crate::mail::links::{CONFIRM, MANAGE, manage_link, signer};
use crate::mail::outbox::queue_confirmation;
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{Form, FromRequest, Path, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::get;
use chrono::Duration;
use midad_core::Id;
use midad_mail::token::Claim;
use midad_store::{Lists, SignUp, SubscriberStatus};
use minijinja::context;
use std::sync::Arc;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/newsletter", get(show_form))
        .route("/newsletter/subscribe", get(show_form).post(subscribe))
        .route(
            "/newsletter/confirm/{token}",
            get(confirm_page).post(confirm),
        )
        .route(
            "/newsletter/preferences/{token}",
            get(preferences_page).post(save_preferences),
        )
        .route(
            "/newsletter/unsubscribe/{token}",
            get(unsubscribe_page).post(unsubscribe),
        )
}

/// Sign-ups one network address may make in an hour.
const PER_IP_PER_HOUR: i64 = 20;
/// Sign-ups of one address in a day (the confirmations it gets are fewer still).
const PER_ADDRESS_PER_DAY: i64 = 5;

/// A newsletter page in one of its states, never cached (links carry personal tokens).
async fn screen(
    app: &App,
    status: StatusCode,
    state: &str,
    extra: minijinja::Value,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .filter(|s| s.parent_id.is_none())
        .map(|s| context! { id => s.id, name => s.name.clone() })
        .collect();
    let html = app.theme.render(
        "newsletter.html",
        context! {
            site => v(&ctx.site),
            state => state,
            sections => sections,
            ..extra
        },
    )?;
    Ok((status, [(header::CACHE_CONTROL, "no-store")], Html(html)).into_response())
}

/// The sign-up form again, with one refusal in the site's language (and what was typed).
async fn refused(
    app: &App,
    status: StatusCode,
    key: &str,
    typed: Option<&str>,
) -> Result<Response, WebError> {
    let problem = app.say(key, None).await?;
    screen(
        app,
        status,
        "form",
        context! { problems => vec![problem], email => typed },
    )
    .await
}

async fn show_form(State(app): State<Arc<App>>) -> Result<Response, WebError> {
    screen(&app, StatusCode::OK, "form", context! {}).await
}

/// The fields of a sign-up or preferences form, read from repeated keys (`section=3&section=5`).
struct Choice {
    email: String,
    honeypot: bool,
    lists: Lists,
    /// Whether the form said anything about lists (the small box says nothing: the digest).
    chose: bool,
}

fn read_choice(pairs: &[(String, String)], known_sections: &[Id]) -> Choice {
    let mut c = Choice {
        email: String::new(),
        honeypot: false,
        lists: Lists {
            digest: false,
            alerts: false,
            sections: Vec::new(),
        },
        chose: false,
    };
    for (k, v) in pairs {
        match k.as_str() {
            "email" => c.email = v.clone(),
            "website" => c.honeypot |= !v.trim().is_empty(),
            "digest" => {
                c.lists.digest = true;
                c.chose = true;
            }
            "alerts" => {
                c.lists.alerts = true;
                c.chose = true;
            }
            "lists" => c.chose = true,
            "section" => {
                if let Ok(id) = v.parse::<Id>()
                    && known_sections.contains(&id)
                    && !c.lists.sections.contains(&id)
                {
                    c.lists.sections.push(id);
                }
            }
            _ => {}
        }
    }
    if !c.chose {
        c.lists.digest = true;
    }
    c
}

pub(crate) fn is_blocked(app: &App, address: &str) -> bool {
    blocked(&app.config.mail.blocked_domains, address)
}

/// Whether an address is of a blocked domain or one of its subdomains.
pub(crate) fn blocked(domains: &[String], address: &str) -> bool {
    let domain = midad_mail::address::domain_of(address).to_lowercase();
    domains.iter().any(|blocked| {
        let blocked = blocked.trim().to_lowercase();
        !blocked.is_empty() && (domain == blocked || domain.ends_with(&format!(".{blocked}")))
    })
}

async fn subscribe(State(app): State<Arc<App>>, request: Request) -> Result<Response, WebError> {
    let (parts, body) = request.into_parts();
    let ip = auth::client_ip(&parts);
    let headers = parts.headers.clone();
    if !auth::same_origin(&app, &headers) {
        return refused(&app, StatusCode::FORBIDDEN, "newsletter_other_site", None).await;
    }
    let pairs =
        match Form::<Vec<(String, String)>>::from_request(Request::from_parts(parts, body), &())
            .await
        {
            Ok(Form(pairs)) => pairs,
            Err(_) => {
                return refused(&app, StatusCode::BAD_REQUEST, "newsletter_bad_form", None).await;
            }
        };
    let known: Vec<Id> = app.store.sections().await?.iter().map(|s| s.id).collect();
    let choice = read_choice(&pairs, &known);
    let typed = choice.email.chars().take(300).collect::<String>();
    let address = match midad_mail::address::check_address(&choice.email) {
        Ok(a) => a,
        Err(_) => {
            return refused(
                &app,
                StatusCode::UNPROCESSABLE_ENTITY,
                "newsletter_bad_address",
                Some(&typed),
            )
            .await;
        }
    };
    if !choice.lists.digest && !choice.lists.alerts {
        return refused(
            &app,
            StatusCode::UNPROCESSABLE_ENTITY,
            "newsletter_no_list",
            Some(&typed),
        )
        .await;
    }
    let now = app.now();
    let ip_key = format!("ip:{}", ip.as_deref().unwrap_or("unknown"));
    let address_key = format!("email:{}", midad_store::email_key(&address));
    let too_many = app
        .store
        .signups_since(&ip_key, now - Duration::hours(1))
        .await?
        >= PER_IP_PER_HOUR
        || app
            .store
            .signups_since(&address_key, now - Duration::days(1))
            .await?
            >= PER_ADDRESS_PER_DAY;
    if too_many {
        return refused(
            &app,
            StatusCode::TOO_MANY_REQUESTS,
            "newsletter_too_many",
            None,
        )
        .await;
    }
    app.store
        .record_signup(&[ip_key.as_str(), address_key.as_str()], now)
        .await?;
    // A robot that filled the hidden field, or a blocked domain, gets the same answer as
    // everyone, and nothing is sent.
    if !choice.honeypot && !is_blocked(&app, &address) {
        let outcome = app
            .store
            .sign_up(
                &address,
                &choice.lists,
                now,
                midad_mail::token::random_nonce,
            )
            .await?;
        if let SignUp::Confirm(subscriber) = outcome {
            queue_confirmation(&app, subscriber.id, &subscriber.email).await?;
        }
    }
    screen(&app, StatusCode::OK, "check_inbox", context! {}).await
}

/// The subscriber a token names, if it is genuine, current and theirs.
async fn open_token(
    app: &App,
    token: &str,
    purpose: &str,
) -> Result<Option<(Claim, midad_store::Subscriber)>, WebError> {
    let signer = signer(app).await?;
    let Ok(claim) = signer.open(token, purpose, app.now()) else {
        return Ok(None);
    };
    let Some(subscriber) = app.store.subscriber(claim.subject).await? else {
        return Ok(None);
    };
    let current = match purpose {
        CONFIRM => subscriber.confirm_nonce.as_deref() == Some(claim.nonce.as_str()),
        _ => subscriber.manage_nonce == claim.nonce,
    };
    Ok(current.then_some((claim, subscriber)))
}

async fn invalid(app: &App) -> Result<Response, WebError> {
    screen(app, StatusCode::NOT_FOUND, "invalid", context! {}).await
}

async fn confirm_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    match open_token(&app, &token, CONFIRM).await? {
        Some(_) => screen(&app, StatusCode::OK, "confirm", context! { token => token }).await,
        None => confirmed_or_invalid(&app, &token).await,
    }
}

/// A used confirmation link: if it was this subscriber's and they are confirmed, say so
/// (people click twice); otherwise the link is simply not valid.
async fn confirmed_or_invalid(app: &App, token: &str) -> Result<Response, WebError> {
    let signer = signer(app).await?;
    if let Ok(claim) = signer.open(token, CONFIRM, app.now())
        && let Some(s) = app.store.subscriber(claim.subject).await?
        && s.status == SubscriberStatus::Confirmed
    {
        return screen(app, StatusCode::OK, "already", context! {}).await;
    }
    invalid(app).await
}

async fn confirm(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some((claim, subscriber)) = open_token(&app, &token, CONFIRM).await? else {
        return confirmed_or_invalid(&app, &token).await;
    };
    if !app
        .store
        .confirm_subscriber(subscriber.id, &claim.nonce, app.now())
        .await?
    {
        return confirmed_or_invalid(&app, &token).await;
    }
    let manage = manage_link(&app, &subscriber).await?;
    screen(
        &app,
        StatusCode::OK,
        "confirmed",
        context! { manage => manage },
    )
    .await
}

async fn preferences_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some((_, s)) = open_token(&app, &token, MANAGE).await? else {
        return invalid(&app).await;
    };
    preferences_screen(&app, StatusCode::OK, "preferences", &token, &s).await
}

async fn preferences_screen(
    app: &App,
    status: StatusCode,
    state: &str,
    token: &str,
    s: &midad_store::Subscriber,
) -> Result<Response, WebError> {
    screen(
        app,
        status,
        state,
        context! {
            token => token,
            email => s.email.clone(),
            digest => s.lists.digest,
            alerts => s.lists.alerts,
            chosen => s.lists.sections.clone(),
            subscribed => s.status == SubscriberStatus::Confirmed,
        },
    )
    .await
}

async fn save_preferences(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let Some((_, s)) = open_token(&app, &token, MANAGE).await? else {
        return invalid(&app).await;
    };
    let known: Vec<Id> = app.store.sections().await?.iter().map(|s| s.id).collect();
    let mut choice = read_choice(&pairs, &known);
    choice.chose = true;
    if !choice.lists.digest && !choice.lists.alerts {
        // Choosing nothing is leaving.
        app.store.unsubscribe(s.id, app.now()).await?;
        return screen(
            &app,
            StatusCode::OK,
            "unsubscribed",
            context! { token => token },
        )
        .await;
    }
    app.store.set_lists(s.id, &choice.lists).await?;
    let s = app
        .store
        .subscriber(s.id)
        .await?
        .ok_or(WebError::NotFound)?;
    preferences_screen(&app, StatusCode::OK, "saved", &token, &s).await
}

async fn unsubscribe_page(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some((_, s)) = open_token(&app, &token, MANAGE).await? else {
        return invalid(&app).await;
    };
    // Already gone: say so rather than ask again.
    let state = if s.status == SubscriberStatus::Unsubscribed {
        "unsubscribed"
    } else {
        "unsubscribe"
    };
    screen(&app, StatusCode::OK, state, context! { token => token }).await
}

/// RFC 8058: a POST to the link unsubscribes, with no cookie, no form and no question.
async fn unsubscribe(
    State(app): State<Arc<App>>,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let Some((_, s)) = open_token(&app, &token, MANAGE).await? else {
        return invalid(&app).await;
    };
    if s.status != SubscriberStatus::Unsubscribed {
        app.store.unsubscribe(s.id, app.now()).await?;
    }
    screen(
        &app,
        StatusCode::OK,
        "unsubscribed",
        context! { token => token },
    )
    .await
}

//! The newsletter's signed links: the key they are signed with (one per site, kept in the
//! database, so every node signs alike and links outlive restarts), what each kind of link
//! claims, and the links themselves.

use crate::http::{App, WebError};
use chrono::{DateTime, Utc};
use midad_core::Id;
use midad_mail::token::{Claim, Signer};
use midad_store::Subscriber;

/// How long a confirmation link works.
pub(crate) const CONFIRM_DAYS: i64 = 7;

/// The purpose of a confirmation link's claim.
pub(crate) const CONFIRM: &str = "confirm";
/// The purpose of a preferences or unsubscribe link's claim.
pub(crate) const MANAGE: &str = "manage";

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

pub(crate) fn claim(
    purpose: &str,
    subject: Id,
    nonce: &str,
    expires: Option<DateTime<Utc>>,
) -> Claim {
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

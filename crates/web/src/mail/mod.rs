//! What the site mails: confirmations, digests, breaking alerts, test sends and password
//! resets. `outbox` queues them (a send's content is fixed when it is queued), `compose`
//! writes each message from the theme's `mail/` templates when the sender takes it,
//! `links` signs the personal links they carry. The sender itself (delivery, retries, the
//! lease across nodes) is `midad_mail`'s; the daily digest's clock is in `jobs::digest`.

pub(crate) mod address;
pub(crate) mod compose;
pub(crate) mod links;
pub(crate) mod outbox;
pub(crate) mod payload;

//! The error of composing a message or setting up a transport: both are mistakes in what
//! the caller or the site's configuration gave, and retrying without a change cannot help.

use crate::address::AddressError;

/// What was wrong with a message to compose or an SMTP URL. Messages name the field and
/// the fault; they never repeat a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MailError {
    #[error("the {field} address is not valid: {error}")]
    BadAddress {
        /// Which address: `From`, `Reply-To`, `To`, or the unsubscribe `mailto`.
        field: &'static str,
        error: AddressError,
    },
    #[error("the Message-ID {0:?} is not of the form <unique@domain>")]
    BadMessageId(String),
    #[error("the date {0} cannot be written in a mail header (years 1970 to 9998 only)")]
    BadDate(String),
    #[error("the unsubscribe {0}")]
    BadUnsubscribe(String),
    #[error("the message could not be composed: {0}")]
    Compose(String),
    #[error("the DKIM setting is not usable: {0}")]
    BadDkim(String),
    #[error("the SMTP URL is not valid: {0}")]
    BadSmtpUrl(String),
}

impl MailError {
    /// A stable snake_case name for the API, logs and translated messages.
    pub fn code(&self) -> &'static str {
        match self {
            MailError::BadAddress { .. } => "mail_bad_address",
            MailError::BadMessageId(_) => "mail_bad_message_id",
            MailError::BadDate(_) => "mail_bad_date",
            MailError::BadUnsubscribe(_) => "mail_bad_unsubscribe",
            MailError::Compose(_) => "mail_compose_failed",
            MailError::BadDkim(_) => "mail_bad_dkim",
            MailError::BadSmtpUrl(_) => "mail_bad_smtp_url",
        }
    }
}

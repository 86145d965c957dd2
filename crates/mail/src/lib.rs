//! Mail for Midad: the building blocks of the newsletter's mail — signed links, checked
//! addresses, composed messages and SMTP delivery — with no database and no templates.
//!
//! The queue, the templates and the pages are built on top: a sign-up checks the address
//! with [`check_address`], mails a link made by [`Signer::sign`]; the queue stores an
//! [`Outgoing`] (with its [`message_id`]), turns it into bytes with [`Outgoing::to_bytes`]
//! and hands them to [`Transport::send`], retrying on [`SendError::Transient`].

pub mod address;
mod dkim;
mod error;
pub mod message;
pub mod queue;
pub mod token;
pub mod transport;

pub use address::{AddressError, check_address, domain_of};
pub use dkim::Dkim;
pub use error::MailError;
pub use message::{Mailbox, Outgoing, Unsubscribe, message_id};
pub use token::{Claim, Signer, TokenError, random_key, random_nonce};
pub use transport::{SendError, Smtp, Transport};

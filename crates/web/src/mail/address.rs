//! Who the site's mail comes from: the configured mailbox, or `noreply@` the site's host.

use crate::http::App;
use midad_mail::message::Mailbox;

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

//! Composing one newsletter message into the bytes handed to SMTP: headers a mail client
//! and a spam filter expect (RFC 8058 one-click unsubscribe included), a text and an HTML
//! part, and optionally a DKIM signature.

use std::time::SystemTime;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use chrono::{DateTime, Datelike, Utc};
use lettre::message::header::{Header, HeaderName, HeaderValue};
use lettre::message::{MultiPart, SinglePart};

use crate::address::check_address;
use crate::dkim::Dkim;
use crate::error::MailError;

/// Longest unsubscribe URL or mailto taken: a header line must stay under 998 characters
/// (RFC 5322), and both fit in one such line with room to spare.
const MAX_UNSUBSCRIBE_LEN: usize = 400;
/// Longest Message-ID taken, for the same reason.
const MAX_MESSAGE_ID_LEN: usize = 250;

/// A sender or reply address with the name a reader sees, e.g. `صحيفة الغد` and
/// `news@alghad.example`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl Mailbox {
    /// A mailbox with a display name.
    pub fn new(name: impl Into<String>, address: impl Into<String>) -> Mailbox {
        Mailbox {
            name: Some(name.into()),
            address: address.into(),
        }
    }

    /// A mailbox shown by its address alone.
    pub fn bare(address: impl Into<String>) -> Mailbox {
        Mailbox {
            name: None,
            address: address.into(),
        }
    }
}

/// Where a reader unsubscribes: the one-click HTTPS link (RFC 8058) and, for clients that
/// prefer mail, an address.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Unsubscribe {
    /// `https://…/newsletter/unsubscribe/{token}`. Only an `https` URL earns the
    /// `List-Unsubscribe-Post` header: RFC 8058 allows one-click over HTTPS alone, so an
    /// `http` URL (a development site) gets the plain `List-Unsubscribe` only.
    pub url: String,
    /// An address, or a whole `mailto:` URI such as `mailto:leave@example.com?subject=x`.
    pub mailto: Option<String>,
}

/// One message to one subscriber, as the queue stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    pub from: Mailbox,
    pub reply_to: Option<Mailbox>,
    pub to: String,
    pub subject: String,
    pub text: String,
    pub html: Option<String>,
    /// Made once with [`message_id`] and stored, so a retried message keeps its
    /// Message-ID and the reader's client can tell it is the same message.
    pub message_id: String,
    pub date: DateTime<Utc>,
    pub unsubscribe: Option<Unsubscribe>,
}

/// A new, unique Message-ID for a message sent from `domain`: `<random@domain>`.
///
/// Characters a Message-ID cannot hold are dropped from `domain`; an empty result becomes
/// `midad.invalid`, so the id is always well-formed.
///
/// # Panics
///
/// If the system cannot provide random bytes (see [`crate::token::random_key`]).
pub fn message_id(domain: &str) -> String {
    let domain: String = domain
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-'))
        .collect();
    let domain = domain.trim_matches('.');
    let domain = if domain.is_empty() {
        "midad.invalid"
    } else {
        domain
    };
    let unique = URL_SAFE_NO_PAD.encode(crate::token::random_bytes::<18>());
    format!("<{unique}@{domain}>")
}

impl Outgoing {
    /// The message as it goes over SMTP (CRLF line ends), signed when `dkim` is given.
    ///
    /// Every address is checked with [`check_address`]; line breaks in the subject and the
    /// names become spaces, and lettre encodes what is not plain ASCII (RFC 2047), so no
    /// value can add a header.
    pub fn to_bytes(&self, dkim: Option<&Dkim>) -> Result<Vec<u8>, MailError> {
        let mut message = self.build()?;
        if let Some(dkim) = dkim {
            dkim.sign(&mut message);
        }
        Ok(message.formatted())
    }

    /// The lettre message, unsigned.
    fn build(&self) -> Result<lettre::Message, MailError> {
        let mut builder = lettre::Message::builder()
            .from(mailbox(&self.from, "From")?)
            .to(lettre::message::Mailbox::new(
                None,
                address(&self.to, "To")?,
            ))
            .subject(one_line(&self.subject))
            .date(header_date(self.date)?)
            .message_id(Some(checked_message_id(&self.message_id)?));
        if let Some(reply_to) = &self.reply_to {
            builder = builder.reply_to(mailbox(reply_to, "Reply-To")?);
        }
        if let Some(unsubscribe) = &self.unsubscribe {
            let (list_unsubscribe, one_click) = unsubscribe_headers(unsubscribe)?;
            builder = builder.header(list_unsubscribe);
            if let Some(one_click) = one_click {
                builder = builder.header(one_click);
            }
        }
        let built = match &self.html {
            Some(html) => builder.multipart(MultiPart::alternative_plain_html(
                self.text.clone(),
                html.clone(),
            )),
            None => builder.singlepart(SinglePart::plain(self.text.clone())),
        };
        built.map_err(|e| MailError::Compose(e.to_string()))
    }
}

/// A checked lettre address, or which field was wrong.
fn address(input: &str, field: &'static str) -> Result<lettre::Address, MailError> {
    let bad = |error| MailError::BadAddress { field, error };
    let checked = check_address(input).map_err(bad)?;
    // `check_address` accepts a subset of what lettre does (a property test holds it to
    // that); a refusal here would mean the two drifted apart.
    checked.parse().map_err(|e: lettre::address::AddressError| {
        MailError::Compose(format!("lettre refused the {field} address: {e}"))
    })
}

/// A lettre mailbox with its display name on one line; a blank name is no name.
fn mailbox(mailbox: &Mailbox, field: &'static str) -> Result<lettre::message::Mailbox, MailError> {
    let name = mailbox
        .name
        .as_deref()
        .map(one_line)
        .filter(|name| !name.is_empty());
    Ok(lettre::message::Mailbox::new(
        name,
        address(&mailbox.address, field)?,
    ))
}

/// `text` with every run of line breaks and other control characters made one space,
/// and trimmed: a header value is one line, and a stray newline from an editor should
/// read as a space rather than as an encoded control character.
fn one_line(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_break = false;
    for c in text.chars() {
        if c.is_control() || c == '\u{2028}' || c == '\u{2029}' {
            if !in_break {
                out.push(' ');
            }
            in_break = true;
        } else {
            out.push(c);
            in_break = false;
        }
    }
    out.trim().to_owned()
}

/// `date` for the Date header. lettre (through httpdate) panics on a time before 1970 or
/// in the year 9999, so those are refused here.
fn header_date(date: DateTime<Utc>) -> Result<SystemTime, MailError> {
    if (1970..9999).contains(&date.year()) {
        Ok(SystemTime::from(date))
    } else {
        Err(MailError::BadDate(date.to_rfc3339()))
    }
}

/// `id` if it is `<left@right>` with both sides plain ASCII atoms and dots: what
/// [`message_id`] makes, and what every mail client parses.
fn checked_message_id(id: &str) -> Result<String, MailError> {
    let bad = || MailError::BadMessageId(id.chars().take(MAX_MESSAGE_ID_LEN).collect());
    if id.len() > MAX_MESSAGE_ID_LEN {
        return Err(bad());
    }
    let inner = id
        .strip_prefix('<')
        .and_then(|s| s.strip_suffix('>'))
        .ok_or_else(bad)?;
    let (left, right) = inner.split_once('@').ok_or_else(bad)?;
    let is_dot_atom = |part: &str| {
        !part.is_empty()
            && part.split('.').all(|atom| {
                !atom.is_empty()
                    && atom
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "!#$%&'*+-/=?^_`{|}~".contains(c))
            })
    };
    if is_dot_atom(left) && is_dot_atom(right) {
        Ok(id.to_owned())
    } else {
        Err(bad())
    }
}

/// `List-Unsubscribe` and, for an HTTPS link, `List-Unsubscribe-Post`.
fn unsubscribe_headers(
    unsubscribe: &Unsubscribe,
) -> Result<(ListUnsubscribe, Option<ListUnsubscribePost>), MailError> {
    let url = checked_unsubscribe_url(&unsubscribe.url)?;
    let mut value = format!("<{url}>");
    if let Some(mailto) = &unsubscribe.mailto {
        value.push_str(", <");
        value.push_str(&checked_mailto(mailto)?);
        value.push('>');
    }
    let one_click = starts_with_ignore_case(url, "https://").then_some(ListUnsubscribePost);
    Ok((ListUnsubscribe(value), one_click))
}

/// The URL if it is an absolute http(s) URL that can stand between angle brackets in a
/// header as it is: printable ASCII, no spaces, brackets or commas (RFC 2369).
fn checked_unsubscribe_url(url: &str) -> Result<&str, MailError> {
    let rest = ["https://", "http://"]
        .iter()
        .find(|scheme| starts_with_ignore_case(url, scheme))
        .map(|scheme| &url[scheme.len()..])
        .ok_or_else(|| {
            MailError::BadUnsubscribe(
                "URL must start with https:// (or http:// on a development site)".to_owned(),
            )
        })?;
    if rest.is_empty() || rest.starts_with('/') {
        return Err(MailError::BadUnsubscribe("URL has no host".to_owned()));
    }
    check_header_uri(url, "URL")?;
    Ok(url)
}

/// A `mailto:` URI for the header, from an address or a whole URI; the address in it
/// must pass [`check_address`].
fn checked_mailto(mailto: &str) -> Result<String, MailError> {
    let uri = if starts_with_ignore_case(mailto, "mailto:") {
        mailto.to_owned()
    } else {
        format!("mailto:{mailto}")
    };
    check_header_uri(&uri, "mailto")?;
    let target = &uri["mailto:".len()..];
    let address = target
        .split_once('?')
        .map_or(target, |(address, _)| address);
    check_address(address).map_err(|error| MailError::BadAddress {
        field: "unsubscribe mailto",
        error,
    })?;
    Ok(uri)
}

/// What every URI in `List-Unsubscribe` needs to survive the header unchanged.
fn check_header_uri(uri: &str, what: &str) -> Result<(), MailError> {
    if uri.len() > MAX_UNSUBSCRIBE_LEN {
        return Err(MailError::BadUnsubscribe(format!(
            "{what} is longer than {MAX_UNSUBSCRIBE_LEN} characters"
        )));
    }
    let unfit = |b: u8| !b.is_ascii_graphic() || matches!(b, b'<' | b'>' | b',');
    if uri.bytes().any(unfit) {
        return Err(MailError::BadUnsubscribe(format!(
            "{what} has a space, a control or non-ASCII character, `<`, `>` or `,` \
             (percent-encode them)"
        )));
    }
    Ok(())
}

fn starts_with_ignore_case(text: &str, prefix: &str) -> bool {
    text.get(..prefix.len())
        .is_some_and(|head| head.eq_ignore_ascii_case(prefix))
}

/// `List-Unsubscribe` (RFC 2369): the whole value, angle brackets included.
#[derive(Clone, Debug)]
struct ListUnsubscribe(String);

impl Header for ListUnsubscribe {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(ListUnsubscribe(s.to_owned()))
    }

    fn display(&self) -> HeaderValue {
        // `HeaderValue::new` folds only at spaces (here the one after the comma) and
        // RFC 2047-encodes only words with non-ASCII or control characters, which the
        // checks above keep out: the URL comes out exactly as given.
        HeaderValue::new(Self::name(), self.0.clone())
    }
}

/// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058): tells the receiving
/// provider that a POST to the HTTPS link unsubscribes without any page in between.
#[derive(Clone, Debug)]
struct ListUnsubscribePost;

const ONE_CLICK: &str = "List-Unsubscribe=One-Click";

impl Header for ListUnsubscribePost {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("List-Unsubscribe-Post")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        if s.trim() == ONE_CLICK {
            Ok(ListUnsubscribePost)
        } else {
            Err(format!("List-Unsubscribe-Post is not {ONE_CLICK}").into())
        }
    }

    fn display(&self) -> HeaderValue {
        HeaderValue::new(Self::name(), ONE_CLICK.to_owned())
    }
}

#[cfg(test)]
mod tests;

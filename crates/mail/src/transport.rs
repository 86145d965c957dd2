//! Handing composed messages to the newsroom's SMTP server over a small pool of
//! connections, and saying whether a failure is worth retrying.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, PoisonError, Weak};
use std::time::Duration;

use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::TlsParameters;
use lettre::transport::smtp::extension::ClientId;
use lettre::transport::smtp::{self};
use lettre::{Address, address::Envelope};
use tokio::sync::Semaphore;
use url::Url;

use crate::address::check_address;
use crate::error::MailError;

#[cfg(test)]
mod live_tests;
mod session;

use session::{Endpoint, Failure, Security, Session};

/// How long opening a TCP connection may take (per address the host resolves to). The
/// deadline below covers the rest.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long one send (or check) may take in all, unless the URL says `?timeout=N`.
/// lettre puts no limit on waiting for a reply, so without this a server that accepts
/// and then stalls would hold a connection, and the queue, forever.
const DEFAULT_DEADLINE: Duration = Duration::from_secs(120);
const MAX_DEADLINE_SECS: u64 = 600;
/// Connections open at once unless the URL says `?connections=N`. Pooled connections
/// carry many messages each, and providers limit how many a client may open.
const DEFAULT_CONNECTIONS: usize = 4;
const MAX_CONNECTIONS: usize = 32;
/// An idle pooled connection is closed after this; servers drop idle clients anyway.
const IDLE_TIMEOUT: Duration = Duration::from_secs(60);
/// How long a connection closed for idleness may take to say QUIT.
const QUIT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where messages go: an SMTP server, or the log for a site without one.
#[derive(Clone, Debug)]
pub enum Transport {
    Smtp(Smtp),
    /// Each message is written to the log at INFO, whole, so a site without SMTP can
    /// still read a confirmation link.
    Log,
}

/// Why a send failed, and whether to try again.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// Worth retrying later: the server was unreachable, slow, busy, answered 4xx, the
    /// TLS handshake failed, or it refused our login (a setting to fix, not a reason to
    /// drop the message).
    #[error("temporary failure, will retry: {0}")]
    Transient(String),
    /// Retrying cannot help: the server answered 5xx, e.g. no such mailbox.
    #[error("permanent failure: {0}")]
    Permanent(String),
}

impl SendError {
    /// A stable snake_case name for logs and the queue's records.
    pub fn code(&self) -> &'static str {
        match self {
            SendError::Transient(_) => "send_transient",
            SendError::Permanent(_) => "send_permanent",
        }
    }

    pub fn is_permanent(&self) -> bool {
        matches!(self, SendError::Permanent(_))
    }
}

/// An SMTP server reached over a pool of connections of our own (the `session` module
/// says why not lettre's). Clones share the pool.
///
/// Each send holds one of `connections` permits while it holds a connection, and takes
/// an idle one before opening another, so no more than `connections` are ever open.
#[derive(Clone)]
pub struct Smtp(Arc<SmtpInner>);

struct SmtpInner {
    endpoint: Endpoint,
    /// Connections waiting for the next message, the most recently used last.
    idle: Mutex<Vec<Session>>,
    permits: Semaphore,
    /// How many permits there are, and so how many connections may wait in the pool.
    connections: usize,
    /// Whether the task closing idle connections was started (on first use, since
    /// [`Transport::from_url`] may run before the runtime does).
    reaping: AtomicBool,
    deadline: Duration,
    /// `host:port`, to say which server failed.
    server: String,
    /// The password as written in the URL and decoded, scrubbed from every error text.
    secrets: Vec<String>,
}

impl std::fmt::Debug for Smtp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Smtp")
            .field("server", &self.0.server)
            .field("free_connections", &self.0.permits.available_permits())
            .field("idle_connections", &self.0.idle_count())
            .finish_non_exhaustive()
    }
}

impl Transport {
    /// The transport an SMTP URL describes; `""` means [`Transport::Log`].
    ///
    /// lettre's URL syntax: `smtp://host:25` (plain, for a server on this machine),
    /// `smtp://user:pass@host:587?tls=required` (STARTTLS), `smtps://user:pass@host:465`
    /// (TLS from the start); a path names us in EHLO (`smtp://host/mail.example.com`).
    /// Special characters in the user or password are percent-encoded. Two parameters of
    /// Midad's own: `?connections=N` (1–32, default 4) caps open connections, and
    /// `?timeout=N` (seconds, 1–600, default 120) bounds one send, connecting included.
    /// A password is refused over a connection that may stay unencrypted, except to this
    /// machine.
    pub fn from_url(url: &str) -> Result<Transport, MailError> {
        let url = url.trim();
        if url.is_empty() {
            return Ok(Transport::Log);
        }
        Ok(Transport::Smtp(Smtp::new(SmtpUrl::parse(url)?)))
    }

    /// Sends `bytes` (from [`crate::Outgoing::to_bytes`]) with the envelope sender `from`
    /// (where bounces go) to the one recipient `to`.
    pub async fn send(&self, from: &str, to: &str, bytes: &[u8]) -> Result<(), SendError> {
        let envelope = envelope(from, to)?;
        match self {
            Transport::Log => {
                tracing::info!(
                    from,
                    to,
                    message = %String::from_utf8_lossy(bytes),
                    "mail not sent: no SMTP server is configured, so here it is"
                );
                Ok(())
            }
            Transport::Smtp(smtp) => smtp.send(&envelope, bytes).await,
        }
    }

    /// Connects (logging in, if the URL has a user) and checks that the server answers,
    /// for `midad check`.
    pub async fn check(&self) -> Result<(), SendError> {
        match self {
            Transport::Log => Ok(()),
            Transport::Smtp(smtp) => smtp.check().await,
        }
    }
}

impl Smtp {
    fn new(url: SmtpUrl) -> Smtp {
        Smtp(Arc::new(SmtpInner {
            idle: Mutex::new(Vec::with_capacity(url.connections)),
            permits: Semaphore::new(url.connections),
            connections: url.connections,
            reaping: AtomicBool::new(false),
            endpoint: url.endpoint,
            deadline: url.deadline,
            server: url.server,
            secrets: url.secrets,
        }))
    }

    async fn send(&self, envelope: &Envelope, bytes: &[u8]) -> Result<(), SendError> {
        let _permit = self.permit().await?;
        let attempt = async {
            loop {
                let mut session = self.session().await?;
                match session.deliver(envelope, bytes).await {
                    // Dropped: the server had closed it, and nothing was offered on it.
                    Err(Failure::Stale(_)) => continue,
                    result => {
                        self.park(session);
                        return result;
                    }
                }
            }
        };
        // On timeout the connection is dropped with the attempt, so a late reply can never
        // be read as the answer to the next message's command.
        match tokio::time::timeout(self.0.deadline, attempt).await {
            Err(_) => Err(self.timed_out()),
            Ok(result) => result.map_err(|failure| self.classify(&failure)),
        }
    }

    async fn check(&self) -> Result<(), SendError> {
        let _permit = self.permit().await?;
        let attempt = async {
            loop {
                let mut session = self.session().await?;
                let answered = session.test().await;
                let reused = session.reused;
                self.park(session);
                match (answered, reused) {
                    (true, _) => return Ok(true),
                    (false, true) => continue,
                    (false, false) => return Ok(false),
                }
            }
        };
        match tokio::time::timeout(self.0.deadline, attempt).await {
            Err(_) => Err(self.timed_out()),
            Ok(Ok(true)) => Ok(()),
            Ok(Ok(false)) => Err(SendError::Transient(format!(
                "{}: the server accepted the connection but did not answer NOOP",
                self.0.server
            ))),
            Ok(Err(failure)) => Err(self.classify(&failure)),
        }
    }

    /// An idle connection from the pool, or a new one.
    async fn session(&self) -> Result<Session, Failure> {
        self.reap_later();
        let idle = {
            let mut idle = self.0.idle.lock().unwrap_or_else(PoisonError::into_inner);
            idle.retain(|session| session.idle_since.elapsed() < IDLE_TIMEOUT);
            idle.pop()
        };
        match idle {
            Some(session) => Ok(session),
            None => Session::open(&self.0.endpoint, CONNECT_TIMEOUT.min(self.0.deadline)).await,
        }
    }

    /// Back to the pool, unless it can carry no more messages.
    fn park(&self, mut session: Session) {
        if !session.usable {
            return;
        }
        session.reused = true;
        session.idle_since = std::time::Instant::now();
        let mut idle = self.0.idle.lock().unwrap_or_else(PoisonError::into_inner);
        if idle.len() < self.0.connections {
            idle.push(session);
        }
    }

    /// Starts, once, the task that closes connections idle for longer than
    /// [`IDLE_TIMEOUT`]. It holds the pool weakly and ends with it.
    fn reap_later(&self) {
        if self.0.reaping.swap(true, Ordering::Relaxed) {
            return;
        }
        let pool: Weak<SmtpInner> = Arc::downgrade(&self.0);
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(IDLE_TIMEOUT / 2).await;
                let Some(pool) = pool.upgrade() else {
                    return;
                };
                pool.close_expired().await;
            }
        });
    }

    fn timed_out(&self) -> SendError {
        SendError::Transient(format!(
            "{}: no answer within {} s; the connection was closed",
            self.0.server,
            self.0.deadline.as_secs()
        ))
    }

    async fn permit(&self) -> Result<tokio::sync::SemaphorePermit<'_>, SendError> {
        self.0.permits.acquire().await.map_err(|_| {
            SendError::Transient(format!("{}: the transport was closed", self.0.server))
        })
    }

    /// 5xx is permanent, except a refused login (530, 534, 535, 538): every message would
    /// fail the same way until the password is fixed, so none should be dropped for it.
    /// Everything else (4xx, network, TLS, timeouts, garbled replies) is transient.
    fn classify(&self, failure: &Failure) -> SendError {
        let error = match failure {
            Failure::Smtp(error) | Failure::Stale(error) => error,
            Failure::Connect(error) => {
                return SendError::Transient(format!(
                    "{}: could not connect: {error}",
                    self.0.server
                ));
            }
            Failure::Unsupported(what) => {
                return SendError::Transient(format!("{}: {what}", self.0.server));
            }
        };
        let text = format!(
            "{}: {}",
            self.0.server,
            scrub(&error.to_string(), &self.0.secrets)
        );
        let code = error.status().map(u16::from);
        match code {
            Some(530 | 534 | 535 | 538) => {
                SendError::Transient(format!("the SMTP server refused the login: {text}"))
            }
            _ if error.is_permanent() => SendError::Permanent(text),
            _ => SendError::Transient(text),
        }
    }
}

impl SmtpInner {
    /// Closes, politely with QUIT, the connections idle for longer than [`IDLE_TIMEOUT`].
    /// Each is closed under a permit, so that no send opens one more in the meantime;
    /// while sends hold every permit, they drop expired connections themselves.
    async fn close_expired(&self) {
        while let Ok(_permit) = self.permits.try_acquire() {
            let expired = {
                let mut idle = self.idle.lock().unwrap_or_else(PoisonError::into_inner);
                idle.iter()
                    .position(|session| session.idle_since.elapsed() >= IDLE_TIMEOUT)
                    .map(|i| idle.remove(i))
            };
            let Some(session) = expired else {
                return;
            };
            let _ = tokio::time::timeout(QUIT_TIMEOUT, session.quit()).await;
        }
    }

    fn idle_count(&self) -> usize {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .len()
    }
}

/// The SMTP envelope, its addresses held to [`check_address`] like those in the headers;
/// a bad address is permanent, since resending the same one cannot help.
fn envelope(from: &str, to: &str) -> Result<Envelope, SendError> {
    let parse = |address: &str, role: &str| {
        let invalid = |reason: String| {
            SendError::Permanent(format!("the envelope {role} is not valid: {reason}"))
        };
        let checked = check_address(address).map_err(|e| invalid(e.to_string()))?;
        checked
            .parse::<Address>()
            .map_err(|e| invalid(e.to_string()))
    };
    let from = parse(from, "sender")?;
    let to = parse(to, "recipient")?;
    Envelope::new(Some(from), vec![to])
        .map_err(|e| SendError::Permanent(format!("the envelope is not valid: {e}")))
}

/// `text` with every secret replaced by `***`.
fn scrub(text: &str, secrets: &[String]) -> String {
    secrets
        .iter()
        .filter(|secret| !secret.is_empty())
        .fold(text.to_owned(), |text, secret| {
            text.replace(secret.as_str(), "***")
        })
}

/// What Midad reads from an SMTP URL, checked so that a mistake is named plainly and a
/// password is never sent in clear by accident.
struct SmtpUrl {
    endpoint: Endpoint,
    server: String,
    connections: usize,
    deadline: Duration,
    secrets: Vec<String>,
}

impl SmtpUrl {
    /// The checked URL, or what is wrong with it (with the password scrubbed, should a
    /// message happen to quote a part that holds it).
    fn parse(url: &str) -> Result<SmtpUrl, MailError> {
        let parsed = Url::parse(url)
            .map_err(|e| MailError::BadSmtpUrl(format!("it could not be read ({e})")))?;
        let secrets: Vec<String> = parsed
            .password()
            .map(|raw| vec![raw.to_owned(), percent_decode(raw)])
            .unwrap_or_default();
        Self::check(&parsed, secrets.clone()).map_err(|error| match error {
            MailError::BadSmtpUrl(reason) => MailError::BadSmtpUrl(scrub(&reason, &secrets)),
            other => other,
        })
    }

    fn check(parsed: &Url, secrets: Vec<String>) -> Result<SmtpUrl, MailError> {
        let bad = |reason: String| MailError::BadSmtpUrl(reason);
        let scheme = parsed.scheme();
        if scheme != "smtp" && scheme != "smtps" {
            return Err(bad(format!(
                "the scheme is {scheme:?}; use smtp:// (plain or with ?tls=required) or smtps://"
            )));
        }
        let host = parsed
            .host_str()
            .filter(|host| !host.is_empty())
            .ok_or_else(|| bad("it has no host (smtp://host:port)".to_owned()))?;
        let tls = Self::query(parsed, scheme)?;
        let connections = Self::number(parsed, "connections", 1, MAX_CONNECTIONS as u64)?
            .map_or(DEFAULT_CONNECTIONS, |n| n as usize);
        let deadline = Self::number(parsed, "timeout", 1, MAX_DEADLINE_SECS)?
            .map_or(DEFAULT_DEADLINE, Duration::from_secs);
        Self::check_credentials(parsed, host, scheme, tls.as_deref())?;
        let port = parsed.port().unwrap_or(match (scheme, tls.as_deref()) {
            ("smtps", _) => smtp::SUBMISSIONS_PORT,
            ("smtp", Some(_)) => smtp::SUBMISSION_PORT,
            _ => smtp::SMTP_PORT,
        });
        // What to resolve and what the certificate must name: an IPv6 address without
        // its URL brackets.
        let bare_host = match parsed.host() {
            Some(url::Host::Ipv6(ip)) => ip.to_string(),
            _ => host.to_owned(),
        };
        let tls_for = |host: &str| {
            TlsParameters::new(host.to_owned())
                .map_err(|e| bad(format!("TLS could not be set up for {host}: {e}")))
        };
        let security = match (scheme, tls.as_deref()) {
            ("smtps", _) => Security::Implicit(tls_for(&bare_host)?),
            (_, Some(mode)) => Security::StartTls {
                tls: tls_for(&bare_host)?,
                required: mode == "required",
            },
            _ => Security::Plain,
        };
        // As lettre reads it: the path, if any, is the name we give in EHLO.
        let hello = match parsed.path().trim_matches('/') {
            "" => ClientId::default(),
            name => ClientId::Domain(name.to_owned()),
        };
        Ok(SmtpUrl {
            endpoint: Endpoint {
                host: bare_host,
                port,
                hello,
                security,
                credentials: Self::credentials(parsed)?,
            },
            server: format!("{host}:{port}"),
            connections,
            deadline,
            secrets,
        })
    }

    /// The user and password, percent-decoded, if the URL has them.
    fn credentials(parsed: &Url) -> Result<Option<Credentials>, MailError> {
        let Some(password) = parsed.password() else {
            return Ok(None);
        };
        let decode = |raw: &str, what: &str| {
            String::from_utf8(percent_decode_bytes(raw)).map_err(|_| {
                MailError::BadSmtpUrl(format!("the {what} is not UTF-8 once percent-decoded"))
            })
        };
        Ok(Some(Credentials::new(
            decode(parsed.username(), "user")?,
            decode(password, "password")?,
        )))
    }

    /// The `tls` parameter, after refusing any parameter lettre or Midad would not read.
    fn query(parsed: &Url, scheme: &str) -> Result<Option<String>, MailError> {
        let mut tls = None;
        for (key, value) in parsed.query_pairs() {
            match (key.as_ref(), value.as_ref(), scheme) {
                ("tls", "required" | "opportunistic", "smtp") => tls = Some(value.into_owned()),
                ("tls", _, "smtps") => {
                    return Err(MailError::BadSmtpUrl(
                        "smtps:// is always TLS; drop ?tls=".to_owned(),
                    ));
                }
                ("tls", other, _) => {
                    return Err(MailError::BadSmtpUrl(format!(
                        "tls={other:?} is not known; use tls=required (STARTTLS) or smtps://"
                    )));
                }
                ("connections" | "timeout", _, _) => {}
                (other, _, _) => {
                    return Err(MailError::BadSmtpUrl(format!(
                        "the parameter {other:?} is not known (tls, connections and timeout are)"
                    )));
                }
            }
        }
        Ok(tls)
    }

    /// The whole number given as parameter `name`, if it is there.
    fn number(parsed: &Url, name: &str, min: u64, max: u64) -> Result<Option<u64>, MailError> {
        let Some((_, value)) = parsed.query_pairs().find(|(key, _)| key == name) else {
            return Ok(None);
        };
        match value.parse::<u64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(Some(n)),
            _ => Err(MailError::BadSmtpUrl(format!(
                "{name}={value:?} is not a whole number from {min} to {max}"
            ))),
        }
    }

    /// A user needs a password and the other way round (lettre would silently skip the
    /// login), and a password needs encryption unless the server is on this machine.
    fn check_credentials(
        parsed: &Url,
        host: &str,
        scheme: &str,
        tls: Option<&str>,
    ) -> Result<(), MailError> {
        let user = !parsed.username().is_empty();
        let password = parsed.password().is_some_and(|p| !p.is_empty());
        if user && !password {
            return Err(MailError::BadSmtpUrl(
                "it has a user but no password (smtp://user:password@host)".to_owned(),
            ));
        }
        if password && !user {
            return Err(MailError::BadSmtpUrl(
                "it has a password but no user (smtp://user:password@host)".to_owned(),
            ));
        }
        let encrypted = scheme == "smtps" || tls == Some("required");
        if password && !encrypted && !is_loopback(host) {
            return Err(MailError::BadSmtpUrl(
                "it would send the password unencrypted; use ?tls=required (port 587) \
                 or smtps:// (port 465)"
                    .to_owned(),
            ));
        }
        Ok(())
    }
}

fn is_loopback(host: &str) -> bool {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// `%XX` sequences decoded, as lettre decodes the password; anything malformed is kept.
fn percent_decode(raw: &str) -> String {
    String::from_utf8_lossy(&percent_decode_bytes(raw)).into_owned()
}

fn percent_decode_bytes(raw: &str) -> Vec<u8> {
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error_of(url: &str) -> String {
        match Transport::from_url(url) {
            Ok(transport) => panic!("{url:?} was accepted: {transport:?}"),
            Err(error) => {
                assert_eq!(error.code(), "mail_bad_smtp_url");
                error.to_string()
            }
        }
    }

    #[test]
    fn an_empty_url_means_the_log() {
        assert!(matches!(Transport::from_url(""), Ok(Transport::Log)));
        assert!(matches!(Transport::from_url("  "), Ok(Transport::Log)));
    }

    #[test]
    fn lettre_urls_are_accepted_outside_a_runtime() {
        for url in [
            "smtp://127.0.0.1:2525",
            "smtp://localhost",
            "smtp://user:secret@127.0.0.1:2525",
            "smtp://user:p%40ss@mail.example.com:587?tls=required",
            "smtp://mail.example.com?tls=opportunistic",
            "smtps://user:secret@mail.example.com",
            "smtps://user:secret@mail.example.com:465?connections=10&timeout=300",
            "smtp://[::1]:25",
        ] {
            let transport = Transport::from_url(url);
            assert!(
                matches!(transport, Ok(Transport::Smtp(_))),
                "{url}: {transport:?}"
            );
        }
    }

    #[test]
    fn the_server_named_in_errors_has_the_right_default_port() {
        let server = |url| match Transport::from_url(url) {
            Ok(Transport::Smtp(smtp)) => smtp.0.server.clone(),
            other => panic!("{other:?}"),
        };
        assert_eq!(server("smtp://mail.example.com"), "mail.example.com:25");
        assert_eq!(
            server("smtp://u:p@mail.example.com?tls=required"),
            "mail.example.com:587"
        );
        assert_eq!(
            server("smtps://u:p@mail.example.com"),
            "mail.example.com:465"
        );
    }

    #[test]
    fn bad_urls_say_what_is_wrong() {
        let cases = [
            ("mail.example.com:587", "scheme"),
            ("http://mail.example.com", "scheme"),
            ("smtp://", "host"),
            ("smtp://mail.example.com:99999", "could not be read"),
            ("smtp://mail.example.com?tls=yes", "tls=\"yes\""),
            ("smtps://u:p@mail.example.com?tls=required", "always TLS"),
            ("smtp://mail.example.com?pool=5", "\"pool\""),
            ("smtp://mail.example.com?timeout=0", "timeout"),
            ("smtp://mail.example.com?timeout=1h", "timeout"),
            ("smtp://mail.example.com?connections=0", "connections"),
            ("smtp://mail.example.com?connections=many", "connections"),
            ("smtp://user@mail.example.com?tls=required", "no password"),
            ("smtp://:secret@mail.example.com?tls=required", "no user"),
            ("smtp://user:secret@mail.example.com:25", "unencrypted"),
            (
                "smtp://user:secret@mail.example.com?tls=opportunistic",
                "unencrypted",
            ),
        ];
        for (url, expected) in cases {
            let message = error_of(url);
            assert!(message.contains(expected), "{url}: {message}");
        }
    }

    #[test]
    fn errors_never_show_the_password() {
        for url in [
            "smtp://user:hunter2@mail.example.com:25",
            "smtp://user:hunter2@mail.example.com?tls=bogus",
            "smtp://user:hunter2@mail.example.com?hunter2=1",
            "smtps://user:hunter2@mail.example.com:99999",
            "ftp://user:hunter2@mail.example.com",
            "smtp://user:hunter2@/",
        ] {
            let message = error_of(url);
            assert!(!message.contains("hunter2"), "{url}: {message}");
        }
    }

    #[test]
    fn debug_output_hides_the_password() {
        let transport = Transport::from_url("smtps://user:hunter2@mail.example.com");
        let shown = format!("{transport:?}");
        assert!(shown.contains("mail.example.com:465"), "{shown}");
        assert!(!shown.contains("hunter2"), "{shown}");
    }

    #[test]
    fn scrub_removes_raw_and_decoded_passwords() {
        let secrets = vec!["p%40ss".to_owned(), percent_decode("p%40ss")];
        assert_eq!(secrets[1], "p@ss");
        assert_eq!(scrub("a p@ss and p%40ss", &secrets), "a *** and ***");
    }

    #[test]
    fn transport_is_shareable() {
        fn assert_shareable<T: Clone + Send + Sync + 'static>() {}
        assert_shareable::<Transport>();
    }
}

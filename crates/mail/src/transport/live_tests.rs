//! The transport against a little responder on 127.0.0.1 (speaking TLS when asked): its
//! encrypted connections (`smtps://`, STARTTLS) and the closing of idle ones. Here rather
//! than in `tests/` because the client must trust the responder's self-signed
//! certificate, which no URL can say, and because idleness is an hour's wait from outside.
//!
//! `tests/data/localhost-test.{crt,key}` were made once with
//! `openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 36500
//! -subj /CN=localhost -addext subjectAltName=DNS:localhost,IP:127.0.0.1
//! -addext basicConstraints=critical,CA:FALSE -addext keyUsage=critical,digitalSignature
//! -addext extendedKeyUsage=serverAuth`.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use base64::Engine as _;
use lettre::transport::smtp::client::{Certificate, TlsParameters};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_rustls::rustls::ServerConfig;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject as _;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};

use super::session::Security;
use super::{SendError, Smtp, SmtpUrl, Transport};

const CERTIFICATE: &str = include_str!("../../tests/data/localhost-test.crt");
const KEY: &str = include_str!("../../tests/data/localhost-test.key");
const DEADLINE: Duration = Duration::from_secs(60);
const USER: &str = "editor";
const PASSWORD: &str = "hunter2-secret";

/// How the responder starts its connections.
#[derive(Clone, Copy)]
enum Mode {
    /// TLS from the first byte.
    Implicit,
    /// In clear, offering STARTTLS or not.
    Plain { offer_starttls: bool },
}

#[derive(Clone, Default)]
struct Log {
    connections: usize,
    /// The user of each login, and whether it came over TLS.
    logins: Vec<(String, bool)>,
    /// The recipient of each message, and whether it came over TLS.
    messages: Vec<(String, bool)>,
    quits: usize,
}

async fn responder(mode: Mode) -> (SocketAddr, Arc<Mutex<Log>>) {
    let certificate = CertificateDer::from_pem_slice(CERTIFICATE.as_bytes())
        .unwrap_or_else(|e| panic!("test certificate: {e}"));
    let key =
        PrivateKeyDer::from_pem_slice(KEY.as_bytes()).unwrap_or_else(|e| panic!("test key: {e}"));
    let config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .and_then(|builder| {
            builder
                .with_no_client_auth()
                .with_single_cert(vec![certificate], key)
        })
        .unwrap_or_else(|e| panic!("TLS server config: {e}"));
    let acceptor = TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("binding the responder: {e}"));
    let addr = listener
        .local_addr()
        .unwrap_or_else(|e| panic!("responder address: {e}"));
    let log = Arc::new(Mutex::new(Log::default()));
    let shared = Arc::clone(&log);
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            if let Ok(mut log) = shared.lock() {
                log.connections += 1;
            }
            let acceptor = acceptor.clone();
            let log = Arc::clone(&shared);
            tokio::spawn(async move {
                match mode {
                    Mode::Implicit => {
                        let Ok(tls) = acceptor.accept(tcp).await else {
                            return;
                        };
                        let mut tls = BufReader::new(tls);
                        if say(&mut tls, "220 responder ESMTP").await {
                            converse(&mut tls, true, false, &log).await;
                        }
                    }
                    Mode::Plain { offer_starttls } => {
                        let mut plain = BufReader::new(tcp);
                        if !say(&mut plain, "220 responder ESMTP").await
                            || !converse(&mut plain, false, offer_starttls, &log).await
                        {
                            return;
                        }
                        let Ok(tls) = acceptor.accept(plain.into_inner()).await else {
                            return;
                        };
                        converse(&mut BufReader::new(tls), true, false, &log).await;
                    }
                }
            });
        }
    });
    (addr, log)
}

async fn say<S: AsyncWrite + Unpin>(stream: &mut S, reply: &str) -> bool {
    stream
        .write_all(format!("{reply}\r\n").as_bytes())
        .await
        .is_ok()
}

/// One SMTP conversation until QUIT or hang-up (false), or until the client asked for
/// STARTTLS and was told to go ahead (true). Logins are offered over TLS only.
async fn converse<S: AsyncRead + AsyncWrite + Unpin>(
    stream: &mut BufReader<S>,
    encrypted: bool,
    offer_starttls: bool,
    log: &Mutex<Log>,
) -> bool {
    let mut to = String::new();
    let mut line = String::new();
    loop {
        line.clear();
        match stream.read_line(&mut line).await {
            Ok(0) | Err(_) => return false,
            Ok(_) => {}
        }
        let command = line.trim_end().to_owned();
        let upper = command.to_ascii_uppercase();
        let reply = if upper.starts_with("EHLO") {
            let starttls = if offer_starttls {
                "250-STARTTLS\r\n"
            } else {
                ""
            };
            let auth = if encrypted { "250-AUTH PLAIN\r\n" } else { "" };
            format!("250-responder\r\n{starttls}{auth}250 8BITMIME")
        } else if upper == "STARTTLS" && offer_starttls {
            return say(stream, "220 2.0.0 go ahead").await;
        } else if upper.starts_with("AUTH PLAIN ") && encrypted {
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(command.get("AUTH PLAIN ".len()..).unwrap_or_default())
                .unwrap_or_default();
            let expected = format!("\0{USER}\0{PASSWORD}");
            let user = String::from_utf8_lossy(&decoded)
                .split('\0')
                .nth(1)
                .unwrap_or_default()
                .to_owned();
            if let Ok(mut log) = log.lock() {
                log.logins.push((user, encrypted));
            }
            if decoded == expected.as_bytes() {
                "235 2.7.0 ok".to_owned()
            } else {
                "535 5.7.8 no".to_owned()
            }
        } else if upper.starts_with("MAIL FROM:") || upper == "RSET" || upper == "NOOP" {
            "250 2.0.0 ok".to_owned()
        } else if upper.starts_with("RCPT TO:") {
            to = command
                .trim_start_matches(|c| c != '<')
                .trim_matches(['<', '>'])
                .to_owned();
            "250 2.1.5 ok".to_owned()
        } else if upper == "DATA" {
            if !say(stream, "354 go on").await {
                return false;
            }
            loop {
                line.clear();
                match stream.read_line(&mut line).await {
                    Ok(0) | Err(_) => return false,
                    Ok(_) if line == ".\r\n" => break,
                    Ok(_) => {}
                }
            }
            if let Ok(mut log) = log.lock() {
                log.messages.push((std::mem::take(&mut to), encrypted));
            }
            "250 2.0.0 queued".to_owned()
        } else if upper == "QUIT" {
            if let Ok(mut log) = log.lock() {
                log.quits += 1;
            }
            let _ = say(stream, "221 2.0.0 bye").await;
            return false;
        } else {
            "502 5.5.2 not here".to_owned()
        };
        if !say(stream, &reply).await {
            return false;
        }
    }
}

/// The transport for `url`, trusting the test certificate and connecting to 127.0.0.1.
fn transport(url: &str) -> Transport {
    let mut parsed = SmtpUrl::parse(url).unwrap_or_else(|e| panic!("{url}: {e}"));
    let trusted = Certificate::from_pem(CERTIFICATE.as_bytes())
        .and_then(|certificate| {
            TlsParameters::builder("localhost".to_owned())
                .add_root_certificate(certificate)
                .build()
        })
        .unwrap_or_else(|e| panic!("client TLS parameters: {e}"));
    parsed.endpoint.host = "127.0.0.1".to_owned();
    parsed.endpoint.security = match parsed.endpoint.security {
        Security::Implicit(_) => Security::Implicit(trusted),
        Security::StartTls { required, .. } => Security::StartTls {
            tls: trusted,
            required,
        },
        Security::Plain => Security::Plain,
    };
    Transport::Smtp(Smtp::new(parsed))
}

async fn send(transport: &Transport, to: &str) -> Result<(), SendError> {
    let message = format!("Subject: hi\r\nTo: {to}\r\n\r\nhello\r\n");
    tokio::time::timeout(
        DEADLINE,
        transport.send("news@alghad.example", to, message.as_bytes()),
    )
    .await
    .unwrap_or_else(|_| panic!("sending to {to} did not finish within {DEADLINE:?}"))
}

/// What the responder has seen so far.
fn seen(log: &Mutex<Log>) -> Log {
    log.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

fn over_tls(recipients: &[&str]) -> Vec<(String, bool)> {
    recipients.iter().map(|r| ((*r).to_owned(), true)).collect()
}

#[tokio::test]
async fn smtps_logs_in_and_sends_several_messages_on_one_connection() {
    let (addr, log) = responder(Mode::Implicit).await;
    let transport = transport(&format!(
        "smtps://{USER}:{PASSWORD}@localhost:{}?connections=1",
        addr.port()
    ));
    for to in ["a@example.com", "b@example.com", "c@example.com"] {
        send(&transport, to)
            .await
            .unwrap_or_else(|e| panic!("{to}: {e}"));
    }
    let seen = seen(&log);
    assert_eq!(seen.connections, 1);
    assert_eq!(seen.logins, over_tls(&[USER]));
    assert_eq!(
        seen.messages,
        over_tls(&["a@example.com", "b@example.com", "c@example.com"])
    );
}

#[tokio::test]
async fn starttls_comes_before_the_login() {
    let (addr, log) = responder(Mode::Plain {
        offer_starttls: true,
    })
    .await;
    let transport = transport(&format!(
        "smtp://{USER}:{PASSWORD}@localhost:{}?tls=required&connections=1",
        addr.port()
    ));
    for to in ["a@example.com", "b@example.com"] {
        send(&transport, to)
            .await
            .unwrap_or_else(|e| panic!("{to}: {e}"));
    }
    let seen = seen(&log);
    assert_eq!(seen.connections, 1);
    assert_eq!(seen.logins, over_tls(&[USER]));
    assert_eq!(seen.messages, over_tls(&["a@example.com", "b@example.com"]));
}

#[tokio::test]
async fn required_tls_sends_nothing_to_a_server_without_starttls() {
    let (addr, log) = responder(Mode::Plain {
        offer_starttls: false,
    })
    .await;
    let transport = transport(&format!(
        "smtp://{USER}:{PASSWORD}@localhost:{}?tls=required",
        addr.port()
    ));
    let result = send(&transport, "a@example.com").await;
    match result {
        Err(SendError::Transient(message)) => {
            assert!(message.contains("STARTTLS"), "{message}");
            assert!(!message.contains(PASSWORD), "{message}");
        }
        other => panic!("expected a transient error, got {other:?}"),
    }
    let seen = seen(&log);
    assert!(seen.logins.is_empty() && seen.messages.is_empty());
}

#[tokio::test]
async fn opportunistic_tls_is_used_when_offered_only() {
    for offer_starttls in [true, false] {
        let (addr, log) = responder(Mode::Plain { offer_starttls }).await;
        let transport = transport(&format!(
            "smtp://localhost:{}?tls=opportunistic",
            addr.port()
        ));
        send(&transport, "a@example.com")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            seen(&log).messages,
            [("a@example.com".to_owned(), offer_starttls)]
        );
    }
}

#[tokio::test]
async fn idle_connections_are_closed_with_quit() {
    let (addr, log) = responder(Mode::Plain {
        offer_starttls: false,
    })
    .await;
    let transport = transport(&format!("smtp://localhost:{}", addr.port()));
    send(&transport, "a@example.com")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let Transport::Smtp(smtp) = &transport else {
        panic!("{transport:?}");
    };
    assert_eq!(smtp.0.idle_count(), 1);

    smtp.0.close_expired().await;
    assert_eq!(smtp.0.idle_count(), 1, "a fresh connection was closed");

    let long_ago = std::time::Instant::now()
        .checked_sub(super::IDLE_TIMEOUT * 2)
        .unwrap_or_else(|| panic!("the clock is too young"));
    {
        let mut idle = smtp.0.idle.lock().unwrap_or_else(PoisonError::into_inner);
        for session in idle.iter_mut() {
            session.idle_since = long_ago;
        }
    }
    smtp.0.close_expired().await;
    assert_eq!(smtp.0.idle_count(), 0);
    // The responder counts the QUIT before it answers it, and the answer was awaited.
    assert_eq!(seen(&log).quits, 1);
}

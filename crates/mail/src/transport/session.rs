//! One SMTP connection that Midad opens itself (TCP with Nagle's algorithm off, then TLS
//! and login as the URL says) and the mail transactions it carries, one message each.
//!
//! lettre's own transport leaves Nagle on and writes a message and its closing dot in two
//! writes, so every message waited for the server's delayed ACK (about 40 ms on Linux):
//! some 22 messages a second per connection, whatever the server's speed.

use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use futures_io::{AsyncRead as FuturesRead, AsyncWrite as FuturesWrite};
use lettre::Address;
use lettre::address::Envelope;
use lettre::transport::smtp::authentication::{Credentials, DEFAULT_MECHANISMS};
#[allow(deprecated)]
// lettre 0.11's stream type, public but deprecated as "not meant to be made public"; it is
// the one way to put lettre's own TLS (its `TlsParameters`) on a socket opened here.
use lettre::transport::smtp::client::AsyncNetworkStream;
use lettre::transport::smtp::client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters};
use lettre::transport::smtp::commands::{Data, Mail, Rcpt, Rset};
use lettre::transport::smtp::extension::{ClientId, Extension, MailBodyParameter, MailParameter};
use lettre::transport::smtp::{self};
use tokio::io::ReadBuf;
use tokio::net::TcpStream;

/// How a connection is encrypted.
pub(super) enum Security {
    Plain,
    /// STARTTLS after the greeting; when not `required`, only if the server offers it.
    StartTls {
        tls: TlsParameters,
        required: bool,
    },
    /// TLS from the first byte (`smtps://`).
    Implicit(TlsParameters),
}

/// Everything needed to open a connection ready for mail.
pub(super) struct Endpoint {
    /// A domain or an IP address, IPv6 without brackets.
    pub host: String,
    pub port: u16,
    pub hello: ClientId,
    pub security: Security,
    pub credentials: Option<Credentials>,
}

/// Why a connection could not be opened or a message not sent.
#[derive(Debug)]
pub(super) enum Failure {
    /// The TCP connection could not be made.
    Connect(io::Error),
    /// A reply or error from lettre: the server's refusal, a broken connection, TLS.
    Smtp(smtp::Error),
    /// Something this server cannot take (lettre refuses the same before sending).
    Unsupported(&'static str),
    /// A connection from the pool turned out closed before the message was offered, so
    /// another one may be tried at once without risk of delivering twice.
    Stale(smtp::Error),
}

/// An open, logged-in connection.
pub(super) struct Session {
    conn: AsyncSmtpConnection,
    /// Since when it waits in the pool.
    pub idle_since: Instant,
    /// Whether it came from the pool (and so may have been closed by the server meanwhile).
    pub reused: bool,
    /// Whether it may carry another message: false once the connection failed, a reply
    /// could not be read, or the server said it is closing (421).
    pub usable: bool,
}

impl Session {
    /// Connects (each address the host resolves to in turn, each within
    /// `connect_timeout`), reads the greeting, says EHLO, encrypts and logs in.
    pub async fn open(endpoint: &Endpoint, connect_timeout: Duration) -> Result<Self, Failure> {
        let tcp = connect(&endpoint.host, endpoint.port, connect_timeout)
            .await
            .map_err(Failure::Connect)?;
        // The point of opening the socket here: a message's last write (the closing dot)
        // goes out at once instead of waiting for the ACK of the one before.
        tcp.set_nodelay(true).map_err(Failure::Connect)?;
        let stream: Box<dyn AsyncTokioStream> = match &endpoint.security {
            Security::Implicit(tls) => {
                #[allow(deprecated)]
                let mut stream = AsyncNetworkStream::use_existing_tokio1(Box::new(tcp));
                stream
                    .upgrade_tls(tls.clone())
                    .await
                    .map_err(Failure::Smtp)?;
                Box::new(Encrypted(stream))
            }
            Security::Plain | Security::StartTls { .. } => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &endpoint.hello)
            .await
            .map_err(Failure::Smtp)?;
        if let Security::StartTls { tls, required } = &endpoint.security
            && (*required || conn.can_starttls())
        {
            conn.starttls(tls.clone(), &endpoint.hello)
                .await
                .map_err(Failure::Smtp)?;
        }
        if let Some(credentials) = &endpoint.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials)
                .await
                .map_err(Failure::Smtp)?;
        }
        Ok(Session {
            conn,
            idle_since: Instant::now(),
            reused: false,
            usable: true,
        })
    }

    /// One mail transaction: the commands lettre's `send` gives, but a refusal resets the
    /// transaction (RSET) and keeps the connection, where lettre's would close it.
    pub async fn deliver(&mut self, envelope: &Envelope, bytes: &[u8]) -> Result<(), Failure> {
        let mut options = Vec::new();
        let non_ascii = envelope
            .from()
            .into_iter()
            .chain(envelope.to())
            .any(|address: &Address| !(address.user().is_ascii() && address.domain().is_ascii()));
        if non_ascii {
            if !self.supports(Extension::SmtpUtfEight) {
                return Err(Failure::Unsupported(
                    "the envelope has non-ASCII addresses but the server does not offer SMTPUTF8",
                ));
            }
            options.push(MailParameter::SmtpUtfEight);
        }
        if !bytes.is_ascii() {
            if !self.supports(Extension::EightBitMime) {
                return Err(Failure::Unsupported(
                    "the message has non-ASCII bytes but the server does not offer 8BITMIME",
                ));
            }
            options.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }

        let mail = Mail::new(envelope.from().cloned(), options);
        if let Err(error) = self.conn.command(mail).await {
            let error = self.after_refusal(error).await;
            // Nothing of the message went out: a pooled connection the server had closed
            // (or says it is closing) can be replaced at once.
            return Err(if self.reused && !self.usable {
                Failure::Stale(error)
            } else {
                Failure::Smtp(error)
            });
        }
        for to in envelope.to() {
            if let Err(error) = self.conn.command(Rcpt::new(to.clone(), Vec::new())).await {
                return Err(Failure::Smtp(self.after_refusal(error).await));
            }
        }
        if let Err(error) = self.conn.command(Data).await {
            return Err(Failure::Smtp(self.after_refusal(error).await));
        }
        match self.conn.message(bytes).await {
            Ok(_) => Ok(()),
            Err(error) => Err(Failure::Smtp(self.after_refusal(error).await)),
        }
    }

    /// NOOP; a connection that does not answer is no longer usable.
    pub async fn test(&mut self) -> bool {
        self.usable = self.conn.test_connected().await;
        self.usable
    }

    /// QUIT, for a connection closed while all is well.
    pub async fn quit(mut self) {
        let _ = self.conn.quit().await;
    }

    fn supports(&self, extension: Extension) -> bool {
        self.conn.server_info().supports_feature(extension)
    }

    /// After a failed command: a reply from the server (4xx, 5xx) leaves the connection
    /// usable once the transaction is reset, as RFC 5321 4.1.1.5 allows at any point; a
    /// connection that broke, a reply that could not be read, or 421 (the server is
    /// closing) leaves it unusable.
    async fn after_refusal(&mut self, error: smtp::Error) -> smtp::Error {
        self.usable = match error.status().map(u16::from) {
            None | Some(421) => false,
            Some(_) => self.conn.command(Rset).await.is_ok(),
        };
        error
    }
}

/// A TCP connection to the first address of `host` that answers.
async fn connect(host: &str, port: u16, timeout: Duration) -> io::Result<TcpStream> {
    let addresses: Vec<SocketAddr> =
        tokio::time::timeout(timeout, tokio::net::lookup_host((host, port)))
            .await
            .map_err(|_| io::Error::new(io::ErrorKind::TimedOut, "resolving the host timed out"))??
            .collect();
    let mut last = None;
    for address in addresses {
        match tokio::time::timeout(timeout, TcpStream::connect(address)).await {
            Ok(Ok(stream)) => return Ok(stream),
            Ok(Err(error)) => last = Some(error),
            Err(_) => {
                last = Some(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("connecting to {address} timed out"),
                ));
            }
        }
    }
    Err(last.unwrap_or_else(|| io::Error::new(io::ErrorKind::NotFound, "the host has no address")))
}

/// lettre's TLS stream (futures-io) as the tokio stream lettre takes for a connection.
#[allow(deprecated)]
#[derive(Debug)]
struct Encrypted(AsyncNetworkStream);

impl AsyncTokioStream for Encrypted {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.peer_addr()
    }
}

impl tokio::io::AsyncRead for Encrypted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let read = Pin::new(&mut self.0).poll_read(cx, buf.initialize_unfilled());
        read.map_ok(|n| buf.advance(n))
    }
}

impl tokio::io::AsyncWrite for Encrypted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_close(cx)
    }
}

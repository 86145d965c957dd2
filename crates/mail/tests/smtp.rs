//! `Transport` against a tiny SMTP responder on 127.0.0.1 that speaks just enough of the
//! protocol for lettre, answers some recipients with 550 or 451, and records what it got.
//! (Midad's end-to-end tests use a real SMTP server; this one is for this crate only.)

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use midad_mail::{Mailbox, Outgoing, SendError, Transport, Unsubscribe, message_id};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// Generous: a test that waits this long has hung, and should fail rather than stall CI.
const DEADLINE: Duration = Duration::from_secs(60);

const PASSWORD: &str = "hunter2-secret";

/// One message as the responder received it.
#[derive(Clone, Debug)]
struct Received {
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

#[derive(Default)]
struct Log {
    messages: Vec<Received>,
    connections: usize,
    stalled: bool,
}

/// How the responder behaves.
#[derive(Clone, Copy, Default)]
struct Behaviour {
    /// Offer AUTH and refuse every login with 535.
    refuse_login: bool,
    /// Never answer the end of the first message's data, as a hung server would.
    stall_once: bool,
}

struct Responder {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
}

impl Responder {
    async fn start(behaviour: Behaviour) -> Responder {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("binding the responder: {e}"));
        let addr = listener
            .local_addr()
            .unwrap_or_else(|e| panic!("responder address: {e}"));
        let log = Arc::new(Mutex::new(Log::default()));
        let shared = Arc::clone(&log);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                if let Ok(mut log) = shared.lock() {
                    log.connections += 1;
                }
                tokio::spawn(session(stream, behaviour, Arc::clone(&shared)));
            }
        });
        Responder { addr, log }
    }

    fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    fn messages(&self) -> Vec<Received> {
        self.log
            .lock()
            .map(|log| log.messages.clone())
            .unwrap_or_default()
    }

    fn connections(&self) -> usize {
        self.log
            .lock()
            .map(|log| log.connections)
            .unwrap_or_default()
    }
}

/// The reply to `RCPT TO:<address>`: some local parts stand for a refusing mailbox.
fn rcpt_reply(address: &str) -> &'static str {
    if address.starts_with("gone@") {
        "550 5.1.1 no such mailbox"
    } else if address.starts_with("busy@") {
        "451 4.3.0 mailbox busy, try later"
    } else {
        "250 2.1.5 ok"
    }
}

/// One SMTP session, until QUIT or the client hangs up.
async fn session(stream: TcpStream, behaviour: Behaviour, log: Arc<Mutex<Log>>) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    let say = async |writer: &mut tokio::net::tcp::OwnedWriteHalf, reply: &str| {
        writer
            .write_all(format!("{reply}\r\n").as_bytes())
            .await
            .is_ok()
    };
    if !say(&mut writer, "220 responder ESMTP").await {
        return;
    }
    let mut from = String::new();
    let mut to = Vec::new();
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply: String = if command.starts_with("EHLO") || command.starts_with("HELO") {
            let auth = if behaviour.refuse_login {
                "250-AUTH PLAIN LOGIN\r\n"
            } else {
                ""
            };
            format!("250-responder\r\n{auth}250-8BITMIME\r\n250 SIZE 10000000")
        } else if command.starts_with("AUTH") {
            "535 5.7.8 authentication credentials invalid".into()
        } else if command.starts_with("MAIL FROM:") {
            from = between_brackets(&line);
            to.clear();
            "250 2.1.0 ok".into()
        } else if command.starts_with("RCPT TO:") {
            let address = between_brackets(&line);
            let reply = rcpt_reply(&address);
            if reply.starts_with('2') {
                to.push(address);
            }
            reply.into()
        } else if command == "DATA" {
            if !say(&mut writer, "354 end with <CRLF>.<CRLF>").await {
                return;
            }
            let Some(data) = read_data(&mut reader).await else {
                return;
            };
            if behaviour.stall_once && first_stall(&log) {
                std::future::pending::<()>().await;
            }
            if let Ok(mut log) = log.lock() {
                log.messages.push(Received {
                    from: from.clone(),
                    to: to.clone(),
                    data,
                });
            }
            "250 2.0.0 queued".into()
        } else if command == "RSET" || command == "NOOP" {
            "250 2.0.0 ok".into()
        } else if command == "QUIT" {
            let _ = say(&mut writer, "221 2.0.0 bye").await;
            return;
        } else {
            "502 5.5.2 command not recognised".into()
        };
        if !say(&mut writer, &reply).await {
            return;
        }
    }
}

/// Whether this is the first stall (and from now on, there was one).
fn first_stall(log: &Mutex<Log>) -> bool {
    log.lock()
        .map(|mut log| !std::mem::replace(&mut log.stalled, true))
        .unwrap_or_default()
}

fn between_brackets(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line.rfind('>').unwrap_or(line.len());
    line.get(start..end).unwrap_or_default().to_owned()
}

/// The message after DATA, up to the lone dot, with dot-stuffing undone (RFC 5321 4.5.2).
/// Every line keeps its CRLF, so the terminator's CRLF ends the last line.
async fn read_data(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>) -> Option<Vec<u8>> {
    let mut data = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).await.ok()? == 0 {
            return None;
        }
        if line == b".\r\n" {
            return Some(data);
        }
        let unstuffed = line.strip_prefix(b".").unwrap_or(&line);
        data.extend_from_slice(unstuffed);
    }
}

fn transport(url: &str) -> Transport {
    Transport::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn digest_for(to: &str) -> Outgoing {
    Outgoing {
        from: Mailbox::new("صحيفة الغد", "news@alghad.example"),
        reply_to: None,
        to: to.into(),
        subject: "نشرة الغد".into(),
        text: "أهم الأخبار".into(),
        html: Some("<p>أهم الأخبار</p>".into()),
        message_id: message_id("alghad.example"),
        date: Utc::now(),
        unsubscribe: Some(Unsubscribe {
            url: "https://alghad.example/newsletter/unsubscribe/abc".into(),
            mailto: None,
        }),
    }
}

async fn within_deadline<F: std::future::Future>(future: F) -> F::Output {
    tokio::time::timeout(DEADLINE, future)
        .await
        .unwrap_or_else(|_| panic!("the test did not finish within {DEADLINE:?}"))
}

#[tokio::test]
async fn a_message_is_delivered_with_its_bytes_intact() {
    let responder = Responder::start(Behaviour::default()).await;
    let transport = transport(&responder.url());
    let bytes = digest_for("reader@example.com")
        .to_bytes(None)
        .unwrap_or_else(|e| panic!("{e}"));
    within_deadline(transport.send("bounces@alghad.example", "reader@example.com", &bytes))
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let received = responder.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].from, "bounces@alghad.example");
    assert_eq!(received[0].to, ["reader@example.com"]);
    // lettre ends the data with CRLF.CRLF after the message's own last line break, so
    // the server sees one empty line more; the message itself arrives unchanged.
    let data = &received[0].data;
    assert_eq!(data.strip_suffix(b"\r\n").unwrap_or(data), bytes.as_slice());
}

#[tokio::test]
async fn lines_starting_with_a_dot_survive() {
    let responder = Responder::start(Behaviour::default()).await;
    let transport = transport(&responder.url());
    let raw = b"Subject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\nend\r\n";
    within_deadline(transport.send("news@alghad.example", "reader@example.com", raw))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let received = responder.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(
        String::from_utf8_lossy(&received[0].data),
        "Subject: dots\r\n\r\n.one dot\r\n..two dots\r\n.\r\nend\r\n\r\n"
    );
}

#[tokio::test]
async fn a_550_for_the_recipient_is_permanent() {
    let responder = Responder::start(Behaviour::default()).await;
    let transport = transport(&responder.url());
    let bytes = digest_for("gone@example.com")
        .to_bytes(None)
        .unwrap_or_else(|e| panic!("{e}"));
    let result =
        within_deadline(transport.send("news@alghad.example", "gone@example.com", &bytes)).await;
    match result {
        Err(SendError::Permanent(message)) => {
            assert!(message.contains("550"), "{message}");
            assert!(message.contains(&responder.addr.to_string()), "{message}");
        }
        other => panic!("expected a permanent error, got {other:?}"),
    }
    assert!(responder.messages().is_empty());
}

#[tokio::test]
async fn a_451_for_the_recipient_is_transient() {
    let responder = Responder::start(Behaviour::default()).await;
    let transport = transport(&responder.url());
    let bytes = digest_for("busy@example.com")
        .to_bytes(None)
        .unwrap_or_else(|e| panic!("{e}"));
    let result =
        within_deadline(transport.send("news@alghad.example", "busy@example.com", &bytes)).await;
    match result {
        Err(error @ SendError::Transient(_)) => {
            assert!(error.to_string().contains("451"), "{error}");
            assert_eq!(error.code(), "send_transient");
        }
        other => panic!("expected a transient error, got {other:?}"),
    }
}

#[tokio::test]
async fn a_closed_port_is_transient() {
    let port = {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        listener.local_addr().map(|a| a.port()).unwrap_or_default()
    };
    let transport = transport(&format!("smtp://127.0.0.1:{port}"));
    let result =
        within_deadline(transport.send("news@alghad.example", "reader@example.com", b"x")).await;
    assert!(matches!(result, Err(SendError::Transient(_))), "{result:?}");
    let checked = within_deadline(transport.check()).await;
    assert!(
        matches!(checked, Err(SendError::Transient(_))),
        "{checked:?}"
    );
}

#[tokio::test]
async fn a_refused_login_is_transient_and_hides_the_password() {
    let responder = Responder::start(Behaviour {
        refuse_login: true,
        ..Behaviour::default()
    })
    .await;
    let url = format!("smtp://editor:{PASSWORD}@{}", responder.addr);
    let transport = transport(&url);
    let result =
        within_deadline(transport.send("news@alghad.example", "reader@example.com", b"x")).await;
    match result {
        Err(SendError::Transient(message)) => {
            assert!(message.contains("login"), "{message}");
            assert!(message.contains("535"), "{message}");
            assert!(!message.contains(PASSWORD), "{message}");
        }
        other => panic!("expected a transient error, got {other:?}"),
    }
    assert!(!format!("{transport:?}").contains(PASSWORD));
}

#[tokio::test]
async fn check_succeeds_against_a_live_server() {
    let responder = Responder::start(Behaviour::default()).await;
    let transport = transport(&responder.url());
    within_deadline(transport.check())
        .await
        .unwrap_or_else(|e| panic!("{e}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn many_concurrent_sends_share_a_few_connections() {
    const MESSAGES: usize = 40;
    let responder = Responder::start(Behaviour::default()).await;
    let transport = transport(&format!("{}?connections=2", responder.url()));
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..MESSAGES {
        let transport = transport.clone();
        sends.spawn(async move {
            let to = format!("reader{i}@example.com");
            let bytes = digest_for(&to).to_bytes(None).unwrap_or_default();
            transport.send("news@alghad.example", &to, &bytes).await
        });
    }
    within_deadline(async {
        while let Some(result) = sends.join_next().await {
            match result {
                Ok(Ok(())) => {}
                other => panic!("a send failed: {other:?}"),
            }
        }
    })
    .await;
    assert_eq!(responder.messages().len(), MESSAGES);
    let connections = responder.connections();
    assert!(
        connections < MESSAGES / 2,
        "{connections} connections for {MESSAGES} messages: the pool was not reused"
    );
}

#[tokio::test]
async fn the_log_transport_accepts_everything_valid() {
    let transport = transport("");
    assert!(transport.check().await.is_ok());
    assert!(
        transport
            .send(
                "news@alghad.example",
                "reader@example.com",
                b"Subject: hi\r\n\r\nhello"
            )
            .await
            .is_ok()
    );
    let refused = transport
        .send("news@alghad.example", "not an address", b"x")
        .await;
    assert!(
        matches!(refused, Err(SendError::Permanent(_))),
        "{refused:?}"
    );
}

#[tokio::test]
async fn a_stalled_server_times_out_and_the_next_send_starts_afresh() {
    let responder = Responder::start(Behaviour {
        stall_once: true,
        ..Behaviour::default()
    })
    .await;
    let transport = transport(&format!("{}?timeout=1", responder.url()));
    let first = digest_for("first@example.com")
        .to_bytes(None)
        .unwrap_or_else(|e| panic!("{e}"));
    let result =
        within_deadline(transport.send("news@alghad.example", "first@example.com", &first)).await;
    match result {
        Err(SendError::Transient(message)) => {
            assert!(message.contains("no answer within 1 s"), "{message}")
        }
        other => panic!("expected a timeout, got {other:?}"),
    }

    // A fresh pool: the late reply to the first message cannot be taken for this one's.
    let second = digest_for("second@example.com")
        .to_bytes(None)
        .unwrap_or_else(|e| panic!("{e}"));
    within_deadline(transport.send("news@alghad.example", "second@example.com", &second))
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let received = responder.messages();
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].to, ["second@example.com"]);
    assert_eq!(responder.connections(), 2);
}

//! The SMTP transport's connection pool against a strict little responder on 127.0.0.1
//! that keeps a transcript of every connection: connections are reused, never more than
//! `?connections=N` are open, a refused recipient leaves its connection fit for the next
//! message, and a pooled connection the server has closed is replaced without an error.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use midad_mail::{SendError, Transport};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

/// Generous: a test that waits this long has hung, and should fail rather than stall CI.
const DEADLINE: Duration = Duration::from_secs(60);

/// One message as the responder received it, and on which connection (0, 1, … in the
/// order they were accepted).
#[derive(Clone, Debug)]
struct Received {
    connection: usize,
    from: String,
    to: Vec<String>,
    data: Vec<u8>,
}

#[derive(Default)]
struct Log {
    messages: Vec<Received>,
    /// Each connection's commands, as the client sent them.
    transcripts: Vec<Vec<String>>,
    open: usize,
    most_open: usize,
}

/// What the responder does once a connection has carried `after` messages.
#[derive(Clone, Copy)]
enum Hangup {
    Never,
    /// Closes the connection right after the 250 for the last message, as a server that
    /// drops idle clients does while they sit in the pool.
    Silently {
        after: usize,
    },
    /// Answers the next MAIL with 421 and closes, as a server that limits messages per
    /// connection does.
    With421 {
        after: usize,
    },
}

struct Responder {
    addr: SocketAddr,
    log: Arc<Mutex<Log>>,
}

impl Responder {
    async fn start(hangup: Hangup) -> Responder {
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
                let connection = shared.lock().map_or(0, |mut log| {
                    log.transcripts.push(Vec::new());
                    log.open += 1;
                    log.most_open = log.most_open.max(log.open);
                    log.transcripts.len() - 1
                });
                let log = Arc::clone(&shared);
                tokio::spawn(async move {
                    session(stream, connection, hangup, &log).await;
                    if let Ok(mut log) = log.lock() {
                        log.open -= 1;
                    }
                });
            }
        });
        Responder { addr, log }
    }

    fn url(&self, query: &str) -> String {
        format!("smtp://{}?{query}", self.addr)
    }

    fn read<T>(&self, f: impl FnOnce(&Log) -> T) -> T {
        match self.log.lock() {
            Ok(log) => f(&log),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
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

async fn say(writer: &mut OwnedWriteHalf, reply: &str) -> bool {
    writer
        .write_all(format!("{reply}\r\n").as_bytes())
        .await
        .is_ok()
}

/// One SMTP session, strict as real servers are about transactions: a second MAIL before
/// the first transaction ended or was reset gets 503, DATA without a recipient gets 554.
async fn session(stream: TcpStream, connection: usize, hangup: Hangup, log: &Mutex<Log>) {
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);
    if !say(&mut writer, "220 responder ESMTP").await {
        return;
    }
    let mut from: Option<String> = None;
    let mut to = Vec::new();
    let mut delivered = 0;
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {}
        }
        if let Ok(mut log) = log.lock() {
            log.transcripts[connection].push(line.trim_end().to_owned());
        }
        let command = line.trim_end().to_ascii_uppercase();
        let reply = if command.starts_with("EHLO") {
            "250-responder\r\n250-8BITMIME\r\n250 SIZE 10000000"
        } else if command.starts_with("MAIL FROM:") {
            match hangup {
                Hangup::With421 { after } if delivered == after => {
                    let _ = say(&mut writer, "421 4.7.0 too many messages, closing").await;
                    return;
                }
                _ if from.is_some() => "503 5.5.1 nested MAIL command",
                _ => {
                    from = Some(between_brackets(&line));
                    "250 2.1.0 ok"
                }
            }
        } else if command.starts_with("RCPT TO:") {
            let address = between_brackets(&line);
            let reply = if from.is_none() {
                "503 5.5.1 need MAIL first"
            } else {
                rcpt_reply(&address)
            };
            if reply.starts_with('2') {
                to.push(address);
            }
            reply
        } else if command == "DATA" {
            if to.is_empty() {
                "554 5.5.1 no valid recipients"
            } else {
                if !say(&mut writer, "354 end with <CRLF>.<CRLF>").await {
                    return;
                }
                let Some(data) = read_data(&mut reader).await else {
                    return;
                };
                if let Ok(mut log) = log.lock() {
                    log.messages.push(Received {
                        connection,
                        from: from.take().unwrap_or_default(),
                        to: std::mem::take(&mut to),
                        data,
                    });
                }
                delivered += 1;
                if !say(&mut writer, "250 2.0.0 queued").await {
                    return;
                }
                if matches!(hangup, Hangup::Silently { after } if delivered == after) {
                    return;
                }
                continue;
            }
        } else if command == "RSET" {
            from = None;
            to.clear();
            "250 2.0.0 ok"
        } else if command == "NOOP" {
            "250 2.0.0 ok"
        } else if command == "QUIT" {
            let _ = say(&mut writer, "221 2.0.0 bye").await;
            return;
        } else {
            "502 5.5.2 command not recognised"
        };
        if !say(&mut writer, reply).await {
            return;
        }
    }
}

fn between_brackets(line: &str) -> String {
    let start = line.find('<').map_or(0, |i| i + 1);
    let end = line.rfind('>').unwrap_or(line.len());
    line.get(start..end).unwrap_or_default().to_owned()
}

/// The message after DATA, up to the lone dot, with dot-stuffing undone.
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
        data.extend_from_slice(line.strip_prefix(b".").unwrap_or(&line));
    }
}

fn transport(url: &str) -> Transport {
    Transport::from_url(url).unwrap_or_else(|e| panic!("{url}: {e}"))
}

/// A small message that names its recipient in the body, so that a mix-up would show.
fn message_for(to: &str) -> Vec<u8> {
    format!("Subject: digest\r\nTo: {to}\r\n\r\nfor {to}\r\n.a line with a dot\r\n").into_bytes()
}

async fn send(transport: &Transport, to: &str) -> Result<(), SendError> {
    tokio::time::timeout(
        DEADLINE,
        transport.send("news@alghad.example", to, &message_for(to)),
    )
    .await
    .unwrap_or_else(|_| panic!("sending to {to} did not finish within {DEADLINE:?}"))
}

#[tokio::test]
async fn a_refused_recipient_leaves_the_connection_fit_for_the_next_message() {
    let responder = Responder::start(Hangup::Never).await;
    let transport = transport(&responder.url("connections=1"));

    send(&transport, "first@example.com")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let gone = send(&transport, "gone@example.com").await;
    assert!(
        matches!(&gone, Err(SendError::Permanent(m)) if m.contains("550")),
        "{gone:?}"
    );
    send(&transport, "second@example.com")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let busy = send(&transport, "busy@example.com").await;
    assert!(
        matches!(&busy, Err(SendError::Transient(m)) if m.contains("451")),
        "{busy:?}"
    );
    send(&transport, "third@example.com")
        .await
        .unwrap_or_else(|e| panic!("{e}"));

    let messages = responder.read(|log| log.messages.clone());
    let summary: Vec<(usize, &str, Vec<&str>)> = messages
        .iter()
        .map(|m| {
            let to = m.to.iter().map(String::as_str).collect();
            (m.connection, m.from.as_str(), to)
        })
        .collect();
    assert_eq!(
        summary,
        [
            (0, "news@alghad.example", vec!["first@example.com"]),
            (0, "news@alghad.example", vec!["second@example.com"]),
            (0, "news@alghad.example", vec!["third@example.com"]),
        ]
    );
    for message in &messages {
        let to = &message.to[0];
        assert_eq!(
            message.data.strip_suffix(b"\r\n").unwrap_or(&message.data),
            message_for(to).as_slice(),
            "the message for {to} arrived changed"
        );
    }

    // One connection, one EHLO, and each refusal followed by RSET before the next MAIL.
    let transcripts = responder.read(|log| log.transcripts.clone());
    assert_eq!(transcripts.len(), 1, "{transcripts:#?}");
    let commands: Vec<&str> = transcripts[0]
        .iter()
        .map(|line| line.split([' ', ':']).next().unwrap_or_default())
        .filter(|verb| !verb.is_empty() && *verb != "MAIL" && *verb != "RCPT")
        .collect();
    assert_eq!(
        commands,
        ["EHLO", "DATA", "RSET", "DATA", "RSET", "DATA"],
        "{transcripts:#?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_more_connections_than_the_url_allows_are_ever_open() {
    const MESSAGES: usize = 60;
    let responder = Responder::start(Hangup::Never).await;
    let transport = transport(&responder.url("connections=3"));
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..MESSAGES {
        let transport = transport.clone();
        sends.spawn(async move { send(&transport, &format!("reader{i}@example.com")).await });
    }
    while let Some(result) = sends.join_next().await {
        match result {
            Ok(Ok(())) => {}
            other => panic!("a send failed: {other:?}"),
        }
    }
    let (delivered, opened, most_open) =
        responder.read(|log| (log.messages.len(), log.transcripts.len(), log.most_open));
    assert_eq!(delivered, MESSAGES);
    assert!(most_open <= 3, "{most_open} connections were open at once");
    assert!(opened <= 3, "{opened} connections were opened in all");
}

#[tokio::test]
async fn a_pooled_connection_the_server_closed_is_replaced_without_an_error() {
    for hangup in [Hangup::Silently { after: 2 }, Hangup::With421 { after: 2 }] {
        let responder = Responder::start(hangup).await;
        let transport = transport(&responder.url("connections=1"));
        for i in 0..5 {
            send(&transport, &format!("reader{i}@example.com"))
                .await
                .unwrap_or_else(|e| panic!("message {i}: {e}"));
        }
        let connections: Vec<usize> =
            responder.read(|log| log.messages.iter().map(|m| m.connection).collect());
        assert_eq!(connections, [0, 0, 1, 1, 2]);
    }
}

//! The SMTP sink the newsletter tests deliver to (tests/smtp/sink.py, driven through
//! tests/support/smtp.rs) records what a real SMTP client sends it: spoken to here over raw
//! TCP, pipelining included, so that the newsletter tests can trust what it reports.

#[path = "support/smtp.rs"]
mod smtp;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpStream;
use std::time::Duration;

use smtp::SmtpSink;

const WAIT: Duration = Duration::from_secs(60);

/// A minimal SMTP client: commands out, (code, lines) back.
struct Client {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

impl Client {
    fn connect(sink: &SmtpSink) -> Client {
        let stream = TcpStream::connect(&sink.addr).expect("connect to the sink");
        stream
            .set_read_timeout(Some(Duration::from_secs(60)))
            .expect("timeout");
        let mut client = Client {
            reader: BufReader::new(stream.try_clone().expect("clone stream")),
            writer: stream,
        };
        assert_eq!(client.reply().0, 220, "greeting");
        client
    }

    /// One reply, multi-line or not.
    fn reply(&mut self) -> (u16, Vec<String>) {
        let mut lines = Vec::new();
        loop {
            let mut line = String::new();
            let n = self.reader.read_line(&mut line).expect("read reply");
            assert!(n > 0, "the sink closed the connection; got {lines:?}");
            let line = line.trim_end().to_string();
            let code = line[..3].parse().expect("reply code");
            let last = line.as_bytes().get(3) != Some(&b'-');
            lines.push(line[4.min(line.len())..].to_string());
            if last {
                return (code, lines);
            }
        }
    }

    fn send(&mut self, text: &str) {
        self.writer.write_all(text.as_bytes()).expect("write");
    }

    fn cmd(&mut self, line: &str) -> u16 {
        self.send(&format!("{line}\r\n"));
        self.reply().0
    }

    fn ehlo(&mut self) -> Vec<String> {
        self.send("EHLO selftest.midad.test\r\n");
        let (code, lines) = self.reply();
        assert_eq!(code, 250, "EHLO: {lines:?}");
        lines
    }

    /// The message after a 354: dot-stuffed, CRLF line ends, the final dot; returns the code.
    fn data(&mut self, message: &str) -> u16 {
        let mut wire = String::with_capacity(message.len() + 64);
        for line in message.split("\r\n") {
            if line.starts_with('.') {
                wire.push('.');
            }
            wire.push_str(line);
            wire.push_str("\r\n");
        }
        wire.push_str(".\r\n");
        self.send(&wire);
        self.reply().0
    }

    /// MAIL, RCPTs and DATA pipelined in one write (RFC 2920); returns every reply code, the
    /// one to the message last (or 0 if DATA was refused).
    fn pipelined(&mut self, from: &str, rcpts: &[&str], message: &str) -> Vec<u16> {
        let mut batch = format!("MAIL FROM:<{from}>\r\n");
        for r in rcpts {
            batch.push_str(&format!("RCPT TO:<{r}>\r\n"));
        }
        batch.push_str("DATA\r\n");
        self.send(&batch);
        let mut codes: Vec<u16> = (0..rcpts.len() + 2).map(|_| self.reply().0).collect();
        codes.push(if codes.last() == Some(&354) {
            self.data(message)
        } else {
            0
        });
        codes
    }
}

/// RFC 2047 Q encoded-words, each within 75 characters, folded onto lines of their own.
fn encode_header_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut word = String::new();
    for c in text.chars() {
        let mut piece = String::new();
        if c == ' ' {
            piece.push('_');
        } else if c.is_ascii_alphanumeric() {
            piece.push(c);
        } else {
            let mut buf = [0u8; 4];
            for b in c.encode_utf8(&mut buf).bytes() {
                piece.push_str(&format!("={b:02X}"));
            }
        }
        if "=?UTF-8?Q?".len() + word.len() + piece.len() + "?=".len() > 75 {
            words.push(format!("=?UTF-8?Q?{word}?="));
            word.clear();
        }
        word.push_str(&piece);
    }
    words.push(format!("=?UTF-8?Q?{word}?="));
    words.join("\r\n ")
}

/// Quoted-printable (RFC 2045) with soft breaks, `\n` becoming hard CRLF breaks.
fn quoted_printable(text: &str) -> String {
    let mut out = Vec::new();
    for line in text.split('\n') {
        let bytes = line.as_bytes();
        let mut current = String::new();
        for (i, &b) in bytes.iter().enumerate() {
            let last = i + 1 == bytes.len();
            let piece = if (b == b' ' && !last) || (b.is_ascii_graphic() && b != b'=') {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            if current.len() + piece.len() > 75 {
                out.push(format!("{current}="));
                current.clear();
            }
            current.push_str(&piece);
        }
        out.push(current);
    }
    out.join("\r\n")
}

const SUBJECT: &str = "النشرة اليومية من مداد: أهم أخبار اليوم في السياسة والاقتصاد والثقافة";
const TEXT: &str = "مرحبا بك في نشرة مداد.\n\
    أكد اشتراكك: http://127.0.0.1:8080/newsletter/confirm/tok_EN-123.\n\
    .سطر يبدأ بنقطة\n\
    ولإلغاء الاشتراك افتح الرابط في آخر الرسالة.\n";
const HTML: &str = "<html dir=\"rtl\"><body><p>مرحبا بك في نشرة مداد.</p>\n\
    <p><a href=\"http://127.0.0.1:8080/newsletter/confirm/tok_EN-123\">أكد اشتراكك</a></p>\n\
    <p><a href=\"http://127.0.0.1:8080/newsletter/unsubscribe/tok-1?list=daily&amp;from=digest\">إلغاء الاشتراك</a></p>\n\
    </body></html>\n";

fn digest_message() -> String {
    [
        "From: =?UTF-8?Q?=D9=85=D8=AF=D8=A7=D8=AF?= <news@midad.test>".to_string(),
        "To: reader@example.com".to_string(),
        format!("Subject: {}", encode_header_words(SUBJECT)),
        "Message-ID: <digest-1@midad.test>".to_string(),
        "Date: Sat, 01 Nov 2025 06:00:00 +0000".to_string(),
        "MIME-Version: 1.0".to_string(),
        "List-Unsubscribe: <http://127.0.0.1:8080/newsletter/unsubscribe/tok-1>,\r\n <mailto:unsubscribe@midad.test?subject=tok-1>".to_string(),
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click".to_string(),
        "Content-Type: multipart/alternative; boundary=\"b1\"".to_string(),
        String::new(),
        "--b1".to_string(),
        "Content-Type: text/plain; charset=utf-8".to_string(),
        "Content-Transfer-Encoding: quoted-printable".to_string(),
        String::new(),
        quoted_printable(TEXT),
        "--b1".to_string(),
        "Content-Type: text/html; charset=utf-8".to_string(),
        "Content-Transfer-Encoding: 8bit".to_string(),
        String::new(),
        HTML.replace('\n', "\r\n"),
        "--b1--".to_string(),
    ]
    .join("\r\n")
}

fn plain_message(id: &str, text: &str) -> String {
    format!(
        "From: news@midad.test\r\nTo: someone@example.com\r\nSubject: {}\r\nMessage-ID: <{id}>\r\n\
         MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\
         Content-Transfer-Encoding: 8bit\r\n\r\n{}",
        encode_header_words("تأكيد الاشتراك"),
        text.trim_end().replace('\n', "\r\n")
    )
}

#[test]
fn sink_records_both_parts_decoded_headers_and_rejects_failed_recipients() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let sink = SmtpSink::start(
        &tmp.path().join("mail"),
        &[
            "--fail",
            "bounce@example.com=550",
            "--fail",
            "later@example.com=451:1",
        ],
    );
    assert!(
        sink.url().starts_with("smtp://127.0.0.1:"),
        "{}",
        sink.url()
    );
    assert!(sink.messages().is_empty());

    let mut client = Client::connect(&sink);
    let ehlo = client.ehlo();
    assert!(ehlo.iter().any(|l| l == "PIPELINING"), "{ehlo:?}");
    assert!(ehlo.iter().any(|l| l.starts_with("SIZE ")), "{ehlo:?}");
    let codes = client.pipelined(
        "news@midad.test",
        &[
            "reader@example.com",
            "bounce@example.com",
            "later@example.com",
        ],
        &digest_message(),
    );
    assert_eq!(codes, [250, 250, 550, 451, 354, 250]);
    // The 451 was for the first time only.
    let codes = client.pipelined(
        "news@midad.test",
        &["later@example.com"],
        &plain_message("confirm-2@midad.test", "سطر أول\n.سطر ثان يبدأ بنقطة\n"),
    );
    assert_eq!(codes, [250, 250, 354, 250]);
    // Refused again and again: 550 has no count.
    assert_eq!(client.cmd("MAIL FROM:<news@midad.test>"), 250);
    assert_eq!(client.cmd("RCPT TO:<Bounce@Example.com>"), 550);
    assert_eq!(client.cmd("RSET"), 250);
    assert_eq!(client.cmd("QUIT"), 221);

    let mails = sink.wait_for(2, WAIT);
    assert_eq!(mails.len(), 2, "one file per accepted recipient");

    let digest = &mails[0];
    assert_eq!(digest.rcpt, "reader@example.com");
    assert_eq!(digest.envelope_rcpts, ["reader@example.com"]);
    assert_eq!(digest.mail_from, "news@midad.test");
    assert_eq!(
        digest.subject, SUBJECT,
        "RFC 2047 decoded across folded lines"
    );
    assert_eq!(digest.header("subject"), Some(SUBJECT));
    assert_eq!(digest.header("FROM"), Some("مداد <news@midad.test>"));
    assert_eq!(digest.message_id, "<digest-1@midad.test>");
    assert_eq!(
        digest.list_unsubscribe.as_deref(),
        Some(
            "<http://127.0.0.1:8080/newsletter/unsubscribe/tok-1>, <mailto:unsubscribe@midad.test?subject=tok-1>"
        )
    );
    assert_eq!(
        digest.list_unsubscribe_post.as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert_eq!(digest.header_count("list-unsubscribe"), 1);
    assert_eq!(digest.header_count("List-Unsubscribe-Post"), 1);
    assert_eq!(digest.header_count("X-Nothing"), 0);
    assert_eq!(
        digest.text.as_deref(),
        Some(TEXT),
        "quoted-printable decoded, dot unstuffed"
    );
    assert_eq!(digest.html.as_deref(), Some(HTML));
    assert_eq!(
        digest
            .link("http://127.0.0.1:8080/newsletter/confirm/")
            .as_deref(),
        Some("http://127.0.0.1:8080/newsletter/confirm/tok_EN-123"),
        "from the text part, the sentence's full stop left out"
    );
    assert_eq!(
        digest
            .link("http://127.0.0.1:8080/newsletter/unsubscribe/")
            .as_deref(),
        Some("http://127.0.0.1:8080/newsletter/unsubscribe/tok-1?list=daily&from=digest"),
        "from the HTML part, &amp; decoded"
    );
    assert_eq!(digest.link("https://elsewhere.example/"), None);
    assert_eq!(
        digest.links("http://127.0.0.1:8080/newsletter/"),
        [
            "http://127.0.0.1:8080/newsletter/confirm/tok_EN-123",
            "http://127.0.0.1:8080/newsletter/unsubscribe/tok-1?list=daily&from=digest",
        ]
    );
    assert!(
        digest
            .raw
            .contains("\r\nList-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n")
    );
    assert!(digest.raw.contains("Content-Type: multipart/alternative"));
    assert!(!digest.received_at.is_empty());

    let confirm = &mails[1];
    assert!(confirm.seq > digest.seq, "arrival order");
    assert_eq!(confirm.rcpt, "later@example.com");
    assert_eq!(confirm.subject, "تأكيد الاشتراك");
    assert_eq!(confirm.message_id, "<confirm-2@midad.test>");
    assert_eq!(
        confirm.text.as_deref(),
        Some("سطر أول\n.سطر ثان يبدأ بنقطة\n")
    );
    assert_eq!(confirm.html, None);
    assert_eq!(confirm.list_unsubscribe, None);
    assert_eq!(confirm.header_count("List-Unsubscribe"), 0);

    assert_eq!(
        sink.wait_for_rcpt("LATER@example.com", WAIT).message_id,
        "<confirm-2@midad.test>"
    );
    assert_eq!(
        sink.counts(),
        BTreeMap::from([
            ("later@example.com".to_string(), 1),
            ("reader@example.com".to_string(), 1),
        ])
    );
    let rejected: Vec<(String, u16)> = sink
        .rejections()
        .into_iter()
        .map(|r| (r.rcpt, r.code))
        .collect();
    assert_eq!(
        rejected,
        [
            ("bounce@example.com".to_string(), 550),
            ("later@example.com".to_string(), 451),
            ("Bounce@Example.com".to_string(), 550),
        ]
    );
    assert!(sink.duplicates().is_empty());
    assert_eq!(sink.stderr().trim(), "", "the sink complained");
}

#[test]
fn count_only_sink_counts_copies_takes_large_messages_and_many_connections() {
    let tmp = tempfile::tempdir().expect("temp dir");
    let sink = SmtpSink::start(&tmp.path().join("counts"), &["--count-only"]);

    let mut client = Client::connect(&sink);
    client.ehlo();
    let hello = plain_message("a@midad.test", "مرحبا\n");
    assert_eq!(
        client.pipelined(
            "news@midad.test",
            &["r1@example.com", "r2@example.com"],
            &hello
        ),
        [250, 250, 250, 354, 250]
    );
    // The same message again to r1: a duplicate, as a resumed send might make.
    assert_eq!(
        client.pipelined("news@midad.test", &["r1@example.com"], &hello),
        [250, 250, 354, 250]
    );
    // 6 MB in one message.
    let line = "نص طويل ".repeat(5) + "0123456789";
    let mut big = String::new();
    while big.len() < 6 * 1024 * 1024 {
        big.push_str(&line);
        big.push('\n');
    }
    assert_eq!(
        client.pipelined(
            "news@midad.test",
            &["r3@example.com"],
            &plain_message("big@midad.test", &big)
        ),
        [250, 250, 354, 250]
    );
    assert_eq!(client.cmd("QUIT"), 221);

    // Eight connections at once, 25 messages each over the same connection.
    std::thread::scope(|scope| {
        for t in 0..8 {
            let sink = &sink;
            scope.spawn(move || {
                let mut client = Client::connect(sink);
                client.ehlo();
                for i in 0..25 {
                    let rcpt = format!("c{t}-{i}@example.com");
                    let message = plain_message(&format!("c{t}-{i}@midad.test"), "نص");
                    assert_eq!(
                        client.pipelined("news@midad.test", &[&rcpt], &message),
                        [250, 250, 354, 250]
                    );
                }
                assert_eq!(client.cmd("QUIT"), 221);
            });
        }
    });

    let deliveries = sink.wait_for_deliveries(4 + 200, WAIT);
    assert_eq!(deliveries.len(), 204);
    assert!(
        deliveries.windows(2).all(|w| w[0].seq < w[1].seq),
        "log in arrival order"
    );
    assert!(deliveries[3].size > 6_000_000, "{:?}", deliveries[3]);
    assert!(
        sink.messages().is_empty(),
        "--count-only writes no message files"
    );

    let counts = sink.counts();
    assert_eq!(counts.len(), 3 + 200);
    assert_eq!(counts["r1@example.com"], 2);
    assert_eq!(counts["r2@example.com"], 1);
    assert_eq!(counts["r3@example.com"], 1);
    assert!(
        counts
            .iter()
            .filter(|(r, _)| r.starts_with('c'))
            .all(|(_, n)| *n == 1)
    );
    assert_eq!(
        sink.duplicates(),
        BTreeMap::from([("r1@example.com".to_string(), 2)])
    );
    let by_id = sink.message_id_counts();
    assert_eq!(by_id["<a@midad.test>"], 3);
    assert_eq!(by_id["<big@midad.test>"], 1);
    assert_eq!(by_id["<c7-24@midad.test>"], 1);

    // SIGTERM: the sink writes its final counts.json and exits.
    sink.stop();
    assert_eq!(sink.counts_file(), counts);
    assert_eq!(sink.stderr().trim(), "", "the sink complained");
}

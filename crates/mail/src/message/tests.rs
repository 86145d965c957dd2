//! The composed bytes, read back the crude way a test can trust: split the header block,
//! unfold it, look at each line.

use base64::engine::general_purpose::STANDARD;
use chrono::TimeZone;

use super::*;
use crate::{AddressError, Dkim};

const URL: &str = "https://alghad.example/newsletter/unsubscribe/AQAAAAAAAAAAAAAAKgAHY29uZmlybWFiY2RlZmdoaWprbG1ub3BxcnN0dXZ3eHl6MDEyMzQ1Njc4OQ";
const SUBJECT: &str = "نشرة الغد: أبرز أخبار اليوم";

fn date() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 6, 30, 0)
        .single()
        .unwrap_or_default()
}

fn digest() -> Outgoing {
    Outgoing {
        from: Mailbox::new("صحيفة الغد", "news@alghad.example"),
        reply_to: Some(Mailbox::new("Desk", "desk@alghad.example")),
        to: "reader@example.com".into(),
        subject: SUBJECT.into(),
        text: "أهم الأخبار\n\nhttps://alghad.example/a/1\n.\nEnd".into(),
        html: Some("<p dir=\"rtl\">أهم الأخبار</p>".into()),
        message_id: "<fixed.id-123@alghad.example>".into(),
        date: date(),
        unsubscribe: Some(Unsubscribe {
            url: URL.into(),
            mailto: Some("mailto:leave@alghad.example?subject=unsubscribe".into()),
        }),
    }
}

fn compose(message: &Outgoing) -> String {
    let bytes = message.to_bytes(None);
    let bytes = bytes.unwrap_or_else(|e| panic!("composing failed: {e}"));
    String::from_utf8(bytes).unwrap_or_else(|e| panic!("not UTF-8: {e}"))
}

/// The top-level header block, unfolded, as (name, value) pairs in order.
fn headers(message: &str) -> Vec<(String, String)> {
    let block = message.split("\r\n\r\n").next().unwrap_or_default();
    let unfolded = block.replace("\r\n ", " ").replace("\r\n\t", " ");
    unfolded
        .split("\r\n")
        .map(|line| match line.split_once(':') {
            Some((name, value)) => (name.to_owned(), value.trim().to_owned()),
            None => panic!("a header line without a colon: {line:?}"),
        })
        .collect()
}

/// The one value of header `name`, failing if it is missing or repeated.
fn header(message: &str, name: &str) -> String {
    let found: Vec<String> = headers(message)
        .into_iter()
        .filter(|(n, _)| n.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .collect();
    assert_eq!(found.len(), 1, "{name} appears {} times", found.len());
    found.into_iter().next().unwrap_or_default()
}

fn has_header(message: &str, name: &str) -> bool {
    headers(message)
        .iter()
        .any(|(n, _)| n.eq_ignore_ascii_case(name))
}

/// RFC 2047 decoding of a header value: `=?charset?B|Q?text?=` words, with the
/// whitespace between adjacent encoded words dropped.
fn decode_words(value: &str) -> String {
    let mut out = Vec::new();
    let mut rest = value;
    let mut previous_was_encoded = false;
    while !rest.is_empty() {
        let start = rest.find("=?").unwrap_or(rest.len());
        let (plain, tail) = rest.split_at(start);
        if !(previous_was_encoded && plain.trim().is_empty() && !tail.is_empty()) {
            out.extend_from_slice(plain.as_bytes());
        }
        if tail.is_empty() {
            break;
        }
        let parts: Vec<&str> = tail[2..].splitn(3, '?').collect();
        let [_charset, encoding, after] = parts[..] else {
            panic!("a broken encoded word in {value:?}")
        };
        let end = after
            .find("?=")
            .unwrap_or_else(|| panic!("no ?= in {value:?}"));
        let text = &after[..end];
        match encoding {
            "B" | "b" => out.extend(STANDARD.decode(text).unwrap_or_default()),
            "Q" | "q" => out.extend(decode_q(text)),
            other => panic!("unknown encoding {other}"),
        }
        rest = &after[end + 2..];
        previous_was_encoded = true;
    }
    String::from_utf8(out).unwrap_or_else(|e| panic!("decoded words are not UTF-8: {e}"))
}

fn decode_q(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b'=' => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("00");
                out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    out
}

#[test]
fn every_header_is_present_once() {
    let message = compose(&digest());
    for name in [
        "From",
        "Reply-To",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "MIME-Version",
        "List-Unsubscribe",
        "List-Unsubscribe-Post",
    ] {
        header(&message, name);
    }
    assert_eq!(header(&message, "To"), "reader@example.com");
    assert_eq!(header(&message, "MIME-Version"), "1.0");
    assert_eq!(header(&message, "Date"), "Sat, 01 Mar 2025 06:30:00 +0000");
}

#[test]
fn the_message_id_is_the_one_given() {
    let message = compose(&digest());
    assert_eq!(
        header(&message, "Message-ID"),
        "<fixed.id-123@alghad.example>"
    );
}

#[test]
fn the_unsubscribe_headers_are_exact() {
    let message = compose(&digest());
    assert_eq!(
        header(&message, "List-Unsubscribe"),
        format!("<{URL}>, <mailto:leave@alghad.example?subject=unsubscribe>")
    );
    assert_eq!(
        header(&message, "List-Unsubscribe-Post"),
        "List-Unsubscribe=One-Click"
    );
    // The URL itself is never folded or encoded: it stands whole on one raw line.
    assert!(message.contains(&format!("<{URL}>")));
}

#[test]
fn an_address_alone_becomes_a_mailto() {
    let mut outgoing = digest();
    outgoing.unsubscribe = Some(Unsubscribe {
        url: URL.into(),
        mailto: Some("leave@alghad.example".into()),
    });
    let message = compose(&outgoing);
    assert_eq!(
        header(&message, "List-Unsubscribe"),
        format!("<{URL}>, <mailto:leave@alghad.example>")
    );
}

#[test]
fn without_unsubscribe_there_are_no_list_headers() {
    let mut outgoing = digest();
    outgoing.unsubscribe = None;
    outgoing.reply_to = None;
    let message = compose(&outgoing);
    assert!(!has_header(&message, "List-Unsubscribe"));
    assert!(!has_header(&message, "List-Unsubscribe-Post"));
    assert!(!has_header(&message, "Reply-To"));
}

#[test]
fn an_http_link_gets_no_one_click_header() {
    let mut outgoing = digest();
    outgoing.unsubscribe = Some(Unsubscribe {
        url: "http://localhost:8080/newsletter/unsubscribe/abc".into(),
        mailto: None,
    });
    let message = compose(&outgoing);
    assert_eq!(
        header(&message, "List-Unsubscribe"),
        "<http://localhost:8080/newsletter/unsubscribe/abc>"
    );
    assert!(!has_header(&message, "List-Unsubscribe-Post"));
}

#[test]
fn bad_unsubscribe_links_are_refused() {
    let long = format!("https://x.example/{}", "a".repeat(500));
    for url in [
        "ftp://x.example/u",
        "/newsletter/unsubscribe/abc",
        "https://",
        "https:///path",
        "https://x.example/a b",
        "https://x.example/a>b",
        "https://x.example/a,b",
        "https://x.example/\r\nBcc: victim@example.com",
        "https://x.example/قارئ",
        &long,
    ] {
        let mut outgoing = digest();
        outgoing.unsubscribe = Some(Unsubscribe {
            url: url.into(),
            mailto: None,
        });
        let result = outgoing.to_bytes(None);
        assert!(
            matches!(result, Err(MailError::BadUnsubscribe(_))),
            "{url:?}: {result:?}"
        );
    }
    let mut outgoing = digest();
    outgoing.unsubscribe = Some(Unsubscribe {
        url: URL.into(),
        mailto: Some("mailto:not an address".into()),
    });
    assert!(outgoing.to_bytes(None).is_err());
}

#[test]
fn the_arabic_subject_is_encoded_and_decodes_back() {
    let message = compose(&digest());
    let subject = header(&message, "Subject");
    assert!(subject.is_ascii(), "{subject}");
    assert!(
        subject.to_ascii_lowercase().contains("=?utf-8?"),
        "{subject}"
    );
    assert_eq!(decode_words(&subject), SUBJECT);
    let from = header(&message, "From");
    assert!(from.ends_with("<news@alghad.example>"), "{from}");
    assert!(decode_words(&from).starts_with("صحيفة الغد"), "{from}");
}

#[test]
fn a_plain_ascii_subject_stays_readable() {
    let mut outgoing = digest();
    outgoing.subject = "Breaking: markets fall".into();
    let message = compose(&outgoing);
    assert_eq!(header(&message, "Subject"), "Breaking: markets fall");
}

#[test]
fn line_breaks_in_the_subject_and_names_add_no_header() {
    let mut outgoing = digest();
    outgoing.subject = "x\r\nBcc: victim@example.com".into();
    outgoing.from = Mailbox::new("Desk\r\nBcc: victim@example.com", "news@alghad.example");
    outgoing.reply_to = Some(Mailbox::new(
        "A\nCc: victim@example.com\n",
        "desk@alghad.example",
    ));
    let message = compose(&outgoing);
    for line in message.split("\r\n") {
        let lower = line.to_ascii_lowercase();
        assert!(
            !lower.starts_with("bcc:") && !lower.starts_with("cc:"),
            "injected header line {line:?}"
        );
    }
    assert_eq!(
        decode_words(&header(&message, "Subject")),
        "x Bcc: victim@example.com"
    );
}

#[test]
fn addresses_with_line_breaks_are_refused() {
    let mut to = digest();
    to.to = "a@b.co\r\nBcc: x@y.z".into();
    let mut from = digest();
    from.from.address = "news@alghad.example\nBcc: x@y.z".into();
    let mut reply_to = digest();
    reply_to.reply_to = Some(Mailbox::bare("desk@alghad.example\r\nBcc: x@y.z"));
    for (outgoing, field) in [(to, "To"), (from, "From"), (reply_to, "Reply-To")] {
        assert_eq!(
            outgoing.to_bytes(None),
            Err(MailError::BadAddress {
                field,
                error: AddressError::ControlCharacter
            })
        );
    }
}

#[test]
fn a_trailing_line_break_around_an_address_is_trimmed() {
    let mut outgoing = digest();
    outgoing.to = " reader@example.com\r\n".into();
    assert_eq!(header(&compose(&outgoing), "To"), "reader@example.com");
}

#[test]
fn the_body_is_alternative_text_then_html() {
    let message = compose(&digest());
    let content_type = header(&message, "Content-Type");
    assert!(
        content_type.starts_with("multipart/alternative"),
        "{content_type}"
    );
    let text_at = message.find("Content-Type: text/plain; charset=utf-8");
    let html_at = message.find("Content-Type: text/html; charset=utf-8");
    assert!(
        matches!((text_at, html_at), (Some(t), Some(h)) if t < h),
        "{message}"
    );
}

#[test]
fn without_html_the_body_is_text_only() {
    let mut outgoing = digest();
    outgoing.html = None;
    let message = compose(&outgoing);
    assert_eq!(
        header(&message, "Content-Type"),
        "text/plain; charset=utf-8"
    );
    assert!(!message.contains("text/html"));
    assert_eq!(header(&message, "MIME-Version"), "1.0");
}

#[test]
fn the_bytes_are_ascii_with_crlf_and_short_lines() {
    let message = compose(&digest());
    assert!(message.is_ascii());
    assert!(!message.replace("\r\n", "").contains('\n'));
    assert!(message.split("\r\n").all(|line| line.len() <= 998));
}

#[test]
fn a_bad_message_id_or_date_is_refused() {
    for id in [
        "",
        "fixed@alghad.example",
        "<fixed>",
        "<@alghad.example>",
        "<a@b@c>",
        "<a b@c>",
        "<a@c>\r\nBcc: x@y.z",
        "<a..b@c>",
    ] {
        let mut outgoing = digest();
        outgoing.message_id = id.into();
        let result = outgoing.to_bytes(None);
        assert!(
            matches!(result, Err(MailError::BadMessageId(_))),
            "{id:?}: {result:?}"
        );
    }
    for year in [1969, 9999, 12_000] {
        let mut outgoing = digest();
        outgoing.date = Utc
            .with_ymd_and_hms(year, 1, 1, 0, 0, 0)
            .single()
            .unwrap_or_default();
        let result = outgoing.to_bytes(None);
        assert!(
            matches!(result, Err(MailError::BadDate(_))),
            "{year}: {result:?}"
        );
    }
}

#[test]
fn message_ids_are_unique_and_well_formed() {
    let a = message_id("alghad.example");
    let b = message_id("alghad.example");
    assert_ne!(a, b);
    assert!(a.starts_with('<') && a.ends_with("@alghad.example>"), "{a}");
    assert_eq!(checked_message_id(&a).as_deref(), Ok(a.as_str()));
    assert!(message_id("").ends_with("@midad.invalid>"));
    let odd = message_id("bad domain\r\n>");
    assert!(checked_message_id(&odd).is_ok(), "{odd}");
}

fn test_key(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn dkim_signs_with_rsa_and_ed25519_keys() {
    for (key, algorithm) in [
        ("dkim-test-rsa-pkcs1.pem", "rsa-sha256"),
        ("dkim-test-rsa-pkcs8.pem", "rsa-sha256"),
        ("dkim-test-ed25519.pem", "ed25519-sha256"),
    ] {
        let dkim = Dkim::new("midad", "alghad.example", &test_key(key));
        let dkim = dkim.unwrap_or_else(|e| panic!("{key}: {e}"));
        let bytes = digest().to_bytes(Some(&dkim));
        let bytes = bytes.unwrap_or_else(|e| panic!("{key}: {e}"));
        let message = String::from_utf8_lossy(&bytes).into_owned();
        let signature = header(&message, "DKIM-Signature");
        for tag in [
            format!("a={algorithm}"),
            "d=alghad.example".to_owned(),
            "s=midad".to_owned(),
            "c=relaxed/relaxed".to_owned(),
        ] {
            assert!(signature.contains(&tag), "{key}: {tag} in {signature}");
        }
        let signed = signature
            .split("; ")
            .find_map(|tag| tag.strip_prefix("h="))
            .unwrap_or_default();
        for name in [
            "from",
            "to",
            "subject",
            "date",
            "message-id",
            "list-unsubscribe",
            "list-unsubscribe-post",
        ] {
            assert!(
                signed.to_ascii_lowercase().split(':').any(|h| h == name),
                "{key}: {name} not in h={signed}"
            );
        }
    }
}

#[test]
fn dkim_refuses_unusable_settings() {
    let rsa = test_key("dkim-test-rsa-pkcs1.pem");
    let cases = [
        ("midad", "alghad.example", "not a key".to_owned(), "PEM"),
        (
            "midad",
            "alghad.example",
            test_key("dkim-test-rsa-512.pem"),
            "512 bits",
        ),
        (
            "midad",
            "alghad.example",
            rsa.replace("MII", "XXX"),
            "could not be read",
        ),
        (
            "midad",
            "alghad.example",
            "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----"
                .to_owned(),
            "encrypted",
        ),
        ("mi dad", "alghad.example", rsa.clone(), "selector"),
        ("midad", "alghad.example\r\nBcc: x", rsa.clone(), "domain"),
        ("", "alghad.example", rsa.clone(), "selector"),
    ];
    for (selector, domain, key, expected) in cases {
        match Dkim::new(selector, domain, &key) {
            Err(error) => {
                assert_eq!(error.code(), "mail_bad_dkim");
                assert!(error.to_string().contains(expected), "{error}");
            }
            Ok(dkim) => panic!("accepted {dkim:?}, expected {expected}"),
        }
    }
}

#[test]
fn dkim_debug_hides_the_key() {
    let key = test_key("dkim-test-ed25519.pem");
    let dkim = Dkim::new("midad", "alghad.example", &key);
    let shown = format!("{dkim:?}");
    assert!(
        shown.contains("midad") && shown.contains("<hidden>"),
        "{shown}"
    );
    let body = key.lines().nth(1).unwrap_or_default();
    assert!(!shown.contains(body), "{shown}");
}

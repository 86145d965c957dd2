//! The newsletter end to end: the real binary, a real SMTP server on loopback
//! (`tests/smtp/sink.py`, aiosmtpd), and what a subscriber would see in their mailbox.

mod support;

use std::time::{Duration, Instant};
use support::smtp::{Mail, SmtpSink};
use support::*;

/// The site's public address in its links; the test maps them to the local server.
const BASE: &str = "https://news.example";

fn configure(site: &Site, sink: &SmtpSink, extra: &str) {
    write(
        &site.path("midad.toml"),
        &format!(
            "[server]\nbase_url = \"{BASE}\"\n\n[mail]\nsmtp_url = \"{}\"\nfrom = \"صحيفة الغد <news@news.example>\"\nrate_per_second = 0\n{extra}\n[site]\ndigest_time = \"\"\n",
            sink.url()
        ),
    );
}

/// Articles published a moment ago.
fn publish(site: &Site, name: &str, titles: &[(&str, &str)]) {
    let now = chrono::Utc::now();
    let lines: Vec<String> = titles
        .iter()
        .enumerate()
        .map(|(i, (title, section))| {
            serde_json::json!({
                "title": title,
                "section": section,
                "excerpt": format!("ملخص {title}"),
                "body_html": format!("<p>نص الخبر {title}.</p>"),
                "status": "published",
                "published_at": (now - chrono::Duration::seconds(i as i64)).to_rfc3339(),
                "external_id": format!("{name}-{i}"),
            })
            .to_string()
        })
        .collect();
    let file = site.path(&format!("{name}.jsonl"));
    write(&file, &(lines.join("\n") + "\n"));
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// The path of one of the site's links, to ask the local server for it.
fn path_of(link: &str) -> String {
    link.strip_prefix(BASE).unwrap_or(link).to_string()
}

fn status_line(site: &Site) -> String {
    let out = site.run(&["newsletter", "status"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

#[test]
fn sign_up_confirm_digest_and_leave_in_one_click() {
    let sink_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(sink_dir.path(), &[]);
    let site = Site::new();
    configure(&site, &sink, "");
    let server = site.serve(&[]);
    let origin = [("Origin", BASE)];

    // Sign up from the box on a page.
    let signed = post(
        &server.addr,
        "/newsletter/subscribe",
        "email=Reader%40Example.com&website=",
        &origin,
    );
    assert_eq!(signed.status, 200);
    assert!(signed.body.contains("تحقق من بريدك"), "{}", signed.body);
    let confirmation = sink.wait_for(1, Duration::from_secs(60)).remove(0);
    assert_eq!(confirmation.rcpt, "Reader@example.com");
    assert!(
        confirmation.subject.contains("أكّد اشتراكك"),
        "{}",
        confirmation.subject
    );
    assert_eq!(confirmation.header_count("Message-ID"), 1);
    assert!(
        confirmation
            .header("From")
            .unwrap()
            .contains("news@news.example")
    );
    let link = confirmation
        .link(&format!("{BASE}/newsletter/confirm/"))
        .expect("a confirmation link in the text part");
    assert!(confirmation.html.as_deref().unwrap().contains(&link));

    // A mail scanner's GET confirms nothing; the button does.
    let page = server.get(&path_of(&link));
    assert_eq!(page.status, 200);
    assert!(page.body.contains("تأكيد الاشتراك") && page.body.contains("method=\"post\""));
    assert!(
        status_line(&site).contains("0 confirmed, 1 pending"),
        "{}",
        status_line(&site)
    );
    let confirmed = post(&server.addr, &path_of(&link), "", &[]);
    assert_eq!(confirmed.status, 200);
    assert!(confirmed.body.contains("تم تأكيد اشتراكك"));
    assert!(status_line(&site).contains("1 confirmed, 0 pending"));
    // The link used twice says so, and changes nothing; a forged one is refused.
    let again = post(&server.addr, &path_of(&link), "", &[]);
    assert!(again.body.contains("مؤكَّد من قبل"), "{}", again.body);
    let forged = link.replace("/confirm/A", "/confirm/B");
    assert_eq!(post(&server.addr, &path_of(&forged), "", &[]).status, 404);

    // Stories are published; the digest goes out.
    publish(
        &site,
        "first",
        &[
            ("البرلمان يقر الموازنة", "سياسة"),
            ("ارتفاع أسعار الذهب", "اقتصاد"),
        ],
    );
    let out = site.run(&["newsletter", "digest", "--now"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stdout(&out).contains("queued for 1 subscribers"),
        "{}",
        stdout(&out)
    );
    let mails = sink.wait_for(2, Duration::from_secs(60));
    let digest: &Mail = &mails[1];
    assert_eq!(digest.rcpt, "Reader@example.com");
    assert!(
        digest.subject.contains("صحيفة") || digest.subject.contains("مداد"),
        "{}",
        digest.subject
    );
    let text = digest.text.as_deref().expect("a plain-text part");
    let html = digest.html.as_deref().expect("an HTML part");
    for title in ["البرلمان يقر الموازنة", "ارتفاع أسعار الذهب"]
    {
        assert!(text.contains(title) && html.contains(title), "{title}");
    }
    assert!(html.contains("dir=\"rtl\"") && html.contains("role=\"presentation\""));
    // RFC 8058: the personal link, a mailto is not configured, and one-click.
    assert_eq!(digest.header_count("List-Unsubscribe"), 1);
    let list_unsubscribe = digest.list_unsubscribe.clone().unwrap();
    assert!(
        list_unsubscribe.starts_with(&format!("<{BASE}/newsletter/unsubscribe/")),
        "{list_unsubscribe}"
    );
    assert_eq!(
        digest.list_unsubscribe_post.as_deref(),
        Some("List-Unsubscribe=One-Click")
    );
    assert!(digest.message_id.starts_with('<') && digest.message_id.ends_with("@news.example>"));
    assert!(digest.header("Date").is_some());

    // One click: a POST with the body mail clients send, no cookie, no form.
    let unsubscribe = list_unsubscribe
        .trim_start_matches('<')
        .trim_end_matches('>');
    let left = post(
        &server.addr,
        &path_of(unsubscribe),
        "List-Unsubscribe=One-Click",
        &[],
    );
    assert_eq!(left.status, 200);
    assert!(status_line(&site).contains("0 confirmed, 0 pending, 1 unsubscribed"));

    // The next digest does not reach them (a story published after the last digest).
    std::thread::sleep(Duration::from_millis(1100));
    publish(&site, "second", &[("افتتاح معرض الكتاب", "ثقافة")]);
    let out = site.run(&["newsletter", "digest", "--now"]);
    assert!(out.status.success());
    assert!(
        stdout(&out).contains("no confirmed subscriber"),
        "{}",
        stdout(&out)
    );
    std::thread::sleep(Duration::from_secs(3));
    assert_eq!(sink.messages().len(), 2, "nothing more was sent");
    server.stop();
}

#[test]
fn bad_sign_ups_are_refused_clearly_and_send_nothing() {
    let sink_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(sink_dir.path(), &[]);
    let site = Site::new();
    configure(&site, &sink, "blocked_domains = [\"spam.example\"]\n");
    let server = site.serve(&[]);
    let origin = [("Origin", BASE)];
    let long = "a".repeat(10_000);
    for (email, why) in [
        ("not-an-address", "no @"),
        ("a@b", "no dot in the domain"),
        ("a b@example.com", "a space"),
        ("victim@example.com\r\nBcc: many@example.com", "CR/LF"),
        ("x@example.com>, <victim@example.org", "a header fragment"),
        (long.as_str(), "10,000 characters"),
    ] {
        let r = post(
            &server.addr,
            "/newsletter/subscribe",
            &format!("email={}", form_value(email)),
            &origin,
        );
        assert_eq!(r.status, 422, "{why}");
        assert!(r.body.contains("عنوان البريد الإلكتروني غير صالح"), "{why}");
    }
    // From another site: refused. The honeypot and a blocked domain: the same answer as
    // everyone, and nothing sent.
    let foreign = post(
        &server.addr,
        "/newsletter/subscribe",
        "email=x%40example.com",
        &[("Origin", "https://evil.example")],
    );
    assert_eq!(foreign.status, 403);
    for body in [
        "email=bot%40example.com&website=http%3A%2F%2Fspam",
        "email=someone%40mail.spam.example",
    ] {
        let r = post(&server.addr, "/newsletter/subscribe", body, &origin);
        assert_eq!(r.status, 200);
        assert!(r.body.contains("تحقق من بريدك"));
    }
    // A flood from one address: the sixth sign-up of the same mailbox in a day is refused,
    // and however many, one confirmation went out.
    let mut codes = Vec::new();
    for _ in 0..7 {
        codes.push(
            post(
                &server.addr,
                "/newsletter/subscribe",
                "email=flood%40example.com",
                &origin,
            )
            .status,
        );
    }
    assert_eq!(codes, [200, 200, 200, 200, 200, 429, 429]);
    let mails = sink.wait_for(1, Duration::from_secs(60));
    std::thread::sleep(Duration::from_secs(3));
    let mails_now = sink.messages();
    assert_eq!(mails_now.len(), 1, "{mails_now:?}");
    assert_eq!(mails[0].rcpt, "flood@example.com");
    assert!(
        status_line(&site).contains("0 confirmed, 1 pending"),
        "{}",
        status_line(&site)
    );
    server.stop();
}

/// `kill -9` in the middle of a 5,000-recipient digest, then a restart: everyone receives
/// it, and only what was in flight at the moment of the kill can arrive twice.
#[test]
fn a_digest_survives_kill_9_of_its_sender() {
    const RECIPIENTS: usize = 5_000;
    const CONCURRENCY: usize = 8;
    let sink_dir = tempfile::tempdir().unwrap();
    let sink = SmtpSink::start(sink_dir.path(), &["--count-only"]);
    let site = Site::new();
    configure(&site, &sink, &format!("concurrency = {CONCURRENCY}\n"));
    let csv: String = (0..RECIPIENTS)
        .map(|i| format!("reader{i:05}@example.com\n"))
        .collect();
    let file = site.path("subscribers.csv");
    write(&file, &csv);
    let out = site.run(&["newsletter", "import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains(&format!("{RECIPIENTS} subscribers added")));
    publish(&site, "news", &[("خبر اليوم", "سياسة")]);

    let mut server = site.serve(&[]);
    // The site's sender takes the lease as it starts; the command then only queues.
    std::thread::sleep(Duration::from_secs(2));
    let out = site.run(&["newsletter", "digest", "--now"]);
    assert!(
        stdout(&out).contains(&format!("queued for {RECIPIENTS} subscribers")),
        "{}",
        stdout(&out)
    );
    // Let it get well into the send, then kill it without warning.
    sink.wait_for_deliveries(RECIPIENTS / 4, Duration::from_secs(300));
    let _ = std::process::Command::new("kill")
        .args(["-9", &server.child.id().to_string()])
        .status();
    let _ = server.child.wait();
    let at_kill = sink.deliveries().len();
    assert!(
        at_kill < RECIPIENTS,
        "the send had finished before the kill"
    );

    // A restart takes the lease over once it runs out and finishes the send.
    let restarted = site.serve(&[]);
    let deadline = Instant::now() + Duration::from_secs(600);
    loop {
        let counts = sink.counts();
        if counts.len() >= RECIPIENTS {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "only {} of {RECIPIENTS} recipients received the digest",
            counts.len()
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    // Whatever was still queued is done: nothing waits.
    let deadline = Instant::now() + Duration::from_secs(60);
    while !status_line(&site).contains("messages waiting: 0") {
        assert!(Instant::now() < deadline, "{}", status_line(&site));
        std::thread::sleep(Duration::from_millis(200));
    }
    let counts = sink.counts();
    let total: usize = counts.values().sum();
    let duplicates = total - RECIPIENTS;
    println!(
        "kill -9 after {at_kill} deliveries: {RECIPIENTS} recipients, {total} messages, {duplicates} duplicates (bound: {CONCURRENCY})"
    );
    assert!(counts.values().all(|n| *n >= 1));
    assert!(
        duplicates <= CONCURRENCY,
        "{duplicates} duplicates: {:?}",
        sink.duplicates()
    );
    // A duplicate is the same message: its Message-ID did not change.
    assert!(sink.message_id_counts().len() == RECIPIENTS);
    restarted.stop();
    drop(server);
}

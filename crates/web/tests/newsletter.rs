//! The newsletter's pages and messages through the router, with the clock in hand: expiry
//! of confirmation links, preferences, leaving by choosing nothing, and the editor's
//! breaking alert with its confirmation step. (Delivery over SMTP is tested end to end in
//! `crates/midad/tests/newsletter.rs`.)

mod support;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use chrono::{Duration, Utc};
use midad_core::Role;
use midad_store::{NewUser, Store, SubscriberStatus};
use midad_web::{App, WebConfig, router};
use std::sync::Arc;
use support::encode;
use tower::ServiceExt;

struct Site {
    app: Arc<App>,
    router: axum::Router,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn site() -> Site {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("midad.db").display());
    let store = Store::open(&url).await.unwrap();
    let config = WebConfig {
        base_url: "https://news.example".into(),
        media_dir: dir.path().join("media"),
        theme_dir: None,
        site_overrides: Default::default(),
        cache_bytes: midad_web::DEFAULT_CACHE_BYTES,
        mail: midad_web::MailSettings {
            from: "الغد <news@news.example>".into(),
            ..Default::default()
        },
        sitemap_urls: 0,
    };
    let app = App::new(store.clone(), config, None).unwrap();
    Site {
        router: router(app.clone()),
        app,
        store,
        _dir: dir,
    }
}

async fn send(s: &Site, req: Request<Body>) -> (StatusCode, String, axum::http::HeaderMap) {
    let response = s.router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    (
        status,
        String::from_utf8_lossy(&bytes).into_owned(),
        headers,
    )
}

async fn get(s: &Site, path: &str, cookie: Option<&str>) -> (StatusCode, String) {
    let mut req = Request::get(path);
    if let Some(c) = cookie {
        req = req.header("cookie", format!("midad_session={c}"));
    }
    let (status, body, _) = send(s, req.body(Body::empty()).unwrap()).await;
    (status, body)
}

async fn post(
    s: &Site,
    path: &str,
    body: &str,
    cookie: Option<&str>,
) -> (StatusCode, String, axum::http::HeaderMap) {
    let mut req = Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    if let Some(c) = cookie {
        req = req.header("cookie", format!("midad_session={c}"));
    }
    send(s, req.body(Body::from(body.to_string())).unwrap()).await
}

/// The messages waiting, written as the sender would write them (the queue is left as
/// it was: they are marked sent afterwards so the next call sees only new ones).
async fn outbox(s: &Site) -> Vec<midad_mail::Outgoing> {
    let rows = s
        .store
        .claim(100, Utc::now() + Duration::days(30))
        .await
        .unwrap();
    let mut out = Vec::new();
    for row in &rows {
        let send = s.store.send(row.send_id).await.unwrap().unwrap();
        if let Some(m) = midad_web::compose(&s.app, &send, row).await.unwrap() {
            out.push(m);
        }
    }
    let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
    s.store.mark_sent(&ids, Utc::now()).await.unwrap();
    out
}

fn link(text: &str, prefix: &str) -> String {
    let start = text
        .find(prefix)
        .unwrap_or_else(|| panic!("no {prefix} in {text}"));
    text[start..]
        .split_whitespace()
        .next()
        .unwrap()
        .trim_start_matches("https://news.example")
        .to_string()
}

#[tokio::test]
async fn confirmation_links_expire_and_preferences_follow_the_subscriber() {
    let s = site().await;
    let (status, body, _) = post(
        &s,
        "/newsletter/subscribe",
        "email=reader%40example.com&lists=1&digest=on&alerts=on",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("تحقق من بريدك"));
    let mail = outbox(&s).await.remove(0);
    assert!(mail.subject.contains("أكّد اشتراكك"));
    let confirm = link(&mail.text, "https://news.example/newsletter/confirm/");

    // Eight days later the link has expired: it says so, and confirms nothing.
    s.app.set_clock(Some(Utc::now() + Duration::days(8)));
    let (status, body) = get(&s, &confirm, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("الرابط غير صالح"));
    let (status, _, _) = post(&s, &confirm, "", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let sub = s
        .store
        .subscriber_by_email("reader@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sub.status, SubscriberStatus::Pending);
    // Within its week it works, once.
    s.app.set_clock(Some(Utc::now() + Duration::days(6)));
    let (status, body, _) = post(&s, &confirm, "", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("تم تأكيد اشتراكك"));
    s.app.set_clock(None);
    let sub = s
        .store
        .subscriber_by_email("reader@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(sub.status, SubscriberStatus::Confirmed);
    assert!(sub.lists.digest && sub.lists.alerts);

    // The preferences link in the confirmation page: keep the digest, stop the alerts.
    let manage = {
        let start = body.find("/newsletter/preferences/").unwrap();
        body[start..].split('"').next().unwrap().to_string()
    };
    let (status, page) = get(&s, &manage, None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("reader@example.com"));
    let (status, body, _) = post(&s, &manage, "lists=1&digest=on", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("حُفظت إعداداتك"));
    let sub = s.store.subscriber(sub.id).await.unwrap().unwrap();
    assert!(sub.lists.digest && !sub.lists.alerts);
    // A tampered preferences link is refused; choosing nothing is leaving.
    let tampered = format!("{manage}x");
    assert_eq!(get(&s, &tampered, None).await.0, StatusCode::NOT_FOUND);
    let (_, body, _) = post(&s, &manage, "lists=1", None).await;
    assert!(body.contains("أُلغي اشتراكك"));
    let sub = s.store.subscriber(sub.id).await.unwrap().unwrap();
    assert_eq!(sub.status, SubscriberStatus::Unsubscribed);
    // Pages with personal links are never cached.
    let (_, _, headers) = send(&s, Request::get(&manage).body(Body::empty()).unwrap()).await;
    assert_eq!(headers.get("cache-control").unwrap(), "no-store");
}

async fn user(s: &Site, email: &str, role: Role) -> String {
    let mut tx = s.store.begin().await.unwrap();
    tx.insert_user(NewUser {
        email: email.into(),
        name: "محررة".into(),
        role,
        password_hash: Some(midad_core::password::hash("a long enough password").unwrap()),
        author_id: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let (_, _, headers) = post(
        s,
        "/admin/login",
        &format!(
            "email={}&password=a+long+enough+password",
            email.replace('@', "%40")
        ),
        None,
    )
    .await;
    let cookie = headers.get("set-cookie").unwrap().to_str().unwrap();
    cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("midad_session=")
        .to_string()
}

fn csrf(page: &str) -> String {
    let start = page.find("name=\"csrf\" value=\"").unwrap() + 19;
    page[start..].split('"').next().unwrap().to_string()
}

#[tokio::test]
async fn an_editor_sends_a_breaking_alert_after_confirming() {
    let s = site().await;
    // Two alert subscribers and one of the digest only.
    let rows: Vec<(String, midad_store::Lists)> = [
        ("a@example.com", true),
        ("b@example.com", true),
        ("c@example.com", false),
    ]
    .iter()
    .map(|(e, alerts)| {
        (
            e.to_string(),
            midad_store::Lists {
                digest: true,
                alerts: *alerts,
                sections: vec![],
            },
        )
    })
    .collect();
    s.store
        .import_subscribers(&rows, Utc::now(), || "n".into())
        .await
        .unwrap();
    let mut tx = s.store.begin().await.unwrap();
    let mut a =
        midad_core::ArticleData::new(midad_core::ArticleKind::Article, "زلزال يضرب المدينة");
    a.status = midad_core::Status::Published;
    a.excerpt = Some("هزة بقوة ٥ درجات".into());
    a.body = vec![midad_core::body::Block::Paragraph {
        html: "نص".into()
    }];
    a.published_at = Some(Utc::now());
    let story = tx.insert_article(a).await.unwrap();
    tx.commit().await.unwrap();

    let author = user(&s, "author@news.example", Role::Author).await;
    let (status, _) = get(
        &s,
        &format!("/admin/articles/{}/alert", story.id),
        Some(&author),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    let editor = user(&s, "editor@news.example", Role::Editor).await;
    let (status, page) = get(
        &s,
        &format!("/admin/articles/{}/alert", story.id),
        Some(&editor),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains("زلزال يضرب المدينة"));
    assert!(
        page.contains("مشتركَين"),
        "the confirmation says to how many: {page}"
    );
    assert!(
        outbox(&s).await.is_empty(),
        "nothing goes before the confirmation"
    );
    let token = csrf(&page);
    let (status, _, _) = post(
        &s,
        &format!("/admin/articles/{}/alert", story.id),
        "csrf=wrong",
        Some(&editor),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, _) = post(
        &s,
        &format!("/admin/articles/{}/alert", story.id),
        &format!("csrf={token}"),
        Some(&editor),
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let mut sent = outbox(&s).await;
    sent.sort_by(|x, y| x.to.cmp(&y.to));
    assert_eq!(
        sent.iter().map(|m| m.to.as_str()).collect::<Vec<_>>(),
        ["a@example.com", "b@example.com"]
    );
    assert!(sent[0].subject.starts_with("عاجل: زلزال يضرب المدينة"));
    assert!(
        sent[0]
            .html
            .as_deref()
            .unwrap()
            .contains("هزة بقوة ٥ درجات")
    );
    let unsubscribe = sent[0].unsubscribe.as_ref().unwrap();
    assert!(
        unsubscribe
            .url
            .starts_with("https://news.example/newsletter/unsubscribe/")
    );
    assert_ne!(
        sent[0].unsubscribe.as_ref().unwrap().url,
        sent[1].unsubscribe.as_ref().unwrap().url,
        "each link is personal"
    );
    // The sends history shows it.
    let (status, history) = get(&s, "/admin/newsletter", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(history.contains("خبر عاجل") && history.contains("زلزال يضرب المدينة"));
}

async fn multipart(
    s: &Site,
    path: &str,
    cookie: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let boundary = "XyZnewsletterBoundary";
    let mut body = String::new();
    for (name, value) in fields {
        if *name == "file" {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"list.csv\"\r\nContent-Type: text/csv\r\n\r\n{value}\r\n"
            ));
        } else {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
    }
    body.push_str(&format!("--{boundary}--\r\n"));
    let req = Request::post(path)
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("cookie", format!("midad_session={cookie}"))
        .body(Body::from(body))
        .unwrap();
    let (status, body, _) = send(s, req).await;
    (status, body)
}

#[tokio::test]
async fn subscribers_are_imported_after_a_preview_and_exported() {
    let s = site().await;
    let editor = user(&s, "editor@news.example", Role::Editor).await;
    let (status, page) = get(&s, "/admin/subscribers", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    let token = csrf(&page);
    let csv = "email,digest,alerts\nOne@Example.com,yes,no\ntwo@example.com,نعم,نعم\nnot an address\none@example.com\nthree@example.com,no,no\n";
    // Without the session's token nothing is read.
    let (status, _) = multipart(
        &s,
        "/admin/subscribers/import",
        &editor,
        &[("csrf", "forged"), ("file", csv)],
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, preview) = multipart(
        &s,
        "/admin/subscribers/import",
        &editor,
        &[("csrf", &token), ("file", csv)],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(preview.contains("عنوانان صالحان للاستيراد"), "{preview}");
    // Every refused row, with its line and why.
    for why in ["عنوان غير صالح", "مكرر في الملف", "لا نشرة مختارة"]
    {
        assert!(preview.contains(why), "{why}");
    }
    assert!(
        preview.contains("<td>4</td>")
            && preview.contains("<td>5</td>")
            && preview.contains("<td>6</td>")
    );
    assert_eq!(
        s.store.subscriber_counts().await.unwrap().len(),
        0,
        "a preview writes nothing"
    );
    // Confirming imports what the preview showed.
    let hidden = {
        let start = preview.find("<textarea name=\"csv\" hidden>").unwrap() + 28;
        preview[start..]
            .split("</textarea>")
            .next()
            .unwrap()
            .replace("&#x2f;", "/")
    };
    let body = format!("csrf={token}&csv={}", encode(&html_unescape(&hidden)));
    let (status, report, _) = post(
        &s,
        "/admin/subscribers/import/confirm",
        &body,
        Some(&editor),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        report.contains("المضافون: ٢") && report.contains("السطور المرفوضة: ٣"),
        "{report}"
    );
    let two = s
        .store
        .subscriber_by_email("two@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(two.status, SubscriberStatus::Confirmed);
    assert!(two.lists.digest && two.lists.alerts);
    // Filtered list and export.
    let (_, list) = get(&s, "/admin/subscribers?list=alerts", Some(&editor)).await;
    assert!(list.contains("two@example.com") && !list.contains("One@example.com"));
    let (status, csv_out) = get(&s, "/admin/subscribers/export.csv", Some(&editor)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(csv_out.starts_with("email,status,digest,alerts"));
    assert!(
        csv_out.contains("One@example.com,confirmed,true,false"),
        "{csv_out}"
    );
    // Authors do not see the list.
    let author = user(&s, "author@news.example", Role::Author).await;
    assert_eq!(
        get(&s, "/admin/subscribers", Some(&author)).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&s, "/admin/subscribers/export.csv", Some(&author))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

fn html_unescape(s: &str) -> String {
    s.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#34;", "\"")
        .replace("&#39;", "'")
        .replace("&#x27;", "'")
        .replace("&amp;", "&")
}

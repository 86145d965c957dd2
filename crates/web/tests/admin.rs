//! The back office's doors through the router: first-run setup, signing in (with throttling
//! and without session fixation), CSRF on every state change, signing out everywhere.

mod support;
use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use midad_core::Role;
use midad_store::{NewUser, Store};
use midad_web::{App, WebConfig, router};
use std::sync::Arc;
use support::encode;
use tower::ServiceExt;

struct Admin {
    app: Arc<App>,
    router: axum::Router,
    store: Store,
    _dir: tempfile::TempDir,
}

async fn admin() -> Admin {
    admin_with(Default::default()).await
}

async fn admin_with(
    site_overrides: std::collections::BTreeMap<String, serde_json::Value>,
) -> Admin {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("midad.db").display());
    let store = Store::open(&url).await.unwrap();
    let config = WebConfig {
        base_url: "http://news.example".into(),
        media_dir: dir.path().join("media"),
        theme_dir: None,
        site_overrides,
        cache_bytes: midad_web::DEFAULT_CACHE_BYTES,
        mail: Default::default(),
        sitemap_urls: 0,
    };
    let app = App::new(store.clone(), config, None).unwrap();
    Admin {
        router: router(app.clone()),
        app,
        store,
        _dir: dir,
    }
}

async fn add_user(store: &Store, email: &str, role: Role, password: &str) {
    let mut tx = store.begin().await.unwrap();
    tx.insert_user(NewUser {
        email: email.into(),
        name: "ليلى".into(),
        role,
        password_hash: Some(midad_core::password::hash(password).unwrap()),
        author_id: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Answer {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }

    /// The session token the answer sets, if any.
    fn session(&self) -> Option<String> {
        let cookie = self.header("set-cookie");
        let value = cookie.strip_prefix("midad_session=")?.split(';').next()?;
        (!value.is_empty()).then(|| value.to_string())
    }
}

async fn send(a: &Admin, req: Request<Body>) -> Answer {
    let response = a.router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    Answer {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(a: &Admin, path: &str, session: Option<&str>) -> Answer {
    let mut req = Request::get(path);
    if let Some(s) = session {
        req = req.header("cookie", format!("midad_session={s}"));
    }
    send(a, req.body(Body::empty()).unwrap()).await
}

async fn post(a: &Admin, path: &str, session: Option<&str>, form: &[(&str, &str)]) -> Answer {
    let body = form
        .iter()
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect::<Vec<_>>()
        .join("&");
    let mut req = Request::post(path).header("content-type", "application/x-www-form-urlencoded");
    if let Some(s) = session {
        req = req.header("cookie", format!("midad_session={s}"));
    }
    send(a, req.body(Body::from(body)).unwrap()).await
}

async fn sign_in(a: &Admin, email: &str, password: &str) -> Answer {
    post(
        a,
        "/admin/login",
        None,
        &[("email", email), ("password", password)],
    )
    .await
}

/// The value of the form field `name` printed in a page.
fn field(page: &str, name: &str) -> String {
    let needle = format!("name=\"{name}\" value=\"");
    let at = page
        .find(&needle)
        .unwrap_or_else(|| panic!("no field {name}"))
        + needle.len();
    page[at..at + page[at..].find('"').unwrap()].to_string()
}

/// The CSRF token printed in the dashboard's forms.
fn csrf_of(page: &str) -> String {
    field(page, "csrf")
}

#[tokio::test]
async fn first_run_setup_creates_the_owner_once() {
    let a = admin().await;
    assert_eq!(
        get(&a, "/admin", None).await.header("location"),
        "/admin/login"
    );
    let link = a.app.setup_link().await.unwrap().expect("no owner yet");
    let path = link.strip_prefix("http://news.example").unwrap();
    assert!(path.starts_with("/admin/setup/"));
    assert_eq!(
        get(&a, "/admin/setup/guess", None).await.status,
        StatusCode::NOT_FOUND
    );
    let form = get(&a, path, None).await;
    assert_eq!(form.status, StatusCode::OK);
    assert!(form.body.contains("إعداد الموقع"), "{}", form.body);

    // Every problem is named, in Arabic, and nothing is created.
    let bad = post(
        &a,
        path,
        None,
        &[
            ("email", "not-an-email"),
            ("name", ""),
            ("password", "short"),
            ("confirm", "other"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    for message in [
        "البريد الإلكتروني غير صالح",
        "الاسم مطلوب",
        "كلمة المرور قصيرة",
        "كلمتا المرور غير متطابقتين",
    ] {
        assert!(bad.body.contains(message), "{message}");
    }
    assert!(a.store.users().await.unwrap().is_empty());

    let done = post(
        &a,
        path,
        None,
        &[
            ("email", "owner@news.example"),
            ("name", "رئيسة التحرير"),
            ("password", "a long enough secret"),
            ("confirm", "a long enough secret"),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    let cookie = done.header("set-cookie").to_string();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let session = done.session().unwrap();
    let dashboard = get(&a, "/admin", Some(&session)).await;
    assert_eq!(dashboard.status, StatusCode::OK);
    assert!(dashboard.body.contains("رئيسة التحرير") && dashboard.body.contains("المالك"));
    assert_eq!(dashboard.header("cache-control"), "no-store");
    // The link worked once; with an owner there is no setup any more.
    assert_eq!(get(&a, path, None).await.status, StatusCode::NOT_FOUND);
    assert!(a.app.setup_link().await.unwrap().is_none());
    let log = a.store.audit_log(10).await.unwrap();
    assert_eq!(log[0].action, "setup");
}

#[tokio::test]
async fn sign_in_without_fixation_and_with_a_clear_refusal() {
    let a = admin().await;
    add_user(
        &a.store,
        "editor@news.example",
        Role::Editor,
        "correct horse battery",
    )
    .await;
    let wrong = sign_in(&a, "editor@news.example", "wrong password!").await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(
        wrong
            .body
            .contains("البريد الإلكتروني أو كلمة المرور غير صحيحة")
    );
    assert!(wrong.session().is_none());
    // An unknown address gets the very same answer: accounts cannot be discovered.
    let unknown = sign_in(&a, "nobody@news.example", "wrong password!").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);

    // A token planted before signing in is not the one after, and does not sign in.
    let planted = "planted-token-chosen-by-an-attacker";
    let req = Request::post("/admin/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("cookie", format!("midad_session={planted}"))
        .body(Body::from(format!(
            "email=editor%40news.example&password={}",
            encode("correct horse battery")
        )))
        .unwrap();
    let ok = send(&a, req).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);
    let session = ok.session().unwrap();
    assert_ne!(session, planted);
    assert_eq!(
        get(&a, "/admin", Some(planted)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        get(&a, "/admin", Some(&session)).await.status,
        StatusCode::OK
    );

    // A sign-in form posted from another site is refused.
    let req = Request::post("/admin/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("origin", "https://evil.example")
        .header("host", "news.example")
        .body(Body::from("email=editor%40news.example&password=x"))
        .unwrap();
    assert_eq!(send(&a, req).await.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn repeated_failures_make_the_account_wait() {
    let a = admin().await;
    add_user(
        &a.store,
        "author@news.example",
        Role::Author,
        "the right password",
    )
    .await;
    for _ in 0..5 {
        let r = sign_in(&a, "author@news.example", "not the password").await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    }
    // Even the right password waits now, and the page says for how long.
    let r = sign_in(&a, "author@news.example", "the right password").await;
    assert_eq!(r.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(r.body.contains("حاول بعد ١٥ دقيقة"), "{}", r.body);
    assert!(r.session().is_none());
    // Sixteen minutes later the window has passed.
    a.app
        .set_clock(Some(chrono::Utc::now() + chrono::Duration::minutes(16)));
    let r = sign_in(&a, "author@news.example", "the right password").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let failures = a.store.audit_log(20).await.unwrap();
    assert_eq!(
        failures
            .iter()
            .filter(|e| e.action == "sign_in_failed")
            .count(),
        5
    );
}

#[tokio::test]
async fn state_changes_need_the_session_csrf_token() {
    let a = admin().await;
    add_user(
        &a.store,
        "admin@news.example",
        Role::Admin,
        "a strong passphrase",
    )
    .await;
    let session = sign_in(&a, "admin@news.example", "a strong passphrase")
        .await
        .session()
        .unwrap();
    let dashboard = get(&a, "/admin", Some(&session)).await;
    let csrf = csrf_of(&dashboard.body);
    // Missing, wrong, or another session's token: 403, and still signed in.
    assert_eq!(
        post(&a, "/admin/logout", Some(&session), &[]).await.status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        post(&a, "/admin/logout", Some(&session), &[("csrf", "forged")])
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let other = sign_in(&a, "admin@news.example", "a strong passphrase")
        .await
        .session()
        .unwrap();
    let other_csrf = csrf_of(&get(&a, "/admin", Some(&other)).await.body);
    assert_ne!(other_csrf, csrf);
    assert_eq!(
        post(
            &a,
            "/admin/logout",
            Some(&session),
            &[("csrf", &other_csrf)]
        )
        .await
        .status,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        get(&a, "/admin", Some(&session)).await.status,
        StatusCode::OK
    );
    // Without a session at all: to the sign-in page.
    let anonymous = post(&a, "/admin/logout", None, &[("csrf", &csrf)]).await;
    assert_eq!(anonymous.header("location"), "/admin/login");

    // With it: signed out here, still signed in on the other device.
    let out = post(&a, "/admin/logout", Some(&session), &[("csrf", &csrf)]).await;
    assert_eq!(out.status, StatusCode::SEE_OTHER);
    assert!(out.header("set-cookie").contains("Max-Age=0"));
    assert_eq!(
        get(&a, "/admin", Some(&session)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(get(&a, "/admin", Some(&other)).await.status, StatusCode::OK);

    // "Sign out everywhere" ends every session of the account.
    let third = sign_in(&a, "admin@news.example", "a strong passphrase")
        .await
        .session()
        .unwrap();
    let everywhere = post(
        &a,
        "/admin/logout-all",
        Some(&third),
        &[(
            "csrf",
            &csrf_of(&get(&a, "/admin", Some(&third)).await.body),
        )],
    )
    .await;
    assert_eq!(everywhere.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&a, "/admin", Some(&other)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        get(&a, "/admin", Some(&third)).await.status,
        StatusCode::SEE_OTHER
    );
}

/// Managing accounts, walked for every role over HTTP: owners and admins may, editors,
/// authors and contributors get 403 and nothing changes.
#[tokio::test]
async fn only_owners_and_admins_manage_accounts() {
    let a = admin().await;
    let roles = [
        ("owner@news.example", Role::Owner),
        ("admin@news.example", Role::Admin),
        ("editor@news.example", Role::Editor),
        ("author@news.example", Role::Author),
        ("contributor@news.example", Role::Contributor),
    ];
    for (email, role) in roles {
        add_user(&a.store, email, role, "the same long password").await;
    }
    let target = a
        .store
        .user_by_email("contributor@news.example")
        .await
        .unwrap()
        .unwrap();
    for (n, (email, role)) in roles.iter().enumerate() {
        let session = sign_in(&a, email, "the same long password")
            .await
            .session()
            .unwrap();
        let csrf = csrf_of(&get(&a, "/admin", Some(&session)).await.body);
        let may = matches!(role, Role::Owner | Role::Admin);
        let list = get(&a, "/admin/users", Some(&session)).await;
        assert_eq!(
            list.status == StatusCode::OK,
            may,
            "{role:?} lists accounts"
        );
        let new_email = format!("new{n}@news.example");
        let add = post(
            &a,
            "/admin/users",
            Some(&session),
            &[
                ("csrf", &csrf),
                ("email", &new_email),
                ("name", "جديد"),
                ("role", "author"),
                ("password", ""),
            ],
        )
        .await;
        let added = a.store.user_by_email(&new_email).await.unwrap().is_some();
        assert_eq!(added, may, "{role:?} adds an account");
        if !may {
            assert_eq!(add.status, StatusCode::FORBIDDEN);
            assert!(add.body.contains("ليست لديك صلاحية"));
        }
        let change = post(
            &a,
            &format!("/admin/users/{}/role", target.id),
            Some(&session),
            &[("csrf", &csrf), ("role", "author")],
        )
        .await;
        let now = a.store.user(target.id).await.unwrap().unwrap().role;
        assert_eq!(
            now == Role::Author,
            may,
            "{role:?} changes a role: {:?}",
            change.status
        );
        if may {
            // Put it back for the next role.
            let mut tx = a.store.begin().await.unwrap();
            tx.set_user_role(target.id, Role::Contributor)
                .await
                .unwrap();
            tx.commit().await.unwrap();
        }
    }
    // An admin cannot make an owner, nor touch one; the last owner cannot be demoted.
    let admin_session = sign_in(&a, "admin@news.example", "the same long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&admin_session)).await.body);
    let r = post(
        &a,
        &format!("/admin/users/{}/role", target.id),
        Some(&admin_session),
        &[("csrf", &csrf), ("role", "owner")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let owner = a
        .store
        .user_by_email("owner@news.example")
        .await
        .unwrap()
        .unwrap();
    let r = post(
        &a,
        &format!("/admin/users/{}/disabled", owner.id),
        Some(&admin_session),
        &[("csrf", &csrf), ("disabled", "true")],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let owner_session = sign_in(&a, "owner@news.example", "the same long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&owner_session)).await.body);
    let r = post(
        &a,
        &format!("/admin/users/{}/role", owner.id),
        Some(&owner_session),
        &[("csrf", &csrf), ("role", "editor")],
    )
    .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert!(r.body.contains("مالك واحد على الأقل"));
    // Disabling an account ends its sessions at once.
    let victim = sign_in(&a, "editor@news.example", "the same long password")
        .await
        .session()
        .unwrap();
    let editor = a
        .store
        .user_by_email("editor@news.example")
        .await
        .unwrap()
        .unwrap();
    let r = post(
        &a,
        &format!("/admin/users/{}/disabled", editor.id),
        Some(&owner_session),
        &[("csrf", &csrf), ("disabled", "true")],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&a, "/admin", Some(&victim)).await.status,
        StatusCode::SEE_OTHER
    );
    let r = sign_in(&a, "editor@news.example", "the same long password").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    let log = a.store.audit_log(50).await.unwrap();
    assert!(
        log.iter()
            .any(|e| e.action == "user_disabled" && e.detail == "editor@news.example")
    );
    assert!(log.iter().any(|e| e.action == "role_changed"));
    // The log is on screen for owners and admins only.
    let screen = get(&a, "/admin/audit", Some(&owner_session)).await;
    assert_eq!(screen.status, StatusCode::OK);
    assert!(screen.body.contains("user_disabled") && screen.body.contains("editor@news.example"));
    let author = sign_in(&a, "author@news.example", "the same long password")
        .await
        .session()
        .unwrap();
    assert_eq!(
        get(&a, "/admin/audit", Some(&author)).await.status,
        StatusCode::FORBIDDEN
    );
}

/// The editor's HTML form as a test client sends it.
fn article_form<'a>(
    csrf: &'a str,
    action: &'a str,
    title: &'a str,
    body: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("csrf", csrf),
        ("action", action),
        ("title", title),
        ("body_html", body),
        ("tags", "الانتخابات، البرلمان"),
        ("source", "وكالات"),
    ]
}

#[tokio::test]
async fn writing_publishing_and_the_roles_that_may() {
    let a = admin().await;
    add_user(
        &a.store,
        "author@news.example",
        Role::Author,
        "author's long password",
    )
    .await;
    add_user(
        &a.store,
        "contrib@news.example",
        Role::Contributor,
        "contributor password",
    )
    .await;
    let author = sign_in(&a, "author@news.example", "author's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&author)).await.body);
    let body = "<p>قال الوزير إن <b>الخطة</b> تبدأ غدًا، وفق <a href=\"https://example.org/plan\">الوثيقة</a> \
                المعروفة باسم <i>Green Deal</i> في منتصف السطر.</p><script>alert(1)</script>\
                <p onclick=\"alert(2)\">فقرة ثانية</p>";
    let saved = post(
        &a,
        "/admin/articles",
        Some(&author),
        &article_form(&csrf, "save", "الحكومة تقر خطة الطاقة", body),
    )
    .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let edit_url = saved.header("location").to_string();
    let id: i64 = edit_url.rsplit('/').next().unwrap().parse().unwrap();
    let stored = a.store.article(id).await.unwrap().unwrap();
    assert_eq!(stored.data.status, midad_core::Status::Draft);
    assert_eq!(stored.data.tag_ids.len(), 2, "tags made on the fly");
    assert_eq!(stored.data.author_ids.len(), 1, "the writer's byline");
    // Not public while a draft; its writer previews it in the real theme, uncached.
    let public = format!("/article/{id}/{}", stored.data.slug);
    assert_eq!(get(&a, &public, None).await.status, StatusCode::NOT_FOUND);
    let preview = get(&a, &format!("/admin/articles/{id}/preview"), Some(&author)).await;
    assert_eq!(preview.status, StatusCode::OK);
    assert!(
        preview
            .body
            .contains("class=\"story-title\">الحكومة تقر خطة الطاقة</h1>")
    );
    assert_eq!(preview.header("cache-control"), "no-store");
    assert_eq!(preview.header("x-robots-tag"), "noindex");
    assert_eq!(
        get(&a, &format!("/admin/articles/{id}/preview"), None)
            .await
            .header("location"),
        "/admin/login"
    );

    // Publish: the formatting is kept, what could run is gone.
    let form = get(&a, &edit_url, Some(&author)).await.body;
    let version = field(&form, "version");
    let mut fields = article_form(&csrf, "publish", "الحكومة تقر خطة الطاقة", body);
    fields.push(("version", &version));
    let published = post(&a, &edit_url, Some(&author), &fields).await;
    assert_eq!(
        published.status,
        StatusCode::SEE_OTHER,
        "{}",
        published.body
    );
    let page = get(&a, &public, None).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("<strong>الخطة</strong>") || page.body.contains("<b>الخطة</b>"));
    assert!(page.body.contains("href=\"https://example.org/plan\""));
    assert!(page.body.contains("Green Deal"));
    assert!(!page.body.contains("alert(1)") && !page.body.contains("onclick"));
    assert!(page.body.contains("المصدر: وكالات"));
    let revisions = a.store.revisions(id).await.unwrap();
    assert_eq!(revisions.len(), 2);
    assert!(
        get(&a, &edit_url, Some(&author))
            .await
            .body
            .contains("النسخة ٢")
    );

    // A contributor writes and submits, but cannot publish: 403 and nothing changes.
    let contrib = sign_in(&a, "contrib@news.example", "contributor password")
        .await
        .session()
        .unwrap();
    let ccsrf = csrf_of(&get(&a, "/admin", Some(&contrib)).await.body);
    let refused = post(
        &a,
        "/admin/articles",
        Some(&contrib),
        &article_form(&ccsrf, "publish", "خبر المساهم", "<p>نص</p>"),
    )
    .await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    let before = a.store.count_articles(&Default::default()).await.unwrap();
    let submitted = post(
        &a,
        "/admin/articles",
        Some(&contrib),
        &article_form(&ccsrf, "submit", "خبر المساهم", "<p>نص</p>"),
    )
    .await;
    assert_eq!(submitted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.store.count_articles(&Default::default()).await.unwrap(),
        before + 1
    );
    let cid: i64 = submitted
        .header("location")
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(
        a.store.article(cid).await.unwrap().unwrap().data.status,
        midad_core::Status::Pending
    );
    // Nor may a contributor open someone else's article.
    assert_eq!(
        get(&a, &edit_url, Some(&contrib)).await.status,
        StatusCode::FORBIDDEN
    );
    // An empty title is refused in Arabic, and nothing is written.
    let empty = post(
        &a,
        "/admin/articles",
        Some(&author),
        &article_form(&csrf, "save", "  ", "<p>x</p>"),
    )
    .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(empty.body.contains("العنوان"), "{}", empty.body);
    assert_eq!(
        a.store.count_articles(&Default::default()).await.unwrap(),
        before + 1
    );
}

#[tokio::test]
async fn the_second_of_two_concurrent_saves_is_refused_and_keeps_its_text() {
    let a = admin().await;
    add_user(
        &a.store,
        "one@news.example",
        Role::Editor,
        "first editor password",
    )
    .await;
    add_user(
        &a.store,
        "two@news.example",
        Role::Editor,
        "second editor password",
    )
    .await;
    let one = sign_in(&a, "one@news.example", "first editor password")
        .await
        .session()
        .unwrap();
    let two = sign_in(&a, "two@news.example", "second editor password")
        .await
        .session()
        .unwrap();
    let c1 = csrf_of(&get(&a, "/admin", Some(&one)).await.body);
    let c2 = csrf_of(&get(&a, "/admin", Some(&two)).await.body);
    let created = post(
        &a,
        "/admin/articles",
        Some(&one),
        &article_form(&c1, "save", "مسودة مشتركة", "<p>الأصل</p>"),
    )
    .await;
    let url = created.header("location").to_string();
    let id: i64 = url.rsplit('/').next().unwrap().parse().unwrap();
    let version = a
        .store
        .article(id)
        .await
        .unwrap()
        .unwrap()
        .version
        .to_string();
    // Both opened version N. The first save wins.
    let mut first = article_form(&c1, "save", "مسودة مشتركة", "<p>تعديل المحرر الأول</p>");
    first.push(("version", &version));
    assert_eq!(
        post(&a, &url, Some(&one), &first).await.status,
        StatusCode::SEE_OTHER
    );
    let mut second = article_form(&c2, "save", "مسودة مشتركة", "<p>تعديل المحرر الثاني</p>");
    second.push(("version", &version));
    let refused = post(&a, &url, Some(&two), &second).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("عدّل شخص آخر هذا المقال"));
    assert!(
        refused.body.contains("تعديل المحرر الثاني"),
        "the typed text is kept"
    );
    let stored = a.store.article(id).await.unwrap().unwrap();
    assert!(midad_core::body::plain_text(&stored.data.body).contains("تعديل المحرر الأول"));

    // The first version against the current one, then put back as a new save.
    let first_version = a.store.revisions(id).await.unwrap().last().unwrap().version;
    let compare = get(&a, &format!("{url}/revisions/{first_version}"), Some(&two)).await;
    assert_eq!(compare.status, StatusCode::OK);
    assert!(compare.body.contains("class=\"diff-removed\""));
    assert!(compare.body.contains("class=\"diff-added\""));
    let restore = format!("{url}/revisions/{first_version}/restore");
    let stale = post(
        &a,
        &restore,
        Some(&two),
        &[("csrf", &c2), ("current", &version)],
    )
    .await;
    assert_eq!(
        stale.status,
        StatusCode::CONFLICT,
        "restoring over a newer save"
    );
    let now = stored.version.to_string();
    let restored = post(
        &a,
        &restore,
        Some(&two),
        &[("csrf", &c2), ("current", &now)],
    )
    .await;
    assert_eq!(restored.status, StatusCode::SEE_OTHER);
    let back = a.store.article(id).await.unwrap().unwrap();
    assert!(midad_core::body::plain_text(&back.data.body).contains("الأصل"));
    assert_eq!(a.store.revisions(id).await.unwrap().len(), 3);
}

fn jpeg(width: u32, height: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(width, height, |x, y| {
        image::Rgb([(x % 200) as u8, (y % 200) as u8, 90])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

async fn upload(a: &Admin, session: &str, csrf: &str, filename: &str, bytes: &[u8]) -> Answer {
    let boundary = "midadboundary7MA4YWxkTrZu0gW";
    let mut body = Vec::new();
    for (name, value) in [("csrf", csrf), ("caption", "جلسة البرلمان")] {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    let req = Request::post("/admin/media")
        .header(
            "content-type",
            format!("multipart/form-data; boundary={boundary}"),
        )
        .header("cookie", format!("midad_session={session}"))
        .body(Body::from(body))
        .unwrap();
    send(a, req).await
}

#[tokio::test]
async fn uploads_are_checked_by_their_bytes_and_refused_clearly() {
    let a = admin().await;
    add_user(
        &a.store,
        "photo@news.example",
        Role::Editor,
        "photo desk password",
    )
    .await;
    add_user(
        &a.store,
        "c@news.example",
        Role::Contributor,
        "contributor password",
    )
    .await;
    let s = sign_in(&a, "photo@news.example", "photo desk password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&s)).await.body);
    let media_dir = a.app.config.media_dir.clone();
    let files = |dir: &std::path::Path| -> usize { walk(dir) };
    fn walk(dir: &std::path::Path) -> usize {
        std::fs::read_dir(dir)
            .map(|r| {
                r.map(|e| {
                    let p = e.unwrap().path();
                    if p.is_dir() { walk(&p) } else { 1 }
                })
                .sum()
            })
            .unwrap_or(0)
    }

    // Refusals: each with its Arabic reason, nothing stored.
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bomb.extend_from_slice(&50_000u32.to_be_bytes());
    bomb.extend_from_slice(&1_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    let mut zip = b"PK\x03\x04".to_vec();
    zip.extend(std::iter::repeat_n(0u8, 4096));
    let mut truncated = jpeg(800, 600);
    truncated.truncate(300);
    let big = vec![0xFFu8; midad_media::MAX_BYTES + 10];
    let cases: [(&str, &[u8], &str); 6] = [
        (
            "notes.png",
            b"this is text, not a picture",
            "نوع الملف غير مقبول",
        ),
        ("bomb.png", &bomb, "أبعاد الصورة أكبر من المسموح"),
        ("archive.png", &zip, "نوع الملف غير مقبول"),
        ("broken.jpg", &truncated, "الملف تالف"),
        ("huge.jpg", &big, "أكبر من الحد المسموح"),
        (
            "drawing.svg",
            b"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"/>",
            "نوع الملف غير مقبول",
        ),
    ];
    for (name, bytes, message) in cases {
        let r = upload(&a, &s, &csrf, name, bytes).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
        assert!(r.body.contains(message), "{name}: {message}");
        assert!(a.store.all_media().await.unwrap().is_empty(), "{name}");
        assert_eq!(files(&media_dir), 0, "{name}");
    }
    // Without the CSRF token, or by a role that may not upload: refused.
    assert_eq!(
        upload(&a, &s, "forged", "p.jpg", &jpeg(100, 80))
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let c = sign_in(&a, "c@news.example", "contributor password")
        .await
        .session()
        .unwrap();
    let ccsrf = csrf_of(&get(&a, "/admin", Some(&c)).await.body);
    assert_eq!(
        upload(&a, &c, &ccsrf, "p.jpg", &jpeg(100, 80)).await.status,
        StatusCode::FORBIDDEN
    );
    assert!(a.store.all_media().await.unwrap().is_empty());

    // A real photo: stored with its responsive copies.
    let ok = upload(&a, &s, &csrf, "parliament.jpg", &jpeg(1300, 700)).await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
    let media = a.store.all_media().await.unwrap();
    assert_eq!(media.len(), 1);
    assert_eq!(media[0].variants, vec![320, 640, 1024]);
    assert_eq!(media[0].caption.as_deref(), Some("جلسة البرلمان"));
    assert_eq!(files(&media_dir), 7, "the original and six copies");

    // Used by an article, it cannot be deleted; unused, it can, files and all.
    let article = post(
        &a,
        "/admin/articles",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("action", "save"),
            ("title", "صورة اليوم"),
            ("body_html", "<p>نص</p>"),
            ("image", &media[0].id.to_string()),
        ],
    )
    .await;
    assert_eq!(article.status, StatusCode::SEE_OTHER);
    let library = get(&a, "/admin/media", Some(&s)).await;
    assert!(library.body.contains("صورة اليوم"), "used-in list");
    let path = format!("/admin/media/{}/delete", media[0].id);
    let refused = post(&a, &path, Some(&s), &[("csrf", &csrf)]).await;
    assert_eq!(refused.status, StatusCode::CONFLICT);
    assert!(refused.body.contains("لا يمكن حذف صورة مستخدمة"));
    let id: i64 = article
        .header("location")
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let mut tx = a.store.begin().await.unwrap();
    tx.delete_article(id).await.unwrap();
    tx.commit().await.unwrap();
    let deleted = post(&a, &path, Some(&s), &[("csrf", &csrf)]).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert!(a.store.all_media().await.unwrap().is_empty());
    assert_eq!(files(&media_dir), 0);
}

#[tokio::test]
async fn settings_are_checked_and_reach_the_cached_site() {
    let a = admin().await;
    let _tasks = a.app.spawn_background();
    add_user(
        &a.store,
        "boss@news.example",
        Role::Admin,
        "admin's long password",
    )
    .await;
    add_user(
        &a.store,
        "ed@news.example",
        Role::Editor,
        "editor's long password",
    )
    .await;
    let s = sign_in(&a, "boss@news.example", "admin's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&s)).await.body);
    get(&a, "/", None).await;
    assert_eq!(get(&a, "/", None).await.header("x-cache"), "hit");
    let form = |name: &'static str, tz: &'static str| {
        vec![
            ("name", name),
            ("tagline", "أخبار المدينة"),
            ("logo", ""),
            ("locale", "ar-SY"),
            ("timezone", tz),
            ("digits", "arab"),
            ("breaking_hours", "6"),
            ("feed_full_content", "on"),
        ]
    };
    let mut bad = form("صحيفة الغد", "Mars/Olympus");
    bad.push(("csrf", &csrf));
    bad.push(("date_style", "fancy"));
    let refused = post(&a, "/admin/settings", Some(&s), &bad).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("المنطقة الزمنية غير معروفة"));
    assert!(refused.body.contains("القيمة خارج الحدود المسموح بها"));
    assert!(
        a.store.settings_map().await.unwrap().is_empty(),
        "nothing written"
    );

    let mut bad_link = form("صحيفة الغد", "Asia/Damascus");
    bad_link.push(("csrf", &csrf));
    bad_link.push(("social", "https://x.com/ghad\njavascript:alert(1)"));
    let refused = post(&a, "/admin/settings", Some(&s), &bad_link).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.body.contains("الرابط غير صالح"));
    assert!(
        a.store.settings_map().await.unwrap().is_empty(),
        "nothing written"
    );

    let mut good = form("صحيفة الغد", "Asia/Damascus");
    good.push(("csrf", &csrf));
    good.push(("social", "https://x.com/ghad\n\nhttps://t.me/ghad_news"));
    let saved = post(&a, "/admin/settings", Some(&s), &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    // The cached home page follows within moments: new name, Syrian month names.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let home = get(&a, "/", None).await.body;
        if home.contains("صحيفة الغد") {
            // The profiles are in the footer, and in the publisher's JSON-LD.
            assert!(home.contains(r#"<a href="https://x.com/ghad" rel="me noopener">X</a>"#));
            assert!(
                home.contains(r#"<a href="https://t.me/ghad_news" rel="me noopener">Telegram</a>"#)
            );
            assert!(home.contains(r#""sameAs":["https://x.com/ghad","https://t.me/ghad_news"]"#));
            assert!(
                [
                    "كانون",
                    "شباط",
                    "آذار",
                    "نيسان",
                    "أيار",
                    "حزيران",
                    "تموز",
                    "آب",
                    "أيلول",
                    "تشرين"
                ]
                .iter()
                .any(|m| home.contains(m)),
                "ar-SY month names"
            );
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "home never showed the new name"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // Another style for the header's date: «السبت ١٦/١١/٢٠٢٤».
    good.push(("date_style", "numeric"));
    let saved = post(&a, "/admin/settings", Some(&s), &good).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER);
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Damascus);
    let numeric = midad_arabic::to_arabic_digits(&format!(
        "{}/{}/{}",
        chrono::Datelike::day(&today),
        chrono::Datelike::month(&today),
        chrono::Datelike::year(&today)
    ));
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !get(&a, "/", None).await.body.contains(&numeric) {
        assert!(
            std::time::Instant::now() < deadline,
            "the header never showed {numeric}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // An editor runs no settings.
    let e = sign_in(&a, "ed@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    assert_eq!(
        get(&a, "/admin/settings", Some(&e)).await.status,
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn a_setting_fixed_by_the_configuration_is_not_changed_from_the_screen() {
    let mut fixed = std::collections::BTreeMap::new();
    fixed.insert("name".to_string(), serde_json::json!("الاسم من الإعدادات"));
    let a = admin_with(fixed).await;
    add_user(
        &a.store,
        "boss@news.example",
        Role::Owner,
        "owner's long password",
    )
    .await;
    let s = sign_in(&a, "boss@news.example", "owner's long password")
        .await
        .session()
        .unwrap();
    let screen = get(&a, "/admin/settings", Some(&s)).await;
    assert!(screen.body.contains("مثبّت في ملف الإعدادات"));
    let csrf = csrf_of(&screen.body);
    let r = post(
        &a,
        "/admin/settings",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("name", "اسم آخر"),
            ("tagline", "سطر جديد"),
            ("locale", "ar"),
            ("timezone", "UTC"),
            ("digits", "latn"),
            ("breaking_hours", "12"),
        ],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let stored = a.store.settings_map().await.unwrap();
    assert!(!stored.contains_key("name"), "the fixed key is not written");
    assert_eq!(stored["tagline"], serde_json::json!("سطر جديد"));
    let home = get(&a, "/", None).await.body;
    assert!(home.contains("الاسم من الإعدادات") && !home.contains("اسم آخر"));
}

#[tokio::test]
async fn sections_and_tags_are_renamed_and_deleted_without_losing_articles() {
    let a = admin().await;
    let _tasks = a.app.spawn_background();
    add_user(
        &a.store,
        "ed@news.example",
        Role::Editor,
        "editor's long password",
    )
    .await;
    add_user(
        &a.store,
        "au@news.example",
        Role::Author,
        "author's long password",
    )
    .await;
    let s = sign_in(&a, "ed@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&s)).await.body);
    assert_eq!(
        post(
            &a,
            "/admin/sections",
            Some(&s),
            &[("csrf", &csrf), ("name", "رياضة")]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let sport = a.store.sections().await.unwrap()[0].clone();
    let sid = sport.id.to_string();
    assert_eq!(
        post(
            &a,
            "/admin/sections",
            Some(&s),
            &[("csrf", &csrf), ("name", "كرة القدم"), ("parent", &sid)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let football = a.store.section_by_slug("كرة-القدم").await.unwrap().unwrap();
    assert_eq!(football.parent_id, Some(sport.id));
    let empty = post(
        &a,
        "/admin/sections",
        Some(&s),
        &[("csrf", &csrf), ("name", "  ")],
    )
    .await;
    assert_eq!(empty.status, StatusCode::UNPROCESSABLE_ENTITY);

    // An article in the sub-section with a tag, published.
    let created = post(
        &a,
        "/admin/articles",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("action", "publish"),
            ("title", "الفريق يفوز"),
            ("body_html", "<p>نص</p>"),
            ("section", &football.id.to_string()),
            ("tags", "الدوري"),
        ],
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    get(&a, "/", None).await;
    let renamed = post(
        &a,
        &format!("/admin/sections/{}/rename", sport.id),
        Some(&s),
        &[("csrf", &csrf), ("name", "الرياضة")],
    )
    .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !get(&a, "/", None).await.body.contains(">الرياضة</a>") {
        assert!(
            std::time::Instant::now() < deadline,
            "the navigation never showed the new name"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        get(&a, &format!("/section/{}", sport.slug), None)
            .await
            .status,
        StatusCode::OK,
        "same address"
    );

    let tag = a.store.tag_by_slug("الدوري").await.unwrap().unwrap();
    assert_eq!(get(&a, "/tag/الدوري", None).await.status, StatusCode::OK);
    let deleted = post(
        &a,
        &format!("/admin/tags/{}/delete", tag.id),
        Some(&s),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    // The cached tag page goes with the change log, within moments.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while get(&a, "/tag/الدوري", None).await.status != StatusCode::NOT_FOUND {
        assert!(
            std::time::Instant::now() < deadline,
            "the deleted tag's page still answered"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let id: i64 = created
        .header("location")
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let article = a.store.article(id).await.unwrap().unwrap();
    assert!(
        article.data.tag_ids.is_empty() && article.data.status == midad_core::Status::Published
    );

    // Authors do not manage sections.
    let au = sign_in(&a, "au@news.example", "author's long password")
        .await
        .session()
        .unwrap();
    let acsrf = csrf_of(&get(&a, "/admin", Some(&au)).await.body);
    assert_eq!(
        get(&a, "/admin/sections", Some(&au)).await.status,
        StatusCode::FORBIDDEN
    );
    let r = post(
        &a,
        &format!("/admin/sections/{}/delete", sport.id),
        Some(&au),
        &[("csrf", &acsrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        a.store
            .section_by_slug(&sport.slug)
            .await
            .unwrap()
            .is_some()
    );
}

#[tokio::test]
async fn a_password_reset_link_works_once_and_ends_every_session() {
    let a = admin().await;
    add_user(
        &a.store,
        "forgot@news.example",
        Role::Author,
        "the old long password",
    )
    .await;
    let old_session = sign_in(&a, "forgot@news.example", "the old long password")
        .await
        .session()
        .unwrap();
    // The same answer whether or not the address has an account.
    let known = post(
        &a,
        "/admin/reset",
        None,
        &[("email", "forgot@news.example")],
    )
    .await;
    let unknown = post(
        &a,
        "/admin/reset",
        None,
        &[("email", "nobody@news.example")],
    )
    .await;
    assert_eq!(known.status, StatusCode::OK);
    assert!(known.body.contains("إن كان هذا البريد مسجّلًا"));
    assert_eq!(known.body, unknown.body);

    // The link (written to the log until mail is set up) carries a token; use one.
    let user = a
        .store
        .user_by_email("forgot@news.example")
        .await
        .unwrap()
        .unwrap();
    let token = "a-reset-token-for-the-test-of-enough-length";
    let hash = {
        use sha2::Digest;
        sha2::Sha256::digest(token.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<String>()
    };
    a.store
        .create_password_reset(
            &hash,
            user.id,
            chrono::Utc::now() + chrono::Duration::minutes(60),
        )
        .await
        .unwrap();
    let path = format!("/admin/reset/{token}");
    assert_eq!(get(&a, &path, None).await.status, StatusCode::OK);
    let short = post(
        &a,
        &path,
        None,
        &[("password", "short"), ("confirm", "short")],
    )
    .await;
    assert_eq!(short.status, StatusCode::UNPROCESSABLE_ENTITY);
    let done = post(
        &a,
        &path,
        None,
        &[
            ("password", "a brand new password"),
            ("confirm", "a brand new password"),
        ],
    )
    .await;
    assert_eq!(done.status, StatusCode::SEE_OTHER);
    // Used once; the old password and the old session are gone; the new one signs in.
    let again = get(&a, &path, None).await;
    assert_eq!(again.status, StatusCode::NOT_FOUND);
    assert!(again.body.contains("منتهي الصلاحية"));
    assert_eq!(
        get(&a, "/admin", Some(&old_session)).await.status,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        sign_in(&a, "forgot@news.example", "the old long password")
            .await
            .status,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        sign_in(&a, "forgot@news.example", "a brand new password")
            .await
            .status,
        StatusCode::SEE_OTHER
    );
    // An expired link does nothing.
    a.store
        .create_password_reset(
            &hash,
            user.id,
            chrono::Utc::now() - chrono::Duration::minutes(1),
        )
        .await
        .unwrap();
    assert_eq!(get(&a, &path, None).await.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn caricatures_and_pages_are_written_in_the_same_editor() {
    let a = admin().await;
    add_user(
        &a.store,
        "ed@news.example",
        Role::Editor,
        "editor's long password",
    )
    .await;
    let s = sign_in(&a, "ed@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&s)).await.body);
    // A caricature is its drawing: without one it is refused.
    let no_image = post(
        &a,
        "/admin/articles",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("kind", "caricature"),
            ("action", "publish"),
            ("title", "طابور الخبز"),
            ("artist", "ناجي"),
            ("body_html", ""),
        ],
    )
    .await;
    assert_eq!(no_image.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(no_image.body.contains("الصورة مطلوبة"));
    let mut tx = a.store.begin().await.unwrap();
    let drawing = tx
        .insert_media(midad_store::NewMedia {
            path: "2024/11/bread.png".into(),
            mime: "image/png".into(),
            width: Some(800),
            height: Some(600),
            size: 100,
            ..Default::default()
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let drawing_id = drawing.id.to_string();
    let cartoon = post(
        &a,
        "/admin/articles",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("kind", "caricature"),
            ("action", "publish"),
            ("title", "طابور الخبز"),
            ("artist", "ناجي"),
            ("image", &drawing_id),
            ("body_html", ""),
        ],
    )
    .await;
    assert_eq!(cartoon.status, StatusCode::SEE_OTHER, "{}", cartoon.body);
    let archive = get(&a, "/caricature", None).await;
    assert!(archive.body.contains("طابور الخبز") && archive.body.contains("ناجي"));
    let about = post(
        &a,
        "/admin/articles",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("kind", "page"),
            ("action", "publish"),
            ("title", "من نحن"),
            ("slug", "about"),
            ("body_html", "<p>صحيفة مستقلة</p>"),
        ],
    )
    .await;
    assert_eq!(about.status, StatusCode::SEE_OTHER);
    let about_id = about
        .header("location")
        .rsplit('/')
        .next()
        .unwrap()
        .to_string();
    let team = post(
        &a,
        "/admin/articles",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("kind", "page"),
            ("action", "publish"),
            ("title", "فريق التحرير"),
            ("slug", "team"),
            ("parent", &about_id),
            ("body_html", "<p>أسماء</p>"),
        ],
    )
    .await;
    assert_eq!(team.status, StatusCode::SEE_OTHER);
    let page = get(&a, "/page/team", None).await;
    assert!(
        page.body.contains("أسماء") && page.body.contains(">من نحن</a>"),
        "breadcrumb to the parent"
    );
    // A parent that is not a page is refused with its reason; nothing is written.
    let before = a.store.count_articles(&Default::default()).await.unwrap();
    let bad = post(
        &a,
        "/admin/articles",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("kind", "page"),
            ("action", "save"),
            ("title", "يتيمة"),
            ("parent", "999999"),
            ("body_html", "<p>x</p>"),
        ],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        a.store.count_articles(&Default::default()).await.unwrap(),
        before
    );
}

fn secret_on(page: &str) -> Vec<u8> {
    let at = page.find("class=\"totp-secret\">").unwrap() + "class=\"totp-secret\">".len();
    let grouped = &page[at..at + page[at..].find('<').unwrap()];
    midad_web::totp::from_base32(&grouped.replace(' ', "")).unwrap()
}

#[tokio::test]
async fn two_factor_sign_in_asks_for_the_code_after_the_password() {
    let a = admin().await;
    add_user(
        &a.store,
        "careful@news.example",
        Role::Editor,
        "a careful password",
    )
    .await;
    let s = sign_in(&a, "careful@news.example", "a careful password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&s)).await.body);
    assert!(
        get(&a, "/admin/account", Some(&s))
            .await
            .body
            .contains("غير مفعّل")
    );
    assert_eq!(
        post(
            &a,
            "/admin/account/totp/start",
            Some(&s),
            &[("csrf", &csrf)]
        )
        .await
        .status,
        StatusCode::SEE_OTHER
    );
    let page = get(&a, "/admin/account", Some(&s)).await.body;
    assert!(page.contains("otpauth://totp/"));
    let secret = secret_on(&page);
    let now = chrono::Utc::now().timestamp();
    // A wrong code does not turn it on.
    let wrong = post(
        &a,
        "/admin/account/totp/confirm",
        Some(&s),
        &[("csrf", &csrf), ("code", "000000")],
    )
    .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
    let code = midad_web::totp::code_at(&secret, now);
    let on = post(
        &a,
        "/admin/account/totp/confirm",
        Some(&s),
        &[("csrf", &csrf), ("code", &code)],
    )
    .await;
    assert_eq!(on.status, StatusCode::SEE_OTHER);
    assert!(
        get(&a, "/admin/account", Some(&s))
            .await
            .body
            .contains("مفعّل لهذا الحساب")
    );

    // Now the password alone gives no session, only the code step.
    let step = sign_in(&a, "careful@news.example", "a careful password").await;
    assert_eq!(step.status, StatusCode::OK);
    assert!(step.session().is_none());
    let challenge = field(&step.body, "challenge");
    let bad = post(
        &a,
        "/admin/login/code",
        None,
        &[("challenge", &challenge), ("code", "123456")],
    )
    .await;
    assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
    assert!(bad.session().is_none());
    let good = post(
        &a,
        "/admin/login/code",
        None,
        &[
            ("challenge", &challenge),
            ("code", &midad_web::totp::code_at(&secret, now)),
        ],
    )
    .await;
    assert_eq!(good.status, StatusCode::SEE_OTHER);
    let session = good.session().unwrap();
    assert_eq!(
        get(&a, "/admin", Some(&session)).await.status,
        StatusCode::OK
    );
    // The challenge is spent.
    let replay = post(
        &a,
        "/admin/login/code",
        None,
        &[
            ("challenge", &challenge),
            ("code", &midad_web::totp::code_at(&secret, now)),
        ],
    )
    .await;
    assert!(replay.session().is_none());

    // Five wrong codes end the attempt, with the wait in Arabic.
    let step = sign_in(&a, "careful@news.example", "a careful password").await;
    let challenge = field(&step.body, "challenge");
    for _ in 0..5 {
        post(
            &a,
            "/admin/login/code",
            None,
            &[("challenge", &challenge), ("code", "000000")],
        )
        .await;
    }
    let stopped = post(
        &a,
        "/admin/login/code",
        None,
        &[
            ("challenge", &challenge),
            ("code", &midad_web::totp::code_at(&secret, now)),
        ],
    )
    .await;
    assert_eq!(stopped.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(stopped.body.contains("حاول بعد"));
}

#[tokio::test]
async fn old_addresses_answer_301_and_administrators_manage_them() {
    let a = admin().await;
    add_user(
        &a.store,
        "admin@news.example",
        Role::Admin,
        "admin's long password",
    )
    .await;
    add_user(
        &a.store,
        "ed@news.example",
        Role::Editor,
        "editor's long password",
    )
    .await;
    // An article and a draft, each with the old plain link of a moved site.
    let mut tx = a.store.begin().await.unwrap();
    let mut story = midad_core::ArticleData::new(midad_core::ArticleKind::Article, "الخبر المنقول");
    story.status = midad_core::Status::Published;
    story.body = vec![midad_core::body::Block::Paragraph {
        html: "نص".into()
    }];
    story.published_at = Some(chrono::Utc::now());
    let story = tx.insert_article(story).await.unwrap();
    let mut draft = midad_core::ArticleData::new(midad_core::ArticleKind::Article, "مسودة");
    draft.body = vec![midad_core::body::Block::Paragraph {
        html: "نص".into()
    }];
    let draft = tx.insert_article(draft).await.unwrap();
    use midad_store::RedirectTarget;
    tx.put_redirect("/?p=12", &RedirectTarget::Article(story.id), "wordpress")
        .await
        .unwrap();
    tx.put_redirect(
        "/2024/05/01/الخبر-المنقول",
        &RedirectTarget::Article(story.id),
        "wordpress",
    )
    .await
    .unwrap();
    tx.put_redirect("/?p=13", &RedirectTarget::Article(draft.id), "wordpress")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let canonical = format!("/article/{}/", story.id);
    for old in [
        "/?p=12",
        "/?p=12&utm_source=x",
        "/index.php?p=12",
        "/2024/05/01/%D8%A7%D9%84%D8%AE%D8%A8%D8%B1-%D8%A7%D9%84%D9%85%D9%86%D9%82%D9%88%D9%84/",
        "/2024/05/01/%d8%a7%d9%84%d8%ae%d8%a8%d8%b1-%d8%a7%d9%84%d9%85%d9%86%d9%82%d9%88%d9%84",
    ] {
        let r = get(&a, old, None).await;
        assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY, "{old}");
        assert!(
            r.header("location").starts_with(&canonical),
            "{old}: {}",
            r.header("location")
        );
    }
    // A draft's old link, an unknown id: as absent as the item. The home page itself, with
    // a query that names no old link, is still the home page.
    assert_eq!(get(&a, "/?p=13", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&a, "/?p=99", None).await.status, StatusCode::NOT_FOUND);
    assert_eq!(get(&a, "/?utm_source=x", None).await.status, StatusCode::OK);
    assert_eq!(
        get(&a, "/no/such/page/", None).await.status,
        StatusCode::NOT_FOUND
    );

    // The administrator adds one by hand, sees it listed, changes and deletes it.
    let s = sign_in(&a, "admin@news.example", "admin's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&s)).await.body);
    let added = post(
        &a,
        "/admin/redirects",
        Some(&s),
        &[
            ("csrf", &csrf),
            ("from", "/about-us/"),
            ("to", "/page/about"),
        ],
    )
    .await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let r = get(&a, "/about-us", None).await;
    assert_eq!(r.status, StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.header("location"), "/page/about");
    let list = get(&a, "/admin/redirects", Some(&s)).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.body.contains("/about-us") && list.body.contains("الخبر المنقول"));
    assert!(
        list.body.contains("٤ تحويلات"),
        "three old links and the one added"
    );
    let filtered = get(&a, "/admin/redirects?q=about&page=x", Some(&s)).await;
    assert!(filtered.body.contains("/about-us") && !filtered.body.contains("الخبر المنقول"));
    let changed = post(
        &a,
        "/admin/redirects",
        Some(&s),
        &[("csrf", &csrf), ("from", "/about-us"), ("to", "/page/team")],
    )
    .await;
    assert_eq!(changed.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&a, "/about-us/", None).await.header("location"),
        "/page/team"
    );

    // Bad input: a clear Arabic message, nothing stored.
    for (from, to) in [
        ("about", "/page/about"),
        ("/x", "https://elsewhere.example/"),
        ("/x", "/x/"),
        ("/x", ""),
    ] {
        let r = post(
            &a,
            "/admin/redirects",
            Some(&s),
            &[("csrf", &csrf), ("from", from), ("to", to)],
        )
        .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{from} → {to}");
        assert!(
            r.body.contains("المسار غير صالح") || r.body.contains("التحويل يعود إلى المسار نفسه"),
            "{from} → {to}"
        );
    }
    assert!(a.store.redirect("/x").await.unwrap().is_none());

    // Editors do not shape the site's addresses.
    let e = sign_in(&a, "ed@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    let ecsrf = csrf_of(&get(&a, "/admin", Some(&e)).await.body);
    assert_eq!(
        get(&a, "/admin/redirects", Some(&e)).await.status,
        StatusCode::FORBIDDEN
    );
    let id = a.store.redirect("/about-us").await.unwrap().unwrap().id;
    let r = post(
        &a,
        &format!("/admin/redirects/{id}/delete"),
        Some(&e),
        &[("csrf", &ecsrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(a.store.redirect("/about-us").await.unwrap().is_some());

    let r = post(
        &a,
        &format!("/admin/redirects/{id}/delete"),
        Some(&s),
        &[("csrf", &csrf)],
    )
    .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert_eq!(
        get(&a, "/about-us", None).await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn autosaves_are_offered_restored_and_refused_over_a_newer_version() {
    let a = admin().await;
    add_user(
        &a.store,
        "ed@news.example",
        Role::Editor,
        "editor's long password",
    )
    .await;
    add_user(
        &a.store,
        "ed2@news.example",
        Role::Editor,
        "second editor password",
    )
    .await;
    let s = sign_in(&a, "ed@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&s)).await.body);
    let created = post(
        &a,
        "/admin/articles",
        Some(&s),
        &article_form(&csrf, "save", "مسودة الخبر", "<p>الفقرة الأولى</p>"),
    )
    .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let path = created.header("location");
    let editor = get(&a, path, Some(&s)).await.body;
    assert!(editor.contains(&format!("data-autosave-url=\"{path}/autosave\"")));
    let version = field(&editor, "version");

    // Typing continues; the editor saves by itself. Without the session's token: refused.
    let mut typed = article_form(
        &csrf,
        "",
        "مسودة الخبر",
        "<p>الفقرة الأولى</p><p>فقرة كُتبت ولم تُحفظ</p>",
    );
    typed.push(("version", &version));
    let forged: Vec<(&str, &str)> = typed
        .iter()
        .map(|(k, v)| {
            if *k == "csrf" {
                (*k, "forged")
            } else {
                (*k, *v)
            }
        })
        .collect();
    assert_eq!(
        post(&a, &format!("{path}/autosave"), Some(&s), &forged)
            .await
            .status,
        StatusCode::FORBIDDEN
    );
    let saved = post(&a, &format!("{path}/autosave"), Some(&s), &typed).await;
    assert_eq!(saved.status, StatusCode::OK);
    assert!(saved.body.contains("\"saved_at\""), "{}", saved.body);
    // Nothing changed on the article itself: no new version, no revision.
    let id: i64 = path.rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        a.store
            .article(id)
            .await
            .unwrap()
            .unwrap()
            .version
            .to_string(),
        version
    );

    // Back in the editor (the tab was closed): the copy is offered, and restored on asking.
    let offered = get(&a, path, Some(&s)).await.body;
    assert!(offered.contains("حفظها المحرر تلقائيًا"), "{offered}");
    assert!(!offered.contains("فقرة كُتبت ولم تُحفظ"));
    let restored = get(&a, &format!("{path}?restore=autosave"), Some(&s))
        .await
        .body;
    assert!(restored.contains("فقرة كُتبت ولم تُحفظ"));
    // Another editor has no such copy.
    let s2 = sign_in(&a, "ed2@news.example", "second editor password")
        .await
        .session()
        .unwrap();
    assert!(
        !get(&a, path, Some(&s2))
            .await
            .body
            .contains("حفظها المحرر تلقائيًا")
    );

    // The other editor saves a new version: an autosave of the old one is refused (409).
    let csrf2 = csrf_of(&get(&a, "/admin", Some(&s2)).await.body);
    let mut theirs = article_form(&csrf2, "save", "مسودة الخبر", "<p>نص الزميل</p>");
    theirs.push(("version", &version));
    assert_eq!(
        post(&a, path, Some(&s2), &theirs).await.status,
        StatusCode::SEE_OTHER
    );
    let late = post(&a, &format!("{path}/autosave"), Some(&s), &typed).await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert!(late.body.contains("version_conflict"));

    // A save by its owner ends the autosave.
    let fresh = field(&get(&a, path, Some(&s)).await.body, "version");
    let mut mine = article_form(&csrf, "save", "مسودة الخبر", "<p>النص النهائي</p>");
    mine.push(("version", &fresh));
    assert_eq!(
        post(&a, path, Some(&s), &mine).await.status,
        StatusCode::SEE_OTHER
    );
    assert!(
        a.store
            .autosave(
                id,
                a.store
                    .user_by_email("ed@news.example")
                    .await
                    .unwrap()
                    .unwrap()
                    .id
            )
            .await
            .unwrap()
            .is_none()
    );
}

/// An account with its own name (the bylines of two accounts never merge).
/// The editor «سارة» (editor@news.example, "editor's long password") several tests use.
async fn add_editor(store: &Store) {
    add_named_user(
        store,
        "editor@news.example",
        "سارة",
        Role::Editor,
        "editor's long password",
    )
    .await;
}

async fn add_named_user(store: &Store, email: &str, name: &str, role: Role, password: &str) {
    let mut tx = store.begin().await.unwrap();
    tx.insert_user(NewUser {
        email: email.into(),
        name: name.into(),
        role,
        password_hash: Some(midad_core::password::hash(password).unwrap()),
        author_id: None,
    })
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

fn id_from(location: &str) -> i64 {
    location.rsplit('/').next().unwrap().parse().unwrap()
}

async fn byline_names(store: &Store, id: i64) -> Vec<String> {
    let a = store.article(id).await.unwrap().unwrap();
    let all = store.authors().await.unwrap();
    a.data
        .author_ids
        .iter()
        .map(|id| all.iter().find(|b| b.id == *id).unwrap().name.clone())
        .collect()
}

#[tokio::test]
async fn several_authors_the_main_image_text_and_name_suggestions() {
    let a = admin().await;
    add_named_user(
        &a.store,
        "editor@news.example",
        "سارة الحلبي",
        Role::Editor,
        "editor's long password",
    )
    .await;
    add_named_user(
        &a.store,
        "author@news.example",
        "ليلى",
        Role::Author,
        "author's long password",
    )
    .await;
    let mut tx = a.store.begin().await.unwrap();
    tx.author_by_name_or_create("مراسلنا في بيروت")
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let editor = sign_in(&a, "editor@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&editor)).await.body);
    // A new item starts with the writer's own name.
    let blank = get(&a, "/admin/articles/new", Some(&editor)).await.body;
    assert!(
        blank.contains("name=\"authors\" dir=\"auto\" autocomplete=\"off\" value=\"سارة الحلبي\""),
        "{blank}"
    );
    let uploaded = upload(&a, &editor, &csrf, "قاعة.jpg", &jpeg(800, 600)).await;
    assert!(uploaded.status.is_redirection() || uploaded.status.is_success());
    let image = a.store.all_media().await.unwrap()[0].id.to_string();

    // Three bylines: the editor's, an existing one typed with ى for ي, and a new one.
    let mut fields = article_form(&csrf, "publish", "جلسة طارئة للبرلمان", "<p>نص الخبر</p>");
    fields.extend([
        ("authors", "سارة الحلبي، مراسلنا فى بيروت، وليد الخطيب"),
        ("image", image.as_str()),
        ("image_caption", "النواب في القاعة قبل التصويت"),
        ("image_credit", "تصوير: رامي حداد"),
    ]);
    let saved = post(&a, "/admin/articles", Some(&editor), &fields).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    let id = id_from(saved.header("location"));
    assert_eq!(
        byline_names(&a.store, id).await,
        ["سارة الحلبي", "مراسلنا في بيروت", "وليد الخطيب"]
    );
    let stored = a.store.article(id).await.unwrap().unwrap();
    let page = get(
        &a,
        &format!("/article/{id}/{}", encode(&stored.data.slug)),
        None,
    )
    .await;
    assert_eq!(page.status, StatusCode::OK);
    for name in ["سارة الحلبي", "مراسلنا في بيروت", "وليد الخطيب"]
    {
        assert!(page.body.contains(name), "byline {name} on the page");
    }
    assert!(page.body.contains(
        "<figcaption>النواب في القاعة قبل التصويت <span class=\"credit\">تصوير: رامي حداد</span></figcaption>"
    ));
    assert!(
        !page.body.contains("<figcaption>جلسة البرلمان"),
        "the library's caption is replaced"
    );
    // The form shows them again as stored.
    let form = get(&a, &format!("/admin/articles/{id}"), Some(&editor))
        .await
        .body;
    assert!(form.contains("value=\"سارة الحلبي، مراسلنا في بيروت، وليد الخطيب\""));
    assert!(form.contains("name=\"image_credit\" dir=\"auto\" value=\"تصوير: رامي حداد\""));

    // An author picks among existing bylines and keeps their own name.
    let author = sign_in(&a, "author@news.example", "author's long password")
        .await
        .session()
        .unwrap();
    let acsrf = csrf_of(&get(&a, "/admin", Some(&author)).await.body);
    let own = post(
        &a,
        "/admin/articles",
        Some(&author),
        &article_form(&acsrf, "save", "تقرير مشترك", "<p>نص</p>"),
    )
    .await;
    assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
    let own_url = own.header("location").to_string();
    let own_id = id_from(&own_url);
    assert_eq!(byline_names(&a.store, own_id).await, ["ليلى"]);
    for (typed, message) in [
        ("ليلى، كاتب لا وجود له", "لا يوجد كاتب باسم «كاتب لا وجود له»"),
        ("مراسلنا في بيروت", "لا يمكنك حذف اسمك"),
    ] {
        let version = field(&get(&a, &own_url, Some(&author)).await.body, "version");
        let mut fields = article_form(&acsrf, "save", "تقرير مشترك", "<p>نص</p>");
        fields.extend([("authors", typed), ("version", version.as_str())]);
        let refused = post(&a, &own_url, Some(&author), &fields).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        assert!(refused.body.contains(message), "{typed}: {}", refused.body);
        assert_eq!(
            byline_names(&a.store, own_id).await,
            ["ليلى"],
            "nothing changed"
        );
    }
    assert!(
        !a.store
            .authors()
            .await
            .unwrap()
            .iter()
            .any(|b| b.name == "كاتب لا وجود له"),
        "an author does not make bylines"
    );
    let version = field(&get(&a, &own_url, Some(&author)).await.body, "version");
    let mut fields = article_form(&acsrf, "save", "تقرير مشترك", "<p>نص</p>");
    fields.extend([
        ("authors", "ليلى، مراسلنا في بيروت"),
        ("version", version.as_str()),
    ]);
    let shared = post(&a, &own_url, Some(&author), &fields).await;
    assert_eq!(shared.status, StatusCode::SEE_OTHER, "{}", shared.body);
    assert_eq!(
        byline_names(&a.store, own_id).await,
        ["ليلى", "مراسلنا في بيروت"]
    );

    // Suggestions as the name is typed, with Arabic folding, starting matches first.
    let tags = get(
        &a,
        &format!("/admin/suggest/tags?q={}", encode("الإنتخ")),
        Some(&author),
    )
    .await;
    assert_eq!(tags.status, StatusCode::OK);
    assert_eq!(
        serde_json::from_str::<Vec<String>>(&tags.body).unwrap(),
        ["الانتخابات"]
    );
    let names = get(
        &a,
        &format!("/admin/suggest/authors?q={}", encode("ال")),
        Some(&author),
    )
    .await;
    assert_eq!(
        serde_json::from_str::<Vec<String>>(&names.body).unwrap(),
        ["سارة الحلبي", "وليد الخطيب"],
        "names containing ال, none starting with it"
    );
    let none = get(&a, "/admin/suggest/tags?q=", Some(&author)).await;
    assert_eq!(none.body, "[]");
    let other = get(&a, "/admin/suggest/users?q=%D8%A7", Some(&author)).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND, "only tags and authors");
    let anonymous = get(&a, "/admin/suggest/tags?q=ا", None).await;
    assert_eq!(anonymous.header("location"), "/admin/login");
}

#[tokio::test]
async fn the_article_list_filters_and_pages_in_the_database_and_acts_in_bulk() {
    use chrono::TimeZone;
    use midad_core::{ArticleData, ArticleKind, Status};
    let a = admin().await;
    add_editor(&a.store).await;
    add_named_user(
        &a.store,
        "author@news.example",
        "ليلى",
        Role::Author,
        "author's long password",
    )
    .await;
    let mut tx = a.store.begin().await.unwrap();
    let politics = tx.insert_section("سياسة", None, None).await.unwrap().id;
    let sport = tx.insert_section("رياضة", None, None).await.unwrap().id;
    let reporter = tx.author_by_name_or_create("مراسل").await.unwrap().id;
    let laila = tx.author_for_account("ليلى").await.unwrap().id;
    let laila_user = a
        .store
        .user_by_email("author@news.example")
        .await
        .unwrap()
        .unwrap()
        .id;
    tx.set_user_author(laila_user, laila).await.unwrap();
    // 65 items: 60 in politics by the reporter (published on 1–60 November), 5 drafts in
    // sport by ليلى, three of them titled «أزمة الطاقة …».
    for i in 1..=60 {
        let mut d = ArticleData::new(ArticleKind::Article, format!("خبر سياسي رقم {i}"));
        d.status = Status::Published;
        d.body = midad_core::body::from_html("<p>نص الخبر</p>");
        d.section_id = Some(politics);
        d.author_ids = vec![reporter];
        d.published_at = Some(
            chrono::Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap()
                + chrono::Duration::days(i - 1),
        );
        tx.insert_article(d).await.unwrap();
    }
    for (i, title) in [
        "أَزْمَةُ الطاقة في الشتاء",
        "أزمة الطاقة تتفاقم",
        "مباراة القمة",
        "أزمة الطاقة والأسعار",
        "بطولة الشباب",
    ]
    .into_iter()
    .enumerate()
    {
        let mut d = ArticleData::new(ArticleKind::Article, title);
        d.section_id = Some(sport);
        d.body = midad_core::body::from_html("<p>نص</p>");
        d.author_ids = vec![laila];
        d.slug = format!("draft-{i}");
        tx.insert_article(d).await.unwrap();
    }
    tx.commit().await.unwrap();
    let editor = sign_in(&a, "editor@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    let csrf = csrf_of(&get(&a, "/admin", Some(&editor)).await.body);
    let rows = |page: &str| page.matches("name=\"pick-").count();

    // Thirty a page, the most recent first.
    let first = get(&a, "/admin/articles", Some(&editor)).await.body;
    assert!(first.contains("٦٥ مقالًا"), "{first}");
    assert_eq!(rows(&first), 30);
    assert!(first.find("بطولة الشباب").unwrap() < first.find("خبر سياسي رقم 60").unwrap());
    let last = get(&a, "/admin/articles?page=3", Some(&editor)).await.body;
    assert_eq!(rows(&last), 5);
    assert!(last.contains("خبر سياسي رقم 1<"));

    // A title search folds hamza, ta marbuta and diacritics; the next page keeps the filters.
    let found = get(
        &a,
        &format!("/admin/articles?q={}", encode("ازمه الطاقه")),
        Some(&editor),
    )
    .await
    .body;
    assert_eq!(rows(&found), 3, "{found}");
    assert!(found.contains("أَزْمَةُ الطاقة في الشتاء"));
    let many = get(
        &a,
        &format!("/admin/articles?q={}&section={politics}", encode("خبر")),
        Some(&editor),
    )
    .await
    .body;
    assert_eq!(rows(&many), 30);
    assert!(
        many.contains(&format!(
            "href=\"/admin/articles?q={}&amp;section={politics}&amp;page=2\"",
            encode("خبر")
        )),
        "{many}"
    );
    let second = get(
        &a,
        &format!(
            "/admin/articles?q={}&section={politics}&page=2",
            encode("خبر")
        ),
        Some(&editor),
    )
    .await
    .body;
    assert_eq!(rows(&second), 30);

    // By section, by author, by publication day (the site's time zone).
    let sport_list = get(
        &a,
        &format!("/admin/articles?section={sport}"),
        Some(&editor),
    )
    .await;
    assert_eq!(rows(&sport_list.body), 5);
    let by_reporter = get(
        &a,
        &format!("/admin/articles?author={reporter}"),
        Some(&editor),
    )
    .await;
    assert!(by_reporter.body.contains("٦٠ مقالًا"));
    let week = get(
        &a,
        "/admin/articles?from=2026-11-10&to=2026-11-16",
        Some(&editor),
    )
    .await;
    assert_eq!(rows(&week.body), 7, "{}", week.body);
    assert!(week.body.contains("خبر سياسي رقم 16<") && week.body.contains("خبر سياسي رقم 10<"));
    let bad = get(&a, "/admin/articles?from=16/11/2026", Some(&editor)).await;
    assert_eq!(bad.status, StatusCode::OK);
    assert!(bad.body.contains("تاريخ غير مفهوم"));
    assert_eq!(rows(&bad.body), 30, "the bad date is not applied");
    for query in [
        "page=-1",
        "page=99999999999999999999",
        "section=abc",
        "author=%00",
        "status=x",
    ] {
        let answer = get(&a, &format!("/admin/articles?{query}"), Some(&editor)).await;
        assert_eq!(answer.status, StatusCode::OK, "{query}");
    }

    // An author sees only their own items, and may not act on someone else's: all or none.
    let author = sign_in(&a, "author@news.example", "author's long password")
        .await
        .session()
        .unwrap();
    let acsrf = csrf_of(&get(&a, "/admin", Some(&author)).await.body);
    let mine = get(&a, "/admin/articles", Some(&author)).await.body;
    assert_eq!(rows(&mine), 5);
    let drafts = a
        .store
        .articles(&midad_store::ArticleQuery {
            status: Some(Status::Draft),
            ..Default::default()
        })
        .await
        .unwrap();
    let draft_ids: Vec<String> = drafts.iter().map(|d| format!("pick-{}", d.id)).collect();
    let someone_elses = a
        .store
        .articles(&midad_store::ArticleQuery {
            status: Some(Status::Published),
            limit: 1,
            ..Default::default()
        })
        .await
        .unwrap()[0]
        .id;
    let foreign = format!("pick-{someone_elses}");
    let mut fields = vec![
        ("csrf", acsrf.as_str()),
        ("action", "unpublish"),
        (draft_ids[0].as_str(), "1"),
        (foreign.as_str(), "1"),
    ];
    let refused = post(&a, "/admin/articles/bulk", Some(&author), &fields).await;
    assert_eq!(refused.status, StatusCode::FORBIDDEN);
    assert!(refused.body.contains("غير مسموح لك"), "{}", refused.body);
    assert_eq!(
        a.store
            .article(someone_elses)
            .await
            .unwrap()
            .unwrap()
            .data
            .status,
        Status::Published
    );
    fields[0].1 = "wrong";
    let forged = post(&a, "/admin/articles/bulk", Some(&author), &fields).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let nothing = post(
        &a,
        "/admin/articles/bulk",
        Some(&author),
        &[("csrf", acsrf.as_str()), ("action", "publish")],
    )
    .await;
    assert_eq!(nothing.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(nothing.body.contains("لم تحدد أي مادة"));

    // The author publishes two own drafts in one go: each gets a revision and a date.
    let picked: Vec<(&str, &str)> = draft_ids[..2].iter().map(|k| (k.as_str(), "1")).collect();
    let mut fields = vec![("csrf", acsrf.as_str()), ("action", "publish")];
    fields.extend(picked.iter().copied());
    let done = post(&a, "/admin/articles/bulk", Some(&author), &fields).await;
    assert_eq!(done.status, StatusCode::SEE_OTHER, "{}", done.body);
    assert_eq!(done.header("location"), "/admin/articles?done=2");
    for d in &drafts[..2] {
        let now = a.store.article(d.id).await.unwrap().unwrap();
        assert_eq!(now.data.status, Status::Published);
        assert!(now.data.published_at.is_some());
        assert_eq!(a.store.revisions(d.id).await.unwrap().len(), 1);
    }
    assert!(
        get(&a, "/admin/articles?done=2", Some(&author))
            .await
            .body
            .contains("تغيّرت مادتان.")
    );
    // Published, they are no longer the author's to delete; their drafts still are.
    let mut fields = vec![("csrf", acsrf.as_str()), ("action", "delete")];
    fields.push((draft_ids[0].as_str(), "1"));
    let kept = post(&a, "/admin/articles/bulk", Some(&author), &fields).await;
    assert_eq!(kept.status, StatusCode::FORBIDDEN);

    // Deleting asks first, then deletes for good (audited).
    let mut fields = vec![("csrf", csrf.as_str()), ("action", "delete")];
    fields.extend(draft_ids[2..].iter().map(|k| (k.as_str(), "1")));
    let ask = post(&a, "/admin/articles/bulk", Some(&editor), &fields).await;
    assert_eq!(ask.status, StatusCode::OK);
    assert!(
        ask.body.contains("ستُحذف هذه المواد الـ٣ نهائيًا"),
        "{}",
        ask.body
    );
    assert_eq!(
        a.store.count_articles(&Default::default()).await.unwrap(),
        65
    );
    fields.push(("confirm", "yes"));
    let deleted = post(&a, "/admin/articles/bulk", Some(&editor), &fields).await;
    assert_eq!(deleted.status, StatusCode::SEE_OTHER);
    assert_eq!(
        a.store.count_articles(&Default::default()).await.unwrap(),
        62
    );
    let audit = a.store.audit_log(100).await.unwrap();
    assert_eq!(
        audit
            .iter()
            .filter(|e| e.action == "article_deleted")
            .count(),
        3
    );
    // Acting again on what is gone changes nothing.
    let again = post(&a, "/admin/articles/bulk", Some(&editor), &fields).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
}

/// Every role against every action of the back office, over HTTP, compared with the table
/// the roles are meant to follow (written out here, not read from the code): what is
/// allowed answers as it should, what is not answers 403 and changes nothing.
#[tokio::test]
async fn every_role_against_every_action() {
    use midad_core::{ArticleData, ArticleKind, Status};
    let a = admin().await;
    let roles = [
        ("owner", Role::Owner),
        ("admin", Role::Admin),
        ("editor", Role::Editor),
        ("author", Role::Author),
        ("contributor", Role::Contributor),
    ];
    for (name, role) in roles {
        add_named_user(
            &a.store,
            &format!("{name}@news.example"),
            &format!("حساب {name}"),
            role,
            "a long enough password",
        )
        .await;
    }
    // A colleague's items, two per role: one to publish, one to delete; and a published one.
    let mut tx = a.store.begin().await.unwrap();
    let colleague = tx.author_by_name_or_create("زميل").await.unwrap().id;
    let mut make = async |title: String, status: Status| {
        let mut d = ArticleData::new(ArticleKind::Article, title);
        d.status = status;
        d.body = midad_core::body::from_html("<p>نص الزميل</p>");
        d.author_ids = vec![colleague];
        if status == Status::Published {
            d.published_at = Some(chrono::Utc::now());
        }
        tx.insert_article(d).await.unwrap().id
    };
    let mut theirs = std::collections::HashMap::new();
    for (name, _) in roles {
        let publish = make(format!("مسودة زميل للنشر {name}"), Status::Draft).await;
        let delete = make(format!("مسودة زميل للحذف {name}"), Status::Draft).await;
        theirs.insert(name, (publish, delete));
    }
    let live = make("خبر منشور للزميل".into(), Status::Published).await;
    tx.commit().await.unwrap();

    //                        owner  admin  editor author contributor
    let expected: [(&str, [bool; 5]); 17] = [
        ("dashboard", [true, true, true, true, true]),
        ("write a draft", [true, true, true, true, true]),
        ("submit own for review", [true, true, true, true, true]),
        ("publish own", [true, true, true, true, false]),
        ("flag own as breaking", [true, true, true, false, false]),
        (
            "feature own on the home page",
            [true, true, true, false, false],
        ),
        ("open a colleague's item", [true, true, true, false, false]),
        (
            "publish a colleague's item",
            [true, true, true, false, false],
        ),
        (
            "delete a colleague's item",
            [true, true, true, false, false],
        ),
        ("upload an image", [true, true, true, true, false]),
        ("sections and tags", [true, true, true, false, false]),
        ("subscribers", [true, true, true, false, false]),
        ("breaking alert by mail", [true, true, true, false, false]),
        ("accounts", [true, true, false, false, false]),
        ("audit log", [true, true, false, false, false]),
        ("settings", [true, true, false, false, false]),
        ("old addresses", [true, true, false, false, false]),
    ];
    let mut mismatches = Vec::new();
    for (col, (name, _)) in roles.iter().enumerate() {
        let session = sign_in(
            &a,
            &format!("{name}@news.example"),
            "a long enough password",
        )
        .await
        .session()
        .unwrap();
        let s = Some(session.as_str());
        let dashboard = get(&a, "/admin", s).await;
        let csrf = csrf_of(&dashboard.body);
        let mut seen: Vec<(&str, bool)> = vec![("dashboard", dashboard.status == StatusCode::OK)];

        let title = format!("مادة {name}");
        let mut fields = article_form(&csrf, "save", &title, "<p>نص</p>");
        fields.extend([("breaking", "on"), ("featured", "on")]);
        let draft = post(&a, "/admin/articles", s, &fields).await;
        seen.push(("write a draft", draft.status == StatusCode::SEE_OTHER));
        let url = draft.header("location").to_string();
        let id = id_from(&url);
        let stored = a.store.article(id).await.unwrap().unwrap();
        seen.push(("flag own as breaking", stored.data.breaking));
        seen.push(("feature own on the home page", stored.data.featured));
        let version = stored.version.to_string();
        let mut fields = article_form(&csrf, "submit", &title, "<p>نص</p>");
        fields.push(("version", &version));
        let submitted = post(&a, &url, s, &fields).await;
        let now = a.store.article(id).await.unwrap().unwrap();
        seen.push((
            "submit own for review",
            submitted.status == StatusCode::SEE_OTHER && now.data.status == Status::Pending,
        ));
        let version = now.version.to_string();
        let mut fields = article_form(&csrf, "publish", &title, "<p>نص</p>");
        fields.push(("version", &version));
        let published = post(&a, &url, s, &fields).await;
        let now = a.store.article(id).await.unwrap().unwrap();
        assert_eq!(
            published.status == StatusCode::SEE_OTHER,
            now.data.status == Status::Published,
            "{name}: publishing answered {} with the item {:?}",
            published.status,
            now.data.status
        );
        if published.status != StatusCode::SEE_OTHER {
            assert_eq!(published.status, StatusCode::FORBIDDEN, "{name}");
        }
        seen.push(("publish own", now.data.status == Status::Published));

        let (to_publish, to_delete) = theirs[name];
        let open = get(&a, &format!("/admin/articles/{to_publish}"), s).await;
        seen.push(("open a colleague's item", open.status == StatusCode::OK));
        let pick = format!("pick-{to_publish}");
        let bulk = post(
            &a,
            "/admin/articles/bulk",
            s,
            &[("csrf", &csrf), ("action", "publish"), (&pick, "1")],
        )
        .await;
        let after = a.store.article(to_publish).await.unwrap().unwrap();
        assert_eq!(
            bulk.status == StatusCode::SEE_OTHER,
            after.data.status == Status::Published,
            "{name}: {}",
            bulk.status
        );
        seen.push((
            "publish a colleague's item",
            after.data.status == Status::Published,
        ));
        let pick = format!("pick-{to_delete}");
        let bulk = post(
            &a,
            "/admin/articles/bulk",
            s,
            &[
                ("csrf", &csrf),
                ("action", "delete"),
                (&pick, "1"),
                ("confirm", "yes"),
            ],
        )
        .await;
        let gone = a.store.article(to_delete).await.unwrap().is_none();
        assert_eq!(
            bulk.status == StatusCode::SEE_OTHER,
            gone,
            "{name}: {}",
            bulk.status
        );
        seen.push(("delete a colleague's item", gone));

        let before = a.store.all_media().await.unwrap().len();
        let up = upload(&a, &session, &csrf, &format!("{name}.jpg"), &jpeg(64, 48)).await;
        let uploaded = a.store.all_media().await.unwrap().len() == before + 1;
        assert_eq!(
            uploaded,
            up.status != StatusCode::FORBIDDEN,
            "{name}: {}",
            up.status
        );
        seen.push(("upload an image", uploaded));

        for (action, path) in [
            ("sections and tags", "/admin/sections".to_string()),
            ("subscribers", "/admin/subscribers".to_string()),
            (
                "breaking alert by mail",
                format!("/admin/articles/{live}/alert"),
            ),
            ("accounts", "/admin/users".to_string()),
            ("audit log", "/admin/audit".to_string()),
            ("settings", "/admin/settings".to_string()),
            ("old addresses", "/admin/redirects".to_string()),
        ] {
            let page = get(&a, &path, s).await;
            assert!(
                matches!(page.status, StatusCode::OK | StatusCode::FORBIDDEN),
                "{name} {path}: {}",
                page.status
            );
            seen.push((action, page.status == StatusCode::OK));
        }

        for (action, allowed) in seen {
            let want = expected
                .iter()
                .find(|(a, _)| *a == action)
                .unwrap_or_else(|| panic!("{action} is not in the table"))
                .1[col];
            if allowed != want {
                mismatches.push(format!(
                    "{name} / {action}: allowed {allowed}, expected {want}"
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

/// The main image's list on the form holds the newest hundred images and always the one an
/// item already has, so editing an older item does not drop its image.
#[tokio::test]
async fn an_older_main_image_stays_chosen_on_the_form() {
    use midad_core::{ArticleData, ArticleKind};
    let a = admin().await;
    add_editor(&a.store).await;
    let mut tx = a.store.begin().await.unwrap();
    let mut ids = Vec::new();
    for i in 0..120 {
        let m = tx
            .insert_media(midad_store::NewMedia {
                path: format!("2024/11/photo-{i}.jpg"),
                mime: "image/jpeg".into(),
                width: Some(800),
                height: Some(600),
                size: 1000,
                alt: None,
                caption: Some(format!("صورة {i}")),
                credit: None,
                variants: Vec::new(),
            })
            .await
            .unwrap();
        ids.push(m.id);
    }
    let mut d = ArticleData::new(ArticleKind::Article, "تقرير بصورة قديمة");
    d.body = midad_core::body::from_html("<p>نص</p>");
    d.image_id = Some(ids[0]);
    let id = tx.insert_article(d).await.unwrap().id;
    tx.commit().await.unwrap();
    let editor = sign_in(&a, "editor@news.example", "editor's long password")
        .await
        .session()
        .unwrap();
    let form = get(&a, &format!("/admin/articles/{id}"), Some(&editor))
        .await
        .body;
    assert!(
        form.contains(&format!("<option value=\"{}\" selected>", ids[0])),
        "the item's own image is chosen"
    );
    assert!(form.contains(&format!("<option value=\"{}\">", ids[119])));
    assert!(
        !form.contains(&format!("<option value=\"{}\">", ids[1])),
        "older images beyond the newest hundred are not listed"
    );
    // The library screen pages through all of them, a hundred at a time, newest first.
    let shown = |page: &str, id: i64| page.contains(&format!("data-media-id=\"{id}\""));
    let first = get(&a, "/admin/media", Some(&editor)).await.body;
    assert!(shown(&first, ids[119]) && shown(&first, ids[20]) && !shown(&first, ids[19]));
    assert!(first.contains("href=\"/admin/media?page=2\""));
    let second = get(&a, "/admin/media?page=2", Some(&editor)).await.body;
    assert!(shown(&second, ids[19]) && shown(&second, ids[0]) && !shown(&second, ids[20]));
    for (odd, expect) in [("abc", ids[119]), ("-3", ids[119]), ("99", ids[0])] {
        let page = get(&a, &format!("/admin/media?page={odd}"), Some(&editor)).await;
        assert_eq!(page.status, StatusCode::OK, "{odd}");
        assert!(shown(&page.body, expect), "page={odd}");
    }
}

//! The command line, end to end: the real binary on a real SQLite file (and PostgreSQL
//! where the test says so), asserting what an operator or a reader sees.

mod support;

use support::*;

const PARAGRAPHS: [&str; 10] = [
    "أعلنت وزارة الطاقة صباح اليوم عن خطة وطنية لتوسيع شبكة الطاقة الشمسية في المحافظات الجنوبية.",
    "وقال الوزير في مؤتمر صحفي إن الخطة تمتد خمس سنوات وتستهدف تغطية ربع الاستهلاك المنزلي.",
    "وأضاف أن التمويل سيأتي من شراكة بين القطاعين العام والخاص، مع قروض ميسرة للأسر.",
    "ورحب اتحاد الصناعيين بالخطة، معتبرًا أنها تخفف الضغط على الشبكة في أشهر الصيف.",
    "في المقابل، طالب خبراء بجدول زمني واضح وبنشر دراسات الجدوى أمام الرأي العام.",
    "وتعاني البلاد منذ سنوات انقطاعات متكررة في التيار الكهربائي تصل إلى عشر ساعات يوميًا.",
    "وتشير أرقام الوزارة إلى أن الطلب على الكهرباء ارتفع بنسبة ١٢٪ خلال العام الماضي.",
    "وسيبدأ التنفيذ بمشروعات تجريبية في ثلاث مدن قبل تعميمها على بقية المحافظات.",
    "كما تتضمن الخطة برنامجًا لتدريب الفنيين المحليين على تركيب الألواح وصيانتها.",
    "ومن المنتظر أن يناقش البرلمان الخطة في جلسته المقبلة قبل إقرار موازنتها.",
];

fn real_article_line() -> String {
    let body: String = PARAGRAPHS.iter().map(|p| format!("<p>{p}</p>")).collect();
    serde_json::json!({
        "kind": "article",
        "title": "الحكومة تُطلِق خطة «الطاقة الشمسية» في ٥ محافظات",
        "subtitle": "خمس سنوات لتغطية ربع الاستهلاك المنزلي",
        "excerpt": "خطة وطنية لتوسيع الطاقة الشمسية.",
        "section": "اقتصاد",
        "tags": ["الطاقة", "الكهرباء"],
        "authors": ["سارة الحداد"],
        "source": "وكالات",
        "body_html": body,
        "status": "published",
        "published_at": "2024-11-16T09:30:00+03:00",
        "external_id": "test-energy-1"
    })
    .to_string()
}

#[test]
fn help_speaks_plainly() {
    let out = std::process::Command::new(BIN)
        .arg("--help")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = stdout(&out);
    for cmd in [
        "serve", "import", "export", "user", "backup", "restore", "migrate", "check",
    ] {
        assert!(text.contains(cmd), "--help lists {cmd}");
    }
    assert!(text.contains("news publishing platform"));
}

#[test]
fn demo_site_serves_arabic_home_page() {
    let site = Site::new();
    let server = site.serve(&["--demo"]);
    let home = server.get("/");
    assert_eq!(home.status, 200);
    assert!(
        home.body
            .contains(r#"<html lang="ar" dir="rtl" data-digits="arab">"#)
    );
    assert!(
        home.body.contains("كاريكاتير"),
        "the caricature block is on the home page"
    );
    let article_links = home.body.matches("href=\"/article/").count();
    assert!(
        article_links >= 10,
        "demo articles are listed ({article_links} links)"
    );
    // The header date is written the way Arabic papers write it: «السبت ١٦ / نوفمبر / ٢٠٢٤».
    let today = home
        .body
        .split("class=\"today\"><time datetime=\"")
        .nth(1)
        .and_then(|rest| rest.split_once("\">"))
        .map(|(_, rest)| rest)
        .unwrap_or("")
        .split("</time>")
        .next()
        .unwrap_or("");
    assert_eq!(today.matches(" / ").count(), 2, "header date «{today}»");
    assert!(
        today.chars().any(|c| ('٠'..='٩').contains(&c)),
        "Arabic-Indic digits in «{today}»"
    );

    let health = server.get("/healthz");
    assert_eq!((health.status, health.body.trim()), (200, "ok"));
    let metrics = server.get("/metrics");
    assert!(
        metrics
            .body
            .contains("midad_http_responses_total{class=\"2xx\"}")
    );

    // Every demo article linked from the home page opens.
    let first = home
        .body
        .split("href=\"/article/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let page = server.get(&format!("/article/{first}"));
    assert_eq!(page.status, 200, "/article/{first}");
    assert!(page.body.contains("class=\"story-title\""));
    server.stop();

    // A second start does not load the demo twice.
    let before = export_text(&site);
    let server = site.serve(&["--demo"]);
    server.stop();
    assert_eq!(export_text(&site), before);
}

#[test]
fn imported_article_appears_with_everything() {
    let site = Site::new();
    let file = site.path("one.jsonl");
    write(&file, &format!("{}\n", real_article_line()));
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("created 1 article"));

    let server = site.serve(&[]);
    let slug = "الحكومة-تطلق-خطة-الطاقة-الشمسية-في-5-محافظات";
    let page = server.get(&format!("/article/1/{slug}"));
    assert_eq!(page.status, 200);
    let body = &page.body;
    assert!(body.contains("الحكومة تُطلِق خطة «الطاقة الشمسية» في ٥ محافظات"));
    assert!(body.contains("خمس سنوات لتغطية ربع الاستهلاك المنزلي"));
    for p in PARAGRAPHS {
        assert!(body.contains(p), "paragraph «{p}»");
    }
    assert!(body.contains(">اقتصاد</a>"), "section in the breadcrumb");
    assert!(
        body.contains(">الطاقة</a>") && body.contains(">الكهرباء</a>"),
        "tags"
    );
    assert!(body.contains(">سارة الحداد</a>"), "byline");
    assert!(body.contains("المصدر: وكالات"), "source line");
    assert!(body.contains("datetime=\"2024-11-16T06:30:00+00:00\""));

    // /article/1 and a wrong slug redirect to the canonical address.
    for path in ["/article/1", "/article/1/wrong"] {
        let r = server.get(path);
        assert_eq!(r.status, 301, "{path}");
        let location = r.header("location").unwrap();
        assert!(location.starts_with("/article/1/"), "{location}");
    }
    for path in [
        "/article/999",
        "/article/abc/x",
        "/article/-1/x",
        "/nowhere",
    ] {
        assert_eq!(server.get(path).status, 404, "{path}");
    }
    server.stop();

    // Importing the same file again changes nothing.
    let before = export_text(&site);
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success());
    assert!(stdout(&out).contains("unchanged 1"), "{}", stdout(&out));
    assert_eq!(export_text(&site), before);
}

/// A 1,300 × 700 JPEG with an EXIF segment that records where it was taken.
fn photo_with_gps() -> Vec<u8> {
    let image = image::RgbImage::from_fn(1300, 700, |x, y| {
        image::Rgb([(x % 251) as u8, (y % 241) as u8, ((x * y) % 239) as u8])
    });
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 85)
        .encode_image(&image)
        .unwrap();
    let payload = b"Exif\0\0GPSLatitude 33.8938 GPSLongitude 35.5018";
    let mut tagged = jpeg[..2].to_vec();
    tagged.extend_from_slice(&[0xFF, 0xE1]);
    tagged.extend_from_slice(&((payload.len() + 2) as u16).to_be_bytes());
    tagged.extend_from_slice(payload);
    tagged.extend_from_slice(&jpeg[2..]);
    tagged
}

#[test]
fn imported_photos_get_responsive_copies_and_lose_their_gps() {
    let site = Site::new();
    std::fs::create_dir_all(site.path("media")).unwrap();
    std::fs::write(site.path("media/port.jpg"), photo_with_gps()).unwrap();
    let line = serde_json::json!({
        "title": "ميناء بيروت يستقبل أول سفينة",
        "body_html": "<p>نص الخبر.</p>",
        "image": "media/port.jpg",
        "image_caption": "الميناء صباح اليوم",
        "status": "published",
        "published_at": "2024-11-16T09:30:00+03:00"
    });
    let file = site.path("photo.jsonl");
    write(&file, &format!("{line}\n"));
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let month = site.data_dir().join("media/2024/11");
    let mut names: Vec<String> = std::fs::read_dir(&month)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    let original = names.iter().find(|n| n.ends_with("-port.jpg")).unwrap();
    for w in [320, 640, 1024] {
        for ext in ["jpg", "webp"] {
            let variant = original.replace(".jpg", &format!("-{w}w.{ext}"));
            assert!(names.contains(&variant), "{variant} in {names:?}");
        }
    }
    assert!(!names.iter().any(|n| n.contains("1600w")), "no upscaling");
    let stored = std::fs::read(month.join(original)).unwrap();
    assert!(
        !stored.windows(11).any(|w| w == b"GPSLatitude"),
        "EXIF removed"
    );
    assert_eq!(image::load_from_memory(&stored).unwrap().width(), 1300);

    let server = site.serve(&[]);
    let home = server.get("/");
    let link = home.body.split("href=\"/article/").nth(1).unwrap();
    let path = format!("/article/{}", &link[..link.find('"').unwrap()]);
    let page = server.get(&path);
    assert!(
        page.body
            .contains("<source type=\"image/webp\" srcset=\"/media/2024/11/")
    );
    let webp = page.body.split("-640w.webp").next().unwrap();
    let webp_url = &webp[webp.rfind("/media/").unwrap()..];
    let copy = server.get(&format!("{webp_url}-640w.webp"));
    assert_eq!(copy.status, 200);
    assert_eq!(copy.header("content-type").as_deref(), Some("image/webp"));
    server.stop();

    // A picture claiming 50,000 pixels a side is refused, with the reason, and nothing is
    // written.
    let mut bomb = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    bomb.extend_from_slice(&50_000u32.to_be_bytes());
    bomb.extend_from_slice(&50_000u32.to_be_bytes());
    bomb.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    std::fs::write(site.path("media/huge.png"), bomb).unwrap();
    let line = serde_json::json!({"title": "صورة ضخمة", "body_html": "<p>نص</p>", "image": "media/huge.png"});
    write(&file, &format!("{line}\n"));
    let before = export_text(&site);
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("50000 × 50000"), "{}", stderr(&out));
    assert_eq!(export_text(&site), before);
}

#[test]
fn a_bad_line_refuses_the_whole_file() {
    let site = Site::new();
    let good1 = real_article_line();
    let good2 = good1.replace("test-energy-1", "test-energy-2");
    let cases = [
        (
            r#"{"title":"x","body_html":"<p>y</p>","colour":"red"}"#,
            "field_unknown",
            "colour",
        ),
        (
            r#"{"title":"x","body_html":"<p>y</p>","published_at":"16/11/2024"}"#,
            "date_invalid",
            "16/11/2024",
        ),
        (r#"{"body_html":"<p>y</p>"}"#, "title_required", "title"),
        (
            r#"{"title":"x","body_html":"<p>y</p>","image":"media/missing.jpg"}"#,
            "image_not_found",
            "missing.jpg",
        ),
        (r#"{"title":"x","body_html":"<p>y"#, "json_invalid", "line"),
    ];
    for (bad, code, detail) in cases {
        let file = site.path("mixed.jsonl");
        write(&file, &format!("{good1}\n{bad}\n{good2}\n"));
        let out = site.run(&["import", file.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(1), "{code}: exit code");
        let err = stderr(&out);
        assert!(
            err.contains("mixed.jsonl:2:"),
            "{code}: line number in «{err}»"
        );
        assert!(err.contains(code), "{code}: code in «{err}»");
        assert!(err.contains(detail), "{code}: detail in «{err}»");
        assert!(err.contains("nothing was imported"), "{code}");
        assert!(
            !err.contains("mixed.jsonl:1:") && !err.contains("mixed.jsonl:3:"),
            "{err}"
        );
    }
    // Nothing at all was written.
    assert_eq!(export_text(&site), "");
}

#[test]
fn configuration_errors_name_key_source_and_expectation() {
    let site = Site::new();
    let out = site
        .command(&["check"])
        .env("MIDAD_SITE__TIMEZONE", "Mars/Olympus")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("site.timezone"), "{err}");
    assert!(err.contains("MIDAD_SITE__TIMEZONE"), "{err}");
    assert!(err.contains("IANA"), "{err}");
    let out = site
        .command(&["check"])
        .env("MIDAD_SITE__DATE_STYLE", "fancy")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("site.date_style") && err.contains("\"numeric\""),
        "{err}"
    );

    let toml = site.path("midad.toml");
    write(
        &toml,
        "[server]\nlisten = \"127.0.0.1:8080\"\ncolour = \"red\"\n",
    );
    let out = site.run(&["--config", toml.to_str().unwrap(), "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("colour"), "{}", stderr(&out));

    write(&toml, "[mail]\nrate_per_second = \"fast\"\n");
    let out = site.run(&["--config", toml.to_str().unwrap(), "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("mail.rate_per_second") && err.contains("midad.toml"),
        "{err}"
    );

    std::fs::remove_file(&toml).unwrap();
    let out = site.run(&["--database-url", "mysql://x", "check"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--database-url"), "{}", stderr(&out));

    // An unknown MIDAD_ variable is only a warning.
    let out = site
        .command(&["migrate"])
        .env("MIDAD_COLOUR", "red")
        .output()
        .unwrap();
    assert!(out.status.success());
    assert!(stderr(&out).contains("MIDAD_COLOUR"));
}

#[test]
fn users_from_the_command_line() {
    let site = Site::new();
    let out = site.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "Owner@Example.org",
            "--name",
            "ليلى منصور",
            "--role",
            "owner",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let out = site.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "x@example.org",
            "--name",
            "س",
            "--role",
            "author",
            "--password-stdin",
        ],
        "short\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("password_too_short"));
    let out = site.run_with_stdin(
        &[
            "user",
            "add",
            "--email",
            "y@example.org",
            "--name",
            "س",
            "--role",
            "king",
            "--password-stdin",
        ],
        "a long enough password\n",
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("king"));

    let out = site.run(&[
        "user",
        "role",
        "--email",
        "owner@example.org",
        "--role",
        "editor",
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the only owner cannot be demoted"
    );
    let out = site.run_with_stdin(
        &[
            "user",
            "passwd",
            "--email",
            "owner@example.org",
            "--password-stdin",
        ],
        "another long password\n",
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let list = stdout(&site.run(&["user", "list"]));
    assert!(
        list.contains("owner@example.org\towner\tليلى منصور"),
        "{list}"
    );
}

#[test]
fn check_and_migrate_on_a_healthy_site() {
    let site = Site::new();
    let out = site.run(&["migrate"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = site.run(&["check"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("everything looks right"));
}

/// A fresh PostgreSQL database on the TEST_POSTGRES_URL server; dropped by the caller.
#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL half skipped: set TEST_POSTGRES_URL to run it"
)]
fn postgres_site_end_to_end() {
    let name = format!("midad_e2e_{}", std::process::id());
    let (url, base) = postgres_database(&name);
    let mut site = Site::new();
    site.database_url = Some(url.clone());
    let file = site.path("one.jsonl");
    write(&file, &format!("{}\n", real_article_line()));
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let server = site.serve(&["--demo"]);
    let page = server.get("/article/1/الحكومة-تطلق-خطة-الطاقة-الشمسية-في-5-محافظات");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("المصدر: وكالات"));
    // --demo only fills an empty site.
    let home = server.get("/").body;
    assert!(home.contains("href=\"/article/1/") && !home.contains("href=\"/article/2/"));
    server.stop();

    // A PostgreSQL site backs up to a file that restores onto SQLite, identically.
    let backup = site.path("pg.backup");
    let out = site.run(&["backup", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let restored = Site::new();
    let out = restored.run(&["restore", backup.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(export_text(&restored), export_text(&site));
    let check = site.run(&["check"]);
    assert!(check.status.success(), "{}", stderr(&check));

    let _ = std::process::Command::new("psql")
        .arg(&base)
        .args(["-q", "-c", &format!("DROP DATABASE IF EXISTS {name}")])
        .output();
}

/// Two `midad serve` nodes on one PostgreSQL database: a publish written by another process
/// reaches both nodes' cached home pages through the change log.
#[test]
#[cfg_attr(
    not(postgres_tests),
    ignore = "PostgreSQL half skipped: set TEST_POSTGRES_URL to run it"
)]
fn two_nodes_on_postgres_follow_each_other() {
    let name = format!("midad_nodes_{}", std::process::id());
    let (url, base) = postgres_database(&name);
    let mut one = Site::new();
    one.database_url = Some(url.clone());
    let mut two = Site::new();
    two.database_url = Some(url.clone());
    let node1 = one.serve(&["--demo"]);
    let node2 = two.serve(&[]);
    for node in [&node1, &node2] {
        node.get("/");
        let warm = node.get("/");
        assert_eq!(
            warm.header("x-cache").as_deref(),
            Some("hit"),
            "home is cached"
        );
    }
    let line = serde_json::json!({
        "kind": "article",
        "title": "خبر عاجل يصل إلى العقدتين",
        "section": "سياسة",
        "body_html": "<p>نص الخبر.</p>",
        "status": "published",
        "featured": true,
        "published_at": chrono::Utc::now().to_rfc3339(),
        "external_id": "two-nodes-1"
    });
    let file = one.path("news.jsonl");
    write(&file, &format!("{line}\n"));
    let out = one.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    let written = std::time::Instant::now();
    for (n, node) in [(1, &node1), (2, &node2)] {
        loop {
            if node.get("/").body.contains("خبر عاجل يصل إلى العقدتين") {
                println!(
                    "node {n} shows the story {:?} after the write",
                    written.elapsed()
                );
                break;
            }
            assert!(
                written.elapsed() < std::time::Duration::from_secs(2),
                "node {n} did not show the story within two seconds"
            );
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
    }
    node1.stop();
    node2.stop();
    let _ = std::process::Command::new("psql")
        .arg(&base)
        .args(["-q", "-c", &format!("DROP DATABASE IF EXISTS {name}")])
        .output();
}

#[test]
fn a_scheduled_story_appears_on_time() {
    let site = Site::new();
    let server = site.serve(&["--demo"]);
    let home = server.get("/");
    assert_eq!(server.get("/").header("x-cache").as_deref(), Some("hit"));
    assert!(!home.body.contains("موعد النشر حان"));
    let at = chrono::Utc::now() + chrono::Duration::seconds(3);
    let line = serde_json::json!({
        "title": "موعد النشر حان",
        "body_html": "<p>خبر مجدول.</p>",
        "status": "scheduled",
        "featured": true,
        "published_at": at.to_rfc3339(),
        "external_id": "scheduled-1"
    });
    let file = site.path("scheduled.jsonl");
    write(&file, &format!("{line}\n"));
    let out = site.run(&["import", file.to_str().unwrap()]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        !server.get("/").body.contains("موعد النشر حان"),
        "not before its time"
    );
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        if server.get("/").body.contains("موعد النشر حان") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never published");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    assert!(
        chrono::Utc::now() >= at,
        "published at or after its time, not before"
    );
    server.stop();
}

fn wait_for_search(server: &Server, q: &str) -> serde_json::Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let r = server.get(&format!("/api/v1/search?q={q}"));
        if r.status == 200 {
            let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
            if json["total"].as_u64().unwrap_or(0) > 0 {
                return json;
            }
        }
        assert!(
            std::time::Instant::now() < deadline,
            "search never found «{q}»: {}",
            r.body
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

#[test]
fn search_finds_demo_articles_and_survives_bad_input() {
    let site = Site::new();
    let server = site.serve(&["--demo"]);
    // «انتخابات» finds «… قانون الانتخابات الجديد …» (the article and the prefix folded).
    let json = wait_for_search(&server, "انتخابات");
    let first = &json["results"][0];
    assert!(
        first["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("http://{}/article/", server.addr))
    );
    assert!(
        first["snippet"].as_str().unwrap().contains("<mark>"),
        "{first}"
    );
    assert!(first["published_at"].as_str().unwrap().ends_with("+00:00"));
    assert_eq!(json["page"], 1);

    let page = server.get("/search?q=انتخابات");
    assert_eq!(page.status, 200);
    assert!(page.body.contains("<mark>"));
    assert!(page.body.contains("class=\"search-count\""));
    assert!(page.body.contains("«<bdi>انتخابات</bdi>»"));

    // Unusable queries: the API says why, the page stays a page.
    for (q, code) in [
        ("", "empty_query"),
        ("%20-%20", "empty_query"),
        (&"ب".repeat(10_000), "query_too_long"),
    ] {
        let r = server.get(&format!("/api/v1/search?q={q}"));
        assert_eq!(r.status, 400, "{code}");
        assert!(
            r.body.contains(&format!("\"error\":\"{code}\"")),
            "{}",
            r.body
        );
        let p = server.get(&format!("/search?q={q}"));
        assert_eq!(p.status, 200, "page for {code}");
    }
    for bad in [
        "per_page=51",
        "page=0",
        "page=abc",
        "sort=random",
        "from=yesterday",
        "section=nowhere",
    ] {
        let r = server.get(&format!("/api/v1/search?q=الحكومة&{bad}"));
        assert_eq!(r.status, 400, "{bad}: {}", r.body);
    }
    for q in [
        "%3Cscript%3Ealert(1)%3C%2Fscript%3E",
        "%22غير%20مغلق",
        "%E2%80%AEالحكومة%07",
        "'%20OR%201%3D1%20--",
    ] {
        let p = server.get(&format!("/search?q={q}"));
        assert_eq!(p.status, 200, "{q}");
        assert!(
            !p.body.contains("<script>alert(1)"),
            "{q} is reflected escaped"
        );
        let r = server.get(&format!("/api/v1/search?q={q}"));
        assert!(r.status == 200 || r.status == 400, "{q}: {}", r.status);
    }
    let s = server.get("/api/v1/search/suggest?q=المجلس");
    assert_eq!(s.status, 200);
    assert!(s.body.contains("suggestions"));
    server.stop();
}

/// `midad reindex` rebuilds the index of a stopped site: every published article, its
/// choice of common stems kept with it, and the site serves from it at once.
#[test]
fn reindex_rebuilds_the_search_index_of_a_stopped_site() {
    let site = Site::new();
    let server = site.serve(&["--demo"]);
    let before = wait_for_search(&server, "انتخابات");
    server.stop();
    let out = site.run(&["reindex"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = stdout(&out);
    assert!(said.contains("search index rebuilt:"), "{said}");
    let stems = std::fs::read_to_string(site.data_dir().join("search/midad-common-stems.json"))
        .expect("the choice of common stems is kept with the index");
    assert!(stems.contains("\"complete\":true"), "{stems}");
    let server = site.serve(&[]);
    let after = server.get("/api/v1/search?q=انتخابات");
    assert_eq!(after.status, 200);
    let after: serde_json::Value = serde_json::from_str(&after.body).unwrap();
    assert_eq!(after["total"], before["total"]);
    assert_eq!(after["results"][0]["id"], before["results"][0]["id"]);
    server.stop();
}

//! The public site as a reader (or a feed reader, or a search engine) sees it: each page type
//! rendered from a fixture site, through the router and its page cache.

use axum::body::Body;
use axum::http::{HeaderMap, Request, StatusCode};
use chrono::{DateTime, Duration, TimeZone, Utc};
use midad_core::body::Block;
use midad_core::{Article, ArticleData, ArticleKind, Status};
use midad_store::{NewMedia, Store};
use midad_web::{App, WebConfig, router};
use std::sync::Arc;
use tower::ServiceExt;

const BASE: &str = "http://news.example";

struct Site {
    app: Arc<App>,
    router: axum::Router,
    store: Store,
    _dir: tempfile::TempDir,
    lead: Article,
    related_by_tag: Article,
    same_section: Article,
    recent_47h: Article,
    old_49h: Article,
    caricature: Article,
    draft: Article,
}

fn paragraph(text: &str) -> Vec<Block> {
    vec![Block::Paragraph { html: text.into() }]
}

async fn publish(store: &Store, data: ArticleData) -> Article {
    let mut tx = store.begin().await.unwrap();
    let a = tx.insert_article(data).await.unwrap();
    tx.commit().await.unwrap();
    a
}

async fn site_with(overrides: &[(&str, serde_json::Value)]) -> Site {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("midad.db").display());
    let store = Store::open(&url).await.unwrap();
    let media_dir = dir.path().join("media");
    std::fs::create_dir_all(media_dir.join("2024/11")).unwrap();
    std::fs::write(media_dir.join("2024/11/photo.png"), b"not really a png").unwrap();
    let now = Utc::now();
    let mut tx = store.begin().await.unwrap();
    let politics = tx.section_by_name_or_create("سياسة").await.unwrap();
    let economy = tx.section_by_name_or_create("اقتصاد").await.unwrap();
    let elections = tx.tag_by_name_or_create("الانتخابات").await.unwrap();
    let budget = tx.tag_by_name_or_create("الموازنة").await.unwrap();
    let sara = tx.author_by_name_or_create("سارة الحداد").await.unwrap();
    let photo = tx
        .insert_media(NewMedia {
            path: "2024/11/photo.png".into(),
            mime: "image/png".into(),
            width: Some(1200),
            height: Some(675),
            size: 16,
            alt: Some("قاعة البرلمان".into()),
            caption: Some("جلسة التصويت".into()),
            credit: Some("تصوير: ليلى".into()),
            variants: vec![320, 640, 1024],
        })
        .await
        .unwrap();
    tx.commit().await.unwrap();

    let article = |title: &str, hours_ago: i64| {
        let mut a = ArticleData::new(ArticleKind::Article, title);
        a.status = Status::Published;
        a.body = paragraph(&"كلمة ".repeat(450));
        a.published_at = Some(now - Duration::hours(hours_ago));
        a
    };
    let mut lead = article("الحكومة تعلن خطة جديدة للانتخابات", 1);
    lead.section_id = Some(politics.id);
    lead.tag_ids = vec![elections.id];
    lead.author_ids = vec![sara.id];
    lead.featured = true;
    lead.breaking = true;
    lead.image_id = Some(photo.id);
    lead.excerpt = Some("ملخص الخبر الرئيسي".into());
    lead.source = Some("وكالات".into());
    lead.subtitle = Some("تفاصيل الخطة في عشر نقاط".into());
    let lead = publish(&store, lead).await;
    let mut related_by_tag = article("البرلمان يناقش موعد الانتخابات", 5);
    related_by_tag.section_id = Some(economy.id);
    related_by_tag.tag_ids = vec![elections.id];
    let related_by_tag = publish(&store, related_by_tag).await;
    let mut same_section = article("وزير الخارجية يزور عمّان", 3);
    same_section.section_id = Some(politics.id);
    let same_section = publish(&store, same_section).await;
    let mut recent_47h = article("خبر من قبل يومين إلا ساعة", 47);
    recent_47h.section_id = Some(economy.id);
    let recent_47h = publish(&store, recent_47h).await;
    let mut old_49h = article("خبر من قبل يومين وساعة", 49);
    old_49h.section_id = Some(economy.id);
    let old_49h = publish(&store, old_49h).await;
    // 22 stories on the budget: two pages of a tag.
    for i in 0..22 {
        let mut a = article(&format!("الموازنة العامة: الحلقة {i}"), 100 + i);
        a.tag_ids = vec![budget.id];
        a.section_id = Some(economy.id);
        publish(&store, a).await;
    }
    let mut caricature = ArticleData::new(ArticleKind::Caricature, "الطابور الطويل");
    caricature.status = Status::Published;
    caricature.published_at = Some(now - Duration::hours(2));
    caricature.image_id = Some(photo.id);
    caricature.artist = Some("ناجي".into());
    let caricature = publish(&store, caricature).await;
    let mut about = ArticleData::new(ArticleKind::Page, "من نحن");
    about.status = Status::Published;
    about.slug = "about".into();
    about.body = paragraph("صحيفة مستقلة.");
    publish(&store, about).await;
    let mut draft = article("مسودة لم تنشر", 0);
    draft.status = Status::Draft;
    draft.section_id = Some(politics.id);
    let draft = publish(&store, draft).await;

    let mut site_overrides = std::collections::BTreeMap::new();
    site_overrides.insert("timezone".into(), serde_json::json!("Asia/Riyadh"));
    for (k, v) in overrides {
        site_overrides.insert(k.to_string(), v.clone());
    }
    let config = WebConfig {
        base_url: BASE.into(),
        media_dir,
        theme_dir: None,
        site_overrides,
        cache_bytes: midad_web::DEFAULT_CACHE_BYTES,
        mail: Default::default(),
        sitemap_urls: 0,
    };
    let app = App::new(store.clone(), config, None).unwrap();
    Site {
        router: router(app.clone()),
        app,
        store,
        _dir: dir,
        lead,
        related_by_tag,
        same_section,
        recent_47h,
        old_49h,
        caricature,
        draft,
    }
}

async fn site() -> Site {
    site_with(&[]).await
}

struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .map(|v| v.to_str().unwrap())
            .unwrap_or("")
    }
}

async fn request(site: &Site, req: Request<Body>) -> Page {
    let response = site.router.clone().oneshot(req).await.unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 24)
        .await
        .unwrap();
    Page {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).into_owned(),
    }
}

async fn get(site: &Site, path: &str) -> Page {
    request(site, Request::get(path).body(Body::empty()).unwrap()).await
}

/// The `<loc>` addresses of a sitemap or sitemap index.
fn sitemap_locs(xml: &str) -> Vec<String> {
    roxmltree::Document::parse(xml)
        .unwrap()
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text().map(str::to_string))
        .collect()
}

/// The path of the sitemap of an article's month, in the site's zone.
fn month_map(a: &Article) -> String {
    let local = a
        .data
        .published_at
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Riyadh);
    format!("/sitemaps/{}.xml", local.format("%Y-%m"))
}

fn url_of(a: &Article) -> String {
    format!("/article/{}/{}", a.id, a.data.slug)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            out.push(u8::from_str_radix(&s[i + 1..i + 3], 16).unwrap());
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// The text of the first JSON-LD block.
fn json_ld(body: &str) -> serde_json::Value {
    let start = body.find("<script type=\"application/ld+json\">").unwrap();
    let rest = &body[start + "<script type=\"application/ld+json\">".len()..];
    serde_json::from_str(&rest[..rest.find("</script>").unwrap()]).unwrap()
}

#[tokio::test]
async fn home_has_lead_ticker_caricature_most_read_and_newsletter() {
    let site = site().await;
    // Reads are counted on cache hits as on misses: three reads (one rendered, two from
    // the cache) put a story above one read twice, and bots are not counted.
    for _ in 0..3 {
        get(&site, &url_of(&site.same_section)).await;
    }
    assert_eq!(
        get(&site, &url_of(&site.same_section))
            .await
            .header("x-cache"),
        "hit"
    );
    for _ in 0..2 {
        get(&site, &url_of(&site.lead)).await;
    }
    for _ in 0..10 {
        let bot = Request::get(url_of(&site.related_by_tag))
            .header("user-agent", "Googlebot/2.1")
            .body(Body::empty())
            .unwrap();
        request(&site, bot).await;
    }
    site.app.reads.flush(&site.store).await.unwrap();
    let home = get(&site, "/").await;
    assert_eq!(home.status, StatusCode::OK);
    let body = &home.body;
    assert!(body.contains(r#"<html lang="ar" dir="rtl" data-digits="arab">"#));
    let lead = body.split("class=\"lead\"").nth(1).unwrap();
    assert!(
        lead.trim_start()
            .contains("الحكومة تعلن خطة جديدة للانتخابات")
    );
    let ticker = body.split("class=\"ticker\"").nth(1).unwrap();
    let ticker = &ticker[..ticker.find("</section>").unwrap()];
    assert!(ticker.contains("عاجل") && ticker.contains("الحكومة تعلن خطة جديدة"));
    assert!(!ticker.contains("وزير الخارجية"), "not flagged breaking");
    let cartoon = body.split("class=\"box caricature\"").nth(1).unwrap();
    assert!(cartoon.contains(">كاريكاتير</h2>") && cartoon.contains("الطابور الطويل"));
    assert!(cartoon.contains("بريشة: ناجي"));
    let most_read = body.split("class=\"box most-read\"").nth(1).unwrap();
    let most_read = &most_read[..most_read.find("</section>").unwrap()];
    let entries: Vec<&str> = most_read.split("<li>").skip(1).collect();
    assert_eq!(entries.len(), 2, "{most_read}");
    assert!(entries[0].contains("وزير الخارجية يزور عمّان"));
    assert!(entries[1].contains("الحكومة تعلن خطة جديدة"));
    let newsletter = body.split("class=\"box newsletter\"").nth(1).unwrap();
    assert!(newsletter.contains("النشرة الإخبارية"));
    assert!(newsletter.contains(r#"action="/newsletter/subscribe" method="post""#));
    assert!(newsletter.contains(r#"type="email""#));
    assert!(!body.contains("مسودة لم تنشر"), "drafts are not public");
    // Organization and WebSite with a search action.
    let ld = json_ld(body);
    let graph = ld["@graph"].as_array().unwrap();
    let website = graph.iter().find(|n| n["@type"] == "WebSite").unwrap();
    assert_eq!(
        website["potentialAction"]["target"]["urlTemplate"],
        format!("{BASE}/search?q={{search_term_string}}")
    );
    assert!(graph.iter().any(|n| n["@type"] == "NewsMediaOrganization"));
}

#[tokio::test]
async fn header_date_rolls_over_at_local_midnight_even_when_cached() {
    let site = site().await;
    // 23:59:30 in Riyadh (UTC+3) on Saturday 16 November 2024.
    let before: DateTime<Utc> = Utc.with_ymd_and_hms(2024, 11, 16, 20, 59, 30).unwrap();
    site.app.set_clock(Some(before));
    let first = get(&site, "/").await;
    assert!(
        first.body.contains("السبت ١٦ / نوفمبر / ٢٠٢٤"),
        "{}",
        &first.body[..2000]
    );
    assert!(first.body.contains(r#"<time datetime="2024-11-16">"#));
    let again = get(&site, "/").await;
    assert_eq!(again.header("x-cache"), "hit");
    // A shared cache may not keep it past midnight: 30 seconds are left.
    assert!(
        again
            .header("cache-control")
            .contains("s-maxage=30, stale-while-revalidate=0"),
        "{}",
        again.header("cache-control")
    );
    // 00:00:05 on Sunday the 17th: the cached page is not served.
    site.app.set_clock(Some(before + Duration::seconds(35)));
    let after = get(&site, "/").await;
    assert_eq!(after.header("x-cache"), "miss");
    assert!(after.body.contains("الأحد ١٧ / نوفمبر / ٢٠٢٤"));
}

#[tokio::test]
async fn hijri_date_beside_the_gregorian_when_asked() {
    let site = site_with(&[("hijri", serde_json::json!(true))]).await;
    site.app
        .set_clock(Some(Utc.with_ymd_and_hms(2024, 11, 16, 9, 0, 0).unwrap()));
    let home = get(&site, "/").await;
    let today = home.body.split("class=\"today\"").nth(1).unwrap();
    let today = &today[..today.find("</p>").unwrap()];
    assert!(today.contains("السبت ١٦ / نوفمبر / ٢٠٢٤"), "{today}");
    // 16 November 2024 is 14 Jumada al-Ula 1446 (Umm al-Qura).
    assert!(
        today.contains("class=\"hijri\"") && today.contains("١٤٤٦"),
        "{today}"
    );
}

#[tokio::test]
async fn article_page_for_readers_and_search_engines() {
    let site = site().await;
    let page = get(&site, &url_of(&site.lead)).await;
    assert_eq!(page.status, StatusCode::OK);
    let body = &page.body;
    // Breadcrumb: home › section.
    let crumbs = body.split("class=\"breadcrumb\"").nth(1).unwrap();
    let crumbs = &crumbs[..crumbs.find("</nav>").unwrap()];
    assert!(crumbs.contains(r#"<a href="/">الرئيسية</a>"#));
    assert!(crumbs.contains("سياسة"));
    assert!(crumbs.find("الرئيسية") < crumbs.find("سياسة"));
    assert!(body.contains("<h1 class=\"story-title\">الحكومة تعلن خطة جديدة للانتخابات</h1>"));
    assert!(body.contains("تفاصيل الخطة في عشر نقاط"));
    assert!(body.contains(r#"href="/author/"#) && body.contains("سارة الحداد"));
    assert!(body.contains("المصدر: وكالات"));
    // 450 words at 200 a minute: 3 minutes, in Arabic's plural for 3.
    assert!(body.contains("٣ دقائق"), "reading time");
    assert!(body.contains(r#"width="1200" height="675""#));
    // Responsive copies: WebP for browsers that take it, the original format otherwise.
    assert!(body.contains(
        r#"<source type="image/webp" srcset="/media/2024/11/photo-320w.webp 320w, /media/2024/11/photo-640w.webp 640w, /media/2024/11/photo-1024w.webp 1024w""#
    ));
    assert!(body.contains(
        r#"srcset="/media/2024/11/photo-320w.png 320w, /media/2024/11/photo-640w.png 640w, /media/2024/11/photo-1024w.png 1024w, /media/2024/11/photo.png 1200w""#
    ));
    assert!(body.contains("جلسة التصويت") && body.contains("تصوير: ليلى"));
    // Share links carry the absolute, percent-encoded address; no third-party script.
    assert!(body.contains("https://wa.me/?text="));
    assert!(body.contains("https://t.me/share/url?url=http%3A%2F%2Fnews.example%2Farticle%2F"));
    assert!(!body.contains("<script src=\"http"));
    // Related: the one sharing a tag first, then the same section.
    let related = body.split("class=\"related\"").nth(1).unwrap();
    let by_tag = related.find(&site.related_by_tag.data.title).unwrap();
    let by_section = related.find(&site.same_section.data.title).unwrap();
    assert!(by_tag < by_section);
    assert!(!related.contains(&site.draft.data.title));
    // OpenGraph and the canonical address.
    let canonical = format!("{BASE}{}", url_of(&site.lead));
    assert!(body.contains(&format!(r#"<link rel="canonical" href="{canonical}">"#)));
    assert!(body.contains(r#"<meta property="og:type" content="article">"#));
    assert!(body.contains(&format!(
        r#"<meta property="og:image" content="{BASE}/media/2024/11/photo.png">"#
    )));
    assert!(body.contains(r#"<meta name="twitter:card" content="summary_large_image">"#));
    // JSON-LD names this article, with zoned dates, authors with URLs and the publisher.
    let ld = json_ld(body);
    let graph = ld["@graph"].as_array().unwrap();
    let news = graph.iter().find(|n| n["@type"] == "NewsArticle").unwrap();
    assert_eq!(news["headline"], "الحكومة تعلن خطة جديدة للانتخابات");
    assert_eq!(news["mainEntityOfPage"], canonical.as_str());
    let published = news["datePublished"].as_str().unwrap();
    assert!(published.ends_with("+03:00"), "{published}");
    assert!(DateTime::parse_from_rfc3339(published).is_ok());
    assert_eq!(news["author"][0]["name"], "سارة الحداد");
    assert!(
        news["author"][0]["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{BASE}/author/"))
    );
    assert_eq!(news["publisher"]["name"], "مداد");
    assert_eq!(news["image"][0]["width"], 1200);
    let crumbs = graph
        .iter()
        .find(|n| n["@type"] == "BreadcrumbList")
        .unwrap();
    let items = crumbs["itemListElement"].as_array().unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[1]["name"], "سياسة");
}

#[tokio::test]
async fn wrong_slugs_redirect_and_unknown_things_are_not_found() {
    let site = site().await;
    let moved = get(&site, &format!("/article/{}/old-slug", site.lead.id)).await;
    assert_eq!(moved.status, StatusCode::MOVED_PERMANENTLY);
    let location = moved.header("location");
    assert!(location.is_ascii(), "{location}");
    assert_eq!(
        percent_decode(location),
        url_of(&site.lead),
        "the Arabic slug, percent-encoded"
    );
    let draft = get(&site, &url_of(&site.draft)).await;
    assert_eq!(draft.status, StatusCode::NOT_FOUND);
    assert!(draft.body.contains("الصفحة غير موجودة"));
    assert!(draft.body.contains("class=\"masthead\""), "themed 404");
    let long_path = format!("/article/{}", "9".repeat(3000));
    let long_query = format!("/?q={}", "x".repeat(62_000));
    let paths = [
        "/article/0/x",
        "/article/-3/x",
        "/article/abc",
        "/article/99999999999999999999999/x",
        "/article/123456789/x",
        "/section/لا-يوجد",
        "/tag/nothing",
        "/author/nobody",
        "/page/nothing",
        "/tag/الموازنة?page=0",
        "/tag/الموازنة?page=-1",
        "/tag/الموازنة?page=abc",
        "/tag/الموازنة?page=3",
        "/tag/الموازنة?page=99999999999999999999",
        "/caricature?page=2",
        "/section/سياسة/feed.txt",
        "/sitemaps/2024-13.xml",
        "/sitemaps/1999-01.xml",
        "/sitemaps/../../etc/passwd",
        "/%ff%fe",
        long_path.as_str(),
    ];
    for path in paths {
        let page = get(&site, path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!(
        get(&site, &long_query).await.status,
        StatusCode::BAD_REQUEST
    );
}

#[tokio::test]
async fn lists_paginate_with_arabic_plurals() {
    let site = site().await;
    let first = get(&site, "/tag/الموازنة").await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(first.body.contains("وسم: الموازنة"));
    // 22 is in Arabic's "many" form.
    assert!(first.body.contains("٢٢ مقالًا"), "plural");
    assert!(first.body.contains("الصفحة ١ من ٢"));
    assert!(first.body.contains("href=\"/tag/الموازنة?page=2\""));
    assert_eq!(first.body.matches("class=\"card\"").count(), 20);
    let second = get(&site, "/tag/الموازنة?page=2").await;
    assert_eq!(second.body.matches("class=\"card\"").count(), 2);
    assert!(second.body.contains("rel=\"prev\""));
    let section = get(&site, "/section/سياسة").await;
    assert!(section.body.contains("مقالان"), "two articles: the dual");
    assert!(section.body.contains("href=\"/section/سياسة/feed.xml\""));
    let author = get(&site, "/author/سارة-الحداد").await;
    assert_eq!(author.status, StatusCode::OK);
    assert!(author.body.contains("مقالات سارة الحداد") && author.body.contains("مقال واحد"));
    let cartoons = get(&site, "/caricature").await;
    assert!(cartoons.body.contains("class=\"caricature-grid\""));
    assert!(cartoons.body.contains(&site.caricature.data.title));
    let about = get(&site, "/page/about").await;
    assert!(about.body.contains("صحيفة مستقلة."));
    assert!(
        get(&site, "/").await.body.contains("href=\"/page/about\""),
        "footer"
    );
}

#[tokio::test]
async fn feeds_parse_and_follow_the_full_content_setting() {
    let site = site().await;
    let rss = get(&site, "/feed.xml").await;
    assert!(
        rss.header("content-type")
            .starts_with("application/rss+xml")
    );
    let doc = roxmltree::Document::parse(&rss.body).unwrap();
    let items: Vec<_> = doc
        .descendants()
        .filter(|n| n.has_tag_name("item"))
        .collect();
    assert_eq!(
        items.len(),
        27,
        "every published article, no draft, no page"
    );
    let first_title = items[0]
        .children()
        .find(|n| n.has_tag_name("title"))
        .unwrap()
        .text()
        .unwrap();
    assert_eq!(first_title, site.lead.data.title);
    assert!(
        rss.body.contains("content:encoded"),
        "full content by default"
    );
    let atom = get(&site, "/section/سياسة/atom.xml").await;
    let doc = roxmltree::Document::parse(&atom.body).unwrap();
    let entries = doc
        .descendants()
        .filter(|n| n.has_tag_name("entry"))
        .count();
    assert_eq!(entries, 2);
    let json = get(&site, "/tag/الانتخابات/feed.json").await;
    let feed: serde_json::Value = serde_json::from_str(&json.body).unwrap();
    assert_eq!(feed["version"], "https://jsonfeed.org/version/1.1");
    assert_eq!(feed["items"].as_array().unwrap().len(), 2);
    assert_eq!(feed["feed_url"], format!("{BASE}/tag/الانتخابات/feed.json"));

    let excerpt_only = site_with(&[("feed_full_content", serde_json::json!(false))]).await;
    let rss = get(&excerpt_only, "/feed.xml").await;
    assert!(!rss.body.contains("content:encoded"));
    assert!(rss.body.contains("ملخص الخبر الرئيسي"));
}

#[tokio::test]
async fn sitemaps_and_the_news_sitemap_window() {
    let site = site().await;
    let news = get(&site, "/news-sitemap.xml").await;
    let doc = roxmltree::Document::parse(&news.body).unwrap();
    let locs: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("loc"))
        .filter_map(|n| n.text())
        .collect();
    let abs = |a: &Article| format!("{BASE}{}", url_of(a));
    assert!(
        locs.contains(&abs(&site.recent_47h).as_str()),
        "47 hours old: in"
    );
    assert!(
        !locs.contains(&abs(&site.old_49h).as_str()),
        "49 hours old: out"
    );
    assert!(!locs.contains(&abs(&site.draft).as_str()));
    assert!(news.body.contains("<news:name>مداد</news:name>"));
    assert!(news.body.contains("<news:language>ar</news:language>"));

    let index = get(&site, "/sitemap.xml").await;
    let maps = sitemap_locs(&index.body);
    assert!(maps.contains(&format!("{BASE}/sitemaps/pages.xml")));
    // The lead sits in the sitemap of its month in the site's zone; no draft is anywhere.
    let lead_map = format!("{BASE}{}", month_map(&site.lead));
    assert!(maps.contains(&lead_map), "{maps:?}");
    let monthly = get(&site, lead_map.strip_prefix(BASE).unwrap()).await;
    assert_eq!(monthly.status, StatusCode::OK);
    assert!(monthly.body.contains(&abs(&site.lead)));
    for map in maps.iter().filter(|m| !m.ends_with("pages.xml")) {
        let body = get(&site, map.strip_prefix(BASE).unwrap()).await.body;
        assert!(!body.contains(&abs(&site.draft)), "{map}");
    }
    let pages = get(&site, "/sitemaps/pages.xml").await;
    assert!(pages.body.contains(&format!("{BASE}/page/about")));
    let robots = get(&site, "/robots.txt").await;
    assert!(
        robots
            .body
            .contains(&format!("Sitemap: {BASE}/sitemap.xml"))
    );
    assert!(robots.body.contains("Disallow: /admin/"));
}

#[tokio::test]
async fn a_month_past_the_per_file_limit_is_split_into_numbered_parts() {
    let site = site().await;
    // Three URLs per file instead of 50,000, so that eight stories make three parts.
    let config = WebConfig {
        sitemap_urls: 3,
        ..site.app.config.clone()
    };
    let app = App::new(site.store.clone(), config, None).unwrap();
    let split = Site {
        router: router(app.clone()),
        app,
        ..site
    };
    let riyadh = chrono_tz::Asia::Riyadh;
    let mut made = Vec::new();
    // March 2020 in Riyadh, the first one at 00:30 local time (still February in UTC).
    for i in 0..8 {
        let mut a = ArticleData::new(ArticleKind::Article, format!("أرشيف آذار {i}"));
        a.status = Status::Published;
        a.body = paragraph("نص");
        let local = riyadh
            .with_ymd_and_hms(2020, 3, 1 + (i as u32) * 3, 0, 30, 0)
            .unwrap();
        a.published_at = Some(local.with_timezone(&Utc));
        made.push(publish(&split.store, a).await);
    }
    // July 2019 holds two: it fits in one file.
    for i in 0..2 {
        let mut a = ArticleData::new(ArticleKind::Article, format!("أرشيف تموز {i}"));
        a.status = Status::Published;
        a.body = paragraph("نص");
        a.published_at = Some(Utc.with_ymd_and_hms(2019, 7, 10 + i, 9, 0, 0).unwrap());
        publish(&split.store, a).await;
    }
    let index = get(&split, "/sitemap.xml").await;
    let maps = sitemap_locs(&index.body);
    let parts: Vec<String> = (1..=3)
        .map(|n| format!("{BASE}/sitemaps/2020-03-{n}.xml"))
        .collect();
    for p in &parts {
        assert!(maps.contains(p), "{p} in {maps:?}");
    }
    assert!(!maps.contains(&format!("{BASE}/sitemaps/2020-03.xml")));
    assert!(!maps.contains(&format!("{BASE}/sitemaps/2020-03-4.xml")));
    assert!(!maps.iter().any(|m| m.contains("2020-02")), "{maps:?}");
    // The parts hold every story of the month once, in publication order.
    let mut seen = Vec::new();
    for (n, p) in parts.iter().enumerate() {
        let page = get(&split, p.strip_prefix(BASE).unwrap()).await;
        assert_eq!(page.status, StatusCode::OK, "{p}");
        let found = sitemap_locs(&page.body);
        assert_eq!(found.len(), if n < 2 { 3 } else { 2 }, "{p}");
        seen.extend(found);
    }
    let expected: Vec<String> = made
        .iter()
        .map(|a| format!("{BASE}{}", url_of(a)))
        .collect();
    assert_eq!(seen, expected);
    // One address per file: no whole file for a split month, no parts for one that fits,
    // nothing past the last part, no other spelling of a number.
    assert!(maps.contains(&format!("{BASE}/sitemaps/2019-07.xml")));
    for missing in [
        "/sitemaps/2020-03.xml".to_string(),
        "/sitemaps/2020-03-4.xml".into(),
        "/sitemaps/2020-03-0.xml".into(),
        "/sitemaps/2020-03-01.xml".into(),
        "/sitemaps/2020-03-1-1.xml".into(),
        "/sitemaps/2019-07-1.xml".into(),
    ] {
        assert_eq!(
            get(&split, &missing).await.status,
            StatusCode::NOT_FOUND,
            "{missing}"
        );
    }
    let july = get(&split, "/sitemaps/2019-07.xml").await;
    assert_eq!(july.status, StatusCode::OK);
    assert_eq!(july.body.matches("<loc>").count(), 2);
}

#[tokio::test]
async fn cache_answers_304_compresses_and_ignores_unused_query_strings() {
    let site = site().await;
    let first = get(&site, "/").await;
    assert_eq!(first.header("x-cache"), "miss");
    let etag = first.header("etag").to_string();
    assert!(first.header("surrogate-key").contains("home"));
    assert!(
        first
            .header("content-security-policy")
            .contains("script-src 'self' 'sha256-")
    );
    assert_eq!(first.header("x-content-type-options"), "nosniff");
    let conditional = request(
        &site,
        Request::get("/")
            .header("if-none-match", &etag)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(conditional.status, StatusCode::NOT_MODIFIED);
    assert!(conditional.body.is_empty());
    let br = request(
        &site,
        Request::get("/")
            .header("accept-encoding", "gzip, br")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(br.header("content-encoding"), "br");
    let gz = request(
        &site,
        Request::get("/")
            .header("accept-encoding", "gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(gz.header("content-encoding"), "gzip");
    let held = site.app.cache.len();
    for i in 0..1000 {
        let page = get(&site, &format!("/?utm_source=x{i}&page={i}&q=%D8%A7{i}")).await;
        assert_eq!(page.status, StatusCode::OK);
    }
    for i in 0..200 {
        get(&site, &format!("/tag/الموازنة?page={}", 3 + i * 7)).await;
    }
    assert_eq!(
        site.app.cache.len(),
        held,
        "random query strings add no entry"
    );
}

#[tokio::test]
async fn a_publish_reaches_every_cached_page_that_shows_it() {
    let site = site().await;
    let _tasks = site.app.spawn_background();
    let pages = [
        "/",
        "/section/سياسة",
        "/tag/الانتخابات",
        "/feed.xml",
        "/news-sitemap.xml",
    ];
    for p in pages {
        get(&site, p).await;
        assert_eq!(
            get(&site, p).await.header("x-cache"),
            "hit",
            "{p} is cached"
        );
    }
    let cached_other = get(&site, &url_of(&site.old_49h)).await;
    assert_eq!(
        get(&site, &url_of(&site.old_49h)).await.header("x-cache"),
        "hit"
    );
    let mut fresh = ArticleData::new(ArticleKind::Article, "انتخابات مبكرة في الخريف");
    fresh.status = Status::Published;
    fresh.body = paragraph("نص");
    fresh.section_id = site.lead.data.section_id;
    fresh.tag_ids = site.lead.data.tag_ids.clone();
    fresh.published_at = Some(Utc::now());
    publish(&site.store, fresh).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    for p in pages {
        loop {
            let page = get(&site, p).await;
            if page.body.contains("انتخابات مبكرة في الخريف") {
                break;
            }
            assert!(std::time::Instant::now() < deadline, "{p} still stale");
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
    // An unrelated article page was not purged.
    let other = get(&site, &url_of(&site.old_49h)).await;
    assert_eq!(other.header("x-cache"), "hit");
    assert_eq!(other.body, cached_other.body);
}

#[tokio::test]
async fn a_withdrawn_story_leaves_its_cached_sitemap_whose_key_is_one_word() {
    let site = site().await;
    let _tasks = site.app.spawn_background();
    let map = month_map(&site.lead);
    let lead = format!("{BASE}{}", url_of(&site.lead));
    assert!(get(&site, &map).await.body.contains(&lead));
    let cached = get(&site, &map).await;
    assert_eq!(cached.header("x-cache"), "hit");
    // Not a key per URL: a month's 50,000 would make a header no CDN takes.
    assert_eq!(cached.header("surrogate-key"), "sitemap latest");

    let mut withdrawn = site.lead.data.clone();
    withdrawn.status = Status::Draft;
    let mut tx = site.store.begin().await.unwrap();
    tx.update_article(site.lead.id, None, withdrawn)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while get(&site, &map).await.body.contains(&lead) {
        assert!(
            std::time::Instant::now() < deadline,
            "{map} still lists the draft"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn english_site_by_one_setting() {
    let site = site_with(&[
        ("locale", serde_json::json!("en")),
        ("digits", serde_json::json!("latn")),
    ])
    .await;
    let home = get(&site, "/").await;
    assert!(
        home.body
            .contains(r#"<html lang="en" dir="ltr" data-digits="latn">"#)
    );
    assert!(home.body.contains("Latest news") && home.body.contains("Newsletter"));
    assert!(home.body.contains(">Dark mode<"));
    let tag = get(&site, "/tag/الموازنة").await;
    assert!(tag.body.contains("22 articles") && tag.body.contains("Page 1 of 2"));
}

#[tokio::test]
async fn media_are_cached_for_a_year_and_the_icon_is_found() {
    let site = site().await;
    let image = get(&site, "/media/2024/11/photo.png").await;
    assert_eq!(image.status, StatusCode::OK);
    assert_eq!(
        image.header("cache-control"),
        "public, max-age=31536000, immutable"
    );
    let missing = get(&site, "/media/2024/11/nothing.png").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(!missing.header("cache-control").contains("immutable"));
    let icon = get(&site, "/favicon.ico").await;
    assert_eq!(icon.status, StatusCode::MOVED_PERMANENTLY);
    let svg = get(&site, icon.header("location")).await;
    assert!(svg.header("content-type").starts_with("image/svg+xml"));
}

#[tokio::test]
async fn every_ui_string_is_translated_on_every_page() {
    let locales =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../themes/default/locales");
    let ar = std::fs::read_to_string(locales.join("ar.toml")).unwrap();
    let keys: Vec<&str> = ar
        .lines()
        .filter_map(|l| l.split_once(" = ").map(|(k, _)| k.trim()))
        .filter(|k| k.chars().all(|c| c.is_ascii_lowercase() || c == '_') && k.contains('_'))
        .collect();
    assert!(keys.len() > 50, "{}", keys.len());
    for lang in ["ar", "en"] {
        let site = site_with(&[("locale", serde_json::json!(lang))]).await;
        let pages = [
            "/".to_string(),
            url_of(&site.lead),
            "/tag/الموازنة".into(),
            "/caricature".into(),
            "/page/about".into(),
            "/search?q=الحكومة".into(),
            "/search?q=كلمةلاتوجد".into(),
            "/admin/login".into(),
            "/nowhere".into(),
        ];
        for path in &pages {
            let body = get(&site, path).await.body;
            for key in &keys {
                assert!(
                    !body.contains(&format!(">{key}<")) && !body.contains(&format!("\"{key}\"")),
                    "{lang} {path}: untranslated «{key}»"
                );
            }
        }
    }
}

/// Readers asking at once for a page that is not cached (a breaking story just edited) get
/// one render between them: the others wait for it and are answered from the cache.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_requests_for_an_uncached_page_share_one_render() {
    let site = Arc::new(site().await);
    let misses = |metrics: &str| -> u64 {
        metrics
            .lines()
            .find_map(|l| l.strip_prefix("midad_page_cache_requests_total{result=\"miss\"} "))
            .unwrap()
            .trim()
            .parse()
            .unwrap()
    };
    let before = misses(&get(&site, "/metrics").await.body);
    let url = url_of(&site.lead);
    let readers: Vec<_> = (0..32)
        .map(|_| {
            let site = site.clone();
            let url = url.clone();
            tokio::spawn(async move { get(&site, &url).await })
        })
        .collect();
    let mut bodies = std::collections::HashSet::new();
    for r in readers {
        let page = r.await.unwrap();
        assert_eq!(page.status, StatusCode::OK);
        bodies.insert(page.body);
    }
    assert_eq!(bodies.len(), 1, "every reader got the same page");
    // /metrics is not a cacheable route: the cache does not look it up, so the only miss
    // is the article's.
    assert_eq!(
        misses(&get(&site, "/metrics").await.body) - before,
        1,
        "one render for 32 readers"
    );
}

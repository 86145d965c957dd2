//! The web skeleton through its router: theme overrides, static assets with hashed names,
//! health and metrics, the Arabic 404.

use axum::body::Body;
use axum::http::{Request, StatusCode};
use midad_store::Store;
use midad_web::{App, WebConfig, router};
use tower::ServiceExt;

async fn app(theme_dir: Option<std::path::PathBuf>) -> (axum::Router, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("midad.db").display());
    let store = Store::open(&url).await.unwrap();
    let config = WebConfig {
        base_url: "http://example.test".into(),
        media_dir: dir.path().join("media"),
        theme_dir,
        site_overrides: Default::default(),
        cache_bytes: midad_web::DEFAULT_CACHE_BYTES,
        mail: Default::default(),
        sitemap_urls: 0,
    };
    (router(App::new(store, config, None).unwrap()), dir)
}

async fn get(app: &axum::Router, path: &str) -> (StatusCode, axum::http::HeaderMap, String) {
    let response = app
        .clone()
        .oneshot(Request::get(path).body(Body::empty()).unwrap())
        .await
        .unwrap();
    let status = response.status();
    let headers = response.headers().clone();
    let bytes = axum::body::to_bytes(response.into_body(), 1 << 22)
        .await
        .unwrap();
    (status, headers, String::from_utf8_lossy(&bytes).to_string())
}

#[tokio::test]
async fn empty_site_home_is_arabic_and_rtl() {
    let (app, _dir) = app(None).await;
    let (status, _, body) = get(&app, "/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(r#"<html lang="ar" dir="rtl" data-digits="arab">"#));
    assert!(body.contains("لا توجد أخبار منشورة بعد"));
}

#[tokio::test]
async fn a_theme_folder_overrides_templates_and_css() {
    let theme = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(theme.path().join("templates")).unwrap();
    std::fs::create_dir_all(theme.path().join("static")).unwrap();
    std::fs::write(
        theme.path().join("templates/home.html"),
        "{% extends \"base.html\" %}{% block main %}<p>قالب مخصص</p>{% endblock %}",
    )
    .unwrap();
    std::fs::write(theme.path().join("static/style.css"), "body{color:red}").unwrap();
    let (app, _dir) = app(Some(theme.path().to_path_buf())).await;
    let (_, _, body) = get(&app, "/").await;
    assert!(body.contains("<p>قالب مخصص</p>"), "the override is used");
    assert!(
        body.contains("class=\"masthead\""),
        "the embedded base still applies"
    );
    let css_url = body
        .split("href=\"/static/")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    assert!(css_url.starts_with("style.") && css_url.ends_with(".css"));
    let (status, headers, css) = get(&app, &format!("/static/{css_url}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(css, "body{color:red}");
    assert!(
        headers["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    // An outdated hash points at the current file.
    let (status, headers, _) = get(&app, "/static/style.000000000000.css").await;
    assert_eq!(status, StatusCode::FOUND);
    assert_eq!(headers["location"], format!("/static/{css_url}").as_str());
}

#[tokio::test]
async fn health_metrics_and_not_found() {
    let (app, _dir) = app(None).await;
    let (status, _, body) = get(&app, "/healthz").await;
    assert_eq!((status, body.as_str()), (StatusCode::OK, "ok\n"));
    let (status, _, body) = get(&app, "/nowhere/at/all").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("الصفحة غير موجودة"));
    let (_, headers, body) = get(&app, "/metrics").await;
    assert!(
        headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );
    assert!(
        body.contains("midad_http_responses_total{class=\"4xx\"} 1"),
        "{body}"
    );
    assert!(body.contains("midad_build_info{"));
}

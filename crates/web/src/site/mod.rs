//! What readers see: the pages (home, articles, lists, caricatures, static pages), feeds
//! and sitemaps, the search page, the newsletter's public pages, the theme's static files,
//! and the old addresses that redirect. Every page here is rendered from the theme; those
//! the page cache may keep are declared so with their routes below.

pub(crate) mod assets;
pub(crate) mod feeds;
pub(crate) mod newsletter;
pub(crate) mod pages;
pub(crate) mod redirects;
pub(crate) mod search;
pub(crate) mod syndication;

use crate::http::cache::CachePolicy;
use crate::http::paths::PAGE;
use crate::http::routes::Routes;
use axum::routing::get;

/// One page whatever the query string holds.
const PAGE_ONLY: CachePolicy = CachePolicy::page();
/// A list: `?page=N` is another page.
const LIST: CachePolicy = CachePolicy::page().varying(&[PAGE]);
/// The home page, unless the query names an old WordPress link (`/?p=123`), which the home
/// route answers with that link's redirect.
const HOME: CachePolicy = CachePolicy::page().unless(redirects::names_old_link);

pub(crate) fn routes() -> Routes {
    Routes::new()
        .cached("/", get(pages::home), HOME)
        .route("/article/{id}", get(pages::article_without_slug))
        .cached("/article/{id}/{slug}", get(pages::article), PAGE_ONLY)
        .cached("/section/{slug}", get(pages::section), LIST)
        .cached("/tag/{slug}", get(pages::tag), LIST)
        .cached("/author/{slug}", get(pages::author), LIST)
        .cached("/caricature", get(pages::caricatures), LIST)
        .cached("/page/{slug}", get(pages::static_page), PAGE_ONLY)
        .cached("/feed.xml", get(feeds::site_feed), PAGE_ONLY)
        .cached("/atom.xml", get(feeds::site_feed), PAGE_ONLY)
        .cached("/feed.json", get(feeds::site_feed), PAGE_ONLY)
        .cached(
            "/section/{slug}/{file}",
            get(feeds::section_feed),
            PAGE_ONLY,
        )
        .cached("/tag/{slug}/{file}", get(feeds::tag_feed), PAGE_ONLY)
        .cached("/sitemap.xml", get(feeds::sitemap_index), PAGE_ONLY)
        .cached("/sitemaps/{file}", get(feeds::sitemap), PAGE_ONLY)
        .cached("/news-sitemap.xml", get(feeds::news_sitemap), PAGE_ONLY)
        .route("/robots.txt", get(feeds::robots))
        .route("/search", get(search::page))
        .route("/static/{file}", get(assets::static_file))
        .route("/favicon.ico", get(assets::favicon))
        .merge(newsletter::routes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The cache key of a request to the site, as the declarations above make it.
    fn key(path: &str, query: Option<&str>) -> Option<String> {
        let (_, table) = routes().into_parts();
        let policy = table.lookup(path)?;
        policy.key(path, query).map(|k| k.into_owned())
    }

    #[test]
    fn keys_ignore_unused_query_strings() {
        assert_eq!(key("/", Some("utm_source=x&fbclid=1")).unwrap(), "/");
        assert_eq!(key("/", Some("page=2")).unwrap(), "/");
        assert_eq!(
            key("/", Some("p=12")),
            None,
            "an old link is answered apart"
        );
        assert_eq!(key("/article/1/x", Some("a=b")).unwrap(), "/article/1/x");
        assert_eq!(key("/section/s", Some("page=1")).unwrap(), "/section/s");
        assert_eq!(
            key("/section/s", Some("x=1&page=03")).unwrap(),
            "/section/s?page=3"
        );
        assert_eq!(
            key("/caricature", Some("page=2")).unwrap(),
            "/caricature?page=2"
        );
        assert_eq!(key("/section/s", Some("page=-1")), None);
        assert_eq!(key("/section/s", Some("page=abc")), None);
        assert_eq!(
            key("/section/s/feed.xml", Some("page=2")).unwrap(),
            "/section/s/feed.xml"
        );
    }

    #[test]
    fn only_declared_routes_are_cacheable() {
        assert_eq!(key("/search", Some("q=x")), None);
        assert_eq!(key("/article/12", None), None);
        assert_eq!(key("/newsletter", None), None);
        assert_eq!(key("/static/site.css", None), None);
    }
}

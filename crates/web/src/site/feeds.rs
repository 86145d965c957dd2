//! Feeds (RSS 2.0, Atom, JSON Feed) for the site and each section and tag; sitemaps (an
//! index of monthly sitemaps and one of the other pages), the Google News sitemap and
//! `robots.txt`. Rendering is in `syndication`; this module gathers the data and marks the
//! answers cacheable.

use super::syndication::{
    self as syn, Enclosure, Feed, Item, NewsEntry, Person, SitemapRef, UrlEntry,
};
use crate::http::cache::Cacheable;
use crate::http::{App, WebError};
use crate::render::context::{Context, effective_settings, site_context};
use crate::render::helpers::names;
use crate::render::view::{self, Names};
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, FixedOffset, TimeZone, Utc};
use midad_core::{Article, ArticleKind, body};
use midad_store::{Also, ArticleQuery, Listing, Refresh};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Items in a feed.
const FEED_ITEMS: i64 = 30;
/// Length of a summary made from the body when there is no excerpt.
const SUMMARY_CHARS: usize = 280;

#[derive(Clone, Copy)]
enum Format {
    Rss,
    Atom,
    Json,
}

impl Format {
    fn parse(file: &str) -> Option<Format> {
        match file {
            "feed.xml" => Some(Format::Rss),
            "atom.xml" => Some(Format::Atom),
            "feed.json" => Some(Format::Json),
            _ => None,
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Rss => "application/rss+xml; charset=utf-8",
            Format::Atom => "application/atom+xml; charset=utf-8",
            Format::Json => "application/feed+json; charset=utf-8",
        }
    }
}

fn respond(content_type: &'static str, body: String, cacheable: Cacheable) -> Response {
    let mut response = (
        [
            (header::CONTENT_TYPE, content_type),
            (
                header::CACHE_CONTROL,
                "public, max-age=0, s-maxage=60, stale-while-revalidate=600",
            ),
        ],
        body,
    )
        .into_response();
    response.extensions_mut().insert(cacheable);
    response
}

fn local(ctx: &Context, t: DateTime<Utc>) -> DateTime<FixedOffset> {
    t.with_timezone(&ctx.locale.tz).fixed_offset()
}

/// Root-relative links and sources in a body made absolute, for readers off the site.
fn absolute_links(html: &str, base: &str) -> String {
    html.replace("src=\"/", &format!("src=\"{base}/"))
        .replace("href=\"/", &format!("href=\"{base}/"))
}

fn summary(a: &Article) -> Option<String> {
    a.data
        .excerpt
        .clone()
        .filter(|e| !e.trim().is_empty())
        .or_else(|| {
            let text = body::plain_text(&a.data.body);
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            let mut cut: String = text.chars().take(SUMMARY_CHARS).collect();
            if cut.len() < text.len() {
                cut.push('…');
            }
            Some(cut)
        })
}

fn item(a: &Article, names: &Names, ctx: &Context, full: bool) -> Item {
    let base = &ctx.site.base_url;
    let d = &a.data;
    let published = d.published_at.unwrap_or(a.created_at);
    let mut categories: Vec<String> = d
        .section_id
        .and_then(|id| names.sections.get(&id))
        .map(|s| s.name.clone())
        .into_iter()
        .collect();
    categories.extend(
        d.tag_ids
            .iter()
            .filter_map(|id| names.tags.get(id))
            .map(|t| t.name.clone()),
    );
    Item {
        id: a.id,
        url: format!("{base}{}", view::article_url(a)),
        title: d.title.clone(),
        summary: summary(a),
        content_html: full.then(|| absolute_links(&body::render_html(&d.body), base)),
        published: local(ctx, published),
        updated: local(ctx, d.updated_at.unwrap_or(published).max(published)),
        authors: d
            .author_ids
            .iter()
            .filter_map(|id| names.authors.get(id))
            .map(|au| Person {
                name: au.name.clone(),
                url: Some(format!("{base}/author/{}", au.slug)),
            })
            .collect(),
        categories,
        image: d
            .image_id
            .and_then(|id| names.media.get(&id))
            .map(|m| Enclosure {
                url: format!("{base}/media/{}", m.path),
                mime: m.mime.clone(),
                length: u64::try_from(m.size).ok(),
                width: m.width,
                height: m.height,
            }),
    }
}

async fn feed(
    app: &App,
    format: Format,
    listing: Listing,
    title: String,
    description: String,
    path: String,
    key: String,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    // The first page of the list the feed follows: read by its index like a list page.
    let list = app.store.list_head(listing, FEED_ITEMS, true).await?;
    let refs: Vec<&Article> = list.iter().collect();
    let names = names(app, &refs, &ctx).await?;
    let base = ctx.site.base_url.clone();
    let full = ctx.settings.feed_full_content;
    let items: Vec<Item> = list.iter().map(|a| item(a, &names, &ctx, full)).collect();
    let updated = items
        .iter()
        .map(|i| i.updated)
        .max()
        .unwrap_or_else(|| local(&ctx, Utc.timestamp_opt(0, 0).single().unwrap_or_default()));
    let feed = Feed {
        title,
        description,
        lang: ctx.site.lang.clone(),
        home_url: format!("{base}{path}"),
        feed_base: format!("{base}{}", path.trim_end_matches('/')),
        updated,
        icon_url: ctx.site.logo.as_ref().map(|l| format!("{base}{}", l.url)),
        generator: "Midad".into(),
        items,
    };
    let body = match format {
        Format::Rss => syn::rss(&feed),
        Format::Atom => syn::atom(&feed),
        Format::Json => syn::json_feed(&feed),
    };
    let cacheable = Cacheable::new(ctx.locale.tz)
        .key("feed")
        .key(key)
        .keys(list.iter().map(|a| format!("a{}", a.id)));
    Ok(respond(format.content_type(), body, cacheable))
}

pub(crate) async fn site_feed(
    State(app): State<Arc<App>>,
    uri: axum::http::Uri,
) -> Result<Response, WebError> {
    let file = uri.path().trim_start_matches('/');
    let format = Format::parse(file).ok_or(WebError::NotFound)?;
    let settings = effective_settings(&app.store, &app.config.site_overrides).await?;
    let query = Listing::Kind(ArticleKind::Article);
    feed(
        &app,
        format,
        query,
        settings.name.clone(),
        settings.tagline.clone(),
        "/".into(),
        "latest".into(),
    )
    .await
}

pub(crate) async fn section_feed(
    State(app): State<Arc<App>>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let format = Format::parse(&file).ok_or(WebError::NotFound)?;
    let settings = effective_settings(&app.store, &app.config.site_overrides).await?;
    let section = app
        .store
        .section_by_slug(&slug)
        .await?
        .ok_or(WebError::NotFound)?;
    let query = Listing::Section(section.id);
    feed(
        &app,
        format,
        query,
        format!("{} — {}", section.name, settings.name),
        section.description.clone().unwrap_or_default(),
        format!("/section/{}", section.slug),
        format!("s{}", section.id),
    )
    .await
}

pub(crate) async fn tag_feed(
    State(app): State<Arc<App>>,
    Path((slug, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let format = Format::parse(&file).ok_or(WebError::NotFound)?;
    let settings = effective_settings(&app.store, &app.config.site_overrides).await?;
    let tag = app
        .store
        .tag_by_slug(&slug)
        .await?
        .ok_or(WebError::NotFound)?;
    let query = Listing::Tag(tag.id);
    feed(
        &app,
        format,
        query,
        format!("{} — {}", tag.name, settings.name),
        String::new(),
        format!("/tag/{}", tag.slug),
        format!("t{}", tag.id),
    )
    .await
}

const XML: &str = "application/xml; charset=utf-8";

/// The sitemap protocol's limit of URLs per file.
const SITEMAP_MAX_URLS: i64 = 50_000;

/// Rows per read of the pass that counts the months.
const MONTHS_CHUNK: i64 = 10_000;

/// One month of publications in the site's zone: how many, and the newest change.
struct Month {
    year: i32,
    month: u32,
    count: i64,
    lastmod: DateTime<Utc>,
}

fn urls_per_file(app: &App) -> i64 {
    match app.config.sitemap_urls {
        0 => SITEMAP_MAX_URLS,
        n => (n as i64).min(SITEMAP_MAX_URLS),
    }
}

/// Every month with publications, oldest first: one pass over the archive (in chunks, by
/// index), kept between writes and read again behind the requests when it is stale.
async fn months(app: &App, tz: chrono_tz::Tz) -> Result<Arc<Vec<Month>>, WebError> {
    let key = format!("sitemap-months:{}", tz.name());
    Ok(app
        .store
        .kept(
            &key,
            Refresh::Behind,
            Also::Nothing,
            move |store| async move {
                let mut months: BTreeMap<(i32, u32), (i64, DateTime<Utc>)> = BTreeMap::new();
                for kind in [ArticleKind::Article, ArticleKind::Caricature] {
                    let mut after = None;
                    loop {
                        let chunk = store.publications_of(kind, after, MONTHS_CHUNK).await?;
                        for p in &chunk {
                            let l = p.published_at.with_timezone(&tz);
                            let last = p.modified_at.max(p.published_at);
                            let m = months.entry((l.year(), l.month())).or_insert((0, last));
                            m.0 += 1;
                            m.1 = m.1.max(last);
                        }
                        match chunk.last() {
                            Some(p) if chunk.len() as i64 == MONTHS_CHUNK => {
                                after = Some((p.published_at, p.id));
                            }
                            _ => break,
                        }
                    }
                }
                Ok(months
                    .into_iter()
                    .map(|((year, month), (count, lastmod))| Month {
                        year,
                        month,
                        count,
                        lastmod,
                    })
                    .collect::<Vec<_>>())
            },
        )
        .await?)
}

/// `/sitemap.xml`: one sitemap per month that has publications (in the site's zone; a
/// month past the per-file limit in numbered parts), and one for the other pages.
pub(crate) async fn sitemap_index(State(app): State<Arc<App>>) -> Result<Response, WebError> {
    let ctx = site_context(&app).await?;
    let base = &ctx.site.base_url;
    let months = months(&app, ctx.locale.tz).await?;
    let per_file = urls_per_file(&app);
    let newest = months.iter().map(|m| m.lastmod).max();
    let mut maps = vec![SitemapRef {
        loc: format!("{base}/sitemaps/pages.xml"),
        lastmod: newest.map(|t| local(&ctx, t)),
    }];
    for m in months.iter().rev() {
        let (y, mo) = (m.year, m.month);
        let lastmod = Some(local(&ctx, m.lastmod));
        if m.count <= per_file {
            maps.push(SitemapRef {
                loc: format!("{base}/sitemaps/{y:04}-{mo:02}.xml"),
                lastmod,
            });
        } else {
            let parts = (m.count + per_file - 1) / per_file;
            maps.extend((1..=parts).map(|n| SitemapRef {
                loc: format!("{base}/sitemaps/{y:04}-{mo:02}-{n}.xml"),
                lastmod,
            }));
        }
    }
    let cacheable = Cacheable::new(ctx.locale.tz).key("sitemap").key("latest");
    Ok(respond(XML, syn::sitemap_index(&maps), cacheable))
}

/// Which file of `/sitemaps/`: a month, a part of a month, or the other pages.
#[derive(Debug, PartialEq, Eq)]
enum SitemapFile {
    Pages,
    Month {
        year: i32,
        month: u32,
        part: Option<i64>,
    },
}

fn sitemap_file(file: &str) -> Option<SitemapFile> {
    let name = file.strip_suffix(".xml")?;
    if name == "pages" {
        return Some(SitemapFile::Pages);
    }
    let mut fields = name.split('-');
    let (y, m) = (fields.next()?, fields.next()?);
    let part = match fields.next() {
        None => None,
        Some(n) if !n.is_empty() && !n.starts_with('0') && n.len() <= 6 => {
            Some(n.parse::<i64>().ok()?)
        }
        Some(_) => return None,
    };
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if fields.next().is_some() || !digits(y, 4) || !digits(m, 2) {
        return None;
    }
    let month = m.parse::<u32>().ok().filter(|m| (1..=12).contains(m))?;
    Some(SitemapFile::Month {
        year: y.parse().ok()?,
        month,
        part,
    })
}

/// `/sitemaps/{yyyy}-{mm}.xml`, `/sitemaps/{yyyy}-{mm}-{n}.xml` (the parts of a month past
/// the per-file limit) and `/sitemaps/pages.xml`.
pub(crate) async fn sitemap(
    State(app): State<Arc<App>>,
    Path(file): Path<String>,
) -> Result<Response, WebError> {
    let which = sitemap_file(&file).ok_or(WebError::NotFound)?;
    let ctx = site_context(&app).await?;
    let base = ctx.site.base_url.clone();
    let cacheable = Cacheable::new(ctx.locale.tz).key("sitemap").key("latest");
    let (year, month, part) = match which {
        SitemapFile::Pages => return pages_sitemap(&app, &ctx, cacheable).await,
        SitemapFile::Month { year, month, part } => (year, month, part),
    };
    let months = months(&app, ctx.locale.tz).await?;
    let per_file = urls_per_file(&app);
    let count = months
        .iter()
        .find(|m| m.year == year && m.month == month)
        .map(|m| m.count)
        .ok_or(WebError::NotFound)?;
    // One address per file: a month that fits has no parts, a split one no whole file.
    let part = match (part, count > per_file) {
        (None, false) => 1,
        (Some(n), true) if n >= 1 && (n - 1) * per_file < count => n,
        _ => return Err(WebError::NotFound),
    };
    let tz = ctx.locale.tz;
    let start = tz
        .with_ymd_and_hms(year, month, 1, 0, 0, 0)
        .earliest()
        .ok_or(WebError::NotFound)?;
    let (ny, nm) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let end = tz
        .with_ymd_and_hms(ny, nm, 1, 0, 0, 0)
        .earliest()
        .ok_or(WebError::NotFound)?;
    let list = app
        .store
        .publications_between(
            start.with_timezone(&Utc),
            end.with_timezone(&Utc),
            (part - 1) * per_file,
            per_file,
        )
        .await?;
    if list.is_empty() {
        return Err(WebError::NotFound);
    }
    let image_ids: Vec<_> = list.iter().filter_map(|p| p.image_id).collect();
    let media: std::collections::HashMap<_, _> = app
        .store
        .media_by_ids(&image_ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m.path))
        .collect();
    let urls: Vec<UrlEntry> = list
        .iter()
        .map(|p| UrlEntry {
            loc: format!("{base}/article/{}/{}", p.id, p.slug),
            lastmod: Some(local(&ctx, p.modified_at)),
            images: p
                .image_id
                .and_then(|id| media.get(&id))
                .map(|path| format!("{base}/media/{path}"))
                .into_iter()
                .collect(),
        })
        .collect();
    Ok(respond(XML, syn::urlset(&urls), cacheable))
}

async fn pages_sitemap(
    app: &App,
    ctx: &Context,
    cacheable: Cacheable,
) -> Result<Response, WebError> {
    let base = &ctx.site.base_url;
    let store = &app.store;
    let url = |path: String| UrlEntry {
        loc: format!("{base}{path}"),
        lastmod: None,
        images: Vec::new(),
    };
    let mut urls = vec![url("/".into()), url("/caricature".into())];
    urls.extend(
        ctx.sections
            .iter()
            .map(|s| url(format!("/section/{}", s.slug))),
    );
    urls.extend(
        store
            .tags()
            .await?
            .iter()
            .map(|t| url(format!("/tag/{}", t.slug))),
    );
    urls.extend(
        store
            .authors()
            .await?
            .iter()
            .map(|a| url(format!("/author/{}", a.slug))),
    );
    for p in store
        .articles(&ArticleQuery::published(ArticleKind::Page, 0))
        .await?
    {
        urls.push(UrlEntry {
            lastmod: Some(local(ctx, p.modified_at)),
            ..url(format!("/page/{}", p.data.slug))
        });
    }
    Ok(respond(XML, syn::urlset(&urls), cacheable))
}

/// `/news-sitemap.xml`: what was published in the last 48 hours, at most 1,000 items.
pub(crate) async fn news_sitemap(State(app): State<Arc<App>>) -> Result<Response, WebError> {
    let ctx = site_context(&app).await?;
    let base = &ctx.site.base_url;
    let query = ArticleQuery {
        published_from: Some(syn::news_window(app.now())),
        ..ArticleQuery::published(ArticleKind::Article, syn::NEWS_MAX as i64)
    };
    let list = app.store.articles(&query).await?;
    let refs: Vec<&Article> = list.iter().collect();
    let names = names(&app, &refs, &ctx).await?;
    let entries: Vec<NewsEntry> = list
        .iter()
        .filter_map(|a| {
            Some(NewsEntry {
                loc: format!("{base}{}", view::article_url(a)),
                title: a.data.title.clone(),
                published: local(&ctx, a.data.published_at?),
                keywords: a
                    .data
                    .tag_ids
                    .iter()
                    .filter_map(|id| names.tags.get(id))
                    .map(|t| t.name.clone())
                    .collect(),
            })
        })
        .collect();
    // `sitemap` is made stale by every change of an article (see `stale_keys`).
    let cacheable = Cacheable::new(ctx.locale.tz).key("sitemap");
    let body = syn::news_sitemap(
        &ctx.site.name,
        &syn::news_language(&ctx.site.locale),
        &entries,
    );
    Ok(respond(XML, body, cacheable))
}

pub(crate) async fn robots(State(app): State<Arc<App>>) -> Response {
    (
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        syn::robots(&app.config.base_url),
    )
        .into_response()
}

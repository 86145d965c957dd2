//! The reader's pages: home, article, section, tag, author, the caricature archive, static
//! pages, and the error pages. Each is rendered from the theme and marked cacheable with the
//! surrogate keys of what it shows (see `http::cache`).

use super::redirects;
use crate::http::cache::Cacheable;
use crate::http::paths::{moved, page_number};
use crate::http::{App, WebError};
use crate::render::context::{Context, site_context};
use crate::render::helpers::{names, v};
use crate::render::seo;
use crate::render::view::{self, ArticleView, Names};
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{Html, IntoResponse, Response};
use chrono::Duration;
use midad_core::{Article, ArticleKind, Id, Status};
use midad_store::{Also, ArticleQuery, Listing, Refresh};
use minijinja::{Value, context};
use std::sync::Arc;

/// Items per page of a section, tag or author list.
pub(crate) const PER_PAGE: i64 = 20;
/// Caricatures per page of the archive grid.
const CARICATURES_PER_PAGE: i64 = 24;
fn views(list: &[Article], names: &Names, ctx: &Context) -> Vec<ArticleView> {
    list.iter()
        .map(|a| view::view(a, names, &ctx.locale, false))
        .collect()
}

fn article_keys(list: &[Article]) -> impl Iterator<Item = String> + '_ {
    list.iter().map(|a| format!("a{}", a.id))
}

/// What the ticker and the sidebar show on most pages.
struct Furniture {
    breaking: Vec<Article>,
    most_read: Vec<Article>,
    caricature: Option<Article>,
}

impl Furniture {
    /// Kept between writes and between counts of views (most read moves with views, not
    /// with the change log).
    async fn load(app: &App, ctx: &Context) -> Result<Arc<Furniture>, WebError> {
        let since = app.now() - Duration::hours(i64::from(ctx.settings.breaking_hours));
        // Most read over today and yesterday, in the site's days.
        let since_day = (app.now().with_timezone(&ctx.locale.tz) - Duration::days(1))
            .date_naive()
            .to_string();
        let key = format!("furniture:{since_day}");
        let kept = app
            .store
            .kept(&key, Refresh::Now, Also::Views, move |store| async move {
                let breaking = store
                    .articles(&ArticleQuery {
                        breaking: Some(true),
                        cards: true,
                        ..ArticleQuery::published(ArticleKind::Article, 5)
                    })
                    .await?;
                let ids = store.most_read(&since_day, 5).await?;
                let mut most_read = store.cards_by_ids(&ids).await?;
                most_read.sort_by_key(|a| ids.iter().position(|id| *id == a.id));
                let caricature = store
                    .list_head(Listing::Kind(ArticleKind::Caricature), 1, false)
                    .await?
                    .pop();
                Ok(Furniture {
                    breaking,
                    most_read,
                    caricature,
                })
            })
            .await?;
        // The ticker shows the last hours' breaking stories: an older one leaves it at once.
        if kept
            .breaking
            .iter()
            .all(|a| a.data.published_at.is_some_and(|t| t >= since))
        {
            return Ok(kept);
        }
        Ok(Arc::new(Furniture {
            breaking: kept
                .breaking
                .iter()
                .filter(|a| a.data.published_at.is_some_and(|t| t >= since))
                .cloned()
                .collect(),
            most_read: kept.most_read.clone(),
            caricature: kept.caricature.clone(),
        }))
    }

    fn articles(&self) -> impl Iterator<Item = &Article> {
        self.breaking
            .iter()
            .chain(self.most_read.iter())
            .chain(self.caricature.iter())
    }

    /// Ticker and sidebar articles: their pages' keys, and `breaking` / `kcaricature` so a
    /// new breaking story or cartoon reaches every page.
    fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.articles().map(|a| format!("a{}", a.id)).collect();
        keys.push("breaking".into());
        keys.push("kcaricature".into());
        keys
    }

    fn context(&self, names: &Names, ctx: &Context) -> Value {
        context! {
            breaking => v(&views(&self.breaking, names, ctx)),
            most_read => v(&views(&self.most_read, names, ctx)),
            caricature => v(&self.caricature.as_ref().map(|a| view::view(a, names, &ctx.locale, false))),
        }
    }
}

/// What the home page lists besides the furniture.
struct HomeLists {
    latest: Vec<Article>,
    featured: Vec<Article>,
    blocks: Vec<(midad_core::Section, Vec<Article>)>,
}

/// A rendered page with the headers a cacheable page carries even when it is not cached.
fn page(html: String, cacheable: Cacheable) -> Response {
    let mut response = (
        [(
            header::CACHE_CONTROL,
            "public, max-age=0, s-maxage=60, stale-while-revalidate=600",
        )],
        Html(html),
    )
        .into_response();
    response.extensions_mut().insert(cacheable);
    response
}

pub(crate) async fn home(
    State(app): State<Arc<App>>,
    method: axum::http::Method,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    // `/?p=123` and its kind are a moved site's old links, not the home page.
    if redirects::names_old_link(query.as_deref()) {
        return redirects::answer(&app, &method, "/", query.as_deref()).await;
    }
    let store = &app.store;
    let ctx = site_context(&app).await?;
    let furniture = Furniture::load(&app, &ctx).await?;
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .filter(|s| s.parent_id.is_none())
        .cloned()
        .collect();
    // The home page's lists are kept between writes, like the furniture.
    let lists: Arc<HomeLists> = store
        .kept(
            "home",
            Refresh::Now,
            Also::Nothing,
            move |store| async move {
                let latest = store
                    .list_head(Listing::Kind(ArticleKind::Article), 14, false)
                    .await?;
                let featured = store
                    .articles(&ArticleQuery {
                        featured: Some(true),
                        cards: true,
                        ..ArticleQuery::published(ArticleKind::Article, 5)
                    })
                    .await?;
                let mut blocks = Vec::new();
                for section in sections {
                    let list = store
                        .list_head(Listing::Section(section.id), 4, false)
                        .await?;
                    if !list.is_empty() {
                        blocks.push((section, list));
                    }
                }
                Ok(HomeLists {
                    latest,
                    featured,
                    blocks,
                })
            },
        )
        .await?;
    let (latest, featured) = (&lists.latest, &lists.featured);
    let section_blocks = &lists.blocks;
    // The lead is the newest featured story (else the newest); the other featured stories
    // are the top stories; latest news lists the rest.
    let lead = featured.first().or(latest.first()).cloned();
    let lead_id = lead.as_ref().map(|a| a.id);
    let top: Vec<Article> = featured
        .iter()
        .filter(|a| Some(a.id) != lead_id)
        .cloned()
        .collect();
    let shown: Vec<Id> = top.iter().map(|a| a.id).chain(lead_id).collect();
    let rest: Vec<Article> = latest
        .iter()
        .filter(|a| !shown.contains(&a.id))
        .take(10)
        .cloned()
        .collect();
    let mut all: Vec<&Article> = rest
        .iter()
        .chain(lead.iter())
        .chain(top.iter())
        .chain(furniture.articles())
        .collect();
    all.extend(section_blocks.iter().flat_map(|(_, l)| l.iter()));
    let names = names(&app, &all, &ctx).await?;
    let sections: Vec<_> = section_blocks
        .iter()
        .map(|(s, list)| {
            context! {
                name => s.name.clone(),
                url => format!("/section/{}", s.slug),
                articles => v(&views(list, &names, &ctx)),
            }
        })
        .collect();
    let mut cacheable = Cacheable::new(ctx.locale.tz)
        .key("home")
        .key("latest")
        .keys(furniture.keys())
        .keys(article_keys(&rest))
        .keys(article_keys(&top))
        .keys(lead.iter().map(|a| format!("a{}", a.id)));
    for (s, list) in section_blocks {
        cacheable = cacheable.key(format!("s{}", s.id)).keys(article_keys(list));
    }
    let json_ld = seo::home(&ctx);
    let html = app.theme.render(
        "home.html",
        context! {
            site => v(&ctx.site),
            lead => v(&lead.as_ref().map(|a| view::view(a, &names, &ctx.locale, false))),
            top => v(&views(&top, &names, &ctx)),
            latest => v(&views(&rest, &names, &ctx)),
            sections => sections,
            json_ld => Value::from_safe_string(json_ld),
            ..furniture.context(&names, &ctx)
        },
    )?;
    Ok(page(html, cacheable))
}

/// Ids are positive integers of a sane size; anything else is simply not found.
fn parse_id(raw: &str) -> Result<Id, WebError> {
    match raw.parse::<Id>() {
        Ok(id) if id > 0 => Ok(id),
        _ => Err(WebError::NotFound),
    }
}

async fn public_article(app: &App, raw_id: &str) -> Result<Article, WebError> {
    let id = parse_id(raw_id)?;
    match app.store.article(id).await? {
        Some(a) if a.data.status == Status::Published && a.data.kind != ArticleKind::Page => Ok(a),
        _ => Err(WebError::NotFound),
    }
}

pub(crate) async fn article_without_slug(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let a = public_article(&app, &id).await?;
    Ok(moved(&view::article_url(&a)))
}

pub(crate) async fn article(
    State(app): State<Arc<App>>,
    Path((id, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let a = public_article(&app, &id).await?;
    if slug != a.data.slug {
        // The canonical address wins: old or mistyped slugs still reach the story.
        return Ok(moved(&view::article_url(&a)));
    }
    let (html, cacheable) = render_article(&app, &a).await?;
    Ok(page(html, cacheable))
}

/// An article's page as readers see it (also the back office's preview of an unpublished
/// one), with the cache keys of what it shows.
pub(crate) async fn render_article(
    app: &App,
    a: &Article,
) -> Result<(String, Cacheable), WebError> {
    let store = &app.store;
    let ctx = site_context(app).await?;
    let furniture = Furniture::load(app, &ctx).await?;
    let related_ids = store
        .related(
            a.id,
            &a.data.tag_ids,
            a.data.published_at,
            a.data.section_id,
            4,
        )
        .await?;
    let mut related = store.cards_by_ids(&related_ids).await?;
    related.sort_by_key(|r| related_ids.iter().position(|id| *id == r.id));
    let all: Vec<&Article> = std::iter::once(a)
        .chain(related.iter())
        .chain(furniture.articles())
        .collect();
    let names = names(app, &all, &ctx).await?;
    let article = view::view(a, &names, &ctx.locale, true);
    let json_ld = seo::article(&ctx, a, &article, &names);
    let share = seo::share_links(&ctx.site.base_url, &article);
    let cacheable = Cacheable {
        article: (a.data.kind == ArticleKind::Article).then_some(a.id),
        ..Cacheable::new(ctx.locale.tz)
    }
    .key(format!("a{}", a.id))
    .keys(article_keys(&related))
    .keys(furniture.keys());
    let html = app.theme.render(
        "article.html",
        context! {
            site => v(&ctx.site),
            article => v(&article),
            related => v(&views(&related, &names, &ctx)),
            share => v(&share),
            json_ld => Value::from_safe_string(json_ld),
            ..furniture.context(&names, &ctx)
        },
    )?;
    Ok((html, cacheable))
}

pub(crate) async fn static_page(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
) -> Result<Response, WebError> {
    let store = &app.store;
    let Some(p) = store.article_by_slug(ArticleKind::Page, &slug).await? else {
        return Err(WebError::NotFound);
    };
    if p.data.status != Status::Published {
        return Err(WebError::NotFound);
    }
    let ctx = site_context(&app).await?;
    let furniture = Furniture::load(&app, &ctx).await?;
    let parent = match p.data.parent_id {
        Some(id) => store
            .article(id)
            .await?
            .filter(|x| x.data.status == Status::Published),
        None => None,
    };
    let all: Vec<&Article> = std::iter::once(&p).chain(furniture.articles()).collect();
    let names = names(&app, &all, &ctx).await?;
    let view = view::view(&p, &names, &ctx.locale, true);
    let parent = parent.map(|x| view::Link {
        url: view::article_url(&x),
        name: x.data.title,
    });
    let cacheable = Cacheable::new(ctx.locale.tz)
        .key(format!("a{}", p.id))
        .keys(furniture.keys());
    let html = app.theme.render(
        "page.html",
        context! {
            site => v(&ctx.site),
            page => v(&view),
            parent => v(&parent),
            ..furniture.context(&names, &ctx)
        },
    )?;
    Ok(page(html, cacheable))
}

#[derive(serde::Serialize)]
struct Pagination {
    page: i64,
    pages: i64,
    total: i64,
    prev: Option<String>,
    next: Option<String>,
}

fn pagination(base: &str, page: i64, total: i64, per_page: i64) -> Result<Pagination, WebError> {
    let pages = ((total + per_page - 1) / per_page).max(1);
    if page > pages {
        return Err(WebError::NotFound);
    }
    let url = |n: i64| {
        if n == 1 {
            base.to_string()
        } else {
            format!("{base}?page={n}")
        }
    };
    Ok(Pagination {
        page,
        pages,
        total,
        prev: (page > 1).then(|| url(page - 1)),
        next: (page < pages).then(|| url(page + 1)),
    })
}

/// Which list a list page shows.
enum ListOf {
    Section(String),
    Tag(String),
    Author(String),
}

async fn list_page(app: &App, of: ListOf, query: Option<&str>) -> Result<Response, WebError> {
    let page_no = page_number(query)?;
    let store = &app.store;
    let ctx = site_context(app).await?;
    let listing;
    let (kind, title, description, base, key, feed_base, parent, photo_id) = match &of {
        ListOf::Section(slug) => {
            let s = ctx
                .sections
                .iter()
                .find(|s| &s.slug == slug)
                .cloned()
                .ok_or(WebError::NotFound)?;
            listing = Listing::Section(s.id);
            let parent = s
                .parent_id
                .and_then(|p| ctx.sections.iter().find(|x| x.id == p))
                .map(|p| view::Link {
                    name: p.name.clone(),
                    url: format!("/section/{}", p.slug),
                });
            let base = format!("/section/{}", s.slug);
            (
                "section",
                s.name,
                s.description,
                base.clone(),
                format!("s{}", s.id),
                Some(base),
                parent,
                None,
            )
        }
        ListOf::Tag(slug) => {
            let t = store.tag_by_slug(slug).await?.ok_or(WebError::NotFound)?;
            listing = Listing::Tag(t.id);
            let base = format!("/tag/{}", t.slug);
            (
                "tag",
                t.name,
                None,
                base.clone(),
                format!("t{}", t.id),
                Some(base),
                None,
                None,
            )
        }
        ListOf::Author(slug) => {
            let a = store
                .author_by_slug(slug)
                .await?
                .ok_or(WebError::NotFound)?;
            listing = Listing::Author(a.id);
            (
                "author",
                a.name,
                a.bio,
                format!("/author/{}", a.slug),
                format!("u{}", a.id),
                None,
                None,
                a.photo_id,
            )
        }
    };
    let found = store
        .list_page(listing, page_no, PER_PAGE)
        .await?
        .ok_or(WebError::NotFound)?;
    let pages = pagination(&base, page_no, found.total, PER_PAGE)?;
    let list = found.articles;
    let furniture = Furniture::load(app, &ctx).await?;
    let all: Vec<&Article> = list.iter().chain(furniture.articles()).collect();
    let mut names = names(app, &all, &ctx).await?;
    let photo = match photo_id {
        Some(id) => store.media(id).await?.map(|m| {
            let url = format!("/media/{}", m.path);
            names.media.insert(m.id, m.clone());
            context! { url => url, width => m.width, height => m.height }
        }),
        None => None,
    };
    let cacheable = Cacheable::new(ctx.locale.tz)
        .key(key)
        .keys(article_keys(&list))
        .keys(furniture.keys());
    let html = app.theme.render(
        "list.html",
        context! {
            site => v(&ctx.site),
            kind => kind,
            title => title,
            description => description,
            url => base,
            photo => photo,
            parent => v(&parent),
            feed_base => feed_base,
            articles => v(&views(&list, &names, &ctx)),
            pagination => v(&pages),
            ..furniture.context(&names, &ctx)
        },
    )?;
    Ok(page(html, cacheable))
}

pub(crate) async fn section(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    list_page(&app, ListOf::Section(slug), query.as_deref()).await
}

pub(crate) async fn tag(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    list_page(&app, ListOf::Tag(slug), query.as_deref()).await
}

pub(crate) async fn author(
    State(app): State<Arc<App>>,
    Path(slug): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    list_page(&app, ListOf::Author(slug), query.as_deref()).await
}

pub(crate) async fn caricatures(
    State(app): State<Arc<App>>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    let page_no = page_number(query.as_deref())?;
    let store = &app.store;
    let ctx = site_context(&app).await?;
    let found = store
        .list_page(
            Listing::Kind(ArticleKind::Caricature),
            page_no,
            CARICATURES_PER_PAGE,
        )
        .await?
        .ok_or(WebError::NotFound)?;
    let pages = pagination("/caricature", page_no, found.total, CARICATURES_PER_PAGE)?;
    let list = found.articles;
    let all: Vec<&Article> = list.iter().collect();
    let names = names(&app, &all, &ctx).await?;
    let cacheable = Cacheable::new(ctx.locale.tz)
        .key("kcaricature")
        .keys(article_keys(&list));
    let html = app.theme.render(
        "caricatures.html",
        context! {
            site => v(&ctx.site),
            caricatures => v(&views(&list, &names, &ctx)),
            pagination => v(&pages),
        },
    )?;
    Ok(page(html, cacheable))
}

//! The public pages this skeleton serves: home, article, health. The full reader
//! experience (sections, tags, feeds, search) grows here.

use crate::site::{self, Locale};
use crate::view::{self, ArticleView, Names};
use crate::{App, WebError};
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{Duration, Utc};
use midad_core::{Article, ArticleKind, Id, Section, Status};
use midad_store::ArticleQuery;
use minijinja::{Value, context};
use std::collections::HashMap;
use std::sync::Arc;

/// How long a story flagged breaking stays in the ticker.
const BREAKING_HOURS: i64 = 12;

async fn names(app: &App, articles: &[&Article], sections: &[Section]) -> Result<Names, WebError> {
    let store = &app.store;
    let image_ids: Vec<i64> = articles.iter().filter_map(|a| a.data.image_id).collect();
    let media: HashMap<_, _> = store
        .media_by_ids(&image_ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(Names {
        sections: sections.iter().map(|s| (s.id, s.clone())).collect(),
        tags: store.tags().await?.into_iter().map(|t| (t.id, t)).collect(),
        authors: store
            .authors()
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect(),
        media,
    })
}

fn views(list: &[Article], names: &Names, locale: &Locale) -> Vec<ArticleView> {
    list.iter()
        .map(|a| view::view(a, names, locale, false))
        .collect()
}

pub(crate) async fn home(State(app): State<Arc<App>>) -> Result<Response, WebError> {
    let store = &app.store;
    let (locale, site, all_sections) = site::context(&app).await?;
    let latest = store
        .articles(&ArticleQuery::published(ArticleKind::Article, 13))
        .await?;
    let featured = store
        .articles(&ArticleQuery {
            featured: Some(true),
            ..ArticleQuery::published(ArticleKind::Article, 1)
        })
        .await?;
    let lead = featured
        .into_iter()
        .next()
        .or_else(|| latest.first().cloned());
    let lead_id = lead.as_ref().map(|a| a.id);
    let rest: Vec<Article> = latest
        .into_iter()
        .filter(|a| Some(a.id) != lead_id)
        .collect();
    let since = Utc::now() - Duration::hours(BREAKING_HOURS);
    let breaking: Vec<Article> = store
        .articles(&ArticleQuery {
            breaking: Some(true),
            ..ArticleQuery::published(ArticleKind::Article, 5)
        })
        .await?
        .into_iter()
        .filter(|a| a.data.published_at.is_some_and(|t| t >= since))
        .collect();
    let caricature = store
        .articles(&ArticleQuery::published(ArticleKind::Caricature, 1))
        .await?;
    let mut section_blocks = Vec::new();
    for section in all_sections.iter().filter(|s| s.parent_id.is_none()) {
        let list = store
            .articles(&ArticleQuery {
                section_id: Some(section.id),
                ..ArticleQuery::published(ArticleKind::Article, 4)
            })
            .await?;
        if !list.is_empty() {
            section_blocks.push((section, list));
        }
    }
    let mut all: Vec<&Article> = rest
        .iter()
        .chain(lead.iter())
        .chain(caricature.iter())
        .collect();
    all.extend(section_blocks.iter().flat_map(|(_, l)| l.iter()));
    let names = names(&app, &all, &all_sections).await?;
    let sections: Vec<_> = section_blocks
        .iter()
        .map(|(s, list)| {
            context! {
                name => s.name.clone(),
                url => format!("/section/{}", s.slug),
                articles => v(&views(list, &names, &locale)),
            }
        })
        .collect();
    let html = app.theme.render(
        "home.html",
        context! {
            site => v(&site),
            lead => v(&lead.as_ref().map(|a| view::view(a, &names, &locale, false))),
            latest => v(&views(&rest, &names, &locale)),
            breaking => v(&views(&breaking, &names, &locale)),
            caricature => v(&caricature.first().map(|a| view::view(a, &names, &locale, false))),
            sections => sections,
        },
    )?;
    Ok(page(html))
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
    Ok(Redirect::permanent(&view::article_url(&a)).into_response())
}

pub(crate) async fn article(
    State(app): State<Arc<App>>,
    Path((id, slug)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let a = public_article(&app, &id).await?;
    if slug != a.data.slug {
        // The canonical address wins: old or mistyped slugs still reach the story.
        return Ok(Redirect::permanent(&view::article_url(&a)).into_response());
    }
    let (locale, site, sections) = site::context(&app).await?;
    let names = names(&app, &[&a], &sections).await?;
    let article = view::view(&a, &names, &locale, true);
    let html = app.theme.render(
        "article.html",
        context! { site => v(&site), article => v(&article) },
    )?;
    Ok(page(html))
}

fn v<T: serde::Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

fn page(html: String) -> Response {
    (
        [(
            header::CACHE_CONTROL,
            "public, max-age=0, s-maxage=60, stale-while-revalidate=600",
        )],
        Html(html),
    )
        .into_response()
}

pub(crate) async fn healthz(State(app): State<Arc<App>>) -> Response {
    match app.store.latest_seq().await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check failed");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable\n").into_response()
        }
    }
}

pub(crate) async fn not_found() -> WebError {
    WebError::NotFound
}

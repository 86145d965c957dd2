//! Search for readers: the `/search` page, and the reading of a query's parameters that the
//! JSON API (`api::search`) shares. Bad queries never fail the page.

use crate::http::paths::encode_query;
use crate::http::{App, WebError};
use crate::render::context::{Locale, site_context};
use crate::render::view;
use axum::extract::{Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use midad_search::{Request, SearchError, Sort};
use minijinja::context;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::Arc;

/// Every parameter as text: a malformed one is reported, not a bare 400 from the extractor.
#[derive(Deserialize, Default)]
pub(crate) struct Params {
    #[serde(default)]
    q: String,
    page: Option<String>,
    per_page: Option<String>,
    section: Option<String>,
    from: Option<String>,
    to: Option<String>,
    sort: Option<String>,
}

const MAX_PAGE: usize = 1000;
const MAX_PER_PAGE: usize = 50;

/// A parameter problem: its stable code and what the reader is told.
pub(crate) struct Invalid(pub &'static str, pub &'static str);

pub(crate) struct Checked {
    pub request: Request,
    pub section_slug: Option<String>,
    pub sort: Sort,
}

fn date(
    value: &Option<String>,
    tz: chrono_tz::Tz,
    code: &'static str,
) -> Result<Option<DateTime<Utc>>, Invalid> {
    match value.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => {
            let day = NaiveDate::parse_from_str(v, "%Y-%m-%d")
                .map_err(|_| Invalid(code, "التاريخ غير صالح (الصيغة: YYYY-MM-DD)"))?;
            let midnight = day
                .and_hms_opt(0, 0, 0)
                .ok_or(Invalid(code, "التاريخ غير صالح"))?;
            Ok(tz
                .from_local_datetime(&midnight)
                .earliest()
                .map(|t| t.with_timezone(&Utc)))
        }
    }
}

pub(crate) async fn check(
    app: &App,
    p: &Params,
    locale: &Locale,
    default_per_page: usize,
) -> Result<Checked, Invalid> {
    let number = |v: &Option<String>,
                  default: usize,
                  max: usize,
                  code: &'static str|
     -> Result<usize, Invalid> {
        match v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
            None => Ok(default),
            Some(v) => match v.parse::<usize>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(Invalid(code, "رقم الصفحة غير صالح")),
            },
        }
    };
    let page = number(&p.page, 1, MAX_PAGE, "invalid_page")?;
    let per_page = number(
        &p.per_page,
        default_per_page,
        MAX_PER_PAGE,
        "invalid_per_page",
    )?;
    let sort = match p.sort.as_deref().unwrap_or("relevance") {
        "relevance" | "" => Sort::Relevance,
        "newest" => Sort::Newest,
        _ => return Err(Invalid("invalid_sort", "الترتيب غير معروف")),
    };
    let section_slug = p.section.clone().filter(|s| !s.trim().is_empty());
    let section_id = match &section_slug {
        None => None,
        Some(slug) => Some(
            app.store
                .section_by_slug(slug)
                .await
                .ok()
                .flatten()
                .ok_or(Invalid("unknown_section", "القسم غير موجود"))?
                .id,
        ),
    };
    let from = date(&p.from, locale.tz, "invalid_from")?;
    // `to` names a day: include all of it.
    let to = date(&p.to, locale.tz, "invalid_to")?.map(|t| t + chrono::Duration::days(1));
    Ok(Checked {
        request: Request {
            query: p.q.clone(),
            page,
            per_page,
            section_id,
            from,
            to,
            sort,
        },
        section_slug,
        sort,
    })
}

/// Article facts the index does not keep: URL and section name, for a page of hits.
pub(crate) async fn enrich(
    app: &App,
    ids: &[i64],
) -> Result<HashMap<i64, (String, Option<String>)>, WebError> {
    let sections: HashMap<i64, String> = app
        .store
        .sections()
        .await?
        .into_iter()
        .map(|s| (s.id, s.name))
        .collect();
    Ok(app
        .store
        .articles_by_ids(ids)
        .await?
        .into_iter()
        .map(|a| {
            let section = a.data.section_id.and_then(|s| sections.get(&s).cloned());
            (a.id, (view::article_url(&a), section))
        })
        .collect())
}

/// Runs index work off the async threads. A refused query comes back as `Ok(Err(..))` for
/// the caller to present; anything else is an internal error.
pub(crate) async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, SearchError> + Send + 'static,
) -> Result<Result<T, midad_search::QueryError>, WebError> {
    match tokio::task::spawn_blocking(work).await {
        Ok(Ok(value)) => Ok(Ok(value)),
        Ok(Err(SearchError::Query(e))) => Ok(Err(e)),
        Ok(Err(e)) => Err(WebError::Internal(e.to_string())),
        Err(e) => Err(WebError::Internal(e.to_string())),
    }
}

#[derive(Serialize)]
struct PageHit {
    title_html: String,
    snippet_html: String,
    url: String,
    section: Option<String>,
    published: Option<String>,
    published_iso: Option<String>,
}

pub(crate) async fn page(
    State(app): State<Arc<App>>,
    Query(p): Query<Params>,
) -> Result<Response, WebError> {
    let ctx = site_context(&app).await?;
    let locale = &ctx.locale;
    let site = &ctx.site;
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .map(|s| context! { slug => s.slug.clone(), name => s.name.clone() })
        .collect();
    let mut problem: Option<&str> = None;
    let mut hits = Vec::new();
    let mut total = 0;
    let mut page_no = 1;
    let mut per_page = 10;
    let mut section_slug = None;
    let mut sort = "relevance";
    let query = p.q.trim().to_string();
    match check(&app, &p, locale, 10).await {
        Err(Invalid(_, msg)) => problem = Some(msg),
        Ok(checked) => {
            page_no = checked.request.page;
            per_page = checked.request.per_page;
            section_slug = checked.section_slug.clone();
            if checked.sort == Sort::Newest {
                sort = "newest";
            }
            match (&app.search, query.is_empty()) {
                (_, true) => {}
                (None, false) => problem = Some("البحث غير متاح الآن، حاول بعد قليل"),
                (Some(index), false) => {
                    let index = index.clone();
                    let request = checked.request;
                    match blocking(move || index.search(&request)).await? {
                        Ok(results) => {
                            total = results.total;
                            let ids: Vec<i64> = results.hits.iter().map(|h| h.id).collect();
                            let facts = enrich(&app, &ids).await?;
                            hits = results
                                .hits
                                .into_iter()
                                .filter_map(|h| {
                                    let (url, section) = facts.get(&h.id)?.clone();
                                    Some(PageHit {
                                        title_html: h.title_html,
                                        snippet_html: h.snippet_html,
                                        url,
                                        section,
                                        published: h.published_at.map(|t| locale.date_time(t)),
                                        published_iso: h.published_at.map(|t| locale.iso(t)),
                                    })
                                })
                                .collect();
                        }
                        Err(e) => problem = Some(e.message_ar()),
                    }
                }
            }
        }
    }
    let pages = total.div_ceil(per_page.max(1)).min(MAX_PAGE);
    let link = |n: usize| {
        let mut qs = vec![("q", query.clone()), ("page", n.to_string())];
        if let Some(s) = &section_slug {
            qs.push(("section", s.clone()));
        }
        if sort == "newest" {
            qs.push(("sort", "newest".into()));
        }
        for (key, value) in [("from", &p.from), ("to", &p.to)] {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                qs.push((key, v.clone()));
            }
        }
        format!("/search?{}", encode_query(&qs))
    };
    let (prev_url, next_url) = (
        (page_no > 1).then(|| link(page_no - 1)),
        (page_no < pages).then(|| link(page_no + 1)),
    );
    let html = app.theme.render(
        "search.html",
        context! {
            site => minijinja::Value::from(minijinja::value::Serde(&site)),
            query => query,
            problem => problem,
            total => midad_arabic::format_number(total as i64, locale.digits),
            count => total,
            hits => minijinja::Value::from(minijinja::value::Serde(&hits)),
            sections => sections,
            section => section_slug,
            sort => sort,
            from => p.from.clone().unwrap_or_default(),
            to => p.to.clone().unwrap_or_default(),
            prev_url => prev_url,
            next_url => next_url,
            page => midad_arabic::format_number(page_no as i64, locale.digits),
            pages => midad_arabic::format_number(pages as i64, locale.digits),
        },
    )?;
    // Search pages are personal to the query: caches may keep them briefly, robots not at all.
    Ok((
        [
            (
                axum::http::header::CACHE_CONTROL,
                "public, max-age=0, s-maxage=30",
            ),
            (
                axum::http::HeaderName::from_static("x-robots-tag"),
                "noindex",
            ),
        ],
        Html(html),
    )
        .into_response())
}

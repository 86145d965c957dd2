//! The article list of the back office: filtered and paged in the database, searched by
//! title, with bulk actions (publish, unpublish, submit, delete) checked item by item
//! against the role before anything is written; and the name suggestions of the tags and
//! authors fields.

use super::roles::{allowed, may_apply, not_allowed};
use super::screen::page_of;
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{TimeZone, Utc};
use midad_core::{Action, Status};
use midad_store::{ArticleQuery, StoreError};
use minijinja::context;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

/// Items per page of the article list.
const LIST_PAGE: i64 = 30;

#[derive(Deserialize, Default)]
pub(crate) struct ListParams {
    status: Option<String>,
    section: Option<String>,
    author: Option<String>,
    /// `YYYY-MM-DD`, published on or after that day (the site's time zone).
    from: Option<String>,
    /// `YYYY-MM-DD`, published on or before that day.
    to: Option<String>,
    q: Option<String>,
    page: Option<String>,
    /// How many items the bulk action just changed.
    done: Option<String>,
}

/// The start of a local day, in UTC; `None` for a date that does not parse.
fn day_start(tz: chrono_tz::Tz, day: &str) -> Option<chrono::DateTime<Utc>> {
    let d = chrono::NaiveDate::parse_from_str(day.trim(), "%Y-%m-%d").ok()?;
    tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// A title search counts its matches up to this many (and pages through them).
const SEARCH_COUNT_CAP: i64 = 10_000;

/// The article list: filtered and paged in the database. A title search compares the
/// folded title the store keeps beside each title (أ/ا, ة/ه, diacritics), in the database.
pub(crate) async fn list(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    let ctx = site_context(&app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&ctx.site.locale, key, None, ctx.locale.digits)
    };
    let mut problems = Vec::new();
    let status = p.status.as_deref().and_then(Status::parse);
    let section_id = p
        .section
        .as_deref()
        .and_then(|s| s.parse::<i64>().ok())
        .filter(|id| ctx.sections.iter().any(|s| s.id == *id));
    let page: i64 = p
        .page
        .as_deref()
        .and_then(|n| n.parse().ok())
        .filter(|n| (1..=10_000).contains(n))
        .unwrap_or(1);
    let bylines = app.store.authors().await?;
    let everyone = allowed(&user, Action::EditAny);
    let author_id = if everyone {
        p.author
            .as_deref()
            .and_then(|s| s.parse::<i64>().ok())
            .filter(|id| bylines.iter().any(|a| a.id == *id))
    } else {
        // Authors and contributors see their own work only.
        Some(user.session.user.author_id.unwrap_or(-1))
    };
    let mut day = |value: &Option<String>| match value.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(d) => {
            let start = day_start(ctx.locale.tz, d);
            if start.is_none() {
                problems.push(say("editor_bad_date"));
            }
            start
        }
    };
    let from = day(&p.from);
    let until = day(&p.to).map(|t| t + chrono::Duration::days(1));
    let q = ArticleQuery {
        status,
        section_id,
        author_id,
        published_from: from,
        published_until: until,
        order: midad_store::Order::Latest,
        limit: LIST_PAGE,
        offset: (page - 1) * LIST_PAGE,
        ..Default::default()
    };
    let needle = p.q.as_deref().map(str::trim).unwrap_or("");
    let (total, items) = if needle.is_empty() {
        (
            app.store.count_articles(&q).await?,
            app.store.articles(&q).await?,
        )
    } else {
        // Matches newest first, read until the page is full; counted up to a bound, so a
        // common word does not count through the whole archive.
        let q = ArticleQuery {
            title_contains: Some(needle.to_string()),
            ..q
        };
        (
            app.store.count_articles_upto(&q, SEARCH_COUNT_CAP).await?,
            app.store.articles(&q).await?,
        )
    };
    let names: HashMap<i64, &str> = bylines.iter().map(|a| (a.id, a.name.as_str())).collect();
    let shown: Vec<_> = items
        .iter()
        .map(|a| {
            context! {
                id => a.id,
                title => a.data.title.clone(),
                kind => a.data.kind.as_str(),
                status => a.data.status.as_str(),
                authors => a.data.author_ids.iter().filter_map(|id| names.get(id).copied()).collect::<Vec<_>>().join("، "),
                modified => ctx.locale.date_time(a.modified_at),
            }
        })
        .collect();
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .map(|s| context! { id => s.id, name => s.name.clone() })
        .collect();
    let authors: Vec<_> = if everyone {
        bylines
            .iter()
            .map(|a| context! { id => a.id, name => a.name.clone() })
            .collect()
    } else {
        Vec::new()
    };
    // The filters as a query string, for the pagination links.
    let kept: Vec<(&str, String)> = [
        ("q", p.q.clone()),
        ("status", status.map(|s| s.as_str().to_string())),
        ("section", section_id.map(|id| id.to_string())),
        (
            "author",
            author_id.filter(|_| everyone).map(|id| id.to_string()),
        ),
        ("from", from.and(p.from.clone())),
        ("to", until.and(p.to.clone())),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.filter(|v| !v.trim().is_empty()).map(|v| (k, v)))
    .collect();
    let mut filter_qs = crate::http::paths::encode_query(&kept);
    if !filter_qs.is_empty() {
        filter_qs.push('&');
    }
    page_of(
        &app,
        StatusCode::OK,
        "admin/articles.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            items => shown,
            total => total,
            page => page,
            pages => ((total + LIST_PAGE - 1) / LIST_PAGE).max(1),
            sections => sections,
            authors => authors,
            problems => problems,
            statuses => Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            filter => context! {
                status => p.status, section => section_id, author => author_id.filter(|_| everyone),
                from => p.from, to => p.to, q => p.q,
            },
            filter_qs => filter_qs,
            done => p.done.as_deref().and_then(|n| n.parse::<i64>().ok()),
            bulk => bulk_actions(&user),
        },
    )
}

/// The bulk actions of the article list this person may ask for; each picked item is still
/// checked against the role before anything is written.
fn bulk_actions(user: &CurrentUser) -> Vec<&'static str> {
    let mut actions = Vec::new();
    if allowed(user, Action::PublishAny) || allowed(user, Action::PublishOwn) {
        actions.extend(["publish", "unpublish"]);
    }
    if allowed(user, Action::SubmitForReview) {
        actions.push("submit");
    }
    if allowed(user, Action::EditOwn) {
        actions.push("delete");
    }
    actions
}

/// The list's bulk form: `csrf`, `action`, `confirm` and one `pick-{id}` per ticked item.
#[derive(Deserialize)]
#[serde(transparent)]
pub(crate) struct BulkForm(HashMap<String, String>);

impl HasCsrf for BulkForm {
    fn csrf(&self) -> &str {
        self.0.get("csrf").map(String::as_str).unwrap_or("")
    }
}

/// Publishes, unpublishes, submits or deletes the ticked items, all or none: every item is
/// checked first (a refusal names the items and changes nothing), then all are written in
/// one transaction, each with its revision. Deleting asks for a confirmation first.
pub(crate) async fn bulk(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<BulkForm>,
) -> Result<Response, WebError> {
    let action = form.0.get("action").map(String::as_str).unwrap_or("");
    if !bulk_actions(&user).contains(&action) {
        return not_allowed(&app).await;
    }
    let mut ids: Vec<i64> = form
        .0
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .filter_map(|(k, _)| k.strip_prefix("pick-")?.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let ctx = site_context(&app).await?;
    let say = |key: &str, n: Option<i64>| {
        app.theme
            .translate(&ctx.site.locale, key, n, ctx.locale.digits)
    };
    let mut items = app.store.articles_by_ids(&ids).await?;
    items.sort_by_key(|a| std::cmp::Reverse(a.id));
    let page = |status: StatusCode, problem: Option<String>, confirm: bool| {
        page_of(
            &app,
            status,
            "admin/bulk.html",
            context! {
                site => v(&ctx.site),
                csrf => user.session.csrf.clone(),
                action => action,
                problem => problem,
                confirm => confirm,
                items => items.iter().map(|a| context! {
                    id => a.id,
                    title => a.data.title.clone(),
                    status => a.data.status.as_str(),
                    refused => !may_apply(&user, action, a),
                }).collect::<Vec<_>>(),
            },
        )
    };
    if ids.is_empty() {
        return page(
            StatusCode::UNPROCESSABLE_ENTITY,
            Some(say("editor_bulk_none", None)),
            false,
        );
    }
    if items.len() != ids.len() {
        return page(
            StatusCode::CONFLICT,
            Some(say("editor_bulk_gone", None)),
            false,
        );
    }
    if items.iter().any(|a| !may_apply(&user, action, a)) {
        return page(
            StatusCode::FORBIDDEN,
            Some(say("editor_bulk_refused", None)),
            false,
        );
    }
    if action == "delete" && form.0.get("confirm").map(String::as_str) != Some("yes") {
        return page(StatusCode::OK, None, true);
    }
    let now = app.now();
    let mut tx = app.store.begin().await?;
    let mut changed = Vec::new();
    for a in &items {
        if action == "delete" {
            tx.delete_article(a.id).await?;
            changed.push((a.id, "article_deleted"));
            continue;
        }
        let from = a.data.status;
        let to = match (action, from) {
            ("publish", Status::Published) => continue,
            ("publish", _) => Status::Published,
            ("unpublish", Status::Published | Status::Scheduled) => Status::Draft,
            ("submit", Status::Draft) => Status::Pending,
            _ => continue,
        };
        let mut data = a.data.clone();
        data.status = to;
        if to == Status::Published {
            data.published_at = Some(now);
        }
        let saved = match tx.update_article(a.id, Some(a.version), data).await {
            Ok(saved) => saved,
            Err(StoreError::Conflict { .. }) => {
                drop(tx);
                return page(
                    StatusCode::CONFLICT,
                    Some(say("editor_bulk_gone", None)),
                    false,
                );
            }
            Err(StoreError::Invalid(v)) => {
                drop(tx);
                let why: Vec<&str> = v.0.iter().map(|e| e.code.message_ar()).collect();
                return page(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    Some(format!("«{}»: {}", a.data.title, why.join(" "))),
                    false,
                );
            }
            Err(e) => return Err(e.into()),
        };
        tx.insert_revision(&saved, Some(user.session.user.id))
            .await?;
        changed.push((
            a.id,
            match to {
                Status::Published => "article_published",
                Status::Pending => "article_pending",
                _ => "article_draft",
            },
        ));
    }
    tx.commit().await?;
    for (id, what) in &changed {
        app.store
            .audit(
                Some(user.session.user.id),
                what,
                &format!("article {id}"),
                user.ip.as_deref(),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("/admin/articles?done={}", changed.len())).into_response())
}

#[derive(Deserialize)]
pub(crate) struct SuggestParams {
    #[serde(default)]
    q: String,
}

/// Up to ten names that contain what was typed (Arabic folding), those that start with it
/// first: the autocomplete of the tags and authors fields.
fn suggestions<'a>(names: impl Iterator<Item = &'a str>, typed: &str) -> Vec<&'a str> {
    let folded = midad_arabic::normalize(typed.trim());
    if folded.is_empty() {
        return Vec::new();
    }
    let mut found: Vec<(bool, &str)> = names
        .filter_map(|name| {
            let key = midad_arabic::normalize(name);
            key.contains(&folded)
                .then(|| (!key.starts_with(&folded), name))
        })
        .collect();
    found.sort();
    found.dedup();
    found.into_iter().take(10).map(|(_, n)| n).collect()
}

/// `/admin/suggest/tags` and `/admin/suggest/authors`, for those who write.
pub(crate) async fn suggest(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(what): Path<String>,
    Query(p): Query<SuggestParams>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::EditOwn) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let names: Vec<String> = match what.as_str() {
        "tags" => app
            .store
            .tags()
            .await?
            .into_iter()
            .map(|t| t.name)
            .collect(),
        "authors" => app
            .store
            .authors()
            .await?
            .into_iter()
            .map(|a| a.name)
            .collect(),
        _ => return Err(WebError::NotFound),
    };
    let found = suggestions(names.iter().map(String::as_str), &p.q);
    Ok(axum::Json(found).into_response())
}

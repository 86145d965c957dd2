//! Writing and publishing: the article list and the editing form of the back office.
//!
//! The body arrives as HTML and is stored as sanitised blocks (`body::from_html`): what
//! reaches the public page is built from those blocks, never from the submitted markup.
//! Every save records a revision; a save made on an outdated version is refused with the
//! typed text kept on screen (optimistic locking); every action is checked against the
//! role on the server.

use super::roles::{allowed, may_apply, may_edit, may_publish, not_allowed};
use super::screen::page_of;
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{NaiveDateTime, TimeZone, Utc};
use midad_core::{Action, Article, ArticleData, ArticleKind, Status, body};
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

/// The article list: filtered and paged in the database. A title search reads the ids and
/// titles the other filters select, matches them with Arabic folding (أ/ا, ة/ه, diacritics),
/// then reads one page of whole items.
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
        let folded = midad_arabic::normalize(needle);
        let ids: Vec<i64> = app
            .store
            .article_titles(&q)
            .await?
            .into_iter()
            .filter(|(_, title)| midad_arabic::normalize(title).contains(&folded))
            .map(|(id, _)| id)
            .collect();
        let shown: Vec<i64> = ids
            .iter()
            .skip(q.offset as usize)
            .take(LIST_PAGE as usize)
            .copied()
            .collect();
        let mut items = app.store.articles_by_ids(&shown).await?;
        items.sort_by_key(|a| std::cmp::Reverse(a.id));
        (ids.len() as i64, items)
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

/// The editing form as submitted.
#[derive(Deserialize, Default, Clone, serde::Serialize)]
pub(crate) struct EditForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    version: Option<String>,
    #[serde(default)]
    action: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    subtitle: String,
    #[serde(default)]
    excerpt: String,
    #[serde(default)]
    body_html: String,
    #[serde(default)]
    section: String,
    #[serde(default)]
    tags: String,
    /// The bylines, by name, separated by commas. Empty on a new item: the writer's own.
    #[serde(default)]
    authors: String,
    /// The id of the main image, from the media library.
    #[serde(default)]
    image: String,
    /// The main image's caption, alternative text and credit for this item; empty means
    /// the media library's.
    #[serde(default)]
    image_caption: String,
    #[serde(default)]
    image_alt: String,
    #[serde(default)]
    image_credit: String,
    /// `article`, `caricature` or `page`; chosen when the item is created.
    #[serde(default)]
    kind: String,
    /// A caricature's artist.
    #[serde(default)]
    artist: String,
    /// A page's parent page (id).
    #[serde(default)]
    parent: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    slug: String,
    #[serde(default)]
    seo_title: String,
    #[serde(default)]
    seo_description: String,
    #[serde(default)]
    breaking: Option<String>,
    #[serde(default)]
    featured: Option<String>,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone (an `<input type="datetime-local">`).
    #[serde(default)]
    publish_at: String,
}

impl HasCsrf for EditForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Names by id (tags, bylines).
type Names = HashMap<i64, String>;

fn joined(ids: &[i64], names: &Names) -> String {
    ids.iter()
        .filter_map(|id| names.get(id).cloned())
        .collect::<Vec<_>>()
        .join("، ")
}

/// The names of an item's tags and bylines, as the form shows them.
async fn names(app: &App, a: &Article) -> Result<(Names, Names), WebError> {
    let tags = app.store.tags_by_ids(&a.data.tag_ids).await?;
    let bylines = app.store.authors_by_ids(&a.data.author_ids).await?;
    Ok((
        tags.into_iter().map(|t| (t.id, t.name)).collect(),
        bylines.into_iter().map(|a| (a.id, a.name)).collect(),
    ))
}

/// The form for an existing item, as stored.
fn form_of(a: &Article, (tags, bylines): &(Names, Names), tz: chrono_tz::Tz) -> EditForm {
    let d = &a.data;
    EditForm {
        version: Some(a.version.to_string()),
        title: d.title.clone(),
        subtitle: d.subtitle.clone().unwrap_or_default(),
        excerpt: d.excerpt.clone().unwrap_or_default(),
        body_html: body::render_html(&d.body),
        section: d.section_id.map(|s| s.to_string()).unwrap_or_default(),
        image: d.image_id.map(|s| s.to_string()).unwrap_or_default(),
        kind: d.kind.as_str().to_string(),
        artist: d.artist.clone().unwrap_or_default(),
        parent: d.parent_id.map(|s| s.to_string()).unwrap_or_default(),
        tags: joined(&d.tag_ids, tags),
        authors: joined(&d.author_ids, bylines),
        image_caption: d.image_caption.clone().unwrap_or_default(),
        image_alt: d.image_alt.clone().unwrap_or_default(),
        image_credit: d.image_credit.clone().unwrap_or_default(),
        source: d.source.clone().unwrap_or_default(),
        slug: d.slug.clone(),
        seo_title: d.seo_title.clone().unwrap_or_default(),
        seo_description: d.seo_description.clone().unwrap_or_default(),
        breaking: d.breaking.then(|| "on".into()),
        featured: d.featured.then(|| "on".into()),
        publish_at: d
            .published_at
            .map(|t| t.with_timezone(&tz).format("%Y-%m-%dT%H:%M").to_string())
            .unwrap_or_default(),
        ..Default::default()
    }
}

async fn editor_page(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    article: Option<&Article>,
    form: &EditForm,
    problems: Vec<String>,
    conflict: bool,
) -> Result<Response, WebError> {
    editor_page_with(app, user, status, article, form, problems, conflict, None).await
}

/// The editor, with what the autosave holds when it is newer than the article (`banner`:
/// offered for restoring, or `restored`: on screen).
#[allow(clippy::too_many_arguments)]
async fn editor_page_with(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    article: Option<&Article>,
    form: &EditForm,
    problems: Vec<String>,
    conflict: bool,
    autosaved: Option<minijinja::Value>,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .map(|s| context! { id => s.id.to_string(), name => s.name.clone() })
        .collect();
    // The newest images to choose from, and always the one chosen: an item whose image is
    // older than those must not lose it when saved.
    let mut library = app.store.latest_media(100, 0).await?;
    if let Ok(chosen) = form.image.trim().parse::<i64>()
        && !library.iter().any(|m| m.id == chosen)
        && let Some(m) = app.store.media(chosen).await?
    {
        library.insert(0, m);
    }
    let media: Vec<_> = library
        .into_iter()
        .map(|m| context! { id => m.id.to_string(), path => m.path, caption => m.caption })
        .collect();
    let revisions = match article {
        Some(a) => {
            let users: HashMap<i64, String> = app
                .store
                .users()
                .await?
                .into_iter()
                .map(|u| (u.id, u.name))
                .collect();
            app.store
                .revisions(a.id)
                .await?
                .into_iter()
                .take(20)
                .map(|r| {
                    context! {
                        version => r.version,
                        at => ctx.locale.date_time(r.at),
                        by => r.user_id.and_then(|id| users.get(&id).cloned()),
                    }
                })
                .collect()
        }
        None => Vec::new(),
    };
    page_of(
        app,
        status,
        "admin/editor.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            article => article.map(|a| context! {
                id => a.id,
                status => a.data.status.as_str(),
                kind => a.data.kind.as_str(),
                url => crate::render::view::article_url(a),
                version => a.version,
            }),
            form => v(form),
            sections => sections,
            media => media,
            problems => problems,
            conflict => conflict,
            revisions => revisions,
            autosaved => autosaved,
            can => context! {
                publish => may_publish(user, article),
                flag => allowed(user, Action::FlagBreaking),
                feature => allowed(user, Action::ArrangeHome),
            },
        },
    )
}

pub(crate) async fn new_form(
    State(app): State<Arc<App>>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::EditOwn) {
        return not_allowed(&app).await;
    }
    // The writer's own byline to start with (made, under the account's name, on the first
    // item they save).
    let me = &user.session.user;
    let own = match me.author_id {
        Some(id) => app.store.authors_by_ids(&[id]).await?.pop().map(|a| a.name),
        None => None,
    };
    let form = EditForm {
        authors: own.unwrap_or_else(|| me.name.clone()),
        ..Default::default()
    };
    editor_page(&app, &user, StatusCode::OK, None, &form, Vec::new(), false).await
}

async fn load(app: &App, id: &str) -> Result<Article, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    app.store.article(id).await?.ok_or(WebError::NotFound)
}

#[derive(Deserialize, Default)]
pub(crate) struct EditParams {
    #[serde(default)]
    restore: String,
}

pub(crate) async fn edit_form(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<String>,
    Query(params): Query<EditParams>,
) -> Result<Response, WebError> {
    let a = load(&app, &id).await?;
    if !may_edit(&user, &a) {
        return not_allowed(&app).await;
    }
    let ctx = site_context(&app).await?;
    let mut form = form_of(&a, &names(&app, &a).await?, ctx.locale.tz);
    // An autosave newer than the article is offered (or, asked for, put on screen: its
    // version is the one it started from, so saving it over a newer version is refused).
    let autosave = app
        .store
        .autosave(a.id, user.session.user.id)
        .await?
        .filter(|s| s.saved_at > a.modified_at);
    let autosaved = match autosave {
        Some(saved) => {
            let at = ctx.locale.date_time(saved.saved_at);
            if params.restore == "autosave"
                && let Ok(mut restored) = serde_json::from_str::<EditForm>(&saved.data)
            {
                restored.version = Some(saved.version.to_string());
                restored.kind = form.kind.clone();
                form = restored;
                Some(context! { at => at, restored => true })
            } else {
                Some(
                    context! { at => at, restored => false, url => format!("/admin/articles/{}?restore=autosave", a.id) },
                )
            }
        }
        None => None,
    };
    editor_page_with(
        &app,
        &user,
        StatusCode::OK,
        Some(&a),
        &form,
        Vec::new(),
        false,
        autosaved,
    )
    .await
}

/// Saves the form as it is, without a revision or a new version, for the person editing
/// (every few seconds, and when they leave the page). Answers JSON: `saved_at`, or the
/// version conflict when someone else saved in between.
pub(crate) async fn autosave(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    user: CurrentUser,
    request: axum::extract::Request,
) -> Result<Response, WebError> {
    let a = load(&app, &id).await?;
    let Some(form) = read_any_form(request).await else {
        return Ok((
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({ "error": "form_unreadable" })),
        )
            .into_response());
    };
    if !crate::http::tokens::same(&form.csrf, &user.session.csrf) {
        return Ok((
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({ "error": "csrf" })),
        )
            .into_response());
    }
    if !may_edit(&user, &a) {
        return Ok((
            StatusCode::FORBIDDEN,
            axum::Json(serde_json::json!({ "error": "forbidden" })),
        )
            .into_response());
    }
    let version = form
        .version
        .as_deref()
        .and_then(|v| v.trim().parse::<i64>().ok());
    if version.is_some_and(|v| v != a.version) {
        return Ok((
            StatusCode::CONFLICT,
            axum::Json(serde_json::json!({ "error": "version_conflict", "current": a.version })),
        )
            .into_response());
    }
    let mut kept = form;
    kept.csrf.clear();
    kept.action.clear();
    let data = serde_json::to_string(&kept).map_err(|e| WebError::Internal(e.to_string()))?;
    let now = app.now();
    app.store
        .put_autosave(a.id, user.session.user.id, a.version, &data, now)
        .await?;
    let ctx = site_context(&app).await?;
    Ok(axum::Json(serde_json::json!({ "saved_at": ctx.locale.date_time(now) })).into_response())
}

/// The editing form from a URL-encoded body or a multipart one (`navigator.sendBeacon`
/// with a `FormData` sends the latter).
async fn read_any_form(request: axum::extract::Request) -> Option<EditForm> {
    use axum::extract::FromRequest;
    let multipart = request
        .headers()
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data"));
    if !multipart {
        return axum::extract::Form::<EditForm>::from_request(request, &())
            .await
            .ok()
            .map(|f| f.0);
    }
    let mut fields = axum::extract::Multipart::from_request(request, &())
        .await
        .ok()?;
    let mut map = serde_json::Map::new();
    while let Ok(Some(field)) = fields.next_field().await {
        let name = field.name().unwrap_or("").to_string();
        let value = field.text().await.ok()?;
        map.insert(name, serde_json::Value::String(value));
    }
    serde_json::from_value(serde_json::Value::Object(map)).ok()
}

pub(crate) async fn create(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<EditForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::EditOwn) {
        return not_allowed(&app).await;
    }
    save(&app, &user, None, form).await
}

pub(crate) async fn update(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, form }: Protected<EditForm>,
) -> Result<Response, WebError> {
    let a = load(&app, &id).await?;
    if !may_edit(&user, &a) {
        return not_allowed(&app).await;
    }
    save(&app, &user, Some(a), form).await
}

/// Checks the action against the role, builds the item and writes it with its revision in
/// one transaction. Problems re-show the form with what was typed; nothing is written.
async fn save(
    app: &App,
    user: &CurrentUser,
    current: Option<Article>,
    form: EditForm,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&ctx.site.locale, key, None, ctx.locale.digits)
    };
    let mut problems = Vec::new();
    let now = app.now();
    let schedule_at = match text(&form.publish_at) {
        None => None,
        Some(t) => match NaiveDateTime::parse_from_str(&t, "%Y-%m-%dT%H:%M") {
            Ok(local) => ctx
                .locale
                .tz
                .from_local_datetime(&local)
                .earliest()
                .map(|t| t.with_timezone(&Utc)),
            Err(_) => {
                problems.push(say("editor_bad_time"));
                None
            }
        },
    };
    let old_status = current.as_ref().map(|a| a.data.status);
    let status = match form.action.as_str() {
        // "Save" keeps the status: a draft stays a draft, a live story stays live (an edit).
        "draft" | "save" => old_status.unwrap_or(Status::Draft),
        "submit" if allowed(user, Action::SubmitForReview) => Status::Pending,
        "publish" | "schedule" | "unpublish" if !may_publish(user, current.as_ref()) => {
            return not_allowed(app).await;
        }
        "publish" => Status::Published,
        "schedule" => {
            if schedule_at.is_none_or(|t| t <= now) {
                problems.push(say("editor_schedule_future"));
            }
            Status::Scheduled
        }
        "unpublish" => Status::Draft,
        _ => return Ok(StatusCode::BAD_REQUEST.into_response()),
    };
    // Changing what readers see, or what they will see at a set time, is publishing.
    if matches!(status, Status::Published | Status::Scheduled)
        && !may_publish(user, current.as_ref())
    {
        return not_allowed(app).await;
    }
    let mut tx = app.store.begin().await?;
    let mut data = match &current {
        Some(a) => a.data.clone(),
        None => ArticleData::new(
            ArticleKind::parse(&form.kind).unwrap_or(ArticleKind::Article),
            "",
        ),
    };
    data.title = form.title.trim().to_string();
    data.subtitle = text(&form.subtitle);
    data.excerpt = text(&form.excerpt);
    data.body = body::from_html(&form.body_html);
    data.source = text(&form.source);
    data.slug = form.slug.trim().to_string();
    data.seo_title = text(&form.seo_title);
    data.seo_description = text(&form.seo_description);
    data.section_id = form
        .section
        .parse::<i64>()
        .ok()
        .filter(|id| ctx.sections.iter().any(|s| s.id == *id));
    if data.kind == ArticleKind::Caricature {
        data.artist = text(&form.artist);
    }
    if data.kind == ArticleKind::Page {
        // The store refuses a parent that is not a page, or a cycle, with its own reason.
        data.parent_id = form.parent.trim().parse::<i64>().ok();
    }
    data.image_id = match form.image.trim().parse::<i64>() {
        Ok(id) if app.store.media(id).await?.is_some() => Some(id),
        _ => None,
    };
    data.image_caption = text(&form.image_caption);
    data.image_alt = text(&form.image_alt);
    data.image_credit = text(&form.image_credit);
    if allowed(user, Action::FlagBreaking) {
        data.breaking = form.breaking.is_some();
    }
    if allowed(user, Action::ArrangeHome) {
        data.featured = form.featured.is_some();
    }
    data.tag_ids.clear();
    for name in form
        .tags
        .split([',', '،'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
    {
        match tx.tag_by_name_or_create(name).await {
            Ok(t) => data.tag_ids.push(t.id),
            Err(StoreError::Invalid(v)) => {
                problems.extend(v.0.iter().map(|e| e.code.message_ar().to_string()))
            }
            Err(e) => return Err(e.into()),
        }
    }
    // Whoever writes a new item has a byline (made on the first item they write).
    let me = &user.session.user;
    let own = match me.author_id {
        Some(id) => Some(id),
        None if current.is_none() => {
            let a = tx.author_for_account(&me.name).await?;
            tx.set_user_author(me.id, a.id).await?;
            Some(a.id)
        }
        None => None,
    };
    match bylines(app, user, &mut tx, &form.authors, own, say).await? {
        Ok(ids) if ids.is_empty() => {
            // Nothing typed: a new item is the writer's, an existing one keeps its bylines.
            if current.is_none() {
                data.author_ids = own.into_iter().collect();
            }
        }
        Ok(ids) => data.author_ids = ids,
        Err(mut refused) => problems.append(&mut refused),
    }
    data.status = status;
    match status {
        Status::Scheduled => data.published_at = schedule_at,
        Status::Published if old_status != Some(Status::Published) => data.published_at = Some(now),
        Status::Published => {
            // An edit of a published story: readers see «حُدّث».
            data.updated_at = Some(now);
        }
        _ => {}
    }
    if !problems.is_empty() {
        return editor_page(
            app,
            user,
            StatusCode::UNPROCESSABLE_ENTITY,
            current.as_ref(),
            &form,
            problems,
            false,
        )
        .await;
    }
    let expected = form.version.as_deref().and_then(|v| v.parse::<i64>().ok());
    let written = match &current {
        Some(a) => {
            tx.update_article(a.id, Some(expected.unwrap_or(-1)), data)
                .await
        }
        None => tx.insert_article(data).await,
    };
    let saved = match written {
        Ok(saved) => saved,
        Err(StoreError::Conflict { .. }) => {
            drop(tx);
            return editor_page(
                app,
                user,
                StatusCode::CONFLICT,
                current.as_ref(),
                &form,
                vec![say("editor_conflict")],
                true,
            )
            .await;
        }
        Err(StoreError::Invalid(v)) => {
            drop(tx);
            let problems =
                v.0.iter()
                    .map(|e| e.code.message_ar().to_string())
                    .collect();
            return editor_page(
                app,
                user,
                StatusCode::UNPROCESSABLE_ENTITY,
                current.as_ref(),
                &form,
                problems,
                false,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    tx.insert_revision(&saved, Some(user.session.user.id))
        .await?;
    tx.commit().await?;
    // What was typed is now the article: the autosave has served.
    app.store
        .delete_autosave(saved.id, user.session.user.id)
        .await?;
    if old_status != Some(saved.data.status) {
        app.store
            .audit(
                Some(user.session.user.id),
                &format!("article_{}", saved.data.status.as_str()),
                &format!("article {}", saved.id),
                user.ip.as_deref(),
            )
            .await?;
    }
    Ok(Redirect::to(&format!("/admin/articles/{}", saved.id)).into_response())
}

/// The bylines typed in the authors field, by name (Arabic folding forgives أ/ا, ة/ه and
/// diacritics). Editors may name a byline that does not exist yet: it is made. Others
/// choose among existing ones and cannot take their own name off an item.
async fn bylines(
    app: &App,
    user: &CurrentUser,
    tx: &mut midad_store::Tx,
    typed: &str,
    own: Option<i64>,
    say: impl Fn(&str) -> String,
) -> Result<Result<Vec<i64>, Vec<String>>, WebError> {
    let names: Vec<&str> = typed
        .split([',', '،'])
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .collect();
    if names.is_empty() {
        return Ok(Ok(Vec::new()));
    }
    let known = app.store.authors().await?;
    let everyone = allowed(user, Action::EditAny);
    let mut ids = Vec::new();
    let mut problems = Vec::new();
    for name in names {
        let folded = midad_arabic::normalize(name);
        // The writer's own byline first, then an exact name, then a folded one.
        let found = own
            .and_then(|id| known.iter().find(|a| a.id == id))
            .filter(|a| a.name == name || midad_arabic::normalize(&a.name) == folded)
            .or_else(|| known.iter().find(|a| a.name == name))
            .or_else(|| {
                known
                    .iter()
                    .find(|a| midad_arabic::normalize(&a.name) == folded)
            })
            .map(|a| a.id);
        let id = match found {
            Some(id) => id,
            None if everyone => match tx.author_by_name_or_create(name).await {
                Ok(a) => a.id,
                Err(StoreError::Invalid(v)) => {
                    problems.extend(v.0.iter().map(|e| e.code.message_ar().to_string()));
                    continue;
                }
                Err(e) => return Err(e.into()),
            },
            None => {
                problems.push(say("editor_unknown_author").replace("{name}", name));
                continue;
            }
        };
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if !everyone && problems.is_empty() && own.is_none_or(|id| !ids.contains(&id)) {
        problems.push(say("editor_keep_own_byline"));
    }
    Ok(if problems.is_empty() {
        Ok(ids)
    } else {
        Err(problems)
    })
}

/// One line of a comparison: kept, removed (only in the older version) or added.
#[derive(serde::Serialize)]
struct DiffLine {
    op: &'static str,
    text: String,
}

/// A line diff (longest common subsequence): enough for paragraphs of an article.
fn diff_lines(old: &[&str], new: &[&str]) -> Vec<DiffLine> {
    let (n, m) = (old.len(), new.len());
    // Bounded: articles have tens of paragraphs, not thousands.
    if n * m > 250_000 {
        return old
            .iter()
            .map(|t| DiffLine {
                op: "removed",
                text: t.to_string(),
            })
            .chain(new.iter().map(|t| DiffLine {
                op: "added",
                text: t.to_string(),
            }))
            .collect();
    }
    let mut lcs = vec![vec![0u32; m + 1]; n + 1];
    for i in (0..n).rev() {
        for j in (0..m).rev() {
            lcs[i][j] = if old[i] == new[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut out = Vec::new();
    while i < n || j < m {
        if i < n && j < m && old[i] == new[j] {
            out.push(DiffLine {
                op: "same",
                text: old[i].to_string(),
            });
            i += 1;
            j += 1;
        } else if j < m && (i == n || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out.push(DiffLine {
                op: "added",
                text: new[j].to_string(),
            });
            j += 1;
        } else {
            out.push(DiffLine {
                op: "removed",
                text: old[i].to_string(),
            });
            i += 1;
        }
    }
    out
}

fn field_lines(d: &ArticleData) -> Vec<String> {
    let mut lines = vec![d.title.clone()];
    lines.extend(d.subtitle.clone());
    lines.extend(d.excerpt.clone());
    lines.extend(
        body::plain_text(&d.body)
            .split('\n')
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string),
    );
    lines.extend(d.source.clone());
    lines
}

/// `/admin/articles/{id}/revisions/{version}`: that version against the current one.
pub(crate) async fn revision(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path((id, version)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let a = load(&app, &id).await?;
    if !may_edit(&user, &a) {
        return not_allowed(&app).await;
    }
    let version: i64 = version.parse().map_err(|_| WebError::NotFound)?;
    let revisions = app.store.revisions(a.id).await?;
    let rev = revisions
        .iter()
        .find(|r| r.version == version)
        .ok_or(WebError::NotFound)?;
    let ctx = site_context(&app).await?;
    let old = field_lines(&rev.data);
    let new = field_lines(&a.data);
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    page_of(
        &app,
        StatusCode::OK,
        "admin/revision.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            article => context! { id => a.id, title => a.data.title.clone(), version => a.version },
            revision => context! { version => rev.version, at => ctx.locale.date_time(rev.at) },
            diff => v(&diff_lines(&old_refs, &new_refs)),
        },
    )
}

#[derive(Deserialize)]
pub(crate) struct RestoreForm {
    #[serde(default)]
    csrf: String,
    /// The version the editor was looking at: a restore over a newer one is a conflict.
    #[serde(default)]
    current: String,
}

impl HasCsrf for RestoreForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Puts an earlier version's content back, as a new save (and so a new revision). The
/// status stays what it is: restoring text does not publish or unpublish.
pub(crate) async fn restore(
    State(app): State<Arc<App>>,
    Path((id, version)): Path<(String, String)>,
    Protected { user, form }: Protected<RestoreForm>,
) -> Result<Response, WebError> {
    let a = load(&app, &id).await?;
    if !may_edit(&user, &a) {
        return not_allowed(&app).await;
    }
    if a.data.status == Status::Published && !may_publish(&user, Some(&a)) {
        return not_allowed(&app).await;
    }
    let version: i64 = version.parse().map_err(|_| WebError::NotFound)?;
    let rev = app
        .store
        .revisions(a.id)
        .await?
        .into_iter()
        .find(|r| r.version == version)
        .ok_or(WebError::NotFound)?;
    let mut data = rev.data;
    data.status = a.data.status;
    data.published_at = a.data.published_at;
    let expected = form.current.parse::<i64>().unwrap_or(-1);
    let mut tx = app.store.begin().await?;
    match tx.update_article(a.id, Some(expected), data).await {
        Ok(saved) => {
            tx.insert_revision(&saved, Some(user.session.user.id))
                .await?;
            tx.commit().await?;
            app.store
                .audit(
                    Some(user.session.user.id),
                    "article_restored",
                    &format!("article {} to version {version}", a.id),
                    user.ip.as_deref(),
                )
                .await?;
            Ok(Redirect::to(&format!("/admin/articles/{}", a.id)).into_response())
        }
        Err(StoreError::Conflict { .. }) => {
            let ctx = site_context(&app).await?;
            let current = load(&app, &id).await?;
            let form = form_of(&current, &names(&app, &current).await?, ctx.locale.tz);
            let message =
                app.theme
                    .translate(&ctx.site.locale, "editor_conflict", None, ctx.locale.digits);
            editor_page(
                &app,
                &user,
                StatusCode::CONFLICT,
                Some(&current),
                &form,
                vec![message],
                false,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// `/admin/articles/{id}/preview`: the article in the real theme, published or not, for
/// those who may edit it. Never cached, never indexed.
pub(crate) async fn preview(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    let a = load(&app, &id).await?;
    if !may_edit(&user, &a) || a.data.kind == ArticleKind::Page {
        return not_allowed(&app).await;
    }
    let (html, _) = crate::site::pages::render_article(&app, &a).await?;
    Ok((
        [
            (axum::http::header::CACHE_CONTROL, "no-store"),
            (
                axum::http::HeaderName::from_static("x-robots-tag"),
                "noindex",
            ),
        ],
        axum::response::Html(html),
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diff_marks_added_and_removed_paragraphs() {
        let d = diff_lines(&["أ", "ب", "ج"], &["أ", "ج", "د"]);
        let ops: Vec<(&str, &str)> = d.iter().map(|l| (l.op, l.text.as_str())).collect();
        assert_eq!(
            ops,
            [
                ("same", "أ"),
                ("removed", "ب"),
                ("same", "ج"),
                ("added", "د")
            ]
        );
    }
}

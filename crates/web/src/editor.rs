//! Writing and publishing: the article list and the editing form of the back office.
//!
//! The body arrives as HTML and is stored as sanitised blocks (`body::from_html`): what
//! reaches the public page is built from those blocks, never from the submitted markup.
//! Every save records a revision; a save made on an outdated version is refused with the
//! typed text kept on screen (optimistic locking); every action is checked against the
//! role on the server.

use crate::admin::{allowed, not_allowed, page_of};
use crate::auth::{CurrentUser, HasCsrf, Protected};
use crate::pages::v;
use crate::site;
use crate::{App, WebError};
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

fn owns(user: &CurrentUser, a: &Article) -> bool {
    user.session
        .user
        .author_id
        .is_some_and(|id| a.data.author_ids.contains(&id))
}

fn may_edit(user: &CurrentUser, a: &Article) -> bool {
    allowed(user, Action::EditAny) || (allowed(user, Action::EditOwn) && owns(user, a))
}

fn may_publish(user: &CurrentUser, a: Option<&Article>) -> bool {
    allowed(user, Action::PublishAny)
        || (allowed(user, Action::PublishOwn) && a.is_none_or(|a| owns(user, a)))
}

#[derive(Deserialize, Default)]
pub(crate) struct ListParams {
    status: Option<String>,
    section: Option<String>,
    q: Option<String>,
    page: Option<String>,
}

pub(crate) async fn list(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    Query(p): Query<ListParams>,
) -> Result<Response, WebError> {
    let ctx = site::context(&app).await?;
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
    let mut q = ArticleQuery {
        status,
        section_id,
        order: midad_store::Order::Id,
        ..Default::default()
    };
    if !allowed(&user, Action::EditAny) {
        // Authors and contributors see their own work only.
        q.author_id = Some(user.session.user.author_id.unwrap_or(-1));
    }
    let mut items = app.store.articles(&q).await?;
    items.reverse();
    let needle = p.q.as_deref().map(str::trim).unwrap_or("");
    if !needle.is_empty() {
        let folded = midad_arabic::normalize(needle);
        items.retain(|a| midad_arabic::normalize(&a.data.title).contains(&folded));
    }
    let total = items.len() as i64;
    let shown: Vec<_> = items
        .into_iter()
        .skip(((page - 1) * LIST_PAGE) as usize)
        .take(LIST_PAGE as usize)
        .map(|a| {
            context! {
                id => a.id,
                title => a.data.title,
                kind => a.data.kind.as_str(),
                status => a.data.status.as_str(),
                modified => ctx.locale.date_time(a.modified_at),
            }
        })
        .collect();
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .map(|s| context! { id => s.id, name => s.name.clone() })
        .collect();
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
            statuses => Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            filter => context! { status => p.status, section => section_id, q => p.q },
        },
    )
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
    /// The id of the main image, from the media library.
    #[serde(default)]
    image: String,
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

/// The form for an existing item, as stored.
fn form_of(a: &Article, tags: &HashMap<i64, String>, tz: chrono_tz::Tz) -> EditForm {
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
        tags: d
            .tag_ids
            .iter()
            .filter_map(|id| tags.get(id).cloned())
            .collect::<Vec<_>>()
            .join("، "),
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
    let ctx = site::context(app).await?;
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .map(|s| context! { id => s.id.to_string(), name => s.name.clone() })
        .collect();
    let mut library = app.store.all_media().await?;
    library.reverse();
    let media: Vec<_> = library
        .into_iter()
        .take(100)
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
                url => crate::view::article_url(a),
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
    editor_page(
        &app,
        &user,
        StatusCode::OK,
        None,
        &EditForm::default(),
        Vec::new(),
        false,
    )
    .await
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
    let ctx = site::context(&app).await?;
    let tags: HashMap<i64, String> = app
        .store
        .tags()
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let mut form = form_of(&a, &tags, ctx.locale.tz);
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
    if !crate::auth::same(&form.csrf, &user.session.csrf) {
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
    let ctx = site::context(&app).await?;
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
    let ctx = site::context(app).await?;
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
    // A new item's byline is its writer's (made on the first article they write).
    if current.is_none() {
        let me = &user.session.user;
        let author = match me.author_id {
            Some(id) => id,
            None => {
                let a = tx.author_for_account(&me.name).await?;
                tx.set_user_author(me.id, a.id).await?;
                a.id
            }
        };
        data.author_ids = vec![author];
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
    let ctx = site::context(&app).await?;
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
            let ctx = site::context(&app).await?;
            let tags: HashMap<i64, String> = app
                .store
                .tags()
                .await?
                .into_iter()
                .map(|t| (t.id, t.name))
                .collect();
            let current = load(&app, &id).await?;
            let form = form_of(&current, &tags, ctx.locale.tz);
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
    let (html, _) = crate::pages::render_article(&app, &a).await?;
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

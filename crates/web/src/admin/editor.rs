//! Writing and publishing: the editing form of the back office, and the preview.
//!
//! The body arrives as HTML and is stored as sanitised blocks (`body::from_html`): what
//! reaches the public page is built from those blocks, never from the submitted markup.
//! Every save records a revision; a save made on an outdated version is refused with the
//! typed text kept on screen (optimistic locking); every action is checked against the
//! role on the server.

use super::roles::{allowed, may_edit, may_publish, not_allowed};
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
use midad_store::StoreError;
use minijinja::context;
use serde::Deserialize;
use std::collections::HashMap;
use std::sync::Arc;

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

pub(crate) fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Names by id (tags, bylines).
type Names = HashMap<i64, String>;

pub(crate) fn joined(ids: &[i64], names: &Names) -> String {
    ids.iter()
        .filter_map(|id| names.get(id).cloned())
        .collect::<Vec<_>>()
        .join("، ")
}

/// The names of an item's tags and bylines, as the form shows them.
pub(crate) async fn names(app: &App, a: &Article) -> Result<(Names, Names), WebError> {
    let tags = app.store.tags_by_ids(&a.data.tag_ids).await?;
    let bylines = app.store.authors_by_ids(&a.data.author_ids).await?;
    Ok((
        tags.into_iter().map(|t| (t.id, t.name)).collect(),
        bylines.into_iter().map(|a| (a.id, a.name)).collect(),
    ))
}

/// The form for an existing item, as stored.
pub(crate) fn form_of(
    a: &Article,
    (tags, bylines): &(Names, Names),
    tz: chrono_tz::Tz,
) -> EditForm {
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

pub(crate) async fn editor_page(
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
pub(crate) async fn editor_page_with(
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

pub(crate) async fn load(app: &App, id: &str) -> Result<Article, WebError> {
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
pub(crate) async fn read_any_form(request: axum::extract::Request) -> Option<EditForm> {
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
pub(crate) async fn save(
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
pub(crate) async fn bylines(
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

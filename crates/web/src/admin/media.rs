//! The media library of the back office: uploads (the real type read from the bytes,
//! limits on size and pixels checked before decoding, metadata stripped, responsive copies
//! made), the list with where each file is used, and deletion refused while in use.

use super::roles::{allowed, not_allowed};
use super::screen::{CsrfOnly, page_of};
use crate::http::auth::{CurrentUser, Protected, UploadForm};
use crate::http::routes::Routes;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use chrono::Datelike;
use midad_core::Action;
use midad_media::{Kind, MediaError};
use midad_store::NewMedia;
use minijinja::context;
use std::sync::Arc;

/// An upload's request may be a little larger than the largest file accepted.
const UPLOAD_BODY: usize = midad_media::MAX_BYTES + 512 * 1024;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route(
            "/admin/media",
            get(library)
                .post(upload)
                .layer(DefaultBodyLimit::max(UPLOAD_BODY)),
        )
        .route("/admin/media/{id}/delete", post(delete))
}

/// What a reader of the form is told, in the site's language.
fn refusal_key(e: &MediaError) -> &'static str {
    match e {
        MediaError::UnsupportedType => "media_unsupported",
        MediaError::TooLarge => "media_too_large",
        MediaError::Empty => "media_empty",
        MediaError::UnsafeSvg => "media_unsupported",
        MediaError::TooManyPixels { .. } => "media_too_many_pixels",
        MediaError::Corrupt => "media_corrupt",
        MediaError::Io(_) => "media_failed",
    }
}

/// Files per page of the library, newest first.
const LIBRARY_PAGE: i64 = 100;

async fn library_page(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    problems: Vec<String>,
    page: i64,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let total = app.store.count_media().await?;
    let pages = ((total + LIBRARY_PAGE - 1) / LIBRARY_PAGE).max(1);
    let page = page.clamp(1, pages);
    let mut items = Vec::new();
    for m in app
        .store
        .latest_media(LIBRARY_PAGE, (page - 1) * LIBRARY_PAGE)
        .await?
    {
        let used = app.store.media_usage(&m).await?;
        items.push(context! {
            id => m.id,
            url => format!("/media/{}", m.path),
            path => m.path,
            width => m.width,
            height => m.height,
            alt => m.alt,
            caption => m.caption,
            used_in => used.into_iter().map(|(id, title)| context! { id => id, title => title }).collect::<Vec<_>>(),
        });
    }
    page_of(
        app,
        status,
        "admin/media.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            items => items,
            problems => problems,
            page => page,
            pages => pages,
            can_upload => allowed(user, Action::Upload),
        },
    )
}

#[derive(serde::Deserialize)]
struct LibraryParams {
    page: Option<String>,
}

async fn library(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    axum::extract::Query(p): axum::extract::Query<LibraryParams>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::Upload) && !allowed(&user, Action::EditOwn) {
        return not_allowed(&app).await;
    }
    // A page number that is not one (or beyond the last) shows the nearest page.
    let page = p
        .page
        .as_deref()
        .and_then(|n| n.trim().parse::<i64>().ok())
        .unwrap_or(1);
    library_page(&app, &user, StatusCode::OK, Vec::new(), page).await
}

async fn upload(
    State(app): State<Arc<App>>,
    user: CurrentUser,
    multipart: Multipart,
) -> Result<Response, WebError> {
    let form = UploadForm::read(multipart).await;
    // CSRF first: a forged form changes nothing, whatever it carries. (An oversized body
    // may end before its token was read; it is refused below all the same.)
    if !form.csrf_ok(&user) {
        return Ok(StatusCode::FORBIDDEN.into_response());
    }
    let too_large = form.too_large;
    let file = form
        .files(&["file"])
        .first()
        .map(|(name, bytes)| (name.to_string(), bytes.to_vec()));
    let meta = (form.text("alt"), form.text("caption"), form.text("credit"));
    if !allowed(&user, Action::Upload) {
        return not_allowed(&app).await;
    }
    let ctx = site_context(&app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&ctx.site.locale, key, None, ctx.locale.digits)
    };
    let refuse = |key: &str| {
        let message = say(key);
        let app = app.clone();
        let user = &user;
        async move {
            library_page(
                &app,
                user,
                StatusCode::UNPROCESSABLE_ENTITY,
                vec![message],
                1,
            )
            .await
        }
    };
    if too_large {
        return refuse("media_too_large").await;
    }
    let Some((name, bytes)) = file else {
        return refuse("media_empty").await;
    };
    // Newsrooms upload photos: SVG (a document that can carry scripts) is not taken here.
    match midad_media::inspect(&bytes) {
        Ok(i) if i.kind == Kind::Svg => return refuse("media_unsupported").await,
        Err(e) => return refuse(refusal_key(&e)).await,
        Ok(_) => {}
    }
    let now = app.now();
    let root = app.config.media_dir.clone();
    let stored = tokio::task::spawn_blocking(move || {
        midad_media::store(&root, &bytes, &name, now.year(), now.month())
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
    let stored = match stored {
        Ok(s) => s,
        Err(e) => return refuse(refusal_key(&e)).await,
    };
    let mut tx = app.store.begin().await?;
    let media = match tx.media_by_path(&stored.path).await? {
        Some(existing) => existing,
        None => {
            tx.insert_media(NewMedia {
                path: stored.path.clone(),
                mime: stored.inspected.kind.mime().into(),
                width: stored.inspected.width.map(i64::from),
                height: stored.inspected.height.map(i64::from),
                size: stored.size as i64,
                alt: meta.0,
                caption: meta.1,
                credit: meta.2,
                variants: stored.variants.clone(),
            })
            .await?
        }
    };
    tx.commit().await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "media_uploaded",
            &media.path,
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/media").into_response())
}

async fn delete(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::EditAny) {
        return not_allowed(&app).await;
    }
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let media = app.store.media(id).await?.ok_or(WebError::NotFound)?;
    if !app.store.media_usage(&media).await?.is_empty() {
        let ctx = site_context(&app).await?;
        let message =
            app.theme
                .translate(&ctx.site.locale, "media_in_use", None, ctx.locale.digits);
        return library_page(&app, &user, StatusCode::CONFLICT, vec![message], 1).await;
    }
    let mut tx = app.store.begin().await?;
    tx.delete_media(id).await?;
    tx.commit().await?;
    // The files go once the row is gone; a file left behind is harmless, a row without
    // its file would not be.
    let storage = midad_media::LocalDisk::new(&app.config.media_dir);
    if let Err(e) = midad_media::remove(&storage, &media.path, &media.variants, &media.mime) {
        tracing::warn!(error = %e, path = %media.path, "a deleted media file could not be removed");
    }
    app.store
        .audit(
            Some(user.session.user.id),
            "media_deleted",
            &media.path,
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/media").into_response())
}

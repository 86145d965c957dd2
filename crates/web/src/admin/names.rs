//! Sections and tags in the back office: add a section (under a parent, one level), rename
//! (addresses stay), delete (articles stay, without it). Editors and above.

use super::roles::{allowed, not_allowed};
use super::screen::{CsrfOnly, page_of};
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::routes::Routes;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use midad_core::Action;
use midad_store::{Named, StoreError};
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/admin/sections", get(show).post(add_section))
        .route("/admin/{what}/{id}/rename", post(rename))
        .route("/admin/{what}/{id}/delete", post(delete))
}

fn which(what: &str) -> Result<Named, WebError> {
    match what {
        "sections" => Ok(Named::Section),
        "tags" => Ok(Named::Tag),
        _ => Err(WebError::NotFound),
    }
}

async fn screen(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    let ctx = site_context(app).await?;
    let sections: Vec<_> = ctx
        .sections
        .iter()
        .map(|s| {
            context! {
                id => s.id,
                name => s.name.clone(),
                url => format!("/section/{}", s.slug),
                parent => s.parent_id.and_then(|p| ctx.sections.iter().find(|x| x.id == p)).map(|p| p.name.clone()),
            }
        })
        .collect();
    let tags: Vec<_> = app
        .store
        .tags()
        .await?
        .into_iter()
        .map(|t| context! { id => t.id, name => t.name, url => format!("/tag/{}", t.slug) })
        .collect();
    page_of(
        app,
        status,
        "admin/sections.html",
        context! {
            site => v(&ctx.site),
            csrf => user.session.csrf.clone(),
            sections => sections,
            top => ctx.sections.iter().filter(|s| s.parent_id.is_none()).map(|s| context! { id => s.id, name => s.name.clone() }).collect::<Vec<_>>(),
            tags => tags,
            problems => problems,
        },
    )
}

async fn show(State(app): State<Arc<App>>, user: CurrentUser) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSections) {
        return not_allowed(&app).await;
    }
    screen(&app, &user, StatusCode::OK, Vec::new()).await
}

#[derive(Deserialize)]
pub(crate) struct SectionForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    parent: String,
}

impl HasCsrf for SectionForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

fn problems_of(e: StoreError) -> Result<Vec<String>, WebError> {
    match e {
        StoreError::Invalid(v) => Ok(v
            .0
            .iter()
            .map(|e| e.code.message_ar().to_string())
            .collect()),
        other => Err(other.into()),
    }
}

async fn add_section(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<SectionForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, Action::ManageSections) {
        return not_allowed(&app).await;
    }
    let ctx = site_context(&app).await?;
    // One level: a parent must itself be a top-level section.
    let parent = form.parent.parse::<i64>().ok().filter(|p| {
        ctx.sections
            .iter()
            .any(|s| s.id == *p && s.parent_id.is_none())
    });
    let mut tx = app.store.begin().await?;
    match tx.insert_section(&form.name, parent, None).await {
        Ok(s) => {
            tx.commit().await?;
            app.store
                .audit(
                    Some(user.session.user.id),
                    "section_added",
                    &s.name,
                    user.ip.as_deref(),
                )
                .await?;
            Ok(Redirect::to("/admin/sections").into_response())
        }
        Err(e) => {
            let problems = problems_of(e)?;
            screen(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, problems).await
        }
    }
}

#[derive(Deserialize)]
pub(crate) struct RenameForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
}

impl HasCsrf for RenameForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

async fn rename(
    State(app): State<Arc<App>>,
    Path((what, id)): Path<(String, String)>,
    Protected { user, form }: Protected<RenameForm>,
) -> Result<Response, WebError> {
    let what = which(&what)?;
    if !allowed(&user, Action::ManageSections) {
        return not_allowed(&app).await;
    }
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let mut tx = app.store.begin().await?;
    match tx.rename(what, id, &form.name).await {
        Ok(()) => {
            tx.commit().await?;
            app.store
                .audit(
                    Some(user.session.user.id),
                    "renamed",
                    &form.name,
                    user.ip.as_deref(),
                )
                .await?;
            Ok(Redirect::to("/admin/sections").into_response())
        }
        Err(StoreError::NotFound) => Err(WebError::NotFound),
        Err(e) => {
            let problems = problems_of(e)?;
            screen(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, problems).await
        }
    }
}

async fn delete(
    State(app): State<Arc<App>>,
    Path((what, id)): Path<(String, String)>,
    Protected { user, .. }: Protected<CsrfOnly>,
) -> Result<Response, WebError> {
    let what = which(&what)?;
    if !allowed(&user, Action::ManageSections) {
        return not_allowed(&app).await;
    }
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    let mut tx = app.store.begin().await?;
    match tx.delete_named(what, id).await {
        Ok(()) => {}
        Err(StoreError::NotFound) => return Err(WebError::NotFound),
        Err(e) => return Err(e.into()),
    }
    tx.commit().await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "deleted",
            &format!("{what:?} {id}"),
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/sections").into_response())
}

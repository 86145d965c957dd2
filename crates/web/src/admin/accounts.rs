//! Accounts (owners and administrators): add one, change a role, disable one (its sessions
//! end). The site always keeps an owner who can sign in.

use super::roles::{allowed, not_allowed};
use super::screen::render;
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::{App, WebError};
use crate::render::context::site_context;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use midad_core::Role;
use midad_store::NewUser;
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

pub(crate) async fn users_page(
    State(app): State<Arc<App>>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    users_screen(&app, &user, StatusCode::OK, Vec::new()).await
}

pub(crate) async fn users_screen(
    app: &App,
    user: &CurrentUser,
    status: StatusCode,
    problems: Vec<String>,
) -> Result<Response, WebError> {
    if !allowed(user, midad_core::Action::ManageUsers) {
        return not_allowed(app).await;
    }
    let users: Vec<_> = app
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| {
            context! {
                id => u.id,
                name => u.name,
                email => u.email,
                role => u.role.as_str(),
                disabled => u.disabled,
                me => u.id == user.session.user.id,
            }
        })
        .collect();
    let roles: Vec<&str> = Role::ALL
        .iter()
        .filter(|r| **r != Role::Owner || user.session.user.role == Role::Owner)
        .map(|r| r.as_str())
        .collect();
    render(
        app,
        status,
        "admin/users.html",
        context! {
            users => users,
            roles => roles,
            csrf => user.session.csrf.clone(),
            me => context! { name => user.session.user.name.clone(), role => user.session.user.role.as_str() },
            problems => problems,
        },
    )
    .await
}

#[derive(Deserialize)]
pub(crate) struct AddUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    password: String,
}

impl HasCsrf for AddUserForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// Only an owner hands out or takes away the owner role.
pub(crate) fn may_assign(actor: Role, from: Option<Role>, to: Role) -> bool {
    actor == Role::Owner || (to != Role::Owner && from != Some(Role::Owner))
}

pub(crate) async fn add_user(
    State(app): State<Arc<App>>,
    Protected { user, form }: Protected<AddUserForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let tr = site_context(&app).await?;
    let say = |key: &str| {
        app.theme
            .translate(&tr.site.locale, key, None, tr.locale.digits)
    };
    let mut problems = Vec::new();
    let role = Role::parse(&form.role);
    match role {
        None => problems.push(say("admin_role_unknown")),
        Some(r) if !may_assign(user.session.user.role, None, r) => {
            return not_allowed(&app).await;
        }
        Some(_) => {}
    }
    if !form.password.is_empty() && midad_core::password::check_strength(&form.password).is_err() {
        problems.push(say("admin_password_short"));
    }
    let hash = if problems.is_empty() && !form.password.is_empty() {
        let password = form.password.clone();
        Some(
            tokio::task::spawn_blocking(move || midad_core::password::hash(&password))
                .await
                .map_err(|e| WebError::Internal(e.to_string()))?
                .map_err(WebError::Internal)?,
        )
    } else {
        None
    };
    if let (true, Some(role)) = (problems.is_empty(), role) {
        let mut tx = app.store.begin().await?;
        match tx
            .insert_user(NewUser {
                email: form.email.clone(),
                name: form.name.clone(),
                role,
                password_hash: hash,
                author_id: None,
            })
            .await
        {
            Ok(created) => {
                tx.commit().await?;
                app.store
                    .audit(
                        Some(user.session.user.id),
                        "user_added",
                        &format!("{} ({})", created.email, role.as_str()),
                        user.ip.as_deref(),
                    )
                    .await?;
                return Ok(Redirect::to("/admin/users").into_response());
            }
            Err(midad_store::StoreError::Invalid(v)) => {
                for e in &v.0 {
                    problems.push(e.code.message_ar().to_string());
                }
            }
            Err(e) => return Err(e.into()),
        }
    }
    users_screen(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, problems).await
}

#[derive(Deserialize)]
pub(crate) struct RoleForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    role: String,
}

impl HasCsrf for RoleForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn target_user(app: &App, id: &str) -> Result<midad_core::User, WebError> {
    let id: i64 = id.parse().map_err(|_| WebError::NotFound)?;
    app.store.user(id).await?.ok_or(WebError::NotFound)
}

/// Whether `target` is the last owner who can sign in: the site must keep one.
pub(crate) async fn last_owner(app: &App, target: &midad_core::User) -> Result<bool, WebError> {
    if target.role != Role::Owner {
        return Ok(false);
    }
    let owners = app
        .store
        .users()
        .await?
        .iter()
        .filter(|u| u.role == Role::Owner && !u.disabled)
        .count();
    Ok(owners <= 1)
}

pub(crate) async fn change_role(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, form }: Protected<RoleForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let target = target_user(&app, &id).await?;
    let Some(role) = Role::parse(&form.role) else {
        let text = app.say("admin_role_unknown", None).await?;
        return users_screen(&app, &user, StatusCode::UNPROCESSABLE_ENTITY, vec![text]).await;
    };
    if !may_assign(user.session.user.role, Some(target.role), role) {
        return not_allowed(&app).await;
    }
    if role != Role::Owner && last_owner(&app, &target).await? {
        let text = app.say("admin_last_owner", None).await?;
        return users_screen(&app, &user, StatusCode::CONFLICT, vec![text]).await;
    }
    let mut tx = app.store.begin().await?;
    tx.set_user_role(target.id, role).await?;
    tx.commit().await?;
    app.store
        .audit(
            Some(user.session.user.id),
            "role_changed",
            &format!(
                "{}: {} → {}",
                target.email,
                target.role.as_str(),
                role.as_str()
            ),
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

#[derive(Deserialize)]
pub(crate) struct DisableForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    disabled: String,
}

impl HasCsrf for DisableForm {
    fn csrf(&self) -> &str {
        &self.csrf
    }
}

pub(crate) async fn set_disabled(
    State(app): State<Arc<App>>,
    Path(id): Path<String>,
    Protected { user, form }: Protected<DisableForm>,
) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let target = target_user(&app, &id).await?;
    let disable = form.disabled == "true";
    if !may_assign(user.session.user.role, Some(target.role), target.role) {
        return not_allowed(&app).await;
    }
    if disable && last_owner(&app, &target).await? {
        let text = app.say("admin_last_owner", None).await?;
        return users_screen(&app, &user, StatusCode::CONFLICT, vec![text]).await;
    }
    let mut tx = app.store.begin().await?;
    tx.set_user_disabled(target.id, disable).await?;
    tx.commit().await?;
    app.store
        .audit(
            Some(user.session.user.id),
            if disable {
                "user_disabled"
            } else {
                "user_enabled"
            },
            &target.email,
            user.ip.as_deref(),
        )
        .await?;
    Ok(Redirect::to("/admin/users").into_response())
}

//! Who may do what in the back office, checked on the server for every action: the role's
//! permissions, ownership of an item, and the 403 page when the role does not allow it.

use super::screen::render;
use crate::http::auth::CurrentUser;
use crate::http::{App, WebError};
use axum::http::StatusCode;
use axum::response::Response;
use midad_core::{Action, Article, Status};
use minijinja::context;

/// 403 in the site's language: the role does not allow the action. Nothing happened.
pub(crate) async fn not_allowed(app: &App) -> Result<Response, WebError> {
    render(
        app,
        StatusCode::FORBIDDEN,
        "admin/forbidden.html",
        context! {},
    )
    .await
}

pub(crate) fn allowed(user: &CurrentUser, action: midad_core::Action) -> bool {
    user.session.user.role.can(action)
}

/// Whether this person is one of the item's bylines.
pub(crate) fn owns(user: &CurrentUser, a: &Article) -> bool {
    user.session
        .user
        .author_id
        .is_some_and(|id| a.data.author_ids.contains(&id))
}

pub(crate) fn may_edit(user: &CurrentUser, a: &Article) -> bool {
    allowed(user, Action::EditAny) || (allowed(user, Action::EditOwn) && owns(user, a))
}

pub(crate) fn may_publish(user: &CurrentUser, a: Option<&Article>) -> bool {
    allowed(user, Action::PublishAny)
        || (allowed(user, Action::PublishOwn) && a.is_none_or(|a| owns(user, a)))
}

/// Editors delete anything; others only their own items that were never public.
pub(crate) fn may_delete(user: &CurrentUser, a: &Article) -> bool {
    allowed(user, Action::EditAny)
        || (may_edit(user, a) && matches!(a.data.status, Status::Draft | Status::Pending))
}

/// May this person apply the bulk action to this item?
pub(crate) fn may_apply(user: &CurrentUser, action: &str, a: &Article) -> bool {
    match action {
        "publish" | "unpublish" => may_publish(user, Some(a)),
        "submit" => allowed(user, Action::SubmitForReview) && may_edit(user, a),
        "delete" => may_delete(user, a),
        _ => false,
    }
}

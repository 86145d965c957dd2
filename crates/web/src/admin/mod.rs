//! The back office under `/admin`: one file per screen, the role checks in `roles`, the way
//! a back-office page is answered in `screen`. Nothing here is ever cached, and every
//! state-changing form of a signed-in user carries its session's CSRF token.

pub(crate) mod account;
pub(crate) mod accounts;
pub(crate) mod articles;
pub(crate) mod dashboard;
pub(crate) mod editor;
pub(crate) mod media;
pub(crate) mod names;
pub(crate) mod newsletter;
pub(crate) mod redirects;
pub(crate) mod revisions;
pub(crate) mod roles;
pub(crate) mod screen;
pub(crate) mod settings;
pub(crate) mod sign_in;
pub(crate) mod subscribers;

use crate::http::routes::Routes;
use axum::response::Redirect;
use axum::routing::{get, post};

pub(crate) fn routes() -> Routes {
    Routes::new()
        .route("/admin", get(dashboard::dashboard))
        .route("/admin/", get(|| async { Redirect::permanent("/admin") }))
        .route(
            "/admin/login",
            get(sign_in::login_page).post(sign_in::login),
        )
        .route("/admin/logout", post(sign_in::logout))
        .route("/admin/logout-all", post(sign_in::logout_everywhere))
        .route(
            "/admin/setup/{token}",
            get(sign_in::setup_page).post(sign_in::setup),
        )
        .route("/admin/audit", get(dashboard::audit_log))
        .route("/admin/login/code", post(sign_in::login_code))
        .route("/admin/account", get(account::account))
        .route("/admin/account/totp/start", post(account::totp_start))
        .route("/admin/account/totp/confirm", post(account::totp_confirm))
        .route("/admin/account/totp/off", post(account::totp_off))
        .route(
            "/admin/reset",
            get(sign_in::reset_request_page).post(sign_in::reset_request),
        )
        .route(
            "/admin/reset/{token}",
            get(sign_in::reset_page).post(sign_in::reset),
        )
        .route(
            "/admin/users",
            get(accounts::users_page).post(accounts::add_user),
        )
        .route("/admin/articles", get(articles::list).post(editor::create))
        .route("/admin/articles/new", get(editor::new_form))
        .route("/admin/articles/bulk", post(articles::bulk))
        .route("/admin/suggest/{what}", get(articles::suggest))
        .route(
            "/admin/articles/{id}",
            get(editor::edit_form).post(editor::update),
        )
        .route("/admin/articles/{id}/preview", get(editor::preview))
        .route("/admin/articles/{id}/autosave", post(editor::autosave))
        .route(
            "/admin/articles/{id}/revisions/{version}",
            get(revisions::revision),
        )
        .route(
            "/admin/articles/{id}/revisions/{version}/restore",
            post(revisions::restore),
        )
        .route("/admin/users/{id}/role", post(accounts::change_role))
        .route("/admin/users/{id}/disabled", post(accounts::set_disabled))
        .merge(media::routes())
        .merge(names::routes())
        .merge(redirects::routes())
        .merge(newsletter::routes())
        .merge(subscribers::routes())
        .merge(settings::routes())
}

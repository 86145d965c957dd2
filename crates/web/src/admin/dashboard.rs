//! The dashboard (my drafts, pending, scheduled, recently published, most read today) and
//! the audit log.

use super::roles::{allowed, not_allowed};
use super::screen::{page, page_of};
use crate::http::auth::CurrentUser;
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::names;
use crate::render::helpers::v;
use crate::render::view;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use midad_core::{ArticleKind, Status};
use midad_store::ArticleQuery;
use minijinja::context;
use std::sync::Arc;

pub(crate) async fn dashboard(
    State(app): State<Arc<App>>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    let store = &app.store;
    let me = &user.session.user;
    let ctx = site_context(&app).await?;
    let list = |status: Status, author: Option<i64>, limit: i64| ArticleQuery {
        kind: Some(ArticleKind::Article),
        status: Some(status),
        author_id: author,
        limit,
        ..Default::default()
    };
    // Contributors and authors see their own work; editors and above see the newsroom's.
    let own_only = !me.role.can(midad_core::Action::EditAny);
    let mine = if own_only {
        me.author_id.or(Some(-1))
    } else {
        None
    };
    let drafts = match me.author_id {
        Some(a) => store.articles(&list(Status::Draft, Some(a), 10)).await?,
        None => Vec::new(),
    };
    let pending = store.articles(&list(Status::Pending, mine, 10)).await?;
    let scheduled = store.articles(&list(Status::Scheduled, mine, 10)).await?;
    let published = store.articles(&list(Status::Published, mine, 10)).await?;
    let today = app
        .now()
        .with_timezone(&ctx.locale.tz)
        .date_naive()
        .to_string();
    let read_ids = store.most_read(&today, 5).await?;
    let mut most_read = store.articles_by_ids(&read_ids).await?;
    most_read.sort_by_key(|a| read_ids.iter().position(|id| *id == a.id));
    let all: Vec<&midad_core::Article> = drafts
        .iter()
        .chain(&pending)
        .chain(&scheduled)
        .chain(&published)
        .chain(&most_read)
        .collect();
    let names = names(&app, &all, &ctx).await?;
    let views = |l: &[midad_core::Article]| -> Vec<view::ArticleView> {
        l.iter()
            .map(|a| view::view(a, &names, &ctx.locale, false))
            .collect()
    };
    let html = app.theme.render(
        "admin/dashboard.html",
        context! {
            site => v(&ctx.site),
            me => context! { name => me.name.clone(), email => me.email.clone(), role => me.role.as_str() },
            csrf => user.session.csrf.clone(),
            can_manage_users => me.role.can(midad_core::Action::ManageUsers),
            can_manage_subscribers => me.role.can(midad_core::Action::ManageSubscribers),
            drafts => v(&views(&drafts)),
            pending => v(&views(&pending)),
            scheduled => v(&views(&scheduled)),
            published => v(&views(&published)),
            most_read => v(&views(&most_read)),
        },
    )?;
    Ok(page(StatusCode::OK, html))
}

/// Who did what and when: for those who run the site.
pub(crate) async fn audit_log(
    State(app): State<Arc<App>>,
    user: CurrentUser,
) -> Result<Response, WebError> {
    if !allowed(&user, midad_core::Action::ManageUsers) {
        return not_allowed(&app).await;
    }
    let ctx = site_context(&app).await?;
    let names: std::collections::HashMap<i64, String> = app
        .store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let entries: Vec<_> = app
        .store
        .audit_log(300)
        .await?
        .into_iter()
        .map(|e| {
            context! {
                at => ctx.locale.date_time(e.at),
                who => e.user_id.and_then(|id| names.get(&id).cloned()),
                action => e.action,
                detail => e.detail,
                ip => e.ip,
            }
        })
        .collect();
    page_of(
        &app,
        StatusCode::OK,
        "admin/audit.html",
        context! { site => v(&ctx.site), entries => entries },
    )
}

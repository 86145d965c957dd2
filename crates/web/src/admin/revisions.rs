//! An article's revisions: any one compared with the current text, line by line, and
//! restored as a new save.

use super::editor::{editor_page, form_of, load, names};
use super::roles::{may_edit, may_publish, not_allowed};
use super::screen::page_of;
use crate::http::auth::{CurrentUser, HasCsrf, Protected};
use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::v;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use midad_core::{ArticleData, Status, body};
use midad_store::StoreError;
use minijinja::context;
use serde::Deserialize;
use std::sync::Arc;

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

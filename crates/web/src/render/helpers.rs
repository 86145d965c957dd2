//! Helpers every page uses: a serialisable value for the templates, and the names (sections,
//! tags, bylines, images) the views of a list of articles need.

use super::context::Context;
use super::view::Names;
use crate::http::{App, WebError};
use midad_core::Article;
use minijinja::Value;
use std::collections::HashMap;

/// A value the templates can read, from anything serialisable.
pub(crate) fn v<T: serde::Serialize>(value: &T) -> Value {
    Value::from(minijinja::value::Serde(value))
}

/// The names the views of `articles` need: their sections, tags, bylines and images (only
/// theirs, read by id).
pub(crate) async fn names(
    app: &App,
    articles: &[&Article],
    ctx: &Context,
) -> Result<Names, WebError> {
    let store = &app.store;
    let image_ids: Vec<i64> = articles.iter().filter_map(|a| a.data.image_id).collect();
    let ids_of = |pick: fn(&Article) -> &[i64]| {
        let mut ids: Vec<i64> = articles.iter().flat_map(|a| pick(a)).copied().collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    };
    let tag_ids = ids_of(|a| &a.data.tag_ids);
    let author_ids = ids_of(|a| &a.data.author_ids);
    let media: HashMap<_, _> = store
        .media_by_ids(&image_ids)
        .await?
        .into_iter()
        .map(|m| (m.id, m))
        .collect();
    Ok(Names {
        sections: ctx.sections.iter().map(|s| (s.id, s.clone())).collect(),
        tags: store
            .tags_by_ids(&tag_ids)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect(),
        authors: store
            .authors_by_ids(&author_ids)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect(),
        media,
    })
}

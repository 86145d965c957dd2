//! What a send says: its stories, fixed when it is queued (so a send resumed after a
//! restart says the same thing to everyone), and the digest's choice of them.

use crate::http::{App, WebError};
use crate::render::context::site_context;
use crate::render::helpers::names;
use crate::render::view;
use chrono::{DateTime, Duration, Utc};
use midad_core::{Article, ArticleKind, Id, Status};
use midad_store::ArticleQuery;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A story as a send carries it.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub(crate) struct Story {
    pub id: Id,
    pub title: String,
    pub url: String,
    pub excerpt: Option<String>,
    pub section: Option<String>,
    /// The story's section and its parent: a subscriber of either gets it.
    pub sections: Vec<Id>,
    pub image: Option<String>,
    pub published: Option<String>,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Payload {
    #[serde(default)]
    pub date: String,
    #[serde(default)]
    pub top: Vec<Story>,
    #[serde(default)]
    pub latest: Vec<Story>,
    #[serde(default)]
    pub user_id: Option<Id>,
}

pub(crate) async fn stories(app: &App, articles: &[Article]) -> Result<Vec<Story>, WebError> {
    let ctx = site_context(app).await?;
    let refs: Vec<&Article> = articles.iter().collect();
    let names = names(app, &refs, &ctx).await?;
    let parents: HashMap<Id, Option<Id>> =
        ctx.sections.iter().map(|s| (s.id, s.parent_id)).collect();
    let base = &app.config.base_url;
    Ok(articles
        .iter()
        .map(|a| {
            let v = view::view(a, &names, &ctx.locale, false);
            let mut sections = Vec::new();
            if let Some(id) = a.data.section_id {
                sections.push(id);
                if let Some(Some(parent)) = parents.get(&id) {
                    sections.push(*parent);
                }
            }
            Story {
                id: a.id,
                title: v.title,
                url: format!("{base}{}", v.url),
                excerpt: v.excerpt,
                section: v.section.map(|s| s.name),
                sections,
                image: v.image.map(|i| format!("{base}{}", i.url)),
                published: v.published,
            }
        })
        .collect())
}

/// What a subscriber limited to some sections gets of a list of stories.
pub(crate) fn for_sections(stories: &[Story], chosen: &[Id]) -> Vec<Story> {
    stories
        .iter()
        .filter(|s| chosen.is_empty() || s.sections.iter().any(|id| chosen.contains(id)))
        .cloned()
        .collect()
}

/// The digest's stories: what was published since the last digest (at most a day back),
/// the most read first.
pub(crate) async fn digest_payload(
    app: &App,
    now: DateTime<Utc>,
) -> Result<Option<Payload>, WebError> {
    let last = app.store.last_send("digest").await?.map(|(_, t)| t);
    let since = last.map_or(now - Duration::days(1), |t| t.max(now - Duration::days(1)));
    let mut articles = app
        .store
        .articles(&ArticleQuery {
            kind: Some(ArticleKind::Article),
            status: Some(Status::Published),
            published_from: Some(since),
            published_until: Some(now),
            limit: 40,
            ..Default::default()
        })
        .await?;
    articles.retain(|a| a.data.published_at.is_some_and(|t| t > since));
    if articles.is_empty() {
        return Ok(None);
    }
    let ctx = site_context(app).await?;
    let since_day = (now.with_timezone(&ctx.locale.tz) - Duration::days(1))
        .date_naive()
        .to_string();
    let read = app.store.most_read(&since_day, 200).await?;
    let rank = |a: &Article| read.iter().position(|id| *id == a.id).unwrap_or(usize::MAX);
    let mut top: Vec<Article> = articles.clone();
    top.sort_by_key(|a| (rank(a), std::cmp::Reverse(a.data.featured)));
    top.truncate(3);
    let top_ids: Vec<Id> = top.iter().map(|a| a.id).collect();
    let latest: Vec<Article> = articles
        .into_iter()
        .filter(|a| !top_ids.contains(&a.id))
        .collect();
    Ok(Some(Payload {
        date: ctx.locale.header_date(now),
        top: stories(app, &top).await?,
        latest: stories(app, &latest).await?,
        user_id: None,
    }))
}

//! Keeping the index current: a follower reads the change log after the sequence the index
//! last committed, re-reads each changed article and indexes it (published) or removes it
//! (anything else). A rebuild reads every published article afresh.

use crate::{Doc, Result, SearchIndex};
use midad_core::{Article, ArticleKind, Status, body};
use midad_store::{ArticleQuery, Order, Store};
use std::collections::{BTreeSet, HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

/// Names by id, loaded once per batch.
struct Names {
    sections: HashMap<i64, String>,
    tags: HashMap<i64, String>,
    authors: HashMap<i64, String>,
}

async fn names(store: &Store) -> Result<Names> {
    Ok(Names {
        sections: store
            .sections()
            .await?
            .into_iter()
            .map(|s| (s.id, s.name))
            .collect(),
        tags: store
            .tags()
            .await?
            .into_iter()
            .map(|t| (t.id, t.name))
            .collect(),
        authors: store
            .authors()
            .await?
            .into_iter()
            .map(|a| (a.id, a.name))
            .collect(),
    })
}

fn searchable(a: &Article) -> bool {
    a.data.status == Status::Published && a.data.kind != ArticleKind::Page
}

fn doc(a: &Article, n: &Names) -> Doc {
    let d = &a.data;
    Doc {
        id: a.id,
        kind: d.kind.as_str().to_string(),
        title: d.title.clone(),
        subtitle: d.subtitle.clone().unwrap_or_default(),
        excerpt: d.excerpt.clone().unwrap_or_default(),
        body: body::plain_text(&d.body),
        section_id: d.section_id,
        section: d
            .section_id
            .and_then(|id| n.sections.get(&id).cloned())
            .unwrap_or_default(),
        tags: d
            .tag_ids
            .iter()
            .filter_map(|id| n.tags.get(id).cloned())
            .collect(),
        authors: d
            .author_ids
            .iter()
            .filter_map(|id| n.authors.get(id).cloned())
            .collect(),
        published_at: d.published_at.unwrap_or(a.created_at),
    }
}

/// Indexes every published article afresh. `progress` is told (done, total). The articles
/// already in the index stay searchable until replaced; those no longer published are
/// removed at the end.
pub async fn rebuild(
    index: &SearchIndex,
    store: &Store,
    progress: impl FnMut(u64, u64),
) -> Result<u64> {
    index.begin_bulk();
    let done = reindex_all(index, store, progress).await;
    match done {
        Ok(_) => index.finish_bulk()?,
        Err(_) => index.abandon_bulk(),
    }
    done
}

/// Documents a rebuild stages between commits. The writer flushes segments by its memory
/// budget on its own; a commit per thousand documents wrote a thousand small segments at a
/// million articles, and the final merge opened every one of them.
const REBUILD_COMMIT: usize = 50_000;

async fn reindex_all(
    index: &SearchIndex,
    store: &Store,
    mut progress: impl FnMut(u64, u64),
) -> Result<u64> {
    // The log position first: anything written during the rebuild is replayed after it.
    let seq = store.latest_seq().await?;
    let total = store
        .count_articles(&ArticleQuery {
            status: Some(Status::Published),
            ..Default::default()
        })
        .await? as u64;
    let names = names(store).await?;
    let mut indexed: HashSet<i64> = HashSet::new();
    let mut done = 0;
    // Keyset paging: each chunk starts after the last id read, so reading the archive
    // costs the same per chunk at its end as at its start (an OFFSET walks past every
    // row before it).
    let mut after_id = None;
    let mut staged = 0;
    loop {
        let batch = store
            .articles(&ArticleQuery {
                status: Some(Status::Published),
                order: Order::Id,
                limit: 1000,
                after_id,
                ..Default::default()
            })
            .await?;
        let Some(last) = batch.last() else {
            break;
        };
        after_id = Some(last.id);
        let docs: Vec<Doc> = batch
            .iter()
            .filter(|a| searchable(a))
            .map(|a| doc(a, &names))
            .collect();
        indexed.extend(docs.iter().map(|d| d.id));
        done += batch.len() as u64;
        index.stage(&docs)?;
        staged += docs.len();
        if staged >= REBUILD_COMMIT {
            index.apply(&[], &[], None)?;
            staged = 0;
        }
        progress(done, total);
    }
    let gone: Vec<i64> = index
        .ids()?
        .into_iter()
        .filter(|id| !indexed.contains(id))
        .collect();
    index.apply(&[], &gone, Some(seq))?;
    Ok(done)
}

/// Applies the change log after the index's sequence, once. Returns how many entries.
pub async fn catch_up(index: &SearchIndex, store: &Store) -> Result<usize> {
    let after = index.indexed_seq().unwrap_or(0);
    let changes = store.changes_after(after, 5000).await?;
    let Some(last) = changes.last().map(|c| c.seq) else {
        return Ok(0);
    };
    // An article is re-read when it changed, and when a section, tag or byline it shows
    // was renamed (a deletion logs its articles itself).
    let mut ids: BTreeSet<i64> = BTreeSet::new();
    for c in &changes {
        use midad_core::EntityKind;
        let shown_by = match c.kind {
            EntityKind::Article => {
                ids.insert(c.entity_id);
                continue;
            }
            EntityKind::Section => midad_store::ArticleQuery {
                section_id: Some(c.entity_id),
                ..Default::default()
            },
            EntityKind::Tag => midad_store::ArticleQuery {
                tag_id: Some(c.entity_id),
                ..Default::default()
            },
            EntityKind::Author => midad_store::ArticleQuery {
                author_id: Some(c.entity_id),
                ..Default::default()
            },
            _ => continue,
        };
        ids.extend(store.articles(&shown_by).await?.iter().map(|a| a.id));
    }
    let names = names(store).await?;
    let ids: Vec<i64> = ids.into_iter().collect();
    let upserts: Vec<Doc> = store
        .articles_by_ids(&ids)
        .await?
        .iter()
        .filter(|a| searchable(a))
        .map(|a| doc(a, &names))
        .collect();
    // Gone, or no longer public: out of the index.
    let kept: BTreeSet<i64> = upserts.iter().map(|d| d.id).collect();
    let deletes: Vec<i64> = ids.into_iter().filter(|id| !kept.contains(id)).collect();
    index.apply(&upserts, &deletes, Some(last))?;
    Ok(changes.len())
}

/// Follows the change log until the process ends: woken by local commits, and polling
/// every second for those of other nodes.
pub async fn follow(index: Arc<SearchIndex>, store: Store, needs_rebuild: bool) {
    if needs_rebuild {
        match rebuild(&index, &store, |_, _| {}).await {
            Ok(n) => tracing::info!(articles = n, "search index rebuilt"),
            Err(e) => tracing::error!(error = %e, "search index rebuild failed"),
        }
    }
    let mut rx = store.subscribe();
    loop {
        match catch_up(&index, &store).await {
            Ok(n) if n >= 5000 => continue,
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "search index could not follow the change log"),
        }
        let _ = tokio::time::timeout(Duration::from_secs(1), rx.changed()).await;
    }
}

//! The page cache's follower: reads the change log and purges what each change makes
//! stale. Wakes at once on a local write and polls twice a second for other nodes' writes.

use crate::http::App;
use midad_core::{Change, EntityKind, Status};
use std::sync::Arc;
use std::time::Duration;

/// The surrogate keys a change makes stale. Articles are purged precisely (their own page,
/// the lists of their section, tags, bylines and kind, and the site-wide lists when they are
/// public); names shown on every page (sections in the navigation, settings, media) clear
/// everything. The sitemaps carry one key, `sitemap`, which every change of an article makes
/// stale (one of 50,000 URLs, or its `lastmod`, may be what changed): a key per URL would
/// make a header no CDN takes.
pub(crate) async fn stale_keys(
    store: &midad_store::Store,
    changes: &[Change],
) -> midad_store::Result<Option<Vec<String>>> {
    let mut keys = Vec::new();
    let mut ids = Vec::new();
    for c in changes {
        match c.kind {
            EntityKind::Article => ids.push(c.entity_id),
            EntityKind::User => {}
            _ => return Ok(None),
        }
    }
    ids.sort_unstable();
    ids.dedup();
    if !ids.is_empty() {
        keys.push("sitemap".to_owned());
    }
    let found = store.cards_by_ids(&ids).await?;
    let sections = store.sections().await?;
    for id in &ids {
        keys.push(format!("a{id}"));
        match found.iter().find(|a| a.id == *id) {
            None => keys.push("latest".into()),
            Some(a) => {
                let d = &a.data;
                keys.push(format!("k{}", d.kind.as_str()));
                if let Some(s) = d.section_id {
                    keys.push(format!("s{s}"));
                    if let Some(parent) = sections
                        .iter()
                        .find(|x| x.id == s)
                        .and_then(|x| x.parent_id)
                    {
                        keys.push(format!("s{parent}"));
                    }
                }
                keys.extend(d.tag_ids.iter().map(|t| format!("t{t}")));
                keys.extend(d.author_ids.iter().map(|u| format!("u{u}")));
                if d.status == Status::Published {
                    keys.push("latest".into());
                }
            }
        }
    }
    Ok(Some(keys))
}

/// Follows the change log for as long as the server runs.
pub async fn follow(app: Arc<App>) {
    let store = app.store.clone();
    let mut wake = store.subscribe();
    let mut last = loop {
        match store.latest_seq().await {
            Ok(seq) => break seq,
            Err(e) => {
                tracing::warn!(error = %e, "page cache: cannot read the change log; retrying");
                tokio::time::sleep(Duration::from_secs(1)).await;
            }
        }
    };
    loop {
        let _ = tokio::time::timeout(Duration::from_millis(500), wake.changed()).await;
        loop {
            let changes = match store.changes_after(last, 1000).await {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e, "page cache: cannot read the change log");
                    break;
                }
            };
            let Some(newest) = changes.last().map(|c| c.seq) else {
                break;
            };
            match stale_keys(&store, &changes).await {
                Ok(Some(keys)) => app.cache.purge(&keys),
                Ok(None) => app.cache.clear(),
                Err(e) => {
                    tracing::warn!(error = %e, "page cache: cannot tell what changed; clearing");
                    app.cache.clear();
                }
            }
            // What the store keeps in memory is read again after another node's writes.
            store.heard(newest);
            last = newest;
            if changes.len() < 1000 {
                break;
            }
        }
    }
}

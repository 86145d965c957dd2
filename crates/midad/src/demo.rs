//! The demo content of `midad serve --demo`: original articles, caricatures and pages
//! embedded in the binary, imported through the ordinary import road with their dates moved
//! so the newest story lands at the moment the demo is loaded.

use crate::Failure;
use crate::exchange::{ImportOptions, import_file};
use chrono::{DateTime, Utc};
use midad_store::{ArticleQuery, Store};
use std::path::Path;

include!(concat!(env!("OUT_DIR"), "/demo_files.rs"));

/// Loads the demo into an empty site. Returns whether it did.
pub async fn load_if_empty(store: &Store, media_dir: &Path) -> Result<bool, Failure> {
    let existing = store
        .count_articles(&ArticleQuery::default())
        .await
        .map_err(anyhow::Error::from)?;
    if existing > 0 {
        return Ok(false);
    }
    let dir = tempfile::tempdir()?;
    let mut jsonl = None;
    for (rel, bytes) in DEMO_FILES {
        let path = dir.path().join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        if rel.ends_with(".jsonl") {
            jsonl = Some(path);
        }
    }
    let Some(jsonl) = jsonl else {
        return Err(Failure::Failed(anyhow::anyhow!(
            "this binary was built without demo content"
        )));
    };
    let newest = newest_publication(&jsonl)?;
    let options = ImportOptions {
        // Whole minutes, so the demo's times read like an editor's (09:30, not 09:30:17.4).
        shift: newest.map(|t| chrono::Duration::minutes((Utc::now() - t).num_minutes())),
        progress: false,
    };
    import_file(store, media_dir, &jsonl, options).await?;
    Ok(true)
}

/// The newest publication time among published lines: the anchor moved to "now".
fn newest_publication(jsonl: &Path) -> Result<Option<DateTime<Utc>>, Failure> {
    let text = std::fs::read_to_string(jsonl)?;
    Ok(text
        .lines()
        .filter_map(|l| midad_core::exchange::parse_line(l).ok())
        .filter(|r| r.status == midad_core::Status::Published)
        .filter_map(|r| r.published_at.map(|t| t.with_timezone(&Utc)))
        .max())
}

//! Which neighbouring words are indexed as pairs.
//!
//! A quoted phrase is found by checking, in every document holding all its words, where
//! they stand. That is quick when one of the words is uncommon (few documents to check)
//! and slow when all are common: two words found in most articles, next to each other in
//! a few hundred, mean checking positions in tens of thousands of documents. So the
//! neighbours of the index's common stems are indexed once more as one term (their pair),
//! which answers such a phrase from one posting list.
//!
//! Pairing every two neighbours would multiply the distinct terms of the index (millions
//! for a hundred thousand articles) and triple the time to build it; pairs of common stems
//! are few. Which stems are common is decided once, from the first documents of a
//! rebuild, and kept with the index, so every document and every query agree on it until
//! the next rebuild. A site that has grown well past what it had then is rebuilt at
//! start-up (see [`Frequent::stale`]).

use crate::Doc;
use crate::analyzer::{Stemming, analyze};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, RwLock};

/// A stem is common when at least this share of the sampled documents hold it.
const COMMON_SHARE: f64 = 0.2;
/// Fewer sampled documents than this tell nothing: no stem is called common (a site that
/// small checks positions quickly anyway).
const MIN_SAMPLE: usize = 500;
/// The file, in the index folder, that keeps the choice.
const FILE: &str = "midad-common-stems.json";

/// Which neighbours have a pair term.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Pairing {
    /// Neighbours that are both common stems of the index (what the site uses).
    #[default]
    Common,
    /// Every two neighbours: no phrase is ever checked by positions. For tests that
    /// compare both ways of finding a phrase.
    All,
}

/// The common stems, as chosen, with what they were chosen from.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub(crate) struct Choice {
    /// Documents sampled.
    pub sample: usize,
    /// Documents in the index when the choice was made or, after a rebuild, when it ended.
    pub indexed: u64,
    /// Whether every document of the index is indexed under this choice (not yet while a
    /// rebuild replaces them).
    #[serde(default)]
    pub complete: bool,
    pub stems: HashSet<String>,
}

type Shared = Arc<RwLock<Option<Arc<Choice>>>>;

fn read(lock: &Shared) -> Option<Arc<Choice>> {
    lock.read().unwrap_or_else(|e| e.into_inner()).clone()
}

fn set(lock: &Shared, choice: Option<Arc<Choice>>) {
    *lock.write().unwrap_or_else(|e| e.into_inner()) = choice;
}

/// The choice in force, shared by the tokenizers, the queries and the writer.
#[derive(Clone)]
pub(crate) struct Frequent {
    pairing: Pairing,
    /// What new documents are indexed under.
    indexing: Shared,
    /// What queries look pairs up with: the same, once every document of the index is
    /// indexed under it; `None` while a rebuild replaces them (phrases are then checked by
    /// positions, which is right whatever pairs a document has).
    querying: Shared,
    /// A rebuild is under way: its first documents choose.
    rebuilding: Arc<AtomicBool>,
}

impl Frequent {
    pub fn new(pairing: Pairing) -> Frequent {
        Frequent {
            pairing,
            indexing: Shared::default(),
            querying: Shared::default(),
            rebuilding: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The choice kept in `dir`, if there is one.
    pub fn load(&self, dir: &Path) {
        let choice = std::fs::read(dir.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Choice>(&bytes).ok())
            .map(Arc::new);
        set(&self.querying, choice.clone().filter(|c| c.complete));
        set(&self.indexing, choice);
    }

    /// What documents are indexed under now.
    pub fn indexing(&self) -> Option<Arc<Choice>> {
        read(&self.indexing)
    }

    /// Calls `f` with the choice queries use, which does not change meanwhile: what `f`
    /// reads of the index is indexed under it (see [`Frequent::finish_rebuild`]).
    pub fn with_query_choice<T>(&self, f: impl FnOnce(Option<&Choice>) -> T) -> T {
        let choice = self.querying.read().unwrap_or_else(|e| e.into_inner());
        f(choice.as_deref())
    }

    /// Whether the index must be rebuilt for its pairs to be known: it holds documents
    /// but no choice is kept with it, or a rebuild did not finish.
    pub fn unknown(&self, indexed_now: u64) -> bool {
        if self.pairing == Pairing::All {
            return false;
        }
        match self.indexing() {
            None => indexed_now > 0,
            Some(c) => !c.complete,
        }
    }

    /// A rebuild starts: queries stop using pairs, the next documents indexed choose anew.
    /// The kept choice is removed, so an interrupted rebuild is redone at start-up.
    pub fn begin_rebuild(&self, dir: Option<&Path>) {
        self.rebuilding.store(true, Ordering::SeqCst);
        set(&self.querying, None);
        set(&self.indexing, None);
        if let Some(dir) = dir {
            let _ = std::fs::remove_file(dir.join(FILE));
        }
    }

    /// Chooses from these documents, to index them and what follows: during a rebuild
    /// when nothing is chosen yet, or for the first documents of an empty index.
    pub fn choose(
        &self,
        docs: &[Doc],
        stemming: Stemming,
        dir: Option<&Path>,
        index_empty: bool,
    ) -> std::io::Result<()> {
        let rebuilding = self.rebuilding.load(Ordering::SeqCst);
        if self.indexing().is_some() || docs.is_empty() || !(rebuilding || index_empty) {
            return Ok(());
        }
        let choice = Arc::new(Choice {
            sample: docs.len(),
            indexed: 0,
            complete: !rebuilding,
            stems: if docs.len() < MIN_SAMPLE {
                HashSet::new()
            } else {
                common_stems(docs, stemming)
            },
        });
        keep(&choice, dir)?;
        if choice.complete {
            set(&self.querying, Some(choice.clone()));
        }
        set(&self.indexing, Some(choice));
        Ok(())
    }

    /// A rebuild has indexed every document (`indexed` of them) under the choice: it is
    /// kept as complete, and queries use it from the index's next reading on, which
    /// `reload` makes while no query takes a reading.
    pub fn finish_rebuild(
        &self,
        indexed: u64,
        dir: Option<&Path>,
        reload: impl FnOnce() -> tantivy::Result<()>,
    ) -> crate::Result<()> {
        self.rebuilding.store(false, Ordering::SeqCst);
        let Some(current) = self.indexing() else {
            // Nothing was indexed: the first documents will choose.
            return Ok(reload()?);
        };
        let choice = Arc::new(Choice {
            indexed,
            complete: true,
            ..(*current).clone()
        });
        keep(&choice, dir)?;
        set(&self.indexing, Some(choice.clone()));
        let mut querying = self.querying.write().unwrap_or_else(|e| e.into_inner());
        reload()?;
        *querying = Some(choice);
        Ok(())
    }

    /// A rebuild failed: queries go on without pairs until the next one (at start-up).
    pub fn abandon_rebuild(&self) {
        self.rebuilding.store(false, Ordering::SeqCst);
    }

    /// Whether the index has grown so far past the rebuild that chose the common stems
    /// that it should be rebuilt: four times what it held then, and at least 20,000
    /// documents (a site that started empty is rebuilt once it has that many).
    pub fn stale(&self, indexed_now: u64) -> bool {
        if self.pairing == Pairing::All {
            return false;
        }
        match self.indexing() {
            None => false,
            Some(c) => indexed_now >= 20_000 && indexed_now > c.indexed.saturating_mul(4),
        }
    }

    /// Whether two neighbouring stems have a pair term under this choice.
    pub fn pairs(&self, choice: Option<&Choice>, first: &str, second: &str) -> bool {
        match self.pairing {
            Pairing::All => true,
            Pairing::Common => {
                choice.is_some_and(|c| c.stems.contains(first) && c.stems.contains(second))
            }
        }
    }
}

/// Writes the choice to `dir` (whole or not at all).
fn keep(choice: &Choice, dir: Option<&Path>) -> std::io::Result<()> {
    if let Some(dir) = dir {
        let path = dir.join(FILE);
        let partial = dir.join(format!("{FILE}.partial"));
        std::fs::write(&partial, serde_json::to_vec(choice)?)?;
        std::fs::rename(&partial, &path)?;
    }
    Ok(())
}

/// The stems held by at least [`COMMON_SHARE`] of the documents.
fn common_stems(docs: &[Doc], stemming: Stemming) -> HashSet<String> {
    let mut held: HashMap<String, usize> = HashMap::new();
    for d in docs {
        let mut stems: HashSet<String> = HashSet::new();
        for text in [&d.title, &d.subtitle, &d.excerpt, &d.body] {
            stems.extend(
                analyze(text, stemming)
                    .into_iter()
                    .filter(|t| !t.stop)
                    .map(|t| t.stem),
            );
        }
        for s in stems {
            *held.entry(s).or_default() += 1;
        }
    }
    let least = ((docs.len() as f64) * COMMON_SHARE).ceil() as usize;
    held.into_iter()
        .filter(|(_, n)| *n >= least.max(1))
        .map(|(s, _)| s)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn docs(n: usize) -> Vec<Doc> {
        (0..n)
            .map(|i| Doc {
                id: i as i64 + 1,
                title: "خبر".into(),
                body: format!(
                    "أعلنت الحكومةُ {} {} في المدينة رقم {i}",
                    if i % 4 == 0 { "والقطارات" } else { "" },
                    if i % 10 == 0 { "الزيتون" } else { "" },
                ),
                ..Default::default()
            })
            .collect()
    }

    #[test]
    fn common_stems_are_those_of_a_fifth_of_the_documents() {
        let f = Frequent::new(Pairing::Common);
        f.choose(&docs(600), Stemming::Light, None, true).unwrap();
        let c = f.indexing().unwrap();
        assert_eq!(c.sample, 600);
        // In every document (الحكومة, أعلنت, خبر, مدينة, رقم), in a quarter (قطارات):
        // common; in a tenth (الزيتون) or one (the numbers): not; stop words are never
        // indexed.
        for (word, common) in [
            ("حكوم", true),
            ("اعلنت", true),
            ("خبر", true),
            ("مدين", true),
            ("رقم", true),
            ("قطار", true),
            ("زيتون", false),
            ("في", false),
            ("17", false),
        ] {
            assert_eq!(c.stems.contains(word), common, "{word}: {:?}", c.stems);
        }
        assert!(f.pairs(Some(&c), "حكوم", "قطار"));
        assert!(!f.pairs(Some(&c), "حكوم", "زيتون"));
        assert!(Frequent::new(Pairing::All).pairs(None, "a", "b"));
        // An empty index's first documents choose for queries too.
        assert!(f.with_query_choice(|q| q.is_some_and(|q| q.complete)));
        // Made once: later documents do not change it.
        f.choose(&docs(3), Stemming::Light, None, true).unwrap();
        assert_eq!(f.indexing().unwrap().sample, 600);
    }

    #[test]
    fn a_small_sample_names_no_common_stem() {
        let f = Frequent::new(Pairing::Common);
        f.choose(&docs(499), Stemming::Light, None, true).unwrap();
        assert!(f.indexing().unwrap().stems.is_empty());
        // Documents added to an index that holds others, with no choice known, do not
        // choose: the index is to be rebuilt.
        let g = Frequent::new(Pairing::Common);
        g.choose(&docs(600), Stemming::Light, None, false).unwrap();
        assert!(g.indexing().is_none());
        assert!(g.unknown(1) && !g.unknown(0));
    }

    #[test]
    fn a_rebuild_chooses_anew_and_queries_use_pairs_once_it_ends() {
        let dir = tempfile::tempdir().unwrap();
        let f = Frequent::new(Pairing::Common);
        f.choose(&docs(600), Stemming::Light, Some(dir.path()), true)
            .unwrap();
        f.begin_rebuild(Some(dir.path()));
        assert!(f.indexing().is_none());
        assert!(f.with_query_choice(|q| q.is_none()));
        assert!(!dir.path().join(FILE).exists());
        f.choose(&docs(700), Stemming::Light, Some(dir.path()), false)
            .unwrap();
        // Chosen, kept as not complete; queries still go by positions.
        assert_eq!(f.indexing().unwrap().sample, 700);
        assert!(f.with_query_choice(|q| q.is_none()));
        let midway = Frequent::new(Pairing::Common);
        midway.load(dir.path());
        assert!(midway.unknown(700), "an interrupted rebuild is redone");
        assert!(midway.with_query_choice(|q| q.is_none()));
        let mut reloaded = false;
        f.finish_rebuild(100_000, Some(dir.path()), || {
            reloaded = true;
            Ok(())
        })
        .unwrap();
        assert!(reloaded);
        assert!(f.with_query_choice(|q| q.is_some_and(|q| q.sample == 700)));
        let reopened = Frequent::new(Pairing::Common);
        reopened.load(dir.path());
        let c = reopened.indexing().unwrap();
        assert_eq!((c.sample, c.indexed, c.complete), (700, 100_000, true));
        assert_eq!(c.stems, f.indexing().unwrap().stems);
        assert!(!reopened.unknown(100_000));
        assert!(reopened.with_query_choice(|q| q.is_some()));
        // Rebuilt once the index holds four times what it held then.
        assert!(!reopened.stale(400_000));
        assert!(reopened.stale(400_001));
        // A site that started empty is rebuilt at 20,000 documents.
        let empty = Frequent::new(Pairing::Common);
        empty.choose(&docs(1), Stemming::Light, None, true).unwrap();
        assert!(!empty.stale(19_999));
        assert!(empty.stale(20_000));
    }
}

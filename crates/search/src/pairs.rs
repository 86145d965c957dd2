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
    /// Documents in the index when the rebuild that chose them ended.
    pub indexed: u64,
    pub stems: HashSet<String>,
}

/// The choice in force, shared by the pairs tokenizer, the queries and the writer.
#[derive(Clone)]
pub(crate) struct Frequent {
    pairing: Pairing,
    choice: Arc<RwLock<Option<Arc<Choice>>>>,
}

impl Frequent {
    pub fn new(pairing: Pairing) -> Frequent {
        Frequent {
            pairing,
            choice: Arc::new(RwLock::new(None)),
        }
    }

    /// The choice kept in `dir`, if there is one.
    pub fn load(&self, dir: &Path) {
        let choice = std::fs::read(dir.join(FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<Choice>(&bytes).ok());
        *self.write() = choice.map(Arc::new);
    }

    fn write(&self) -> std::sync::RwLockWriteGuard<'_, Option<Arc<Choice>>> {
        self.choice.write().unwrap_or_else(|e| e.into_inner())
    }

    /// The choice in force; `None` until one is made.
    pub fn current(&self) -> Option<Arc<Choice>> {
        self.choice
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    /// Forgets the choice: the next documents indexed make a new one.
    pub fn reset(&self, dir: Option<&Path>) {
        *self.write() = None;
        if let Some(dir) = dir {
            let _ = std::fs::remove_file(dir.join(FILE));
        }
    }

    /// Chooses from these documents when no choice is in force, and keeps it in `dir`.
    pub fn choose_if_unset(
        &self,
        docs: &[Doc],
        stemming: Stemming,
        dir: Option<&Path>,
    ) -> std::io::Result<()> {
        if self.current().is_some() || docs.is_empty() {
            return Ok(());
        }
        let choice = Choice {
            sample: docs.len(),
            indexed: 0,
            stems: if docs.len() < MIN_SAMPLE {
                HashSet::new()
            } else {
                common_stems(docs, stemming)
            },
        };
        self.keep(choice, dir)
    }

    /// Records how many documents the index holds at the end of a rebuild.
    pub fn rebuilt(&self, indexed: u64, dir: Option<&Path>) -> std::io::Result<()> {
        let Some(current) = self.current() else {
            return Ok(());
        };
        let mut choice = (*current).clone();
        choice.indexed = indexed;
        self.keep(choice, dir)
    }

    fn keep(&self, choice: Choice, dir: Option<&Path>) -> std::io::Result<()> {
        if let Some(dir) = dir {
            let path = dir.join(FILE);
            let partial = dir.join(format!("{FILE}.partial"));
            std::fs::write(&partial, serde_json::to_vec(&choice)?)?;
            std::fs::rename(&partial, &path)?;
        }
        *self.write() = Some(Arc::new(choice));
        Ok(())
    }

    /// Whether the index has grown so far past the rebuild that chose the common stems
    /// that it should be rebuilt: four times what it held then, and at least 20,000
    /// documents (a site that started empty is rebuilt once it has that many).
    pub fn stale(&self, indexed_now: u64) -> bool {
        if self.pairing == Pairing::All {
            return false;
        }
        match self.current() {
            None => false,
            Some(c) => indexed_now >= 20_000 && indexed_now > c.indexed.saturating_mul(4),
        }
    }

    /// Whether two neighbouring stems have a pair term.
    pub fn pairs(&self, choice: Option<&Choice>, first: &str, second: &str) -> bool {
        match self.pairing {
            Pairing::All => true,
            Pairing::Common => {
                choice.is_some_and(|c| c.stems.contains(first) && c.stems.contains(second))
            }
        }
    }
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
        f.choose_if_unset(&docs(600), Stemming::Light, None)
            .unwrap();
        let c = f.current().unwrap();
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
        // Made once: later documents do not change it.
        f.choose_if_unset(&docs(3), Stemming::Light, None).unwrap();
        assert_eq!(f.current().unwrap().sample, 600);
    }

    #[test]
    fn a_small_sample_names_no_common_stem() {
        let f = Frequent::new(Pairing::Common);
        f.choose_if_unset(&docs(499), Stemming::Light, None)
            .unwrap();
        assert!(f.current().unwrap().stems.is_empty());
    }

    #[test]
    fn the_choice_is_kept_with_the_index_until_a_rebuild() {
        let dir = tempfile::tempdir().unwrap();
        let f = Frequent::new(Pairing::Common);
        f.choose_if_unset(&docs(600), Stemming::Light, Some(dir.path()))
            .unwrap();
        f.rebuilt(100_000, Some(dir.path())).unwrap();
        let reopened = Frequent::new(Pairing::Common);
        reopened.load(dir.path());
        let c = reopened.current().unwrap();
        assert_eq!((c.sample, c.indexed), (600, 100_000));
        assert_eq!(c.stems, f.current().unwrap().stems);
        // Rebuilt once the index holds four times what it held then.
        assert!(!reopened.stale(400_000));
        assert!(reopened.stale(400_001));
        reopened.reset(Some(dir.path()));
        assert!(reopened.current().is_none());
        assert!(!dir.path().join(FILE).exists());
        // A site that started empty is rebuilt at 20,000 documents.
        let empty = Frequent::new(Pairing::Common);
        empty
            .choose_if_unset(&docs(1), Stemming::Light, None)
            .unwrap();
        assert!(!empty.stale(19_999));
        assert!(empty.stale(20_000));
    }
}

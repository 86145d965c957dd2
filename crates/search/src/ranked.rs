//! The ranking query: the documents that meet every condition of a search, scored by the
//! sum of the weighted terms they contain.
//!
//! tantivy prunes a flat union of terms with block-max WAND (whole blocks of documents
//! whose best possible score cannot enter the top are skipped), but scores every match of
//! a conjunction of unions, which is what a search of two common words is. Here the terms
//! are ranked as one union, with WAND, and a document the union offers is kept only if it
//! meets the conditions. That is exact: a document that meets them scores what the union
//! gives it, so one that WAND skips could not have entered the top either.
//!
//! When one condition is narrow, walking its few documents is cheaper than ranking the
//! union: then the plain conjunction is scored. So it is when an exclusion takes out most
//! documents.

use tantivy::query::{
    BooleanQuery, BoostQuery, ConstScoreQuery, EnableScoring, Explanation, Occur, Query, Scorer,
    TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{DocId, DocSet, Score, SegmentReader, Term};

/// Below this many documents in its narrowest condition (per segment), a search scores
/// the conjunction directly: a few thousand documents cost less than a millisecond.
pub(crate) const NARROW: u32 = 4096;

#[derive(Debug)]
pub(crate) struct Ranked {
    /// The terms that score, each with its weight. Every document meeting `required`
    /// contains at least one of them.
    pub scoring: Vec<(Term, Score)>,
    /// Conditions every result meets (unscored).
    pub required: Vec<Box<dyn Query>>,
    /// Conditions no result meets (unscored).
    pub excluded: Vec<Box<dyn Query>>,
    /// Below this many documents in its narrowest condition (per segment), the
    /// conjunction is scored directly.
    pub narrow: u32,
    /// Whether an exclusion of most documents has the conjunction scored directly.
    pub plain_when_excluding_most: bool,
}

impl Clone for Ranked {
    fn clone(&self) -> Self {
        Ranked {
            scoring: self.scoring.clone(),
            required: self.required.iter().map(|q| q.box_clone()).collect(),
            excluded: self.excluded.iter().map(|q| q.box_clone()).collect(),
            narrow: self.narrow,
            plain_when_excluding_most: self.plain_when_excluding_most,
        }
    }
}

impl Ranked {
    /// The flat union of the scoring terms.
    fn union(&self) -> BooleanQuery {
        BooleanQuery::new(
            self.scoring
                .iter()
                .map(|(term, boost)| -> (Occur, Box<dyn Query>) {
                    (
                        Occur::Should,
                        Box::new(BoostQuery::new(
                            Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                            *boost,
                        )),
                    )
                })
                .collect(),
        )
    }

    /// The conditions without scores: the documents a search finds, to count or to sort by
    /// date.
    pub fn matches(&self) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .required
            .iter()
            .map(|q| (Occur::Must, q.box_clone()))
            .collect();
        clauses.extend(
            self.excluded
                .iter()
                .map(|q| (Occur::MustNot, q.box_clone())),
        );
        BooleanQuery::new(clauses)
    }

    /// The conditions, scored by the union: what the pruned path computes, without pruning.
    /// The conditions stay clauses of this one boolean query: wrapped whole (as
    /// [`Ranked::matches`]) in a constant score, they made exclusions of common words
    /// twenty times slower.
    fn plain(&self) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = self
            .required
            .iter()
            .map(|q| -> (Occur, Box<dyn Query>) {
                (
                    Occur::Must,
                    Box::new(ConstScoreQuery::new(q.box_clone(), 0.0)),
                )
            })
            .collect();
        clauses.push((Occur::Should, Box::new(self.union())));
        clauses.extend(
            self.excluded
                .iter()
                .map(|q| (Occur::MustNot, q.box_clone())),
        );
        BooleanQuery::new(clauses)
    }
}

impl Query for Ranked {
    fn weight(&self, scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        if !scoring.is_scoring_enabled() {
            return self.matches().weight(scoring);
        }
        let unscored = match scoring.searcher() {
            Some(searcher) => EnableScoring::disabled_from_searcher(searcher),
            None => EnableScoring::disabled_from_schema(scoring.schema()),
        };
        let weights = |queries: &[Box<dyn Query>]| -> tantivy::Result<Vec<Box<dyn Weight>>> {
            queries.iter().map(|q| q.weight(unscored)).collect()
        };
        Ok(Box::new(RankedWeight {
            plain: self.plain().weight(scoring)?,
            union: self.union().weight(scoring)?,
            required: weights(&self.required)?,
            excluded: weights(&self.excluded)?,
            narrow: self.narrow,
            plain_when_excluding_most: self.plain_when_excluding_most,
        }))
    }
}

struct RankedWeight {
    plain: Box<dyn Weight>,
    union: Box<dyn Weight>,
    required: Vec<Box<dyn Weight>>,
    excluded: Vec<Box<dyn Weight>>,
    narrow: u32,
    plain_when_excluding_most: bool,
}

/// Whether `doc` is in `set`. Calls come with growing `doc`, as a ranking walk makes them.
fn holds(set: &mut Box<dyn Scorer>, doc: DocId) -> bool {
    let at = set.doc();
    at == doc || (at < doc && set.seek(doc) == doc)
}

impl Weight for RankedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        self.plain.scorer(reader, boost)
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        self.plain.explain(reader, doc)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.plain.count(reader)
    }

    fn for_each_pruning(
        &self,
        threshold: Score,
        reader: &SegmentReader,
        callback: &mut dyn FnMut(DocId, Score) -> Score,
    ) -> tantivy::Result<()> {
        let mut required = self
            .required
            .iter()
            .map(|w| w.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let mut excluded = self
            .excluded
            .iter()
            .map(|w| w.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
        let narrowest = required.iter().map(|s| s.size_hint()).min();
        // An exclusion that takes out most documents leaves few results among many that
        // score well: ranking the union would score most of them only to drop them.
        let excludes_most = self.plain_when_excluding_most
            && excluded
                .iter()
                .any(|s| s.size_hint() > reader.max_doc() / 2);
        if narrowest.is_some_and(|n| n < self.narrow) || excludes_most {
            return self.plain.for_each_pruning(threshold, reader, callback);
        }
        let mut current = threshold;
        self.union
            .for_each_pruning(threshold, reader, &mut |doc, score| {
                if required.iter_mut().all(|s| holds(s, doc))
                    && !excluded.iter_mut().any(|s| holds(s, doc))
                {
                    current = callback(doc, score);
                }
                current
            })
    }
}

#[cfg(test)]
mod tests {
    use crate::collect::TopScored;
    use crate::{Doc, Pairing, Request, SearchIndex, Stemming};
    use chrono::{TimeZone, Utc};
    use tantivy::DocAddress;
    use tantivy::collector::TopDocs;

    /// 3,000 articles in three segments, their words drawn so that a few are in nearly
    /// every article and others in a handful: enough blocks of postings for pruning to skip.
    fn corpus(pairing: Pairing) -> SearchIndex {
        const WORDS: &[&str] = &[
            "الحكومة",
            "وزير",
            "اقتصاد",
            "والنفط",
            "مدرسة",
            "الطبيب",
            "ملعب",
            "المطر",
            "جسر",
            "بالقمح",
            "سفير",
            "روبوت",
            "مهرجان",
            "الزيتون",
            "قطار",
            "ميناء",
        ];
        let index = SearchIndex::in_memory_with(Stemming::Light, pairing).unwrap();
        let mut seed: u64 = 0x5DEECE66D;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let mut word = move || {
            // Skewed: the first words far more often than the last.
            let r = (next() % 1000) as f64 / 1000.0;
            WORDS[((r * r * r) * WORDS.len() as f64) as usize]
        };
        for batch in 0..3 {
            let docs: Vec<Doc> = (0..1000)
                .map(|i| {
                    let id = batch * 1000 + i + 1;
                    let n = 5 + (id % 60) as usize;
                    Doc {
                        id,
                        kind: "article".into(),
                        title: (0..4).map(|_| word()).collect::<Vec<_>>().join(" "),
                        body: (0..n).map(|_| word()).collect::<Vec<_>>().join(" "),
                        section_id: Some(id % 3 + 1),
                        section: format!("قسم {}", id % 3),
                        published_at: Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
                            + chrono::Duration::hours(id),
                        ..Default::default()
                    }
                })
                .collect();
            index.apply(&docs, &[], Some(batch)).unwrap();
        }
        assert!(index.reading.reader.searcher().segment_readers().len() >= 2);
        index
    }

    /// Equal scores in the same order; the same documents, except among those tied with
    /// the first or the last of the page (either of two tied documents may be cut).
    fn same(a: &[(f32, DocAddress)], b: &[(f32, DocAddress)], what: &str) {
        assert_eq!(a.len(), b.len(), "{what}");
        let near = |x: f32, y: f32| (x - y).abs() <= 1e-4 * x.abs().max(1.0);
        for (x, y) in a.iter().zip(b) {
            assert!(near(x.0, y.0), "{what}: {a:?} {b:?}");
        }
        if let (Some(first), Some(last)) = (a.first(), a.last()) {
            let inside = |r: &[(f32, DocAddress)]| {
                let mut d: Vec<DocAddress> = r
                    .iter()
                    .filter(|(s, _)| !near(*s, first.0) && !near(*s, last.0))
                    .map(|(_, d)| *d)
                    .collect();
                d.sort();
                d
            };
            assert_eq!(inside(a), inside(b), "{what}");
        }
    }

    #[test]
    fn the_pruned_ranking_is_the_full_ranking() {
        for pairing in [Pairing::Common, Pairing::All] {
            let index = corpus(pairing);
            let searcher = index.reading.reader.searcher();
            for q in [
                "الحكومة",
                "الحكومة وزير",
                "الحكومة وزير اقتصاد",
                "وزير -النفط",
                "الحكومة -وزير",
                "\"وزير الحكومة\"",
                "\"الحكومة وزير اقتصاد\"",
                "قطار ميناء",
                "ميناء -قطار",
                "الحكومة -روبوت",
                "وزير اقتصاد -مهرجان",
                "\"الحكومة وزير\" -الزيتون",
                "روبوت \"الحكومة وزير\"",
            ] {
                for section_id in [None, Some(2)] {
                    let req = Request {
                        query: q.into(),
                        section_id,
                        ..Default::default()
                    };
                    let (_, ranked, _) = index.reading.ranked(&req).unwrap();
                    let mut pruned = ranked.clone();
                    pruned.narrow = 0;
                    pruned.plain_when_excluding_most = false;
                    let mut plain = ranked.clone();
                    plain.narrow = u32::MAX;
                    for (offset, limit) in [(0, 10), (10, 10), (0, 100)] {
                        let what = format!("{pairing:?} «{q}» {section_id:?} {offset}+{limit}");
                        let reference = searcher
                            .search(
                                &plain,
                                &TopDocs::with_limit(limit)
                                    .and_offset(offset)
                                    .order_by_score(),
                            )
                            .unwrap();
                        let a = searcher
                            .search(&pruned, &TopScored::new(offset, limit))
                            .unwrap();
                        let b = searcher
                            .search(&plain, &TopScored::new(offset, limit))
                            .unwrap();
                        assert!(!reference.is_empty() || offset > 0, "{what}: nothing found");
                        same(&reference, &a, &what);
                        same(&reference, &b, &what);
                    }
                }
            }
        }
    }
}

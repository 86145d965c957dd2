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
//! union: then the plain conjunction is scored.

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
}

impl Clone for Ranked {
    fn clone(&self) -> Self {
        Ranked {
            scoring: self.scoring.clone(),
            required: self.required.iter().map(|q| q.box_clone()).collect(),
            excluded: self.excluded.iter().map(|q| q.box_clone()).collect(),
            narrow: self.narrow,
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
        }))
    }
}

struct RankedWeight {
    plain: Box<dyn Weight>,
    union: Box<dyn Weight>,
    required: Vec<Box<dyn Weight>>,
    excluded: Vec<Box<dyn Weight>>,
    narrow: u32,
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
        let narrowest = required.iter().map(|s| s.size_hint()).min();
        if narrowest.is_some_and(|n| n < self.narrow) {
            return self.plain.for_each_pruning(threshold, reader, callback);
        }
        let mut excluded = self
            .excluded
            .iter()
            .map(|w| w.scorer(reader, 1.0))
            .collect::<tantivy::Result<Vec<_>>>()?;
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

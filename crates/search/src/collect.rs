//! The best-scored documents of a search, across segments.
//!
//! tantivy's own top-documents collector ranks each segment of the index from scratch: the
//! pruning of each segment starts from nothing. An index is many segments (each commit
//! makes one, merges join them), and scores are comparable across them (the statistics
//! are the whole index's), so here each segment starts from the lowest score the best
//! documents found so far have: a document that cannot beat it is never scored.

use std::cmp::{Ordering, Reverse};
use std::collections::BinaryHeap;
use std::sync::Mutex;
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, SegmentOrdinal, SegmentReader};

/// A page of the best documents: `offset` skipped, then `limit`.
pub(crate) struct TopScored {
    offset: usize,
    limit: usize,
    /// The lowest score among the best documents of the segments collected so far, once
    /// there are enough of them.
    floor: Mutex<Option<Score>>,
}

impl TopScored {
    pub fn new(offset: usize, limit: usize) -> TopScored {
        TopScored {
            offset,
            limit,
            floor: Mutex::new(None),
        }
    }

    fn keep(&self) -> usize {
        self.offset.saturating_add(self.limit)
    }
}

/// Better is a higher score, then (as tantivy orders them) an earlier document.
#[derive(Clone, Copy, Debug)]
struct Entry {
    score: Score,
    doc: DocAddress,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        self.score
            .total_cmp(&other.score)
            .then_with(|| other.doc.cmp(&self.doc))
    }
}

/// The best documents of one segment.
pub(crate) struct Best {
    keep: usize,
    segment: SegmentOrdinal,
    /// The worst kept entry on top.
    heap: BinaryHeap<Reverse<Entry>>,
}

impl Best {
    fn push(&mut self, doc: DocId, score: Score) {
        if self.keep == 0 {
            return;
        }
        let entry = Entry {
            score,
            doc: DocAddress::new(self.segment, doc),
        };
        if self.heap.len() < self.keep {
            self.heap.push(Reverse(entry));
        } else if self
            .heap
            .peek()
            .is_some_and(|Reverse(worst)| entry > *worst)
        {
            self.heap.pop();
            self.heap.push(Reverse(entry));
        }
    }

    /// The score a document must beat to be kept, once the heap is full.
    fn threshold(&self) -> Option<Score> {
        (self.heap.len() >= self.keep)
            .then(|| self.heap.peek().map(|Reverse(e)| e.score))
            .flatten()
    }
}

impl SegmentCollector for Best {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.push(doc, score);
    }

    fn harvest(self) -> Self::Fruit {
        self.heap
            .into_iter()
            .map(|Reverse(e)| (e.score, e.doc))
            .collect()
    }
}

impl Collector for TopScored {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = Best;

    fn for_segment(&self, segment: SegmentOrdinal, _: &SegmentReader) -> tantivy::Result<Best> {
        Ok(Best {
            keep: self.keep(),
            segment,
            heap: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<Entry> = fruits
            .into_iter()
            .flatten()
            .map(|(score, doc)| Entry { score, doc })
            .collect();
        all.sort_by(|a, b| b.cmp(a));
        Ok(all
            .into_iter()
            .skip(self.offset)
            .take(self.limit)
            .map(|e| (e.score, e.doc))
            .collect())
    }

    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let mut best = self.for_segment(segment, reader)?;
        let floor = *self.floor.lock().unwrap_or_else(|e| e.into_inner());
        let start = floor.unwrap_or(Score::MIN);
        let alive = reader.alive_bitset();
        weight.for_each_pruning(start, reader, &mut |doc, score| {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                best.push(doc, score);
            }
            best.threshold().map_or(start, |t| t.max(start))
        })?;
        if let Some(t) = best.threshold() {
            let mut floor = self.floor.lock().unwrap_or_else(|e| e.into_inner());
            if floor.is_none_or(|f| t > f) {
                *floor = Some(t);
            }
        }
        Ok(best.harvest())
    }
}

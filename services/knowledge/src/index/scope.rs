//! Which documents a search may return, judged while tantivy collects: property, language,
//! kind and effective dates are fast fields read per matching document (the property first,
//! from a plain per-segment array), and the script nudge is added there too.
//!
//! As query clauses they cost more than the words did: each search intersected the text with
//! a union of the chain's and the property's documents (a tenth and more of the index), which
//! seeks the text's union of term postings document by document, and seeked a nudge clause
//! over half the index. Now the query is the words alone, scored in tantivy's batched union,
//! and a document out of scope costs one array read.

use std::cmp::Ordering;
use std::collections::BinaryHeap;
use std::collections::{HashMap, HashSet};
use std::fmt::Debug;
use std::sync::{Arc, Mutex};
use tantivy::collector::{Collector, SegmentCollector};
use tantivy::columnar::{Cardinality, Column, ColumnValues};
use tantivy::index::SegmentId;
use tantivy::query::Weight;
use tantivy::{DocAddress, DocId, Score, Searcher, SegmentOrdinal, SegmentReader};

/// The `scope` value of chain-wide articles; properties get 1, 2, … (see `Docs::scope_of`).
pub(super) const CHAIN_SCOPE: u64 = 0;
/// A scope no document has: a property the index holds no article of.
pub(super) const NO_SCOPE: u64 = u64::MAX;

/// Read for a document without a value (every document has them all): out of every scope.
const MISSING: u64 = u64::MAX - 1;

/// One value per document, read by document id. Every document has every scope field, so
/// the column is full and its values are read directly (`Column::first` goes through the
/// column index for each of the thousands of matches a search scores).
type Values<T> = Arc<dyn ColumnValues<T>>;

fn dense<T>(column: Column<T>, missing: T) -> Values<T>
where
    T: PartialOrd + Copy + Debug + Send + Sync + 'static,
{
    if column.get_cardinality() == Cardinality::Full {
        column.values
    } else {
        column.first_or_default_col(missing)
    }
}

/// The fast fields [`ScopedTop`] reads.
pub(super) const SCOPE: &str = "scope";
pub(super) const LANG: &str = "lang";
pub(super) const KIND: &str = "kind";
pub(super) const FROM: &str = "from";
pub(super) const UNTIL: &str = "until";

/// What a search may return, and the nudge for documents in the query's script.
#[derive(Debug, Clone)]
pub(super) struct Scope {
    /// The caller's property (besides the chain, always in scope); [`NO_SCOPE`] for none.
    pub property: u64,
    pub lang: Option<u64>,
    /// Empty: every kind.
    pub kinds: Vec<u64>,
    /// Effective dates are judged at this time (unix micros).
    pub now: i64,
    /// Documents in this language get `nudge` added to their score.
    pub script: u64,
    pub nudge: Score,
}

/// The best `limit` in-scope documents by score (text score plus the script nudge).
pub(super) struct ScopedTop<'a> {
    pub scope: Scope,
    pub limit: usize,
    pub cache: &'a ScopeCache,
}

/// Each segment's `scope` column as a plain array, read once per segment: every match a
/// search scores is judged by it first, and most are out of scope.
#[derive(Default)]
pub(super) struct ScopeCache {
    segments: Mutex<HashMap<SegmentId, Arc<[u64]>>>,
}

impl ScopeCache {
    fn get(&self, reader: &SegmentReader) -> tantivy::Result<Arc<[u64]>> {
        let mut segments = self
            .segments
            .lock()
            .map_err(|_| tantivy::TantivyError::InternalError("scope cache poisoned".into()))?;
        if let Some(s) = segments.get(&reader.segment_id()) {
            return Ok(s.clone());
        }
        let column = dense(reader.fast_fields().u64(SCOPE)?, MISSING);
        let scopes: Arc<[u64]> = (0..reader.max_doc()).map(|d| column.get_val(d)).collect();
        segments.insert(reader.segment_id(), scopes.clone());
        Ok(scopes)
    }

    /// Forgets segments the searcher no longer has (merged away or deleted).
    pub(super) fn retain(&self, searcher: &Searcher) {
        if let Ok(mut segments) = self.segments.lock() {
            let live: HashSet<SegmentId> = searcher
                .segment_readers()
                .iter()
                .map(SegmentReader::segment_id)
                .collect();
            segments.retain(|id, _| live.contains(id));
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    score: Score,
    doc: DocId,
}

// Ordered so that the heap's top is the entry to drop first: the lowest score, and among
// equal scores the later document.
impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other
            .score
            .total_cmp(&self.score)
            .then(self.doc.cmp(&other.doc))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Entry {}

pub(super) struct SegmentTop {
    scope: Scope,
    limit: usize,
    segment: SegmentOrdinal,
    scopes: Arc<[u64]>,
    langs: Values<u64>,
    kinds: Values<u64>,
    from: Values<i64>,
    until: Values<i64>,
    top: BinaryHeap<Entry>,
}

impl SegmentTop {
    /// The score bonus of `doc` if it is in scope.
    fn admit(&self, doc: DocId) -> Option<Score> {
        let s = &self.scope;
        let scope = self.scopes.get(doc as usize).copied().unwrap_or(MISSING);
        if scope != CHAIN_SCOPE && scope != s.property {
            return None;
        }
        let lang = self.langs.get_val(doc);
        if s.lang.is_some_and(|l| l != lang) {
            return None;
        }
        if !s.kinds.is_empty() && !s.kinds.contains(&self.kinds.get_val(doc)) {
            return None;
        }
        if self.from.get_val(doc) > s.now || s.now >= self.until.get_val(doc) {
            return None;
        }
        Some(if lang == s.script { s.nudge } else { 0.0 })
    }

    fn push(&mut self, doc: DocId, score: Score) {
        let Some(bonus) = self.admit(doc) else {
            return;
        };
        let entry = Entry {
            score: score + bonus,
            doc,
        };
        if self.top.len() < self.limit {
            self.top.push(entry);
        } else if self.top.peek().is_some_and(|worst| entry < *worst) {
            self.top.pop();
            self.top.push(entry);
        }
    }
}

impl SegmentCollector for SegmentTop {
    type Fruit = Vec<(Score, DocAddress)>;

    fn collect(&mut self, doc: DocId, score: Score) {
        self.push(doc, score);
    }

    fn harvest(self) -> Self::Fruit {
        let segment = self.segment;
        self.top
            .into_iter()
            .map(|e| (e.score, DocAddress::new(segment, e.doc)))
            .collect()
    }
}

impl Collector for ScopedTop<'_> {
    type Fruit = Vec<(Score, DocAddress)>;
    type Child = SegmentTop;

    fn for_segment(
        &self,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<SegmentTop> {
        let fast = reader.fast_fields();
        Ok(SegmentTop {
            scope: self.scope.clone(),
            limit: self.limit.max(1),
            segment,
            scopes: self.cache.get(reader)?,
            langs: dense(fast.u64(LANG)?, MISSING),
            kinds: dense(fast.u64(KIND)?, MISSING),
            from: dense(fast.i64(FROM)?, i64::MAX),
            until: dense(fast.i64(UNTIL)?, i64::MIN),
            top: BinaryHeap::new(),
        })
    }

    fn requires_scoring(&self) -> bool {
        true
    }

    /// Every match is scored (`for_each`: the union's batched scoring). Block-WAND pruning
    /// (`for_each_pruning`) measured slower here: with most matches out of scope and the
    /// nudge added after scoring, its threshold rises too late to skip much, and it pays
    /// per document for keeping its term cursors sorted.
    fn collect_segment(
        &self,
        weight: &dyn Weight,
        segment: SegmentOrdinal,
        reader: &SegmentReader,
    ) -> tantivy::Result<Self::Fruit> {
        let mut top = self.for_segment(segment, reader)?;
        let alive = reader.alive_bitset();
        weight.for_each(reader, &mut |doc, score| {
            if alive.is_none_or(|a| a.is_alive(doc)) {
                top.push(doc, score);
            }
        })?;
        Ok(top.harvest())
    }

    fn merge_fruits(&self, fruits: Vec<Self::Fruit>) -> tantivy::Result<Self::Fruit> {
        let mut all: Vec<(Score, DocAddress)> = fruits.into_iter().flatten().collect();
        all.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        all.truncate(self.limit);
        Ok(all)
    }
}

//! The search index of one replica: tantivy in RAM, built from the database at start and kept
//! current by applying changes in sequence order (see `crate::follow`). Nothing here knows
//! gRPC or SQL: it takes live documents and answers queries.

pub mod analyzer;
mod highlight;
mod query;
mod queue;
mod scope;
pub mod synonyms;

use crate::domain::{Kind, Lang};
use analyzer::{ANALYZER, analyzer};
use std::collections::HashMap;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use tantivy::schema::{
    FAST, Field, IndexRecordOption, STRING, Schema, TantivyDocument, TextFieldIndexing, TextOptions,
};
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Term, doc};

/// Typo tolerance applies to Latin terms at least this long (one edit).
const FUZZY_MIN_CHARS: usize = 5;
const SNIPPET_CHARS: usize = 160;
/// Weight of terms a synonym group added, against the caller's own words.
const SYNONYM_WEIGHT: f32 = 0.6;
/// Score added to documents in the query's own script. (It was a boosted `lang` term clause,
/// 1.5 × that term's BM25 weight: about 1.0 on an index half Chinese and half English.)
const SCRIPT_NUDGE: f32 = 1.0;

/// The `lang` and `kind` fast-field values.
fn lang_ord(l: Lang) -> u64 {
    l as u64
}

fn kind_ord(k: Kind) -> u64 {
    k as u64
}

fn is_han(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// A published article version as search serves it.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveDoc {
    pub article_id: String,
    /// "" for chain-wide.
    pub property_id: String,
    pub slug: String,
    pub kind: Kind,
    pub language: Lang,
    pub version: i64,
    pub title: String,
    pub body: String,
    pub tags: Vec<String>,
    pub effective_from: Option<i64>,
    pub effective_until: Option<i64>,
}

impl LiveDoc {
    pub fn effective_at(&self, now: i64) -> bool {
        self.effective_from.is_none_or(|f| f <= now) && self.effective_until.is_none_or(|u| now < u)
    }
}

/// A change to apply: the article's live version, or its removal from search.
#[derive(Debug, Clone)]
pub enum Change {
    Upsert(LiveDoc),
    Remove(String),
}

#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub text: String,
    /// The caller's property ("" = chain articles only).
    pub property_id: String,
    pub language: Option<Lang>,
    pub kinds: Vec<Kind>,
    pub offset: usize,
    pub limit: usize,
    /// Unix micros: effective dates are judged at this time.
    pub now: i64,
}

#[derive(Debug, Clone)]
pub struct Hit {
    pub doc: LiveDoc,
    pub snippet: String,
    pub score: f32,
}

#[derive(Clone, Copy)]
struct Fields {
    id: Field,
    /// A number per live document (fast field): hits map back to articles without reading
    /// the document store.
    key: Field,
    title: Field,
    body: Field,
    tags: Field,
    /// Fast fields the search collector filters and nudges by (see `scope`): the property
    /// (`Docs::scope_of`), language and kind ordinals, effective dates (unbounded: min/max).
    scope: Field,
    kind: Field,
    lang: Field,
    from: Field,
    until: Field,
}

pub struct KbIndex {
    index: Index,
    fields: Fields,
    writer: Mutex<IndexWriter>,
    reader: IndexReader,
    docs: RwLock<Docs>,
    synonyms: RwLock<synonyms::Synonyms>,
    /// The change sequence the index is current to.
    sequence: AtomicI64,
    /// How many searches may run at once (see [`KbIndex::search_queued`]).
    search_slots: Arc<tokio::sync::Semaphore>,
    scope_cache: scope::ScopeCache,
}

#[derive(Default)]
struct Docs {
    by_id: HashMap<String, LiveDoc>,
    /// Fast-field key → article id, and the next key to hand out.
    by_key_no: HashMap<u64, String>,
    key_of: HashMap<String, u64>,
    next_key: u64,
    /// (property, slug, language) → article id, to let property articles hide chain ones.
    by_key: HashMap<(String, String, Lang), String>,
    /// Property id → its `scope` fast-field value (chain articles: `scope::CHAIN_SCOPE`).
    scopes: HashMap<String, u64>,
}

impl Docs {
    /// Stores `d` (its fast-field key already handed out by [`Docs::new_key`]).
    fn insert(&mut self, d: LiveDoc) {
        if let Some(old) = self.by_id.remove(&d.article_id) {
            let key = (old.property_id, old.slug, old.language);
            if self.by_key.get(&key).is_some_and(|v| *v == d.article_id) {
                self.by_key.remove(&key);
            }
        }
        self.by_key.insert(
            (d.property_id.clone(), d.slug.clone(), d.language),
            d.article_id.clone(),
        );
        self.by_id.insert(d.article_id.clone(), d);
    }

    /// The `scope` value of a property's articles, handed out on first use.
    fn scope_for(&mut self, property: &str) -> u64 {
        if property.is_empty() {
            return scope::CHAIN_SCOPE;
        }
        let next = self.scopes.len() as u64 + 1;
        *self.scopes.entry(property.to_string()).or_insert(next)
    }

    /// The `scope` value a search for `property` admits besides the chain's.
    fn scope_of(&self, property: &str) -> u64 {
        self.scopes
            .get(property)
            .copied()
            .unwrap_or(scope::NO_SCOPE)
    }

    /// A fresh fast-field key for `id`.
    fn new_key(&mut self, id: &str) -> u64 {
        self.next_key += 1;
        self.by_key_no.insert(self.next_key, id.to_string());
        self.key_of.insert(id.to_string(), self.next_key);
        self.next_key
    }

    fn remove(&mut self, id: &str) {
        if let Some(k) = self.key_of.remove(id) {
            self.by_key_no.remove(&k);
        }
        if let Some(old) = self.by_id.remove(id) {
            let key = (old.property_id, old.slug, old.language);
            if self.by_key.get(&key).is_some_and(|v| v == id) {
                self.by_key.remove(&key);
            }
        }
    }

    /// A chain document is hidden when the property has its own live, effective version.
    fn overridden(&self, d: &LiveDoc, property: &str, now: i64) -> bool {
        if !d.property_id.is_empty() || property.is_empty() {
            return false;
        }
        self.by_key
            .get(&(property.to_string(), d.slug.clone(), d.language))
            .and_then(|id| self.by_id.get(id))
            .is_some_and(|p| p.effective_at(now))
    }
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = TextOptions::default().set_indexing_options(
        TextFieldIndexing::default()
            .set_tokenizer(ANALYZER)
            .set_index_option(IndexRecordOption::WithFreqsAndPositions),
    );
    let fields = Fields {
        id: b.add_text_field("id", STRING),
        key: b.add_u64_field("key", FAST),
        title: b.add_text_field("title", text.clone()),
        body: b.add_text_field("body", text.clone()),
        tags: b.add_text_field("tags", text),
        scope: b.add_u64_field(scope::SCOPE, FAST),
        kind: b.add_u64_field(scope::KIND, FAST),
        lang: b.add_u64_field(scope::LANG, FAST),
        from: b.add_i64_field(scope::FROM, FAST),
        until: b.add_i64_field(scope::UNTIL, FAST),
    };
    (b.build(), fields)
}

impl KbIndex {
    pub fn new() -> anyhow::Result<KbIndex> {
        let (schema, fields) = schema();
        let index = Index::create_in_ram(schema);
        index.tokenizers().register(ANALYZER, analyzer());
        let writer = index.writer_with_num_threads(1, 50_000_000)?;
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::Manual)
            .try_into()?;
        Ok(KbIndex {
            index,
            fields,
            writer: Mutex::new(writer),
            reader,
            docs: RwLock::new(Docs::default()),
            synonyms: RwLock::new(synonyms::Synonyms::default()),
            sequence: AtomicI64::new(0),
            search_slots: Arc::new(tokio::sync::Semaphore::new(queue::cores())),
            scope_cache: scope::ScopeCache::default(),
        })
    }

    pub fn sequence(&self) -> i64 {
        self.sequence.load(Ordering::Acquire)
    }

    pub fn documents(&self) -> usize {
        self.docs.read().map(|d| d.by_id.len()).unwrap_or(0)
    }

    pub fn set_synonyms(&self, groups: Vec<Vec<String>>) {
        if let Ok(mut s) = self.synonyms.write() {
            *s = synonyms::Synonyms::new(groups);
        }
    }

    fn document(&self, d: &LiveDoc, key: u64, scope: u64) -> TantivyDocument {
        let f = self.fields;
        doc!(
            f.id => d.article_id.as_str(),
            f.key => key,
            f.title => d.title.as_str(),
            f.body => d.body.as_str(),
            f.tags => d.tags.join(" "),
            f.scope => scope,
            f.kind => kind_ord(d.kind),
            f.lang => lang_ord(d.language),
            f.from => d.effective_from.unwrap_or(i64::MIN),
            f.until => d.effective_until.unwrap_or(i64::MAX),
        )
    }

    /// Applies changes in order and makes them searchable; `sequence` is the change sequence
    /// they bring the index to.
    pub fn apply(&self, changes: Vec<Change>, sequence: i64) -> anyhow::Result<()> {
        self.write(false, changes)?;
        self.sequence.fetch_max(sequence, Ordering::AcqRel);
        Ok(())
    }

    /// Replaces the whole index with `docs` (a rebuild from the database).
    pub fn replace_all(&self, docs: Vec<LiveDoc>, sequence: i64) -> anyhow::Result<()> {
        self.write(true, docs.into_iter().map(Change::Upsert).collect())?;
        self.sequence.store(sequence, Ordering::Release);
        Ok(())
    }

    fn write(&self, clear: bool, changes: Vec<Change>) -> anyhow::Result<()> {
        let mut writer = self
            .writer
            .lock()
            .map_err(|_| anyhow::anyhow!("index writer poisoned"))?;
        let mut docs = self
            .docs
            .write()
            .map_err(|_| anyhow::anyhow!("index documents poisoned"))?;
        if clear {
            writer.delete_all_documents()?;
            *docs = Docs::default();
        }
        for change in changes {
            match change {
                Change::Upsert(d) => {
                    writer.delete_term(Term::from_field_text(self.fields.id, &d.article_id));
                    docs.remove(&d.article_id);
                    let key = docs.new_key(&d.article_id);
                    let scope = docs.scope_for(&d.property_id);
                    writer.add_document(self.document(&d, key, scope))?;
                    docs.insert(d);
                }
                Change::Remove(id) => {
                    writer.delete_term(Term::from_field_text(self.fields.id, &id));
                    docs.remove(&id);
                }
            }
        }
        writer.commit()?;
        // Searches take the document map before the searcher: holding the map until the
        // reader sees the commit keeps every search on a matching pair.
        self.reader.reload()?;
        self.scope_cache.retain(&self.reader.searcher());
        drop(docs);
        drop(writer);
        Ok(())
    }

    /// The live document of an article, if search serves it.
    pub fn live(&self, article_id: &str) -> Option<LiveDoc> {
        self.docs.read().ok()?.by_id.get(article_id).cloned()
    }

    /// The number of documents tantivy holds (tests: deletions really happened).
    pub fn indexed(&self) -> u64 {
        self.reader.searcher().num_docs()
    }

    #[doc(hidden)]
    pub fn schema_index(&self) -> &Index {
        &self.index
    }
}

#[cfg(test)]
mod tests;

//! Query building and ranking: what a search means in tantivy terms (text, typo tolerance,
//! synonyms, script nudges, filters) and how hits are cut into snippets.

use super::*;
use crate::domain::Lang;
use analyzer::{analyzer, terms};
use scope::{NO_SCOPE, Scope, ScopedTop};
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;
use tantivy::{Searcher, Term};

impl KbIndex {
    /// The text part of a query: every analyzed term of the query in title (strongest), tags
    /// and body, Latin terms of five letters or more also with one typo; the terms synonyms
    /// add count for less than the caller's own words. (Documents in the query's script get
    /// a nudge from the collector, so "几点离店" prefers the Chinese article: see [`Scope`].)
    fn text_query(&self, text: &str, searcher: &Searcher) -> Option<Box<dyn Query>> {
        let groups = self
            .synonyms
            .read()
            .map(|s| s.alternatives(text))
            .unwrap_or_default();
        let mut a = analyzer();
        let own = terms(&mut a, text);
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &own {
            self.term_clauses(w, 1.0, searcher, &mut clauses);
        }
        // A synonym group counts once, by its best alternative: "check-out" is one
        // alternative of 退房, not two extra words.
        for group in groups {
            let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
            for alt in group {
                let words: Vec<String> = terms(&mut a, &alt)
                    .into_iter()
                    .filter(|t| !own.contains(t))
                    .collect();
                let mut all: Vec<(Occur, Box<dyn Query>)> = Vec::new();
                for w in &words {
                    let mut per_word = Vec::new();
                    self.term_clauses(w, SYNONYM_WEIGHT, searcher, &mut per_word);
                    all.push((Occur::Must, Box::new(BooleanQuery::new(per_word))));
                }
                // A two-word alternative must not outweigh a one-word one by being two words.
                #[allow(clippy::cast_precision_loss)]
                let share = 1.0 / all.len().max(1) as f32;
                if !all.is_empty() {
                    alternatives.push(Box::new(BoostQuery::new(
                        Box::new(BooleanQuery::new(all)),
                        share,
                    )));
                }
            }
            if !alternatives.is_empty() {
                clauses.push((
                    Occur::Should,
                    Box::new(DisjunctionMaxQuery::new(alternatives)),
                ));
            }
        }
        if clauses.is_empty() {
            return None;
        }
        Some(Box::new(BooleanQuery::new(clauses)))
    }

    fn term_clauses(
        &self,
        w: &str,
        weight: f32,
        searcher: &Searcher,
        out: &mut Vec<(Occur, Box<dyn Query>)>,
    ) {
        let f = self.fields;
        // Typo tolerance only for words the index does not know: a fuzzy term walks the
        // term dictionary, the costliest part of a query, and a known word needs no fixing.
        let fuzzy_ok = w.is_ascii()
            && w.chars().count() >= FUZZY_MIN_CHARS
            && [f.title, f.tags, f.body].iter().all(|field| {
                searcher
                    .doc_freq(&Term::from_field_text(*field, w))
                    .is_ok_and(|n| n == 0)
            });
        for (field, boost) in [(f.title, 3.0_f32), (f.tags, 2.0), (f.body, 1.0)] {
            let boost = boost * weight;
            let term = Term::from_field_text(field, w);
            let exact = TermQuery::new(term.clone(), IndexRecordOption::WithFreqs);
            out.push((
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(exact), boost)),
            ));
            if fuzzy_ok {
                let fuzzy = FuzzyTermQuery::new(term, 1, true);
                out.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(fuzzy), boost * 0.5)),
                ));
            }
        }
    }

    /// What the search may return (judged by the collector, see `scope`), and the nudge for
    /// documents in the query's script (Han → zh, Latin → en).
    fn scope(q: &SearchQuery, docs: &Docs) -> Scope {
        let script = if q.text.chars().any(is_han) {
            Lang::Zh
        } else {
            Lang::En
        };
        Scope {
            property: if q.property_id.is_empty() {
                NO_SCOPE
            } else {
                docs.scope_of(&q.property_id)
            },
            lang: q.language.map(lang_ord),
            kinds: q.kinds.iter().copied().map(kind_ord).collect(),
            now: q.now,
            script: lang_ord(script),
            nudge: SCRIPT_NUDGE,
        }
    }

    /// Ranked hits `offset..offset+limit` of live, effective, in-scope documents, and whether
    /// more follow.
    pub fn search(&self, q: &SearchQuery) -> anyhow::Result<(Vec<Hit>, bool)> {
        let want = q.offset + q.limit + 1;
        let docs = self
            .docs
            .read()
            .map_err(|_| anyhow::anyhow!("index documents poisoned"))?;
        let searcher = self.reader.searcher();
        let Some(text) = self.text_query(&q.text, &searcher) else {
            return Ok((Vec::new(), false));
        };
        let scope = Self::scope(q, &docs);
        // Chain articles a property overrides are dropped after retrieval: fetch more until
        // enough.
        let mut fetch = want + 10;
        let mut keys: Vec<Option<tantivy::columnar::Column<u64>>> = Vec::new();
        let kept = loop {
            let top = searcher.search(
                &*text,
                &ScopedTop {
                    scope: scope.clone(),
                    limit: fetch,
                    cache: &self.scope_cache,
                },
            )?;
            let exhausted = top.len() < fetch;
            let mut kept: Vec<(f32, &LiveDoc)> = Vec::new();
            for (score, addr) in top {
                let seg = addr.segment_ord as usize;
                if keys.len() <= seg {
                    keys.resize_with(seg + 1, || None);
                }
                if keys[seg].is_none() {
                    keys[seg] = Some(
                        searcher
                            .segment_reader(addr.segment_ord)
                            .fast_fields()
                            .u64("key")?,
                    );
                }
                let Some(d) = keys[seg]
                    .as_ref()
                    .and_then(|c| c.first(addr.doc_id))
                    .and_then(|k| docs.by_key_no.get(&k))
                    .and_then(|id| docs.by_id.get(id))
                else {
                    continue;
                };
                if d.effective_at(q.now) && !docs.overridden(d, &q.property_id, q.now) {
                    kept.push((score, d));
                }
            }
            if kept.len() >= want || exhausted {
                break kept;
            }
            fetch *= 4;
        };
        let more = kept.len() > q.offset + q.limit;
        let snippets = highlight::snippets(&searcher, &*text, self.fields.body, SNIPPET_CHARS)?;
        let hits = kept
            .into_iter()
            .skip(q.offset)
            .take(q.limit)
            .map(|(score, d)| {
                let mut s = snippets.snippet(&d.body);
                s.set_snippet_prefix_postfix("<mark>", "</mark>");
                let snippet = if s.is_empty() {
                    escape(&d.body.chars().take(SNIPPET_CHARS).collect::<String>())
                } else {
                    s.to_html()
                };
                Hit {
                    doc: d.clone(),
                    snippet,
                    score,
                }
            })
            .collect();
        Ok((hits, more))
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

//! Query building and ranking: what a search means in tantivy terms (text, typo tolerance,
//! synonyms, script nudges, filters) and how hits are cut into snippets.

use super::*;
use crate::domain::Lang;
use analyzer::{analyzer, terms};
use tantivy::collector::TopDocs;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::snippet::SnippetGenerator;
use tantivy::{Searcher, Term};

impl KbIndex {
    /// The text part of a query: every analyzed term of the query in title (strongest), tags
    /// and body, Latin terms of five letters or more also with one typo; the terms synonyms
    /// add count for less than the caller's own words; and documents in the query's script
    /// (Han → zh, Latin → en) get a nudge, so "几点离店" prefers the Chinese article.
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
        let script = if text.chars().any(is_han) {
            Lang::Zh
        } else {
            Lang::En
        };
        let nudge = TermQuery::new(
            Term::from_field_text(self.fields.lang, script.code()),
            IndexRecordOption::Basic,
        );
        let text_part: Box<dyn Query> = Box::new(BooleanQuery::new(clauses));
        Some(Box::new(BooleanQuery::new(vec![
            (Occur::Must, text_part),
            (
                Occur::Should,
                Box::new(BoostQuery::new(Box::new(nudge), SCRIPT_NUDGE)),
            ),
        ])))
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

    fn filter_query(&self, q: &SearchQuery) -> Vec<(Occur, Box<dyn Query>)> {
        let f = self.fields;
        let term = |field: Field, v: &str| -> Box<dyn Query> {
            Box::new(TermQuery::new(
                Term::from_field_text(field, v),
                IndexRecordOption::Basic,
            ))
        };
        let mut props = vec![(Occur::Should, term(f.property, CHAIN))];
        if !q.property_id.is_empty() {
            props.push((Occur::Should, term(f.property, &q.property_id)));
        }
        let mut out: Vec<(Occur, Box<dyn Query>)> =
            vec![(Occur::Must, Box::new(BooleanQuery::new(props)))];
        if let Some(l) = q.language {
            out.push((Occur::Must, term(f.lang, l.code())));
        }
        if !q.kinds.is_empty() {
            let kinds = q
                .kinds
                .iter()
                .map(|k| (Occur::Should, term(f.kind, k.code())))
                .collect();
            out.push((Occur::Must, Box::new(BooleanQuery::new(kinds))));
        }
        out
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
        let mut clauses = self.filter_query(q);
        clauses.push((Occur::Must, text.box_clone()));
        let query = BooleanQuery::new(clauses);
        // Some hits are filtered after retrieval (dates, overrides): fetch more until enough.
        let mut fetch = want + 10;
        let mut keys: Vec<Option<tantivy::columnar::Column<u64>>> = Vec::new();
        let kept = loop {
            let top = searcher.search(&query, &TopDocs::with_limit(fetch).order_by_score())?;
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
        let mut snippets = SnippetGenerator::create(&searcher, &*text, self.fields.body)?;
        snippets.set_max_num_chars(SNIPPET_CHARS);
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

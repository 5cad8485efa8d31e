//! Snippets without segmenting every hit's body again.
//!
//! tantivy's snippet generator tokenizes the whole body of each hit with the field's analyzer;
//! with jieba that was a fifth of a search's time (ten bodies a page). Highlighting only
//! needs to find the query's own terms, which are known: Latin words are cut at letters and
//! digits, lower-cased and stemmed as the index does, and in Chinese text each of the query's
//! Chinese terms is found where it occurs (every other character is a token of its own, so
//! fragments are cut at about the same places as before).

use super::is_han;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use tantivy::query::Query;
use tantivy::schema::Field;
use tantivy::snippet::SnippetGenerator;
use tantivy::tokenizer::{
    Language, LowerCaser, RemoveLongFilter, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer,
};
use tantivy::{Score, Searcher, Term};

/// Latin words whole; in Chinese runs the query's Chinese terms where they occur, other
/// characters one by one.
#[derive(Clone)]
struct HighlightTokenizer {
    han_terms: Arc<[String]>,
    token: Token,
}

struct HighlightStream<'a> {
    text: &'a str,
    han_terms: &'a [String],
    /// Byte offset the scan continues from.
    at: usize,
    /// Further tokens found at the current position (several terms may start there).
    pending: Vec<(usize, usize)>,
    token: &'a mut Token,
}

fn is_word(c: char) -> bool {
    (c.is_alphanumeric() && !is_han(c)) || matches!(c, '%' | '#')
}

/// Joins words into one as jieba does: "Wi-Fi", "check-out", "room_1".
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '_' | '+' | '&' | '.')
}

impl HighlightStream<'_> {
    fn emit(&mut self, from: usize, to: usize) {
        self.token.text.clear();
        self.token.text.push_str(&self.text[from..to]);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
    }
}

impl TokenStream for HighlightStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some((from, to)) = self.pending.pop() {
            self.emit(from, to);
            return true;
        }
        while let Some(c) = self.text[self.at..].chars().next() {
            let from = self.at;
            if is_han(c) {
                self.at += c.len_utf8();
                let rest = &self.text[from..];
                let mut found: Vec<(usize, usize)> = self
                    .han_terms
                    .iter()
                    .filter(|t| rest.starts_with(t.as_str()))
                    .map(|t| (from, from + t.len()))
                    .collect();
                let first = found.pop().unwrap_or((from, self.at));
                self.pending = found;
                self.emit(first.0, first.1);
                return true;
            }
            if is_word(c) {
                // The run of words and joiners, without joiners at its end, and its words one
                // by one after it when joined ("check-out", then check, out: every token
                // inside the first, so offsets never go back past a fragment's start).
                let rest = &self.text[from..];
                let run = rest
                    .find(|c: char| !is_word(c) && !is_joiner(c))
                    .unwrap_or(rest.len());
                let run = rest[..run].trim_end_matches(is_joiner).len();
                self.at = from + run;
                let mut parts: Vec<(usize, usize)> = Vec::new();
                let mut start = from;
                for (i, c) in self.text[from..self.at].char_indices() {
                    if is_joiner(c) {
                        if from + i > start {
                            parts.push((start, from + i));
                        }
                        start = from + i + c.len_utf8();
                    }
                }
                if !parts.is_empty() {
                    parts.push((start, self.at));
                    // `pending` is taken from its end.
                    parts.reverse();
                    self.pending = parts;
                }
                self.emit(from, self.at);
                return true;
            }
            self.at += c.len_utf8();
        }
        false
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

impl Tokenizer for HighlightTokenizer {
    type TokenStream<'a> = HighlightStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> HighlightStream<'a> {
        self.token.reset();
        HighlightStream {
            text,
            han_terms: &self.han_terms,
            at: 0,
            pending: Vec::new(),
            token: &mut self.token,
        }
    }
}

/// A snippet generator for `field` that highlights the terms of `query` (each scored as
/// tantivy's own generator does: rarer terms weigh more).
pub(super) fn snippets(
    searcher: &Searcher,
    query: &dyn Query,
    field: Field,
    max_chars: usize,
) -> tantivy::Result<SnippetGenerator> {
    let mut terms: BTreeSet<Term> = BTreeSet::new();
    query.query_terms(&mut |term, _| {
        if term.field() == field {
            terms.insert(term.clone());
        }
    });
    let mut scored: BTreeMap<String, Score> = BTreeMap::new();
    for term in terms {
        let Some(text) = term.value().as_str().map(str::to_string) else {
            continue;
        };
        let df = searcher.doc_freq(&term)?;
        if df > 0 {
            #[allow(clippy::cast_precision_loss)]
            scored.insert(text, 1.0 / (1.0 + df as Score));
        }
    }
    let han_terms: Vec<String> = scored
        .keys()
        .filter(|t| t.chars().any(is_han))
        .cloned()
        .collect();
    let tokenizer = TextAnalyzer::builder(HighlightTokenizer {
        han_terms: han_terms.into(),
        token: Token::default(),
    })
    .filter(RemoveLongFilter::limit(64))
    .filter(LowerCaser)
    .filter(Stemmer::new(Language::English))
    .build();
    Ok(SnippetGenerator::new(scored, tokenizer, field, max_chars))
}

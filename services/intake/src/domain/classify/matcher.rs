//! One rule term, compiled for matching against a [`Normalized`] inquiry.

use super::text::{Normalized, is_han, normalize, tokenize, word_matches};

/// A weighted term as it is matched. `text` is kept as written for `matched_terms`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Term {
    pub text: String,
    /// Normalised form; identifies the term when an override replaces or removes it.
    pub key: String,
    pub weight: f32,
    pattern: Pattern,
}

/// A `*` in a term is a short gap, so one rule covers many phrasings: "how much * room"
/// matches "how much is a family room", "留*话" matches "留过话" and "留个话".
const GAP: char = '*';
/// Most words a `*` may skip in an English phrase.
const MAX_GAP_WORDS: usize = 6;
/// Most chars a `*` may skip in a Chinese term.
const MAX_GAP_CHARS: usize = 8;

#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    /// Chinese has no spaces, so a term containing Han is found by substring; one part per
    /// `*`-separated piece.
    Substring(Vec<String>),
    /// A word or phrase (one segment per `*`-separated piece). `joined` lets "check in"
    /// also match "checkin" and "wake up" match "wakeup" without every rule file listing
    /// both spellings.
    Words {
        segments: Vec<Vec<String>>,
        joined: Option<String>,
    },
}

impl Term {
    /// `None` when nothing is left after normalisation (blank terms).
    pub(crate) fn compile(raw: &str, weight: Option<f32>) -> Option<Term> {
        let key = normalize(raw);
        if key.is_empty() {
            return None;
        }
        let segments: Vec<Vec<String>> = key
            .split(GAP)
            .map(tokenize)
            .filter(|words| !words.is_empty())
            .collect();
        let pattern = if key.chars().any(is_cjk) || segments.is_empty() {
            // Chinese, or punctuation such as "!!" (angry) that has no words to match.
            let parts: Vec<String> = key
                .split(GAP)
                .map(str::trim)
                .filter(|p| !p.is_empty())
                .map(String::from)
                .collect();
            if parts.is_empty() {
                return None;
            }
            Pattern::Substring(parts)
        } else {
            let joined = match segments.as_slice() {
                [only] if only.len() > 1 => Some(only.concat()),
                _ => None,
            };
            Pattern::Words { segments, joined }
        };
        let weight = weight.unwrap_or_else(|| default_weight(&pattern));
        Some(Term {
            text: raw.trim().to_string(),
            key,
            weight,
            pattern,
        })
    }

    pub(crate) fn matches(&self, text: &Normalized) -> bool {
        match &self.pattern {
            Pattern::Substring(parts) => substring_parts_match(&text.text, parts),
            Pattern::Words { segments, joined } => {
                let tokens = &text.tokens;
                segments_match(tokens, segments)
                    || joined
                        .as_deref()
                        .is_some_and(|j| tokens.iter().any(|t| word_matches(t, j)))
            }
        }
    }
}

/// Where `words` occurs as a phrase in `tokens[from..until]`; returns the index just past it.
fn find_phrase(tokens: &[String], words: &[String], from: usize, until: usize) -> Option<usize> {
    let until = until.min(tokens.len());
    (from..until)
        .find(|&i| {
            i + words.len() <= tokens.len()
                && tokens[i..i + words.len()]
                    .iter()
                    .zip(words)
                    .all(|(t, w)| word_matches(t, w))
        })
        .map(|i| i + words.len())
}

/// Each segment after the first must start within `MAX_GAP_WORDS` of the previous one's
/// end. Taking the earliest next occurrence is optimal, so only the first segment's start
/// is searched.
fn segments_match(tokens: &[String], segments: &[Vec<String>]) -> bool {
    let Some((first, rest)) = segments.split_first() else {
        return false;
    };
    let mut start = 0;
    while let Some(end) = find_phrase(tokens, first, start, tokens.len()) {
        let mut at = end;
        let all =
            rest.iter().all(
                |seg| match find_phrase(tokens, seg, at, at + MAX_GAP_WORDS + 1) {
                    Some(next) => {
                        at = next;
                        true
                    }
                    None => false,
                },
            );
        if all {
            return true;
        }
        start = end + 1 - first.len();
    }
    false
}

/// Substring version of [`segments_match`], gaps counted in chars.
fn substring_parts_match(text: &str, parts: &[String]) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    text.match_indices(first.as_str()).any(|(i, m)| {
        let mut at = i + m.len();
        rest.iter().all(|part| {
            // Window: the gap plus the part itself, cut on a char boundary.
            let tail = &text[at..];
            let limit = MAX_GAP_CHARS + part.chars().count();
            let window_end = tail
                .char_indices()
                .nth(limit)
                .map_or(tail.len(), |(b, _)| b);
            match tail[..window_end].find(part.as_str()) {
                Some(p) => {
                    at += p + part.len();
                    true
                }
                None => false,
            }
        })
    })
}

/// Longer terms are more specific, so by default they weigh more: a 2-char Chinese word or
/// a single English word is 1.0.
fn default_weight(pattern: &Pattern) -> f32 {
    match pattern {
        Pattern::Substring(parts) => match parts.iter().map(|p| p.chars().count()).sum::<usize>() {
            0 | 1 => 0.5,
            2 => 1.0,
            3 => 1.25,
            _ => 1.5,
        },
        Pattern::Words { segments, .. } => match segments.iter().map(Vec::len).sum::<usize>() {
            0 | 1 => 1.0,
            2 => 1.5,
            _ => 2.0,
        },
    }
}

/// CJK scripts (Han, kana, Hangul, CJK punctuation) are matched by substring.
fn is_cjk(c: char) -> bool {
    is_han(c) || matches!(c as u32, 0x2E80..=0x33FF | 0xAC00..=0xD7AF)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Not;

    fn hit(term: &str, text: &str) -> bool {
        Term::compile(term, None).is_some_and(|t| t.matches(&Normalized::new(text)))
    }

    #[test]
    fn chinese_by_substring() {
        assert!(hit("退房", "请问几点退房？"));
        assert!(!hit("退房", "请问几点入住？"));
    }

    #[test]
    fn english_by_whole_words() {
        assert!(hit("room", "Two ROOMS please"));
        assert!(!hit("spa", "is there space for a bike"));
        assert!(hit("check out", "late check-out?"));
        assert!(hit("check out", "late checkout?"));
        assert!(hit("check in", "she has checked in"));
        assert!(!hit("check in", "check the bill in the room"));
    }

    #[test]
    fn gaps() {
        assert!(hit(
            "how much * room",
            "how much would it be for a family room"
        ));
        assert!(hit("how much * room", "how much for rooms"));
        assert!(!hit(
            "how much * room",
            "how much is the breakfast, and what about the pool and the room"
        ));
        assert!(hit("留*话", "有没有人给1608房间留过话"));
        assert!(hit("留*话", "帮我留个话"));
        assert!(!hit("留*话", "留下来吧，我们等一下再说这个事情的电话"));
        assert!(hit("still * nothing", "still absolutely nothing"));
        assert!(
            hit("a * c", "a b a x c"),
            "a later start of the first segment is tried"
        );
    }

    #[test]
    fn default_weights_grow_with_length() {
        let w = |t: &str| Term::compile(t, None).map(|t| t.weight);
        assert_eq!(w("餐"), Some(0.5));
        assert_eq!(w("早餐"), Some(1.0));
        assert_eq!(w("延迟退房"), Some(1.5));
        assert_eq!(w("gym"), Some(1.0));
        assert_eq!(w("room service"), Some(1.5));
        assert_eq!(w("  "), None);
        assert!(hit("!!", "still not fixed!!"));
        assert!(hit("*", "anything").not());
        assert_eq!(
            Term::compile("pool", Some(3.0)).map(|t| t.weight),
            Some(3.0)
        );
    }
}

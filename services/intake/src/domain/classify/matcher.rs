//! One rule term, compiled for matching against a [`Normalized`] inquiry.

use super::text::{Normalized, is_han, normalize, tokenize, whole_word_matches, word_matches};

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

    /// The words of an English term (for the typo vocabulary); empty for Chinese.
    pub(crate) fn words(&self) -> impl Iterator<Item = &str> {
        let segments: &[Vec<String>] = match &self.pattern {
            Pattern::Words { segments, .. } => segments,
            Pattern::Substring(_) => &[],
        };
        segments.iter().flatten().map(String::as_str)
    }

    pub(crate) fn matches(&self, text: &Normalized) -> bool {
        self.matches_unless(text, None)
    }

    /// Whether the term occurs at least once where it is not negated ("nothing to book",
    /// "没有投诉"). `None` ignores negation.
    pub(crate) fn matches_unless(&self, text: &Normalized, negation: Option<&Negation>) -> bool {
        match &self.pattern {
            Pattern::Substring(parts) => substring_parts_match(&text.text, parts, |at| {
                negation.is_none_or(|n| !n.negates_zh(&text.text, at, parts))
            }),
            Pattern::Words { segments, joined } => {
                let accept = |at: usize| negation.is_none_or(|n| !n.negates_en(&text.tokens, at));
                segments_match(text, segments, accept)
                    || joined.as_deref().is_some_and(|j| {
                        text.tokens
                            .iter()
                            .enumerate()
                            .any(|(i, t)| token_matches(text, i, t, j) && accept(i))
                    })
            }
        }
    }
}

/// Negators that cancel a strong cue right after them (`[negation]` in the rules).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Negation {
    /// English negator phrases, tokenised ("nothing to" → ["nothing", "to"]).
    pub en: Vec<Vec<String>>,
    /// Chinese negators, matched immediately before the term ("没有", "不用").
    pub zh: Vec<String>,
    /// An English negator may end this many tokens before the term (1: adjacent).
    pub window: usize,
}

impl Negation {
    /// Does a negator phrase end within `window` tokens before `at`?
    fn negates_en(&self, tokens: &[String], at: usize) -> bool {
        self.en.iter().any(|neg| {
            (1..=self.window).any(|gap| {
                // The negator ends `gap - 1` tokens before the term.
                let Some(end) = at.checked_sub(gap - 1) else {
                    return false;
                };
                end >= neg.len() && tokens[end - neg.len()..end] == neg[..]
            })
        })
    }

    /// Is the term at byte `at` directly preceded by a negator? A term that starts with
    /// 有 is exempt: in "没有房了吗" the 有 belongs to the negator, and the guest is asking.
    fn negates_zh(&self, text: &str, at: usize, parts: &[String]) -> bool {
        if parts.first().is_some_and(|p| p.starts_with('有')) {
            return false;
        }
        let before = text[..at].trim_end();
        self.zh.iter().any(|n| before.ends_with(n.as_str()))
    }
}

fn token_matches(text: &Normalized, i: usize, token: &str, word: &str) -> bool {
    if text.whole.get(i).copied().unwrap_or(false) {
        whole_word_matches(token, word)
    } else {
        word_matches(token, word)
    }
}

/// Where `words` occurs as a phrase in `tokens[from..until]`; returns its start.
fn find_phrase(text: &Normalized, words: &[String], from: usize, until: usize) -> Option<usize> {
    let tokens = &text.tokens;
    let until = until.min(tokens.len());
    (from..until).find(|&i| {
        i + words.len() <= tokens.len()
            && tokens[i..i + words.len()]
                .iter()
                .zip(words)
                .enumerate()
                .all(|(k, (t, w))| token_matches(text, i + k, t, w))
    })
}

/// Each segment after the first must start within `MAX_GAP_WORDS` of the previous one's
/// end. Taking the earliest next occurrence is optimal, so only the first segment's start
/// is searched; `accept` sees that start (for negation).
fn segments_match(
    text: &Normalized,
    segments: &[Vec<String>],
    accept: impl Fn(usize) -> bool,
) -> bool {
    let Some((first, rest)) = segments.split_first() else {
        return false;
    };
    let mut start = 0;
    while let Some(begin) = find_phrase(text, first, start, text.tokens.len()) {
        let mut at = begin + first.len();
        let all = rest.iter().all(
            |seg| match find_phrase(text, seg, at, at + MAX_GAP_WORDS + 1) {
                Some(next) => {
                    at = next + seg.len();
                    true
                }
                None => false,
            },
        );
        if all && accept(begin) {
            return true;
        }
        start = begin + 1;
    }
    false
}

/// Substring version of [`segments_match`], gaps counted in chars.
fn substring_parts_match(text: &str, parts: &[String], accept: impl Fn(usize) -> bool) -> bool {
    let Some((first, rest)) = parts.split_first() else {
        return false;
    };
    text.match_indices(first.as_str()).any(|(i, m)| {
        if !accept(i) {
            return false;
        }
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

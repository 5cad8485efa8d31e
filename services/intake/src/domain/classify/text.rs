//! Text normalisation and the cheap facts the classifier needs about an inquiry.
//!
//! No segmenter (jieba and friends are too heavy for the build box): Chinese is matched by
//! substring, everything else by word tokens.

use super::lexicon::Lexicon;

/// Inquiries are short; anything past this is only counted, not scanned, so a pasted novel
/// cannot make classification quadratic. Long texts are complex anyway.
pub(crate) const MAX_SCAN_CHARS: usize = 8_000;

/// An inquiry after normalisation, with the counts the complexity rules need.
#[derive(Debug)]
pub(crate) struct Normalized {
    /// Lowercase, half-width, whitespace collapsed; scanned for CJK terms.
    pub text: String,
    /// Runs of letters/digits outside the CJK blocks, apostrophes dropped; scanned for
    /// English terms.
    pub tokens: Vec<String>,
    /// Han ideographs in the whole inquiry (not only the scanned prefix).
    pub han_chars: usize,
    /// Letters (Han plus alphabetic) in the whole inquiry.
    pub letters: usize,
    /// Non-whitespace chars in the whole inquiry.
    pub chars: usize,
    /// Word tokens in the whole inquiry.
    pub words: usize,
    /// `?` after full-width folding, in the whole inquiry.
    pub question_marks: usize,
    /// Per token: a word of its own that matches a rule word only exactly or as a plural
    /// ("training" is not "train"). Same length as `tokens`; all `false` without a lexicon.
    pub whole: Vec<bool>,
    /// Typos and homophone slips corrected; each one makes the result a little less sure.
    pub corrections: usize,
}

/// Lowercase, fold full-width ASCII to half-width, collapse whitespace.
pub(crate) fn normalize(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut pending_space = false;
    for c in raw.chars() {
        let c = fold_width(c);
        if c.is_whitespace() {
            pending_space = !out.is_empty();
            continue;
        }
        if pending_space {
            out.push(' ');
            pending_space = false;
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// Full-width forms (U+FF01..=U+FF5E) map onto ASCII; the ideographic space is a space.
fn fold_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        // Curly apostrophes behave like the straight one ("what’s").
        '\u{2018}' | '\u{2019}' => '\'',
        _ => c,
    }
}

pub(crate) fn is_han(c: char) -> bool {
    matches!(c as u32,
        0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x3134F)
}

/// Anything from the CJK blocks onwards (kana, Hangul, Han, ...) is not an English-word char.
fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || (c.is_alphanumeric() && (c as u32) < 0x2E80)
}

/// Split normalised text into word tokens. Apostrophes are dropped so "what's" is "whats"
/// and "valentine's" meets the plural tolerance of "valentine".
pub(crate) fn tokenize(normalized: &str) -> Vec<String> {
    let mut tokens = Vec::new();
    let mut cur = String::new();
    for c in normalized.chars() {
        if c == '\'' {
            continue;
        }
        if is_word_char(c) {
            cur.push(c);
        } else if !cur.is_empty() {
            tokens.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        tokens.push(cur);
    }
    tokens
}

impl Normalized {
    pub(crate) fn new(raw: &str) -> Self {
        let mut han_chars = 0;
        let mut letters = 0;
        let mut chars = 0;
        let mut question_marks = 0;
        let mut words = 0;
        let mut in_word = false;
        for c in raw.chars() {
            let c = fold_width(c);
            if !c.is_whitespace() {
                chars += 1;
            }
            if is_han(c) {
                han_chars += 1;
                letters += 1;
            } else if c.is_alphabetic() && (c as u32) < 0x2E80 {
                letters += 1;
            }
            if c == '?' {
                question_marks += 1;
            }
            let w = is_word_char(c) || c == '\'';
            if w && !in_word {
                words += 1;
            }
            in_word = w;
        }
        let scanned = match raw.char_indices().nth(MAX_SCAN_CHARS) {
            Some((at, _)) => &raw[..at],
            None => raw,
        };
        let text = normalize(scanned);
        let tokens = tokenize(&text);
        let whole = vec![false; tokens.len()];
        Normalized {
            text,
            tokens,
            han_chars,
            letters,
            chars,
            words,
            question_marks,
            whole,
            corrections: 0,
        }
    }

    /// As [`Normalized::new`], then spelling tolerance from the rules' lexicon: Chinese
    /// homophone slips fixed in `text`, English typos replaced by the rule word in
    /// `tokens`, lexicalised words ("training") marked whole.
    pub(crate) fn with_lexicon(raw: &str, lexicon: &Lexicon) -> Self {
        let mut n = Normalized::new(raw);
        if n.han_chars > 0
            && let Some(fixed) = lexicon.fix_homophones(&n.text)
        {
            n.corrections += n
                .text
                .chars()
                .zip(fixed.chars())
                .filter(|(a, b)| a != b)
                .count()
                .div_ceil(2);
            n.text = fixed;
        }
        for (t, whole) in n.tokens.iter_mut().zip(n.whole.iter_mut()) {
            if let Some(c) = lexicon.correct(t) {
                *t = c.to_string();
                n.corrections += 1;
            }
            *whole = lexicon.whole_words.contains(t.as_str());
        }
        n
    }

    /// CI language rule: Chinese when Han ideographs are a meaningful share of the letters
    /// (mixed "late checkout 到几点" is Chinese; an English mail quoting 北京 is not).
    pub(crate) fn is_chinese(&self) -> bool {
        self.han_chars >= 1 && self.han_chars * 5 >= self.letters
    }
}

/// Does `token` realise the dictionary word `word`, allowing simple English inflection
/// (room/rooms, book/booked/booking, carry/carries, stop/stopped)? Short words must match
/// exactly or "in" would match "ins".
pub(crate) fn word_matches(token: &str, word: &str) -> bool {
    if token == word {
        return true;
    }
    word_inflects(token, word)
}

/// As [`word_matches`], for a token the lexicon marks as a word of its own ("training",
/// "parking"): only the word itself or its plural.
pub(crate) fn whole_word_matches(token: &str, word: &str) -> bool {
    token == word || token.strip_suffix('s') == Some(word)
}

fn word_inflects(token: &str, word: &str) -> bool {
    if word.len() < 3 || !token.starts_with(word) {
        return inflected_stem_matches(token, word);
    }
    let rest = &token[word.len()..];
    if matches!(rest, "s" | "es" | "ed" | "d" | "ing") {
        return true;
    }
    // Doubled final consonant: stop -> stopped/stopping.
    if let Some(last) = word.chars().last() {
        let mut doubled = String::new();
        doubled.push(last);
        if let Some(tail) = rest.strip_prefix(doubled.as_str()) {
            return matches!(tail, "ed" | "ing");
        }
    }
    false
}

/// Inflections that change the stem's last letter: carry -> carries/carried,
/// arrive -> arriving.
fn inflected_stem_matches(token: &str, word: &str) -> bool {
    if word.len() < 3 {
        return false;
    }
    if let Some(stem) = word.strip_suffix('y')
        && let Some(rest) = token.strip_prefix(stem)
    {
        return matches!(rest, "ies" | "ied");
    }
    if let Some(stem) = word.strip_suffix('e')
        && let Some(rest) = token.strip_prefix(stem)
    {
        return rest == "ing";
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises_width_case_and_space() {
        assert_eq!(
            normalize("  ＷＩＦＩ　密码？ \n\t Hello  "),
            "wifi 密码? hello"
        );
    }

    #[test]
    fn tokens_skip_cjk_and_apostrophes() {
        assert_eq!(
            tokenize("late check-out 到几点 what's"),
            ["late", "check", "out", "whats"]
        );
    }

    #[test]
    fn inflection_tolerance() {
        assert!(word_matches("rooms", "room"));
        assert!(word_matches("booked", "book"));
        assert!(word_matches("arriving", "arrive"));
        assert!(word_matches("deliveries", "delivery"));
        assert!(word_matches("stopped", "stop"));
        assert!(!word_matches("ins", "in"));
        assert!(!word_matches("roomy", "room"));
    }

    #[test]
    fn language_share() {
        assert!(Normalized::new("late checkout 到几点不收费呀").is_chinese());
        assert!(
            !Normalized::new("Please send it to our Beijing office 北京 thanks a lot").is_chinese()
        );
        assert!(!Normalized::new("").is_chinese());
    }
}

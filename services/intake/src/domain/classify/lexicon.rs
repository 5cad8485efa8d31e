//! Spelling tolerance, built from the rule vocabulary: English typos within a small edit
//! distance of a rule word ("cancle", "resevation", "laundary"), and Chinese homophone slips
//! of the input method ("游永池", "早参", "健身方").
//!
//! English uses a SymSpell-style deletion index (no crate: the good ones carry a frequency
//! dictionary we do not need, and the vocabulary here is the rules' own ~1,000 words): every
//! rule word is indexed under itself and its deletions, an unknown token looks up its own
//! deletions, and candidates are confirmed with the optimal-string-alignment distance
//! (adjacent transpositions count as one edit). Only tokens that are neither rule words nor
//! words guests used in the labelled examples are corrected, so "rate" never becomes "late".

use std::collections::{HashMap, HashSet};

use super::text::is_han;

/// What the rules file says about spelling (`[lexicon]`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct LexiconSpec {
    /// English tokens shorter than this are never corrected ("dbl", "rm").
    pub typo_min_len: usize,
    /// Most edits for rule words of 8+ letters; shorter words allow 1. 0 turns typo
    /// tolerance off.
    pub typo_max_distance: usize,
    /// Real words that must not be corrected (they would otherwise be near a rule word).
    pub known_words: Vec<String>,
    /// Tokens that are words of their own and must not be read as an inflection of a
    /// shorter rule word: "training" is not "train", "parking" is not "park".
    pub whole_words: Vec<String>,
    /// Groups of Han characters an input method confuses (same pinyin), e.g. "房防方".
    pub zh_homophones: Vec<String>,
    /// Real words containing a confusable character that must never be "corrected"
    /// ("方便" is not "房便").
    pub zh_homophone_exclude: Vec<String>,
}

impl Default for LexiconSpec {
    fn default() -> Self {
        LexiconSpec {
            typo_min_len: 4,
            typo_max_distance: 2,
            known_words: Vec::new(),
            whole_words: Vec::new(),
            zh_homophones: Vec::new(),
            zh_homophone_exclude: Vec::new(),
        }
    }
}

/// The compiled tolerance for one rule set.
#[derive(Debug, Clone, Default)]
pub(crate) struct Lexicon {
    /// Rule words, indexed by id.
    words: Vec<String>,
    /// Deletion variant → rule word ids.
    deletes: HashMap<String, Vec<u32>>,
    /// Never corrected: rule words, known words, words from the labelled examples.
    known: HashSet<String>,
    min_len: usize,
    max_distance: usize,
    pub(crate) whole_words: HashSet<String>,
    /// Variant Han bigram → the rule bigram it slips for.
    zh_fix: HashMap<[char; 2], [char; 2]>,
    zh_exclude: Vec<Vec<char>>,
}

impl PartialEq for Lexicon {
    fn eq(&self, other: &Self) -> bool {
        self.words == other.words
            && self.min_len == other.min_len
            && self.max_distance == other.max_distance
            && self.whole_words == other.whole_words
            && self.zh_fix == other.zh_fix
    }
}

impl Lexicon {
    /// `en_words`: every word of the English rule terms; `zh_terms`: every Chinese rule
    /// term; `corpus_words`: words guests are known to use (from the labelled examples).
    pub(crate) fn build<'a>(
        spec: &LexiconSpec,
        en_words: impl IntoIterator<Item = &'a str>,
        zh_terms: impl IntoIterator<Item = &'a str>,
        corpus_words: &HashSet<String>,
    ) -> Lexicon {
        let mut words: Vec<String> = en_words
            .into_iter()
            .filter(|w| w.chars().all(|c| c.is_ascii_lowercase()))
            .map(str::to_string)
            .collect();
        words.sort();
        words.dedup();
        let mut known: HashSet<String> = corpus_words.clone();
        known.extend(words.iter().cloned());
        known.extend(spec.known_words.iter().map(|w| w.to_lowercase()));
        let mut deletes: HashMap<String, Vec<u32>> = HashMap::new();
        if spec.typo_max_distance > 0 {
            for (id, w) in words.iter().enumerate() {
                if w.len() < spec.typo_min_len {
                    continue;
                }
                let depth = allowed_distance(w.len(), spec.typo_max_distance);
                for d in deletions(w, depth) {
                    let ids = deletes.entry(d).or_default();
                    if ids.last() != Some(&(id as u32)) {
                        ids.push(id as u32);
                    }
                }
            }
        }

        // Chinese: every Han bigram of a rule term is canonical; a bigram with one char
        // swapped for a homophone is a slip for it, unless it is canonical itself.
        let mut group_of: HashMap<char, usize> = HashMap::new();
        let groups: Vec<Vec<char>> = spec
            .zh_homophones
            .iter()
            .map(|g| g.chars().filter(|c| is_han(*c)).collect())
            .collect();
        for (gi, g) in groups.iter().enumerate() {
            for &c in g {
                group_of.insert(c, gi);
            }
        }
        let mut canonical: HashSet<[char; 2]> = HashSet::new();
        for t in zh_terms {
            let chars: Vec<char> = t.chars().collect();
            for w in chars.windows(2) {
                if is_han(w[0]) && is_han(w[1]) {
                    canonical.insert([w[0], w[1]]);
                }
            }
        }
        let mut zh_fix: HashMap<[char; 2], Option<[char; 2]>> = HashMap::new();
        let mut canon_sorted: Vec<&[char; 2]> = canonical.iter().collect();
        canon_sorted.sort();
        for &bi in canon_sorted {
            for pos in 0..2 {
                let Some(&gi) = group_of.get(&bi[pos]) else {
                    continue;
                };
                for &alt in &groups[gi] {
                    if alt == bi[pos] {
                        continue;
                    }
                    let mut v = bi;
                    v[pos] = alt;
                    if canonical.contains(&v) {
                        continue;
                    }
                    // Two rule bigrams reachable from one slip: ambiguous, never fixed.
                    zh_fix
                        .entry(v)
                        .and_modify(|e| {
                            if *e != Some(bi) {
                                *e = None;
                            }
                        })
                        .or_insert(Some(bi));
                }
            }
        }
        Lexicon {
            words,
            deletes,
            known,
            min_len: spec.typo_min_len,
            max_distance: spec.typo_max_distance,
            whole_words: spec.whole_words.iter().map(|w| w.to_lowercase()).collect(),
            zh_fix: zh_fix
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k, v)))
                .collect(),
            zh_exclude: spec
                .zh_homophone_exclude
                .iter()
                .map(|w| w.chars().collect())
                .filter(|w: &Vec<char>| !w.is_empty())
                .collect(),
        }
    }

    /// The rule word `token` is a typo of, if exactly one is closest.
    pub(crate) fn correct(&self, token: &str) -> Option<&str> {
        if self.max_distance == 0
            || token.len() < self.min_len
            || !token.chars().all(|c| c.is_ascii_lowercase())
            || self.known.contains(token)
            || self.inflection_of_known(token)
        {
            return None;
        }
        let depth = allowed_distance(token.len(), self.max_distance);
        let mut candidates: Vec<u32> = Vec::new();
        for d in deletions(token, depth) {
            if let Some(ids) = self.deletes.get(&d) {
                candidates.extend(ids);
            }
        }
        candidates.sort_unstable();
        candidates.dedup();
        let mut best: Option<(usize, &str)> = None;
        let mut tied = false;
        for id in candidates {
            let w = self.words[id as usize].as_str();
            let allowed = allowed_distance(w.len().min(token.len()), self.max_distance);
            let d = osa_distance(token, w);
            if d == 0 || d > allowed {
                continue;
            }
            // Short tokens one substituted letter away from a rule word are mostly other
            // real words ("look"/"book", "quite"/"quote", "curious"/"furious"): below 8
            // letters only a missing or extra letter or a swap counts, and at 4 letters
            // only a missing one.
            let substitution = w.len() == token.len() && !same_letters(token, w);
            if (token.len() < 8 && substitution) || (token.len() <= 4 && w.len() < token.len()) {
                continue;
            }
            // A slip rarely changes the first letter; prefer candidates that keep it. Then
            // prefer a dropped letter ("servce" is "service") over an extra one ("serve").
            let rank = d * 4
                + 2 * usize::from(w.as_bytes()[0] != token.as_bytes()[0])
                + usize::from(w.len() < token.len());
            match best {
                Some((r, _)) if rank > r => {}
                Some((r, _)) if rank == r => tied = true,
                _ => {
                    best = Some((rank, w));
                    tied = false;
                }
            }
        }
        if tied { None } else { best.map(|(_, w)| w) }
    }

    /// "checks", "booked", "carries": the matcher already reads these as the rule word.
    fn inflection_of_known(&self, token: &str) -> bool {
        ["s", "es", "ed", "d", "ing"].iter().any(|suffix| {
            token
                .strip_suffix(suffix)
                .is_some_and(|stem| stem.len() >= 3 && self.known.contains(stem))
        }) || token
            .strip_suffix("ies")
            .is_some_and(|stem| self.known.contains(&format!("{stem}y")))
    }

    /// `text` with homophone slips replaced by the rule bigram they stand for. Only Han
    /// pairs are touched, and never inside an excluded real word.
    pub(crate) fn fix_homophones(&self, text: &str) -> Option<String> {
        if self.zh_fix.is_empty() {
            return None;
        }
        let mut chars: Vec<char> = text.chars().collect();
        let mut changed = false;
        let mut i = 0;
        while i + 1 < chars.len() {
            if let Some(fix) = self.zh_fix.get(&[chars[i], chars[i + 1]])
                && !self.excluded(&chars, i)
            {
                chars[i] = fix[0];
                chars[i + 1] = fix[1];
                changed = true;
                i += 2;
                continue;
            }
            i += 1;
        }
        changed.then(|| chars.into_iter().collect())
    }

    /// Does an excluded word cover position `i` or `i + 1`?
    fn excluded(&self, chars: &[char], i: usize) -> bool {
        self.zh_exclude.iter().any(|w| {
            let n = w.len();
            let lo = (i + 1).saturating_sub(n);
            (lo..=i + 1).any(|s| s + n <= chars.len() && chars[s..s + n] == w[..])
        })
    }
}

fn same_letters(a: &str, b: &str) -> bool {
    let mut a: Vec<u8> = a.bytes().collect();
    let mut b: Vec<u8> = b.bytes().collect();
    a.sort_unstable();
    b.sort_unstable();
    a == b
}

/// Edits allowed for a word of this length: 1 below 8 letters, up to `max` from 8.
fn allowed_distance(len: usize, max: usize) -> usize {
    if len >= 8 { max.min(2) } else { max.min(1) }
}

/// The word and all strings reachable by deleting up to `depth` chars (ASCII only).
fn deletions(word: &str, depth: usize) -> HashSet<String> {
    let mut out: HashSet<String> = HashSet::new();
    out.insert(word.to_string());
    let mut frontier = vec![word.to_string()];
    for _ in 0..depth {
        let mut next = Vec::new();
        for w in &frontier {
            if w.len() <= 1 {
                continue;
            }
            for i in 0..w.len() {
                let mut d = String::with_capacity(w.len() - 1);
                d.push_str(&w[..i]);
                d.push_str(&w[i + 1..]);
                if out.insert(d.clone()) {
                    next.push(d);
                }
            }
        }
        frontier = next;
    }
    out
}

/// Optimal string alignment distance (Levenshtein plus adjacent transposition), ASCII.
pub(crate) fn osa_distance(a: &str, b: &str) -> usize {
    let a = a.as_bytes();
    let b = b.as_bytes();
    let (n, m) = (a.len(), b.len());
    let mut d = vec![vec![0usize; m + 1]; n + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=n {
        for j in 1..=m {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = v;
        }
    }
    d[n][m]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lex() -> Lexicon {
        let spec = LexiconSpec {
            zh_homophones: vec!["房防方".into(), "泳永".into(), "餐参".into()],
            zh_homophone_exclude: vec!["方便".into(), "地方".into()],
            known_words: vec!["late".into()],
            ..LexiconSpec::default()
        };
        let corpus: HashSet<String> = ["cancer".to_string()].into_iter().collect();
        Lexicon::build(
            &spec,
            [
                "cancel",
                "reservation",
                "check",
                "laundry",
                "rate",
                "price",
                "service",
                "checkout",
                "serve",
            ],
            ["游泳池", "早餐", "健身房", "有房", "房间"],
            &corpus,
        )
    }

    #[test]
    fn osa_counts_a_transposition_as_one_edit() {
        assert_eq!(osa_distance("cancle", "cancel"), 1);
        assert_eq!(osa_distance("pirce", "price"), 1);
        assert_eq!(osa_distance("resevation", "reservation"), 1);
        assert_eq!(osa_distance("abc", "abc"), 0);
        assert_eq!(osa_distance("", "abc"), 3);
    }

    #[test]
    fn english_typos_are_read_as_the_rule_word() {
        let l = lex();
        for (typo, want) in [
            ("cancle", "cancel"),
            ("resevation", "reservation"),
            ("chek", "check"),
            ("laundary", "laundry"),
            ("pirce", "price"),
            ("servce", "service"),
            ("chekout", "checkout"),
            ("resrevaton", "reservation"),
            ("servce", "service"),
        ] {
            assert_eq!(l.correct(typo), Some(want), "{typo}");
        }
    }

    #[test]
    fn real_and_short_words_are_left_alone() {
        let l = lex();
        assert_eq!(
            l.correct("late"),
            None,
            "a known word, though 1 edit from rate"
        );
        assert_eq!(l.correct("cancer"), None, "seen in the labelled examples");
        assert_eq!(l.correct("rat"), None, "too short");
        assert_eq!(l.correct("checks"), None, "an inflection of a rule word");
        assert_eq!(l.correct("xylophone"), None);
        assert_eq!(
            l.correct("pate"),
            None,
            "4 letters: a substitution is another word"
        );
        assert_eq!(l.correct("chec1"), None, "not a plain word");
    }

    #[test]
    fn chinese_homophone_slips_are_fixed_outside_real_words() {
        let l = lex();
        assert_eq!(
            l.fix_homophones("游永池几点开").as_deref(),
            Some("游泳池几点开")
        );
        assert_eq!(l.fix_homophones("早参几点").as_deref(), Some("早餐几点"));
        assert_eq!(
            l.fix_homophones("健身方在几楼").as_deref(),
            Some("健身房在几楼")
        );
        assert_eq!(l.fix_homophones("有方便面吗"), None, "方便 is a real word");
        assert_eq!(
            l.fix_homophones("这个地方间隔大"),
            None,
            "地方 ends where the slip 方间 would start"
        );
        assert_eq!(l.fix_homophones("一个方间").as_deref(), Some("一个房间"));
        assert_eq!(l.fix_homophones("早餐几点"), None, "nothing to fix");
    }
}

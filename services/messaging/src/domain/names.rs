//! Name keys for guest lookup and mail sorting, the same for Chinese and English: a name
//! becomes a few normalised keys, and two names match when they share one. Chinese
//! characters match as written and through their pinyin; romanised names match in either
//! order (surname first or last), whatever the case, spacing or hyphens; titles are ignored.

use pinyin::ToPinyin;
use std::collections::BTreeSet;

const TITLES: &[&str] = &[
    "mr", "mrs", "ms", "miss", "dr", "prof", "mx", "sir", "madam",
];
const ZH_TITLES: &[&str] = &["先生", "女士", "小姐", "太太", "夫人", "教授", "博士"];

fn is_cjk(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// The Chinese characters of a name, titles removed ("王芳女士" → "王芳").
fn hanzi(name: &str) -> String {
    let mut s: String = name.chars().filter(|c| is_cjk(*c)).collect();
    for t in ZH_TITLES {
        if let Some(stripped) = s.strip_suffix(t)
            && !stripped.is_empty()
        {
            s = stripped.to_string();
        }
    }
    s
}

/// Lower-case latin tokens, titles removed ("Mr. WANG Fang" → ["wang", "fang"]).
fn latin_tokens(name: &str) -> Vec<String> {
    name.split(|c: char| !c.is_alphanumeric() || is_cjk(c))
        .map(|t| t.to_lowercase())
        .filter(|t| !t.is_empty() && !TITLES.contains(&t.as_str()))
        .collect()
}

fn pinyin_tokens(hanzi: &str) -> Vec<String> {
    hanzi
        .to_pinyin()
        .flatten()
        .map(|p| p.plain().to_string())
        .collect()
}

/// Keys of a romanised name: tokens in the given order, reversed, and sorted, each joined
/// without spaces ("wang fang" → wangfang, fangwang).
fn roman_keys(tokens: &[String], out: &mut BTreeSet<String>) {
    if tokens.is_empty() {
        return;
    }
    out.insert(format!("r:{}", tokens.concat()));
    let mut rev = tokens.to_vec();
    rev.reverse();
    out.insert(format!("r:{}", rev.concat()));
    let mut sorted = tokens.to_vec();
    sorted.sort();
    out.insert(format!("r:{}", sorted.concat()));
}

/// Every key a guest can be found by.
pub fn guest_keys(name_zh: &str, name_en: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for name in [name_zh, name_en] {
        let h = hanzi(name);
        if !h.is_empty() {
            out.insert(format!("h:{h}"));
            roman_keys(&pinyin_tokens(&h), &mut out);
        }
        roman_keys(&latin_tokens(name), &mut out);
    }
    out
}

/// The keys a query is looked up by (the same normalisation as [`guest_keys`]).
pub fn query_keys(query: &str) -> BTreeSet<String> {
    guest_keys(query, "")
}

/// Two written names denote the same person (used when a visitor collects a message).
pub fn same_person(a: &str, b: &str) -> bool {
    let ka = query_keys(a);
    query_keys(b).iter().any(|k| ka.contains(k))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn finds(guest: (&str, &str), query: &str) -> bool {
        let g = guest_keys(guest.0, guest.1);
        query_keys(query).iter().any(|k| g.contains(k))
    }

    #[test]
    fn chinese_names_match_as_written_and_by_pinyin() {
        let g = ("王芳", "");
        assert!(finds(g, "王芳"));
        assert!(finds(g, "王芳女士"));
        assert!(finds(g, "Wang Fang"));
        assert!(finds(g, "FANG WANG"));
        assert!(finds(g, "wangfang"));
        assert!(!finds(g, "王"));
        assert!(!finds(g, "Wang"));
        assert!(!finds(g, "李芳"));
    }

    #[test]
    fn romanised_names_match_in_either_order_and_any_case() {
        let g = ("", "John Smith");
        assert!(finds(g, "john smith"));
        assert!(finds(g, "Smith, John"));
        assert!(finds(g, "Mr. SMITH John"));
        assert!(!finds(g, "John Smyth"));
        let three = ("欧阳修", "Ouyang Xiu");
        assert!(finds(three, "Xiu Ouyang"));
        assert!(finds(three, "欧阳修"));
        assert!(finds(three, "ou yang xiu"));
    }

    #[test]
    fn empty_or_title_only_queries_find_nobody() {
        assert!(query_keys("").is_empty());
        assert!(query_keys(" Mr. ").is_empty());
        assert!(!finds(("王芳", "Wang Fang"), "先生"));
    }

    #[test]
    fn same_person_compares_written_names() {
        assert!(same_person("李雷", "Li Lei"));
        assert!(same_person("Lei LI", "li lei"));
        assert!(!same_person("Han Meimei", "Li Lei"));
    }
}

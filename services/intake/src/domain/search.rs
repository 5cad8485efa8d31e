//! What ListInquiries' `text` search indexes, and what it asks the index for.
//!
//! A search is a case-insensitive substring of the inquiry text, the customer's name, e-mail,
//! reservation reference or phone digits. A substring index has to cut text into grams the
//! way a query term will be cut: here every 3-character window of a run of letters and
//! digits, plus every 2-character window of Chinese (and Japanese) characters, because
//! Chinese words are mostly two characters (退房, 发票, 早餐) and are not separated by
//! spaces. A term is served when it yields at least one gram; the index then returns the
//! rows holding all of the term's grams, and the exact substring match (LIKE) only rechecks
//! those few. A term that yields no gram (one character, two Latin letters or digits, one
//! Chinese character next to a letter) could only be answered by reading every row, so it
//! is refused with a reason instead (`text_too_short`).
//!
//! The same grams go to both backends (a GIN index over them on Postgres, an FTS5 table on
//! SQLite), so a term finds the same inquiries on either.

use std::collections::BTreeSet;

/// At most this many grams of one term go to the index: any subset of a term's grams still
/// finds every row holding the term (the substring recheck removes the rest), and a long
/// pasted sentence should not turn into a hundred posting-list intersections.
pub const MAX_QUERY_GRAMS: usize = 12;

/// Why a term cannot be searched for, for the `text` field violation.
pub const TOO_SHORT: &str = "too short to search for: give at least 2 Chinese characters or 3 letters or digits \
     in a row (shorter terms match nearly every inquiry and cannot use the search index)";

/// Folds text for searching: lower case, and full-width Latin letters and digits (as a
/// Chinese input method types them: ＷｉＦｉ, １２０８) to their ASCII forms, so 'WiFi',
/// 'wifi' and 'ＷｉＦｉ' are one term.
pub fn fold(text: &str) -> String {
    text.chars()
        .map(|c| match c {
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            '\u{3000}' => ' ',
            _ => c,
        })
        .flat_map(char::to_lowercase)
        .collect()
}

/// Han ideographs (and kana): written without spaces between words.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3040}'..='\u{30FF}'     // hiragana, katakana
        | '\u{3400}'..='\u{4DBF}'   // CJK extension A
        | '\u{4E00}'..='\u{9FFF}'   // CJK unified ideographs
        | '\u{F900}'..='\u{FAFF}'   // compatibility ideographs
        | '\u{20000}'..='\u{3134F}' // extensions B–G
    )
}

/// The grams of folded text, each once, in a stable order.
pub fn grams(folded: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for run in folded.split(|c: char| !c.is_alphanumeric()) {
        let chars: Vec<char> = run.chars().collect();
        for w in chars.windows(3) {
            // Three Chinese characters hold two bigrams, which serve such a term already.
            if !w.iter().all(|c| is_cjk(*c)) {
                out.insert(w.iter().collect());
            }
        }
        for w in chars.windows(2) {
            if is_cjk(w[0]) && is_cjk(w[1]) {
                out.insert(w.iter().collect());
            }
        }
    }
    out
}

/// What the index stores for a row: its grams, separated by spaces (grams never hold one).
pub fn index_tokens(folded: &str) -> String {
    grams(folded).into_iter().collect::<Vec<_>>().join(" ")
}

/// A searchable term: the folded substring to match exactly and the grams the index must
/// hold for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub folded: String,
    pub grams: Vec<String>,
}

impl Term {
    /// `None` when the term yields no gram (see the module docs). A phone number written
    /// with separators ("+86 138-0013-8000") is searched as its digits, which is how phones
    /// are indexed.
    pub fn parse(raw: &str) -> Option<Term> {
        let raw = raw.trim();
        let folded = match phone_digits(raw) {
            Some(digits) => digits,
            None => fold(raw),
        };
        let all: Vec<String> = grams(&folded).into_iter().collect();
        if all.is_empty() {
            return None;
        }
        Some(Term {
            grams: spread(all, MAX_QUERY_GRAMS),
            folded,
        })
    }
}

/// How many of a term's grams Postgres is asked for: the rarest ones. Each more gram is
/// one more posting list for GIN to read, and a gram nearly every row holds (the "138" of
/// Chinese mobile numbers, "com" of e-mails) costs the most while narrowing nothing.
pub const INDEX_GRAMS: usize = 4;

/// A gram in at least this share of rows is common.
pub const COMMON: f32 = 0.02;

/// The most rows a search reads newest first before it asks the index instead.
pub const MAX_NEWEST_WINDOW: i64 = 5_000;

/// How to run a search on Postgres, from how common its grams are in the index's
/// statistics (`freq`: share of rows holding the gram; `None` when the statistics do not
/// list it, i.e. it is rarer than every gram they list).
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// The grams to ask the index for: the rarest first.
    pub grams: Vec<String>,
    /// Every gram of the term is common, so the term may well be: first look for a full
    /// page among this many newest rows (a common term fills it at once); only when that
    /// falls short ask the index. Postgres cannot see this itself: it multiplies the grams'
    /// shares as if independent ("breakfast": seven grams of ~10% each → one row in ten
    /// million), so it would fetch and sort 100,000 rows through the index for a page of 50.
    pub newest_first: Option<i64>,
}

pub fn plan(term: &Term, limit: i64, freq: impl Fn(&str) -> Option<f32>) -> Plan {
    let mut ranked: Vec<(f32, &String)> = term
        .grams
        .iter()
        .map(|g| (freq(g).unwrap_or(0.0), g))
        .collect();
    ranked.sort_by(|a, b| a.0.total_cmp(&b.0));
    let rarest = ranked.first().map_or(0.0, |r| r.0);
    // A long number is an identifier (a phone, an order number): rare by nature, however
    // common its digit triples are.
    let identifier = term.folded.len() >= 6 && term.folded.bytes().all(|b| b.is_ascii_digit());
    let newest_first = (rarest >= COMMON && !identifier).then(|| {
        // Three times the rows a page needs if the term were as common as its rarest gram.
        let rows = (3.0 * limit as f32 / rarest).ceil() as i64;
        rows.clamp(limit, MAX_NEWEST_WINDOW)
    });
    Plan {
        grams: ranked
            .into_iter()
            .take(INDEX_GRAMS)
            .map(|(_, g)| g.clone())
            .collect(),
        newest_first,
    }
}

/// A term shaped like a phone number with separators or a country code: its phone key.
/// Plain digits stay as typed (they may be part of a room number or an order number).
fn phone_digits(raw: &str) -> Option<String> {
    let plain = raw.chars().all(|c| c.is_ascii_digit());
    (!plain && frontdesk_platform::contact::valid_phone(raw))
        .then(|| frontdesk_platform::contact::phone_key(raw))
}

/// At most `max` of `all`, spread evenly across them.
fn spread(all: Vec<String>, max: usize) -> Vec<String> {
    if all.len() <= max {
        return all;
    }
    let n = all.len();
    (0..max).map(|i| all[i * n / max].clone()).collect()
}

/// The text a row is searched in (the substring recheck) and indexed from: inquiry text,
/// customer name, e-mail, reservation reference and phone key, folded, one per line (a
/// term never spans two of them: terms hold no line breaks).
pub fn search_text(
    text: &str,
    name: &str,
    email: &str,
    reservation_ref: &str,
    phone: &str,
) -> String {
    let phone = if phone.is_empty() {
        String::new()
    } else {
        frontdesk_platform::contact::phone_key(phone)
    };
    fold(&[text, name, email, reservation_ref, phone.as_str()].join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn has(text: &str, term: &str) -> bool {
        let t = Term::parse(term).expect("searchable");
        let g = grams(&fold(text));
        t.grams.iter().all(|x| g.contains(x))
    }

    #[test]
    fn two_chinese_characters_are_a_term() {
        let t = Term::parse("退房").expect("2 hanzi");
        assert_eq!(t.grams, vec!["退房"]);
        assert!(has("明天几点退房？", "退房"));
        assert!(has("我想开发票", "发票"));
        assert!(!has("我想退款", "退房"));
    }

    #[test]
    fn longer_chinese_terms_need_every_gram() {
        assert!(has("请问明天早餐几点开始？", "早餐几点"));
        assert!(!has("早餐很好，几点开门", "早餐几点"));
    }

    #[test]
    fn english_is_case_and_width_insensitive_substrings() {
        assert!(has("Is BREAKFAST included?", "break"));
        assert!(has("Is breakfast included?", "ＢＲＥＡＫ"));
        assert!(has("房间ＷｉＦｉ密码", "wifi"));
        assert!(has("John Smith", "smith"));
        assert!(!has("John Smith", "smyth"));
    }

    #[test]
    fn terms_the_index_cannot_serve_are_refused() {
        for t in ["退", "a", "tv", "12", "A座", "  ", "a b c", "-"] {
            assert_eq!(Term::parse(t), None, "{t:?}");
        }
        assert!(Term::parse("wifi").is_some());
        assert!(Term::parse("806").is_some());
    }

    #[test]
    fn phone_numbers_are_searched_as_their_digits() {
        let text = search_text("hi", "王芳", "", "", "+86 138-0013-8000");
        assert!(text.contains("13800138000"));
        let t = Term::parse("138 0013 8000").expect("phone");
        assert_eq!(t.folded, "13800138000");
        assert!(text.contains(&t.folded));
        assert_eq!(
            Term::parse("+86 138 0013 8000").expect("e164").folded,
            "13800138000"
        );
        // Plain digits stay digits: part of a room or order number.
        assert_eq!(Term::parse("0806").expect("digits").folded, "0806");
    }

    #[test]
    fn long_terms_ask_the_index_for_a_bounded_number_of_grams() {
        let t = Term::parse("请问明天早餐几点开始？我们一家四口，有没有儿童餐？").expect("long");
        assert_eq!(t.grams.len(), MAX_QUERY_GRAMS);
        assert!(has(
            "请问明天早餐几点开始？我们一家四口，有没有儿童餐？",
            "请问明天早餐几点开始？我们一家四口，有没有儿童餐？"
        ));
    }

    #[test]
    fn a_plan_asks_for_the_rarest_grams_and_reads_newest_rows_only_for_common_terms() {
        let freq = |g: &str| match g {
            "138" | "380" | "800" => Some(0.9),
            "001" | "012" => Some(0.05),
            "bre" | "rea" | "eak" | "akf" | "kfa" | "fas" | "ast" => Some(0.1),
            _ => None,
        };
        let phone = Term::parse("13800123456").expect("phone");
        let p = plan(&phone, 51, freq);
        assert_eq!(p.grams.len(), INDEX_GRAMS);
        assert!(
            !p.grams
                .iter()
                .any(|g| ["138", "380", "800"].contains(&g.as_str()))
        );
        assert_eq!(p.newest_first, None, "rare grams: the index");
        let digits = plan(&Term::parse("13800123456").expect("digits"), 51, |_| {
            Some(0.05)
        });
        assert_eq!(
            digits.newest_first, None,
            "a long number is an identifier: the index"
        );
        let breakfast = plan(&Term::parse("Breakfast").expect("en"), 51, freq);
        assert_eq!(breakfast.newest_first, Some(1530));
        // Without statistics (a fresh database): the index.
        assert_eq!(
            plan(&Term::parse("早餐").expect("zh"), 51, |_| None).newest_first,
            None
        );
        // A term only somewhat common reads at most MAX_NEWEST_WINDOW rows first.
        let wide = plan(&Term::parse("早餐").expect("zh"), 501, |_| Some(0.03));
        assert_eq!(wide.newest_first, Some(MAX_NEWEST_WINDOW));
    }

    #[test]
    fn index_tokens_are_space_separated_grams_once_each() {
        assert_eq!(index_tokens("abab"), "aba bab");
        assert_eq!(index_tokens("早餐早餐"), "早餐 餐早");
        assert_eq!(index_tokens(""), "");
    }
}

//! Whether a rule's matchers hold for an inquiry (all of them; a list matches when any of
//! its entries does).

use crate::domain::routing_rules::{InquiryFacts, Rule};

pub(crate) fn matches(r: &Rule, f: &InquiryFacts, lowered_text: &str) -> bool {
    (r.channels.is_empty() || r.channels.contains(&f.channel))
        && (r.categories.is_empty() || r.categories.contains(&f.category))
        && r.complexity.is_none_or(|c| c == f.complexity)
        && r.language
            .as_ref()
            .is_none_or(|l| l.eq_ignore_ascii_case(&f.language))
        && (r.text_any.is_empty() || r.text_any.iter().any(|t| has_term(lowered_text, t)))
}

/// A term with non-ASCII characters (Chinese has no spaces) matches as a substring; an ASCII
/// term only as a whole word or phrase, so "room" does not match "bathroom".
pub(crate) fn has_term(lowered_text: &str, term: &str) -> bool {
    let term = term.trim().to_lowercase();
    if term.is_empty() {
        return false;
    }
    if !term.is_ascii() {
        return lowered_text.contains(&term);
    }
    let bytes = lowered_text.as_bytes();
    lowered_text.match_indices(&term).any(|(at, _)| {
        let before = at.checked_sub(1).and_then(|b| bytes.get(b));
        let after = bytes.get(at + term.len());
        !before.is_some_and(u8::is_ascii_alphanumeric)
            && !after.is_some_and(u8::is_ascii_alphanumeric)
    })
}

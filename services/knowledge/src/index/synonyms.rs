//! Chain-wide synonyms, expanded at query time: a query naming any term of a group also
//! searches the group's other terms (退房 → 离店, check-out). Index-time expansion would need
//! a rebuild on every list change; query time applies a new list at once.

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    groups: Vec<Vec<String>>,
}

/// Whether `term` occurs in `text` (both lower case): anywhere for Chinese, as whole words
/// for Latin terms (so "inn" does not fire on "dinner").
fn occurs(text: &str, term: &str) -> bool {
    if term.is_empty() {
        return false;
    }
    if !term.is_ascii() {
        return text.contains(term);
    }
    let mut start = 0;
    while let Some(pos) = text[start..].find(term) {
        let at = start + pos;
        let end = at + term.len();
        let before = text[..at].chars().next_back();
        let after = text[end..].chars().next();
        let boundary = |c: Option<char>| c.is_none_or(|c| !c.is_ascii_alphanumeric());
        if boundary(before) && boundary(after) {
            return true;
        }
        start = end;
    }
    false
}

impl Synonyms {
    pub fn new(groups: Vec<Vec<String>>) -> Self {
        let groups = groups
            .into_iter()
            .map(|g| g.into_iter().map(|t| t.trim().to_lowercase()).collect())
            .collect();
        Synonyms { groups }
    }

    /// The query followed by the other terms of every group it names.
    pub fn expand(&self, query: &str) -> String {
        let extra = self.extra(query);
        if extra.is_empty() {
            query.to_string()
        } else {
            format!("{query} {extra}")
        }
    }

    /// The other terms of every group the query names (space-separated), not in the query.
    pub fn extra(&self, query: &str) -> String {
        self.alternatives(query)
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Per group the query names, its other terms (each an alternative of the others).
    pub fn alternatives(&self, query: &str) -> Vec<Vec<String>> {
        let lower = query.to_lowercase();
        self.groups
            .iter()
            .filter(|g| g.iter().any(|t| occurs(&lower, t)))
            .map(|g| {
                g.iter()
                    .filter(|t| !occurs(&lower, t))
                    .cloned()
                    .collect::<Vec<_>>()
            })
            .filter(|alts| !alts.is_empty())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(groups: &[&[&str]]) -> Synonyms {
        Synonyms::new(
            groups
                .iter()
                .map(|g| g.iter().map(|t| t.to_string()).collect())
                .collect(),
        )
    }

    #[test]
    fn a_named_term_brings_its_group() {
        let syn = s(&[&["退房", "离店", "check-out"], &["接机", "airport pickup"]]);
        assert_eq!(syn.expand("几点退房"), "几点退房 离店 check-out");
        assert_eq!(syn.expand("Airport Pickup?"), "Airport Pickup? 接机");
        assert_eq!(syn.expand("早餐"), "早餐");
    }

    #[test]
    fn latin_terms_match_whole_words_only() {
        let syn = s(&[&["inn", "hotel"]]);
        assert_eq!(syn.expand("dinner"), "dinner");
        assert_eq!(syn.expand("the inn"), "the inn hotel");
    }
}

//! Hot topics (CI-3.9): what inquiries were about in a period — categories, and the
//! classifier's matched terms (zh/en) — ranked by count, with the change against the period
//! before (rising topics first among equals) and a few example inquiries to open.

use std::collections::BTreeMap;

/// How many example inquiry ids a topic carries.
pub const EXAMPLES: usize = 3;

/// One key's inquiries in a period, newest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub count: i64,
    pub examples: Vec<String>,
}

/// A ranked topic.
#[derive(Debug, Clone, PartialEq)]
pub struct Topic {
    pub key: String,
    pub count: i64,
    pub previous: i64,
    pub examples: Vec<String>,
}

impl Topic {
    pub fn rise(&self) -> i64 {
        self.count - self.previous
    }
}

/// Counts `(key, inquiry id)` rows given newest first; the first ids of a key are its examples.
pub fn tally<'a>(rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> BTreeMap<String, Tally> {
    let mut out: BTreeMap<String, Tally> = BTreeMap::new();
    for (key, id) in rows {
        let t = out.entry(key.to_string()).or_default();
        t.count += 1;
        if t.examples.len() < EXAMPLES {
            t.examples.push(id.to_string());
        }
    }
    out
}

/// The `limit` biggest topics of `now`: by count, then by rise, then by key (stable output).
pub fn rank(
    now: &BTreeMap<String, Tally>,
    before: &BTreeMap<String, Tally>,
    limit: usize,
) -> Vec<Topic> {
    let mut topics: Vec<Topic> = now
        .iter()
        .map(|(key, t)| Topic {
            key: key.clone(),
            count: t.count,
            previous: before.get(key).map(|b| b.count).unwrap_or(0),
            examples: t.examples.clone(),
        })
        .collect();
    topics.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then(b.rise().cmp(&a.rise()))
            .then(a.key.cmp(&b.key))
    });
    topics.truncate(limit);
    topics
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topics_rank_by_count_then_rise_with_the_newest_examples() {
        let now = tally([
            ("早餐", "i9"),
            ("wifi", "i8"),
            ("早餐", "i7"),
            ("parking", "i6"),
            ("早餐", "i5"),
            ("早餐", "i4"),
            ("wifi", "i3"),
            ("parking", "i2"),
        ]);
        let before = tally([("wifi", "h1"), ("wifi", "h2"), ("wifi", "h3")]);
        let ranked = rank(&now, &before, 10);
        let keys: Vec<_> = ranked
            .iter()
            .map(|t| (t.key.as_str(), t.count, t.rise()))
            .collect();
        // wifi and parking both 2: parking rose (+2), wifi fell (−1).
        assert_eq!(keys, [("早餐", 4, 4), ("parking", 2, 2), ("wifi", 2, -1)]);
        assert_eq!(ranked[0].examples, ["i9", "i7", "i5"]);
        assert_eq!(rank(&now, &before, 1).len(), 1);
    }
}

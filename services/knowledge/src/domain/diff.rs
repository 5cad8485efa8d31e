//! Line diff between two versions' texts (the `similar` crate's Myers diff).

use similar::{ChangeTag, TextDiff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Equal,
    Insert,
    Delete,
}

/// The lines of `old` → `new`, each marked kept, inserted or deleted (without line ends).
pub fn lines(old: &str, new: &str) -> Vec<(Op, String)> {
    TextDiff::from_lines(old, new)
        .iter_all_changes()
        .map(|c| {
            let op = match c.tag() {
                ChangeTag::Equal => Op::Equal,
                ChangeTag::Insert => Op::Insert,
                ChangeTag::Delete => Op::Delete,
            };
            (op, c.value().trim_end_matches(['\n', '\r']).to_string())
        })
        .collect()
}

/// A unified diff of `old` → `new` with the given header names.
pub fn unified(old: &str, new: &str, from: &str, to: &str) -> String {
    TextDiff::from_lines(old, new)
        .unified_diff()
        .header(from, to)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_lines_are_a_delete_and_an_insert() {
        let d = lines("早餐 6:30-10:00\n二楼\n", "早餐 7:00-10:30\n二楼\n");
        assert_eq!(
            d,
            vec![
                (Op::Delete, "早餐 6:30-10:00".into()),
                (Op::Insert, "早餐 7:00-10:30".into()),
                (Op::Equal, "二楼".into()),
            ]
        );
        let u = unified("a\n", "b\n", "v1", "v2");
        assert!(u.contains("-a") && u.contains("+b"), "{u}");
    }
}

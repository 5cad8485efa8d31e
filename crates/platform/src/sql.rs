//! Placeholder builders for SQL that runs unchanged on Postgres and SQLite. sqlx's
//! `QueryBuilder<Any>` writes `?` placeholders, which Postgres rejects, so multi-row inserts
//! and `IN (...)` lists number their `$n` here instead.

/// `($s, $s+1, …), (…)`: `rows` tuples of `cols` placeholders, numbered from `start`.
pub fn values(rows: usize, cols: usize, start: usize) -> String {
    let mut out = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        out.push('(');
        for c in 0..cols {
            if c > 0 {
                out.push_str(", ");
            }
            out.push('$');
            out.push_str(&(start + r * cols + c).to_string());
        }
        out.push(')');
    }
    out
}

/// `$s, $s+1, …` for an `IN (...)` list of `n` values, numbered from `start`.
pub fn list(n: usize, start: usize) -> String {
    (start..start + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(super::values(2, 3, 1), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::values(1, 2, 4), "($4, $5)");
        assert_eq!(super::list(3, 2), "$2, $3, $4");
        assert_eq!(super::list(0, 1), "");
    }
}

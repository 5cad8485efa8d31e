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

/// `rows` copies of `shape`, a tuple in which each `?` is a parameter and everything else
/// is kept as written (constants such as `''` or `0`), with the parameters numbered `$start`
/// on across the rows: `shaped(2, 1, "(?, 'x', ?)")` is `($1, 'x', $2), ($3, 'x', $4)`.
/// For multi-row inserts whose rows fill some columns with constants.
pub fn shaped(rows: usize, start: usize, shape: &str) -> String {
    let mut out = String::with_capacity(rows * (shape.len() + 8));
    let mut n = start;
    for r in 0..rows {
        if r > 0 {
            out.push_str(", ");
        }
        for ch in shape.chars() {
            if ch == '?' {
                out.push('$');
                out.push_str(&n.to_string());
                n += 1;
            } else {
                out.push(ch);
            }
        }
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

/// A table listed newest first: its name, the columns to read, and the time and id columns
/// that order it. This service's own identifiers, never input.
#[derive(Debug, Clone, Copy)]
pub struct Keyset<'a> {
    pub table: &'a str,
    pub columns: &'a str,
    pub time: &'a str,
    pub id: &'a str,
}

/// One page of a property's rows, newest first, by keyset: `(time, id)` of the last row of
/// the previous page in `after`. The lists of lookups, outgoing post and the like share it.
pub async fn newest_first(
    conn: &mut sqlx::AnyConnection,
    k: Keyset<'_>,
    property_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> Result<Vec<sqlx::any::AnyRow>, sqlx::Error> {
    let Keyset {
        table,
        columns,
        time,
        id,
    } = k;
    match after {
        Some((at, last)) => {
            let sql = format!(
                "SELECT {columns} FROM {table} WHERE property_id = $1 AND ({time} < $2 OR \
                 ({time} = $2 AND {id} < $3)) ORDER BY {time} DESC, {id} DESC LIMIT $4"
            );
            sqlx::query::<sqlx::Any>(&sql)
                .bind(property_id)
                .bind(at)
                .bind(last)
                .bind(limit)
                .fetch_all(conn)
                .await
        }
        None => {
            let sql = format!(
                "SELECT {columns} FROM {table} WHERE property_id = $1 \
                 ORDER BY {time} DESC, {id} DESC LIMIT $2"
            );
            sqlx::query::<sqlx::Any>(&sql)
                .bind(property_id)
                .bind(limit)
                .fetch_all(conn)
                .await
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn placeholders_are_numbered_across_rows() {
        assert_eq!(super::values(2, 3, 1), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(super::values(1, 2, 4), "($4, $5)");
        assert_eq!(super::list(3, 2), "$2, $3, $4");
        assert_eq!(super::list(0, 1), "");
        assert_eq!(
            super::shaped(2, 1, "(?, 'pending', ?)"),
            "($1, 'pending', $2), ($3, 'pending', $4)"
        );
        assert_eq!(super::shaped(1, 5, "(?, 0)"), "($5, 0)");
    }
}

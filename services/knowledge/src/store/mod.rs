//! Knowledge's repository: the only module that knows its tables. One SQL text for Postgres
//! and SQLite (see `frontdesk_platform::db`): times are unix micros, ids text, enums their
//! codes, lists newline-joined.

pub mod articles;
pub mod quizzes;

use crate::domain::Code;
use anyhow::anyhow;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub const MIGRATIONS: &[frontdesk_platform::db::MigrationFile] = &[(
    4000,
    "knowledge",
    include_str!("../../migrations/4000_knowledge.sql"),
)];

/// The next change sequence. Runs inside the writer's transaction: the counter row's lock
/// orders concurrent writers, so sequence order is commit order and a follower reading
/// "after N" never skips a change committed later with a smaller number.
pub async fn next_seq(conn: &mut AnyConnection) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar(
        "UPDATE kb_counters SET value = value + 1 WHERE name = 'seq' RETURNING value",
    )
    .fetch_one(conn)
    .await
}

pub async fn counter(conn: &mut AnyConnection, name: &str) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM kb_counters WHERE name = $1")
        .bind(name)
        .fetch_one(conn)
        .await
}

pub(crate) fn code<T: Code>(row: &AnyRow, col: &str) -> anyhow::Result<T> {
    let s: String = row.try_get(col)?;
    T::from_code(&s).ok_or_else(|| anyhow!("unknown code {s:?} in column {col}"))
}

pub(crate) fn split_lines(s: &str) -> Vec<String> {
    if s.is_empty() {
        Vec::new()
    } else {
        s.split('\n').map(str::to_string).collect()
    }
}

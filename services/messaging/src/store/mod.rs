//! Messaging's repository: the only module that knows its tables. One SQL text for Postgres
//! and SQLite (see `frontdesk_platform::db`): times are unix micros, ids text, enums their
//! proto names, flags 0/1.

pub mod erasure;
pub mod lookups;
pub mod mail;
pub mod messages;
pub mod outgoing;
pub mod shifts;
pub mod stays;

use crate::domain::codes::Code;
use anyhow::{Context, anyhow};
use frontdesk_platform::db::Db;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub const MIGRATIONS: &[frontdesk_platform::db::MigrationFile] = &[
    (
        3000,
        "messaging",
        include_str!("../../migrations/3000_messaging.sql"),
    ),
    (
        3001,
        "outgoing post",
        include_str!("../../migrations/3001_outgoing_post.sql"),
    ),
    (
        3002,
        "return sweep index",
        include_str!("../../migrations/3002_return_due.sql"),
    ),
    (
        3003,
        "guest erasures",
        include_str!("../../migrations/3003_erasures.sql"),
    ),
    (
        3004,
        "inquiry links",
        include_str!("../../migrations/3004_inquiry_links.sql"),
    ),
];

pub async fn seed_properties(db: &Db, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        sqlx::query(
            "INSERT INTO properties (property_id, created_at) VALUES ($1, $2) \
             ON CONFLICT (property_id) DO NOTHING",
        )
        .bind(id)
        .bind(frontdesk_platform::time::now_micros())
        .execute(db.pool())
        .await
        .with_context(|| format!("seeding property {id}"))?;
    }
    Ok(())
}

pub async fn property_exists(conn: &mut AnyConnection, id: &str) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM properties WHERE property_id = $1")
        .bind(id)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub(crate) fn code<T: Code>(row: &AnyRow, col: &str) -> anyhow::Result<T> {
    let s: String = row.try_get(col)?;
    T::from_code(&s).ok_or_else(|| anyhow!("unknown code {s:?} in column {col}"))
}

pub(crate) fn flag(row: &AnyRow, col: &str) -> anyhow::Result<bool> {
    let v: i64 = row.try_get(col)?;
    Ok(v != 0)
}

/// `$first, $first+1, …` for an IN list of `n` values.
pub(crate) fn marks(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

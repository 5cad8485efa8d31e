//! Intake's repository: the only module that knows its tables. One SQL text for Postgres
//! and SQLite (see `frontdesk_platform::db`).

use anyhow::Context;
use frontdesk_platform::db::Db;
use sqlx::{Any, AnyConnection};

mod idempotency;
mod inquiries;
pub mod links;
mod list;
pub mod privacy;
mod reclassifications;
mod routing_view;
mod search_backfill;
pub mod timeline;

pub use idempotency::*;
pub use inquiries::*;
pub use list::*;
pub use reclassifications::*;
pub use routing_view::*;
pub use search_backfill::*;

pub type Tx = sqlx::Transaction<'static, Any>;

pub const MIGRATIONS: &[frontdesk_platform::db::MigrationFile] = &[
    (
        1000,
        "inquiries",
        include_str!("../../migrations/1000_inquiries.sql"),
    ),
    (
        1001,
        "routing views",
        include_str!("../../migrations/1001_routing_views.sql"),
    ),
    (
        1002,
        "waiting",
        include_str!("../../migrations/1002_waiting.sql"),
    ),
    (
        1003,
        "timeline",
        include_str!("../../migrations/1003_timeline.sql"),
    ),
    (
        1004,
        "needs triage",
        include_str!("../../migrations/1004_needs_triage.sql"),
    ),
    (
        1005,
        "erasures",
        include_str!("../../migrations/1005_erasures.sql"),
    ),
    (
        1006,
        "reply templates",
        include_str!("../../migrations/1006_reply_templates.sql"),
    ),
    (
        1007,
        "links",
        include_str!("../../migrations/1007_links.sql"),
    ),
    (
        1008,
        "search",
        include_str!("../../migrations/1008_search.sql"),
    ),
    (
        1009,
        "response kind",
        include_str!("../../migrations/1009_response_kind.sql"),
    ),
    (
        1010,
        "feedback episodes",
        include_str!("../../migrations/1010_feedback_episodes.sql"),
    ),
];

pub async fn seed_properties(db: &Db, ids: &[String]) -> anyhow::Result<()> {
    for id in ids {
        sqlx::query("INSERT INTO properties (property_id, created_at) VALUES ($1, $2) ON CONFLICT (property_id) DO NOTHING")
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

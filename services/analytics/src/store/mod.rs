//! Analytics' repository: the only module that knows its tables. One SQL text for Postgres
//! and SQLite: times are unix micros, ids text, vocabulary values their codes.

use crate::domain::facts::AuditVerdict;
pub mod anomalies;
pub mod apply;
pub mod log;
pub mod rollups;

use crate::domain::kpi::Fact;
use crate::domain::targets::Overrides;
use anyhow::{Context, anyhow};
use frontdesk_platform::db::Db;
use frontdesk_proto::common::v1::{Category, Channel, Satisfaction};
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

pub const MIGRATIONS: &[frontdesk_platform::db::MigrationFile] = &[
    (
        5000,
        "analytics",
        include_str!("../../migrations/5000_analytics.sql"),
    ),
    (
        5001,
        "quiz scores",
        include_str!("../../migrations/5001_quiz_scores.sql"),
    ),
    (
        5002,
        "topic terms",
        include_str!("../../migrations/5002_topic_terms.sql"),
    ),
    (
        5003,
        "targets",
        include_str!("../../migrations/5003_targets.sql"),
    ),
    (
        5004,
        "anomalies",
        include_str!("../../migrations/5004_anomalies.sql"),
    ),
    (
        5005,
        "event log",
        include_str!("../../migrations/5005_event_log.sql"),
    ),
    (
        5006,
        "daily rollups",
        include_str!("../../migrations/5006_daily_rollups.sql"),
    ),
];

/// A property's own targets, with who changed them last and when (`None`: never set).
pub async fn targets(
    db: &Db,
    property_id: &str,
) -> anyhow::Result<Option<(Overrides, String, i64)>> {
    let row = sqlx::query(
        "SELECT timeliness_pct, accuracy_pct, satisfaction_pct, quiz_pct, updated_by, updated_at \
         FROM analytics_targets WHERE property_id = $1",
    )
    .bind(property_id)
    .fetch_optional(db.pool())
    .await
    .context("loading targets")?;
    row.map(|r| {
        Ok((
            Overrides {
                timeliness_pct: r.try_get("timeliness_pct")?,
                accuracy_pct: r.try_get("accuracy_pct")?,
                satisfaction_pct: r.try_get("satisfaction_pct")?,
                quiz_pct: r.try_get("quiz_pct")?,
            },
            r.try_get("updated_by")?,
            r.try_get("updated_at")?,
        ))
    })
    .transpose()
}

/// Stores a property's own targets (all four, as merged by the caller from what it read),
/// only if they are still as read: `read_at` is the `updated_at` it read, `None` for none.
/// False when another manager changed them in between (the caller merges again).
pub async fn put_targets(
    db: &Db,
    property_id: &str,
    o: &Overrides,
    updated_by: &str,
    at: i64,
    read_at: Option<i64>,
) -> anyhow::Result<bool> {
    let n = sqlx::query(
        "INSERT INTO analytics_targets (property_id, timeliness_pct, accuracy_pct, \
         satisfaction_pct, quiz_pct, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (property_id) DO UPDATE SET timeliness_pct = excluded.timeliness_pct, \
         accuracy_pct = excluded.accuracy_pct, satisfaction_pct = excluded.satisfaction_pct, \
         quiz_pct = excluded.quiz_pct, updated_by = excluded.updated_by, \
         updated_at = excluded.updated_at WHERE analytics_targets.updated_at = $8",
    )
    .bind(property_id)
    .bind(o.timeliness_pct)
    .bind(o.accuracy_pct)
    .bind(o.satisfaction_pct)
    .bind(o.quiz_pct)
    .bind(updated_by)
    .bind(at)
    // No row was read: any row found now was written concurrently, and never matches.
    .bind(read_at.unwrap_or(-1))
    // Through the Any driver a NULL double is sent with another type than a set one, and a
    // statement cached on the connection keeps its first types: Postgres then rejects the
    // next call's binary value. Unnamed statements are typed per call.
    .persistent(false)
    .execute(db.pool())
    .await
    .context("storing targets")?;
    Ok(n.rows_affected() == 1)
}

/// Quiz attempts of `property_id` submitted in [from, to).
pub async fn quizzes_in_period(
    db: &Db,
    property_id: &str,
    from: i64,
    to: i64,
) -> anyhow::Result<Vec<crate::domain::kpi::QuizAttempt>> {
    let rows = sqlx::query(
        "SELECT staff_id, correct, total FROM analytics_quiz_attempts \
         WHERE property_id = $1 AND submitted_at >= $2 AND submitted_at < $3 ORDER BY attempt_id",
    )
    .bind(property_id)
    .bind(from)
    .bind(to)
    .fetch_all(db.pool())
    .await
    .context("loading quiz attempts")?;
    rows.iter()
        .map(|r| {
            Ok(crate::domain::kpi::QuizAttempt {
                staff_id: r.try_get("staff_id")?,
                correct: r.try_get("correct")?,
                total: r.try_get("total")?,
            })
        })
        .collect()
}

fn vocab<T>(
    v: Option<String>,
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> anyhow::Result<Option<T>> {
    v.map(|c| parse(&c).ok_or_else(|| anyhow!("stored {field} {c:?} is not a known code")))
        .transpose()
}

/// The columns [`fact_from_row`] reads.
pub(crate) const FACT_COLUMNS: &str = "inquiry_id, channel, category, department, handler, \
    routing_handler, created_at, first_response_at, resolved_at, satisfaction, resolution_due, \
    original_resolution_due, transfers, sla_breaches";

/// A counted inquiry's row (created, with a channel) as a report's fact.
pub(crate) fn fact_from_row(r: &AnyRow, audits: Vec<AuditVerdict>) -> anyhow::Result<Fact> {
    let inquiry_id: String = r.try_get("inquiry_id")?;
    let channel = vocab(r.try_get("channel")?, "channel", Channel::from_code)?
        .ok_or_else(|| anyhow!("inquiry {inquiry_id} has no channel"))?;
    let created_at: Option<i64> = r.try_get("created_at")?;
    let handler: String = r.try_get("handler")?;
    let routing_handler: String = r.try_get("routing_handler")?;
    Ok(Fact {
        channel,
        category: vocab(r.try_get("category")?, "category", Category::from_code)?,
        department: r.try_get("department")?,
        handler: if handler.is_empty() {
            routing_handler
        } else {
            handler
        },
        created_at: created_at.ok_or_else(|| anyhow!("inquiry {inquiry_id} not created"))?,
        first_response_at: r.try_get("first_response_at")?,
        resolved_at: r.try_get("resolved_at")?,
        satisfaction: vocab(
            r.try_get("satisfaction")?,
            "satisfaction",
            Satisfaction::from_code,
        )?,
        audits,
        resolution_due: r.try_get("resolution_due")?,
        original_resolution_due: r.try_get("original_resolution_due")?,
        transfers: r.try_get("transfers")?,
        sla_breaches: r.try_get("sla_breaches")?,
        inquiry_id,
    })
}

/// Groups audit rows (inquiry_id, response_id, responded_by, accurate) by inquiry.
fn audits_by_inquiry(rows: &[AnyRow]) -> anyhow::Result<HashMap<String, Vec<AuditVerdict>>> {
    let mut audits: HashMap<String, Vec<AuditVerdict>> = HashMap::new();
    for r in rows {
        audits
            .entry(r.try_get("inquiry_id")?)
            .or_default()
            .push(AuditVerdict {
                response_id: r.try_get("response_id")?,
                responded_by: r.try_get("responded_by")?,
                accurate: r.try_get::<i64, _>("accurate")? != 0,
            });
    }
    Ok(audits)
}

/// The facts of `property_id`'s inquiries created in [from, to), with their audits.
pub async fn facts_in_period(
    db: &Db,
    property_id: &str,
    from: i64,
    to: i64,
) -> anyhow::Result<Vec<Fact>> {
    let mut conn = db.pool().acquire().await?;
    facts_in(&mut conn, property_id, from, to).await
}

/// [`facts_in_period`] on a given connection (a backfill's transaction).
pub(crate) async fn facts_in(
    conn: &mut AnyConnection,
    property_id: &str,
    from: i64,
    to: i64,
) -> anyhow::Result<Vec<Fact>> {
    let rows = sqlx::query(&format!(
        "SELECT {FACT_COLUMNS} FROM analytics_facts \
         WHERE property_id = $1 AND created_at >= $2 AND created_at < $3 ORDER BY inquiry_id"
    ))
    .bind(property_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await
    .context("loading facts")?;
    let audit_rows = sqlx::query(
        "SELECT a.inquiry_id, a.response_id, a.responded_by, a.accurate FROM analytics_audits a \
         JOIN analytics_facts f ON f.inquiry_id = a.inquiry_id \
         WHERE f.property_id = $1 AND f.created_at >= $2 AND f.created_at < $3 \
         ORDER BY a.inquiry_id, a.response_id",
    )
    .bind(property_id)
    .bind(from)
    .bind(to)
    .fetch_all(&mut *conn)
    .await
    .context("loading audits")?;
    let mut audits = audits_by_inquiry(&audit_rows)?;
    rows.iter()
        .map(|r| {
            let id: String = r.try_get("inquiry_id")?;
            fact_from_row(r, audits.remove(&id).unwrap_or_default())
        })
        .collect()
}

/// `(key, inquiry id)` of a property's inquiries created in [from, to), newest first: the
/// category of each, and each of its matched terms.
pub async fn topic_rows(
    db: &Db,
    property_id: &str,
    from: i64,
    to: i64,
) -> anyhow::Result<(Vec<(String, String)>, Vec<(String, String)>)> {
    let categories = keyed_rows(db, "category", "analytics_facts", property_id, from, to).await?;
    let terms = keyed_rows(db, "term", "analytics_terms", property_id, from, to).await?;
    Ok((categories, terms))
}

/// `(key_column, inquiry_id)` of `table`'s rows of a property in [from, to), newest first.
/// `key_column` and `table` are this module's own names, never input.
async fn keyed_rows(
    db: &Db,
    key_column: &str,
    table: &str,
    property_id: &str,
    from: i64,
    to: i64,
) -> anyhow::Result<Vec<(String, String)>> {
    let sql = format!(
        "SELECT {key_column} AS topic_key, inquiry_id FROM {table} WHERE property_id = $1 \
         AND created_at >= $2 AND created_at < $3 AND {key_column} IS NOT NULL \
         ORDER BY created_at DESC, inquiry_id DESC"
    );
    sqlx::query(&sql)
        .bind(property_id)
        .bind(from)
        .bind(to)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(|r| Ok((r.try_get("topic_key")?, r.try_get("inquiry_id")?)))
        .collect()
}

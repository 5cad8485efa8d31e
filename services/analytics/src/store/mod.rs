//! Analytics' repository: the only module that knows its tables. One SQL text for Postgres
//! and SQLite: times are unix micros, ids text, vocabulary values their codes.

use crate::domain::facts::{AuditVerdict, IntakeFacts, RoutingFacts};
pub mod anomalies;
pub mod log;
pub mod rollups;

use crate::domain::kpi::{Fact, TimelinessRule};
use crate::domain::targets::Overrides;
use anyhow::{Context, anyhow};
use frontdesk_platform::db::Db;
use frontdesk_platform::time::now_micros;
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

/// Records a submitted quiz attempt (a resubmission of the same attempt changes nothing).
pub async fn apply_quiz(
    conn: &mut AnyConnection,
    property_id: &str,
    q: &frontdesk_proto::knowledge::v1::QuizSubmitted,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO analytics_quiz_attempts \
         (attempt_id, property_id, quiz_id, staff_id, correct, total, submitted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (attempt_id) DO NOTHING",
    )
    .bind(&q.attempt_id)
    .bind(property_id)
    .bind(&q.quiz_id)
    .bind(&q.staff_id)
    .bind(i64::from(q.correct))
    .bind(i64::from(q.total))
    .bind(at)
    .execute(&mut *conn)
    .await
    .context("recording a quiz attempt")?;
    Ok(())
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

/// Creates the inquiry's row if this is the first event about it, and locks it until the
/// transaction ends. The lock is what makes "the facts before" true: intake's and routing's
/// events about one inquiry arrive by different relays at once, and on Postgres (read
/// committed) a delta computed from facts read before another transaction's change commits
/// would count that change twice. With the row locked first, the facts read next are the
/// latest committed ones and stay so. (SQLite has one writer at a time anyway.)
async fn ensure_row(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    property_id: &str,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO analytics_facts (inquiry_id, property_id, handler, delay_notices, \
         intake_version, department, routing_handler, routing_version, transfers, sla_breaches, \
         escalations, updated_at) VALUES ($1, $2, '', 0, -1, '', '', -1, 0, 0, 0, $3) \
         ON CONFLICT (inquiry_id) DO NOTHING",
    )
    .bind(inquiry_id)
    .bind(property_id)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    sqlx::query("UPDATE analytics_facts SET updated_at = updated_at WHERE inquiry_id = $1")
        .bind(inquiry_id)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Folds intake's facts in unless newer ones are already there, and moves the daily rollups
/// by the difference; returns whether it did.
pub async fn apply_intake(
    conn: &mut AnyConnection,
    f: &IntakeFacts,
    rule: &TimelinessRule,
) -> anyhow::Result<bool> {
    ensure_row(conn, &f.inquiry_id, &f.property_id).await?;
    let before = rollups::load_fact(conn, &f.inquiry_id).await?;
    let updated = sqlx::query(
        "UPDATE analytics_facts SET property_id = $2, channel = $3, category = $4, \
         complexity = $5, language = $6, created_at = $7, first_response_at = $8, \
         resolved_at = $9, expected_at = $10, handler = $11, satisfaction = $12, \
         delay_notices = $13, intake_version = $14, updated_at = $15 \
         WHERE inquiry_id = $1 AND intake_version <= $14",
    )
    .bind(&f.inquiry_id)
    .bind(&f.property_id)
    .bind(f.channel)
    .bind(f.category)
    .bind(f.complexity)
    .bind(f.language)
    .bind(f.created_at)
    .bind(f.first_response_at)
    .bind(f.resolved_at)
    .bind(f.expected_at)
    .bind(&f.handler)
    .bind(f.satisfaction)
    .bind(f.delay_notices)
    .bind(f.version)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if updated == 0 {
        return Ok(false);
    }
    sqlx::query("DELETE FROM analytics_terms WHERE inquiry_id = $1")
        .bind(&f.inquiry_id)
        .execute(&mut *conn)
        .await?;
    for term in &f.terms {
        sqlx::query(
            "INSERT INTO analytics_terms (inquiry_id, property_id, created_at, term) \
             VALUES ($1, $2, $3, $4)",
        )
        .bind(&f.inquiry_id)
        .bind(&f.property_id)
        .bind(f.created_at)
        .bind(term)
        .execute(&mut *conn)
        .await?;
    }
    sqlx::query("DELETE FROM analytics_audits WHERE inquiry_id = $1")
        .bind(&f.inquiry_id)
        .execute(&mut *conn)
        .await?;
    for a in &f.audits {
        sqlx::query(
            "INSERT INTO analytics_audits (inquiry_id, response_id, responded_by, accurate) \
             VALUES ($1, $2, $3, $4) ON CONFLICT (inquiry_id, response_id) DO UPDATE SET \
             responded_by = excluded.responded_by, accurate = excluded.accurate",
        )
        .bind(&f.inquiry_id)
        .bind(&a.response_id)
        .bind(&a.responded_by)
        .bind(i64::from(a.accurate))
        .execute(&mut *conn)
        .await?;
    }
    let after = rollups::load_fact(conn, &f.inquiry_id).await?;
    rollups::apply_change(conn, before.as_ref(), after.as_ref(), rule).await?;
    Ok(true)
}

/// Adds a routing event's counts and folds its assignment in unless a newer one is there,
/// and moves the daily rollups by the difference.
pub async fn apply_routing(
    conn: &mut AnyConnection,
    r: &RoutingFacts,
    rule: &TimelinessRule,
) -> anyhow::Result<()> {
    ensure_row(conn, &r.inquiry_id, &r.property_id).await?;
    let before = rollups::load_fact(conn, &r.inquiry_id).await?;
    sqlx::query(
        "UPDATE analytics_facts SET transfers = transfers + $2, sla_breaches = sla_breaches + $3, \
         escalations = escalations + $4 WHERE inquiry_id = $1",
    )
    .bind(&r.inquiry_id)
    .bind(r.transfers)
    .bind(r.sla_breaches)
    .bind(r.escalations)
    .execute(&mut *conn)
    .await?;
    sqlx::query(
        "UPDATE analytics_facts SET department = $2, routing_handler = $3, \
         first_response_due = $4, resolution_due = $5, original_resolution_due = $6, \
         routing_version = $7, updated_at = $8 WHERE inquiry_id = $1 AND routing_version <= $7",
    )
    .bind(&r.inquiry_id)
    .bind(&r.department)
    .bind(&r.handler)
    .bind(r.first_response_due)
    .bind(r.resolution_due)
    .bind(r.original_resolution_due)
    .bind(r.version)
    .bind(now_micros())
    .execute(&mut *conn)
    .await?;
    let after = rollups::load_fact(conn, &r.inquiry_id).await?;
    rollups::apply_change(conn, before.as_ref(), after.as_ref(), rule).await?;
    Ok(())
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

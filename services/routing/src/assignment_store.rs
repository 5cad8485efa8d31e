//! Repository of assignments and deadlines (the SLA truth). Same SQL on both backends.

use crate::domain::routed::{Routed, RoutedState};
use anyhow::anyhow;
use frontdesk_platform::db::Db;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

const COLUMNS: &str = "inquiry_id, property_id, channel, category, complexity, language, lead_department, \
    participants, assignee, on_the_spot, state, rule_id, reason, created_at, first_response_due, \
    resolution_due, original_resolution_due, first_response_at, resolved_at, version, updated_at, \
    needs_triage, initial_first_response_due, initial_resolution_due";

/// New assignments, 100 to a statement (24 parameters a row: within SQLite's limit).
pub async fn insert_many(conn: &mut AnyConnection, routed: &[Routed]) -> anyhow::Result<()> {
    for chunk in routed.chunks(100) {
        let sql = format!(
            "INSERT INTO assignments ({COLUMNS}) VALUES {}",
            frontdesk_platform::sql::values(chunk.len(), 24, 1)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(&r.inquiry_id)
                .bind(&r.property_id)
                .bind(&r.channel)
                .bind(&r.category)
                .bind(&r.complexity)
                .bind(&r.language)
                .bind(&r.lead_department)
                .bind(r.participants.join(","))
                .bind(&r.assignee)
                .bind(i64::from(r.on_the_spot))
                .bind(r.state.code())
                .bind(&r.rule_id)
                .bind(&r.reason)
                .bind(r.created_at)
                .bind(r.first_response_due)
                .bind(r.resolution_due)
                .bind(r.original_resolution_due)
                .bind(r.first_response_at)
                .bind(r.resolved_at)
                .bind(r.version)
                .bind(r.updated_at)
                .bind(i64::from(r.needs_triage))
                .bind(r.initial_first_response_due)
                .bind(r.initial_resolution_due);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Which of these inquiries routing has an assignment for, 500 ids to a statement.
pub async fn existing(
    conn: &mut AnyConnection,
    inquiry_ids: &[String],
) -> anyhow::Result<std::collections::HashSet<String>> {
    let mut out = std::collections::HashSet::new();
    for chunk in inquiry_ids.chunks(500) {
        let sql = format!(
            "SELECT inquiry_id FROM assignments WHERE inquiry_id IN ({})",
            frontdesk_platform::sql::list(chunk.len(), 1)
        );
        let mut q = sqlx::query(&sql);
        for id in chunk {
            q = q.bind(id.as_str());
        }
        for row in q.fetch_all(&mut *conn).await? {
            out.insert(row.try_get("inquiry_id")?);
        }
    }
    Ok(out)
}

/// Saves lifecycle changes; `false` if another writer changed the row since `loaded_version`.
pub async fn update(
    conn: &mut AnyConnection,
    r: &Routed,
    loaded_version: i64,
) -> anyhow::Result<bool> {
    // Its handler or state may change: a consumer batch's memoised loads no longer hold.
    crate::batch::forget_loads();
    let n = sqlx::query(
        "UPDATE assignments SET assignee = $1, state = $2, resolution_due = $3, first_response_at = $4, \
         resolved_at = $5, version = $6, updated_at = $7, lead_department = $8, participants = $9, \
         on_the_spot = $10, first_response_due = $13, original_resolution_due = $14, \
         category = $15, complexity = $16, rule_id = $17, reason = $18, needs_triage = $19 \
         WHERE inquiry_id = $11 AND version = $12",
    )
    .bind(&r.assignee)
    .bind(r.state.code())
    .bind(r.resolution_due)
    .bind(r.first_response_at)
    .bind(r.resolved_at)
    .bind(r.version)
    .bind(r.updated_at)
    .bind(&r.lead_department)
    .bind(r.participants.join(","))
    .bind(i64::from(r.on_the_spot))
    .bind(&r.inquiry_id)
    .bind(loaded_version)
    .bind(r.first_response_due)
    .bind(r.original_resolution_due)
    .bind(&r.category)
    .bind(&r.complexity)
    .bind(&r.rule_id)
    .bind(&r.reason)
    .bind(i64::from(r.needs_triage))
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

pub async fn load(conn: &mut AnyConnection, inquiry_id: &str) -> anyhow::Result<Option<Routed>> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM assignments WHERE inquiry_id = $1"
    ))
    .bind(inquiry_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(from_row).transpose()
}

fn from_row(r: &AnyRow) -> anyhow::Result<Routed> {
    let state: String = r.try_get("state")?;
    let participants: String = r.try_get("participants")?;
    Ok(Routed {
        inquiry_id: r.try_get("inquiry_id")?,
        property_id: r.try_get("property_id")?,
        channel: r.try_get("channel")?,
        category: r.try_get("category")?,
        complexity: r.try_get("complexity")?,
        language: r.try_get("language")?,
        lead_department: r.try_get("lead_department")?,
        participants: participants
            .split(',')
            .filter(|p| !p.is_empty())
            .map(String::from)
            .collect(),
        assignee: r.try_get("assignee")?,
        on_the_spot: r.try_get::<i64, _>("on_the_spot")? != 0,
        state: RoutedState::from_code(&state)
            .ok_or_else(|| anyhow!("unknown assignment state {state:?}"))?,
        rule_id: r.try_get("rule_id")?,
        reason: r.try_get("reason")?,
        created_at: r.try_get("created_at")?,
        first_response_due: r.try_get("first_response_due")?,
        resolution_due: r.try_get("resolution_due")?,
        original_resolution_due: r.try_get("original_resolution_due")?,
        first_response_at: r.try_get("first_response_at")?,
        resolved_at: r.try_get("resolved_at")?,
        version: r.try_get("version")?,
        updated_at: r.try_get("updated_at")?,
        needs_triage: r.try_get::<i64, _>("needs_triage")? != 0,
        initial_first_response_due: r.try_get("initial_first_response_due")?,
        initial_resolution_due: r.try_get("initial_resolution_due")?,
    })
}

/// Open inquiries per handler in a property (least-load assignment).
pub async fn open_loads(
    conn: &mut AnyConnection,
    property_id: &str,
) -> anyhow::Result<HashMap<String, i64>> {
    let rows = sqlx::query(
        "SELECT assignee, COUNT(*) AS n FROM assignments WHERE property_id = $1 AND state <> 'resolved' \
         AND assignee <> '' GROUP BY assignee",
    )
    .bind(property_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("assignee")?, r.try_get("n")?)))
        .collect()
}

/// Next round-robin position for a department's ties.
pub async fn next_turn(
    conn: &mut AnyConnection,
    property_id: &str,
    department: &str,
) -> anyhow::Result<u64> {
    let pos = next_turn_position(conn, property_id, department).await?;
    Ok(u64::try_from(pos).unwrap_or(0))
}

/// Advances a department's round-robin position and returns it (locking its row until the
/// transaction ends).
pub async fn next_turn_position(
    conn: &mut AnyConnection,
    property_id: &str,
    department: &str,
) -> anyhow::Result<i64> {
    let pos: i64 = sqlx::query_scalar(
        "INSERT INTO assignment_cursors (property_id, department_code, position) VALUES ($1, $2, 1) \
         ON CONFLICT (property_id, department_code) DO UPDATE SET position = assignment_cursors.position + 1 \
         RETURNING position",
    )
    .bind(property_id)
    .bind(department)
    .fetch_one(conn)
    .await?;
    Ok(pos)
}

/// What ListAssignments selects.
#[derive(Debug, Clone, Default)]
pub struct AssignmentFilter {
    pub property_id: String,
    /// Empty: every department.
    pub department: String,
    /// Empty: everyone.
    pub assignee: String,
    pub queue_only: bool,
    pub include_resolved: bool,
    /// Keyset position (created_at, inquiry_id) of the previous page's last row.
    pub after: Option<(i64, String)>,
    pub limit: i64,
}

/// Assignments of a property, oldest first (a queue is worked from its oldest end).
pub async fn list(db: &Db, f: &AssignmentFilter) -> anyhow::Result<Vec<Routed>> {
    let (after_at, after_id) = f.after.clone().unwrap_or((i64::MIN, String::new()));
    let sql = format!(
        "SELECT {COLUMNS} FROM assignments WHERE property_id = $1 \
         AND ($2 = '' OR lead_department = $2) \
         AND ($3 = 0 OR assignee = '') AND ($3 = 1 OR $4 = '' OR assignee = $4) \
         AND ($5 = 1 OR state <> 'resolved') \
         AND (created_at > $6 OR (created_at = $6 AND inquiry_id > $7)) \
         ORDER BY created_at, inquiry_id LIMIT $8"
    );
    let rows = sqlx::query(&sql)
        .bind(&f.property_id)
        .bind(&f.department)
        .bind(i64::from(f.queue_only))
        .bind(&f.assignee)
        .bind(i64::from(f.include_resolved))
        .bind(after_at)
        .bind(after_id)
        .bind(f.limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(from_row).collect()
}

// Deadlines and pauses live in `deadline_store`, transfer slips and referrals in
// `handover_store`; re-exported so callers keep one repository name.
pub use crate::deadline_store::*;
pub use crate::handover_store::*;

/// Open inquiries past a deadline, by lead department: not resolved, and either the
/// resolution is due, or the first response is due and none was given. Every department
/// of the directory is listed (0 when none), so the series exist before the first breach.
pub async fn open_past_due(db: &Db, now: i64) -> anyhow::Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT d.code AS department, COUNT(a.inquiry_id) AS n FROM \
         (SELECT DISTINCT code FROM departments) d \
         LEFT JOIN assignments a ON a.lead_department = d.code AND a.resolved_at IS NULL \
         AND ((a.resolution_due > 0 AND a.resolution_due < $1) \
           OR (a.first_response_at IS NULL AND a.first_response_due > 0 \
               AND a.first_response_due < $2)) \
         GROUP BY d.code",
    )
    .bind(now)
    .bind(now)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("department")?, r.try_get("n")?)))
        .collect()
}

//! Repository of assignments and deadlines (the SLA truth). Same SQL on both backends.

use crate::domain::routed::{Routed, RoutedState};
use crate::domain::sla_policy::DeadlineKind;
use anyhow::anyhow;
use frontdesk_platform::db::Db;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::HashMap;

const COLUMNS: &str = "inquiry_id, property_id, channel, category, complexity, language, lead_department, \
    participants, assignee, on_the_spot, state, rule_id, reason, created_at, first_response_due, \
    resolution_due, original_resolution_due, first_response_at, resolved_at, version, updated_at, \
    needs_triage, initial_first_response_due, initial_resolution_due";

pub async fn insert(conn: &mut AnyConnection, r: &Routed) -> anyhow::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO assignments ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, \
         $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)"
    ))
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
    .bind(r.initial_resolution_due)
    .execute(conn)
    .await?;
    Ok(())
}

/// Saves lifecycle changes; `false` if another writer changed the row since `loaded_version`.
pub async fn update(
    conn: &mut AnyConnection,
    r: &Routed,
    loaded_version: i64,
) -> anyhow::Result<bool> {
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
    let pos: i64 = sqlx::query_scalar(
        "INSERT INTO assignment_cursors (property_id, department_code, position) VALUES ($1, $2, 1) \
         ON CONFLICT (property_id, department_code) DO UPDATE SET position = assignment_cursors.position + 1 \
         RETURNING position",
    )
    .bind(property_id)
    .bind(department)
    .fetch_one(conn)
    .await?;
    Ok(u64::try_from(pos).unwrap_or(0))
}

pub fn timer_id(inquiry_id: &str, kind: DeadlineKind) -> String {
    format!("{inquiry_id}/{}", kind.code())
}

/// Sets (or moves) deadlines to pending and unarmed, so the armer puts them in the wheel.
pub async fn upsert_deadlines(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    property_id: &str,
    deadlines: &[(DeadlineKind, i64)],
) -> anyhow::Result<()> {
    if deadlines.is_empty() {
        return Ok(());
    }
    // One multi-row statement: an inquiry's whole chain in one round trip.
    let values: Vec<String> = (0..deadlines.len())
        .map(|r| {
            format!(
                "(${}, ${}, ${}, ${}, ${}, 'pending', 0)",
                r * 5 + 1,
                r * 5 + 2,
                r * 5 + 3,
                r * 5 + 4,
                r * 5 + 5
            )
        })
        .collect();
    let sql = format!(
        "INSERT INTO deadlines (timer_id, inquiry_id, property_id, kind, due_at, state, armed) VALUES {} \
         ON CONFLICT (timer_id) DO UPDATE SET due_at = excluded.due_at, state = 'pending', armed = 0, \
         fired_at = NULL, lateness = NULL",
        values.join(", ")
    );
    let mut q = sqlx::query::<sqlx::Any>(&sql);
    for (kind, due) in deadlines {
        q = q
            .bind(timer_id(inquiry_id, *kind))
            .bind(inquiry_id)
            .bind(property_id)
            .bind(kind.code())
            .bind(*due);
    }
    q.execute(conn).await?;
    Ok(())
}

/// Cancels the pending deadlines of an inquiry whose kind `which` selects, in one statement.
/// Their timers stay in the wheel and are dropped when they come due (firing finds them
/// cancelled), which is cheaper than a second round trip to Redis.
pub async fn cancel_deadlines(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    which: impl Fn(DeadlineKind) -> bool,
) -> anyhow::Result<u64> {
    let kinds: Vec<&str> = DeadlineKind::ALL
        .into_iter()
        .filter(|k| which(*k))
        .map(DeadlineKind::code)
        .collect();
    if kinds.is_empty() {
        return Ok(0);
    }
    let marks: Vec<String> = (0..kinds.len()).map(|n| format!("${}", n + 2)).collect();
    let sql = format!(
        "UPDATE deadlines SET state = 'cancelled' WHERE inquiry_id = $1 AND state = 'pending' AND kind IN ({})",
        marks.join(", ")
    );
    let mut q = sqlx::query::<sqlx::Any>(&sql).bind(inquiry_id);
    for k in kinds {
        q = q.bind(k);
    }
    Ok(q.execute(conn).await?.rows_affected())
}

/// Pending deadlines not yet in the wheel, earliest first.
pub async fn to_arm(db: &Db, limit: i64) -> anyhow::Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT timer_id, due_at FROM deadlines WHERE armed = 0 AND state = 'pending' ORDER BY due_at LIMIT $1",
    )
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("timer_id")?, r.try_get("due_at")?)))
        .collect()
}

/// Pending deadlines due by `now`, oldest first (fired from here while Redis is down).
pub async fn due_pending(db: &Db, now: i64, limit: i64) -> anyhow::Result<Vec<(String, i64)>> {
    let rows = sqlx::query(
        "SELECT timer_id, due_at FROM deadlines WHERE state = 'pending' AND due_at <= $1 \
         ORDER BY due_at LIMIT $2",
    )
    .bind(now)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("timer_id")?, r.try_get("due_at")?)))
        .collect()
}

/// Marks deadlines armed, unless they moved meanwhile (then they stay for the next round).
pub async fn mark_armed(db: &Db, armed: &[(String, i64)]) -> anyhow::Result<()> {
    let mut tx = db.pool().begin().await?;
    for (id, due) in armed {
        sqlx::query("UPDATE deadlines SET armed = 1 WHERE timer_id = $1 AND due_at = $2 AND state = 'pending'")
            .bind(id)
            .bind(*due)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The wheel lost its timers: every pending deadline must be armed again.
pub async fn unarm_all(db: &Db) -> anyhow::Result<u64> {
    Ok(
        sqlx::query("UPDATE deadlines SET armed = 0 WHERE state = 'pending' AND armed = 1")
            .execute(db.pool())
            .await?
            .rows_affected(),
    )
}

/// A claimed timer fires: pending → fired, once. Returns (inquiry_id, kind, due_at) when this
/// call fired it, `None` when it was already fired, cancelled or moved (firing is idempotent).
pub async fn fire(
    conn: &mut AnyConnection,
    timer_id: &str,
    claimed_due: i64,
    now: i64,
) -> anyhow::Result<Option<(String, DeadlineKind, i64)>> {
    let n = sqlx::query(
        "UPDATE deadlines SET state = 'fired', fired_at = $1, lateness = $2 \
         WHERE timer_id = $3 AND state = 'pending' AND due_at = $4",
    )
    .bind(now)
    .bind(now - claimed_due)
    .bind(timer_id)
    .bind(claimed_due)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    let row = sqlx::query("SELECT inquiry_id, kind, due_at FROM deadlines WHERE timer_id = $1")
        .bind(timer_id)
        .fetch_one(conn)
        .await?;
    let kind: String = row.try_get("kind")?;
    let kind =
        DeadlineKind::from_code(&kind).ok_or_else(|| anyhow!("unknown deadline kind {kind:?}"))?;
    Ok(Some((
        row.try_get("inquiry_id")?,
        kind,
        row.try_get("due_at")?,
    )))
}

/// Kinds of an inquiry's deadlines that have fired, in due order.
pub async fn fired_kinds(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar(
        "SELECT kind FROM deadlines WHERE inquiry_id = $1 AND state = 'fired' ORDER BY due_at, kind",
    )
    .bind(inquiry_id)
    .fetch_all(conn)
    .await?)
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

pub struct Slip<'a> {
    pub slip_id: &'a str,
    pub property_id: &'a str,
    pub inquiry_id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub reason: &'a str,
    pub wait_minutes: i64,
    pub by: &'a str,
    pub at: i64,
    pub forced: bool,
    pub from_staff_id: &'a str,
    pub to_staff_id: &'a str,
}

pub async fn insert_slip(conn: &mut AnyConnection, s: &Slip<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO transfer_slips (slip_id, inquiry_id, from_department, to_department, reason, \
         customer_told_wait_minutes, transferred_by, transferred_at, forced, property_id, \
         from_staff_id, to_staff_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(s.slip_id)
    .bind(s.inquiry_id)
    .bind(s.from)
    .bind(s.to)
    .bind(s.reason)
    .bind(s.wait_minutes)
    .bind(s.by)
    .bind(s.at)
    .bind(i64::from(s.forced))
    .bind(s.property_id)
    .bind(s.from_staff_id)
    .bind(s.to_staff_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A transfer slip as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipRow {
    pub slip_id: String,
    pub property_id: String,
    pub inquiry_id: String,
    pub from_department: String,
    pub to_department: String,
    pub reason: String,
    pub wait_minutes: i64,
    pub transferred_by: String,
    pub transferred_at: i64,
    pub forced: bool,
    pub from_staff_id: String,
    pub to_staff_id: String,
}

/// Which slips ListTransfers reads: one inquiry's, or a department's (sent or received).
pub enum SlipsOf<'a> {
    Inquiry(&'a str),
    Department(&'a str),
}

/// Slips of a property, oldest first, after the keyset position (transferred_at, slip_id).
pub async fn list_slips(
    db: &Db,
    property_id: &str,
    of: SlipsOf<'_>,
    after: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<SlipRow>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
    let (filter, value) = match of {
        SlipsOf::Inquiry(id) => ("inquiry_id = $2", id),
        SlipsOf::Department(code) => ("(from_department = $2 OR to_department = $2)", code),
    };
    let sql = format!(
        "SELECT slip_id, property_id, inquiry_id, from_department, to_department, reason, \
         customer_told_wait_minutes, transferred_by, transferred_at, forced, from_staff_id, \
         to_staff_id FROM transfer_slips WHERE property_id = $1 AND {filter} \
         AND (transferred_at > $3 OR (transferred_at = $3 AND slip_id > $4)) \
         ORDER BY transferred_at, slip_id LIMIT $5"
    );
    let rows = sqlx::query(&sql)
        .bind(property_id)
        .bind(value)
        .bind(after_at)
        .bind(after_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SlipRow {
                slip_id: r.try_get("slip_id")?,
                property_id: r.try_get("property_id")?,
                inquiry_id: r.try_get("inquiry_id")?,
                from_department: r.try_get("from_department")?,
                to_department: r.try_get("to_department")?,
                reason: r.try_get("reason")?,
                wait_minutes: r.try_get("customer_told_wait_minutes")?,
                transferred_by: r.try_get("transferred_by")?,
                transferred_at: r.try_get("transferred_at")?,
                forced: r.try_get::<i64, _>("forced")? != 0,
                from_staff_id: r.try_get("from_staff_id")?,
                to_staff_id: r.try_get("to_staff_id")?,
            })
        })
        .collect()
}

pub async fn insert_referral(
    conn: &mut AnyConnection,
    referral_id: &str,
    inquiry_id: &str,
    partner_id: &str,
    note: &str,
    by: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO referrals (referral_id, inquiry_id, partner_id, note, referred_by, referred_at, state, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'referred', $6)",
    )
    .bind(referral_id)
    .bind(inquiry_id)
    .bind(partner_id)
    .bind(note)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn start_pause(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO sla_pauses (inquiry_id, started_at, ended_at) VALUES ($1, $2, NULL) \
         ON CONFLICT (inquiry_id, started_at) DO NOTHING",
    )
    .bind(inquiry_id)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends the open pause; false when there was none.
pub async fn end_pause(
    conn: &mut AnyConnection,
    inquiry_id: &str,
    at: i64,
) -> anyhow::Result<bool> {
    let n = sqlx::query(
        "UPDATE sla_pauses SET ended_at = $1 WHERE inquiry_id = $2 AND ended_at IS NULL",
    )
    .bind(at)
    .bind(inquiry_id)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n > 0)
}

/// Every pause of an inquiry: (start, end), end `None` while still waiting.
pub async fn pauses(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> anyhow::Result<Vec<(i64, Option<i64>)>> {
    let rows = sqlx::query(
        "SELECT started_at, ended_at FROM sla_pauses WHERE inquiry_id = $1 ORDER BY started_at",
    )
    .bind(inquiry_id)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| Ok((r.try_get("started_at")?, r.try_get("ended_at")?)))
        .collect()
}

/// A referral as stored: (referral_id, inquiry_id, partner_id, note, by, at, state, updated_at).
#[derive(Debug, Clone)]
pub struct ReferralRow {
    pub referral_id: String,
    pub inquiry_id: String,
    pub partner_id: String,
    pub note: String,
    pub referred_by: String,
    pub referred_at: i64,
    pub state: String,
    pub updated_at: i64,
}

const REFERRAL_COLUMNS: &str =
    "referral_id, inquiry_id, partner_id, note, referred_by, referred_at, state, updated_at";

fn referral_from_row(r: &AnyRow) -> anyhow::Result<ReferralRow> {
    Ok(ReferralRow {
        referral_id: r.try_get("referral_id")?,
        inquiry_id: r.try_get("inquiry_id")?,
        partner_id: r.try_get("partner_id")?,
        note: r.try_get("note")?,
        referred_by: r.try_get("referred_by")?,
        referred_at: r.try_get("referred_at")?,
        state: r.try_get("state")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn referrals_of(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> anyhow::Result<Vec<ReferralRow>> {
    let sql = format!(
        "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE inquiry_id = $1 ORDER BY referred_at"
    );
    let rows = sqlx::query(&sql).bind(inquiry_id).fetch_all(conn).await?;
    rows.iter().map(referral_from_row).collect()
}

pub async fn referral(
    conn: &mut AnyConnection,
    referral_id: &str,
) -> anyhow::Result<Option<ReferralRow>> {
    let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE referral_id = $1");
    let row = sqlx::query(&sql)
        .bind(referral_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(referral_from_row).transpose()
}

/// Moves a referral from `from` to `to`; false when it was no longer in `from`.
pub async fn set_referral_state(
    conn: &mut AnyConnection,
    referral_id: &str,
    from: &str,
    to: &str,
    at: i64,
) -> anyhow::Result<bool> {
    let n = sqlx::query(
        "UPDATE referrals SET state = $1, updated_at = $2 WHERE referral_id = $3 AND state = $4",
    )
    .bind(to)
    .bind(at)
    .bind(referral_id)
    .bind(from)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

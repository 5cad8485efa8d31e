//! Applying a batch of events: a constant number of statements per batch, not per event.
//!
//! Every inquiry the batch touches is created if new, locked and read in one statement
//! (its audits in a second), the events are folded in order into those rows in memory
//! (`domain::facts::FactRow`: the same rules the tables followed event by event), and only
//! the results go back: the changed rows in one multi-row upsert, their terms and audits
//! replaced in one delete and one insert each, the rollups moved by the batch's merged
//! difference per row (`rollups::add_all`), quiz attempts in one insert.
//!
//! Why the lock first: intake's and routing's events about one inquiry arrive by different
//! relays at once, and on Postgres (read committed) a rollup difference computed from facts
//! read before another transaction's change commits would count that change twice. The
//! upsert that creates the rows locks them until the transaction ends, and returns them as
//! the latest committed version (ON CONFLICT DO UPDATE sees it, whatever the snapshot).
//! (SQLite has one writer at a time anyway.) Locks are taken in one order everywhere —
//! facts by inquiry id, then rollup rows by key — so two batches cannot deadlock.

use super::rollups;
use crate::domain::facts::{AuditVerdict, Change, FactRow, IntakeFacts, QuizFact};
use crate::domain::kpi::{Counters, RollupKey, TimelinessRule, rollup_delta};
use anyhow::{Context, anyhow};
use frontdesk_platform::sql::{list, shaped, values};
use frontdesk_platform::time::now_micros;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

/// Rows per multi-row statement: the widest (a fact row, 24 values) stays at 9,600
/// parameters, well under Postgres' 65,535 and SQLite's 32,766.
const ROWS_PER_STATEMENT: usize = 400;

/// Every column of `analytics_facts`, in the order [`write_facts`] binds them.
const ALL_FACT_COLUMNS: &str = "inquiry_id, property_id, channel, category, complexity, \
    language, created_at, first_response_at, resolved_at, expected_at, handler, satisfaction, \
    delay_notices, intake_version, department, routing_handler, first_response_due, \
    resolution_due, original_resolution_due, routing_version, transfers, sla_breaches, \
    escalations, updated_at";

/// Applies the changes of a run of new events, in their order, in the caller's
/// transaction. The result is what applying them one at a time would leave.
pub async fn apply_changes(
    conn: &mut AnyConnection,
    changes: &[Change],
    rule: &TimelinessRule,
) -> anyhow::Result<()> {
    let now = now_micros();
    // Each inquiry with the property of the first event about it (what creates its row).
    let mut touched: BTreeMap<&str, &str> = BTreeMap::new();
    for c in changes {
        match c {
            Change::Intake(f) => touched.entry(&f.inquiry_id).or_insert(&f.property_id),
            Change::Routing(r) => touched.entry(&r.inquiry_id).or_insert(&r.property_id),
            Change::Quiz(_) => continue,
        };
    }
    let before = lock_and_load(conn, &touched, now).await?;
    let mut rows = before.clone();
    // The intake facts last folded in per inquiry: its terms and audits are replaced.
    let mut intake: BTreeMap<&str, &IntakeFacts> = BTreeMap::new();
    let mut quizzes: Vec<&QuizFact> = Vec::new();
    for c in changes {
        match c {
            Change::Intake(f) => {
                if loaded(&mut rows, &f.inquiry_id)?.fold_intake(f, now) {
                    intake.insert(&f.inquiry_id, f);
                }
            }
            Change::Routing(r) => loaded(&mut rows, &r.inquiry_id)?.fold_routing(r, now),
            Change::Quiz(q) => quizzes.push(q),
        }
    }
    let changed: Vec<&FactRow> = rows
        .values()
        .filter(|r| before.get(&r.inquiry_id) != Some(*r))
        .collect();
    write_facts(conn, &changed).await?;
    // Terms and audits exist only of inquiries intake's facts were folded into before (a
    // channel is known then): a new inquiry's have nothing to delete.
    let replaced: Vec<&str> = intake.keys().copied().collect();
    let stored: Vec<&str> = replaced
        .iter()
        .copied()
        .filter(|id| before.get(*id).is_some_and(|r| r.channel.is_some()))
        .collect();
    delete_of(conn, "analytics_terms", &stored).await?;
    delete_of(conn, "analytics_audits", &stored).await?;
    insert_terms(conn, &intake).await?;
    insert_audits(conn, &replaced, &rows).await?;
    // The rollups move by what each inquiry counts after the batch minus before it: the
    // sum of what its events moved them by one at a time.
    let mut delta: BTreeMap<RollupKey, Counters> = BTreeMap::new();
    for row in &changed {
        let after = row.counted()?;
        let before = before
            .get(&row.inquiry_id)
            .map(FactRow::counted)
            .transpose()?
            .flatten();
        let moved = rollup_delta(
            before.as_ref().map(|(p, f)| (p.as_str(), f)),
            after.as_ref().map(|(p, f)| (p.as_str(), f)),
            rule,
        );
        for (key, c) in moved {
            delta.entry(key).or_default().merge(&c, 1);
        }
    }
    delta.retain(|_, c| !c.is_zero());
    rollups::add_all(conn, &delta).await?;
    insert_quizzes(conn, &quizzes).await
}

fn loaded<'a>(
    rows: &'a mut BTreeMap<String, FactRow>,
    inquiry_id: &str,
) -> anyhow::Result<&'a mut FactRow> {
    rows.get_mut(inquiry_id)
        .ok_or_else(|| anyhow!("inquiry {inquiry_id} was not loaded"))
}

/// Creates the rows of inquiries seen for the first time, locks every touched row until the
/// transaction ends and reads it with its audits: two statements per chunk of inquiries.
async fn lock_and_load(
    conn: &mut AnyConnection,
    touched: &BTreeMap<&str, &str>,
    now: i64,
) -> anyhow::Result<BTreeMap<String, FactRow>> {
    let mut out = BTreeMap::new();
    let all: Vec<(&str, &str)> = touched.iter().map(|(i, p)| (*i, *p)).collect();
    for chunk in all.chunks(ROWS_PER_STATEMENT) {
        // In inquiry id order: the order every batch locks in.
        let placeholders = shaped(chunk.len(), 1, "(?, ?, '', 0, -1, '', '', -1, 0, 0, 0, ?)");
        let sql = format!(
            "INSERT INTO analytics_facts (inquiry_id, property_id, handler, delay_notices, \
             intake_version, department, routing_handler, routing_version, transfers, \
             sla_breaches, escalations, updated_at) VALUES {placeholders} \
             ON CONFLICT (inquiry_id) DO UPDATE SET updated_at = analytics_facts.updated_at \
             RETURNING {ALL_FACT_COLUMNS}"
        );
        let mut q = sqlx::query(&sql);
        for (inquiry, property) in chunk {
            q = q.bind(*inquiry).bind(*property).bind(now);
        }
        for r in q
            .fetch_all(&mut *conn)
            .await
            .context("locking the batch's facts")?
        {
            let row = fact_row(&r)?;
            out.insert(row.inquiry_id.clone(), row);
        }
        let sql = format!(
            "SELECT inquiry_id, response_id, responded_by, accurate FROM analytics_audits \
             WHERE inquiry_id IN ({}) ORDER BY inquiry_id, response_id",
            list(chunk.len(), 1)
        );
        let mut q = sqlx::query(&sql).persistent(false);
        for (inquiry, _) in chunk {
            q = q.bind(*inquiry);
        }
        for r in q
            .fetch_all(&mut *conn)
            .await
            .context("loading the batch's audits")?
        {
            let id: String = r.try_get("inquiry_id")?;
            if let Some(row) = out.get_mut(&id) {
                row.audits.push(AuditVerdict {
                    response_id: r.try_get("response_id")?,
                    responded_by: r.try_get("responded_by")?,
                    accurate: r.try_get::<i64, _>("accurate")? != 0,
                });
            }
        }
    }
    Ok(out)
}

fn fact_row(r: &AnyRow) -> anyhow::Result<FactRow> {
    Ok(FactRow {
        inquiry_id: r.try_get("inquiry_id")?,
        property_id: r.try_get("property_id")?,
        channel: r.try_get("channel")?,
        category: r.try_get("category")?,
        complexity: r.try_get("complexity")?,
        language: r.try_get("language")?,
        created_at: r.try_get("created_at")?,
        first_response_at: r.try_get("first_response_at")?,
        resolved_at: r.try_get("resolved_at")?,
        expected_at: r.try_get("expected_at")?,
        handler: r.try_get("handler")?,
        satisfaction: r.try_get("satisfaction")?,
        delay_notices: r.try_get("delay_notices")?,
        intake_version: r.try_get("intake_version")?,
        department: r.try_get("department")?,
        routing_handler: r.try_get("routing_handler")?,
        first_response_due: r.try_get("first_response_due")?,
        resolution_due: r.try_get("resolution_due")?,
        original_resolution_due: r.try_get("original_resolution_due")?,
        routing_version: r.try_get("routing_version")?,
        transfers: r.try_get("transfers")?,
        sla_breaches: r.try_get("sla_breaches")?,
        escalations: r.try_get("escalations")?,
        updated_at: r.try_get("updated_at")?,
        audits: Vec::new(),
    })
}

/// Writes the changed rows back (they exist and are locked: the upsert updates them).
async fn write_facts(conn: &mut AnyConnection, rows: &[&FactRow]) -> anyhow::Result<()> {
    let set = ALL_FACT_COLUMNS
        .split(',')
        .map(str::trim)
        .filter(|c| *c != "inquiry_id")
        .map(|c| format!("{c} = excluded.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO analytics_facts ({ALL_FACT_COLUMNS}) VALUES {} \
             ON CONFLICT (inquiry_id) DO UPDATE SET {set}",
            values(chunk.len(), 24, 1)
        );
        let mut q = sqlx::query(&sql);
        for r in chunk {
            q = q
                .bind(&r.inquiry_id)
                .bind(&r.property_id)
                .bind(r.channel.as_deref())
                .bind(r.category.as_deref())
                .bind(r.complexity.as_deref())
                .bind(r.language.as_deref())
                .bind(r.created_at)
                .bind(r.first_response_at)
                .bind(r.resolved_at)
                .bind(r.expected_at)
                .bind(&r.handler)
                .bind(r.satisfaction.as_deref())
                .bind(r.delay_notices)
                .bind(r.intake_version)
                .bind(&r.department)
                .bind(&r.routing_handler)
                .bind(r.first_response_due)
                .bind(r.resolution_due)
                .bind(r.original_resolution_due)
                .bind(r.routing_version)
                .bind(r.transfers)
                .bind(r.sla_breaches)
                .bind(r.escalations)
                .bind(r.updated_at);
        }
        q.execute(&mut *conn)
            .await
            .context("writing the batch's facts")?;
    }
    Ok(())
}

/// Deletes the rows of `table` of these inquiries (one statement per chunk). Like every
/// `IN (…)` list here it is planned per call (not prepared once and reused): a generic plan
/// made while the table was small (a new database) could scan it whole ever after.
async fn delete_of(
    conn: &mut AnyConnection,
    table: &str,
    inquiries: &[&str],
) -> anyhow::Result<()> {
    for chunk in inquiries.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "DELETE FROM {table} WHERE inquiry_id IN ({})",
            list(chunk.len(), 1)
        );
        let mut q = sqlx::query(&sql).persistent(false);
        for id in chunk {
            q = q.bind(*id);
        }
        q.execute(&mut *conn)
            .await
            .with_context(|| format!("clearing {table} of the batch's inquiries"))?;
    }
    Ok(())
}

/// The matched terms of inquiries whose intake facts changed: those of the facts folded in
/// last, with that fact's property and creation time.
async fn insert_terms(
    conn: &mut AnyConnection,
    last: &BTreeMap<&str, &IntakeFacts>,
) -> anyhow::Result<()> {
    let terms: Vec<(&IntakeFacts, &String)> = last
        .values()
        .flat_map(|f| f.terms.iter().map(move |t| (*f, t)))
        .collect();
    for chunk in terms.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO analytics_terms (inquiry_id, property_id, created_at, term) VALUES {}",
            values(chunk.len(), 4, 1)
        );
        let mut q = sqlx::query(&sql);
        for (f, term) in chunk {
            q = q
                .bind(&f.inquiry_id)
                .bind(&f.property_id)
                .bind(f.created_at)
                .bind(*term);
        }
        q.execute(&mut *conn)
            .await
            .context("recording the batch's terms")?;
    }
    Ok(())
}

/// The audit verdicts of inquiries whose intake facts changed, as folded.
async fn insert_audits(
    conn: &mut AnyConnection,
    inquiries: &[&str],
    rows: &BTreeMap<String, FactRow>,
) -> anyhow::Result<()> {
    let audits: Vec<(&str, &AuditVerdict)> = inquiries
        .iter()
        .filter_map(|id| rows.get(*id))
        .flat_map(|r| r.audits.iter().map(|a| (r.inquiry_id.as_str(), a)))
        .collect();
    for chunk in audits.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO analytics_audits (inquiry_id, response_id, responded_by, accurate) \
             VALUES {}",
            values(chunk.len(), 4, 1)
        );
        let mut q = sqlx::query(&sql);
        for (id, a) in chunk {
            q = q
                .bind(*id)
                .bind(&a.response_id)
                .bind(&a.responded_by)
                .bind(i64::from(a.accurate));
        }
        q.execute(&mut *conn)
            .await
            .context("recording the batch's audits")?;
    }
    Ok(())
}

/// Records submitted quiz attempts (a resubmission of the same attempt changes nothing).
pub async fn insert_quizzes(conn: &mut AnyConnection, quizzes: &[&QuizFact]) -> anyhow::Result<()> {
    for chunk in quizzes.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "INSERT INTO analytics_quiz_attempts \
             (attempt_id, property_id, quiz_id, staff_id, correct, total, submitted_at) \
             VALUES {} ON CONFLICT (attempt_id) DO NOTHING",
            values(chunk.len(), 7, 1)
        );
        let mut q = sqlx::query(&sql);
        for a in chunk {
            q = q
                .bind(&a.attempt_id)
                .bind(&a.property_id)
                .bind(&a.quiz_id)
                .bind(&a.staff_id)
                .bind(a.correct)
                .bind(a.total)
                .bind(a.submitted_at);
        }
        q.execute(&mut *conn)
            .await
            .context("recording quiz attempts")?;
    }
    Ok(())
}

//! Repository of SLA deadlines (the truth the timer wheel is armed from) and of the pauses
//! while waiting on the customer. Same SQL on both backends.

use crate::domain::sla_policy::DeadlineKind;
use anyhow::anyhow;
use frontdesk_platform::db::Db;
use sqlx::{AnyConnection, Row};

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
    upsert_deadlines_many(conn, &[(inquiry_id, property_id, deadlines)]).await
}

/// One inquiry's deadlines: its id, its property, and each deadline's kind and due time.
pub type Chain<'a> = (&'a str, &'a str, &'a [(DeadlineKind, i64)]);

/// [`upsert_deadlines`] for several inquiries (each at most once), 400 deadlines to a
/// statement: a batch's new chains in one round trip.
pub async fn upsert_deadlines_many(
    conn: &mut AnyConnection,
    chains: &[Chain<'_>],
) -> anyhow::Result<()> {
    let rows: Vec<(&str, &str, DeadlineKind, i64)> = chains
        .iter()
        .flat_map(|(inquiry_id, property_id, deadlines)| {
            deadlines
                .iter()
                .map(move |(kind, due)| (*inquiry_id, *property_id, *kind, *due))
        })
        .collect();
    for chunk in rows.chunks(400) {
        let sql = format!(
            "INSERT INTO deadlines (timer_id, inquiry_id, property_id, kind, due_at, state, armed) VALUES {} \
             ON CONFLICT (timer_id) DO UPDATE SET due_at = excluded.due_at, state = 'pending', armed = 0, \
             fired_at = NULL, lateness = NULL",
            frontdesk_platform::sql::shaped(chunk.len(), 1, "(?, ?, ?, ?, ?, 'pending', 0)")
        );
        let mut q = sqlx::query::<sqlx::Any>(&sql);
        for (inquiry_id, property_id, kind, due) in chunk {
            q = q
                .bind(timer_id(inquiry_id, *kind))
                .bind(*inquiry_id)
                .bind(*property_id)
                .bind(kind.code())
                .bind(*due);
        }
        q.execute(&mut *conn).await?;
    }
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

/// Deadlines still to fire: what the timer wheel holds (or will, once armed).
pub async fn pending_count(db: &Db) -> anyhow::Result<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM deadlines WHERE state = 'pending'")
        .fetch_one(db.pool())
        .await?;
    Ok(row.try_get("n")?)
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

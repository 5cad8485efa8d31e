//! Analytics' own event log (what a rebuild replays) and the rebuild's storage steps.

use anyhow::Context;
use frontdesk_platform::db::Backend;
use frontdesk_platform::time::{from_timestamp, now_micros, to_timestamp};
use frontdesk_proto::events::v1::Event;
use sqlx::{AnyConnection, Row};

/// Appends an event being applied to the log, in the transaction that applies it. Called
/// before the event touches any derived table: on Postgres this insert is what waits while
/// a rebuild holds the log (see [`lock_for_rebuild`]), so a live event is applied either
/// wholly before a rebuild (and replayed by it) or wholly after it (on the rebuilt tables).
pub async fn append(conn: &mut AnyConnection, event: &Event) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO analytics_event_log (source, event_id, event_type, property_id, \
         aggregate_id, occurred_at, payload, logged_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(&event.source)
    .bind(&event.event_id)
    .bind(&event.r#type)
    .bind(&event.property_id)
    .bind(&event.aggregate_id)
    .bind(event.occurred_at.as_ref().and_then(from_timestamp))
    .bind(&event.payload)
    .bind(now_micros())
    .execute(&mut *conn)
    .await
    .context("appending to the event log")?;
    Ok(())
}

/// [`append`] for a delivered batch, in its order: one statement per 1,000 events.
pub async fn append_all(conn: &mut AnyConnection, events: &[&Event]) -> anyhow::Result<()> {
    let now = now_micros();
    for chunk in events.chunks(1_000) {
        let sql = format!(
            "INSERT INTO analytics_event_log (source, event_id, event_type, property_id, \
             aggregate_id, occurred_at, payload, logged_at) VALUES {}",
            frontdesk_platform::sql::values(chunk.len(), 8, 1)
        );
        let mut q = sqlx::query(&sql);
        for event in chunk {
            q = q
                .bind(&event.source)
                .bind(&event.event_id)
                .bind(&event.r#type)
                .bind(&event.property_id)
                .bind(&event.aggregate_id)
                .bind(event.occurred_at.as_ref().and_then(from_timestamp))
                .bind(&event.payload)
                .bind(now);
        }
        q.execute(&mut *conn)
            .await
            .context("appending to the event log")?;
    }
    Ok(())
}

/// Makes the rebuild's transaction the only writer of analytics' derived tables until it
/// commits. Postgres: an EXCLUSIVE lock on the log, which waits for transactions that
/// already appended (their events are then in the log and replayed) and makes later live
/// appends wait (they apply on the rebuilt tables); readers are not blocked (EXCLUSIVE
/// allows ACCESS SHARE) and see the old rows until the commit. SQLite has one writer at a
/// time: the transaction's first write takes it, here a write to the log's origin row.
pub async fn lock_for_rebuild(conn: &mut AnyConnection, backend: Backend) -> anyhow::Result<()> {
    if backend == Backend::Postgres {
        sqlx::query("LOCK TABLE analytics_event_log IN EXCLUSIVE MODE")
            .execute(&mut *conn)
            .await
            .context("locking the event log")?;
    }
    sqlx::query("UPDATE analytics_log_origin SET complete = complete WHERE only_row = 1")
        .execute(&mut *conn)
        .await
        .context("taking the write lock")?;
    Ok(())
}

/// Whether the log holds every event the facts came from (false for a database whose facts
/// predate the log: a rebuild would lose them).
pub async fn is_complete(conn: &mut AnyConnection) -> anyhow::Result<bool> {
    let complete: i64 =
        sqlx::query_scalar("SELECT complete FROM analytics_log_origin WHERE only_row = 1")
            .fetch_one(&mut *conn)
            .await
            .context("reading the log's origin")?;
    Ok(complete == 1)
}

/// Every table derived from events (facts, audits, terms, quiz attempts, rollups); DELETE,
/// not TRUNCATE, so Postgres readers keep reading the old rows until the rebuild commits.
/// Targets (set by managers) and anomaly episodes (already announced as events) are not
/// derived from the log and stay.
pub async fn clear_derived(conn: &mut AnyConnection) -> anyhow::Result<()> {
    for table in [
        "analytics_facts",
        "analytics_audits",
        "analytics_terms",
        "analytics_quiz_attempts",
        "analytics_daily",
    ] {
        sqlx::query(&format!("DELETE FROM {table}"))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("clearing {table}"))?;
    }
    // Every fact is now rolled up as it is replayed.
    sqlx::query("UPDATE analytics_rollup_state SET backfilled = 1")
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Up to `limit` logged events after position `after`, in the order they were applied.
pub async fn page(
    conn: &mut AnyConnection,
    after: i64,
    limit: i64,
) -> anyhow::Result<Vec<(i64, Event)>> {
    let rows = sqlx::query(
        "SELECT seq, source, event_id, event_type, property_id, aggregate_id, occurred_at, \
         payload FROM analytics_event_log WHERE seq > $1 ORDER BY seq LIMIT $2",
    )
    .bind(after)
    .bind(limit)
    .fetch_all(&mut *conn)
    .await
    .context("reading the event log")?;
    rows.iter()
        .map(|r| {
            let occurred_at: Option<i64> = r.try_get("occurred_at")?;
            Ok((
                r.try_get("seq")?,
                Event {
                    event_id: r.try_get("event_id")?,
                    source: r.try_get("source")?,
                    r#type: r.try_get("event_type")?,
                    property_id: r.try_get("property_id")?,
                    aggregate_id: r.try_get("aggregate_id")?,
                    occurred_at: occurred_at.map(to_timestamp),
                    payload: r.try_get("payload")?,
                    ..Default::default()
                },
            ))
        })
        .collect()
}

/// (inquiries with facts, rollup rows): what a rebuild reports back.
pub async fn derived_counts(conn: &mut AnyConnection) -> anyhow::Result<(i64, i64)> {
    let inquiries: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM analytics_facts WHERE created_at IS NOT NULL")
            .fetch_one(&mut *conn)
            .await?;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM analytics_daily")
        .fetch_one(&mut *conn)
        .await?;
    Ok((inquiries, rows))
}

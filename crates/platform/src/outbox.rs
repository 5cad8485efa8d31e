//! The transactional outbox: a service writes its state change and the event describing it
//! in one transaction ([`append`]), so an event exists exactly when its change does. The
//! outbox doubles as the service's ordered event log, read by the relay, by watch streams
//! and by timelines.

use crate::db::Db;
use frontdesk_proto::events::v1::Event;
use sqlx::{Any, AnyConnection, Row};

/// An event about to be written with its state change.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub event_type: String,
    pub property_id: String,
    pub aggregate_id: String,
    pub actor: String,
    pub payload: Vec<u8>,
    /// W3C `traceparent` of the call that caused it; empty: the current span's. Writers
    /// that batch several callers' changes (intake's create batcher) set it per event, so
    /// each event joins its own caller's trace.
    pub traceparent: String,
}

/// An event as stored, with its place in the stream.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredEvent {
    pub sequence: i64,
    pub event_id: String,
    pub event_type: String,
    pub property_id: String,
    pub aggregate_id: String,
    pub actor: String,
    pub occurred_at: i64,
    pub payload: Vec<u8>,
    pub traceparent: String,
}

impl StoredEvent {
    pub fn into_proto(self, source: &str) -> Event {
        Event {
            event_id: self.event_id,
            sequence: self.sequence,
            source: source.to_string(),
            r#type: self.event_type,
            property_id: self.property_id,
            aggregate_id: self.aggregate_id,
            actor: self.actor,
            occurred_at: Some(crate::time::to_timestamp(self.occurred_at)),
            payload: self.payload,
            traceparent: self.traceparent,
        }
    }
}

/// Writes `event` inside the caller's transaction. The sequence comes from a counter row
/// updated in the same transaction: its row lock orders concurrent writers, so sequence
/// order equals commit order and readers never see a later event before an earlier one.
pub async fn append(conn: &mut AnyConnection, event: NewEvent) -> Result<StoredEvent, sqlx::Error> {
    append_many(conn, vec![event])
        .await?
        .pop()
        .ok_or_else(|| sqlx::Error::Protocol("no event stored".into()))
}

const COLUMNS: &str = "sequence, event_id, event_type, property_id, aggregate_id, actor, \
                       occurred_at, payload, traceparent";

fn from_row(row: &sqlx::any::AnyRow) -> Result<StoredEvent, sqlx::Error> {
    Ok(StoredEvent {
        sequence: row.try_get("sequence")?,
        event_id: row.try_get("event_id")?,
        event_type: row.try_get("event_type")?,
        property_id: row.try_get("property_id")?,
        aggregate_id: row.try_get("aggregate_id")?,
        actor: row.try_get("actor")?,
        occurred_at: row.try_get("occurred_at")?,
        payload: row.try_get("payload")?,
        traceparent: row.try_get("traceparent")?,
    })
}

/// Events after `after` in stream order, at most `limit`, optionally only those of the given
/// properties (`None`: all properties).
pub async fn read_after(
    db: &Db,
    after: i64,
    limit: i64,
    properties: Option<&[String]>,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let mut sql = format!("SELECT {COLUMNS} FROM outbox WHERE sequence > $1");
    if let Some(props) = properties {
        if props.is_empty() {
            return Ok(Vec::new());
        }
        sql.push_str(&format!(
            " AND property_id IN ({})",
            crate::sql::list(props.len(), 3)
        ));
    }
    sql.push_str(" ORDER BY sequence LIMIT $2");
    let mut q = sqlx::query::<Any>(&sql).bind(after).bind(limit);
    for p in properties.unwrap_or_default() {
        q = q.bind(p.as_str());
    }
    q.fetch_all(db.pool()).await?.iter().map(from_row).collect()
}

/// Every event of one record, oldest first: the record's timeline.
pub async fn read_aggregate(db: &Db, aggregate_id: &str) -> Result<Vec<StoredEvent>, sqlx::Error> {
    let sql = format!("SELECT {COLUMNS} FROM outbox WHERE aggregate_id = $1 ORDER BY sequence");
    sqlx::query::<Any>(&sql)
        .bind(aggregate_id)
        .fetch_all(db.pool())
        .await?
        .iter()
        .map(from_row)
        .collect()
}

/// The newest sequence written so far (0 for an empty log).
pub async fn head(db: &Db) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT value FROM outbox_counter WHERE name = 'outbox'")
        .fetch_one(db.pool())
        .await
}

/// Writes several events in the caller's transaction with consecutive sequences: one
/// counter update and one multi-row insert, so a batch holds the counter lock once.
pub async fn append_many(
    conn: &mut AnyConnection,
    events: Vec<NewEvent>,
) -> Result<Vec<StoredEvent>, sqlx::Error> {
    if events.is_empty() {
        return Ok(Vec::new());
    }
    let n = events.len() as i64;
    let last: i64 = sqlx::query_scalar(
        "UPDATE outbox_counter SET value = value + $1 WHERE name = 'outbox' RETURNING value",
    )
    .bind(n)
    .fetch_one(&mut *conn)
    .await?;
    let now = crate::time::now_micros();
    let traceparent = crate::grpc::current_traceparent();
    let stored: Vec<StoredEvent> = events
        .into_iter()
        .enumerate()
        .map(|(i, e)| StoredEvent {
            sequence: last - n + 1 + i as i64,
            event_id: uuid::Uuid::now_v7().to_string(),
            event_type: e.event_type,
            property_id: e.property_id,
            aggregate_id: e.aggregate_id,
            actor: e.actor,
            occurred_at: now,
            payload: e.payload,
            traceparent: if e.traceparent.is_empty() {
                traceparent.clone()
            } else {
                e.traceparent
            },
        })
        .collect();
    let sql = format!(
        "INSERT INTO outbox (sequence, event_id, event_type, property_id, aggregate_id, actor, occurred_at, \
         payload, traceparent) VALUES {}",
        crate::sql::values(stored.len(), 9, 1)
    );
    let mut q = sqlx::query::<Any>(&sql);
    for s in &stored {
        q = q
            .bind(s.sequence)
            .bind(&s.event_id)
            .bind(&s.event_type)
            .bind(&s.property_id)
            .bind(&s.aggregate_id)
            .bind(&s.actor)
            .bind(s.occurred_at)
            .bind(&s.payload)
            .bind(&s.traceparent);
    }
    q.execute(&mut *conn).await?;
    Ok(stored)
}

/// Deletes events every subscriber has acknowledged that are older than `retention`
/// (microseconds): the outbox is a delivery queue, not the archive. With no subscriber at
/// all, age alone decides. Returns how many were pruned.
pub async fn prune(db: &Db, retention_micros: i64) -> Result<u64, sqlx::Error> {
    let before = crate::time::now_micros().saturating_sub(retention_micros);
    let done = sqlx::query(
        "DELETE FROM outbox WHERE occurred_at < $1 AND sequence <= \
         COALESCE((SELECT MIN(delivered_up_to) FROM outbox_cursors), $2)",
    )
    .bind(before)
    .bind(i64::MAX)
    .execute(db.pool())
    .await?;
    Ok(done.rows_affected())
}

/// Prunes `db`'s outbox every `every` until shutdown.
pub async fn run_pruner(
    db: Db,
    source: &'static str,
    retention: std::time::Duration,
    every: std::time::Duration,
    mut shutdown: crate::shutdown::Shutdown,
) {
    let retention = i64::try_from(retention.as_micros()).unwrap_or(i64::MAX);
    loop {
        match prune(&db, retention).await {
            Ok(0) => {}
            Ok(n) => tracing::debug!(source, pruned = n, "outbox pruned"),
            Err(e) => {
                tracing::warn!(source, error.message = %e, "outbox pruning failed; will retry")
            }
        }
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tokio::time::sleep(every) => {},
        }
    }
}

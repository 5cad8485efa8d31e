//! The parked-events table of one consumer: park, list, retry bookkeeping, skip.

use super::*;
use crate::db::Db;
use frontdesk_proto::events::v1::{Event, ParkedEvent};
use prost::Message;
use sqlx::{Any, Row};

/// Longest error text kept with a parked event.
const MAX_ERROR_CHARS: usize = 1000;

/// One consumer's parked events, in its own database.
#[derive(Clone, Debug)]
pub struct Parking {
    pub(super) db: Db,
    pub(super) consumer: String,
}

const PARKED_COLUMNS: &str = "consumer, event, error, attempts, parked_at, last_failed_at";

fn parked_from_row(row: &sqlx::any::AnyRow) -> anyhow::Result<ParkedEvent> {
    let event: Vec<u8> = row.try_get("event")?;
    Ok(ParkedEvent {
        consumer: row.try_get("consumer")?,
        event: Some(Event::decode(event.as_slice())?),
        error: row.try_get("error")?,
        attempts: i32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(i32::MAX),
        parked_at: Some(crate::time::to_timestamp(row.try_get("parked_at")?)),
        last_failed_at: Some(crate::time::to_timestamp(row.try_get("last_failed_at")?)),
    })
}

impl Parking {
    pub fn consumer(&self) -> &str {
        &self.consumer
    }

    /// Sets the event aside with its error and marks it seen in the inbox, in one
    /// transaction, so the stream goes on past it.
    pub async fn park(&self, event: &Event, error: &anyhow::Error) -> anyhow::Result<()> {
        let message = bounded(&format!("{error:#}"), MAX_ERROR_CHARS);
        let now = crate::time::now_micros();
        let mut tx = self.db.pool().begin().await?;
        sqlx::query(
            "INSERT INTO inbox (consumer, event_id, source, applied_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (consumer, event_id) DO NOTHING",
        )
        .bind(&self.consumer)
        .bind(&event.event_id)
        .bind(&event.source)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        sqlx::query(
            "INSERT INTO parked_events (consumer, event_id, source, sequence, event_type, \
             property_id, aggregate_id, event, error, attempts, parked_at, last_failed_at, \
             resolution, resolved_by, resolved_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 1, $10, $10, '', '', 0) \
             ON CONFLICT (consumer, event_id) DO NOTHING",
        )
        .bind(&self.consumer)
        .bind(&event.event_id)
        .bind(&event.source)
        .bind(event.sequence)
        .bind(&event.r#type)
        .bind(&event.property_id)
        .bind(&event.aggregate_id)
        .bind(event.encode_to_vec())
        .bind(&message)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        tracing::error!(
            alert = "poison_event",
            consumer = %self.consumer,
            source = %event.source,
            event_id = %event.event_id,
            sequence = event.sequence,
            event_type = %event.r#type,
            property_id = %event.property_id,
            aggregate_id = %event.aggregate_id,
            error.message = %message,
            "event parked: it cannot be applied and retrying will not help; the stream goes on. \
             Fix the cause, then `frontdesk events retry`, or `frontdesk events skip`"
        );
        self.refresh_gauge().await;
        Ok(())
    }

    /// Parked (unresolved) events, oldest first, optionally of one property and within the
    /// caller's properties (`None`: all).
    pub async fn list(
        &self,
        property_id: &str,
        scope: Option<&[String]>,
        limit: i64,
    ) -> anyhow::Result<(Vec<ParkedEvent>, i64)> {
        let mut filter = String::from("consumer = $1 AND resolution = ''");
        let mut binds: Vec<String> = vec![self.consumer.clone()];
        if !property_id.is_empty() {
            binds.push(property_id.to_string());
            filter.push_str(&format!(" AND property_id = ${}", binds.len()));
        }
        if let Some(props) = scope {
            if props.is_empty() {
                return Ok((Vec::new(), 0));
            }
            let marks: Vec<String> = props
                .iter()
                .map(|p| {
                    binds.push(p.clone());
                    format!("${}", binds.len())
                })
                .collect();
            filter.push_str(&format!(" AND property_id IN ({})", marks.join(", ")));
        }
        let count_sql = format!("SELECT COUNT(*) FROM parked_events WHERE {filter}");
        let mut count = sqlx::query_scalar::<Any, i64>(&count_sql);
        for b in &binds {
            count = count.bind(b.as_str());
        }
        let total = count.fetch_one(self.db.pool()).await?;
        let sql = format!(
            "SELECT {PARKED_COLUMNS} FROM parked_events WHERE {filter} \
             ORDER BY parked_at, sequence LIMIT {limit}"
        );
        let mut q = sqlx::query::<Any>(&sql);
        for b in &binds {
            q = q.bind(b.as_str());
        }
        let rows = q.fetch_all(self.db.pool()).await?;
        let events = rows.iter().map(parked_from_row).collect::<Result<_, _>>()?;
        Ok((events, total))
    }

    /// The parked (unresolved) event with this id, if any.
    pub async fn get(&self, event_id: &str) -> anyhow::Result<Option<ParkedEvent>> {
        let sql = format!(
            "SELECT {PARKED_COLUMNS} FROM parked_events \
             WHERE consumer = $1 AND event_id = $2 AND resolution = ''"
        );
        let row = sqlx::query::<Any>(&sql)
            .bind(&self.consumer)
            .bind(event_id)
            .fetch_optional(self.db.pool())
            .await?;
        row.as_ref().map(parked_from_row).transpose()
    }

    /// Records a failed retry: the event stays parked with the new error.
    pub async fn failed_again(&self, event_id: &str, error: &anyhow::Error) -> anyhow::Result<()> {
        sqlx::query(
            "UPDATE parked_events SET error = $1, attempts = attempts + 1, last_failed_at = $2 \
             WHERE consumer = $3 AND event_id = $4 AND resolution = ''",
        )
        .bind(bounded(&format!("{error:#}"), MAX_ERROR_CHARS))
        .bind(crate::time::now_micros())
        .bind(&self.consumer)
        .bind(event_id)
        .execute(self.db.pool())
        .await?;
        Ok(())
    }

    /// Drops a parked event for good; false when it was not parked.
    pub async fn skip(&self, event_id: &str, by: &str) -> anyhow::Result<bool> {
        let n = sqlx::query(
            "UPDATE parked_events SET resolution = 'skipped', resolved_by = $1, resolved_at = $2 \
             WHERE consumer = $3 AND event_id = $4 AND resolution = ''",
        )
        .bind(by)
        .bind(crate::time::now_micros())
        .bind(&self.consumer)
        .bind(event_id)
        .execute(self.db.pool())
        .await?
        .rows_affected();
        self.refresh_gauge().await;
        Ok(n == 1)
    }

    /// How many events are parked now.
    pub async fn count(&self) -> anyhow::Result<i64> {
        Ok(sqlx::query_scalar(
            "SELECT COUNT(*) FROM parked_events WHERE consumer = $1 AND resolution = ''",
        )
        .bind(&self.consumer)
        .fetch_one(self.db.pool())
        .await?)
    }

    /// Sets `frontdesk_inbox_parked_events{consumer}` from the table.
    pub async fn refresh_gauge(&self) {
        match self.count().await {
            Ok(n) => {
                metrics::gauge!(crate::metrics::INBOX_PARKED, "consumer" => self.consumer.clone())
                    .set(n as f64)
            }
            Err(e) => {
                tracing::warn!(consumer = %self.consumer, error.message = %e, "cannot count parked events")
            }
        }
    }
}

//! The consumer side of event delivery. Each consuming service registers a [`Consumer`] per
//! source it subscribes to; [`EventSinkService`] implements the `EventSink` gRPC contract and
//! hands each event to the consumer of its source. A consumer applies each event in its own
//! transaction together with an inbox row keyed by the event id, so a redelivered event (the
//! relay is at-least-once) changes nothing. One process running several services mounts one
//! sink that serves them all.
//!
//! **Poison events.** An event that fails for a reason retrying cannot fix (its payload does
//! not decode, or the handler says so with [`Permanent`]) is *parked*: recorded in the
//! `parked_events` table with its error, together with its inbox row, so the relay moves on
//! and the rest of the stream (other properties, later events) is applied. Parking logs an
//! error and sets `frontdesk_inbox_parked_events{consumer}`. Every other error (the database
//! is down, a lock timed out) is transient: the delivery fails and the relay retries it.
//! [`ParkedEventsService`] lists, retries and skips parked events.

use crate::db::Db;
use frontdesk_proto::events::v1::event_sink_server::{EventSink, EventSinkServer};
use frontdesk_proto::events::v1::{DeliverRequest, DeliverResponse, Event};
use sqlx::{Any, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use tonic::{Request, Response, Status};
use tracing::Instrument;

mod parked_service;
mod parking;

pub use parked_service::{PARKED_ACCESS, ParkedEventsService, SINK_ACCESS};
pub use parking::Parking;

/// A handler's failure that retrying cannot fix: the inbox parks the event instead of
/// failing the delivery. Return it (or wrap it with context) from
/// [`EventHandler::apply`], e.g. `Err(Permanent::new("policy cannot plan").into())`.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct Permanent(String);

impl Permanent {
    pub fn new(message: impl Into<String>) -> Self {
        Permanent(message.into())
    }
}

/// True when `e` cannot be fixed by retrying: a [`Permanent`] anywhere in its chain, or a
/// payload that does not decode. Everything else (database, network, timeouts) is transient.
pub fn is_permanent(e: &anyhow::Error) -> bool {
    e.chain()
        .any(|c| c.is::<Permanent>() || c.is::<prost::DecodeError>())
}

/// At most `max` characters of `text`, with a marker when cut: errors stored and returned
/// never grow with what a caller or an event carried.
pub fn bounded(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        None => text.to_string(),
        Some((i, _)) => format!("{}… ({} more bytes)", &text[..i], text.len() - i),
    }
}

/// The span of applying one event: a child of the call that caused the event (its stored
/// `traceparent`), so one trace follows an inquiry from intake's CreateInquiry into
/// routing's decision and back, across processes and relays.
pub fn apply_span(consumer: &str, event: &Event) -> tracing::Span {
    use opentelemetry::propagation::TextMapPropagator;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let span = tracing::info_span!(
        "consumer.apply",
        otel.name = %format!("{consumer} apply {}", event.r#type),
        otel.kind = "consumer",
        messaging.system = "frontdesk",
        messaging.consumer.group.name = %consumer,
        messaging.source.name = %event.source,
        messaging.message.id = %event.event_id,
        trace_id = tracing::field::Empty,
    );
    if !event.traceparent.is_empty() {
        let carrier: std::collections::HashMap<String, String> =
            [("traceparent".to_string(), event.traceparent.clone())].into();
        let parent =
            opentelemetry_sdk::propagation::TraceContextPropagator::new().extract(&carrier);
        let _ = span.set_parent(parent);
    }
    crate::grpc::record_trace_id(&span);
    span
}

/// What a consumer does with one event, inside the transaction that records it as applied.
#[tonic::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()>;

    /// Applies a delivered run of new events (in stream order) in one transaction. The
    /// default applies them one by one; a handler overrides it to write per batch what it
    /// would otherwise write per event (e.g. its own outbox events: one counter bump, held
    /// only for the batch's last statements, instead of one per event held from the first).
    /// `consumer` names the inbox, for spans.
    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        for event in events {
            self.apply(tx, event)
                .instrument(apply_span(consumer, event))
                .await?;
        }
        Ok(())
    }

    /// Runs after the transaction committed (e.g. to wake a worker). Default: nothing.
    async fn applied(&self) {}
}

/// Applies events once, recording them in its database's inbox under `name`.
pub struct Consumer<H> {
    db: Db,
    name: String,
    handler: H,
    parking: Parking,
}

impl<H: EventHandler> Consumer<H> {
    pub fn new(db: Db, name: impl Into<String>, handler: H) -> Self {
        let name = name.into();
        Consumer {
            parking: Parking {
                db: db.clone(),
                consumer: name.clone(),
            },
            db,
            name,
            handler,
        }
    }

    async fn apply_new(&self, event: &Event) -> anyhow::Result<bool> {
        let mut tx = self.db.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO inbox (consumer, event_id, source, applied_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (consumer, event_id) DO NOTHING",
        )
        .bind(&self.name)
        .bind(&event.event_id)
        .bind(&event.source)
        .bind(crate::time::now_micros())
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if inserted == 0 {
            return Ok(false);
        }
        self.handler
            .apply_batch(&mut tx, &self.name, &[event])
            .await?;
        tx.commit().await?;
        self.handler.applied().await;
        Ok(true)
    }
}

/// A consumer whatever its handler type, for the sink's table.
#[tonic::async_trait]
pub trait ApplyOnce: Send + Sync + 'static {
    /// Applies the event unless this consumer already has. Returns whether it was new.
    async fn apply_once(&self, event: &Event) -> anyhow::Result<bool>;

    /// Applies several events in one transaction (one commit for a delivered batch);
    /// returns how many were new. On error nothing of the batch is applied.
    async fn apply_all(&self, events: &[&Event]) -> anyhow::Result<u32>;

    /// Where this consumer keeps its parked events.
    fn parking(&self) -> &Parking;

    /// Applies a parked event again and marks it retried, in one transaction. On error
    /// nothing changes (the caller records the failed attempt).
    async fn reapply(&self, event: &Event, by: &str) -> anyhow::Result<()>;
}

#[tonic::async_trait]
impl<H: EventHandler> ApplyOnce for Consumer<H> {
    async fn apply_once(&self, event: &Event) -> anyhow::Result<bool> {
        match self.apply_new(event).await {
            Err(e) if is_permanent(&e) => {
                self.parking.park(event, &e).await?;
                Ok(false)
            }
            other => other,
        }
    }

    fn parking(&self) -> &Parking {
        &self.parking
    }

    async fn reapply(&self, event: &Event, by: &str) -> anyhow::Result<()> {
        let mut tx = self.db.pool().begin().await?;
        let now = crate::time::now_micros();
        let marked = sqlx::query(
            "UPDATE parked_events SET resolution = 'retried', resolved_by = $1, resolved_at = $2 \
             WHERE consumer = $3 AND event_id = $4 AND resolution = ''",
        )
        .bind(by)
        .bind(now)
        .bind(&self.name)
        .bind(&event.event_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        anyhow::ensure!(marked == 1, "event {} is not parked", event.event_id);
        self.handler
            .apply(&mut tx, event)
            .instrument(apply_span(&self.name, event))
            .await?;
        tx.commit().await?;
        self.handler.applied().await;
        self.parking.refresh_gauge().await;
        Ok(())
    }

    async fn apply_all(&self, events: &[&Event]) -> anyhow::Result<u32> {
        let mut tx = self.db.pool().begin().await?;
        let mut fresh = std::collections::HashSet::new();
        for chunk in events.chunks(INBOX_ROWS_PER_INSERT) {
            fresh.extend(self.claim(&mut tx, chunk).await?);
        }
        // In stream order; an event delivered twice in one batch applies once.
        let new: Vec<&Event> = events
            .iter()
            .copied()
            .filter(|e| fresh.remove(&e.event_id))
            .collect();
        if !new.is_empty() {
            self.handler.apply_batch(&mut tx, &self.name, &new).await?;
        }
        tx.commit().await?;
        if !new.is_empty() {
            self.handler.applied().await;
        }
        Ok(new.len() as u32)
    }
}

/// Inbox rows claimed per statement: 4 parameters each, well under SQLite's and Postgres'
/// limits.
const INBOX_ROWS_PER_INSERT: usize = 250;

impl<H: EventHandler> Consumer<H> {
    /// Records `events` as applied in one statement; returns the ids that were new (not
    /// applied before): one round trip per batch instead of one per event.
    async fn claim(
        &self,
        tx: &mut Transaction<'static, Any>,
        events: &[&Event],
    ) -> anyhow::Result<Vec<String>> {
        let sql = format!(
            "INSERT INTO inbox (consumer, event_id, source, applied_at) VALUES {} \
             ON CONFLICT (consumer, event_id) DO NOTHING RETURNING event_id",
            crate::sql::values(events.len(), 4, 1)
        );
        let now = crate::time::now_micros();
        let mut q = sqlx::query_scalar::<Any, String>(&sql);
        for e in events {
            q = q
                .bind(&self.name)
                .bind(&e.event_id)
                .bind(&e.source)
                .bind(now);
        }
        Ok(q.fetch_all(&mut **tx).await?)
    }
}

/// The `EventSink` of a process: events go to the consumer registered for their source and
/// the consuming service the delivery names.
#[derive(Default, Clone)]
pub struct EventSinkService {
    /// (consuming service, source) → consumer.
    consumers: HashMap<(String, String), Arc<dyn ApplyOnce>>,
}

impl EventSinkService {
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `consumer_name`'s consumer of `source`'s events (e.g. routing consumes
    /// "intake").
    pub fn consume(self, consumer_name: &str, source: &str, consumer: impl ApplyOnce) -> Self {
        self.consume_arc(consumer_name, source, Arc::new(consumer))
    }

    /// Registers an already shared consumer (from a mounted service).
    pub fn consume_arc(
        mut self,
        consumer_name: &str,
        source: &str,
        consumer: Arc<dyn ApplyOnce>,
    ) -> Self {
        self.consumers
            .insert((consumer_name.to_string(), source.to_string()), consumer);
        self
    }

    pub fn is_empty(&self) -> bool {
        self.consumers.is_empty()
    }

    pub fn into_server(self) -> EventSinkServer<Self> {
        EventSinkServer::new(self)
    }

    /// The operators' service over the same consumers' parked events.
    pub fn parked_events(&self) -> ParkedEventsService {
        let mut consumers: Vec<Arc<dyn ApplyOnce>> = Vec::new();
        for c in self.consumers.values() {
            if !consumers.iter().any(|k| Arc::ptr_eq(k, c)) {
                consumers.push(c.clone());
            }
        }
        consumers.sort_by(|a, b| a.parking().consumer().cmp(b.parking().consumer()));
        ParkedEventsService { consumers }
    }

    /// Sets `frontdesk_inbox_parked_events` from the database (at start).
    pub async fn refresh_gauges(&self) {
        for c in self.consumers.values() {
            c.parking().refresh_gauge().await;
        }
    }

    /// The consumer of `source` named by a delivery; an unnamed delivery goes to the only
    /// consumer of that source.
    fn find(&self, consumer: &str, source: &str) -> Option<&Arc<dyn ApplyOnce>> {
        if consumer.is_empty() {
            let mut of_source = self.consumers.iter().filter(|((_, s), _)| s == source);
            return match (of_source.next(), of_source.next()) {
                (Some((_, c)), None) => Some(c),
                _ => None,
            };
        }
        self.consumers
            .get(&(consumer.to_string(), source.to_string()))
    }
}

#[tonic::async_trait]
impl EventSink for EventSinkService {
    async fn deliver(
        &self,
        req: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        let req = req.get_ref();
        let events = &req.events;
        for event in events {
            if event.event_id.is_empty() {
                return Err(Status::invalid_argument("events[].event_id is required"));
            }
            if self.find(&req.consumer, &event.source).is_none() {
                return Err(Status::failed_precondition(format!(
                    "this server has no consumer {:?} of events from {:?}",
                    req.consumer, event.source
                )));
            }
        }
        let mut applied = 0u32;
        // Consecutive events of one source go in one transaction (one commit per batch);
        // if that fails, each event is tried alone so one bad event cannot hold back the
        // rest of its batch.
        for run in events.chunk_by(|a, b| a.source == b.source) {
            let Some(consumer) = self.find(&req.consumer, &run[0].source) else {
                continue;
            };
            let refs: Vec<&Event> = run.iter().collect();
            match consumer.apply_all(&refs).await {
                Ok(n) => applied += n,
                Err(e) => {
                    tracing::debug!(error.message = %e, "batch apply failed; applying one by one");
                    for event in run {
                        match consumer.apply_once(event).await {
                            Ok(true) => applied += 1,
                            Ok(false) => {}
                            // Stop at the first (transient) failure: the relay redelivers
                            // from here, and what was applied before is recorded, so nothing
                            // applies twice. Permanent failures were parked above.
                            Err(e) => {
                                tracing::warn!(
                                    consumer = %req.consumer,
                                    event_id = %event.event_id,
                                    error.message = %e,
                                    error.cause_chain = ?e,
                                    "cannot apply event now; the relay will retry"
                                );
                                return Err(Status::unavailable(format!(
                                    "cannot apply event {} now; retry later",
                                    bounded(&event.event_id, 64)
                                )));
                            }
                        }
                    }
                }
            }
        }
        Ok(Response::new(DeliverResponse { applied }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use prost::Message;

    #[test]
    fn undecodable_payloads_and_marked_errors_are_permanent_database_errors_are_not() {
        let decode = frontdesk_proto::events::v1::Event::decode(&[0xff, 0xff, 0xff][..])
            .expect_err("garbage");
        assert!(is_permanent(&anyhow::Error::new(decode)));
        let marked =
            anyhow::Error::new(Permanent::new("policy cannot plan")).context("routing inquiry x");
        assert!(is_permanent(&marked));
        let db = anyhow::Error::new(sqlx::Error::PoolTimedOut).context("loading policy");
        assert!(!is_permanent(&db));
        let io = anyhow::Error::new(sqlx::Error::Io(std::io::Error::other("refused")));
        assert!(!is_permanent(&io));
        assert!(!is_permanent(&anyhow::anyhow!("something else")));
    }

    #[test]
    fn bounded_cuts_long_text_on_a_char_boundary() {
        assert_eq!(bounded("short", 10), "short");
        let long = "é".repeat(300);
        let cut = bounded(&long, 200);
        assert!(cut.starts_with(&"é".repeat(200)));
        assert!(cut.contains("200 more bytes"));
    }
}

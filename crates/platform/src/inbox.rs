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

use crate::auth::{Caller, Role};
use crate::db::Db;
use frontdesk_proto::events::v1::event_sink_server::{EventSink, EventSinkServer};
use frontdesk_proto::events::v1::parked_events_server::{ParkedEvents, ParkedEventsServer};
use frontdesk_proto::events::v1::{
    DeliverRequest, DeliverResponse, Event, ListParkedEventsRequest, ListParkedEventsResponse,
    ParkedEvent, RetryParkedEventRequest, RetryParkedEventResponse, SkipParkedEventRequest,
    SkipParkedEventResponse,
};
use prost::Message;
use sqlx::{Any, Row, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use tonic::{Request, Response, Status};
use tracing::Instrument;

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
fn apply_span(consumer: &str, event: &Event) -> tracing::Span {
    use opentelemetry::propagation::TextMapPropagator;
    use tracing_opentelemetry::OpenTelemetrySpanExt;
    let span = tracing::info_span!(
        "consumer.apply",
        otel.name = %format!("{consumer} apply {}", event.r#type),
        otel.kind = "consumer",
        messaging.system = "frontdesk",
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
            .apply(&mut tx, event)
            .instrument(apply_span(&self.name, event))
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
        let mut applied = 0;
        for event in events {
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
            if inserted == 1 {
                self.handler
                    .apply(&mut tx, event)
                    .instrument(apply_span(&self.name, event))
                    .await?;
                applied += 1;
            }
        }
        tx.commit().await?;
        if applied > 0 {
            self.handler.applied().await;
        }
        Ok(applied)
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
        consumers.sort_by(|a, b| a.parking().consumer.cmp(&b.parking().consumer));
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
        Caller::from_request(&req)?.require_role(&[Role::Service])?;
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

/// Longest error text kept with a parked event.
const MAX_ERROR_CHARS: usize = 1000;

/// One consumer's parked events, in its own database.
#[derive(Clone, Debug)]
pub struct Parking {
    db: Db,
    consumer: String,
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

/// `frontdesk.events.v1.ParkedEvents`: list, retry and skip the parked events of the
/// consumers this process hosts. Roles manager and service; managers within their properties.
#[derive(Clone)]
pub struct ParkedEventsService {
    consumers: Vec<Arc<dyn ApplyOnce>>,
}

const PARKED_ROLES: &[Role] = &[Role::Manager, Role::Service];

fn storage_error(e: &anyhow::Error) -> Status {
    tracing::warn!(error.message = %e, error.cause_chain = ?e, "parked events: storage error");
    Status::unavailable("cannot read parked events now; retry later")
}

impl ParkedEventsService {
    pub fn into_server(self) -> ParkedEventsServer<Self> {
        ParkedEventsServer::new(self)
    }

    fn named(&self, consumer: &str) -> Result<Vec<&Arc<dyn ApplyOnce>>, Status> {
        if consumer.is_empty() {
            return Ok(self.consumers.iter().collect());
        }
        let found: Vec<_> = self
            .consumers
            .iter()
            .filter(|c| c.parking().consumer == consumer)
            .collect();
        if found.is_empty() {
            let names: Vec<&str> = self
                .consumers
                .iter()
                .map(|c| c.parking().consumer())
                .collect();
            return Err(Status::not_found(format!(
                "no consumer {:?} here; this server hosts {}",
                bounded(consumer, 64),
                names.join(", ")
            )));
        }
        Ok(found)
    }

    /// The parked event `event_id` and its consumer, checked against the caller's properties.
    async fn find(
        &self,
        caller: &Caller,
        consumer: &str,
        event_id: &str,
    ) -> Result<(&Arc<dyn ApplyOnce>, ParkedEvent), Status> {
        if event_id.is_empty() {
            return Err(crate::error::invalid_argument(
                &crate::error::Violations::single("event_id", "required"),
            ));
        }
        for c in self.named(consumer)? {
            if let Some(p) = c
                .parking()
                .get(event_id)
                .await
                .map_err(|e| storage_error(&e))?
            {
                let property = p
                    .event
                    .as_ref()
                    .map(|e| e.property_id.as_str())
                    .unwrap_or("");
                if !caller.can_access(property) {
                    break; // not found, as for any event the caller may not see
                }
                return Ok((c, p));
            }
        }
        Err(Status::not_found(format!(
            "no parked event {}",
            bounded(event_id, 64)
        )))
    }
}

#[tonic::async_trait]
impl ParkedEvents for ParkedEventsService {
    async fn list_parked_events(
        &self,
        req: Request<ListParkedEventsRequest>,
    ) -> Result<Response<ListParkedEventsResponse>, Status> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(PARKED_ROLES)?;
        let r = req.get_ref();
        if !r.property_id.is_empty() {
            caller.require_access(&r.property_id)?;
        }
        let mut v = crate::error::Violations::new();
        let limit = crate::paging::page_size(r.page_size, &mut v);
        if !v.is_empty() {
            return Err(crate::error::invalid_argument(&v));
        }
        let mut events = Vec::new();
        let mut total = 0;
        for c in self.named(&r.consumer)? {
            let (mut page, n) = c
                .parking()
                .list(&r.property_id, caller.property_scope(), limit)
                .await
                .map_err(|e| storage_error(&e))?;
            total += n;
            events.append(&mut page);
        }
        events.sort_by_key(|e| e.parked_at.map(|t| (t.seconds, t.nanos)));
        events.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(Response::new(ListParkedEventsResponse { events, total }))
    }

    async fn retry_parked_event(
        &self,
        req: Request<RetryParkedEventRequest>,
    ) -> Result<Response<RetryParkedEventResponse>, Status> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(PARKED_ROLES)?;
        let r = req.get_ref();
        let (consumer, parked) = self.find(&caller, &r.consumer, &r.event_id).await?;
        let Some(event) = parked.event.clone() else {
            return Err(Status::failed_precondition("parked event has no envelope"));
        };
        match consumer.reapply(&event, &caller.subject).await {
            Ok(()) => {
                tracing::info!(
                    consumer = %parked.consumer,
                    event_id = %event.event_id,
                    by = %caller.subject,
                    "parked event retried and applied"
                );
                Ok(Response::new(RetryParkedEventResponse {
                    event: Some(parked),
                }))
            }
            Err(e) if is_permanent(&e) => {
                consumer
                    .parking()
                    .failed_again(&event.event_id, &e)
                    .await
                    .map_err(|e| storage_error(&e))?;
                tracing::warn!(
                    consumer = %parked.consumer,
                    event_id = %event.event_id,
                    by = %caller.subject,
                    error.message = %e,
                    "parked event still fails; it stays parked"
                );
                Err(Status::failed_precondition(format!(
                    "still cannot apply: {}",
                    bounded(&format!("{e:#}"), 200)
                )))
            }
            Err(e) => Err(storage_error(&e)),
        }
    }

    async fn skip_parked_event(
        &self,
        req: Request<SkipParkedEventRequest>,
    ) -> Result<Response<SkipParkedEventResponse>, Status> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(PARKED_ROLES)?;
        let r = req.get_ref();
        if r.reason.trim().is_empty() {
            return Err(crate::error::invalid_argument(
                &crate::error::Violations::single("reason", "required: say why it is dropped"),
            ));
        }
        let (consumer, parked) = self.find(&caller, &r.consumer, &r.event_id).await?;
        if !consumer
            .parking()
            .skip(&r.event_id, &caller.subject)
            .await
            .map_err(|e| storage_error(&e))?
        {
            return Err(Status::not_found("the event is no longer parked"));
        }
        tracing::warn!(
            consumer = %parked.consumer,
            event_id = %r.event_id,
            by = %caller.subject,
            reason = %bounded(&r.reason, 200),
            "parked event skipped: it will never be applied"
        );
        Ok(Response::new(SkipParkedEventResponse {
            event: Some(parked),
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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

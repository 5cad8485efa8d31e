//! The consumer side of event delivery. Each consuming service registers a [`Consumer`] per
//! source it subscribes to; [`EventSinkService`] implements the `EventSink` gRPC contract and
//! hands each event to the consumer of its source. A consumer applies each event in its own
//! transaction together with an inbox row keyed by the event id, so a redelivered event (the
//! relay is at-least-once) changes nothing. One process running several services mounts one
//! sink that serves them all.

use crate::auth::{Caller, Role};
use crate::db::Db;
use frontdesk_proto::events::v1::event_sink_server::{EventSink, EventSinkServer};
use frontdesk_proto::events::v1::{DeliverRequest, DeliverResponse, Event};
use sqlx::{Any, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use tonic::{Request, Response, Status};

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
}

impl<H: EventHandler> Consumer<H> {
    pub fn new(db: Db, name: impl Into<String>, handler: H) -> Self {
        Consumer {
            db,
            name: name.into(),
            handler,
        }
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
}

#[tonic::async_trait]
impl<H: EventHandler> ApplyOnce for Consumer<H> {
    async fn apply_once(&self, event: &Event) -> anyhow::Result<bool> {
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
        self.handler.apply(&mut tx, event).await?;
        tx.commit().await?;
        self.handler.applied().await;
        Ok(true)
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
                self.handler.apply(&mut tx, event).await?;
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
                            // Stop at the first failure: the relay redelivers from here, and
                            // what was applied before is recorded, so nothing applies twice.
                            Err(e) => return Err(crate::error::internal(&e)),
                        }
                    }
                }
            }
        }
        Ok(Response::new(DeliverResponse { applied }))
    }
}

//! The consumer side of event delivery. [`EventSinkService`] implements the `EventSink` gRPC
//! contract: each event is applied in its own transaction together with an inbox row keyed
//! by its id, so a redelivered event (the relay is at-least-once) changes nothing.

use crate::auth::{Caller, Role};
use crate::db::Db;
use frontdesk_proto::events::v1::event_sink_server::{EventSink, EventSinkServer};
use frontdesk_proto::events::v1::{DeliverRequest, DeliverResponse, Event};
use sqlx::{Any, Transaction};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// What a consumer does with one event, inside the transaction that records it as applied.
#[tonic::async_trait]
pub trait EventHandler: Send + Sync + 'static {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()>;
}

pub struct EventSinkService<H> {
    db: Db,
    consumer: String,
    handler: Arc<H>,
}

impl<H: EventHandler> EventSinkService<H> {
    pub fn new(db: Db, consumer: impl Into<String>, handler: H) -> Self {
        EventSinkService {
            db,
            consumer: consumer.into(),
            handler: Arc::new(handler),
        }
    }

    pub fn into_server(self) -> EventSinkServer<Self> {
        EventSinkServer::new(self)
    }

    /// Applies one event unless this consumer already has. Returns whether it was new.
    pub async fn apply_once(&self, event: &Event) -> anyhow::Result<bool> {
        let mut tx = self.db.pool().begin().await?;
        let inserted = sqlx::query(
            "INSERT INTO inbox (consumer, event_id, source, applied_at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (consumer, event_id) DO NOTHING",
        )
        .bind(&self.consumer)
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
        Ok(true)
    }
}

#[tonic::async_trait]
impl<H: EventHandler> EventSink for EventSinkService<H> {
    async fn deliver(
        &self,
        req: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        Caller::from_request(&req)?.require_role(&[Role::Service])?;
        let mut applied = 0u32;
        for event in &req.get_ref().events {
            if event.event_id.is_empty() {
                return Err(Status::invalid_argument("events[].event_id is required"));
            }
            match self.apply_once(event).await {
                Ok(true) => applied += 1,
                Ok(false) => {}
                // Stop at the first failure: the relay redelivers from here, and what was
                // applied before is recorded, so nothing is applied twice.
                Err(e) => return Err(crate::error::internal(&e)),
            }
        }
        Ok(Response::new(DeliverResponse { applied }))
    }
}

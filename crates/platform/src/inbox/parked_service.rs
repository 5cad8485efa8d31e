//! `ParkedEvents` gRPC service: operators list, retry and skip parked events.

use super::*;
use crate::access::Table;
use crate::auth::{Caller, Role};
use frontdesk_proto::events::v1::parked_events_server::{ParkedEvents, ParkedEventsServer};
use frontdesk_proto::events::v1::{
    ListParkedEventsRequest, ListParkedEventsResponse, ParkedEvent, RetryParkedEventRequest,
    RetryParkedEventResponse, SkipParkedEventRequest, SkipParkedEventResponse,
};
use std::sync::Arc;
use tonic::{Request, Response, Status};

/// `frontdesk.events.v1.ParkedEvents`: list, retry and skip the parked events of the
/// consumers this process hosts. Roles manager and service; managers within their properties.
#[derive(Clone)]
pub struct ParkedEventsService {
    pub(super) consumers: Vec<Arc<dyn ApplyOnce>>,
}

/// Who may call the event sink and the parked-events service: only other services deliver;
/// operators (managers) and services look after parked events.
pub const SINK_ACCESS: Table = Table {
    service: "frontdesk.events.v1.EventSink",
    rules: &[("Deliver", &[Role::Service])],
};
pub const PARKED_ACCESS: Table = Table {
    service: "frontdesk.events.v1.ParkedEvents",
    rules: &[
        ("ListParkedEvents", PARKED_ROLES),
        ("RetryParkedEvent", PARKED_ROLES),
        ("SkipParkedEvent", PARKED_ROLES),
    ],
};
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
            .filter(|c| c.parking().consumer() == consumer)
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

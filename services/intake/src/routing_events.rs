//! Intake's consumer of routing's events: the projection of where an inquiry went, who
//! handles it and its deadlines (DESIGN "Projections"). Eventually consistent — the view
//! carries `as_of` — and applied once per event by the platform's inbox.

use crate::commands::{Intake, append_events, inquiry_event};
use crate::domain::inquiry::RoutingView;
use crate::store;
use frontdesk_platform::inbox::{EventHandler, apply_span};
use frontdesk_platform::outbox::NewEvent;
use frontdesk_platform::time::{from_timestamp, now_micros};
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1::ChangeType;
use frontdesk_proto::routing::v1 as routing_pb;
use prost::Message;
use sqlx::{Any, AnyConnection, Transaction};
use tracing::Instrument;

pub struct RoutingEvents {
    intake: Intake,
}

impl RoutingEvents {
    pub fn new(intake: Intake) -> Self {
        RoutingEvents { intake }
    }
}

fn micros(ts: Option<&prost_types::Timestamp>) -> i64 {
    ts.and_then(from_timestamp).unwrap_or_default()
}

/// A projection change waiting for the batch's one outbox append.
struct Projected {
    event: NewEvent,
    change: ChangeType,
    detail: String,
}

impl RoutingEvents {
    /// Projects one routing event onto its inquiry; returns the intake event to append, if
    /// anything changed. Nothing is appended here: the batch appends all its events at the
    /// end, so it takes intake's outbox counter (the row lock every create takes too) only
    /// for its last statements and the commit, once per batch.
    async fn project(
        &self,
        tx: &mut AnyConnection,
        event: &Event,
    ) -> anyhow::Result<Option<Projected>> {
        if event.r#type != <routing_pb::AssignmentChanged as prost::Name>::full_name() {
            return Ok(None);
        }
        let changed = routing_pb::AssignmentChanged::decode(event.payload.as_slice())?;
        let Some(a) = changed.assignment else {
            return Ok(None);
        };
        let Some(mut inquiry) = store::load(tx, &a.inquiry_id).await? else {
            tracing::warn!(inquiry_id = %a.inquiry_id, event_id = %event.event_id, "routing event for an unknown inquiry");
            return Ok(None);
        };
        let view = RoutingView {
            lead_department: a.lead_department.clone(),
            participants: a.participants.clone(),
            assignee: a.assignee.clone(),
            on_the_spot: a.on_the_spot,
            first_response_due: micros(a.first_response_due.as_ref()),
            resolution_due: micros(a.resolution_due.as_ref()),
            original_resolution_due: micros(a.original_resolution_due.as_ref()),
            fired: a.fired.clone(),
            as_of: micros(event.occurred_at.as_ref()),
        };
        if !store::save_routing_view(tx, &a.inquiry_id, &view, event.sequence).await? {
            return Ok(None); // a newer view is already there
        }
        let loaded = inquiry.version;
        // CI-3.5: routing's named handler is the person responsible, and after a release
        // nobody is.
        inquiry.assignee = a.assignee.clone();
        inquiry.routing = Some(view);
        inquiry.version += 1;
        inquiry.updated_at = now_micros();
        if !store::update(tx, &inquiry, loaded).await? {
            // A concurrent intake write: fail so the relay redelivers and we apply on top.
            anyhow::bail!("inquiry {} changed concurrently; retry", inquiry.inquiry_id);
        }
        let sla = matches!(
            routing_pb::AssignmentChange::try_from(changed.change),
            Ok(routing_pb::AssignmentChange::SlaWarning
                | routing_pb::AssignmentChange::SlaBreached
                | routing_pb::AssignmentChange::Escalated)
        );
        let change = if sla {
            ChangeType::SlaChanged
        } else {
            ChangeType::Routed
        };
        // The timeline names the staff member who acted (a supervisor's release, a
        // transfer); routing's own decisions (rules, timers) are "routing".
        let actor = if changed.actor.is_empty() {
            "routing"
        } else {
            changed.actor.as_str()
        };
        let mut event = inquiry_event(actor, &inquiry, change);
        // Inside the apply span: the intake event joins the trace of routing's decision.
        event.traceparent = frontdesk_platform::grpc::current_traceparent();
        Ok(Some(Projected {
            event,
            change,
            detail: changed.detail,
        }))
    }
}

#[tonic::async_trait]
impl EventHandler for RoutingEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        let projected = self.project(tx, event).await?;
        append_projected(tx, projected.into_iter().collect()).await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        let mut projected = Vec::with_capacity(events.len());
        for event in events {
            let p = self
                .project(tx, event)
                .instrument(apply_span(consumer, event))
                .await?;
            projected.extend(p);
        }
        append_projected(tx, projected).await
    }

    async fn applied(&self) {
        // Wake watchers: the projection change is an intake event too.
        if let Ok(head) = frontdesk_platform::outbox::head(self.intake.db()).await {
            self.intake.fanout().publish(head).await;
        }
    }
}

/// The batch's intake events and timeline entries: one counter bump, one outbox insert, one
/// timeline insert, right before the commit.
async fn append_projected(tx: &mut AnyConnection, projected: Vec<Projected>) -> anyhow::Result<()> {
    let changes = projected
        .into_iter()
        .map(|p| (p.event, p.change, p.detail))
        .collect();
    append_events(tx, changes).await?;
    Ok(())
}

//! Intake's consumer of routing's events: the projection of where an inquiry went, who
//! handles it and its deadlines (DESIGN "Projections"). Eventually consistent — the view
//! carries `as_of` — and applied once per event by the platform's inbox.

use crate::commands::{Intake, append_events, inquiry_event};
use crate::domain::inquiry::{Inquiry, RoutingView};
use crate::store;
use frontdesk_platform::inbox::{EventHandler, apply_span};
use frontdesk_platform::outbox::NewEvent;
use frontdesk_platform::time::{from_timestamp, now_micros};
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1::ChangeType;
use frontdesk_proto::routing::v1 as routing_pb;
use prost::Message;
use sqlx::{Any, AnyConnection, Transaction};
use std::collections::HashMap;

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

/// The batch's inquiries as loaded, with their routing views' source sequence; each
/// projected event updates its entry, so the next event of the same inquiry sees it.
type Loaded = HashMap<String, (Inquiry, Option<i64>)>;

/// The inquiries a batch projected onto, in the order first touched, with the version each
/// was loaded at: their final views and handlers are written together at the batch's end.
#[derive(Default)]
struct Touched {
    order: Vec<String>,
    loaded_version: HashMap<String, i64>,
}

impl Touched {
    fn touch(&mut self, inquiry: &Inquiry) {
        if !self.loaded_version.contains_key(&inquiry.inquiry_id) {
            self.order.push(inquiry.inquiry_id.clone());
            self.loaded_version
                .insert(inquiry.inquiry_id.clone(), inquiry.version);
        }
    }

    /// Writes what the batch left on each touched inquiry: its routing view, and its handler
    /// and version, in two multi-row statements (per 200). An inquiry another intake write
    /// changed since the batch loaded it fails the batch, so the relay redelivers it and it
    /// is applied on top.
    async fn write(self, tx: &mut AnyConnection, loaded: &Loaded) -> anyhow::Result<()> {
        let mut views = Vec::with_capacity(self.order.len());
        let mut changes = Vec::with_capacity(self.order.len());
        for id in &self.order {
            let Some((inquiry, Some(sequence))) = loaded.get(id) else {
                continue;
            };
            let Some(view) = &inquiry.routing else {
                continue;
            };
            views.push((id.as_str(), view, *sequence));
            changes.push(store::AssigneeChange {
                inquiry_id: id,
                assignee: &inquiry.assignee,
                version: inquiry.version,
                updated_at: inquiry.updated_at,
                loaded_version: self.loaded_version[id],
            });
        }
        store::write_routing_views(tx, &views).await?;
        let written = store::set_assignees(tx, &changes).await?;
        if written != changes.len() as u64 {
            anyhow::bail!(
                "{} of {} inquiries changed concurrently; retry",
                changes.len() as u64 - written,
                changes.len()
            );
        }
        Ok(())
    }
}

/// The routing event's payload, if it is an AssignmentChanged.
fn assignment_changed(event: &Event) -> anyhow::Result<Option<routing_pb::AssignmentChanged>> {
    if event.r#type != <routing_pb::AssignmentChanged as prost::Name>::full_name() {
        return Ok(None);
    }
    Ok(Some(routing_pb::AssignmentChanged::decode(
        event.payload.as_slice(),
    )?))
}

/// Every inquiry the batch's events touch, loaded in five statements (not five per event).
/// An undecodable payload is left for its own event to report.
async fn prefetch(tx: &mut AnyConnection, events: &[&Event]) -> anyhow::Result<Loaded> {
    let mut ids: Vec<String> = events
        .iter()
        .filter_map(|e| assignment_changed(e).ok().flatten())
        .filter_map(|c| c.assignment.map(|a| a.inquiry_id))
        .collect();
    ids.sort();
    ids.dedup();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    store::load_many(tx, &ids).await
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
    fn project(
        &self,
        loaded: &mut Loaded,
        touched: &mut Touched,
        event: &Event,
    ) -> anyhow::Result<Option<Projected>> {
        let Some(changed) = assignment_changed(event)? else {
            return Ok(None);
        };
        let Some(a) = changed.assignment else {
            return Ok(None);
        };
        let Some((mut inquiry, view_sequence)) = loaded.remove(&a.inquiry_id) else {
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
        if view_sequence.is_some_and(|s| s >= event.sequence) {
            loaded.insert(a.inquiry_id.clone(), (inquiry, view_sequence));
            return Ok(None); // a newer view is already there
        }
        touched.touch(&inquiry);
        // CI-3.5: routing's named handler is the person responsible, and after a release
        // nobody is.
        inquiry.assignee = a.assignee.clone();
        inquiry.routing = Some(view);
        inquiry.version += 1;
        inquiry.updated_at = now_micros();
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
        let mut new_event = inquiry_event(actor, &inquiry, change);
        // Inside the apply span: the intake event joins the trace of routing's decision.
        new_event.traceparent = frontdesk_platform::grpc::current_traceparent();
        // A later event of the same batch for this inquiry applies on top of this one.
        loaded.insert(a.inquiry_id.clone(), (inquiry, Some(event.sequence)));
        Ok(Some(Projected {
            event: new_event,
            change,
            detail: changed.detail,
        }))
    }
}

#[tonic::async_trait]
impl EventHandler for RoutingEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        let mut loaded = prefetch(tx, &[event]).await?;
        let mut touched = Touched::default();
        let projected = self.project(&mut loaded, &mut touched, event)?;
        touched.write(tx, &loaded).await?;
        append_projected(tx, projected.into_iter().collect()).await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        let mut loaded = prefetch(tx, events).await?;
        let mut touched = Touched::default();
        let mut projected = Vec::with_capacity(events.len());
        for event in events {
            let _span = apply_span(consumer, event).entered();
            projected.extend(self.project(&mut loaded, &mut touched, event)?);
        }
        touched.write(tx, &loaded).await?;
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

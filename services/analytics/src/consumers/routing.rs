//! Routing's events: department, handler and deadlines (latest assignment version wins),
//! and the counts of transfers, SLA breaches and escalations (one per event, applied once).

use crate::domain::facts::{Change, RoutingFacts};
use crate::domain::kpi::TimelinessRule;
use frontdesk_platform::inbox::EventHandler;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::routing::v1 as pb;
use prost::Message;
use sqlx::{Any, Transaction};

/// Routing's events, with the timeliness rule the rollups count "in time" by.
pub struct RoutingEvents {
    pub rule: TimelinessRule,
}

/// What a routing event changes; `None` for an event analytics does not count.
pub fn decode(event: &Event) -> anyhow::Result<Option<Change>> {
    if event.r#type != <pb::AssignmentChanged as prost::Name>::full_name() {
        return Ok(None);
    }
    let changed = pb::AssignmentChanged::decode(event.payload.as_slice())?;
    Ok(Some(Change::Routing(RoutingFacts::from_pb(&changed)?)))
}

#[tonic::async_trait]
impl EventHandler for RoutingEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        super::apply_events(tx, super::ONE, &[event], decode, &self.rule, "routing").await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        super::apply_events(tx, consumer, events, decode, &self.rule, "routing").await
    }
}

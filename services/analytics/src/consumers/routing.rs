//! Routing's events: department, handler and deadlines (latest assignment version wins),
//! and the counts of transfers, SLA breaches and escalations (one per event, applied once).

use crate::domain::facts::RoutingFacts;
use crate::domain::kpi::TimelinessRule;
use crate::{metrics, store};
use frontdesk_platform::inbox::EventHandler;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::routing::v1 as pb;
use prost::Message;
use sqlx::{Any, Transaction};

/// Routing's events, with the timeliness rule the rollups count "in time" by.
pub struct RoutingEvents {
    pub rule: TimelinessRule,
}

#[tonic::async_trait]
impl EventHandler for RoutingEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        if event.r#type != <pb::AssignmentChanged as prost::Name>::full_name() {
            return Ok(());
        }
        let changed = pb::AssignmentChanged::decode(event.payload.as_slice())?;
        let facts = RoutingFacts::from_pb(&changed)?;
        store::apply_routing(tx, &facts, &self.rule).await?;
        metrics::event_applied("routing");
        Ok(())
    }
}

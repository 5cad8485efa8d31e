//! Intake's events: every `InquiryChanged` carries the inquiry's whole facts, so the latest
//! version wins and a replay or a late older event changes nothing.

use crate::domain::facts::{Change, IntakeFacts};
use crate::domain::kpi::TimelinessRule;
use frontdesk_platform::inbox::EventHandler;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1 as pb;
use prost::Message;
use sqlx::{Any, Transaction};

/// Intake's events, with the timeliness rule the rollups count "in time" by.
pub struct IntakeEvents {
    pub rule: TimelinessRule,
}

/// What an intake event changes; `None` for an event analytics does not count.
pub fn decode(event: &Event) -> anyhow::Result<Option<Change>> {
    if event.r#type != <pb::InquiryChanged as prost::Name>::full_name() {
        return Ok(None);
    }
    let changed = pb::InquiryChanged::decode(event.payload.as_slice())?;
    let Some(facts) = changed.facts else {
        anyhow::bail!("event {}: InquiryChanged without facts", event.event_id);
    };
    Ok(Some(Change::Intake(IntakeFacts::from_pb(&facts)?)))
}

#[tonic::async_trait]
impl EventHandler for IntakeEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        super::apply_events(tx, super::ONE, &[event], decode, &self.rule, "intake").await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        super::apply_events(tx, consumer, events, decode, &self.rule, "intake").await
    }
}

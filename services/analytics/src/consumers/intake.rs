//! Intake's events: every `InquiryChanged` carries the inquiry's whole facts, so the latest
//! version wins and a replay or a late older event changes nothing.

use crate::domain::facts::IntakeFacts;
use crate::domain::kpi::TimelinessRule;
use crate::{metrics, store};
use frontdesk_platform::inbox::EventHandler;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1 as pb;
use prost::Message;
use sqlx::{Any, Transaction};

/// Intake's events, with the timeliness rule the rollups count "in time" by.
pub struct IntakeEvents {
    pub rule: TimelinessRule,
}

#[tonic::async_trait]
impl EventHandler for IntakeEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        if event.r#type != <pb::InquiryChanged as prost::Name>::full_name() {
            return Ok(());
        }
        let changed = pb::InquiryChanged::decode(event.payload.as_slice())?;
        let Some(facts) = changed.facts else {
            anyhow::bail!("event {}: InquiryChanged without facts", event.event_id);
        };
        let facts = IntakeFacts::from_pb(&facts)?;
        store::apply_intake(tx, &facts, &self.rule).await?;
        metrics::event_applied("intake");
        Ok(())
    }
}

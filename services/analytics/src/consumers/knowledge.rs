//! Knowledge's events: a staff member's submitted quiz (CI-4.3) becomes a quiz attempt of
//! the per-employee report (CI-5.5). Other knowledge events carry nothing analytics counts.

use crate::{metrics, store};
use frontdesk_platform::inbox::EventHandler;
use frontdesk_platform::time::from_timestamp;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::knowledge::v1 as pb;
use prost::Message;
use sqlx::{Any, Transaction};

pub struct KnowledgeEvents;

#[tonic::async_trait]
impl EventHandler for KnowledgeEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        if event.r#type != <pb::QuizSubmitted as prost::Name>::full_name() {
            return Ok(());
        }
        let q = pb::QuizSubmitted::decode(event.payload.as_slice())?;
        anyhow::ensure!(
            q.total > 0 && (0..=q.total).contains(&q.correct),
            "quiz attempt {} has {} of {} correct",
            q.attempt_id,
            q.correct,
            q.total
        );
        let at = event
            .occurred_at
            .as_ref()
            .and_then(from_timestamp)
            .unwrap_or_default();
        store::apply_quiz(tx, &event.property_id, &q, at).await?;
        metrics::event_applied("knowledge");
        Ok(())
    }
}

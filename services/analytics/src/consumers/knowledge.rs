//! Knowledge's events: a staff member's submitted quiz (CI-4.3) becomes a quiz attempt of
//! the per-employee report (CI-5.5). Other knowledge events carry nothing analytics counts.

use crate::domain::facts::{Change, QuizFact};
use crate::domain::kpi::TimelinessRule;
use frontdesk_platform::inbox::EventHandler;
use frontdesk_platform::time::from_timestamp;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::knowledge::v1 as pb;
use prost::Message;
use sqlx::{Any, Transaction};

pub struct KnowledgeEvents;

/// What a knowledge event records; `None` for an event analytics does not count.
pub fn decode(event: &Event) -> anyhow::Result<Option<Change>> {
    if event.r#type != <pb::QuizSubmitted as prost::Name>::full_name() {
        return Ok(None);
    }
    let q = pb::QuizSubmitted::decode(event.payload.as_slice())?;
    anyhow::ensure!(
        q.total > 0 && (0..=q.total).contains(&q.correct),
        "quiz attempt {} has {} of {} correct",
        q.attempt_id,
        q.correct,
        q.total
    );
    Ok(Some(Change::Quiz(QuizFact {
        attempt_id: q.attempt_id,
        property_id: event.property_id.clone(),
        quiz_id: q.quiz_id,
        staff_id: q.staff_id,
        correct: i64::from(q.correct),
        total: i64::from(q.total),
        submitted_at: event
            .occurred_at
            .as_ref()
            .and_then(from_timestamp)
            .unwrap_or_default(),
    })))
}

#[tonic::async_trait]
// Quiz attempts touch no inquiry's facts: the timeliness rule is never consulted.
impl EventHandler for KnowledgeEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        super::apply_events(
            tx,
            super::ONE,
            &[event],
            decode,
            &TimelinessRule::default(),
            "knowledge",
        )
        .await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        super::apply_events(
            tx,
            consumer,
            events,
            decode,
            &TimelinessRule::default(),
            "knowledge",
        )
        .await
    }
}

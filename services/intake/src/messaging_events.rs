//! Intake's consumer of messaging's events: a guest lookup, message or mail item recorded for
//! an inquiry (its request named the inquiry id) becomes a link on that inquiry and a line
//! on its timeline (issue 10). Applied once per event by the platform's inbox; a link is
//! recorded once however often its fact is delivered.
//!
//! Messaging cannot check an inquiry id (it does not call intake), so intake does: an id
//! that names no inquiry, or an inquiry of another property than the messaging record, links
//! nothing. That is the caller's mistake, not the event's: the event is applied (skipped),
//! logged and counted, and the stream goes on — parking it would only ask an operator to
//! retry something that can never succeed.

use crate::commands::{Intake, append_event};
use crate::domain::link::{self, Link};
use crate::metrics;
use crate::store::{self, links};
use frontdesk_platform::inbox::EventHandler;
use frontdesk_platform::time::{from_timestamp, now_micros};
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1::ChangeType;
use sqlx::{Any, Transaction};

pub struct MessagingEvents {
    intake: Intake,
}

impl MessagingEvents {
    pub fn new(intake: Intake) -> Self {
        MessagingEvents { intake }
    }
}

fn refused(link: &Link, event: &Event, reason: &'static str) {
    tracing::warn!(
        inquiry_id = %link.inquiry_id,
        target_id = %link.target_id,
        event_id = %event.event_id,
        property_id = %event.property_id,
        reason,
        "messaging named an inquiry that cannot be linked; nothing recorded"
    );
    ::metrics::counter!(metrics::LINKS_REFUSED, "reason" => reason).increment(1);
}

#[tonic::async_trait]
impl EventHandler for MessagingEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        let Some(link) = link::from_event(&event.r#type, &event.payload)? else {
            return Ok(());
        };
        let Some(mut inquiry) = store::load(tx, &link.inquiry_id).await? else {
            refused(&link, event, "unknown_inquiry");
            return Ok(());
        };
        if inquiry.property_id != event.property_id {
            // A clerk of one property cannot attach records to another property's inquiry.
            refused(&link, event, "other_property");
            return Ok(());
        }
        let at = event
            .occurred_at
            .as_ref()
            .and_then(from_timestamp)
            .unwrap_or_else(now_micros);
        if !links::insert(tx, &link, &event.property_id, &event.actor, at).await? {
            return Ok(()); // linked already (a later change of the same mail item)
        }
        let loaded = inquiry.version;
        inquiry.version += 1;
        inquiry.updated_at = now_micros();
        if !store::update(tx, &inquiry, loaded).await? {
            // A concurrent intake write: fail so the relay redelivers and we apply on top.
            anyhow::bail!("inquiry {} changed concurrently; retry", inquiry.inquiry_id);
        }
        append_event(
            tx,
            &event.actor,
            &inquiry,
            ChangeType::Linked,
            link::timeline_detail(&link),
        )
        .await?;
        ::metrics::counter!(metrics::LINKS_RECORDED, "kind" => link.kind.as_str_name())
            .increment(1);
        Ok(())
    }

    async fn applied(&self) {
        // Wake watchers: the new link is an intake change too.
        if let Ok(head) = frontdesk_platform::outbox::head(self.intake.db()).await {
            self.intake.fanout().publish(head).await;
        }
    }
}

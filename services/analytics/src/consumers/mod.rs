//! Consumers of other services' events: decode, turn into facts (pure domain), store. Each
//! delivered batch is applied once by the platform's inbox, in one transaction, and appended
//! to analytics' own event log there ([`Logged`]), which `rebuild` replays through the same
//! batched apply (`store::apply::apply_changes`).

pub mod intake;
pub mod knowledge;
pub mod routing;

use crate::domain::facts::Change;
use crate::domain::kpi::TimelinessRule;
use crate::{metrics, store};
use anyhow::Context;
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::inbox::{EventHandler, apply_span};
use frontdesk_proto::events::v1::Event;
use sqlx::{Any, AnyConnection, Transaction};

/// The consumer name spans carry when an event is applied alone (a parked event retried).
const ONE: &str = "analytics";

/// What a logged event changes, by its source (what a rebuild replays).
pub fn decode(event: &Event) -> anyhow::Result<Option<Change>> {
    match event.source.as_str() {
        "intake" => intake::decode(event),
        "routing" => routing::decode(event),
        "knowledge" => knowledge::decode(event),
        other => anyhow::bail!("event {} from unknown source {other:?}", event.event_id),
    }
}

/// Decodes a run of one source's events (each in its own span, so its trace continues) and
/// applies their changes together.
async fn apply_events(
    conn: &mut AnyConnection,
    consumer: &str,
    events: &[&Event],
    decode: fn(&Event) -> anyhow::Result<Option<Change>>,
    rule: &TimelinessRule,
    source: &'static str,
) -> anyhow::Result<()> {
    let mut changes = Vec::with_capacity(events.len());
    for event in events {
        let change = apply_span(consumer, event)
            .in_scope(|| decode(event))
            .with_context(|| format!("event {}", event.event_id))?;
        changes.extend(change);
    }
    store::apply::apply_changes(conn, &changes, rule).await?;
    metrics::events_applied(source, changes.len());
    Ok(())
}

/// A consumer that appends the events it applies to analytics' event log first, in the
/// same transaction (the inbox has refused duplicates by then, so the log holds each event
/// once). Live delivery only: a rebuild replays the log through the inner handler's apply.
pub struct Logged<H>(pub H);

#[tonic::async_trait]
impl<H: EventHandler> EventHandler for Logged<H> {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        store::log::append(tx, event).await?;
        self.0.apply(tx, event).await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        store::log::append_all(tx, events).await?;
        self.0.apply_batch(tx, consumer, events).await
    }

    async fn applied(&self) {
        self.0.applied().await;
    }
}

/// A consumer that, once its events committed, wakes the live KPI streams (WatchKpis) of
/// every replica.
pub struct Notifying<H>(pub H, pub Fanout);

#[tonic::async_trait]
impl<H: EventHandler> EventHandler for Notifying<H> {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        self.0.apply(tx, event).await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        self.0.apply_batch(tx, consumer, events).await
    }

    async fn applied(&self) {
        self.0.applied().await;
        self.1.publish(frontdesk_platform::time::now_micros()).await;
    }
}

#[cfg(test)]
mod tests;

//! Consumers of other services' events: decode, turn into facts (pure domain), store. Each
//! event is applied once by the platform's inbox, in the same transaction, and appended to
//! analytics' own event log there ([`Logged`]), which `rebuild` replays through the same
//! handlers.

pub mod intake;
pub mod knowledge;
pub mod routing;

use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::inbox::EventHandler;
use frontdesk_proto::events::v1::Event;
use sqlx::{Any, Transaction};

/// A consumer that appends each event it applies to analytics' event log first, in the
/// same transaction (the inbox has refused duplicates by then, so the log holds each event
/// once). Live delivery only: a rebuild replays the log through the inner handler.
pub struct Logged<H>(pub H);

#[tonic::async_trait]
impl<H: EventHandler> EventHandler for Logged<H> {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        crate::store::log::append(tx, event).await?;
        self.0.apply(tx, event).await
    }

    async fn applied(&self) {
        self.0.applied().await;
    }
}

/// A consumer that, once its event committed, wakes the live KPI streams (WatchKpis) of
/// every replica.
pub struct Notifying<H>(pub H, pub Fanout);

#[tonic::async_trait]
impl<H: EventHandler> EventHandler for Notifying<H> {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        self.0.apply(tx, event).await
    }

    async fn applied(&self) {
        self.0.applied().await;
        self.1.publish(frontdesk_platform::time::now_micros()).await;
    }
}

#[cfg(test)]
mod tests;

//! Use cases: each one transaction (state change, change sequence and events together);
//! searches read the replica's index.

pub mod articles;
pub mod quizzes;
pub mod search;

use crate::index::KbIndex;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::db::{Backend, Db};
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::outbox::{self, NewEvent};
use prost::Message;
use std::sync::Arc;

pub use frontdesk_platform::error::ServiceError as Error;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The knowledge desk of one replica: its database, its index and its event wake-ups.
#[derive(Clone)]
pub struct Knowledge {
    db: Db,
    index: Arc<KbIndex>,
    fanout: Fanout,
}

pub use frontdesk_platform::idempotency::Idempotency;
use frontdesk_platform::idempotency::{remember, replay};

impl Knowledge {
    pub fn new(db: Db, index: Arc<KbIndex>, fanout: Fanout) -> Self {
        Knowledge { db, index, fanout }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn index(&self) -> &Arc<KbIndex> {
        &self.index
    }

    fn postgres(&self) -> bool {
        self.db.backend() == Backend::Postgres
    }

    async fn begin(&self) -> Result<Tx, Error> {
        Ok(self.db.pool().begin().await?)
    }

    /// Writes the events, commits, and wakes relays.
    async fn finish(&self, mut tx: Tx, events: Vec<NewEvent>) -> Result<(), Error> {
        let last = if events.is_empty() {
            None
        } else {
            outbox::append_many(&mut tx, events).await?.pop()
        };
        tx.commit().await?;
        if let Some(last) = last {
            self.fanout.publish(last.sequence).await;
        }
        Ok(())
    }
}

pub fn event<M: Message + prost::Name>(
    property_id: &str,
    aggregate_id: &str,
    actor: &str,
    payload: &M,
) -> NewEvent {
    NewEvent {
        event_type: M::full_name(),
        property_id: property_id.to_string(),
        aggregate_id: aggregate_id.to_string(),
        actor: actor.to_string(),
        payload: payload.encode_to_vec(),
        traceparent: String::new(),
    }
}

/// Whether the caller may read records of `property_id` ("" = chain-wide: everyone).
pub fn can_read(caller: &Caller, property_id: &str) -> bool {
    property_id.is_empty() || caller.can_access(property_id)
}

/// Writing a chain-wide article needs a chain-wide caller; a property's, access to it.
pub fn require_write(caller: &Caller, property_id: &str) -> Result<(), Error> {
    let ok = if property_id.is_empty() {
        caller.all_properties()
    } else {
        caller.can_access(property_id)
    };
    if ok {
        Ok(())
    } else if property_id.is_empty() {
        Err(Error::PermissionDenied(
            "only a chain-wide caller may write chain-wide articles".into(),
        ))
    } else {
        Err(Error::PermissionDenied(format!(
            "caller may not access property {property_id}"
        )))
    }
}

pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

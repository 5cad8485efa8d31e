//! Use cases: each one transaction — state change and its events together — with
//! `#[tracing::instrument]` spans carrying ids (never names or text).

pub mod effects;
pub mod erasure;
pub mod lookup;
mod lookup_log;
pub mod mail;
pub mod messages;
pub mod outgoing;
pub mod returns;
pub mod shifts;
pub mod stays;

use frontdesk_platform::auth::Caller;
use frontdesk_platform::db::Db;
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_platform::timers::Clock;

pub use frontdesk_platform::error::ServiceError as Error;

pub type Tx = sqlx::Transaction<'static, sqlx::Any>;

const EVENT_BATCH: usize = 100;

/// The messaging desk: its database, the wake-ups of its event stream and its settings.
#[derive(Clone)]
pub struct Messaging {
    db: Db,
    fanout: Fanout,
    /// How long undeliverable mail waits before it is due back to its sender.
    return_after_micros: i64,
    /// "Now" for return dates and the return sweep (a manual clock in tests).
    clock: Clock,
    /// Where lookups wait to be logged together (group commit); `None` in the log writers
    /// themselves and outside a Tokio runtime.
    lookup_log: Option<lookup_log::LogSender>,
}

pub use frontdesk_platform::idempotency::Idempotency;
use frontdesk_platform::idempotency::{remember, replay};

impl Messaging {
    /// Inside a Tokio runtime, also starts the writers of the lookup access log.
    pub fn new(db: Db, fanout: Fanout, return_after_days: u32) -> Self {
        Messaging {
            db,
            fanout,
            return_after_micros: i64::from(return_after_days) * 86_400 * 1_000_000,
            clock: Clock::System,
            lookup_log: None,
        }
        .with_lookup_writers()
    }

    /// Return dates and the return sweep read "now" from `clock`.
    #[must_use]
    pub fn with_clock(mut self, clock: Clock) -> Self {
        self.clock = clock;
        self
    }

    /// When mail that cannot be delivered from now on is due back to its sender. Days, not
    /// seconds, matter here, so a Redis clock is read as this host's time.
    fn return_due_from_now(&self) -> i64 {
        self.clock.now_without_redis() + self.return_after_micros
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn fanout(&self) -> &Fanout {
        &self.fanout
    }

    async fn begin(&self) -> Result<Tx, Error> {
        Ok(self.db.pool().begin().await?)
    }

    /// Writes the events, commits, and wakes watchers and relays.
    async fn finish(&self, mut tx: Tx, events: Vec<NewEvent>) -> Result<(), Error> {
        // Statements stay small (a full PMS resync writes thousands of events): SQLite binds
        // parameters by name, and very wide statements cost more than they save.
        let mut last = None;
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let batch: Vec<NewEvent> = events.by_ref().take(EVENT_BATCH).collect();
            last = outbox::append_many(&mut tx, batch).await?.pop().or(last);
        }
        tx.commit().await?;
        if let Some(last) = last {
            self.fanout.publish(last.sequence).await;
        }
        Ok(())
    }
}

/// NOT_FOUND for a missing record and for another property's record alike.
fn visible<T>(
    caller: &Caller,
    record: Option<T>,
    property: impl Fn(&T) -> &str,
    what: &'static str,
    id: &str,
) -> Result<T, Error> {
    match record {
        Some(r) if caller.can_access(property(&r)) => Ok(r),
        _ => Err(Error::not_found(what, id)),
    }
}

fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

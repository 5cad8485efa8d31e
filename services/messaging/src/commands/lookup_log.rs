//! Group commit of the lookup access log (MD-2.1). Every lookup is a write — its access-log
//! row and `GuestLookedUp` event commit before the answer — and one transaction per lookup
//! serialises concurrent callers on the outbox counter's row lock and one log flush each.
//! Lookups waiting at the same moment are written together instead: one transaction, one
//! counter update, one multi-row insert of rows and of events; each caller is answered once
//! that commit is done (as intake's CreateInquiry batching does).

use super::{Error, Messaging};
use crate::store::lookups::{self as lookup_store, LookupRow};
use frontdesk_platform::outbox::NewEvent;
use std::sync::Arc;
use tokio::sync::{Mutex, mpsc, oneshot};

/// Most lookups written in one transaction (11 parameters a row: well within SQLite's limit).
const MAX_BATCH: usize = 64;

/// Writers per replica: while one batch holds the outbox counter through its commit, the
/// next is already collecting.
const WRITERS: usize = 2;

/// A lookup waiting to be logged, and where its caller waits for the commit.
pub(crate) struct LookupJob {
    row: LookupRow,
    event: NewEvent,
    reply: oneshot::Sender<Result<(), Error>>,
}

pub(crate) type LogSender = mpsc::Sender<LookupJob>;

impl Messaging {
    /// Starts the log writers when a Tokio runtime is running (without one, each lookup is
    /// written in its own transaction).
    pub(super) fn with_lookup_writers(self) -> Self {
        if tokio::runtime::Handle::try_current().is_err() {
            return self;
        }
        let (tx, rx) = mpsc::channel(1_024);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..WRITERS {
            // The writers hold no sender: they stop when the last Messaging handle goes.
            tokio::spawn(self.clone().run_lookup_writer(rx.clone()));
        }
        Messaging {
            lookup_log: Some(tx),
            ..self
        }
    }

    /// Logs one lookup; returns once it is committed.
    pub(super) async fn log_lookup(&self, row: LookupRow, event: NewEvent) -> Result<(), Error> {
        let Some(log) = &self.lookup_log else {
            return self.write_lookups(vec![row], vec![event]).await;
        };
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError(job)) = log.send(LookupJob { row, event, reply }).await {
            return self.write_lookups(vec![job.row], vec![job.event]).await;
        }
        answer.await.unwrap_or_else(|_| {
            Err(Error::Aborted(
                "the lookup log writer stopped; retry".into(),
            ))
        })
    }

    async fn run_lookup_writer(self, rx: Arc<Mutex<mpsc::Receiver<LookupJob>>>) {
        // Take what is waiting, then let the other writer collect while this one writes.
        while let Some(batch) = frontdesk_platform::batch::next_batch(&rx, MAX_BATCH).await {
            self.write_batch(batch).await;
        }
    }

    /// One transaction for the batch; if it fails, each lookup on its own, so one caller's
    /// error is not everyone's.
    async fn write_batch(&self, batch: Vec<LookupJob>) {
        let (rows, events): (Vec<LookupRow>, Vec<NewEvent>) = batch
            .iter()
            .map(|j| (j.row.clone(), j.event.clone()))
            .unzip();
        if batch.len() > 1 {
            match self.write_lookups(rows, events).await {
                Ok(()) => {
                    for job in batch {
                        let _ = job.reply.send(Ok(()));
                    }
                    return;
                }
                Err(e) => {
                    tracing::debug!(error.message = %e, "batched lookup log fell back to single writes");
                }
            }
        }
        for job in batch {
            let result = self.write_lookups(vec![job.row], vec![job.event]).await;
            let _ = job.reply.send(result);
        }
    }

    async fn write_lookups(
        &self,
        rows: Vec<LookupRow>,
        events: Vec<NewEvent>,
    ) -> Result<(), Error> {
        let mut tx = self.begin().await?;
        lookup_store::insert_many(&mut tx, &rows).await?;
        self.finish(tx, events).await
    }
}

//! Resumable server streams over a service's outbox (WatchInquiries, WatchAssignments).
//! The outbox sequence is the cursor; since it is handed out in commit order, "everything
//! after my cursor" is exact — a client that reconnects with its cursor misses nothing and
//! sees nothing twice, whichever replica wrote the change. Fan-out only says when to look
//! again, and a slow poll covers a lost wake-up.

use crate::db::Db;
use crate::outbox::{self, StoredEvent};
use crate::shutdown::Shutdown;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

const BATCH: i64 = 200;
const POLL: Duration = Duration::from_secs(1);

pub fn parse_cursor(cursor: &str) -> Option<i64> {
    cursor.parse::<i64>().ok().filter(|c| *c >= 0)
}

/// Streams `map(event)` for each event after `after` of `properties` (`None`: all) until the
/// client leaves or the server shuts down. `map` returns `None` to skip an event.
pub fn stream<T, F>(
    db: Db,
    mut wake: watch::Receiver<i64>,
    properties: Option<Vec<String>>,
    after: i64,
    mut shutdown: Shutdown,
    map: F,
) -> ReceiverStream<Result<T, Status>>
where
    T: Send + 'static,
    F: Fn(StoredEvent) -> Option<T> + Send + 'static,
{
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut cursor = after;
        loop {
            let events = match outbox::read_after(&db, cursor, BATCH, properties.as_deref()).await {
                Ok(e) => e,
                Err(e) => {
                    tracing::warn!(error.message = %e, "watch read failed");
                    let _ = tx
                        .send(Err(Status::unavailable(
                            "reading changes failed; resume from your last cursor",
                        )))
                        .await;
                    return;
                }
            };
            let full = events.len() as i64 == BATCH;
            for e in events {
                cursor = e.sequence;
                let Some(item) = map(e) else { continue };
                if tx.send(Ok(item)).await.is_err() {
                    return; // the client left
                }
            }
            if full {
                continue;
            }
            tokio::select! {
                _ = wake.changed() => {},
                _ = tokio::time::sleep(POLL) => {},
                _ = tx.closed() => return,
                // tonic's graceful shutdown waits for open streams: end ours.
                _ = shutdown.wait() => return,
            }
        }
    });
    ReceiverStream::new(rx)
}

//! Resumable server streams over a service's outbox (WatchInquiries, WatchAssignments).
//! The outbox sequence is the cursor; since it is handed out in commit order, "everything
//! after my cursor" is exact — a client that reconnects with its cursor misses nothing and
//! sees nothing twice, whichever replica wrote the change. Fan-out only says when to look
//! again, and a slow poll covers a lost wake-up.

use crate::db::Db;
use crate::limits::StreamSlot;
use crate::outbox::{self, StoredEvent};
use crate::shutdown::Shutdown;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

/// Items read per round.
pub const BATCH: i64 = 200;
const POLL: Duration = Duration::from_secs(1);

pub fn parse_cursor(cursor: &str) -> Option<i64> {
    cursor.parse::<i64>().ok().filter(|c| *c >= 0)
}

/// Where a watch starts: after the caller's `cursor`, at the beginning, or (neither) after
/// the newest change. A cursor past the newest change is OUT_OF_RANGE naming the head: it
/// comes from another deployment or from before a restore, and accepting it would silently
/// skip the next changes.
pub async fn start_after(
    db: &Db,
    cursor: &str,
    from_beginning: bool,
    rpc: &str,
) -> Result<i64, Status> {
    let head = || async {
        outbox::head(db)
            .await
            .map_err(|e| Status::from(crate::error::ServiceError::from(e)))
    };
    if cursor.is_empty() {
        return if from_beginning { Ok(0) } else { head().await };
    }
    let Some(after) = parse_cursor(cursor) else {
        return Err(crate::error::invalid_argument(
            &crate::error::Violations::single("cursor", format!("not a cursor returned by {rpc}")),
        ));
    };
    let head = head().await?;
    if after > head {
        return Err(cursor_past_head(after, head));
    }
    Ok(after)
}

fn cursor_past_head(after: i64, head: i64) -> Status {
    use tonic_types::{ErrorDetails, StatusExt};
    let mut details = ErrorDetails::new();
    details.set_error_info(
        "CURSOR_PAST_HEAD",
        crate::error::ERROR_DOMAIN,
        [
            ("cursor".to_string(), after.to_string()),
            ("head".to_string(), head.to_string()),
        ],
    );
    details.add_bad_request_violation(
        "cursor",
        format!("cursor {after} is past the newest change {head}"),
    );
    Status::with_error_details(
        tonic::Code::OutOfRange,
        format!(
            "cursor {after} is past the newest change ({head}): it is from another deployment \
             or from before a restore; resume from {head} or start from the beginning"
        ),
        details,
    )
}

/// Streams `map(event)` for each outbox event after `after` of `properties` (`None`: all)
/// until the client leaves or the server shuts down. `map` returns `None` to skip an event.
#[expect(
    clippy::too_many_arguments,
    reason = "the parts of one watch: storage, wake-up, scope, position, lifetime, mapping"
)]
pub fn stream<T, F, M>(
    db: Db,
    wake: watch::Receiver<i64>,
    properties: Option<Vec<String>>,
    after: i64,
    shutdown: Shutdown,
    slot: Option<StreamSlot>,
    map: F,
    caught_up: M,
) -> ReceiverStream<Result<T, Status>>
where
    T: Send + 'static,
    F: Fn(StoredEvent) -> Option<T> + Send + Sync + 'static,
    M: Fn(i64) -> Option<T> + Send + 'static,
{
    let map = std::sync::Arc::new(map);
    let read = move |cursor| {
        let (db, properties, map) = (db.clone(), properties.clone(), map.clone());
        async move {
            let events = outbox::read_after(&db, cursor, BATCH, properties.as_deref()).await?;
            Ok(events.into_iter().map(|e| (e.sequence, map(e))).collect())
        }
    };
    stream_marked(wake, after, shutdown, slot, read, caught_up)
}

/// The general form: `read(cursor)` returns up to a batch of items after the cursor, each
/// with its sequence (`None` items advance the cursor without being sent). A batch of
/// [`BATCH`] means "there is more": it is read again at once.
pub fn stream_from<T, R, Fut>(
    wake: watch::Receiver<i64>,
    after: i64,
    shutdown: Shutdown,
    slot: Option<StreamSlot>,
    read: R,
) -> ReceiverStream<Result<T, Status>>
where
    T: Send + 'static,
    R: Fn(i64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Vec<(i64, Option<T>)>>> + Send,
{
    stream_marked(wake, after, shutdown, slot, read, |_| None)
}

/// As [`stream_from`], and once the backlog has been sent (a read returned less than a full
/// batch), one item `caught_up(cursor)` if it gives one: the client's view is complete.
pub fn stream_marked<T, R, Fut, M>(
    mut wake: watch::Receiver<i64>,
    after: i64,
    mut shutdown: Shutdown,
    slot: Option<StreamSlot>,
    read: R,
    caught_up: M,
) -> ReceiverStream<Result<T, Status>>
where
    T: Send + 'static,
    R: Fn(i64) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = anyhow::Result<Vec<(i64, Option<T>)>>> + Send,
    M: Fn(i64) -> Option<T> + Send + 'static,
{
    let mut marked = false;
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        // The caller's stream slot (see `limits`) is held until this stream ends.
        let _slot = slot;
        let mut cursor = after;
        loop {
            let items = match read(cursor).await {
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
            let full = items.len() as i64 >= BATCH;
            for (sequence, item) in items {
                cursor = sequence;
                let Some(item) = item else { continue };
                if tx.send(Ok(item)).await.is_err() {
                    return; // the client left
                }
            }
            if full {
                continue;
            }
            if !marked {
                marked = true;
                if let Some(marker) = caught_up(cursor)
                    && tx.send(Ok(marker)).await.is_err()
                {
                    return;
                }
            }
            tokio::select! {
                _ = wake.changed() => {},
                _ = tokio::time::sleep(POLL) => {},
                _ = tx.closed() => return,
                // tonic's graceful shutdown waits for open streams: end ours, with
                // UNAVAILABLE so the client reconnects (to another replica) with its cursor.
                _ = shutdown.wait() => {
                    let _ = tx.try_send(Err(Status::unavailable(
                        "server shutting down; resume from your last cursor",
                    )));
                    return;
                }
            }
        }
    });
    ReceiverStream::new(rx)
}

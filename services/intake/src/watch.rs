//! WatchInquiries: a resumable stream of inquiry changes read from the outbox. The outbox
//! sequence is the cursor; since it is handed out in commit order, "everything after my
//! cursor" is exact — a client that reconnects with its cursor misses nothing and sees
//! nothing twice, whichever replica wrote the change. Fan-out only says when to look again.

use crate::commands::{EVENT_TYPE, Intake};
use frontdesk_platform::outbox;
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_proto::intake::v1 as pb;
use prost::Message;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

const BATCH: i64 = 200;
/// Safety net for a lost wake-up (e.g. Redis pub/sub reconnecting).
const POLL: Duration = Duration::from_secs(1);

pub type WatchStream = ReceiverStream<Result<pb::WatchInquiriesResponse, Status>>;

pub fn parse_cursor(cursor: &str) -> Option<i64> {
    cursor.parse::<i64>().ok().filter(|c| *c >= 0)
}

/// Streams changes after `after` for `properties` (`None`: all) until the client leaves or
/// the server shuts down.
pub fn stream(
    intake: Intake,
    properties: Option<Vec<String>>,
    after: i64,
    mut shutdown: Shutdown,
) -> WatchStream {
    let (tx, rx) = mpsc::channel(64);
    tokio::spawn(async move {
        let mut cursor = after;
        let mut wake = intake.fanout().subscribe();
        loop {
            let events =
                match outbox::read_after(intake.db(), cursor, BATCH, properties.as_deref()).await {
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
                if e.event_type != EVENT_TYPE {
                    continue;
                }
                let Ok(change) = pb::InquiryChanged::decode(e.payload.as_slice()) else {
                    tracing::error!(event_id = %e.event_id, "undecodable intake event skipped");
                    continue;
                };
                let item = pb::WatchInquiriesResponse {
                    cursor: e.sequence.to_string(),
                    event_id: e.event_id,
                    change: change.change,
                    actor: e.actor,
                    occurred_at: Some(frontdesk_platform::time::to_timestamp(e.occurred_at)),
                    inquiry: change.inquiry,
                    detail: change.detail,
                };
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

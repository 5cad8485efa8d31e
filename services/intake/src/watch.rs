//! WatchInquiries: intake's changes from the outbox, resumable by cursor (see
//! `frontdesk_platform::watch`).

use crate::commands::{EVENT_TYPE, Intake};
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_proto::intake::v1 as pb;
use prost::Message;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

pub use frontdesk_platform::watch::parse_cursor;

pub type WatchStream = ReceiverStream<Result<pb::WatchInquiriesResponse, Status>>;

pub fn stream(
    intake: Intake,
    properties: Option<Vec<String>>,
    after: i64,
    shutdown: Shutdown,
) -> WatchStream {
    let wake = intake.fanout().subscribe();
    frontdesk_platform::watch::stream(
        intake.db().clone(),
        wake,
        properties,
        after,
        shutdown,
        |e| {
            if e.event_type != EVENT_TYPE {
                return None;
            }
            let Ok(change) = pb::InquiryChanged::decode(e.payload.as_slice()) else {
                tracing::error!(event_id = %e.event_id, "undecodable intake event skipped");
                return None;
            };
            Some(pb::WatchInquiriesResponse {
                cursor: e.sequence.to_string(),
                event_id: e.event_id,
                change: change.change,
                actor: e.actor,
                occurred_at: Some(frontdesk_platform::time::to_timestamp(e.occurred_at)),
                inquiry: change.inquiry,
                detail: change.detail,
            })
        },
    )
}

//! WatchInquiries: intake's changes from the timeline, resumable by cursor (see
//! `frontdesk_platform::watch`). The timeline's sequence is the outbox sequence of the same
//! change, so the cursor keeps its promise (commit order, no gaps) while the outbox itself is
//! pruned; each change comes with the inquiry as it is now.

use crate::commands::Intake;
use crate::convert::inquiry_to_pb;
use crate::store::{self, timeline};
use frontdesk_platform::limits::StreamSlot;
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::watch::BATCH;
use frontdesk_proto::intake::v1 as pb;
use std::collections::HashMap;
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

pub type WatchStream = ReceiverStream<Result<pb::WatchInquiriesResponse, Status>>;

pub fn stream(
    intake: Intake,
    properties: Option<Vec<String>>,
    after: i64,
    shutdown: Shutdown,
    slot: Option<StreamSlot>,
    send_caught_up: bool,
) -> WatchStream {
    let wake = intake.fanout().subscribe();
    let marker = move |cursor: i64| {
        send_caught_up.then(|| pb::WatchInquiriesResponse {
            cursor: cursor.to_string(),
            caught_up: true,
            ..Default::default()
        })
    };
    let read = move |cursor| {
        let (db, properties) = (intake.db().clone(), properties.clone());
        async move {
            let entries = timeline::after(&db, cursor, BATCH, properties.as_deref()).await?;
            let mut inquiries = HashMap::new();
            let mut conn = db.pool().acquire().await?;
            for e in &entries {
                if !inquiries.contains_key(&e.inquiry_id) {
                    let i = store::load(&mut conn, &e.inquiry_id).await?;
                    inquiries.insert(e.inquiry_id.clone(), i.map(|i| inquiry_to_pb(&i)));
                }
            }
            Ok(entries
                .into_iter()
                .map(|e| {
                    let inquiry = inquiries.get(&e.inquiry_id).cloned().flatten();
                    let item = pb::WatchInquiriesResponse {
                        cursor: e.sequence.to_string(),
                        change: e.change,
                        actor: e.actor,
                        occurred_at: Some(frontdesk_platform::time::to_timestamp(e.at)),
                        inquiry,
                        detail: e.detail,
                        caught_up: false,
                    };
                    (e.sequence, Some(item))
                })
                .collect())
        }
    };
    frontdesk_platform::watch::stream_marked(wake, after, shutdown, slot, read, marker)
}

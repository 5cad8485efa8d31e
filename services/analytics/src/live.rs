//! WatchKpis: a wallboard's live counters. The stream recomputes the property's KPIs when
//! analytics applies an event (on any replica: the wake-up goes through the fan-out, Redis
//! in a cluster) and sends them when they changed, at most every [`COALESCE`], so a burst of
//! events is one update. The facts in the database stay the truth: a lost wake-up delays an
//! update, never falsifies one.

use crate::api::AnalyticsApi;
use frontdesk_platform::limits::StreamSlot;
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::time::{now_micros, to_timestamp};
use frontdesk_proto::analytics::v1 as pb;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio_stream::wrappers::ReceiverStream;
use tonic::Status;

/// Shortest time between two updates of one stream.
pub const COALESCE: Duration = Duration::from_millis(500);

pub type KpiStream = ReceiverStream<Result<pb::KpiSnapshot, Status>>;

/// The stream of `property_id`'s KPIs since `from`.
pub fn stream(
    api: AnalyticsApi,
    property_id: String,
    from: i64,
    mut wake: watch::Receiver<i64>,
    mut shutdown: Shutdown,
    slot: Option<StreamSlot>,
) -> KpiStream {
    let (tx, rx) = mpsc::channel(4);
    tokio::spawn(async move {
        let _slot = slot;
        let mut last: Option<(pb::Kpis, Vec<String>)> = None;
        loop {
            let as_of = now_micros();
            let current = match api.totals(&property_id, from, as_of + 1).await {
                Ok(kpis) => api
                    .open_anomalies(&property_id)
                    .await
                    .map(|anomalies| (kpis, anomalies)),
                Err(status) => Err(status),
            };
            match current {
                // An update when the KPIs change or an anomaly starts or ends (not when an
                // ongoing one's figures move: those follow the KPIs).
                Ok((kpis, anomalies))
                    if last.as_ref()
                        != Some(&(
                            kpis,
                            anomalies.iter().map(|a| a.anomaly_id.clone()).collect(),
                        )) =>
                {
                    let ids = anomalies.iter().map(|a| a.anomaly_id.clone()).collect();
                    let snapshot = pb::KpiSnapshot {
                        property_id: property_id.clone(),
                        from_time: Some(to_timestamp(from)),
                        as_of: Some(to_timestamp(as_of)),
                        kpis: Some(kpis),
                        open_anomalies: anomalies,
                    };
                    if tx.send(Ok(snapshot)).await.is_err() {
                        return;
                    }
                    last = Some((kpis, ids));
                }
                Ok(_) => {}
                Err(status) => {
                    let _ = tx.send(Err(status)).await;
                    return;
                }
            }
            tokio::select! {
                () = shutdown.wait() => {
                    let _ = tx
                        .send(Err(frontdesk_platform::error::unavailable(
                            "this server (shutting down; reconnect)",
                            Duration::from_secs(1),
                        )))
                        .await;
                    return;
                }
                changed = wake.changed() => if changed.is_err() { return },
                () = tx.closed() => return,
            }
            tokio::time::sleep(COALESCE).await;
        }
    });
    ReceiverStream::new(rx)
}

//! The anomaly evaluator (CI-5.3): every `interval`, each property with recent inquiries is
//! judged (`domain::anomaly`) on its rolling window against the window before. A new
//! finding opens an episode and, in the same transaction, writes the
//! `frontdesk.analytics.v1.AnomalyDetected` event to analytics' outbox, counts the metric and
//! logs a WARN; while it lasts the episode's figures are updated (no new event); when the
//! measure is back to normal it ends. Replicas may evaluate at once: the open-episode key
//! lets only one raise it.

use crate::domain::anomaly::{self, Finding, Kind, Thresholds};
use crate::store::anomalies::{self as store, Episode};
use crate::{api::convert, metrics};
use frontdesk_platform::db::Db;
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::analytics::v1 as pb;
use prost::Message;
use std::time::Duration;

#[derive(Debug, Clone, Copy)]
pub struct Settings {
    pub window: Duration,
    pub interval: Duration,
    pub thresholds: Thresholds,
}

/// Runs the evaluator until shutdown.
pub async fn run(db: Db, fanout: Fanout, settings: Settings, mut shutdown: Shutdown) {
    loop {
        match evaluate_all(&db, &settings, now_micros()).await {
            Ok(true) => fanout.publish(now_micros()).await,
            Ok(false) => {}
            Err(e) => tracing::warn!(error = format!("{e:#}"), "anomaly evaluation failed"),
        }
        tokio::select! {
            () = shutdown.wait() => return,
            () = tokio::time::sleep(settings.interval) => {}
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// Judges every property with inquiries in the last two windows as of `now`; whether any
/// episode opened or ended (wallboards then refresh).
pub async fn evaluate_all(db: &Db, s: &Settings, now: i64) -> anyhow::Result<bool> {
    let w = micros(s.window);
    let mut changed = false;
    for property_id in store::active_properties(db, now - 2 * w).await? {
        let current = store::window(db, &property_id, now - w, now + 1).await?;
        let before = store::window(db, &property_id, now - 2 * w, now - w).await?;
        let findings = anomaly::evaluate(&current, &before, &s.thresholds);
        for kind in Kind::ALL {
            let finding = findings.iter().find(|f| f.kind == kind);
            changed |= settle(db, &property_id, kind, finding, w, now).await?;
        }
    }
    Ok(changed)
}

/// Opens, updates or ends the episode of one property and kind; whether it opened or ended.
async fn settle(
    db: &Db,
    property_id: &str,
    kind: Kind,
    finding: Option<&Finding>,
    window_us: i64,
    now: i64,
) -> anyhow::Result<bool> {
    let mut tx = db.pool().begin().await?;
    let open = store::open_id(&mut tx, property_id, kind).await?;
    let changed = match (open, finding) {
        (None, None) => false,
        (Some(id), Some(f)) => {
            store::update(&mut tx, &id, f, now).await?;
            false
        }
        (Some(id), None) => {
            store::close(&mut tx, property_id, kind, &id, now).await?;
            tracing::info!(
                property_id,
                kind = kind.code(),
                anomaly_id = id,
                "anomaly ended"
            );
            true
        }
        (None, Some(f)) => {
            let episode = Episode {
                anomaly_id: uuid::Uuid::now_v7().to_string(),
                property_id: property_id.to_string(),
                kind,
                started_at: now,
                ended_at: None,
                window_us,
                finding: *f,
                evaluated_at: now,
            };
            if store::open(&mut tx, &episode).await? {
                let event = pb::AnomalyDetected {
                    anomaly: Some(convert::anomaly(&episode)),
                };
                outbox::append(
                    &mut tx,
                    NewEvent {
                        event_type: <pb::AnomalyDetected as prost::Name>::full_name(),
                        property_id: property_id.to_string(),
                        aggregate_id: episode.anomaly_id.clone(),
                        actor: "analytics".into(),
                        payload: event.encode_to_vec(),
                        traceparent: String::new(),
                    },
                )
                .await?;
                metrics::anomaly_raised(kind.code());
                tracing::warn!(
                    property_id,
                    kind = kind.code(),
                    anomaly_id = episode.anomaly_id,
                    observed = f.observed,
                    baseline = f.baseline,
                    threshold = f.threshold,
                    "anomaly detected"
                );
                true
            } else {
                false
            }
        }
    };
    tx.commit().await?;
    Ok(changed)
}

//! `frontdesk events …`: the events a service's consumers parked because they cannot be
//! applied (see docs/operations-faults.md). List them, retry one after fixing its cause, or
//! skip it for good.

use super::render::{fit, rfc3339, table, time_of};
use super::{ClientArgs, connect, status_error};
use frontdesk_proto::events::v1 as pb;
use pb::parked_events_client::ParkedEventsClient;

#[derive(Debug, clap::Subcommand)]
pub enum EventsCmd {
    /// Events parked by the consumers of the server (oldest first).
    Parked {
        /// Only this consumer (e.g. routing).
        #[arg(long, default_value = "")]
        consumer: String,
        /// Only this property.
        #[arg(long, default_value = "")]
        property: String,
        /// Events to show.
        #[arg(long, default_value_t = 50)]
        limit: i32,
    },
    /// Applies a parked event again, once its cause is fixed (e.g. the SLA policy).
    Retry {
        /// The parked event's id.
        event_id: String,
        /// The consumer that parked it (when several did).
        #[arg(long, default_value = "")]
        consumer: String,
    },
    /// Drops a parked event for good: it will never be applied.
    Skip {
        /// The parked event's id.
        event_id: String,
        /// Why (kept with the record).
        #[arg(long)]
        reason: String,
        /// The consumer that parked it (when several did).
        #[arg(long, default_value = "")]
        consumer: String,
    },
}

fn row(p: &pb::ParkedEvent) -> Vec<String> {
    let e = p.event.clone().unwrap_or_default();
    let parked = time_of(p.parked_at.as_ref());
    vec![
        p.consumer.clone(),
        e.event_id,
        format!("{}#{}", e.source, e.sequence),
        e.r#type,
        e.property_id,
        e.aggregate_id,
        parked,
        p.attempts.to_string(),
        p.error.clone(),
    ]
}

fn json(p: &pb::ParkedEvent) -> serde_json::Value {
    let e = p.event.clone().unwrap_or_default();
    serde_json::json!({
        "consumer": p.consumer,
        "event_id": e.event_id,
        "source": e.source,
        "sequence": e.sequence,
        "type": e.r#type,
        "property_id": e.property_id,
        "aggregate_id": e.aggregate_id,
        "parked_at": rfc3339(p.parked_at.as_ref()),
        "attempts": p.attempts,
        "error": p.error,
    })
}

pub async fn run(args: ClientArgs, cmd: EventsCmd) -> anyhow::Result<()> {
    let (channel, bearer) = connect(&args).await?;
    let mut client = ParkedEventsClient::with_interceptor(channel, bearer);
    match cmd {
        EventsCmd::Parked {
            consumer,
            property,
            limit,
        } => {
            let r = client
                .list_parked_events(pb::ListParkedEventsRequest {
                    consumer,
                    property_id: property,
                    page_size: limit,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            if args.json {
                let events: Vec<_> = r.events.iter().map(json).collect();
                println!(
                    "{}",
                    serde_json::json!({ "events": events, "total": r.total })
                );
            } else {
                let mut t = table(&[
                    "consumer", "event", "from", "type", "property", "record", "parked", "tries",
                    "error",
                ]);
                for p in &r.events {
                    t.add_row(row(p));
                }
                println!("{}", fit(t));
                println!("{} parked", r.total);
            }
        }
        EventsCmd::Retry { event_id, consumer } => {
            let r = client
                .retry_parked_event(pb::RetryParkedEventRequest { consumer, event_id })
                .await
                .map_err(status_error)?
                .into_inner();
            match (args.json, r.event) {
                (true, Some(p)) => println!("{}", json(&p)),
                (_, p) => println!(
                    "applied {}",
                    p.and_then(|p| p.event)
                        .map(|e| e.event_id)
                        .unwrap_or_default()
                ),
            }
        }
        EventsCmd::Skip {
            event_id,
            reason,
            consumer,
        } => {
            let r = client
                .skip_parked_event(pb::SkipParkedEventRequest {
                    consumer,
                    event_id,
                    reason,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            match (args.json, r.event) {
                (true, Some(p)) => println!("{}", json(&p)),
                (_, p) => println!(
                    "skipped {}",
                    p.and_then(|p| p.event)
                        .map(|e| e.event_id)
                        .unwrap_or_default()
                ),
            }
        }
    }
    Ok(())
}

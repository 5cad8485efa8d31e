//! The outbox relay: delivers a service's events, in order and at least once, to each
//! subscribing service's `EventSink`. Every replica runs a relay per subscriber; a lease row
//! makes one of them the deliverer at a time, and a replica that dies mid-delivery loses
//! nothing: its lease runs out, another replica takes over from the saved cursor, and the
//! consumer's inbox drops the replayed events.

use crate::db::Db;
use crate::outbox;
use crate::shutdown::Shutdown;
use frontdesk_proto::events::v1::DeliverRequest;
use frontdesk_proto::events::v1::event_sink_client::EventSinkClient;
use std::time::Duration;
use tokio::sync::watch;
use tonic::transport::Channel;

#[derive(Debug, Clone)]
pub struct Subscriber {
    /// Stable name, e.g. "routing"; keys the delivery cursor.
    pub name: String,
    /// gRPC endpoint of the subscriber's EventSink, e.g. http://routing:50051.
    pub endpoint: String,
}

impl std::str::FromStr for Subscriber {
    type Err = String;

    /// `name=http://host:port`
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (name, endpoint) = s
            .split_once('=')
            .ok_or_else(|| format!("subscriber {s:?} must look like name=http://host:port"))?;
        if name.is_empty() || !(endpoint.starts_with("http://") || endpoint.starts_with("https://"))
        {
            return Err(format!(
                "subscriber {s:?} must look like name=http://host:port"
            ));
        }
        Ok(Subscriber {
            name: name.to_string(),
            endpoint: endpoint.to_string(),
        })
    }
}

#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Producing service, stamped on every event (e.g. "intake").
    pub source: String,
    pub subscriber: Subscriber,
    /// Bearer token (role `service`) presented to the subscriber.
    pub token: String,
    /// Identity of this replica in the lease row.
    pub owner: String,
    pub batch_size: i64,
    pub lease: Duration,
    /// Fallback poll when no wake-up arrives.
    pub poll: Duration,
    pub call_timeout: Duration,
}

impl RelayConfig {
    pub fn new(source: &str, subscriber: Subscriber, token: String) -> Self {
        RelayConfig {
            source: source.to_string(),
            subscriber,
            token,
            owner: format!("{}-{}", source, uuid::Uuid::now_v7()),
            batch_size: 200,
            lease: Duration::from_secs(15),
            poll: Duration::from_millis(500),
            call_timeout: Duration::from_secs(10),
        }
    }
}

/// Runs until `shutdown`; `wake` carries the newest committed sequence.
pub async fn run(db: Db, cfg: RelayConfig, mut wake: watch::Receiver<i64>, mut shutdown: Shutdown) {
    let mut client: Option<EventSinkClient<Channel>> = None;
    let mut backoff = cfg.poll;
    loop {
        if shutdown.is_triggered() {
            break;
        }
        let outcome = step(&db, &cfg, &mut client).await;
        let pause = match outcome {
            Ok(Step::Delivered) => {
                backoff = cfg.poll;
                continue;
            }
            Ok(Step::Idle) => {
                backoff = cfg.poll;
                cfg.poll
            }
            Ok(Step::NotLeader) => cfg.lease / 3,
            Err(e) => {
                metrics::counter!(crate::metrics::RELAY_DELIVERY_ERRORS, "source" => cfg.source.clone(), "subscriber" => cfg.subscriber.name.clone())
                    .increment(1);
                tracing::warn!(subscriber = %cfg.subscriber.name, error.message = %e, error.cause_chain = ?e, "event delivery failed; will retry");
                client = None;
                backoff = (backoff * 2).min(Duration::from_secs(10));
                backoff
            }
        };
        tokio::select! {
            _ = shutdown.wait() => break,
            _ = wake.changed() => {},
            _ = tokio::time::sleep(pause) => {},
        }
    }
    release(&db, &cfg).await;
    tracing::info!(subscriber = %cfg.subscriber.name, "relay stopped");
}

enum Step {
    Delivered,
    Idle,
    NotLeader,
}

async fn step(
    db: &Db,
    cfg: &RelayConfig,
    client: &mut Option<EventSinkClient<Channel>>,
) -> anyhow::Result<Step> {
    let now = crate::time::now_micros();
    sqlx::query(
        "INSERT INTO outbox_cursors (subscriber, delivered_up_to, lease_owner, lease_until, updated_at) \
         VALUES ($1, 0, '', 0, $2) ON CONFLICT (subscriber) DO NOTHING",
    )
    .bind(&cfg.subscriber.name)
    .bind(now)
    .execute(db.pool())
    .await?;
    let lease_until = now + i64::try_from(cfg.lease.as_micros()).unwrap_or(i64::MAX / 4);
    let took = sqlx::query(
        "UPDATE outbox_cursors SET lease_owner = $1, lease_until = $2 \
         WHERE subscriber = $3 AND (lease_owner = $1 OR lease_until < $4)",
    )
    .bind(&cfg.owner)
    .bind(lease_until)
    .bind(&cfg.subscriber.name)
    .bind(now)
    .execute(db.pool())
    .await?
    .rows_affected();
    if took == 0 {
        return Ok(Step::NotLeader);
    }
    let cursor: i64 =
        sqlx::query_scalar("SELECT delivered_up_to FROM outbox_cursors WHERE subscriber = $1")
            .bind(&cfg.subscriber.name)
            .fetch_one(db.pool())
            .await?;
    let head = outbox::head(db).await?;
    metrics::gauge!(crate::metrics::OUTBOX_LAG, "source" => cfg.source.clone(), "subscriber" => cfg.subscriber.name.clone())
        .set((head - cursor) as f64);
    let events = outbox::read_after(db, cursor, cfg.batch_size, None).await?;
    // How long the oldest undelivered event has waited: a lag of 10 events is nothing at
    // rush hour and an outage at 3 a.m.; the age tells them apart.
    let age = events.first().map_or(0, |e| (now - e.occurred_at).max(0));
    metrics::gauge!(crate::metrics::OUTBOX_AGE, "source" => cfg.source.clone(), "subscriber" => cfg.subscriber.name.clone())
        .set(age as f64 / 1e6);
    let Some(last) = events.last().map(|e| e.sequence) else {
        return Ok(Step::Idle);
    };
    if client.is_none() {
        // Balanced over the subscriber's pods: its consumers are idempotent, so any replica
        // may apply any batch.
        let channel = crate::balance::channel(
            &cfg.subscriber.endpoint,
            crate::balance::Settings {
                timeout: Some(cfg.call_timeout),
                ..Default::default()
            },
        )?;
        *client = Some(EventSinkClient::new(channel));
    }
    let Some(c) = client.as_mut() else {
        return Ok(Step::Idle);
    };
    let n = events.len();
    let mut req = tonic::Request::new(DeliverRequest {
        events: events
            .into_iter()
            .map(|e| e.into_proto(&cfg.source))
            .collect(),
        consumer: cfg.subscriber.name.clone(),
    });
    req.metadata_mut()
        .insert("authorization", format!("Bearer {}", cfg.token).parse()?);
    crate::grpc::inject_trace_context(req.metadata_mut());
    c.deliver(req).await?;
    // Only the lease holder moves the cursor; if we lost the lease meanwhile, the new holder
    // redelivers and the consumer's inbox absorbs it.
    sqlx::query(
        "UPDATE outbox_cursors SET delivered_up_to = $1, updated_at = $2 \
         WHERE subscriber = $3 AND lease_owner = $4 AND delivered_up_to < $1",
    )
    .bind(last)
    .bind(crate::time::now_micros())
    .bind(&cfg.subscriber.name)
    .bind(&cfg.owner)
    .execute(db.pool())
    .await?;
    metrics::counter!(crate::metrics::EVENTS_DELIVERED, "source" => cfg.source.clone(), "subscriber" => cfg.subscriber.name.clone())
        .increment(n as u64);
    Ok(Step::Delivered)
}

/// Gives the lease up on clean shutdown so another replica takes over at once.
async fn release(db: &Db, cfg: &RelayConfig) {
    let _ = sqlx::query(
        "UPDATE outbox_cursors SET lease_until = 0 WHERE subscriber = $1 AND lease_owner = $2",
    )
    .bind(&cfg.subscriber.name)
    .bind(&cfg.owner)
    .execute(db.pool())
    .await;
}

/// How far a subscriber has been delivered (for tests and operators).
pub async fn delivered_up_to(db: &Db, subscriber: &str) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar("SELECT delivered_up_to FROM outbox_cursors WHERE subscriber = $1")
        .bind(subscriber)
        .fetch_optional(db.pool())
        .await
}

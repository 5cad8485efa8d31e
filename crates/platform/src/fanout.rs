//! Wakes watch streams and relays when new events commit — on this replica and on every
//! other one. The database stays the source of truth: a wake-up only says "read the log
//! again from your cursor", so a lost or duplicated notification can delay a watcher but
//! never make it miss or repeat an event.

use futures::StreamExt;
use redis::AsyncCommands;
use std::time::Duration;
use tokio::sync::watch;

/// In-process (`frontdesk dev`) or Redis pub/sub between replicas (cluster mode).
#[derive(Clone)]
pub struct Fanout {
    local: watch::Sender<i64>,
    redis: Option<RedisFanout>,
}

#[derive(Clone)]
struct RedisFanout {
    /// The newest sequence to announce; a background task publishes it, so a commit never
    /// waits on Redis (announcements coalesce: only the newest matters to a watcher).
    outgoing: watch::Sender<i64>,
}

/// Longest a publish may take before it is counted as a Redis error and dropped.
const PUBLISH_TIMEOUT: Duration = Duration::from_millis(500);

impl Fanout {
    pub fn in_process() -> Self {
        Fanout {
            local: watch::channel(0).0,
            redis: None,
        }
    }

    /// Connects to Redis and listens on `channel` (already carrying the key prefix).
    pub async fn redis(url: &str, channel: String) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)
            .map_err(|e| anyhow::anyhow!("invalid Redis URL {}: {e}", crate::db::redact(url)))?;
        let conn = client.get_connection_manager().await.map_err(|e| {
            anyhow::anyhow!("cannot reach Redis at {}: {e}", crate::db::redact(url))
        })?;
        let local = watch::channel(0).0;
        tokio::spawn(listen(client, channel.clone(), local.clone()));
        let outgoing = watch::channel(0).0;
        tokio::spawn(publisher(conn, channel, outgoing.subscribe()));
        Ok(Fanout {
            local,
            redis: Some(RedisFanout { outgoing }),
        })
    }

    /// Announces that events up to `sequence` are committed. Never waits on Redis: this
    /// replica's watchers are woken at once; other replicas' through a background publish,
    /// best effort (they also poll the database from their cursor, so a lost announcement
    /// only delays them).
    pub async fn publish(&self, sequence: i64) {
        self.local.send_if_modified(|v| bump(v, sequence));
        if let Some(r) = &self.redis {
            r.outgoing.send_if_modified(|v| bump(v, sequence));
        }
    }

    /// Receives the newest announced sequence; `changed()` wakes on every new one.
    pub fn subscribe(&self) -> watch::Receiver<i64> {
        self.local.subscribe()
    }
}

fn bump(v: &mut i64, sequence: i64) -> bool {
    if sequence > *v {
        *v = sequence;
        true
    } else {
        false
    }
}

/// Publishes the newest announced sequence, one publish at a time, each bounded by
/// [`PUBLISH_TIMEOUT`]; failures are counted and logged, never waited on by a writer.
async fn publisher(
    mut conn: redis::aio::ConnectionManager,
    channel: String,
    mut outgoing: watch::Receiver<i64>,
) {
    while outgoing.changed().await.is_ok() {
        let sequence = *outgoing.borrow_and_update();
        let sent = tokio::time::timeout(
            PUBLISH_TIMEOUT,
            conn.publish::<_, _, ()>(&channel, sequence),
        )
        .await;
        let error = match sent {
            Ok(Ok(())) => {
                crate::health::redis_ok();
                continue;
            }
            Ok(Err(e)) => e.to_string(),
            Err(_) => format!("no answer within {PUBLISH_TIMEOUT:?}"),
        };
        crate::health::redis_failed("publish", &error);
    }
}

/// Forwards Redis messages to the local channel, reconnecting forever with a pause.
async fn listen(client: redis::Client, channel: String, local: watch::Sender<i64>) {
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => {
                if let Err(e) = pubsub.subscribe(&channel).await {
                    crate::health::redis_failed("subscribe", &e.to_string());
                } else {
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        if let Ok(seq) = msg.get_payload::<i64>() {
                            local.send_if_modified(|v| bump(v, seq));
                        }
                    }
                }
            }
            Err(e) => crate::health::redis_failed("subscribe", &e.to_string()),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

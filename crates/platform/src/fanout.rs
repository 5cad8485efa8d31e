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
    conn: redis::aio::ConnectionManager,
    channel: String,
}

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
        Ok(Fanout {
            local,
            redis: Some(RedisFanout { conn, channel }),
        })
    }

    /// Announces that events up to `sequence` are committed.
    pub async fn publish(&self, sequence: i64) {
        self.local.send_if_modified(|v| bump(v, sequence));
        if let Some(r) = &self.redis {
            let mut conn = r.conn.clone();
            // Best effort: peers also poll, so a failed publish only delays them.
            if let Err(e) = conn.publish::<_, _, ()>(&r.channel, sequence).await {
                tracing::warn!(error.message = %e, "redis publish failed; peers will catch up by polling");
            }
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

/// Forwards Redis messages to the local channel, reconnecting forever with a pause.
async fn listen(client: redis::Client, channel: String, local: watch::Sender<i64>) {
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => {
                if let Err(e) = pubsub.subscribe(&channel).await {
                    tracing::warn!(error.message = %e, "redis subscribe failed");
                } else {
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        if let Ok(seq) = msg.get_payload::<i64>() {
                            local.send_if_modified(|v| bump(v, seq));
                        }
                    }
                }
            }
            Err(e) => tracing::warn!(error.message = %e, "redis pub/sub connection failed"),
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

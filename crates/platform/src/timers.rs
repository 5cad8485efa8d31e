//! Armed timers for SLA deadlines (DESIGN "SLA deadlines and timers"). The database holds
//! every deadline (the truth); a timer wheel holds the armed ones, scored by due time:
//!
//! - **Redis** (cluster): a sorted set of due timers and a sorted set of leases. A Lua script
//!   atomically moves due timers to the lease set, so each fires on one replica; a replica that
//!   dies mid-fire loses nothing — its lease runs out and the next claim makes the timer due
//!   again. Firing must be idempotent (the caller records it in its database).
//! - **In process** (`frontdesk dev`): the same contract over a mutex-guarded map.
//!
//! When Redis is emptied or replaced, the epoch marker is gone: [`TimerWheel::needs_rearm`]
//! says so and the owner re-arms every pending deadline from its database.
//!
//! Times are unix microseconds from one clock ([`Clock`]): Redis `TIME` in a cluster, never
//! each pod's own clock; a manual clock in tests.

use redis::Script;
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A timer to arm: fire `id` at `due_at`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArmedTimer {
    pub id: String,
    pub due_at: i64,
}

/// A timer this replica now holds a lease on and must fire, then [`TimerWheel::complete`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claimed {
    pub id: String,
    pub due_at: i64,
    /// The clock reading at claim time: `claimed_at - due_at` is the fire lateness.
    pub claimed_at: i64,
}

/// True when the error came from Redis (not the database): callers fall back to the
/// database for the duration of the outage.
pub fn is_redis_error(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<redis::RedisError>())
}

/// Where "now" comes from.
#[derive(Clone)]
pub enum Clock {
    /// This process's clock (single replica only).
    System,
    /// Redis `TIME`: one clock for every replica.
    Redis(redis::aio::ConnectionManager),
    /// Tests move time by hand.
    Manual(Arc<AtomicI64>),
}

impl Clock {
    pub fn manual(start: i64) -> (Clock, Arc<AtomicI64>) {
        let cell = Arc::new(AtomicI64::new(start));
        (Clock::Manual(cell.clone()), cell)
    }

    /// "Now" when the shared clock cannot be read (Redis down): this host's clock for a
    /// Redis clock, otherwise the clock itself.
    pub fn now_without_redis(&self) -> i64 {
        match self {
            Clock::Manual(c) => c.load(Ordering::SeqCst),
            Clock::System | Clock::Redis(_) => crate::time::now_micros(),
        }
    }

    pub async fn now(&self) -> anyhow::Result<i64> {
        match self {
            Clock::System => Ok(crate::time::now_micros()),
            Clock::Manual(c) => Ok(c.load(Ordering::SeqCst)),
            Clock::Redis(conn) => {
                let mut conn = conn.clone();
                let (secs, micros): (i64, i64) = redis::cmd("TIME").query_async(&mut conn).await?;
                Ok(secs * 1_000_000 + micros)
            }
        }
    }
}

#[derive(Clone)]
pub enum TimerWheel {
    InProcess(Arc<Mutex<InProcess>>),
    Redis(RedisWheel),
}

#[derive(Default)]
pub struct InProcess {
    due: BTreeSet<(i64, String)>,
    due_of: HashMap<String, i64>,
    /// id → (lease expiry, original due)
    leased: HashMap<String, (i64, i64)>,
    epoch: bool,
}

#[derive(Clone)]
pub struct RedisWheel {
    conn: redis::aio::ConnectionManager,
    due_key: String,
    lease_key: String,
    claimed_key: String,
    epoch_key: String,
    claim: Arc<Script>,
}

/// KEYS: due zset, lease zset, claimed-due hash. ARGV: now (µs), limit, lease (µs).
/// Expired leases go back to due with their original due time, then due timers move to the
/// lease set — atomically, so two replicas never claim the same timer.
const CLAIM_LUA: &str = r"
local now = tonumber(ARGV[1])
local limit = tonumber(ARGV[2])
local lease = tonumber(ARGV[3])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', now, 'LIMIT', 0, limit)
for _, id in ipairs(expired) do
  redis.call('ZREM', KEYS[2], id)
  local due = redis.call('HGET', KEYS[3], id)
  if not due then due = now end
  redis.call('ZADD', KEYS[1], due, id)
end
local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', now, 'WITHSCORES', 'LIMIT', 0, limit)
local out = {}
for i = 1, #due, 2 do
  local id = due[i]
  redis.call('ZREM', KEYS[1], id)
  redis.call('ZADD', KEYS[2], now + lease, id)
  redis.call('HSET', KEYS[3], id, due[i + 1])
  out[#out + 1] = id
  out[#out + 1] = due[i + 1]
end
return out
";

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX / 4)
}

impl TimerWheel {
    /// True for the Redis wheel (shared by replicas; may be unreachable).
    pub fn is_redis(&self) -> bool {
        matches!(self, TimerWheel::Redis(_))
    }

    pub fn in_process() -> Self {
        TimerWheel::InProcess(Arc::new(Mutex::new(InProcess::default())))
    }

    /// `prefix` namespaces the keys (per deployment, per test).
    pub async fn redis(url: &str, prefix: &str) -> anyhow::Result<Self> {
        let client = redis::Client::open(url)?;
        let conn = client.get_connection_manager().await.map_err(|e| {
            anyhow::anyhow!(e).context(format!("cannot reach Redis at {}", crate::db::redact(url)))
        })?;
        Ok(TimerWheel::Redis(RedisWheel {
            conn,
            due_key: format!("{prefix}timers:due"),
            lease_key: format!("{prefix}timers:leases"),
            claimed_key: format!("{prefix}timers:claimed"),
            epoch_key: format!("{prefix}timers:epoch"),
            claim: Arc::new(Script::new(CLAIM_LUA)),
        }))
    }

    /// The clock replicas of this wheel should share.
    pub fn clock(&self) -> Clock {
        match self {
            TimerWheel::InProcess(_) => Clock::System,
            TimerWheel::Redis(r) => Clock::Redis(r.conn.clone()),
        }
    }

    /// Arms (or re-arms, moving the due time of) each timer.
    pub async fn arm(&self, timers: &[ArmedTimer]) -> anyhow::Result<()> {
        if timers.is_empty() {
            return Ok(());
        }
        match self {
            TimerWheel::InProcess(w) => {
                let mut w = lock(w);
                for t in timers {
                    if let Some(old) = w.due_of.insert(t.id.clone(), t.due_at) {
                        w.due.remove(&(old, t.id.clone()));
                    }
                    w.leased.remove(&t.id);
                    w.due.insert((t.due_at, t.id.clone()));
                }
                Ok(())
            }
            TimerWheel::Redis(r) => {
                let mut conn = r.conn.clone();
                let mut pipe = redis::pipe();
                for chunk in timers.chunks(1_000) {
                    let members: Vec<(i64, &str)> =
                        chunk.iter().map(|t| (t.due_at, t.id.as_str())).collect();
                    pipe.zadd_multiple(&r.due_key, &members).ignore();
                    let ids: Vec<&str> = chunk.iter().map(|t| t.id.as_str()).collect();
                    pipe.zrem(&r.lease_key, &ids).ignore();
                }
                pipe.query_async::<()>(&mut conn).await?;
                Ok(())
            }
        }
    }

    /// Removes a timer that no longer applies (e.g. the inquiry was answered).
    pub async fn disarm(&self, id: &str) -> anyhow::Result<()> {
        match self {
            TimerWheel::InProcess(w) => {
                let mut w = lock(w);
                if let Some(old) = w.due_of.remove(id) {
                    w.due.remove(&(old, id.to_string()));
                }
                w.leased.remove(id);
                Ok(())
            }
            TimerWheel::Redis(r) => {
                let mut conn = r.conn.clone();
                redis::pipe()
                    .zrem(&r.due_key, id)
                    .ignore()
                    .zrem(&r.lease_key, id)
                    .ignore()
                    .hdel(&r.claimed_key, id)
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await?;
                Ok(())
            }
        }
    }

    /// Claims up to `limit` timers due at `now`, leasing them for `lease`.
    pub async fn claim_due(
        &self,
        now: i64,
        limit: usize,
        lease: Duration,
    ) -> anyhow::Result<Vec<Claimed>> {
        match self {
            TimerWheel::InProcess(w) => {
                let mut w = lock(w);
                let expired: Vec<(String, i64)> = w
                    .leased
                    .iter()
                    .filter(|(_, (until, _))| *until <= now)
                    .map(|(id, (_, due))| (id.clone(), *due))
                    .take(limit)
                    .collect();
                for (id, due) in expired {
                    w.leased.remove(&id);
                    w.due_of.insert(id.clone(), due);
                    w.due.insert((due, id));
                }
                let ready: Vec<(i64, String)> = w
                    .due
                    .iter()
                    .take_while(|(d, _)| *d <= now)
                    .take(limit)
                    .cloned()
                    .collect();
                let mut out = Vec::with_capacity(ready.len());
                for (due, id) in ready {
                    w.due.remove(&(due, id.clone()));
                    w.due_of.remove(&id);
                    w.leased.insert(id.clone(), (now + micros(lease), due));
                    out.push(Claimed {
                        id,
                        due_at: due,
                        claimed_at: now,
                    });
                }
                Ok(out)
            }
            TimerWheel::Redis(r) => {
                let mut conn = r.conn.clone();
                let raw: Vec<String> = r
                    .claim
                    .key(&r.due_key)
                    .key(&r.lease_key)
                    .key(&r.claimed_key)
                    .arg(now)
                    .arg(limit)
                    .arg(micros(lease))
                    .invoke_async(&mut conn)
                    .await?;
                Ok(raw
                    .chunks(2)
                    .filter_map(|pair| match pair {
                        [id, due] => Some(Claimed {
                            id: id.clone(),
                            due_at: due.parse::<f64>().map(|d| d as i64).unwrap_or(now),
                            claimed_at: now,
                        }),
                        _ => None,
                    })
                    .collect())
            }
        }
    }

    /// The timer fired and its effect is recorded: drop the lease.
    pub async fn complete(&self, ids: &[String]) -> anyhow::Result<()> {
        if ids.is_empty() {
            return Ok(());
        }
        match self {
            TimerWheel::InProcess(w) => {
                let mut w = lock(w);
                for id in ids {
                    w.leased.remove(id);
                }
                Ok(())
            }
            TimerWheel::Redis(r) => {
                let mut conn = r.conn.clone();
                redis::pipe()
                    .zrem(&r.lease_key, ids)
                    .ignore()
                    .hdel(&r.claimed_key, ids)
                    .ignore()
                    .query_async::<()>(&mut conn)
                    .await?;
                Ok(())
            }
        }
    }

    /// Timers armed and not yet claimed.
    pub async fn armed(&self) -> anyhow::Result<u64> {
        match self {
            TimerWheel::InProcess(w) => Ok(lock(w).due.len() as u64),
            TimerWheel::Redis(r) => {
                let mut conn = r.conn.clone();
                Ok(redis::cmd("ZCARD")
                    .arg(&r.due_key)
                    .query_async(&mut conn)
                    .await?)
            }
        }
    }

    /// True when the wheel lost its state (Redis flushed or replaced, or a fresh process):
    /// every pending deadline must be armed again from the database.
    pub async fn needs_rearm(&self) -> anyhow::Result<bool> {
        match self {
            TimerWheel::InProcess(w) => Ok(!lock(w).epoch),
            TimerWheel::Redis(r) => {
                let mut conn = r.conn.clone();
                let exists: bool = redis::cmd("EXISTS")
                    .arg(&r.epoch_key)
                    .query_async(&mut conn)
                    .await?;
                Ok(!exists)
            }
        }
    }

    /// Records that the wheel holds every pending deadline (after a re-arm).
    pub async fn mark_armed(&self) -> anyhow::Result<()> {
        match self {
            TimerWheel::InProcess(w) => {
                lock(w).epoch = true;
                Ok(())
            }
            TimerWheel::Redis(r) => {
                let mut conn = r.conn.clone();
                redis::cmd("SET")
                    .arg(&r.epoch_key)
                    .arg(crate::time::now_micros())
                    .query_async::<()>(&mut conn)
                    .await?;
                Ok(())
            }
        }
    }
}

/// A poisoned lock only means another thread panicked mid-update of plain collections; the
/// data is still usable, and timers must keep firing.
fn lock(w: &Mutex<InProcess>) -> std::sync::MutexGuard<'_, InProcess> {
    w.lock().unwrap_or_else(|p| p.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(id: &str, due: i64) -> ArmedTimer {
        ArmedTimer {
            id: id.into(),
            due_at: due,
        }
    }

    #[tokio::test]
    async fn in_process_wheel_fires_due_timers_once_and_refires_after_lease_expiry() {
        let w = TimerWheel::in_process();
        w.arm(&[t("a", 100), t("b", 200), t("c", 300)])
            .await
            .expect("arm");
        assert!(
            w.claim_due(50, 10, Duration::from_micros(1_000))
                .await
                .expect("claim")
                .is_empty()
        );
        let got = w
            .claim_due(200, 10, Duration::from_micros(1_000))
            .await
            .expect("claim");
        assert_eq!(
            got.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
            ["a", "b"]
        );
        assert!(
            w.claim_due(250, 10, Duration::from_micros(1_000))
                .await
                .expect("claim")
                .is_empty()
        );
        w.complete(&["a".into()]).await.expect("complete");
        // "b" was never completed: its claimer died; after the lease it is due again.
        let again = w
            .claim_due(1_300, 10, Duration::from_micros(1_000))
            .await
            .expect("claim");
        assert_eq!(
            again
                .iter()
                .map(|c| (c.id.as_str(), c.due_at))
                .collect::<Vec<_>>(),
            [("b", 200), ("c", 300)]
        );
    }

    #[tokio::test]
    async fn rearming_moves_a_timer_and_disarm_removes_it() {
        let w = TimerWheel::in_process();
        w.arm(&[t("a", 100)]).await.expect("arm");
        w.arm(&[t("a", 500)]).await.expect("move");
        assert!(
            w.claim_due(200, 10, Duration::from_secs(1))
                .await
                .expect("claim")
                .is_empty()
        );
        w.disarm("a").await.expect("disarm");
        assert!(
            w.claim_due(600, 10, Duration::from_secs(1))
                .await
                .expect("claim")
                .is_empty()
        );
        assert!(w.needs_rearm().await.expect("epoch"));
        w.mark_armed().await.expect("mark");
        assert!(!w.needs_rearm().await.expect("epoch"));
    }
}

//! The Redis timer wheel behind SLA deadlines: each timer fires on exactly one replica, a
//! replica dying mid-fire loses nothing, and an emptied Redis is detected for re-arming.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::timers::{ArmedTimer, Clock, TimerWheel};
use std::collections::HashSet;
use std::time::Duration;

fn redis_url() -> String {
    std::env::var("FRONTDESK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// A fresh prefix, and the guard that deletes its keys when the test ends (or panics).
fn prefix() -> (String, frontdesk_tests::RedisKeys) {
    let p = frontdesk_tests::redis_test_prefix();
    (p.clone(), frontdesk_tests::RedisKeys(p))
}

async fn wheel(prefix: &str) -> TimerWheel {
    TimerWheel::redis(&redis_url(), prefix)
        .await
        .expect("redis wheel")
}

async fn drop_keys(prefix: &str) {
    let client = redis::Client::open(redis_url()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .expect("keys");
    if !keys.is_empty() {
        let _: () = redis::cmd("DEL")
            .arg(keys)
            .query_async(&mut conn)
            .await
            .expect("del");
    }
}

#[tokio::test]
async fn due_timers_fire_once_and_refire_after_a_dead_claimers_lease() {
    let (p, _cleanup) = prefix();
    let w = wheel(&p).await;
    let (clock, now) = Clock::manual(1_000_000);
    w.arm(&[
        ArmedTimer {
            id: "first-response:1".into(),
            due_at: 2_000_000,
        },
        ArmedTimer {
            id: "resolution:1".into(),
            due_at: 9_000_000,
        },
    ])
    .await
    .expect("arm");
    let lease = Duration::from_secs(5);
    assert!(
        w.claim_due(clock.now().await.expect("now"), 100, lease)
            .await
            .expect("claim")
            .is_empty()
    );

    now.store(2_500_000, std::sync::atomic::Ordering::SeqCst);
    let fired = w
        .claim_due(clock.now().await.expect("now"), 100, lease)
        .await
        .expect("claim");
    assert_eq!(fired.len(), 1);
    assert_eq!(fired[0].id, "first-response:1");
    assert_eq!(fired[0].due_at, 2_000_000);
    assert_eq!(
        fired[0].claimed_at - fired[0].due_at,
        500_000,
        "lateness is measured on the shared clock"
    );
    assert!(
        w.claim_due(2_600_000, 100, lease)
            .await
            .expect("claim")
            .is_empty(),
        "claimed once"
    );

    // The claimer died without completing: after the lease, another replica gets it, with
    // its original due time.
    let other = wheel(&p).await;
    let refired = other
        .claim_due(2_500_000 + 5_000_001, 100, lease)
        .await
        .expect("claim");
    assert_eq!(
        refired.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["first-response:1"]
    );
    assert_eq!(refired[0].due_at, 2_000_000);
    other
        .complete(&[refired[0].id.clone()])
        .await
        .expect("complete");
    assert!(
        other
            .claim_due(30_000_000, 100, lease)
            .await
            .expect("claim")
            .iter()
            .all(|c| c.id != "first-response:1")
    );
}

/// Only the wheel stands between replicas and a double fire here: no database, no
/// conditional update. (The full-stack test in routing_flow.rs cannot catch a Redis double
/// claim, because routing's conditional update of the deadline row refuses the second fire;
/// this test is the one that would.)
#[tokio::test(flavor = "multi_thread", worker_threads = 3)]
async fn three_replicas_claiming_together_fire_each_timer_exactly_once() {
    let (p, _cleanup) = prefix();
    let w = wheel(&p).await;
    let timers: Vec<ArmedTimer> = (0..3_000)
        .map(|i| ArmedTimer {
            id: format!("t{i}"),
            due_at: 1_000 + i,
        })
        .collect();
    w.arm(&timers).await.expect("arm");
    // All three connect first, then start claiming at the same moment.
    let start = std::sync::Arc::new(tokio::sync::Barrier::new(3));
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let replica = wheel(&p).await;
        let start = start.clone();
        tasks.push(tokio::spawn(async move {
            start.wait().await;
            let mut mine = Vec::new();
            loop {
                let got = replica
                    .claim_due(10_000, 10, Duration::from_secs(60))
                    .await
                    .expect("claim");
                if got.is_empty() {
                    break;
                }
                mine.extend(got.into_iter().map(|c| c.id));
                // Let the others in between batches, as replicas on separate hosts would be.
                tokio::task::yield_now().await;
            }
            mine
        }));
    }
    let mut all = Vec::new();
    let mut per_replica = Vec::new();
    for t in tasks {
        let mine = t.await.expect("task");
        per_replica.push(mine.len());
        all.extend(mine);
    }
    let unique: HashSet<&String> = all.iter().collect();
    assert_eq!(all.len(), 3_000, "no timer fired twice");
    assert_eq!(unique.len(), 3_000, "every timer fired");
    assert!(
        per_replica.iter().all(|n| *n > 0),
        "the replicas claimed concurrently, each took some: {per_replica:?}"
    );
}

#[tokio::test]
async fn an_emptied_redis_is_detected_so_deadlines_can_be_rearmed() {
    let (p, _cleanup) = prefix();
    let w = wheel(&p).await;
    assert!(
        w.needs_rearm().await.expect("epoch"),
        "a new wheel must be armed from the database"
    );
    w.arm(&[ArmedTimer {
        id: "x".into(),
        due_at: 5,
    }])
    .await
    .expect("arm");
    w.mark_armed().await.expect("mark");
    assert!(!w.needs_rearm().await.expect("epoch"));
    drop_keys(&p).await; // what FLUSHALL or a replaced Redis does to this deployment's keys
    assert!(w.needs_rearm().await.expect("epoch"));
    assert_eq!(w.armed().await.expect("armed"), 0);
}

#[tokio::test]
async fn redis_time_is_the_shared_clock() {
    let (p, _cleanup) = prefix();
    let w = wheel(&p).await;
    let a = w.clock().now().await.expect("redis time");
    let local = frontdesk_platform::time::now_micros();
    assert!(
        (a - local).abs() < 5_000_000,
        "Redis TIME is a wall clock in micros"
    );
    let b = w.clock().now().await.expect("redis time");
    assert!(b >= a);
}

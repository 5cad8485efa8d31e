//! Outage drills (issue 8): Redis stopped mid-run (writes stay fast, deadlines still fire
//! from the database, health shows the detail), and what routing's events say.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk::app::RedisConfig;
use frontdesk::services::ServiceName;
use frontdesk_platform::auth::Role;
use frontdesk_platform::timers::Clock;
use frontdesk_proto::routing::v1 as rpb;
use frontdesk_tests::{Backend, Env, RoutingClient, create, on_both_backends};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const MINUTE: i64 = 60_000_000;

/// A throwaway redis-server of this test alone, on a free port; stopped by `kill`.
struct OwnRedis {
    child: std::process::Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl OwnRedis {
    /// On a port that was free a moment ago. Another test may take it before redis-server
    /// binds it (then ours exits, and we try another); the server answering is checked to be
    /// ours by its data directory, not just by the port accepting connections.
    async fn start() -> OwnRedis {
        for _ in 0..10 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .expect("free port")
                .local_addr()
                .expect("addr")
                .port();
            let dir = tempfile::tempdir().expect("dir");
            let child = std::process::Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .arg("--dir")
                .arg(dir.path())
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("redis-server on PATH");
            // Owned from here: dropping it kills and reaps the server.
            let mut own = OwnRedis { child, port, dir };
            for _ in 0..100 {
                if let Ok(Some(_)) = own.child.try_wait() {
                    break; // it could not bind: the port was taken meanwhile
                }
                if own.answers().await {
                    return own;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        panic!("own redis-server did not start");
    }

    /// Whether the server on our port is this one (its working directory is ours).
    async fn answers(&self) -> bool {
        let Ok(client) = redis::Client::open(format!("redis://127.0.0.1:{}", self.port)) else {
            return false;
        };
        let Ok(Ok(mut conn)) = tokio::time::timeout(
            Duration::from_millis(500),
            client.get_multiplexed_async_connection(),
        )
        .await
        else {
            return false;
        };
        let dir: Result<Vec<String>, _> = redis::cmd("CONFIG")
            .arg("GET")
            .arg("dir")
            .query_async(&mut conn)
            .await;
        let ours = self.dir.path().canonicalize().ok();
        matches!(dir, Ok(d) if d.get(1).map(std::path::PathBuf::from) == ours)
    }

    fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.kill();
    }
}

async fn assignment_where(
    r: &mut RoutingClient,
    inquiry_id: &str,
    what: &str,
    check: impl Fn(&rpb::Assignment) -> bool,
) -> rpb::Assignment {
    for _ in 0..300 {
        if let Ok(res) = r
            .get_assignment(rpb::GetAssignmentRequest {
                inquiry_id: inquiry_id.into(),
            })
            .await
            && let Some(a) = res.into_inner().assignment
            && check(&a)
        {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("assignment of {inquiry_id} never showed: {what}");
}

async fn health_of(h: &mut HealthClient<tonic::transport::Channel>, service: &str) -> i32 {
    h.check(HealthCheckRequest {
        service: service.into(),
    })
    .await
    .map(|r| r.into_inner().status)
    .unwrap_or(-1)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_stopped_creates_stay_fast_and_deadlines_fire_from_the_database() {
    let env = Env::new(Backend::Postgres).await;
    let mut redis = OwnRedis::start().await;
    let cell = Arc::new(AtomicI64::new(frontdesk_platform::time::now_micros()));
    let mut cfg = env.config();
    cfg.redis = Some(RedisConfig {
        url: format!("redis://127.0.0.1:{}", redis.port),
        prefix: "drill:".into(),
    });
    cfg.clock = Some(Clock::Manual(cell.clone()));
    let app = env.spawn_with(cfg).await;
    let mut amy = app.agent().await;
    let mut r = app
        .routing_as("max", Role::Manager, &[frontdesk_tests::PROPERTY_A])
        .await;
    let before = create(&mut amy, "热水没有了 no hot water").await;
    assignment_where(&mut r, &before.inquiry_id, "routed", |_| true).await;

    redis.kill();
    let mut during = Vec::new();
    for i in 0..10 {
        let started = Instant::now();
        let inq = create(&mut amy, &format!("毛巾不够 need towels {i}")).await;
        let took = started.elapsed();
        assert!(
            took < Duration::from_millis(800),
            "create {i} took {took:?} with Redis down"
        );
        during.push(inq);
    }
    // Routed (the relay reads the database, not Redis) …
    for inq in &during {
        assignment_where(&mut r, &inq.inquiry_id, "routed with Redis down", |_| true).await;
    }
    // … and deadlines fire from the database while the wheel is unreachable.
    cell.fetch_add(10 * MINUTE, Ordering::SeqCst);
    for inq in during.iter().take(3).chain([&before]) {
        assignment_where(&mut r, &inq.inquiry_id, "first response breached", |a| {
            a.fired.iter().any(|f| f == "first_response_breach")
        })
        .await;
    }
    // Health: the services stay SERVING; Redis is a NOT_SERVING detail.
    let mut h = HealthClient::new(app.channel().await);
    let mut redis_status = -1;
    for _ in 0..100 {
        redis_status = health_of(&mut h, frontdesk_platform::health::REDIS_HEALTH).await;
        if redis_status == ServingStatus::NotServing as i32 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(redis_status, ServingStatus::NotServing as i32);
    assert_eq!(health_of(&mut h, "").await, ServingStatus::Serving as i32);
    app.stop().await;
}

async fn wait_health(
    h: &mut HealthClient<tonic::transport::Channel>,
    service: &str,
    want: ServingStatus,
) {
    let mut seen = -1;
    for _ in 0..200 {
        seen = health_of(h, service).await;
        if seen == want as i32 {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("health of {service:?} never became {want:?} (last {seen})");
}

/// A mounted service's database goes away: its health (and the server's) turns NOT_SERVING,
/// and back to SERVING by itself when the database returns.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn health_follows_a_database_that_goes_away_and_comes_back() {
    use sqlx::Connection;
    let env = Env::new(Backend::Postgres).await;
    let app = env.spawn().await;
    let mut h = HealthClient::new(app.channel().await);
    let intake = "frontdesk.intake.v1.IntakeService";
    wait_health(&mut h, intake, ServingStatus::Serving).await;
    let url = env.database_url(ServiceName::intake).to_string();
    let (base, name) = url.rsplit_once('/').expect("db name");
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("admin connection");
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS false"))
        .execute(&mut admin)
        .await
        .expect("block connections");
    sqlx::query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1")
        .bind(name)
        .execute(&mut admin)
        .await
        .expect("terminate backends");
    wait_health(&mut h, intake, ServingStatus::NotServing).await;
    wait_health(&mut h, "", ServingStatus::NotServing).await;
    assert_eq!(
        health_of(&mut h, "frontdesk.routing.v1.RoutingService").await,
        ServingStatus::Serving as i32,
        "routing's own database is fine"
    );
    sqlx::query(&format!("ALTER DATABASE {name} ALLOW_CONNECTIONS true"))
        .execute(&mut admin)
        .await
        .expect("allow connections");
    wait_health(&mut h, intake, ServingStatus::Serving).await;
    wait_health(&mut h, "", ServingStatus::Serving).await;
    let mut amy = app.agent().await;
    create(&mut amy, "恢复了吗 back again?").await;
    let _ = admin.close().await;
    app.stop().await;
}

/// ROUTED carries the first-response due time but no deadline kind: only deadline events do.
async fn routed_events_carry_no_deadline_kind(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut amy = app.agent().await;
    let inq = create(&mut amy, "房间太吵 the room is noisy").await;
    let mut r = app
        .routing_as("max", Role::Manager, &[frontdesk_tests::PROPERTY_A])
        .await;
    assignment_where(&mut r, &inq.inquiry_id, "routed", |_| true).await;
    let db = frontdesk_platform::db::Db::connect(env.database_url(ServiceName::routing), 1)
        .await
        .expect("routing db");
    let events = frontdesk_platform::outbox::read_aggregate(&db, &inq.inquiry_id)
        .await
        .expect("events");
    let routed: Vec<rpb::AssignmentChanged> = events
        .iter()
        .map(|e| {
            <rpb::AssignmentChanged as prost::Message>::decode(e.payload.as_slice())
                .expect("payload")
        })
        .filter(|e| e.change == rpb::AssignmentChange::Routed as i32)
        .collect();
    assert_eq!(routed.len(), 1);
    assert_eq!(routed[0].deadline_kind, "");
    assert!(routed[0].due_at.is_some(), "the due time is still told");
    db.close().await;
    app.stop().await;
}

on_both_backends!(routed_events_carry_no_deadline_kind);

//! The drain on SIGTERM (issue 9): probes see NOT_SERVING first, and an open health Watch
//! (a load balancer's, a probe's) ends instead of holding the shutdown for the whole grace.

use frontdesk_tests::{Backend, Env};
use std::time::{Duration, Instant};
use tokio_stream::StreamExt;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_health_watch_sees_not_serving_and_does_not_hold_the_drain() {
    let env = Env::new(Backend::Sqlite).await;
    let mut cfg = env.config();
    cfg.shutdown_grace = Duration::from_secs(60);
    let app = env.spawn_with(cfg).await;
    let mut health = HealthClient::new(app.channel().await);
    let mut watch = health
        .watch(HealthCheckRequest {
            service: "frontdesk.intake.v1.IntakeService".into(),
        })
        .await
        .expect("watch")
        .into_inner();
    let first = watch.next().await.expect("a status").expect("ok");
    assert_eq!(first.status, ServingStatus::Serving as i32);
    // Unknown names are said so, not left hanging.
    let unknown = health
        .check(HealthCheckRequest {
            service: "frontdesk.nothing.v1.Nothing".into(),
        })
        .await
        .expect_err("not mounted");
    assert_eq!(unknown.code(), tonic::Code::NotFound);

    let started = Instant::now();
    let stopping = tokio::spawn(app.stop());
    let mut statuses = Vec::new();
    while let Some(item) = watch.next().await {
        match item {
            Ok(s) => statuses.push(s.status),
            Err(_) => break,
        }
    }
    assert_eq!(
        statuses.last(),
        Some(&(ServingStatus::NotServing as i32)),
        "{statuses:?}"
    );
    stopping.await.expect("stopped");
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(30),
        "the drain took {took:?} of a 60 s grace"
    );
}

//! Outbox relay → EventSink consumer: at-least-once delivery, applied exactly once, even
//! when the delivering replica is killed mid-delivery.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk::services::ServiceName;
use frontdesk_platform::auth::Authenticator;
use frontdesk_platform::db::Db;
use frontdesk_platform::inbox::{Consumer, EventHandler, EventSinkService};
use frontdesk_platform::relay::Subscriber;
use frontdesk_proto::events::v1::event_sink_server::{EventSink, EventSinkServer};
use frontdesk_proto::events::v1::{DeliverRequest, DeliverResponse, Event};
use frontdesk_tests::{Backend, Env, SECRET, create, on_both_backends};
use sqlx::{Any, Transaction};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::sync::Notify;
use tonic::{Request, Response, Status};

/// The consumer's effect: one row per applied event, in the consumer's own database.
struct Recorder;

#[tonic::async_trait]
impl EventHandler for Recorder {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        sqlx::query("INSERT INTO applied (event_id, sequence) VALUES ($1, $2)")
            .bind(&event.event_id)
            .bind(event.sequence)
            .execute(&mut **tx)
            .await?;
        Ok(())
    }
}

/// Applies every delivery, but never answers the first one: to the relay it is a call in
/// flight when its replica dies.
struct StallFirstAnswer {
    inner: EventSinkService,
    calls: Arc<AtomicUsize>,
    first_applied: Arc<Notify>,
}

#[tonic::async_trait]
impl EventSink for StallFirstAnswer {
    async fn deliver(
        &self,
        req: Request<DeliverRequest>,
    ) -> Result<Response<DeliverResponse>, Status> {
        let n = self.calls.fetch_add(1, Ordering::SeqCst);
        let res = self.inner.deliver(req).await;
        if n == 0 {
            self.first_applied.notify_one();
            std::future::pending::<()>().await;
        }
        res
    }
}

async fn applied_count(db: &Db) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM applied")
        .fetch_one(db.pool())
        .await
        .expect("count")
}

async fn relay_redelivers_after_a_kill_and_the_consumer_applies_once(backend: Backend) {
    // The consumer: its own database with the platform's inbox, and a gRPC EventSink.
    let consumer_env = Env::new(backend).await;
    let consumer_db = Db::connect(consumer_env.database_url(ServiceName::intake), 4)
        .await
        .expect("consumer db");
    consumer_db.migrate(&[]).await.expect("inbox table");
    sqlx::query("CREATE TABLE applied (event_id TEXT PRIMARY KEY, sequence BIGINT NOT NULL)")
        .execute(consumer_db.pool())
        .await
        .expect("applied table");
    let calls = Arc::new(AtomicUsize::new(0));
    let first_applied = Arc::new(Notify::new());
    let sink = StallFirstAnswer {
        inner: EventSinkService::new().consume(
            "consumer",
            "intake",
            Consumer::new(consumer_db.clone(), "test-consumer", Recorder),
        ),
        calls: calls.clone(),
        first_applied: first_applied.clone(),
    };
    let auth = Authenticator::new(SECRET);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let port = listener.local_addr().expect("addr").port();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(EventSinkServer::with_interceptor(sink, move |r| {
                auth.authenticate(r)
            }))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );

    // Intake, delivering to it.
    let env = Env::new(backend).await;
    let mut cfg = env.config();
    cfg.subscribers = vec![Subscriber {
        name: "consumer".into(),
        endpoint: format!("http://127.0.0.1:{port}"),
    }];
    cfg.relay_lease = Duration::from_secs(1);
    // Intake alone: this is about the relay, not about routing's echoes.
    cfg.services.remove(&ServiceName::routing);
    let replica1 = env.spawn_with(cfg.clone()).await;
    let mut c = replica1.agent().await;
    create(&mut c, "Do you have a kids club?").await;
    tokio::time::timeout(Duration::from_secs(10), first_applied.notified())
        .await
        .expect("first delivery applied");
    let applied_before_kill = applied_count(&consumer_db).await;
    assert!(applied_before_kill >= 1);
    replica1.kill(); // dies before the consumer answered: its cursor was never saved

    let replica2 = env.spawn_with(cfg).await;
    let mut c = replica2.agent().await;
    create(&mut c, "Is the pool heated?").await;
    create(&mut c, "能帮我订去机场的车吗？").await;

    let consumer = consumer_db.clone();
    let settled = tokio::time::timeout(Duration::from_secs(20), async move {
        while applied_count(&consumer).await < 3 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(
        settled.is_ok(),
        "every event reaches the consumer after the takeover"
    );
    assert!(
        calls.load(Ordering::SeqCst) >= 2,
        "the stalled batch was delivered again"
    );
    // A later event is the marker: the relay delivers in order, so once it is applied any
    // repeat of the first three would have arrived before it.
    create(&mut c, "Is there a pharmacy nearby?").await;
    let consumer = consumer_db.clone();
    let marker = tokio::time::timeout(Duration::from_secs(20), async move {
        while applied_count(&consumer).await < 4 {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(marker.is_ok(), "the marker event arrived");
    assert_eq!(
        applied_count(&consumer_db).await,
        4,
        "each event applied exactly once"
    );
    let inbox: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE consumer = 'test-consumer'")
            .fetch_one(consumer_db.pool())
            .await
            .expect("inbox");
    assert_eq!(inbox, 4);
    replica2.stop().await;
}

on_both_backends!(relay_redelivers_after_a_kill_and_the_consumer_applies_once);

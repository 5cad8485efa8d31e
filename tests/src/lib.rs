//! Test harness: real servers on port 0, a fresh Postgres database (and Redis key prefix)
//! or a fresh SQLite directory per test, typed gRPC clients with real tokens.

pub mod certs;
pub mod raw;

use frontdesk::app::{AppConfig, Application, RedisConfig};
use frontdesk::services::{ServiceArgs, ServiceName};
use frontdesk_platform::auth::{Authenticator, Role};
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::intake::v1 as pb;
use pb::intake_service_client::IntakeServiceClient;
use sqlx::Connection;
use std::collections::BTreeMap;
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

pub use frontdesk_proto::intake::v1 as intake_pb;

pub const SECRET: &[u8] = b"test-secret";
pub const PROPERTY_A: &str = "sh-bund";
pub const PROPERTY_B: &str = "bj-wfj";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn postgres_base() -> String {
    std::env::var("FRONTDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn redis_url() -> String {
    std::env::var("FRONTDESK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// `FRONTDESK_TEST_RUN` (letters and digits, e.g. set by `.ci/run`) names this run in every
/// database and Redis prefix, as `fdtest_<run>_…`, so a run can clean up after itself
/// without touching a concurrent run's.
fn run_tag() -> String {
    let run: String = std::env::var("FRONTDESK_TEST_RUN")
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_lowercase())
        .take(20)
        .collect();
    if run.is_empty() {
        run
    } else {
        format!("{run}_")
    }
}

/// Storage shared by the replicas of one test: a database per service (each service owns
/// its own), and a Redis key prefix on Postgres.
pub struct Env {
    pub backend: Backend,
    pub databases: BTreeMap<ServiceName, String>,
    pub redis: Option<RedisConfig>,
    _dir: Option<tempfile::TempDir>,
}

/// Each test leaves nothing behind: its Postgres databases are dropped and its Redis keys
/// deleted when its `Env` goes (also when the test panics). Drop cannot await, so the
/// cleanup runs on a thread with its own runtime; it never panics (a panic while unwinding
/// would abort the whole test binary) and only warns when something is left.
impl Drop for Env {
    fn drop(&mut self) {
        if self.backend != Backend::Postgres {
            return; // the temp dir removes itself
        }
        let databases: Vec<String> = self
            .databases
            .values()
            .filter_map(|url| url.rsplit('/').next().map(str::to_string))
            .collect();
        let redis = self.redis.clone();
        let cleanup = std::thread::spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => return eprintln!("test cleanup: no runtime: {e}"),
            };
            rt.block_on(async move {
                if let Err(e) = drop_databases(&databases).await {
                    eprintln!("test cleanup: databases {databases:?} left behind: {e}");
                }
                if let Some(r) = redis
                    && let Err(e) = delete_redis_keys(&r.url, &r.prefix).await
                {
                    eprintln!("test cleanup: Redis keys {}* left behind: {e}", r.prefix);
                }
            });
        });
        let _ = cleanup.join();
    }
}

async fn drop_databases(names: &[String]) -> anyhow::Result<()> {
    // One connection each, all at once: each DROP waits for a checkpoint, and concurrent
    // ones share it.
    let drops = names.iter().map(|db| async move {
        let mut admin =
            sqlx::AnyConnection::connect(&format!("{}/postgres", postgres_base())).await?;
        // FORCE: a killed replica's pool may still hold connections.
        sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
            .execute(&mut admin)
            .await?;
        let _ = admin.close().await;
        anyhow::Ok(())
    });
    for res in futures::future::join_all(drops).await {
        res?;
    }
    Ok(())
}

/// A fresh Redis key prefix of this run, for tests that use Redis without an [`Env`].
pub fn redis_test_prefix() -> String {
    format!(
        "fdtest:fdtest_{}{}:",
        run_tag(),
        uuid::Uuid::new_v4().simple()
    )
}

/// Deletes the keys under its prefix when dropped (also when the test panics).
pub struct RedisKeys(pub String);

impl Drop for RedisKeys {
    fn drop(&mut self) {
        let prefix = self.0.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return;
            };
            if let Err(e) = rt.block_on(delete_redis_keys(&redis_url(), &prefix)) {
                eprintln!("test cleanup: Redis keys {prefix}* left behind: {e}");
            }
        });
        let _ = cleanup.join();
    }
}

/// Deletes every key under `prefix` (SCAN, not KEYS: other tests share this Redis).
pub async fn delete_redis_keys(url: &str, prefix: &str) -> anyhow::Result<()> {
    let client = redis::Client::open(url)?;
    let mut conn = client.get_multiplexed_async_connection().await?;
    let mut cursor: u64 = 0;
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(format!("{prefix}*"))
            .arg("COUNT")
            .arg(1000)
            .query_async(&mut conn)
            .await?;
        if !keys.is_empty() {
            let _: () = redis::cmd("DEL").arg(keys).query_async(&mut conn).await?;
        }
        if next == 0 {
            return Ok(());
        }
        cursor = next;
    }
}

impl Env {
    pub async fn new(backend: Backend) -> Env {
        frontdesk_platform::telemetry::init_for_tests();
        sqlx::any::install_default_drivers();
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().expect("temp dir");
                let databases = ServiceName::ALL
                    .iter()
                    .map(|&s| (s, format!("sqlite://{}/{s}.db", dir.path().display())))
                    .collect();
                Env {
                    backend,
                    databases,
                    redis: None,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => {
                // Postgres truncates identifiers to 63 bytes, and a truncated name no longer
                // matches what the tests look up by it: fdtest_ (7) + run tag (≤ 21) + 24 hex
                // (96 random bits) + _ + service (≤ 9) = at most 62.
                let unique = uuid::Uuid::new_v4().simple().to_string();
                let name = format!("fdtest_{}{}", run_tag(), &unique[..24]);
                let mut admin =
                    sqlx::AnyConnection::connect(&format!("{}/postgres", postgres_base()))
                        .await
                        .expect("cannot reach Postgres for tests (FRONTDESK_TEST_POSTGRES)");
                let mut databases = BTreeMap::new();
                for &s in ServiceName::ALL {
                    let db = format!("{name}_{s}");
                    assert!(
                        db.len() <= 63,
                        "database name {db} is longer than Postgres keeps"
                    );
                    sqlx::query(&format!("CREATE DATABASE {db}"))
                        .execute(&mut admin)
                        .await
                        .expect("create test database");
                    databases.insert(s, format!("{}/{db}", postgres_base()));
                }
                let _ = admin.close().await;
                Env {
                    backend,
                    databases,
                    redis: Some(RedisConfig {
                        url: redis_url(),
                        prefix: format!("fdtest:{name}:"),
                    }),
                    _dir: None,
                }
            }
        }
    }

    /// The database of `service`.
    pub fn database_url(&self, service: ServiceName) -> &str {
        &self.databases[&service]
    }

    /// Every service in one process (as `frontdesk dev`), on this environment's storage.
    pub fn config(&self) -> AppConfig {
        let mut args = ServiceArgs::default();
        args.routing.db_max_connections = 4;
        args.routing.sla_tick_ms = 20;
        args.intake.db_max_connections = 8;
        AppConfig {
            listen: "127.0.0.1:0".parse().expect("addr"),
            properties: vec![PROPERTY_A.into(), PROPERTY_B.into()],
            services: self.databases.clone(),
            args,
            redis: self.redis.clone(),
            auth: Authenticator::new(SECRET),
            shutdown_grace: Duration::from_secs(5),
            relay_lease: Duration::from_secs(2),
            subscribers: Vec::new(),
            peers: BTreeMap::new(),
            clock: None,
            outbox_retention: Duration::from_secs(7 * 24 * 3600),
            db_acquire_timeout: frontdesk_platform::db::DEFAULT_ACQUIRE_TIMEOUT,
            prune_every: Duration::from_secs(600),
            tls: None,
        }
    }

    /// Starts a replica on this environment's storage.
    pub async fn spawn(&self) -> TestApp {
        self.spawn_with(self.config()).await
    }

    /// A replica running intake alone: for tests of intake's own streams, where routing's
    /// projection updates would interleave.
    pub async fn spawn_intake_only(&self) -> TestApp {
        let mut cfg = self.config();
        cfg.services.retain(|&s, _| s == ServiceName::intake);
        self.spawn_with(cfg).await
    }

    pub async fn spawn_with(&self, cfg: AppConfig) -> TestApp {
        self.try_spawn_with(cfg).await.expect("application builds")
    }

    /// As [`Env::spawn_with`], but a failure to start (e.g. its fixed port was taken) is
    /// the caller's to handle.
    pub async fn try_spawn_with(&self, cfg: AppConfig) -> anyhow::Result<TestApp> {
        let app = Application::build(cfg).await?;
        let port = app.port();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let handle = tokio::spawn(app.run_until(async move {
            let _ = stop_rx.await;
        }));
        Ok(TestApp {
            port,
            stop: Some(stop_tx),
            handle: Some(handle),
        })
    }
}

pub struct TestApp {
    pub port: u16,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
}

pub use frontdesk_platform::client::Bearer;

pub type Client = IntakeServiceClient<InterceptedService<Channel, Bearer>>;
pub type RoutingClient = frontdesk_proto::routing::v1::routing_service_client::RoutingServiceClient<
    InterceptedService<Channel, Bearer>,
>;

pub fn token(subject: &str, role: Role, properties: &[&str]) -> String {
    let props: Vec<String> = properties.iter().map(|p| p.to_string()).collect();
    Authenticator::new(SECRET)
        .issue(subject, role, &props, Duration::from_secs(3600))
        .expect("token")
}

impl TestApp {
    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub async fn channel(&self) -> Channel {
        tonic::transport::Endpoint::from_shared(self.endpoint())
            .expect("endpoint")
            .connect()
            .await
            .expect("connect to test server")
    }

    pub async fn client_with_token(&self, token: Option<String>) -> Client {
        let bearer = match token {
            Some(t) => Bearer::new(&t).expect("ascii token"),
            None => Bearer::none(),
        };
        IntakeServiceClient::with_interceptor(self.channel().await, bearer)
    }

    pub async fn routing_as(
        &self,
        subject: &str,
        role: Role,
        properties: &[&str],
    ) -> RoutingClient {
        frontdesk_proto::routing::v1::routing_service_client::RoutingServiceClient::with_interceptor(
            self.channel().await,
            Bearer::new(&token(subject, role, properties)).expect("ascii token"),
        )
    }

    /// An agent of property A.
    pub async fn agent(&self) -> Client {
        self.client_as("amy", Role::Agent, &[PROPERTY_A]).await
    }

    pub async fn client_as(&self, subject: &str, role: Role, properties: &[&str]) -> Client {
        self.client_with_token(Some(token(subject, role, properties)))
            .await
    }

    /// Graceful stop (as on SIGTERM); waits for the drain.
    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(h) = self.handle.take() {
            h.await.expect("app task").expect("app stops cleanly");
        }
    }

    /// Abrupt stop, as if the process were killed: nothing drains.
    pub fn kill(mut self) {
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(h) = self.handle.take() {
            h.abort();
        }
    }
}

/// A valid CreateInquiry for property A with a fresh idempotency key.
pub fn new_inquiry(text: &str) -> pb::CreateInquiryRequest {
    pb::CreateInquiryRequest {
        property_id: PROPERTY_A.into(),
        channel: common::Channel::Hotline as i32,
        customer: Some(pb::Customer {
            name: "王芳".into(),
            phone: "+86 138 0013 8000".into(),
            email: String::new(),
            social_handle: String::new(),
            preferred_reply: 0,
        }),
        text: text.into(),
        reservation_ref: String::new(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        wait_for_routing: None,
    }
}

pub async fn create(client: &mut Client, text: &str) -> pb::Inquiry {
    client
        .create_inquiry(new_inquiry(text))
        .await
        .expect("create inquiry")
        .into_inner()
        .inquiry
        .expect("inquiry in response")
}

/// Runs each listed `async fn name(backend: Backend)` once on SQLite and once on Postgres +
/// Redis: the same behaviour suite on both backends.
#[macro_export]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Sqlite).await
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    super::$name($crate::Backend::Postgres).await
                }
            )+
        }
    };
}

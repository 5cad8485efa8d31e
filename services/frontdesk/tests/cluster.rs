//! Cluster mode, end to end (issue 13): every service runs as its own `frontdesk serve`
//! process — two replicas each of intake and routing — on its own Postgres database and the
//! shared Redis, configured as the Kubernetes manifests configure them (`*_FILE` secrets,
//! `--subscribers`, `--peers`). One inquiry lives its whole life through the public gRPC API
//! (create → routed and assigned → respond → feedback → KPI report); then a load of
//! creates runs while one intake and one routing replica are killed with SIGKILL and
//! restarted, and afterwards every acknowledged inquiry exists once, is routed once, and is
//! counted once by analytics.
//!
//! Addresses: each service name points at one replica (`routing=http://<routing-b>`), as a
//! headless Service name would when DNS returns one pod. The subscriber addresses name the
//! replicas that are killed, so the kill can catch a consumer applying a batch of events;
//! they come back on the same address, as a Kubernetes container restarted in its pod does.
//! Peers (synchronous calls) name the replicas that stay up.

// The drill reads top to bottom, as an SRE would run it.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::client::Bearer;
use frontdesk_proto::analytics::v1 as apb;
use frontdesk_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::intake::v1 as pb;
use frontdesk_proto::intake::v1::intake_service_client::IntakeServiceClient;
use frontdesk_proto::knowledge::v1 as kpb;
use frontdesk_proto::knowledge::v1::knowledge_service_client::KnowledgeServiceClient;
use frontdesk_proto::routing::v1 as rpb;
use frontdesk_proto::routing::v1::routing_service_client::RoutingServiceClient;
use futures::StreamExt;
use sqlx::Connection;
use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::io::Write;
use std::os::unix::process::ExitStatusExt;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;

const BIN: &str = env!("CARGO_BIN_EXE_frontdesk");
const PROPERTY: &str = "sh-bund";
const SERVICES: [&str; 5] = ["intake", "routing", "messaging", "knowledge", "analytics"];
/// Creates in the drill, and how many callers send them at once.
const LOAD: usize = 300;
const WORKERS: usize = 8;
/// Seconds a relay lease lasts: short, so the surviving replica takes delivery over soon.
const RELAY_LEASE_SECS: u64 = 3;

type Intake = IntakeServiceClient<InterceptedService<Channel, Bearer>>;
type Routing = RoutingServiceClient<InterceptedService<Channel, Bearer>>;
type Knowledge = KnowledgeServiceClient<InterceptedService<Channel, Bearer>>;
type Analytics = AnalyticsServiceClient<InterceptedService<Channel, Bearer>>;

fn postgres_base() -> String {
    std::env::var("FRONTDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into())
}

fn redis_url() -> String {
    std::env::var("FRONTDESK_TEST_REDIS").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// As tests/src/lib.rs (which this package cannot use: it depends on this one): storage is
/// named `fdtest_<run>_…` after `FRONTDESK_TEST_RUN`, so `.ci/run` can drop what a killed
/// run leaves.
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

/// A Postgres database per service and a Redis key prefix, dropped when this goes (also
/// when the test panics).
struct Storage {
    databases: BTreeMap<&'static str, String>,
    redis_prefix: String,
}

impl Storage {
    async fn create() -> Storage {
        // fdtest_ (7) + run tag (≤ 21) + 24 hex + _ + service (≤ 9) ≤ 62 < 63, Postgres' limit.
        let unique = uuid::Uuid::new_v4().simple().to_string();
        let name = format!("fdtest_{}{}", run_tag(), &unique[..24]);
        let mut storage = Storage {
            databases: BTreeMap::new(),
            redis_prefix: format!("fdtest:{name}:"),
        };
        let mut admin = sqlx::PgConnection::connect(&format!("{}/postgres", postgres_base()))
            .await
            .expect("cannot reach Postgres for tests (FRONTDESK_TEST_POSTGRES)");
        for service in SERVICES {
            let db = format!("{name}_{service}");
            assert!(
                db.len() <= 63,
                "database name {db} is longer than Postgres keeps"
            );
            sqlx::query(&format!("CREATE DATABASE {db}"))
                .execute(&mut admin)
                .await
                .expect("create test database");
            storage
                .databases
                .insert(service, format!("{}/{db}", postgres_base()));
        }
        let _ = admin.close().await;
        storage
    }

    fn url(&self, service: &str) -> &str {
        &self.databases[service]
    }
}

impl Drop for Storage {
    /// Drop cannot await: the cleanup runs on a thread with its own runtime, and only warns.
    fn drop(&mut self) {
        let names: Vec<String> = self
            .databases
            .values()
            .filter_map(|url| url.rsplit('/').next().map(str::to_string))
            .collect();
        let prefix = self.redis_prefix.clone();
        let cleanup = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            else {
                return eprintln!("cluster test cleanup: no runtime");
            };
            rt.block_on(async move {
                // All at once: each DROP waits for a checkpoint, and concurrent ones share it.
                let drops = names.iter().map(|db| async move {
                    let dropped = async {
                        let mut admin =
                            sqlx::PgConnection::connect(&format!("{}/postgres", postgres_base()))
                                .await?;
                        // FORCE: a killed replica's connections may linger a moment.
                        sqlx::query(&format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)"))
                            .execute(&mut admin)
                            .await?;
                        admin.close().await
                    };
                    if let Err(e) = dropped.await {
                        eprintln!("cluster test cleanup: database {db} left behind: {e}");
                    }
                });
                futures::future::join_all(drops).await;
                if let Err(e) = delete_redis_keys(&prefix).await {
                    eprintln!("cluster test cleanup: Redis keys {prefix}* left behind: {e}");
                }
            });
        });
        let _ = cleanup.join();
    }
}

async fn delete_redis_keys(prefix: &str) -> anyhow::Result<()> {
    let client = redis::Client::open(redis_url())?;
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

/// Ports for the replicas, chosen before any starts (each is told the others' addresses).
/// They come from below the kernel's ephemeral range (32768 and up), so no outgoing
/// connection of a concurrent test takes one while a killed replica is down; each was free
/// a moment ago.
fn fixed_ports(n: usize) -> Vec<u16> {
    let mut ports = Vec::new();
    while ports.len() < n {
        let random = uuid::Uuid::new_v4().as_u128();
        let port = 20_000 + (random % 12_000) as u16;
        if !ports.contains(&port) && std::net::TcpListener::bind(("127.0.0.1", port)).is_ok() {
            ports.push(port);
        }
    }
    ports
}

/// Settings a developer's shell might carry: every process gets exactly its command line.
fn clean_env(cmd: &mut Command) -> &mut Command {
    for (key, _) in std::env::vars() {
        if key.starts_with("FRONTDESK_")
            || key.starts_with("OTEL_")
            || key == "RUST_LOG"
            || key.ends_with("_BACKTRACE")
        {
            cmd.env_remove(key);
        }
    }
    cmd
}

/// One `frontdesk serve <service>` process; its output goes to a log file (printed when the
/// test fails). Dropping it kills the process.
struct Proc {
    /// e.g. "intake-b"
    name: String,
    service: &'static str,
    port: u16,
    args: Vec<String>,
    env: Vec<(String, PathBuf)>,
    log: PathBuf,
    child: Option<Child>,
}

impl Proc {
    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let mut log = File::options()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let _ = writeln!(log, "=== {} {}", BIN, self.args.join(" "));
        let mut cmd = Command::new(BIN);
        clean_env(&mut cmd)
            .args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("log file"))
            .stderr(log);
        self.child = Some(cmd.spawn().expect("frontdesk serve starts"));
    }

    /// SIGKILL: no drain, no lease released, whatever was in flight is cut off.
    fn kill9(&mut self) -> ExitStatus {
        let mut child = self.child.take().expect("running");
        child.kill().expect("SIGKILL");
        child.wait().expect("reaped")
    }

    fn exited(&mut self) -> Option<ExitStatus> {
        self.child
            .as_mut()
            .and_then(|c| c.try_wait().ok().flatten())
    }

    fn tail(&self, lines: usize) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let all: Vec<&str> = text.lines().collect();
        // Long lines (a cause chain) are cut: the tail is for finding the failure.
        all[all.len().saturating_sub(lines)..]
            .iter()
            .map(|l| l.chars().take(600).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Until the process's own service answers SERVING on the gRPC health service (what
    /// the Kubernetes readiness probe asks); `Err` with its output when it exited instead.
    async fn wait_serving(&mut self) -> Result<(), String> {
        let health_name = format!(
            "frontdesk.{0}.v1.{1}Service",
            self.service,
            capitalized(self.service)
        );
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            if let Some(status) = self.exited() {
                self.child = None;
                return Err(format!(
                    "{} exited with {status} while starting:\n{}",
                    self.name,
                    self.tail(40)
                ));
            }
            if let Ok(channel) = Endpoint::from_shared(self.endpoint())
                .expect("endpoint")
                .connect()
                .await
                && let Ok(res) = HealthClient::new(channel)
                    .check(HealthCheckRequest {
                        service: health_name.clone(),
                    })
                    .await
                && res.into_inner().status == ServingStatus::Serving as i32
            {
                return Ok(());
            }
            assert!(
                Instant::now() < deadline,
                "{} was not SERVING {health_name} within 60 s:\n{}",
                self.name,
                self.tail(40)
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_ascii_uppercase().to_string() + c.as_str())
        .unwrap_or_default()
}

/// The seven processes, their storage and their files. Fields drop in order: processes
/// first, then the files, then the databases.
struct Cluster {
    procs: BTreeMap<&'static str, Proc>,
    dir: tempfile::TempDir,
    storage: Storage,
}

impl Drop for Cluster {
    fn drop(&mut self) {
        if std::thread::panicking() {
            for p in self.procs.values() {
                eprintln!(
                    "\n----- {} (last lines of {}) -----\n{}",
                    p.name,
                    p.log.display(),
                    p.tail(30)
                );
            }
        }
    }
}

/// The replicas as `(name, service)`.
const REPLICAS: [(&str, &str); 7] = [
    ("intake-a", "intake"),
    ("intake-b", "intake"),
    ("routing-a", "routing"),
    ("routing-b", "routing"),
    ("messaging", "messaging"),
    ("knowledge", "knowledge"),
    ("analytics", "analytics"),
];

/// `(service, replica)`: the service's name points at that replica.
type Links = &'static [(&'static str, &'static str)];

/// Who talks to whom, per service: its subscribers and its peers, as in the k8s
/// ConfigMaps. Events go to the replicas that get killed (`-b`), calls to the others.
fn wiring(service: &str) -> (Links, Links) {
    match service {
        "intake" => (&[("routing", "routing-b"), ("analytics", "analytics")], &[]),
        "routing" => (
            &[("intake", "intake-b"), ("analytics", "analytics")],
            &[("intake", "intake-a")],
        ),
        "messaging" => (&[("intake", "intake-b"), ("analytics", "analytics")], &[]),
        "knowledge" => (&[("analytics", "analytics")], &[("intake", "intake-a")]),
        _ => (&[], &[("intake", "intake-a"), ("routing", "routing-a")]),
    }
}

impl Cluster {
    /// Storage, secrets as files, migrations (`frontdesk migrate`, as the init container
    /// runs it); no process started yet.
    async fn prepare(secret: &str) -> Cluster {
        let storage = Storage::create().await;
        let dir = tempfile::tempdir().expect("temp dir");
        std::fs::write(dir.path().join("jwt-secret"), secret).expect("secret file");
        let ports = fixed_ports(REPLICAS.len());
        let port_of: BTreeMap<&str, u16> = REPLICAS
            .iter()
            .zip(&ports)
            .map(|((name, _), &p)| (*name, p))
            .collect();
        let addresses = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(service, replica)| {
                    format!("{service}=http://127.0.0.1:{}", port_of[replica])
                })
                .collect::<Vec<_>>()
                .join(",")
        };
        let mut procs = BTreeMap::new();
        for (name, service) in REPLICAS {
            let url_file = dir.path().join(format!("{service}-database-url"));
            std::fs::write(&url_file, storage.url(service)).expect("url file");
            let (subscribers, peers) = wiring(service);
            let mut args: Vec<String> = [
                "serve",
                service,
                "--listen",
                &format!("127.0.0.1:{}", port_of[name]),
                "--metrics-addr",
                "127.0.0.1:0",
                "--redis-url",
                &redis_url(),
                "--redis-prefix",
                &storage.redis_prefix,
                "--properties",
                PROPERTY,
                "--relay-lease-secs",
                &RELAY_LEASE_SECS.to_string(),
                "--shutdown-grace-secs",
                "2",
                // Seven processes share this machine's Postgres with the other tests.
                &format!("--{service}-db-max-connections"),
                "4",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect();
            if !subscribers.is_empty() {
                args.extend(["--subscribers".to_string(), addresses(subscribers)]);
            }
            if !peers.is_empty() {
                args.extend(["--peers".to_string(), addresses(peers)]);
            }
            procs.insert(
                name,
                Proc {
                    name: name.to_string(),
                    service,
                    port: port_of[name],
                    args,
                    env: vec![
                        ("FRONTDESK_DATABASE_URL_FILE".into(), url_file),
                        (
                            "FRONTDESK_JWT_SECRET_FILE".into(),
                            dir.path().join("jwt-secret"),
                        ),
                    ],
                    log: dir.path().join(format!("{name}.log")),
                    child: None,
                },
            );
        }
        let cluster = Cluster {
            procs,
            dir,
            storage,
        };
        for service in SERVICES {
            let out = Command::new(BIN)
                .args(["migrate", service])
                .env(
                    "FRONTDESK_DATABASE_URL_FILE",
                    cluster.dir.path().join(format!("{service}-database-url")),
                )
                .output()
                .expect("frontdesk migrate runs");
            assert!(
                out.status.success(),
                "frontdesk migrate {service}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        cluster
    }

    fn proc(&mut self, name: &str) -> &mut Proc {
        self.procs.get_mut(name).expect("replica")
    }

    async fn start(&mut self, names: &[&str]) {
        for name in names {
            self.proc(name).spawn();
        }
        for name in names {
            let mut tries = 0;
            while let Err(e) = self.proc(name).wait_serving().await {
                // Its address is fixed (the others were told it): when something else held
                // the port a moment, try again; anything else is a failure.
                tries += 1;
                assert!(e.contains("in use") && tries < 25, "{e}");
                tokio::time::sleep(Duration::from_millis(200)).await;
                self.proc(name).spawn();
            }
        }
    }

    fn endpoint(&self, name: &str) -> String {
        self.procs[name].endpoint()
    }

    /// A token as an operator mints it: `frontdesk token` with the shared secret.
    fn token(&self, subject: &str, role: &str) -> Bearer {
        let out = Command::new(BIN)
            .args([
                "token",
                "--subject",
                subject,
                "--role",
                role,
                "--property",
                PROPERTY,
                "--ttl-hours",
                "1",
            ])
            .env(
                "FRONTDESK_JWT_SECRET",
                std::fs::read_to_string(self.dir.path().join("jwt-secret")).expect("secret"),
            )
            .output()
            .expect("frontdesk token runs");
        assert!(
            out.status.success(),
            "frontdesk token: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Bearer::new(String::from_utf8_lossy(&out.stdout).trim()).expect("ascii token")
    }

    fn channel(&self, name: &str) -> Channel {
        Endpoint::from_shared(self.endpoint(name))
            .expect("endpoint")
            .tcp_nodelay(true)
            .connect_timeout(Duration::from_secs(2))
            .connect_lazy()
    }

    fn intake(&self, name: &str, as_: &Bearer) -> Intake {
        IntakeServiceClient::with_interceptor(self.channel(name), as_.clone())
    }

    fn routing(&self, name: &str, as_: &Bearer) -> Routing {
        RoutingServiceClient::with_interceptor(self.channel(name), as_.clone())
    }

    fn knowledge(&self, as_: &Bearer) -> Knowledge {
        KnowledgeServiceClient::with_interceptor(self.channel("knowledge"), as_.clone())
    }

    fn analytics(&self, as_: &Bearer) -> Analytics {
        AnalyticsServiceClient::with_interceptor(self.channel("analytics"), as_.clone())
    }

    /// Relay lease holders of `service`'s outbox: subscriber → owner (a replica's relay id).
    async fn lease_owners(&self, service: &str) -> BTreeMap<String, String> {
        let mut db = sqlx::PgConnection::connect(self.storage.url(service))
            .await
            .expect("connect");
        let rows: Vec<(String, String)> =
            sqlx::query_as("SELECT subscriber, lease_owner FROM outbox_cursors")
                .fetch_all(&mut db)
                .await
                .expect("cursors");
        let _ = db.close().await;
        rows.into_iter().filter(|(_, o)| !o.is_empty()).collect()
    }

    /// Until `service`'s relays to `subscribers` hold their leases; the holders.
    async fn leases_held(&self, service: &str, subscribers: usize) -> BTreeMap<String, String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let owners = self.lease_owners(service).await;
            if owners.len() == subscribers {
                return owners;
            }
            assert!(
                Instant::now() < deadline,
                "{service}'s relays took no lease: {owners:?}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Cluster {
    /// Subscribers of `service` whose delivery cursor is behind its outbox's head.
    async fn undelivered(&self, service: &str) -> Vec<String> {
        let mut db = sqlx::PgConnection::connect(self.storage.url(service))
            .await
            .expect("connect");
        let rows: Vec<(String, i64, i64)> = sqlx::query_as(
            "SELECT c.subscriber, c.delivered_up_to, h.value FROM outbox_cursors c, \
             outbox_counter h WHERE h.name = 'outbox' AND c.delivered_up_to < h.value",
        )
        .fetch_all(&mut db)
        .await
        .expect("cursors");
        let _ = db.close().await;
        rows.into_iter()
            .map(|(sub, at, head)| format!("{service}→{sub} at {at} of {head}"))
            .collect()
    }
}

/// Polls `check` every 100 ms until it returns `Ok`, for at most `secs` seconds.
async fn eventually<T, F, Fut>(what: &str, secs: u64, mut check: F) -> T
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, String>>,
{
    let deadline = Instant::now() + Duration::from_secs(secs);
    loop {
        match check().await {
            Ok(v) => return v,
            Err(last) => assert!(
                Instant::now() < deadline,
                "{what}: not within {secs} s; last: {last}"
            ),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

fn inquiry_request(channel: common::Channel, text: &str, key: &str) -> pb::CreateInquiryRequest {
    pb::CreateInquiryRequest {
        property_id: PROPERTY.into(),
        channel: channel as i32,
        customer: Some(pb::Customer {
            name: "王芳".into(),
            phone: "+86 138 0013 8000".into(),
            email: "wang.fang@example.com".into(),
            social_handle: String::new(),
            preferred_reply: 0,
        }),
        text: text.into(),
        reservation_ref: String::new(),
        idempotency_key: key.into(),
        wait_for_routing: None,
    }
}

fn report_request() -> apb::GetKpiReportRequest {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    apb::GetKpiReportRequest {
        property_id: PROPERTY.into(),
        from_time: Some(prost_types::Timestamp {
            seconds: now - 3600,
            nanos: 0,
        }),
        to_time: Some(prost_types::Timestamp {
            seconds: now + 3600,
            nanos: 0,
        }),
        group_by: apb::GroupBy::Unspecified as i32,
    }
}

async fn kpis(a: &mut Analytics) -> Result<apb::Kpis, String> {
    a.get_kpi_report(report_request())
        .await
        .map_err(|s| format!("{s:?}"))?
        .into_inner()
        .total
        .ok_or_else(|| "no total".to_string())
}

/// GetInquiry, waiting out the per-caller rate limit as its RetryInfo asks.
async fn get_inquiry(mut c: Intake, id: &str) -> pb::GetInquiryResponse {
    loop {
        match c
            .get_inquiry(pb::GetInquiryRequest {
                inquiry_id: id.into(),
            })
            .await
        {
            Ok(res) => return res.into_inner(),
            Err(s) if s.code() == Code::ResourceExhausted => {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
            Err(s) => panic!("get inquiry {id}: {s:?}"),
        }
    }
}

/// Every inquiry of the property, following the pages.
async fn all_inquiries(c: &mut Intake) -> Result<Vec<pb::Inquiry>, String> {
    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = c
            .list_inquiries(pb::ListInquiriesRequest {
                property_ids: vec![PROPERTY.into()],
                page_size: 500,
                page_token,
                ..Default::default()
            })
            .await
            .map_err(|s| format!("{s:?}"))?
            .into_inner();
        all.extend(page.inquiries);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        page_token = page.next_page_token;
    }
}

/// Every assignment of the property, resolved ones too, following the pages.
async fn all_assignments(r: &mut Routing) -> Result<Vec<rpb::Assignment>, String> {
    let mut all = Vec::new();
    let mut page_token = String::new();
    loop {
        let page = r
            .list_assignments(rpb::ListAssignmentsRequest {
                property_id: PROPERTY.into(),
                include_resolved: true,
                page_size: 200,
                page_token,
                ..Default::default()
            })
            .await
            .map_err(|s| format!("{s:?}"))?
            .into_inner();
        all.extend(page.assignments);
        if page.next_page_token.is_empty() {
            return Ok(all);
        }
        page_token = page.next_page_token;
    }
}

/// What the load saw: the inquiry each acknowledged create returned, and the failures it
/// retried through.
#[derive(Default)]
struct LoadOutcome {
    acknowledged: BTreeMap<usize, String>,
    /// Acknowledged as a replay (`created = false`): the first attempt had committed on the
    /// replica that was killed before it could answer.
    replayed: usize,
    retries: BTreeMap<String, usize>,
}

/// Creates `LOAD` inquiries with `WORKERS` concurrent callers, alternating between the two
/// intake replicas; a failed call is retried against the other replica with the same
/// idempotency key, as a client that balances over a headless Service would.
fn spawn_load(
    intakes: [Intake; 2],
    run: &str,
    done: Arc<AtomicUsize>,
    outcome: Arc<Mutex<LoadOutcome>>,
) -> Vec<tokio::task::JoinHandle<()>> {
    let next = Arc::new(AtomicUsize::new(0));
    (0..WORKERS)
        .map(|_| {
            let (intakes, next, done, outcome) =
                (intakes.clone(), next.clone(), done.clone(), outcome.clone());
            let key_prefix = format!("drill-{run}");
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= LOAD {
                        return;
                    }
                    // E-mail: answered within the hour, so no SLA timer fires while the
                    // test runs and each assignment stays at its first version.
                    let req = inquiry_request(
                        common::Channel::Email,
                        &format!("请问早餐几点开始？(drill {i})"),
                        &format!("{key_prefix}-{i}"),
                    );
                    let mut target = i % 2;
                    let mut attempts = 0;
                    let res = loop {
                        let mut call = tonic::Request::new(req.clone());
                        call.set_timeout(Duration::from_secs(10));
                        match intakes[target].clone().create_inquiry(call).await {
                            Ok(res) => break res.into_inner(),
                            Err(s) if retryable(s.code()) => {
                                attempts += 1;
                                assert!(attempts < 100, "create {i}: still failing: {s:?}");
                                if let Ok(mut o) = outcome.lock() {
                                    *o.retries.entry(format!("{:?}", s.code())).or_default() += 1;
                                }
                                target = 1 - target;
                                if attempts > 1 {
                                    // Both replicas failed in a row: give them a moment.
                                    tokio::time::sleep(Duration::from_millis(100)).await;
                                }
                            }
                            Err(s) => panic!("create {i} refused: {s:?}"),
                        }
                    };
                    let id = res.inquiry.expect("inquiry").inquiry_id;
                    if let Ok(mut o) = outcome.lock() {
                        o.acknowledged.insert(i, id);
                        if !res.created {
                            o.replayed += 1;
                        }
                    }
                    done.fetch_add(1, Ordering::SeqCst);
                }
            })
        })
        .collect()
}

/// Failures a replica going away produces; a retry with the same idempotency key is safe.
fn retryable(code: Code) -> bool {
    matches!(
        code,
        Code::Unavailable
            | Code::Unknown
            | Code::Cancelled
            | Code::DeadlineExceeded
            | Code::ResourceExhausted
            | Code::Aborted
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_service_as_its_own_process_survives_sigkill_of_a_replica_under_load() {
    let started = Instant::now();
    let secret =
        uuid::Uuid::new_v4().simple().to_string() + &uuid::Uuid::new_v4().simple().to_string();
    let mut cluster = Cluster::prepare(&secret).await;

    // The replicas that will be killed start first, so they hold the relay leases: the
    // kill then also takes the delivering replica away.
    cluster.start(&["intake-b", "routing-b"]).await;
    let intake_leases = cluster.leases_held("intake", 2).await;
    let routing_leases = cluster.leases_held("routing", 2).await;
    cluster
        .start(&[
            "intake-a",
            "routing-a",
            "messaging",
            "knowledge",
            "analytics",
        ])
        .await;
    eprintln!("cluster up in {:?}", started.elapsed());

    // One inquiry's life, each step on whichever replica: they share their service's data.
    let sue = cluster.token("sue", "supervisor");
    let amy = cluster.token("amy", "agent");
    cluster
        .routing("routing-a", &sue)
        .upsert_staff(rpb::UpsertStaffRequest {
            staff: Some(rpb::Staff {
                property_id: PROPERTY.into(),
                staff_id: "amy".into(),
                name: "Amy".into(),
                department_code: "call_center".into(),
                role: common::StaffRole::Agent as i32,
                languages: vec!["zh".into()],
                skills: vec![],
                capacity: 5,
                on_duty: true,
                updated_at: None,
                shifts: vec![],
                available_now: false,
            }),
            update_mask: None,
        })
        .await
        .expect("amy on duty");
    let created = cluster
        .intake("intake-a", &amy)
        .create_inquiry(inquiry_request(
            common::Channel::Hotline,
            "请问早餐几点开始？",
            "life-1",
        ))
        .await
        .expect("create")
        .into_inner();
    assert!(created.created);
    let life = created.inquiry.expect("inquiry").inquiry_id;

    let routing_b = cluster.routing("routing-b", &amy);
    let assignment = eventually("routing assigns the inquiry", 30, || {
        let (mut r, id) = (routing_b.clone(), life.clone());
        async move {
            let a = r
                .get_assignment(rpb::GetAssignmentRequest { inquiry_id: id })
                .await
                .map_err(|s| format!("{s:?}"))?
                .into_inner()
                .assignment
                .ok_or("no assignment")?;
            if a.assignee == "amy" {
                Ok(a)
            } else {
                Err(format!("{a:?}"))
            }
        }
    })
    .await;
    assert_eq!(assignment.lead_department, "call_center");
    let mut intake_b = cluster.intake("intake-b", &amy);
    eventually("intake shows where routing put it", 30, || {
        let (mut c, id) = (intake_b.clone(), life.clone());
        async move {
            let inquiry = c
                .get_inquiry(pb::GetInquiryRequest { inquiry_id: id })
                .await
                .map_err(|s| format!("{s:?}"))?
                .into_inner()
                .inquiry
                .ok_or("no inquiry")?;
            match &inquiry.routing {
                Some(view)
                    if inquiry.assignee == "amy" && view.lead_department == "call_center" =>
                {
                    Ok(())
                }
                other => Err(format!(
                    "assignee {:?}, routing {other:?}",
                    inquiry.assignee
                )),
            }
        }
    })
    .await;
    intake_b
        .respond(pb::RespondRequest {
            inquiry_id: life.clone(),
            text: "早餐 6:30 开始，在二楼 / Breakfast from 6:30, second floor".into(),
            method: 0,
            on_the_spot: true,
            idempotency_key: "life-respond".into(),
            ..Default::default()
        })
        .await
        .expect("respond");
    cluster
        .intake("intake-a", &amy)
        .record_feedback(pb::RecordFeedbackRequest {
            inquiry_id: life.clone(),
            satisfaction: common::Satisfaction::VerySatisfied as i32,
            comment: String::new(),
            on_behalf_of_customer: true,
        })
        .await
        .expect("feedback");
    let analytics = cluster.analytics(&sue);
    let k = eventually("the KPI report counts the inquiry's life", 30, || {
        let mut a = analytics.clone();
        async move {
            let k = kpis(&mut a).await?;
            let surveyed = k.satisfaction.as_ref().map_or(0, |r| r.denominator);
            if (k.inquiries, k.responded, surveyed) == (1, 1, 1) {
                Ok(k)
            } else {
                Err(format!("{k:?}"))
            }
        }
    })
    .await;
    let timely = k.response_timeliness.expect("timeliness");
    assert_eq!(
        (timely.numerator, timely.denominator),
        (1, 1),
        "answered on the phone in time"
    );
    let satisfied = k.satisfaction.expect("satisfaction");
    assert_eq!(satisfied.numerator, 1);
    // Knowledge reads the inquiry from intake over its peer link for suggestions.
    cluster
        .knowledge(&amy)
        .suggest_answers(kpb::SuggestAnswersRequest {
            property_id: PROPERTY.into(),
            inquiry_id: life.clone(),
            ..Default::default()
        })
        .await
        .expect("knowledge suggests answers for an inquiry it reads from intake");
    eprintln!("inquiry life done at {:?}", started.elapsed());

    // The drill: load, SIGKILL one replica of intake and of routing a third of the way in,
    // restart them (as their Deployment would) once the survivors have taken over.
    let run = uuid::Uuid::new_v4().simple().to_string();
    let intakes = [
        cluster.intake("intake-a", &cluster.token("agent-a", "agent")),
        cluster.intake("intake-b", &cluster.token("agent-b", "agent")),
    ];
    let done = Arc::new(AtomicUsize::new(0));
    let outcome = Arc::new(Mutex::new(LoadOutcome::default()));
    let workers = spawn_load(intakes, &run, done.clone(), outcome.clone());
    // Polled closely: the kill must land while creates are still being sent.
    let deadline = Instant::now() + Duration::from_secs(60);
    while done.load(Ordering::SeqCst) < LOAD / 3 {
        assert!(
            Instant::now() < deadline,
            "the load stalled before the kill"
        );
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let killed_at = done.load(Ordering::SeqCst);
    for name in ["intake-b", "routing-b"] {
        let status = cluster.proc(name).kill9();
        assert_eq!(status.signal(), Some(9), "{name} died of SIGKILL");
    }
    assert!(
        killed_at < LOAD,
        "the kill came while creates were still being sent"
    );
    eprintln!(
        "killed intake-b and routing-b after {killed_at} creates, at {:?}",
        started.elapsed()
    );
    // Their relay leases run out and the surviving replicas deliver from the saved cursors.
    eventually(
        "the surviving replicas take the relay leases over",
        30,
        || {
            let c = &cluster;
            let (before_i, before_r) = (&intake_leases, &routing_leases);
            async move {
                let (now_i, now_r) = (
                    c.lease_owners("intake").await,
                    c.lease_owners("routing").await,
                );
                let moved = |before: &BTreeMap<String, String>, now: &BTreeMap<String, String>| {
                    before
                        .iter()
                        .all(|(sub, owner)| now.get(sub).is_some_and(|o| o != owner))
                };
                if moved(before_i, &now_i) && moved(before_r, &now_r) {
                    Ok(())
                } else {
                    Err(format!("intake {now_i:?}, routing {now_r:?}"))
                }
            }
        },
    )
    .await;
    cluster.start(&["intake-b", "routing-b"]).await;
    eprintln!("restarted at {:?}", started.elapsed());
    for w in workers {
        w.await.expect("load worker");
    }
    let (acknowledged, replayed, retries) = {
        let o = outcome.lock().expect("outcome");
        (o.acknowledged.clone(), o.replayed, o.retries.clone())
    };
    eprintln!(
        "load of {LOAD} done at {:?}: retried {retries:?}, {replayed} acknowledged as replays",
        started.elapsed()
    );
    assert_eq!(
        acknowledged.len(),
        LOAD,
        "every create was acknowledged in the end"
    );
    assert!(
        retries.contains_key("Unavailable"),
        "creates sent to the killed replica failed and were retried on the other: {retries:?}"
    );

    // Nothing lost, nothing doubled. Everything has arrived once routing holds a decision
    // for each inquiry and both services' outboxes are delivered to the end.
    let mut expected: BTreeSet<String> = acknowledged.values().cloned().collect();
    assert_eq!(expected.len(), LOAD, "each create key gave its own inquiry");
    expected.insert(life.clone());
    let routing_b = cluster.routing("routing-b", &sue);
    let assignments = eventually(
        "routing decides for every inquiry and all is delivered",
        60,
        || {
            let (mut r, c) = (routing_b.clone(), &cluster);
            async move {
                let all = all_assignments(&mut r).await?;
                if all.len() < LOAD + 1 {
                    return Err(format!("{} assignments", all.len()));
                }
                let behind = [
                    c.undelivered("intake").await,
                    c.undelivered("routing").await,
                ]
                .concat();
                if behind.is_empty() {
                    Ok(all)
                } else {
                    Err(format!("not delivered yet: {behind:?}"))
                }
            }
        },
    )
    .await;

    // Intake holds each acknowledged inquiry once ...
    let inquiries = all_inquiries(&mut cluster.intake("intake-a", &sue))
        .await
        .expect("inquiries");
    let ids: Vec<&str> = inquiries.iter().map(|i| i.inquiry_id.as_str()).collect();
    let unique: BTreeSet<String> = ids.iter().map(|s| s.to_string()).collect();
    assert_eq!(ids.len(), unique.len(), "no inquiry listed twice");
    assert_eq!(
        unique, expected,
        "intake holds exactly the acknowledged inquiries"
    );

    // ... routing decided once per inquiry ...
    let assigned: Vec<&str> = assignments.iter().map(|a| a.inquiry_id.as_str()).collect();
    let assigned_unique: BTreeSet<String> = assigned.iter().map(|s| s.to_string()).collect();
    assert_eq!(
        assigned.len(),
        assigned_unique.len(),
        "one assignment per inquiry"
    );
    assert_eq!(assigned_unique, expected, "routing routed every inquiry");

    // Each load inquiry was decided once: routing's version 1 is its first and only change
    // (the life inquiry also had its first response met: 2).
    let versions: BTreeMap<i64, usize> = assignments.iter().fold(BTreeMap::new(), |mut m, a| {
        *m.entry(a.version).or_default() += 1;
        m
    });
    assert_eq!(
        versions,
        BTreeMap::from([(1, LOAD), (2, 1)]),
        "assignment versions"
    );

    // ... and intake applied each of routing's changes once (a redelivered AssignmentChanged
    // is dropped): as many routing entries on the timeline as the assignment has versions,
    // and intake's view agrees with routing's.
    let decided: BTreeMap<String, (String, String, usize)> = assignments
        .iter()
        .map(|a| {
            let who = (
                a.lead_department.clone(),
                a.assignee.clone(),
                usize::try_from(a.version).unwrap_or_default(),
            );
            (a.inquiry_id.clone(), who)
        })
        .collect();
    let intake_b = cluster.intake("intake-b", &sue);
    let wrong: Vec<String> = futures::stream::iter(expected.iter().cloned())
        .map(|id| {
            let c = intake_b.clone();
            async move {
                let res = get_inquiry(c, &id).await;
                let routed = res
                    .timeline
                    .iter()
                    .filter(|t| t.change == pb::ChangeType::Routed as i32)
                    .count();
                let view = res
                    .inquiry
                    .and_then(|i| i.routing)
                    .map(|v| (v.lead_department, v.assignee, routed));
                (id, routed, view)
            }
        })
        .buffer_unordered(8)
        .filter_map(|(id, routed, view)| {
            let want = decided.get(&id).cloned();
            let ok = view.is_some() && view == want;
            async move {
                (!ok).then(|| format!("{id}: routed {routed}×, view {view:?}, routing {want:?}"))
            }
        })
        .collect()
        .await;
    assert!(
        wrong.is_empty(),
        "intake applied routing's decision other than once: {wrong:?}"
    );

    // Analytics counts each inquiry once.
    let total = eventually("analytics counts every inquiry", 60, || {
        let mut a = analytics.clone();
        async move {
            let k = kpis(&mut a).await?;
            assert!(
                k.inquiries <= (LOAD + 1) as i64,
                "analytics counted more inquiries than exist: {}",
                k.inquiries
            );
            if k.inquiries == (LOAD + 1) as i64 {
                Ok(k)
            } else {
                Err(format!("{} inquiries", k.inquiries))
            }
        }
    })
    .await;
    assert_eq!(total.responded, 1);
    eprintln!("verified at {:?}", started.elapsed());
}

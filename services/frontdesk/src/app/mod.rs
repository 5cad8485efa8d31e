//! One gRPC server mounting the services this process runs (one in a cluster, all of them in
//! `frontdesk dev`), with health, reflection, auth, metrics and traces. Graceful shutdown
//! drains calls, ends watch streams and stops relays and background tasks. Services talk
//! through events even inside one process: each outbox relay delivers over gRPC to the
//! consumers of its events, the same path as in a cluster.

use crate::services::{ServiceArgs, ServiceName};
use anyhow::Context;
use frontdesk_platform::auth::Authenticator;
use frontdesk_platform::db::Db;
use frontdesk_platform::grpc::{GrpcLayer, reflection};
use frontdesk_platform::inbox::{EventSinkService, PARKED_ACCESS, SINK_ACCESS};
use frontdesk_platform::mount::Deps;
use frontdesk_platform::relay::Subscriber;
use frontdesk_platform::shutdown::{self, Shutdown, ShutdownTrigger};
use frontdesk_platform::timers::Clock;
use frontdesk_proto::events::v1::event_sink_server::EventSinkServer;
use frontdesk_proto::events::v1::parked_events_server::ParkedEventsServer;
use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tonic::service::RoutesBuilder;
use tonic_health::ServingStatus;

mod delivery;
mod dependencies;

use delivery::{spawn_delivery, subscribers_of};
use dependencies::watch_dependencies;

pub use frontdesk_platform::mount::RedisConfig;
pub use frontdesk_platform::tls::Tls;

#[derive(Clone)]
pub struct AppConfig {
    /// Port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// Properties (hotels) served; registered by each service at start.
    pub properties: Vec<String>,
    /// The services this process runs, each with its database URL.
    pub services: BTreeMap<ServiceName, String>,
    /// Every service's own settings (only the mounted ones are read).
    pub args: ServiceArgs,
    /// `None`: fan-out and timers in process (one replica, `frontdesk dev`).
    pub redis: Option<RedisConfig>,
    pub auth: Authenticator,
    pub shutdown_grace: Duration,
    pub relay_lease: Duration,
    /// Services in other processes that receive the events of the services mounted here.
    /// Services mounted together always receive each other's events.
    pub subscribers: Vec<Subscriber>,
    /// Services in other processes that the mounted services call.
    pub peers: BTreeMap<String, String>,
    /// Timers' clock; default: Redis TIME (cluster) or this host's clock.
    pub clock: Option<Clock>,
    /// Delivered events stay in the outbox this long (then pruned).
    pub outbox_retention: Duration,
    /// How often the outbox is pruned.
    pub prune_every: Duration,
    /// Longest a call waits for a pooled database connection (then UNAVAILABLE).
    pub db_acquire_timeout: Duration,
    /// TLS (and mutual TLS) for serving and for calls to https:// addresses; `None`: plain.
    pub tls: Option<Tls>,
}

/// Background tasks that die with the application, also when it is dropped mid-flight (a
/// killed replica must not leave its relay running).
#[derive(Default)]
struct Tasks(Vec<JoinHandle<()>>);

impl Drop for Tasks {
    fn drop(&mut self) {
        for t in &self.0 {
            t.abort();
        }
    }
}

type ServeFuture = Pin<Box<dyn Future<Output = Result<(), tonic::transport::Error>> + Send>>;

pub struct Application {
    port: u16,
    serve: ServeFuture,
    trigger: ShutdownTrigger,
    tasks: Tasks,
    /// Health names and databases of the mounted services.
    mounted: Vec<(&'static str, Db)>,
    grace: Duration,
    health: frontdesk_platform::health::HealthStatus,
}

impl Application {
    pub async fn build(cfg: AppConfig) -> anyhow::Result<Application> {
        anyhow::ensure!(!cfg.services.is_empty(), "no service configured to run");
        let (trigger, shutdown) = shutdown::channel();
        let listener = TcpListener::bind(cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.listen))?;
        let port = listener.local_addr()?.port();
        let own = own_address(cfg.tls.as_ref(), port)?;

        // Services mounted together call each other on this server.
        let mut peers = cfg.peers.clone();
        for name in cfg.services.keys() {
            peers.insert(name.as_str().to_string(), own.clone());
        }
        let mut mounted = Vec::new();
        for (&name, url) in &cfg.services {
            let deps = Deps {
                database_url: url.clone(),
                properties: cfg.properties.clone(),
                redis: cfg.redis.clone(),
                auth: cfg.auth.clone(),
                shutdown: shutdown.clone(),
                clock: cfg.clock.clone(),
                peers: peers.clone(),
                db_acquire_timeout: cfg.db_acquire_timeout,
            };
            let m = cfg
                .args
                .start(name, deps)
                .await
                .with_context(|| format!("starting {name}"))?;
            mounted.push(m);
        }

        // Which mounted service consumes which source, before the consumers move into the sink.
        let consumes: Vec<(&'static str, &'static str)> = mounted
            .iter()
            .flat_map(|m| m.consumers.iter().map(|(source, _)| (m.name, *source)))
            .collect();
        let mut tasks = Tasks::default();
        let mut sink = EventSinkService::new();
        for m in &mut mounted {
            for (source, consumer) in std::mem::take(&mut m.consumers) {
                sink = sink.consume_arc(m.name, source, consumer);
            }
            for task in std::mem::take(&mut m.tasks) {
                tasks.0.push(tokio::spawn(task));
            }
        }
        for m in &mounted {
            if let Some(events) = &m.events {
                let subscribers = subscribers_of(m.name, &cfg.subscribers, &consumes, &own);
                spawn_delivery(&mut tasks, &cfg, &shutdown, m.name, events, subscribers)?;
            }
        }

        let health = frontdesk_platform::health::HealthStatus::new();
        let health_service = health.server(shutdown.clone());
        let (reflection_v1, reflection_v1alpha) = reflection()?;
        let mut routes = RoutesBuilder::default();
        routes
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha);
        for m in &mut mounted {
            m.add_routes(&mut routes);
            health
                .set_service_status(m.health_name, ServingStatus::Serving)
                .await;
        }
        if !sink.is_empty() {
            // Operators list, retry and skip the events these consumers parked.
            sink.refresh_gauges().await;
            let auth = cfg.auth.clone();
            routes.add_service(ParkedEventsServer::with_interceptor(
                sink.parked_events(),
                move |req| auth.authorize(req, &PARKED_ACCESS),
            ));
            let auth = cfg.auth.clone();
            routes.add_service(EventSinkServer::with_interceptor(sink, move |req| {
                auth.authorize(req, &SINK_ACCESS)
            }));
        }

        tasks.0.push(tokio::spawn(watch_dependencies(
            health.clone(),
            mounted
                .iter()
                .map(|m| (m.health_name, m.db.clone()))
                .collect(),
            cfg.redis.is_some(),
            shutdown.clone(),
        )));

        // Without TCP_NODELAY, Nagle waits for the client's delayed ACK: a 40 ms stall on
        // most unary replies (measured in BENCHMARKS.md).
        let incoming = tonic::transport::server::TcpIncoming::from(listener)
            .with_nodelay(Some(true))
            .with_keepalive(Some(Duration::from_secs(60)));
        let mut stop = shutdown.clone();
        let mut server = tonic::transport::Server::builder();
        if let Some(tls) = cfg.tls.as_ref().and_then(|t| t.server.clone()) {
            server = server
                .tls_config(tls)
                .context("the TLS certificate or key is not usable")?;
        }
        let serve = server
            .layer(GrpcLayer)
            .add_routes(routes.routes())
            .serve_with_incoming_shutdown(incoming, async move { stop.wait().await });
        let names: Vec<&str> = mounted.iter().map(|m| m.name).collect();
        metrics::gauge!(frontdesk_platform::metrics::BUILD_INFO,
            "version" => env!("CARGO_PKG_VERSION"), "services" => names.join(","))
        .set(1.0);
        tracing::info!(port, services = %names.join(","), "frontdesk listening");
        Ok(Application {
            port,
            serve: Box::pin(serve),
            trigger,
            tasks,
            mounted: mounted.into_iter().map(|m| (m.health_name, m.db)).collect(),
            grace: cfg.shutdown_grace,
            health,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// A handle that stops this application (as SIGTERM would).
    pub fn shutdown_handle(&self) -> Shutdown {
        self.trigger.subscribe()
    }

    /// Serves until `stop` resolves (e.g. an OS signal), then drains within the grace period.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let Application {
            mut serve,
            trigger,
            mut tasks,
            mounted,
            grace,
            health,
            ..
        } = self;
        tokio::select! {
            res = &mut serve => return res.context("gRPC server failed"),
            _ = stop => {}
        }
        // Probes see the drain before the listener closes.
        health
            .set_service_status("", ServingStatus::NotServing)
            .await;
        for (health_name, _) in &mounted {
            health
                .set_service_status(health_name, ServingStatus::NotServing)
                .await;
        }
        trigger.trigger();
        match tokio::time::timeout(grace, &mut serve).await {
            Ok(res) => res.context("gRPC server failed while draining")?,
            Err(_) => tracing::warn!(
                grace_secs = grace.as_secs(),
                "drain timed out; closing remaining calls"
            ),
        }
        for t in std::mem::take(&mut tasks.0) {
            let _ = tokio::time::timeout(grace, t).await;
        }
        for (_, db) in mounted {
            db.close().await;
        }
        tracing::info!("frontdesk stopped");
        Ok(())
    }
}

/// The address the services mounted here call each other at; https when this server only
/// speaks TLS (then calls go through the process's TLS settings, which must trust it).
fn own_address(tls: Option<&Tls>, port: u16) -> anyhow::Result<String> {
    frontdesk_platform::tls::set_client(tls);
    let serves_tls = tls.is_some_and(|t| t.server.is_some());
    anyhow::ensure!(
        !serves_tls || tls.is_some_and(|t| t.client.is_some()),
        "serving TLS needs --tls-ca too: the services mounted here call each other over it"
    );
    Ok(if serves_tls {
        format!("https://127.0.0.1:{port}")
    } else {
        format!("http://127.0.0.1:{port}")
    })
}

//! One gRPC server mounting the services this process runs, with health, reflection, auth,
//! metrics and traces; graceful shutdown drains calls, ends watch streams and stops relays
//! and timers. Services talk through events even inside one process: intake's relay
//! delivers to routing's consumer and back over gRPC, the same path as in a cluster.

use anyhow::Context;
use frontdesk_intake::IntakeServiceServer;
use frontdesk_intake::api::IntakeApi;
use frontdesk_intake::commands::Intake;
use frontdesk_intake::config::IntakeArgs;
use frontdesk_intake::routing_events::RoutingEvents;
use frontdesk_platform::auth::{Authenticator, Role};
use frontdesk_platform::db::Db;
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::grpc::{GrpcLayer, reflection};
use frontdesk_platform::inbox::{Consumer, EventSinkService};
use frontdesk_platform::relay::{self, RelayConfig, Subscriber};
use frontdesk_platform::shutdown::{self, Shutdown, ShutdownTrigger};
use frontdesk_platform::timers::{Clock, TimerWheel};
use frontdesk_proto::events::v1::event_sink_server::EventSinkServer;
use frontdesk_routing::RoutingServiceServer;
use frontdesk_routing::api::RoutingApi;
use frontdesk_routing::config::RoutingArgs;
use frontdesk_routing::engine::Routing;
use frontdesk_routing::intake_events::IntakeEvents;
use frontdesk_routing::sla_engine::SlaEngine;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

#[derive(Clone)]
pub struct RedisConfig {
    pub url: String,
    /// Prefixes every key and channel, so tenants and tests can share one Redis.
    pub prefix: String,
}

#[derive(Clone)]
pub struct AppConfig {
    /// Port 0 picks a free port (tests).
    pub listen: SocketAddr,
    /// Properties (hotels) served; registered by each service at start.
    pub properties: Vec<String>,
    /// `None`: this process does not run intake.
    pub intake_database_url: Option<String>,
    pub intake: IntakeArgs,
    /// `None`: this process does not run routing.
    pub routing_database_url: Option<String>,
    pub routing: RoutingArgs,
    /// `None`: fan-out and timers in process (one replica, `frontdesk dev`).
    pub redis: Option<RedisConfig>,
    pub auth: Authenticator,
    pub shutdown_grace: Duration,
    pub relay_lease: Duration,
    /// Intake and routing in this process deliver their events to each other through this
    /// server's own EventSink (`frontdesk dev`).
    pub self_subscribe: bool,
    /// The SLA engine's clock; default: Redis TIME (cluster) or this host's clock.
    pub clock: Option<Clock>,
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
    intake: Option<Intake>,
    routing: Option<Routing>,
    grace: Duration,
    health: tonic_health::server::HealthReporter,
}

struct RelaySetup<'a> {
    source: &'static str,
    db: &'a Db,
    fanout: &'a Fanout,
    subscribers: Vec<Subscriber>,
}

impl Application {
    pub async fn build(cfg: AppConfig) -> anyhow::Result<Application> {
        let (trigger, shutdown) = shutdown::channel();
        let fanout = |name: &'static str| {
            let redis = cfg.redis.clone();
            async move {
                match redis {
                    Some(r) => Fanout::redis(&r.url, format!("{}{name}:events", r.prefix)).await,
                    None => Ok(Fanout::in_process()),
                }
            }
        };
        let intake = match &cfg.intake_database_url {
            Some(url) => Some(
                frontdesk_intake::open(&cfg.intake, url, &cfg.properties, fanout("intake").await?)
                    .await
                    .context("starting intake")?,
            ),
            None => None,
        };
        let routing = match &cfg.routing_database_url {
            Some(url) => {
                let db =
                    frontdesk_routing::open(url, cfg.routing.db_max_connections, &cfg.properties)
                        .await
                        .context("starting routing")?;
                let (rules, policies) =
                    frontdesk_routing::engine::load_config(cfg.routing.config_dir.as_deref())
                        .context("loading routing configuration")?;
                Some(Routing::new(db, rules, policies, fanout("routing").await?))
            }
            None => None,
        };
        anyhow::ensure!(
            intake.is_some() || routing.is_some(),
            "no service configured to run"
        );

        let listener = TcpListener::bind(cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.listen))?;
        let port = listener.local_addr()?.port();
        let own = Subscriber {
            name: String::new(),
            endpoint: format!("http://127.0.0.1:{port}"),
        };

        let mut tasks = Tasks::default();
        let mut sink = EventSinkService::new();
        if let Some(intake) = &intake {
            let mut subscribers = cfg.intake.subscribers.clone();
            if cfg.self_subscribe && routing.is_some() {
                subscribers.push(Subscriber {
                    name: "routing".into(),
                    ..own.clone()
                });
            }
            spawn_relays(
                &mut tasks,
                &cfg,
                &shutdown,
                RelaySetup {
                    source: "intake",
                    db: intake.db(),
                    fanout: intake.fanout(),
                    subscribers,
                },
            )?;
            sink = sink.consume(
                "routing",
                Consumer::new(
                    intake.db().clone(),
                    "intake",
                    RoutingEvents::new(intake.clone()),
                ),
            );
        }
        if let Some(routing) = &routing {
            let mut subscribers = cfg.routing.subscribers.clone();
            if cfg.self_subscribe && intake.is_some() {
                subscribers.push(Subscriber {
                    name: "intake".into(),
                    ..own.clone()
                });
            }
            spawn_relays(
                &mut tasks,
                &cfg,
                &shutdown,
                RelaySetup {
                    source: "routing",
                    db: &routing.db,
                    fanout: &routing.fanout,
                    subscribers,
                },
            )?;
            sink = sink.consume(
                "intake",
                Consumer::new(
                    routing.db.clone(),
                    "routing",
                    IntakeEvents::new(routing.clone()),
                ),
            );
            let wheel = match &cfg.redis {
                Some(r) => TimerWheel::redis(&r.url, &format!("{}routing:", r.prefix)).await?,
                None => TimerWheel::in_process(),
            };
            let engine = SlaEngine {
                routing: routing.clone(),
                clock: cfg.clock.clone().unwrap_or_else(|| wheel.clock()),
                wheel,
                lease: Duration::from_secs(cfg.routing.timer_lease_secs.max(1)),
                tick: Duration::from_millis(cfg.routing.sla_tick_ms.max(1)),
            };
            tasks
                .0
                .push(tokio::spawn(engine.clone().run_armer(shutdown.clone())));
            tasks
                .0
                .push(tokio::spawn(engine.run_firer(shutdown.clone())));
        }

        let (health, health_service) = tonic_health::server::health_reporter();
        let (reflection_v1, reflection_v1alpha) = reflection()?;
        let mut services = Vec::new();
        let intake_service = match &intake {
            Some(intake) => {
                let auth = cfg.auth.clone();
                health.set_serving::<IntakeServiceServer<IntakeApi>>().await;
                services.push("intake");
                Some(IntakeServiceServer::with_interceptor(
                    IntakeApi::new(intake.clone(), shutdown.clone()),
                    move |req| auth.authenticate(req),
                ))
            }
            None => None,
        };
        let routing_service = match &routing {
            Some(r) => {
                let auth = cfg.auth.clone();
                health
                    .set_serving::<RoutingServiceServer<RoutingApi>>()
                    .await;
                services.push("routing");
                Some(RoutingServiceServer::with_interceptor(
                    RoutingApi::new(r.clone(), shutdown.clone()),
                    move |req| auth.authenticate(req),
                ))
            }
            None => None,
        };
        let sink_service = (!sink.is_empty()).then(|| {
            let auth = cfg.auth.clone();
            EventSinkServer::with_interceptor(sink, move |req| auth.authenticate(req))
        });

        let incoming = tonic::transport::server::TcpIncoming::from(listener)
            .with_nodelay(Some(true))
            .with_keepalive(Some(Duration::from_secs(60)));
        let mut stop = shutdown.clone();
        let serve = tonic::transport::Server::builder()
            .layer(GrpcLayer)
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_optional_service(intake_service)
            .add_optional_service(routing_service)
            .add_optional_service(sink_service)
            // Without TCP_NODELAY, Nagle waits for the client's delayed ACK: a 40 ms stall on
            // most unary replies (measured in BENCHMARKS.md).
            .serve_with_incoming_shutdown(incoming, async move { stop.wait().await });
        tracing::info!(port, services = %services.join(","), "frontdesk listening");
        Ok(Application {
            port,
            serve: Box::pin(serve),
            trigger,
            tasks,
            intake,
            routing,
            grace: cfg.shutdown_grace,
            health,
        })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn intake(&self) -> Option<&Intake> {
        self.intake.as_ref()
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
            intake,
            routing,
            grace,
            health,
            ..
        } = self;
        tokio::select! {
            res = &mut serve => return res.context("gRPC server failed"),
            _ = stop => {}
        }
        trigger.trigger();
        health
            .set_not_serving::<IntakeServiceServer<IntakeApi>>()
            .await;
        health
            .set_not_serving::<RoutingServiceServer<RoutingApi>>()
            .await;
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
        if let Some(intake) = intake {
            intake.db().close().await;
        }
        if let Some(r) = routing {
            r.db.close().await;
        }
        tracing::info!("frontdesk stopped");
        Ok(())
    }
}

fn spawn_relays(
    tasks: &mut Tasks,
    cfg: &AppConfig,
    shutdown: &Shutdown,
    setup: RelaySetup<'_>,
) -> anyhow::Result<()> {
    if setup.subscribers.is_empty() {
        return Ok(());
    }
    let token = cfg.auth.issue(
        setup.source,
        Role::Service,
        &["*".to_string()],
        Duration::from_secs(365 * 24 * 3600),
    )?;
    for sub in setup.subscribers {
        let mut rc = RelayConfig::new(setup.source, sub, token.clone());
        rc.lease = cfg.relay_lease;
        tasks.0.push(tokio::spawn(relay::run(
            setup.db.clone(),
            rc,
            setup.fanout.subscribe(),
            shutdown.clone(),
        )));
    }
    Ok(())
}

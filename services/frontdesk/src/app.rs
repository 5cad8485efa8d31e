//! One gRPC server mounting the services this process runs, with health, reflection, auth,
//! metrics and traces; graceful shutdown drains calls, ends watch streams and stops relays.

use anyhow::Context;
use frontdesk_intake::IntakeServiceServer;
use frontdesk_intake::api::IntakeApi;
use frontdesk_intake::commands::Intake;
use frontdesk_intake::config::IntakeArgs;
use frontdesk_platform::auth::{Authenticator, Role};
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::grpc::{GrpcLayer, reflection};
use frontdesk_platform::relay::{self, RelayConfig};
use frontdesk_platform::shutdown::{self, Shutdown, ShutdownTrigger};
use frontdesk_routing::RoutingServiceServer;
use frontdesk_routing::api::RoutingApi;
use frontdesk_routing::config::RoutingArgs;
use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;
use tokio_stream::wrappers::TcpListenerStream;

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
    /// `None`: fan-out in process (one replica, `frontdesk dev`).
    pub redis: Option<RedisConfig>,
    pub auth: Authenticator,
    pub shutdown_grace: Duration,
    pub relay_lease: Duration,
}

/// Background tasks that die with the application, also when it is dropped mid-flight (a
/// killed replica must not leave its relay running).
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
    relays: Tasks,
    intake: Option<Intake>,
    routing: Option<frontdesk_platform::db::Db>,
    grace: Duration,
    health: tonic_health::server::HealthReporter,
}

impl Application {
    pub async fn build(cfg: AppConfig) -> anyhow::Result<Application> {
        let (trigger, shutdown) = shutdown::channel();
        let fanout = match &cfg.redis {
            Some(r) => Fanout::redis(&r.url, format!("{}intake:events", r.prefix)).await?,
            None => Fanout::in_process(),
        };
        let intake = match &cfg.intake_database_url {
            Some(url) => Some(
                frontdesk_intake::open(&cfg.intake, url, &cfg.properties, fanout.clone())
                    .await
                    .context("starting intake")?,
            ),
            None => None,
        };
        let routing = match &cfg.routing_database_url {
            Some(url) => Some(
                frontdesk_routing::open(url, cfg.routing.db_max_connections, &cfg.properties)
                    .await
                    .context("starting routing")?,
            ),
            None => None,
        };
        anyhow::ensure!(
            intake.is_some() || routing.is_some(),
            "no service configured to run"
        );

        let mut relays = Tasks(Vec::new());
        if let Some(intake) = &intake
            && !cfg.intake.subscribers.is_empty()
        {
            let token = cfg.auth.issue(
                "intake",
                Role::Service,
                &["*".to_string()],
                Duration::from_secs(365 * 24 * 3600),
            )?;
            for sub in &cfg.intake.subscribers {
                let mut rc = RelayConfig::new("intake", sub.clone(), token.clone());
                rc.lease = cfg.relay_lease;
                relays.0.push(tokio::spawn(relay::run(
                    intake.db().clone(),
                    rc,
                    fanout.subscribe(),
                    shutdown.clone(),
                )));
            }
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
            Some(db) => {
                let auth = cfg.auth.clone();
                health
                    .set_serving::<RoutingServiceServer<RoutingApi>>()
                    .await;
                services.push("routing");
                Some(RoutingServiceServer::with_interceptor(
                    RoutingApi::new(db.clone()),
                    move |req| auth.authenticate(req),
                ))
            }
            None => None,
        };

        let listener = TcpListener::bind(cfg.listen)
            .await
            .with_context(|| format!("cannot listen on {}", cfg.listen))?;
        let port = listener.local_addr()?.port();
        let mut stop = shutdown.clone();
        let serve = tonic::transport::Server::builder()
            .layer(GrpcLayer)
            .add_service(health_service)
            .add_service(reflection_v1)
            .add_service(reflection_v1alpha)
            .add_optional_service(intake_service)
            .add_optional_service(routing_service)
            .serve_with_incoming_shutdown(TcpListenerStream::new(listener), async move {
                stop.wait().await
            });
        tracing::info!(port, services = %services.join(","), "frontdesk listening");
        Ok(Application {
            port,
            serve: Box::pin(serve),
            trigger,
            relays,
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

    pub fn trigger(&self) -> &ShutdownTrigger {
        &self.trigger
    }

    /// Serves until `stop` resolves (e.g. an OS signal), then drains within the grace period.
    pub async fn run_until(self, stop: impl Future<Output = ()> + Send) -> anyhow::Result<()> {
        let Application {
            serve,
            trigger,
            mut relays,
            intake,
            routing,
            grace,
            health,
            ..
        } = self;
        let mut serve = serve;
        tokio::select! {
            res = &mut serve => return res.context("gRPC server failed"),
            _ = stop => {}
        }
        trigger.trigger();
        health
            .set_not_serving::<IntakeServiceServer<IntakeApi>>()
            .await;
        match tokio::time::timeout(grace, &mut serve).await {
            Ok(res) => res.context("gRPC server failed while draining")?,
            Err(_) => tracing::warn!(
                grace_secs = grace.as_secs(),
                "drain timed out; closing remaining calls"
            ),
        }
        for r in std::mem::take(&mut relays.0) {
            let _ = tokio::time::timeout(grace, r).await;
        }
        if let Some(intake) = intake {
            intake.db().close().await;
        }
        if let Some(db) = routing {
            db.close().await;
        }
        tracing::info!("frontdesk stopped");
        Ok(())
    }
}

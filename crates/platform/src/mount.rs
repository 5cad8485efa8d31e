//! The service mount contract. Every service crate implements [`Service`]: given the
//! process's shared parts ([`Deps`]) and its own settings, `start` returns a [`Mounted`]
//! service — its gRPC services, the event consumers it registers (by source), the outbox its
//! relays deliver from, its background tasks and its database. The `frontdesk` binary mounts
//! whichever services are enabled with one loop (one process per service in a cluster, all of
//! them in `frontdesk dev`), so a new service touches only its own crate and one line of the
//! binary's service table.

use crate::auth::Authenticator;
use crate::db::{Db, MigrationFile};
use crate::fanout::Fanout;
use crate::inbox::ApplyOnce;
use crate::shutdown::Shutdown;
use crate::timers::{Clock, TimerWheel};
use futures::future::BoxFuture;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;
use tonic::service::RoutesBuilder;

/// Redis shared by replicas (fan-out, timers, caches), never the only copy of anything.
#[derive(Clone, Debug)]
pub struct RedisConfig {
    pub url: String,
    /// Prefixes every key and channel, so tenants and tests can share one Redis.
    pub prefix: String,
}

/// What the process gives each service it mounts.
#[derive(Clone)]
pub struct Deps {
    /// The service's own database: postgres://… or sqlite://….
    pub database_url: String,
    /// Properties (hotels) served; each service registers them at start.
    pub properties: Vec<String>,
    /// `None`: fan-out and timers in process (one replica, `frontdesk dev`).
    pub redis: Option<RedisConfig>,
    pub auth: Authenticator,
    pub shutdown: Shutdown,
    /// Timers' clock; default: Redis `TIME` (cluster) or this host's clock.
    pub clock: Option<Clock>,
    /// Other services this one calls, by name (e.g. "intake" → http://intake:50051).
    pub peers: BTreeMap<String, String>,
    /// Longest a call waits for a pooled database connection (then UNAVAILABLE).
    pub db_acquire_timeout: Duration,
}

impl Deps {
    /// Connects the service's database and applies its migrations.
    pub async fn open_db(
        &self,
        max_connections: u32,
        migrations: &[MigrationFile],
    ) -> anyhow::Result<Db> {
        let db =
            Db::connect_with(&self.database_url, max_connections, self.db_acquire_timeout).await?;
        db.migrate(migrations).await?;
        Ok(db)
    }

    /// Wake-ups for watchers and relays of `service`'s stream, across replicas when Redis is
    /// configured.
    pub async fn fanout(&self, service: &str) -> anyhow::Result<Fanout> {
        match &self.redis {
            Some(r) => Fanout::redis(&r.url, format!("{}{service}:events", r.prefix)).await,
            None => Ok(Fanout::in_process()),
        }
    }

    /// Armed timers of `service`: a Redis sorted set shared by replicas, or in process.
    pub async fn timer_wheel(&self, service: &str) -> anyhow::Result<TimerWheel> {
        match &self.redis {
            Some(r) => TimerWheel::redis(&r.url, &format!("{}{service}:", r.prefix)).await,
            None => Ok(TimerWheel::in_process()),
        }
    }

    /// The address of a service this one calls.
    pub fn peer(&self, name: &str) -> anyhow::Result<&str> {
        self.peers.get(name).map(String::as_str).ok_or_else(|| {
            anyhow::anyhow!(
                "no address for the {name} service: pass --peers {name}=http://host:port"
            )
        })
    }
}

type AddRoutes = Box<dyn FnOnce(&mut RoutesBuilder) + Send>;

/// A started service, ready to be mounted on the process's gRPC server.
pub struct Mounted {
    pub name: &'static str,
    /// gRPC health service name, e.g. `frontdesk.intake.v1.IntakeService`.
    pub health_name: &'static str,
    routes: Vec<AddRoutes>,
    /// Consumers of other services' events, by source service name.
    pub consumers: Vec<(&'static str, Arc<dyn ApplyOnce>)>,
    /// The outbox this service's relays deliver from (`None`: it emits no events).
    pub events: Option<EventSource>,
    /// Background work (timers, projections); each ends on shutdown.
    pub tasks: Vec<BoxFuture<'static, ()>>,
    /// Closed after the server has drained.
    pub db: Db,
}

/// A service's event stream: its database's outbox and the wake-ups of its commits.
#[derive(Clone)]
pub struct EventSource {
    pub db: Db,
    pub fanout: Fanout,
}

impl Mounted {
    pub fn new(name: &'static str, health_name: &'static str, db: Db) -> Self {
        Mounted {
            name,
            health_name,
            routes: Vec::new(),
            consumers: Vec::new(),
            events: None,
            tasks: Vec::new(),
            db,
        }
    }

    /// Adds a gRPC service (already wrapped in its interceptor).
    pub fn grpc<S>(mut self, svc: S) -> Self
    where
        S: tower::Service<http::Request<tonic::body::Body>, Error = std::convert::Infallible>
            + tonic::server::NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        S::Response: axum::response::IntoResponse,
        S::Future: Send + 'static,
    {
        self.routes.push(Box::new(move |b: &mut RoutesBuilder| {
            b.add_service(svc);
        }));
        self
    }

    /// Registers the consumer of `source`'s events.
    pub fn consume(mut self, source: &'static str, consumer: impl ApplyOnce) -> Self {
        self.consumers.push((source, Arc::new(consumer)));
        self
    }

    pub fn emits(mut self, db: Db, fanout: Fanout) -> Self {
        self.events = Some(EventSource { db, fanout });
        self
    }

    pub fn task(mut self, task: impl Future<Output = ()> + Send + 'static) -> Self {
        self.tasks.push(Box::pin(task));
        self
    }

    /// Adds this service's gRPC services to the process's routes.
    pub fn add_routes(&mut self, builder: &mut RoutesBuilder) {
        for add in self.routes.drain(..) {
            add(builder);
        }
    }
}

/// One frontdesk service, as the binary mounts it.
pub trait Service {
    /// Short name: CLI argument, database file, event source, Redis key part.
    const NAME: &'static str;
    /// Its own settings (flags and env), flattened into the binary's command line.
    type Args: clap::Args + Clone + Default + Send + Sync + 'static;
    /// Who may call which of its RPCs: enforced before every handler, printed by
    /// `frontdesk roles`, and listed in the README.
    const ACCESS: &'static crate::access::Table;

    fn migrations() -> &'static [MigrationFile];

    /// The database URL given on the command line for this service, if any.
    fn database_url(args: &Self::Args) -> Option<String>;

    fn start(deps: Deps, args: Self::Args) -> impl Future<Output = anyhow::Result<Mounted>> + Send;
}

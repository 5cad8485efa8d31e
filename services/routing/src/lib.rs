//! frontdesk routing: who handles each inquiry (CI-2, CI-3.3 … CI-3.6). This version holds
//! the directory — departments (with the defaults every property starts with), staff and
//! external partners — that assignment, transfers and referrals draw on.

pub mod access;
pub mod api;
pub mod assignment_store;
pub mod assignments;
pub mod batch;
pub mod config;
pub mod convert;
pub mod deadline_store;
pub mod domain;
pub mod engine;
pub mod events;
pub mod handover_store;
pub mod intake_events;
pub mod metrics;
pub mod referrals;
pub mod sla_engine;
pub mod store;

use anyhow::Context;
use api::RoutingApi;
use engine::Routing;
use frontdesk_platform::db::MigrationFile;
use frontdesk_platform::inbox::Consumer;
use frontdesk_platform::mount::{Deps, Mounted, Service};
use frontdesk_platform::peer::Peer;
use intake_events::IntakeEvents;
use sla_engine::SlaEngine;
use std::sync::Arc;
use std::time::Duration;

pub use frontdesk_platform::error::ServiceError as Error;
pub use frontdesk_proto::routing::v1::routing_service_server::RoutingServiceServer;

/// The name health checks and probes use.
pub const HEALTH_NAME: &str = "frontdesk.routing.v1.RoutingService";

/// The routing service, as the binary mounts it.
pub struct RoutingService;

impl Service for RoutingService {
    const NAME: &'static str = "routing";
    type Args = config::RoutingArgs;
    const ACCESS: &'static frontdesk_platform::access::Table = &access::ACCESS;

    fn migrations() -> &'static [MigrationFile] {
        store::MIGRATIONS
    }

    fn database_url(args: &Self::Args) -> Option<String> {
        args.database_url.clone()
    }

    /// Connects routing's database, applies migrations, gives each property its default
    /// departments; mounts the API, the consumer of intake's events and the SLA engine.
    async fn start(deps: Deps, args: Self::Args) -> anyhow::Result<Mounted> {
        crate::metrics::describe();
        let db = deps
            .open_db(args.db_max_connections, store::MIGRATIONS)
            .await?;
        store::seed_defaults(&db, &deps.properties).await?;
        let (rules, policies) = engine::load_config(args.config_dir.as_deref())
            .context("loading routing configuration")?;
        let fanout = deps.fanout(Self::NAME).await?;
        let mut routing = Routing::new(db.clone(), rules, policies, fanout.clone());
        if let Ok(intake) = deps.peer("intake") {
            let peer = Peer::new(
                intake,
                deps.auth.clone(),
                Self::NAME,
                Duration::from_secs(5),
            )?;
            routing.intake = Some(Arc::new(peer));
        }
        let wheel = deps.timer_wheel(Self::NAME).await?;
        let sla = SlaEngine {
            routing: routing.clone(),
            clock: deps.clock.clone().unwrap_or_else(|| wheel.clock()),
            wheel,
            lease: Duration::from_secs(args.timer_lease_secs.max(1)),
            tick: Duration::from_millis(args.sla_tick_ms.max(1)),
        };
        let auth = deps.auth.clone();
        let api = RoutingServiceServer::with_interceptor(
            RoutingApi::new(routing.clone(), deps.shutdown.clone()),
            move |req| auth.authorize(req, &access::ACCESS),
        );
        Ok(Mounted::new(Self::NAME, HEALTH_NAME, db.clone())
            .grpc(api)
            .emits(db.clone(), fanout)
            .consume(
                "intake",
                Consumer::new(db, Self::NAME, IntakeEvents::new(routing)),
            )
            .task(sla.clone().run_armer(deps.shutdown.clone()))
            .task(sla.clone().run_gauges(deps.shutdown.clone()))
            .task(sla.run_firer(deps.shutdown.clone())))
    }
}

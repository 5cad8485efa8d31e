//! frontdesk messaging: the information desk of procedure MD-2 … MD-4 — stays mirrored from
//! the PMS, privacy-safe guest lookups with an access log, messages for and from guests with
//! the message-waiting lamp and its paper copies, the mail and parcel custody log, and the
//! shift handover log.
//!
//! `api` (thin gRPC handlers) → `commands` (one transaction per use case) → `domain` (pure
//! rules) and `store` (the only SQL). Events leave through the outbox (`events`).

pub mod access;
pub mod api;
pub mod commands;
pub mod config;
pub mod domain;
pub mod events;
pub mod metrics;
pub mod store;

use commands::Messaging;
use frontdesk_platform::db::MigrationFile;
use frontdesk_platform::mount::{Deps, Mounted, Service};
use frontdesk_platform::timers::Clock;
use std::time::Duration;

pub use frontdesk_proto::messaging::v1::messaging_service_server::MessagingServiceServer;

/// The name health checks and probes use.
pub const HEALTH_NAME: &str = "frontdesk.messaging.v1.MessagingService";

/// The messaging service, as the binary mounts it.
pub struct MessagingService;

impl Service for MessagingService {
    const NAME: &'static str = "messaging";
    type Args = config::MessagingArgs;
    const ACCESS: &'static frontdesk_platform::access::Table = &access::ACCESS;

    fn migrations() -> &'static [MigrationFile] {
        store::MIGRATIONS
    }

    fn database_url(args: &Self::Args) -> Option<String> {
        args.database_url.clone()
    }

    /// Connects messaging's database, applies migrations, registers the served properties
    /// and mounts the API and the return sweep; its outbox feeds relays and WatchLamps.
    async fn start(deps: Deps, args: Self::Args) -> anyhow::Result<Mounted> {
        metrics::describe();
        let db = deps
            .open_db(args.db_max_connections, store::MIGRATIONS)
            .await?;
        store::seed_properties(&db, &deps.properties).await?;
        let fanout = deps.fanout(Self::NAME).await?;
        let desk = Messaging::new(db.clone(), fanout.clone(), args.return_after_days)
            .with_clock(deps.clock.clone().unwrap_or(Clock::System));
        let sweep = desk.clone().run_return_sweep(
            Duration::from_millis(args.return_sweep_ms.max(1)),
            deps.shutdown.clone(),
        );
        let auth = deps.auth.clone();
        let api = MessagingServiceServer::with_interceptor(
            api::MessagingApi::new(desk, deps.shutdown.clone()),
            move |req| auth.authorize(req, &access::ACCESS),
        );
        Ok(Mounted::new(Self::NAME, HEALTH_NAME, db.clone())
            .grpc(api)
            .task(sweep)
            .emits(db, fanout))
    }
}

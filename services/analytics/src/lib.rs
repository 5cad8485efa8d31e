//! frontdesk analytics: a fact per inquiry from intake's and routing's events (applied once
//! through the platform's inbox) and the KPI report of procedure CI-5.4.
//!
//! `api` (thin gRPC handlers) → `store` (the only SQL) and `domain` (pure KPI math);
//! `consumers` turn events into facts.

pub mod access;
pub mod anomalies;
pub mod api;
pub mod config;
pub mod consumers;
pub mod domain;
pub mod live;
pub mod metrics;
pub mod rebuild;
pub mod store;

use frontdesk_platform::db::MigrationFile;
use frontdesk_platform::inbox::Consumer;
use frontdesk_platform::mount::{Deps, Mounted, Service};

pub use frontdesk_proto::analytics::v1::analytics_service_server::AnalyticsServiceServer;

/// The name health checks and probes use.
pub const HEALTH_NAME: &str = "frontdesk.analytics.v1.AnalyticsService";

/// The analytics service, as the binary mounts it.
pub struct AnalyticsService;

impl Service for AnalyticsService {
    const NAME: &'static str = "analytics";
    type Args = config::AnalyticsArgs;
    const ACCESS: &'static frontdesk_platform::access::Table = &access::ACCESS;

    fn migrations() -> &'static [MigrationFile] {
        store::MIGRATIONS
    }

    fn database_url(args: &Self::Args) -> Option<String> {
        args.database_url.clone()
    }

    /// Connects analytics' database, applies migrations, mounts the report API and the
    /// consumers of intake's and routing's events.
    async fn start(deps: Deps, args: Self::Args) -> anyhow::Result<Mounted> {
        metrics::describe();
        let db = deps
            .open_db(args.db_max_connections, store::MIGRATIONS)
            .await?;
        let rule = args.rule();
        // Facts from before the rollups existed are rolled up once (no-op afterwards).
        let backfilled = store::rollups::backfill(&db, &rule).await?;
        if backfilled > 0 {
            tracing::info!(
                facts = backfilled,
                "rolled up facts recorded before the rollups"
            );
        }
        let fanout = deps.fanout(Self::NAME).await?;
        let auth = deps.auth.clone();
        let api = AnalyticsServiceServer::with_interceptor(
            api::AnalyticsApi::new(
                db.clone(),
                rule,
                args.targets(),
                fanout.clone(),
                deps.shutdown.clone(),
            ),
            move |req| auth.authorize(req, &access::ACCESS),
        );

        let evaluator = anomalies::run(
            db.clone(),
            fanout.clone(),
            args.anomaly_settings(),
            deps.shutdown.clone(),
        );
        Ok(Mounted::new(Self::NAME, HEALTH_NAME, db.clone())
            .grpc(api)
            // AnomalyDetected events (CI-5.3) go out through analytics' own outbox.
            .emits(db.clone(), fanout.clone())
            .task(evaluator)
            .consume(
                "intake",
                Consumer::new(
                    db.clone(),
                    Self::NAME,
                    consumers::Notifying(
                        consumers::Logged(consumers::intake::IntakeEvents { rule }),
                        fanout.clone(),
                    ),
                ),
            )
            .consume(
                "routing",
                Consumer::new(
                    db.clone(),
                    Self::NAME,
                    consumers::Notifying(
                        consumers::Logged(consumers::routing::RoutingEvents { rule }),
                        fanout.clone(),
                    ),
                ),
            )
            .consume(
                "knowledge",
                Consumer::new(
                    db,
                    Self::NAME,
                    consumers::Notifying(
                        consumers::Logged(consumers::knowledge::KnowledgeEvents),
                        fanout,
                    ),
                ),
            ))
    }
}

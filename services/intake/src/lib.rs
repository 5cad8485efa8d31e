//! frontdesk intake: every inquiry from every channel recorded, classified, answered, rated
//! and audited (procedure CI-1 … CI-3, CI-5).
//!
//! `api` (thin gRPC handlers) → `commands` (one transaction per use case) → `domain` (pure
//! rules) and `store` (the only SQL). `watch` streams changes from the outbox.

pub mod access;
pub mod api;
pub mod commands;
pub mod config;
pub mod convert;
pub mod domain;
pub mod error;
pub mod messaging_events;
pub mod metrics;
pub mod privacy;
pub mod routing_events;
pub mod store;
pub mod templates;
pub mod watch;

use anyhow::Context;
use commands::Intake;
use domain::classify::Classifier;
use frontdesk_platform::db::MigrationFile;
use frontdesk_platform::inbox::Consumer;
use frontdesk_platform::mount::{Deps, Mounted, Service};
use frontdesk_platform::peer::Peer;
use frontdesk_platform::shutdown::Shutdown;
use std::sync::Arc;
use std::time::Duration;

pub use frontdesk_proto::intake::v1::intake_service_server::IntakeServiceServer;

/// Loads the chain's rules and every property override found in the directory.
pub fn load_classifier(cfg: &config::IntakeArgs) -> anyhow::Result<Classifier> {
    let mut classifier = match &cfg.classifier_rules {
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("reading rules {}", path.display()))?;
            Classifier::from_toml(&text).with_context(|| format!("rules {}", path.display()))?
        }
        None => Classifier::default_rules(),
    };
    if let Some(dir) = &cfg.classifier_property_rules {
        let entries =
            std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))?;
        for entry in entries {
            let path = entry?.path();
            let (Some(stem), Some("toml")) = (
                path.file_stem().and_then(|s| s.to_str()),
                path.extension().and_then(|s| s.to_str()),
            ) else {
                continue;
            };
            let text = std::fs::read_to_string(&path)
                .with_context(|| format!("reading {}", path.display()))?;
            classifier = classifier
                .with_property_override(stem, &text)
                .with_context(|| format!("rules {}", path.display()))?;
        }
    }
    Ok(classifier)
}

/// The intake service, as the binary mounts it.
pub struct IntakeService;

impl Service for IntakeService {
    const NAME: &'static str = "intake";
    type Args = config::IntakeArgs;
    const ACCESS: &'static frontdesk_platform::access::Table = &access::ACCESS;

    fn migrations() -> &'static [MigrationFile] {
        store::MIGRATIONS
    }

    fn database_url(args: &Self::Args) -> Option<String> {
        args.database_url.clone()
    }

    /// Connects intake's database, applies migrations, registers the served properties;
    /// mounts the API, the consumer of routing's events (the projection) and of messaging's
    /// (links to the lookups, messages and mail items recorded for an inquiry).
    async fn start(deps: Deps, args: Self::Args) -> anyhow::Result<Mounted> {
        metrics::describe();
        let db = deps
            .open_db(args.db_max_connections, store::MIGRATIONS)
            .await?;
        store::seed_properties(&db, &deps.properties).await?;
        let classifier = load_classifier(&args)?;
        let fanout = deps.fanout(Self::NAME).await?;
        let intake = Intake::new(db.clone(), Arc::new(classifier), fanout.clone());
        // Reply templates are rendered by the knowledge service when it is reachable by
        // name; without it, a template answers FAILED_PRECONDITION and typed text works.
        let knowledge = match deps.peer("knowledge") {
            Ok(address) => Some(Arc::new(Peer::new(
                address,
                deps.auth.clone(),
                Self::NAME,
                Duration::from_secs(3),
            )?)),
            Err(_) => None,
        };
        let templates = templates::Templates::new(knowledge);
        let auth = deps.auth.clone();
        let api = IntakeServiceServer::with_interceptor(
            api::IntakeApi::new(intake.clone(), templates, deps.shutdown.clone()),
            move |req| auth.authorize(req, &access::ACCESS),
        );
        let mut mounted = Mounted::new(Self::NAME, HEALTH_NAME, db.clone())
            .task(index_older_inquiries(db.clone(), deps.shutdown.clone()));
        if args.personal_data_retention_days > 0 {
            mounted = mounted.task(privacy::run_retention(
                db.clone(),
                std::time::Duration::from_secs(
                    u64::from(args.personal_data_retention_days) * 86_400,
                ),
                std::time::Duration::from_secs(args.retention_sweep_secs.max(1)),
                deps.shutdown.clone(),
            ));
        }
        Ok(mounted
            .grpc(api)
            .emits(db.clone(), fanout)
            .consume(
                "routing",
                Consumer::new(
                    db.clone(),
                    Self::NAME,
                    routing_events::RoutingEvents::new(intake.clone()),
                ),
            )
            .consume(
                "messaging",
                Consumer::new(
                    db,
                    Self::NAME,
                    messaging_events::MessagingEvents::new(intake),
                ),
            ))
    }
}

/// Indexes inquiries written before search existed (migration 1008), a batch at a time,
/// while the service already serves: they are found by `text`, `customer_phone` once done.
async fn index_older_inquiries(db: frontdesk_platform::db::Db, mut shutdown: Shutdown) {
    let mut after = String::new();
    let mut batches = 0_u64;
    loop {
        let step = tokio::select! {
            r = store::backfill_search(&db, &after, 500) => r,
            () = shutdown.wait() => return,
        };
        match step {
            Ok(None) => break,
            Ok(Some(last)) => {
                after = last;
                batches += 1;
            }
            Err(e) => {
                tracing::warn!(error.message = %e, "indexing older inquiries for search failed; retrying");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(5)) => {}
                    () = shutdown.wait() => return,
                }
            }
        }
    }
    if batches > 0 {
        tracing::info!(batches, "older inquiries indexed for search");
    }
}

/// The name health checks and probes use.
pub const HEALTH_NAME: &str = "frontdesk.intake.v1.IntakeService";

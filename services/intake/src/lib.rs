//! frontdesk intake: every inquiry from every channel recorded, classified, answered, rated
//! and audited (procedure CI-1 … CI-3, CI-5).
//!
//! `api` (thin gRPC handlers) → `commands` (one transaction per use case) → `domain` (pure
//! rules) and `store` (the only SQL). `watch` streams changes from the outbox.

pub mod api;
pub mod commands;
pub mod config;
pub mod convert;
pub mod domain;
pub mod error;
pub mod routing_events;
pub mod store;
pub mod watch;

use anyhow::Context;
use commands::Intake;
use domain::classify::Classifier;
use frontdesk_platform::db::Db;
use frontdesk_platform::fanout::Fanout;
use std::sync::Arc;

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

/// Connects intake's database, applies migrations, registers the served properties.
pub async fn open(
    cfg: &config::IntakeArgs,
    database_url: &str,
    properties: &[String],
    fanout: Fanout,
) -> anyhow::Result<Intake> {
    let db = Db::connect(database_url, cfg.db_max_connections).await?;
    db.migrate(store::MIGRATIONS).await?;
    store::seed_properties(&db, properties).await?;
    let classifier = load_classifier(cfg)?;
    Ok(Intake::new(db, Arc::new(classifier), fanout))
}

//! frontdesk routing: who handles each inquiry (CI-2, CI-3.3 … CI-3.6). This version holds
//! the directory — departments (with the defaults every property starts with), staff and
//! external partners — that assignment, transfers and referrals draw on.

pub mod api;
pub mod assignment_store;
pub mod assignments;
pub mod config;
pub mod convert;
pub mod domain;
pub mod engine;
pub mod events;
pub mod intake_events;
pub mod sla_engine;
pub mod store;

use frontdesk_platform::db::Db;

pub use frontdesk_platform::error::ServiceError as Error;
pub use frontdesk_proto::routing::v1::routing_service_server::RoutingServiceServer;

/// Connects routing's database, applies migrations, gives each property its default
/// departments.
pub async fn open(
    database_url: &str,
    max_connections: u32,
    properties: &[String],
) -> anyhow::Result<Db> {
    let db = Db::connect(database_url, max_connections).await?;
    db.migrate(store::MIGRATIONS).await?;
    store::seed_defaults(&db, properties).await?;
    Ok(db)
}

//! frontdesk knowledge: the hotel's shared memory (CI-4, MD-1) — bilingual articles with
//! versions and review, a tantivy + jieba search index per replica, reply templates,
//! suggested answers and staff quizzes.
//!
//! `api` (thin gRPC handlers) → `commands` (one transaction per use case) → `domain` (pure
//! rules) and `store` (the only SQL); `index` is the search engine, free of gRPC and SQL.

pub mod access;
pub mod api;
pub mod commands;
pub mod config;
pub mod domain;
pub mod index;
pub mod metrics;
pub mod peers;
pub mod seed;
pub mod store;

use commands::Knowledge;
use frontdesk_platform::db::MigrationFile;
use frontdesk_platform::mount::{Deps, Mounted, Service};
use frontdesk_platform::peer::Peer;
use std::sync::Arc;
use std::time::Duration;

pub use frontdesk_proto::knowledge::v1::knowledge_service_server::KnowledgeServiceServer;

/// The name health checks and probes use.
pub const HEALTH_NAME: &str = "frontdesk.knowledge.v1.KnowledgeService";

/// The knowledge service, as the binary mounts it.
pub struct KnowledgeService;

impl Service for KnowledgeService {
    const NAME: &'static str = "knowledge";
    type Args = config::KnowledgeArgs;
    const ACCESS: &'static frontdesk_platform::access::Table = &access::ACCESS;

    fn migrations() -> &'static [MigrationFile] {
        store::MIGRATIONS
    }

    fn database_url(args: &Self::Args) -> Option<String> {
        args.database_url.clone()
    }

    /// Connects knowledge's database, applies migrations, builds this replica's index from
    /// it and mounts the API and the task that keeps the index following the database.
    async fn start(deps: Deps, args: Self::Args) -> anyhow::Result<Mounted> {
        metrics::describe();
        let db = deps
            .open_db(args.db_max_connections, store::MIGRATIONS)
            .await?;
        seed::load_if_new(&db, &deps.properties).await?;
        let index = Arc::new(index::KbIndex::new()?.with_search_threads(args.search_threads));
        commands::search::rebuild(&db, &index).await?;
        let fanout = deps.fanout(Self::NAME).await?;
        let kb = Knowledge::new(db.clone(), index.clone(), fanout.clone());
        let intake = match deps.peer("intake") {
            Ok(url) => Some(peers::Intake::new(Peer::new(
                url,
                deps.auth.clone(),
                Self::NAME,
                Duration::from_secs(5),
            )?)),
            Err(_) => None,
        };
        let auth = deps.auth.clone();
        let api = KnowledgeServiceServer::with_interceptor(
            api::KnowledgeApi::new(kb, intake),
            move |req| auth.authorize(req, &access::ACCESS),
        );
        let follow = follow(
            db.clone(),
            index,
            Duration::from_millis(args.follow_ms.max(10)),
            deps.shutdown.clone(),
        );
        Ok(Mounted::new(Self::NAME, HEALTH_NAME, db.clone())
            .grpc(api)
            .emits(db, fanout)
            .task(follow))
    }
}

/// Keeps this replica's index current: every `every`, the changes after its sequence.
async fn follow(
    db: frontdesk_platform::db::Db,
    index: Arc<index::KbIndex>,
    every: Duration,
    mut shutdown: frontdesk_platform::shutdown::Shutdown,
) {
    let mut synonyms_seen = -1;
    loop {
        tokio::select! {
            () = shutdown.wait() => return,
            () = tokio::time::sleep(every) => {}
        }
        match commands::search::follow_once(&db, &index, &mut synonyms_seen).await {
            Ok(n) => {
                if n > 0 {
                    ::metrics::counter!(metrics::INDEX_LAG).increment(n as u64);
                }
                #[allow(clippy::cast_precision_loss)]
                ::metrics::gauge!(metrics::INDEX_DOCUMENTS).set(index.documents() as f64);
            }
            Err(e) => tracing::warn!(error.message = %e, "index follow failed; retrying"),
        }
    }
}

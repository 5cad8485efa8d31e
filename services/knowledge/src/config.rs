//! Knowledge's settings (flags and env; defaults suit `frontdesk dev`).

#[derive(Debug, Clone, clap::Args)]
pub struct KnowledgeArgs {
    /// Knowledge's database: postgres://… in production, sqlite://… embedded. `frontdesk dev`
    /// defaults it to <data-dir>/knowledge.db.
    #[arg(
        id = "knowledge_database_url",
        long = "knowledge-database-url",
        env = "FRONTDESK_KNOWLEDGE_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Maximum Postgres connections of knowledge's pool.
    #[arg(
        id = "knowledge_db_max_connections",
        long = "knowledge-db-max-connections",
        env = "FRONTDESK_KNOWLEDGE_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub db_max_connections: u32,

    /// How often each replica's index looks for changes in the database (milliseconds).
    #[arg(
        id = "knowledge_follow_ms",
        long = "knowledge-follow-ms",
        env = "FRONTDESK_KNOWLEDGE_FOLLOW_MS",
        default_value_t = 200
    )]
    pub follow_ms: u64,

    /// How many searches run at once; more callers wait their turn (0: one per core). A
    /// search is CPU work, so more than the cores only time-slices and stretches the tail.
    #[arg(
        id = "knowledge_search_threads",
        long = "knowledge-search-threads",
        env = "FRONTDESK_KNOWLEDGE_SEARCH_THREADS",
        default_value_t = 0
    )]
    pub search_threads: usize,
}

impl Default for KnowledgeArgs {
    fn default() -> Self {
        KnowledgeArgs {
            database_url: None,
            db_max_connections: 8,
            follow_ms: 200,
            search_threads: 0,
        }
    }
}

//! Routing's settings (flags and env; defaults suit `frontdesk dev`).

#[derive(Debug, Clone, clap::Args)]
pub struct RoutingArgs {
    /// Routing's database: postgres://… in production, sqlite://… embedded. `frontdesk dev`
    /// defaults it to <data-dir>/routing.db.
    #[arg(
        long = "routing-database-url",
        env = "FRONTDESK_ROUTING_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Maximum Postgres connections of routing's pool.
    #[arg(
        long = "routing-db-max-connections",
        env = "FRONTDESK_ROUTING_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub db_max_connections: u32,
}

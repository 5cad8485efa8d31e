//! Routing's settings (flags and env; defaults suit `frontdesk dev`).

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct RoutingArgs {
    /// Routing's database: postgres://… in production, sqlite://… embedded. `frontdesk dev`
    /// defaults it to <data-dir>/routing.db.
    #[arg(
        id = "routing_database_url",
        long = "routing-database-url",
        env = "FRONTDESK_ROUTING_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Maximum Postgres connections of routing's pool.
    #[arg(
        id = "routing_db_max_connections",
        long = "routing-db-max-connections",
        env = "FRONTDESK_ROUTING_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub db_max_connections: u32,

    /// Directory with per-property overrides: rules/<property>.toml and sla/<property>.toml.
    #[arg(long = "routing-config-dir", env = "FRONTDESK_ROUTING_CONFIG_DIR")]
    pub config_dir: Option<PathBuf>,

    /// Milliseconds between looks for due SLA timers (bounds how late a timer fires).
    #[arg(
        long = "sla-tick-ms",
        env = "FRONTDESK_SLA_TICK_MS",
        default_value_t = 50
    )]
    pub sla_tick_ms: u64,

    /// Seconds a replica holds a claimed timer before another replica may fire it.
    #[arg(
        long = "sla-timer-lease-secs",
        env = "FRONTDESK_SLA_TIMER_LEASE_SECS",
        default_value_t = 30
    )]
    pub timer_lease_secs: u64,
}

impl Default for RoutingArgs {
    fn default() -> Self {
        RoutingArgs {
            database_url: None,
            db_max_connections: 8,
            config_dir: None,
            sla_tick_ms: 50,
            timer_lease_secs: 30,
        }
    }
}

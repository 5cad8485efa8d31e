//! Messaging's settings (flags and env; defaults suit `frontdesk dev`).

#[derive(Debug, Clone, clap::Args)]
pub struct MessagingArgs {
    /// Messaging's database: postgres://… in production, sqlite://… embedded. `frontdesk dev`
    /// defaults it to <data-dir>/messaging.db.
    #[arg(
        id = "messaging_database_url",
        long = "messaging-database-url",
        env = "FRONTDESK_MESSAGING_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Maximum Postgres connections of messaging's pool.
    #[arg(
        id = "messaging_db_max_connections",
        long = "messaging-db-max-connections",
        env = "FRONTDESK_MESSAGING_DB_MAX_CONNECTIONS",
        default_value_t = 8
    )]
    pub db_max_connections: u32,

    /// Days a departed guest's or unknown addressee's mail waits before it is due back to
    /// its sender (MD-4).
    #[arg(
        id = "messaging_return_after_days",
        long = "messaging-return-after-days",
        env = "FRONTDESK_MESSAGING_RETURN_AFTER_DAYS",
        default_value_t = 10
    )]
    pub return_after_days: u32,

    /// Milliseconds between sweeps that flag mail past its return date as due back to its
    /// sender (MAIL_STATUS_RETURN_DUE), so it shows in lists and the handover.
    #[arg(
        id = "messaging_return_sweep_ms",
        long = "messaging-return-sweep-ms",
        env = "FRONTDESK_MESSAGING_RETURN_SWEEP_MS",
        default_value_t = 60_000
    )]
    pub return_sweep_ms: u64,
}

impl Default for MessagingArgs {
    fn default() -> Self {
        MessagingArgs {
            database_url: None,
            db_max_connections: 8,
            return_after_days: 10,
            return_sweep_ms: 60_000,
        }
    }
}

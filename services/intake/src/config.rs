//! Intake's settings (flags and env; defaults suit `frontdesk dev`).

use std::path::PathBuf;

#[derive(Debug, Clone, clap::Args)]
pub struct IntakeArgs {
    /// Intake's database: postgres://… in production, sqlite://… embedded. `frontdesk dev`
    /// defaults it to <data-dir>/intake.db.
    #[arg(
        id = "intake_database_url",
        long = "intake-database-url",
        env = "FRONTDESK_INTAKE_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Maximum Postgres connections of intake's pool.
    #[arg(
        id = "intake_db_max_connections",
        long = "intake-db-max-connections",
        env = "FRONTDESK_INTAKE_DB_MAX_CONNECTIONS",
        default_value_t = 16
    )]
    pub db_max_connections: u32,

    /// The chain's classification rules (TOML). Default: the built-in rules.
    #[arg(long, env = "FRONTDESK_CLASSIFIER_RULES")]
    pub classifier_rules: Option<PathBuf>,

    /// Directory of per-property rule overrides, one `<property_id>.toml` each.
    #[arg(long, env = "FRONTDESK_CLASSIFIER_PROPERTY_RULES")]
    pub classifier_property_rules: Option<PathBuf>,

    /// Days the personal data of a resolved inquiry is kept; then a background sweep erases
    /// it, keeping the facts (PIPL / GDPR storage limitation). 0 keeps it.
    #[arg(
        id = "intake_personal_data_retention_days",
        long = "intake-personal-data-retention-days",
        env = "FRONTDESK_INTAKE_PERSONAL_DATA_RETENTION_DAYS",
        default_value_t = 730
    )]
    pub personal_data_retention_days: u32,

    /// Seconds between retention sweeps.
    #[arg(
        id = "intake_retention_sweep_secs",
        long = "intake-retention-sweep-secs",
        env = "FRONTDESK_INTAKE_RETENTION_SWEEP_SECS",
        default_value_t = 3600
    )]
    pub retention_sweep_secs: u64,
}

impl Default for IntakeArgs {
    fn default() -> Self {
        IntakeArgs {
            database_url: None,
            db_max_connections: 16,
            classifier_rules: None,
            classifier_property_rules: None,
            personal_data_retention_days: 730,
            retention_sweep_secs: 3600,
        }
    }
}

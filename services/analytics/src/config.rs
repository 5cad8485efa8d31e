//! Analytics' settings (flags and env; defaults suit `frontdesk dev` and CI-5.4's defaults).

#[derive(Debug, Clone, clap::Args)]
pub struct AnalyticsArgs {
    /// Analytics' database: postgres://… in production, sqlite://… embedded. `frontdesk dev`
    /// defaults it to <data-dir>/analytics.db.
    #[arg(
        id = "analytics_database_url",
        long = "analytics-database-url",
        env = "FRONTDESK_ANALYTICS_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// Maximum Postgres connections of analytics' pool.
    #[arg(
        id = "analytics_db_max_connections",
        long = "analytics-db-max-connections",
        env = "FRONTDESK_ANALYTICS_DB_MAX_CONNECTIONS",
        default_value_t = 4
    )]
    pub db_max_connections: u32,

    /// Offline channels (front desk, restaurant, facility) answer on the spot: the first
    /// response recorded within this many seconds of the inquiry counts as on the spot.
    #[arg(
        id = "analytics_on_the_spot_secs",
        long = "analytics-on-the-spot-secs",
        env = "FRONTDESK_ANALYTICS_ON_THE_SPOT_SECS",
        default_value_t = 60
    )]
    pub on_the_spot_secs: u64,

    /// Online channels (website, OTA, social, e-mail): first response within this many
    /// seconds (CI-5.4 default 1 h).
    #[arg(
        id = "analytics_online_within_secs",
        long = "analytics-online-within-secs",
        env = "FRONTDESK_ANALYTICS_ONLINE_WITHIN_SECS",
        default_value_t = 3600
    )]
    pub online_within_secs: u64,

    /// Hotline: first response within this many seconds (CI-5.4 default 3 min).
    #[arg(
        id = "analytics_hotline_within_secs",
        long = "analytics-hotline-within-secs",
        env = "FRONTDESK_ANALYTICS_HOTLINE_WITHIN_SECS",
        default_value_t = 180
    )]
    pub hotline_within_secs: u64,

    /// Target of the response timeliness rate, percent.
    #[arg(
        id = "analytics_timeliness_target_pct",
        long = "analytics-timeliness-target-pct",
        env = "FRONTDESK_ANALYTICS_TIMELINESS_TARGET_PCT",
        default_value_t = 95.0
    )]
    pub timeliness_target_pct: f64,

    /// Target of the answer accuracy rate, percent.
    #[arg(
        id = "analytics_accuracy_target_pct",
        long = "analytics-accuracy-target-pct",
        env = "FRONTDESK_ANALYTICS_ACCURACY_TARGET_PCT",
        default_value_t = 98.0
    )]
    pub accuracy_target_pct: f64,

    /// Target of customer satisfaction, percent.
    #[arg(
        id = "analytics_satisfaction_target_pct",
        long = "analytics-satisfaction-target-pct",
        env = "FRONTDESK_ANALYTICS_SATISFACTION_TARGET_PCT",
        default_value_t = 90.0
    )]
    pub satisfaction_target_pct: f64,

    /// Target of the staff quiz score (correct answers), percent.
    #[arg(
        id = "analytics_quiz_target_pct",
        long = "analytics-quiz-target-pct",
        env = "FRONTDESK_ANALYTICS_QUIZ_TARGET_PCT",
        default_value_t = 80.0
    )]
    pub quiz_target_pct: f64,

    /// Anomaly alerts (CI-5.3): the rolling window each property's inquiries are judged on,
    /// against the window of the same length just before.
    #[arg(
        id = "analytics_anomaly_window_secs",
        long = "analytics-anomaly-window-secs",
        env = "FRONTDESK_ANALYTICS_ANOMALY_WINDOW_SECS",
        default_value_t = 3600
    )]
    pub anomaly_window_secs: u64,

    /// How often the anomaly evaluator runs, milliseconds.
    #[arg(
        id = "analytics_anomaly_interval_ms",
        long = "analytics-anomaly-interval-ms",
        env = "FRONTDESK_ANALYTICS_ANOMALY_INTERVAL_MS",
        default_value_t = 60_000
    )]
    pub anomaly_interval_ms: u64,

    /// Volume spike: at least this many inquiries in the window …
    #[arg(
        id = "analytics_volume_spike_min",
        long = "analytics-volume-spike-min",
        env = "FRONTDESK_ANALYTICS_VOLUME_SPIKE_MIN",
        default_value_t = 20
    )]
    pub volume_spike_min: i64,

    /// … and at least this many times the window before (an empty one counts as 1).
    #[arg(
        id = "analytics_volume_spike_ratio",
        long = "analytics-volume-spike-ratio",
        env = "FRONTDESK_ANALYTICS_VOLUME_SPIKE_RATIO",
        default_value_t = 2.0
    )]
    pub volume_spike_ratio: f64,

    /// Breach rate alert: this share (percent) of the window's inquiries breached an SLA,
    /// of at least 10 inquiries.
    #[arg(
        id = "analytics_breach_rate_alert_pct",
        long = "analytics-breach-rate-alert-pct",
        env = "FRONTDESK_ANALYTICS_BREACH_RATE_ALERT_PCT",
        default_value_t = 20.0
    )]
    pub breach_rate_alert_pct: f64,

    /// Satisfaction drop alert: the satisfied share fell by this many points against the
    /// window before (at least 10 surveys in each).
    #[arg(
        id = "analytics_satisfaction_drop_pts",
        long = "analytics-satisfaction-drop-pts",
        env = "FRONTDESK_ANALYTICS_SATISFACTION_DROP_PTS",
        default_value_t = 15.0
    )]
    pub satisfaction_drop_pts: f64,
}

impl Default for AnalyticsArgs {
    fn default() -> Self {
        AnalyticsArgs {
            database_url: None,
            db_max_connections: 4,
            on_the_spot_secs: 60,
            online_within_secs: 3600,
            hotline_within_secs: 180,
            timeliness_target_pct: 95.0,
            accuracy_target_pct: 98.0,
            satisfaction_target_pct: 90.0,
            quiz_target_pct: 80.0,
            anomaly_window_secs: 3600,
            anomaly_interval_ms: 60_000,
            volume_spike_min: 20,
            volume_spike_ratio: 2.0,
            breach_rate_alert_pct: 20.0,
            satisfaction_drop_pts: 15.0,
        }
    }
}

impl AnalyticsArgs {
    pub fn rule(&self) -> crate::domain::kpi::TimelinessRule {
        let us = |s: u64| i64::try_from(s.saturating_mul(1_000_000)).unwrap_or(i64::MAX);
        crate::domain::kpi::TimelinessRule {
            on_the_spot_us: us(self.on_the_spot_secs),
            online_us: us(self.online_within_secs),
            hotline_us: us(self.hotline_within_secs),
        }
    }

    pub fn anomaly_settings(&self) -> crate::anomalies::Settings {
        let d = crate::domain::anomaly::Thresholds::default();
        crate::anomalies::Settings {
            window: std::time::Duration::from_secs(self.anomaly_window_secs.max(1)),
            interval: std::time::Duration::from_millis(self.anomaly_interval_ms.max(10)),
            thresholds: crate::domain::anomaly::Thresholds {
                volume_min: self.volume_spike_min,
                volume_ratio: self.volume_spike_ratio,
                breach_rate: self.breach_rate_alert_pct / 100.0,
                satisfaction_drop: self.satisfaction_drop_pts / 100.0,
                ..d
            },
        }
    }

    pub fn targets(&self) -> crate::domain::kpi::Targets {
        crate::domain::kpi::Targets {
            timeliness: self.timeliness_target_pct / 100.0,
            accuracy: self.accuracy_target_pct / 100.0,
            satisfaction: self.satisfaction_target_pct / 100.0,
            quiz: self.quiz_target_pct / 100.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: AnalyticsArgs,
    }

    #[test]
    fn defaults_match_between_clap_and_default() {
        let parsed = Cli::parse_from(["x"]).args;
        let d = AnalyticsArgs::default();
        assert_eq!(parsed.hotline_within_secs, d.hotline_within_secs);
        assert_eq!(parsed.online_within_secs, d.online_within_secs);
        assert_eq!(parsed.on_the_spot_secs, d.on_the_spot_secs);
        assert_eq!(parsed.timeliness_target_pct, d.timeliness_target_pct);
        assert_eq!(parsed.accuracy_target_pct, d.accuracy_target_pct);
        assert_eq!(parsed.satisfaction_target_pct, d.satisfaction_target_pct);
        assert_eq!(parsed.db_max_connections, d.db_max_connections);
        assert_eq!(parsed.anomaly_window_secs, d.anomaly_window_secs);
        assert_eq!(parsed.anomaly_interval_ms, d.anomaly_interval_ms);
        assert_eq!(parsed.volume_spike_min, d.volume_spike_min);
        assert_eq!(parsed.volume_spike_ratio, d.volume_spike_ratio);
        assert_eq!(parsed.breach_rate_alert_pct, d.breach_rate_alert_pct);
        assert_eq!(parsed.satisfaction_drop_pts, d.satisfaction_drop_pts);
        let t = d.anomaly_settings().thresholds;
        assert_eq!(
            t,
            crate::domain::anomaly::Thresholds::default(),
            "one set of defaults"
        );
    }
}

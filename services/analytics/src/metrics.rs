//! Analytics' metrics: names with the `frontdesk_analytics_` prefix; labels never carry ids.

pub const EVENTS_APPLIED: &str = "frontdesk_analytics_events_applied_total";
pub const REPORTS: &str = "frontdesk_analytics_reports_total";
pub const ANOMALIES: &str = "frontdesk_analytics_anomalies_total";

/// Describes every metric once at start (HELP lines on /metrics).
pub fn describe() {
    metrics::describe_counter!(
        EVENTS_APPLIED,
        "Events folded into the facts, by source (intake, routing)"
    );
    metrics::describe_counter!(REPORTS, "KPI reports served, by group_by");
    metrics::describe_counter!(
        ANOMALIES,
        "Anomaly episodes raised (CI-5.3), by kind (volume_spike, breach_rate, satisfaction_drop)"
    );
}

pub fn events_applied(source: &'static str, n: usize) {
    metrics::counter!(EVENTS_APPLIED, "source" => source).increment(n as u64);
}

pub fn report_served(group_by: &'static str) {
    metrics::counter!(REPORTS, "group_by" => group_by).increment(1);
}

pub fn anomaly_raised(kind: &'static str) {
    metrics::counter!(ANOMALIES, "kind" => kind).increment(1);
}

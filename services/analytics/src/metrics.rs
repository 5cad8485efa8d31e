//! Analytics' metrics: names with the `frontdesk_analytics_` prefix; labels never carry ids.

pub const EVENTS_APPLIED: &str = "frontdesk_analytics_events_applied_total";
pub const REPORTS: &str = "frontdesk_analytics_reports_total";

/// Describes every metric once at start (HELP lines on /metrics).
pub fn describe() {
    metrics::describe_counter!(
        EVENTS_APPLIED,
        "Events folded into the facts, by source (intake, routing)"
    );
    metrics::describe_counter!(REPORTS, "KPI reports served, by group_by");
}

pub fn event_applied(source: &'static str) {
    metrics::counter!(EVENTS_APPLIED, "source" => source).increment(1);
}

pub fn report_served(group_by: &'static str) {
    metrics::counter!(REPORTS, "group_by" => group_by).increment(1);
}

//! Routing's metrics: names with the `frontdesk_` prefix and base units; labels never carry
//! ids (department codes are a small fixed vocabulary per property).

pub const ROUTED: &str = "frontdesk_routed_total";
pub const REROUTED: &str = "frontdesk_routing_rerouted_total";
pub const HEAD_MISSING: &str = "frontdesk_routing_head_missing_total";
pub const UNKNOWN_VOCABULARY: &str = "frontdesk_routing_unknown_vocabulary_total";

/// Describes every metric once at start (HELP lines on /metrics).
pub fn describe() {
    metrics::describe_counter!(ROUTED, "Inquiries routed on arrival, by lead department");
    metrics::describe_counter!(
        REROUTED,
        "Inquiries routed again because intake's classification changed (reclassified or \
         triage confirmed), by the new lead department"
    );
    metrics::describe_counter!(
        HEAD_MISSING,
        "Notices meant for a department head (queued inquiry, escalation) of a department \
         that names no head, by department and who was told instead: duty_manager or nobody"
    );
    metrics::describe_counter!(
        UNKNOWN_VOCABULARY,
        "Intake events routing could not act on because a vocabulary value was unknown, by field"
    );
    metrics::describe_counter!(
        crate::sla_engine::DEADLINES_FIRED,
        "SLA deadlines fired, by kind (first_response_warning, first_response_breach, \
         …_escalate_head, …_escalate_duty_manager, and the same for resolution) and lead \
         department; every department's series exist from start"
    );
    metrics::describe_gauge!(
        crate::sla_engine::TIMERS_PENDING,
        "SLA deadlines still to fire (the timer wheel's size, counted in the database)"
    );
    metrics::describe_gauge!(
        crate::sla_engine::OPEN_PAST_DUE,
        "Open inquiries past their first-response or resolution deadline, by lead department"
    );
    metrics::describe_histogram!(
        crate::sla_engine::FIRE_LATENESS,
        metrics::Unit::Seconds,
        "How late SLA timers fired after their due time"
    );
}

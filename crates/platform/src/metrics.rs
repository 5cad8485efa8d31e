//! Prometheus metrics on the admin port. Names carry the `frontdesk_` prefix and base units;
//! labels never carry ids.

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};
use std::net::SocketAddr;

pub const GRPC_REQUESTS: &str = "frontdesk_grpc_requests_total";
pub const GRPC_DURATION: &str = "frontdesk_grpc_request_duration_seconds";
pub const OUTBOX_LAG: &str = "frontdesk_outbox_lag_events";
pub const OUTBOX_AGE: &str = "frontdesk_outbox_oldest_undelivered_age_seconds";
pub const RELAY_DELIVERY_ERRORS: &str = "frontdesk_relay_delivery_errors_total";
pub const EVENTS_DELIVERED: &str = "frontdesk_outbox_events_delivered_total";
pub const PEER_RETRIES: &str = "frontdesk_peer_retries_total";
pub const REDIS_ERRORS: &str = "frontdesk_redis_errors_total";
pub const INBOX_PARKED: &str = "frontdesk_inbox_parked_events";
pub const DB_UNAVAILABLE: &str = "frontdesk_db_unavailable_total";
pub const RATE_LIMITED: &str = "frontdesk_rate_limited_total";
pub const DB_POOL: &str = "frontdesk_db_pool_connections";
pub const BUILD_INFO: &str = "frontdesk_build_info";

const LATENCY_BUCKETS: &[f64] = &[
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

/// Serves `/metrics` on `addr`. Only one recorder can exist per process; a second install
/// (tests running several servers) is reported and ignored.
pub fn install(addr: SocketAddr) -> anyhow::Result<()> {
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(Matcher::Suffix("_seconds".into()), LATENCY_BUCKETS)?
        .install()
        .map_err(|e| anyhow::anyhow!("cannot serve metrics on {addr}: {e}"))?;
    describe();
    // The process's own series (process_cpu_seconds_total, process_resident_memory_bytes,
    // process_open_fds …), refreshed on the scrape interval's order.
    let process = metrics_process::Collector::default();
    process.describe();
    tokio::spawn(async move {
        loop {
            process.collect();
            tokio::time::sleep(std::time::Duration::from_secs(5)).await;
        }
    });
    Ok(())
}

fn describe() {
    metrics::describe_counter!(
        GRPC_REQUESTS,
        "gRPC requests by grpc_service, grpc_method and grpc_code (unknown paths share one \
         value)"
    );
    metrics::describe_histogram!(
        GRPC_DURATION,
        metrics::Unit::Seconds,
        "gRPC request latency until response headers"
    );
    metrics::describe_gauge!(
        OUTBOX_AGE,
        metrics::Unit::Seconds,
        "Age of the oldest event not yet delivered to a subscriber (0 when none), by source \
         and subscriber"
    );
    metrics::describe_gauge!(
        OUTBOX_LAG,
        "Outbox events not yet delivered to a subscriber, by source and subscriber"
    );
    metrics::describe_counter!(
        RELAY_DELIVERY_ERRORS,
        "Failed deliveries (retried with backoff), by source and subscriber"
    );
    metrics::describe_counter!(
        REDIS_ERRORS,
        "Failed Redis operations by op (publish, subscribe, timers); callers never wait on them"
    );
    metrics::describe_gauge!(
        INBOX_PARKED,
        "Events a consumer parked because they cannot be applied (alert when above 0)"
    );
    metrics::describe_counter!(
        DB_UNAVAILABLE,
        "Calls answered UNAVAILABLE because the database could not be reached in time"
    );
    metrics::describe_counter!(
        RATE_LIMITED,
        "Calls refused RESOURCE_EXHAUSTED by a rate or stream limit, by limit (caller, client address, streams)"
    );
    metrics::describe_gauge!(
        DB_POOL,
        "Database pool connections by database (the service that owns it) and state (in_use, idle)"
    );
    metrics::describe_gauge!(
        BUILD_INFO,
        "Always 1; the version and the services this process mounts as labels"
    );
    metrics::describe_counter!(
        EVENTS_DELIVERED,
        "Outbox events delivered, by source service and subscriber"
    );
    metrics::describe_counter!(
        PEER_RETRIES,
        "Idempotent calls to another service sent again after UNAVAILABLE, by calling service"
    );
}

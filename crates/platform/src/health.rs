//! Dependency health this process observes as a side effect of its work, for the health
//! service's details, metrics and logs. Redis is never on a caller's path: its failures are
//! counted (`frontdesk_redis_errors_total{op}`), logged once per outage (and again on
//! recovery), and shown as the health service name [`REDIS_HEALTH`] going NOT_SERVING, while
//! the services themselves stay SERVING.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// gRPC health service name reporting Redis reachability (a detail: the services stay
/// SERVING while Redis is down, with fan-out and timers degraded to database polling).
pub const REDIS_HEALTH: &str = "frontdesk.dependency.redis";

static REDIS_DOWN: AtomicBool = AtomicBool::new(false);
static REDIS_LAST_ERROR: Mutex<String> = Mutex::new(String::new());

/// Records a failed Redis operation (`op`: publish, subscribe, timers, clock …).
pub fn redis_failed(op: &'static str, error: &str) {
    metrics::counter!(crate::metrics::REDIS_ERRORS, "op" => op).increment(1);
    let error = crate::inbox::bounded(error, 200);
    if let Ok(mut last) = REDIS_LAST_ERROR.lock() {
        *last = format!("{op}: {error}");
    }
    if !REDIS_DOWN.swap(true, Ordering::SeqCst) {
        tracing::error!(
            alert = "redis_unreachable",
            op,
            error.message = %error,
            "Redis unreachable: writes go on; watchers and other replicas catch up by polling \
             the database, deadlines are fired from the database until Redis is back"
        );
    }
}

/// Records a successful Redis operation; logs the recovery after an outage.
pub fn redis_ok() {
    if REDIS_DOWN.swap(false, Ordering::SeqCst) {
        tracing::info!("Redis reachable again");
    }
}

/// `None` while Redis works (or is not used); else the last error.
pub fn redis_problem() -> Option<String> {
    if REDIS_DOWN.load(Ordering::SeqCst) {
        Some(
            REDIS_LAST_ERROR
                .lock()
                .map(|s| s.clone())
                .unwrap_or_default(),
        )
    } else {
        None
    }
}

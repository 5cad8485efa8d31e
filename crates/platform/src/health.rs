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

/// The gRPC health service (grpc.health.v1) of a process. Unlike tonic-health's, its Watch
/// streams end when the server shuts down, so an open probe or load-balancer watch does not
/// hold the drain for the whole grace period.
#[derive(Clone)]
pub struct HealthStatus {
    statuses: std::sync::Arc<tokio::sync::watch::Sender<std::collections::HashMap<String, i32>>>,
}

impl Default for HealthStatus {
    fn default() -> Self {
        Self::new()
    }
}

impl HealthStatus {
    /// The overall status `""` starts SERVING.
    pub fn new() -> Self {
        let mut initial = std::collections::HashMap::new();
        initial.insert(String::new(), wire(tonic_health::ServingStatus::Serving));
        HealthStatus {
            statuses: std::sync::Arc::new(tokio::sync::watch::Sender::new(initial)),
        }
    }

    pub async fn set_service_status(&self, service: &str, status: tonic_health::ServingStatus) {
        let status = wire(status);
        self.statuses
            .send_if_modified(|m| m.insert(service.to_string(), status) != Some(status));
    }

    fn get(&self, service: &str) -> Option<i32> {
        self.statuses.borrow().get(service).copied()
    }

    /// The tonic service to mount; its watches end on `shutdown`.
    pub fn server(
        &self,
        shutdown: crate::shutdown::Shutdown,
    ) -> tonic_health::pb::health_server::HealthServer<HealthApi> {
        tonic_health::pb::health_server::HealthServer::new(HealthApi {
            status: self.clone(),
            shutdown,
        })
    }
}

fn wire(s: tonic_health::ServingStatus) -> i32 {
    use tonic_health::pb::health_check_response::ServingStatus as W;
    match s {
        tonic_health::ServingStatus::Unknown => W::Unknown as i32,
        tonic_health::ServingStatus::Serving => W::Serving as i32,
        tonic_health::ServingStatus::NotServing => W::NotServing as i32,
    }
}

pub struct HealthApi {
    status: HealthStatus,
    shutdown: crate::shutdown::Shutdown,
}

type WatchStream = tokio_stream::wrappers::ReceiverStream<
    Result<tonic_health::pb::HealthCheckResponse, tonic::Status>,
>;

#[tonic::async_trait]
impl tonic_health::pb::health_server::Health for HealthApi {
    async fn check(
        &self,
        req: tonic::Request<tonic_health::pb::HealthCheckRequest>,
    ) -> Result<tonic::Response<tonic_health::pb::HealthCheckResponse>, tonic::Status> {
        let service = &req.get_ref().service;
        match self.status.get(service) {
            Some(status) => Ok(tonic::Response::new(
                tonic_health::pb::HealthCheckResponse { status },
            )),
            None => Err(tonic::Status::not_found(format!(
                "no service {:?} in this process",
                crate::inbox::bounded(service, 80)
            ))),
        }
    }

    type WatchStream = WatchStream;

    async fn watch(
        &self,
        req: tonic::Request<tonic_health::pb::HealthCheckRequest>,
    ) -> Result<tonic::Response<WatchStream>, tonic::Status> {
        use tonic_health::pb::health_check_response::ServingStatus as W;
        let service = req.into_inner().service;
        let mut rx = self.status.statuses.subscribe();
        let mut shutdown = self.shutdown.clone();
        let (tx, out) = tokio::sync::mpsc::channel(4);
        tokio::spawn(async move {
            let mut last = None;
            loop {
                let now = rx
                    .borrow_and_update()
                    .get(&service)
                    .copied()
                    .unwrap_or(W::ServiceUnknown as i32);
                if last != Some(now) {
                    last = Some(now);
                    let sent = tx.send(Ok(tonic_health::pb::HealthCheckResponse { status: now }));
                    if sent.await.is_err() {
                        return;
                    }
                }
                tokio::select! {
                    changed = rx.changed() => if changed.is_err() { return },
                    () = shutdown.wait() => {
                        // The drain's NOT_SERVING was set before the trigger; say it, then end.
                        let now = rx.borrow().get(&service).copied();
                        if let Some(now) = now && last != Some(now) {
                            let _ = tx.try_send(Ok(tonic_health::pb::HealthCheckResponse { status: now }));
                        }
                        return;
                    }
                    () = tx.closed() => return,
                }
            }
        });
        Ok(tonic::Response::new(
            tokio_stream::wrappers::ReceiverStream::new(out),
        ))
    }
}

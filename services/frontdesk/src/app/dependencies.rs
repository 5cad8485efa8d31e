//! Health that follows the mounted services' databases and Redis.

use frontdesk_platform::db::Db;
use frontdesk_platform::health::REDIS_HEALTH;
use frontdesk_platform::shutdown::Shutdown;
use std::time::Duration;
use tonic_health::ServingStatus;

/// How often the host checks the mounted services' databases and Redis.
const DEPENDENCY_CHECK: Duration = Duration::from_secs(1);

/// Keeps health truthful without a restart: a mounted service whose database does not answer
/// a ping goes NOT_SERVING (and so does the whole server, `""`) until it answers again;
/// Redis reachability is a detail under [`REDIS_HEALTH`]: the services stay SERVING without
/// it (writes never wait on Redis, timers fall back to the database).
pub(super) async fn watch_dependencies(
    health: frontdesk_platform::health::HealthStatus,
    mounted: Vec<(&'static str, Db)>,
    uses_redis: bool,
    mut shutdown: Shutdown,
) {
    // Everything starts SERVING (set at build); only changes are written, so the drain's
    // NOT_SERVING is never overwritten.
    let mut last: Vec<Option<bool>> = vec![Some(true); mounted.len()];
    let mut overall = true;
    let mut redis_last: Option<bool> = None;
    loop {
        tokio::select! {
            _ = shutdown.wait() => return,
            _ = tokio::time::sleep(DEPENDENCY_CHECK) => {}
        }
        if shutdown.is_triggered() {
            return;
        }
        for (i, (name, db)) in mounted.iter().enumerate() {
            let pool = db.pool();
            let idle = pool.num_idle() as f64;
            metrics::gauge!(frontdesk_platform::metrics::DB_POOL, "database" => *name, "state" => "idle")
                .set(idle);
            metrics::gauge!(frontdesk_platform::metrics::DB_POOL, "database" => *name, "state" => "in_use")
                .set(f64::from(pool.size()) - idle);
            let up = db.ping(DEPENDENCY_CHECK * 2).await;
            if last[i] != Some(up) {
                if up {
                    tracing::info!(service = name, "database reachable again: SERVING");
                } else {
                    tracing::error!(
                        alert = "database_unreachable",
                        service = name,
                        database = db.display_url(),
                        "database unreachable: NOT_SERVING; calls answer UNAVAILABLE until it is back"
                    );
                }
                let status = if up {
                    ServingStatus::Serving
                } else {
                    ServingStatus::NotServing
                };
                health.set_service_status(name, status).await;
                last[i] = Some(up);
            }
        }
        let all_up = last.iter().all(|s| *s != Some(false));
        if all_up != overall && !shutdown.is_triggered() {
            let status = if all_up {
                ServingStatus::Serving
            } else {
                ServingStatus::NotServing
            };
            health.set_service_status("", status).await;
            overall = all_up;
        }
        if uses_redis {
            let up = frontdesk_platform::health::redis_problem().is_none();
            if redis_last != Some(up) {
                health
                    .set_service_status(
                        REDIS_HEALTH,
                        if up {
                            ServingStatus::Serving
                        } else {
                            ServingStatus::NotServing
                        },
                    )
                    .await;
                redis_last = Some(up);
            }
        }
    }
}

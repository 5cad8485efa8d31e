//! The SLA engine's two loops, on every routing replica:
//!
//! - **armer**: puts pending deadlines from the database (the truth) into the timer wheel,
//!   and re-arms all of them when the wheel lost its state (Redis flushed or replaced);
//! - **firer**: claims due timers (one replica each, leased), marks each deadline fired in
//!   the database (once: a conditional update), and emits the warning / breach / escalation
//!   event naming who must be told.
//!
//! "Now" comes from one clock (Redis `TIME` in a cluster, a manual clock in tests).

use crate::assignment_store as store;
use crate::domain::sla_policy::DeadlineKind;
use crate::engine::Routing;
use crate::events::{DeadlineFired, emit};
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::timers::{ArmedTimer, Clock, TimerWheel};
use frontdesk_proto::routing::v1::AssignmentChange;
use std::time::Duration;

#[derive(Clone)]
pub struct SlaEngine {
    pub routing: Routing,
    pub wheel: TimerWheel,
    pub clock: Clock,
    /// How long a claimed timer is ours before another replica may fire it.
    pub lease: Duration,
    /// How often to look for due timers (bounds fire lateness).
    pub tick: Duration,
}

pub const BREACHES: &str = "frontdesk_sla_breaches_total";
pub const FIRE_LATENESS: &str = "frontdesk_sla_fire_lateness_seconds";

impl SlaEngine {
    pub async fn run_armer(self, mut shutdown: Shutdown) {
        loop {
            if let Err(e) = self.arm_once().await {
                tracing::warn!(error.message = %e, error.cause_chain = ?e, "arming deadlines failed; retrying");
            }
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = self.routing.armer.notified() => {},
                _ = tokio::time::sleep(Duration::from_secs(1)) => {},
            }
        }
    }

    /// One round: re-arm everything if the wheel was emptied, then arm what is new.
    pub async fn arm_once(&self) -> anyhow::Result<usize> {
        let rearm = self.wheel.needs_rearm().await?;
        if rearm {
            let n = store::unarm_all(&self.routing.db).await?;
            tracing::info!(
                deadlines = n,
                "timer wheel is empty or new: re-arming every pending deadline"
            );
        }
        let mut total = 0;
        loop {
            let batch = store::to_arm(&self.routing.db, 5_000).await?;
            if batch.is_empty() {
                break;
            }
            let timers: Vec<ArmedTimer> = batch
                .iter()
                .map(|(id, due)| ArmedTimer {
                    id: id.clone(),
                    due_at: *due,
                })
                .collect();
            self.wheel.arm(&timers).await?;
            store::mark_armed(&self.routing.db, &batch).await?;
            total += batch.len();
        }
        if rearm {
            self.wheel.mark_armed().await?;
        }
        Ok(total)
    }

    pub async fn run_firer(self, mut shutdown: Shutdown) {
        loop {
            let fired = match self.fire_once().await {
                Ok(n) => n,
                Err(e) => {
                    tracing::warn!(error.message = %e, error.cause_chain = ?e, "firing timers failed; retrying");
                    0
                }
            };
            if fired > 0 {
                continue;
            }
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep(self.tick) => {},
            }
        }
    }

    /// Claims and fires what is due now; returns how many timers were claimed.
    pub async fn fire_once(&self) -> anyhow::Result<usize> {
        let now = self.clock.now().await?;
        let claimed = self.wheel.claim_due(now, 500, self.lease).await?;
        if claimed.is_empty() {
            return Ok(0);
        }
        let mut done = Vec::with_capacity(claimed.len());
        let mut head = 0;
        for c in &claimed {
            let mut tx = self.routing.db.pool().begin().await?;
            if let Some((inquiry_id, kind, due_at)) =
                store::fire(&mut tx, &c.id, c.due_at, now).await?
            {
                if let Some(seq) = self.announce(&mut tx, &inquiry_id, kind, due_at).await? {
                    head = head.max(seq);
                }
                metrics::histogram!(FIRE_LATENESS).record((now - c.due_at).max(0) as f64 / 1e6);
            }
            tx.commit().await?;
            done.push(c.id.clone());
        }
        self.wheel.complete(&done).await?;
        if head > 0 {
            self.routing.fanout.publish(head).await;
        }
        Ok(claimed.len())
    }

    async fn announce(
        &self,
        tx: &mut sqlx::AnyConnection,
        inquiry_id: &str,
        kind: DeadlineKind,
        due_at: i64,
    ) -> anyhow::Result<Option<i64>> {
        let Some(routed) = store::load(tx, inquiry_id).await? else {
            return Ok(None);
        };
        let (head_id, duty_manager) =
            crate::store::department_contacts(tx, &routed.property_id, &routed.lead_department)
                .await?;
        use DeadlineKind::*;
        let handler = if routed.assignee.is_empty() {
            head_id.clone()
        } else {
            routed.assignee.clone()
        };
        let (change, notify, what) = match kind {
            FirstResponseWarning | ResolutionWarning => {
                (AssignmentChange::SlaWarning, handler, "deadline near")
            }
            FirstResponseBreach | ResolutionBreach => {
                (AssignmentChange::SlaBreached, handler, "deadline missed")
            }
            FirstResponseEscalateHead | ResolutionEscalateHead => (
                AssignmentChange::Escalated,
                head_id,
                "escalated to the department head",
            ),
            FirstResponseEscalateDutyManager | ResolutionEscalateDutyManager => (
                AssignmentChange::Escalated,
                duty_manager,
                "escalated to the duty manager",
            ),
        };
        if change == AssignmentChange::SlaBreached {
            let k = if kind.is_first_response() {
                "first_response"
            } else {
                "resolution"
            };
            metrics::counter!(BREACHES, "service" => "routing", "kind" => k).increment(1);
        }
        let fired = store::fired_kinds(tx, inquiry_id).await?;
        let to = if notify.is_empty() {
            "nobody named".to_string()
        } else {
            notify.clone()
        };
        let detail = format!("{}: {what}; {to} told", kind.code());
        let seq = emit(
            tx,
            change,
            &routed,
            fired,
            detail,
            Some(DeadlineFired {
                kind,
                due_at,
                notify_staff_id: notify,
            }),
        )
        .await?;
        Ok(Some(seq))
    }
}

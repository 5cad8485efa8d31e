//! The SLA engine's two loops, on every routing replica:
//!
//! - **armer**: puts pending deadlines from the database (the truth) into the timer wheel,
//!   and re-arms all of them when the wheel lost its state (Redis flushed or replaced);
//! - **firer**: claims due timers (one replica each, leased), marks each deadline fired in
//!   the database (once: a conditional update), and emits the warning / breach / escalation
//!   event naming who must be told.
//!
//! "Now" comes from one clock (Redis `TIME` in a cluster, a manual clock in tests).
//!
//! **Redis unreachable**: the firer polls the database instead (pending deadlines due by
//! this host's clock), every tick, until Redis answers again; firing stays once-only (the
//! conditional update in `store::fire`), so replicas polling together fire each deadline
//! once. The armer's failures are counted as Redis errors; once Redis is back, the timers
//! still in the wheel are claimed and dropped as already fired.

use crate::assignment_store as store;
use crate::domain::sla_policy::DeadlineKind;
use crate::domain::told::Told;
use crate::engine::Routing;
use crate::events::{By, DeadlineFired, emit};
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::timers::{ArmedTimer, Clock, TimerWheel, is_redis_error};
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

/// Longest a round may wait on Redis before the engine treats it as unreachable.
const REDIS_BOUND: Duration = Duration::from_secs(1);

pub const DEADLINES_FIRED: &str = "frontdesk_sla_deadlines_fired_total";
pub const OPEN_PAST_DUE: &str = "frontdesk_sla_open_past_due";
pub const TIMERS_PENDING: &str = "frontdesk_sla_timers_pending";
pub const FIRE_LATENESS: &str = "frontdesk_sla_fire_lateness_seconds";

/// How often the open-past-due gauge is recounted (a grouped count over open assignments).
const GAUGE_EVERY: Duration = Duration::from_secs(15);

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
        if self.wheel.is_redis() {
            return match tokio::time::timeout(REDIS_BOUND, self.arm_wheel()).await {
                Ok(Ok(n)) => {
                    frontdesk_platform::health::redis_ok();
                    Ok(n)
                }
                Ok(Err(e)) if is_redis_error(&e) => {
                    frontdesk_platform::health::redis_failed("timers", &format!("{e:#}"));
                    Ok(0)
                }
                Ok(Err(e)) => Err(e),
                Err(_) => {
                    frontdesk_platform::health::redis_failed("timers", "arming timed out");
                    Ok(0)
                }
            };
        }
        self.arm_wheel().await
    }

    async fn arm_wheel(&self) -> anyhow::Result<usize> {
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

    /// Keeps the SLA series current: every department's fired-deadline counters exist from
    /// the start (at 0: a dashboard and a `rate()` need the series before the first breach)
    /// and the open-past-due gauge is recounted from the database.
    pub async fn run_gauges(self, mut shutdown: Shutdown) {
        loop {
            if let Err(e) = self.count_past_due().await {
                tracing::warn!(error.message = %e, "counting open inquiries past due failed");
            }
            tokio::select! {
                _ = shutdown.wait() => return,
                _ = tokio::time::sleep(GAUGE_EVERY) => {},
            }
        }
    }

    pub async fn count_past_due(&self) -> anyhow::Result<()> {
        let pending = crate::deadline_store::pending_count(&self.routing.db).await?;
        metrics::gauge!(TIMERS_PENDING).set(pending as f64);
        let now = self.clock.now_without_redis();
        for (department, n) in store::open_past_due(&self.routing.db, now).await? {
            for kind in DeadlineKind::ALL {
                // `absolute` keeps the larger value: this never lowers a live counter.
                metrics::counter!(DEADLINES_FIRED, "kind" => kind.code(),
                    "department" => department.clone())
                .absolute(0);
            }
            metrics::gauge!(OPEN_PAST_DUE, "department" => department).set(n as f64);
        }
        Ok(())
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

    /// Claims and fires what is due now; returns how many timers were claimed (or, with
    /// Redis unreachable, how many deadlines were fired from the database).
    pub async fn fire_once(&self) -> anyhow::Result<usize> {
        let claim = async {
            let now = self.clock.now().await?;
            let claimed = self.wheel.claim_due(now, 500, self.lease).await?;
            anyhow::Ok((now, claimed))
        };
        let (now, claimed) = if self.wheel.is_redis() {
            match tokio::time::timeout(REDIS_BOUND, claim).await {
                Ok(Ok(x)) => {
                    frontdesk_platform::health::redis_ok();
                    x
                }
                Ok(Err(e)) if is_redis_error(&e) => {
                    frontdesk_platform::health::redis_failed("timers", &format!("{e:#}"));
                    return self.fire_from_database().await;
                }
                Ok(Err(e)) => return Err(e),
                Err(_) => {
                    frontdesk_platform::health::redis_failed("timers", "claiming timed out");
                    return self.fire_from_database().await;
                }
            }
        } else {
            claim.await?
        };
        if claimed.is_empty() {
            return Ok(0);
        }
        let due: Vec<(String, i64)> = claimed.iter().map(|c| (c.id.clone(), c.due_at)).collect();
        let done = self.fire_due(now, &due).await?;
        self.wheel.complete(&done).await?;
        Ok(claimed.len())
    }

    /// Redis is unreachable: fire the pending deadlines that are due by this host's clock
    /// straight from the database.
    async fn fire_from_database(&self) -> anyhow::Result<usize> {
        let now = self.clock.now_without_redis();
        let due = store::due_pending(&self.routing.db, now, 500).await?;
        let fired = self.fire_due(now, &due).await?;
        Ok(fired.len())
    }

    /// Fires each deadline (once: a conditional update) with its event; returns the ids.
    async fn fire_due(&self, now: i64, due: &[(String, i64)]) -> anyhow::Result<Vec<String>> {
        let mut done = Vec::with_capacity(due.len());
        let mut head = 0;
        for (id, due_at) in due {
            let mut tx = self.routing.db.pool().begin().await?;
            if let Some((inquiry_id, kind, due_at)) = store::fire(&mut tx, id, *due_at, now).await?
            {
                if let Some(seq) = self.announce(&mut tx, &inquiry_id, kind, due_at).await? {
                    head = head.max(seq);
                }
                metrics::histogram!(FIRE_LATENESS).record((now - due_at).max(0) as f64 / 1e6);
            }
            tx.commit().await?;
            done.push(id.clone());
        }
        if head > 0 {
            self.routing.fanout.publish(head).await;
        }
        Ok(done)
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
        let contacts =
            crate::store::department_contacts(tx, &routed.property_id, &routed.lead_department)
                .await?;
        use DeadlineKind::*;
        // Nobody holds it: the head is told in the handler's place (or, without a head, the
        // duty manager, said as such and counted).
        let to_head = || Some(Told::for_department(&contacts));
        let (change, told, what) = match kind {
            FirstResponseWarning | ResolutionWarning => (
                AssignmentChange::SlaWarning,
                if routed.assignee.is_empty() {
                    to_head()
                } else {
                    None
                },
                "deadline near",
            ),
            FirstResponseBreach | ResolutionBreach => (
                AssignmentChange::SlaBreached,
                if routed.assignee.is_empty() {
                    to_head()
                } else {
                    None
                },
                "deadline missed",
            ),
            FirstResponseEscalateHead | ResolutionEscalateHead => (
                AssignmentChange::Escalated,
                to_head(),
                "escalated to the department head",
            ),
            FirstResponseEscalateDutyManager | ResolutionEscalateDutyManager => (
                AssignmentChange::Escalated,
                Some(Told::duty_manager(&contacts)),
                "escalated to the duty manager",
            ),
        };
        metrics::counter!(DEADLINES_FIRED, "kind" => kind.code(),
            "department" => routed.lead_department.clone())
        .increment(1);
        let (notify, to) = match &told {
            None => (routed.assignee.clone(), format!("{} told", routed.assignee)),
            Some(t @ Told::DutyManager(_)) if !is_duty_manager_step(kind) => {
                crate::intake_events::count_told(Some(t), &routed.lead_department);
                (
                    t.staff_id().to_string(),
                    t.sentence(&routed.lead_department),
                )
            }
            Some(Told::Nobody) => {
                if !is_duty_manager_step(kind) {
                    crate::intake_events::count_told(Some(&Told::Nobody), &routed.lead_department);
                }
                (
                    String::new(),
                    format!(
                        "{} names nobody to tell: nobody could be told",
                        routed.lead_department
                    ),
                )
            }
            Some(t) => (t.staff_id().to_string(), format!("{} told", t.staff_id())),
        };
        let fired = store::fired_kinds(tx, inquiry_id).await?;
        let detail = format!("{}: {what}; {to}", kind.code());
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
            By::routing(&routed.assignee),
        )
        .await?;
        Ok(Some(seq))
    }
}

/// The duty manager's own escalation step: telling them is the plan, not a fallback.
fn is_duty_manager_step(kind: DeadlineKind) -> bool {
    matches!(
        kind,
        DeadlineKind::FirstResponseEscalateDutyManager
            | DeadlineKind::ResolutionEscalateDutyManager
    )
}

//! Intake's lifecycle events on an assignment already routed: the first response meets the
//! first-response deadlines, resolution closes the chain, a reopen gives a fresh resolution
//! target, a delay notice moves it (CI-3.6), and waiting on the customer stops the clocks.

use super::{IntakeEvents, micros, sla_channel_of, utc};
use crate::assignment_store as store;
use crate::domain::calendar::{Complexity as SlaComplexity, Pause};
use crate::domain::routed::RoutedState;
use crate::domain::sla_policy::{self, DeadlineKind};
use frontdesk_proto::routing::v1::AssignmentChange;
use sqlx::AnyConnection;

impl IntakeEvents {
    pub(super) async fn first_response(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        if self
            .change(
                tx,
                id,
                AssignmentChange::FirstResponseMet,
                "first response given",
                |r| r.first_response(at),
            )
            .await?
            .is_some()
        {
            store::cancel_deadlines(tx, id, DeadlineKind::is_first_response).await?;
        }
        Ok(())
    }

    pub(super) async fn resolved(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        if self
            .change(tx, id, AssignmentChange::Resolved, "resolved", |r| {
                r.resolve(at)
            })
            .await?
            .is_some()
        {
            store::cancel_deadlines(tx, id, |_| true).await?;
        }
        Ok(())
    }

    pub(super) async fn reopened(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        let Some(current) = store::load(tx, id).await? else {
            return Ok(());
        };
        let policy = self.routing.policy_for(tx, &current.property_id).await?;
        let complexity = if current.complexity == "complex" {
            SlaComplexity::Complex
        } else {
            SlaComplexity::Simple
        };
        // A reopened inquiry gets a fresh resolution target from now.
        let plan = sla_policy::plan(
            &policy,
            sla_channel_of(&current.channel)?,
            &current.category,
            complexity,
            utc(at),
        )
        .map_err(|e| anyhow::anyhow!("SLA plan: {e}"))?;
        let due = micros(plan.resolution_due);
        if self
            .change(tx, id, AssignmentChange::Reopened, "reopened", |r| {
                r.reopen(at, due)
            })
            .await?
            .is_some()
        {
            let timers: Vec<(DeadlineKind, i64)> = plan
                .timers
                .iter()
                .filter(|(k, _)| !k.is_first_response())
                .map(|(k, t)| (*k, micros(*t)))
                .collect();
            store::upsert_deadlines(tx, id, &current.property_id, &timers).await?;
        }
        Ok(())
    }

    /// CI-3.6: the customer was told a new time; the resolution chain follows it.
    pub(super) async fn delayed(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
        new_due: i64,
    ) -> anyhow::Result<()> {
        let Some(current) = store::load(tx, id).await? else {
            return Ok(());
        };
        let detail = "resolution deadline moved by a delay notice";
        if self
            .change(tx, id, AssignmentChange::DeadlineMoved, detail, |r| {
                r.move_resolution(at, new_due)
            })
            .await?
            .is_some()
        {
            let policy = self.routing.policy_for(tx, &current.property_id).await?;
            let timers: Vec<(DeadlineKind, i64)> =
                sla_policy::moved_resolution(&policy, utc(new_due), utc(at))
                    .into_iter()
                    .map(|(k, t)| (k, micros(t)))
                    .collect();
            store::upsert_deadlines(tx, id, &current.property_id, &timers).await?;
        }
        Ok(())
    }

    /// Waiting on the customer: the clocks stop; pending deadlines are withdrawn until the
    /// customer replies.
    pub(super) async fn paused(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        let detail = "SLA clocks paused while waiting on the customer";
        if self
            .change(tx, id, AssignmentChange::DeadlineMoved, detail, |r| {
                let open = r.state != RoutedState::Resolved;
                if open {
                    r.noted(at);
                }
                open
            })
            .await?
            .is_some()
        {
            store::start_pause(tx, id, at).await?;
            store::cancel_deadlines(tx, id, |_| true).await?;
        }
        Ok(())
    }

    /// The customer replied: every deadline not yet met moves by the working time waited.
    pub(super) async fn resumed(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        if !store::end_pause(tx, id, at).await? {
            return Ok(());
        }
        let Some(current) = store::load(tx, id).await? else {
            return Ok(());
        };
        if current.state == RoutedState::Resolved {
            return Ok(());
        }
        let policy = self.routing.policy_for(tx, &current.property_id).await?;
        let pauses: Vec<Pause> = store::pauses(tx, id)
            .await?
            .into_iter()
            .map(|(from, to)| Pause {
                from: utc(from),
                to: to.map(utc),
            })
            .collect();
        let complexity = if current.complexity == "complex" {
            SlaComplexity::Complex
        } else {
            SlaComplexity::Simple
        };
        let plan = sla_policy::plan_with_pauses(
            &policy,
            sla_channel_of(&current.channel)?,
            &current.category,
            complexity,
            utc(current.created_at),
            &pauses,
        )
        .map_err(|e| anyhow::anyhow!("SLA plan: {e}"))?;
        let fired = store::fired_kinds(tx, id).await?;
        let moved_by_delay = current.resolution_due != current.original_resolution_due;
        let waited = pauses
            .last()
            .map(|p| p.to.unwrap_or(p.from) - p.from)
            .unwrap_or_default();
        let mut timers: Vec<(DeadlineKind, i64)> = plan
            .timers
            .iter()
            .filter(|(k, _)| !fired.iter().any(|f| f == k.code()))
            .filter(|(k, _)| !(k.is_first_response() && current.first_response_at.is_some()))
            .filter(|(k, _)| k.is_first_response() || !moved_by_delay)
            .map(|(k, t)| (*k, micros(*t)))
            .collect();
        // A time promised by a delay notice moves by the wall-clock time waited.
        let resolution_due = if moved_by_delay {
            let due = utc(current.resolution_due) + waited;
            timers.extend(
                sla_policy::moved_resolution(&policy, due, utc(at))
                    .into_iter()
                    .filter(|(k, _)| !fired.iter().any(|f| f == k.code()))
                    .map(|(k, t)| (k, micros(t))),
            );
            micros(due)
        } else {
            micros(plan.resolution_due)
        };
        let original = if moved_by_delay {
            current.original_resolution_due
        } else {
            resolution_due
        };
        let first_due = micros(plan.first_response_due);
        let detail =
            "the customer replied: SLA clocks run again, deadlines moved by the time waited";
        self.change(tx, id, AssignmentChange::DeadlineMoved, detail, |r| {
            r.reschedule(at, first_due, resolution_due, original);
            true
        })
        .await?;
        store::upsert_deadlines(tx, id, &current.property_id, &timers).await?;
        Ok(())
    }
}

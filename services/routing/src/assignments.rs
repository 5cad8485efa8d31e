//! Staff actions on assignments: claim, reassign, release, transfer (CI-3.3) and refer
//! (CI-3.4). Each runs in one transaction: load, check, change, save, emit the event.

use crate::Error;
use crate::assignment_store::{self as store, Slip};
use crate::domain::assignment::Choice;
use crate::domain::directory::valid_code;
use crate::domain::routed::Routed;
use crate::domain::shift;
use crate::engine::Routing;
use crate::events::{By, emit};
use frontdesk_platform::auth::{Caller, Role};
use frontdesk_platform::time::now_micros;
use frontdesk_proto::routing::v1::AssignmentChange;
use sqlx::AnyConnection;

pub const SUPERVISORS: &[Role] = &[Role::Supervisor, Role::Manager, Role::Service];
pub const MAX_TOLD_WAIT_MINUTES: i32 = 7 * 24 * 60;

pub struct TransferOrder {
    pub to_department: String,
    pub reason: String,
    pub wait_minutes: i32,
    pub force: bool,
}

pub struct TransferDone {
    pub routed: Routed,
    pub slip_id: String,
    pub from: String,
    pub from_staff_id: String,
    pub at: i64,
}

/// `rule_id` of an assignment that stands on a transfer slip.
pub const TRANSFER_RULE: &str = "transfer";

pub struct Assignments {
    routing: Routing,
}

impl Assignments {
    pub fn new(routing: Routing) -> Self {
        Assignments { routing }
    }

    pub fn routing(&self) -> &Routing {
        &self.routing
    }

    /// The assignment, if the caller may see its property; otherwise NOT_FOUND, so another
    /// property's inquiries are not disclosed.
    pub(crate) async fn load(
        &self,
        conn: &mut AnyConnection,
        caller: &Caller,
        id: &str,
    ) -> Result<Routed, Error> {
        store::load(conn, id)
            .await?
            .filter(|r| caller.can_access(&r.property_id))
            .ok_or_else(|| Error::not_found("assignment for inquiry", id))
    }

    /// Saves `routed` and emits `change`; then commits and wakes the relay.
    pub(crate) async fn finish(
        &self,
        mut tx: sqlx::Transaction<'static, sqlx::Any>,
        routed: &Routed,
        loaded_version: i64,
        change: AssignmentChange,
        detail: String,
        by: By<'_>,
    ) -> Result<(), Error> {
        if !store::update(&mut tx, routed, loaded_version).await? {
            return Err(Error::Aborted(
                "the assignment changed concurrently; retry".into(),
            ));
        }
        let fired = store::fired_kinds(&mut tx, &routed.inquiry_id).await?;
        let seq = emit(&mut tx, change, routed, fired, detail, None, by).await?;
        tx.commit().await?;
        self.routing.fanout.publish(seq).await;
        tracing::info!(inquiry_id = %routed.inquiry_id, property_id = %routed.property_id, change = ?change,
            department = %routed.lead_department, actor = %by.actor, "assignment changed");
        Ok(())
    }

    /// `staff_id` takes the inquiry: the caller themselves, or the staff member an
    /// integration acts for (the handler checked who may name someone else).
    pub async fn claim(&self, caller: &Caller, staff_id: &str, id: &str) -> Result<Routed, Error> {
        let mut tx = self.routing.db.pool().begin().await?;
        let mut r = self.load(&mut tx, caller, id).await?;
        let me = crate::store::get_staff(&mut tx, &r.property_id, staff_id)
            .await?
            .ok_or_else(|| {
                // Who may act is a permission, not a state of the inquiry.
                Error::PermissionDenied(format!(
                    "{staff_id} is not staff of property {}; only staff claim inquiries",
                    r.property_id
                ))
            })?;
        if me.department_code != r.lead_department && caller.require_role(SUPERVISORS).is_err() {
            return Err(Error::FailedPrecondition(format!(
                "the inquiry is with {}; {} is in {}",
                r.lead_department, me.staff_id, me.department_code
            )));
        }
        if !r.assignee.is_empty() && r.assignee != me.staff_id {
            return Err(Error::FailedPrecondition(format!(
                "{} already handles it; a supervisor can reassign it",
                r.assignee
            )));
        }
        let loaded = r.version;
        if !r.assign(now_micros(), &me.staff_id) {
            return Ok(r); // already theirs: claiming twice is harmless
        }
        let mut detail = format!(
            "claimed by {} from the {} queue",
            me.staff_id, r.lead_department
        );
        if caller.subject != me.staff_id {
            detail.push_str(&format!(" (through {})", caller.subject));
        }
        self.finish(
            tx,
            &r,
            loaded,
            AssignmentChange::Assigned,
            detail,
            By {
                actor: &caller.subject,
                from_staff_id: "",
            },
        )
        .await?;
        Ok(r)
    }

    pub async fn reassign(
        &self,
        caller: &Caller,
        id: &str,
        staff_id: &str,
        reason: &str,
        force: bool,
    ) -> Result<Routed, Error> {
        let mut tx = self.routing.db.pool().begin().await?;
        let mut r = self.load(&mut tx, caller, id).await?;
        let Some(to) = crate::store::get_staff(&mut tx, &r.property_id, staff_id).await? else {
            return Err(Error::invalid(
                "staff_id",
                format!("no staff member {staff_id} at this property"),
            ));
        };
        // The customer would wait for someone who is not at work: only on purpose.
        let zone = self
            .routing
            .policy_for(&mut tx, &r.property_id)
            .await?
            .calendar
            .time_zone();
        let local = shift::local_time(zone, now_micros());
        let away = if !to.on_duty {
            Some("off duty")
        } else if !shift::on_shift(&to.shifts, local) {
            Some("off shift")
        } else {
            None
        };
        if let Some(away) = away
            && !force
        {
            return Err(Error::FailedPrecondition(format!(
                "{staff_id} is {away} now, so the customer would wait for someone not at work; \
                 reassign with force to hand it over anyway"
            )));
        }
        let loaded = r.version;
        let previous = r.assignee.clone();
        if !r.assign(now_micros(), staff_id) {
            return Err(Error::FailedPrecondition(format!(
                "already with {staff_id}, or resolved"
            )));
        }
        let detail = with_reason(
            format!(
                "reassigned to {staff_id} by {}, taken from {}",
                caller.subject,
                holder(&previous, &r.lead_department)
            ),
            reason,
        );
        let by = By {
            actor: &caller.subject,
            from_staff_id: &previous,
        };
        self.finish(tx, &r, loaded, AssignmentChange::Assigned, detail, by)
            .await?;
        Ok(r)
    }

    pub async fn release(&self, caller: &Caller, id: &str, reason: &str) -> Result<Routed, Error> {
        let mut tx = self.routing.db.pool().begin().await?;
        let mut r = self.load(&mut tx, caller, id).await?;
        if r.assignee != caller.subject {
            caller.require_role(SUPERVISORS).map_err(|_| {
                Error::PermissionDenied("only the handler or a supervisor can release it".into())
            })?;
        }
        let loaded = r.version;
        let previous = r.assignee.clone();
        if !r.assign(now_micros(), "") {
            return Err(Error::FailedPrecondition(
                "it is already in the department queue, or resolved".into(),
            ));
        }
        // A supervisor taking it from someone is said as such, not as the handler letting go.
        let what = if previous == caller.subject {
            format!("{previous} released it to the {} queue", r.lead_department)
        } else {
            format!(
                "{} took it from {previous} and released it to the {} queue",
                caller.subject, r.lead_department
            )
        };
        let detail = with_reason(what, reason);
        let by = By {
            actor: &caller.subject,
            from_staff_id: &previous,
        };
        self.finish(tx, &r, loaded, AssignmentChange::Assigned, detail, by)
            .await?;
        Ok(r)
    }

    /// CI-3.3: a transfer slip, and a handler in the receiving department.
    pub async fn transfer(
        &self,
        caller: &Caller,
        id: &str,
        order: TransferOrder,
    ) -> Result<TransferDone, Error> {
        let mut tx = self.routing.db.pool().begin().await?;
        let mut r = self.load(&mut tx, caller, id).await?;
        let to = order.to_department.as_str();
        if !valid_code(to) || !crate::store::department_exists(&mut tx, &r.property_id, to).await? {
            return Err(Error::invalid(
                "to_department",
                format!("no department {to:?} at this property"),
            ));
        }
        if to == r.lead_department {
            return Err(Error::FailedPrecondition(format!(
                "the inquiry is already with {to}"
            )));
        }
        let zone = self
            .routing
            .policy_for(&mut tx, &r.property_id)
            .await?
            .calendar
            .time_zone();
        let choice = self
            .routing
            .pick_handler(
                &mut tx,
                &r.property_id,
                to,
                &r.language,
                &r.category,
                shift::local_time(zone, now_micros()),
            )
            .await?;
        let assignee = match choice {
            Choice::Assigned { staff_id, .. } => staff_id,
            Choice::Queue { reason } => {
                if !order.force {
                    return Err(Error::FailedPrecondition(format!(
                        "{to} cannot take it now ({reason}); the customer would wait unattended — transfer with force to queue it"
                    )));
                }
                String::new()
            }
        };
        let at = now_micros();
        let from = r.lead_department.clone();
        let previous = r.assignee.clone();
        let loaded = r.version;
        r.transfer(at, to, &assignee);
        let slip_id = uuid_v7();
        // The assignment now stands on the transfer, not on the rule that first routed it.
        r.rule_id = TRANSFER_RULE.to_string();
        r.reason = format!(
            "transferred from {from} to {to} by {} (slip {slip_id}): {}",
            caller.subject, order.reason
        );
        store::insert_slip(
            &mut tx,
            &Slip {
                slip_id: &slip_id,
                property_id: &r.property_id,
                inquiry_id: id,
                from: &from,
                to,
                reason: &order.reason,
                wait_minutes: i64::from(order.wait_minutes),
                by: &caller.subject,
                at,
                forced: order.force,
                from_staff_id: &previous,
                to_staff_id: &assignee,
            },
        )
        .await?;
        let who = if assignee.is_empty() {
            "queued".to_string()
        } else {
            format!("assigned to {assignee}")
        };
        let detail = format!(
            "transfer slip {slip_id} by {}: {from} → {to}, {}; taken from {}; customer told to \
             expect ~{} min; {who}",
            caller.subject,
            order.reason,
            holder(&previous, &from),
            order.wait_minutes
        );
        let by = By {
            actor: &caller.subject,
            from_staff_id: &previous,
        };
        self.finish(tx, &r, loaded, AssignmentChange::Transferred, detail, by)
            .await?;
        Ok(TransferDone {
            routed: r,
            slip_id,
            from,
            from_staff_id: previous,
            at,
        })
    }
}

/// Whose hands an inquiry was in, for the timeline.
fn holder(staff_id: &str, department: &str) -> String {
    if staff_id.is_empty() {
        format!("the {department} queue")
    } else {
        staff_id.to_string()
    }
}

pub(crate) fn with_reason(what: String, reason: &str) -> String {
    if reason.trim().is_empty() {
        what
    } else {
        format!("{what}: {}", reason.trim())
    }
}

pub(crate) fn uuid_v7() -> String {
    uuid::Uuid::now_v7().to_string()
}

//! Routing's outgoing events (transactional outbox), consumed by intake's projection and,
//! later, analytics.

use crate::convert::assignment_to_pb;
use crate::domain::routed::Routed;
use crate::domain::sla_policy::DeadlineKind;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_platform::time::to_timestamp;
use frontdesk_proto::routing::v1 as pb;
use prost::Message;
use sqlx::AnyConnection;

pub const SOURCE: &str = "routing";

/// What happened to a deadline, for SLA events.
pub struct DeadlineFired {
    pub kind: DeadlineKind,
    pub due_at: i64,
    pub notify_staff_id: String,
}

/// Who made a change, and whose hands the inquiry left: the staff member (token subject) for
/// staff actions, "routing" for routing's own decisions. The handler after is the
/// assignment's.
#[derive(Debug, Clone, Copy)]
pub struct By<'a> {
    pub actor: &'a str,
    pub from_staff_id: &'a str,
}

impl<'a> By<'a> {
    /// Routing itself decided (routing, deadlines, intake's lifecycle echoed).
    pub fn routing(from_staff_id: &'a str) -> Self {
        By {
            actor: SOURCE,
            from_staff_id,
        }
    }
}

/// Changes that are a deadline firing, the only ones that carry `deadline_kind`.
pub fn is_deadline_change(change: pb::AssignmentChange) -> bool {
    matches!(
        change,
        pb::AssignmentChange::SlaWarning
            | pb::AssignmentChange::SlaBreached
            | pb::AssignmentChange::Escalated
    )
}

/// Appends an AssignmentChanged event in the caller's transaction; returns its sequence.
pub async fn emit(
    conn: &mut AnyConnection,
    change: pb::AssignmentChange,
    routed: &Routed,
    fired: Vec<String>,
    detail: String,
    deadline: Option<DeadlineFired>,
    by: By<'_>,
) -> anyhow::Result<i64> {
    let event = assignment_event(change, routed, fired, detail, deadline, by);
    Ok(outbox::append(conn, event).await?.sequence)
}

/// An AssignmentChanged event of the consumer batch being applied, appended with the rest
/// of the batch at its end (see [`crate::batch`]).
pub fn record(
    change: pb::AssignmentChange,
    routed: &Routed,
    fired: Vec<String>,
    detail: String,
    deadline: Option<DeadlineFired>,
    by: By<'_>,
) -> anyhow::Result<()> {
    crate::batch::record(assignment_event(
        change, routed, fired, detail, deadline, by,
    ))
}

fn assignment_event(
    change: pb::AssignmentChange,
    routed: &Routed,
    fired: Vec<String>,
    detail: String,
    deadline: Option<DeadlineFired>,
    by: By<'_>,
) -> NewEvent {
    let (deadline_kind, due_at, notify_staff_id) = match deadline {
        // Only a deadline event names a deadline kind: a consumer filtering on
        // `deadline_kind = first_response_breach` must not count ROUTED (whose due time and
        // person told are the first-response deadline's, but nothing fired) as a breach.
        Some(d) => (
            if is_deadline_change(change) {
                d.kind.code().to_string()
            } else {
                String::new()
            },
            Some(to_timestamp(d.due_at)),
            d.notify_staff_id,
        ),
        None => (String::new(), None, String::new()),
    };
    let payload = pb::AssignmentChanged {
        change: change as i32,
        assignment: Some(assignment_to_pb(routed, fired)),
        detail,
        deadline_kind,
        due_at,
        notify_staff_id,
        actor: by.actor.to_string(),
        from_staff_id: by.from_staff_id.to_string(),
        to_staff_id: routed.assignee.clone(),
    }
    .encode_to_vec();
    NewEvent {
        event_type: <pb::AssignmentChanged as prost::Name>::full_name(),
        property_id: routed.property_id.clone(),
        aggregate_id: routed.inquiry_id.clone(),
        // The stored event names who acted, as the payload does (CI-3.8 traceable).
        actor: by.actor.to_string(),
        payload,
        // The current span: the staff call, or the intake event being applied.
        traceparent: frontdesk_platform::grpc::current_traceparent(),
    }
}

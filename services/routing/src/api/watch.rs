//! WatchAssignments: a department's or a person's assignment changes, resumable.

use super::*;

impl RoutingApi {
    pub(super) async fn watch_assignments(
        &self,
        req: Request<pb::WatchAssignmentsRequest>,
    ) -> Res<AssignmentStream> {
        let caller = Caller::from_request(&req)?;
        let slot = frontdesk_platform::limits::stream_slot(&req, &caller)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let after = frontdesk_platform::watch::start_after(
            &self.db,
            &r.cursor,
            r.from_beginning,
            "WatchAssignments",
        )
        .await?;
        let department = r.department_code.trim().to_string();
        let staff = r.staff_id.trim().to_string();
        let send_caught_up = r.send_caught_up;
        let stream = frontdesk_platform::watch::stream(
            self.db.clone(),
            self.fanout.subscribe(),
            Some(vec![property_id]),
            after,
            self.shutdown.clone(),
            slot,
            move |e| {
                if e.event_type != <pb::AssignmentChanged as prost::Name>::full_name() {
                    return None;
                }
                let changed =
                    <pb::AssignmentChanged as prost::Message>::decode(e.payload.as_slice()).ok()?;
                let a = changed.assignment.as_ref()?;
                if !department.is_empty() && a.lead_department != department {
                    return None;
                }
                if !staff.is_empty() && a.assignee != staff && changed.notify_staff_id != staff {
                    return None;
                }
                Some(pb::WatchAssignmentsResponse {
                    cursor: e.sequence.to_string(),
                    event_id: e.event_id,
                    change: changed.change,
                    assignment: changed.assignment,
                    detail: changed.detail,
                    deadline_kind: changed.deadline_kind,
                    notify_staff_id: changed.notify_staff_id,
                    occurred_at: Some(frontdesk_platform::time::to_timestamp(e.occurred_at)),
                    actor: changed.actor,
                    from_staff_id: changed.from_staff_id,
                    to_staff_id: changed.to_staff_id,
                    caught_up: false,
                })
            },
            move |cursor| {
                send_caught_up.then(|| pb::WatchAssignmentsResponse {
                    cursor: cursor.to_string(),
                    caught_up: true,
                    ..Default::default()
                })
            },
        );
        Ok(Response::new(stream))
    }
}

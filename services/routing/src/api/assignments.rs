//! Assignment RPCs: read, list, claim, reassign, release, transfer and transfer slips.

use super::*;

/// The told wait as whole minutes, 1 minute to 7 days; a violation otherwise.
fn told_wait_minutes(d: Option<&prost_types::Duration>, v: &mut Violations) -> i32 {
    let field = "customer_told_wait";
    let Some(d) = d else {
        v.add(
            field,
            "required: the wait the customer was told, 1 minute to 7 days",
        );
        return 0;
    };
    if d.nanos != 0 || d.seconds % 60 != 0 {
        v.add(
            field,
            "whole minutes: the customer is told minutes, not seconds",
        );
        return 0;
    }
    match i32::try_from(d.seconds / 60) {
        Ok(m) if (1..=MAX_TOLD_WAIT_MINUTES).contains(&m) => m,
        _ => {
            v.add(field, "1 minute to 7 days");
            0
        }
    }
}

impl RoutingApi {
    pub(super) async fn get_assignment(
        &self,
        req: Request<pb::GetAssignmentRequest>,
    ) -> Res<pb::GetAssignmentResponse> {
        let caller = Caller::from_request(&req)?;
        let id = req.get_ref().inquiry_id.trim().to_string();
        if id.is_empty() {
            return Err(Error::invalid("inquiry_id", "required").into());
        }
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        // Another property's inquiry is NOT_FOUND: its existence is not disclosed.
        let routed = assignment_store::load(&mut conn, &id)
            .await
            .map_err(Error::from)?
            .filter(|r| caller.can_access(&r.property_id))
            .ok_or_else(|| {
                Status::not_found(format!("no assignment for inquiry {id} (not routed yet?)"))
            })?;
        let fired = assignment_store::fired_kinds(&mut conn, &id)
            .await
            .map_err(Error::from)?;
        Ok(Response::new(pb::GetAssignmentResponse {
            assignment: Some(assignment_to_pb(&routed, fired)),
        }))
    }

    pub(super) async fn list_assignments(
        &self,
        req: Request<pb::ListAssignmentsRequest>,
    ) -> Res<pb::ListAssignmentsResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = read_token(&r.page_token, &mut v).and_then(|t| parse_position(&t));
        if !r.page_token.is_empty() && after.is_none() && v.is_empty() {
            v.add("page_token", "not a token returned by ListAssignments");
        }
        check(v)?;
        let filter = assignment_store::AssignmentFilter {
            property_id,
            department: r.department_code.trim().to_string(),
            assignee: r.assignee.trim().to_string(),
            queue_only: r.queue_only,
            include_resolved: r.include_resolved,
            after,
            limit: size + 1,
        };
        let rows = assignment_store::list(&self.db, &filter)
            .await
            .map_err(Error::from)?;
        let (rows, next_page_token) =
            page(rows, size, |a| position_key(a.created_at, &a.inquiry_id));
        Ok(Response::new(pb::ListAssignmentsResponse {
            assignments: rows
                .iter()
                .map(|a| assignment_to_pb(a, Vec::new()))
                .collect(),
            next_page_token,
        }))
    }

    pub(super) async fn claim(&self, req: Request<pb::ClaimRequest>) -> Res<pb::ClaimResponse> {
        let caller = Caller::from_request(&req)?;
        let id = required(&req.get_ref().inquiry_id, "inquiry_id")?;
        let staff_id = req.get_ref().staff_id.trim();
        let on_behalf = !staff_id.is_empty() && staff_id != caller.subject;
        if on_behalf && !matches!(caller.role, Role::Integration | Role::Service) {
            return Err(Error::PermissionDenied(format!(
                "only an integration claims for someone else (staff_id {staff_id}); a \
                 supervisor gives an inquiry to someone with Reassign"
            ))
            .into());
        }
        let for_staff = if staff_id.is_empty() {
            caller.subject.as_str()
        } else {
            staff_id
        };
        let r = self.assignments.claim(&caller, for_staff, &id).await?;
        Ok(Response::new(pb::ClaimResponse {
            assignment: Some(assignment_to_pb(&r, Vec::new())),
        }))
    }

    pub(super) async fn reassign(
        &self,
        req: Request<pb::ReassignRequest>,
    ) -> Res<pb::ReassignResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let id = required(&r.inquiry_id, "inquiry_id")?;
        let staff_id = required(&r.staff_id, "staff_id")?;
        let a = self
            .assignments
            .reassign(&caller, &id, &staff_id, &r.reason, r.force)
            .await?;
        Ok(Response::new(pb::ReassignResponse {
            assignment: Some(assignment_to_pb(&a, Vec::new())),
        }))
    }

    pub(super) async fn release(
        &self,
        req: Request<pb::ReleaseRequest>,
    ) -> Res<pb::ReleaseResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let id = required(&r.inquiry_id, "inquiry_id")?;
        let a = self.assignments.release(&caller, &id, &r.reason).await?;
        Ok(Response::new(pb::ReleaseResponse {
            assignment: Some(assignment_to_pb(&a, Vec::new())),
        }))
    }

    pub(super) async fn transfer(
        &self,
        req: Request<pb::TransferRequest>,
    ) -> Res<pb::TransferResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        if r.inquiry_id.trim().is_empty() {
            v.add("inquiry_id", "required");
        }
        if r.to_department.trim().is_empty() {
            v.add("to_department", "required");
        }
        if r.reason.trim().is_empty() {
            v.add("reason", "required: the customer is told why (CI-3.3)");
        }
        let wait_minutes = told_wait_minutes(r.customer_told_wait.as_ref(), &mut v);
        check(v)?;
        let order = TransferOrder {
            to_department: r.to_department.trim().to_string(),
            reason: r.reason.trim().to_string(),
            wait_minutes,
            force: r.force,
        };
        let done = self
            .assignments
            .transfer(&caller, r.inquiry_id.trim(), order)
            .await?;
        let slip = pb::TransferSlip {
            slip_id: done.slip_id,
            inquiry_id: done.routed.inquiry_id.clone(),
            from_department: done.from,
            to_department: done.routed.lead_department.clone(),
            reason: r.reason.trim().to_string(),
            customer_told_wait: Some(minutes_to_pb(i64::from(wait_minutes))),
            transferred_by: caller.subject.clone(),
            transferred_at: Some(frontdesk_platform::time::to_timestamp(done.at)),
            forced: r.force,
            property_id: done.routed.property_id.clone(),
            from_staff_id: done.from_staff_id,
            to_staff_id: done.routed.assignee.clone(),
        };
        Ok(Response::new(pb::TransferResponse {
            assignment: Some(assignment_to_pb(&done.routed, Vec::new())),
            slip: Some(slip),
        }))
    }

    pub(super) async fn list_transfers(
        &self,
        req: Request<pb::ListTransfersRequest>,
    ) -> Res<pb::ListTransfersResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = frontdesk_platform::paging::read_position(&r.page_token, &mut v);
        let (inquiry, department) = (r.inquiry_id.trim(), r.department_code.trim());
        let of = match (inquiry.is_empty(), department.is_empty()) {
            (false, true) => Some(assignment_store::SlipsOf::Inquiry(inquiry)),
            (true, false) => Some(assignment_store::SlipsOf::Department(department)),
            (false, false) => {
                v.add(
                    "department_code",
                    "give an inquiry_id or a department_code, not both",
                );
                None
            }
            (true, true) => {
                v.add("inquiry_id", "required: an inquiry_id or a department_code");
                None
            }
        };
        check(v)?;
        let Some(of) = of else {
            return Err(Status::internal("unreachable: filter validated"));
        };
        let rows = assignment_store::list_slips(&self.db, &property_id, of, after, size + 1)
            .await
            .map_err(Error::from)?;
        let (rows, next_page_token) =
            page(rows, size, |s| position_key(s.transferred_at, &s.slip_id));
        Ok(Response::new(pb::ListTransfersResponse {
            slips: rows.iter().map(crate::convert::slip_to_pb).collect(),
            next_page_token,
        }))
    }
}

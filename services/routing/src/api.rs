//! gRPC handlers of the directory: authenticate, validate, store, encode.

use crate::Error;
use crate::assignments::{Assignments, MAX_TOLD_WAIT_MINUTES, TransferOrder};
use crate::convert::{
    assignment_to_pb, department_from_pb, department_to_pb, partner_from_pb, partner_to_pb,
    staff_from_pb, staff_to_pb,
};
use crate::domain::directory::{validate_department, validate_partner, validate_staff};
use crate::engine::Routing;
use crate::{assignment_store, store};
use frontdesk_platform::auth::{Caller, Role};
use frontdesk_platform::db::Db;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{page, page_size, parse_position, position_key, read_token};
use frontdesk_platform::time::now_micros;
use frontdesk_proto::routing::v1 as pb;
use pb::routing_service_server::RoutingService;
use tonic::{Request, Response, Status};

pub struct RoutingApi {
    db: Db,
    fanout: frontdesk_platform::fanout::Fanout,
    assignments: Assignments,
    shutdown: frontdesk_platform::shutdown::Shutdown,
}

impl RoutingApi {
    pub fn new(routing: Routing, shutdown: frontdesk_platform::shutdown::Shutdown) -> Self {
        RoutingApi {
            db: routing.db.clone(),
            fanout: routing.fanout.clone(),
            assignments: Assignments::new(routing),
            shutdown,
        }
    }
}

pub type AssignmentStream =
    tokio_stream::wrappers::ReceiverStream<Result<pb::WatchAssignmentsResponse, Status>>;

type Res<T> = Result<Response<T>, Status>;

const MANAGERS: &[Role] = &[Role::Manager, Role::Service];
const SUPERVISORS: &[Role] = &[
    Role::Supervisor,
    Role::Manager,
    Role::Service,
    Role::Integration,
];

fn property(caller: &Caller, property_id: &str, field: &str) -> Result<String, Status> {
    let p = property_id.trim();
    if p.is_empty() {
        return Err(Error::invalid(field, "required").into());
    }
    caller.require_access(p)?;
    Ok(p.to_string())
}

/// Rule-file violations name fields inside the TOML ("rule[2].department"); on the wire they
/// sit under the request field that carried it ("toml.rule[2].department").
fn prefixed(field: &str, v: Violations) -> Violations {
    let mut out = Violations::new();
    for (f, d) in v.iter() {
        out.add(format!("{field}.{f}"), d);
    }
    out
}

impl RoutingApi {
    async fn rules_response(&self, property_id: String) -> Res<pb::RoutingRulesResponse> {
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let stored = store::property_config(&mut conn, &property_id, crate::engine::RULES)
            .await
            .map_err(Error::from)?;
        let rules = self
            .assignments
            .routing()
            .rules_for(&mut conn, &property_id)
            .await
            .map_err(Error::from)?;
        let (version, overrides_toml) = stored.unwrap_or_default();
        Ok(Response::new(pb::RoutingRulesResponse {
            property_id,
            effective_toml: rules.to_toml(),
            overrides_toml,
            version,
        }))
    }

    async fn sla_response(&self, property_id: String) -> Res<pb::SlaPolicyResponse> {
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let stored = store::property_config(&mut conn, &property_id, crate::engine::SLA)
            .await
            .map_err(Error::from)?;
        let (version, overrides_toml) = stored.unwrap_or_default();
        Ok(Response::new(pb::SlaPolicyResponse {
            property_id,
            overrides_toml,
            version,
        }))
    }
}

fn referral_to_pb(
    row: assignment_store::ReferralRow,
    partner: Option<&crate::domain::directory::Partner>,
) -> pb::Referral {
    let state = match row.state.as_str() {
        "contacted" => pb::ReferralState::Contacted,
        "closed" => pb::ReferralState::Closed,
        "declined" => pb::ReferralState::Declined,
        _ => pb::ReferralState::Referred,
    };
    pb::Referral {
        referral_id: row.referral_id,
        inquiry_id: row.inquiry_id,
        partner: partner.map(partner_to_pb),
        note: row.note,
        referred_by: row.referred_by,
        referred_at: Some(frontdesk_platform::time::to_timestamp(row.referred_at)),
        state: state as i32,
        updated_at: Some(frontdesk_platform::time::to_timestamp(row.updated_at)),
    }
}

fn required(value: &str, field: &str) -> Result<String, Status> {
    let v = value.trim();
    if v.is_empty() {
        return Err(Error::invalid(field, "required").into());
    }
    Ok(v.to_string())
}

fn check(v: Violations) -> Result<(), Status> {
    if v.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(v).into())
    }
}

#[tonic::async_trait]
impl RoutingService for RoutingApi {
    async fn list_departments(
        &self,
        req: Request<pb::ListDepartmentsRequest>,
    ) -> Res<pb::ListDepartmentsResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = read_token(&r.page_token, &mut v).unwrap_or_default();
        check(v)?;
        let rows = store::list_departments(&self.db, &property_id, &after, size + 1)
            .await
            .map_err(Error::from)?;
        let (rows, next_page_token) = page(rows, size, |d| d.code.clone());
        Ok(Response::new(pb::ListDepartmentsResponse {
            departments: rows.iter().map(department_to_pb).collect(),
            next_page_token,
        }))
    }

    async fn upsert_department(
        &self,
        req: Request<pb::UpsertDepartmentRequest>,
    ) -> Res<pb::UpsertDepartmentResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(MANAGERS)?;
        let d = req
            .into_inner()
            .department
            .ok_or_else(|| Status::from(Error::invalid("department", "required")))?;
        let d = department_from_pb(&d, now_micros());
        validate_department(&d).map_err(Error::from)?;
        property(&caller, &d.property_id, "department.property_id")?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        let mut v = Violations::new();
        for (field, id) in [
            ("department.head_staff_id", &d.head_staff_id),
            ("department.duty_manager_staff_id", &d.duty_manager_staff_id),
        ] {
            if !id.is_empty()
                && !store::staff_exists(&mut tx, &d.property_id, id)
                    .await
                    .map_err(Error::from)?
            {
                v.add(field, format!("no staff member {id} at this property"));
            }
        }
        check(v)?;
        let created = !store::department_exists(&mut tx, &d.property_id, &d.code)
            .await
            .map_err(Error::from)?;
        store::upsert_department(&mut tx, &d)
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %d.property_id, department = %d.code, created, "department saved");
        Ok(Response::new(pb::UpsertDepartmentResponse {
            department: Some(department_to_pb(&d)),
            created,
        }))
    }

    async fn list_staff(&self, req: Request<pb::ListStaffRequest>) -> Res<pb::ListStaffResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = read_token(&r.page_token, &mut v).unwrap_or_default();
        check(v)?;
        let department = Some(r.department_code.trim()).filter(|d| !d.is_empty());
        let rows = store::list_staff(
            &self.db,
            &property_id,
            department,
            r.on_duty_only,
            &after,
            size + 1,
        )
        .await
        .map_err(Error::from)?;
        let (rows, next_page_token) = page(rows, size, |s| s.staff_id.clone());
        Ok(Response::new(pb::ListStaffResponse {
            staff: rows.iter().map(staff_to_pb).collect(),
            next_page_token,
        }))
    }

    async fn upsert_staff(
        &self,
        req: Request<pb::UpsertStaffRequest>,
    ) -> Res<pb::UpsertStaffResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(SUPERVISORS)?;
        let s = req
            .into_inner()
            .staff
            .ok_or_else(|| Status::from(Error::invalid("staff", "required")))?;
        let (s, role_given) = staff_from_pb(&s, now_micros());
        let mut v = match validate_staff(&s) {
            Ok(()) => Violations::new(),
            Err(v) => v,
        };
        if !role_given {
            v.add("staff.role", "required: one of the STAFF_ROLE_* values");
        }
        check(v)?;
        property(&caller, &s.property_id, "staff.property_id")?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        if !store::department_exists(&mut tx, &s.property_id, &s.department_code)
            .await
            .map_err(Error::from)?
        {
            return Err(Error::invalid(
                "staff.department_code",
                format!("no department {} at this property", s.department_code),
            )
            .into());
        }
        let created = !store::staff_exists(&mut tx, &s.property_id, &s.staff_id)
            .await
            .map_err(Error::from)?;
        store::upsert_staff(&mut tx, &s)
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %s.property_id, staff_id = %s.staff_id, created, "staff saved");
        Ok(Response::new(pb::UpsertStaffResponse {
            staff: Some(staff_to_pb(&s)),
            created,
        }))
    }

    async fn set_on_duty(&self, req: Request<pb::SetOnDutyRequest>) -> Res<pb::SetOnDutyResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let staff_id = r.staff_id.trim();
        if staff_id.is_empty() {
            return Err(Error::invalid("staff_id", "required").into());
        }
        // Staff clock themselves in and out; supervisors may do it for them.
        if caller.subject != staff_id {
            caller.require_role(SUPERVISORS)?;
        }
        let staff = store::set_on_duty(&self.db, &property_id, staff_id, r.on_duty)
            .await
            .map_err(Error::from)?
            .ok_or_else(|| {
                Status::not_found(format!(
                    "no staff member {staff_id} at property {property_id}"
                ))
            })?;
        Ok(Response::new(pb::SetOnDutyResponse {
            staff: Some(staff_to_pb(&staff)),
        }))
    }

    async fn list_partners(
        &self,
        req: Request<pb::ListPartnersRequest>,
    ) -> Res<pb::ListPartnersResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let size = page_size(r.page_size, &mut v);
        let after = read_token(&r.page_token, &mut v).unwrap_or_default();
        check(v)?;
        let rows = store::list_partners(&self.db, &property_id, &after, size + 1)
            .await
            .map_err(Error::from)?;
        let (rows, next_page_token) = page(rows, size, |p| p.partner_id.clone());
        Ok(Response::new(pb::ListPartnersResponse {
            partners: rows.iter().map(partner_to_pb).collect(),
            next_page_token,
        }))
    }

    async fn upsert_partner(
        &self,
        req: Request<pb::UpsertPartnerRequest>,
    ) -> Res<pb::UpsertPartnerResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(SUPERVISORS)?;
        let p = req
            .into_inner()
            .partner
            .ok_or_else(|| Status::from(Error::invalid("partner", "required")))?;
        let (p, kind_given) = partner_from_pb(&p, now_micros());
        let mut v = match validate_partner(&p) {
            Ok(()) => Violations::new(),
            Err(v) => v,
        };
        if !kind_given {
            v.add("partner.kind", "required: one of the PARTNER_KIND_* values");
        }
        check(v)?;
        property(&caller, &p.property_id, "partner.property_id")?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        let created = !store::partner_exists(&mut tx, &p.property_id, &p.partner_id)
            .await
            .map_err(Error::from)?;
        store::upsert_partner(&mut tx, &p)
            .await
            .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        Ok(Response::new(pb::UpsertPartnerResponse {
            partner: Some(partner_to_pb(&p)),
            created,
        }))
    }

    async fn get_assignment(
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

    async fn list_assignments(
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

    async fn claim(&self, req: Request<pb::ClaimRequest>) -> Res<pb::ClaimResponse> {
        let caller = Caller::from_request(&req)?;
        let id = required(&req.get_ref().inquiry_id, "inquiry_id")?;
        let r = self.assignments.claim(&caller, &id).await?;
        Ok(Response::new(pb::ClaimResponse {
            assignment: Some(assignment_to_pb(&r, Vec::new())),
        }))
    }

    async fn reassign(&self, req: Request<pb::ReassignRequest>) -> Res<pb::ReassignResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let id = required(&r.inquiry_id, "inquiry_id")?;
        let staff_id = required(&r.staff_id, "staff_id")?;
        let a = self
            .assignments
            .reassign(&caller, &id, &staff_id, &r.reason)
            .await?;
        Ok(Response::new(pb::ReassignResponse {
            assignment: Some(assignment_to_pb(&a, Vec::new())),
        }))
    }

    async fn release(&self, req: Request<pb::ReleaseRequest>) -> Res<pb::ReleaseResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let id = required(&r.inquiry_id, "inquiry_id")?;
        let a = self.assignments.release(&caller, &id, &r.reason).await?;
        Ok(Response::new(pb::ReleaseResponse {
            assignment: Some(assignment_to_pb(&a, Vec::new())),
        }))
    }

    async fn transfer(&self, req: Request<pb::TransferRequest>) -> Res<pb::TransferResponse> {
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
        if !(1..=MAX_TOLD_WAIT_MINUTES).contains(&r.customer_told_wait_minutes) {
            v.add(
                "customer_told_wait_minutes",
                "required: the wait the customer was told, 1 minute to 7 days",
            );
        }
        check(v)?;
        let order = TransferOrder {
            to_department: r.to_department.trim().to_string(),
            reason: r.reason.trim().to_string(),
            wait_minutes: r.customer_told_wait_minutes,
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
            customer_told_wait_minutes: r.customer_told_wait_minutes,
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

    async fn list_transfers(
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

    async fn refer(&self, req: Request<pb::ReferRequest>) -> Res<pb::ReferResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let id = required(&r.inquiry_id, "inquiry_id")?;
        let partner_id = required(&r.partner_id, "partner_id")?;
        let (a, partner, referral_id, at) = self
            .assignments
            .refer(&caller, &id, &partner_id, r.note.trim())
            .await?;
        Ok(Response::new(pb::ReferResponse {
            assignment: Some(assignment_to_pb(&a, Vec::new())),
            referral: Some(pb::Referral {
                referral_id,
                inquiry_id: id,
                partner: Some(partner_to_pb(&partner)),
                note: r.note.trim().to_string(),
                referred_by: caller.subject.clone(),
                referred_at: Some(frontdesk_platform::time::to_timestamp(at)),
                state: pb::ReferralState::Referred as i32,
                updated_at: Some(frontdesk_platform::time::to_timestamp(at)),
            }),
        }))
    }

    async fn list_referrals(
        &self,
        req: Request<pb::ListReferralsRequest>,
    ) -> Res<pb::ListReferralsResponse> {
        let caller = Caller::from_request(&req)?;
        let id = required(&req.get_ref().inquiry_id, "inquiry_id")?;
        let (routed, rows) = self.assignments.referrals(&caller, &id).await?;
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let mut referrals = Vec::with_capacity(rows.len());
        for row in rows {
            let partner = store::get_partner(&mut conn, &routed.property_id, &row.partner_id)
                .await
                .map_err(Error::from)?;
            referrals.push(referral_to_pb(row, partner.as_ref()));
        }
        Ok(Response::new(pb::ListReferralsResponse { referrals }))
    }

    async fn update_referral(
        &self,
        req: Request<pb::UpdateReferralRequest>,
    ) -> Res<pb::UpdateReferralResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        if r.referral_id.trim().is_empty() {
            v.add("referral_id", "required");
        }
        let to = match pb::ReferralState::try_from(r.state) {
            Ok(pb::ReferralState::Contacted) => "contacted",
            Ok(pb::ReferralState::Closed) => "closed",
            Ok(pb::ReferralState::Declined) => "declined",
            _ => {
                v.add(
                    "state",
                    "one of REFERRAL_STATE_CONTACTED, _CLOSED, _DECLINED",
                );
                ""
            }
        };
        check(v)?;
        let row = self
            .assignments
            .update_referral(&caller, r.referral_id.trim(), to, r.note.trim())
            .await?;
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let routed = assignment_store::load(&mut conn, &row.inquiry_id)
            .await
            .map_err(Error::from)?;
        let partner = match routed {
            Some(a) => store::get_partner(&mut conn, &a.property_id, &row.partner_id)
                .await
                .map_err(Error::from)?,
            None => None,
        };
        Ok(Response::new(pb::UpdateReferralResponse {
            referral: Some(referral_to_pb(row, partner.as_ref())),
        }))
    }

    type WatchAssignmentsStream = AssignmentStream;

    async fn watch_assignments(
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
                })
            },
        );
        Ok(Response::new(stream))
    }

    async fn get_routing_rules(
        &self,
        req: Request<pb::GetRoutingRulesRequest>,
    ) -> Res<pb::RoutingRulesResponse> {
        let caller = Caller::from_request(&req)?;
        let property_id = property(&caller, &req.get_ref().property_id, "property_id")?;
        self.rules_response(property_id).await
    }

    async fn set_routing_rules(
        &self,
        req: Request<pb::SetRoutingRulesRequest>,
    ) -> Res<pb::RoutingRulesResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(MANAGERS)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let max = crate::domain::routing_rules::MAX_RULES_BYTES;
        if r.toml.len() > max {
            return Err(Error::invalid(
                "toml",
                format!(
                    "rules are {} bytes; at most {max} are accepted",
                    r.toml.len()
                ),
            )
            .into());
        }
        let rules = crate::domain::routing_rules::RoutingRules::default_rules()
            .with_override(&r.toml)
            .map_err(|v| Error::InvalidArgument(prefixed("toml", v)))?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        let known = store::department_codes(&mut tx, &property_id)
            .await
            .map_err(Error::from)?;
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        rules
            .validate(&known)
            .map_err(|v| Error::InvalidArgument(prefixed("toml", v)))?;
        store::save_property_config(
            &mut tx,
            &property_id,
            crate::engine::RULES,
            &r.toml,
            &caller.subject,
        )
        .await
        .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %property_id, by = %caller.subject, "routing rules saved");
        self.rules_response(property_id).await
    }

    async fn get_sla_policy(
        &self,
        req: Request<pb::GetSlaPolicyRequest>,
    ) -> Res<pb::SlaPolicyResponse> {
        let caller = Caller::from_request(&req)?;
        let property_id = property(&caller, &req.get_ref().property_id, "property_id")?;
        self.sla_response(property_id).await
    }

    async fn set_sla_policy(
        &self,
        req: Request<pb::SetSlaPolicyRequest>,
    ) -> Res<pb::SlaPolicyResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(MANAGERS)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let max = crate::domain::routing_rules::MAX_RULES_BYTES;
        if r.toml.len() > max {
            return Err(Error::invalid(
                "toml",
                format!(
                    "at most {max} bytes (got {}): an SLA policy is a page, not a file dump",
                    r.toml.len()
                ),
            )
            .into());
        }
        // The same checks routing runs when it plans an inquiry's deadlines: a policy saved
        // here can always be planned with.
        crate::domain::sla_policy::SlaPolicy::parse(&r.toml).map_err(|found| {
            let mut v = Violations::new();
            for (field, description) in found {
                let field = if field.is_empty() {
                    "toml".to_string()
                } else {
                    format!("toml.{field}")
                };
                v.add(field, description);
            }
            Error::InvalidArgument(v)
        })?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        store::save_property_config(
            &mut tx,
            &property_id,
            crate::engine::SLA,
            &r.toml,
            &caller.subject,
        )
        .await
        .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %property_id, by = %caller.subject, "SLA policy saved");
        self.sla_response(property_id).await
    }
}

//! RoutingService's gRPC handlers: authenticate, validate, call the domain or the store,
//! encode. One file per group of RPCs; the trait impl here only dispatches to them.

mod assignments;
mod config;
mod directory;
mod masks;
mod referrals;
mod watch;

use crate::Error;
use crate::assignments::{Assignments, MAX_TOLD_WAIT_MINUTES, TransferOrder};
use crate::convert::{
    assignment_to_pb, department_from_pb, department_to_pb, minutes_to_pb, partner_from_pb,
    partner_to_pb, staff_from_pb, staff_to_pb_at,
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
    /// The property's wall-clock time now (its SLA calendar's zone).
    async fn local_now(&self, property_id: &str) -> Result<chrono::NaiveDateTime, Status> {
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let zone = self
            .assignments
            .routing()
            .policy_for(&mut conn, property_id)
            .await
            .map_err(Error::from)?
            .calendar
            .time_zone();
        Ok(crate::domain::shift::local_time(zone, now_micros()))
    }

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
        RoutingApi::list_departments(self, req).await
    }

    async fn upsert_department(
        &self,
        req: Request<pb::UpsertDepartmentRequest>,
    ) -> Res<pb::UpsertDepartmentResponse> {
        RoutingApi::upsert_department(self, req).await
    }

    async fn list_staff(&self, req: Request<pb::ListStaffRequest>) -> Res<pb::ListStaffResponse> {
        RoutingApi::list_staff(self, req).await
    }

    async fn upsert_staff(
        &self,
        req: Request<pb::UpsertStaffRequest>,
    ) -> Res<pb::UpsertStaffResponse> {
        RoutingApi::upsert_staff(self, req).await
    }

    async fn set_on_duty(&self, req: Request<pb::SetOnDutyRequest>) -> Res<pb::SetOnDutyResponse> {
        RoutingApi::set_on_duty(self, req).await
    }

    async fn list_partners(
        &self,
        req: Request<pb::ListPartnersRequest>,
    ) -> Res<pb::ListPartnersResponse> {
        RoutingApi::list_partners(self, req).await
    }

    async fn upsert_partner(
        &self,
        req: Request<pb::UpsertPartnerRequest>,
    ) -> Res<pb::UpsertPartnerResponse> {
        RoutingApi::upsert_partner(self, req).await
    }

    async fn get_assignment(
        &self,
        req: Request<pb::GetAssignmentRequest>,
    ) -> Res<pb::GetAssignmentResponse> {
        RoutingApi::get_assignment(self, req).await
    }

    async fn list_assignments(
        &self,
        req: Request<pb::ListAssignmentsRequest>,
    ) -> Res<pb::ListAssignmentsResponse> {
        RoutingApi::list_assignments(self, req).await
    }

    async fn claim(&self, req: Request<pb::ClaimRequest>) -> Res<pb::ClaimResponse> {
        RoutingApi::claim(self, req).await
    }

    async fn reassign(&self, req: Request<pb::ReassignRequest>) -> Res<pb::ReassignResponse> {
        RoutingApi::reassign(self, req).await
    }

    async fn release(&self, req: Request<pb::ReleaseRequest>) -> Res<pb::ReleaseResponse> {
        RoutingApi::release(self, req).await
    }

    async fn transfer(&self, req: Request<pb::TransferRequest>) -> Res<pb::TransferResponse> {
        RoutingApi::transfer(self, req).await
    }

    async fn list_transfers(
        &self,
        req: Request<pb::ListTransfersRequest>,
    ) -> Res<pb::ListTransfersResponse> {
        RoutingApi::list_transfers(self, req).await
    }

    async fn refer(&self, req: Request<pb::ReferRequest>) -> Res<pb::ReferResponse> {
        RoutingApi::refer(self, req).await
    }

    async fn list_referrals(
        &self,
        req: Request<pb::ListReferralsRequest>,
    ) -> Res<pb::ListReferralsResponse> {
        RoutingApi::list_referrals(self, req).await
    }

    async fn update_referral(
        &self,
        req: Request<pb::UpdateReferralRequest>,
    ) -> Res<pb::UpdateReferralResponse> {
        RoutingApi::update_referral(self, req).await
    }

    type WatchAssignmentsStream = AssignmentStream;

    async fn watch_assignments(
        &self,
        req: Request<pb::WatchAssignmentsRequest>,
    ) -> Res<AssignmentStream> {
        RoutingApi::watch_assignments(self, req).await
    }

    async fn get_routing_rules(
        &self,
        req: Request<pb::GetRoutingRulesRequest>,
    ) -> Res<pb::RoutingRulesResponse> {
        RoutingApi::get_routing_rules(self, req).await
    }

    async fn set_routing_rules(
        &self,
        req: Request<pb::SetRoutingRulesRequest>,
    ) -> Res<pb::RoutingRulesResponse> {
        RoutingApi::set_routing_rules(self, req).await
    }

    async fn get_sla_policy(
        &self,
        req: Request<pb::GetSlaPolicyRequest>,
    ) -> Res<pb::SlaPolicyResponse> {
        RoutingApi::get_sla_policy(self, req).await
    }

    async fn preview_deadlines(
        &self,
        req: Request<pb::PreviewDeadlinesRequest>,
    ) -> Res<pb::PreviewDeadlinesResponse> {
        RoutingApi::preview_deadlines(self, req).await
    }

    async fn set_sla_policy(
        &self,
        req: Request<pb::SetSlaPolicyRequest>,
    ) -> Res<pb::SlaPolicyResponse> {
        RoutingApi::set_sla_policy(self, req).await
    }
}

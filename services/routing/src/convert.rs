//! Protobuf ↔ domain for the directory.

use crate::domain::directory::{Department, Partner, PartnerKind, Staff, StaffRole};
use frontdesk_platform::time::to_timestamp;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as pb;

pub fn role_from_pb(v: i32) -> Option<StaffRole> {
    match common::StaffRole::try_from(v).ok()? {
        common::StaffRole::Agent => Some(StaffRole::Agent),
        common::StaffRole::Supervisor => Some(StaffRole::Supervisor),
        common::StaffRole::Manager => Some(StaffRole::Manager),
        common::StaffRole::Unspecified => None,
    }
}

fn role_to_pb(r: StaffRole) -> i32 {
    match r {
        StaffRole::Agent => common::StaffRole::Agent as i32,
        StaffRole::Supervisor => common::StaffRole::Supervisor as i32,
        StaffRole::Manager => common::StaffRole::Manager as i32,
    }
}

pub fn kind_from_pb(v: i32) -> Option<PartnerKind> {
    match pb::PartnerKind::try_from(v).ok()? {
        pb::PartnerKind::TravelAgency => Some(PartnerKind::TravelAgency),
        pb::PartnerKind::Supplier => Some(PartnerKind::Supplier),
        pb::PartnerKind::Transport => Some(PartnerKind::Transport),
        pb::PartnerKind::Other => Some(PartnerKind::Other),
        pb::PartnerKind::Unspecified => None,
    }
}

fn kind_to_pb(k: PartnerKind) -> i32 {
    match k {
        PartnerKind::TravelAgency => pb::PartnerKind::TravelAgency as i32,
        PartnerKind::Supplier => pb::PartnerKind::Supplier as i32,
        PartnerKind::Transport => pb::PartnerKind::Transport as i32,
        PartnerKind::Other => pb::PartnerKind::Other as i32,
    }
}

/// Trims every text field, so "前厅部 " and "前厅部" are the same name.
fn t(s: &str) -> String {
    s.trim().to_string()
}

pub fn department_from_pb(d: &pb::Department, now: i64) -> Department {
    Department {
        property_id: t(&d.property_id),
        code: t(&d.code),
        name_zh: t(&d.name_zh),
        name_en: t(&d.name_en),
        head_staff_id: t(&d.head_staff_id),
        duty_manager_staff_id: t(&d.duty_manager_staff_id),
        email: t(&d.email),
        phone: t(&d.phone),
        updated_at: now,
    }
}

pub fn department_to_pb(d: &Department) -> pb::Department {
    pb::Department {
        property_id: d.property_id.clone(),
        code: d.code.clone(),
        name_zh: d.name_zh.clone(),
        name_en: d.name_en.clone(),
        head_staff_id: d.head_staff_id.clone(),
        duty_manager_staff_id: d.duty_manager_staff_id.clone(),
        email: d.email.clone(),
        phone: d.phone.clone(),
        updated_at: Some(to_timestamp(d.updated_at)),
    }
}

/// `None` role when unspecified; the caller reports it as a violation.
pub fn staff_from_pb(s: &pb::Staff, now: i64) -> (Staff, bool) {
    let role = role_from_pb(s.role);
    let staff = Staff {
        property_id: t(&s.property_id),
        staff_id: t(&s.staff_id),
        name: t(&s.name),
        department_code: t(&s.department_code),
        role: role.unwrap_or(StaffRole::Agent),
        languages: s.languages.iter().map(|l| t(l).to_lowercase()).collect(),
        skills: s.skills.iter().map(|x| t(x)).collect(),
        capacity: i64::from(s.capacity),
        on_duty: s.on_duty,
        updated_at: now,
        shifts: s
            .shifts
            .iter()
            .map(|x| t(x).to_lowercase())
            .filter(|x| !x.is_empty())
            .collect(),
    };
    (staff, role.is_some())
}

/// `available_now`: on duty and on shift at the property's wall-clock time `local`.
pub fn staff_to_pb_at(s: &Staff, local: chrono::NaiveDateTime) -> pb::Staff {
    pb::Staff {
        available_now: s.on_duty && crate::domain::shift::on_shift(&s.shifts, local),
        ..staff_to_pb(s)
    }
}

pub fn staff_to_pb(s: &Staff) -> pb::Staff {
    pb::Staff {
        property_id: s.property_id.clone(),
        staff_id: s.staff_id.clone(),
        name: s.name.clone(),
        department_code: s.department_code.clone(),
        role: role_to_pb(s.role),
        languages: s.languages.clone(),
        skills: s.skills.clone(),
        capacity: i32::try_from(s.capacity).unwrap_or(i32::MAX),
        on_duty: s.on_duty,
        updated_at: Some(to_timestamp(s.updated_at)),
        shifts: s.shifts.clone(),
        available_now: false,
    }
}

pub fn partner_from_pb(p: &pb::Partner, now: i64) -> (Partner, bool) {
    let kind = kind_from_pb(p.kind);
    let partner = Partner {
        property_id: t(&p.property_id),
        partner_id: t(&p.partner_id),
        kind: kind.unwrap_or(PartnerKind::Other),
        name: t(&p.name),
        contact_name: t(&p.contact_name),
        phone: t(&p.phone),
        email: t(&p.email),
        handles: t(&p.handles),
        updated_at: now,
    };
    (partner, kind.is_some())
}

pub fn partner_to_pb(p: &Partner) -> pb::Partner {
    pb::Partner {
        property_id: p.property_id.clone(),
        partner_id: p.partner_id.clone(),
        kind: kind_to_pb(p.kind),
        name: p.name.clone(),
        contact_name: p.contact_name.clone(),
        phone: p.phone.clone(),
        email: p.email.clone(),
        handles: p.handles.clone(),
        updated_at: Some(to_timestamp(p.updated_at)),
    }
}

pub fn assignment_to_pb(r: &crate::domain::routed::Routed, fired: Vec<String>) -> pb::Assignment {
    use crate::domain::routed::RoutedState;
    let state = match r.state {
        RoutedState::Open => pb::AssignmentState::Open,
        RoutedState::Responded => pb::AssignmentState::Responded,
        RoutedState::Resolved => pb::AssignmentState::Resolved,
    };
    pb::Assignment {
        inquiry_id: r.inquiry_id.clone(),
        property_id: r.property_id.clone(),
        lead_department: r.lead_department.clone(),
        participants: r.participants.clone(),
        assignee: r.assignee.clone(),
        on_the_spot: r.on_the_spot,
        state: state as i32,
        rule_id: r.rule_id.clone(),
        reason: r.reason.clone(),
        first_response_due: Some(to_timestamp(r.first_response_due)),
        resolution_due: Some(to_timestamp(r.resolution_due)),
        original_resolution_due: Some(to_timestamp(r.original_resolution_due)),
        first_response_at: r.first_response_at.map(to_timestamp),
        resolved_at: r.resolved_at.map(to_timestamp),
        fired,
        version: r.version,
        updated_at: Some(to_timestamp(r.updated_at)),
        category: common::Category::from_code(&r.category).map_or(0, |c| c as i32),
        complexity: common::Complexity::from_code(&r.complexity).map_or(0, |c| c as i32),
        needs_triage: r.needs_triage,
        initial_first_response_due: Some(to_timestamp(r.initial_first_response_due)),
        initial_resolution_due: Some(to_timestamp(r.initial_resolution_due)),
    }
}

/// Whole minutes as a `google.protobuf.Duration`.
pub fn minutes_to_pb(minutes: i64) -> prost_types::Duration {
    prost_types::Duration {
        seconds: minutes.saturating_mul(60),
        nanos: 0,
    }
}

pub fn slip_to_pb(s: &crate::assignment_store::SlipRow) -> pb::TransferSlip {
    pb::TransferSlip {
        slip_id: s.slip_id.clone(),
        inquiry_id: s.inquiry_id.clone(),
        from_department: s.from_department.clone(),
        to_department: s.to_department.clone(),
        reason: s.reason.clone(),
        customer_told_wait: Some(minutes_to_pb(s.wait_minutes)),
        transferred_by: s.transferred_by.clone(),
        transferred_at: Some(to_timestamp(s.transferred_at)),
        forced: s.forced,
        property_id: s.property_id.clone(),
        from_staff_id: s.from_staff_id.clone(),
        to_staff_id: s.to_staff_id.clone(),
    }
}

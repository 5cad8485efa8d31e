//! How routing's records print: a table for people, JSON for scripts (codes in snake_case,
//! times RFC 3339 with their offset, durations in minutes).

use crate::client::render::{code_of, fit, is_wide, minutes, rfc3339, table, time_of};
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as pb;
use serde_json::{Value, json};

/// `ASSIGNMENT_STATE_OPEN` → `open`: the snake_case code of a routing enum's proto name.
pub(super) fn lower(proto_name: &str, prefix: &str) -> String {
    proto_name.trim_start_matches(prefix).to_lowercase()
}

fn state(a: &pb::Assignment) -> String {
    pb::AssignmentState::try_from(a.state)
        .map(|s| lower(s.as_str_name(), "ASSIGNMENT_STATE_"))
        .unwrap_or_default()
}

fn handler(staff_id: &str) -> String {
    if staff_id.is_empty() {
        "(queue)".into()
    } else {
        staff_id.to_string()
    }
}

pub(super) fn department(d: &pb::Department) -> Value {
    json!({
        "property_id": d.property_id, "code": d.code, "name_zh": d.name_zh,
        "name_en": d.name_en, "head_staff_id": d.head_staff_id,
        "duty_manager_staff_id": d.duty_manager_staff_id, "email": d.email,
        "phone": d.phone, "updated_at": rfc3339(d.updated_at.as_ref()),
    })
}

pub(super) fn departments_table(list: &[pb::Department]) -> String {
    let mut t = table(&["code", "中文", "English", "head", "duty manager"]);
    for d in list {
        t.add_row(vec![
            d.code.clone(),
            d.name_zh.clone(),
            d.name_en.clone(),
            d.head_staff_id.clone(),
            d.duty_manager_staff_id.clone(),
        ]);
    }
    fit(t)
}

pub(super) fn staff(s: &pb::Staff) -> Value {
    json!({
        "property_id": s.property_id, "staff_id": s.staff_id, "name": s.name,
        "department": s.department_code,
        "role": code_of(common::StaffRole::from_wire(s.role).and_then(|r| r.code())),
        "languages": s.languages, "skills": s.skills, "capacity": s.capacity,
        "on_duty": s.on_duty, "available_now": s.available_now, "shifts": s.shifts,
        "updated_at": rfc3339(s.updated_at.as_ref()),
    })
}

pub(super) fn staff_table(list: &[pb::Staff]) -> String {
    let mut t = table(&[
        "id",
        "name",
        "department",
        "languages",
        "skills",
        "capacity",
        "on duty",
        "at work now",
    ]);
    let yes = |b: bool| if b { "yes" } else { "no" }.to_string();
    for s in list {
        t.add_row(vec![
            s.staff_id.clone(),
            s.name.clone(),
            s.department_code.clone(),
            s.languages.join(","),
            s.skills.join(","),
            s.capacity.to_string(),
            yes(s.on_duty),
            yes(s.available_now),
        ]);
    }
    fit(t)
}

pub(super) fn partner(p: &pb::Partner) -> Value {
    json!({
        "property_id": p.property_id, "partner_id": p.partner_id,
        "kind": pb::PartnerKind::try_from(p.kind).map(|k| lower(k.as_str_name(), "PARTNER_KIND_")).unwrap_or_default(),
        "name": p.name, "contact_name": p.contact_name, "phone": p.phone, "email": p.email,
        "handles": p.handles, "updated_at": rfc3339(p.updated_at.as_ref()),
    })
}

pub(super) fn partners_table(list: &[pb::Partner]) -> String {
    let mut t = table(&["id", "kind", "name", "contact", "phone", "handles"]);
    for p in list {
        let v = partner(p);
        t.add_row(vec![
            p.partner_id.clone(),
            v["kind"].as_str().unwrap_or_default().to_string(),
            p.name.clone(),
            p.contact_name.clone(),
            p.phone.clone(),
            p.handles.clone(),
        ]);
    }
    fit(t)
}

pub(super) fn assignment(a: &pb::Assignment) -> Value {
    json!({
        "inquiry_id": a.inquiry_id, "property_id": a.property_id,
        "lead_department": a.lead_department, "participants": a.participants,
        "assignee": a.assignee, "on_the_spot": a.on_the_spot, "state": state(a),
        "rule_id": a.rule_id, "reason": a.reason,
        "category": code_of(common::Category::from_wire(a.category).and_then(|c| c.code())),
        "complexity": code_of(common::Complexity::from_wire(a.complexity).and_then(|c| c.code())),
        "needs_triage": a.needs_triage,
        "first_response_due": rfc3339(a.first_response_due.as_ref()),
        "resolution_due": rfc3339(a.resolution_due.as_ref()),
        "original_resolution_due": rfc3339(a.original_resolution_due.as_ref()),
        "initial_first_response_due": rfc3339(a.initial_first_response_due.as_ref()),
        "initial_resolution_due": rfc3339(a.initial_resolution_due.as_ref()),
        "first_response_at": rfc3339(a.first_response_at.as_ref()),
        "resolved_at": rfc3339(a.resolved_at.as_ref()),
        "fired": a.fired, "version": a.version,
        "updated_at": rfc3339(a.updated_at.as_ref()),
    })
}

pub(super) fn assignments_table(list: &[pb::Assignment]) -> String {
    if !is_wide() {
        return assignments_narrow(list);
    }
    let mut t = table(&[
        "inquiry",
        "lead",
        "handler",
        "state",
        "first response due",
        "resolution due",
        "fired",
    ]);
    for a in list {
        t.add_row(vec![
            a.inquiry_id.clone(),
            a.lead_department.clone(),
            handler(&a.assignee),
            state(a),
            time_of(a.first_response_due.as_ref()),
            time_of(a.resolution_due.as_ref()),
            a.fired.join(" "),
        ]);
    }
    fit(t)
}

/// Four columns for 80: where it is, and when it is due (with what already fired).
fn assignments_narrow(list: &[pb::Assignment]) -> String {
    let mut t = table(&["inquiry", "department / handler", "state", "due"]);
    for a in list {
        let mut due = format!(
            "answer {}\nresolve {}",
            time_of(a.first_response_due.as_ref()),
            time_of(a.resolution_due.as_ref())
        );
        if !a.fired.is_empty() {
            due.push_str(&format!("\nfired: {}", a.fired.join(" ")));
        }
        t.add_row(vec![
            a.inquiry_id.clone(),
            format!("{}\n{}", a.lead_department, handler(&a.assignee)),
            state(a),
            due,
        ]);
    }
    fit(t)
}

pub(super) fn slip(s: &pb::TransferSlip) -> Value {
    json!({
        "slip_id": s.slip_id, "inquiry_id": s.inquiry_id, "property_id": s.property_id,
        "from_department": s.from_department, "to_department": s.to_department,
        "from_staff_id": s.from_staff_id, "to_staff_id": s.to_staff_id,
        "reason": s.reason,
        "customer_told_wait_minutes": s.customer_told_wait.as_ref().map(|d| d.seconds / 60),
        "transferred_by": s.transferred_by,
        "transferred_at": rfc3339(s.transferred_at.as_ref()), "forced": s.forced,
    })
}

pub(super) fn slips_table(list: &[pb::TransferSlip]) -> String {
    let mut t = table(&[
        "when",
        "inquiry",
        "from → to",
        "handlers",
        "by",
        "told wait",
        "reason",
    ]);
    for s in list {
        t.add_row(vec![
            time_of(s.transferred_at.as_ref()),
            s.inquiry_id.clone(),
            format!("{} → {}", s.from_department, s.to_department),
            format!(
                "{} → {}",
                handler(&s.from_staff_id),
                handler(&s.to_staff_id)
            ),
            s.transferred_by.clone(),
            minutes(s.customer_told_wait.as_ref()),
            s.reason.clone(),
        ]);
    }
    fit(t)
}

pub(super) fn referral(r: &pb::Referral) -> Value {
    json!({
        "referral_id": r.referral_id, "inquiry_id": r.inquiry_id,
        "partner": r.partner.as_ref().map(partner), "note": r.note,
        "referred_by": r.referred_by, "referred_at": rfc3339(r.referred_at.as_ref()),
        "state": pb::ReferralState::try_from(r.state).map(|s| lower(s.as_str_name(), "REFERRAL_STATE_")).unwrap_or_default(),
        "updated_at": rfc3339(r.updated_at.as_ref()),
    })
}

pub(super) fn referrals_table(list: &[pb::Referral]) -> String {
    let mut t = table(&["referral", "partner", "contact", "state", "when", "note"]);
    for r in list {
        let v = referral(r);
        let p = r.partner.clone().unwrap_or_default();
        t.add_row(vec![
            r.referral_id.clone(),
            p.name,
            format!("{} {} {}", p.contact_name, p.phone, p.email)
                .trim()
                .to_string(),
            v["state"].as_str().unwrap_or_default().to_string(),
            time_of(r.referred_at.as_ref()),
            r.note.clone(),
        ]);
    }
    fit(t)
}

/// One change of a `routing watch` stream (or its caught-up marker).
pub(super) fn change(c: &pb::WatchAssignmentsResponse) -> Value {
    if c.caught_up {
        return json!({"cursor": c.cursor, "caught_up": true});
    }
    json!({
        "cursor": c.cursor, "event_id": c.event_id,
        "change": pb::AssignmentChange::try_from(c.change).map(|x| lower(x.as_str_name(), "ASSIGNMENT_CHANGE_")).unwrap_or_default(),
        "assignment": c.assignment.as_ref().map(assignment), "detail": c.detail,
        "deadline_kind": c.deadline_kind, "notify_staff_id": c.notify_staff_id,
        "at": rfc3339(c.occurred_at.as_ref()), "actor": c.actor,
        "from_staff_id": c.from_staff_id, "to_staff_id": c.to_staff_id,
    })
}

/// A watch change on one line, as `inquiry watch` prints them.
pub(super) fn change_line(c: &pb::WatchAssignmentsResponse) -> String {
    if c.caught_up {
        return format!("[{}] — caught up; live changes follow —", c.cursor);
    }
    let v = change(c);
    let inquiry = c
        .assignment
        .as_ref()
        .map(|a| a.inquiry_id.clone())
        .unwrap_or_default();
    format!(
        "[{}] {} {} {} by {}: {}",
        c.cursor,
        time_of(c.occurred_at.as_ref()),
        v["change"].as_str().unwrap_or_default(),
        inquiry,
        c.actor,
        c.detail
    )
}

//! Routing tells the truth (issue 9, issue 15): staff actions name who acted and whose hands
//! the inquiry left and reached; a reclassified inquiry is routed and timed again with the
//! first plan kept; an inquiry whose category intake is unsure of waits at the triage desk
//! until a person confirms it; "department head told" is only said when there is a head;
//! transfer slips can be listed back.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::auth::Role;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as rpb;
use frontdesk_tests::intake_pb as pb;
use frontdesk_tests::{
    Backend, Client, Env, PROPERTY_A, RoutingClient, TestApp, new_inquiry, on_both_backends,
};
use std::time::Duration;

/// Polls until `check` accepts the assignment (routing is eventually consistent).
async fn assignment_where(
    r: &mut RoutingClient,
    inquiry_id: &str,
    what: &str,
    check: impl Fn(&rpb::Assignment) -> bool,
) -> rpb::Assignment {
    for _ in 0..200 {
        if let Ok(res) = r
            .get_assignment(rpb::GetAssignmentRequest {
                inquiry_id: inquiry_id.into(),
            })
            .await
            && let Some(a) = res.into_inner().assignment
            && check(&a)
        {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("assignment of {inquiry_id} never showed: {what}");
}

/// Polls intake until its timeline has an entry whose detail contains `needle`.
async fn timeline_entry(c: &mut Client, id: &str, needle: &str) -> pb::TimelineEntry {
    for _ in 0..200 {
        let res = c
            .get_inquiry(pb::GetInquiryRequest {
                inquiry_id: id.into(),
            })
            .await
            .expect("get")
            .into_inner();
        if let Some(t) = res.timeline.iter().find(|t| t.detail.contains(needle)) {
            return t.clone();
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("inquiry {id}'s timeline never said {needle:?}");
}

async fn staff(app: &TestApp, id: &str, department: &str, role: common::StaffRole, on: bool) {
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    sup.upsert_staff(rpb::UpsertStaffRequest {
        update_mask: None,
        staff: Some(rpb::Staff {
            property_id: PROPERTY_A.into(),
            staff_id: id.into(),
            name: format!("staff {id}"),
            department_code: department.into(),
            role: role as i32,
            languages: vec!["en".into(), "zh".into()],
            capacity: 5,
            on_duty: on,
            ..Default::default()
        }),
    })
    .await
    .expect("staff");
}

async fn agent_on_duty(app: &TestApp, id: &str, department: &str) {
    staff(app, id, department, common::StaffRole::Agent, true).await;
}

async fn create_on(c: &mut Client, channel: common::Channel, text: &str) -> pb::Inquiry {
    let mut req = new_inquiry(text);
    req.channel = channel as i32;
    c.create_inquiry(req)
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("inquiry")
}

/// Every assignment change of `inquiry_id` from the beginning, until `last` arrives.
async fn changes_until(
    r: &mut RoutingClient,
    inquiry_id: &str,
    last: rpb::AssignmentChange,
) -> Vec<rpb::WatchAssignmentsResponse> {
    use tokio_stream::StreamExt;
    let mut s = r
        .watch_assignments(rpb::WatchAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            from_beginning: true,
            ..Default::default()
        })
        .await
        .expect("watch")
        .into_inner();
    let mut out = Vec::new();
    loop {
        let e = tokio::time::timeout(Duration::from_secs(10), s.next())
            .await
            .unwrap_or_else(|_| panic!("no {last:?} for {inquiry_id}; saw {out:#?}"))
            .expect("open")
            .expect("ok");
        if e.assignment.as_ref().map(|a| a.inquiry_id.as_str()) != Some(inquiry_id) {
            continue;
        }
        let done = e.change == last as i32;
        out.push(e);
        if done {
            return out;
        }
    }
}

fn transfer_order(inquiry_id: &str, to: &str) -> rpb::TransferRequest {
    rpb::TransferRequest {
        inquiry_id: inquiry_id.into(),
        to_department: to.into(),
        reason: "the kitchen decides on cakes".into(),
        customer_told_wait: Some(prost_types::Duration {
            seconds: 15 * 60,
            nanos: 0,
        }),
        force: false,
    }
}

async fn staff_actions_name_who_acted_and_whose_hands_it_left(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut sue = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    // Nobody on duty yet: it waits in the front office queue.
    let i = create_on(&mut c, common::Channel::FrontDesk, "Where is the gym?").await;
    assignment_where(&mut sue, &i.inquiry_id, "queued", |a| a.assignee.is_empty()).await;
    agent_on_duty(&app, "F1", "front_office").await;
    agent_on_duty(&app, "F2", "front_office").await;
    agent_on_duty(&app, "K1", "food_beverage").await;
    let mut f1 = app.routing_as("F1", Role::Agent, &[PROPERTY_A]).await;
    f1.claim(rpb::ClaimRequest {
        inquiry_id: i.inquiry_id.clone(),
        ..Default::default()
    })
    .await
    .expect("claim");

    // A supervisor's release is hers, taken from F1: not "F1 released it".
    sue.release(rpb::ReleaseRequest {
        inquiry_id: i.inquiry_id.clone(),
        reason: "F1 is needed at the door".into(),
    })
    .await
    .expect("release");
    let entry = timeline_entry(&mut c, &i.inquiry_id, "released it").await;
    assert_eq!(
        entry.detail,
        "sue took it from F1 and released it to the front_office queue: F1 is needed at the door"
    );
    assert_eq!(
        entry.actor, "sue",
        "intake's archive names who acted, not routing"
    );
    sue.reassign(rpb::ReassignRequest {
        inquiry_id: i.inquiry_id.clone(),
        staff_id: "F2".into(),
        force: false,
        reason: "speaks German".into(),
    })
    .await
    .expect("reassign");
    let done = sue
        .transfer(transfer_order(&i.inquiry_id, "food_beverage"))
        .await
        .expect("transfer")
        .into_inner();
    let slip = done.slip.expect("slip");
    assert_eq!(
        (slip.from_staff_id.as_str(), slip.to_staff_id.as_str()),
        ("F2", "K1"),
        "the slip says whose hands it left and reached"
    );
    assert_eq!(slip.property_id, PROPERTY_A);

    // Every routing event names who acted and the handler before and after.
    let seen: Vec<(i32, String, String, String)> =
        changes_until(&mut sue, &i.inquiry_id, rpb::AssignmentChange::Transferred)
            .await
            .into_iter()
            .map(|e| (e.change, e.actor, e.from_staff_id, e.to_staff_id))
            .collect();
    use rpb::AssignmentChange as A;
    let s = |x: &str| x.to_string();
    assert_eq!(
        seen,
        [
            (A::Routed as i32, s("routing"), s(""), s("")),
            (A::Assigned as i32, s("F1"), s(""), s("F1")),
            (A::Assigned as i32, s("sue"), s("F1"), s("")),
            (A::Assigned as i32, s("sue"), s(""), s("F2")),
            (A::Transferred as i32, s("sue"), s("F2"), s("K1")),
        ]
    );

    // After the transfer the assignment stands on the slip, not on the first rule.
    let a = done.assignment.expect("assignment");
    assert_eq!(a.rule_id, "transfer");
    assert!(
        a.reason.starts_with(&format!(
            "transferred from front_office to food_beverage by sue (slip {})",
            slip.slip_id
        )),
        "{}",
        a.reason
    );
    let entry = timeline_entry(&mut c, &i.inquiry_id, "transfer slip").await;
    assert!(entry.detail.contains("by sue"), "{}", entry.detail);
    assert!(entry.detail.contains("taken from F2"), "{}", entry.detail);

    // Slips read back: by inquiry, and by department (sent or received), paged.
    let second = create_on(
        &mut c,
        common::Channel::FrontDesk,
        "Could the restaurant bake a birthday cake?",
    )
    .await;
    assignment_where(&mut sue, &second.inquiry_id, "routed", |_| true).await;
    sue.transfer(transfer_order(&second.inquiry_id, "food_beverage"))
        .await
        .expect("second transfer");
    let of_inquiry = sue
        .list_transfers(rpb::ListTransfersRequest {
            property_id: PROPERTY_A.into(),
            inquiry_id: i.inquiry_id.clone(),
            ..Default::default()
        })
        .await
        .expect("by inquiry")
        .into_inner();
    assert_eq!(of_inquiry.slips, std::slice::from_ref(&slip));
    assert!(of_inquiry.next_page_token.is_empty());
    let mut pages = Vec::new();
    let mut token = String::new();
    loop {
        let page = sue
            .list_transfers(rpb::ListTransfersRequest {
                property_id: PROPERTY_A.into(),
                department_code: "food_beverage".into(),
                page_size: 1,
                page_token: token,
                ..Default::default()
            })
            .await
            .expect("by department")
            .into_inner();
        pages.push(page.slips);
        token = page.next_page_token;
        if token.is_empty() {
            break;
        }
    }
    let inquiries: Vec<Vec<String>> = pages
        .iter()
        .map(|p| p.iter().map(|s| s.inquiry_id.clone()).collect())
        .collect();
    assert_eq!(
        inquiries,
        [vec![i.inquiry_id.clone()], vec![second.inquiry_id.clone()]],
        "received slips, oldest first, one per page"
    );
    let sent = sue
        .list_transfers(rpb::ListTransfersRequest {
            property_id: PROPERTY_A.into(),
            department_code: "front_office".into(),
            ..Default::default()
        })
        .await
        .expect("sent")
        .into_inner();
    assert_eq!(sent.slips.len(), 2, "the sending department sees them too");
    for (req, field) in [
        (
            rpb::ListTransfersRequest {
                property_id: PROPERTY_A.into(),
                ..Default::default()
            },
            "inquiry_id",
        ),
        (
            rpb::ListTransfersRequest {
                property_id: PROPERTY_A.into(),
                inquiry_id: i.inquiry_id.clone(),
                department_code: "front_office".into(),
                ..Default::default()
            },
            "department_code",
        ),
        (
            rpb::ListTransfersRequest {
                property_id: PROPERTY_A.into(),
                department_code: "front_office".into(),
                page_token: "not-ours".into(),
                ..Default::default()
            },
            "page_token",
        ),
    ] {
        let err = sue.list_transfers(req).await.expect_err("invalid");
        assert_eq!(err.code(), tonic::Code::InvalidArgument);
        assert_eq!(frontdesk_platform::error::violated_fields(&err), [field]);
    }
}

async fn reclassifying_re_routes_and_re_times_and_keeps_the_first_plan(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create_on(&mut c, common::Channel::Email, "What time is check-out?").await;
    let first = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    assert_eq!(first.category, common::Category::CheckInOut as i32);
    assert_eq!(first.complexity, common::Complexity::Simple as i32);
    assert!(!first.needs_triage);
    assert_eq!(first.lead_department, "administration");

    // The simple check-out question was really a complaint.
    c.reclassify(pb::ReclassifyRequest {
        inquiry_id: i.inquiry_id.clone(),
        category: common::Category::Complaint as i32,
        complexity: common::Complexity::Complex as i32,
        reason: "the guest complains about the late check-out fee".into(),
    })
    .await
    .expect("reclassify");
    let now = assignment_where(&mut r, &i.inquiry_id, "re-routed", |a| {
        a.category == common::Category::Complaint as i32
    })
    .await;
    assert_eq!(now.lead_department, "guest_relations");
    assert_eq!(now.complexity, common::Complexity::Complex as i32);
    assert_eq!(now.rule_id, "complaint");
    assert_eq!(now.assignee, "", "nobody in guest relations is on duty");
    let secs = |t: &Option<prost_types::Timestamp>| t.as_ref().expect("time").seconds;
    assert!(
        secs(&now.resolution_due) > secs(&first.resolution_due),
        "a complex complaint gets 3 working days, not 4 hours"
    );
    assert_eq!(
        secs(&now.initial_resolution_due),
        secs(&first.resolution_due),
        "the deadline planned on arrival stays on record"
    );
    assert_eq!(
        secs(&now.initial_first_response_due),
        secs(&first.first_response_due)
    );
    assert_eq!(
        secs(&now.original_resolution_due),
        secs(&now.resolution_due),
        "no delay notice moved the new deadline"
    );

    let entry = timeline_entry(&mut c, &i.inquiry_id, "re-routed administration").await;
    assert!(
        entry
            .detail
            .starts_with("reclassified check_in_out (simple) → complaint (complex); re-routed administration → guest_relations"),
        "{}",
        entry.detail
    );
    assert!(
        entry.detail.contains("resolution due"),
        "the timeline says the new deadline: {}",
        entry.detail
    );
    // Guest relations names neither a head nor a duty manager: nobody is claimed told.
    assert!(
        entry
            .detail
            .contains("guest_relations has no head and no duty manager: nobody could be told"),
        "{}",
        entry.detail
    );
    let seen = changes_until(&mut r, &i.inquiry_id, rpb::AssignmentChange::Rerouted).await;
    let rerouted = seen.last().expect("rerouted");
    assert_eq!(rerouted.actor, "amy", "who reclassified it");
    assert_eq!(rerouted.notify_staff_id, "");
}

async fn unsure_categories_wait_at_the_triage_desk_until_a_person_confirms(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    agent_on_duty(&app, "F1", "front_office").await;
    // The duty manager works in the front office but is off duty (never picked as handler).
    duty_manager_only(&app, "banquets_conferences").await;

    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create_on(&mut c, common::Channel::Website, "qwerty zxcvb").await;
    assert!(
        i.classification
            .as_ref()
            .expect("classification")
            .needs_triage,
        "intake is unsure of this one"
    );
    let a = assignment_where(&mut r, &i.inquiry_id, "at the triage desk", |_| true).await;
    assert!(a.needs_triage);
    assert_eq!(
        (a.lead_department.as_str(), a.assignee.as_str()),
        ("front_office", "F1"),
        "the triage desk, not the website team its guessed category would give"
    );
    assert_eq!(a.rule_id, "default:triage");
    assert!(a.reason.starts_with("needs triage"), "{}", a.reason);

    // A person says what it is: routed by the rules, to a department with no head.
    c.reclassify(pb::ReclassifyRequest {
        inquiry_id: i.inquiry_id.clone(),
        category: common::Category::Events as i32,
        complexity: common::Complexity::Complex as i32,
        reason: "a wedding banquet enquiry".into(),
    })
    .await
    .expect("reclassify");
    let a = assignment_where(&mut r, &i.inquiry_id, "routed properly", |a| {
        !a.needs_triage
    })
    .await;
    assert_eq!(a.lead_department, "banquets_conferences");
    assert_eq!(a.assignee, "", "nobody there is on duty: the queue");
    let entry = timeline_entry(&mut c, &i.inquiry_id, "re-routed front_office").await;
    assert!(
        entry.detail.contains(
            "banquets_conferences has no head, so no head could be told; duty manager D1 told"
        ),
        "{}",
        entry.detail
    );
    let seen = changes_until(&mut r, &i.inquiry_id, rpb::AssignmentChange::Rerouted).await;
    assert_eq!(
        seen.last().expect("rerouted").notify_staff_id,
        "D1",
        "the duty manager is the one told"
    );

    // Confirming the guess as it is also routes it properly, by the guessed category.
    let j = create_on(&mut c, common::Channel::Website, "qwerty zxcvb").await;
    let guessed = j.classification.as_ref().expect("classification").category;
    assignment_where(&mut r, &j.inquiry_id, "at the triage desk", |a| {
        a.needs_triage
    })
    .await;
    c.reclassify(pb::ReclassifyRequest {
        inquiry_id: j.inquiry_id.clone(),
        category: guessed,
        complexity: 0,
        reason: "checked with the guest".into(),
    })
    .await
    .expect("confirm");
    let a = assignment_where(&mut r, &j.inquiry_id, "confirmed", |a| !a.needs_triage).await;
    assert_eq!(
        a.lead_department, "sales_marketing",
        "the website team answers"
    );
    let entry = timeline_entry(&mut c, &j.inquiry_id, "confirmed").await;
    assert!(
        entry
            .detail
            .contains("re-routed front_office → sales_marketing"),
        "{}",
        entry.detail
    );
}

/// Names `D1` duty manager of `department` and leaves it without a head.
async fn duty_manager_only(app: &TestApp, department: &str) {
    staff(app, "D1", "front_office", common::StaffRole::Manager, false).await;
    let mut mgr = app.routing_as("mo", Role::Manager, &[PROPERTY_A]).await;
    let mut d = mgr
        .list_departments(rpb::ListDepartmentsRequest {
            property_id: PROPERTY_A.into(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .expect("departments")
        .into_inner()
        .departments
        .into_iter()
        .find(|d| d.code == department)
        .expect("default department");
    d.head_staff_id = String::new();
    d.duty_manager_staff_id = "D1".into();
    mgr.upsert_department(rpb::UpsertDepartmentRequest {
        update_mask: None,
        department: Some(d),
    })
    .await
    .expect("duty manager named");
}

async fn an_escalation_to_a_missing_head_reaches_the_duty_manager_and_says_so(backend: Backend) {
    use std::sync::atomic::Ordering;
    let env = Env::new(backend).await;
    let (clock, now) =
        frontdesk_platform::timers::Clock::manual(frontdesk_platform::time::now_micros());
    let mut cfg = env.config();
    cfg.clock = Some(clock);
    let app = env.spawn_with(cfg).await;
    agent_on_duty(&app, "C1", "call_center").await;
    duty_manager_only(&app, "call_center").await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create_on(&mut c, common::Channel::Hotline, "What time is breakfast?").await;
    let a = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    let due = frontdesk_platform::time::from_timestamp(&a.first_response_due.expect("due"))
        .expect("micros");
    // Past the breach and the head's 30 minutes.
    now.store(due + 31 * 60_000_000, Ordering::SeqCst);
    let seen = changes_until(&mut r, &i.inquiry_id, rpb::AssignmentChange::Escalated).await;
    let escalated = seen.last().expect("escalated");
    assert_eq!(escalated.deadline_kind, "first_response_escalate_head");
    assert_eq!(escalated.notify_staff_id, "D1");
    assert_eq!(
        escalated.detail,
        "first_response_escalate_head: escalated to the department head; call_center has no \
         head, so no head could be told; duty manager D1 told"
    );
}

/// A timestamp from seconds since the epoch.
fn at(seconds: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp { seconds, nanos: 0 })
}

/// Monday 2026-11-30 03:00 China time (19:00 UTC the day before).
const MONDAY_3AM: i64 = 1_795_978_800;
const HOUR: i64 = 3_600;

fn preview(channel: common::Channel, category: common::Category) -> rpb::PreviewDeadlinesRequest {
    rpb::PreviewDeadlinesRequest {
        property_id: PROPERTY_A.into(),
        channel: channel as i32,
        category: category as i32,
        complexity: common::Complexity::Simple as i32,
        arrive_time: at(MONDAY_3AM),
        policy_toml: String::new(),
    }
}

async fn the_sla_contract_previews_deadlines_and_shows_the_policy_in_force(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut mgr = app.routing_as("mo", Role::Manager, &[PROPERTY_A]).await;
    let got = mgr
        .get_sla_policy(rpb::GetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
        })
        .await
        .expect("policy")
        .into_inner();
    assert_eq!(got.overrides_toml, "", "no overrides yet");
    assert!(
        got.effective_toml.contains("Asia/Shanghai"),
        "{}",
        got.effective_toml
    );
    assert!(got.effective_toml.contains("head_after_minutes = 30"));

    // Online first responses "at once", on office hours.
    let overrides = "[targets]\nfirst_response_online = { amount = { seconds = 0 }, clock = \"business_hours\" }\n";
    let saved = mgr
        .set_sla_policy(rpb::SetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
            toml: overrides.into(),
        })
        .await
        .expect("save")
        .into_inner();
    assert_eq!(saved.overrides_toml, overrides);
    assert!(
        saved.effective_toml.contains("head_after_minutes = 30"),
        "defaults merged with the overrides: {}",
        saved.effective_toml
    );

    // What an agent tells a caller at 3 a.m.: a zero office-hours target is due when the
    // office opens, not at once (nobody is paged at night).
    let mut amy = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let p = amy
        .preview_deadlines(preview(common::Channel::Website, common::Category::Dining))
        .await
        .expect("preview")
        .into_inner();
    assert_eq!(p.time_zone, "Asia/Shanghai");
    let first = p.first_response.expect("first response");
    assert_eq!(first.setting, "targets.first_response_online");
    assert_eq!(first.clock, rpb::SlaClock::BusinessHours as i32);
    assert_eq!(first.target.expect("target").seconds, 0);
    assert_eq!(first.clock_start_time, at(MONDAY_3AM + 6 * HOUR));
    assert_eq!(
        first.due_time,
        at(MONDAY_3AM + 6 * HOUR),
        "09:00, when the office opens"
    );
    assert!(
        first
            .explanation
            .contains("the clock starts Mon 2026-11-30 09:00 CST"),
        "{}",
        first.explanation
    );
    let resolution = p.resolution.expect("resolution");
    assert_eq!(resolution.setting, "targets.resolution_simple");
    assert_eq!(
        resolution.due_time,
        at(MONDAY_3AM + 10 * HOUR),
        "4 office hours"
    );
    assert_eq!(p.timers.len(), 8);

    // The hotline runs around the clock.
    let phone = amy
        .preview_deadlines(preview(common::Channel::Hotline, common::Category::Dining))
        .await
        .expect("phone")
        .into_inner()
        .first_response
        .expect("first");
    assert_eq!(phone.clock, rpb::SlaClock::AroundTheClock as i32);
    assert_eq!(phone.due_time, at(MONDAY_3AM + 180));

    // A manager previews a draft before saving it; nothing is saved.
    let mut draft = preview(common::Channel::Hotline, common::Category::Dining);
    draft.policy_toml = "[escalation]\nhead_after_minutes = 5\n".into();
    let p = mgr
        .preview_deadlines(draft.clone())
        .await
        .expect("draft")
        .into_inner();
    let head = p
        .timers
        .iter()
        .find(|t| t.deadline_kind == "first_response_escalate_head")
        .expect("head step");
    assert_eq!(head.due_time, at(MONDAY_3AM + 180 + 5 * 60));
    draft.policy_toml = "[targets]\nwarn_fraction = 2.0\n".into();
    let err = mgr.preview_deadlines(draft).await.expect_err("bad draft");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        frontdesk_platform::error::violated_fields(&err),
        ["policy_toml.targets.warn_fraction"]
    );
    let err = amy
        .preview_deadlines(rpb::PreviewDeadlinesRequest {
            property_id: PROPERTY_A.into(),
            ..Default::default()
        })
        .await
        .expect_err("nothing to preview");
    assert_eq!(
        frontdesk_platform::error::violated_fields(&err),
        ["channel", "category", "complexity"]
    );

    // The preview is what routing does: an inquiry arriving now gets the previewed times.
    let mut c = app.agent().await;
    let i = create_on(&mut c, common::Channel::Email, "What time is check-out?").await;
    let a = assignment_where(&mut amy, &i.inquiry_id, "routed", |_| true).await;
    let mut same = preview(common::Channel::Email, common::Category::CheckInOut);
    same.arrive_time = i.created_at;
    let p = amy.preview_deadlines(same).await.expect("now").into_inner();
    assert_eq!(
        p.first_response.expect("first").due_time,
        a.first_response_due
    );
    assert_eq!(p.resolution.expect("resolution").due_time, a.resolution_due);
}

/// A weekday code three days from today in China time: a shift then is off shift now.
fn another_day() -> &'static str {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    // 1970-01-01 was a Thursday (index 3, Monday = 0).
    let today = ((secs + 8 * 3_600) / 86_400 + 3) % 7;
    ["mon", "tue", "wed", "thu", "fri", "sat", "sun"][((today + 3) % 7) as usize]
}

async fn who_is_at_work_now_is_shown_and_handing_to_someone_away_needs_force(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    agent_on_duty(&app, "A1", "front_office").await;
    staff(&app, "B1", "front_office", common::StaffRole::Agent, false).await;
    let mut sue = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    sue.upsert_staff(rpb::UpsertStaffRequest {
        update_mask: None,
        staff: Some(rpb::Staff {
            property_id: PROPERTY_A.into(),
            staff_id: "C1".into(),
            name: "staff C1".into(),
            department_code: "front_office".into(),
            role: common::StaffRole::Agent as i32,
            languages: vec!["en".into()],
            capacity: 5,
            on_duty: true,
            shifts: vec![format!("{} 00:00-24:00", another_day())],
            ..Default::default()
        }),
    })
    .await
    .expect("C1");
    let listed = sue
        .list_staff(rpb::ListStaffRequest {
            property_id: PROPERTY_A.into(),
            department_code: "front_office".into(),
            ..Default::default()
        })
        .await
        .expect("staff")
        .into_inner()
        .staff;
    let available: Vec<(String, bool)> = listed
        .iter()
        .map(|s| (s.staff_id.clone(), s.available_now))
        .collect();
    assert_eq!(
        available,
        [
            ("A1".to_string(), true),
            ("B1".to_string(), false),
            ("C1".to_string(), false),
        ],
        "on duty and on shift now"
    );

    let mut c = app.agent().await;
    let i = create_on(&mut c, common::Channel::FrontDesk, "Where is the gym?").await;
    assignment_where(&mut sue, &i.inquiry_id, "with A1", |a| a.assignee == "A1").await;
    for (who, why) in [("B1", "off duty"), ("C1", "off shift")] {
        let err = sue
            .reassign(rpb::ReassignRequest {
                inquiry_id: i.inquiry_id.clone(),
                staff_id: who.into(),
                reason: "knows the guest".into(),
                force: false,
            })
            .await
            .expect_err("away");
        assert_eq!(err.code(), tonic::Code::FailedPrecondition);
        assert!(err.message().contains(why), "{}", err.message());
        assert!(err.message().contains("force"), "{}", err.message());
    }
    let moved = sue
        .reassign(rpb::ReassignRequest {
            inquiry_id: i.inquiry_id.clone(),
            staff_id: "B1".into(),
            reason: "knows the guest; back at 14:00".into(),
            force: true,
        })
        .await
        .expect("forced")
        .into_inner();
    assert_eq!(moved.assignment.expect("a").assignee, "B1");
}

async fn updates_change_only_the_fields_named_in_the_mask(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    agent_on_duty(&app, "A1", "front_office").await;
    let mut mgr = app.routing_as("mo", Role::Manager, &[PROPERTY_A]).await;
    let mask = |paths: &[&str]| {
        Some(prost_types::FieldMask {
            paths: paths.iter().map(|p| p.to_string()).collect(),
        })
    };
    // Only the duty manager: the names, e-mail and phone stay as they are.
    let d = mgr
        .upsert_department(rpb::UpsertDepartmentRequest {
            department: Some(rpb::Department {
                property_id: PROPERTY_A.into(),
                code: "front_office".into(),
                duty_manager_staff_id: "A1".into(),
                ..Default::default()
            }),
            update_mask: mask(&["duty_manager_staff_id"]),
        })
        .await
        .expect("masked department")
        .into_inner();
    assert!(!d.created);
    let d = d.department.expect("department");
    assert_eq!(d.duty_manager_staff_id, "A1");
    assert_eq!(
        (d.name_zh.as_str(), d.name_en.as_str()),
        ("前厅部", "Front Office")
    );
    // Only the capacity: languages, role and duty stay.
    let s = mgr
        .upsert_staff(rpb::UpsertStaffRequest {
            staff: Some(rpb::Staff {
                property_id: PROPERTY_A.into(),
                staff_id: "A1".into(),
                capacity: 9,
                ..Default::default()
            }),
            update_mask: mask(&["capacity"]),
        })
        .await
        .expect("masked staff")
        .into_inner()
        .staff
        .expect("staff");
    assert_eq!(s.capacity, 9);
    assert_eq!(s.languages, ["en", "zh"]);
    assert_eq!(s.role, common::StaffRole::Agent as i32);
    assert!(s.on_duty && s.available_now);
    // Identity fields and unknown names are not updatable.
    let err = mgr
        .upsert_staff(rpb::UpsertStaffRequest {
            staff: Some(rpb::Staff {
                property_id: PROPERTY_A.into(),
                staff_id: "A1".into(),
                ..Default::default()
            }),
            update_mask: mask(&["capacity", "staff_id"]),
        })
        .await
        .expect_err("staff_id is the identity");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert_eq!(
        frontdesk_platform::error::violated_fields(&err),
        ["update_mask.paths[1]"]
    );
    // Without a mask the record is replaced as given (an upsert).
    let err = mgr
        .upsert_department(rpb::UpsertDepartmentRequest {
            department: Some(rpb::Department {
                property_id: PROPERTY_A.into(),
                code: "front_office".into(),
                ..Default::default()
            }),
            update_mask: None,
        })
        .await
        .expect_err("a whole record needs its names");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
}

on_both_backends!(
    updates_change_only_the_fields_named_in_the_mask,
    the_sla_contract_previews_deadlines_and_shows_the_policy_in_force,
    who_is_at_work_now_is_shown_and_handing_to_someone_away_needs_force,
    an_escalation_to_a_missing_head_reaches_the_duty_manager_and_says_so,
    staff_actions_name_who_acted_and_whose_hands_it_left,
    reclassifying_re_routes_and_re_times_and_keeps_the_first_plan,
    unsure_categories_wait_at_the_triage_desk_until_a_person_confirms,
);

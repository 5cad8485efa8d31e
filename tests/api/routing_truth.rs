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
        customer_told_wait_minutes: 15,
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
    sue.reassign(rpb::ReassignRequest {
        inquiry_id: i.inquiry_id.clone(),
        staff_id: "F2".into(),
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
    staff(
        &app,
        "D1",
        "front_office",
        common::StaffRole::Manager,
        false,
    )
    .await;
    let mut mgr = app.routing_as("mo", Role::Manager, &[PROPERTY_A]).await;
    let departments = mgr
        .list_departments(rpb::ListDepartmentsRequest {
            property_id: PROPERTY_A.into(),
            page_size: 100,
            ..Default::default()
        })
        .await
        .expect("departments")
        .into_inner()
        .departments;
    let mut banquets = departments
        .into_iter()
        .find(|d| d.code == "banquets_conferences")
        .expect("default department");
    banquets.head_staff_id = String::new();
    banquets.duty_manager_staff_id = "D1".into();
    mgr.upsert_department(rpb::UpsertDepartmentRequest {
        department: Some(banquets),
    })
    .await
    .expect("duty manager named");

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

on_both_backends!(
    staff_actions_name_who_acted_and_whose_hands_it_left,
    reclassifying_re_routes_and_re_times_and_keeps_the_first_plan,
    unsure_categories_wait_at_the_triage_desk_until_a_person_confirms,
);

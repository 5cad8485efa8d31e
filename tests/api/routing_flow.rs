//! End to end: intake → routing (rules, assignment, deadlines) → intake's projection, and
//! the SLA engine warning, breaching and escalating on a controllable clock.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::auth::Role;
use frontdesk_platform::timers::Clock;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as rpb;
use frontdesk_tests::intake_pb as pb;
use frontdesk_tests::{
    Backend, Client, Env, PROPERTY_A, RoutingClient, TestApp, create, new_inquiry, on_both_backends,
};
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

const MINUTE: i64 = 60_000_000;

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

async fn inquiry_where(
    c: &mut Client,
    id: &str,
    what: &str,
    check: impl Fn(&pb::GetInquiryResponse) -> bool,
) -> pb::GetInquiryResponse {
    for _ in 0..200 {
        let res = c
            .get_inquiry(pb::GetInquiryRequest {
                inquiry_id: id.into(),
            })
            .await
            .expect("get")
            .into_inner();
        if check(&res) {
            return res;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("inquiry {id} never showed: {what}");
}

async fn staff_on_duty(app: &TestApp, id: &str, department: &str, languages: &[&str]) {
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    sup.upsert_staff(rpb::UpsertStaffRequest {
        update_mask: None,
        staff: Some(rpb::Staff {
            property_id: PROPERTY_A.into(),
            staff_id: id.into(),
            name: format!("staff {id}"),
            department_code: department.into(),
            role: common::StaffRole::Agent as i32,
            languages: languages.iter().map(|l| l.to_string()).collect(),
            skills: vec![],
            capacity: 5,
            on_duty: true,
            updated_at: None,
            shifts: vec![],
            available_now: false,
        }),
    })
    .await
    .expect("staff");
}

async fn new_inquiries_are_routed_and_intake_shows_where_they_went(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    staff_on_duty(&app, "C1", "call_center", &["zh"]).await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create(&mut c, "请问早餐几点开始？").await;

    let a = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    assert_eq!(
        a.lead_department, "call_center",
        "the hotline team answers simple questions on the spot"
    );
    assert!(a.on_the_spot);
    assert_eq!(a.assignee, "C1");
    let created = i.created_at.expect("created").seconds;
    assert_eq!(
        a.first_response_due.expect("due").seconds - created,
        180,
        "phone: 3 minutes (CI-5.4)"
    );

    // Wait on the timeline: it is read before the inquiry, so the inquiry is at least as new.
    let got = inquiry_where(&mut c, &i.inquiry_id, "projection", |g| {
        g.timeline
            .iter()
            .any(|t| t.change == pb::ChangeType::Routed as i32 && t.actor == "routing")
    })
    .await;
    let inquiry = got.inquiry.expect("inquiry");
    let view = inquiry.routing.expect("routing view");
    assert_eq!(view.lead_department, "call_center");
    assert_eq!(view.assignee, "C1");
    assert!(view.as_of.is_some(), "the projection says how fresh it is");
    assert_eq!(
        inquiry.assignee, "C1",
        "routing's handler is the person responsible (CI-3.5)"
    );
    assert!(
        got.timeline
            .iter()
            .any(|t| t.change == pb::ChangeType::Routed as i32 && t.actor == "routing")
    );
}

async fn social_media_complaints_go_to_guest_relations_and_queue_when_nobody_is_on_duty(
    backend: Backend,
) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let mut req = new_inquiry("你们的服务员态度太差了，我要投诉！房间也很脏。");
    req.channel = common::Channel::SocialWeibo as i32;
    let i = c
        .create_inquiry(req)
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let a = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    assert_eq!(
        a.lead_department, "guest_relations",
        "CI-2.5: complaints go to the complaint process"
    );
    assert!(
        a.participants.contains(&"social_media".to_string()),
        "{:?}",
        a.participants
    );
    assert!(!a.on_the_spot);
    assert_eq!(a.assignee, "", "nobody on duty: the department queue");
}

async fn deadlines_warn_breach_and_escalate_on_the_clock_until_answered(backend: Backend) {
    let env = Env::new(backend).await;
    let start = frontdesk_platform::time::now_micros();
    let (clock, now) = Clock::manual(start);
    let mut cfg = env.config();
    cfg.clock = Some(clock);
    let app = env.spawn_with(cfg).await;
    staff_on_duty(&app, "C1", "call_center", &["en", "zh"]).await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create(&mut c, "What time is breakfast?").await;
    let a = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    let due = frontdesk_platform::time::from_timestamp(&a.first_response_due.expect("due"))
        .expect("micros");
    let fired = |k: &'static str| move |a: &rpb::Assignment| a.fired.iter().any(|f| f == k);

    now.store(due - 30_000_000, Ordering::SeqCst); // past 80% of 3 minutes
    assignment_where(
        &mut r,
        &i.inquiry_id,
        "warning",
        fired("first_response_warning"),
    )
    .await;
    now.store(due + 1, Ordering::SeqCst);
    let breached = assignment_where(
        &mut r,
        &i.inquiry_id,
        "breach",
        fired("first_response_breach"),
    )
    .await;
    assert!(
        !breached.fired.iter().any(|f| f.contains("escalate")),
        "escalation waits 30 minutes"
    );
    now.store(due + 31 * MINUTE, Ordering::SeqCst);
    assignment_where(
        &mut r,
        &i.inquiry_id,
        "head told",
        fired("first_response_escalate_head"),
    )
    .await;

    let got = inquiry_where(&mut c, &i.inquiry_id, "breach in projection", |g| {
        g.timeline.iter().any(|t| {
            t.change == pb::ChangeType::SlaChanged as i32
                && t.detail.contains("first_response_breach")
        })
    })
    .await;
    let view = got.inquiry.and_then(|i| i.routing).expect("routing view");
    assert!(
        view.fired.iter().any(|f| f == "first_response_breach"),
        "{:?}",
        view.fired
    );

    // Answering meets the first-response target: the rest of its chain never fires.
    c.respond(pb::RespondRequest {
        inquiry_id: i.inquiry_id.clone(),
        text: "7:00 to 10:30".into(),
        idempotency_key: "r1".into(),
        ..Default::default()
    })
    .await
    .expect("respond");
    assignment_where(&mut r, &i.inquiry_id, "responded", |a| {
        a.state == rpb::AssignmentState::Responded as i32
    })
    .await;
    // Past the duty manager's escalation and past the resolution deadline: the resolution
    // breach (due later) firing is the marker that the engine got that far.
    let resolution_due =
        frontdesk_platform::time::from_timestamp(&a.resolution_due.expect("resolution due"))
            .expect("µs");
    now.store(
        (due + 61 * MINUTE).max(resolution_due + 1),
        Ordering::SeqCst,
    );
    let a = assignment_where(&mut r, &i.inquiry_id, "resolution breach", |a| {
        a.fired.iter().any(|f| f == "resolution_breach")
    })
    .await;
    assert!(
        !a.fired
            .iter()
            .any(|f| f == "first_response_escalate_duty_manager"),
        "{:?}",
        a.fired
    );
}

async fn a_delay_notice_moves_the_resolution_deadline_and_keeps_the_original(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create(
        &mut c,
        "We are planning a wedding banquet for 200 guests next May, with 40 rooms.",
    )
    .await;
    let before = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    let later = prost_types::Timestamp {
        seconds: 4_102_444_800,
        nanos: 0,
    };
    c.notify_delay(pb::NotifyDelayRequest {
        inquiry_id: i.inquiry_id.clone(),
        reason: "waiting for the banquet manager".into(),
        new_expected_at: Some(later),
        idempotency_key: "d1".into(),
        ..Default::default()
    })
    .await
    .expect("delay");
    let after = assignment_where(&mut r, &i.inquiry_id, "moved", |a| {
        a.resolution_due == Some(later)
    })
    .await;
    assert_eq!(
        after.original_resolution_due, before.resolution_due,
        "the original stays for KPIs (CI-3.6)"
    );
}

async fn staff_claim_release_and_supervisors_reassign(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut req = new_inquiry("Where is the gym?");
    req.channel = common::Channel::FrontDesk as i32;
    let i = c
        .create_inquiry(req)
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let mut any = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let routed = assignment_where(&mut any, &i.inquiry_id, "routed", |_| true).await;
    assert_eq!(routed.lead_department, "front_office");
    assert_eq!(routed.assignee, "", "nobody on duty yet: the queue");
    let queue = any
        .list_assignments(rpb::ListAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            department_code: "front_office".into(),
            queue_only: true,
            ..Default::default()
        })
        .await
        .expect("queue")
        .into_inner();
    assert_eq!(queue.assignments.len(), 1);

    staff_on_duty(&app, "F1", "front_office", &["en"]).await;
    staff_on_duty(&app, "F2", "front_office", &["en"]).await;
    let mut f1 = app.routing_as("F1", Role::Agent, &[PROPERTY_A]).await;
    let mut f2 = app.routing_as("F2", Role::Agent, &[PROPERTY_A]).await;
    let claimed = f1
        .claim(rpb::ClaimRequest {
            inquiry_id: i.inquiry_id.clone(),
            ..Default::default()
        })
        .await
        .expect("claim")
        .into_inner();
    assert_eq!(claimed.assignment.expect("a").assignee, "F1");
    let err = f2
        .claim(rpb::ClaimRequest {
            inquiry_id: i.inquiry_id.clone(),
            ..Default::default()
        })
        .await
        .expect_err("taken");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    let err = f2
        .release(rpb::ReleaseRequest {
            inquiry_id: i.inquiry_id.clone(),
            reason: String::new(),
        })
        .await
        .expect_err("not theirs");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    let err = f2
        .reassign(rpb::ReassignRequest {
            inquiry_id: i.inquiry_id.clone(),
            staff_id: "F2".into(),
            force: false,
            reason: String::new(),
        })
        .await
        .expect_err("agents do not reassign");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    let mine = f1
        .list_assignments(rpb::ListAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            assignee: "F1".into(),
            ..Default::default()
        })
        .await
        .expect("mine")
        .into_inner();
    assert_eq!(mine.assignments.len(), 1);

    f1.release(rpb::ReleaseRequest {
        inquiry_id: i.inquiry_id.clone(),
        reason: "going off shift".into(),
    })
    .await
    .expect("release");
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    let moved = sup
        .reassign(rpb::ReassignRequest {
            inquiry_id: i.inquiry_id.clone(),
            staff_id: "F2".into(),
            force: false,
            reason: "speaks German".into(),
        })
        .await
        .expect("reassign")
        .into_inner();
    assert_eq!(moved.assignment.expect("a").assignee, "F2");
    let got = inquiry_where(&mut c, &i.inquiry_id, "reassignment in intake", |g| {
        g.timeline
            .iter()
            .any(|t| t.detail.contains("reassigned to F2"))
    })
    .await;
    // The timeline is read first, so the inquiry is at least as new as it.
    assert_eq!(got.inquiry.expect("inquiry").assignee, "F2");
}

/// CI-3.5 with a call-center system in front: it claims for its signed-in agent (the
/// timeline says through whom); nobody who is not staff claims, and an agent does not claim
/// for a colleague. Intake shows routing's handler only: an acknowledgement by someone else
/// does not make them the handler, and a release leaves nobody.
async fn an_integration_claims_for_its_agent_and_intake_shows_routings_handler(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut req = new_inquiry("Where is the gym?");
    req.channel = common::Channel::FrontDesk as i32;
    let i = c
        .create_inquiry(req)
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let mut cc = app
        .routing_as("callcenter", Role::Integration, &[PROPERTY_A])
        .await;
    assignment_where(&mut cc, &i.inquiry_id, "routed", |_| true).await;
    staff_on_duty(&app, "F1", "front_office", &["en"]).await;
    staff_on_duty(&app, "F2", "front_office", &["en"]).await;
    let claim = |staff_id: &str| rpb::ClaimRequest {
        inquiry_id: i.inquiry_id.clone(),
        staff_id: staff_id.into(),
    };

    let err = cc.claim(claim("")).await.expect_err("not staff");
    assert_eq!(err.code(), tonic::Code::PermissionDenied, "{err:?}");
    assert!(err.message().contains("not staff"), "{err:?}");
    let mut f1 = app.routing_as("F1", Role::Agent, &[PROPERTY_A]).await;
    let err = f1.claim(claim("F2")).await.expect_err("for a colleague");
    assert_eq!(err.code(), tonic::Code::PermissionDenied, "{err:?}");

    let claimed = cc
        .claim(claim("F1"))
        .await
        .expect("claim for F1")
        .into_inner();
    assert_eq!(claimed.assignment.expect("assignment").assignee, "F1");
    inquiry_where(
        &mut c,
        &i.inquiry_id,
        "claimed through the call center",
        |g| {
            g.inquiry.as_ref().is_some_and(|i| i.assignee == "F1")
                && g.timeline.iter().any(|t| {
                    t.detail.contains("claimed by F1") && t.detail.contains("through callcenter")
                })
        },
    )
    .await;

    // amy answers the phone first; F1 stays the handler.
    let acked = c
        .acknowledge(pb::AcknowledgeRequest {
            inquiry_id: i.inquiry_id.clone(),
            message: "收到，马上处理 received".into(),
            ..Default::default()
        })
        .await
        .expect("acknowledge")
        .into_inner()
        .inquiry
        .expect("inquiry");
    assert_eq!(acked.assignee, "F1");
    // Routing has met the first-response deadline before F1 acts: a release racing that
    // update is refused ABORTED (retry), which is not what this scenario is about.
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    assignment_where(&mut r, &i.inquiry_id, "first response recorded", |a| {
        a.first_response_at.is_some()
    })
    .await;

    f1.release(rpb::ReleaseRequest {
        inquiry_id: i.inquiry_id.clone(),
        reason: "going off shift".into(),
    })
    .await
    .expect("release");
    let got = inquiry_where(&mut c, &i.inquiry_id, "released", |g| {
        g.timeline.iter().any(|t| t.detail.contains("released it"))
    })
    .await;
    assert_eq!(
        got.inquiry.expect("inquiry").assignee,
        "",
        "back in the queue"
    );
    let mine = c
        .list_inquiries(pb::ListInquiriesRequest {
            assignee: "F1".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert!(
        mine.inquiries.is_empty(),
        "the assignee filter follows routing"
    );
}

async fn transfers_need_a_reason_and_a_told_wait_and_someone_to_receive(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create(
        &mut c,
        "Can I get a vegan birthday cake delivered to my room tonight?",
    )
    .await;
    assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;

    let err = r
        .transfer(rpb::TransferRequest {
            inquiry_id: i.inquiry_id.clone(),
            to_department: "food_beverage".into(),
            ..Default::default()
        })
        .await
        .expect_err("no reason, no wait");
    assert_eq!(
        frontdesk_platform::error::violated_fields(&err),
        ["reason", "customer_told_wait"]
    );
    let order = rpb::TransferRequest {
        inquiry_id: i.inquiry_id.clone(),
        to_department: "pastry_lab".into(),
        reason: "the kitchen decides on cakes".into(),
        customer_told_wait: Some(prost_types::Duration {
            seconds: 20 * 60,
            nanos: 0,
        }),
        force: false,
    };
    let err = r
        .transfer(order.clone())
        .await
        .expect_err("unknown department");
    assert_eq!(
        frontdesk_platform::error::violated_fields(&err),
        ["to_department"]
    );
    let order = rpb::TransferRequest {
        to_department: "food_beverage".into(),
        ..order
    };
    let err = r
        .transfer(order.clone())
        .await
        .expect_err("nobody on duty there");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);

    staff_on_duty(&app, "K1", "food_beverage", &["en"]).await;
    let done = r.transfer(order).await.expect("transfer").into_inner();
    let slip = done.slip.expect("slip");
    assert_eq!(slip.to_department, "food_beverage");
    assert_eq!(slip.customer_told_wait.expect("wait").seconds, 20 * 60);
    assert_eq!(slip.transferred_by, "amy");
    let a = done.assignment.expect("a");
    assert_eq!(
        (a.lead_department.as_str(), a.assignee.as_str()),
        ("food_beverage", "K1")
    );
    let got = inquiry_where(&mut c, &i.inquiry_id, "slip in timeline", |g| {
        g.timeline
            .iter()
            .any(|t| t.detail.contains("transfer slip"))
    })
    .await;
    assert_eq!(
        got.inquiry
            .expect("i")
            .routing
            .expect("view")
            .lead_department,
        "food_beverage"
    );
}

async fn referrals_name_the_partner_the_customer_should_contact(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    sup.upsert_partner(rpb::UpsertPartnerRequest {
        update_mask: None,
        partner: Some(rpb::Partner {
            property_id: PROPERTY_A.into(),
            partner_id: "spring-travel".into(),
            kind: rpb::PartnerKind::TravelAgency as i32,
            name: "春秋旅行社".into(),
            contact_name: "王经理".into(),
            phone: "+86 21 6252 0000".into(),
            handles: "day tours".into(),
            ..Default::default()
        }),
    })
    .await
    .expect("partner");
    let i = create(&mut c, "能帮我安排明天去苏州的一日游吗？").await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    let err = r
        .refer(rpb::ReferRequest {
            inquiry_id: i.inquiry_id.clone(),
            partner_id: "nobody".into(),
            note: String::new(),
        })
        .await
        .expect_err("unknown partner");
    assert_eq!(
        frontdesk_platform::error::violated_fields(&err),
        ["partner_id"]
    );
    let done = r
        .refer(rpb::ReferRequest {
            inquiry_id: i.inquiry_id.clone(),
            partner_id: "spring-travel".into(),
            note: "Suzhou day tour".into(),
        })
        .await
        .expect("refer")
        .into_inner();
    let partner = done.referral.expect("referral").partner.expect("partner");
    assert_eq!(
        partner.phone, "+86 21 6252 0000",
        "CI-3.4: the customer is told how to reach them"
    );
    inquiry_where(&mut c, &i.inquiry_id, "referral in timeline", |g| {
        g.timeline
            .iter()
            .any(|t| t.detail.contains("referred to 春秋旅行社"))
    })
    .await;

    // CI-3.4 follow-up: the referral's state is tracked.
    let referral_id = r
        .list_referrals(rpb::ListReferralsRequest {
            inquiry_id: i.inquiry_id.clone(),
        })
        .await
        .expect("list")
        .into_inner()
        .referrals
        .first()
        .map(|x| {
            assert_eq!(x.state, rpb::ReferralState::Referred as i32);
            x.referral_id.clone()
        })
        .expect("one referral");
    let err = r
        .update_referral(rpb::UpdateReferralRequest {
            referral_id: referral_id.clone(),
            state: 0,
            note: String::new(),
        })
        .await
        .expect_err("no state");
    assert_eq!(frontdesk_platform::error::violated_fields(&err), ["state"]);
    for state in [rpb::ReferralState::Contacted, rpb::ReferralState::Closed] {
        let done = r
            .update_referral(rpb::UpdateReferralRequest {
                referral_id: referral_id.clone(),
                state: state as i32,
                note: String::new(),
            })
            .await
            .expect("move")
            .into_inner();
        assert_eq!(done.referral.expect("referral").state, state as i32);
    }
    let err = r
        .update_referral(rpb::UpdateReferralRequest {
            referral_id,
            state: rpb::ReferralState::Contacted as i32,
            note: String::new(),
        })
        .await
        .expect_err("closed stays closed");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
}

async fn next(
    s: &mut tonic::Streaming<rpb::WatchAssignmentsResponse>,
) -> rpb::WatchAssignmentsResponse {
    use tokio_stream::StreamExt;
    tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .expect("in time")
        .expect("open")
        .expect("ok")
}

async fn a_department_watches_its_queue_and_resumes_from_its_cursor(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let mut stream = r
        .watch_assignments(rpb::WatchAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            department_code: "front_office".into(),
            ..Default::default()
        })
        .await
        .expect("watch")
        .into_inner();
    let mut c = app.agent().await;
    let mut req = new_inquiry("Where can I park my car?");
    req.channel = common::Channel::FrontDesk as i32;
    let i = c
        .create_inquiry(req)
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("i");
    // Another department's inquiry is not in this queue.
    let mut other = new_inquiry("Do you have a vegan menu?");
    other.channel = common::Channel::Restaurant as i32;
    c.create_inquiry(other).await.expect("create");
    let routed = next(&mut stream).await;
    assert_eq!(routed.change, rpb::AssignmentChange::Routed as i32);
    assert_eq!(routed.assignment.expect("a").inquiry_id, i.inquiry_id);
    drop(stream);

    staff_on_duty(&app, "F1", "front_office", &["en"]).await;
    let mut f1 = app.routing_as("F1", Role::Agent, &[PROPERTY_A]).await;
    f1.claim(rpb::ClaimRequest {
        inquiry_id: i.inquiry_id.clone(),
        ..Default::default()
    })
    .await
    .expect("claim");
    let mut resumed = r
        .watch_assignments(rpb::WatchAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            department_code: "front_office".into(),
            cursor: routed.cursor.clone(),
            ..Default::default()
        })
        .await
        .expect("resume")
        .into_inner();
    let claimed = next(&mut resumed).await;
    assert_eq!(
        claimed.change,
        rpb::AssignmentChange::Assigned as i32,
        "the next change, nothing repeated"
    );
    assert_eq!(claimed.assignment.expect("a").assignee, "F1");

    // A board that starts fresh asks to be told when the backlog is behind it.
    let mut board = r
        .watch_assignments(rpb::WatchAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            department_code: "front_office".into(),
            from_beginning: true,
            send_caught_up: true,
            ..Default::default()
        })
        .await
        .expect("from the beginning")
        .into_inner();
    let mut backlog = Vec::new();
    let marker = loop {
        let m = next(&mut board).await;
        if m.caught_up {
            break m;
        }
        backlog.push(m.change);
    };
    assert_eq!(
        backlog,
        [
            rpb::AssignmentChange::Routed as i32,
            rpb::AssignmentChange::Assigned as i32
        ]
    );
    // The marker's cursor is the position reached in the whole log (other departments'
    // changes are skipped, not sent): at or after the last change of this queue.
    let position = |c: &str| c.parse::<i64>().expect("numeric cursor");
    assert!(
        position(&marker.cursor) >= position(&claimed.cursor),
        "caught up at {} before the backlog's end {}",
        marker.cursor,
        claimed.cursor
    );
}

async fn managers_edit_routing_rules_and_sla_policies_validated_on_save(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut agent = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let mut manager = app.routing_as("max", Role::Manager, &[PROPERTY_A]).await;
    let vip = r#"
[[rule]]
id = "vip_guests"
text_any = ["VIP", "贵宾"]
department = "guest_relations"
note = "VIPs are looked after by guest relations"
"#;
    let err = agent
        .set_routing_rules(rpb::SetRoutingRulesRequest {
            property_id: PROPERTY_A.into(),
            toml: vip.into(),
        })
        .await
        .expect_err("agents do not edit rules");
    assert_eq!(err.code(), tonic::Code::PermissionDenied);
    let bad = vip.replace("guest_relations", "butlers");
    let err = manager
        .set_routing_rules(rpb::SetRoutingRulesRequest {
            property_id: PROPERTY_A.into(),
            toml: bad,
        })
        .await
        .expect_err("unknown department");
    assert_eq!(err.code(), tonic::Code::InvalidArgument);
    assert!(
        frontdesk_platform::error::violated_fields(&err)
            .iter()
            .all(|f| f.starts_with("toml.")),
        "{err:?}"
    );
    let saved = manager
        .set_routing_rules(rpb::SetRoutingRulesRequest {
            property_id: PROPERTY_A.into(),
            toml: vip.into(),
        })
        .await
        .expect("save")
        .into_inner();
    assert_eq!(saved.version, 1);
    assert!(saved.effective_toml.contains("vip_guests"));

    let mut c = app.agent().await;
    let i = create(&mut c, "Our VIP guest needs a quiet room").await;
    let a = assignment_where(&mut agent, &i.inquiry_id, "routed", |_| true).await;
    assert_eq!(
        (a.lead_department.as_str(), a.rule_id.as_str()),
        ("guest_relations", "vip_guests")
    );

    let err = manager
        .set_sla_policy(rpb::SetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
            toml: "[escalation]\nhead_after = 5".into(),
        })
        .await
        .expect_err("typo");
    assert_eq!(frontdesk_platform::error::violated_fields(&err), ["toml"]);
    let policy = "[escalation]\nhead_after_minutes = 10\n";
    manager
        .set_sla_policy(rpb::SetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
            toml: policy.into(),
        })
        .await
        .expect("save policy");
    let got = agent
        .get_sla_policy(rpb::GetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
        })
        .await
        .expect("get")
        .into_inner();
    assert_eq!((got.overrides_toml.as_str(), got.version), (policy, 1));
}

async fn waiting_on_the_customer_pauses_the_clock(backend: Backend) {
    let env = Env::new(backend).await;
    let (clock, now) = Clock::manual(frontdesk_platform::time::now_micros());
    let mut cfg = env.config();
    cfg.clock = Some(clock);
    let app = env.spawn_with(cfg).await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create(
        &mut c,
        "Can you check my booking? I will send the confirmation number.",
    )
    .await;
    let before = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    let due = before.first_response_due.expect("due");

    // Another inquiry, due no earlier, that nobody waits on: its breach is the marker.
    let marker = create(&mut c, "Can you check my booking? It is under Wang.").await;
    assignment_where(&mut r, &marker.inquiry_id, "routed", |_| true).await;
    let waited = std::time::Instant::now();
    c.wait_for_customer(pb::WaitForCustomerRequest {
        inquiry_id: i.inquiry_id.clone(),
        reason: "confirmation number".into(),
    })
    .await
    .expect("wait");
    let err = c
        .wait_for_customer(pb::WaitForCustomerRequest {
            inquiry_id: i.inquiry_id.clone(),
            reason: "again".into(),
        })
        .await
        .expect_err("already waiting");
    assert_eq!(err.code(), tonic::Code::FailedPrecondition);
    assignment_where(&mut r, &i.inquiry_id, "paused", |a| {
        a.version > before.version
    })
    .await;
    // Past the original due time while paused: nothing fires.
    let due_us = frontdesk_platform::time::from_timestamp(&due).expect("µs");
    now.store(due_us + 10_000_000, Ordering::SeqCst);
    assignment_where(
        &mut r,
        &marker.inquiry_id,
        "the unpaused one breached",
        |a| a.fired.iter().any(|f| f == "first_response_breach"),
    )
    .await;
    let paused = assignment_where(&mut r, &i.inquiry_id, "still paused", |_| true).await;
    assert!(
        paused.fired.is_empty(),
        "a paused clock fired {:?}",
        paused.fired
    );

    c.customer_replied(pb::CustomerRepliedRequest {
        inquiry_id: i.inquiry_id.clone(),
        note: "sent it".into(),
    })
    .await
    .expect("reply");
    // The wait lasted at most this long (it includes the polling above, so no fixed bound).
    let most = i64::try_from(waited.elapsed().as_micros()).expect("µs");
    let moved = assignment_where(&mut r, &i.inquiry_id, "deadline moved", |a| {
        a.first_response_due != Some(due)
    })
    .await;
    let moved_us =
        frontdesk_platform::time::from_timestamp(&moved.first_response_due.expect("due"))
            .expect("µs");
    let shift = moved_us - due_us;
    assert!(
        shift > 0 && shift <= most + 1_000_000,
        "moved by the time waited (at most {most} µs), got {shift} µs"
    );
    now.store(
        now.load(Ordering::SeqCst).max(moved_us + 1),
        Ordering::SeqCst,
    );
    // The clock runs again and is now past the new due time: the breach fires.
    assignment_where(&mut r, &i.inquiry_id, "breach after the pause", |a| {
        a.fired.iter().any(|f| f == "first_response_breach")
    })
    .await;
}

async fn staff_off_shift_are_not_assigned(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    // Today and tomorrow in China time (the default policy's zone); 1970-01-01 was a Thursday.
    let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    let weekday = |unix_seconds: i64| names[((unix_seconds + 8 * 3600) / 86_400 + 3) as usize % 7];
    let now = frontdesk_platform::time::now_micros() / 1_000_000;
    let (today, tomorrow) = (weekday(now), weekday(now + 86_400));
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    for (id, shift) in [
        ("NIGHT", format!("{tomorrow} 00:00-24:00")),
        ("DAY", format!("{today} 00:00-24:00")),
    ] {
        sup.upsert_staff(rpb::UpsertStaffRequest {
            update_mask: None,
            staff: Some(rpb::Staff {
                property_id: PROPERTY_A.into(),
                staff_id: id.into(),
                name: id.into(),
                department_code: "call_center".into(),
                role: common::StaffRole::Agent as i32,
                languages: vec!["en".into()],
                capacity: 5,
                on_duty: true,
                shifts: vec![shift],
                ..Default::default()
            }),
        })
        .await
        .expect("staff");
    }
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    for n in 0..3 {
        let i = create(&mut c, &format!("Question {n}: what time is breakfast?")).await;
        let a = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
        // Routing goes by the inquiry's own instant; judge by that same fixed instant, not
        // by a second reading of the clock (which may fall after Shanghai midnight).
        let at = weekday(i.created_at.expect("created").seconds);
        let on_shift = if at == today { "DAY" } else { "NIGHT" };
        assert!(at == today || at == tomorrow, "{at}");
        assert_eq!(
            a.assignee, on_shift,
            "only the colleague on shift on {at} takes inquiries"
        );
    }
}

/// Staff of another property (bob works at B) get nothing from A's routing: per-inquiry
/// calls answer NOT_FOUND exactly as for an inquiry that does not exist (no hint that it
/// does), property-wide calls PERMISSION_DENIED; and nothing they tried changed anything.
async fn another_propertys_staff_cannot_read_or_move_routing(backend: Backend) {
    use tonic::Code;
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    staff_on_duty(&app, "F1", "front_office", &["en"]).await;
    staff_on_duty(&app, "K1", "food_beverage", &["en"]).await;
    let mut c = app.agent().await;
    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    sup.upsert_partner(rpb::UpsertPartnerRequest {
        update_mask: None,
        partner: Some(rpb::Partner {
            property_id: PROPERTY_A.into(),
            partner_id: "spring-travel".into(),
            kind: rpb::PartnerKind::TravelAgency as i32,
            name: "春秋旅行社".into(),
            phone: "+86 21 6252 0000".into(),
            ..Default::default()
        }),
    })
    .await
    .expect("partner");
    let i = create(&mut c, "Can you book us a day tour to Suzhou?").await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let before = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    let referral = r
        .refer(rpb::ReferRequest {
            inquiry_id: i.inquiry_id.clone(),
            partner_id: "spring-travel".into(),
            note: String::new(),
        })
        .await
        .expect("refer")
        .into_inner()
        .referral
        .expect("referral");
    let before = assignment_where(&mut r, &i.inquiry_id, "referred", |a| {
        a.version >= before.version
    })
    .await;

    // Bob is a manager, but of property B.
    let mut bob = app
        .routing_as("bob", Role::Manager, &[frontdesk_tests::PROPERTY_B])
        .await;
    for (id, existing) in [(i.inquiry_id.clone(), true), ("no-such".to_string(), false)] {
        let what = if existing {
            "A's inquiry"
        } else {
            "a missing one"
        };
        let mut codes: Vec<(&str, Code)> = Vec::new();
        let get = bob
            .get_assignment(rpb::GetAssignmentRequest {
                inquiry_id: id.clone(),
            })
            .await;
        codes.push(("GetAssignment", get.expect_err(what).code()));
        let claim = bob
            .claim(rpb::ClaimRequest {
                inquiry_id: id.clone(),
                ..Default::default()
            })
            .await;
        codes.push(("Claim", claim.expect_err(what).code()));
        let transfer = bob
            .transfer(rpb::TransferRequest {
                inquiry_id: id.clone(),
                to_department: "food_beverage".into(),
                reason: "cakes".into(),
                customer_told_wait: Some(prost_types::Duration {
                    seconds: 10 * 60,
                    nanos: 0,
                }),
                force: true,
            })
            .await;
        codes.push(("Transfer", transfer.expect_err(what).code()));
        let refer = bob
            .refer(rpb::ReferRequest {
                inquiry_id: id.clone(),
                partner_id: "spring-travel".into(),
                note: String::new(),
            })
            .await;
        codes.push(("Refer", refer.expect_err(what).code()));
        let reassign = bob
            .reassign(rpb::ReassignRequest {
                inquiry_id: id.clone(),
                staff_id: "K1".into(),
                force: false,
                reason: "mine now".into(),
            })
            .await;
        codes.push(("Reassign", reassign.expect_err(what).code()));
        let release = bob
            .release(rpb::ReleaseRequest {
                inquiry_id: id.clone(),
                reason: String::new(),
            })
            .await;
        codes.push(("Release", release.expect_err(what).code()));
        let referral_id = if existing {
            referral.referral_id.clone()
        } else {
            "no-such".into()
        };
        let update = bob
            .update_referral(rpb::UpdateReferralRequest {
                referral_id,
                state: rpb::ReferralState::Closed as i32,
                note: String::new(),
            })
            .await;
        codes.push(("UpdateReferral", update.expect_err(what).code()));
        assert!(
            codes.iter().all(|(_, code)| *code == Code::NotFound),
            "{what}: {codes:?}"
        );
    }
    let listed = bob
        .list_referrals(rpb::ListReferralsRequest {
            inquiry_id: i.inquiry_id.clone(),
        })
        .await;
    match listed {
        Ok(l) => assert!(
            l.into_inner().referrals.is_empty(),
            "A's referral shown to B"
        ),
        Err(e) => assert_eq!(e.code(), Code::NotFound),
    }

    // Property-wide calls naming A.
    let mut codes: Vec<(&str, Code)> = Vec::new();
    let watch = bob
        .watch_assignments(rpb::WatchAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            ..Default::default()
        })
        .await;
    codes.push(("WatchAssignments", watch.expect_err("watch A").code()));
    let list = bob
        .list_assignments(rpb::ListAssignmentsRequest {
            property_id: PROPERTY_A.into(),
            ..Default::default()
        })
        .await;
    codes.push(("ListAssignments", list.expect_err("list A").code()));
    let rules = bob
        .get_routing_rules(rpb::GetRoutingRulesRequest {
            property_id: PROPERTY_A.into(),
        })
        .await;
    codes.push(("GetRoutingRules", rules.expect_err("rules of A").code()));
    let set_rules = bob
        .set_routing_rules(rpb::SetRoutingRulesRequest {
            property_id: PROPERTY_A.into(),
            toml: "[[rule]]\nid = \"all\"\ntext_any = [\"room\"]\ndepartment = \"front_office\"\n"
                .into(),
        })
        .await;
    codes.push(("SetRoutingRules", set_rules.expect_err("rules of A").code()));
    let policy = bob
        .get_sla_policy(rpb::GetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
        })
        .await;
    codes.push(("GetSlaPolicy", policy.expect_err("policy of A").code()));
    let set_policy = bob
        .set_sla_policy(rpb::SetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
            toml: "[escalation]\nhead_after_minutes = 1\n".into(),
        })
        .await;
    codes.push(("SetSlaPolicy", set_policy.expect_err("policy of A").code()));
    assert!(
        codes
            .iter()
            .all(|(_, code)| *code == Code::PermissionDenied),
        "{codes:?}"
    );

    // Nothing moved: same assignment, same referral state, A's rules and policy untouched.
    let after = assignment_where(&mut r, &i.inquiry_id, "unchanged", |_| true).await;
    assert_eq!(after, before);
    let referrals = r
        .list_referrals(rpb::ListReferralsRequest {
            inquiry_id: i.inquiry_id.clone(),
        })
        .await
        .expect("list")
        .into_inner()
        .referrals;
    assert_eq!(
        referrals
            .iter()
            .map(|x| (x.referral_id.as_str(), x.state))
            .collect::<Vec<_>>(),
        [(
            referral.referral_id.as_str(),
            rpb::ReferralState::Referred as i32
        )]
    );
    let policy = r
        .get_sla_policy(rpb::GetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
        })
        .await
        .expect("policy")
        .into_inner();
    assert_eq!(policy.version, 0, "{policy:?}");
    let rules = r
        .get_routing_rules(rpb::GetRoutingRulesRequest {
            property_id: PROPERTY_A.into(),
        })
        .await
        .expect("rules")
        .into_inner();
    assert_eq!(rules.version, 0);
}

/// Issue 14: routing reads the directory and the SLA policy once per delivered batch of
/// events, not once per inquiry. A staff change or a new policy saved between two inquiries
/// applies to the second; taking someone off duty applies as promptly.
async fn a_staff_change_or_a_new_sla_policy_applies_to_the_next_inquiry(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let mut manager = app.routing_as("max", Role::Manager, &[PROPERTY_A]).await;
    let first = create(&mut c, "Question 1: what time is breakfast?").await;
    let a1 = assignment_where(&mut r, &first.inquiry_id, "routed", |_| true).await;
    assert_eq!(a1.assignee, "", "nobody on duty yet: queued");
    let due = |a: &rpb::Assignment, i: &pb::Inquiry| {
        a.first_response_due.expect("due").seconds - i.created_at.expect("created").seconds
    };
    assert_ne!(due(&a1, &first), 600);

    staff_on_duty(&app, "D1", &a1.lead_department, &["en", "zh"]).await;
    manager
        .set_sla_policy(rpb::SetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
            toml: "[categories.dining]\nfirst_response = { amount = { seconds = 600 }, clock = \"around_the_clock\" }\n".into(),
        })
        .await
        .expect("a 10 minute target for dining");
    let second = create(&mut c, "Question 2: what time is breakfast?").await;
    let a2 = assignment_where(&mut r, &second.inquiry_id, "routed", |_| true).await;
    assert_eq!(a2.assignee, "D1", "the staff member on duty now");
    assert_eq!(due(&a2, &second), 600, "the policy saved before it");

    let mut sup = app.routing_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    sup.upsert_staff(rpb::UpsertStaffRequest {
        update_mask: Some(prost_types::FieldMask {
            paths: vec!["on_duty".into()],
        }),
        staff: Some(rpb::Staff {
            property_id: PROPERTY_A.into(),
            staff_id: "D1".into(),
            on_duty: false,
            ..Default::default()
        }),
    })
    .await
    .expect("off duty");
    let third = create(&mut c, "Question 3: what time is breakfast?").await;
    let a3 = assignment_where(&mut r, &third.inquiry_id, "routed", |_| true).await;
    assert_eq!(a3.assignee, "", "off duty: queued again");
}

/// Routing counts a batch's own assignments into the loads the next inquiry of the batch
/// sees: two staff with room for five each take ten of twelve inquiries created at once, and
/// nobody goes over capacity.
async fn inquiries_routed_together_respect_each_handlers_capacity(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut r = app.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let probe = create(&mut c, "Question 0: what time is breakfast?").await;
    let dept = assignment_where(&mut r, &probe.inquiry_id, "routed", |_| true)
        .await
        .lead_department;
    staff_on_duty(&app, "E1", &dept, &["en", "zh"]).await;
    staff_on_duty(&app, "E2", &dept, &["en", "zh"]).await;
    let tasks: Vec<_> = (1..=12)
        .map(|n| {
            let mut c = c.clone();
            tokio::spawn(async move {
                create(&mut c, &format!("Question {n}: what time is breakfast?"))
                    .await
                    .inquiry_id
            })
        })
        .collect();
    let mut held = std::collections::BTreeMap::<String, usize>::new();
    for t in tasks {
        let id = t.await.expect("create");
        let a = assignment_where(&mut r, &id, "routed", |_| true).await;
        *held.entry(a.assignee).or_default() += 1;
    }
    let expected: std::collections::BTreeMap<String, usize> =
        [("".into(), 2), ("E1".into(), 5), ("E2".into(), 5)].into();
    assert_eq!(
        held, expected,
        "five each (their capacity), the rest queued"
    );
}

on_both_backends!(
    a_staff_change_or_a_new_sla_policy_applies_to_the_next_inquiry,
    inquiries_routed_together_respect_each_handlers_capacity,
    an_integration_claims_for_its_agent_and_intake_shows_routings_handler,
    new_inquiries_are_routed_and_intake_shows_where_they_went,
    social_media_complaints_go_to_guest_relations_and_queue_when_nobody_is_on_duty,
    deadlines_warn_breach_and_escalate_on_the_clock_until_answered,
    a_delay_notice_moves_the_resolution_deadline_and_keeps_the_original,
    staff_claim_release_and_supervisors_reassign,
    transfers_need_a_reason_and_a_told_wait_and_someone_to_receive,
    referrals_name_the_partner_the_customer_should_contact,
    a_department_watches_its_queue_and_resumes_from_its_cursor,
    managers_edit_routing_rules_and_sla_policies_validated_on_save,
    waiting_on_the_customer_pauses_the_clock,
    staff_off_shift_are_not_assigned,
    another_propertys_staff_cannot_read_or_move_routing,
);

/// Three routing replicas on one Postgres + Redis share the clock: every deadline fires once,
/// and after Redis loses its timers they are re-armed from Postgres and still fire.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replicas_never_double_fire_and_a_flushed_redis_loses_no_deadline() {
    let env = Env::new(Backend::Postgres).await;
    let cell = Arc::new(AtomicI64::new(frontdesk_platform::time::now_micros()));
    let mut cfg = env.config();
    cfg.clock = Some(Clock::Manual(cell.clone()));
    let replicas = [
        env.spawn_with(cfg.clone()).await,
        env.spawn_with(cfg.clone()).await,
        env.spawn_with(cfg).await,
    ];
    let mut c = replicas[0].agent().await;
    let mut r = replicas[1]
        .routing_as("amy", Role::Agent, &[PROPERTY_A])
        .await;
    let mut ids = Vec::new();
    for n in 0..10 {
        ids.push(
            create(&mut c, &format!("Question {n}: is there a shuttle bus?"))
                .await
                .inquiry_id,
        );
    }
    let mut latest_due = 0;
    for id in &ids {
        let a = assignment_where(&mut r, id, "routed", |_| true).await;
        latest_due = latest_due.max(
            frontdesk_platform::time::from_timestamp(&a.first_response_due.expect("due"))
                .expect("µs"),
        );
    }
    cell.store(latest_due + 1, Ordering::SeqCst);
    for id in &ids {
        assignment_where(&mut r, id, "breach", |a| {
            a.fired.iter().any(|f| f == "first_response_breach")
        })
        .await;
    }

    // Redis loses everything of this deployment (FLUSHALL, failover to an empty replica …).
    let prefix = env.redis.as_ref().expect("redis").prefix.clone();
    let client =
        redis::Client::open(env.redis.as_ref().expect("redis").url.clone()).expect("client");
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .expect("conn");
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .expect("keys");
    let _: () = redis::cmd("DEL")
        .arg(keys)
        .query_async(&mut conn)
        .await
        .expect("del");

    cell.store(latest_due + 31 * MINUTE, Ordering::SeqCst);
    for id in &ids {
        assignment_where(&mut r, id, "escalated after flush", |a| {
            a.fired.iter().any(|f| f == "first_response_escalate_head")
        })
        .await;
    }

    // The duty manager's escalation is the marker: once it fired for every inquiry, the
    // earlier deadlines' fires are long settled. Each of them produced exactly one event,
    // whichever replica fired it. (This cannot catch a double claim in Redis: routing's
    // conditional update of the deadline row refuses a second fire. timers.rs has the test
    // where only the wheel stands between replicas and a double fire.)
    cell.store(latest_due + 61 * MINUTE, Ordering::SeqCst);
    for id in &ids {
        assignment_where(&mut r, id, "duty manager told", |a| {
            a.fired
                .iter()
                .any(|f| f == "first_response_escalate_duty_manager")
        })
        .await;
    }
    let seen: std::collections::HashMap<_, _> = deadline_events(&env)
        .await
        .into_iter()
        .filter(|((_, kind), _)| kind != "first_response_escalate_duty_manager")
        .collect();
    assert_eq!(
        seen.len(),
        ids.len() * 3,
        "warning, breach and head escalation for each: {seen:?}"
    );
    assert!(
        seen.values().all(|n| *n == 1),
        "a deadline fired twice: {seen:?}"
    );
}

/// How many warning / breach / escalation events routing emitted, per (inquiry, deadline).
async fn deadline_events(env: &Env) -> std::collections::HashMap<(String, String), usize> {
    let db = frontdesk_platform::db::Db::connect(
        env.database_url(frontdesk::services::ServiceName::routing),
        2,
    )
    .await
    .expect("routing db");
    let payloads: Vec<Vec<u8>> = sqlx::query_scalar("SELECT payload FROM outbox")
        .fetch_all(db.pool())
        .await
        .expect("outbox");
    db.close().await;
    let mut seen = std::collections::HashMap::new();
    for p in payloads {
        let e = <rpb::AssignmentChanged as prost::Message>::decode(p.as_slice()).expect("event");
        if e.change == rpb::AssignmentChange::SlaWarning as i32
            || e.change == rpb::AssignmentChange::SlaBreached as i32
            || e.change == rpb::AssignmentChange::Escalated as i32
        {
            *seen
                .entry((e.assignment.expect("a").inquiry_id, e.deadline_kind))
                .or_insert(0) += 1;
        }
    }
    seen
}

/// A replica claims a due timer and is killed before its fire commits: nothing is lost —
/// once its lease runs out, another replica fires the deadline, and it fires once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_replica_killed_while_holding_a_claim_loses_no_deadline() {
    use sqlx::Connection;
    let env = Env::new(Backend::Postgres).await;
    let cell = Arc::new(AtomicI64::new(frontdesk_platform::time::now_micros()));
    let mut cfg = env.config();
    cfg.clock = Some(Clock::Manual(cell.clone()));
    let doomed = env.spawn_with(cfg.clone()).await;
    let mut c = doomed.agent().await;
    let mut r = doomed.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let i = create(&mut c, "Is late check-out possible?").await;
    let routed = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
    let due = frontdesk_platform::time::from_timestamp(&routed.first_response_due.expect("due"))
        .expect("µs");

    // Hold the warning's row, so the doomed replica's fire (claim first, then a conditional
    // update in a transaction) stops half-way: claimed in Redis, not yet fired.
    let routing_db = env.database_url(frontdesk::services::ServiceName::routing);
    let mut blocker = sqlx::AnyConnection::connect(routing_db)
        .await
        .expect("connect");
    let mut held = blocker.begin().await.expect("begin");
    let locked: Vec<String> = sqlx::query_scalar(
        "SELECT timer_id FROM deadlines WHERE inquiry_id = $1 AND kind = 'first_response_warning' \
         FOR UPDATE",
    )
    .bind(&i.inquiry_id)
    .fetch_all(&mut *held)
    .await
    .expect("lock");
    assert_eq!(locked.len(), 1, "{locked:?}");

    // Past 80 % of 3 minutes, before the breach: only the warning is due.
    cell.store(due - 30_000_000, Ordering::SeqCst);
    let mut admin = sqlx::AnyConnection::connect(routing_db)
        .await
        .expect("connect");
    let waiting = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() \
                   AND wait_event_type = 'Lock' AND query LIKE 'UPDATE deadlines%'";
    let mut blocked = 0_i64;
    for _ in 0..200 {
        blocked = sqlx::query_scalar(waiting)
            .fetch_one(&mut admin)
            .await
            .expect("activity");
        if blocked > 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        blocked, 1,
        "the doomed replica claimed the warning and is firing it"
    );

    // Killed: its tasks stop and its connections die with it (the open transaction rolls
    // back, as when a process is killed).
    doomed.kill();
    let _: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
         WHERE datname = current_database() AND pid <> pg_backend_pid() \
         AND query LIKE 'UPDATE deadlines%'",
    )
    .fetch_all(&mut admin)
    .await
    .expect("terminate");
    held.rollback().await.expect("unlock");

    // A live replica takes over once the dead one's 30 s lease ran out on the shared clock.
    let live = env.spawn_with(cfg).await;
    let mut r = live.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    cell.store(due - 30_000_000 + 31_000_000, Ordering::SeqCst);
    assignment_where(&mut r, &i.inquiry_id, "warning after the lease", |a| {
        a.fired.iter().any(|f| f == "first_response_warning")
    })
    .await;
    // A later deadline fires too: by then anything the dead replica had in flight is over.
    assignment_where(&mut r, &i.inquiry_id, "breach", |a| {
        a.fired.iter().any(|f| f == "first_response_breach")
    })
    .await;
    let events = deadline_events(&env).await;
    let warnings: Vec<usize> = events
        .iter()
        .filter(|((id, kind), _)| id == &i.inquiry_id && kind == "first_response_warning")
        .map(|(_, n)| *n)
        .collect();
    assert_eq!(warnings, [1], "the warning fired exactly once: {events:?}");
    let _ = admin.close().await;
    let _ = blocker.close().await;
    live.stop().await;
}

/// Two replicas on the clock a cluster really runs on: Redis `TIME` (no manual clock). A
/// 2-second first-response target warns and breaches on time, each once, whichever replica
/// fires it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_fires_deadlines_on_the_shared_redis_clock() {
    let env = Env::new(Backend::Postgres).await;
    let cfg = env.config();
    assert!(
        cfg.clock.is_none(),
        "the engine takes Redis TIME from its wheel"
    );
    let replicas = [env.spawn_with(cfg.clone()).await, env.spawn_with(cfg).await];
    let mut manager = replicas[0]
        .routing_as("max", Role::Manager, &[PROPERTY_A])
        .await;
    manager
        .set_sla_policy(rpb::SetSlaPolicyRequest {
            property_id: PROPERTY_A.into(),
            toml: "[categories.dining]\nfirst_response = { amount = { seconds = 2 }, clock = \"around_the_clock\" }\n".into(),
        })
        .await
        .expect("a 2 s target for dining");
    let mut c = replicas[0].agent().await;
    let mut r = replicas[1]
        .routing_as("amy", Role::Agent, &[PROPERTY_A])
        .await;
    let mut ids = Vec::new();
    for n in 0..4 {
        let i = create(&mut c, &format!("Question {n}: what time is breakfast?")).await;
        let a = assignment_where(&mut r, &i.inquiry_id, "routed", |_| true).await;
        assert_eq!(
            a.first_response_due.expect("due").seconds - i.created_at.expect("at").seconds,
            2,
            "the policy's 2 s target"
        );
        ids.push((i.inquiry_id, a.first_response_due.expect("due")));
    }
    for (id, due) in &ids {
        let a = assignment_where(&mut r, id, "breach on the Redis clock", |a| {
            a.fired.iter().any(|f| f == "first_response_breach")
        })
        .await;
        let due = frontdesk_platform::time::from_timestamp(due).expect("µs");
        // Redis runs on this host: its TIME is this clock, give or take the polling.
        assert!(
            frontdesk_platform::time::now_micros() >= due - 200_000,
            "breached before it was due"
        );
        assert!(a.fired.iter().any(|f| f == "first_response_warning"));
    }
    // A later inquiry's breach is the marker: once it fired, the earlier ones' are settled.
    let last = create(&mut c, "One more: what time is breakfast?").await;
    assignment_where(&mut r, &last.inquiry_id, "marker breach", |a| {
        a.fired.iter().any(|f| f == "first_response_breach")
    })
    .await;
    let events = deadline_events(&env).await;
    for (id, _) in &ids {
        for kind in ["first_response_warning", "first_response_breach"] {
            assert_eq!(
                events.get(&(id.clone(), kind.to_string())),
                Some(&1),
                "{kind} of {id} fired once: {events:?}"
            );
        }
    }
}

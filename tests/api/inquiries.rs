//! CreateInquiry … AuditAnswer through a real gRPC client, on SQLite and Postgres + Redis.

// Scenarios read top to bottom, as a clerk would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::auth::Role;
use frontdesk_platform::error::violated_fields;
use frontdesk_proto::common::v1 as common;
use frontdesk_tests::intake_pb as pb;
use frontdesk_tests::{
    Backend, Env, PROPERTY_A, PROPERTY_B, create, new_inquiry, on_both_backends,
};
use tonic::Code;

async fn created_inquiry_is_classified_and_has_a_timeline(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let mut req = new_inquiry("你们的餐厅服务员态度太差了，我要投诉！");
    req.channel = common::Channel::SocialWechat as i32;
    let res = c.create_inquiry(req).await.expect("create").into_inner();
    assert!(res.created);
    let i = res.inquiry.expect("inquiry");
    let cls = i.classification.clone().expect("classification");
    assert_eq!(
        cls.category,
        common::Category::Complaint as i32,
        "intent beats topic"
    );
    assert_eq!(cls.language, common::Language::Zh as i32);
    assert!(
        cls.complaint_process,
        "social-media complaint goes to the complaint process (CI-2.5)"
    );
    assert!(!cls.matched_terms.is_empty());
    assert_eq!(i.status, pb::InquiryStatus::New as i32);
    assert_eq!(i.created_by, "amy");

    let got = c
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: i.inquiry_id.clone(),
        })
        .await
        .expect("get")
        .into_inner();
    assert_eq!(
        got.inquiry.expect("inquiry").text,
        "你们的餐厅服务员态度太差了，我要投诉！"
    );
    assert_eq!(got.timeline[0].change, pb::ChangeType::Created as i32);
    assert!(
        got.timeline[1..].iter().all(|t| t.actor == "routing"),
        "only routing acts on its own"
    );
    assert_eq!(got.timeline[0].actor, "amy");
}

async fn validation_errors_name_every_bad_field(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;

    let mut req = new_inquiry("   ");
    req.customer = Some(pb::Customer {
        name: "Li".into(),
        email: "li-at-example".into(),
        ..Default::default()
    });
    req.channel = 0;
    let err = c.create_inquiry(req).await.expect_err("invalid");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(
        violated_fields(&err),
        vec!["channel", "customer.email", "text"]
    );

    let mut req = new_inquiry("hello");
    req.customer.as_mut().expect("customer").phone.clear();
    let err = c.create_inquiry(req).await.expect_err("no contact");
    assert_eq!(violated_fields(&err), vec!["customer"]);

    let err = c
        .create_inquiry(new_inquiry(&"房".repeat(8_001)))
        .await
        .expect_err("oversize");
    assert_eq!(violated_fields(&err), vec!["text"]);

    let mut manager = app.client_as("boss", Role::Manager, &["*"]).await;
    let mut req = new_inquiry("hello");
    req.property_id = "no-such-hotel".into();
    let err = manager
        .create_inquiry(req)
        .await
        .expect_err("unknown property");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&err), vec!["property_id"]);

    let mut req = new_inquiry("hello");
    req.idempotency_key.clear();
    let err = c.create_inquiry(req).await.expect_err("no key");
    assert_eq!(violated_fields(&err), vec!["idempotency_key"]);

    // Nothing half-written: only valid calls leave inquiries behind.
    let list = manager
        .list_inquiries(pb::ListInquiriesRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert!(list.inquiries.is_empty());
}

async fn retry_with_the_same_key_returns_the_same_inquiry(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let req = new_inquiry("What time is check-out?");
    let first = c
        .create_inquiry(req.clone())
        .await
        .expect("first")
        .into_inner();
    let again = c
        .create_inquiry(req.clone())
        .await
        .expect("retry")
        .into_inner();
    assert!(first.created);
    assert!(!again.created);
    assert_eq!(
        first.inquiry.expect("i").inquiry_id,
        again.inquiry.expect("i").inquiry_id
    );

    let mut different = req.clone();
    different.text = "What time is breakfast?".into();
    let err = c
        .create_inquiry(different)
        .await
        .expect_err("conflicting retry");
    assert_eq!(err.code(), Code::AlreadyExists);
    assert!(err.message().contains("idempotency_key"));

    let list = c
        .list_inquiries(pb::ListInquiriesRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(list.inquiries.len(), 1);
}

async fn full_lifecycle_is_recorded_in_the_timeline(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let i = create(
        &mut c,
        "Can I book a meeting room for 40 people next Friday?",
    )
    .await;
    let id = i.inquiry_id.clone();

    let ack = c
        .acknowledge(pb::AcknowledgeRequest {
            inquiry_id: id.clone(),
            message: "received".into(),
            method: 0,
        })
        .await
        .expect("ack")
        .into_inner()
        .inquiry
        .expect("i");
    assert_eq!(ack.status, pb::InquiryStatus::Acknowledged as i32);
    assert!(ack.first_response_at.is_some());
    assert_eq!(
        ack.assignee, "",
        "acknowledging does not make amy the handler: routing does"
    );
    // What the customer was told, and how, is a response they got (CI-2.6, CI-3.7).
    assert_eq!(ack.responses.len(), 1);
    let told = &ack.responses[0];
    assert_eq!(told.kind, pb::ResponseKind::Acknowledgement as i32);
    assert_eq!(told.text, "received");
    assert_eq!(told.method, pb::ReplyMethod::Phone as i32);
    assert_eq!(told.responded_by, "amy");

    let later = prost_types::Timestamp {
        seconds: 4_102_444_800,
        nanos: 0,
    }; // 2100-01-01
    let delayed = c
        .notify_delay(pb::NotifyDelayRequest {
            inquiry_id: id.clone(),
            reason: "waiting for the banquet manager".into(),
            new_expected_at: Some(later),
            idempotency_key: "d1".into(),
            ..Default::default()
        })
        .await
        .expect("delay")
        .into_inner()
        .inquiry
        .expect("i");
    assert_eq!(delayed.expected_at, Some(later));
    assert_eq!(delayed.delays.len(), 1);

    let respond = pb::RespondRequest {
        inquiry_id: id.clone(),
        text: "Room B is free, 2,000 CNY for the day".into(),
        method: 0,
        on_the_spot: false,
        idempotency_key: "r1".into(),
        ..Default::default()
    };
    let r1 = c
        .respond(respond.clone())
        .await
        .expect("respond")
        .into_inner();
    let r2 = c
        .respond(respond)
        .await
        .expect("retried respond")
        .into_inner();
    assert_eq!(
        r1.response_id, r2.response_id,
        "a retried answer is not added twice"
    );
    let answered = r2.inquiry.expect("i");
    assert_eq!(
        answered.responses.len(),
        2,
        "the acknowledgement, then the answer"
    );
    assert_eq!(answered.responses[1].kind, pb::ResponseKind::Answer as i32);
    assert_eq!(
        answered.responses[1].method,
        pb::ReplyMethod::Phone as i32,
        "hotline answers by phone (CI-3.7)"
    );

    let resolved = c
        .resolve(pb::ResolveRequest {
            inquiry_id: id.clone(),
            note: "booked".into(),
        })
        .await
        .expect("resolve")
        .into_inner()
        .inquiry
        .expect("i");
    assert_eq!(resolved.status, pb::InquiryStatus::Resolved as i32);

    let fb = c
        .record_feedback(pb::RecordFeedbackRequest {
            inquiry_id: id.clone(),
            satisfaction: common::Satisfaction::VerySatisfied as i32,
            comment: "快".into(),
            on_behalf_of_customer: true,
        })
        .await
        .expect("feedback")
        .into_inner()
        .inquiry
        .expect("i");
    assert_eq!(fb.feedback.expect("feedback").recorded_by, "amy");

    let mut sup = app.client_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    let audited = sup
        .audit_answer(pb::AuditAnswerRequest {
            inquiry_id: id.clone(),
            response_id: r1.response_id.clone(),
            accurate: true,
            note: "price correct".into(),
        })
        .await
        .expect("audit")
        .into_inner()
        .inquiry
        .expect("i");
    assert_eq!(
        audited.responses[1]
            .audit
            .as_ref()
            .expect("audit")
            .audited_by,
        "sue"
    );
    let err = sup
        .audit_answer(pb::AuditAnswerRequest {
            inquiry_id: id.clone(),
            response_id: audited.responses[0].response_id.clone(),
            accurate: true,
            note: String::new(),
        })
        .await
        .expect_err("an acknowledgement is not audited");
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");

    let reopened = sup
        .reopen(pb::ReopenRequest {
            inquiry_id: id.clone(),
            reason: "customer called back".into(),
        })
        .await
        .expect("reopen")
        .into_inner()
        .inquiry
        .expect("i");
    assert_eq!(reopened.status, pb::InquiryStatus::Reopened as i32);
    assert_eq!(reopened.resolved_at, None);

    let reclassified = sup
        .reclassify(pb::ReclassifyRequest {
            inquiry_id: id.clone(),
            category: common::Category::Reservation as i32,
            complexity: common::Complexity::Complex as i32,
            reason: "it is a booking request".into(),
        })
        .await
        .expect("reclassify")
        .into_inner()
        .inquiry
        .expect("i");
    let cls = reclassified.classification.expect("classification");
    assert!(cls.reclassified);
    assert_eq!(cls.category, common::Category::Reservation as i32);

    let got = c
        .get_inquiry(pb::GetInquiryRequest { inquiry_id: id })
        .await
        .expect("get")
        .into_inner();
    // Routing's projection updates interleave asynchronously; this test is about staff actions.
    let staff: Vec<&pb::TimelineEntry> = got
        .timeline
        .iter()
        .filter(|t| t.actor != "routing")
        .collect();
    let changes: Vec<i32> = staff.iter().map(|t| t.change).collect();
    use pb::ChangeType::*;
    assert_eq!(
        changes,
        vec![
            Created as i32,
            Acknowledged as i32,
            DelayNotified as i32,
            Responded as i32,
            Resolved as i32,
            FeedbackRecorded as i32,
            AnswerAudited as i32,
            Reopened as i32,
            Reclassified as i32
        ]
    );
    let actors: Vec<&str> = staff.iter().map(|t| t.actor.as_str()).collect();
    assert_eq!(actors[6..], ["sue", "sue", "sue"]);
}

async fn illegal_transitions_are_failed_preconditions(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let id = create(&mut c, "Is there parking at the hotel?")
        .await
        .inquiry_id;

    let err = c
        .resolve(pb::ResolveRequest {
            inquiry_id: id.clone(),
            note: String::new(),
        })
        .await
        .expect_err("resolve new");
    assert_eq!(err.code(), Code::FailedPrecondition);

    let err = c
        .record_feedback(pb::RecordFeedbackRequest {
            inquiry_id: id.clone(),
            satisfaction: common::Satisfaction::Satisfied as i32,
            ..Default::default()
        })
        .await
        .expect_err("feedback before answer");
    assert_eq!(err.code(), Code::FailedPrecondition);

    c.acknowledge(pb::AcknowledgeRequest {
        inquiry_id: id.clone(),
        ..Default::default()
    })
    .await
    .expect("ack");
    let err = c
        .acknowledge(pb::AcknowledgeRequest {
            inquiry_id: id.clone(),
            ..Default::default()
        })
        .await
        .expect_err("ack twice");
    assert_eq!(err.code(), Code::FailedPrecondition);

    let r = c
        .respond(pb::RespondRequest {
            inquiry_id: id.clone(),
            text: "Yes, B2".into(),
            idempotency_key: "k".into(),
            ..Default::default()
        })
        .await
        .expect("respond")
        .into_inner();
    let feedback = pb::RecordFeedbackRequest {
        inquiry_id: id.clone(),
        satisfaction: common::Satisfaction::Neutral as i32,
        ..Default::default()
    };
    c.record_feedback(feedback.clone()).await.expect("feedback");
    let err = c
        .record_feedback(feedback)
        .await
        .expect_err("feedback twice");
    assert_eq!(err.code(), Code::AlreadyExists);

    let err = c
        .audit_answer(pb::AuditAnswerRequest {
            inquiry_id: id.clone(),
            response_id: r.response_id,
            accurate: true,
            note: String::new(),
        })
        .await
        .expect_err("agents do not audit");
    assert_eq!(err.code(), Code::PermissionDenied);

    let err = c
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: "nope".into(),
        })
        .await
        .expect_err("missing");
    assert_eq!(err.code(), Code::NotFound);

    let after = c
        .get_inquiry(pb::GetInquiryRequest { inquiry_id: id })
        .await
        .expect("get")
        .into_inner();
    let by_staff = after
        .timeline
        .iter()
        .filter(|t| t.actor != "routing")
        .count();
    assert_eq!(by_staff, 4, "refused calls leave no trace");
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Action {
    Acknowledge,
    Respond,
    RespondOnTheSpot,
    NotifyDelay,
    WaitForCustomer,
    CustomerReplied,
    Resolve,
    Reopen,
    Feedback,
    Audit,
}

/// One staff action on inquiry `id`; `response` is its first answer's id, if it has one.
async fn act(
    c: &mut frontdesk_tests::Client,
    sup: &mut frontdesk_tests::Client,
    id: &str,
    action: Action,
    response: &str,
) -> Result<(), tonic::Status> {
    let id = id.to_string();
    let key = uuid::Uuid::new_v4().to_string();
    match action {
        Action::Acknowledge => c
            .acknowledge(pb::AcknowledgeRequest {
                inquiry_id: id,
                ..Default::default()
            })
            .await
            .map(drop),
        Action::Respond | Action::RespondOnTheSpot => c
            .respond(pb::RespondRequest {
                inquiry_id: id,
                text: "Yes, level B2.".into(),
                on_the_spot: action == Action::RespondOnTheSpot,
                idempotency_key: key,
                ..Default::default()
            })
            .await
            .map(drop),
        Action::NotifyDelay => c
            .notify_delay(pb::NotifyDelayRequest {
                inquiry_id: id,
                reason: "checking with the garage".into(),
                new_expected_at: Some(prost_types::Timestamp {
                    seconds: 4_102_444_800,
                    nanos: 0,
                }),
                idempotency_key: key,
                ..Default::default()
            })
            .await
            .map(drop),
        Action::WaitForCustomer => c
            .wait_for_customer(pb::WaitForCustomerRequest {
                inquiry_id: id,
                reason: "the car's plate number".into(),
            })
            .await
            .map(drop),
        Action::CustomerReplied => c
            .customer_replied(pb::CustomerRepliedRequest {
                inquiry_id: id,
                note: "sent it".into(),
            })
            .await
            .map(drop),
        Action::Resolve => c
            .resolve(pb::ResolveRequest {
                inquiry_id: id,
                note: String::new(),
            })
            .await
            .map(drop),
        Action::Reopen => c
            .reopen(pb::ReopenRequest {
                inquiry_id: id,
                reason: "the guest asked again".into(),
            })
            .await
            .map(drop),
        Action::Feedback => c
            .record_feedback(pb::RecordFeedbackRequest {
                inquiry_id: id,
                satisfaction: common::Satisfaction::Satisfied as i32,
                ..Default::default()
            })
            .await
            .map(drop),
        Action::Audit => sup
            .audit_answer(pb::AuditAnswerRequest {
                inquiry_id: id,
                response_id: if response.is_empty() {
                    "no-answer".into()
                } else {
                    response.into()
                },
                accurate: true,
                note: String::new(),
            })
            .await
            .map(drop),
    }
}

/// Every state an inquiry can be in × every staff action: what is allowed succeeds, what is
/// not is refused with its code and a reason a clerk can act on, and leaves no trace.
async fn every_state_and_action_is_allowed_or_refused_with_a_reason(backend: Backend) {
    use Action::*;
    let env = Env::new(backend).await;
    // Intake alone: routing's projection updates would move the version under the test.
    let app = env.spawn_intake_only().await;
    let mut c = app.agent().await;
    let mut sup = app.client_as("sue", Role::Supervisor, &[PROPERTY_A]).await;

    // How to reach each state from a new inquiry.
    let states: [(&str, &[Action]); 8] = [
        ("new", &[]),
        ("acknowledged", &[Acknowledge]),
        ("answered", &[Respond]),
        ("resolved", &[Respond, Resolve]),
        ("reopened", &[Respond, Resolve, Reopen]),
        ("waiting", &[WaitForCustomer]),
        ("rated", &[Respond, Feedback]),
        ("audited", &[Respond, Audit]),
    ];
    let fp = |m: &'static str| Some((Code::FailedPrecondition, m));
    let not_waiting = fp("not waiting on the customer");
    let no_answer = fp("inquiry has no answer yet; feedback rates an answer");
    let no_audit = Some((Code::NotFound, "response no-answer not found"));
    let first_only = fp("only the first answer can be given on the spot");
    // None: allowed. Otherwise the code and the exact reason.
    let expected = |state: &str, action: Action| -> Option<(Code, &'static str)> {
        match (state, action) {
            ("new" | "waiting", Acknowledge) => None,
            ("acknowledged", Acknowledge) => {
                fp("inquiry is acknowledged; only a new inquiry can be acknowledged")
            }
            ("answered" | "rated" | "audited", Acknowledge) => {
                fp("inquiry is answered; only a new inquiry can be acknowledged")
            }
            ("resolved", Acknowledge) => {
                fp("inquiry is resolved; only a new inquiry can be acknowledged")
            }
            ("reopened", Acknowledge) => {
                fp("inquiry is reopened; only a new inquiry can be acknowledged")
            }
            ("resolved", Respond | RespondOnTheSpot) => {
                fp("inquiry is resolved; reopen it before answering again")
            }
            (_, Respond) => None,
            ("new" | "acknowledged" | "waiting", RespondOnTheSpot) => None,
            (_, RespondOnTheSpot) => first_only,
            ("resolved", NotifyDelay) => fp("inquiry is resolved; there is nothing left to delay"),
            (_, NotifyDelay) => None,
            ("resolved", WaitForCustomer) => {
                fp("inquiry is resolved; there is nothing to wait for")
            }
            ("waiting", WaitForCustomer) => fp("already waiting on the customer"),
            (_, WaitForCustomer) => None,
            ("waiting", CustomerReplied) => None,
            (_, CustomerReplied) => not_waiting,
            ("answered" | "rated" | "audited", Resolve) => None,
            ("resolved", Resolve) => fp("inquiry is already resolved"),
            ("new" | "waiting", Resolve) => {
                fp("inquiry is new; answer the customer before resolving it")
            }
            ("acknowledged", Resolve) => {
                fp("inquiry is acknowledged; answer the customer before resolving it")
            }
            ("reopened", Resolve) => {
                fp("inquiry is reopened; answer the customer before resolving it")
            }
            ("resolved", Reopen) => None,
            ("new" | "waiting", Reopen) => {
                fp("inquiry is new; only a resolved inquiry can be reopened")
            }
            ("acknowledged", Reopen) => {
                fp("inquiry is acknowledged; only a resolved inquiry can be reopened")
            }
            ("answered" | "rated" | "audited", Reopen) => {
                fp("inquiry is answered; only a resolved inquiry can be reopened")
            }
            ("reopened", Reopen) => {
                fp("inquiry is reopened; only a resolved inquiry can be reopened")
            }
            ("rated", Feedback) => Some((
                Code::AlreadyExists,
                "feedback was already recorded for the latest answer; after a reopen and a new \
                 answer it can be rated again",
            )),
            ("new" | "acknowledged" | "waiting", Feedback) => no_answer,
            (_, Feedback) => None,
            ("new" | "acknowledged" | "waiting", Audit) => no_audit,
            ("audited", Audit) => Some((Code::AlreadyExists, "already audited")),
            (_, Audit) => None,
            (state, action) => panic!("the table has no cell for {state} × {action:?}"),
        }
    };

    let actions = [
        Acknowledge,
        Respond,
        RespondOnTheSpot,
        NotifyDelay,
        WaitForCustomer,
        CustomerReplied,
        Resolve,
        Reopen,
        Feedback,
        Audit,
    ];
    let mut wrong = Vec::new();
    for (state, recipe) in states {
        for action in actions {
            let id = create(&mut c, "Is there parking at the hotel?")
                .await
                .inquiry_id;
            let mut response = String::new();
            for step in recipe {
                if matches!(step, Respond) {
                    response = c
                        .respond(pb::RespondRequest {
                            inquiry_id: id.clone(),
                            text: "Yes, level B2.".into(),
                            idempotency_key: uuid::Uuid::new_v4().to_string(),
                            ..Default::default()
                        })
                        .await
                        .expect("respond")
                        .into_inner()
                        .response_id;
                } else {
                    act(&mut c, &mut sup, &id, *step, &response)
                        .await
                        .unwrap_or_else(|e| panic!("{state}: {step:?}: {e:?}"));
                }
            }
            let version = |g: pb::GetInquiryResponse| g.inquiry.expect("inquiry").version;
            let get = pb::GetInquiryRequest {
                inquiry_id: id.clone(),
            };
            let before = version(c.get_inquiry(get.clone()).await.expect("get").into_inner());
            let got = act(&mut c, &mut sup, &id, action, &response).await;
            let after = version(c.get_inquiry(get).await.expect("get").into_inner());
            let cell = match (&got, expected(state, action)) {
                (Ok(()), None) => None,
                (Err(e), Some((code, reason)))
                    if e.code() == code
                        && (e.message() == reason
                            || (reason == "already audited"
                                && e.message()
                                    == format!("response {response} was already audited"))) =>
                {
                    (after != before).then(|| "refused but changed the inquiry".to_string())
                }
                (got, want) => Some(format!(
                    "want {want:?}, got {:?}",
                    got.as_ref()
                        .map_err(|e| (e.code(), e.message().to_string()))
                )),
            };
            if let Some(why) = cell {
                wrong.push(format!("{state} × {action:?}: {why}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

async fn callers_never_see_another_property(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut a = app.agent().await;
    let mut b = app.client_as("bob", Role::Agent, &[PROPERTY_B]).await;
    let in_a = create(&mut a, "Do you have a gym?").await;
    let mut req = new_inquiry("健身房几点开？");
    req.property_id = PROPERTY_B.into();
    b.create_inquiry(req).await.expect("b creates in b");

    let err = b
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: in_a.inquiry_id.clone(),
        })
        .await
        .expect_err("b reads a");
    assert_eq!(err.code(), Code::NotFound, "existence is not disclosed");
    let err = b
        .respond(pb::RespondRequest {
            inquiry_id: in_a.inquiry_id.clone(),
            text: "x".into(),
            idempotency_key: "k".into(),
            ..Default::default()
        })
        .await
        .expect_err("b answers a");
    assert_eq!(err.code(), Code::NotFound);

    let listed = b
        .list_inquiries(pb::ListInquiriesRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(listed.inquiries.len(), 1);
    assert!(listed.inquiries.iter().all(|i| i.property_id == PROPERTY_B));
    let err = b
        .list_inquiries(pb::ListInquiriesRequest {
            property_ids: vec![PROPERTY_A.into()],
            ..Default::default()
        })
        .await
        .expect_err("b lists a");
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = b
        .create_inquiry(new_inquiry("x"))
        .await
        .expect_err("b creates in a");
    assert_eq!(err.code(), Code::PermissionDenied);
    let err = b
        .watch_inquiries(pb::WatchInquiriesRequest {
            property_ids: vec![PROPERTY_A.into()],
            ..Default::default()
        })
        .await
        .expect_err("b watches a");
    assert_eq!(err.code(), Code::PermissionDenied);
}

async fn calls_without_a_valid_token_are_unauthenticated(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut anon = app.client_with_token(None).await;
    let err = anon
        .list_inquiries(pb::ListInquiriesRequest::default())
        .await
        .expect_err("no token");
    assert_eq!(err.code(), Code::Unauthenticated);
    let forged = frontdesk_platform::auth::Authenticator::new(b"other-secret")
        .issue(
            "mallory",
            Role::Manager,
            &["*".into()],
            std::time::Duration::from_secs(60),
        )
        .expect("token");
    let mut bad = app.client_with_token(Some(forged)).await;
    let err = bad
        .list_inquiries(pb::ListInquiriesRequest::default())
        .await
        .expect_err("forged");
    assert_eq!(err.code(), Code::Unauthenticated);
}

async fn lists_filter_and_page_without_gaps_or_repeats(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let texts = [
        "请问双床房今晚多少钱？",
        "What time does the pool open?",
        "我想取消明天的预订",
        "Is breakfast included in the room rate?",
        "附近有地铁站吗？",
        "Can you hold a parcel for my arrival?",
        "房间WiFi密码是多少？",
    ];
    let mut ids = Vec::new();
    for t in texts {
        ids.push(create(&mut c, t).await.inquiry_id);
    }
    let mut seen = Vec::new();
    let mut token = String::new();
    loop {
        let page = c
            .list_inquiries(pb::ListInquiriesRequest {
                page_size: 3,
                page_token: token.clone(),
                ..Default::default()
            })
            .await
            .expect("page")
            .into_inner();
        assert!(page.inquiries.len() <= 3);
        seen.extend(page.inquiries.into_iter().map(|i| i.inquiry_id));
        if page.next_page_token.is_empty() {
            break;
        }
        token = page.next_page_token;
    }
    ids.reverse();
    assert_eq!(seen, ids, "newest first, every inquiry exactly once");

    let found = c
        .list_inquiries(pb::ListInquiriesRequest {
            text: "地铁".into(),
            ..Default::default()
        })
        .await
        .expect("zh search")
        .into_inner();
    assert_eq!(found.inquiries.len(), 1);
    assert_eq!(found.inquiries[0].text, "附近有地铁站吗？");
    let found = c
        .list_inquiries(pb::ListInquiriesRequest {
            text: "POOL".into(),
            ..Default::default()
        })
        .await
        .expect("case-insensitive search")
        .into_inner();
    assert_eq!(found.inquiries.len(), 1);

    c.acknowledge(pb::AcknowledgeRequest {
        inquiry_id: ids[0].clone(),
        ..Default::default()
    })
    .await
    .expect("ack");
    let acked = c
        .list_inquiries(pb::ListInquiriesRequest {
            statuses: vec![pb::InquiryStatus::Acknowledged as i32],
            ..Default::default()
        })
        .await
        .expect("by status")
        .into_inner();
    assert_eq!(
        acked
            .inquiries
            .iter()
            .map(|i| i.inquiry_id.clone())
            .collect::<Vec<_>>(),
        vec![ids[0].clone()]
    );
    let mine = c
        .list_inquiries(pb::ListInquiriesRequest {
            assignee: "amy".into(),
            ..Default::default()
        })
        .await
        .expect("by assignee")
        .into_inner();
    assert!(
        mine.inquiries.is_empty(),
        "the assignee filter is routing's handler, not who acknowledged"
    );

    let err = c
        .list_inquiries(pb::ListInquiriesRequest {
            page_token: "garbage!".into(),
            ..Default::default()
        })
        .await
        .expect_err("bad token");
    assert_eq!(violated_fields(&err), vec!["page_token"]);
}

async fn staff_corrections_are_listed_for_improving_the_rules(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let i = create(&mut c, "我的包裹到了吗？").await;
    let original = i.classification.clone().expect("classification").category;
    let target = if original == common::Category::MessagesMail as i32 {
        common::Category::Other
    } else {
        common::Category::MessagesMail
    };
    c.reclassify(pb::ReclassifyRequest {
        inquiry_id: i.inquiry_id.clone(),
        category: target as i32,
        complexity: 0,
        reason: "parcel question".into(),
    })
    .await
    .expect("agent reclassifies");

    let err = c
        .list_reclassifications(pb::ListReclassificationsRequest::default())
        .await
        .expect_err("agents do not curate rules");
    assert_eq!(err.code(), Code::PermissionDenied);

    let mut sup = app.client_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    let list = sup
        .list_reclassifications(pb::ListReclassificationsRequest::default())
        .await
        .expect("list corrections")
        .into_inner();
    assert_eq!(list.reclassifications.len(), 1);
    let r = &list.reclassifications[0];
    assert_eq!(r.text, "我的包裹到了吗？");
    assert_eq!(r.from_category, original);
    assert_eq!(r.to_category, target as i32);
    assert_eq!(r.actor, "amy");
    assert_eq!(r.channel, common::Channel::Hotline as i32);

    let mut other = app.client_as("bob", Role::Supervisor, &[PROPERTY_B]).await;
    let none = other
        .list_reclassifications(pb::ListReclassificationsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert!(
        none.reclassifications.is_empty(),
        "corrections stay within their property"
    );
}

async fn concurrent_creates_and_retries_are_each_recorded_once(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn_intake_only().await;
    let c = app.agent().await;
    // 40 distinct inquiries, each sent twice at the same moment (a client retrying on a
    // timeout): the group-commit writer sees duplicates inside one batch.
    let mut calls = Vec::new();
    for n in 0..40 {
        let mut req = new_inquiry(&format!("Question {n}: do you have a gym?"));
        req.idempotency_key = format!("key-{n}");
        for _ in 0..2 {
            let (mut c, req) = (c.clone(), req.clone());
            calls.push(tokio::spawn(async move { c.create_inquiry(req).await }));
        }
    }
    let mut ids = std::collections::HashMap::new();
    for call in calls {
        let res = call.await.expect("task").expect("create").into_inner();
        let i = res.inquiry.expect("inquiry");
        ids.entry(i.text.clone())
            .or_insert_with(Vec::new)
            .push(i.inquiry_id);
    }
    assert_eq!(ids.len(), 40);
    for (text, same) in &ids {
        assert!(
            same.iter().all(|id| *id == same[0]),
            "{text}: a retry made a second inquiry"
        );
    }
    let mut c = c;
    let mut conflicting = new_inquiry("Something else entirely");
    conflicting.idempotency_key = "key-7".into();
    let err = c
        .create_inquiry(conflicting)
        .await
        .expect_err("reused key, other text");
    assert_eq!(err.code(), Code::AlreadyExists);
    let all = c
        .list_inquiries(pb::ListInquiriesRequest {
            page_size: 500,
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(all.inquiries.len(), 40, "exactly one inquiry per key");
}

/// Unsure classifications are flagged for a person, and the booking number of an OTA
/// template becomes the reservation reference; a staff correction clears the flag.
async fn unsure_classifications_need_triage_until_staff_confirm(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let clear = create(&mut c, "What time does breakfast start tomorrow?").await;
    let cls = clear.classification.expect("classification");
    assert!(!cls.needs_triage, "a clear question is trusted: {cls:?}");
    let vague = create(&mut c, "hmm 🤔").await;
    let cls = vague.classification.expect("classification");
    assert!(cls.needs_triage, "a vague message is flagged: {cls:?}");
    let ota = create(
        &mut c,
        "Guest message: Is there parking at the hotel?\nBooking number: 4471829305\nBooked via Booking.com",
    )
    .await;
    assert_eq!(ota.reservation_ref, "4471829305");
    let fixed = c
        .reclassify(pb::ReclassifyRequest {
            inquiry_id: vague.inquiry_id.clone(),
            category: common::Category::Other as i32,
            reason: "a guest musing, nothing to answer".into(),
            ..Default::default()
        })
        .await
        .expect("reclassify")
        .into_inner()
        .inquiry
        .expect("inquiry");
    assert!(!fixed.classification.expect("c").needs_triage);
}

/// CI-5.4 with a reopen: the customer rates the answer they got; reopened and answered
/// again, they may rate the new answer; each rating says which answer it rates, and the
/// first stays on record.
async fn feedback_rates_each_answer_episode(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let id = create(&mut c, "房间空调不制冷 the air conditioning is not cooling")
        .await
        .inquiry_id;
    let answer = |key: &str| pb::RespondRequest {
        inquiry_id: id.clone(),
        text: "工程部已修好 engineering fixed it".into(),
        idempotency_key: key.into(),
        ..Default::default()
    };
    let rate = |level: common::Satisfaction| pb::RecordFeedbackRequest {
        inquiry_id: id.clone(),
        satisfaction: level as i32,
        comment: String::new(),
        on_behalf_of_customer: true,
    };
    let first = c.respond(answer("a1")).await.expect("answer").into_inner();
    c.record_feedback(rate(common::Satisfaction::Satisfied))
        .await
        .expect("first rating");
    let err = c
        .record_feedback(rate(common::Satisfaction::VerySatisfied))
        .await
        .expect_err("one rating per answer");
    assert_eq!(err.code(), Code::AlreadyExists, "{err:?}");

    let mut sup = app.client_as("sue", Role::Supervisor, &[PROPERTY_A]).await;
    sup.resolve(pb::ResolveRequest {
        inquiry_id: id.clone(),
        note: String::new(),
    })
    .await
    .expect("resolve");
    sup.reopen(pb::ReopenRequest {
        inquiry_id: id.clone(),
        reason: "still warm at night".into(),
    })
    .await
    .expect("reopen");
    let second = c.respond(answer("a2")).await.expect("answer").into_inner();
    let rated = c
        .record_feedback(rate(common::Satisfaction::Dissatisfied))
        .await
        .expect("the second answer is rated")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let latest = rated.feedback.expect("latest rating");
    assert_eq!(latest.response_id, second.response_id);
    assert_eq!(
        latest.satisfaction,
        common::Satisfaction::Dissatisfied as i32
    );
    assert_eq!(rated.earlier_feedback.len(), 1);
    assert_eq!(rated.earlier_feedback[0].response_id, first.response_id);
    assert_eq!(
        rated.earlier_feedback[0].satisfaction,
        common::Satisfaction::Satisfied as i32
    );
    // Read back from storage, not only from the call's answer.
    let got = c
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: id.clone(),
        })
        .await
        .expect("get")
        .into_inner()
        .inquiry
        .expect("inquiry");
    assert_eq!(got.earlier_feedback, rated.earlier_feedback);
    assert_eq!(
        got.feedback.map(|f| f.response_id),
        Some(second.response_id)
    );
    app.stop().await;
}

/// AIP-157: a queue screen lists BASIC inquiries; FULL adds what GetInquiry shows — routing's
/// department and due times, the responses — without a GetInquiry per row.
async fn lists_return_the_full_view_on_request(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let id = create(&mut c, "How late is the pool open?")
        .await
        .inquiry_id;
    c.respond(pb::RespondRequest {
        inquiry_id: id.clone(),
        text: "Until 22:00 / 泳池开到晚上十点".into(),
        idempotency_key: "pool".into(),
        ..Default::default()
    })
    .await
    .expect("respond");
    let list = |view: pb::InquiryView| pb::ListInquiriesRequest {
        view: view as i32,
        ..Default::default()
    };
    let basic = c
        .list_inquiries(list(pb::InquiryView::Unspecified))
        .await
        .expect("basic")
        .into_inner();
    assert!(
        basic.inquiries[0].responses.is_empty(),
        "BASIC is the row only"
    );
    let mut full = None;
    for _ in 0..200 {
        let got = c
            .list_inquiries(list(pb::InquiryView::Full))
            .await
            .expect("full")
            .into_inner();
        if got.inquiries[0].routing.is_some() {
            full = Some(got);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let full = full.expect("routing's view reaches intake");
    let i = &full.inquiries[0];
    assert_eq!(i.inquiry_id, id);
    assert_eq!(i.responses.len(), 1);
    assert!(
        !i.routing
            .as_ref()
            .expect("routing")
            .lead_department
            .is_empty()
    );
    let err = c
        .list_inquiries(pb::ListInquiriesRequest {
            view: 7,
            ..Default::default()
        })
        .await
        .expect_err("unknown view");
    assert_eq!(violated_fields(&err), vec!["view"]);
    app.stop().await;
}

/// BatchGetInquiries (AIP-231): what a consumer of a whole batch of events reads at once.
async fn batch_get_returns_inquiries_in_the_order_asked_all_or_nothing(backend: Backend) {
    use tonic_types::StatusExt;
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut a = app.agent().await;
    let first = create(&mut a, "Do you have a gym?").await;
    let second = create(&mut a, "早餐几点开始？").await;
    let mut b = app.client_as("bob", Role::Agent, &[PROPERTY_B]).await;
    let mut req = new_inquiry("健身房几点开？");
    req.property_id = PROPERTY_B.into();
    let in_b = b
        .create_inquiry(req)
        .await
        .expect("b creates in b")
        .into_inner()
        .inquiry
        .expect("inquiry");

    let ids = vec![
        second.inquiry_id.clone(),
        first.inquiry_id.clone(),
        second.inquiry_id.clone(),
    ];
    let got = a
        .batch_get_inquiries(pb::BatchGetInquiriesRequest {
            inquiry_ids: ids.clone(),
            view: pb::InquiryView::Basic as i32,
        })
        .await
        .expect("batch get")
        .into_inner()
        .inquiries;
    let got_ids: Vec<_> = got.iter().map(|i| i.inquiry_id.clone()).collect();
    assert_eq!(got_ids, ids, "in the order asked, a repeated id repeated");
    assert_eq!(got[0].text, "早餐几点开始？");
    assert_eq!(got[1].text, "Do you have a gym?");
    assert!(
        got.iter().all(|i| i.routing.is_none()),
        "BASIC: no routing view"
    );

    // FULL shows what GetInquiry shows (routing's view, once routing has projected it).
    let routed = inquiry_routed(&mut a, &first.inquiry_id).await;
    let full = a
        .batch_get_inquiries(pb::BatchGetInquiriesRequest {
            inquiry_ids: vec![first.inquiry_id.clone()],
            view: pb::InquiryView::Full as i32,
        })
        .await
        .expect("batch get full")
        .into_inner()
        .inquiries;
    assert_eq!(full[0].routing, routed.routing);

    // All or nothing: another property's inquiry is NOT_FOUND like a missing one, naming
    // it, and the call returns none of the others.
    for foreign in [
        in_b.inquiry_id.clone(),
        "0192f0c4-5b7e-7a3c-9d2e-1f6a8b9c0d1e".to_string(),
    ] {
        let err = a
            .batch_get_inquiries(pb::BatchGetInquiriesRequest {
                inquiry_ids: vec![first.inquiry_id.clone(), foreign.clone()],
                view: 0,
            })
            .await
            .expect_err("foreign or missing id");
        assert_eq!(err.code(), Code::NotFound);
        assert_eq!(
            err.get_details_resource_info()
                .expect("ResourceInfo")
                .resource_name,
            foreign
        );
        assert!(!err.message().contains(&first.inquiry_id));
    }

    let err = a
        .batch_get_inquiries(pb::BatchGetInquiriesRequest::default())
        .await
        .expect_err("no ids");
    assert_eq!(violated_fields(&err), vec!["inquiry_ids"]);
    let err = a
        .batch_get_inquiries(pb::BatchGetInquiriesRequest {
            inquiry_ids: vec![first.inquiry_id.clone(); 101],
            view: 0,
        })
        .await
        .expect_err("too many ids");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert_eq!(violated_fields(&err), vec!["inquiry_ids"]);
    let err = a
        .batch_get_inquiries(pb::BatchGetInquiriesRequest {
            inquiry_ids: vec![first.inquiry_id.clone(), " ".into()],
            view: 7,
        })
        .await
        .expect_err("blank id, unknown view");
    assert_eq!(violated_fields(&err), vec!["inquiry_ids[1]", "view"]);
}

/// The inquiry once routing's view is projected into it.
async fn inquiry_routed(c: &mut frontdesk_tests::Client, id: &str) -> pb::Inquiry {
    for _ in 0..200 {
        let i = c
            .get_inquiry(pb::GetInquiryRequest {
                inquiry_id: id.into(),
            })
            .await
            .expect("get")
            .into_inner()
            .inquiry
            .expect("inquiry");
        if i.routing.is_some() {
            return i;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("inquiry {id} was never routed");
}

on_both_backends!(
    batch_get_returns_inquiries_in_the_order_asked_all_or_nothing,
    lists_return_the_full_view_on_request,
    feedback_rates_each_answer_episode,
    the_caller_on_the_phone_hears_the_routing_decision,
    unsure_classifications_need_triage_until_staff_confirm,
    created_inquiry_is_classified_and_has_a_timeline,
    validation_errors_name_every_bad_field,
    retry_with_the_same_key_returns_the_same_inquiry,
    full_lifecycle_is_recorded_in_the_timeline,
    illegal_transitions_are_failed_preconditions,
    every_state_and_action_is_allowed_or_refused_with_a_reason,
    callers_never_see_another_property,
    calls_without_a_valid_token_are_unauthenticated,
    lists_filter_and_page_without_gaps_or_repeats,
    staff_corrections_are_listed_for_improving_the_rules,
    concurrent_creates_and_retries_are_each_recorded_once,
);

/// CI-3.3 on the phone: the agent's create waits (briefly) for routing, so the caller hears
/// who handles it and by when; without routing the inquiry is still recorded, and the answer
/// says the decision is pending.
async fn the_caller_on_the_phone_hears_the_routing_decision(backend: Backend) {
    let env = Env::new(backend).await;
    let wait = |ms: u64| {
        Some(prost_types::Duration {
            seconds: 0,
            nanos: i32::try_from(ms * 1_000_000).unwrap_or(0),
        })
    };
    let app = env.spawn().await;
    let mut amy = app.agent().await;
    let mut req = frontdesk_tests::new_inquiry("请问早餐几点开始？");
    req.wait_for_routing = Some(prost_types::Duration {
        seconds: 2,
        nanos: 0,
    });
    let r = amy.create_inquiry(req).await.expect("create").into_inner();
    assert!(!r.routing_pending, "{r:?}");
    let routing = r
        .inquiry
        .and_then(|i| i.routing)
        .expect("routing's decision");
    assert!(
        !routing.lead_department.is_empty() && routing.resolution_due.is_some(),
        "{routing:?}"
    );

    let mut too_long = frontdesk_tests::new_inquiry("Is there parking?");
    too_long.wait_for_routing = Some(prost_types::Duration {
        seconds: 3,
        nanos: 0,
    });
    let err = amy.create_inquiry(too_long).await.expect_err("over 2 s");
    assert_eq!(violated_fields(&err), ["wait_for_routing"]);
    app.stop().await;

    // Intake alone: nobody routes; recorded anyway, and pending after the wait.
    let alone = env.spawn_intake_only().await;
    let mut amy = alone.agent().await;
    let mut req = frontdesk_tests::new_inquiry("Is there parking?");
    req.wait_for_routing = wait(150);
    let r = amy.create_inquiry(req).await.expect("create").into_inner();
    assert!(r.routing_pending && r.created);
    assert!(r.inquiry.is_some_and(|i| i.routing.is_none()));
}

//! Poison events (issue 8, item 1): a policy routing cannot plan with is refused when saved;
//! one that got stored anyway (by an older version) parks the events that need it, while the
//! rest of the chain is routed; fixing the policy and retrying applies the parked event.
//! Undecodable events are parked too and can be skipped.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk::services::ServiceName;
use frontdesk_platform::auth::Role;
use frontdesk_platform::db::Db;
use frontdesk_platform::error::violated_fields;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_proto::events::v1 as epb;
use frontdesk_proto::routing::v1 as rpb;
use frontdesk_tests::{
    Backend, Bearer, Env, PROPERTY_A, PROPERTY_B, RoutingClient, TestApp, create, new_inquiry,
    on_both_backends, token,
};
use sqlx::Connection;
use std::time::Duration;
use tonic::Code;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

type ParkedClient =
    epb::parked_events_client::ParkedEventsClient<InterceptedService<Channel, Bearer>>;

async fn parked_as(app: &TestApp, subject: &str, role: Role, props: &[&str]) -> ParkedClient {
    epb::parked_events_client::ParkedEventsClient::with_interceptor(
        app.channel().await,
        Bearer::new(&token(subject, role, props)).expect("ascii token"),
    )
}

async fn assignment(r: &mut RoutingClient, inquiry_id: &str) -> Result<rpb::Assignment, Code> {
    r.get_assignment(rpb::GetAssignmentRequest {
        inquiry_id: inquiry_id.into(),
    })
    .await
    .map(|res| res.into_inner().assignment.expect("assignment"))
    .map_err(|s| s.code())
}

async fn routed(r: &mut RoutingClient, inquiry_id: &str) -> rpb::Assignment {
    for _ in 0..200 {
        if let Ok(a) = assignment(r, inquiry_id).await {
            return a;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("inquiry {inquiry_id} was never routed");
}

async fn parked_event(p: &mut ParkedClient, aggregate_id: &str) -> epb::ParkedEvent {
    for _ in 0..200 {
        let list = p
            .list_parked_events(epb::ListParkedEventsRequest::default())
            .await
            .expect("list parked")
            .into_inner();
        if let Some(e) = list.events.into_iter().find(|e| {
            e.event
                .as_ref()
                .is_some_and(|e| e.aggregate_id == aggregate_id)
        }) {
            return e;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no parked event about {aggregate_id}");
}

async fn set_policy(r: &mut RoutingClient, toml: &str) -> Result<(), tonic::Status> {
    r.set_sla_policy(rpb::SetSlaPolicyRequest {
        property_id: PROPERTY_A.into(),
        toml: toml.into(),
    })
    .await
    .map(|_| ())
}

async fn policies_routing_cannot_plan_with_are_refused_naming_the_field(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut mgr = app.routing_as("max", Role::Manager, &[PROPERTY_A]).await;
    let cases = [
        (
            "[targets]\nwarn_fraction = 5.0",
            "toml.targets.warn_fraction",
        ),
        (
            "[targets]\nwarn_fraction = -1.0",
            "toml.targets.warn_fraction",
        ),
        (
            "[targets]\nwarn_fraction = nan",
            "toml.targets.warn_fraction",
        ),
        (
            "[targets]\nresolution_complex = { amount = { working_days = 4000000000 }, clock = \"business_hours\" }",
            "toml.targets.resolution_complex",
        ),
        (
            "[targets]\nfirst_response_email = { amount = { seconds = 9000000000000000000 }, clock = \"around_the_clock\" }",
            "toml.targets.first_response_email",
        ),
        (
            "[calendar]\ntime_zone = \"Asia/Shanghai\"\n[calendar.weekly]\n",
            "toml.calendar",
        ),
        (
            "[escalation]\nhead_after_minutes = 4000000000",
            "toml.escalation.head_after_minutes",
        ),
    ];
    for (toml, field) in cases {
        let err = set_policy(&mut mgr, toml).await.expect_err(toml);
        assert_eq!(err.code(), Code::InvalidArgument, "{toml}: {err:?}");
        assert!(
            violated_fields(&err).iter().any(|f| f == field),
            "{toml}: expected {field} in {:?}",
            violated_fields(&err)
        );
    }
    let huge = format!("# {}\n", "x".repeat(70 * 1024));
    let err = set_policy(&mut mgr, &huge).await.expect_err("huge policy");
    assert_eq!(err.code(), Code::InvalidArgument);
    assert!(err.message().len() < 1000, "bounded message");
    set_policy(&mut mgr, "[targets]\nwarn_fraction = 0.5")
        .await
        .expect("a sound policy is saved");
    app.stop().await;
}

async fn a_poison_policy_parks_its_events_and_other_properties_stay_routed(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    // A policy stored before validation existed: routing cannot plan with it.
    let mut conn = sqlx::AnyConnection::connect(env.database_url(ServiceName::routing))
        .await
        .expect("routing database");
    sqlx::query(
        "INSERT INTO property_config (property_id, kind, body, version, updated_by, updated_at) \
         VALUES ($1, 'sla', $2, 1, 'an older version', 0)",
    )
    .bind(PROPERTY_A)
    .bind("[targets]\nwarn_fraction = 5.0\n")
    .execute(&mut conn)
    .await
    .expect("store a poison policy");
    let _ = conn.close().await;

    let mut amy = app.agent().await;
    let poisoned = create(&mut amy, "空调坏了 the air conditioning is broken").await;
    let mut bob = app.client_as("bob", Role::Agent, &[PROPERTY_B]).await;
    let mut req = new_inquiry("请问早餐几点 when is breakfast");
    req.property_id = PROPERTY_B.into();
    let other = bob
        .create_inquiry(req)
        .await
        .expect("create in B")
        .into_inner()
        .inquiry
        .expect("inquiry");

    // The chain goes on: property B's later inquiry is routed …
    let mut chain = app
        .routing_as("max", Role::Manager, &[PROPERTY_A, PROPERTY_B])
        .await;
    routed(&mut chain, &other.inquiry_id).await;
    // … and A's inquiry, delivered before it, was parked, not routed.
    let mut ops = parked_as(&app, "ops", Role::Manager, &["*"]).await;
    let parked = parked_event(&mut ops, &poisoned.inquiry_id).await;
    assert_eq!(parked.consumer, "routing");
    assert_eq!(parked.attempts, 1);
    assert!(parked.error.contains("warn_fraction"), "{}", parked.error);
    assert_eq!(
        parked.event.as_ref().map(|e| e.property_id.as_str()),
        Some(PROPERTY_A)
    );
    assert_eq!(
        assignment(&mut chain, &poisoned.inquiry_id).await.err(),
        Some(Code::NotFound)
    );

    // Who may see and act on parked events.
    let mut agent = parked_as(&app, "amy", Role::Agent, &[PROPERTY_A]).await;
    let denied = agent
        .list_parked_events(epb::ListParkedEventsRequest::default())
        .await
        .expect_err("agents may not");
    assert_eq!(denied.code(), Code::PermissionDenied);
    let mut b_manager = parked_as(&app, "bea", Role::Manager, &[PROPERTY_B]).await;
    let seen = b_manager
        .list_parked_events(epb::ListParkedEventsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(seen.total, 0, "another property's manager sees none");
    let event_id = parked.event.as_ref().expect("event").event_id.clone();
    let err = b_manager
        .retry_parked_event(epb::RetryParkedEventRequest {
            consumer: String::new(),
            event_id: event_id.clone(),
        })
        .await
        .expect_err("not theirs");
    assert_eq!(err.code(), Code::NotFound);

    // Retrying before the fix fails again and keeps it parked.
    let err = ops
        .retry_parked_event(epb::RetryParkedEventRequest {
            consumer: "routing".into(),
            event_id: event_id.clone(),
        })
        .await
        .expect_err("policy still broken");
    assert_eq!(err.code(), Code::FailedPrecondition, "{err:?}");
    assert_eq!(
        parked_event(&mut ops, &poisoned.inquiry_id).await.attempts,
        2
    );

    // Fix the policy, retry: the parked event is applied.
    set_policy(&mut chain, "[targets]\nwarn_fraction = 0.5")
        .await
        .expect("fixed policy");
    ops.retry_parked_event(epb::RetryParkedEventRequest {
        consumer: String::new(),
        event_id: event_id.clone(),
    })
    .await
    .expect("retry after the fix");
    let a = routed(&mut chain, &poisoned.inquiry_id).await;
    assert!(!a.lead_department.is_empty());
    let left = ops
        .list_parked_events(epb::ListParkedEventsRequest::default())
        .await
        .expect("list")
        .into_inner();
    assert_eq!(left.total, 0);
    let again = ops
        .retry_parked_event(epb::RetryParkedEventRequest {
            consumer: String::new(),
            event_id,
        })
        .await
        .expect_err("nothing parked any more");
    assert_eq!(again.code(), Code::NotFound);
    app.stop().await;
}

async fn an_undecodable_event_is_parked_and_can_be_skipped(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    // A malformed event in intake's stream (as a buggy producer would write).
    let db = Db::connect(env.database_url(ServiceName::intake), 1)
        .await
        .expect("intake database");
    let mut tx = db.pool().begin().await.expect("tx");
    outbox::append(
        &mut tx,
        NewEvent {
            event_type: <frontdesk_proto::intake::v1::InquiryChanged as prost::Name>::full_name(),
            property_id: PROPERTY_A.into(),
            aggregate_id: "garbage-1".into(),
            actor: "test".into(),
            payload: vec![0xff, 0xff, 0xff, 0xff],
            traceparent: String::new(),
        },
    )
    .await
    .expect("append");
    tx.commit().await.expect("commit");
    db.close().await;

    // A later inquiry is routed: the stream went past the bad event.
    let mut amy = app.agent().await;
    let later = create(&mut amy, "房间需要加一床被子 an extra blanket please").await;
    let mut mgr = app.routing_as("max", Role::Manager, &[PROPERTY_A]).await;
    routed(&mut mgr, &later.inquiry_id).await;

    let mut ops = parked_as(&app, "max", Role::Manager, &[PROPERTY_A]).await;
    let parked = parked_event(&mut ops, "garbage-1").await;
    assert!(
        parked.error.to_lowercase().contains("decode"),
        "{}",
        parked.error
    );
    let event_id = parked.event.expect("event").event_id;
    let err = ops
        .skip_parked_event(epb::SkipParkedEventRequest {
            consumer: String::new(),
            event_id: event_id.clone(),
            reason: String::new(),
        })
        .await
        .expect_err("a reason is required");
    assert_eq!(err.code(), Code::InvalidArgument);
    ops.skip_parked_event(epb::SkipParkedEventRequest {
        consumer: "routing".into(),
        event_id,
        reason: "written by a broken producer; nothing to route".into(),
    })
    .await
    .expect("skip");
    // Every consumer of intake's stream parks its own copy; routing's is gone.
    let left = ops
        .list_parked_events(epb::ListParkedEventsRequest {
            consumer: "routing".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner();
    assert_eq!(left.total, 0);
    app.stop().await;
}

on_both_backends!(
    policies_routing_cannot_plan_with_are_refused_naming_the_field,
    a_poison_policy_parks_its_events_and_other_properties_stay_routed,
    an_undecodable_event_is_parked_and_can_be_skipped,
);

//! Intake and routing as separate services (as in a cluster), each with its own database,
//! delivering events to each other over gRPC. A consumer that is down delays events; it
//! never loses them.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk::services::ServiceName;
use frontdesk_platform::auth::Role;
use frontdesk_platform::relay::Subscriber;
use frontdesk_proto::routing::v1 as rpb;
use frontdesk_tests::intake_pb as pb;
use frontdesk_tests::{Backend, Env, PROPERTY_A, TestApp, create, on_both_backends};
use std::time::Duration;

/// A port that was free a moment ago: another test may take it before we bind it, so
/// whoever binds it must be ready to try again.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("port")
}

fn intake_config(env: &Env, port: u16, routing_port: u16) -> frontdesk::app::AppConfig {
    let mut cfg = env.config();
    cfg.listen = format!("127.0.0.1:{port}").parse().expect("addr");
    cfg.services.remove(&ServiceName::routing);
    cfg.subscribers = vec![Subscriber {
        name: "routing".into(),
        endpoint: format!("http://127.0.0.1:{routing_port}"),
    }];
    cfg
}

/// Routing delivering to, and asking, intake at `intake_port`.
fn routing_config(env: &Env, intake_port: u16) -> frontdesk::app::AppConfig {
    let mut cfg = env.config();
    cfg.services.remove(&ServiceName::intake);
    cfg.subscribers = vec![Subscriber {
        name: "intake".into(),
        endpoint: format!("http://127.0.0.1:{intake_port}"),
    }];
    cfg.peers
        .insert("intake".into(), format!("http://127.0.0.1:{intake_port}"));
    cfg
}

/// Routing on a port of its own choosing (no race), delivering to intake at `intake_port`.
async fn routing_service(env: &Env, intake_port: u16) -> TestApp {
    env.spawn_with(routing_config(env, intake_port)).await
}

/// Intake and routing pointing at each other. Intake's port must be known before it binds
/// (routing is told it first); when another test took it meanwhile, both start again.
async fn both_services(env: &Env) -> (TestApp, TestApp) {
    for _ in 0..20 {
        let intake_port = free_port();
        let routing = routing_service(env, intake_port).await;
        match env
            .try_spawn_with(intake_config(env, intake_port, routing.port))
            .await
        {
            Ok(intake) => return (intake, routing),
            Err(e) => eprintln!("port {intake_port} taken meanwhile ({e:#}); again"),
        }
    }
    panic!("no free port for intake in 20 tries");
}

/// A service again on `port`, just released by its stopped predecessor.
async fn restart_on(env: &Env, port: u16, mut cfg: frontdesk::app::AppConfig) -> TestApp {
    cfg.listen = format!("127.0.0.1:{port}").parse().expect("addr");
    let mut last = None;
    for _ in 0..50 {
        match env.try_spawn_with(cfg.clone()).await {
            Ok(app) => return app,
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("could not listen on {port} again: {last:?}");
}

/// Intake again on the port routing delivers to.
async fn restart_intake(env: &Env, port: u16, routing_port: u16) -> TestApp {
    restart_on(env, port, intake_config(env, port, routing_port)).await
}

async fn routing_events_wait_for_intake_while_it_is_down(backend: Backend) {
    let env = Env::new(backend).await;
    let (intake, routing) = both_services(&env).await;
    let (intake_port, routing_port) = (intake.port, routing.port);

    let mut c = intake.agent().await;
    let i = create(&mut c, "Is there a shuttle to the airport tomorrow at 6?").await;
    let mut r = routing.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    let mut routed = None;
    for _ in 0..200 {
        if let Ok(a) = r
            .get_assignment(rpb::GetAssignmentRequest {
                inquiry_id: i.inquiry_id.clone(),
            })
            .await
        {
            routed = a.into_inner().assignment;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        routed.is_some(),
        "routing received intake's event over gRPC"
    );

    // Intake goes down; routing keeps working and emitting events.
    intake.stop().await;
    r.transfer(rpb::TransferRequest {
        inquiry_id: i.inquiry_id.clone(),
        to_department: "concierge".into(),
        reason: "transport is arranged by the concierge".into(),
        customer_told_wait: Some(prost_types::Duration {
            seconds: 15 * 60,
            nanos: 0,
        }),
        force: true,
    })
    .await
    .expect("transfer while intake is down");

    // Intake comes back on the same database: the projection catches up.
    let intake = restart_intake(&env, intake_port, routing_port).await;
    let mut c = intake.agent().await;
    let mut lead = String::new();
    for _ in 0..300 {
        let got = c
            .get_inquiry(pb::GetInquiryRequest {
                inquiry_id: i.inquiry_id.clone(),
            })
            .await
            .expect("get")
            .into_inner();
        lead = got
            .inquiry
            .and_then(|i| i.routing)
            .map(|v| v.lead_department)
            .unwrap_or_default();
        if lead == "concierge" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        lead, "concierge",
        "the event emitted while intake was down arrived after it came back"
    );
}

/// Routing again on the port intake delivers to.
async fn restart_routing(env: &Env, port: u16, intake_port: u16) -> TestApp {
    restart_on(env, port, routing_config(env, intake_port)).await
}

/// A backlog of new inquiries reaches routing as one batch, whose texts routing asks of
/// intake together (BatchGetInquiries) and whose assignments it writes together: each
/// inquiry is still routed by its own words, and an answer given before routing saw the
/// inquiry (in the same batch) is recorded on its assignment.
async fn a_backlog_routed_in_batches_is_routed_by_each_inquirys_own_text(backend: Backend) {
    let env = Env::new(backend).await;
    let (intake, routing) = both_services(&env).await;
    let (intake_port, routing_port) = (intake.port, routing.port);
    let mut manager = routing
        .routing_as("max", Role::Manager, &[PROPERTY_A])
        .await;
    manager
        .set_routing_rules(rpb::SetRoutingRulesRequest {
            property_id: PROPERTY_A.into(),
            toml: r#"
[[rule]]
id = "vip_guests"
text_any = ["VIP", "贵宾"]
department = "guest_relations"
"#
            .into(),
        })
        .await
        .expect("rules on text");
    routing.stop().await;

    // Routing is down: intake records the inquiries and keeps their events.
    let mut c = intake.agent().await;
    let mut asked = Vec::new();
    for n in 0..24 {
        let vip = n % 3 == 0;
        let text = if vip {
            format!("贵宾 {n}: what time is breakfast?")
        } else {
            format!("Guest {n}: what time is breakfast?")
        };
        let id = create(&mut c, &text).await.inquiry_id;
        if n % 4 == 1 {
            // Answered before routing saw it: its Created and Acknowledged events arrive in
            // the same batch, and the answer must still meet the new assignment's deadline.
            c.acknowledge(pb::AcknowledgeRequest {
                inquiry_id: id.clone(),
                message: "received, answer soon".into(),
                ..Default::default()
            })
            .await
            .expect("acknowledge");
        }
        asked.push((id, vip));
    }

    let routing = restart_routing(&env, routing_port, intake_port).await;
    let mut r = routing.routing_as("amy", Role::Agent, &[PROPERTY_A]).await;
    for (n, (id, vip)) in asked.into_iter().enumerate() {
        let mut lead = None;
        let mut answered = false;
        for _ in 0..300 {
            if let Ok(a) = r
                .get_assignment(rpb::GetAssignmentRequest {
                    inquiry_id: id.clone(),
                })
                .await
                && let Some(a) = a.into_inner().assignment
                && (n % 4 != 1 || a.first_response_at.is_some())
            {
                answered = a.first_response_at.is_some();
                lead = Some(a.lead_department);
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let lead = lead.unwrap_or_else(|| panic!("inquiry {id} was never routed (and answered)"));
        assert_eq!(
            answered,
            n % 4 == 1,
            "inquiry {id}: first response recorded"
        );
        assert_eq!(
            lead == "guest_relations",
            vip,
            "inquiry {id} (VIP: {vip}) went to {lead}"
        );
    }
}

on_both_backends!(
    routing_events_wait_for_intake_while_it_is_down,
    a_backlog_routed_in_batches_is_routed_by_each_inquirys_own_text,
);

//! At least once, applied once: redelivered, replayed and late older events change nothing.

use super::{intake::IntakeEvents, routing::RoutingEvents};
use crate::store;
use frontdesk_platform::db::Db;
use frontdesk_platform::inbox::{ApplyOnce, Consumer};
use frontdesk_platform::time::to_timestamp;
use frontdesk_proto::common::v1::{Channel, Satisfaction};
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1 as intake_pb;
use frontdesk_proto::routing::v1 as routing_pb;
use prost::Message;

const S: i64 = 1_000_000;

fn intake_event(id: &str, version: i64, responded: bool) -> Event {
    let facts = intake_pb::InquiryFacts {
        inquiry_id: "i1".into(),
        property_id: "p".into(),
        channel: Channel::Hotline as i32,
        created_at: Some(to_timestamp(100 * S)),
        first_response_at: responded.then(|| to_timestamp(130 * S)),
        satisfaction: if responded {
            Satisfaction::Satisfied as i32
        } else {
            0
        },
        audits: if responded {
            vec![intake_pb::AuditFact {
                response_id: "r1".into(),
                responded_by: "amy".into(),
                accurate: true,
            }]
        } else {
            Vec::new()
        },
        version,
        ..Default::default()
    };
    Event {
        event_id: id.into(),
        source: "intake".into(),
        r#type: <intake_pb::InquiryChanged as prost::Name>::full_name(),
        payload: intake_pb::InquiryChanged {
            change: 0,
            facts: Some(facts),
        }
        .encode_to_vec(),
        ..Default::default()
    }
}

fn routing_event(id: &str, change: routing_pb::AssignmentChange, version: i64) -> Event {
    Event {
        event_id: id.into(),
        source: "routing".into(),
        r#type: <routing_pb::AssignmentChanged as prost::Name>::full_name(),
        payload: routing_pb::AssignmentChanged {
            change: change as i32,
            assignment: Some(routing_pb::Assignment {
                inquiry_id: "i1".into(),
                property_id: "p".into(),
                lead_department: format!("dept-v{version}"),
                version,
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec(),
        ..Default::default()
    }
}

#[tokio::test]
async fn redelivery_replay_and_late_events_change_nothing() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("dir");
    let db = Db::connect(&format!("sqlite://{}/a.db", dir.path().display()), 1)
        .await
        .expect("db");
    db.migrate(store::MIGRATIONS).await.expect("migrate");
    let rule = crate::domain::kpi::TimelinessRule::default();
    let intake = Consumer::new(db.clone(), "analytics", IntakeEvents { rule });
    let routing = Consumer::new(db.clone(), "analytics", RoutingEvents { rule });

    // Routing's events may come first; the transfer is counted once however often delivered.
    let transfer = routing_event("r-2", routing_pb::AssignmentChange::Transferred, 2);
    assert!(routing.apply_once(&transfer).await.expect("apply"));
    assert!(!routing.apply_once(&transfer).await.expect("again"));
    // An older assignment arriving late does not overwrite the department.
    let old = routing_event("r-1", routing_pb::AssignmentChange::Routed, 1);
    assert!(routing.apply_once(&old).await.expect("late"));

    let newer = intake_event("e-2", 2, true);
    assert!(intake.apply_once(&newer).await.expect("apply"));
    let before = store::facts_in_period(&db, "p", 0, 1_000 * S)
        .await
        .expect("facts");
    // Replay everything, then a late older intake event.
    assert!(!intake.apply_once(&newer).await.expect("replay"));
    assert_eq!(intake.apply_all(&[&newer, &newer]).await.expect("batch"), 0);
    assert!(
        intake
            .apply_once(&intake_event("e-1", 1, false))
            .await
            .expect("late")
    );
    let after = store::facts_in_period(&db, "p", 0, 1_000 * S)
        .await
        .expect("facts");
    assert_eq!(before, after);
    assert_eq!(after.len(), 1);
    let f = &after[0];
    assert_eq!(f.transfers, 1);
    assert_eq!(f.department, "dept-v2");
    assert_eq!(f.first_response_at, Some(130 * S));
    assert_eq!(f.audits.len(), 1);
    assert_eq!(f.satisfaction, Some(Satisfaction::Satisfied));
    db.close().await;
}

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

/// A mixed stream over several inquiries and days: creates, answers, audits changing their
/// verdicts, terms changing, resolutions and ratings; an inquiry whose later version moves
/// it to another day and channel (its old rollup rows empty out); routing before intake,
/// transfers, breaches, a moved deadline; late older versions and redeliveries.
fn mixed_stream() -> Vec<Event> {
    use frontdesk_proto::common::v1::Category;
    use routing_pb::AssignmentChange as C;
    const DAY: i64 = 86_400 * S;
    let mut out = Vec::new();
    let intake = |i: i64, version: i64| -> Event {
        let id = format!("i{i}");
        let moved = i % 5 == 0 && version >= 3;
        let created = 10 * DAY + (i % 3) * DAY + i * 997 * S + i64::from(moved) * DAY;
        let channel = if moved {
            Channel::Email
        } else {
            [Channel::Hotline, Channel::Website, Channel::FrontDesk][(i % 3) as usize]
        };
        let facts = intake_pb::InquiryFacts {
            inquiry_id: id.clone(),
            property_id: format!("p{}", i % 2),
            channel: channel as i32,
            category: [
                Category::Dining,
                Category::Reservation,
                Category::Facilities,
            ][(i % 3) as usize] as i32,
            created_at: Some(to_timestamp(created)),
            first_response_at: (version >= 2).then(|| to_timestamp(created + (i * 37 % 900) * S)),
            resolved_at: (version >= 3).then(|| to_timestamp(created + (i % 7 + 1) * 3_600 * S)),
            satisfaction: if version >= 3 {
                [Satisfaction::Satisfied, Satisfaction::Neutral][(i % 2) as usize] as i32
            } else {
                0
            },
            assignee: if version >= 2 {
                format!("staff-{}", (i + version) % 4)
            } else {
                String::new()
            },
            audits: (1..version)
                .map(|n| intake_pb::AuditFact {
                    response_id: format!("r{n}"),
                    responded_by: format!("staff-{}", i % 4),
                    accurate: (i + n + version) % 2 == 0,
                })
                .collect(),
            matched_terms: (0..version)
                .map(|n| format!("term-{}", (i + n) % 6))
                .collect(),
            delay_notices: i32::try_from(version / 3).unwrap_or(0),
            version,
            ..Default::default()
        };
        Event {
            event_id: format!("{id}-v{version}"),
            source: "intake".into(),
            r#type: <intake_pb::InquiryChanged as prost::Name>::full_name(),
            property_id: format!("p{}", i % 2),
            aggregate_id: id,
            payload: intake_pb::InquiryChanged {
                change: 0,
                facts: Some(facts),
            }
            .encode_to_vec(),
            ..Default::default()
        }
    };
    let routing = |i: i64, n: i64, change: C, version: i64| -> Event {
        let id = format!("i{i}");
        let due = 20 * DAY + i * S;
        Event {
            event_id: format!("{id}-r{n}"),
            source: "routing".into(),
            r#type: <routing_pb::AssignmentChanged as prost::Name>::full_name(),
            property_id: format!("p{}", i % 2),
            aggregate_id: id.clone(),
            payload: routing_pb::AssignmentChanged {
                change: change as i32,
                assignment: Some(routing_pb::Assignment {
                    inquiry_id: id,
                    property_id: format!("p{}", i % 2),
                    lead_department: format!("dept-{}", (i + version) % 3),
                    assignee: format!("staff-{}", (i + version + 1) % 4),
                    resolution_due: Some(to_timestamp(due + (version - 1) * 3_600 * S)),
                    original_resolution_due: Some(to_timestamp(due)),
                    version,
                    ..Default::default()
                }),
                ..Default::default()
            }
            .encode_to_vec(),
            ..Default::default()
        }
    };
    for round in 0..4 {
        for i in 0..24 {
            match (round + i) % 4 {
                0 => {
                    out.push(routing(i, round, C::Routed, 1));
                    out.push(intake(i, 1));
                }
                1 => {
                    out.push(intake(i, 2));
                    out.push(routing(i, 10 + round, C::Transferred, 2));
                    out.push(intake(i, 2)); // redelivered
                }
                2 => {
                    out.push(intake(i, 3));
                    out.push(routing(i, 20 + round, C::SlaBreached, 2));
                    out.push(intake(i, 1)); // redelivered after a newer version
                }
                _ => {
                    out.push(routing(i, 30 + round, C::DeadlineMoved, 3));
                    // A late older assignment: counted once, not taken.
                    out.push(routing(i, 40 + round, C::Routed, 1));
                    let mut late = intake(i, 2);
                    late.event_id = format!("i{i}-late-{round}");
                    out.push(late);
                }
            }
        }
    }
    out
}

/// Every stored row of the facts (but `updated_at`, the time of the write), audits, terms,
/// quiz attempts and rollups, as text.
async fn snapshot(db: &Db) -> Vec<String> {
    use sqlx::Row;
    let tables: [(&str, &[&str], &[&str]); 4] = [
        (
            "SELECT * FROM analytics_facts ORDER BY inquiry_id",
            &[
                "inquiry_id",
                "property_id",
                "channel",
                "category",
                "complexity",
                "language",
                "handler",
                "satisfaction",
                "department",
                "routing_handler",
            ],
            &[
                "created_at",
                "first_response_at",
                "resolved_at",
                "expected_at",
                "delay_notices",
                "intake_version",
                "first_response_due",
                "resolution_due",
                "original_resolution_due",
                "routing_version",
                "transfers",
                "sla_breaches",
                "escalations",
            ],
        ),
        (
            "SELECT * FROM analytics_audits ORDER BY inquiry_id, response_id",
            &["inquiry_id", "response_id", "responded_by"],
            &["accurate"],
        ),
        (
            "SELECT * FROM analytics_terms ORDER BY inquiry_id, term",
            &["inquiry_id", "property_id", "term"],
            &["created_at"],
        ),
        (
            "SELECT * FROM analytics_daily ORDER BY property_id, dim, day, group_key",
            &[
                "property_id",
                "dim",
                "group_key",
                "first_response",
                "handling",
            ],
            &[
                "day",
                "inquiries",
                "responded",
                "resolved",
                "in_time",
                "audited",
                "accurate",
                "very_satisfied",
                "satisfied",
                "neutral",
                "dissatisfied",
                "very_dissatisfied",
                "sla_breaches",
                "breached_inquiries",
                "transfers",
                "deadlines_moved",
            ],
        ),
    ];
    let mut out = Vec::new();
    for (sql, text, ints) in tables {
        for r in sqlx::query(sql)
            .fetch_all(db.pool())
            .await
            .expect("snapshot")
        {
            let mut line = String::new();
            for c in text {
                let v: Option<String> = r.try_get(*c).expect("text column");
                line.push_str(&format!("{c}={v:?} "));
            }
            for c in ints {
                let v: Option<i64> = r.try_get(*c).expect("integer column");
                line.push_str(&format!("{c}={v:?} "));
            }
            out.push(line);
        }
    }
    out
}

/// Applies `events` through the live consumers (inbox, log, apply): one event per
/// transaction, or all of a source's events as one delivered batch.
async fn deliver(db: &Db, events: &[Event], one_by_one: bool) {
    use super::Logged;
    use crate::domain::kpi::TimelinessRule;
    let rule = TimelinessRule::default();
    let intake = Consumer::new(db.clone(), "analytics", Logged(IntakeEvents { rule }));
    let routing = Consumer::new(db.clone(), "analytics", Logged(RoutingEvents { rule }));
    let of =
        |source: &str| -> Vec<&Event> { events.iter().filter(|e| e.source == source).collect() };
    if one_by_one {
        for e in events {
            let consumer: &dyn ApplyOnce = if e.source == "intake" {
                &intake
            } else {
                &routing
            };
            consumer.apply_once(e).await.expect("apply one");
        }
    } else {
        intake.apply_all(&of("intake")).await.expect("intake batch");
        routing
            .apply_all(&of("routing"))
            .await
            .expect("routing batch");
    }
}

async fn one_by_one_equals_one_batch(open: impl AsyncFn(&str) -> Db) {
    let events = mixed_stream();
    let single = open("single").await;
    let batched = open("batched").await;
    deliver(&single, &events, true).await;
    deliver(&batched, &events, false).await;
    let expected = snapshot(&single).await;
    assert!(expected.len() > 100, "{} rows", expected.len());
    let got = snapshot(&batched).await;
    assert_eq!(expected.len(), got.len());
    for (n, (e, g)) in expected.iter().zip(&got).enumerate() {
        assert_eq!(e, g, "row #{n} differs between one by one and one batch");
    }
    // The rollups kept by differences are those of the final facts rolled up from scratch.
    let rule = crate::domain::kpi::TimelinessRule::default();
    sqlx::query("UPDATE analytics_rollup_state SET backfilled = 0")
        .execute(batched.pool())
        .await
        .expect("mark");
    assert!(
        store::rollups::backfill(&batched, &rule)
            .await
            .expect("backfill")
            > 20
    );
    assert_eq!(
        snapshot(&batched).await,
        expected,
        "rolled up from the facts"
    );
    // And a rebuild (the log replayed in pages, sources mixed) gives the same rows again.
    crate::rebuild::rebuild(&single, rule)
        .await
        .expect("rebuild");
    assert_eq!(snapshot(&single).await, expected, "rebuilt");
    single.close().await;
    batched.close().await;
}

#[tokio::test]
async fn a_batch_stores_what_its_events_one_by_one_store_sqlite() {
    sqlx::any::install_default_drivers();
    let dir = tempfile::tempdir().expect("dir");
    let path = dir.path().to_path_buf();
    one_by_one_equals_one_batch(async |name: &str| {
        let db = Db::connect(&format!("sqlite://{}/{name}.db", path.display()), 1)
            .await
            .expect("db");
        db.migrate(store::MIGRATIONS).await.expect("migrate");
        db
    })
    .await;
}

#[tokio::test]
async fn a_batch_stores_what_its_events_one_by_one_store_postgres() {
    use sqlx::Connection;
    sqlx::any::install_default_drivers();
    let base = std::env::var("FRONTDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let unique = uuid::Uuid::new_v4().simple().to_string();
    let prefix = format!("fdtest_analytics_{}", &unique[..20]);
    let mut admin = sqlx::AnyConnection::connect(&format!("{base}/postgres"))
        .await
        .expect("cannot reach Postgres for tests (FRONTDESK_TEST_POSTGRES)");
    for name in ["single", "batched"] {
        sqlx::query(&format!("CREATE DATABASE {prefix}_{name}"))
            .execute(&mut admin)
            .await
            .expect("create database");
    }
    one_by_one_equals_one_batch(async |name: &str| {
        let db = Db::connect(&format!("{base}/{prefix}_{name}"), 2)
            .await
            .expect("db");
        db.migrate(store::MIGRATIONS).await.expect("migrate");
        db
    })
    .await;
    for name in ["single", "batched"] {
        sqlx::query(&format!("DROP DATABASE {prefix}_{name}"))
            .execute(&mut admin)
            .await
            .expect("drop database");
    }
    let _ = admin.close().await;
}

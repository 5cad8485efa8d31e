//! Events carry facts, not personal data: after a whole inquiry life, no intake event in the
//! outbox and no table of any other service holds the customer's name, phone, e-mail or any
//! of the inquiry's texts. Delivered events leave the outbox after the retention; the
//! timeline (intake's archive) stays.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk::services::ServiceName;
use frontdesk_platform::db::Db;
use frontdesk_tests::intake_pb as pb;
use frontdesk_tests::{Backend, Client, Env, create, new_inquiry, on_both_backends};
use sqlx::{Column, Row};
use std::time::Duration;

/// Waits until routing's projection of the inquiry is back in intake: every intake event
/// written before it has reached routing (delivery is in order).
async fn routed(c: &mut Client, id: &str) -> pb::GetInquiryResponse {
    for _ in 0..300 {
        let res = c
            .get_inquiry(pb::GetInquiryRequest {
                inquiry_id: id.into(),
            })
            .await
            .expect("get")
            .into_inner();
        if res.inquiry.as_ref().is_some_and(|i| i.routing.is_some()) {
            return res;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("inquiry {id} was never routed");
}

async fn tables(db: &Db) -> Vec<String> {
    let sql = match db.backend() {
        frontdesk_platform::db::Backend::Postgres => {
            "SELECT table_name::text AS name FROM information_schema.tables \
             WHERE table_schema = 'public' AND table_name NOT LIKE '\\_sqlx%'"
        }
        frontdesk_platform::db::Backend::Sqlite => {
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_sqlx%'"
        }
    };
    sqlx::query(sql)
        .fetch_all(db.pool())
        .await
        .expect("tables")
        .iter()
        .map(|r| r.try_get::<String, _>("name").expect("name"))
        .collect()
}

/// Every (table, column) of `db` whose value contains one of `needles` (as text or bytes).
async fn holders(db: &Db, only: Option<&str>, needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for table in tables(db).await {
        if only.is_some_and(|t| t != table) {
            continue;
        }
        let rows = sqlx::query(&format!("SELECT * FROM {table}"))
            .fetch_all(db.pool())
            .await
            .expect("rows");
        for row in rows {
            for (i, col) in row.columns().iter().enumerate() {
                let bytes = row
                    .try_get::<Option<String>, _>(i)
                    .ok()
                    .flatten()
                    .map(String::into_bytes)
                    .or_else(|| row.try_get::<Option<Vec<u8>>, _>(i).ok().flatten())
                    .unwrap_or_default();
                for n in needles {
                    if bytes.windows(n.len()).any(|w| w == n.as_bytes()) {
                        found.push(format!("{table}.{} holds {n:?}", col.name()));
                    }
                }
            }
        }
    }
    found
}

async fn no_customer_data_leaves_intake(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut c = app.agent().await;
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let name = format!("隐私{}", &tag[..8]);
    let phone = format!("+86 139 {} {}", &tag[..4], &tag[4..8])
        .chars()
        .map(|ch| {
            if ch.is_ascii_hexdigit() && !ch.is_ascii_digit() {
                '7'
            } else {
                ch
            }
        })
        .collect::<String>();
    let email = format!("{tag}@example.com");
    let text = format!("请问早餐几点开始 ask-{tag}");
    let answer = format!("answer-{tag}");
    let comment = format!("comment-{tag}");

    let mut req = new_inquiry(&text);
    if let Some(cust) = req.customer.as_mut() {
        cust.name = name.clone();
        cust.phone = phone.clone();
        cust.email = email.clone();
    }
    let inquiry = c
        .create_inquiry(req)
        .await
        .expect("create")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let id = inquiry.inquiry_id.clone();
    routed(&mut c, &id).await;
    c.respond(pb::RespondRequest {
        inquiry_id: id.clone(),
        text: answer.clone(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        ..Default::default()
    })
    .await
    .expect("respond");
    c.resolve(pb::ResolveRequest {
        inquiry_id: id.clone(),
        ..Default::default()
    })
    .await
    .expect("resolve");
    c.record_feedback(pb::RecordFeedbackRequest {
        inquiry_id: id.clone(),
        satisfaction: frontdesk_proto::common::v1::Satisfaction::Satisfied as i32,
        comment: comment.clone(),
        on_behalf_of_customer: true,
    })
    .await
    .expect("feedback");
    // A later inquiry routed means routing has had every event written before it.
    let marker = create(&mut c, "Do you have a gym?").await;
    routed(&mut c, &marker.inquiry_id).await;

    let needles = vec![name, phone, email, text, answer, comment];
    let intake_db = Db::connect(env.database_url(ServiceName::intake), 2)
        .await
        .expect("intake db");
    assert!(
        !holders(&intake_db, Some("inquiries"), &needles)
            .await
            .is_empty(),
        "the scan must find the customer where intake keeps them"
    );
    let leaks = holders(&intake_db, Some("outbox"), &needles).await;
    assert!(
        leaks.is_empty(),
        "intake events carry personal data: {leaks:?}"
    );
    for &service in ServiceName::ALL {
        if service == ServiceName::intake {
            continue;
        }
        let db = Db::connect(env.database_url(service), 2)
            .await
            .expect("service db");
        let leaks = holders(&db, None, &needles).await;
        assert!(leaks.is_empty(), "{service} holds personal data: {leaks:?}");
    }

    // The archive is intact: the timeline still tells the whole story.
    let got = c
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: id.clone(),
        })
        .await
        .expect("get")
        .into_inner();
    let changes: Vec<i32> = got.timeline.iter().map(|t| t.change).collect();
    for want in [
        pb::ChangeType::Created,
        pb::ChangeType::Routed,
        pb::ChangeType::Responded,
        pb::ChangeType::Resolved,
        pb::ChangeType::FeedbackRecorded,
    ] {
        assert!(
            changes.contains(&(want as i32)),
            "timeline lacks {want:?}: {changes:?}"
        );
    }
    app.stop().await;
}

async fn outbox_events(db: &Db, inquiry_id: &str) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE aggregate_id = $1")
        .bind(inquiry_id)
        .fetch_one(db.pool())
        .await
        .expect("count")
}

async fn delivered_events_are_pruned_after_the_retention(backend: Backend) {
    let env = Env::new(backend).await;
    let mut cfg = env.config();
    cfg.outbox_retention = Duration::ZERO;
    cfg.prune_every = Duration::from_millis(50);
    let app = env.spawn_with(cfg).await;
    let intake_db = Db::connect(env.database_url(ServiceName::intake), 2)
        .await
        .expect("intake db");
    // A subscriber that has acknowledged nothing yet holds every event back.
    sqlx::query(
        "INSERT INTO outbox_cursors (subscriber, delivered_up_to, lease_owner, lease_until, updated_at) \
         VALUES ('late-subscriber', 0, '', 0, 0)",
    )
    .execute(intake_db.pool())
    .await
    .expect("cursor");
    let mut c = app.agent().await;
    let i = create(&mut c, "Is the pool open at night?").await;
    routed(&mut c, &i.inquiry_id).await;
    frontdesk_platform::outbox::prune(&intake_db, 0)
        .await
        .expect("prune");
    assert!(
        outbox_events(&intake_db, &i.inquiry_id).await > 0,
        "events a subscriber has not acknowledged must stay"
    );

    // Once it has them, they go.
    sqlx::query("UPDATE outbox_cursors SET delivered_up_to = (SELECT value FROM outbox_counter WHERE name = 'outbox') WHERE subscriber = 'late-subscriber'")
        .execute(intake_db.pool())
        .await
        .expect("ack");
    let mut left = i64::MAX;
    for _ in 0..200 {
        left = outbox_events(&intake_db, &i.inquiry_id).await;
        if left == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(
        left, 0,
        "acknowledged events older than the retention are pruned"
    );
    let got = c
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: i.inquiry_id.clone(),
        })
        .await
        .expect("get")
        .into_inner();
    assert!(
        got.timeline
            .iter()
            .any(|t| t.change == pb::ChangeType::Created as i32),
        "the timeline outlives the outbox"
    );
    app.stop().await;
}

on_both_backends!(
    no_customer_data_leaves_intake,
    delivered_events_are_pruned_after_the_retention
);

//! WatchInquiries: resumable without gaps or duplicates, across replicas, ended on shutdown.
//! Intake runs alone here so routing's projection updates do not interleave with the
//! changes each test makes, except in the test of cursors under creates and projections.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::auth::Role;
use frontdesk_tests::intake_pb as pb;
use frontdesk_tests::{Backend, Client, Env, PROPERTY_B, create, new_inquiry, on_both_backends};
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::Streaming;

async fn next(stream: &mut Streaming<pb::WatchInquiriesResponse>) -> pb::WatchInquiriesResponse {
    tokio::time::timeout(Duration::from_secs(10), stream.next())
        .await
        .expect("a change within 10 s")
        .expect("stream still open")
        .expect("no stream error")
}

async fn watch(
    c: &mut Client,
    cursor: &str,
    from_beginning: bool,
) -> Streaming<pb::WatchInquiriesResponse> {
    c.watch_inquiries(pb::WatchInquiriesRequest {
        property_ids: vec![],
        cursor: cursor.into(),
        from_beginning,
        send_caught_up: false,
    })
    .await
    .expect("watch")
    .into_inner()
}

/// A client that asked for it learns when the backlog is behind it: one marker after
/// everything committed before the watch, before any change made after.
async fn the_backlog_ends_with_a_caught_up_marker(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn_intake_only().await;
    let mut c = app.agent().await;
    let old = [
        create(&mut c, "What time is check-in?").await,
        create(&mut c, "早餐几点？").await,
    ];
    let mut stream = c
        .watch_inquiries(pb::WatchInquiriesRequest {
            from_beginning: true,
            send_caught_up: true,
            ..Default::default()
        })
        .await
        .expect("watch")
        .into_inner();
    let mut backlog = Vec::new();
    let marker = loop {
        let m = next(&mut stream).await;
        if m.caught_up {
            break m;
        }
        backlog.push(m.inquiry.map(|i| i.inquiry_id).unwrap_or_default());
    };
    assert_eq!(
        backlog,
        [old[0].inquiry_id.clone(), old[1].inquiry_id.clone()]
    );
    assert!(marker.inquiry.is_none() && marker.change == 0, "{marker:?}");
    let new = create(&mut c, "Is there parking?").await;
    let live = next(&mut stream).await;
    assert!(!live.caught_up, "one marker only");
    assert_eq!(live.inquiry.map(|i| i.inquiry_id), Some(new.inquiry_id));
    assert!(live.cursor.parse::<i64>().ok() > marker.cursor.parse::<i64>().ok());
}

async fn watchers_resume_from_their_cursor_without_gaps_or_repeats(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn_intake_only().await;
    let mut c = app.agent().await;
    let first = create(&mut c, "What time is check-in?").await;

    let mut stream = watch(&mut c, "", true).await;
    let seen = next(&mut stream).await;
    assert_eq!(seen.inquiry.expect("inquiry").inquiry_id, first.inquiry_id);
    assert_eq!(seen.change, pb::ChangeType::Created as i32);
    let cursor = seen.cursor.clone();
    drop(stream); // the client goes away

    // Changes while disconnected …
    let second = create(&mut c, "Is there a shuttle to the airport?").await;
    c.acknowledge(pb::AcknowledgeRequest {
        inquiry_id: first.inquiry_id.clone(),
        ..Default::default()
    })
    .await
    .expect("ack");
    // … are all delivered after reconnecting, in order, and nothing before the cursor.
    let mut stream = watch(&mut c, &cursor, false).await;
    let a = next(&mut stream).await;
    let b = next(&mut stream).await;
    assert_eq!(a.inquiry.expect("i").inquiry_id, second.inquiry_id);
    assert_eq!(b.change, pb::ChangeType::Acknowledged as i32);
    // And new changes arrive live.
    let third = create(&mut c, "早餐在几楼？").await;
    let live = next(&mut stream).await;
    assert_eq!(live.inquiry.expect("i").inquiry_id, third.inquiry_id);
    let cursors: Vec<i64> = [&a.cursor, &b.cursor, &live.cursor]
        .iter()
        .map(|c| c.parse().expect("numeric"))
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]));
}

async fn watchers_only_see_their_properties(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn_intake_only().await;
    let mut a = app.agent().await;
    let mut b = app.client_as("bob", Role::Agent, &[PROPERTY_B]).await;
    let mut stream = watch(&mut b, "", false).await;
    create(&mut a, "A's guest asks about parking").await;
    let mut req = new_inquiry("B 的客人问停车");
    req.property_id = PROPERTY_B.into();
    b.create_inquiry(req).await.expect("create in b");
    let only = next(&mut stream).await;
    assert_eq!(only.inquiry.expect("i").property_id, PROPERTY_B);
}

async fn a_bad_cursor_is_invalid_argument(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn_intake_only().await;
    let mut c = app.agent().await;
    let err = c
        .watch_inquiries(pb::WatchInquiriesRequest {
            cursor: "yesterday".into(),
            ..Default::default()
        })
        .await
        .expect_err("bad cursor");
    assert_eq!(
        frontdesk_platform::error::violated_fields(&err),
        vec!["cursor"]
    );
}

async fn shutdown_ends_open_watch_streams_and_drains(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn_intake_only().await;
    let mut c = app.agent().await;
    let mut stream = watch(&mut c, "", false).await;
    let stopped = tokio::time::timeout(Duration::from_secs(5), app.stop()).await;
    assert!(
        stopped.is_ok(),
        "graceful shutdown finished within its grace period"
    );
    let end = tokio::time::timeout(Duration::from_secs(5), stream.next())
        .await
        .expect("stream ends");
    assert!(
        end.is_none_or(|r| r.is_err()),
        "no more changes after shutdown"
    );
}

async fn data_survives_a_restart(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn_intake_only().await;
    let mut c = app.agent().await;
    let created = create(&mut c, "Can I leave my luggage after check-out?").await;
    app.stop().await;

    let app = env.spawn_intake_only().await;
    let mut c = app.agent().await;
    let got = c
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: created.inquiry_id.clone(),
        })
        .await
        .expect("still there after restart")
        .into_inner();
    assert_eq!(
        got.inquiry.expect("i").text,
        "Can I leave my luggage after check-out?"
    );
}

/// Issue 14: creates commit in parallel batches while routing's projection commits intake
/// events of its own (a batch of routing's events at a time). A watcher that drops and
/// resumes from its cursor in the middle of it sees every change exactly once, in the order
/// a watcher reading the whole log from the beginning sees, and nothing twice after.
async fn cursors_stay_exact_while_creates_and_routing_projections_commit_together(
    backend: Backend,
) {
    const WRITERS: usize = 8;
    const EACH: usize = 12;
    let env = Env::new(backend).await;
    let app = env.spawn().await; // intake and routing: every create is routed and projected
    let mut c = app.agent().await;
    let key = |m: &pb::WatchInquiriesResponse| {
        (
            m.cursor.parse::<i64>().expect("numeric cursor"),
            m.inquiry.as_ref().expect("inquiry").inquiry_id.clone(),
            m.change,
        )
    };
    let mut stream = watch(&mut c, "", true).await;
    let writers: Vec<_> = (0..WRITERS)
        .map(|w| {
            let mut c = c.clone();
            tokio::spawn(async move {
                let mut ids = Vec::new();
                for i in 0..EACH {
                    let text = format!("writer {w}, guest {i}: is the pool heated?");
                    ids.push(create(&mut c, &text).await.inquiry_id);
                }
                ids
            })
        })
        .collect();
    // Half of what will come (each inquiry: Created, then Routed), while writers still write.
    let mut seen = Vec::new();
    for _ in 0..WRITERS * EACH {
        seen.push(key(&next(&mut stream).await));
    }
    drop(stream);
    let cursor = seen.last().expect("some").0.to_string();
    let mut stream = watch(&mut c, &cursor, false).await;
    let mut by_writer = Vec::new();
    for w in writers {
        by_writer.push(w.await.expect("writer"));
    }
    let total = 2 * WRITERS * EACH;
    while seen.len() < total {
        seen.push(key(&next(&mut stream).await));
    }
    // The marker, made after everything above settled, comes next: nothing was held back
    // and nothing comes twice.
    let marker = create(&mut c, "And is there a gym?").await.inquiry_id;
    let after = key(&next(&mut stream).await);
    assert_eq!(
        (after.1.as_str(), after.2),
        (marker.as_str(), pb::ChangeType::Created as i32),
        "the marker follows the {total} changes"
    );
    assert!(
        seen.windows(2).all(|w| w[0].0 < w[1].0),
        "cursors strictly increase across the reconnect"
    );
    let distinct: std::collections::HashSet<(String, i32)> =
        seen.iter().map(|(_, id, ch)| (id.clone(), *ch)).collect();
    assert_eq!(distinct.len(), total, "no change seen twice");
    for ids in &by_writer {
        for id in ids {
            let at = |change: pb::ChangeType| {
                seen.iter()
                    .position(|(_, i, ch)| i == id && *ch == change as i32)
                    .unwrap_or_else(|| panic!("{id} {change:?} seen"))
            };
            assert!(at(pb::ChangeType::Created) < at(pb::ChangeType::Routed));
        }
        // Each writer's own creates, one after another, in the order they were made.
        let created: Vec<&String> = seen
            .iter()
            .filter(|(_, id, ch)| *ch == pb::ChangeType::Created as i32 && ids.contains(id))
            .map(|(_, id, _)| id)
            .collect();
        assert_eq!(created, ids.iter().collect::<Vec<_>>());
    }
    // The whole log from the beginning: the very same changes in the very same order.
    let mut replay = watch(&mut c, "", true).await;
    let mut all = Vec::new();
    for _ in 0..total {
        all.push(key(&next(&mut replay).await));
    }
    assert_eq!(all, seen, "resuming from a cursor saw exactly the log");
}

on_both_backends!(
    cursors_stay_exact_while_creates_and_routing_projections_commit_together,
    the_backlog_ends_with_a_caught_up_marker,
    watchers_resume_from_their_cursor_without_gaps_or_repeats,
    watchers_only_see_their_properties,
    a_bad_cursor_is_invalid_argument,
    shutdown_ends_open_watch_streams_and_drains,
    data_survives_a_restart,
);

/// Cluster mode: two intake replicas on one Postgres + Redis, both taking writes at once.
/// The change sequence is the commit order: every watcher, on either replica, sees the same
/// changes in the same order, and a cursor taken on one replica resumes on the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_watcher_on_one_replica_sees_writes_on_another_and_resumes_there() {
    let env = Env::new(Backend::Postgres).await;
    let replica1 = env.spawn_intake_only().await;
    let replica2 = env.spawn_intake_only().await;
    let mut on1 = replica1.agent().await;
    let mut on2 = replica2.agent().await;

    let mut stream = watch(&mut on1, "", false).await;
    let writer = |mut c: Client, who: &'static str| async move {
        let mut ids = Vec::new();
        for i in 0..6 {
            ids.push(
                create(&mut c, &format!("{who} {i}: is the spa open late?"))
                    .await
                    .inquiry_id,
            );
        }
        ids
    };
    let t1 = tokio::spawn(writer(on1.clone(), "replica 1"));
    let t2 = tokio::spawn(writer(on2.clone(), "replica 2"));
    let (by1, by2) = (t1.await.expect("writer 1"), t2.await.expect("writer 2"));
    let mut live = Vec::new();
    for _ in 0..12 {
        live.push(next(&mut stream).await);
    }
    drop(stream);
    let ids = |changes: &[pb::WatchInquiriesResponse]| -> Vec<String> {
        changes
            .iter()
            .map(|s| s.inquiry.clone().expect("i").inquiry_id)
            .collect()
    };
    let seen = ids(&live);
    let cursors: Vec<i64> = live
        .iter()
        .map(|c| c.cursor.parse().expect("numeric"))
        .collect();
    assert!(cursors.windows(2).all(|w| w[0] < w[1]), "{cursors:?}");
    // Each writer's own creates, one after another, appear in the order they were made.
    for mine in [&by1, &by2] {
        let order: Vec<&String> = seen.iter().filter(|id| mine.contains(id)).collect();
        assert_eq!(order, mine.iter().collect::<Vec<_>>());
    }

    // Resume mid-stream on the other replica: exactly the rest, in the same order.
    let mut resumed = watch(&mut on2, &live[4].cursor, false).await;
    let mut rest = Vec::new();
    for _ in 0..7 {
        rest.push(next(&mut resumed).await);
    }
    // From the beginning on the other replica: the same sequence.
    let mut replay = watch(&mut on2, "", true).await;
    let mut all = Vec::new();
    for _ in 0..12 {
        all.push(next(&mut replay).await);
    }
    assert_eq!(ids(&all), seen, "both replicas tell the same order");
    // The marker: a change made after everything above. It comes next, so nothing was
    // delivered twice.
    let marker = create(&mut on1, "And the gym?").await.inquiry_id;
    rest.push(next(&mut resumed).await);
    let mut expected = seen[5..].to_vec();
    expected.push(marker);
    assert_eq!(
        ids(&rest),
        expected,
        "the rest, exactly once, then the marker"
    );
}

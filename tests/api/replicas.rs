//! Two replicas of every service on one Postgres and one Redis (issue 8, "a two-replica
//! drill of each service"), as a cluster runs them: what one replica records, the other
//! streams; consumers on both replicas apply each event once; and when one replica stops,
//! the other keeps serving. Intake and routing have their SIGKILL drill in
//! `services/frontdesk/tests/cluster.rs`; knowledge's replicas are in `knowledge.rs`.

use frontdesk_platform::auth::Role;
use frontdesk_proto::analytics::v1 as apb;
use frontdesk_proto::analytics::v1::analytics_service_client::AnalyticsServiceClient;
use frontdesk_proto::messaging::v1 as mpb;
use frontdesk_proto::messaging::v1::messaging_service_client::MessagingServiceClient;
use frontdesk_tests::{Backend, Bearer, Env, PROPERTY_A, TestApp, create, token};
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

type Messaging = MessagingServiceClient<InterceptedService<Channel, Bearer>>;
type Analytics = AnalyticsServiceClient<InterceptedService<Channel, Bearer>>;

async fn messaging(app: &TestApp, role: Role) -> Messaging {
    MessagingServiceClient::with_interceptor(
        app.channel().await,
        Bearer::new(&token("desk", role, &[PROPERTY_A])).expect("token"),
    )
}

async fn analytics(app: &TestApp) -> Analytics {
    AnalyticsServiceClient::with_interceptor(
        app.channel().await,
        Bearer::new(&token("max", Role::Manager, &[PROPERTY_A])).expect("token"),
    )
}

async fn next_lamp(s: &mut tonic::Streaming<mpb::WatchLampsResponse>) -> mpb::WatchLampsResponse {
    tokio::time::timeout(Duration::from_secs(10), s.next())
        .await
        .expect("a lamp change in time")
        .expect("stream open")
        .expect("no error")
}

/// MD-3: a message left through one replica lights the lamp on the other replica's
/// WatchLamps (what a switch adapter connected anywhere sees), marking it read through the
/// second replica turns it off, and after the first replica stops the second still serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_messaging_replicas_share_lamps_and_survive_one_stopping() {
    let env = Env::new(Backend::Postgres).await;
    let one = env.spawn().await;
    let two = env.spawn().await;
    let mut desk1 = messaging(&one, Role::Agent).await;
    let mut desk2 = messaging(&two, Role::Agent).await;
    let mut switch = messaging(&two, Role::Integration).await;
    let mut lamps = switch
        .watch_lamps(mpb::WatchLampsRequest {
            property_id: PROPERTY_A.into(),
            cursor: String::new(),
            send_caught_up: true,
        })
        .await
        .expect("watch")
        .into_inner();
    assert!(
        next_lamp(&mut lamps).await.caught_up,
        "nothing lit at first"
    );

    let mut pms = messaging(&one, Role::Integration).await;
    let synced = pms
        .sync_stays(mpb::SyncStaysRequest {
            property_id: PROPERTY_A.into(),
            stays: vec![mpb::StayRecord {
                reservation_id: "R-1".into(),
                guests: vec![mpb::Guest {
                    name_zh: "王芳".into(),
                    name_en: "Wang Fang".into(),
                    ..Default::default()
                }],
                room: "1201".into(),
                status: mpb::StayStatus::InHouse as i32,
                privacy: mpb::PrivacyLevel::None as i32,
                ..Default::default()
            }],
        })
        .await
        .expect("sync")
        .into_inner();
    let stay_id = synced.results[0].stay_id.clone();
    let left = desk1
        .leave_message(mpb::LeaveMessageRequest {
            property_id: PROPERTY_A.into(),
            stay_id: stay_id.clone(),
            text: "请回电 Please call back".into(),
            from_name: "陈先生 Mr Chen".into(),
            idempotency_key: "m-1".into(),
            ..Default::default()
        })
        .await
        .expect("leave on replica one")
        .into_inner();
    let lit = next_lamp(&mut lamps).await;
    assert_eq!((lit.room.as_str(), lit.on), ("1201", true), "{lit:?}");

    let message_id = left.message.expect("message").message_id;
    let read = desk2
        .mark_message_read(mpb::MarkMessageReadRequest {
            message_id: message_id.clone(),
        })
        .await
        .expect("read on replica two")
        .into_inner();
    assert!(!read.lamp_on);
    let off = next_lamp(&mut lamps).await;
    assert_eq!((off.room.as_str(), off.on), ("1201", false), "{off:?}");

    one.stop().await;
    let got = desk2
        .get_message(mpb::GetMessageRequest { message_id })
        .await
        .expect("replica two still serves")
        .into_inner();
    assert!(got.message.is_some());
    two.stop().await;
}

/// CI-5: two analytics replicas consume the same streams, yet every inquiry is counted once
/// — before and after one of them stops. A later inquiry is the marker that the earlier
/// ones were not counted twice in between.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_analytics_replicas_count_each_inquiry_once() {
    let env = Env::new(Backend::Postgres).await;
    let one = env.spawn().await;
    let two = env.spawn().await;
    let mut c1 = one.agent().await;
    let mut c2 = two.agent().await;
    for n in 0..3 {
        create(&mut c1, &format!("早餐几点 breakfast {n}?")).await;
        create(&mut c2, &format!("停车场在哪 parking {n}?")).await;
    }
    let mut boss = analytics(&two).await;
    inquiries_reach(&mut boss, 6).await;
    one.stop().await;
    create(&mut c2, "wifi密码 the marker").await;
    inquiries_reach(&mut boss, 7).await;
    two.stop().await;
}

/// Polls the property's KPI total until it counts exactly `want` inquiries; a count that
/// passes `want` fails at once.
async fn inquiries_reach(a: &mut Analytics, want: i64) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs() as i64;
    let req = apb::GetKpiReportRequest {
        property_id: PROPERTY_A.into(),
        from_time: Some(prost_types::Timestamp {
            seconds: now - 3600,
            nanos: 0,
        }),
        to_time: Some(prost_types::Timestamp {
            seconds: now + 3600,
            nanos: 0,
        }),
        group_by: apb::GroupBy::Unspecified as i32,
    };
    let mut got = 0;
    for _ in 0..300 {
        got = a
            .get_kpi_report(req.clone())
            .await
            .expect("report")
            .into_inner()
            .total
            .expect("total")
            .inquiries;
        assert!(got <= want, "counted {got} inquiries, only {want} exist");
        if got == want {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the report never counted {want} inquiries (last {got})");
}

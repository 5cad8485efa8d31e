//! Issue 10 "Integration": an inquiry (intake) links to the guest lookups, messages and mail
//! items messaging recorded for it — the id on both sides, carried by messaging's events —
//! on SQLite and Postgres + Redis, through real gRPC.

// Scenarios read top to bottom, as staff would play them.
#![allow(clippy::too_many_lines)]

use frontdesk_platform::auth::Role;
use frontdesk_platform::client::Bearer;
use frontdesk_platform::error::violated_fields;
use frontdesk_proto::messaging::v1 as mpb;
use frontdesk_tests::intake_pb as pb;
use frontdesk_tests::{
    Backend, Client, Env, PROPERTY_A, PROPERTY_B, TestApp, create, new_inquiry, on_both_backends,
    token,
};
use mpb::messaging_service_client::MessagingServiceClient;
use std::time::Duration;
use tokio_stream::StreamExt;
use tonic::Code;
use tonic::Streaming;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

type Desk = MessagingServiceClient<InterceptedService<Channel, Bearer>>;

async fn desk(app: &TestApp, subject: &str, role: Role, props: &[&str]) -> Desk {
    let bearer = Bearer::new(&token(subject, role, props)).expect("ascii token");
    MessagingServiceClient::with_interceptor(app.channel().await, bearer)
}

/// An in-house guest of property A; returns the stay id.
async fn in_house(app: &TestApp, reservation: &str, zh: &str, en: &str, room: &str) -> String {
    let mut pms = desk(app, "pms", Role::Integration, &[PROPERTY_A]).await;
    pms.sync_stays(mpb::SyncStaysRequest {
        property_id: PROPERTY_A.into(),
        stays: vec![mpb::StayRecord {
            reservation_id: reservation.into(),
            guests: vec![mpb::Guest {
                name_zh: zh.into(),
                name_en: en.into(),
                ..Default::default()
            }],
            room: room.into(),
            status: mpb::StayStatus::InHouse as i32,
            privacy: mpb::PrivacyLevel::None as i32,
            ..Default::default()
        }],
    })
    .await
    .expect("sync")
    .into_inner()
    .results[0]
        .stay_id
        .clone()
}

fn message_for(stay_id: &str, inquiry_id: &str) -> mpb::LeaveMessageRequest {
    mpb::LeaveMessageRequest {
        property_id: PROPERTY_A.into(),
        stay_id: stay_id.into(),
        text: "请回电 Please call back".into(),
        from_name: "陈先生 Mr Chen".into(),
        from_contact: "+86 135 0000 1111".into(),
        taken_by: String::new(),
        idempotency_key: uuid::Uuid::new_v4().to_string(),
        inquiry_id: inquiry_id.into(),
    }
}

async fn watch(c: &mut Client) -> Streaming<pb::WatchInquiriesResponse> {
    c.watch_inquiries(pb::WatchInquiriesRequest::default())
        .await
        .expect("watch")
        .into_inner()
}

/// Waits for the next LINKED change of `inquiry_id` on the watch (routing's projection
/// updates and other inquiries' changes pass by).
async fn linked(
    stream: &mut Streaming<pb::WatchInquiriesResponse>,
    inquiry_id: &str,
) -> pb::WatchInquiriesResponse {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        let change = tokio::time::timeout_at(deadline, stream.next())
            .await
            .expect("a link within 15 s")
            .expect("stream open")
            .expect("no stream error");
        let id = change.inquiry.as_ref().map(|i| i.inquiry_id.as_str());
        if change.change == pb::ChangeType::Linked as i32 && id == Some(inquiry_id) {
            return change;
        }
    }
}

async fn get(c: &mut Client, id: &str) -> pb::GetInquiryResponse {
    c.get_inquiry(pb::GetInquiryRequest {
        inquiry_id: id.into(),
    })
    .await
    .expect("get inquiry")
    .into_inner()
}

fn kinds(links: &[pb::InquiryLink]) -> Vec<(pb::LinkKind, String)> {
    links
        .iter()
        .map(|l| {
            (
                pb::LinkKind::try_from(l.kind).unwrap_or_default(),
                l.target_id.clone(),
            )
        })
        .collect()
}

/// Issue 10: a caller asks for a guest and leaves word. The message taken for the inquiry
/// carries its id in messaging, and the inquiry lists the message — with a timeline line —
/// once intake has applied messaging's event. A lookup, a message for a visitor and a mail
/// item recorded for it link the same way, each exactly once.
async fn issue_10_a_message_left_for_an_inquiry_shows_on_the_inquiry(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut intake = app.agent().await;
    let mut clerk = desk(&app, "amy", Role::Agent, &[PROPERTY_A]).await;
    let stay = in_house(&app, "R-1", "王芳", "Wang Fang", "1201").await;
    let inquiry = create(
        &mut intake,
        "找王芳，请她回电 Please ask Wang Fang to call me",
    )
    .await;
    let id = inquiry.inquiry_id.clone();
    let mut changes = watch(&mut intake).await;

    let left = clerk
        .leave_message(message_for(&stay, &id))
        .await
        .expect("leave")
        .into_inner()
        .message
        .expect("message");
    assert_eq!(left.inquiry_id, id, "messaging keeps the inquiry id");
    let read = clerk
        .get_message(mpb::GetMessageRequest {
            message_id: left.message_id.clone(),
        })
        .await
        .expect("get message")
        .into_inner()
        .message
        .expect("message");
    assert_eq!(read.inquiry_id, id);

    let change = linked(&mut changes, &id).await;
    assert_eq!(change.actor, "amy", "the clerk who took the message");
    let shown = get(&mut intake, &id).await;
    assert_eq!(
        kinds(&shown.links),
        [(pb::LinkKind::Message, left.message_id.clone())]
    );
    assert_eq!(shown.links[0].actor, "amy");
    assert!(shown.links[0].linked_at.is_some());
    let line = shown
        .timeline
        .iter()
        .find(|t| t.change == pb::ChangeType::Linked as i32)
        .expect("a timeline entry for the link");
    assert!(
        line.detail.contains(&left.message_id) && line.detail.contains("message"),
        "{line:?}"
    );
    let version = shown.inquiry.expect("inquiry").version;
    assert!(
        version > inquiry.version,
        "a link is a change of the inquiry"
    );

    // A retry of the same LeaveMessage is the same message: nothing new to link.
    let mut retry = message_for(&stay, &id);
    retry.idempotency_key = "same-call".into();
    let first = clerk.leave_message(retry.clone()).await.expect("leave");
    let again = clerk
        .leave_message(retry)
        .await
        .expect("retry")
        .into_inner();
    assert!(!again.created);
    let retried = first.into_inner().message.expect("message").message_id;
    linked(&mut changes, &id).await;

    // The guest's message for a visitor, a lookup and a parcel, all for the same call.
    let for_visitor = clerk
        .leave_message_for_visitor(mpb::LeaveMessageForVisitorRequest {
            property_id: PROPERTY_A.into(),
            stay_id: stay.clone(),
            visitor_name: "陈先生".into(),
            text: "我在大堂等你 I'm waiting in the lobby".into(),
            taken_by: String::new(),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            inquiry_id: id.clone(),
        })
        .await
        .expect("leave for visitor")
        .into_inner()
        .message
        .expect("message");
    assert_eq!(for_visitor.inquiry_id, id);
    linked(&mut changes, &id).await;

    let parcel = clerk
        .register_mail_item(mpb::RegisterMailItemRequest {
            property_id: PROPERTY_A.into(),
            kind: mpb::MailKind::Parcel as i32,
            carrier: "SF".into(),
            tracking_number: "SF1001".into(),
            addressee_name: "王芳".into(),
            reservation_id: String::new(),
            sender: String::new(),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            inquiry_id: id.clone(),
        })
        .await
        .expect("register")
        .into_inner()
        .item
        .expect("item");
    assert_eq!(parcel.inquiry_id, id);
    linked(&mut changes, &id).await;
    // Its next change carries the inquiry too, and links nothing more.
    let called = clerk
        .record_mail_call(mpb::RecordMailCallRequest {
            item_id: parcel.item_id.clone(),
            reached: true,
            note: String::new(),
        })
        .await
        .expect("call")
        .into_inner()
        .item
        .expect("item");
    assert_eq!(called.inquiry_id, id, "GetMailItem and friends show it");

    let lookup = clerk
        .locate_guest(mpb::LocateGuestRequest {
            property_id: PROPERTY_A.into(),
            name: "Wang Fang".into(),
            reservation_id: String::new(),
            caller_kind: mpb::CallerKind::Outside as i32,
            inquiry_id: id.clone(),
        })
        .await
        .expect("locate")
        .into_inner();
    // The lookup comes after the mail call: once it is linked, the call's event was applied.
    linked(&mut changes, &id).await;
    let mut supervisor = desk(&app, "sue", Role::Supervisor, &[PROPERTY_A]).await;
    let log = supervisor
        .list_guest_lookups(mpb::ListGuestLookupsRequest {
            property_id: PROPERTY_A.into(),
            page_size: 10,
            page_token: String::new(),
        })
        .await
        .expect("access log")
        .into_inner();
    let logged = log
        .lookups
        .iter()
        .find(|l| l.lookup_id == lookup.lookup_id)
        .expect("logged");
    assert_eq!(logged.inquiry_id, id);

    let shown = get(&mut intake, &id).await;
    assert_eq!(
        kinds(&shown.links),
        [
            (pb::LinkKind::Message, left.message_id),
            (pb::LinkKind::Message, retried),
            (pb::LinkKind::MessageForVisitor, for_visitor.message_id),
            (pb::LinkKind::MailItem, parcel.item_id),
            (pb::LinkKind::GuestLookup, lookup.lookup_id),
        ],
        "each fact linked once, oldest first"
    );
    let lines = shown
        .timeline
        .iter()
        .filter(|t| t.change == pb::ChangeType::Linked as i32)
        .count();
    assert_eq!(lines, 5, "a timeline line per link");
}

/// An inquiry id that is not one (intake's ids are UUIDs) is INVALID_ARGUMENT naming
/// `inquiry_id`, on every request that takes one; nothing is recorded.
async fn issue_10_a_malformed_inquiry_id_is_invalid_argument(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut clerk = desk(&app, "amy", Role::Agent, &[PROPERTY_A]).await;
    let stay = in_house(&app, "R-1", "王芳", "Wang Fang", "1201").await;
    for bad in ["INQ-42", "问询一号", "0192f0c4-5b7e-7a3c-9d2e"] {
        let errors = [
            clerk
                .leave_message(message_for(&stay, bad))
                .await
                .expect_err("message"),
            clerk
                .leave_message_for_visitor(mpb::LeaveMessageForVisitorRequest {
                    property_id: PROPERTY_A.into(),
                    stay_id: stay.clone(),
                    visitor_name: "陈先生".into(),
                    text: "大堂见 See you in the lobby".into(),
                    taken_by: String::new(),
                    idempotency_key: uuid::Uuid::new_v4().to_string(),
                    inquiry_id: bad.into(),
                })
                .await
                .expect_err("message for a visitor"),
            clerk
                .register_mail_item(mpb::RegisterMailItemRequest {
                    property_id: PROPERTY_A.into(),
                    kind: mpb::MailKind::Letter as i32,
                    addressee_name: "王芳".into(),
                    idempotency_key: uuid::Uuid::new_v4().to_string(),
                    inquiry_id: bad.into(),
                    ..Default::default()
                })
                .await
                .expect_err("mail"),
            clerk
                .locate_guest(mpb::LocateGuestRequest {
                    property_id: PROPERTY_A.into(),
                    name: "王芳".into(),
                    caller_kind: mpb::CallerKind::Outside as i32,
                    inquiry_id: bad.into(),
                    ..Default::default()
                })
                .await
                .expect_err("lookup"),
        ];
        for e in errors {
            assert_eq!(e.code(), Code::InvalidArgument, "{bad}: {e:?}");
            assert_eq!(violated_fields(&e), ["inquiry_id"], "{bad}");
        }
    }
    let mut supervisor = desk(&app, "sue", Role::Supervisor, &[PROPERTY_A]).await;
    let log = supervisor
        .list_guest_lookups(mpb::ListGuestLookupsRequest {
            property_id: PROPERTY_A.into(),
            page_size: 10,
            page_token: String::new(),
        })
        .await
        .expect("access log")
        .into_inner();
    assert!(log.lookups.is_empty(), "a refused lookup is not made");
}

/// A clerk of property A naming property B's inquiry (or an id intake never gave) links
/// nothing: intake records no link and no timeline line, and the stream goes on — a later
/// link of A's own inquiry arrives after them.
async fn issue_10_an_inquiry_of_another_property_is_never_linked(backend: Backend) {
    let env = Env::new(backend).await;
    let app = env.spawn().await;
    let mut intake_a = app.agent().await;
    let mut intake_b = app.client_as("bob", Role::Agent, &[PROPERTY_B]).await;
    let mut clerk = desk(&app, "amy", Role::Agent, &[PROPERTY_A]).await;
    let stay = in_house(&app, "R-1", "王芳", "Wang Fang", "1201").await;
    let mut other = new_inquiry("找王芳 Looking for Wang Fang");
    other.property_id = PROPERTY_B.into();
    let theirs = intake_b
        .create_inquiry(other)
        .await
        .expect("create in B")
        .into_inner()
        .inquiry
        .expect("inquiry");
    let ours = create(&mut intake_a, "找王芳，请她回电 Ask Wang Fang to call me").await;
    let mut changes = watch(&mut intake_a).await;

    let stray = clerk
        .leave_message(message_for(&stay, &theirs.inquiry_id))
        .await
        .expect("messaging cannot tell: it takes the message")
        .into_inner()
        .message
        .expect("message");
    let unknown = uuid::Uuid::now_v7().to_string();
    clerk
        .register_mail_item(mpb::RegisterMailItemRequest {
            property_id: PROPERTY_A.into(),
            kind: mpb::MailKind::Letter as i32,
            addressee_name: "王芳".into(),
            idempotency_key: uuid::Uuid::new_v4().to_string(),
            inquiry_id: unknown.clone(),
            ..Default::default()
        })
        .await
        .expect("register");
    // The marker: messaging's events reach intake in order, so once this link is there the
    // two before it were applied.
    let marker = clerk
        .leave_message(message_for(&stay, &ours.inquiry_id))
        .await
        .expect("leave")
        .into_inner()
        .message
        .expect("message");
    linked(&mut changes, &ours.inquiry_id).await;

    let shown = get(&mut intake_a, &ours.inquiry_id).await;
    assert_eq!(
        kinds(&shown.links),
        [(pb::LinkKind::Message, marker.message_id)]
    );
    let theirs_now = get(&mut intake_b, &theirs.inquiry_id).await;
    assert!(theirs_now.links.is_empty(), "{:?}", theirs_now.links);
    assert!(
        !theirs_now
            .timeline
            .iter()
            .any(|t| t.change == pb::ChangeType::Linked as i32
                || t.detail.contains(&stray.message_id)),
        "nothing of property A's message on B's inquiry: {:?}",
        theirs_now.timeline
    );
    let err = intake_a
        .get_inquiry(pb::GetInquiryRequest {
            inquiry_id: unknown,
        })
        .await
        .expect_err("never made");
    assert_eq!(err.code(), Code::NotFound);
}

on_both_backends!(
    issue_10_a_message_left_for_an_inquiry_shows_on_the_inquiry,
    issue_10_a_malformed_inquiry_id_is_invalid_argument,
    issue_10_an_inquiry_of_another_property_is_never_linked,
);

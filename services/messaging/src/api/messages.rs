//! Messages for and from guests, their copies, and the lamps (MD-3).

use super::validate::{MAX_NAME, MAX_TEXT, check, id, idempotency, optional_uuid, text};
use super::{MessagingApi, Res, WatchLampsStream, convert, err, ok, property};
use crate::commands::messages::NewMessage;
use crate::events;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_proto::messaging::v1 as pb;
use prost::Message;
use tonic::Request;

pub(super) async fn leave_message(
    api: &MessagingApi,
    req: Request<pb::LeaveMessageRequest>,
) -> Res<pb::LeaveMessageResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let stay_id = id("stay_id", &r.stay_id, &mut v);
    let body = text("text", &r.text, MAX_TEXT, true, &mut v);
    let from_name = text("from_name", &r.from_name, MAX_NAME, true, &mut v);
    let from_contact = text("from_contact", &r.from_contact, MAX_NAME, false, &mut v);
    let taken_by = text("taken_by", &r.taken_by, MAX_NAME, false, &mut v);
    let inquiry_id = optional_uuid("inquiry_id", &r.inquiry_id, &mut v);
    let idem = idempotency(
        format!("{prop}/LeaveMessage"),
        &r.idempotency_key,
        &r,
        |m| m.idempotency_key.clear(),
        &mut v,
    );
    check(v).map_err(err)?;
    let m = NewMessage {
        property_id: prop,
        stay_id,
        direction: pb::MessageDirection::ForGuest,
        text: body,
        from_name,
        from_contact,
        visitor_name: String::new(),
        taken_by: if taken_by.is_empty() {
            caller.subject.clone()
        } else {
            taken_by
        },
        inquiry_id,
    };
    let (view, created) = api
        .desk
        .leave_message(&caller, m, idem)
        .await
        .map_err(err)?;
    ok(pb::LeaveMessageResponse {
        lamp_on: view.stay.lamp_on,
        message: Some(convert::message(&view)),
        created,
    })
}

pub(super) async fn complete_delivery_task(
    api: &MessagingApi,
    req: Request<pb::CompleteDeliveryTaskRequest>,
) -> Res<pb::CompleteDeliveryTaskResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let tid = id("task_id", &req.get_ref().task_id, &mut v);
    check(v).map_err(err)?;
    let t = api.desk.complete_task(&caller, &tid).await.map_err(err)?;
    ok(pb::CompleteDeliveryTaskResponse {
        task: Some(convert::task(&t)),
    })
}

pub(super) async fn mark_message_read(
    api: &MessagingApi,
    req: Request<pb::MarkMessageReadRequest>,
) -> Res<pb::MarkMessageReadResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let mid = id("message_id", &req.get_ref().message_id, &mut v);
    check(v).map_err(err)?;
    let view = api.desk.mark_read(&caller, &mid).await.map_err(err)?;
    ok(pb::MarkMessageReadResponse {
        lamp_on: view.stay.lamp_on,
        message: Some(convert::message(&view)),
    })
}

pub(super) async fn leave_message_for_visitor(
    api: &MessagingApi,
    req: Request<pb::LeaveMessageForVisitorRequest>,
) -> Res<pb::LeaveMessageForVisitorResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let stay_id = id("stay_id", &r.stay_id, &mut v);
    let visitor = text("visitor_name", &r.visitor_name, MAX_NAME, true, &mut v);
    let body = text("text", &r.text, MAX_TEXT, true, &mut v);
    let taken_by = text("taken_by", &r.taken_by, MAX_NAME, false, &mut v);
    let inquiry_id = optional_uuid("inquiry_id", &r.inquiry_id, &mut v);
    let idem = idempotency(
        format!("{prop}/LeaveMessageForVisitor"),
        &r.idempotency_key,
        &r,
        |m| m.idempotency_key.clear(),
        &mut v,
    );
    check(v).map_err(err)?;
    let m = NewMessage {
        property_id: prop,
        stay_id,
        direction: pb::MessageDirection::ForVisitor,
        text: body,
        from_name: String::new(),
        from_contact: String::new(),
        visitor_name: visitor,
        taken_by: if taken_by.is_empty() {
            caller.subject.clone()
        } else {
            taken_by
        },
        inquiry_id,
    };
    let (view, created) = api
        .desk
        .leave_message(&caller, m, idem)
        .await
        .map_err(err)?;
    ok(pb::LeaveMessageForVisitorResponse {
        message: Some(convert::message(&view)),
        created,
    })
}

pub(super) async fn collect_visitor_message(
    api: &MessagingApi,
    req: Request<pb::CollectVisitorMessageRequest>,
) -> Res<pb::CollectVisitorMessageResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let mid = id("message_id", &r.message_id, &mut v);
    let name = text("visitor_name", &r.visitor_name, MAX_NAME, true, &mut v);
    let checked = text(
        "identity_checked",
        &r.identity_checked,
        MAX_NAME,
        true,
        &mut v,
    );
    check(v).map_err(err)?;
    let view = api
        .desk
        .collect(&caller, &mid, &name, &checked)
        .await
        .map_err(err)?;
    ok(pb::CollectVisitorMessageResponse {
        message: Some(convert::message(&view)),
    })
}

pub(super) async fn get_message(
    api: &MessagingApi,
    req: Request<pb::GetMessageRequest>,
) -> Res<pb::GetMessageResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let mid = id("message_id", &req.get_ref().message_id, &mut v);
    check(v).map_err(err)?;
    let view = api.desk.get_message(&caller, &mid).await.map_err(err)?;
    ok(pb::GetMessageResponse {
        message: Some(convert::message(&view)),
    })
}

pub(super) async fn list_lit_lamps(
    api: &MessagingApi,
    req: Request<pb::ListLitLampsRequest>,
) -> Res<pb::ListLitLampsResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let size = page_size(r.page_size, &mut v);
    let after = paging::read_token(&r.page_token, &mut v).unwrap_or_default();
    check(v).map_err(err)?;
    let rows = api
        .desk
        .lit_lamps(&prop, &after, size + 1)
        .await
        .map_err(err)?;
    let (rows, next) = paging::page(rows, size, |(room, _, _)| room.clone());
    ok(pb::ListLitLampsResponse {
        lamps: rows
            .into_iter()
            .map(|(room, stay_id, n)| pb::LitLamp {
                room,
                stay_id,
                waiting_messages: n as i32,
            })
            .collect(),
        next_page_token: next,
    })
}

pub(super) async fn watch_lamps(
    api: &MessagingApi,
    req: Request<pb::WatchLampsRequest>,
) -> Res<WatchLampsStream> {
    let caller = Caller::from_request(&req)?;
    let slot = frontdesk_platform::limits::stream_slot(&req, &caller)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    check(v).map_err(err)?;
    // An empty cursor streams from the beginning: a switch adapter starting fresh needs
    // every lamp's state.
    let after =
        frontdesk_platform::watch::start_after(api.desk.db(), &r.cursor, true, "WatchLamps")
            .await?;
    let wake = api.desk.fanout().subscribe();
    let send_caught_up = r.send_caught_up;
    let stream = frontdesk_platform::watch::stream(
        api.desk.db().clone(),
        wake,
        Some(vec![prop]),
        after,
        api.shutdown.clone(),
        slot,
        |e| {
            if e.event_type != events::LAMP_CHANGED {
                return None;
            }
            let l = pb::LampChanged::decode(e.payload.as_slice()).ok()?;
            Some(pb::WatchLampsResponse {
                cursor: e.sequence.to_string(),
                room: l.room,
                on: l.on,
                stay_id: l.stay_id,
                occurred_at: Some(frontdesk_platform::time::to_timestamp(e.occurred_at)),
                caught_up: false,
            })
        },
        move |cursor| {
            send_caught_up.then(|| pb::WatchLampsResponse {
                cursor: cursor.to_string(),
                caught_up: true,
                ..Default::default()
            })
        },
    );
    ok(stream)
}

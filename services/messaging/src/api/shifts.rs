//! Desk shifts and the handover log (MD-4.2).

use super::validate::{self, MAX_NAME, MAX_TEXT, check, id, text};
use super::{MessagingApi, Res, convert, err, ok, property};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_proto::messaging::v1 as pb;
use tonic::Request;

pub(super) async fn open_shift(
    api: &MessagingApi,
    req: Request<pb::OpenShiftRequest>,
) -> Res<pb::OpenShiftResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let desk = text("desk", &r.desk, validate::MAX_ID, true, &mut v);
    check(v).map_err(err)?;
    let (shift, pending) = api
        .desk
        .open_shift(&caller, &prop, &desk)
        .await
        .map_err(err)?;
    ok(pb::OpenShiftResponse {
        shift: Some(convert::shift(&shift)),
        pending_handover: pending
            .as_ref()
            .map(convert::handover)
            .transpose()
            .map_err(err)?,
    })
}

pub(super) async fn close_shift(
    api: &MessagingApi,
    req: Request<pb::CloseShiftRequest>,
) -> Res<pb::CloseShiftResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let sid = id("shift_id", &r.shift_id, &mut v);
    let notes = text("notes", &r.notes, MAX_TEXT, false, &mut v);
    let mut calls = Vec::new();
    for (i, c) in r.calls_to_return.iter().enumerate() {
        calls.push(text(
            &format!("calls_to_return[{i}]"),
            c,
            MAX_NAME,
            true,
            &mut v,
        ));
    }
    check(v).map_err(err)?;
    let (shift, h) = api
        .desk
        .close_shift(&caller, &sid, &notes, calls)
        .await
        .map_err(err)?;
    ok(pb::CloseShiftResponse {
        shift: Some(convert::shift(&shift)),
        handover: Some(convert::handover(&h).map_err(err)?),
    })
}

pub(super) async fn acknowledge_handover(
    api: &MessagingApi,
    req: Request<pb::AcknowledgeHandoverRequest>,
) -> Res<pb::AcknowledgeHandoverResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let hid = id("handover_id", &req.get_ref().handover_id, &mut v);
    check(v).map_err(err)?;
    let h = api
        .desk
        .acknowledge_handover(&caller, &hid)
        .await
        .map_err(err)?;
    ok(pb::AcknowledgeHandoverResponse {
        handover: Some(convert::handover(&h).map_err(err)?),
    })
}

pub(super) async fn get_handover(
    api: &MessagingApi,
    req: Request<pb::GetHandoverRequest>,
) -> Res<pb::GetHandoverResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let hid = id("handover_id", &req.get_ref().handover_id, &mut v);
    check(v).map_err(err)?;
    let h = api.desk.get_handover(&caller, &hid).await.map_err(err)?;
    ok(pb::GetHandoverResponse {
        handover: Some(convert::handover(&h).map_err(err)?),
    })
}

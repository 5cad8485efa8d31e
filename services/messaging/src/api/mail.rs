//! Mail and parcels (MD-4.1, MD-4.3) and guests' outgoing post (MD-4.4).

use super::validate::{self, MAX_NAME, MAX_TEXT, check, id, idempotency, required_enum, text};
use super::{MAX_SIGNATURE_BYTES, MessagingApi, Res, convert, err, ok, property};
use crate::commands::mail::{NewMailItem, Signed};
use crate::commands::outgoing::NewPost;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_proto::messaging::v1 as pb;
use tonic::{Request, Status};

pub(super) async fn register_mail_item(
    api: &MessagingApi,
    req: Request<pb::RegisterMailItemRequest>,
) -> Res<pb::RegisterMailItemResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let kind: pb::MailKind = required_enum("kind", r.kind, &mut v);
    let carrier = text("carrier", &r.carrier, MAX_NAME, false, &mut v);
    let tracking = text("tracking_number", &r.tracking_number, 64, false, &mut v);
    let addressee = text("addressee_name", &r.addressee_name, MAX_NAME, true, &mut v);
    let res = text(
        "reservation_id",
        &r.reservation_id,
        validate::MAX_ID,
        false,
        &mut v,
    );
    let sender = text("sender", &r.sender, MAX_TEXT, false, &mut v);
    let inquiry_id = validate::optional_uuid("inquiry_id", &r.inquiry_id, &mut v);
    let idem = idempotency(
        format!("{prop}/RegisterMailItem"),
        &r.idempotency_key,
        &r,
        |m| m.idempotency_key.clear(),
        &mut v,
    );
    check(v).map_err(err)?;
    let n = NewMailItem {
        property_id: prop,
        kind,
        carrier,
        tracking_number: tracking,
        addressee_name: addressee,
        reservation_id: res,
        sender,
        inquiry_id,
    };
    let (view, created) = api
        .desk
        .register_mail(&caller, n, idem)
        .await
        .map_err(err)?;
    ok(pb::RegisterMailItemResponse {
        item: Some(convert::mail(&view)),
        created,
    })
}

pub(super) async fn record_mail_call(
    api: &MessagingApi,
    req: Request<pb::RecordMailCallRequest>,
) -> Res<pb::RecordMailCallResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let iid = id("item_id", &r.item_id, &mut v);
    let note = text("note", &r.note, MAX_TEXT, false, &mut v);
    check(v).map_err(err)?;
    let view = api
        .desk
        .record_call(&caller, &iid, r.reached, &note)
        .await
        .map_err(err)?;
    ok(pb::RecordMailCallResponse {
        item: Some(convert::mail(&view)),
    })
}

pub(super) async fn deliver_mail_item(
    api: &MessagingApi,
    req: Request<pb::DeliverMailItemRequest>,
) -> Res<pb::DeliverMailItemResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let iid = id("item_id", &r.item_id, &mut v);
    let by = text("handed_over_by", &r.handed_over_by, MAX_NAME, false, &mut v);
    let sig = match &r.signature {
        None => {
            v.add(
                "signature",
                "the recipient's signature is required (MD-4.3)",
            );
            None
        }
        Some(s) => {
            let name = text(
                "signature.recipient_name",
                &s.recipient_name,
                MAX_NAME,
                true,
                &mut v,
            );
            let pin = s.pin.trim().to_string();
            if s.image.is_empty() && pin.is_empty() {
                v.add("signature", "a signature image or a PIN is required");
            }
            if s.image.len() > MAX_SIGNATURE_BYTES {
                v.add(
                    "signature.image",
                    format!("at most {MAX_SIGNATURE_BYTES} bytes"),
                );
            }
            if !pin.is_empty()
                && (!(4..=12).contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()))
            {
                v.add("signature.pin", "4 to 12 digits");
            }
            Some(Signed {
                recipient_name: name,
                image: (!s.image.is_empty()).then(|| s.image.clone()),
                pin,
            })
        }
    };
    check(v).map_err(err)?;
    let sig = sig.ok_or_else(|| Status::internal("signature checked above"))?;
    let by = if by.is_empty() {
        caller.subject.clone()
    } else {
        by
    };
    let view = api
        .desk
        .deliver(&caller, &iid, sig, &by)
        .await
        .map_err(err)?;
    ok(pb::DeliverMailItemResponse {
        item: Some(convert::mail(&view)),
    })
}

pub(super) async fn forward_mail_item(
    api: &MessagingApi,
    req: Request<pb::ForwardMailItemRequest>,
) -> Res<pb::ForwardMailItemResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let iid = id("item_id", &r.item_id, &mut v);
    let address = text("address", &r.address, MAX_TEXT, false, &mut v);
    check(v).map_err(err)?;
    let view = api
        .desk
        .forward(&caller, &iid, &address)
        .await
        .map_err(err)?;
    ok(pb::ForwardMailItemResponse {
        item: Some(convert::mail(&view)),
    })
}

pub(super) async fn return_mail_item(
    api: &MessagingApi,
    req: Request<pb::ReturnMailItemRequest>,
) -> Res<pb::ReturnMailItemResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let iid = id("item_id", &r.item_id, &mut v);
    let reason = text("reason", &r.reason, MAX_TEXT, true, &mut v);
    check(v).map_err(err)?;
    let view = api
        .desk
        .return_to_sender(&caller, &iid, &reason)
        .await
        .map_err(err)?;
    ok(pb::ReturnMailItemResponse {
        item: Some(convert::mail(&view)),
    })
}

pub(super) async fn get_mail_item(
    api: &MessagingApi,
    req: Request<pb::GetMailItemRequest>,
) -> Res<pb::GetMailItemResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let iid = id("item_id", &req.get_ref().item_id, &mut v);
    check(v).map_err(err)?;
    let view = api.desk.get_mail(&caller, &iid).await.map_err(err)?;
    ok(pb::GetMailItemResponse {
        item: Some(convert::mail(&view)),
    })
}

pub(super) async fn list_mail_items(
    api: &MessagingApi,
    req: Request<pb::ListMailItemsRequest>,
) -> Res<pb::ListMailItemsResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let mut statuses = Vec::new();
    for (i, s) in r.statuses.iter().enumerate() {
        statuses.push(required_enum::<pb::MailStatus>(
            &format!("statuses[{i}]"),
            *s,
            &mut v,
        ));
    }
    let size = page_size(r.page_size, &mut v);
    let after = paging::read_position(&r.page_token, &mut v);
    check(v).map_err(err)?;
    let rows = api
        .desk
        .list_mail(&prop, &statuses, after, size + 1)
        .await
        .map_err(err)?;
    let (rows, next) = paging::page(rows, size, |m| {
        paging::position_key(m.item.registered_at, &m.item.item_id)
    });
    ok(pb::ListMailItemsResponse {
        items: rows.iter().map(convert::mail).collect(),
        next_page_token: next,
    })
}

pub(super) async fn register_outgoing_post(
    api: &MessagingApi,
    req: Request<pb::RegisterOutgoingPostRequest>,
) -> Res<pb::RegisterOutgoingPostResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let stay_id = id("stay_id", &r.stay_id, &mut v);
    let kind: pb::MailKind = required_enum("kind", r.kind, &mut v);
    let destination = text("destination", &r.destination, MAX_TEXT, true, &mut v);
    let carrier = text("carrier", &r.carrier, MAX_NAME, false, &mut v);
    if r.postage_minor < 0 {
        v.add("postage_minor", "must not be negative");
    }
    let currency = r.currency.trim().to_string();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_uppercase()) {
        v.add("currency", "an ISO 4217 code such as CNY");
    }
    let payment: pb::PostagePayment = required_enum("payment", r.payment, &mut v);
    let idem = idempotency(
        format!("{prop}/RegisterOutgoingPost"),
        &r.idempotency_key,
        &r,
        |m| m.idempotency_key.clear(),
        &mut v,
    );
    check(v).map_err(err)?;
    let n = NewPost {
        property_id: prop,
        stay_id,
        kind,
        destination,
        carrier,
        postage_minor: r.postage_minor,
        currency,
        payment,
    };
    let (post, created) = api
        .desk
        .register_post(&caller, n, idem)
        .await
        .map_err(err)?;
    ok(pb::RegisterOutgoingPostResponse {
        post: Some(convert::post(&post)),
        created,
    })
}

pub(super) async fn list_outgoing_post(
    api: &MessagingApi,
    req: Request<pb::ListOutgoingPostRequest>,
) -> Res<pb::ListOutgoingPostResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let size = page_size(r.page_size, &mut v);
    let after = paging::read_position(&r.page_token, &mut v);
    check(v).map_err(err)?;
    let rows = api
        .desk
        .list_post(&prop, after, size + 1)
        .await
        .map_err(err)?;
    let (rows, next) = paging::page(rows, size, |p| {
        paging::position_key(p.registered_at, &p.post_id)
    });
    ok(pb::ListOutgoingPostResponse {
        posts: rows.iter().map(convert::post).collect(),
        next_page_token: next,
    })
}

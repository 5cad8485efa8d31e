//! gRPC handlers: authenticate, decode and validate, call the use case, encode. No rules
//! live here; errors map to gRPC through the platform's one `From<ServiceError> for Status`.

pub mod convert;
pub mod validate;

use crate::commands::mail::{NewMailItem, Signed};
use crate::commands::messages::NewMessage;
use crate::commands::outgoing::NewPost;
use crate::commands::stays::StayInput;
use crate::commands::{Error, Messaging};
use crate::events;
use frontdesk_platform::auth::{Caller, Role};
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_proto::messaging::v1::{self as pb, messaging_service_server::MessagingService};
use prost::Message;
use tokio_stream::wrappers::ReceiverStream;
use tonic::{Request, Response, Status};
use validate::{MAX_NAME, MAX_TEXT, check, id, idempotency, required_enum, text, timestamp};

pub const MAX_SYNC: usize = 2_000;
pub const MAX_SIGNATURE_BYTES: usize = 256 * 1024;

const SYNC: &[Role] = &[Role::Manager, Role::Integration];
const PMS: &[Role] = &[
    Role::Agent,
    Role::Supervisor,
    Role::Manager,
    Role::Integration,
];
const READ_STAY: &[Role] = &[
    Role::Agent,
    Role::Supervisor,
    Role::Manager,
    Role::Integration,
    Role::Service,
];
const LOOKUP_OUTSIDE: &[Role] = &[
    Role::Agent,
    Role::Supervisor,
    Role::Manager,
    Role::Integration,
];
const LOOKUP_STAFF: &[Role] = &[Role::Agent, Role::Supervisor, Role::Manager];
const AUDIT: &[Role] = &[Role::Supervisor, Role::Manager];
const DESK: &[Role] = &[Role::Agent, Role::Supervisor, Role::Manager];
const MARK_READ: &[Role] = &[
    Role::Agent,
    Role::Supervisor,
    Role::Manager,
    Role::Integration,
];
const READ: &[Role] = &[Role::Agent, Role::Supervisor, Role::Manager, Role::Service];
const LAMPS: &[Role] = &[
    Role::Agent,
    Role::Supervisor,
    Role::Manager,
    Role::Integration,
    Role::Service,
];

pub struct MessagingApi {
    desk: Messaging,
    shutdown: Shutdown,
}

impl MessagingApi {
    pub fn new(desk: Messaging, shutdown: Shutdown) -> Self {
        MessagingApi { desk, shutdown }
    }
}

type Res<T> = Result<Response<T>, Status>;

fn ok<T>(t: T) -> Res<T> {
    Ok(Response::new(t))
}

/// Who is calling, allowed by role, and (when a property is named) by property.
fn authorise<T>(req: &Request<T>, roles: &[Role]) -> Result<Caller, Status> {
    let caller = Caller::from_request(req)?;
    caller.require_role(roles)?;
    Ok(caller)
}

fn property(caller: &Caller, field_value: &str, v: &mut Violations) -> Result<String, Status> {
    let p = id("property_id", field_value, v);
    if !p.is_empty() {
        caller.require_access(&p)?;
    }
    Ok(p)
}

fn err(e: Error) -> Status {
    e.into()
}

fn stay_record(i: usize, r: &pb::StayRecord, v: &mut Violations) -> StayInput {
    let f = |name: &str| format!("stays[{i}].{name}");
    id(&f("reservation_id"), &r.reservation_id, v);
    let status: pb::StayStatus = required_enum(&f("status"), r.status, v);
    let privacy: pb::PrivacyLevel = required_enum(&f("privacy"), r.privacy, v);
    if r.guests.is_empty() {
        v.add(f("guests"), "at least one guest");
    }
    for (g, guest) in r.guests.iter().enumerate() {
        let gf = |name: &str| format!("stays[{i}].guests[{g}].{name}");
        if guest.name_zh.trim().is_empty() && guest.name_en.trim().is_empty() {
            v.add(gf("name_zh"), "a Chinese or an English name is required");
        }
        text(&gf("name_zh"), &guest.name_zh, MAX_NAME, false, v);
        text(&gf("name_en"), &guest.name_en, MAX_NAME, false, v);
        text(&gf("phone"), &guest.phone, 40, false, v);
        if !guest.email.is_empty() && !guest.email.contains('@') {
            v.add(gf("email"), "not an e-mail address");
        }
    }
    let room = text(&f("room"), &r.room, 16, false, v);
    if room.is_empty() && matches!(status, pb::StayStatus::InHouse | pb::StayStatus::Departed) {
        v.add(f("room"), "required for an in-house or departed stay");
    }
    text(
        &f("forwarding_address"),
        &r.forwarding_address,
        MAX_TEXT,
        false,
        v,
    );
    let arrival = timestamp(&f("arrival"), r.arrival.as_ref(), v);
    let departure = timestamp(&f("departure"), r.departure.as_ref(), v);
    if let (Some(a), Some(d)) = (arrival, departure)
        && d < a
    {
        v.add(f("departure"), "before the arrival");
    }
    let forwarding_until = timestamp(&f("forwarding_until"), r.forwarding_until.as_ref(), v);
    let mut record = r.clone();
    record.reservation_id = r.reservation_id.trim().to_string();
    StayInput {
        record,
        arrival,
        departure,
        forwarding_until,
        status,
        privacy,
    }
}

#[tonic::async_trait]
impl MessagingService for MessagingApi {
    async fn sync_stays(&self, req: Request<pb::SyncStaysRequest>) -> Res<pb::SyncStaysResponse> {
        let caller = authorise(&req, SYNC)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        if r.stays.is_empty() {
            v.add("stays", "at least one stay");
        } else if r.stays.len() > MAX_SYNC {
            v.add(
                "stays",
                format!("at most {MAX_SYNC} stays per call: send several calls"),
            );
        }
        let mut seen = std::collections::HashSet::new();
        let mut input = Vec::with_capacity(r.stays.len());
        for (i, s) in r.stays.iter().enumerate() {
            let rec = stay_record(i, s, &mut v);
            if !rec.record.reservation_id.is_empty()
                && !seen.insert(rec.record.reservation_id.clone())
            {
                v.add(
                    format!("stays[{i}].reservation_id"),
                    "appears twice in this call",
                );
            }
            input.push(rec);
        }
        check(v).map_err(err)?;
        let results = self
            .desk
            .sync_stays(&caller, &prop, input)
            .await
            .map_err(err)?;
        let count =
            |o: pb::SyncOutcome| results.iter().filter(|r| r.outcome == o as i32).count() as i32;
        ok(pb::SyncStaysResponse {
            created: count(pb::SyncOutcome::Created),
            updated: count(pb::SyncOutcome::Updated),
            unchanged: count(pb::SyncOutcome::Unchanged),
            results,
        })
    }

    async fn check_in(&self, req: Request<pb::CheckInRequest>) -> Res<pb::CheckInResponse> {
        let caller = authorise(&req, PMS)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let res = id("reservation_id", &r.reservation_id, &mut v);
        let room = text("room", &r.room, 16, false, &mut v);
        check(v).map_err(err)?;
        let s = self
            .desk
            .check_in(&caller, &prop, &res, &room)
            .await
            .map_err(err)?;
        ok(pb::CheckInResponse {
            stay: Some(convert::stay(&s)),
        })
    }

    async fn check_out(&self, req: Request<pb::CheckOutRequest>) -> Res<pb::CheckOutResponse> {
        let caller = authorise(&req, PMS)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let res = id("reservation_id", &r.reservation_id, &mut v);
        check(v).map_err(err)?;
        let s = self
            .desk
            .check_out(&caller, &prop, &res)
            .await
            .map_err(err)?;
        ok(pb::CheckOutResponse {
            stay: Some(convert::stay(&s)),
        })
    }

    async fn room_move(&self, req: Request<pb::RoomMoveRequest>) -> Res<pb::RoomMoveResponse> {
        let caller = authorise(&req, PMS)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let res = id("reservation_id", &r.reservation_id, &mut v);
        let room = text("new_room", &r.new_room, 16, true, &mut v);
        check(v).map_err(err)?;
        let s = self
            .desk
            .room_move(&caller, &prop, &res, &room)
            .await
            .map_err(err)?;
        ok(pb::RoomMoveResponse {
            stay: Some(convert::stay(&s)),
        })
    }

    async fn cancel_stay(
        &self,
        req: Request<pb::CancelStayRequest>,
    ) -> Res<pb::CancelStayResponse> {
        let caller = authorise(&req, PMS)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let res = id("reservation_id", &r.reservation_id, &mut v);
        let reason: pb::CancelReason = required_enum("reason", r.reason, &mut v);
        check(v).map_err(err)?;
        let to = if reason == pb::CancelReason::NoShow {
            pb::StayStatus::NoShow
        } else {
            pb::StayStatus::Cancelled
        };
        let s = self
            .desk
            .cancel(&caller, &prop, &res, to)
            .await
            .map_err(err)?;
        ok(pb::CancelStayResponse {
            stay: Some(convert::stay(&s)),
        })
    }

    async fn get_stay(&self, req: Request<pb::GetStayRequest>) -> Res<pb::GetStayResponse> {
        let caller = authorise(&req, READ_STAY)?;
        let mut v = Violations::new();
        let sid = id("stay_id", &req.get_ref().stay_id, &mut v);
        check(v).map_err(err)?;
        let s = self.desk.get_stay(&caller, &sid).await.map_err(err)?;
        ok(pb::GetStayResponse {
            stay: Some(convert::stay(&s)),
        })
    }

    async fn locate_guest(
        &self,
        req: Request<pb::LocateGuestRequest>,
    ) -> Res<pb::LocateGuestResponse> {
        let caller = authorise(&req, LOOKUP_OUTSIDE)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let kind: pb::CallerKind = required_enum("caller_kind", r.caller_kind, &mut v);
        let name = text("name", &r.name, MAX_NAME, false, &mut v);
        let res = text(
            "reservation_id",
            &r.reservation_id,
            validate::MAX_ID,
            false,
            &mut v,
        );
        if name.is_empty() && res.is_empty() {
            v.add("name", "a name or a reservation_id is required");
        }
        check(v).map_err(err)?;
        if kind == pb::CallerKind::Staff {
            caller.require_role(LOOKUP_STAFF)?;
        }
        let found = self
            .desk
            .locate(&caller, &prop, &name, &res, kind)
            .await
            .map_err(err)?;
        let (zh, en) = crate::domain::privacy::script(found.disclosure);
        ok(pb::LocateGuestResponse {
            lookup_id: found.lookup_id,
            disclosure: found.disclosure as i32,
            script_zh: zh.to_string(),
            script_en: en.to_string(),
            matches: found
                .matches
                .iter()
                .map(|s| pb::GuestMatch {
                    stay_id: s.stay_id.clone(),
                    guests: s.guests.clone(),
                    room: s.room.clone(),
                    status: s.status as i32,
                    privacy: s.privacy as i32,
                    vip: s.vip,
                })
                .collect(),
        })
    }

    async fn list_guest_lookups(
        &self,
        req: Request<pb::ListGuestLookupsRequest>,
    ) -> Res<pb::ListGuestLookupsResponse> {
        let caller = authorise(&req, AUDIT)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let size = page_size(r.page_size, &mut v);
        let after = paging::read_position(&r.page_token, &mut v);
        check(v).map_err(err)?;
        let rows = self
            .desk
            .list_lookups(&prop, after, size + 1)
            .await
            .map_err(err)?;
        let (rows, next) = paging::page(rows, size, |l| {
            paging::position_key(l.asked_at, &l.lookup_id)
        });
        ok(pb::ListGuestLookupsResponse {
            lookups: rows.iter().map(convert::lookup).collect(),
            next_page_token: next,
        })
    }

    async fn leave_message(
        &self,
        req: Request<pb::LeaveMessageRequest>,
    ) -> Res<pb::LeaveMessageResponse> {
        let caller = authorise(&req, DESK)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let stay_id = id("stay_id", &r.stay_id, &mut v);
        let body = text("text", &r.text, MAX_TEXT, true, &mut v);
        let from_name = text("from_name", &r.from_name, MAX_NAME, true, &mut v);
        let from_contact = text("from_contact", &r.from_contact, MAX_NAME, false, &mut v);
        let taken_by = text("taken_by", &r.taken_by, MAX_NAME, false, &mut v);
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
        };
        let (view, created) = self
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

    async fn complete_delivery_task(
        &self,
        req: Request<pb::CompleteDeliveryTaskRequest>,
    ) -> Res<pb::CompleteDeliveryTaskResponse> {
        let caller = authorise(&req, DESK)?;
        let mut v = Violations::new();
        let tid = id("task_id", &req.get_ref().task_id, &mut v);
        check(v).map_err(err)?;
        let t = self.desk.complete_task(&caller, &tid).await.map_err(err)?;
        ok(pb::CompleteDeliveryTaskResponse {
            task: Some(convert::task(&t)),
        })
    }

    async fn mark_message_read(
        &self,
        req: Request<pb::MarkMessageReadRequest>,
    ) -> Res<pb::MarkMessageReadResponse> {
        let caller = authorise(&req, MARK_READ)?;
        let mut v = Violations::new();
        let mid = id("message_id", &req.get_ref().message_id, &mut v);
        check(v).map_err(err)?;
        let view = self.desk.mark_read(&caller, &mid).await.map_err(err)?;
        ok(pb::MarkMessageReadResponse {
            lamp_on: view.stay.lamp_on,
            message: Some(convert::message(&view)),
        })
    }

    async fn leave_message_for_visitor(
        &self,
        req: Request<pb::LeaveMessageForVisitorRequest>,
    ) -> Res<pb::LeaveMessageForVisitorResponse> {
        let caller = authorise(&req, DESK)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let stay_id = id("stay_id", &r.stay_id, &mut v);
        let visitor = text("visitor_name", &r.visitor_name, MAX_NAME, true, &mut v);
        let body = text("text", &r.text, MAX_TEXT, true, &mut v);
        let taken_by = text("taken_by", &r.taken_by, MAX_NAME, false, &mut v);
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
        };
        let (view, created) = self
            .desk
            .leave_message(&caller, m, idem)
            .await
            .map_err(err)?;
        ok(pb::LeaveMessageForVisitorResponse {
            message: Some(convert::message(&view)),
            created,
        })
    }

    async fn collect_visitor_message(
        &self,
        req: Request<pb::CollectVisitorMessageRequest>,
    ) -> Res<pb::CollectVisitorMessageResponse> {
        let caller = authorise(&req, DESK)?;
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
        let view = self
            .desk
            .collect(&caller, &mid, &name, &checked)
            .await
            .map_err(err)?;
        ok(pb::CollectVisitorMessageResponse {
            message: Some(convert::message(&view)),
        })
    }

    async fn get_message(
        &self,
        req: Request<pb::GetMessageRequest>,
    ) -> Res<pb::GetMessageResponse> {
        let caller = authorise(&req, READ)?;
        let mut v = Violations::new();
        let mid = id("message_id", &req.get_ref().message_id, &mut v);
        check(v).map_err(err)?;
        let view = self.desk.get_message(&caller, &mid).await.map_err(err)?;
        ok(pb::GetMessageResponse {
            message: Some(convert::message(&view)),
        })
    }

    async fn list_lit_lamps(
        &self,
        req: Request<pb::ListLitLampsRequest>,
    ) -> Res<pb::ListLitLampsResponse> {
        let caller = authorise(&req, LAMPS)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let size = page_size(r.page_size, &mut v);
        let after = paging::read_token(&r.page_token, &mut v).unwrap_or_default();
        check(v).map_err(err)?;
        let rows = self
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

    type WatchLampsStream = ReceiverStream<Result<pb::WatchLampsResponse, Status>>;

    async fn watch_lamps(
        &self,
        req: Request<pb::WatchLampsRequest>,
    ) -> Res<Self::WatchLampsStream> {
        let caller = authorise(&req, LAMPS)?;
        let slot = frontdesk_platform::limits::stream_slot(&req, &caller)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        check(v).map_err(err)?;
        // An empty cursor streams from the beginning: a switch adapter starting fresh needs
        // every lamp's state.
        let after =
            frontdesk_platform::watch::start_after(self.desk.db(), &r.cursor, true, "WatchLamps")
                .await?;
        let wake = self.desk.fanout().subscribe();
        let stream = frontdesk_platform::watch::stream(
            self.desk.db().clone(),
            wake,
            Some(vec![prop]),
            after,
            self.shutdown.clone(),
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
                })
            },
        );
        ok(stream)
    }

    async fn register_mail_item(
        &self,
        req: Request<pb::RegisterMailItemRequest>,
    ) -> Res<pb::RegisterMailItemResponse> {
        let caller = authorise(&req, DESK)?;
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
        };
        let (view, created) = self
            .desk
            .register_mail(&caller, n, idem)
            .await
            .map_err(err)?;
        ok(pb::RegisterMailItemResponse {
            item: Some(convert::mail(&view)),
            created,
        })
    }

    async fn record_mail_call(
        &self,
        req: Request<pb::RecordMailCallRequest>,
    ) -> Res<pb::RecordMailCallResponse> {
        let caller = authorise(&req, DESK)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let iid = id("item_id", &r.item_id, &mut v);
        let note = text("note", &r.note, MAX_TEXT, false, &mut v);
        check(v).map_err(err)?;
        let view = self
            .desk
            .record_call(&caller, &iid, r.reached, &note)
            .await
            .map_err(err)?;
        ok(pb::RecordMailCallResponse {
            item: Some(convert::mail(&view)),
        })
    }

    async fn deliver_mail_item(
        &self,
        req: Request<pb::DeliverMailItemRequest>,
    ) -> Res<pb::DeliverMailItemResponse> {
        let caller = authorise(&req, DESK)?;
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
        let view = self
            .desk
            .deliver(&caller, &iid, sig, &by)
            .await
            .map_err(err)?;
        ok(pb::DeliverMailItemResponse {
            item: Some(convert::mail(&view)),
        })
    }

    async fn forward_mail_item(
        &self,
        req: Request<pb::ForwardMailItemRequest>,
    ) -> Res<pb::ForwardMailItemResponse> {
        let caller = authorise(&req, DESK)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let iid = id("item_id", &r.item_id, &mut v);
        let address = text("address", &r.address, MAX_TEXT, false, &mut v);
        check(v).map_err(err)?;
        let view = self
            .desk
            .forward(&caller, &iid, &address)
            .await
            .map_err(err)?;
        ok(pb::ForwardMailItemResponse {
            item: Some(convert::mail(&view)),
        })
    }

    async fn return_mail_item(
        &self,
        req: Request<pb::ReturnMailItemRequest>,
    ) -> Res<pb::ReturnMailItemResponse> {
        let caller = authorise(&req, DESK)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let iid = id("item_id", &r.item_id, &mut v);
        let reason = text("reason", &r.reason, MAX_TEXT, true, &mut v);
        check(v).map_err(err)?;
        let view = self
            .desk
            .return_to_sender(&caller, &iid, &reason)
            .await
            .map_err(err)?;
        ok(pb::ReturnMailItemResponse {
            item: Some(convert::mail(&view)),
        })
    }

    async fn get_mail_item(
        &self,
        req: Request<pb::GetMailItemRequest>,
    ) -> Res<pb::GetMailItemResponse> {
        let caller = authorise(&req, READ)?;
        let mut v = Violations::new();
        let iid = id("item_id", &req.get_ref().item_id, &mut v);
        check(v).map_err(err)?;
        let view = self.desk.get_mail(&caller, &iid).await.map_err(err)?;
        ok(pb::GetMailItemResponse {
            item: Some(convert::mail(&view)),
        })
    }

    async fn list_mail_items(
        &self,
        req: Request<pb::ListMailItemsRequest>,
    ) -> Res<pb::ListMailItemsResponse> {
        let caller = authorise(&req, READ)?;
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
        let rows = self
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

    async fn register_outgoing_post(
        &self,
        req: Request<pb::RegisterOutgoingPostRequest>,
    ) -> Res<pb::RegisterOutgoingPostResponse> {
        let caller = authorise(&req, DESK)?;
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
        let (post, created) = self
            .desk
            .register_post(&caller, n, idem)
            .await
            .map_err(err)?;
        ok(pb::RegisterOutgoingPostResponse {
            post: Some(convert::post(&post)),
            created,
        })
    }

    async fn list_outgoing_post(
        &self,
        req: Request<pb::ListOutgoingPostRequest>,
    ) -> Res<pb::ListOutgoingPostResponse> {
        let caller = authorise(&req, READ)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let size = page_size(r.page_size, &mut v);
        let after = paging::read_position(&r.page_token, &mut v);
        check(v).map_err(err)?;
        let rows = self
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

    async fn open_shift(&self, req: Request<pb::OpenShiftRequest>) -> Res<pb::OpenShiftResponse> {
        let caller = authorise(&req, DESK)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let prop = property(&caller, &r.property_id, &mut v)?;
        let desk = text("desk", &r.desk, validate::MAX_ID, true, &mut v);
        check(v).map_err(err)?;
        let (shift, pending) = self
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

    async fn close_shift(
        &self,
        req: Request<pb::CloseShiftRequest>,
    ) -> Res<pb::CloseShiftResponse> {
        let caller = authorise(&req, DESK)?;
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
        let (shift, h) = self
            .desk
            .close_shift(&caller, &sid, &notes, calls)
            .await
            .map_err(err)?;
        ok(pb::CloseShiftResponse {
            shift: Some(convert::shift(&shift)),
            handover: Some(convert::handover(&h).map_err(err)?),
        })
    }

    async fn acknowledge_handover(
        &self,
        req: Request<pb::AcknowledgeHandoverRequest>,
    ) -> Res<pb::AcknowledgeHandoverResponse> {
        let caller = authorise(&req, DESK)?;
        let mut v = Violations::new();
        let hid = id("handover_id", &req.get_ref().handover_id, &mut v);
        check(v).map_err(err)?;
        let h = self
            .desk
            .acknowledge_handover(&caller, &hid)
            .await
            .map_err(err)?;
        ok(pb::AcknowledgeHandoverResponse {
            handover: Some(convert::handover(&h).map_err(err)?),
        })
    }

    async fn get_handover(
        &self,
        req: Request<pb::GetHandoverRequest>,
    ) -> Res<pb::GetHandoverResponse> {
        let caller = authorise(&req, DESK)?;
        let mut v = Violations::new();
        let hid = id("handover_id", &req.get_ref().handover_id, &mut v);
        check(v).map_err(err)?;
        let h = self.desk.get_handover(&caller, &hid).await.map_err(err)?;
        ok(pb::GetHandoverResponse {
            handover: Some(convert::handover(&h).map_err(err)?),
        })
    }
}

//! Stays from the PMS and guest lookups (MD-2.1).

use super::validate::{self, MAX_NAME, MAX_TEXT, check, id, required_enum, text, timestamp};
use super::{LOOKUP_STAFF, MAX_SYNC, MessagingApi, Res, convert, err, ok, property};
use crate::commands::lookup::LookupQuery;
use crate::commands::stays::StayInput;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_proto::messaging::v1 as pb;
use tonic::Request;

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

pub(super) async fn sync_stays(
    api: &MessagingApi,
    req: Request<pb::SyncStaysRequest>,
) -> Res<pb::SyncStaysResponse> {
    let caller = Caller::from_request(&req)?;
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
        if !rec.record.reservation_id.is_empty() && !seen.insert(rec.record.reservation_id.clone())
        {
            v.add(
                format!("stays[{i}].reservation_id"),
                "appears twice in this call",
            );
        }
        input.push(rec);
    }
    check(v).map_err(err)?;
    let results = api
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

pub(super) async fn check_in(
    api: &MessagingApi,
    req: Request<pb::CheckInRequest>,
) -> Res<pb::CheckInResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let res = id("reservation_id", &r.reservation_id, &mut v);
    let room = text("room", &r.room, 16, false, &mut v);
    check(v).map_err(err)?;
    let s = api
        .desk
        .check_in(&caller, &prop, &res, &room)
        .await
        .map_err(err)?;
    ok(pb::CheckInResponse {
        stay: Some(convert::stay(&s)),
    })
}

pub(super) async fn check_out(
    api: &MessagingApi,
    req: Request<pb::CheckOutRequest>,
) -> Res<pb::CheckOutResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let res = id("reservation_id", &r.reservation_id, &mut v);
    check(v).map_err(err)?;
    let s = api
        .desk
        .check_out(&caller, &prop, &res)
        .await
        .map_err(err)?;
    ok(pb::CheckOutResponse {
        stay: Some(convert::stay(&s)),
    })
}

pub(super) async fn room_move(
    api: &MessagingApi,
    req: Request<pb::RoomMoveRequest>,
) -> Res<pb::RoomMoveResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let res = id("reservation_id", &r.reservation_id, &mut v);
    let room = text("new_room", &r.new_room, 16, true, &mut v);
    check(v).map_err(err)?;
    let s = api
        .desk
        .room_move(&caller, &prop, &res, &room)
        .await
        .map_err(err)?;
    ok(pb::RoomMoveResponse {
        stay: Some(convert::stay(&s)),
    })
}

pub(super) async fn cancel_stay(
    api: &MessagingApi,
    req: Request<pb::CancelStayRequest>,
) -> Res<pb::CancelStayResponse> {
    let caller = Caller::from_request(&req)?;
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
    let s = api
        .desk
        .cancel(&caller, &prop, &res, to)
        .await
        .map_err(err)?;
    ok(pb::CancelStayResponse {
        stay: Some(convert::stay(&s)),
    })
}

pub(super) async fn get_stay(
    api: &MessagingApi,
    req: Request<pb::GetStayRequest>,
) -> Res<pb::GetStayResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let sid = id("stay_id", &req.get_ref().stay_id, &mut v);
    check(v).map_err(err)?;
    let s = api.desk.get_stay(&caller, &sid).await.map_err(err)?;
    ok(pb::GetStayResponse {
        stay: Some(convert::stay(&s)),
    })
}

pub(super) async fn locate_guest(
    api: &MessagingApi,
    req: Request<pb::LocateGuestRequest>,
) -> Res<pb::LocateGuestResponse> {
    let caller = Caller::from_request(&req)?;
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
    let inquiry_id = validate::optional_uuid("inquiry_id", &r.inquiry_id, &mut v);
    check(v).map_err(err)?;
    if kind == pb::CallerKind::Staff {
        caller.require_role(LOOKUP_STAFF)?;
    }
    let query = LookupQuery {
        property_id: prop,
        name,
        reservation_id: res,
        kind,
        inquiry_id,
    };
    let found = api.desk.locate(&caller, query).await.map_err(err)?;
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

pub(super) async fn list_guest_lookups(
    api: &MessagingApi,
    req: Request<pb::ListGuestLookupsRequest>,
) -> Res<pb::ListGuestLookupsResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let size = page_size(r.page_size, &mut v);
    let after = paging::read_position(&r.page_token, &mut v);
    check(v).map_err(err)?;
    let rows = api
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

pub(super) async fn erase_guest(
    api: &MessagingApi,
    req: Request<pb::EraseGuestRequest>,
) -> Res<pb::EraseGuestResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let prop = property(&caller, &r.property_id, &mut v)?;
    let res = id("reservation_id", &r.reservation_id, &mut v);
    let reason = text("reason", &r.reason, MAX_TEXT, true, &mut v);
    check(v).map_err(err)?;
    let e = api
        .desk
        .erase_guest(&caller, &prop, &res, &reason)
        .await
        .map_err(err)?;
    let n = |x: u64| i32::try_from(x).unwrap_or(i32::MAX);
    ok(pb::EraseGuestResponse {
        erasure_id: e.erasure_id,
        stay_id: e.stay_id,
        messages_erased: n(e.erased.messages),
        mail_items_erased: n(e.erased.mail_items),
        lookups_erased: n(e.erased.lookups),
        outgoing_post_erased: n(e.erased.outgoing_post),
        erased_at: Some(frontdesk_platform::time::to_timestamp(e.erased_at)),
    })
}

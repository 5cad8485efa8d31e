//! Rows → wire messages. Slips are printed here, in Chinese and English.

use crate::commands::mail::MailView;
use crate::commands::messages::MessageView;
use crate::store::lookups::LookupRow;
use crate::store::mail::MailRow;
use crate::store::messages::TaskRow;
use crate::store::shifts::{HandoverRow, ShiftRow};
use crate::store::stays::StayRow;
use frontdesk_platform::time::{opt_timestamp, to_timestamp};
use frontdesk_proto::messaging::v1::{self as pb, MessageDirection, StayStatus};
use prost::Message;

pub fn stay(s: &StayRow) -> pb::Stay {
    pb::Stay {
        stay_id: s.stay_id.clone(),
        property_id: s.property_id.clone(),
        reservation_id: s.reservation_id.clone(),
        guests: s.guests.clone(),
        room: s.room.clone(),
        arrival: opt_timestamp(s.arrival),
        departure: opt_timestamp(s.departure),
        status: s.status as i32,
        privacy: s.privacy as i32,
        forwarding_address: s.forwarding_address.clone(),
        forwarding_until: opt_timestamp(s.forwarding_until),
        vip: s.vip,
        lamp_on: s.lamp_on,
        checked_in_at: opt_timestamp(s.checked_in_at),
        checked_out_at: opt_timestamp(s.checked_out_at),
        updated_at: Some(to_timestamp(s.updated_at)),
    }
}

pub fn task(t: &TaskRow) -> pb::DeliveryTask {
    pb::DeliveryTask {
        task_id: t.task_id.clone(),
        message_id: t.message_id.clone(),
        copy: t.copy as i32,
        done: t.done_at.is_some(),
        done_by: t.done_by.clone(),
        done_at: opt_timestamp(t.done_at),
    }
}

fn when(micros: i64) -> String {
    chrono::DateTime::from_timestamp_micros(micros)
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_default()
}

fn guest_names(s: &StayRow) -> (String, String) {
    let zh: Vec<String> = s
        .guests
        .iter()
        .map(|g| {
            if g.name_zh.is_empty() {
                g.name_en.clone()
            } else {
                g.name_zh.clone()
            }
        })
        .collect();
    let en: Vec<String> = s
        .guests
        .iter()
        .map(|g| {
            if g.name_en.is_empty() {
                g.name_zh.clone()
            } else {
                g.name_en.clone()
            }
        })
        .collect();
    (zh.join("、"), en.join(", "))
}

/// The printable slip of a message (staff only: it carries the room).
fn slips(v: &MessageView) -> (String, String) {
    let m = &v.message;
    let room = if v.stay.status == StayStatus::InHouse {
        v.stay.room.as_str()
    } else {
        "—"
    };
    let (names_zh, names_en) = guest_names(&v.stay);
    let at = when(m.created_at);
    match m.direction {
        MessageDirection::ForVisitor => (
            format!(
                "访客留言条\n留言客人：{names_zh}（{room}房）\n致：{}\n内容：{}\n经手人：{}  时间：{at}",
                m.visitor_name, m.text, m.taken_by
            ),
            format!(
                "MESSAGE FOR A VISITOR\nFrom guest: {names_en} (room {room})\nFor: {}\nMessage: {}\nTaken by: {}  at {at}",
                m.visitor_name, m.text, m.taken_by
            ),
        ),
        _ => (
            format!(
                "客人留言条\n房号：{room}\n客人：{names_zh}\n留言人：{}  联系方式：{}\n内容：{}\n经手人：{}  时间：{at}",
                m.from_name, m.from_contact, m.text, m.taken_by
            ),
            format!(
                "MESSAGE FOR A GUEST\nRoom: {room}\nGuest: {names_en}\nFrom: {}  Contact: {}\nMessage: {}\nTaken by: {}  at {at}",
                m.from_name, m.from_contact, m.text, m.taken_by
            ),
        ),
    }
}

pub fn message(v: &MessageView) -> pb::Message {
    let m = &v.message;
    let (slip_zh, slip_en) = slips(v);
    pb::Message {
        message_id: m.message_id.clone(),
        property_id: m.property_id.clone(),
        stay_id: m.stay_id.clone(),
        direction: m.direction as i32,
        text: m.text.clone(),
        from_name: m.from_name.clone(),
        from_contact: m.from_contact.clone(),
        visitor_name: m.visitor_name.clone(),
        taken_by: m.taken_by.clone(),
        status: m.status as i32,
        created_at: Some(to_timestamp(m.created_at)),
        read_at: opt_timestamp(m.read_at),
        tasks: m.tasks.iter().map(task).collect(),
        slip_zh,
        slip_en,
        collected_by: m.collected_by.clone(),
        identity_checked: m.identity_checked.clone(),
        inquiry_id: m.inquiry_id.clone(),
    }
}

pub fn mail(v: &MailView) -> pb::MailItem {
    let i: &MailRow = &v.item;
    let room = v
        .stay
        .as_ref()
        .filter(|s| s.status == StayStatus::InHouse)
        .map(|s| s.room.clone())
        .unwrap_or_default();
    pb::MailItem {
        item_id: i.item_id.clone(),
        property_id: i.property_id.clone(),
        kind: i.kind as i32,
        carrier: i.carrier.clone(),
        tracking_number: i.tracking_number.clone(),
        addressee_name: i.addressee_name.clone(),
        sender: i.sender.clone(),
        sort_class: i.sort_class as i32,
        status: i.status as i32,
        stay_id: i.stay_id.clone(),
        room,
        registered_at: Some(to_timestamp(i.registered_at)),
        return_due_at: opt_timestamp(i.return_due_at),
        forwarded_to: i.forwarded_to.clone(),
        delivered_to: i.delivered_to.clone(),
        handed_over_by: i.handed_over_by.clone(),
        delivered_at: opt_timestamp(i.delivered_at),
        ambiguous: i.ambiguous,
        custody: i
            .custody
            .iter()
            .map(|c| pb::CustodyStep {
                action: c.action as i32,
                actor: c.actor.clone(),
                at: Some(to_timestamp(c.at)),
                status: c.status as i32,
                note: c.note.clone(),
            })
            .collect(),
        notice_message_id: i.notice_message_id.clone(),
        inquiry_id: i.inquiry_id.clone(),
    }
}

pub fn post(p: &crate::store::outgoing::PostRow) -> pb::OutgoingPost {
    pb::OutgoingPost {
        post_id: p.post_id.clone(),
        property_id: p.property_id.clone(),
        stay_id: p.stay_id.clone(),
        room: p.room.clone(),
        kind: p.kind as i32,
        destination: p.destination.clone(),
        carrier: p.carrier.clone(),
        postage_minor: p.postage_minor,
        currency: p.currency.clone(),
        payment: p.payment as i32,
        registered_by: p.registered_by.clone(),
        registered_at: Some(to_timestamp(p.registered_at)),
    }
}

pub fn lookup(l: &LookupRow) -> pb::GuestLookup {
    pb::GuestLookup {
        lookup_id: l.lookup_id.clone(),
        property_id: l.property_id.clone(),
        asked_by: l.asked_by.clone(),
        asked_at: Some(to_timestamp(l.asked_at)),
        caller_kind: l.caller_kind as i32,
        query_name: l.query_name.clone(),
        query_reservation_id: l.query_reservation_id.clone(),
        disclosure: l.disclosure as i32,
        matched_stay_ids: l.matched_stay_ids.clone(),
        room_disclosed: l.room_disclosed,
        inquiry_id: l.inquiry_id.clone(),
    }
}

pub fn shift(s: &ShiftRow) -> pb::Shift {
    pb::Shift {
        shift_id: s.shift_id.clone(),
        property_id: s.property_id.clone(),
        desk: s.desk.clone(),
        opened_by: s.opened_by.clone(),
        opened_at: Some(to_timestamp(s.opened_at)),
        closed_by: s.closed_by.clone(),
        closed_at: opt_timestamp(s.closed_at),
    }
}

pub fn handover(h: &HandoverRow) -> Result<pb::Handover, crate::commands::Error> {
    let mut out = pb::Handover::decode(h.snapshot.as_slice())
        .map_err(|e| crate::commands::Error::Internal(e.into()))?;
    out.acknowledged_by = h.acknowledged_by.clone();
    out.acknowledged_at = opt_timestamp(h.acknowledged_at);
    Ok(out)
}

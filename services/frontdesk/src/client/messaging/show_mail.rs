//! How mail items, shifts and handovers print (see `show` for the conventions).

use super::show::{Out, name, pairs, rfc3339, table, time};
use frontdesk_proto::messaging::v1 as pb;
use serde_json::{Value, json};

impl Out {
    pub fn mail(&self, i: &pb::MailItem) {
        self.emit(
            &i.item_id,
            || mail_json(i),
            || {
                let head = pairs(vec![
                    ("item", i.item_id.clone()),
                    ("kind", name::<pb::MailKind>(i.kind)),
                    ("addressee", i.addressee_name.clone()),
                    ("sorted", name::<pb::SortClass>(i.sort_class)),
                    ("status", name::<pb::MailStatus>(i.status)),
                    ("room", i.room.clone()),
                    ("carrier", format!("{} {}", i.carrier, i.tracking_number)),
                    ("return due", time(i.return_due_at.as_ref())),
                    ("forwarded to", i.forwarded_to.clone()),
                    ("delivered to", i.delivered_to.clone()),
                    ("inquiry", i.inquiry_id.clone()),
                ]);
                let mut t = table(&["at", "step", "by", "note"]);
                for c in &i.custody {
                    t.add_row(vec![
                        time(c.at.as_ref()),
                        name::<pb::CustodyAction>(c.action),
                        c.actor.clone(),
                        c.note.clone(),
                    ]);
                }
                format!("{head}\n{t}")
            },
        );
    }

    pub fn mail_list(&self, r: &pb::ListMailItemsResponse) {
        if self.quiet {
            r.items.iter().for_each(|i| println!("{}", i.item_id));
            return;
        }
        if self.json {
            let items: Vec<Value> = r.items.iter().map(mail_json).collect();
            println!(
                "{}",
                json!({"items": items, "next_page_token": r.next_page_token})
            );
            return;
        }
        let mut t = table(&["registered", "kind", "addressee", "status", "room", "item"]);
        for i in &r.items {
            t.add_row(vec![
                time(i.registered_at.as_ref()),
                name::<pb::MailKind>(i.kind),
                i.addressee_name.clone(),
                name::<pb::MailStatus>(i.status),
                i.room.clone(),
                i.item_id.clone(),
            ]);
        }
        println!("{t}");
        if !r.next_page_token.is_empty() {
            println!("more: --page-token {}", r.next_page_token);
        }
    }

    pub fn shift(&self, s: &pb::Shift, handover: Option<&pb::Handover>) {
        self.emit(
            &s.shift_id,
            || {
                json!({
                    "shift": {
                        "shift_id": s.shift_id, "desk": s.desk, "opened_by": s.opened_by,
                        "opened_at": rfc3339(s.opened_at.as_ref()), "closed_by": s.closed_by,
                        "closed_at": rfc3339(s.closed_at.as_ref()),
                    },
                    "handover": handover.map(handover_json),
                })
            },
            || {
                let head = pairs(vec![
                    ("shift", s.shift_id.clone()),
                    ("desk", s.desk.clone()),
                    (
                        "opened",
                        format!("{} by {}", time(s.opened_at.as_ref()), s.opened_by),
                    ),
                    (
                        "closed",
                        s.closed_at
                            .as_ref()
                            .map(|t| format!("{} by {}", time(Some(t)), s.closed_by))
                            .unwrap_or_default(),
                    ),
                ]);
                match handover {
                    Some(h) => format!("{head}\n{}", handover_text(h)),
                    None => head.to_string(),
                }
            },
        );
    }

    pub fn handover(&self, h: &pb::Handover) {
        self.emit(&h.handover_id, || handover_json(h), || handover_text(h));
    }
}

fn mail_json(i: &pb::MailItem) -> Value {
    let custody: Vec<Value> = i
        .custody
        .iter()
        .map(|c| {
            json!({
                "action": name::<pb::CustodyAction>(c.action), "actor": c.actor,
                "at": rfc3339(c.at.as_ref()), "status": name::<pb::MailStatus>(c.status),
                "note": c.note,
            })
        })
        .collect();
    json!({
        "item_id": i.item_id, "kind": name::<pb::MailKind>(i.kind), "carrier": i.carrier,
        "tracking_number": i.tracking_number, "addressee_name": i.addressee_name,
        "sender": i.sender, "sort_class": name::<pb::SortClass>(i.sort_class),
        "status": name::<pb::MailStatus>(i.status), "stay_id": i.stay_id, "room": i.room,
        "ambiguous": i.ambiguous, "registered_at": rfc3339(i.registered_at.as_ref()),
        "return_due_at": rfc3339(i.return_due_at.as_ref()), "forwarded_to": i.forwarded_to,
        "delivered_to": i.delivered_to, "handed_over_by": i.handed_over_by,
        "delivered_at": rfc3339(i.delivered_at.as_ref()), "custody": custody,
        "inquiry_id": i.inquiry_id,
    })
}

fn handover_json(h: &pb::Handover) -> Value {
    let messages: Vec<Value> = h
        .open_messages
        .iter()
        .map(|m| {
            json!({
                "message_id": m.message_id, "stay_id": m.stay_id, "room": m.room,
                "direction": name::<pb::MessageDirection>(m.direction),
                "open_copies": m.open_copies.iter().map(|c| name::<pb::CopyKind>(*c)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let mail: Vec<Value> = h
        .open_mail
        .iter()
        .map(|i| {
            json!({
                "item_id": i.item_id, "kind": name::<pb::MailKind>(i.kind),
                "status": name::<pb::MailStatus>(i.status), "stay_id": i.stay_id, "room": i.room,
            })
        })
        .collect();
    json!({
        "handover_id": h.handover_id, "shift_id": h.shift_id, "desk": h.desk,
        "written_by": h.written_by, "written_at": rfc3339(h.written_at.as_ref()),
        "open_messages": messages, "open_mail": mail, "calls_to_return": h.calls_to_return,
        "notes": h.notes, "acknowledged_by": h.acknowledged_by,
        "acknowledged_at": rfc3339(h.acknowledged_at.as_ref()),
    })
}

fn handover_text(h: &pb::Handover) -> String {
    let head = pairs(vec![
        ("handover", h.handover_id.clone()),
        (
            "written",
            format!("{} by {}", time(h.written_at.as_ref()), h.written_by),
        ),
        ("notes", h.notes.clone()),
        ("calls to return", h.calls_to_return.join("\n")),
        (
            "acknowledged",
            h.acknowledged_at
                .as_ref()
                .map(|t| format!("{} by {}", time(Some(t)), h.acknowledged_by))
                .unwrap_or_default(),
        ),
    ]);
    let mut t = table(&["open", "room", "what", "id"]);
    for m in &h.open_messages {
        let copies: Vec<String> = m
            .open_copies
            .iter()
            .map(|c| name::<pb::CopyKind>(*c))
            .collect();
        t.add_row(vec![
            "message".to_string(),
            m.room.clone(),
            if copies.is_empty() {
                "not read yet (copies in place)".to_string()
            } else {
                format!("copies not in place: {}", copies.join(", "))
            },
            m.message_id.clone(),
        ]);
    }
    for i in &h.open_mail {
        t.add_row(vec![
            "mail".to_string(),
            i.room.clone(),
            format!(
                "{}, {}",
                name::<pb::MailKind>(i.kind),
                name::<pb::MailStatus>(i.status)
            ),
            i.item_id.clone(),
        ]);
    }
    format!("{head}\n{t}")
}

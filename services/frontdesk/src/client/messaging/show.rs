//! How the desk's commands print: tables that fit 80 columns, times in the run's zone with
//! the zone shown, enum values as snake_case codes; `--json` for scripts, `-q` for the id alone.

use anyhow::anyhow;
use comfy_table::Table;
use frontdesk_proto::messaging::v1 as pb;
use serde_json::{Value, json};

/// A proto enum shown and parsed by its snake_case code (`MAIL_KIND_PARCEL` ↔ `parcel`).
pub trait Code: Sized + Copy {
    const PREFIX: &'static str;
    fn proto_name(self) -> &'static str;
    fn from_proto_name(s: &str) -> Option<Self>;
    fn from_number(v: i32) -> Option<Self>;
}

macro_rules! code {
    ($($t:ty => $p:literal),+ $(,)?) => {
        $(
            impl Code for $t {
                const PREFIX: &'static str = $p;
                fn proto_name(self) -> &'static str {
                    self.as_str_name()
                }
                fn from_proto_name(s: &str) -> Option<Self> {
                    <$t>::from_str_name(s)
                }
                fn from_number(v: i32) -> Option<Self> {
                    <$t>::try_from(v).ok()
                }
            }
        )+
    };
}

code!(
    pb::StayStatus => "STAY_STATUS_",
    pb::PrivacyLevel => "PRIVACY_LEVEL_",
    pb::SyncOutcome => "SYNC_OUTCOME_",
    pb::CallerKind => "CALLER_KIND_",
    pb::Disclosure => "DISCLOSURE_",
    pb::MessageDirection => "MESSAGE_DIRECTION_",
    pb::MessageStatus => "MESSAGE_STATUS_",
    pb::CopyKind => "COPY_KIND_",
    pb::MailKind => "MAIL_KIND_",
    pb::SortClass => "SORT_CLASS_",
    pb::MailStatus => "MAIL_STATUS_",
    pb::CustodyAction => "CUSTODY_ACTION_",
);

/// The snake_case code of a wire value ("-" when unset or unknown).
pub fn name<T: Code>(v: i32) -> String {
    T::from_number(v)
        .filter(|_| v != 0)
        .map(|e| {
            e.proto_name()
                .strip_prefix(T::PREFIX)
                .unwrap_or_default()
                .to_lowercase()
        })
        .unwrap_or_else(|| "-".into())
}

/// A code given on the command line; `unspecified` is not a choice.
pub fn parse<T: Code>(what: &str, code: &str) -> anyhow::Result<T> {
    let proto = format!(
        "{}{}",
        T::PREFIX,
        code.trim().replace('-', "_").to_uppercase()
    );
    T::from_proto_name(&proto)
        .filter(|_| !proto.ends_with("_UNSPECIFIED"))
        .ok_or_else(|| anyhow!("unknown {what} {code:?}; valid: {}", valid::<T>()))
}

/// Every code of `T`, comma-separated (the desk's enums have fewer than 64 values).
fn valid<T: Code>() -> String {
    (1..64)
        .filter(|n| T::from_number(*n).is_some())
        .map(name::<T>)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A time in this run's zone (`--tz`) with the zone shown, e.g. "2026-11-30 14:05 CST".
pub(super) fn time(ts: Option<&prost_types::Timestamp>) -> String {
    crate::client::render::time_of(ts)
}

/// RFC 3339 with the offset for JSON (null when unset).
pub(super) fn rfc3339(ts: Option<&prost_types::Timestamp>) -> Value {
    crate::client::render::rfc3339(ts)
}

/// A table that fits 80 columns (every cell in full with `--wide`).
pub(super) fn table(header: &[&str]) -> Table {
    crate::client::render::table(header)
}

pub(super) fn pairs(rows: Vec<(&str, String)>) -> Table {
    let mut t = table(&[]);
    for (k, v) in rows {
        if !v.is_empty() {
            t.add_row(vec![k.to_string(), v]);
        }
    }
    t
}

fn guests(gs: &[pb::Guest]) -> String {
    gs.iter()
        .map(|g| match (g.name_zh.is_empty(), g.name_en.is_empty()) {
            (false, false) => format!("{} {}", g.name_zh, g.name_en),
            (false, true) => g.name_zh.clone(),
            _ => g.name_en.clone(),
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn guests_json(gs: &[pb::Guest]) -> Value {
    gs.iter()
        .map(|g| json!({"name_zh": g.name_zh, "name_en": g.name_en, "phone": g.phone, "email": g.email}))
        .collect()
}

pub(super) fn yes(b: bool) -> String {
    if b { "yes".into() } else { "no".into() }
}

pub struct Out {
    pub json: bool,
    pub quiet: bool,
}

impl Out {
    pub fn new(json: bool, quiet: bool) -> Self {
        Out { json, quiet }
    }

    /// `-q` prints the id; `--json` the value; otherwise the table.
    pub(super) fn emit(
        &self,
        id: &str,
        value: impl FnOnce() -> Value,
        table: impl FnOnce() -> String,
    ) {
        if self.quiet {
            println!("{id}");
        } else if self.json {
            println!("{}", value());
        } else {
            println!("{}", table());
        }
    }

    pub fn stay(&self, s: &pb::Stay) {
        self.emit(
            &s.stay_id,
            || {
                json!({
                    "stay_id": s.stay_id, "property_id": s.property_id,
                    "reservation_id": s.reservation_id, "guests": guests_json(&s.guests),
                    "room": s.room, "status": name::<pb::StayStatus>(s.status),
                    "privacy": name::<pb::PrivacyLevel>(s.privacy), "vip": s.vip,
                    "lamp_on": s.lamp_on, "arrival": rfc3339(s.arrival.as_ref()),
                    "departure": rfc3339(s.departure.as_ref()),
                    "forwarding_address": s.forwarding_address,
                    "checked_in_at": rfc3339(s.checked_in_at.as_ref()),
                    "checked_out_at": rfc3339(s.checked_out_at.as_ref()),
                })
            },
            || {
                pairs(vec![
                    ("stay", s.stay_id.clone()),
                    ("reservation", s.reservation_id.clone()),
                    ("guests", guests(&s.guests)),
                    ("room", s.room.clone()),
                    ("status", name::<pb::StayStatus>(s.status)),
                    ("privacy", name::<pb::PrivacyLevel>(s.privacy)),
                    ("vip", yes(s.vip)),
                    ("lamp", if s.lamp_on { "on" } else { "off" }.into()),
                    ("arrival", time(s.arrival.as_ref())),
                    ("departure", time(s.departure.as_ref())),
                    ("forwarding", s.forwarding_address.clone()),
                ])
                .to_string()
            },
        );
    }

    pub fn located(&self, r: &pb::LocateGuestResponse) {
        self.emit(
            &r.lookup_id,
            || {
                let matches: Vec<Value> = r
                    .matches
                    .iter()
                    .map(|m| {
                        json!({
                            "stay_id": m.stay_id, "guests": guests_json(&m.guests),
                            "room": m.room, "status": name::<pb::StayStatus>(m.status),
                            "privacy": name::<pb::PrivacyLevel>(m.privacy), "vip": m.vip,
                        })
                    })
                    .collect();
                json!({
                    "lookup_id": r.lookup_id,
                    "disclosure": name::<pb::Disclosure>(r.disclosure),
                    "script_zh": r.script_zh, "script_en": r.script_en, "matches": matches,
                })
            },
            || {
                let mut s = pairs(vec![
                    ("answer", name::<pb::Disclosure>(r.disclosure)),
                    ("say", format!("{}\n{}", r.script_zh, r.script_en)),
                    ("lookup", r.lookup_id.clone()),
                ])
                .to_string();
                if !r.matches.is_empty() {
                    let mut t = table(&["stay", "guests", "room", "status", "privacy", "vip"]);
                    for m in &r.matches {
                        t.add_row(vec![
                            m.stay_id.clone(),
                            guests(&m.guests),
                            m.room.clone(),
                            name::<pb::StayStatus>(m.status),
                            name::<pb::PrivacyLevel>(m.privacy),
                            yes(m.vip),
                        ]);
                    }
                    s = format!("{s}\n{t}");
                }
                s
            },
        );
    }

    pub fn lookups(&self, r: &pb::ListGuestLookupsResponse) {
        if self.quiet {
            r.lookups.iter().for_each(|l| println!("{}", l.lookup_id));
            return;
        }
        if self.json {
            let rows: Vec<Value> = r
                .lookups
                .iter()
                .map(|l| {
                    json!({
                        "lookup_id": l.lookup_id, "asked_by": l.asked_by,
                        "asked_at": rfc3339(l.asked_at.as_ref()),
                        "caller_kind": name::<pb::CallerKind>(l.caller_kind),
                        "query_name": l.query_name,
                        "query_reservation_id": l.query_reservation_id,
                        "disclosure": name::<pb::Disclosure>(l.disclosure),
                        "matched_stay_ids": l.matched_stay_ids,
                        "room_disclosed": l.room_disclosed,
                        "inquiry_id": l.inquiry_id,
                    })
                })
                .collect();
            println!(
                "{}",
                json!({"lookups": rows, "next_page_token": r.next_page_token})
            );
            return;
        }
        let mut t = table(&["asked at", "by", "caller", "asked for", "answer", "room"]);
        for l in &r.lookups {
            let asked = if l.query_name.is_empty() {
                l.query_reservation_id.clone()
            } else {
                l.query_name.clone()
            };
            t.add_row(vec![
                time(l.asked_at.as_ref()),
                l.asked_by.clone(),
                name::<pb::CallerKind>(l.caller_kind),
                asked,
                name::<pb::Disclosure>(l.disclosure),
                if l.room_disclosed { "shown" } else { "-" }.to_string(),
            ]);
        }
        println!("{t}");
        if !r.next_page_token.is_empty() {
            println!("more: --page-token {}", r.next_page_token);
        }
    }

    pub fn message(&self, m: &pb::Message, lamp_on: bool) {
        let tasks = |m: &pb::Message| -> Vec<Value> {
            m.tasks
                .iter()
                .map(|t| {
                    json!({
                        "task_id": t.task_id, "copy": name::<pb::CopyKind>(t.copy),
                        "done": t.done, "done_by": t.done_by, "done_at": rfc3339(t.done_at.as_ref()),
                    })
                })
                .collect()
        };
        self.emit(
            &m.message_id,
            || {
                json!({
                    "message_id": m.message_id, "stay_id": m.stay_id,
                    "direction": name::<pb::MessageDirection>(m.direction),
                    "status": name::<pb::MessageStatus>(m.status), "text": m.text,
                    "from_name": m.from_name, "from_contact": m.from_contact,
                    "visitor_name": m.visitor_name, "taken_by": m.taken_by,
                    "created_at": rfc3339(m.created_at.as_ref()),
                    "read_at": rfc3339(m.read_at.as_ref()), "tasks": tasks(m),
                    "slip_zh": m.slip_zh, "slip_en": m.slip_en, "lamp_on": lamp_on,
                    "inquiry_id": m.inquiry_id,
                })
            },
            || {
                let head = pairs(vec![
                    ("message", m.message_id.clone()),
                    ("status", name::<pb::MessageStatus>(m.status)),
                    ("lamp", if lamp_on { "on" } else { "off" }.into()),
                    ("left at", time(m.created_at.as_ref())),
                    ("read at", time(m.read_at.as_ref())),
                    ("inquiry", m.inquiry_id.clone()),
                    ("slip", format!("{}\n\n{}", m.slip_zh, m.slip_en)),
                ]);
                let mut t = table(&["copy", "done", "by", "at"]);
                for task in &m.tasks {
                    t.add_row(vec![
                        name::<pb::CopyKind>(task.copy),
                        yes(task.done),
                        task.done_by.clone(),
                        time(task.done_at.as_ref()),
                    ]);
                }
                format!("{head}\n{t}")
            },
        );
    }

    pub fn lamps(&self, lamps: &[pb::LitLamp]) {
        if self.quiet {
            lamps.iter().for_each(|l| println!("{}", l.room));
        } else if self.json {
            let rows: Vec<Value> = lamps
                .iter()
                .map(|l| json!({"room": l.room, "stay_id": l.stay_id, "waiting_messages": l.waiting_messages}))
                .collect();
            println!("{}", json!({ "lamps": rows }));
        } else {
            let mut t = table(&["room", "waiting", "stay"]);
            for l in lamps {
                t.add_row(vec![
                    l.room.clone(),
                    l.waiting_messages.to_string(),
                    l.stay_id.clone(),
                ]);
            }
            println!("{t}");
        }
    }
}

#[cfg(test)]
mod valid_codes {
    use super::*;

    #[test]
    fn an_unknown_code_lists_the_valid_ones() {
        let e = parse::<pb::MailKind>("kind", "box").expect_err("no such kind");
        assert!(e.to_string().contains("letter, "), "{e}");
        assert!(e.to_string().contains("parcel"), "{e}");
        assert!(parse::<pb::MailKind>("kind", "unspecified").is_err());
    }
}

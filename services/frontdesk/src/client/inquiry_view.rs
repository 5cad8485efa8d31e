//! How an inquiry looks: a table for people, JSON for scripts.

use super::render::{code_of, fit, is_wide, rfc3339, table, time_of};
use frontdesk_proto::common::v1::{Category, Channel, Complexity, Language, Satisfaction};
use frontdesk_proto::intake::v1 as pb;
use serde_json::{Value, json};

pub(crate) struct Output {
    pub(crate) json: bool,
    /// `-q`: the inquiry's id alone.
    pub(crate) quiet: bool,
}

fn inquiry_json(i: &pb::Inquiry) -> Value {
    let c = i.classification.clone().unwrap_or_default();
    let cust = i.customer.clone().unwrap_or_default();
    json!({
        "inquiry_id": i.inquiry_id,
        "property_id": i.property_id,
        "channel": code_of(Channel::from_wire(i.channel).and_then(|x| x.code())),
        "status": code_of(pb::InquiryStatus::from_wire(i.status).and_then(|x| x.code())),
        "category": code_of(Category::from_wire(c.category).and_then(|x| x.code())),
        "language": code_of(Language::from_wire(c.language).and_then(|x| x.code())),
        "complexity": code_of(Complexity::from_wire(c.complexity).and_then(|x| x.code())),
        "confidence": c.confidence,
        "matched_terms": c.matched_terms,
        "complaint_process": c.complaint_process,
        "customer": { "name": cust.name, "phone": cust.phone, "email": cust.email, "social_handle": cust.social_handle },
        "text": i.text,
        "assignee": i.assignee,
        "routing": i.routing.as_ref().map(|r| json!({
            "lead_department": r.lead_department,
            "assignee": r.assignee,
            "first_response_due": rfc3339(r.first_response_due.as_ref()),
            "resolution_due": rfc3339(r.resolution_due.as_ref()),
        })),
        "created_at": rfc3339(i.created_at.as_ref()),
        "first_response_at": rfc3339(i.first_response_at.as_ref()),
        "resolved_at": rfc3339(i.resolved_at.as_ref()),
        "responses": i.responses.iter().map(|r| json!({"response_id": r.response_id, "kind": if r.kind == pb::ResponseKind::Acknowledgement as i32 { "acknowledgement" } else { "answer" }, "text": r.text, "by": r.responded_by, "at": rfc3339(r.responded_at.as_ref())})).collect::<Vec<_>>(),
        "feedback": i.feedback.as_ref().map(|f| code_of(Satisfaction::from_wire(f.satisfaction).and_then(|x| x.code()))),
        "version": i.version,
    })
}

/// Four columns for 80: the status, category and channel share a cell, the customer's name
/// leads the text.
fn list_narrow(list: &[pb::Inquiry]) -> String {
    let mut t = table(&["id", "created", "status", "customer: text"]);
    for i in list {
        let v = inquiry_json(i);
        let code = |k: &str| v[k].as_str().unwrap_or_default().to_string();
        t.add_row(vec![
            i.inquiry_id.clone(),
            time_of(i.created_at.as_ref()),
            format!(
                "{}\n{}\n{}",
                code("status"),
                code("category"),
                code("channel")
            ),
            format!("{}: {}", code_of_name(i), i.text),
        ]);
    }
    fit(t)
}

fn code_of_name(i: &pb::Inquiry) -> String {
    i.customer
        .as_ref()
        .map(|c| c.name.clone())
        .unwrap_or_default()
}

/// `guest_lookup`, `message`, `message_for_visitor`, `mail_item`.
fn link_kind(kind: i32) -> String {
    pb::LinkKind::try_from(kind)
        .map(|k| {
            k.as_str_name()
                .trim_start_matches("LINK_KIND_")
                .to_lowercase()
        })
        .unwrap_or_default()
}

impl Output {
    pub(crate) fn inquiry(
        &self,
        i: Option<&pb::Inquiry>,
        timeline: &[pb::TimelineEntry],
        links: &[pb::InquiryLink],
    ) {
        let Some(i) = i else { return };
        if self.quiet {
            println!("{}", i.inquiry_id);
            return;
        }
        if self.json {
            let mut v = inquiry_json(i);
            v["timeline"] = timeline
                .iter()
                .map(|t| json!({"sequence": t.sequence, "actor": t.actor, "at": rfc3339(t.at.as_ref()), "detail": t.detail}))
                .collect();
            v["links"] = links
                .iter()
                .map(|l| json!({"kind": link_kind(l.kind), "id": l.target_id, "by": l.actor, "at": rfc3339(l.linked_at.as_ref())}))
                .collect();
            println!("{v}");
            return;
        }
        let v = inquiry_json(i);
        let mut t = table(&[]);
        for key in [
            "inquiry_id",
            "property_id",
            "channel",
            "status",
            "category",
            "complexity",
            "language",
            "assignee",
            "text",
        ] {
            let val = match &v[key] {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            t.add_row(vec![key.to_string(), val]);
        }
        for (key, at) in [
            ("created_at", &i.created_at),
            ("first_response_at", &i.first_response_at),
            ("resolved_at", &i.resolved_at),
        ] {
            t.add_row(vec![key.to_string(), time_of(at.as_ref())]);
        }
        t.add_row(vec![
            "customer".to_string(),
            format!(
                "{} {} {}",
                v["customer"]["name"].as_str().unwrap_or(""),
                v["customer"]["phone"].as_str().unwrap_or(""),
                v["customer"]["email"].as_str().unwrap_or("")
            ),
        ]);
        if let Some(r) = &i.routing {
            // What the agent tells the caller: who handles it and by when.
            let handler = if r.assignee.is_empty() {
                "(queue)"
            } else {
                r.assignee.as_str()
            };
            t.add_row(vec![
                "routing".to_string(),
                format!(
                    "{} / {}; answer by {}, resolve by {}",
                    r.lead_department,
                    handler,
                    time_of(r.first_response_due.as_ref()),
                    time_of(r.resolution_due.as_ref())
                ),
            ]);
        }
        for r in &i.responses {
            let what = if r.kind == pb::ResponseKind::Acknowledgement as i32 {
                "acknowledged"
            } else {
                "answer"
            };
            t.add_row(vec![format!("{what} {}", r.response_id), r.text.clone()]);
        }
        println!("{}", fit(t));
        if !links.is_empty() {
            // What messaging recorded for it: read them with `frontdesk message get …`,
            // `frontdesk mail get …`, `frontdesk guest lookups`.
            let mut t = table(&["linked", "id", "by", "at"]);
            for l in links {
                t.add_row(vec![
                    link_kind(l.kind),
                    l.target_id.clone(),
                    l.actor.clone(),
                    time_of(l.linked_at.as_ref()),
                ]);
            }
            println!("{}", fit(t));
        }
        if !timeline.is_empty() {
            let mut t = table(&["#", "at", "who", "what"]);
            for e in timeline {
                t.add_row(vec![
                    e.sequence.to_string(),
                    time_of(e.at.as_ref()),
                    e.actor.clone(),
                    e.detail.clone(),
                ]);
            }
            println!("{}", fit(t));
        }
    }

    pub(crate) fn list(&self, r: &pb::ListInquiriesResponse) {
        if self.quiet {
            r.inquiries
                .iter()
                .for_each(|i| println!("{}", i.inquiry_id));
            return;
        }
        if self.json {
            println!(
                "{}",
                json!({"inquiries": r.inquiries.iter().map(inquiry_json).collect::<Vec<_>>(), "next_page_token": r.next_page_token})
            );
            return;
        }
        if !is_wide() {
            println!("{}", list_narrow(&r.inquiries));
            if !r.next_page_token.is_empty() {
                println!("more: --page-token {}", r.next_page_token);
            }
            return;
        }
        let mut t = table(&[
            "id", "created", "channel", "category", "status", "customer", "text",
        ]);
        for i in &r.inquiries {
            let v = inquiry_json(i);
            t.add_row(vec![
                i.inquiry_id.clone(),
                time_of(i.created_at.as_ref()),
                v["channel"].as_str().unwrap_or("").to_string(),
                v["category"].as_str().unwrap_or("").to_string(),
                v["status"].as_str().unwrap_or("").to_string(),
                v["customer"]["name"].as_str().unwrap_or("").to_string(),
                i.text.clone(),
            ]);
        }
        println!("{}", fit(t));
        if !r.next_page_token.is_empty() {
            println!("more: --page-token {}", r.next_page_token);
        }
    }

    pub(crate) fn change(&self, c: &pb::WatchInquiriesResponse) {
        if c.caught_up {
            if self.json {
                println!("{}", json!({"cursor": c.cursor, "caught_up": true}));
            } else {
                println!("[{}] — caught up; live changes follow —", c.cursor);
            }
            return;
        }
        let change = pb::ChangeType::try_from(c.change)
            .map(|c| {
                c.as_str_name()
                    .trim_start_matches("CHANGE_TYPE_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        let id = c
            .inquiry
            .as_ref()
            .map(|i| i.inquiry_id.clone())
            .unwrap_or_default();
        if self.json {
            println!(
                "{}",
                json!({"cursor": c.cursor, "change": change, "actor": c.actor, "at": rfc3339(c.occurred_at.as_ref()), "inquiry_id": id, "detail": c.detail})
            );
        } else {
            println!(
                "[{}] {} {} {} by {}: {}",
                c.cursor,
                time_of(c.occurred_at.as_ref()),
                change,
                id,
                c.actor,
                c.detail
            );
        }
    }
}

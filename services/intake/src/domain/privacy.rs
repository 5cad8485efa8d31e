//! A subject access request's answer (PIPL art. 45, GDPR art. 15): everything intake holds
//! about a customer, as JSON a privacy officer can hand over. Pure: built from loaded
//! inquiries and their timelines.

use crate::domain::inquiry::Inquiry;
use serde_json::{Value, json};

/// One timeline line as exported.
pub struct TimelineLine {
    pub change: String,
    pub actor: String,
    pub at: i64,
    pub detail: String,
}

/// RFC 3339 in UTC, or null.
fn time(micros: Option<i64>) -> Value {
    micros
        .and_then(chrono::DateTime::from_timestamp_micros)
        .map_or(Value::Null, |t| Value::String(t.to_rfc3339()))
}

pub fn export(inquiries: &[(Inquiry, Vec<TimelineLine>)]) -> Value {
    // The customer as most recently recorded (names and contacts can change between visits).
    let customer = inquiries.last().map(|(i, _)| {
        json!({
            "name": i.customer.name,
            "phone": i.customer.phone,
            "email": i.customer.email,
            "social_handle": i.customer.social_handle,
            "preferred_reply": i.customer.preferred_reply.map(|m| m.code()),
        })
    });
    let items: Vec<Value> = inquiries
        .iter()
        .map(|(i, timeline)| {
            json!({
                "inquiry_id": i.inquiry_id,
                "property_id": i.property_id,
                "channel": i.channel.code(),
                "customer": {
                    "name": i.customer.name,
                    "phone": i.customer.phone,
                    "email": i.customer.email,
                    "social_handle": i.customer.social_handle,
                },
                "text": i.text,
                "reservation_ref": i.reservation_ref,
                "status": i.status.code(),
                "category": i.classification.category.code(),
                "created_at": time(Some(i.created_at)),
                "resolved_at": time(i.resolved_at),
                "responses": i.responses.iter().map(|r| json!({
                    "kind": r.kind.code(),
                    "text": r.text,
                    "method": r.method.code(),
                    "responded_by": r.responded_by,
                    "responded_at": time(Some(r.responded_at)),
                })).collect::<Vec<_>>(),
                "delay_notices": i.delays.iter().map(|d| json!({
                    "reason": d.reason,
                    "new_expected_at": time(Some(d.new_expected_at)),
                    "notified_at": time(Some(d.notified_at)),
                })).collect::<Vec<_>>(),
                "feedback": i.feedback.as_ref().map(|f| json!({
                    "satisfaction": f.satisfaction.code(),
                    "comment": f.comment,
                    "recorded_at": time(Some(f.recorded_at)),
                })),
                "timeline": timeline.iter().map(|t| json!({
                    "change": t.change,
                    "actor": t.actor,
                    "at": time(Some(t.at)),
                    "detail": t.detail,
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({ "customer": customer, "inquiries": items })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_rfc3339_utc_with_the_date() {
        assert_eq!(
            time(Some(1_764_460_800_000_000)),
            Value::String("2025-11-30T00:00:00+00:00".into())
        );
        assert_eq!(time(None), Value::Null);
    }

    #[test]
    fn nobody_exported_is_an_empty_answer_not_an_error() {
        assert_eq!(export(&[]), json!({ "customer": null, "inquiries": [] }));
    }
}

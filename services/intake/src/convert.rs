//! Protobuf ↔ domain. Prost types stay at the edge: nothing past the handlers sees them.

use crate::domain::inquiry::{Answer, DelayNotice, Feedback, Inquiry, ResponseKind, TemplateUse};
use crate::domain::model::{
    Category, Channel, Complexity, Language, ReplyMethod, Satisfaction, Status,
};
use frontdesk_platform::time::{opt_timestamp, to_timestamp};
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::intake::v1 as pb;

/// Domain and protobuf enums share variant names; this writes both directions.
macro_rules! enum_map {
    ($to_pb:ident, $from_pb:ident, $dom:ident, $pkg:ident::$pb:ident, [$($v:ident),+ $(,)?]) => {
        pub fn $to_pb(v: $dom) -> i32 {
            match v { $($dom::$v => $pkg::$pb::$v as i32),+ }
        }
        /// `None` for unspecified or unknown values.
        pub fn $from_pb(v: i32) -> Option<$dom> {
            match $pkg::$pb::try_from(v).ok()? {
                $($pkg::$pb::$v => Some($dom::$v),)+
                _ => None,
            }
        }
    };
}

enum_map!(
    channel_to_pb,
    channel_from_pb,
    Channel,
    common::Channel,
    [
        FrontDesk,
        Restaurant,
        Facility,
        Website,
        Ota,
        SocialWechat,
        SocialWeibo,
        SocialDouyin,
        Email,
        Hotline,
    ]
);
enum_map!(
    reply_to_pb,
    reply_from_pb,
    ReplyMethod,
    pb::ReplyMethod,
    [
        InPerson,
        Phone,
        Sms,
        Email,
        WebsiteMessage,
        OtaMessage,
        Wechat,
        Weibo,
        Douyin,
    ]
);
enum_map!(
    category_to_pb,
    category_from_pb,
    Category,
    common::Category,
    [
        RoomRates,
        Reservation,
        CheckInOut,
        Dining,
        Facilities,
        Events,
        LocalInfo,
        GuestLookup,
        MessagesMail,
        Complaint,
        Suggestion,
        HotelServices,
        Other,
    ]
);
enum_map!(
    language_to_pb,
    language_from_pb,
    Language,
    common::Language,
    [Zh, En]
);
enum_map!(
    complexity_to_pb,
    complexity_from_pb,
    Complexity,
    common::Complexity,
    [Simple, Complex]
);
enum_map!(
    status_to_pb,
    status_from_pb,
    Status,
    pb::InquiryStatus,
    [New, Acknowledged, Answered, Resolved, Reopened]
);
enum_map!(
    satisfaction_to_pb,
    satisfaction_from_pb,
    Satisfaction,
    common::Satisfaction,
    [
        VerySatisfied,
        Satisfied,
        Neutral,
        Dissatisfied,
        VeryDissatisfied,
    ]
);

/// A wire value outside the enum this server knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnknownValue(pub i32);

/// Unspecified → `Ok(None)`; a value outside the enum → `Err`.
pub fn optional_reply(v: i32) -> Result<Option<ReplyMethod>, UnknownValue> {
    if v == 0 {
        return Ok(None);
    }
    reply_from_pb(v).map(Some).ok_or(UnknownValue(v))
}

/// What intake's events say about an inquiry: facts, never the customer's data or text.
pub fn facts_to_pb(i: &Inquiry) -> pb::InquiryFacts {
    let c = &i.classification;
    pb::InquiryFacts {
        inquiry_id: i.inquiry_id.clone(),
        property_id: i.property_id.clone(),
        channel: channel_to_pb(i.channel),
        category: category_to_pb(c.category),
        language: language_to_pb(c.language),
        complexity: complexity_to_pb(c.complexity),
        confidence: c.confidence,
        matched_terms: c.matched_terms.clone(),
        complaint_process: c.complaint_process,
        reclassified: c.reclassified,
        needs_triage: c.needs_triage,
        status: status_to_pb(i.status),
        created_at: Some(to_timestamp(i.created_at)),
        acknowledged_at: opt_timestamp(i.acknowledged_at),
        first_response_at: opt_timestamp(i.first_response_at),
        resolved_at: opt_timestamp(i.resolved_at),
        expected_at: opt_timestamp(i.expected_at),
        waiting_on_customer_since: opt_timestamp(i.waiting_since),
        assignee: i.assignee.clone(),
        satisfaction: i
            .feedback
            .as_ref()
            .map(|f| satisfaction_to_pb(f.satisfaction))
            .unwrap_or(0),
        audits: i
            .responses
            .iter()
            .filter_map(|r| {
                r.audit.as_ref().map(|a| pb::AuditFact {
                    response_id: r.response_id.clone(),
                    responded_by: r.responded_by.clone(),
                    accurate: a.accurate,
                })
            })
            .collect(),
        responses: i.answers().count() as i32,
        delay_notices: i.delays.len() as i32,
        version: i.version,
    }
}

pub fn inquiry_to_pb(i: &Inquiry) -> pb::Inquiry {
    let c = &i.classification;
    pb::Inquiry {
        inquiry_id: i.inquiry_id.clone(),
        property_id: i.property_id.clone(),
        channel: channel_to_pb(i.channel),
        customer: Some(pb::Customer {
            name: i.customer.name.clone(),
            phone: i.customer.phone.clone(),
            email: i.customer.email.clone(),
            social_handle: i.customer.social_handle.clone(),
            preferred_reply: i.customer.preferred_reply.map(reply_to_pb).unwrap_or(0),
        }),
        text: i.text.clone(),
        reservation_ref: i.reservation_ref.clone(),
        status: status_to_pb(i.status),
        classification: Some(pb::Classification {
            category: category_to_pb(c.category),
            language: language_to_pb(c.language),
            complexity: complexity_to_pb(c.complexity),
            confidence: c.confidence,
            matched_terms: c.matched_terms.clone(),
            complaint_process: c.complaint_process,
            reclassified: c.reclassified,
            needs_triage: c.needs_triage,
        }),
        assignee: i.assignee.clone(),
        created_by: i.created_by.clone(),
        created_at: Some(to_timestamp(i.created_at)),
        acknowledged_at: opt_timestamp(i.acknowledged_at),
        first_response_at: opt_timestamp(i.first_response_at),
        resolved_at: opt_timestamp(i.resolved_at),
        expected_at: opt_timestamp(i.expected_at),
        responses: i.responses.iter().map(answer_to_pb).collect(),
        delays: i.delays.iter().map(delay_to_pb).collect(),
        feedback: i.feedback.as_ref().map(feedback_to_pb),
        earlier_feedback: i.earlier_feedback.iter().map(feedback_to_pb).collect(),
        version: i.version,
        updated_at: Some(to_timestamp(i.updated_at)),
        routing: i.routing.as_ref().map(|r| pb::RoutingView {
            lead_department: r.lead_department.clone(),
            participants: r.participants.clone(),
            assignee: r.assignee.clone(),
            on_the_spot: r.on_the_spot,
            first_response_due: Some(to_timestamp(r.first_response_due)),
            resolution_due: Some(to_timestamp(r.resolution_due)),
            original_resolution_due: Some(to_timestamp(r.original_resolution_due)),
            fired: r.fired.clone(),
            as_of: Some(to_timestamp(r.as_of)),
        }),
        waiting_on_customer_since: opt_timestamp(i.waiting_since),
    }
}

fn feedback_to_pb(f: &Feedback) -> pb::Feedback {
    pb::Feedback {
        satisfaction: satisfaction_to_pb(f.satisfaction),
        comment: f.comment.clone(),
        recorded_by: f.recorded_by.clone(),
        recorded_at: Some(to_timestamp(f.recorded_at)),
        response_id: f.response_id.clone(),
    }
}

fn answer_to_pb(r: &Answer) -> pb::Response {
    pb::Response {
        response_id: r.response_id.clone(),
        text: r.text.clone(),
        method: reply_to_pb(r.method),
        on_the_spot: r.on_the_spot,
        responded_by: r.responded_by.clone(),
        responded_at: Some(to_timestamp(r.responded_at)),
        audit: r.audit.as_ref().map(|a| pb::Audit {
            accurate: a.accurate,
            note: a.note.clone(),
            audited_by: a.audited_by.clone(),
            audited_at: Some(to_timestamp(a.audited_at)),
        }),
        template: r.template.as_ref().map(template_to_pb),
        kind: match r.kind {
            ResponseKind::Answer => pb::ResponseKind::Answer,
            ResponseKind::Acknowledgement => pb::ResponseKind::Acknowledgement,
        } as i32,
    }
}

fn template_to_pb(t: &TemplateUse) -> pb::TemplateUse {
    pb::TemplateUse {
        template_id: t.template_id.clone(),
        template_version: t.version,
    }
}

fn delay_to_pb(d: &DelayNotice) -> pb::DelayNotice {
    pb::DelayNotice {
        reason: d.reason.clone(),
        new_expected_at: Some(to_timestamp(d.new_expected_at)),
        previous_expected_at: opt_timestamp(d.previous_expected_at),
        notified_by: d.notified_by.clone(),
        notified_at: Some(to_timestamp(d.notified_at)),
        template: d.template.as_ref().map(template_to_pb),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_domain_enum_survives_the_wire() {
        for c in Channel::ALL {
            assert_eq!(channel_from_pb(channel_to_pb(*c)), Some(*c));
        }
        for c in Category::ALL {
            assert_eq!(category_from_pb(category_to_pb(*c)), Some(*c));
        }
        for s in Status::ALL {
            assert_eq!(status_from_pb(status_to_pb(*s)), Some(*s));
        }
        // The wire numbers are the published contract (common.proto, intake.proto): fixed
        // here, not taken from the mapping under test.
        assert_eq!(
            Channel::ALL
                .iter()
                .map(|c| channel_to_pb(*c))
                .collect::<Vec<_>>(),
            (1..=10).collect::<Vec<i32>>()
        );
        assert_eq!(channel_to_pb(Channel::Hotline), 10);
        assert_eq!(channel_from_pb(7), Some(Channel::SocialWeibo));
        assert_eq!(category_to_pb(Category::CheckInOut), 3);
        assert_eq!(category_to_pb(Category::Complaint), 10);
        assert_eq!(category_from_pb(13), Some(Category::Other));
        assert_eq!(
            Status::ALL
                .iter()
                .map(|s| status_to_pb(*s))
                .collect::<Vec<_>>(),
            [1, 2, 3, 4, 5]
        );
        assert_eq!(channel_from_pb(0), None);
        assert_eq!(channel_from_pb(999), None);
        assert_eq!(optional_reply(999), Err(UnknownValue(999)));
    }

    /// Intake's domain enums keep protobuf out of the domain, but their codes (storage,
    /// rules files, logs) must be the shared vocabulary's, or a rules file written for
    /// routing would mean something else here.
    #[test]
    fn domain_codes_are_the_shared_vocabulary() {
        for c in Channel::ALL {
            let wire = common::Channel::try_from(channel_to_pb(*c)).ok();
            assert_eq!(wire.and_then(common::Channel::code), Some(c.code()));
        }
        for c in Category::ALL {
            let wire = common::Category::try_from(category_to_pb(*c)).ok();
            assert_eq!(wire.and_then(common::Category::code), Some(c.code()));
        }
        for l in Language::ALL {
            let wire = common::Language::try_from(language_to_pb(*l)).ok();
            assert_eq!(wire.and_then(common::Language::code), Some(l.code()));
        }
        for c in Complexity::ALL {
            let wire = common::Complexity::try_from(complexity_to_pb(*c)).ok();
            assert_eq!(wire.and_then(common::Complexity::code), Some(c.code()));
        }
        for s in Satisfaction::ALL {
            let wire = common::Satisfaction::try_from(satisfaction_to_pb(*s)).ok();
            assert_eq!(wire.and_then(common::Satisfaction::code), Some(s.code()));
        }
        for r in ReplyMethod::ALL {
            let wire = pb::ReplyMethod::try_from(reply_to_pb(*r)).ok();
            assert_eq!(wire.and_then(pb::ReplyMethod::code), Some(r.code()));
        }
        for s in Status::ALL {
            let wire = pb::InquiryStatus::try_from(status_to_pb(*s)).ok();
            assert_eq!(wire.and_then(pb::InquiryStatus::code), Some(s.code()));
        }
    }
}

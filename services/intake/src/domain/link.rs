//! Links from an inquiry to what messaging recorded for it (issue 10): which of messaging's
//! events name an inquiry, what kind of link each makes, and how the timeline reads it.

use frontdesk_proto::intake::v1::LinkKind;
use frontdesk_proto::messaging::v1 as messaging;
use prost::{Message, Name};

/// A link an event asks for: the inquiry, what kind of thing, and its messaging id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Link {
    pub inquiry_id: String,
    pub kind: LinkKind,
    pub target_id: String,
}

/// The link `payload` (an event of type `event_type`) asks for; `None` for events that name
/// no inquiry or are not about a lookup, a message or a mail item. A payload that does not
/// decode is an error (the inbox parks it).
pub fn from_event(event_type: &str, payload: &[u8]) -> Result<Option<Link>, prost::DecodeError> {
    let (inquiry_id, kind, target_id) = if event_type == messaging::GuestLookedUp::full_name() {
        let e = messaging::GuestLookedUp::decode(payload)?;
        (e.inquiry_id, LinkKind::GuestLookup, e.lookup_id)
    } else if event_type == messaging::MessageLeft::full_name() {
        let e = messaging::MessageLeft::decode(payload)?;
        let kind = if e.direction == messaging::MessageDirection::ForVisitor as i32 {
            LinkKind::MessageForVisitor
        } else {
            LinkKind::Message
        };
        (e.inquiry_id, kind, e.message_id)
    } else if event_type == messaging::MailItemChanged::full_name() {
        // Every change of the item carries its inquiry; the first one delivered links it.
        let e = messaging::MailItemChanged::decode(payload)?;
        (e.inquiry_id, LinkKind::MailItem, e.item_id)
    } else {
        return Ok(None);
    };
    if inquiry_id.is_empty() || target_id.is_empty() {
        return Ok(None);
    }
    Ok(Some(Link {
        inquiry_id,
        kind,
        target_id,
    }))
}

/// The stored name of a kind (stable: it is in the database).
pub fn kind_code(kind: LinkKind) -> &'static str {
    match kind {
        LinkKind::GuestLookup => "guest_lookup",
        LinkKind::Message => "message",
        LinkKind::MessageForVisitor => "message_for_visitor",
        LinkKind::MailItem => "mail_item",
        LinkKind::Unspecified => "unspecified",
    }
}

pub fn kind_from_code(code: &str) -> LinkKind {
    match code {
        "guest_lookup" => LinkKind::GuestLookup,
        "message" => LinkKind::Message,
        "message_for_visitor" => LinkKind::MessageForVisitor,
        "mail_item" => LinkKind::MailItem,
        _ => LinkKind::Unspecified,
    }
}

/// The timeline's line for a new link.
pub fn timeline_detail(link: &Link) -> String {
    let id = &link.target_id;
    match link.kind {
        LinkKind::GuestLookup => format!("guest lookup {id} made for this inquiry"),
        LinkKind::Message => format!("message {id} left for the guest for this inquiry"),
        LinkKind::MessageForVisitor => {
            format!("message {id} left for a visitor for this inquiry")
        }
        LinkKind::MailItem => format!("mail item {id} registered for this inquiry"),
        LinkKind::Unspecified => format!("{id} recorded for this inquiry"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const INQUIRY: &str = "0192f0c4-5b7e-7a3c-9d2e-1f6a8b9c0d1e";

    fn link(kind: LinkKind, target: &str) -> Option<Link> {
        Some(Link {
            inquiry_id: INQUIRY.into(),
            kind,
            target_id: target.into(),
        })
    }

    #[test]
    fn each_messaging_fact_that_names_an_inquiry_makes_its_kind_of_link() {
        let lookup = messaging::GuestLookedUp {
            lookup_id: "l1".into(),
            inquiry_id: INQUIRY.into(),
            ..Default::default()
        };
        assert_eq!(
            from_event(
                &messaging::GuestLookedUp::full_name(),
                &lookup.encode_to_vec()
            ),
            Ok(link(LinkKind::GuestLookup, "l1"))
        );
        for (direction, kind) in [
            (messaging::MessageDirection::ForGuest, LinkKind::Message),
            (
                messaging::MessageDirection::ForVisitor,
                LinkKind::MessageForVisitor,
            ),
        ] {
            let left = messaging::MessageLeft {
                message_id: "m1".into(),
                direction: direction as i32,
                inquiry_id: INQUIRY.into(),
                ..Default::default()
            };
            assert_eq!(
                from_event(&messaging::MessageLeft::full_name(), &left.encode_to_vec()),
                Ok(link(kind, "m1"))
            );
        }
        let mail = messaging::MailItemChanged {
            item_id: "i1".into(),
            inquiry_id: INQUIRY.into(),
            ..Default::default()
        };
        assert_eq!(
            from_event(
                &messaging::MailItemChanged::full_name(),
                &mail.encode_to_vec()
            ),
            Ok(link(LinkKind::MailItem, "i1"))
        );
    }

    #[test]
    fn events_without_an_inquiry_or_of_other_facts_make_none() {
        let left = messaging::MessageLeft {
            message_id: "m1".into(),
            ..Default::default()
        };
        assert_eq!(
            from_event(&messaging::MessageLeft::full_name(), &left.encode_to_vec()),
            Ok(None)
        );
        let lamp = messaging::LampChanged::default();
        assert_eq!(
            from_event(&messaging::LampChanged::full_name(), &lamp.encode_to_vec()),
            Ok(None)
        );
        assert!(from_event(&messaging::MessageLeft::full_name(), &[0xff, 0xff]).is_err());
    }

    #[test]
    fn kinds_survive_the_database() {
        for kind in [
            LinkKind::GuestLookup,
            LinkKind::Message,
            LinkKind::MessageForVisitor,
            LinkKind::MailItem,
        ] {
            assert_eq!(kind_from_code(kind_code(kind)), kind);
        }
    }
}

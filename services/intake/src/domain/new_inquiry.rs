//! Validation of a new inquiry (CI-3.1: customer name, contact, channel, full content).
//! Every violated field is reported at once, by its request path.

use super::inquiry::Customer;
use super::model::{Channel, ReplyMethod};
use frontdesk_platform::contact::{valid_email, valid_phone};
use frontdesk_platform::error::Violations;
use frontdesk_platform::text;

pub const MAX_TEXT_CHARS: usize = 8_000;
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_KEY_CHARS: usize = 128;
pub const MAX_ID_CHARS: usize = 64;

/// The request as received, enums already decoded (`None`: unspecified or unknown value).
#[derive(Debug, Clone, Default)]
pub struct RawNewInquiry {
    pub property_id: String,
    pub channel: Option<Channel>,
    pub customer_present: bool,
    pub name: String,
    pub phone: String,
    pub email: String,
    pub social_handle: String,
    /// `None`: reply through the inquiry's channel.
    pub preferred_reply: Option<ReplyMethod>,
    /// The request named a reply method this server does not know.
    pub preferred_reply_unknown: bool,
    pub text: String,
    pub reservation_ref: String,
    pub idempotency_key: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewInquiry {
    pub property_id: String,
    pub channel: Channel,
    pub customer: Customer,
    pub text: String,
    pub reservation_ref: String,
    pub idempotency_key: String,
}

impl NewInquiry {
    pub fn parse(raw: RawNewInquiry) -> Result<NewInquiry, Violations> {
        let mut v = Violations::new();
        let property_id = raw.property_id.trim().to_string();
        if property_id.is_empty() {
            v.add("property_id", "required");
        } else if property_id.chars().count() > MAX_ID_CHARS {
            v.add("property_id", format!("at most {MAX_ID_CHARS} characters"));
        }
        if raw.channel.is_none() {
            v.add("channel", "required: one of the CHANNEL_* values");
        }
        let name = raw.name.trim().to_string();
        let phone = raw.phone.trim().to_string();
        let email = raw.email.trim().to_string();
        let social_handle = raw.social_handle.trim().to_string();
        if !raw.customer_present {
            v.add(
                "customer",
                "required: name and a phone, e-mail or social handle",
            );
        } else {
            if name.is_empty() {
                v.add("customer.name", "required");
            } else if name.chars().count() > MAX_NAME_CHARS {
                v.add(
                    "customer.name",
                    format!("at most {MAX_NAME_CHARS} characters"),
                );
            } else {
                text::check_required(&mut v, "customer.name", &name, true);
            }
            if phone.is_empty() && email.is_empty() && social_handle.is_empty() {
                v.add(
                    "customer",
                    "needs at least one contact: phone, email or social_handle",
                );
            }
            if !phone.is_empty() && !valid_phone(&phone) {
                v.add("customer.phone", "not a phone number: 5 to 20 digits, optionally with +, spaces, dashes or brackets");
            }
            if !email.is_empty() && !valid_email(&email) {
                v.add("customer.email", "not an e-mail address");
            }
            text::check(&mut v, "customer.social_handle", &social_handle, true);
            if social_handle.chars().count() > MAX_NAME_CHARS {
                v.add(
                    "customer.social_handle",
                    format!("at most {MAX_NAME_CHARS} characters"),
                );
            }
        }
        let preferred_reply = raw.preferred_reply;
        if raw.preferred_reply_unknown {
            v.add("customer.preferred_reply", "unknown reply method");
        }
        match preferred_reply {
            Some(ReplyMethod::Email) if email.is_empty() => v.add(
                "customer.preferred_reply",
                "an e-mail reply needs customer.email",
            ),
            Some(ReplyMethod::Phone | ReplyMethod::Sms) if phone.is_empty() => v.add(
                "customer.preferred_reply",
                "a phone or SMS reply needs customer.phone",
            ),
            _ => {}
        }
        let text = raw.text.trim().to_string();
        if text.is_empty() {
            v.add("text", "required: the full content of the inquiry");
        } else if text.chars().count() > MAX_TEXT_CHARS {
            v.add("text", format!("at most {MAX_TEXT_CHARS} characters"));
        } else {
            text::check_required(&mut v, "text", &text, false);
        }
        let reservation_ref = raw.reservation_ref.trim().to_string();
        text::check(&mut v, "reservation_ref", &reservation_ref, true);
        if reservation_ref.chars().count() > MAX_ID_CHARS {
            v.add(
                "reservation_ref",
                format!("at most {MAX_ID_CHARS} characters"),
            );
        }
        let idempotency_key = raw.idempotency_key.trim().to_string();
        if idempotency_key.is_empty() {
            v.add(
                "idempotency_key",
                "required, so a retry does not record the inquiry twice",
            );
        } else if idempotency_key.chars().count() > MAX_KEY_CHARS {
            v.add(
                "idempotency_key",
                format!("at most {MAX_KEY_CHARS} characters"),
            );
        }
        let channel = raw.channel.unwrap_or(Channel::FrontDesk);
        v.into_result(NewInquiry {
            property_id,
            channel,
            customer: Customer {
                name,
                phone,
                email,
                social_handle,
                preferred_reply,
            },
            text,
            reservation_ref,
            idempotency_key,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw() -> RawNewInquiry {
        RawNewInquiry {
            property_id: "sh-bund".into(),
            channel: Some(Channel::Hotline),
            customer_present: true,
            name: "王芳".into(),
            phone: "+86 138-0013-8000".into(),
            text: "请问早餐几点？".into(),
            idempotency_key: "k1".into(),
            ..Default::default()
        }
    }

    fn fields(r: Result<NewInquiry, Violations>) -> Vec<String> {
        r.expect_err("should be invalid")
            .fields()
            .map(String::from)
            .collect()
    }

    #[test]
    fn a_complete_inquiry_parses_and_is_trimmed() {
        let mut r = raw();
        r.text = "  请问早餐几点？ ".into();
        let n = NewInquiry::parse(r).expect("valid");
        assert_eq!(n.text, "请问早餐几点？");
    }

    #[test]
    fn every_violation_names_its_field() {
        let r = RawNewInquiry::default();
        assert_eq!(
            fields(NewInquiry::parse(r)),
            vec![
                "property_id",
                "channel",
                "customer",
                "text",
                "idempotency_key"
            ]
        );
    }

    #[test]
    fn contact_is_required_and_checked() {
        let mut r = raw();
        r.phone.clear();
        assert_eq!(fields(NewInquiry::parse(r.clone())), vec!["customer"]);
        r.email = "not-an-email".into();
        assert_eq!(fields(NewInquiry::parse(r.clone())), vec!["customer.email"]);
        r.email = "li@example.cn".into();
        r.phone = "12ab".into();
        assert_eq!(fields(NewInquiry::parse(r)), vec!["customer.phone"]);
    }

    #[test]
    fn oversize_text_counts_characters_not_bytes() {
        let mut r = raw();
        r.text = "房".repeat(MAX_TEXT_CHARS);
        assert!(NewInquiry::parse(r.clone()).is_ok());
        r.text.push('间');
        assert_eq!(fields(NewInquiry::parse(r)), vec!["text"]);
    }

    #[test]
    fn preferred_reply_needs_the_matching_contact() {
        let mut r = raw();
        r.preferred_reply = Some(ReplyMethod::Email);
        assert_eq!(
            fields(NewInquiry::parse(r)),
            vec!["customer.preferred_reply"]
        );
    }
}

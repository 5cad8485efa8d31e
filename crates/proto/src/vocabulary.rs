//! Stable snake_case codes of the shared vocabulary (`frontdesk.common.v1`): the form rules
//! files, storage and logs use. One table per enum, so no service rebuilds a code by
//! stripping enum-name prefixes, and an unknown value is `None`, never a silent default.

use crate::common::v1::{Category, Channel, Complexity, Language, Satisfaction, StaffRole};
use crate::intake::v1::{InquiryStatus, ReplyMethod};

/// A vocabulary enum spoken as codes, for code that handles any of them (parsing a
/// command-line value and listing the valid ones, say).
pub trait Coded: Sized + Copy + 'static {
    /// Every specified value.
    fn specified() -> &'static [Self];
    /// The stable code; `None` for UNSPECIFIED.
    fn to_code(self) -> Option<&'static str>;
    fn parse_code(code: &str) -> Option<Self>;
    /// The valid codes, comma-separated, for error messages.
    fn valid_codes() -> String {
        Self::specified()
            .iter()
            .filter_map(|c| c.to_code())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

macro_rules! codes {
    ($name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        impl Coded for $name {
            fn specified() -> &'static [Self] {
                Self::SPECIFIED
            }
            fn to_code(self) -> Option<&'static str> {
                self.code()
            }
            fn parse_code(code: &str) -> Option<Self> {
                Self::from_code(code)
            }
        }

        impl $name {
            /// Every specified value.
            pub const SPECIFIED: &'static [$name] = &[$($name::$variant),+];

            /// The stable code, e.g. "social_wechat"; `None` for UNSPECIFIED.
            pub fn code(self) -> Option<&'static str> {
                match self {
                    $($name::$variant => Some($code),)+
                    #[allow(unreachable_patterns)]
                    _ => None,
                }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code {
                    $($code => Some($name::$variant),)+
                    _ => None,
                }
            }

            /// A wire value as a specified variant: `None` for UNSPECIFIED and for numbers
            /// this build does not know (a newer producer).
            pub fn from_wire(v: i32) -> Option<Self> {
                $name::try_from(v).ok().filter(|x| x.code().is_some())
            }
        }
    };
}

codes!(Channel {
    FrontDesk => "front_desk",
    Restaurant => "restaurant",
    Facility => "facility",
    Website => "website",
    Ota => "ota",
    SocialWechat => "social_wechat",
    SocialWeibo => "social_weibo",
    SocialDouyin => "social_douyin",
    Email => "email",
    Hotline => "hotline",
});

codes!(Category {
    RoomRates => "room_rates",
    Reservation => "reservation",
    CheckInOut => "check_in_out",
    Dining => "dining",
    Facilities => "facilities",
    Events => "events",
    LocalInfo => "local_info",
    GuestLookup => "guest_lookup",
    MessagesMail => "messages_mail",
    Complaint => "complaint",
    Suggestion => "suggestion",
    HotelServices => "hotel_services",
    Other => "other",
});

codes!(Language {
    Zh => "zh",
    En => "en",
});

codes!(Complexity {
    Simple => "simple",
    Complex => "complex",
});

codes!(Satisfaction {
    VerySatisfied => "very_satisfied",
    Satisfied => "satisfied",
    Neutral => "neutral",
    Dissatisfied => "dissatisfied",
    VeryDissatisfied => "very_dissatisfied",
});

codes!(StaffRole {
    Agent => "agent",
    Supervisor => "supervisor",
    Manager => "manager",
});

// Intake's own vocabulary, for clients (the CLI, adapters) that speak codes.
codes!(ReplyMethod {
    InPerson => "in_person",
    Phone => "phone",
    Sms => "sms",
    Email => "email",
    WebsiteMessage => "website_message",
    OtaMessage => "ota_message",
    Wechat => "wechat",
    Weibo => "weibo",
    Douyin => "douyin",
});

codes!(InquiryStatus {
    New => "new",
    Acknowledged => "acknowledged",
    Answered => "answered",
    Resolved => "resolved",
    Reopened => "reopened",
});

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_and_unspecified_has_none() {
        for c in Channel::SPECIFIED {
            assert_eq!(Channel::from_code(c.code().unwrap_or_default()), Some(*c));
        }
        for c in Category::SPECIFIED {
            assert_eq!(Category::from_code(c.code().unwrap_or_default()), Some(*c));
        }
        for c in ReplyMethod::SPECIFIED {
            assert_eq!(
                ReplyMethod::from_code(c.code().unwrap_or_default()),
                Some(*c)
            );
        }
        for c in InquiryStatus::SPECIFIED {
            assert_eq!(
                InquiryStatus::from_code(c.code().unwrap_or_default()),
                Some(*c)
            );
        }
        assert_eq!(
            Complexity::valid_codes(),
            "simple, complex",
            "the list a CLI shows for a wrong value"
        );
        assert_eq!(Channel::Unspecified.code(), None);
        assert_eq!(Channel::from_wire(0), None);
        assert_eq!(Channel::from_wire(999), None);
        assert_eq!(Channel::from_wire(10), Some(Channel::Hotline));
        assert_eq!(
            Satisfaction::from_code("neutral"),
            Some(Satisfaction::Neutral)
        );
    }
}

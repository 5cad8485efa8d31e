//! The inquiry's vocabulary, free of protobuf and SQL. Stored as stable snake_case codes.

macro_rules! coded_enum {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $code:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stable code used in storage, rules files and events.
            pub fn code(self) -> &'static str {
                match self { $($name::$variant => $code),+ }
            }

            pub fn from_code(code: &str) -> Option<Self> {
                match code { $($code => Some($name::$variant),)+ _ => None }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.code())
            }
        }
    };
}

coded_enum!(
    /// Where the inquiry came in (CI-2).
    Channel {
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
    }
);

impl Channel {
    /// Social-media channels: complaints from them go to the complaint process (CI-2.5).
    pub fn is_social(self) -> bool {
        matches!(
            self,
            Channel::SocialWechat | Channel::SocialWeibo | Channel::SocialDouyin
        )
    }

    /// Offline channels answer on the spot (CI-5.4 timeliness: "offline on the spot").
    pub fn is_offline(self) -> bool {
        matches!(
            self,
            Channel::FrontDesk | Channel::Restaurant | Channel::Facility
        )
    }

    /// How a reply goes back when nobody says otherwise: through the channel the inquiry
    /// came from (CI-3.7).
    pub fn default_reply_method(self) -> ReplyMethod {
        match self {
            Channel::FrontDesk | Channel::Restaurant | Channel::Facility => ReplyMethod::InPerson,
            Channel::Website => ReplyMethod::WebsiteMessage,
            Channel::Ota => ReplyMethod::OtaMessage,
            Channel::SocialWechat => ReplyMethod::Wechat,
            Channel::SocialWeibo => ReplyMethod::Weibo,
            Channel::SocialDouyin => ReplyMethod::Douyin,
            Channel::Email => ReplyMethod::Email,
            Channel::Hotline => ReplyMethod::Phone,
        }
    }
}

coded_enum!(
    /// How an answer reaches the customer (CI-3.7).
    ReplyMethod {
        InPerson => "in_person",
        Phone => "phone",
        Sms => "sms",
        Email => "email",
        WebsiteMessage => "website_message",
        OtaMessage => "ota_message",
        Wechat => "wechat",
        Weibo => "weibo",
        Douyin => "douyin",
    }
);

coded_enum!(
    /// What the inquiry is about. Intent beats topic: a complaint about the restaurant is a
    /// complaint.
    Category {
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
    }
);

coded_enum!(
    Language {
        Zh => "zh",
        En => "en",
    }
);

coded_enum!(
    /// CI-3.2: simple, common questions are answered now; complex ones are verified first.
    Complexity {
        Simple => "simple",
        Complex => "complex",
    }
);

coded_enum!(
    /// Where an inquiry is in its life.
    Status {
        New => "new",
        Acknowledged => "acknowledged",
        Answered => "answered",
        Resolved => "resolved",
        Reopened => "reopened",
    }
);

coded_enum!(
    /// CI-5.4: five levels of customer satisfaction.
    Satisfaction {
        VerySatisfied => "very_satisfied",
        Satisfied => "satisfied",
        Neutral => "neutral",
        Dissatisfied => "dissatisfied",
        VeryDissatisfied => "very_dissatisfied",
    }
);

impl Satisfaction {
    /// Counted as satisfied in the CI-5.4 satisfaction KPI.
    pub fn is_satisfied(self) -> bool {
        matches!(self, Satisfaction::VerySatisfied | Satisfaction::Satisfied)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for c in Category::ALL {
            assert_eq!(Category::from_code(c.code()), Some(*c));
        }
        for c in Channel::ALL {
            assert_eq!(Channel::from_code(c.code()), Some(*c));
        }
        assert_eq!(Status::from_code("nonsense"), None);
        // Stored codes: fixed, whatever the code says.
        assert_eq!(
            Status::ALL.iter().map(|s| s.code()).collect::<Vec<_>>(),
            ["new", "acknowledged", "answered", "resolved", "reopened"]
        );
        assert_eq!(Channel::SocialWechat.code(), "social_wechat");
        assert_eq!(Category::CheckInOut.code(), "check_in_out");
        assert_eq!(
            Category::from_code("check_in_out"),
            Some(Category::CheckInOut)
        );
    }

    #[test]
    fn replies_default_to_the_inquiry_channel() {
        assert_eq!(Channel::Hotline.default_reply_method(), ReplyMethod::Phone);
        assert_eq!(
            Channel::FrontDesk.default_reply_method(),
            ReplyMethod::InPerson
        );
        assert_eq!(Channel::Email.default_reply_method(), ReplyMethod::Email);
    }
}

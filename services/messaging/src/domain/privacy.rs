//! MD-2.1: what a guest lookup may disclose. An outside caller learns at most "we can take a
//! message or put you through" about an in-house guest without a privacy request — never a
//! room — and every other case (no such guest, no information, incognito, not arrived,
//! departed) gets one and the same answer. Staff see rooms and privacy levels.

use frontdesk_proto::messaging::v1::{CallerKind, Disclosure, PrivacyLevel, StayStatus};

/// A stay the query matched, as far as the decision needs.
#[derive(Debug, Clone, Copy)]
pub struct Found {
    pub status: StayStatus,
    pub privacy: PrivacyLevel,
}

/// Whether a stay may be confirmed to an outside caller.
pub fn confirmable_to_outside(f: Found) -> bool {
    f.status == StayStatus::InHouse && f.privacy == PrivacyLevel::None
}

pub fn disclosure(kind: CallerKind, found: &[Found]) -> Disclosure {
    match kind {
        CallerKind::Staff => Disclosure::StaffDetail,
        _ if found.iter().any(|f| confirmable_to_outside(*f)) => Disclosure::MessageOrTransfer,
        _ => Disclosure::NotConfirmed,
    }
}

/// What the clerk says (Chinese, English).
pub fn script(d: Disclosure) -> (&'static str, &'static str) {
    match d {
        Disclosure::MessageOrTransfer => (
            "这位客人在本店入住。我们可以为您留言，或为您转接客房电话。",
            "The guest is staying with us. We can take a message or put you through to the room.",
        ),
        Disclosure::StaffDetail => (
            "内部查询结果，请勿向外透露房号。",
            "Staff lookup: never give a room number to a caller.",
        ),
        _ => (
            "抱歉，我们无法确认这位客人的入住信息。如您愿意，我们可以为您留下口信。",
            "I'm sorry, we cannot confirm a guest by that name. We can take a message for you if you wish.",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL_PRIVACY: [PrivacyLevel; 3] = [
        PrivacyLevel::None,
        PrivacyLevel::NoInformation,
        PrivacyLevel::Incognito,
    ];
    const ALL_STATUS: [StayStatus; 5] = [
        StayStatus::Expected,
        StayStatus::InHouse,
        StayStatus::Departed,
        StayStatus::Cancelled,
        StayStatus::NoShow,
    ];

    #[test]
    fn outside_callers_get_the_absent_answer_for_every_protected_or_absent_guest() {
        let absent = disclosure(CallerKind::Outside, &[]);
        assert_eq!(absent, Disclosure::NotConfirmed);
        for privacy in ALL_PRIVACY {
            for status in ALL_STATUS {
                let d = disclosure(CallerKind::Outside, &[Found { status, privacy }]);
                if privacy == PrivacyLevel::None && status == StayStatus::InHouse {
                    assert_eq!(d, Disclosure::MessageOrTransfer);
                } else {
                    assert_eq!(d, absent, "{privacy:?} {status:?}");
                }
            }
        }
    }

    #[test]
    fn staff_always_get_detail_and_scripts_never_name_a_room() {
        assert_eq!(disclosure(CallerKind::Staff, &[]), Disclosure::StaffDetail);
        for d in [Disclosure::NotConfirmed, Disclosure::MessageOrTransfer] {
            let (zh, en) = script(d);
            assert!(!zh.chars().any(|c| c.is_ascii_digit()));
            assert!(!en.chars().any(|c| c.is_ascii_digit()));
        }
    }
}

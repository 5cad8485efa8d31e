//! Stay transitions driven by the PMS (check-in, check-out, room move, cancel).

use super::Refusal;
use frontdesk_proto::messaging::v1::StayStatus;

/// What a transition does; `Unchanged` answers a retry with the stay as it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Apply,
    Unchanged,
}

pub fn check_in(status: StayStatus, room_now: &str, room: &str) -> Result<Step, Refusal> {
    match status {
        StayStatus::Expected if room.is_empty() && room_now.is_empty() => Err(
            Refusal::Precondition("the stay has no room yet: give the room to check in to".into()),
        ),
        StayStatus::Expected => Ok(Step::Apply),
        StayStatus::InHouse if room.is_empty() || room == room_now => Ok(Step::Unchanged),
        StayStatus::InHouse => Err(Refusal::Precondition(
            "the guest is already checked in to another room: use RoomMove".into(),
        )),
        other => Err(Refusal::Precondition(format!(
            "a {} stay cannot be checked in",
            label(other)
        ))),
    }
}

pub fn check_out(status: StayStatus) -> Result<Step, Refusal> {
    match status {
        StayStatus::InHouse => Ok(Step::Apply),
        StayStatus::Departed => Ok(Step::Unchanged),
        other => Err(Refusal::Precondition(format!(
            "a {} stay cannot be checked out",
            label(other)
        ))),
    }
}

pub fn room_move(status: StayStatus, room_now: &str, new_room: &str) -> Result<Step, Refusal> {
    match status {
        StayStatus::InHouse if room_now == new_room => Ok(Step::Unchanged),
        StayStatus::InHouse => Ok(Step::Apply),
        other => Err(Refusal::Precondition(format!(
            "only an in-house guest can move rooms; this stay is {}",
            label(other)
        ))),
    }
}

pub fn cancel(status: StayStatus, to: StayStatus) -> Result<Step, Refusal> {
    match status {
        s if s == to => Ok(Step::Unchanged),
        StayStatus::Expected => Ok(Step::Apply),
        other => Err(Refusal::Precondition(format!(
            "only an expected stay can be cancelled or marked no-show; this stay is {}",
            label(other)
        ))),
    }
}

pub fn label(s: StayStatus) -> &'static str {
    match s {
        StayStatus::Expected => "expected",
        StayStatus::InHouse => "in-house",
        StayStatus::Departed => "departed",
        StayStatus::Cancelled => "cancelled",
        StayStatus::NoShow => "no-show",
        StayStatus::Unspecified => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_in_and_out_are_safe_to_repeat() {
        assert_eq!(check_in(StayStatus::Expected, "", "1201"), Ok(Step::Apply));
        assert_eq!(
            check_in(StayStatus::InHouse, "1201", "1201"),
            Ok(Step::Unchanged)
        );
        assert!(check_in(StayStatus::InHouse, "1201", "1508").is_err());
        assert!(check_in(StayStatus::Expected, "", "").is_err());
        assert!(check_in(StayStatus::Departed, "1201", "1201").is_err());
        assert_eq!(check_out(StayStatus::InHouse), Ok(Step::Apply));
        assert_eq!(check_out(StayStatus::Departed), Ok(Step::Unchanged));
        assert!(check_out(StayStatus::Expected).is_err());
    }

    #[test]
    fn only_in_house_guests_move_and_only_expected_stays_cancel() {
        assert_eq!(
            room_move(StayStatus::InHouse, "1201", "1508"),
            Ok(Step::Apply)
        );
        assert_eq!(
            room_move(StayStatus::InHouse, "1201", "1201"),
            Ok(Step::Unchanged)
        );
        assert!(room_move(StayStatus::Expected, "", "1508").is_err());
        assert_eq!(
            cancel(StayStatus::Expected, StayStatus::NoShow),
            Ok(Step::Apply)
        );
        assert_eq!(
            cancel(StayStatus::NoShow, StayStatus::NoShow),
            Ok(Step::Unchanged)
        );
        assert!(cancel(StayStatus::InHouse, StayStatus::Cancelled).is_err());
    }
}

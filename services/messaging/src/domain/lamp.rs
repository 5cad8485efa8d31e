//! The message-waiting lamp (MD-3.1): lit for an in-house guest while any message for them
//! is unread; dark otherwise (not arrived, departed, nothing waiting).

use frontdesk_proto::messaging::v1::StayStatus;

pub fn should_be_on(status: StayStatus, unread_for_guest: i64) -> bool {
    status == StayStatus::InHouse && unread_for_guest > 0
}

/// What a switch must be told after a change: (room, on) pairs, old room first.
pub fn switch_commands(old: (&str, bool), new: (&str, bool)) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    if old.0 == new.0 {
        if old.1 != new.1 {
            out.push((new.0.to_string(), new.1));
        }
        return out;
    }
    if old.1 && !old.0.is_empty() {
        out.push((old.0.to_string(), false));
    }
    if new.1 && !new.0.is_empty() {
        out.push((new.0.to_string(), true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lit_only_for_in_house_guests_with_unread_messages() {
        assert!(should_be_on(StayStatus::InHouse, 1));
        assert!(should_be_on(StayStatus::InHouse, 3));
        assert!(!should_be_on(StayStatus::InHouse, 0));
        assert!(!should_be_on(StayStatus::Expected, 2));
        assert!(!should_be_on(StayStatus::Departed, 2));
    }

    #[test]
    fn a_room_move_turns_the_old_room_off_and_the_new_one_on() {
        assert_eq!(
            switch_commands(("1201", true), ("1508", true)),
            vec![("1201".to_string(), false), ("1508".to_string(), true)]
        );
        assert_eq!(switch_commands(("1201", false), ("1508", false)), vec![]);
        assert_eq!(
            switch_commands(("1201", true), ("1201", false)),
            vec![("1201".to_string(), false)]
        );
        assert_eq!(switch_commands(("1201", true), ("1201", true)), vec![]);
    }
}

//! MD-4: sorting incoming mail and the life of an item.

use frontdesk_proto::messaging::v1::{MailKind, MailStatus, SortClass, StayStatus};

/// A stay the addressee matched, as the sort needs it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub stay_id: String,
    pub status: StayStatus,
    /// A forwarding address is on file and still valid.
    pub forwarding: bool,
}

/// The class a matched stay puts an item in; `None`: the stay does not count (cancelled,
/// no-show).
pub fn class_of(c: &Candidate) -> Option<SortClass> {
    match c.status {
        StayStatus::InHouse => Some(SortClass::InHouse),
        StayStatus::Expected => Some(SortClass::HoldForArrival),
        StayStatus::Departed if c.forwarding => Some(SortClass::Forward),
        StayStatus::Departed => Some(SortClass::Departed),
        _ => None,
    }
}

/// The sort decision: class, stay, and whether several stays tied for that class.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sorted {
    pub class: SortClass,
    pub stay_id: Option<String>,
    pub ambiguous: bool,
}

/// MD-4.1: in-house guests first, then expected arrivals, guests with a forwarding request,
/// departed guests, and finally addressees not found. Among stays of the winning class the
/// first (candidates come newest arrival first) wins and the item is flagged ambiguous.
pub fn sort(candidates: &[Candidate]) -> Sorted {
    let mut best: Option<(SortClass, &Candidate)> = None;
    let mut ties = 0;
    for c in candidates {
        let Some(class) = class_of(c) else { continue };
        match best {
            Some((b, _)) if (class as i32) > (b as i32) => {}
            Some((b, _)) if class == b => ties += 1,
            _ => {
                best = Some((class, c));
                ties = 0;
            }
        }
    }
    match best {
        Some((class, c)) => Sorted {
            class,
            stay_id: Some(c.stay_id.clone()),
            ambiguous: ties > 0,
        },
        None => Sorted {
            class: SortClass::Unknown,
            stay_id: None,
            ambiguous: false,
        },
    }
}

/// MD-4.3: remittance slips, registered letters, faxes, express mail and parcels — the
/// guest is phoned first.
pub fn call_first(kind: MailKind) -> bool {
    kind != MailKind::Letter
}

/// Where an item starts after sorting.
pub fn initial_status(class: SortClass, kind: MailKind) -> MailStatus {
    match class {
        SortClass::InHouse if call_first(kind) => MailStatus::AwaitingCall,
        SortClass::InHouse => MailStatus::AwaitingDelivery,
        SortClass::HoldForArrival => MailStatus::HeldForArrival,
        SortClass::Forward => MailStatus::ToForward,
        _ => MailStatus::ToReturn,
    }
}

/// Whether an item is still in the desk's custody.
pub fn is_open(status: MailStatus) -> bool {
    !matches!(
        status,
        MailStatus::Delivered | MailStatus::Forwarded | MailStatus::Returned
    )
}

/// Mail waiting to go back to its sender whose return date has passed: the sweep makes it
/// work the desk sees (RETURN_DUE). Nothing else is ever due.
pub fn is_return_due(status: MailStatus, return_due_at: Option<i64>, now: i64) -> bool {
    status == MailStatus::ToReturn && return_due_at.is_some_and(|due| due <= now)
}

/// The guest checked in: held items become deliverable (after a call for registered kinds).
pub fn on_check_in(kind: MailKind) -> MailStatus {
    initial_status(SortClass::InHouse, kind)
}

/// The guest left with items undelivered: forward when an address is on file, else return.
pub fn on_check_out(forwarding: bool) -> (SortClass, MailStatus) {
    if forwarding {
        (SortClass::Forward, MailStatus::ToForward)
    } else {
        (SortClass::Departed, MailStatus::ToReturn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, status: StayStatus, forwarding: bool) -> Candidate {
        Candidate {
            stay_id: id.into(),
            status,
            forwarding,
        }
    }

    #[test]
    fn md_4_1_sort_order() {
        let all = [
            c("departed", StayStatus::Departed, false),
            c("forward", StayStatus::Departed, true),
            c("expected", StayStatus::Expected, false),
            c("in-house", StayStatus::InHouse, false),
            c("cancelled", StayStatus::Cancelled, false),
        ];
        let order = [
            ("in-house", SortClass::InHouse),
            ("expected", SortClass::HoldForArrival),
            ("forward", SortClass::Forward),
            ("departed", SortClass::Departed),
        ];
        for (i, (id, class)) in order.iter().enumerate() {
            let rest: Vec<Candidate> = all
                .iter()
                .filter(|x| order[..i].iter().all(|(gone, _)| x.stay_id != *gone))
                .cloned()
                .collect();
            let s = sort(&rest);
            assert_eq!((s.stay_id.as_deref(), s.class), (Some(*id), *class));
            assert!(!s.ambiguous);
        }
        let s = sort(&[c("cancelled", StayStatus::Cancelled, false)]);
        assert_eq!((s.class, s.stay_id), (SortClass::Unknown, None));
        assert_eq!(sort(&[]).class, SortClass::Unknown);
    }

    #[test]
    fn only_items_to_return_past_their_date_are_due() {
        let now = 1_000;
        assert!(is_return_due(MailStatus::ToReturn, Some(now), now));
        assert!(is_return_due(MailStatus::ToReturn, Some(now - 1), now));
        assert!(!is_return_due(MailStatus::ToReturn, Some(now + 1), now));
        assert!(!is_return_due(MailStatus::ToReturn, None, now));
        for s in [
            MailStatus::ToForward,
            MailStatus::HeldForArrival,
            MailStatus::AwaitingDelivery,
            MailStatus::ReturnDue,
            MailStatus::Returned,
        ] {
            assert!(!is_return_due(s, Some(now - 1), now), "{s:?}");
        }
        assert!(
            is_open(MailStatus::ReturnDue),
            "a due item is still the desk's"
        );
    }

    #[test]
    fn ties_in_the_winning_class_are_flagged() {
        let s = sort(&[
            c("a", StayStatus::InHouse, false),
            c("b", StayStatus::InHouse, false),
            c("x", StayStatus::Expected, false),
        ]);
        assert_eq!(s.stay_id.as_deref(), Some("a"));
        assert!(s.ambiguous);
    }

    #[test]
    fn registered_kinds_wait_for_a_call_letters_do_not() {
        assert_eq!(
            initial_status(SortClass::InHouse, MailKind::Letter),
            MailStatus::AwaitingDelivery
        );
        for k in [
            MailKind::Registered,
            MailKind::RemittanceSlip,
            MailKind::Fax,
            MailKind::Express,
            MailKind::Parcel,
        ] {
            assert_eq!(
                initial_status(SortClass::InHouse, k),
                MailStatus::AwaitingCall
            );
        }
        assert_eq!(
            initial_status(SortClass::HoldForArrival, MailKind::Parcel),
            MailStatus::HeldForArrival
        );
        assert_eq!(
            initial_status(SortClass::Unknown, MailKind::Letter),
            MailStatus::ToReturn
        );
        assert_eq!(on_check_out(true).1, MailStatus::ToForward);
        assert_eq!(on_check_out(false).1, MailStatus::ToReturn);
    }
}

//! Who is told about an inquiry nobody holds: the department head, or — when the department
//! has no head — its duty manager, or nobody (said plainly, and counted, so an operator sees
//! the gap in the directory instead of a timeline claiming someone was told).

/// A department's contacts from the directory (empty: not named).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Contacts {
    pub head: String,
    pub duty_manager: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Told {
    Head(String),
    /// The department has no head.
    DutyManager(String),
    /// Neither a head nor a duty manager is named.
    Nobody,
}

impl Told {
    /// Whom a notice about `department` reaches, given its contacts.
    pub fn for_department(contacts: &Contacts) -> Told {
        if !contacts.head.is_empty() {
            Told::Head(contacts.head.clone())
        } else if !contacts.duty_manager.is_empty() {
            Told::DutyManager(contacts.duty_manager.clone())
        } else {
            Told::Nobody
        }
    }

    /// The duty manager (escalation step 3); nobody when the department names none.
    pub fn duty_manager(contacts: &Contacts) -> Told {
        if contacts.duty_manager.is_empty() {
            Told::Nobody
        } else {
            Told::DutyManager(contacts.duty_manager.clone())
        }
    }

    /// The staff id that goes in the event's `notify_staff_id` (empty: nobody).
    pub fn staff_id(&self) -> &str {
        match self {
            Told::Head(s) | Told::DutyManager(s) => s,
            Told::Nobody => "",
        }
    }

    /// For the metric: `None` when the head was told as intended.
    pub fn fallback(&self) -> Option<&'static str> {
        match self {
            Told::Head(_) => None,
            Told::DutyManager(_) => Some("duty_manager"),
            Told::Nobody => Some("nobody"),
        }
    }

    /// The timeline's words for a notice meant for the head of `department`.
    pub fn sentence(&self, department: &str) -> String {
        match self {
            Told::Head(s) => format!("department head {s} told"),
            Told::DutyManager(s) => {
                format!("{department} has no head, so no head could be told; duty manager {s} told")
            }
            Told::Nobody => format!(
                "{department} has no head and no duty manager: nobody could be told (name them \
                 with UpsertDepartment)"
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn contacts(head: &str, duty: &str) -> Contacts {
        Contacts {
            head: head.into(),
            duty_manager: duty.into(),
        }
    }

    #[test]
    fn the_head_is_told_when_there_is_one() {
        let t = Told::for_department(&contacts("H1", "D1"));
        assert_eq!(t, Told::Head("H1".into()));
        assert_eq!(t.fallback(), None);
        assert_eq!(t.sentence("spa"), "department head H1 told");
    }

    #[test]
    fn without_a_head_the_duty_manager_is_told_and_the_gap_is_said() {
        let t = Told::for_department(&contacts("", "D1"));
        assert_eq!(t.staff_id(), "D1");
        assert_eq!(t.fallback(), Some("duty_manager"));
        assert!(t.sentence("spa").contains("no head could be told"));
    }

    #[test]
    fn without_either_nobody_is_claimed_to_be_told() {
        let t = Told::for_department(&contacts("", ""));
        assert_eq!(t.staff_id(), "");
        assert_eq!(t.fallback(), Some("nobody"));
        assert!(t.sentence("spa").contains("nobody could be told"));
        assert_eq!(Told::duty_manager(&contacts("H1", "")), Told::Nobody);
    }
}

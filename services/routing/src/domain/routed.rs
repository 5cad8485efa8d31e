//! An inquiry as routing holds it: where it went, who has it, and its deadlines' headline
//! times. Transitions follow intake's lifecycle events.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RoutedState {
    Open,
    Responded,
    Resolved,
}

impl RoutedState {
    pub fn code(self) -> &'static str {
        match self {
            RoutedState::Open => "open",
            RoutedState::Responded => "responded",
            RoutedState::Resolved => "resolved",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        match s {
            "open" => Some(RoutedState::Open),
            "responded" => Some(RoutedState::Responded),
            "resolved" => Some(RoutedState::Resolved),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Routed {
    pub inquiry_id: String,
    pub property_id: String,
    pub channel: String,
    pub category: String,
    pub complexity: String,
    pub language: String,
    pub lead_department: String,
    pub participants: Vec<String>,
    pub assignee: String,
    pub on_the_spot: bool,
    pub state: RoutedState,
    pub rule_id: String,
    pub reason: String,
    pub created_at: i64,
    pub first_response_due: i64,
    pub resolution_due: i64,
    pub original_resolution_due: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub version: i64,
    pub updated_at: i64,
    /// With the triage desk: intake's category is unconfirmed, so it was not routed on it.
    pub needs_triage: bool,
    /// The deadlines as first planned on arrival (a reclassification re-plans the others).
    pub initial_first_response_due: i64,
    pub initial_resolution_due: i64,
}

impl Routed {
    /// The first response (acknowledge or answer) arrived; true if this is news.
    pub fn first_response(&mut self, at: i64) -> bool {
        if self.first_response_at.is_some() {
            return false;
        }
        self.first_response_at = Some(at);
        if self.state == RoutedState::Open {
            self.state = RoutedState::Responded;
        }
        self.touch(at);
        true
    }

    pub fn resolve(&mut self, at: i64) -> bool {
        if self.state == RoutedState::Resolved {
            return false;
        }
        self.state = RoutedState::Resolved;
        self.resolved_at = Some(at);
        self.touch(at);
        true
    }

    pub fn reopen(&mut self, at: i64, resolution_due: i64) -> bool {
        if self.state != RoutedState::Resolved {
            return false;
        }
        self.state = RoutedState::Responded;
        self.resolved_at = None;
        self.resolution_due = resolution_due;
        self.touch(at);
        true
    }

    /// CI-3.6: a delay notice moves the resolution deadline; the original stays on record.
    pub fn move_resolution(&mut self, at: i64, new_due: i64) -> bool {
        if self.state == RoutedState::Resolved || new_due == self.resolution_due {
            return false;
        }
        self.resolution_due = new_due;
        self.touch(at);
        true
    }

    /// Someone takes it, it is handed over, or it goes back to the queue (empty `staff_id`).
    pub fn assign(&mut self, at: i64, staff_id: &str) -> bool {
        if self.state == RoutedState::Resolved || self.assignee == staff_id {
            return false;
        }
        self.assignee = staff_id.to_string();
        self.touch(at);
        true
    }

    /// CI-3.3: another department leads from now; it picks its own handler.
    pub fn transfer(&mut self, at: i64, to_department: &str, assignee: &str) -> bool {
        if self.state == RoutedState::Resolved || self.lead_department == to_department {
            return false;
        }
        self.participants.retain(|p| p != to_department);
        self.lead_department = to_department.to_string();
        self.assignee = assignee.to_string();
        self.on_the_spot = false;
        self.touch(at);
        true
    }

    /// Intake's classification changed: routed and timed again (see `domain::reroute`).
    /// The first deadlines planned on arrival stay in `initial_*`.
    pub fn reroute(&mut self, at: i64, plan: &crate::domain::reroute::Reroute) -> bool {
        if self.state == RoutedState::Resolved {
            return false;
        }
        self.category = plan.category.clone();
        self.complexity = plan.complexity.clone();
        self.needs_triage = plan.needs_triage;
        self.lead_department = plan.lead_department.clone();
        self.participants = plan.participants.clone();
        self.on_the_spot = plan.on_the_spot;
        self.assignee = plan.assignee.clone();
        self.rule_id = plan.rule_id.clone();
        self.reason = plan.reason.clone();
        self.first_response_due = plan.first_response_due;
        self.resolution_due = plan.resolution_due;
        self.original_resolution_due = plan.original_resolution_due;
        self.touch(at);
        true
    }

    /// Waiting on the customer ended: the deadlines not yet met move by the time waited.
    pub fn reschedule(
        &mut self,
        at: i64,
        first_response_due: i64,
        resolution_due: i64,
        original_resolution_due: i64,
    ) {
        self.first_response_due = first_response_due;
        self.resolution_due = resolution_due;
        self.original_resolution_due = original_resolution_due;
        self.touch(at);
    }

    /// A change recorded elsewhere (a referral) still bumps the version, for projections.
    pub fn noted(&mut self, at: i64) {
        self.touch(at);
    }

    fn touch(&mut self, at: i64) {
        self.version += 1;
        self.updated_at = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routed() -> Routed {
        Routed {
            inquiry_id: "i".into(),
            property_id: "p".into(),
            channel: "email".into(),
            category: "events".into(),
            complexity: "complex".into(),
            language: "en".into(),
            lead_department: "banquets_conferences".into(),
            participants: vec![],
            assignee: String::new(),
            on_the_spot: false,
            state: RoutedState::Open,
            rule_id: "r".into(),
            reason: String::new(),
            created_at: 0,
            first_response_due: 100,
            resolution_due: 1_000,
            original_resolution_due: 1_000,
            first_response_at: None,
            resolved_at: None,
            version: 1,
            updated_at: 0,
            needs_triage: false,
            initial_first_response_due: 100,
            initial_resolution_due: 1_000,
        }
    }

    #[test]
    fn a_delay_moves_the_deadline_but_keeps_the_original() {
        let mut r = routed();
        assert!(r.move_resolution(10, 5_000));
        assert_eq!(
            (r.resolution_due, r.original_resolution_due),
            (5_000, 1_000)
        );
    }

    #[test]
    fn repeated_events_change_nothing() {
        let mut r = routed();
        assert!(r.first_response(5));
        assert!(!r.first_response(6));
        assert!(r.resolve(7));
        assert!(!r.resolve(8));
        assert_eq!(r.version, 3);
        assert!(r.reopen(9, 2_000));
        assert_eq!(r.state, RoutedState::Responded);
    }
}

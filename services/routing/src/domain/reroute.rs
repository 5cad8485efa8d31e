//! Routing again when intake's classification changes (issue 9 "reclassify re-routes and
//! re-times", issue 15 triage), free of I/O. The consumer gathers what the rules now decide,
//! whom the new department offers and the SLA plan of the new category and complexity; this
//! says what the assignment becomes and which timers to arm.
//!
//! Choices, each for a reason:
//! - The department follows the rules. A handler is kept while the department stays (they
//!   already work on it); a new department picks its own.
//! - The clock is not restarted: the customer has waited since arrival, so the new targets
//!   count from the inquiry's arrival (minus time waiting on the customer).
//! - What already happened stays: a met first response stays met, a fired warning or breach
//!   stays fired (it is history, and KPIs count it), and a resolution time promised to the
//!   customer by a delay notice stays promised.
//! - The deadlines planned on arrival stay on record (`initial_*`), and the timeline says
//!   what moved from what to what.

use crate::domain::assignment::Choice;
use crate::domain::plan_route::handler_words;
use crate::domain::routed::Routed;
use crate::domain::routing_rules::RoutingDecision;
use crate::domain::sla_policy::{DeadlineKind, Plan};
use crate::domain::told::{Contacts, Told};
use chrono::{DateTime, Utc};

/// Intake's classification as its latest event states it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Classification {
    pub category: String,
    /// "simple" or "complex".
    pub complexity: String,
    pub needs_triage: bool,
}

impl Classification {
    /// True when routing planned with something else, and the inquiry is still open.
    pub fn differs_from(&self, r: &Routed) -> bool {
        r.state != crate::domain::routed::RoutedState::Resolved
            && (r.category != self.category
                || r.complexity != self.complexity
                || r.needs_triage != self.needs_triage)
    }
}

/// What the assignment becomes.
#[derive(Debug, Clone, PartialEq)]
pub struct Reroute {
    pub category: String,
    pub complexity: String,
    pub needs_triage: bool,
    pub lead_department: String,
    pub participants: Vec<String>,
    pub on_the_spot: bool,
    pub assignee: String,
    pub rule_id: String,
    pub reason: String,
    pub first_response_due: i64,
    pub resolution_due: i64,
    pub original_resolution_due: i64,
    /// Timers to (re)arm; fired and met ones are left alone.
    pub timers: Vec<(DeadlineKind, i64)>,
    pub detail: String,
    /// Who is told (handler, or for a queue the head / duty manager); empty: nobody.
    pub notify: String,
    pub told: Option<Told>,
}

/// Inputs of one re-plan.
pub struct RerouteInputs<'a> {
    pub current: &'a Routed,
    pub now: &'a Classification,
    pub decision: &'a RoutingDecision,
    /// A handler choice in the decided department; `None` keeps the current handler (same
    /// department, someone already holds it).
    pub choice: Option<&'a Choice>,
    pub contacts: &'a Contacts,
    /// The SLA plan of the new category and complexity from the inquiry's arrival.
    pub plan: &'a Plan,
    /// Deadline kinds that already fired.
    pub fired: &'a [String],
    /// Waiting on the customer right now: no timers until the customer replies (the resume
    /// re-plans with the new classification).
    pub paused: bool,
    /// Renders an instant for the timeline (the property's zone).
    pub show: &'a dyn Fn(i64) -> String,
}

pub fn plan_reroute(i: &RerouteInputs<'_>) -> Reroute {
    let c = i.current;
    let micros = |t: DateTime<Utc>| t.timestamp_micros();
    let dept = &i.decision.lead_department;
    let (assignee, who, told) = match i.choice {
        Some(choice) => handler_words(dept, choice, i.contacts),
        None => (
            c.assignee.clone(),
            format!("stays with {}", c.assignee),
            None,
        ),
    };
    let responded = c.first_response_at.is_some();
    let promised = c.resolution_due != c.original_resolution_due;
    let first_response_due = if responded {
        c.first_response_due
    } else {
        micros(i.plan.first_response_due)
    };
    let planned_resolution = micros(i.plan.resolution_due);
    let resolution_due = if promised {
        c.resolution_due
    } else {
        planned_resolution
    };
    let timers: Vec<(DeadlineKind, i64)> = if i.paused {
        Vec::new()
    } else {
        i.plan
            .timers
            .iter()
            .filter(|(k, _)| !i.fired.iter().any(|f| f == k.code()))
            .filter(|(k, _)| !(k.is_first_response() && responded))
            .filter(|(k, _)| k.is_first_response() || !promised)
            .map(|(k, t)| (*k, micros(*t)))
            .collect()
    };
    let what = if i.now.needs_triage {
        format!(
            "{} ({}) is unconfirmed: at the triage desk",
            i.now.category, i.now.complexity
        )
    } else if c.needs_triage && c.category == i.now.category && c.complexity == i.now.complexity {
        format!(
            "classification {} ({}) confirmed",
            i.now.category, i.now.complexity
        )
    } else {
        format!(
            "reclassified {} ({}) → {} ({})",
            c.category, c.complexity, i.now.category, i.now.complexity
        )
    };
    let route = if *dept == c.lead_department {
        format!("stays with {dept} by {} — {who}", i.decision.rule_id)
    } else {
        format!(
            "re-routed {} → {dept} by {} — {who}",
            c.lead_department, i.decision.rule_id
        )
    };
    let mut times = Vec::new();
    if !responded && first_response_due != c.first_response_due {
        times.push(format!(
            "first response due {} (was {})",
            (i.show)(first_response_due),
            (i.show)(c.first_response_due)
        ));
    }
    if promised {
        times.push(format!(
            "resolution stays due {} as promised to the customer",
            (i.show)(resolution_due)
        ));
    } else if resolution_due != c.resolution_due {
        times.push(format!(
            "resolution due {} (was {})",
            (i.show)(resolution_due),
            (i.show)(c.resolution_due)
        ));
    }
    if times.is_empty() {
        times.push("deadlines unchanged".into());
    }
    let notify = match &told {
        Some(t) => t.staff_id().to_string(),
        None => assignee.clone(),
    };
    Reroute {
        category: i.now.category.clone(),
        complexity: i.now.complexity.clone(),
        needs_triage: i.now.needs_triage,
        lead_department: dept.clone(),
        participants: i.decision.participants.clone(),
        on_the_spot: i.decision.on_the_spot,
        assignee,
        rule_id: i.decision.rule_id.clone(),
        reason: i.decision.reason.clone(),
        first_response_due,
        resolution_due,
        original_resolution_due: planned_resolution,
        timers,
        detail: format!("{what}; {route}; {}", times.join("; ")),
        notify,
        told,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::routed::RoutedState;

    const H: i64 = 3_600_000_000;

    static DUTY_MANAGER_ONLY: std::sync::LazyLock<Contacts> =
        std::sync::LazyLock::new(|| Contacts {
            head: String::new(),
            duty_manager: "D1".into(),
        });

    fn current() -> Routed {
        Routed {
            inquiry_id: "i".into(),
            property_id: "p".into(),
            channel: "email".into(),
            category: "check_in_out".into(),
            complexity: "simple".into(),
            language: "en".into(),
            lead_department: "administration".into(),
            participants: vec![],
            assignee: "A1".into(),
            on_the_spot: true,
            state: RoutedState::Open,
            rule_id: "default:on_the_spot".into(),
            reason: String::new(),
            created_at: 0,
            first_response_due: 2 * H,
            resolution_due: 4 * H,
            original_resolution_due: 4 * H,
            first_response_at: None,
            resolved_at: None,
            version: 1,
            updated_at: 0,
            needs_triage: false,
            initial_first_response_due: 2 * H,
            initial_resolution_due: 4 * H,
        }
    }

    fn complaint() -> Classification {
        Classification {
            category: "complaint".into(),
            complexity: "complex".into(),
            needs_triage: false,
        }
    }

    fn decision(dept: &str) -> RoutingDecision {
        RoutingDecision {
            lead_department: dept.into(),
            participants: vec![],
            on_the_spot: false,
            rule_id: "complaint".into(),
            reason: "complaint process".into(),
        }
    }

    fn plan() -> Plan {
        let t = |h: i64| DateTime::<Utc>::from_timestamp_micros(h * H).expect("t");
        Plan {
            first_response_due: t(2),
            resolution_due: t(72),
            timers: vec![
                (DeadlineKind::FirstResponseWarning, t(1)),
                (DeadlineKind::FirstResponseBreach, t(2)),
                (DeadlineKind::ResolutionWarning, t(60)),
                (DeadlineKind::ResolutionBreach, t(72)),
            ],
        }
    }

    fn show(t: i64) -> String {
        format!("{}h", t / H)
    }

    fn inputs<'a>(
        current: &'a Routed,
        now: &'a Classification,
        decision: &'a RoutingDecision,
        choice: Option<&'a Choice>,
        plan: &'a Plan,
        fired: &'a [String],
    ) -> RerouteInputs<'a> {
        RerouteInputs {
            current,
            now,
            decision,
            choice,
            contacts: &DUTY_MANAGER_ONLY,
            plan,
            fired,
            paused: false,
            show: &show,
        }
    }

    #[test]
    fn a_simple_question_corrected_to_a_complex_complaint_moves_department_handler_and_deadlines() {
        let c = current();
        let d = decision("guest_relations");
        let choice = Choice::Assigned {
            staff_id: "G1".into(),
            reason: "least open load".into(),
        };
        let p = plan();
        let r = plan_reroute(&inputs(&c, &complaint(), &d, Some(&choice), &p, &[]));
        assert_eq!(r.lead_department, "guest_relations");
        assert_eq!(r.assignee, "G1");
        assert_eq!(r.resolution_due, 72 * H);
        assert_eq!(r.original_resolution_due, 72 * H);
        assert_eq!(r.timers.len(), 4);
        assert!(
            r.detail
                .contains("reclassified check_in_out (simple) → complaint (complex)"),
            "{}",
            r.detail
        );
        assert!(
            r.detail
                .contains("re-routed administration → guest_relations")
        );
        assert!(
            r.detail.contains("resolution due 72h (was 4h)"),
            "{}",
            r.detail
        );
    }

    #[test]
    fn what_already_happened_stays_met_fired_or_promised() {
        let mut c = current();
        c.first_response_at = Some(H);
        c.resolution_due = 10 * H; // a delay notice promised 10h
        let d = decision("administration");
        let p = plan();
        let fired = vec!["resolution_warning".to_string()];
        let r = plan_reroute(&inputs(&c, &complaint(), &d, None, &p, &fired));
        assert_eq!(r.assignee, "A1", "same department: the handler stays");
        assert_eq!(r.first_response_due, 2 * H);
        assert_eq!(
            r.resolution_due,
            10 * H,
            "the promise to the customer holds"
        );
        assert!(r.timers.is_empty(), "{:?}", r.timers);
        assert!(r.detail.contains("as promised"), "{}", r.detail);
    }

    #[test]
    fn a_queued_reroute_says_who_was_told_in_the_heads_place() {
        let c = current();
        let d = decision("guest_relations");
        let choice = Choice::Queue {
            reason: "nobody in the department is on duty".into(),
        };
        let p = plan();
        let r = plan_reroute(&inputs(&c, &complaint(), &d, Some(&choice), &p, &[]));
        assert_eq!(r.assignee, "");
        assert_eq!(r.notify, "D1");
        assert!(r.detail.contains("no head could be told"), "{}", r.detail);
    }

    #[test]
    fn confirming_a_triaged_category_is_said_as_such() {
        let mut c = current();
        c.needs_triage = true;
        let now = Classification {
            category: c.category.clone(),
            complexity: c.complexity.clone(),
            needs_triage: false,
        };
        assert!(now.differs_from(&c));
        let d = decision("front_office");
        let choice = Choice::Assigned {
            staff_id: "F1".into(),
            reason: "x".into(),
        };
        let p = plan();
        let r = plan_reroute(&inputs(&c, &now, &d, Some(&choice), &p, &[]));
        assert!(!r.needs_triage);
        assert!(
            r.detail
                .starts_with("classification check_in_out (simple) confirmed")
        );
    }
}

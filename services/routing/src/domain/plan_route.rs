//! The routing decision for a new inquiry, free of I/O: given the inquiry's facts, what the
//! rules decided, whom the directory offered and the property's SLA policy, the assignment
//! to record and the deadlines to arm. The event consumer only gathers the inputs and
//! stores the result.

use crate::domain::assignment::Choice;
use crate::domain::calendar::{CalendarError, Channel, Complexity};
use crate::domain::routed::{Routed, RoutedState};
use crate::domain::routing_rules::RoutingDecision;
use crate::domain::sla_policy::{self, DeadlineKind, SlaPolicy};
use crate::domain::told::{Contacts, Told};
use chrono::{DateTime, Utc};

/// What routing knows of a new inquiry (vocabulary as stable codes).
#[derive(Debug, Clone)]
pub struct NewInquiry {
    pub inquiry_id: String,
    pub property_id: String,
    pub channel: String,
    pub sla_channel: Channel,
    pub category: String,
    pub complex: bool,
    pub language: String,
    /// Unix micros.
    pub created_at: i64,
    /// Intake's category is unconfirmed: `decision` is the triage desk's.
    pub needs_triage: bool,
}

/// The outcome: the assignment, its armed deadlines and the timeline's sentence.
#[derive(Debug, Clone)]
pub struct PlannedRoute {
    pub routed: Routed,
    pub deadlines: Vec<(DeadlineKind, i64)>,
    pub detail: String,
    /// Who is told of the first-response deadline: the handler, or for a queued inquiry
    /// the head (or, without one, the duty manager); empty when nobody could be.
    pub notify: String,
    /// For a queued inquiry, who was told in the head's place (`Some` only then).
    pub told: Option<Told>,
}

pub fn plan_route(
    inquiry: &NewInquiry,
    decision: &RoutingDecision,
    choice: &Choice,
    contacts: &Contacts,
    policy: &SlaPolicy,
) -> Result<PlannedRoute, CalendarError> {
    let dept = &decision.lead_department;
    let (assignee, who, told) = handler_words(dept, choice, contacts);
    let complexity = if inquiry.complex {
        Complexity::Complex
    } else {
        Complexity::Simple
    };
    let start = DateTime::<Utc>::from_timestamp_micros(inquiry.created_at).unwrap_or_default();
    let plan = sla_policy::plan(
        policy,
        inquiry.sla_channel,
        &inquiry.category,
        complexity,
        start,
    )?;
    let micros = |t: DateTime<Utc>| t.timestamp_micros();
    let routed = Routed {
        inquiry_id: inquiry.inquiry_id.clone(),
        property_id: inquiry.property_id.clone(),
        channel: inquiry.channel.clone(),
        category: inquiry.category.clone(),
        complexity: if inquiry.complex { "complex" } else { "simple" }.into(),
        language: inquiry.language.clone(),
        lead_department: dept.clone(),
        participants: decision.participants.clone(),
        assignee,
        on_the_spot: decision.on_the_spot,
        state: RoutedState::Open,
        rule_id: decision.rule_id.clone(),
        reason: decision.reason.clone(),
        created_at: inquiry.created_at,
        first_response_due: micros(plan.first_response_due),
        resolution_due: micros(plan.resolution_due),
        original_resolution_due: micros(plan.resolution_due),
        first_response_at: None,
        resolved_at: None,
        version: 1,
        updated_at: inquiry.created_at,
        needs_triage: inquiry.needs_triage,
        initial_first_response_due: micros(plan.first_response_due),
        initial_resolution_due: micros(plan.resolution_due),
    };
    let notify = match &told {
        Some(t) => t.staff_id().to_string(),
        None => routed.assignee.clone(),
    };
    Ok(PlannedRoute {
        deadlines: plan.timers.iter().map(|(k, t)| (*k, micros(*t))).collect(),
        detail: format!("routed to {dept} by {} — {who}", decision.rule_id),
        routed,
        notify,
        told,
    })
}

/// The handler a choice names, the timeline's words for it and, for a queued inquiry, who
/// was told in the handler's place.
pub fn handler_words(
    dept: &str,
    choice: &Choice,
    contacts: &Contacts,
) -> (String, String, Option<Told>) {
    match choice {
        Choice::Assigned { staff_id, reason } => (
            staff_id.clone(),
            format!("assigned to {staff_id} ({reason})"),
            None,
        ),
        Choice::Queue { reason } => {
            let told = Told::for_department(contacts);
            (
                String::new(),
                format!("queued in {dept}: {reason}; {}", told.sentence(dept)),
                Some(told),
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inquiry(channel: Channel, complex: bool) -> NewInquiry {
        NewInquiry {
            inquiry_id: "i1".into(),
            property_id: "p".into(),
            channel: "hotline".into(),
            sla_channel: channel,
            category: "dining".into(),
            complex,
            language: "zh".into(),
            // Monday 2026-11-30 10:00 Asia/Shanghai = 02:00 UTC.
            created_at: 1_764_468_000_000_000,
            needs_triage: false,
        }
    }

    fn decision() -> RoutingDecision {
        RoutingDecision {
            lead_department: "call_center".into(),
            participants: vec![],
            on_the_spot: true,
            rule_id: "r1".into(),
            reason: "hotline answers".into(),
        }
    }

    #[test]
    fn an_assigned_hotline_inquiry_gets_the_phone_target_and_names_the_handler() {
        let policy = SlaPolicy::default_policy().expect("default policy");
        let choice = Choice::Assigned {
            staff_id: "F1".into(),
            reason: "least load".into(),
        };
        let p = plan_route(
            &inquiry(Channel::Hotline, false),
            &decision(),
            &choice,
            &Contacts::default(),
            &policy,
        )
        .expect("plan");
        assert_eq!(p.routed.assignee, "F1");
        assert_eq!(p.routed.lead_department, "call_center");
        // Phone: first response within 3 minutes around the clock (CI-5.4).
        assert_eq!(
            p.routed.first_response_due - p.routed.created_at,
            3 * 60 * 1_000_000
        );
        assert_eq!(p.routed.original_resolution_due, p.routed.resolution_due);
        assert!(p.detail.contains("assigned to F1"), "{}", p.detail);
        assert!(!p.deadlines.is_empty());
        assert!(p.deadlines.iter().all(|(_, t)| *t > p.routed.created_at));
    }

    #[test]
    fn a_queued_inquiry_has_no_handler_and_says_the_head_was_told() {
        let policy = SlaPolicy::default_policy().expect("default policy");
        let choice = Choice::Queue {
            reason: "nobody on duty".into(),
        };
        let p = plan_route(
            &inquiry(Channel::Hotline, true),
            &decision(),
            &choice,
            &Contacts {
                head: "H1".into(),
                duty_manager: "D1".into(),
            },
            &policy,
        )
        .expect("plan");
        assert!(p.routed.assignee.is_empty());
        assert_eq!(p.routed.complexity, "complex");
        assert!(p.detail.contains("department head H1 told"), "{}", p.detail);
        assert_eq!(p.notify, "H1");
    }
}

//! Intake's classification changed (a person reclassified the inquiry, or confirmed the
//! category of one waiting at the triage desk): routing routes and times it again by the new
//! category and complexity (see `domain::reroute` for what moves and what stays).

use super::{IntakeEvents, count_told, known, sla_channel_of, utc};
use crate::assignment_store as store;
use crate::domain::calendar::{Complexity as SlaComplexity, Pause};
use crate::domain::reroute::{Classification, RerouteInputs, plan_reroute};
use crate::domain::routing_rules::{Complexity, InquiryFacts};
use crate::domain::shift;
use crate::domain::sla_policy::{self, DeadlineKind};
use crate::events::{By, DeadlineFired, SOURCE, record};
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::intake::v1 as intake_pb;
use frontdesk_proto::routing::v1::AssignmentChange;
use sqlx::AnyConnection;

impl IntakeEvents {
    /// Re-routes when `inquiry`'s classification differs from the one routing planned with;
    /// `actor` is who changed it in intake (named on the event).
    pub(super) async fn reroute(
        &self,
        tx: &mut AnyConnection,
        inquiry: &intake_pb::InquiryFacts,
        actor: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        let Some(current) = crate::batch::assignment(tx, &inquiry.inquiry_id).await? else {
            return Ok(());
        };
        let category = known(
            common::Category::from_wire(inquiry.category),
            "category",
            inquiry.category,
        )?;
        let complexity = known(
            common::Complexity::from_wire(inquiry.complexity),
            "complexity",
            inquiry.complexity,
        )?;
        let complex = complexity == common::Complexity::Complex;
        let now = Classification {
            category: category.code().unwrap_or_default().to_string(),
            complexity: if complex { "complex" } else { "simple" }.to_string(),
            needs_triage: inquiry.needs_triage,
        };
        if !now.differs_from(&current) {
            return Ok(());
        }
        // Re-routing rewrites the assignment: a new one waiting in the batch is written first.
        crate::batch::flush(tx).await?;
        let property = current.property_id.clone();
        let rules = self.routing.rules_for(tx, &property).await?;
        let text = if rules.uses_text() {
            self.routing.inquiry_text(&current.inquiry_id).await?
        } else {
            String::new()
        };
        let facts = InquiryFacts {
            property_id: property.clone(),
            channel: current.channel.clone(),
            category: now.category.clone(),
            complexity: if complex {
                Complexity::Complex
            } else {
                Complexity::Simple
            },
            language: current.language.clone(),
            text,
        };
        let decision = if now.needs_triage {
            rules.route_unconfirmed(&facts)
        } else {
            rules.route(&facts)
        };
        let policy = self.routing.policy_for(tx, &property).await?;
        let zone = policy.calendar.time_zone();
        let dept = decision.lead_department.clone();
        // A handler who already works on it keeps it while the department stays.
        let choice = if dept != current.lead_department || current.assignee.is_empty() {
            Some(
                self.routing
                    .pick_handler(
                        tx,
                        &property,
                        &dept,
                        &current.language,
                        &now.category,
                        shift::local_time(zone, at),
                    )
                    .await?,
            )
        } else {
            None
        };
        let contacts = crate::batch::department_contacts(tx, &property, &dept).await?;
        let (plan, paused) = sla_plan(tx, &policy, &current, &now.category, complex).await?;
        let fired = store::fired_kinds(tx, &current.inquiry_id).await?;
        let show = |t: i64| show_at(zone, t);
        let planned = plan_reroute(&RerouteInputs {
            current: &current,
            now: &now,
            decision: &decision,
            choice: choice.as_ref(),
            contacts: &contacts,
            plan: &plan,
            fired: &fired,
            paused,
            show: &show,
        });
        let loaded = current.version;
        let mut routed = current.clone();
        if !routed.reroute(at, &planned) {
            return Ok(());
        }
        if !store::update(tx, &routed, loaded).await? {
            anyhow::bail!(
                "assignment {} changed concurrently; retry",
                routed.inquiry_id
            );
        }
        store::upsert_deadlines(tx, &routed.inquiry_id, &property, &planned.timers).await?;
        count_told(planned.told.as_ref(), &dept);
        let actor = if actor.is_empty() { SOURCE } else { actor };
        record(
            AssignmentChange::Rerouted,
            &routed,
            fired,
            planned.detail,
            Some(DeadlineFired {
                kind: DeadlineKind::FirstResponseBreach,
                due_at: routed.first_response_due,
                notify_staff_id: planned.notify,
            }),
            By {
                actor,
                from_staff_id: &current.assignee,
            },
        )?;
        metrics::counter!(crate::metrics::REROUTED, "department" => dept).increment(1);
        tracing::info!(inquiry_id = %routed.inquiry_id, property_id = %property,
            department = %routed.lead_department, needs_triage = routed.needs_triage,
            "re-routed after intake's classification changed");
        Ok(())
    }
}

/// The SLA plan of the new classification from the inquiry's arrival, and whether it is
/// waiting on the customer now.
async fn sla_plan(
    tx: &mut AnyConnection,
    policy: &sla_policy::SlaPolicy,
    current: &crate::domain::routed::Routed,
    category: &str,
    complex: bool,
) -> anyhow::Result<(sla_policy::Plan, bool)> {
    let all_pauses = store::pauses(tx, &current.inquiry_id).await?;
    let paused = all_pauses.iter().any(|(_, to)| to.is_none());
    // Closed pauses only: while waiting, the resume re-plans with the new classification.
    let pauses: Vec<Pause> = all_pauses
        .into_iter()
        .filter_map(|(from, to)| {
            to.map(|to| Pause {
                from: utc(from),
                to: Some(utc(to)),
            })
        })
        .collect();
    let plan = sla_policy::plan_with_pauses(
        policy,
        sla_channel_of(&current.channel)?,
        category,
        if complex {
            SlaComplexity::Complex
        } else {
            SlaComplexity::Simple
        },
        utc(current.created_at),
        &pauses,
    )
    .map_err(|e| anyhow::anyhow!("SLA plan for property {}: {e}", current.property_id))?;
    Ok((plan, paused))
}

/// An instant for the timeline, in the property's zone with the zone shown.
fn show_at(zone: Option<chrono_tz::Tz>, micros: i64) -> String {
    let zone = zone.unwrap_or(chrono_tz::Asia::Shanghai);
    utc(micros)
        .with_timezone(&zone)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

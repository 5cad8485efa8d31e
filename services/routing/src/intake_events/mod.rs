//! Routing's consumer of intake's events: a new inquiry is routed (lead department, named
//! handler or queue; the triage desk while its category is unconfirmed) and given its
//! deadlines; a changed classification re-routes it (`reroute`); answers, resolution,
//! reopening and delay notices meet, cancel or move its deadlines (`lifecycle`). Applied
//! once per event by the platform's inbox.

mod lifecycle;
mod reroute;

use crate::assignment_store as store;
use crate::batch;
use crate::domain::calendar::Channel as SlaChannel;
use crate::domain::plan_route::{NewInquiry, PlannedRoute, plan_route};
use crate::domain::routed::Routed;
use crate::domain::routing_rules::{Complexity, InquiryFacts};
use crate::domain::shift;
use crate::domain::sla_policy::DeadlineKind;
use crate::domain::told::Told;
use crate::engine::Routing;
use crate::events::{By, DeadlineFired, record};
use anyhow::Context;
use chrono::{DateTime, Utc};
use frontdesk_platform::inbox::{EventHandler, apply_span};
use frontdesk_platform::time::from_timestamp;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1 as intake_pb;
use frontdesk_proto::routing::v1::AssignmentChange;
use prost::Message;
use sqlx::{Any, AnyConnection, Transaction};
use tracing::Instrument;

pub struct IntakeEvents {
    routing: Routing,
}

impl IntakeEvents {
    pub fn new(routing: Routing) -> Self {
        IntakeEvents { routing }
    }
}

fn utc(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

pub(crate) fn sla_channel(channel: common::Channel) -> SlaChannel {
    use common::Channel as C;
    match channel {
        C::FrontDesk => SlaChannel::FrontDesk,
        C::Restaurant => SlaChannel::Restaurant,
        C::Facility => SlaChannel::Facility,
        C::Website => SlaChannel::Website,
        C::Ota => SlaChannel::Ota,
        C::Email => SlaChannel::Email,
        C::Hotline => SlaChannel::Hotline,
        C::SocialWechat | C::SocialWeibo | C::SocialDouyin | C::Unspecified => SlaChannel::Social,
    }
}

/// The SLA channel of a stored channel code.
fn sla_channel_of(code: &str) -> anyhow::Result<SlaChannel> {
    common::Channel::from_code(code)
        .map(sla_channel)
        .ok_or_else(|| anyhow::anyhow!("stored assignment has unknown channel {code:?}"))
}

/// A vocabulary value routing cannot act on: the event is not routed, and the error names
/// the field (a newer intake, or a bug), rather than guessing a default.
fn known<T>(value: Option<T>, field: &str, raw: i32) -> anyhow::Result<T> {
    value.ok_or_else(|| {
        metrics::counter!(crate::metrics::UNKNOWN_VOCABULARY, "field" => field.to_string())
            .increment(1);
        anyhow::anyhow!("intake event has unknown or unspecified {field} ({raw})")
    })
}

#[tonic::async_trait]
impl EventHandler for IntakeEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
        let (applied, batch) = batch::run(self.apply_one(tx, event)).await;
        applied?;
        batch::finish(tx, batch).await
    }

    async fn apply_batch(
        &self,
        tx: &mut Transaction<'static, Any>,
        consumer: &str,
        events: &[&Event],
    ) -> anyhow::Result<()> {
        let (applied, batch) = batch::run(async {
            self.prefetch(tx, events).await?;
            for event in events {
                self.apply_one(tx, event)
                    .instrument(apply_span(consumer, event))
                    .await?;
            }
            anyhow::Ok(())
        })
        .await;
        applied?;
        batch::finish(tx, batch).await
    }

    async fn applied(&self) {
        self.routing.armer.notify_one();
        if let Ok(head) = frontdesk_platform::outbox::head(&self.routing.db).await {
            self.routing.fanout.publish(head).await;
        }
    }
}

impl IntakeEvents {
    /// What routing the batch's new inquiries needs, asked once for all of them: which were
    /// routed before (the database), and the texts of those whose property's rules match on
    /// text (intake).
    async fn prefetch(&self, tx: &mut AnyConnection, events: &[&Event]) -> anyhow::Result<()> {
        let mut created = Vec::new();
        let mut ids = Vec::new();
        for event in events {
            if event.r#type != <intake_pb::InquiryChanged as prost::Name>::full_name() {
                continue;
            }
            // An event that does not decode is refused by apply_one, with its reason.
            let Ok(changed) = intake_pb::InquiryChanged::decode(event.payload.as_slice()) else {
                continue;
            };
            let Some(facts) = changed.facts else { continue };
            if changed.change != intake_pb::ChangeType::Created as i32 {
                continue;
            }
            created.push(facts.inquiry_id.clone());
            if self
                .routing
                .rules_for(tx, &facts.property_id)
                .await?
                .uses_text()
            {
                ids.push(facts.inquiry_id);
            }
        }
        if created.len() > 1 {
            batch::check_routed(tx, created).await?;
        }
        if ids.len() > 1 {
            batch::keep_texts(self.routing.inquiry_texts(&ids).await?);
        }
        Ok(())
    }

    /// One intake event; the assignment events it causes are [`record`]ed for the batch.
    async fn apply_one(&self, tx: &mut AnyConnection, event: &Event) -> anyhow::Result<()> {
        if event.r#type != <intake_pb::InquiryChanged as prost::Name>::full_name() {
            return Ok(());
        }
        let changed = intake_pb::InquiryChanged::decode(event.payload.as_slice())?;
        let Some(inquiry) = changed.facts else {
            anyhow::bail!("intake event {} carries no facts", event.event_id);
        };
        let at = event
            .occurred_at
            .as_ref()
            .and_then(from_timestamp)
            .unwrap_or_default();
        use intake_pb::ChangeType as C;
        let change = C::try_from(changed.change);
        if !matches!(change, Ok(C::Created | C::Routed | C::SlaChanged)) {
            // What follows reads and changes assignments: the batch's new ones are written
            // first. Routing's own decisions echoed back (ROUTED, SLA_CHANGED: the most
            // frequent events) only reach `reroute`, which reads a new one from the batch.
            batch::flush(tx).await?;
        }
        if change != Ok(C::Created) {
            // Reclassified, or a triaged category confirmed: whichever event first shows a
            // classification routing did not plan with re-routes it, before its own effect.
            self.reroute(tx, &inquiry, &event.actor, at).await?;
        }
        match change {
            Ok(C::Created) => self.route(tx, &inquiry).await,
            Ok(C::Acknowledged | C::Responded) => {
                self.first_response(tx, &inquiry.inquiry_id, at).await
            }
            Ok(C::Resolved) => self.resolved(tx, &inquiry.inquiry_id, at).await,
            Ok(C::Reopened) => self.reopened(tx, &inquiry.inquiry_id, at).await,
            Ok(C::DelayNotified) => {
                let new_due = inquiry.expected_at.as_ref().and_then(from_timestamp);
                match new_due {
                    Some(due) => self.delayed(tx, &inquiry.inquiry_id, at, due).await,
                    None => Ok(()),
                }
            }
            Ok(C::WaitingOnCustomer) => self.paused(tx, &inquiry.inquiry_id, at).await,
            Ok(C::CustomerReplied) => self.resumed(tx, &inquiry.inquiry_id, at).await,
            // Routing's own projection echoes and changes routing does not act on.
            _ => Ok(()),
        }
    }
}

impl IntakeEvents {
    async fn route(
        &self,
        tx: &mut AnyConnection,
        inquiry: &intake_pb::InquiryFacts,
    ) -> anyhow::Result<()> {
        if batch::is_routed(tx, &inquiry.inquiry_id).await? {
            return Ok(()); // routed already (e.g. the same inquiry re-sent)
        }
        let channel_v = known(
            common::Channel::from_wire(inquiry.channel),
            "channel",
            inquiry.channel,
        )?;
        let category_v = known(
            common::Category::from_wire(inquiry.category),
            "category",
            inquiry.category,
        )?;
        let language_v = known(
            common::Language::from_wire(inquiry.language),
            "language",
            inquiry.language,
        )?;
        let complexity_v = known(
            common::Complexity::from_wire(inquiry.complexity),
            "complexity",
            inquiry.complexity,
        )?;
        let code = |c: Option<&'static str>| c.unwrap_or_default().to_string();
        let (channel, category, language) = (
            code(channel_v.code()),
            code(category_v.code()),
            code(language_v.code()),
        );
        let rules = self.routing.rules_for(tx, &inquiry.property_id).await?;
        let text = if rules.uses_text() {
            self.routing.inquiry_text(&inquiry.inquiry_id).await?
        } else {
            String::new()
        };
        let complex = complexity_v == common::Complexity::Complex;
        let facts = InquiryFacts {
            property_id: inquiry.property_id.clone(),
            channel: channel.clone(),
            category: category.clone(),
            complexity: if complex {
                Complexity::Complex
            } else {
                Complexity::Simple
            },
            language: language.clone(),
            text,
        };
        // Issue 15: an unsure category is not routed on; a person confirms it first.
        let decision = if inquiry.needs_triage {
            rules.route_unconfirmed(&facts)
        } else {
            rules.route(&facts)
        };
        let created_at = inquiry
            .created_at
            .as_ref()
            .and_then(from_timestamp)
            .context("inquiry without created_at")?;
        let policy = self.routing.policy_for(tx, &inquiry.property_id).await?;
        let zone = policy.calendar.time_zone();
        let choice = self
            .routing
            .pick_handler(
                tx,
                &inquiry.property_id,
                &decision.lead_department,
                &language,
                &category,
                shift::local_time(zone, created_at),
            )
            .await?;
        let new = NewInquiry {
            inquiry_id: inquiry.inquiry_id.clone(),
            property_id: inquiry.property_id.clone(),
            channel,
            sla_channel: sla_channel(channel_v),
            category,
            complex,
            language,
            created_at,
            needs_triage: inquiry.needs_triage,
        };
        let contacts =
            crate::batch::department_contacts(tx, &inquiry.property_id, &decision.lead_department)
                .await?;
        let PlannedRoute {
            routed,
            deadlines: timers,
            detail,
            notify,
            told,
        } = plan_route(&new, &decision, &choice, &contacts, &policy)
            .map_err(|e| anyhow::anyhow!("SLA plan for property {}: {e}", inquiry.property_id))?;
        let dept = routed.lead_department.clone();
        batch::assigned(&routed.property_id, &routed.assignee);
        batch::insert_routed(tx, routed.clone(), timers).await?;
        count_told(told.as_ref(), &dept);
        record(
            AssignmentChange::Routed,
            &routed,
            Vec::new(),
            detail,
            Some(DeadlineFired {
                kind: DeadlineKind::FirstResponseBreach,
                due_at: routed.first_response_due,
                notify_staff_id: notify,
            }),
            By::routing(""),
        )?;
        metrics::counter!(crate::metrics::ROUTED, "department" => dept).increment(1);
        Ok(())
    }

    async fn change(
        &self,
        tx: &mut AnyConnection,
        inquiry_id: &str,
        change: AssignmentChange,
        detail: &str,
        apply: impl FnOnce(&mut Routed) -> bool,
    ) -> anyhow::Result<Option<Routed>> {
        let Some(mut routed) = store::load(tx, inquiry_id).await? else {
            tracing::warn!(
                inquiry_id,
                "intake event for an inquiry routing never saw created"
            );
            return Ok(None);
        };
        let loaded = routed.version;
        if !apply(&mut routed) {
            return Ok(None);
        }
        if !store::update(tx, &routed, loaded).await? {
            anyhow::bail!("assignment {inquiry_id} changed concurrently; retry");
        }
        let fired = store::fired_kinds(tx, inquiry_id).await?;
        let holder = routed.assignee.clone();
        record(
            change,
            &routed,
            fired,
            detail.to_string(),
            None,
            By::routing(&holder),
        )?;
        Ok(Some(routed))
    }
}

/// Counts a notice meant for a department head that reached someone else or nobody.
pub(crate) fn count_told(told: Option<&Told>, department: &str) {
    if let Some(fallback) = told.and_then(Told::fallback) {
        metrics::counter!(crate::metrics::HEAD_MISSING, "department" => department.to_string(),
            "told" => fallback)
        .increment(1);
    }
}

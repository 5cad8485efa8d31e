//! Routing's consumer of intake's events: a new inquiry is routed (lead department, named
//! handler or queue) and given its deadlines; answers, resolution, reopening and delay
//! notices meet, cancel or move them. Applied once per event by the platform's inbox.

use crate::assignment_store as store;
use crate::domain::calendar::{Channel as SlaChannel, Complexity as SlaComplexity, Pause};
use crate::domain::plan_route::{NewInquiry, PlannedRoute, plan_route};
use crate::domain::routed::{Routed, RoutedState};
use crate::domain::routing_rules::{Complexity, InquiryFacts};
use crate::domain::shift;
use crate::domain::sla_policy::{self, DeadlineKind};
use crate::engine::Routing;
use crate::events::{DeadlineFired, emit};
use anyhow::Context;
use chrono::{DateTime, Utc};
use frontdesk_platform::inbox::EventHandler;
use frontdesk_platform::time::from_timestamp;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1 as intake_pb;
use frontdesk_proto::routing::v1::AssignmentChange;
use prost::Message;
use sqlx::{Any, AnyConnection, Transaction};

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

fn sla_channel(channel: common::Channel) -> SlaChannel {
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
        metrics::counter!("frontdesk_routing_unknown_vocabulary_total", "field" => field.to_string())
            .increment(1);
        anyhow::anyhow!("intake event has unknown or unspecified {field} ({raw})")
    })
}

#[tonic::async_trait]
impl EventHandler for IntakeEvents {
    async fn apply(&self, tx: &mut Transaction<'static, Any>, event: &Event) -> anyhow::Result<()> {
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
        match C::try_from(changed.change) {
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

    async fn applied(&self) {
        self.routing.armer.notify_one();
        if let Ok(head) = frontdesk_platform::outbox::head(&self.routing.db).await {
            self.routing.fanout.publish(head).await;
        }
    }
}

impl IntakeEvents {
    async fn route(
        &self,
        tx: &mut AnyConnection,
        inquiry: &intake_pb::InquiryFacts,
    ) -> anyhow::Result<()> {
        if store::load(tx, &inquiry.inquiry_id).await?.is_some() {
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
        let decision = rules.route(&facts);
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
        };
        let PlannedRoute {
            routed,
            deadlines: timers,
            detail,
        } = plan_route(&new, &decision, &choice, &policy)
            .map_err(|e| anyhow::anyhow!("SLA plan for property {}: {e}", inquiry.property_id))?;
        let (dept, assignee) = (routed.lead_department.clone(), routed.assignee.clone());
        store::insert(tx, &routed).await?;
        store::upsert_deadlines(tx, &routed.inquiry_id, &routed.property_id, &timers).await?;
        let notify = if assignee.is_empty() {
            crate::store::department_contacts(tx, &routed.property_id, &dept)
                .await?
                .0
        } else {
            assignee
        };
        emit(
            tx,
            AssignmentChange::Routed,
            &routed,
            Vec::new(),
            detail,
            Some(DeadlineFired {
                kind: DeadlineKind::FirstResponseBreach,
                due_at: routed.first_response_due,
                notify_staff_id: notify,
            }),
        )
        .await?;
        metrics::counter!("frontdesk_routed_total", "department" => dept).increment(1);
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
        emit(tx, change, &routed, fired, detail.to_string(), None).await?;
        Ok(Some(routed))
    }

    async fn first_response(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
    ) -> anyhow::Result<()> {
        if self
            .change(
                tx,
                id,
                AssignmentChange::FirstResponseMet,
                "first response given",
                |r| r.first_response(at),
            )
            .await?
            .is_some()
        {
            store::cancel_deadlines(tx, id, DeadlineKind::is_first_response).await?;
        }
        Ok(())
    }

    async fn resolved(&self, tx: &mut AnyConnection, id: &str, at: i64) -> anyhow::Result<()> {
        if self
            .change(tx, id, AssignmentChange::Resolved, "resolved", |r| {
                r.resolve(at)
            })
            .await?
            .is_some()
        {
            store::cancel_deadlines(tx, id, |_| true).await?;
        }
        Ok(())
    }

    async fn reopened(&self, tx: &mut AnyConnection, id: &str, at: i64) -> anyhow::Result<()> {
        let Some(current) = store::load(tx, id).await? else {
            return Ok(());
        };
        let policy = self.routing.policy_for(tx, &current.property_id).await?;
        let complexity = if current.complexity == "complex" {
            SlaComplexity::Complex
        } else {
            SlaComplexity::Simple
        };
        // A reopened inquiry gets a fresh resolution target from now.
        let plan = sla_policy::plan(
            &policy,
            sla_channel_of(&current.channel)?,
            &current.category,
            complexity,
            utc(at),
        )
        .map_err(|e| anyhow::anyhow!("SLA plan: {e}"))?;
        let due = micros(plan.resolution_due);
        if self
            .change(tx, id, AssignmentChange::Reopened, "reopened", |r| {
                r.reopen(at, due)
            })
            .await?
            .is_some()
        {
            let timers: Vec<(DeadlineKind, i64)> = plan
                .timers
                .iter()
                .filter(|(k, _)| !k.is_first_response())
                .map(|(k, t)| (*k, micros(*t)))
                .collect();
            store::upsert_deadlines(tx, id, &current.property_id, &timers).await?;
        }
        Ok(())
    }

    /// CI-3.6: the customer was told a new time; the resolution chain follows it.
    async fn delayed(
        &self,
        tx: &mut AnyConnection,
        id: &str,
        at: i64,
        new_due: i64,
    ) -> anyhow::Result<()> {
        let Some(current) = store::load(tx, id).await? else {
            return Ok(());
        };
        let detail = "resolution deadline moved by a delay notice";
        if self
            .change(tx, id, AssignmentChange::DeadlineMoved, detail, |r| {
                r.move_resolution(at, new_due)
            })
            .await?
            .is_some()
        {
            let policy = self.routing.policy_for(tx, &current.property_id).await?;
            let timers: Vec<(DeadlineKind, i64)> =
                sla_policy::moved_resolution(&policy, utc(new_due), utc(at))
                    .into_iter()
                    .map(|(k, t)| (k, micros(t)))
                    .collect();
            store::upsert_deadlines(tx, id, &current.property_id, &timers).await?;
        }
        Ok(())
    }

    /// Waiting on the customer: the clocks stop; pending deadlines are withdrawn until the
    /// customer replies.
    async fn paused(&self, tx: &mut AnyConnection, id: &str, at: i64) -> anyhow::Result<()> {
        let detail = "SLA clocks paused while waiting on the customer";
        if self
            .change(tx, id, AssignmentChange::DeadlineMoved, detail, |r| {
                let open = r.state != RoutedState::Resolved;
                if open {
                    r.noted(at);
                }
                open
            })
            .await?
            .is_some()
        {
            store::start_pause(tx, id, at).await?;
            store::cancel_deadlines(tx, id, |_| true).await?;
        }
        Ok(())
    }

    /// The customer replied: every deadline not yet met moves by the working time waited.
    async fn resumed(&self, tx: &mut AnyConnection, id: &str, at: i64) -> anyhow::Result<()> {
        if !store::end_pause(tx, id, at).await? {
            return Ok(());
        }
        let Some(current) = store::load(tx, id).await? else {
            return Ok(());
        };
        if current.state == RoutedState::Resolved {
            return Ok(());
        }
        let policy = self.routing.policy_for(tx, &current.property_id).await?;
        let pauses: Vec<Pause> = store::pauses(tx, id)
            .await?
            .into_iter()
            .map(|(from, to)| Pause {
                from: utc(from),
                to: to.map(utc),
            })
            .collect();
        let complexity = if current.complexity == "complex" {
            SlaComplexity::Complex
        } else {
            SlaComplexity::Simple
        };
        let plan = sla_policy::plan_with_pauses(
            &policy,
            sla_channel_of(&current.channel)?,
            &current.category,
            complexity,
            utc(current.created_at),
            &pauses,
        )
        .map_err(|e| anyhow::anyhow!("SLA plan: {e}"))?;
        let fired = store::fired_kinds(tx, id).await?;
        let moved_by_delay = current.resolution_due != current.original_resolution_due;
        let waited = pauses
            .last()
            .map(|p| p.to.unwrap_or(p.from) - p.from)
            .unwrap_or_default();
        let mut timers: Vec<(DeadlineKind, i64)> = plan
            .timers
            .iter()
            .filter(|(k, _)| !fired.iter().any(|f| f == k.code()))
            .filter(|(k, _)| !(k.is_first_response() && current.first_response_at.is_some()))
            .filter(|(k, _)| k.is_first_response() || !moved_by_delay)
            .map(|(k, t)| (*k, micros(*t)))
            .collect();
        // A time promised by a delay notice moves by the wall-clock time waited.
        let resolution_due = if moved_by_delay {
            let due = utc(current.resolution_due) + waited;
            timers.extend(
                sla_policy::moved_resolution(&policy, due, utc(at))
                    .into_iter()
                    .filter(|(k, _)| !fired.iter().any(|f| f == k.code()))
                    .map(|(k, t)| (k, micros(t))),
            );
            micros(due)
        } else {
            micros(plan.resolution_due)
        };
        let original = if moved_by_delay {
            current.original_resolution_due
        } else {
            resolution_due
        };
        let first_due = micros(plan.first_response_due);
        let detail =
            "the customer replied: SLA clocks run again, deadlines moved by the time waited";
        self.change(tx, id, AssignmentChange::DeadlineMoved, detail, |r| {
            r.reschedule(at, first_due, resolution_due, original);
            true
        })
        .await?;
        store::upsert_deadlines(tx, id, &current.property_id, &timers).await?;
        Ok(())
    }
}

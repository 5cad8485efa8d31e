//! The facts analytics keeps per inquiry, read from intake's and routing's event payloads.
//! Vocabulary values are checked: UNSPECIFIED is "not known yet", a number this build does
//! not know is an error (the event is retried, never folded in with a guessed value).

use crate::domain::kpi::Fact;
use anyhow::{anyhow, bail};
use frontdesk_platform::time::from_timestamp;
use frontdesk_proto::common::v1::{Category, Channel, Complexity, Language, Satisfaction};
use frontdesk_proto::intake::v1 as intake_pb;
use frontdesk_proto::routing::v1 as routing_pb;
use std::collections::BTreeMap;

/// An audit verdict of one answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditVerdict {
    pub response_id: String,
    pub responded_by: String,
    pub accurate: bool,
}

/// What an intake event says about its inquiry (all of it, as of `version`).
#[derive(Debug, Clone, PartialEq)]
pub struct IntakeFacts {
    pub inquiry_id: String,
    pub property_id: String,
    pub channel: &'static str,
    pub category: Option<&'static str>,
    pub complexity: Option<&'static str>,
    pub language: Option<&'static str>,
    pub created_at: i64,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub expected_at: Option<i64>,
    pub handler: String,
    pub satisfaction: Option<&'static str>,
    pub audits: Vec<AuditVerdict>,
    pub delay_notices: i64,
    pub version: i64,
    /// The classifier's matched terms (vocabulary of the rules, never the customer's text).
    pub terms: Vec<String>,
}

/// What a routing event says about its inquiry's assignment, and what it counts.
#[derive(Debug, Clone, PartialEq)]
pub struct RoutingFacts {
    pub inquiry_id: String,
    pub property_id: String,
    pub department: String,
    pub handler: String,
    pub first_response_due: Option<i64>,
    pub resolution_due: Option<i64>,
    pub original_resolution_due: Option<i64>,
    pub version: i64,
    pub transfers: i64,
    pub sla_breaches: i64,
    pub escalations: i64,
}

fn time(ts: Option<&prost_types::Timestamp>, field: &str) -> anyhow::Result<Option<i64>> {
    ts.map(|t| from_timestamp(t).ok_or_else(|| anyhow!("{field}: timestamp out of range")))
        .transpose()
}

/// `None` for UNSPECIFIED; an error for a value this build does not know.
fn code<E>(
    v: i32,
    field: &str,
    code: impl Fn(E) -> Option<&'static str>,
) -> anyhow::Result<Option<&'static str>>
where
    E: TryFrom<i32>,
{
    match E::try_from(v) {
        Ok(e) => Ok(code(e)),
        Err(_) => bail!("{field}: unknown value {v}"),
    }
}

impl IntakeFacts {
    pub fn from_pb(f: &intake_pb::InquiryFacts) -> anyhow::Result<IntakeFacts> {
        if f.inquiry_id.is_empty() || f.property_id.is_empty() {
            bail!("facts without inquiry_id or property_id");
        }
        let channel = code(f.channel, "channel", Channel::code)?
            .ok_or_else(|| anyhow!("inquiry {}: channel unspecified", f.inquiry_id))?;
        let created_at = time(f.created_at.as_ref(), "created_at")?
            .ok_or_else(|| anyhow!("inquiry {}: created_at missing", f.inquiry_id))?;
        Ok(IntakeFacts {
            inquiry_id: f.inquiry_id.clone(),
            property_id: f.property_id.clone(),
            channel,
            category: code(f.category, "category", Category::code)?,
            complexity: code(f.complexity, "complexity", Complexity::code)?,
            language: code(f.language, "language", Language::code)?,
            created_at,
            first_response_at: time(f.first_response_at.as_ref(), "first_response_at")?,
            resolved_at: time(f.resolved_at.as_ref(), "resolved_at")?,
            expected_at: time(f.expected_at.as_ref(), "expected_at")?,
            handler: f.assignee.clone(),
            satisfaction: code(f.satisfaction, "satisfaction", Satisfaction::code)?,
            audits: f
                .audits
                .iter()
                .map(|a| AuditVerdict {
                    response_id: a.response_id.clone(),
                    responded_by: a.responded_by.clone(),
                    accurate: a.accurate,
                })
                .collect(),
            delay_notices: i64::from(f.delay_notices),
            terms: terms(&f.matched_terms),
            version: f.version,
        })
    }
}

impl RoutingFacts {
    pub fn from_pb(changed: &routing_pb::AssignmentChanged) -> anyhow::Result<RoutingFacts> {
        use routing_pb::AssignmentChange as C;
        let a = changed
            .assignment
            .as_ref()
            .ok_or_else(|| anyhow!("AssignmentChanged without assignment"))?;
        if a.inquiry_id.is_empty() || a.property_id.is_empty() {
            bail!("assignment without inquiry_id or property_id");
        }
        let change = C::try_from(changed.change)
            .map_err(|_| anyhow!("change: unknown value {}", changed.change))?;
        let one = |c: C| i64::from(change == c);
        Ok(RoutingFacts {
            inquiry_id: a.inquiry_id.clone(),
            property_id: a.property_id.clone(),
            department: a.lead_department.clone(),
            handler: a.assignee.clone(),
            first_response_due: time(a.first_response_due.as_ref(), "first_response_due")?,
            resolution_due: time(a.resolution_due.as_ref(), "resolution_due")?,
            original_resolution_due: time(
                a.original_resolution_due.as_ref(),
                "original_resolution_due",
            )?,
            version: a.version,
            transfers: one(C::Transferred),
            sla_breaches: one(C::SlaBreached),
            escalations: one(C::Escalated),
        })
    }
}

/// One event's contribution, decoded: what a batch of events is folded from.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    Intake(IntakeFacts),
    Routing(RoutingFacts),
    Quiz(QuizFact),
}

/// A submitted quiz attempt (CI-4.3), as the per-employee report (CI-5.5) counts it.
#[derive(Debug, Clone, PartialEq)]
pub struct QuizFact {
    pub attempt_id: String,
    pub property_id: String,
    pub quiz_id: String,
    pub staff_id: String,
    pub correct: i64,
    pub total: i64,
    pub submitted_at: i64,
}

/// An inquiry's stored row of facts — intake's columns, routing's columns and its audit
/// verdicts — folded one event at a time in memory. A batch folds its events in order into
/// the rows it loaded and writes back only the result: the same row applying the events one
/// by one to the table would leave (apart from `updated_at`, the time of the write).
#[derive(Debug, Clone, PartialEq)]
pub struct FactRow {
    pub inquiry_id: String,
    pub property_id: String,
    pub channel: Option<String>,
    pub category: Option<String>,
    pub complexity: Option<String>,
    pub language: Option<String>,
    pub created_at: Option<i64>,
    pub first_response_at: Option<i64>,
    pub resolved_at: Option<i64>,
    pub expected_at: Option<i64>,
    pub handler: String,
    pub satisfaction: Option<String>,
    pub delay_notices: i64,
    pub intake_version: i64,
    pub department: String,
    pub routing_handler: String,
    pub first_response_due: Option<i64>,
    pub resolution_due: Option<i64>,
    pub original_resolution_due: Option<i64>,
    pub routing_version: i64,
    pub transfers: i64,
    pub sla_breaches: i64,
    pub escalations: i64,
    pub updated_at: i64,
    /// By response id, one verdict per answer.
    pub audits: Vec<AuditVerdict>,
}

impl FactRow {
    /// The row the first event about an inquiry creates: nothing known yet (versions −1,
    /// so any event's version is newer).
    pub fn new(inquiry_id: &str, property_id: &str, now: i64) -> FactRow {
        FactRow {
            inquiry_id: inquiry_id.to_string(),
            property_id: property_id.to_string(),
            channel: None,
            category: None,
            complexity: None,
            language: None,
            created_at: None,
            first_response_at: None,
            resolved_at: None,
            expected_at: None,
            handler: String::new(),
            satisfaction: None,
            delay_notices: 0,
            intake_version: -1,
            department: String::new(),
            routing_handler: String::new(),
            first_response_due: None,
            resolution_due: None,
            original_resolution_due: None,
            routing_version: -1,
            transfers: 0,
            sla_breaches: 0,
            escalations: 0,
            updated_at: now,
            audits: Vec::new(),
        }
    }

    /// Takes intake's facts (all of them, as of `f.version`) unless newer ones are already
    /// folded in; returns whether it did (the inquiry's matched terms are then `f.terms`).
    /// An answer audited twice in one event keeps its last verdict.
    pub fn fold_intake(&mut self, f: &IntakeFacts, now: i64) -> bool {
        if self.intake_version > f.version {
            return false;
        }
        let owned = |v: Option<&'static str>| v.map(str::to_string);
        self.property_id = f.property_id.clone();
        self.channel = Some(f.channel.to_string());
        self.category = owned(f.category);
        self.complexity = owned(f.complexity);
        self.language = owned(f.language);
        self.created_at = Some(f.created_at);
        self.first_response_at = f.first_response_at;
        self.resolved_at = f.resolved_at;
        self.expected_at = f.expected_at;
        self.handler = f.handler.clone();
        self.satisfaction = owned(f.satisfaction);
        self.delay_notices = f.delay_notices;
        self.intake_version = f.version;
        self.updated_at = now;
        let mut audits: BTreeMap<&str, &AuditVerdict> = BTreeMap::new();
        for a in &f.audits {
            audits.insert(&a.response_id, a);
        }
        self.audits = audits.into_values().cloned().collect();
        true
    }

    /// Adds a routing event's counts (every event counts once) and takes its assignment
    /// unless a newer one is already folded in.
    pub fn fold_routing(&mut self, r: &RoutingFacts, now: i64) {
        self.transfers += r.transfers;
        self.sla_breaches += r.sla_breaches;
        self.escalations += r.escalations;
        if self.routing_version <= r.version {
            self.department = r.department.clone();
            self.routing_handler = r.handler.clone();
            self.first_response_due = r.first_response_due;
            self.resolution_due = r.resolution_due;
            self.original_resolution_due = r.original_resolution_due;
            self.routing_version = r.version;
            self.updated_at = now;
        }
    }

    /// The inquiry as reports count it, with its property; `None` while it is not counted
    /// (no created event yet). A stored code this build does not know is an error.
    pub fn counted(&self) -> anyhow::Result<Option<(String, Fact)>> {
        let (Some(created_at), Some(channel)) = (self.created_at, self.channel.as_deref()) else {
            return Ok(None);
        };
        let id = &self.inquiry_id;
        let channel = stored_code(Some(channel), id, "channel", Channel::from_code)?
            .ok_or_else(|| anyhow!("inquiry {id} has no channel"))?;
        let category = stored_code(
            self.category.as_deref(),
            id,
            "category",
            Category::from_code,
        )?;
        let satisfaction = stored_code(
            self.satisfaction.as_deref(),
            id,
            "satisfaction",
            Satisfaction::from_code,
        )?;
        Ok(Some((
            self.property_id.clone(),
            Fact {
                inquiry_id: self.inquiry_id.clone(),
                channel,
                category,
                department: self.department.clone(),
                handler: if self.handler.is_empty() {
                    self.routing_handler.clone()
                } else {
                    self.handler.clone()
                },
                created_at,
                first_response_at: self.first_response_at,
                resolved_at: self.resolved_at,
                satisfaction,
                audits: self.audits.clone(),
                resolution_due: self.resolution_due,
                original_resolution_due: self.original_resolution_due,
                transfers: self.transfers,
                sla_breaches: self.sla_breaches,
            },
        )))
    }
}

/// A stored vocabulary code back as its value; an error for a code this build does not know.
fn stored_code<T>(
    v: Option<&str>,
    inquiry_id: &str,
    field: &str,
    parse: impl Fn(&str) -> Option<T>,
) -> anyhow::Result<Option<T>> {
    v.map(|c| {
        parse(c).ok_or_else(|| {
            anyhow!("inquiry {inquiry_id}: stored {field} {c:?} is not a known code")
        })
    })
    .transpose()
}

/// The matched terms worth counting: trimmed, Latin lower-cased, de-duplicated, at most 20
/// of at most 40 characters (a rules file's terms are short; anything else is not a term).
fn terms(matched: &[String]) -> Vec<String> {
    let mut out: Vec<String> = matched
        .iter()
        .map(|t| t.trim().to_lowercase())
        .filter(|t| !t.is_empty() && t.chars().count() <= 40)
        .collect();
    out.sort();
    out.dedup();
    out.truncate(20);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use frontdesk_platform::time::to_timestamp;

    fn facts() -> intake_pb::InquiryFacts {
        intake_pb::InquiryFacts {
            inquiry_id: "i1".into(),
            property_id: "p".into(),
            channel: Channel::Hotline as i32,
            created_at: Some(to_timestamp(10)),
            ..Default::default()
        }
    }

    #[test]
    fn unspecified_is_unknown_but_an_unknown_number_is_an_error() {
        let f = IntakeFacts::from_pb(&facts()).expect("valid");
        assert_eq!(f.channel, "hotline");
        assert_eq!(f.category, None);
        assert_eq!(f.satisfaction, None);
        let mut bad = facts();
        bad.category = 999;
        assert!(IntakeFacts::from_pb(&bad).is_err());
        let mut no_channel = facts();
        no_channel.channel = 0;
        assert!(IntakeFacts::from_pb(&no_channel).is_err());
    }

    #[test]
    fn routing_counts_transfers_and_breaches() {
        let changed = routing_pb::AssignmentChanged {
            change: routing_pb::AssignmentChange::SlaBreached as i32,
            assignment: Some(routing_pb::Assignment {
                inquiry_id: "i1".into(),
                property_id: "p".into(),
                lead_department: "front_office".into(),
                ..Default::default()
            }),
            ..Default::default()
        };
        let r = RoutingFacts::from_pb(&changed).expect("valid");
        assert_eq!((r.sla_breaches, r.transfers, r.escalations), (1, 0, 0));
        assert_eq!(r.department, "front_office");
    }
}

//! A property's SLA policy and the deadlines it sets for one inquiry: a warning, a breach,
//! then an escalation chain (handler → department head → duty manager), each a timer
//! (CI-3.6, CI-5.4; DESIGN "SLA deadlines and timers").

use super::calendar::{
    BusinessCalendar, CalendarError, CalendarSpec, Channel, Complexity, Pause, SlaTarget,
    SlaTargets,
};
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// What a property's `<property_id>.toml` may say; anything left out takes the default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicySpec {
    #[serde(default)]
    pub calendar: Option<CalendarSpec>,
    #[serde(default)]
    pub targets: SlaTargets,
    #[serde(default)]
    pub escalation: EscalationSpec,
    /// Targets for one category that differ from the channel's and complexity's, e.g.
    /// `[categories.complaint] first_response = { amount = { seconds = 1800 }, clock = "around_the_clock" }`.
    #[serde(default)]
    pub categories: HashMap<String, CategoryTargets>,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CategoryTargets {
    pub first_response: Option<SlaTarget>,
    pub resolution: Option<SlaTarget>,
}

impl PolicySpec {
    /// Category keys must be intake's category codes.
    pub fn validate(&self) -> Result<(), String> {
        for code in self.categories.keys() {
            if !super::directory::CATEGORY_CODES.contains(&code.as_str()) {
                return Err(format!("categories.{code}: not a category code"));
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EscalationSpec {
    /// Minutes after a breach before the department head is told.
    pub head_after_minutes: u32,
    /// Minutes after a breach before the duty manager is told.
    pub duty_manager_after_minutes: u32,
}

impl Default for EscalationSpec {
    fn default() -> Self {
        EscalationSpec {
            head_after_minutes: 30,
            duty_manager_after_minutes: 60,
        }
    }
}

#[derive(Debug, Clone)]
pub struct SlaPolicy {
    /// What `calendar` was built from, for showing the policy in force.
    pub calendar_spec: CalendarSpec,
    pub calendar: BusinessCalendar,
    pub targets: SlaTargets,
    pub escalation: EscalationSpec,
    pub categories: HashMap<String, CategoryTargets>,
}

impl SlaPolicy {
    /// The default a property gets until it is configured: office hours Monday–Friday
    /// 09:00–18:00 China time for business-hours targets; phone and on-the-spot targets run
    /// around the clock regardless.
    pub fn default_policy() -> Result<SlaPolicy, CalendarError> {
        let spec: CalendarSpec = CalendarSpec {
            always_open: false,
            time_zone: Some("Asia/Shanghai".into()),
            weekly: office_week(),
            holidays: Vec::new(),
            make_up_days: Vec::new(),
        };
        Ok(SlaPolicy {
            calendar: BusinessCalendar::from_spec(&spec)?,
            calendar_spec: spec,
            targets: SlaTargets::default(),
            escalation: EscalationSpec::default(),
            categories: HashMap::new(),
        })
    }

    pub fn from_spec(spec: &PolicySpec) -> Result<SlaPolicy, CalendarError> {
        let (calendar, calendar_spec) = match &spec.calendar {
            Some(c) => (BusinessCalendar::from_spec(c)?, c.clone()),
            None => {
                let d = SlaPolicy::default_policy()?;
                (d.calendar, d.calendar_spec)
            }
        };
        Ok(SlaPolicy {
            calendar,
            calendar_spec,
            targets: spec.targets.clone(),
            escalation: spec.escalation,
            categories: spec.categories.clone(),
        })
    }
}

/// The policy in force, every setting spelled out, in the format `parse` reads.
#[derive(Serialize)]
struct Effective<'a> {
    calendar: &'a CalendarSpec,
    targets: &'a SlaTargets,
    escalation: &'a EscalationSpec,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    categories: BTreeMap<&'a str, &'a CategoryTargets>,
}

impl SlaPolicy {
    /// Defaults merged with the property's overrides, as TOML (GetSlaPolicy's
    /// `effective_toml`); saving it as overrides changes nothing.
    pub fn to_toml(&self) -> String {
        let effective = Effective {
            calendar: &self.calendar_spec,
            targets: &self.targets,
            escalation: &self.escalation,
            categories: self
                .categories
                .iter()
                .map(|(k, v)| (k.as_str(), v))
                .collect(),
        };
        toml::to_string_pretty(&effective).unwrap_or_default()
    }
}

// Parsing and checking a saved policy text lives in `sla_check`.
pub use super::sla_check::{MAX_ESCALATION_MINUTES, MAX_POLICY_BYTES, MAX_TARGET};

fn office_week() -> super::calendar::WeeklySpec {
    let day = || vec!["09:00-18:00".to_string()];
    super::calendar::WeeklySpec {
        mon: day(),
        tue: day(),
        wed: day(),
        thu: day(),
        fri: day(),
        sat: Vec::new(),
        sun: Vec::new(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeadlineKind {
    FirstResponseWarning,
    FirstResponseBreach,
    FirstResponseEscalateHead,
    FirstResponseEscalateDutyManager,
    ResolutionWarning,
    ResolutionBreach,
    ResolutionEscalateHead,
    ResolutionEscalateDutyManager,
}

impl DeadlineKind {
    pub const ALL: [DeadlineKind; 8] = [
        DeadlineKind::FirstResponseWarning,
        DeadlineKind::FirstResponseBreach,
        DeadlineKind::FirstResponseEscalateHead,
        DeadlineKind::FirstResponseEscalateDutyManager,
        DeadlineKind::ResolutionWarning,
        DeadlineKind::ResolutionBreach,
        DeadlineKind::ResolutionEscalateHead,
        DeadlineKind::ResolutionEscalateDutyManager,
    ];

    pub fn code(self) -> &'static str {
        match self {
            DeadlineKind::FirstResponseWarning => "first_response_warning",
            DeadlineKind::FirstResponseBreach => "first_response_breach",
            DeadlineKind::FirstResponseEscalateHead => "first_response_escalate_head",
            DeadlineKind::FirstResponseEscalateDutyManager => {
                "first_response_escalate_duty_manager"
            }
            DeadlineKind::ResolutionWarning => "resolution_warning",
            DeadlineKind::ResolutionBreach => "resolution_breach",
            DeadlineKind::ResolutionEscalateHead => "resolution_escalate_head",
            DeadlineKind::ResolutionEscalateDutyManager => "resolution_escalate_duty_manager",
        }
    }

    pub fn from_code(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.code() == s)
    }

    /// Met by the first response (acknowledge or answer) rather than by resolution.
    pub fn is_first_response(self) -> bool {
        matches!(
            self,
            DeadlineKind::FirstResponseWarning
                | DeadlineKind::FirstResponseBreach
                | DeadlineKind::FirstResponseEscalateHead
                | DeadlineKind::FirstResponseEscalateDutyManager
        )
    }
}

/// The timers of one inquiry, in due order.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    pub first_response_due: DateTime<Utc>,
    pub resolution_due: DateTime<Utc>,
    pub timers: Vec<(DeadlineKind, DateTime<Utc>)>,
}

fn chain(
    policy: &SlaPolicy,
    warn: DateTime<Utc>,
    due: DateTime<Utc>,
    kinds: [DeadlineKind; 4],
) -> [(DeadlineKind, DateTime<Utc>); 4] {
    let e = policy.escalation;
    [
        (kinds[0], warn),
        (kinds[1], due),
        (
            kinds[2],
            due + Duration::minutes(i64::from(e.head_after_minutes)),
        ),
        (
            kinds[3],
            due + Duration::minutes(i64::from(e.duty_manager_after_minutes)),
        ),
    ]
}

/// Deadlines for an inquiry received at `start` on `channel`.
pub fn plan(
    policy: &SlaPolicy,
    channel: Channel,
    category: &str,
    complexity: Complexity,
    start: DateTime<Utc>,
) -> Result<Plan, CalendarError> {
    plan_with_pauses(policy, channel, category, complexity, start, &[])
}

/// The same deadlines, with the time spent waiting on the customer not counted (closed
/// pauses only: an open pause has no end to shift by yet).
pub fn plan_with_pauses(
    policy: &SlaPolicy,
    channel: Channel,
    category: &str,
    complexity: Complexity,
    start: DateTime<Utc>,
    pauses: &[Pause],
) -> Result<Plan, CalendarError> {
    let fraction = policy.targets.warn_fraction;
    let by_category = policy.categories.get(category).copied().unwrap_or_default();
    let first_target: SlaTarget = by_category
        .first_response
        .unwrap_or(*policy.targets.first_response(channel));
    let resolution_target: SlaTarget = by_category
        .resolution
        .unwrap_or(*policy.targets.resolution(complexity));
    let first = first_target.deadline(&policy.calendar, start, pauses)?;
    let resolution = resolution_target.deadline(&policy.calendar, start, pauses)?;
    // Without pauses a deadline always has a due time; `start` is a safe fallback that fires
    // at once rather than never.
    let first_due = first.due()?.unwrap_or(start);
    let first_warn = first.warn_at(fraction)?.unwrap_or(first_due);
    let res_due = resolution.due()?.unwrap_or(start);
    let res_warn = resolution.warn_at(fraction)?.unwrap_or(res_due);
    use DeadlineKind::*;
    let mut timers: Vec<(DeadlineKind, DateTime<Utc>)> = chain(
        policy,
        first_warn,
        first_due,
        [
            FirstResponseWarning,
            FirstResponseBreach,
            FirstResponseEscalateHead,
            FirstResponseEscalateDutyManager,
        ],
    )
    .into_iter()
    .chain(chain(
        policy,
        res_warn,
        res_due,
        [
            ResolutionWarning,
            ResolutionBreach,
            ResolutionEscalateHead,
            ResolutionEscalateDutyManager,
        ],
    ))
    .collect();
    timers.sort_by_key(|(_, at)| *at);
    Ok(Plan {
        first_response_due: first_due,
        resolution_due: res_due,
        timers,
    })
}

/// A delay notice moved the promised time (CI-3.6): the resolution chain follows it.
pub fn moved_resolution(
    policy: &SlaPolicy,
    new_due: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Vec<(DeadlineKind, DateTime<Utc>)> {
    use DeadlineKind::*;
    // Warn at the same share of the remaining time as of the original target.
    let remaining = (new_due - now).max(Duration::zero());
    let warn_secs = (remaining.num_seconds() as f64 * policy.targets.warn_fraction) as i64;
    chain(
        policy,
        now + Duration::seconds(warn_secs),
        new_due,
        [
            ResolutionWarning,
            ResolutionBreach,
            ResolutionEscalateHead,
            ResolutionEscalateDutyManager,
        ],
    )
    .to_vec()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
        // Shanghai is UTC+8 all year.
        Utc.with_ymd_and_hms(y, m, d, h, min, 0)
            .single()
            .expect("valid")
            - Duration::hours(8)
    }

    #[test]
    fn hotline_first_response_runs_around_the_clock_and_email_on_office_hours() {
        let p = SlaPolicy::default_policy().expect("default");
        // Saturday 2025-11-22 10:00 Shanghai.
        let start = at(2025, 11, 22, 10, 0);
        let phone = plan(&p, Channel::Hotline, "other", Complexity::Simple, start).expect("plan");
        assert_eq!(phone.first_response_due, start + Duration::minutes(3));
        let email = plan(&p, Channel::Email, "other", Complexity::Simple, start).expect("plan");
        // Office opens Monday 09:00; two working hours later.
        assert_eq!(email.first_response_due, at(2025, 11, 24, 11, 0));
        // Simple resolution: 4 office hours.
        assert_eq!(email.resolution_due, at(2025, 11, 24, 13, 0));
    }

    #[test]
    fn each_target_warns_at_80_percent_then_breaches_then_escalates_twice() {
        let p = SlaPolicy::default_policy().expect("default");
        let start = at(2025, 11, 24, 9, 0); // Monday
        let plan = plan(&p, Channel::Website, "other", Complexity::Simple, start).expect("plan");
        let get = |k: DeadlineKind| {
            plan.timers
                .iter()
                .find(|(x, _)| *x == k)
                .map(|(_, t)| *t)
                .expect("kind")
        };
        assert_eq!(
            get(DeadlineKind::FirstResponseWarning),
            start + Duration::minutes(48)
        );
        assert_eq!(
            get(DeadlineKind::FirstResponseBreach),
            start + Duration::hours(1)
        );
        assert_eq!(
            get(DeadlineKind::FirstResponseEscalateHead),
            start + Duration::minutes(90)
        );
        assert_eq!(
            get(DeadlineKind::FirstResponseEscalateDutyManager),
            start + Duration::hours(2)
        );
        assert_eq!(plan.timers.len(), 8);
        assert!(
            plan.timers.windows(2).all(|w| w[0].1 <= w[1].1),
            "in due order"
        );
    }

    #[test]
    fn complex_inquiries_get_three_working_days() {
        let p = SlaPolicy::default_policy().expect("default");
        let start = at(2025, 11, 24, 10, 0); // Monday 10:00
        let plan = plan(&p, Channel::Email, "other", Complexity::Complex, start).expect("plan");
        assert_eq!(
            plan.resolution_due,
            at(2025, 11, 27, 10, 0),
            "Thursday 10:00"
        );
    }

    #[test]
    fn policies_load_from_toml_with_defaults_for_what_is_left_out() {
        let spec: PolicySpec = toml::from_str(
            r#"
            [escalation]
            head_after_minutes = 15
            "#,
        )
        .expect("parses");
        let p = SlaPolicy::from_spec(&spec).expect("valid");
        assert_eq!(p.escalation.head_after_minutes, 15);
        assert_eq!(p.escalation.duty_manager_after_minutes, 60);
        assert!(
            toml::from_str::<PolicySpec>("escalations = {}").is_err(),
            "typos are rejected"
        );
    }

    /// The example in the README must stay valid: it is read from the README itself.
    #[test]
    fn the_readme_policy_example_loads() {
        const README: &str = include_str!("../../../../README.md");
        let start = README
            .find("```toml\n[calendar]")
            .expect("README has the example")
            + "```toml\n".len();
        let end = start + README[start..].find("```").expect("closed block");
        let example = &README[start..end];
        let spec: PolicySpec = toml::from_str(example).expect("parses");
        spec.validate().expect("category codes");
        let p = SlaPolicy::from_spec(&spec).expect("valid");
        assert_eq!(p.escalation.head_after_minutes, 15);
        assert!(p.categories.contains_key("complaint"));
        // Saturday 10:00–16:00 is working time in the example.
        let sat = at(2025, 11, 22, 15, 0);
        let plan = plan(&p, Channel::Email, "other", Complexity::Simple, sat).expect("plan");
        assert_eq!(plan.first_response_due, at(2025, 11, 22, 16, 0));
    }

    #[test]
    fn the_effective_policy_spells_out_defaults_and_overrides_and_reads_back() {
        let default = SlaPolicy::default_policy().expect("default");
        let text = default.to_toml();
        assert!(text.contains("Asia/Shanghai"), "{text}");
        assert!(text.contains("head_after_minutes = 30"), "{text}");
        let again = SlaPolicy::parse(&text).expect("reads back");
        assert_eq!(again.to_toml(), text);
        let merged = SlaPolicy::parse(
            "[escalation]\nhead_after_minutes = 15\n[categories.complaint]\n\
             first_response = { amount = { seconds = 1800 }, clock = \"around_the_clock\" }\n",
        )
        .expect("override");
        let text = merged.to_toml();
        assert!(text.contains("head_after_minutes = 15"), "{text}");
        assert!(
            text.contains("duty_manager_after_minutes = 60"),
            "default kept: {text}"
        );
        assert!(text.contains("[categories.complaint"), "{text}");
        assert_eq!(SlaPolicy::parse(&text).expect("reads back").to_toml(), text);
    }

    #[test]
    fn a_category_can_have_its_own_targets() {
        let spec: PolicySpec = toml::from_str(
            r#"
            [categories.complaint]
            first_response = { amount = { seconds = 1800 }, clock = "around_the_clock" }
            "#,
        )
        .expect("parses");
        spec.validate().expect("valid");
        let p = SlaPolicy::from_spec(&spec).expect("policy");
        let start = at(2025, 11, 22, 10, 0); // Saturday: e-mail would wait for Monday
        let complaint =
            plan(&p, Channel::Email, "complaint", Complexity::Complex, start).expect("plan");
        assert_eq!(complaint.first_response_due, start + Duration::minutes(30));
        let other = plan(&p, Channel::Email, "dining", Complexity::Complex, start).expect("plan");
        assert_eq!(other.first_response_due, at(2025, 11, 24, 11, 0));
        let bad: PolicySpec = toml::from_str("[categories.gossip]\n").expect("parses");
        assert!(bad.validate().is_err());
    }

    #[test]
    fn kinds_round_trip_their_codes() {
        for k in DeadlineKind::ALL {
            assert_eq!(DeadlineKind::from_code(k.code()), Some(k));
        }
        // The codes are stored and sent in events: fixed, whatever the code says.
        assert_eq!(
            DeadlineKind::ALL.map(DeadlineKind::code),
            [
                "first_response_warning",
                "first_response_breach",
                "first_response_escalate_head",
                "first_response_escalate_duty_manager",
                "resolution_warning",
                "resolution_breach",
                "resolution_escalate_head",
                "resolution_escalate_duty_manager",
            ]
        );
        assert_eq!(DeadlineKind::from_code("first_response"), None);
    }
}

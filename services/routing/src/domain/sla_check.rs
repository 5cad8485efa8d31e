//! Parsing and checking a property's SLA policy text as SetSlaPolicy saves it (and as it is
//! read back): a policy that passes can plan every inquiry routing may see.

use super::calendar::{CalendarError, Channel, Complexity, SlaTarget};
use super::sla_policy::{PolicySpec, SlaPolicy, plan};
use chrono::{DateTime, Duration, Utc};

/// Longest target a policy may set (working time): a year. Beyond it a "deadline" is a typo
/// (4e9 working days, 9e18 seconds), and the calendar search would give up anyway.
pub const MAX_TARGET: Duration = Duration::days(366);
/// Longest wait after a breach before an escalation: a month.
pub const MAX_ESCALATION_MINUTES: u32 = 31 * 24 * 60;
/// Largest policy text accepted (TOML bytes).
pub const MAX_POLICY_BYTES: usize = 64 * 1024;

/// Every channel, for checking a policy against each of them.
const CHANNELS: [Channel; 8] = [
    Channel::FrontDesk,
    Channel::Restaurant,
    Channel::Facility,
    Channel::Website,
    Channel::Ota,
    Channel::Social,
    Channel::Hotline,
    Channel::Email,
];

impl SlaPolicy {
    /// Parses and checks a policy text as saved by `SetSlaPolicy` (and as read back from the
    /// database): a policy that passes can plan every inquiry routing may see. Violations
    /// name fields inside the TOML (`targets.warn_fraction`, `calendar`, …).
    pub fn parse(body: &str) -> Result<SlaPolicy, Vec<(String, String)>> {
        if body.len() > MAX_POLICY_BYTES {
            return Err(vec![(
                String::new(),
                format!(
                    "policy is {} bytes; at most {MAX_POLICY_BYTES} are accepted",
                    body.len()
                ),
            )]);
        }
        let spec: PolicySpec = toml::from_str(body).map_err(|e| {
            let msg = e.message().chars().take(200).collect::<String>();
            vec![(String::new(), format!("not a valid policy: {msg}"))]
        })?;
        spec.validate().map_err(|e| vec![(String::new(), e)])?;
        let policy = SlaPolicy::from_spec(&spec).map_err(|e| match e {
            CalendarError::InvalidSpec(v) => {
                v.0.into_iter()
                    .map(|v| (format!("calendar.{}", v.field), v.message))
                    .collect()
            }
            other => vec![("calendar".to_string(), other.to_string())],
        })?;
        policy.check()?;
        Ok(policy)
    }

    /// Checks that this policy can plan deadlines: a warning fraction within (0, 1], targets
    /// of at most [`MAX_TARGET`] that a calendar with open hours can reach, escalations
    /// within a month, and then `plan` itself (the code routing runs per inquiry) for every
    /// channel, complexity and category at a few starting instants.
    #[expect(
        clippy::too_many_lines,
        reason = "every check of a policy in one list, so none is forgotten"
    )]
    pub fn check(&self) -> Result<(), Vec<(String, String)>> {
        let mut v: Vec<(String, String)> = Vec::new();
        let f = self.targets.warn_fraction;
        if !(f.is_finite() && f > 0.0 && f <= 1.0) {
            v.push((
                "targets.warn_fraction".into(),
                format!("must be a number above 0 and at most 1 (0.8 warns at 80%), got {f}"),
            ));
        }
        for (field, minutes) in [
            (
                "escalation.head_after_minutes",
                self.escalation.head_after_minutes,
            ),
            (
                "escalation.duty_manager_after_minutes",
                self.escalation.duty_manager_after_minutes,
            ),
        ] {
            if minutes > MAX_ESCALATION_MINUTES {
                v.push((
                    field.into(),
                    format!("at most {MAX_ESCALATION_MINUTES} minutes (31 days), got {minutes}"),
                ));
            }
        }
        let t = &self.targets;
        let mut targets: Vec<(String, SlaTarget)> = vec![
            (
                "targets.first_response_offline".into(),
                t.first_response_offline,
            ),
            (
                "targets.first_response_online".into(),
                t.first_response_online,
            ),
            (
                "targets.first_response_phone".into(),
                t.first_response_phone,
            ),
            (
                "targets.first_response_email".into(),
                t.first_response_email,
            ),
            ("targets.resolution_simple".into(), t.resolution_simple),
            ("targets.resolution_complex".into(), t.resolution_complex),
        ];
        let mut categories: Vec<&String> = self.categories.keys().collect();
        categories.sort();
        for code in &categories {
            let c = self.categories[*code];
            if let Some(target) = c.first_response {
                targets.push((format!("categories.{code}.first_response"), target));
            }
            if let Some(target) = c.resolution {
                targets.push((format!("categories.{code}.resolution"), target));
            }
        }
        let starts = sample_starts();
        let mut closed = false;
        for (field, target) in &targets {
            match target.working_time(&self.calendar) {
                Err(_) => {
                    v.push((field.clone(), "amount is out of range".into()));
                    continue;
                }
                Ok(d) if d > MAX_TARGET => {
                    v.push((
                        field.clone(),
                        format!(
                            "at most {} days of working time, got {} days",
                            MAX_TARGET.num_days(),
                            d.num_days()
                        ),
                    ));
                    continue;
                }
                Ok(_) => {}
            }
            for start in &starts {
                let due = target
                    .deadline(&self.calendar, *start, &[])
                    .and_then(|d| d.due().map(|_| d));
                match due {
                    Ok(_) => {}
                    Err(CalendarError::NoWorkingTime) => {
                        closed = true;
                        v.push((
                            field.clone(),
                            "counts business hours, but the calendar has no open hours".into(),
                        ));
                        break;
                    }
                    Err(e) => {
                        v.push((field.clone(), format!("no deadline can be computed: {e}")));
                        break;
                    }
                }
            }
        }
        if closed {
            v.push((
                "calendar".into(),
                "has no open hours: business-hours targets would never fall due".into(),
            ));
        }
        if v.is_empty() {
            // The very code routing runs for each inquiry, for every combination it may see.
            let mut codes: Vec<&str> = vec!["other"];
            codes.extend(categories.iter().map(|c| c.as_str()));
            'all: for start in &starts {
                for channel in CHANNELS {
                    for complexity in [Complexity::Simple, Complexity::Complex] {
                        for code in &codes {
                            if let Err(e) = plan(self, channel, code, complexity, *start) {
                                v.push((
                                    String::new(),
                                    format!("deadlines cannot be planned: {e}"),
                                ));
                                break 'all;
                            }
                        }
                    }
                }
            }
        }
        if v.is_empty() { Ok(()) } else { Err(v) }
    }
}

/// Instants a policy is tried at: now and the starts of a few seasons ahead, so holidays and
/// daylight-saving changes in the calendar are crossed.
fn sample_starts() -> Vec<DateTime<Utc>> {
    let now = Utc::now();
    let mut out = vec![now];
    for days in [45, 120, 200, 300] {
        out.push(now + Duration::days(days));
    }
    out
}

//! "If an inquiry of this channel, category and complexity arrived at T, when is it due, and
//! why" (PreviewDeadlines, `frontdesk sla preview`), free of I/O. The due times come from
//! `sla_policy::plan`, the code routing runs for every inquiry, so a preview never disagrees
//! with what routing will do; the rest explains them.

use crate::domain::calendar::{
    CalendarError, Channel, ChannelClass, Clock, Complexity, SlaTarget, TargetAmount,
};
use crate::domain::sla_policy::{self, DeadlineKind, SlaPolicy};
use chrono::{DateTime, Duration, Utc};

/// One target and how its due time follows from it.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetPreview {
    /// The policy setting that applies.
    pub setting: String,
    pub target: Duration,
    pub clock: Clock,
    pub clock_starts: DateTime<Utc>,
    pub due: DateTime<Utc>,
    pub explanation: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub first_response: TargetPreview,
    pub resolution: TargetPreview,
    pub timers: Vec<(DeadlineKind, DateTime<Utc>)>,
    pub time_zone: chrono_tz::Tz,
}

/// The deadlines an inquiry arriving at `arrival` would get, and why.
pub fn preview(
    policy: &SlaPolicy,
    channel: Channel,
    category: &str,
    complexity: Complexity,
    arrival: DateTime<Utc>,
) -> Result<Preview, CalendarError> {
    let plan = sla_policy::plan(policy, channel, category, complexity, arrival)?;
    let zone = policy
        .calendar
        .time_zone()
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let by_category = policy.categories.get(category).copied().unwrap_or_default();
    let class = match channel.class() {
        ChannelClass::Offline => "offline",
        ChannelClass::Online => "online",
        ChannelClass::Phone => "phone",
        ChannelClass::Email => "email",
    };
    let (first_setting, first_target) = match by_category.first_response {
        Some(t) => (format!("categories.{category}.first_response"), t),
        None => (
            format!("targets.first_response_{class}"),
            *policy.targets.first_response(channel),
        ),
    };
    let complexity_code = match complexity {
        Complexity::Simple => "simple",
        Complexity::Complex => "complex",
    };
    let (res_setting, res_target) = match by_category.resolution {
        Some(t) => (format!("categories.{category}.resolution"), t),
        None => (
            format!("targets.resolution_{complexity_code}"),
            *policy.targets.resolution(complexity),
        ),
    };
    let explain = |what: &str, setting: String, target: SlaTarget, due: DateTime<Utc>| {
        explain_target(policy, zone, arrival, what, setting, target, due)
    };
    Ok(Preview {
        first_response: explain(
            &format!("first response ({class} channel)"),
            first_setting,
            first_target,
            plan.first_response_due,
        )?,
        resolution: explain(
            &format!("resolution ({complexity_code} {category})"),
            res_setting,
            res_target,
            plan.resolution_due,
        )?,
        timers: plan.timers,
        time_zone: zone,
    })
}

fn explain_target(
    policy: &SlaPolicy,
    zone: chrono_tz::Tz,
    arrival: DateTime<Utc>,
    what: &str,
    setting: String,
    target: SlaTarget,
    due: DateTime<Utc>,
) -> Result<TargetPreview, CalendarError> {
    let amount = target.working_time(&policy.calendar)?;
    let starts = target
        .calendar(&policy.calendar)
        .next_working_instant(arrival)?;
    let show = |t: DateTime<Utc>| t.with_timezone(&zone).format("%a %Y-%m-%d %H:%M %Z");
    let size = match target.amount {
        TargetAmount::WorkingDays(n) => format!(
            "{n} working day{} ({} each)",
            if n == 1 { "" } else { "s" },
            words(policy.calendar.working_day())
        ),
        TargetAmount::Fixed(_) => words(amount),
    };
    let clock = match target.clock {
        Clock::AroundTheClock => "around the clock".to_string(),
        Clock::BusinessHours => "of business hours".to_string(),
    };
    let start = if starts == arrival {
        "counted from arrival".to_string()
    } else {
        format!(
            "arrival is outside working time, so the clock starts {}",
            show(starts)
        )
    };
    Ok(TargetPreview {
        explanation: format!(
            "{what}: {size} {clock} ({setting}); {start}; due {}",
            show(due)
        ),
        setting,
        target: amount,
        clock: target.clock,
        clock_starts: starts,
        due,
    })
}

/// "3 min", "2 h", "1 h 30 min", "at once".
fn words(d: Duration) -> String {
    let minutes = d.num_minutes();
    match (minutes / 60, minutes % 60) {
        (0, 0) => "at once (0 min)".to_string(),
        (0, m) => format!("{m} min"),
        (h, 0) => format!("{h} h"),
        (h, m) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn sh(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(y, mo, d, h, mi, 0)
            .single()
            .expect("valid")
            .with_timezone(&Utc)
    }

    #[test]
    fn an_email_at_night_starts_its_clock_at_the_next_opening() {
        let policy = SlaPolicy::default_policy().expect("default");
        // Monday 2026-11-30 03:00 China time.
        let p = preview(
            &policy,
            Channel::Email,
            "dining",
            Complexity::Simple,
            sh(2026, 11, 30, 3, 0),
        )
        .expect("preview");
        assert_eq!(p.first_response.setting, "targets.first_response_email");
        assert_eq!(p.first_response.clock_starts, sh(2026, 11, 30, 9, 0));
        assert_eq!(p.first_response.due, sh(2026, 11, 30, 11, 0));
        assert!(
            p.first_response
                .explanation
                .contains("2 h of business hours"),
            "{}",
            p.first_response.explanation
        );
        assert!(
            p.first_response
                .explanation
                .contains("the clock starts Mon 2026-11-30 09:00 CST"),
            "{}",
            p.first_response.explanation
        );
        assert_eq!(p.resolution.due, sh(2026, 11, 30, 13, 0));
        assert_eq!(p.timers.len(), 8);
    }

    #[test]
    fn a_phone_call_runs_around_the_clock_and_names_category_settings() {
        let mut policy = SlaPolicy::default_policy().expect("default");
        policy.categories.insert(
            "complaint".into(),
            sla_policy::CategoryTargets {
                first_response: None,
                resolution: Some(SlaTarget {
                    amount: TargetAmount::WorkingDays(1),
                    clock: Clock::BusinessHours,
                }),
            },
        );
        let at = sh(2026, 11, 30, 3, 0);
        let p = preview(
            &policy,
            Channel::Hotline,
            "complaint",
            Complexity::Complex,
            at,
        )
        .expect("preview");
        assert_eq!(p.first_response.clock_starts, at);
        assert_eq!(p.first_response.due, at + Duration::minutes(3));
        assert!(
            p.first_response
                .explanation
                .contains("3 min around the clock")
        );
        assert_eq!(p.resolution.setting, "categories.complaint.resolution");
        assert!(
            p.resolution
                .explanation
                .contains("1 working day (9 h each)"),
            "{}",
            p.resolution.explanation
        );
    }
}

//! Tests of the calendar: worked examples with explicit instants, spec validation, and
//! property tests over random calendars. Fixtures live here.

mod deadlines;
mod dst;
mod examples;
mod oracle;
mod properties;
mod validation;

use chrono::{DateTime, Duration, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{BusinessCalendar, CalendarSpec, MakeUpDaySpec, WeeklySpec};

pub(super) const SHANGHAI: Tz = chrono_tz::Asia::Shanghai;
pub(super) const BERLIN: Tz = chrono_tz::Europe::Berlin;

fn strings(items: &[&str]) -> Vec<String> {
    items.iter().map(|s| (*s).to_string()).collect()
}

/// Every weekday with the same shifts.
pub(super) fn every_day(shifts: &[&str]) -> WeeklySpec {
    let s = strings(shifts);
    WeeklySpec {
        mon: s.clone(),
        tue: s.clone(),
        wed: s.clone(),
        thu: s.clone(),
        fri: s.clone(),
        sat: s.clone(),
        sun: s,
    }
}

/// Asia/Shanghai, Mon–Fri 09:00–12:00 and 13:30–18:00 (7.5 h a day), 2025 National Day /
/// Mid-Autumn holiday Oct 1–8, make-up working days Sunday Sep 28 and Saturday Oct 11 (调休).
pub(super) fn china_2025_spec() -> CalendarSpec {
    let day = strings(&["09:00-12:00", "13:30-18:00"]);
    CalendarSpec {
        time_zone: Some("Asia/Shanghai".into()),
        weekly: WeeklySpec {
            mon: day.clone(),
            tue: day.clone(),
            wed: day.clone(),
            thu: day.clone(),
            fri: day,
            ..WeeklySpec::default()
        },
        holidays: (1..=8).map(|d| format!("2025-10-{d:02}")).collect(),
        make_up_days: vec![
            MakeUpDaySpec {
                date: "2025-09-28".into(),
                ..MakeUpDaySpec::default()
            },
            MakeUpDaySpec {
                date: "2025-10-11".into(),
                ..MakeUpDaySpec::default()
            },
        ],
        ..CalendarSpec::default()
    }
}

pub(super) fn china_2025() -> BusinessCalendar {
    BusinessCalendar::from_spec(&china_2025_spec()).expect("valid China calendar")
}

/// Europe/Berlin with the same shifts every day.
pub(super) fn berlin(shifts: &[&str]) -> BusinessCalendar {
    let spec = CalendarSpec {
        time_zone: Some("Europe/Berlin".into()),
        weekly: every_day(shifts),
        ..CalendarSpec::default()
    };
    BusinessCalendar::from_spec(&spec).expect("valid Berlin calendar")
}

/// A local wall-clock time `"YYYY-MM-DD HH:MM"` in `tz`, which must exist and be unambiguous.
pub(super) fn local(tz: Tz, text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("valid local time");
    tz.from_local_datetime(&naive)
        .single()
        .expect("unambiguous local time")
        .with_timezone(&Utc)
}

pub(super) fn sh(text: &str) -> DateTime<Utc> {
    local(SHANGHAI, text)
}

pub(super) fn utc(text: &str) -> DateTime<Utc> {
    text.parse().expect("valid RFC 3339 instant")
}

pub(super) fn hours(n: i64) -> Duration {
    Duration::hours(n)
}

pub(super) fn minutes(n: i64) -> Duration {
    Duration::minutes(n)
}

/// Calendars and SLA targets are configuration: they must load from TOML as operators
/// write it, and reject a mistyped key instead of silently ignoring it.
mod config_files {
    use super::super::{BusinessCalendar, CalendarSpec, SlaTargets};

    const SHANGHAI: &str = r#"
time_zone = "Asia/Shanghai"
holidays = ["2025-10-01", "2025-10-02", "2025-10-03"]
make_up_days = [{ date = "2025-09-28" }]

[weekly]
mon = ["09:00-12:00", "13:30-18:00"]
tue = ["09:00-12:00", "13:30-18:00"]
wed = ["09:00-12:00", "13:30-18:00"]
thu = ["09:00-12:00", "13:30-18:00"]
fri = ["09:00-12:00", "13:30-18:00"]
"#;

    #[test]
    fn a_calendar_loads_from_toml() {
        let spec: CalendarSpec = toml::from_str(SHANGHAI).expect("parses");
        let cal = BusinessCalendar::from_spec(&spec).expect("valid");
        assert!(!cal.is_always_open());
    }

    #[test]
    fn a_mistyped_key_is_rejected() {
        let bad = SHANGHAI.replace("holidays", "holidayz");
        assert!(toml::from_str::<CalendarSpec>(&bad).is_err());
    }

    #[test]
    fn sla_targets_default_and_round_trip() {
        let defaults = SlaTargets::default();
        let text = toml::to_string(&defaults).expect("serialises");
        let back: SlaTargets = toml::from_str(&text).expect("parses");
        assert_eq!(back, defaults);
        // CI-5.4's limits as a property's file writes them.
        let written: SlaTargets = toml::from_str(
            r#"
first_response_offline = { amount = { seconds = 300 }, clock = "around_the_clock" }
first_response_online = { amount = { seconds = 3600 }, clock = "business_hours" }
first_response_phone = { amount = { seconds = 180 }, clock = "around_the_clock" }
first_response_email = { amount = { seconds = 7200 }, clock = "business_hours" }
resolution_simple = { amount = { seconds = 14400 }, clock = "business_hours" }
resolution_complex = { amount = { working_days = 3 }, clock = "business_hours" }
warn_fraction = 0.8
"#,
        )
        .expect("parses");
        assert_eq!(written, defaults);
    }
}

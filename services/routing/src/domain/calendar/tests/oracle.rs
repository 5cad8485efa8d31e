//! An independent oracle: in zones without DST, an instant is working time exactly when its
//! local wall-clock time lies in a shift of its local date. Stepping minute by minute from the
//! spec's strings (not the parsed calendar) checks holidays, make-up days, split shifts and
//! 24:00 ends against the interval arithmetic.

use chrono::{DateTime, Datelike, Duration, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;

use super::super::{BusinessCalendar, CalendarSpec};
use super::properties::spec;

const FIXED_ZONES: &[&str] = &["UTC", "Asia/Shanghai", "Asia/Kolkata"];

fn minutes_of(clock: &str) -> u32 {
    let (h, m) = clock.split_once(':').unwrap_or(("0", "0"));
    h.parse::<u32>().unwrap_or(0) * 60 + m.parse::<u32>().unwrap_or(0)
}

fn in_shifts(shifts: &[String], minute_of_day: u32) -> bool {
    shifts.iter().any(|s| {
        let (a, b) = s.split_once('-').unwrap_or(("00:00", "00:00"));
        minutes_of(a) <= minute_of_day && minute_of_day < minutes_of(b)
    })
}

fn oracle_is_working(spec: &CalendarSpec, tz: Tz, t: DateTime<Utc>) -> bool {
    let local = t.with_timezone(&tz);
    let date = local.date_naive().to_string();
    let minute = local.hour() * 60 + local.minute();
    let w = &spec.weekly;
    let weekday = [&w.mon, &w.tue, &w.wed, &w.thu, &w.fri, &w.sat, &w.sun];
    if let Some(m) = spec.make_up_days.iter().find(|m| m.date == date) {
        return in_shifts(m.shifts.as_ref().unwrap_or(&w.mon), minute);
    }
    if spec.holidays.contains(&date) {
        return false;
    }
    in_shifts(
        weekday[local.weekday().num_days_from_monday() as usize],
        minute,
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn between_matches_minute_by_minute_oracle(
        spec in spec(),
        zone in 0..FIXED_ZONES.len(),
        start_min in 0i64..(3 * 365 * 1440),
        span_min in 0i64..(3 * 1440),
    ) {
        let spec = CalendarSpec { time_zone: Some(FIXED_ZONES[zone].into()), ..spec };
        let tz: Tz = FIXED_ZONES[zone].parse().map_err(|_| TestCaseError::fail("zone"))?;
        let cal = BusinessCalendar::from_spec(&spec).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let a = DateTime::from_timestamp(1_704_067_200 + start_min * 60, 0).unwrap_or_default();
        let b = a + Duration::minutes(span_min);
        let expected = (0..span_min)
            .filter(|m| oracle_is_working(&spec, tz, a + Duration::minutes(*m)))
            .count();
        prop_assert_eq!(cal.working_time_between(a, b), Duration::minutes(expected as i64));
        let probe = a + Duration::minutes(span_min / 2);
        prop_assert_eq!(cal.is_working_at(probe), oracle_is_working(&spec, tz, probe));
    }
}

//! Property tests over random calendars: random shifts, holidays, make-up days and zones
//! (including DST zones, a midnight-DST zone and a 30-minute-DST zone).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use proptest::prelude::*;

use super::super::{
    BusinessCalendar, CalendarError, CalendarSpec, Deadline, MakeUpDaySpec, Pause, WeeklySpec,
};
use super::every_day;

const ZONES: &[&str] = &[
    "UTC",
    "Asia/Shanghai",
    "Europe/Berlin",
    "America/New_York",
    "America/Santiago",    // DST changes at midnight
    "Australia/Lord_Howe", // 30-minute DST
    "Asia/Kolkata",        // +05:30
];

/// Starts and calendar dates span 2024-01-01 .. ~2026-12.
const EPOCH: i64 = 1_704_067_200; // 2024-01-01T00:00:00Z
const SPAN_SECS: i64 = 3 * 365 * 86_400;

fn clock(quarter_hours: u32) -> String {
    format!("{:02}:{:02}", quarter_hours / 4, quarter_hours % 4 * 15)
}

/// Up to three non-overlapping shifts on quarter-hour boundaries, 00:00..=24:00.
fn day_shifts() -> impl Strategy<Value = Vec<String>> {
    prop::collection::btree_set(0u32..=96, 0..=6).prop_map(|marks| {
        let marks: Vec<u32> = marks.into_iter().collect();
        marks
            .chunks_exact(2)
            .map(|p| format!("{}-{}", clock(p[0]), clock(p[1])))
            .collect()
    })
}

fn date_str(offset_days: u32) -> String {
    let base = NaiveDate::from_ymd_opt(2024, 1, 1).expect("valid date");
    (base + Duration::days(i64::from(offset_days))).to_string()
}

pub(super) fn spec() -> impl Strategy<Value = CalendarSpec> {
    (
        0..ZONES.len(),
        prop::array::uniform7(day_shifts()),
        prop::collection::btree_set(0u32..1100, 0..30),
        prop::collection::btree_map(0u32..1100, prop::option::of(day_shifts()), 0..8),
    )
        .prop_map(|(zone, days, holidays, make_up)| {
            let [mon, tue, wed, thu, fri, sat, sun] = days;
            let mut weekly = WeeklySpec {
                mon,
                tue,
                wed,
                thu,
                fri,
                sat,
                sun,
            };
            if weekly == WeeklySpec::default() {
                weekly.mon = vec!["09:00-17:00".into()];
            }
            // Make-up days inheriting Monday's hours need Monday to have some.
            let monday_open = !weekly.mon.is_empty();
            let make_up_days = make_up
                .into_iter()
                .filter(|(d, shifts)| {
                    !holidays.contains(d)
                        && (monday_open || shifts.as_ref().is_some_and(|s| !s.is_empty()))
                })
                .map(|(d, shifts)| MakeUpDaySpec {
                    date: date_str(d),
                    // Empty explicit shifts are invalid; inherit Monday's hours then.
                    shifts: shifts.filter(|s| !s.is_empty()),
                    as_weekday: None,
                })
                .collect();
            CalendarSpec {
                time_zone: Some(ZONES[zone].into()),
                weekly,
                holidays: holidays.into_iter().map(date_str).collect(),
                make_up_days,
                ..CalendarSpec::default()
            }
        })
}

fn calendar() -> impl Strategy<Value = BusinessCalendar> {
    spec().prop_filter_map("valid calendar", |s| BusinessCalendar::from_spec(&s).ok())
}

fn instant() -> impl Strategy<Value = DateTime<Utc>> {
    (0..SPAN_SECS).prop_map(|s| DateTime::from_timestamp(EPOCH + s, 0).unwrap_or_default())
}

/// 0 .. 120 working hours, in whole seconds.
fn duration() -> impl Strategy<Value = Duration> {
    (0i64..120 * 3600).prop_map(Duration::seconds)
}

/// `add`, treating an unreachable target (only possible for sparse random calendars) as a
/// case to discard rather than a failure.
fn add(
    cal: &BusinessCalendar,
    s: DateTime<Utc>,
    d: Duration,
) -> Result<DateTime<Utc>, TestCaseError> {
    match cal.add_working_time(s, d) {
        Ok(t) => Ok(t),
        Err(CalendarError::HorizonExceeded { .. } | CalendarError::NoWorkingTime) => {
            Err(TestCaseError::reject("target not reachable"))
        }
        Err(e) => Err(TestCaseError::fail(format!("unexpected error {e}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn between_inverts_add(cal in calendar(), s in instant(), d in duration()) {
        let due = add(&cal, s, d)?;
        prop_assert_eq!(cal.working_time_between(s, due), d);
    }

    #[test]
    fn add_is_monotonic(cal in calendar(), s in instant(), a in duration(), b in duration()) {
        let (d1, d2) = if a <= b { (a, b) } else { (b, a) };
        prop_assert!(add(&cal, s, d1)? <= add(&cal, s, d2)?);
    }

    #[test]
    fn add_is_additive(cal in calendar(), s in instant(), d1 in duration(), d2 in duration()) {
        let stepwise = add(&cal, add(&cal, s, d1)?, d2)?;
        prop_assert_eq!(stepwise, add(&cal, s, d1 + d2)?);
    }

    #[test]
    fn positive_result_ends_working_time(cal in calendar(), s in instant(), d in duration()) {
        prop_assume!(d > Duration::zero());
        let due = add(&cal, s, d)?;
        prop_assert!(due > s);
        // Inside a shift or at its end: the last second before the result was worked.
        prop_assert!(cal.is_working_at(due - Duration::seconds(1)));
    }

    #[test]
    fn around_the_clock_is_plain_addition(s in instant(), d in duration(), zone in 0..ZONES.len()) {
        prop_assert_eq!(BusinessCalendar::always_open().add_working_time(s, d), Ok(s + d));
        // Midnight-to-midnight shifts in any zone tile time exactly, DST or not.
        let full = BusinessCalendar::from_spec(&CalendarSpec {
            time_zone: Some(ZONES[zone].into()),
            weekly: every_day(&["00:00-24:00"]),
            ..CalendarSpec::default()
        });
        prop_assert_eq!(full.and_then(|c| c.add_working_time(s, d)), Ok(s + d));
    }

    #[test]
    fn week_skipping_matches_day_by_day(cal in calendar(), s in instant(), d in duration(), e in instant()) {
        let d = d * 4; // up to ~20 working weeks
        prop_assert_eq!(cal.add_impl(s, d, true), cal.add_impl(s, d, false));
        prop_assert_eq!(cal.between_impl(s, e, true), cal.between_impl(s, e, false));
    }

    #[test]
    fn between_is_additive(cal in calendar(), a in instant(), b in instant(), c in instant()) {
        let mut v = [a, b, c];
        v.sort();
        let [a, b, c] = v;
        prop_assert_eq!(
            cal.working_time_between(a, b) + cal.working_time_between(b, c),
            cal.working_time_between(a, c)
        );
    }

    #[test]
    fn pauses_delay_by_exactly_their_working_time(
        cal in calendar(),
        s in instant(),
        d in duration(),
        cuts in prop::collection::btree_set(0u32..=1000, 0..=6),
    ) {
        let due0 = add(&cal, s, d)?;
        // Disjoint pauses inside [s, due0): pairs of cut points along the span.
        let span = (due0 - s).num_seconds();
        let at = |c: u32| s + Duration::seconds(span * i64::from(c) / 1000);
        let cuts: Vec<u32> = cuts.into_iter().collect();
        let pauses: Vec<Pause> = cuts
            .chunks_exact(2)
            .map(|p| Pause { from: at(p[0]), to: Some(at(p[1])) })
            .collect();
        let paused: Duration = pauses
            .iter()
            .map(|p| cal.working_time_between(p.from, p.to.unwrap_or(p.from)))
            .sum();
        let deadline = Deadline::new(&cal, s, d, &pauses)
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        let due = match deadline.due() {
            Ok(Some(t)) => t,
            Ok(None) => return Err(TestCaseError::fail("closed pauses gave no due time")),
            Err(_) => return Err(TestCaseError::reject("target not reachable")),
        };
        prop_assert!(due >= due0);
        prop_assert_eq!(cal.working_time_between(due0, due), paused);
        prop_assert_eq!(deadline.counted(due), d);
        let warn = deadline.warn_at(0.8).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(warn.is_some_and(|w| s <= w && w <= due));
    }
}

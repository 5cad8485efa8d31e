//! Spec validation: every bad field is named.

use super::super::{
    BusinessCalendar, CalendarError, CalendarSpec, MakeUpDaySpec, Violations, WeekdayCode,
};
use super::{china_2025_spec, every_day, hours, sh};

fn violations(spec: &CalendarSpec) -> Violations {
    match BusinessCalendar::from_spec(spec) {
        Err(CalendarError::InvalidSpec(v)) => v,
        other => panic!("expected InvalidSpec, got {other:?}"),
    }
}

#[test]
fn overlapping_shifts_are_rejected() {
    let mut spec = china_2025_spec();
    spec.weekly.mon = vec!["09:00-12:00".into(), "11:30-18:00".into()];
    assert!(violations(&spec).has_field("weekly.mon[1]"));
}

#[test]
fn end_before_start_is_rejected() {
    let mut spec = china_2025_spec();
    spec.weekly.tue = vec!["18:00-09:00".into()];
    let v = violations(&spec);
    assert!(v.has_field("weekly.tue[0]"), "{v}");
    assert!(
        v.to_string().contains("end 09:00 is not after start 18:00"),
        "{v}"
    );
}

#[test]
fn unknown_or_missing_time_zone_is_rejected() {
    let mut spec = china_2025_spec();
    spec.time_zone = Some("Asia/Beijing".into());
    assert!(violations(&spec).has_field("time_zone"));
    spec.time_zone = None;
    assert!(violations(&spec).has_field("time_zone"));
}

#[test]
fn date_both_holiday_and_make_up_day_is_rejected() {
    let mut spec = china_2025_spec();
    spec.make_up_days[0].date = "2025-10-03".into();
    assert!(violations(&spec).has_field("make_up_days[0].date"));
}

#[test]
fn all_violations_are_reported_together() {
    let mut spec = china_2025_spec();
    spec.weekly.wed = vec!["9am-5pm".into()];
    spec.holidays.push("2025-13-01".into());
    spec.make_up_days.push(MakeUpDaySpec {
        date: "2025-09-28".into(),
        shifts: Some(vec!["10:00-11:00".into()]),
        as_weekday: Some(WeekdayCode::Fri),
    });
    let v = violations(&spec);
    assert!(v.has_field("weekly.wed[0]"), "{v}");
    assert!(v.has_field("holidays[8]"), "{v}");
    assert!(v.has_field("make_up_days[2].as_weekday"), "{v}");
}

#[test]
fn always_open_takes_no_hours() {
    let spec = CalendarSpec {
        always_open: true,
        time_zone: Some("UTC".into()),
        ..CalendarSpec::default()
    };
    assert!(violations(&spec).has_field("always_open"));
    let ok = CalendarSpec {
        always_open: true,
        ..CalendarSpec::default()
    };
    assert_eq!(
        BusinessCalendar::from_spec(&ok),
        Ok(BusinessCalendar::always_open())
    );
}

#[test]
fn make_up_day_on_a_closed_weekday_needs_hours() {
    let mut spec = china_2025_spec();
    spec.make_up_days[0].as_weekday = Some(WeekdayCode::Sun);
    assert!(violations(&spec).has_field("make_up_days[0]"));
}

#[test]
fn explicit_make_up_shifts_and_end_of_day_shifts_are_accepted() {
    let spec = CalendarSpec {
        time_zone: Some("Asia/Shanghai".into()),
        weekly: every_day(&["18:00-24:00"]),
        make_up_days: vec![MakeUpDaySpec {
            date: "2025-09-28".into(),
            shifts: Some(vec!["08:00-09:00".into()]),
            as_weekday: None,
        }],
        ..CalendarSpec::default()
    };
    let cal = BusinessCalendar::from_spec(&spec).expect("valid calendar");
    // Sat 23:00 → 1 h to midnight, then the make-up Sunday's own 08:00–09:00 shift.
    assert_eq!(
        cal.add_working_time(sh("2025-09-27 23:00"), hours(2)),
        Ok(sh("2025-09-28 09:00"))
    );
}

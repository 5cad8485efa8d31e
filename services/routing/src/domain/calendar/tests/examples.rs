//! Worked examples with the expected instants spelled out.

use super::super::{BusinessCalendar, CalendarError, CalendarSpec, Complexity, SlaTargets};
use super::{china_2025, hours, minutes, sh};

#[test]
fn friday_17_plus_two_working_hours_is_monday_10() {
    let cal = china_2025();
    // 1 h on Friday 2025-09-19 (17:00–18:00), 1 h on Monday 2025-09-22 (09:00–10:00).
    let due = cal.add_working_time(sh("2025-09-19 17:00"), hours(2));
    assert_eq!(due, Ok(sh("2025-09-22 10:00")));
    assert_eq!(
        cal.working_time_between(sh("2025-09-19 17:00"), sh("2025-09-22 10:00")),
        hours(2)
    );
}

#[test]
fn lunch_break_is_not_working_time() {
    let cal = china_2025();
    // 11:00–12:00 then 13:30–14:30.
    assert_eq!(
        cal.add_working_time(sh("2025-09-22 11:00"), hours(2)),
        Ok(sh("2025-09-22 14:30"))
    );
    // Exactly reaching a shift end answers the shift end, not the next opening.
    assert_eq!(
        cal.add_working_time(sh("2025-09-22 11:00"), hours(1)),
        Ok(sh("2025-09-22 12:00"))
    );
    // Starting inside the break: the clock starts at 13:30.
    assert_eq!(
        cal.add_working_time(sh("2025-09-22 12:30"), hours(1)),
        Ok(sh("2025-09-22 14:30"))
    );
}

#[test]
fn start_outside_hours_waits_for_opening_but_zero_duration_is_start() {
    let cal = china_2025();
    assert_eq!(
        cal.add_working_time(sh("2025-09-20 08:00"), minutes(30)),
        Ok(sh("2025-09-22 09:30"))
    );
    assert_eq!(
        cal.add_working_time(sh("2025-09-20 08:00"), hours(0)),
        Ok(sh("2025-09-20 08:00"))
    );
    assert_eq!(
        cal.add_working_time(sh("2025-09-20 08:00"), minutes(-1)),
        Err(CalendarError::NegativeDuration)
    );
}

#[test]
fn national_day_is_closed_and_make_up_days_work() {
    let cal = china_2025();
    // Fri 2025-09-26 17:00: 1 h Friday, Saturday off, make-up Sunday 09:00–12:00.
    assert_eq!(
        cal.add_working_time(sh("2025-09-26 17:00"), hours(4)),
        Ok(sh("2025-09-28 12:00"))
    );
    // Tue 2025-09-30 17:00: 1 h, then Oct 1–8 closed, Thu Oct 9 09:00–12:00 + 13:30–14:30.
    assert_eq!(
        cal.add_working_time(sh("2025-09-30 17:00"), hours(5)),
        Ok(sh("2025-10-09 14:30"))
    );
    // Fri 2025-10-10 17:00: 1 h, then make-up Saturday Oct 11 09:00–10:00.
    assert_eq!(
        cal.add_working_time(sh("2025-10-10 17:00"), hours(2)),
        Ok(sh("2025-10-11 10:00"))
    );
    assert_eq!(
        cal.working_time_between(sh("2025-09-30 18:00"), sh("2025-10-09 09:00")),
        hours(0)
    );
    assert!(cal.is_working_at(sh("2025-09-28 10:00")));
    assert!(!cal.is_working_at(sh("2025-10-01 10:00")));
    assert!(!cal.is_working_at(sh("2025-09-22 12:00")));
    assert!(cal.is_working_at(sh("2025-09-22 11:59")));
}

#[test]
fn three_working_days_is_three_working_days_of_working_time() {
    let cal = china_2025();
    let target = SlaTargets::default()
        .resolution(Complexity::Complex)
        .working_time(&cal);
    assert_eq!(target, Ok(minutes(3 * 450))); // 3 × 7.5 h
    let target = minutes(3 * 450);
    // A regular week: same clock time three working days later.
    assert_eq!(
        cal.add_working_time(sh("2025-09-22 10:00"), target),
        Ok(sh("2025-09-25 10:00"))
    );
    // Thu 10:00: 6.5 h Thu, 7.5 h Fri, Saturday off, 7.5 h make-up Sunday, 1 h Monday.
    assert_eq!(
        cal.add_working_time(sh("2025-09-25 10:00"), target),
        Ok(sh("2025-09-29 10:00"))
    );
    // Tue Sep 30 10:00: 6.5 h, National Day, 7.5 h Thu Oct 9, 7.5 h Fri, 1 h make-up Saturday.
    assert_eq!(
        cal.add_working_time(sh("2025-09-30 10:00"), target),
        Ok(sh("2025-10-11 10:00"))
    );
}

#[test]
fn thirty_working_days_ends_at_the_last_shift_end() {
    let cal = china_2025();
    // 30 × 7.5 h = 6 full weeks from Mon 2025-11-03 09:00: due Fri 2025-12-12 18:00, not the
    // following Monday (the week-skipping fast path must not overshoot).
    let due = cal.add_working_time(sh("2025-11-03 09:00"), minutes(30 * 450));
    assert_eq!(due, Ok(sh("2025-12-12 18:00")));
    assert_eq!(
        cal.working_time_between(sh("2025-11-03 09:00"), sh("2025-12-12 18:00")),
        minutes(30 * 450)
    );
}

#[test]
fn calendar_without_working_time_fails_instead_of_looping() {
    let spec = CalendarSpec {
        time_zone: Some("Asia/Shanghai".into()),
        ..CalendarSpec::default()
    };
    let cal = BusinessCalendar::from_spec(&spec).expect("valid empty calendar");
    let s = sh("2025-09-22 09:00");
    assert_eq!(
        cal.add_working_time(s, hours(1)),
        Err(CalendarError::NoWorkingTime)
    );
    assert_eq!(cal.add_working_time(s, hours(0)), Ok(s));
    assert_eq!(
        cal.working_time_between(s, sh("2035-01-01 00:00")),
        hours(0)
    );
}

#[test]
fn search_stops_at_the_horizon() {
    // Only Mondays work, and every Monday for seven years is a holiday.
    let mut spec = CalendarSpec {
        time_zone: Some("Asia/Shanghai".into()),
        ..CalendarSpec::default()
    };
    spec.weekly.mon = vec!["09:00-18:00".into()];
    let first = chrono::NaiveDate::from_ymd_opt(2024, 12, 30).expect("a Monday");
    spec.holidays = (0..7 * 53)
        .filter_map(|w| first.checked_add_signed(chrono::Duration::weeks(w)))
        .map(|d| d.to_string())
        .collect();
    let cal = BusinessCalendar::from_spec(&spec).expect("valid calendar");
    assert_eq!(
        cal.add_working_time(sh("2025-01-01 00:00"), hours(1)),
        Err(CalendarError::HorizonExceeded {
            days: super::super::HORIZON_DAYS
        })
    );
}

#[test]
fn sla_defaults_pick_the_clock_per_channel() {
    use super::super::Channel;
    let cal = china_2025();
    let targets = SlaTargets::default();
    let saturday_3am = sh("2025-09-20 03:00");
    let due = |channel| {
        targets
            .first_response(channel)
            .deadline(&cal, saturday_3am, &[])
            .and_then(|d| d.due())
    };
    // CI-5.4: offline "on the spot" and phone run around the clock.
    assert_eq!(due(Channel::FrontDesk), Ok(Some(sh("2025-09-20 03:05"))));
    assert_eq!(due(Channel::Hotline), Ok(Some(sh("2025-09-20 03:03"))));
    // Online and e-mail wait for the desk's working hours.
    assert_eq!(due(Channel::Ota), Ok(Some(sh("2025-09-22 10:00"))));
    assert_eq!(due(Channel::Email), Ok(Some(sh("2025-09-22 11:00"))));
}

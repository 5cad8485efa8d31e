//! Deadlines with pauses (waiting on the customer) and warnings.

use super::super::{CalendarError, Deadline, Pause};
use super::{china_2025, hours, minutes, sh};

fn pause(from: &str, to: Option<&str>) -> Pause {
    Pause {
        from: sh(from),
        to: to.map(sh),
    }
}

#[test]
fn pause_moves_due_time_by_the_working_time_paused() {
    let cal = china_2025();
    let start = sh("2025-09-22 09:00");
    let plain = Deadline::new(&cal, start, hours(4), &[]).and_then(|d| d.due());
    // 09:00–12:00 + 13:30–14:30.
    assert_eq!(plain, Ok(Some(sh("2025-09-22 14:30"))));
    // One working hour paused → one working hour later.
    let paused = [pause("2025-09-22 10:00", Some("2025-09-22 11:00"))];
    let due = Deadline::new(&cal, start, hours(4), &paused).and_then(|d| d.due());
    assert_eq!(due, Ok(Some(sh("2025-09-22 15:30"))));
    // Paused 11:00–14:00 holds 1.5 working hours (11–12, 13:30–14:00).
    let paused = [pause("2025-09-22 11:00", Some("2025-09-22 14:00"))];
    let due = Deadline::new(&cal, start, hours(4), &paused).and_then(|d| d.due());
    assert_eq!(due, Ok(Some(sh("2025-09-22 16:00"))));
}

#[test]
fn pause_outside_working_hours_changes_nothing() {
    let cal = china_2025();
    let paused = [pause("2025-09-20 10:00", Some("2025-09-21 10:00"))];
    let due = Deadline::new(&cal, sh("2025-09-19 17:00"), hours(2), &paused).and_then(|d| d.due());
    assert_eq!(due, Ok(Some(sh("2025-09-22 10:00"))));
}

#[test]
fn open_ended_pause_has_no_due_time_until_it_ends() {
    let cal = china_2025();
    let start = sh("2025-09-22 09:00");
    let open = [pause("2025-09-22 10:00", None)];
    let d = Deadline::new(&cal, start, hours(4), &open).expect("valid deadline");
    assert_eq!(d.due(), Ok(None));
    // 20% of 4 h = 48 min, reached before the pause began.
    assert_eq!(d.warn_at(0.2), Ok(Some(sh("2025-09-22 09:48"))));
    // A pause opened after the target was already reached does not hide the breach.
    let late = [pause("2025-09-22 15:00", None)];
    let due = Deadline::new(&cal, start, hours(4), &late).and_then(|d| d.due());
    assert_eq!(due, Ok(Some(sh("2025-09-22 14:30"))));
}

#[test]
fn overlapping_and_early_pauses_are_normalised() {
    let cal = china_2025();
    let start = sh("2025-09-22 09:00");
    let messy = [
        pause("2025-09-22 10:15", Some("2025-09-22 11:00")),
        pause("2025-09-22 10:00", Some("2025-09-22 10:30")),
        pause("2025-09-19 10:00", Some("2025-09-22 09:00")), // before start
    ];
    let due = Deadline::new(&cal, start, hours(4), &messy).and_then(|d| d.due());
    assert_eq!(due, Ok(Some(sh("2025-09-22 15:30"))));
}

#[test]
fn warning_at_eighty_percent_of_online_first_response() {
    let cal = china_2025();
    // 1 h from 11:30: 30 min before lunch, 30 min after → due 14:00; 48 min → 13:48.
    let d = Deadline::new(&cal, sh("2025-09-22 11:30"), hours(1), &[]).expect("valid deadline");
    assert_eq!(d.due(), Ok(Some(sh("2025-09-22 14:00"))));
    assert_eq!(d.warn_at(0.8), Ok(Some(sh("2025-09-22 13:48"))));
    assert_eq!(d.warn_at(1.5), Err(CalendarError::InvalidFraction(1.5)));
    assert_eq!(d.counted(sh("2025-09-22 14:00")), hours(1));
    assert_eq!(d.counted(sh("2025-09-22 13:00")), minutes(30));
}

#[test]
fn pause_ending_before_it_starts_is_rejected() {
    let cal = china_2025();
    let bad = [pause("2025-09-22 11:00", Some("2025-09-22 10:00"))];
    let err = Deadline::new(&cal, sh("2025-09-22 09:00"), hours(1), &bad).map(|_| ());
    assert_eq!(err, Err(CalendarError::InvalidPause { index: 0 }));
}

#[test]
fn a_zero_target_outside_working_time_is_due_at_the_next_working_instant() {
    let cal = china_2025();
    let due = |start: &str| {
        Deadline::new(&cal, sh(start), hours(0), &[])
            .and_then(|d| d.due())
            .expect("due")
    };
    // 3 a.m. on a Monday: nobody is paged before the office opens.
    assert_eq!(due("2025-09-22 03:00"), Some(sh("2025-09-22 09:00")));
    // Between split shifts: the afternoon opening.
    assert_eq!(due("2025-09-22 12:30"), Some(sh("2025-09-22 13:30")));
    // Saturday: Monday morning.
    assert_eq!(due("2025-09-20 10:00"), Some(sh("2025-09-22 09:00")));
    // Open: at once.
    assert_eq!(due("2025-09-22 10:15"), Some(sh("2025-09-22 10:15")));
    // The warning of a zero target is the same instant.
    let d = Deadline::new(&cal, sh("2025-09-22 03:00"), hours(0), &[]).expect("deadline");
    assert_eq!(d.warn_at(0.8), Ok(Some(sh("2025-09-22 09:00"))));
    // The raw arithmetic keeps `add(s, 0) == s` (see the module docs).
    assert_eq!(
        cal.add_working_time(sh("2025-09-22 03:00"), hours(0)),
        Ok(sh("2025-09-22 03:00"))
    );
}

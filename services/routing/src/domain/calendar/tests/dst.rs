//! DST in Europe/Berlin: 24×7 versus working hours across the 02:00–03:00 change. A missing
//! local time moves to the end of the gap; an ambiguous one uses its earliest occurrence.

use super::super::BusinessCalendar;
use super::{BERLIN, berlin, hours, local, minutes, utc};

#[test]
fn dst_spring_forward_in_berlin() {
    // 2025-03-30: 02:00 CET → 03:00 CEST at 01:00Z.
    let start = local(BERLIN, "2025-03-29 23:00"); // 22:00Z
    // 24×7: 4 h of elapsed time, the wall clock shows 04:00 (5 h later).
    let always = BusinessCalendar::always_open();
    assert_eq!(
        always.add_working_time(start, hours(4)),
        Ok(utc("2025-03-30T02:00:00Z"))
    );
    // Midnight-to-midnight shifts are the same as 24×7; the day has 23 hours.
    let full = berlin(&["00:00-24:00"]);
    assert_eq!(
        full.add_working_time(start, hours(4)),
        Ok(utc("2025-03-30T02:00:00Z"))
    );
    let (d0, d1) = (
        local(BERLIN, "2025-03-30 00:00"),
        local(BERLIN, "2025-03-31 00:00"),
    );
    assert_eq!(full.working_time_between(d0, d1), hours(23));
    // Shift 01:00–05:00 crosses the gap: 00:00Z–03:00Z, 3 h of work.
    let night = berlin(&["01:00-05:00"]);
    assert_eq!(night.working_time_between(d0, d1), hours(3));
    assert_eq!(
        night.add_working_time(utc("2025-03-30T00:00:00Z"), hours(2)),
        Ok(utc("2025-03-30T02:00:00Z")) // 04:00 CEST
    );
    assert_eq!(
        night.add_working_time(utc("2025-03-30T00:00:00Z"), hours(3)),
        Ok(local(BERLIN, "2025-03-30 05:00"))
    );
    // A shift starting in the gap starts at the end of the gap (03:00 CEST = 01:00Z).
    let in_gap = berlin(&["02:30-04:00"]);
    assert_eq!(in_gap.working_time_between(d0, d1), hours(1));
    assert_eq!(
        in_gap.add_working_time(d0, minutes(30)),
        Ok(utc("2025-03-30T01:30:00Z"))
    );
}

#[test]
fn dst_fall_back_in_berlin() {
    // 2025-10-26: 03:00 CEST → 02:00 CET at 01:00Z; 02:00–03:00 local happens twice.
    let start = local(BERLIN, "2025-10-25 23:00"); // 21:00Z
    let always = BusinessCalendar::always_open();
    assert_eq!(
        always.add_working_time(start, hours(4)),
        Ok(utc("2025-10-26T01:00:00Z"))
    );
    let full = berlin(&["00:00-24:00"]);
    assert_eq!(
        full.add_working_time(start, hours(4)),
        Ok(utc("2025-10-26T01:00:00Z"))
    );
    let (d0, d1) = (
        local(BERLIN, "2025-10-26 00:00"),
        local(BERLIN, "2025-10-27 00:00"),
    );
    assert_eq!(full.working_time_between(d0, d1), hours(25));
    // 01:00 CEST (23:00Z) to 05:00 CET (04:00Z): 5 h of work.
    let night = berlin(&["01:00-05:00"]);
    assert_eq!(night.working_time_between(d0, d1), hours(5));
    assert_eq!(
        night.add_working_time(utc("2025-10-25T23:00:00Z"), hours(4)),
        Ok(utc("2025-10-26T03:00:00Z")) // 04:00 CET
    );
    // An ambiguous start uses the earliest occurrence: 02:30 CEST = 00:30Z.
    let ambiguous = berlin(&["02:30-04:00"]);
    assert_eq!(ambiguous.working_time_between(d0, d1), minutes(150));
    assert_eq!(
        ambiguous.add_working_time(d0, minutes(1)),
        Ok(utc("2025-10-26T00:31:00Z"))
    );
}

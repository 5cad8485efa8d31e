//! Mapping local wall-clock times to UTC instants, with the DST rules of this module:
//!
//! - a local time that occurs twice (fall back) maps to its **earliest** occurrence;
//! - a local time that does not exist (spring forward) maps to the **end of the gap**, i.e. the
//!   transition instant, so the skipped wall-clock time is simply not worked.
//!
//! The mapping is non-decreasing in local time, which is what keeps the UTC intervals derived
//! from non-overlapping local shifts ordered and non-overlapping.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

/// UTC instant of `secs` after local midnight of `date` (`secs` may be 86_400 = next midnight).
/// `None` only at the edges of chrono's date range.
pub(super) fn local_to_utc(tz: Tz, date: NaiveDate, secs: u32) -> Option<DateTime<Utc>> {
    let local = date
        .and_hms_opt(0, 0, 0)?
        .checked_add_signed(Duration::seconds(i64::from(secs)))?;
    match tz.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.with_timezone(&Utc)),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        LocalResult::None => gap_end(tz, local),
    }
}

/// First UTC instant whose local time is at or after `local` (which lies in a gap). Found by
/// bisection because chrono-tz does not expose transition instants; real offsets are within
/// ±1 day, so the bracket below always holds and ~17 steps reach one-second precision
/// (transitions are on whole seconds).
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    let as_utc = local.and_utc().timestamp();
    let reached = |t: i64| -> bool {
        DateTime::from_timestamp(t, 0)
            .map(|u| u.with_timezone(&tz).naive_local() >= local)
            .unwrap_or(true)
    };
    let (mut lo, mut hi) = (as_utc - 86_400, as_utc + 86_400);
    // Invariant: !reached(lo) && reached(hi).
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

/// The local calendar date of an instant.
pub(super) fn local_date(tz: Tz, t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&tz).date_naive()
}

/// The UTC instant of local midnight of `date` when that midnight and the following 7 all
/// exist exactly once and share one UTC offset; then each of the 7 days maps to UTC with that
/// fixed offset and the week's working time equals the nominal weekly total. A transition
/// exactly at a midnight (America/Santiago) makes that midnight missing or ambiguous, or
/// changes its offset, so the week is walked day by day. (This assumes no zone changes its
/// offset and changes it back within a single day, which no tzdb zone does.)
pub(super) fn fixed_offset_week(tz: Tz, date: NaiveDate) -> Option<DateTime<Utc>> {
    let midnight = |k: i64| -> Option<DateTime<Tz>> {
        let day = date.checked_add_signed(Duration::days(k))?;
        tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?).single()
    };
    let first = midnight(0)?;
    for k in 1..=7 {
        if midnight(k)?.offset().fix() != first.offset().fix() {
            return None;
        }
    }
    Some(first.with_timezone(&Utc))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    fn utc(s: &str) -> DateTime<Utc> {
        s.parse().expect("valid instant")
    }

    #[test]
    fn nonexistent_time_maps_to_end_of_gap() {
        // Berlin 2025-03-30: 02:00 CET jumps to 03:00 CEST at 01:00Z.
        let t = local_to_utc(
            chrono_tz::Europe::Berlin,
            date(2025, 3, 30),
            2 * 3600 + 1800,
        );
        assert_eq!(t, Some(utc("2025-03-30T01:00:00Z")));
    }

    #[test]
    fn ambiguous_time_maps_to_earliest() {
        // Berlin 2025-10-26: 02:30 occurs at 00:30Z (CEST) and 01:30Z (CET).
        let t = local_to_utc(
            chrono_tz::Europe::Berlin,
            date(2025, 10, 26),
            2 * 3600 + 1800,
        );
        assert_eq!(t, Some(utc("2025-10-26T00:30:00Z")));
    }

    #[test]
    fn midnight_gap_maps_to_first_instant_of_day() {
        // Santiago 2024-09-08: 00:00 -04 jumps to 01:00 -03 at 04:00Z.
        let t = local_to_utc(chrono_tz::America::Santiago, date(2024, 9, 8), 0);
        assert_eq!(t, Some(utc("2024-09-08T04:00:00Z")));
    }
}

//! A staff member's working shifts, e.g. `mon 09:00-17:00`, `sat 22:00-24:00`, in the
//! property's time zone. Someone with shifts is only assignable during them (and while
//! on duty); someone without shifts follows the on-duty switch alone.

use chrono::{Datelike, NaiveTime, Weekday};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shift {
    pub day: Weekday,
    pub start: NaiveTime,
    /// `None` means 24:00 (end of day).
    pub end: Option<NaiveTime>,
}

fn day(s: &str) -> Option<Weekday> {
    Some(match s {
        "mon" => Weekday::Mon,
        "tue" => Weekday::Tue,
        "wed" => Weekday::Wed,
        "thu" => Weekday::Thu,
        "fri" => Weekday::Fri,
        "sat" => Weekday::Sat,
        "sun" => Weekday::Sun,
        _ => return None,
    })
}

/// `"mon 09:00-17:00"`; `None` when malformed (the caller names the field).
pub fn parse(s: &str) -> Option<Shift> {
    let (d, times) = s.trim().split_once(' ')?;
    let (a, b) = times.trim().split_once('-')?;
    let start = NaiveTime::parse_from_str(a.trim(), "%H:%M").ok()?;
    let end = match b.trim() {
        "24:00" => None,
        t => Some(NaiveTime::parse_from_str(t, "%H:%M").ok()?),
    };
    if end.is_some_and(|e| e <= start) {
        return None;
    }
    Some(Shift {
        day: day(&d.trim().to_lowercase())?,
        start,
        end,
    })
}

/// Whether `local` (the property's wall-clock time) falls in one of `shifts`; no shifts
/// means no schedule restriction.
pub fn on_shift(shifts: &[String], local: chrono::NaiveDateTime) -> bool {
    if shifts.is_empty() {
        return true;
    }
    let t = local.time();
    shifts
        .iter()
        .filter_map(|s| parse(s))
        .any(|s| s.day == local.weekday() && t >= s.start && s.end.is_none_or(|e| t < e))
}

/// Assignment candidates at `local` time: on duty only while on shift (CI-3.5 names someone
/// actually at work).
pub fn candidates_at(
    staff: &[super::directory::Staff],
    loads: &std::collections::HashMap<String, i64>,
    local: chrono::NaiveDateTime,
) -> Vec<super::assignment::Candidate> {
    staff
        .iter()
        .map(|s| {
            let mut c = super::assignment::Candidate::from_staff(
                s,
                loads.get(&s.staff_id).copied().unwrap_or(0),
            );
            c.on_duty = c.on_duty && on_shift(&s.shifts, local);
            c
        })
        .collect()
}

/// Wall-clock time at a property: its calendar's zone, China time when it has none (24×7).
pub fn local_time(zone: Option<chrono_tz::Tz>, at_micros: i64) -> chrono::NaiveDateTime {
    let utc = chrono::DateTime::from_timestamp_micros(at_micros).unwrap_or_default();
    utc.with_timezone(&zone.unwrap_or(chrono_tz::Asia::Shanghai))
        .naive_local()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn at(d: u32, h: u32, m: u32) -> chrono::NaiveDateTime {
        // 2025-11-24 is a Monday.
        NaiveDate::from_ymd_opt(2025, 11, d)
            .and_then(|d| d.and_hms_opt(h, m, 0))
            .expect("valid")
    }

    #[test]
    fn shifts_parse_and_reject_nonsense() {
        assert!(parse("mon 09:00-17:00").is_some());
        assert!(parse("sat 22:00-24:00").is_some());
        assert!(parse("Mon 09:00-17:00").is_some());
        assert!(
            parse("mon 17:00-09:00").is_none(),
            "overnight shifts are two entries"
        );
        assert!(parse("funday 09:00-17:00").is_none());
        assert!(parse("mon 9-5").is_none());
    }

    #[test]
    fn someone_is_assignable_only_during_a_shift() {
        let shifts = vec![
            "mon 09:00-12:00".to_string(),
            "mon 13:30-18:00".to_string(),
            "sun 22:00-24:00".to_string(),
        ];
        assert!(on_shift(&shifts, at(24, 10, 0)));
        assert!(
            !on_shift(&shifts, at(24, 12, 30)),
            "lunch break of a split shift"
        );
        assert!(!on_shift(&shifts, at(25, 10, 0)), "Tuesday");
        assert!(
            on_shift(&shifts, at(23, 23, 59)),
            "Sunday night to midnight"
        );
        assert!(
            on_shift(&[], at(25, 3, 0)),
            "no schedule: the on-duty switch decides"
        );
    }
}

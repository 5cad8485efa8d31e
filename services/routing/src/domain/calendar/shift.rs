//! A shift: one stretch of local working time within a day, `start < end <= 24:00`.
//!
//! Times are seconds after local midnight rather than `NaiveTime` because `24:00` (a shift that
//! runs to the end of the day, e.g. a night desk 18:00–24:00) has no `NaiveTime`.

use std::fmt;

use super::error::Violation;

pub(super) const SECONDS_PER_DAY: u32 = 86_400;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Shift {
    /// Seconds after local midnight, `0..86_400`.
    pub(super) start: u32,
    /// Seconds after local midnight, `start < end <= 86_400`.
    pub(super) end: u32,
}

impl Shift {
    /// Nominal length in local clock time; the real length differs on DST-change days.
    pub(super) fn seconds(&self) -> u32 {
        self.end - self.start
    }

    /// Parses `"HH:MM-HH:MM"` (seconds optional: `"HH:MM:SS"`); `field` names the entry in
    /// errors.
    pub(super) fn parse(text: &str, field: &str) -> Result<Self, Violation> {
        let bad = |why: &str| Violation::new(field, format!("{why} in {text:?}"));
        let (a, b) = text
            .split_once('-')
            .ok_or_else(|| bad("expected \"HH:MM-HH:MM\""))?;
        let start = parse_clock(a.trim()).ok_or_else(|| bad("bad start time"))?;
        let end = parse_clock(b.trim()).ok_or_else(|| bad("bad end time"))?;
        if start >= SECONDS_PER_DAY {
            return Err(bad("start must be before 24:00"));
        }
        if end <= start {
            return Err(Violation::new(
                field,
                format!("end {} is not after start {}", Clock(end), Clock(start)),
            ));
        }
        Ok(Self { start, end })
    }
}

impl fmt::Display for Shift {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", Clock(self.start), Clock(self.end))
    }
}

/// Seconds after midnight printed as `HH:MM` or `HH:MM:SS`.
struct Clock(u32);

impl fmt::Display for Clock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (h, m, s) = (self.0 / 3600, self.0 / 60 % 60, self.0 % 60);
        if s == 0 {
            write!(f, "{h:02}:{m:02}")
        } else {
            write!(f, "{h:02}:{m:02}:{s:02}")
        }
    }
}

/// `HH:MM[:SS]` with `24:00[:00]` allowed as the end of the day.
fn parse_clock(text: &str) -> Option<u32> {
    let mut parts = text.split(':');
    let mut next = |max: u32| -> Option<u32> {
        let p = parts.next()?;
        if p.len() != 2 || !p.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        p.parse::<u32>().ok().filter(|v| *v <= max)
    };
    let h = next(24)?;
    let m = next(59)?;
    let s = match parts.next() {
        None => 0,
        Some(p) if p.len() == 2 && p.bytes().all(|b| b.is_ascii_digit()) => {
            p.parse::<u32>().ok().filter(|v| *v <= 59)?
        }
        Some(_) => return None,
    };
    if parts.next().is_some() {
        return None;
    }
    let total = h * 3600 + m * 60 + s;
    (total <= SECONDS_PER_DAY).then_some(total)
}

/// Parses a day's shifts and checks they do not overlap; touching (`12:00` end, `12:00` start)
/// is allowed. Returns the shifts sorted by start. `field` is e.g. `weekly.mon`.
pub(super) fn parse_day(
    texts: &[String],
    field: &str,
    violations: &mut Vec<Violation>,
) -> Vec<Shift> {
    let mut parsed: Vec<(usize, Shift)> = Vec::with_capacity(texts.len());
    for (i, text) in texts.iter().enumerate() {
        match Shift::parse(text, &format!("{field}[{i}]")) {
            Ok(shift) => parsed.push((i, shift)),
            Err(v) => violations.push(v),
        }
    }
    parsed.sort_by_key(|(_, s)| *s);
    for pair in parsed.windows(2) {
        let ((i, a), (j, b)) = (pair[0], pair[1]);
        if b.start < a.end {
            violations.push(Violation::new(
                format!("{field}[{j}]"),
                format!("shift {b} overlaps {field}[{i}] ({a})"),
            ));
        }
    }
    parsed.into_iter().map(|(_, s)| s).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clock_accepts_end_of_day_and_seconds() {
        assert_eq!(parse_clock("24:00"), Some(86_400));
        assert_eq!(parse_clock("13:30:15"), Some(13 * 3600 + 30 * 60 + 15));
        assert_eq!(parse_clock("24:01"), None);
        assert_eq!(parse_clock("9:00"), None);
        assert_eq!(parse_clock("09:60"), None);
    }

    #[test]
    fn shift_display_round_trips() {
        let s = Shift::parse("13:30-24:00", "f");
        assert_eq!(s.map(|s| s.to_string()), Ok("13:30-24:00".to_string()));
        let s = Shift::parse("09:00:30-17:45", "f");
        assert_eq!(s.map(|s| s.to_string()), Ok("09:00:30-17:45".to_string()));
    }
}

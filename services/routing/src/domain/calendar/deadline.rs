//! A deadline on a business calendar with pauses: while an inquiry waits on the customer, the
//! SLA clock stops, so working time inside a pause does not count toward the target (CI-3.6
//! limits measure our handling time, not the customer's).

use chrono::{DateTime, Duration, Utc};

use super::BusinessCalendar;
use super::error::CalendarError;

/// Waiting on the customer over `[from, to)`; `to: None` = still paused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pause {
    pub from: DateTime<Utc>,
    pub to: Option<DateTime<Utc>>,
}

/// A target amount of working time counted from `start` on `calendar`, minus pauses.
#[derive(Debug, Clone)]
pub struct Deadline<'a> {
    calendar: &'a BusinessCalendar,
    start: DateTime<Utc>,
    target: Duration,
    /// Clipped to `>= start`, sorted, merged, non-empty; at most the last one is open-ended.
    pauses: Vec<Pause>,
}

impl<'a> Deadline<'a> {
    /// Pauses may be given in any order and may overlap; parts before `start` are ignored.
    pub fn new(
        calendar: &'a BusinessCalendar,
        start: DateTime<Utc>,
        target: Duration,
        pauses: &[Pause],
    ) -> Result<Self, CalendarError> {
        if target < Duration::zero() {
            return Err(CalendarError::NegativeDuration);
        }
        let mut clipped = Vec::with_capacity(pauses.len());
        for (index, p) in pauses.iter().enumerate() {
            if p.to.is_some_and(|to| to < p.from) {
                return Err(CalendarError::InvalidPause { index });
            }
            let from = p.from.max(start);
            if p.to.is_none_or(|to| to > from) {
                clipped.push(Pause { from, to: p.to });
            }
        }
        clipped.sort_by_key(|p| p.from);
        let mut merged: Vec<Pause> = Vec::with_capacity(clipped.len());
        for p in clipped {
            match merged.last_mut() {
                // Overlapping or touching: extend; an open end absorbs everything after.
                Some(last) if last.to.is_none_or(|to| p.from <= to) => {
                    last.to = match (last.to, p.to) {
                        (Some(a), Some(b)) => Some(a.max(b)),
                        _ => None,
                    };
                }
                _ => merged.push(p),
            }
        }
        Ok(Self {
            calendar,
            start,
            target,
            pauses: merged,
        })
    }

    pub fn start(&self) -> DateTime<Utc> {
        self.start
    }

    pub fn target(&self) -> Duration {
        self.target
    }

    /// When the target is reached; `None` while an open-ended pause began before that.
    pub fn due(&self) -> Result<Option<DateTime<Utc>>, CalendarError> {
        self.reached(self.target)
    }

    /// When `fraction` of the target has been used (e.g. 0.8 for the warning before breach).
    pub fn warn_at(&self, fraction: f64) -> Result<Option<DateTime<Utc>>, CalendarError> {
        if !(0.0..=1.0).contains(&fraction) {
            return Err(CalendarError::InvalidFraction(fraction));
        }
        self.reached(scale(self.target, fraction))
    }

    /// Working time counted toward the target in `[start, now)`, pauses excluded. The KPI
    /// "in time" check of CI-5.4 is `counted(responded_at) <= target`.
    pub fn counted(&self, now: DateTime<Utc>) -> Duration {
        let mut total = self.calendar.working_time_between(self.start, now);
        for p in &self.pauses {
            let to = p.to.map_or(now, |to| to.min(now));
            total -= self.calendar.working_time_between(p.from, to);
        }
        total
    }

    /// Walks the gaps between pauses, spending `amount` of working time in them. Zero is
    /// reached at the first working instant (not at `start` when the calendar is closed
    /// then): a zero target is "at once", counted on the target's own clock.
    fn reached(&self, amount: Duration) -> Result<Option<DateTime<Utc>>, CalendarError> {
        if amount.is_zero() {
            return self.calendar.next_working_instant(self.start).map(Some);
        }
        let mut cursor = self.start;
        let mut remaining = amount;
        for p in &self.pauses {
            // Measure the gap before the pause rather than trying `add` first: the walk is then
            // bounded by the gap, and `add` only runs once the answer is known to lie in it.
            let available = self.calendar.working_time_between(cursor, p.from);
            if remaining <= available {
                return self.calendar.add_working_time(cursor, remaining).map(Some);
            }
            remaining -= available;
            match p.to {
                Some(to) => cursor = to,
                None => return Ok(None),
            }
        }
        self.calendar.add_working_time(cursor, remaining).map(Some)
    }
}

/// `d × fraction`, to the nanosecond; f64 is exact to the nanosecond up to ~104 days, far above
/// any SLA target.
fn scale(d: Duration, fraction: f64) -> Duration {
    let nanos = d.num_seconds() as f64 * 1e9 + f64::from(d.subsec_nanos());
    let scaled = (nanos * fraction).round();
    let secs = (scaled / 1e9).floor();
    let sub = scaled - secs * 1e9;
    Duration::seconds(secs as i64) + Duration::nanoseconds(sub as i64)
}

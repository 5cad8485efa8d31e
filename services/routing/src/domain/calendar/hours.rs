//! Working hours in a time zone: the day-by-day walk behind `add_working_time` and
//! `working_time_between`.
//!
//! Everything is computed on UTC intervals derived per local date from that date's shifts
//! (see `local_time` for the DST rules), so DST days simply have shorter or longer intervals.
//! Whole weeks without holidays, make-up days or offset changes are skipped in one step using
//! the nominal weekly total: a 30-working-day target costs a handful of week steps, and the
//! walk never steps by minutes.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;

use super::error::CalendarError;
use super::local_time::{fixed_offset_week, local_date, local_to_utc};
use super::shift::Shift;

/// Search cap for `add`: ~5 years of local dates. A target beyond it is a config error
/// (holidays covering years) rather than an SLA, and the cap bounds the work per call.
pub const HORIZON_DAYS: i64 = 5 * 366;

#[derive(Debug, Clone, PartialEq)]
pub(super) struct WorkingHours {
    pub(super) tz: Tz,
    /// Indexed by `Weekday::num_days_from_monday`; each day sorted, non-overlapping.
    pub(super) weekly: [Vec<Shift>; 7],
    pub(super) holidays: BTreeSet<NaiveDate>,
    pub(super) make_up: BTreeMap<NaiveDate, Vec<Shift>>,
    /// Sum of the weekly shifts in local clock time (exact for weeks with a fixed offset).
    pub(super) weekly_total: Duration,
}

type Interval = (DateTime<Utc>, DateTime<Utc>);

impl WorkingHours {
    pub(super) fn new(
        tz: Tz,
        weekly: [Vec<Shift>; 7],
        holidays: BTreeSet<NaiveDate>,
        make_up: BTreeMap<NaiveDate, Vec<Shift>>,
    ) -> Self {
        let seconds: u32 = weekly.iter().flatten().map(Shift::seconds).sum();
        Self {
            tz,
            weekly,
            holidays,
            make_up,
            weekly_total: Duration::seconds(i64::from(seconds)),
        }
    }

    /// Make-up days override holidays and the weekday pattern; validation rejects a date that is
    /// both, so the order only matters for documentation.
    fn shifts_on(&self, date: NaiveDate) -> &[Shift] {
        if let Some(shifts) = self.make_up.get(&date) {
            shifts
        } else if self.holidays.contains(&date) {
            &[]
        } else {
            &self.weekly[date.weekday().num_days_from_monday() as usize]
        }
    }

    /// The longest regular weekday, the unit of "N working days" (see `sla`).
    pub(super) fn longest_weekday(&self) -> Duration {
        let secs = self
            .weekly
            .iter()
            .map(|day| day.iter().map(Shift::seconds).sum::<u32>())
            .max()
            .unwrap_or(0);
        Duration::seconds(i64::from(secs))
    }

    /// Non-empty UTC intervals of `date`, in order. Shifts that fall entirely in a DST gap
    /// become empty and are dropped.
    fn day_intervals(&self, date: NaiveDate) -> impl Iterator<Item = Interval> + '_ {
        self.shifts_on(date).iter().filter_map(move |s| {
            let a = local_to_utc(self.tz, date, s.start)?;
            let b = local_to_utc(self.tz, date, s.end)?;
            (a < b).then_some((a, b))
        })
    }

    fn midnight(&self, date: NaiveDate) -> Option<DateTime<Utc>> {
        local_to_utc(self.tz, date, 0)
    }

    /// No working time can occur on `date` or later.
    fn exhausted_from(&self, date: NaiveDate) -> bool {
        self.weekly_total.is_zero() && self.make_up.range(date..).next().is_none()
    }

    /// A week starting at local midnight of `date` (at or after `not_before`) whose working
    /// time is exactly `weekly_total`: no special dates and one UTC offset throughout.
    /// Returns the UTC midnight that ends the week.
    fn plain_week(&self, date: NaiveDate, not_before: DateTime<Utc>) -> Option<DateTime<Utc>> {
        let end_date = date.checked_add_signed(Duration::days(7))?;
        let special = self.holidays.range(date..end_date).next().is_some()
            || self.make_up.range(date..end_date).next().is_some();
        if special {
            return None;
        }
        let start = fixed_offset_week(self.tz, date)?;
        if start < not_before {
            return None;
        }
        start.checked_add_signed(Duration::days(7))
    }

    pub(super) fn is_working_at(&self, t: DateTime<Utc>) -> bool {
        // Intervals of a date lie between its local midnight and the next, so an instant can
        // only be in those of its own local date, the day before (only at a 24:00 end point,
        // excluded) or, if a fall-back straddles midnight, the day after.
        let date = local_date(self.tz, t);
        [date.pred_opt(), Some(date), date.succ_opt()]
            .into_iter()
            .flatten()
            .any(|d| self.day_intervals(d).any(|(a, b)| a <= t && t < b))
    }

    /// See `BusinessCalendar::add_working_time`. `skip_weeks` is false only in tests, which
    /// check the week-skipping fast path against the plain day-by-day walk.
    pub(super) fn add(
        &self,
        start: DateTime<Utc>,
        dur: Duration,
        skip_weeks: bool,
    ) -> Result<DateTime<Utc>, CalendarError> {
        if dur < Duration::zero() {
            return Err(CalendarError::NegativeDuration);
        }
        if dur.is_zero() {
            return Ok(start);
        }
        let mut remaining = dur;
        let first = local_date(self.tz, start);
        let last = first
            .checked_add_signed(Duration::days(HORIZON_DAYS))
            .ok_or(CalendarError::OutOfRange)?;
        let mut date = first;
        while date <= last {
            if self.exhausted_from(date) {
                return Err(CalendarError::NoWorkingTime);
            }
            // Strictly greater: a week that would exactly use up `remaining` must be walked so
            // the answer is the end of its last shift, not the following midnight.
            if skip_weeks
                && remaining > self.weekly_total
                && !self.weekly_total.is_zero()
                && self.plain_week(date, start).is_some()
            {
                remaining -= self.weekly_total;
                date = date
                    .checked_add_signed(Duration::days(7))
                    .ok_or(CalendarError::OutOfRange)?;
                continue;
            }
            for (a, b) in self.day_intervals(date) {
                let a = a.max(start);
                if b <= a {
                    continue;
                }
                let available = b - a;
                // `<=`: the earliest instant at which the target is met may be a shift end.
                if remaining <= available {
                    return Ok(a + remaining);
                }
                remaining -= available;
            }
            date = date.succ_opt().ok_or(CalendarError::OutOfRange)?;
        }
        Err(CalendarError::HorizonExceeded { days: HORIZON_DAYS })
    }

    /// See `BusinessCalendar::working_time_between`. Unbounded by the horizon: the span itself
    /// bounds the walk.
    pub(super) fn between(&self, a: DateTime<Utc>, b: DateTime<Utc>, skip_weeks: bool) -> Duration {
        let mut total = Duration::zero();
        if b <= a {
            return total;
        }
        let mut date = local_date(self.tz, a);
        loop {
            if self.exhausted_from(date) || self.midnight(date).is_none_or(|m| m >= b) {
                return total;
            }
            if skip_weeks && self.plain_week(date, a).is_some_and(|end| end <= b) {
                total += self.weekly_total;
                match date.checked_add_signed(Duration::days(7)) {
                    Some(next) => date = next,
                    None => return total,
                }
                continue;
            }
            for (s, e) in self.day_intervals(date) {
                let (s, e) = (s.max(a), e.min(b));
                if s < e {
                    total += e - s;
                }
            }
            match date.succ_opt() {
                Some(next) => date = next,
                None => return total,
            }
        }
    }
}

//! Business-calendar arithmetic for SLA deadlines (CI-3.6 time limits, CI-5.4 timeliness KPIs).
//!
//! Pure domain code: no I/O, no clock reads. All instants are UTC; local time only enters
//! through a calendar's shifts, which are turned into UTC intervals per local date.
//!
//! Rules, fixed here so every caller agrees:
//! - **Zero duration**: `add_working_time(s, 0) == s`, even outside working hours. A zero target
//!   means "due now"; this keeps `add(add(s, a), b) == add(s, a + b)` for all `a, b >= 0`.
//! - **Positive duration**: the result is the *earliest* instant at which the working time
//!   has elapsed, so it may be a shift end (Friday 18:00), never the next opening.
//! - **Start outside hours**: the clock starts at the next opening.
//! - **DST**: a local shift boundary that does not exist (spring forward) is moved to the end
//!   of the gap; one that occurs twice (fall back) uses the earliest occurrence. A shift across
//!   the change is therefore one hour shorter / longer in real time.
//! - **Horizon**: `add_working_time` gives up after ~5 years of dates (`HorizonExceeded`) and
//!   fails fast on a calendar with no working time left (`NoWorkingTime`); it never loops.

mod deadline;
mod error;
mod hours;
mod local_time;
mod shift;
mod sla;
mod spec;

#[cfg(test)]
mod tests;

use chrono::{DateTime, Duration, Utc};

pub use deadline::{Deadline, Pause};
pub use error::{CalendarError, Violation, Violations};
pub use hours::HORIZON_DAYS;
pub use sla::{Channel, ChannelClass, Clock, Complexity, SlaTarget, SlaTargets, TargetAmount};
pub use spec::{CalendarSpec, MakeUpDaySpec, WeekdayCode, WeeklySpec};

use hours::WorkingHours;

/// When working time elapses: around the clock, or in shifts in a time zone.
#[derive(Debug, Clone, PartialEq)]
pub struct BusinessCalendar {
    inner: Inner,
}

#[derive(Debug, Clone, PartialEq)]
enum Inner {
    AlwaysOpen,
    Hours(Box<WorkingHours>),
}

/// Shared 24×7 calendar, for targets that run around the clock whatever the property's hours.
static ALWAYS_OPEN: BusinessCalendar = BusinessCalendar {
    inner: Inner::AlwaysOpen,
};

impl BusinessCalendar {
    /// 24×7: working time is wall-clock time.
    pub const fn always_open() -> Self {
        Self {
            inner: Inner::AlwaysOpen,
        }
    }

    /// Validates and builds a calendar from its config spec (see `CalendarSpec`).
    pub fn from_spec(spec: &CalendarSpec) -> Result<Self, CalendarError> {
        spec.build()
    }

    fn with_hours(hours: WorkingHours) -> Self {
        Self {
            inner: Inner::Hours(Box::new(hours)),
        }
    }

    pub fn is_always_open(&self) -> bool {
        matches!(self.inner, Inner::AlwaysOpen)
    }

    /// The time zone of a calendar with working hours; `None` for 24×7.
    pub fn time_zone(&self) -> Option<chrono_tz::Tz> {
        match &self.inner {
            Inner::AlwaysOpen => None,
            Inner::Hours(h) => Some(h.tz),
        }
    }

    /// True when `t` lies inside a shift (shift start inclusive, end exclusive).
    pub fn is_working_at(&self, t: DateTime<Utc>) -> bool {
        match &self.inner {
            Inner::AlwaysOpen => true,
            Inner::Hours(h) => h.is_working_at(t),
        }
    }

    /// One "working day" as an amount of working time: the longest regular weekday (24 h for
    /// 24×7). `N working days` targets are `N × working_day()` (see `sla`).
    pub fn working_day(&self) -> Duration {
        match &self.inner {
            Inner::AlwaysOpen => Duration::days(1),
            Inner::Hours(h) => h.longest_weekday(),
        }
    }

    /// The instant at which `dur` of working time has elapsed after `start`; see the module
    /// docs for zero durations, DST and the horizon.
    pub fn add_working_time(
        &self,
        start: DateTime<Utc>,
        dur: Duration,
    ) -> Result<DateTime<Utc>, CalendarError> {
        self.add_impl(start, dur, true)
    }

    /// The first working instant at or after `t`: `t` itself inside a shift, else the next
    /// opening. A target of zero working time is due there: "at once" means at once when
    /// the desk is open, not at 3 a.m. for an office-hours target (issue 9).
    pub fn next_working_instant(&self, t: DateTime<Utc>) -> Result<DateTime<Utc>, CalendarError> {
        // The earliest instant one nanosecond of working time has elapsed, less that
        // nanosecond: the opening itself (or `t` when open), with no second walk to keep in
        // line with `add`.
        let tick = Duration::nanoseconds(1);
        Ok(self.add_working_time(t, tick)? - tick)
    }

    fn add_impl(
        &self,
        start: DateTime<Utc>,
        dur: Duration,
        skip_weeks: bool,
    ) -> Result<DateTime<Utc>, CalendarError> {
        match &self.inner {
            Inner::AlwaysOpen if dur < Duration::zero() => Err(CalendarError::NegativeDuration),
            Inner::AlwaysOpen => start
                .checked_add_signed(dur)
                .ok_or(CalendarError::OutOfRange),
            Inner::Hours(h) => h.add(start, dur, skip_weeks),
        }
    }

    /// Working time in `[a, b)`; zero when `b <= a`. For any `d >= 0` that `add_working_time`
    /// can answer, `working_time_between(s, add_working_time(s, d)?) == d`.
    pub fn working_time_between(&self, a: DateTime<Utc>, b: DateTime<Utc>) -> Duration {
        self.between_impl(a, b, true)
    }

    fn between_impl(&self, a: DateTime<Utc>, b: DateTime<Utc>, skip_weeks: bool) -> Duration {
        match &self.inner {
            Inner::AlwaysOpen if b <= a => Duration::zero(),
            Inner::AlwaysOpen => b - a,
            Inner::Hours(h) => h.between(a, b, skip_weeks),
        }
    }
}

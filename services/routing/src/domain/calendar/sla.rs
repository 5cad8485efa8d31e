//! Default SLA targets as data; a property's policy overrides any field.
//!
//! Defaults follow the blanks in the procedures:
//! - CI-5.4 first response: offline "on the spot", online 1 h, phone 3 min. E-mail has no number
//!   in CI-5.4; 2 h (MD desk initial reply) is our default.
//! - CI-3.6 resolution: general questions 4 h, complex ones "within at most 3 working days".
//!
//! Choices:
//! - "On the spot" is **5 minutes around the clock**: the guest is standing at the front desk,
//!   restaurant or facility, which is staffed whenever a guest can be there, so no business
//!   hours apply; 5 min leaves room for queueing and for recording the inquiry after the fact.
//! - Phone (3 min) also runs around the clock: the hotline is answered 24 h.
//! - Online, e-mail and resolution targets run on the property's business calendar (which may
//!   itself be 24×7): the desks and departments that do that work keep working hours.
//! - "N working days" is **N × the calendar's working day** of working time (the longest regular
//!   weekday, e.g. 7.5 h for 09:00–12:00 + 13:30–18:00), not "end of the Nth working day".
//!   CI-3.6 says "within *at most* N working days", a bound on elapsed handling time: counted as
//!   working time, every inquiry gets the same time whatever hour it arrives (a 17:55 arrival is
//!   not charged a full first day), pauses and warnings compose with it like any other target,
//!   and on a regular week it reads naturally: Monday 10:00 + 3 working days = Thursday 10:00.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use super::deadline::{Deadline, Pause};
use super::error::CalendarError;
use super::{ALWAYS_OPEN, BusinessCalendar};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    FrontDesk,
    Restaurant,
    Facility,
    Website,
    Ota,
    Social,
    Hotline,
    Email,
}

/// The channel groups CI-5.4 sets first-response limits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChannelClass {
    Offline,
    Online,
    Phone,
    Email,
}

impl Channel {
    pub fn class(self) -> ChannelClass {
        match self {
            Self::FrontDesk | Self::Restaurant | Self::Facility => ChannelClass::Offline,
            Self::Website | Self::Ota | Self::Social => ChannelClass::Online,
            Self::Hotline => ChannelClass::Phone,
            Self::Email => ChannelClass::Email,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Complexity {
    Simple,
    Complex,
}

/// Which clock a target runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// 24×7 regardless of the property's calendar.
    AroundTheClock,
    /// The property's business calendar.
    BusinessHours,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetAmount {
    /// A fixed amount of working time; in config `amount = { seconds = 3600 }` (whole seconds:
    /// no SLA needs less).
    #[serde(rename = "seconds")]
    Fixed(#[serde(with = "whole_seconds")] StdDuration),
    /// N working days = N × `BusinessCalendar::working_day()` of working time.
    WorkingDays(u32),
}

/// `std::time::Duration` as whole seconds, so configs read `seconds = 300` rather than serde's
/// default `{ secs, nanos }`.
mod whole_seconds {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub(super) fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(d.as_secs())
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_secs)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaTarget {
    pub amount: TargetAmount,
    pub clock: Clock,
}

impl SlaTarget {
    pub const fn fixed(amount: StdDuration, clock: Clock) -> Self {
        Self {
            amount: TargetAmount::Fixed(amount),
            clock,
        }
    }

    /// The calendar this target counts on, given the property's calendar.
    pub fn calendar<'a>(&self, property: &'a BusinessCalendar) -> &'a BusinessCalendar {
        match self.clock {
            Clock::AroundTheClock => &ALWAYS_OPEN,
            Clock::BusinessHours => property,
        }
    }

    /// The target as working time on `self.calendar(property)`.
    pub fn working_time(&self, property: &BusinessCalendar) -> Result<Duration, CalendarError> {
        match self.amount {
            TargetAmount::Fixed(d) => Duration::from_std(d).map_err(|_| CalendarError::OutOfRange),
            TargetAmount::WorkingDays(n) => self
                .calendar(property)
                .working_day()
                .checked_mul(i32::try_from(n).map_err(|_| CalendarError::OutOfRange)?)
                .ok_or(CalendarError::OutOfRange),
        }
    }

    /// The deadline of an inquiry that started at `start`, with its pauses so far.
    pub fn deadline<'a>(
        &self,
        property: &'a BusinessCalendar,
        start: DateTime<Utc>,
        pauses: &[Pause],
    ) -> Result<Deadline<'a>, CalendarError> {
        Deadline::new(
            self.calendar(property),
            start,
            self.working_time(property)?,
            pauses,
        )
    }
}

/// A property's policy lists only what it changes: missing fields take the defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SlaTargets {
    pub first_response_offline: SlaTarget,
    pub first_response_online: SlaTarget,
    pub first_response_phone: SlaTarget,
    pub first_response_email: SlaTarget,
    pub resolution_simple: SlaTarget,
    pub resolution_complex: SlaTarget,
    /// Share of a target after which the assignee is warned (`Deadline::warn_at`).
    pub warn_fraction: f64,
}

const MINUTE: u64 = 60;
const HOUR: u64 = 60 * MINUTE;

impl Default for SlaTargets {
    fn default() -> Self {
        use Clock::{AroundTheClock, BusinessHours};
        Self {
            first_response_offline: SlaTarget::fixed(
                StdDuration::from_secs(5 * MINUTE),
                AroundTheClock,
            ),
            first_response_online: SlaTarget::fixed(StdDuration::from_secs(HOUR), BusinessHours),
            first_response_phone: SlaTarget::fixed(
                StdDuration::from_secs(3 * MINUTE),
                AroundTheClock,
            ),
            first_response_email: SlaTarget::fixed(StdDuration::from_secs(2 * HOUR), BusinessHours),
            resolution_simple: SlaTarget::fixed(StdDuration::from_secs(4 * HOUR), BusinessHours),
            resolution_complex: SlaTarget {
                amount: TargetAmount::WorkingDays(3),
                clock: BusinessHours,
            },
            warn_fraction: 0.8,
        }
    }
}

impl SlaTargets {
    /// CI-5.4 first-response limit for a channel.
    pub fn first_response(&self, channel: Channel) -> &SlaTarget {
        match channel.class() {
            ChannelClass::Offline => &self.first_response_offline,
            ChannelClass::Online => &self.first_response_online,
            ChannelClass::Phone => &self.first_response_phone,
            ChannelClass::Email => &self.first_response_email,
        }
    }

    /// CI-3.6 resolution limit for a complexity.
    pub fn resolution(&self, complexity: Complexity) -> &SlaTarget {
        match complexity {
            Complexity::Simple => &self.resolution_simple,
            Complexity::Complex => &self.resolution_complex,
        }
    }
}

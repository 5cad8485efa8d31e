//! Errors of the business calendar: spec violations (caller fixes the config) and arithmetic
//! failures (the calendar cannot produce an answer within the search horizon).

use std::fmt;

/// One bad field in a calendar spec, named by its path (`weekly.mon[1]`, `make_up_days[0].date`)
/// so the API layer can answer INVALID_ARGUMENT with the offending field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    pub field: String,
    pub message: String,
}

impl Violation {
    pub(super) fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// Every violation found in a spec, not just the first: the operator fixes them in one round.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violations(pub Vec<Violation>);

impl Violations {
    /// True when some violation names exactly `field`.
    pub fn has_field(&self, field: &str) -> bool {
        self.0.iter().any(|v| v.field == field)
    }
}

impl fmt::Display for Violations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CalendarError {
    /// The spec is malformed; nothing was built.
    #[error("invalid calendar spec: {0}")]
    InvalidSpec(Violations),
    /// The calendar has no working time after the start (no weekly shifts and no later make-up
    /// day), so no positive duration can ever elapse.
    #[error("calendar has no working time after the start instant")]
    NoWorkingTime,
    /// Working time exists in principle but the target was not reached within the search
    /// horizon (holidays covering years, or an absurd duration); we stop instead of looping.
    #[error("working time target not reached within {days} days of the start")]
    HorizonExceeded { days: i64 },
    /// Durations are amounts of working time; a negative one is a caller bug.
    #[error("duration must not be negative")]
    NegativeDuration,
    /// A warning fraction outside 0..=1 (or NaN).
    #[error("fraction must be within 0..=1, got {0}")]
    InvalidFraction(f64),
    /// A pause whose end is before its start.
    #[error("pause {index} ends before it starts")]
    InvalidPause { index: usize },
    /// The result does not fit chrono's date range.
    #[error("instant out of the supported date range")]
    OutOfRange,
}

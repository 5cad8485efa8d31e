//! The serde-friendly calendar spec (TOML/JSON) and its validation into a `BusinessCalendar`.
//!
//! ```toml
//! time_zone = "Asia/Shanghai"
//! holidays = ["2025-10-01", "2025-10-02"]
//! [weekly]
//! mon = ["09:00-12:00", "13:30-18:00"]
//! [[make_up_days]]
//! date = "2025-09-28"            # a Sunday worked in exchange for a holiday (调休)
//! as_weekday = "mon"             # or: shifts = ["09:00-12:00"]
//! ```
//!
//! A plain struct with an `always_open` flag rather than a tagged enum: serde's
//! `deny_unknown_fields` is unreliable on internally tagged enums (serde-rs/serde#2123), and a
//! typo in a config key must be an error, not a silently ignored field.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::BusinessCalendar;
use super::error::{CalendarError, Violation, Violations};
use super::hours::WorkingHours;
use super::shift::{Shift, parse_day};

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CalendarSpec {
    /// 24×7: every instant is working time; all other fields must be left empty.
    #[serde(default)]
    pub always_open: bool,
    /// IANA name, e.g. `Asia/Shanghai`; required unless `always_open`.
    #[serde(default)]
    pub time_zone: Option<String>,
    #[serde(default)]
    pub weekly: WeeklySpec,
    /// `YYYY-MM-DD` dates closed all day (public holidays).
    #[serde(default)]
    pub holidays: Vec<String>,
    #[serde(default)]
    pub make_up_days: Vec<MakeUpDaySpec>,
}

/// Shifts per weekday as `"HH:MM-HH:MM"`; `24:00` may end a shift. Missing day = closed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeeklySpec {
    #[serde(default)]
    pub mon: Vec<String>,
    #[serde(default)]
    pub tue: Vec<String>,
    #[serde(default)]
    pub wed: Vec<String>,
    #[serde(default)]
    pub thu: Vec<String>,
    #[serde(default)]
    pub fri: Vec<String>,
    #[serde(default)]
    pub sat: Vec<String>,
    #[serde(default)]
    pub sun: Vec<String>,
}

/// A normally-off date that is worked (调休 make-up working day). It works either the given
/// `shifts` or the regular shifts of `as_weekday` (default Monday: the make-up day replaces a
/// normal working day, so it gets a normal working day's hours).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MakeUpDaySpec {
    pub date: String,
    #[serde(default)]
    pub shifts: Option<Vec<String>>,
    #[serde(default)]
    pub as_weekday: Option<WeekdayCode>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum WeekdayCode {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl WeekdayCode {
    fn index(self) -> usize {
        self as usize
    }
}

impl WeeklySpec {
    fn days(&self) -> [(&'static str, &[String]); 7] {
        [
            ("mon", &self.mon),
            ("tue", &self.tue),
            ("wed", &self.wed),
            ("thu", &self.thu),
            ("fri", &self.fri),
            ("sat", &self.sat),
            ("sun", &self.sun),
        ]
    }

    fn is_empty(&self) -> bool {
        self.days().iter().all(|(_, d)| d.is_empty())
    }
}

fn parse_date(text: &str, field: &str) -> Result<NaiveDate, Violation> {
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| Violation::new(field, format!("expected a YYYY-MM-DD date, got {text:?}")))
}

impl CalendarSpec {
    /// Validates the spec and builds the calendar, reporting every bad field at once.
    pub fn build(&self) -> Result<BusinessCalendar, CalendarError> {
        let mut violations = Vec::new();
        if self.always_open {
            let unused = self.time_zone.is_some()
                || !self.weekly.is_empty()
                || !self.holidays.is_empty()
                || !self.make_up_days.is_empty();
            if unused {
                violations.push(Violation::new(
                    "always_open",
                    "a 24x7 calendar takes no time zone, shifts, holidays or make-up days",
                ));
                return Err(CalendarError::InvalidSpec(Violations(violations)));
            }
            return Ok(BusinessCalendar::always_open());
        }

        let tz = match self.time_zone.as_deref() {
            None => {
                violations.push(Violation::new("time_zone", "required unless always_open"));
                None
            }
            Some(name) => name.parse::<Tz>().ok().or_else(|| {
                violations.push(Violation::new(
                    "time_zone",
                    format!("unknown IANA time zone {name:?}"),
                ));
                None
            }),
        };

        let weekly: [Vec<Shift>; 7] = self
            .weekly
            .days()
            .map(|(day, texts)| parse_day(texts, &format!("weekly.{day}"), &mut violations));

        let mut holidays: BTreeMap<NaiveDate, usize> = BTreeMap::new();
        for (i, text) in self.holidays.iter().enumerate() {
            match parse_date(text, &format!("holidays[{i}]")) {
                // A repeated holiday is harmless; keep the first index for messages.
                Ok(date) => {
                    holidays.entry(date).or_insert(i);
                }
                Err(v) => violations.push(v),
            }
        }

        let mut make_up: BTreeMap<NaiveDate, (usize, Vec<Shift>)> = BTreeMap::new();
        for (i, day) in self.make_up_days.iter().enumerate() {
            let field = format!("make_up_days[{i}]");
            let date = parse_date(&day.date, &format!("{field}.date"));
            let shifts = match (&day.shifts, day.as_weekday) {
                (Some(_), Some(_)) => {
                    violations.push(Violation::new(
                        format!("{field}.as_weekday"),
                        "give either shifts or as_weekday, not both",
                    ));
                    continue;
                }
                (Some(texts), None) => {
                    parse_day(texts, &format!("{field}.shifts"), &mut violations)
                }
                (None, weekday) => weekly[weekday.unwrap_or(WeekdayCode::Mon).index()].clone(),
            };
            let date = match date {
                Ok(d) => d,
                Err(v) => {
                    violations.push(v);
                    continue;
                }
            };
            if shifts.is_empty() {
                violations.push(Violation::new(
                    field.clone(),
                    "a make-up working day needs working hours (shifts, or a weekday that has some)",
                ));
            }
            if let Some(h) = holidays.get(&date) {
                violations.push(Violation::new(
                    format!("{field}.date"),
                    format!("{date} is also a holiday (holidays[{h}])"),
                ));
            }
            if let Some((j, _)) = make_up.get(&date) {
                violations.push(Violation::new(
                    format!("{field}.date"),
                    format!("{date} is already make_up_days[{j}]"),
                ));
                continue;
            }
            make_up.insert(date, (i, shifts));
        }

        match tz {
            Some(tz) if violations.is_empty() => {
                Ok(BusinessCalendar::with_hours(WorkingHours::new(
                    tz,
                    weekly,
                    holidays.into_keys().collect::<BTreeSet<_>>(),
                    make_up.into_iter().map(|(d, (_, s))| (d, s)).collect(),
                )))
            }
            _ => Err(CalendarError::InvalidSpec(Violations(violations))),
        }
    }
}

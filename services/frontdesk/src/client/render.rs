//! Rendering shared by every client module: codes, times and tables as people read them.
//!
//! Times: tables show "2026-11-30 15:35 CST" (full date, the zone named), JSON gives RFC 3339
//! with the offset ("2026-11-30T15:35:01+08:00"), both in one zone per run: `--tz` /
//! `FRONTDESK_TZ` (an IANA name such as Asia/Shanghai), else this machine's zone. Why not ask
//! routing for the property's calendar zone on every run: most commands name no property
//! (`inquiry get <id>`), an agent's token may not read SLA policies, and an extra call per
//! command is a second point of failure for a person on the phone. A desk runs in its
//! property's zone; anyone elsewhere sets FRONTDESK_TZ once.
//!
//! Tables fit an 80-column terminal: cells wrap by display width (a Chinese character is
//! two columns), a cell taller than [`MAX_LINES`] ends in "…"; `--wide` prints every cell in
//! full on one line.

use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use serde_json::Value;
use std::sync::OnceLock;

/// The terminal width every table fits unless `--wide`.
pub(crate) const WIDTH: u16 = 80;
/// Lines a wrapped cell may take before it is cut with "…".
pub(crate) const MAX_LINES: usize = 4;

/// The zone times are shown in.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Zone {
    Local,
    Named(chrono_tz::Tz),
}

impl Zone {
    /// `--tz`: an IANA zone name; `local` or nothing for this machine's zone.
    pub(crate) fn parse(name: Option<&str>) -> anyhow::Result<Zone> {
        match name.map(str::trim) {
            None | Some("" | "local") => Ok(Zone::Local),
            Some(n) => n.parse::<chrono_tz::Tz>().map(Zone::Named).map_err(|_| {
                anyhow::anyhow!(
                    "--tz {n:?} is not a time zone: an IANA name such as Asia/Shanghai, \
                     Europe/London or UTC, or local"
                )
            }),
        }
    }
}

/// How this run renders: set once from the command line, before any output.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Style {
    pub(crate) wide: bool,
    /// `-q`: commands that create or change something print its id alone.
    pub(crate) quiet: bool,
    pub(crate) zone: Zone,
}

static STYLE: OnceLock<Style> = OnceLock::new();

/// Sets this run's style (the first call wins: one command line per process).
pub(crate) fn init(style: Style) {
    let _ = STYLE.set(style);
}

fn style() -> Style {
    STYLE.get().copied().unwrap_or(Style {
        wide: false,
        quiet: false,
        zone: Zone::Local,
    })
}

pub(crate) fn code_of<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

fn utc(ts: Option<&prost_types::Timestamp>) -> Option<chrono::DateTime<chrono::Utc>> {
    ts.and_then(|t| {
        chrono::DateTime::from_timestamp(t.seconds, t.nanos.clamp(0, 999_999_999) as u32)
    })
}

/// A time for a table in `zone`, full date and the zone shown: "2026-11-30 15:35 CST"
/// ("-" when absent).
pub(crate) fn time_in(zone: Zone, ts: Option<&prost_types::Timestamp>) -> String {
    let Some(t) = utc(ts) else {
        return "-".into();
    };
    match zone {
        Zone::Local => t
            .with_timezone(&chrono::Local)
            .format("%Y-%m-%d %H:%M %:z")
            .to_string(),
        Zone::Named(tz) => t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string(),
    }
}

/// RFC 3339 with the offset of `zone`, to the second (null when absent).
pub(crate) fn rfc3339_in(zone: Zone, ts: Option<&prost_types::Timestamp>) -> Value {
    let Some(t) = utc(ts) else {
        return Value::Null;
    };
    let secs = chrono::SecondsFormat::Secs;
    Value::String(match zone {
        Zone::Local => t.with_timezone(&chrono::Local).to_rfc3339_opts(secs, false),
        Zone::Named(tz) => t.with_timezone(&tz).to_rfc3339_opts(secs, false),
    })
}

/// A time for a table in this run's zone.
pub(crate) fn time_of(ts: Option<&prost_types::Timestamp>) -> String {
    time_in(style().zone, ts)
}

/// A time for JSON in this run's zone.
pub(crate) fn rfc3339(ts: Option<&prost_types::Timestamp>) -> Value {
    rfc3339_in(style().zone, ts)
}

/// The first instant of `day` in this run's zone, in Unix seconds (a report's month and
/// days are the zone's, like the times it shows).
pub(crate) fn midnight(day: chrono::NaiveDate) -> Option<i64> {
    use chrono::TimeZone;
    let start = day.and_hms_opt(0, 0, 0)?;
    match style().zone {
        Zone::Local => chrono::Local
            .from_local_datetime(&start)
            .earliest()
            .map(|t| t.timestamp()),
        Zone::Named(tz) => tz
            .from_local_datetime(&start)
            .earliest()
            .map(|t| t.timestamp()),
    }
}

/// A duration in minutes for people ("90 min"), "-" when absent.
pub(crate) fn minutes(d: Option<&prost_types::Duration>) -> String {
    d.map_or_else(|| "-".into(), |d| format!("{} min", d.seconds / 60))
}

/// `--json` prints `value` on one line; otherwise the text (a table) people read.
pub(crate) fn emit(json: bool, value: Value, text: impl FnOnce() -> String) {
    if json {
        println!("{value}");
    } else {
        println!("{}", text());
    }
}

/// `--wide`: lists print every column on one line; narrow lists fold some columns into one
/// cell so that the ones people scan stay readable in 80 columns.
pub(crate) fn is_wide() -> bool {
    style().wide
}

/// Like [`emit`], but with `-q` only `id`: what the command created or changed.
pub(crate) fn emit_id(json: bool, id: &str, value: Value, text: impl FnOnce() -> String) {
    if style().quiet {
        println!("{id}");
    } else {
        emit(json, value, text);
    }
}

/// A table with this run's layout and `header` ("" headers: none).
pub(crate) fn table(header: &[&str]) -> Table {
    table_for(style().wide, header)
}

/// A table that fits [`WIDTH`] columns, or prints every cell in full when `wide`.
pub(crate) fn table_for(wide: bool, header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    if wide {
        t.set_content_arrangement(ContentArrangement::Disabled);
    } else {
        t.set_content_arrangement(ContentArrangement::Dynamic)
            .set_width(WIDTH)
            .set_truncation_indicator("…");
    }
    if !header.is_empty() {
        t.set_header(header.to_vec());
    }
    t
}

/// The table as text: in the narrow layout, a cell longer than [`MAX_LINES`] lines is cut.
pub(crate) fn fit(mut t: Table) -> String {
    if !matches!(t.content_arrangement(), ContentArrangement::Disabled) {
        for row in t.row_iter_mut() {
            row.max_height(MAX_LINES);
        }
    }
    t.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use unicode_width::UnicodeWidthStr;

    fn at(seconds: i64) -> prost_types::Timestamp {
        prost_types::Timestamp { seconds, nanos: 0 }
    }

    #[test]
    fn times_show_the_full_date_and_the_zone() {
        let shanghai = Zone::parse(Some("Asia/Shanghai")).expect("zone");
        // 2026-11-30T19:35:01Z is 03:35 the next day in Shanghai: the date moves too.
        let t = at(1_796_067_301);
        assert_eq!(time_in(shanghai, Some(&t)), "2026-12-01 03:35 CST");
        assert_eq!(
            rfc3339_in(shanghai, Some(&t)),
            Value::String("2026-12-01T03:35:01+08:00".into())
        );
        let london = Zone::parse(Some("Europe/London")).expect("zone");
        assert_eq!(
            rfc3339_in(london, Some(&t)),
            Value::String("2026-11-30T19:35:01+00:00".into())
        );
        let local = time_in(Zone::Local, Some(&t));
        assert_eq!(local.len(), "2026-11-30 03:35 +08:00".len(), "{local}");
        let json = rfc3339_in(Zone::Local, Some(&t));
        let text = json.as_str().expect("a string");
        assert!(chrono::DateTime::parse_from_rfc3339(text).is_ok(), "{text}");
        assert_eq!(time_in(shanghai, None), "-");
        assert_eq!(rfc3339_in(shanghai, None), Value::Null);
    }

    #[test]
    fn an_unknown_zone_names_what_is_expected() {
        let e = Zone::parse(Some("Mars/Olympus")).expect_err("no such zone");
        assert!(e.to_string().contains("Asia/Shanghai"), "{e}");
        assert_eq!(Zone::parse(None).expect("local"), Zone::Local);
        assert_eq!(Zone::parse(Some("local")).expect("local"), Zone::Local);
    }

    fn sample(wide: bool) -> String {
        let mut t = table_for(wide, &["id", "客人", "channel", "status", "text", "due"]);
        t.add_row(vec![
            "0193a7c2-7e4b-7c1d-9a52-3f1d2b6c8e90",
            "王芳",
            "social_wechat",
            "acknowledged",
            "请问你们酒店早餐几点开始？多少钱一位？我们一家四口，两个孩子，孩子要不要另外收费？\
             能不能带到房间吃？还有，早餐有没有清真的？我们周末到，住三晚，麻烦尽快回复，谢谢！\
             另外停车场怎么收费？",
            "2026-11-30 15:35 CST",
        ]);
        t.add_row(vec![
            "0193a7c2-7e4b-7c1d-9a52-3f1d2b6c8e91",
            "John Smith",
            "email",
            "new",
            "Is breakfast included in the room rate, and can we have it in the room? We arrive \
             late on Friday with two children and would also like to know about parking, the \
             pool hours, the airport shuttle and whether the restaurant serves halal food.",
            "2026-11-30 16:00 CST",
        ]);
        fit(t)
    }

    #[test]
    fn tables_fit_80_columns_by_display_width_in_chinese_and_english() {
        let narrow = sample(false);
        for line in narrow.lines() {
            assert!(line.width() <= 80, "{} columns:\n{narrow}", line.width());
        }
        // Long texts are cut with "…" rather than filling the screen.
        assert!(narrow.contains('…'), "{narrow}");
        assert!(narrow.lines().count() < 20, "{narrow}");
        // Chinese text wraps without splitting a character or dropping it unseen.
        assert!(narrow.contains("王芳"), "{narrow}");
        assert!(narrow.contains("请问"), "{narrow}");
    }

    #[test]
    fn wide_tables_show_every_cell_in_full() {
        let wide = sample(true);
        assert!(wide.lines().any(|l| l.width() > 80), "{wide}");
        assert!(wide.contains("另外停车场怎么收费？"), "{wide}");
        assert!(wide.contains("serves halal food."), "{wide}");
        assert!(
            wide.contains("0193a7c2-7e4b-7c1d-9a52-3f1d2b6c8e90"),
            "{wide}"
        );
        assert!(!wide.contains('…'), "{wide}");
    }
}

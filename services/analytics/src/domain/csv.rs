//! The KPI report as CSV for Excel: UTF-8 with a byte-order mark (so Excel reads Chinese
//! department names and staff ids right), CRLF line ends, RFC 4180 quoting. One row for the
//! total and one per group; rates as fractions with 4 decimals, empty when nothing counted.

use super::kpi::{Kpis, Rate, Report};

pub const BOM: &str = "\u{feff}";

const HEADER: &[&str] = &[
    "group",
    "inquiries",
    "responded",
    "resolved",
    "timeliness_in_time",
    "timeliness_rate",
    "timeliness_target",
    "timeliness_gap",
    "accuracy_accurate",
    "accuracy_audited",
    "accuracy_rate",
    "accuracy_target",
    "accuracy_gap",
    "satisfied",
    "surveyed",
    "satisfaction_rate",
    "satisfaction_target",
    "satisfaction_gap",
    "very_satisfied",
    "satisfied_level",
    "neutral",
    "dissatisfied",
    "very_dissatisfied",
    "first_response_p50_s",
    "first_response_p90_s",
    "sla_breaches",
    "breached_inquiries",
    "transfers",
    "deadlines_moved",
    "handling_p50_s",
    "handling_p90_s",
];

/// Quotes a field when it holds a comma, quote or line break (RFC 4180).
pub fn field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

fn fraction(v: Option<f64>) -> String {
    v.map(|v| format!("{v:.4}")).unwrap_or_default()
}

fn seconds(us: Option<i64>) -> String {
    us.map(|us| format!("{:.3}", us as f64 / 1e6))
        .unwrap_or_default()
}

fn rate_cells(r: &Rate, with_counts: bool) -> Vec<String> {
    let mut cells = Vec::new();
    if with_counts {
        cells.push(r.numerator.to_string());
        cells.push(r.denominator.to_string());
    } else {
        cells.push(r.numerator.to_string());
    }
    cells.push(fraction(r.value));
    cells.push(format!("{:.4}", r.target));
    cells.push(fraction(r.gap));
    cells
}

fn row(group: &str, k: &Kpis) -> String {
    let mut cells = vec![
        field(group),
        k.inquiries.to_string(),
        k.responded.to_string(),
        k.resolved.to_string(),
    ];
    cells.extend(rate_cells(&k.timeliness, false));
    cells.extend(rate_cells(&k.accuracy, true));
    cells.extend(rate_cells(&k.satisfaction, true));
    cells.extend(k.levels.iter().map(|n| n.to_string()));
    cells.push(seconds(k.first_response_p50_us));
    cells.push(seconds(k.first_response_p90_us));
    cells.push(k.sla_breaches.to_string());
    cells.push(k.breached_inquiries.to_string());
    cells.push(k.transfers.to_string());
    cells.push(k.deadlines_moved.to_string());
    cells.push(seconds(k.handling_p50_us));
    cells.push(seconds(k.handling_p90_us));
    cells.join(",")
}

/// The report as an Excel-safe CSV document; the total's group is "(total)", an unassigned
/// group's "(unassigned)".
pub fn report_csv(report: &Report) -> String {
    let mut out = String::from(BOM);
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    out.push_str(&row("(total)", &report.total));
    out.push_str("\r\n");
    for (key, k) in &report.groups {
        let name = if key.is_empty() { "(unassigned)" } else { key };
        out.push_str(&row(name, k));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::kpi::{Targets, TimelinessRule, report};

    #[test]
    fn bom_header_and_one_row_per_group_with_chinese_keys_quoted_when_needed() {
        let mut r = report(
            &[],
            &[],
            &TimelinessRule::default(),
            &Targets::default(),
            None,
        );
        let empty = r.total.clone();
        r.groups = vec![
            ("前台".into(), empty.clone()),
            ("餐饮, 宴会".into(), empty.clone()),
            (String::new(), empty),
        ];
        let csv = report_csv(&r);
        assert!(csv.starts_with('\u{feff}'));
        assert!(csv.as_bytes().starts_with(&[0xEF, 0xBB, 0xBF]));
        let lines: Vec<&str> = csv.trim_start_matches(BOM).split("\r\n").collect();
        assert_eq!(lines.len(), 6, "header, total, 3 groups, trailing empty");
        let header: Vec<&str> = lines[0].split(',').collect();
        assert_eq!(header.len(), HEADER.len());
        assert!(lines[1].starts_with("(total),0,0,0,0,,0.9500,,"));
        assert!(lines[2].starts_with("前台,"));
        assert!(lines[3].starts_with("\"餐饮, 宴会\","));
        assert!(lines[4].starts_with("(unassigned),"));
        // Every data row has as many cells as the header (unquoted rows split cleanly).
        assert_eq!(lines[1].split(',').count(), HEADER.len());
        assert_eq!(lines[2].split(',').count(), HEADER.len());
    }

    #[test]
    fn quoting_follows_rfc_4180() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("两行\n文字"), "\"两行\n文字\"");
    }
}

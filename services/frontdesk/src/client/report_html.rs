//! The printable KPI report: one self-contained HTML page (no script, no network: inline
//! SVG charts and CSS), UTF-8, so it opens offline, prints, and survives being mailed.

use frontdesk_proto::analytics::v1 as pb;
use std::fmt::Write;

/// What a month's report page shows.
#[derive(Debug, Clone, Default)]
pub struct Period {
    pub property: String,
    /// YYYY-MM.
    pub month: String,
    pub total: pb::Kpis,
    pub previous: pb::Kpis,
    pub by_channel: Vec<pb::KpiGroup>,
    pub by_category: Vec<pb::KpiGroup>,
    /// (day of month, inquiries created that day).
    pub per_day: Vec<(u32, i64)>,
}

impl Period {
    /// Each rate KPI as (name, this month, the month before), in the order a manager reads.
    pub fn rates(&self) -> [(&'static str, Option<pb::Rate>, Option<pb::Rate>); 4] {
        let (t, p) = (&self.total, &self.previous);
        [
            (
                "response timeliness",
                t.response_timeliness,
                p.response_timeliness,
            ),
            ("answer accuracy", t.answer_accuracy, p.answer_accuracy),
            ("satisfaction", t.satisfaction, p.satisfaction),
            ("quiz score", t.quiz_score, p.quiz_score),
        ]
    }
}

/// "response timeliness" → "Response timeliness", for a table heading.
fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1}%", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

/// A key as people read it: "" is the inquiries nobody was assigned yet.
fn label(key: &str) -> &str {
    if key.is_empty() { "(unassigned)" } else { key }
}

const BAR: &str = "#2f6f9f";
const TARGET: &str = "#c0392b";

/// Horizontal bars, one per item, scaled to `max`; an optional target line (same scale).
fn hbars(title: &str, items: &[(String, f64, String)], max: f64, target: Option<f64>) -> String {
    let row = 22.0;
    let (label_w, plot_w) = (150.0, 360.0);
    let height = row * items.len().max(1) as f64 + 30.0;
    let mut svg = format!(
        r#"<figure><figcaption>{}</figcaption><svg class="chart" role="img" aria-label="{}" width="{}" height="{height}" viewBox="0 0 {} {height}">"#,
        esc(title),
        esc(title),
        label_w + plot_w + 70.0,
        label_w + plot_w + 70.0
    );
    let scale = if max > 0.0 { plot_w / max } else { 0.0 };
    for (i, (name, value, text)) in items.iter().enumerate() {
        let y = 10.0 + row * i as f64;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end">{}</text><rect x="{label_w}" y="{}" width="{:.1}" height="{}" fill="{BAR}"><title>{}: {}</title></rect><text x="{:.1}" y="{}">{}</text>"#,
            label_w - 6.0,
            y + 14.0,
            esc(name),
            y + 3.0,
            (value * scale).max(0.0),
            row - 6.0,
            esc(name),
            esc(text),
            label_w + (value * scale).max(0.0) + 4.0,
            y + 14.0,
            esc(text)
        );
    }
    if let Some(t) = target {
        let x = label_w + t * scale;
        let _ = write!(
            svg,
            r#"<line class="target" x1="{x:.1}" x2="{x:.1}" y1="4" y2="{}" stroke="{TARGET}" stroke-dasharray="4 3"/><text x="{x:.1}" y="{}" fill="{TARGET}">target {}</text>"#,
            height - 18.0,
            height - 4.0,
            pct(Some(t))
        );
    }
    svg.push_str("</svg></figure>");
    svg
}

/// Vertical bars, one per day.
fn day_bars(title: &str, days: &[(u32, i64)]) -> String {
    let (w, h, base) = (16.0, 160.0, 180.0);
    let width = 40.0 + w * days.len().max(1) as f64;
    let max = days.iter().map(|d| d.1).max().unwrap_or(0).max(1) as f64;
    let mut svg = format!(
        r#"<figure><figcaption>{}</figcaption><svg class="chart" role="img" aria-label="{}" width="{width}" height="200" viewBox="0 0 {width} 200">"#,
        esc(title),
        esc(title)
    );
    for (i, (day, n)) in days.iter().enumerate() {
        let x = 30.0 + w * i as f64;
        let bh = h * *n as f64 / max;
        let _ = write!(
            svg,
            r#"<rect x="{x:.1}" y="{:.1}" width="{}" height="{bh:.1}" fill="{BAR}"><title>day {day}: {n}</title></rect>"#,
            base - bh,
            w - 3.0
        );
        if day % 5 == 0 || *day == 1 {
            let _ = write!(svg, r#"<text x="{x:.1}" y="195">{day}</text>"#);
        }
    }
    let _ = write!(
        svg,
        r#"<text x="0" y="24">{}</text></svg></figure>"#,
        max as i64
    );
    svg
}

fn rate_row(name: &str, now: Option<&pb::Rate>, before: Option<&pb::Rate>) -> String {
    let gap = now
        .and_then(|r| r.gap)
        .map(|g| format!("{:+.1} pt", g * 100.0))
        .unwrap_or_else(|| "—".into());
    let below = now.and_then(|r| r.gap).is_some_and(|g| g < 0.0);
    format!(
        r#"<tr><th>{}</th><td>{}</td><td>{}</td><td class="{}">{}</td><td>{}</td></tr>"#,
        esc(name),
        pct(now.and_then(|r| r.value)),
        pct(now.map(|r| r.target)),
        if below { "below" } else { "ok" },
        gap,
        pct(before.and_then(|r| r.value))
    )
}

/// The page.
pub fn render(p: &Period) -> String {
    let t = &p.total;
    let mut html = String::new();
    let _ = write!(
        html,
        r#"<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>KPI {prop} {month}</title><style>
body{{font-family:"Noto Sans CJK SC","PingFang SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:4px 10px;text-align:right}}th{{text-align:left}}
.below{{color:{TARGET};font-weight:bold}}figure{{margin:1.5em 0;page-break-inside:avoid}}figcaption{{font-weight:bold;margin-bottom:.4em}}
svg text{{font-size:12px}}</style></head><body>
<h1>{prop} — {month}</h1>
<p id="volume">{n} inquiries ({prev} the month before); {resp} answered, {res} resolved; {br} SLA breaches, {tr} transfers, {mv} deadlines moved.</p>
<table id="kpis"><tr><th>KPI</th><th>actual</th><th>target</th><th>gap</th><th>previous month</th></tr>"#,
        prop = esc(&p.property),
        month = esc(&p.month),
        n = t.inquiries,
        prev = p.previous.inquiries,
        resp = t.responded,
        res = t.resolved,
        br = t.sla_breaches,
        tr = t.transfers,
        mv = t.deadlines_moved,
    );
    for (name, now, before) in p.rates() {
        html.push_str(&rate_row(&capitalized(name), now.as_ref(), before.as_ref()));
    }
    html.push_str("</table>");

    html.push_str(&day_bars("Inquiries per day", &p.per_day));
    let mut channels: Vec<(String, f64, String)> = p
        .by_channel
        .iter()
        .map(|g| {
            let n = g.kpis.as_ref().map(|k| k.inquiries).unwrap_or_default();
            (label(&g.key).to_string(), n as f64, n.to_string())
        })
        .collect();
    channels.sort_by(|a, b| b.1.total_cmp(&a.1));
    let most = channels.first().map(|c| c.1).unwrap_or(1.0);
    html.push_str(&hbars("Inquiries per channel", &channels, most, None));

    let timely: Vec<(String, f64, String)> = p
        .by_channel
        .iter()
        .filter_map(|g| {
            let r = g.kpis.as_ref()?.response_timeliness.as_ref()?;
            Some((
                label(&g.key).to_string(),
                r.value.unwrap_or(0.0),
                pct(r.value),
            ))
        })
        .collect();
    let target = t.response_timeliness.as_ref().map(|r| r.target);
    html.push_str(&hbars(
        "Response timeliness by channel, against the target",
        &timely,
        1.0,
        target,
    ));

    let s = t.satisfaction_levels.unwrap_or_default();
    let levels = [
        ("very satisfied", s.very_satisfied),
        ("satisfied", s.satisfied),
        ("neutral", s.neutral),
        ("dissatisfied", s.dissatisfied),
        ("very dissatisfied", s.very_dissatisfied),
    ];
    let most = levels.iter().map(|l| l.1).max().unwrap_or(0).max(1) as f64;
    let levels: Vec<_> = levels
        .iter()
        .map(|(n, v)| (n.to_string(), *v as f64, v.to_string()))
        .collect();
    html.push_str(&hbars(
        "Satisfaction (surveyed customers)",
        &levels,
        most,
        None,
    ));

    let mut topics: Vec<(String, f64, String)> = p
        .by_category
        .iter()
        .map(|g| {
            let n = g.kpis.as_ref().map(|k| k.inquiries).unwrap_or_default();
            (label(&g.key).to_string(), n as f64, n.to_string())
        })
        .collect();
    topics.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
    topics.truncate(8);
    let most = topics.first().map(|c| c.1).unwrap_or(1.0);
    html.push_str(&hbars("Top topics (categories)", &topics, most, None));
    html.push_str("</body></html>\n");
    html
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rate(n: i64, d: i64, target: f64) -> Option<pb::Rate> {
        let value = (d > 0).then(|| n as f64 / d as f64);
        Some(pb::Rate {
            numerator: n,
            denominator: d,
            value,
            target,
            gap: value.map(|v| v - target),
        })
    }

    #[test]
    fn the_page_carries_every_chart_the_numbers_and_escapes_names() {
        let mut p = Period {
            property: "sh-bund <&>".into(),
            month: "2026-10".into(),
            per_day: (1..=31).map(|d| (d, i64::from(d % 7))).collect(),
            ..Default::default()
        };
        p.total.inquiries = 40;
        p.total.response_timeliness = rate(30, 40, 0.9);
        p.by_channel = vec![pb::KpiGroup {
            key: "hotline".into(),
            kpis: Some(pb::Kpis {
                inquiries: 40,
                response_timeliness: rate(30, 40, 0.9),
                ..Default::default()
            }),
        }];
        let html = render(&p);
        assert!(html.contains("sh-bund &lt;&amp;&gt; — 2026-10"));
        assert!(!html.contains("<&>"));
        assert_eq!(html.matches("<svg").count(), 5, "five charts");
        assert!(html.contains(r#"<td>75.0%</td><td>90.0%</td><td class="below">-15.0 pt</td>"#));
        assert!(html.contains("target 90.0%"));
        assert!(
            !html.contains("<script"),
            "nothing to run, nothing to fetch"
        );
    }
}

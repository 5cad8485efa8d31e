//! `frontdesk report kpi …`: a property's KPI report for a month (CI-5.4, MD-1) as a manager
//! reads it first — target, actual, gap and the trend against the previous month — and as
//! CSV for Excel or a self-contained HTML page with charts to print or mail.

use super::render::{fit, table};
use super::report_html::{self, Period};
use super::{ClientArgs, connect, status_error};
use anyhow::{Context, anyhow};
use chrono::{Datelike, NaiveDate};
use frontdesk_proto::analytics::v1 as pb;
use pb::analytics_service_client::AnalyticsServiceClient;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum ReportCmd {
    /// The KPI report of one property for a month.
    Kpi {
        /// The property to report on.
        #[arg(long, default_value = "demo-hotel")]
        property: String,
        /// The month, YYYY-MM, in the --tz zone (default: this machine's); default: this month.
        #[arg(long)]
        month: Option<String>,
        /// Also write the report as CSV (UTF-8 with BOM, for Excel) to this file.
        #[arg(long)]
        csv: Option<PathBuf>,
        /// Also write a printable HTML page with charts to this file.
        #[arg(long)]
        html: Option<PathBuf>,
    },
    /// Hot topics of a month (CI-3.9): top categories and terms, against the month before.
    Topics {
        /// The property to report on.
        #[arg(long, default_value = "demo-hotel")]
        property: String,
        /// YYYY-MM; default: this month.
        #[arg(long)]
        month: Option<String>,
        /// Topics of each kind.
        #[arg(long, default_value_t = 10)]
        limit: i32,
    },
    /// The property's KPI targets (its own, else the chain's defaults); managers change them
    /// with --set and --clear.
    Targets {
        /// The property.
        #[arg(long, default_value = "demo-hotel")]
        property: String,
        /// KPI=PERCENT, e.g. satisfaction=85; KPI one of timeliness, accuracy, satisfaction,
        /// quiz. Repeatable.
        #[arg(long, value_name = "KPI=PERCENT")]
        set: Vec<String>,
        /// A KPI to put back on the chain's default. Repeatable.
        #[arg(long, value_name = "KPI")]
        clear: Vec<String>,
    },
}

/// The CLI's short KPI names and their TargetValues fields.
const TARGET_KPIS: [(&str, &str); 4] = [
    ("timeliness", "response_timeliness_pct"),
    ("accuracy", "answer_accuracy_pct"),
    ("satisfaction", "satisfaction_pct"),
    ("quiz", "quiz_score_pct"),
];

fn target_field(kpi: &str) -> anyhow::Result<&'static str> {
    TARGET_KPIS
        .iter()
        .find(|(short, field)| *short == kpi || *field == kpi)
        .map(|(_, field)| *field)
        .ok_or_else(|| {
            anyhow!(
                "{kpi:?} is not a KPI with a target; one of: {}",
                TARGET_KPIS.map(|(s, _)| s).join(", ")
            )
        })
}

fn target_slot<'a>(t: &'a mut pb::TargetValues, field: &str) -> &'a mut Option<f64> {
    match field {
        "response_timeliness_pct" => &mut t.response_timeliness_pct,
        "answer_accuracy_pct" => &mut t.answer_accuracy_pct,
        "satisfaction_pct" => &mut t.satisfaction_pct,
        _ => &mut t.quiz_score_pct,
    }
}

/// The SetKpiTargets request of `--set` and `--clear`; `None` when neither was given.
fn targets_request(
    property: &str,
    set: &[String],
    clear: &[String],
) -> anyhow::Result<Option<pb::SetKpiTargetsRequest>> {
    if set.is_empty() && clear.is_empty() {
        return Ok(None);
    }
    let mut targets = pb::TargetValues::default();
    let mut paths = Vec::new();
    for s in set {
        let (kpi, value) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--set {s:?}: expected KPI=PERCENT, e.g. satisfaction=85"))?;
        let field = target_field(kpi.trim())?;
        let pct: f64 = value
            .trim()
            .trim_end_matches('%')
            .parse()
            .map_err(|_| anyhow!("--set {s:?}: {value:?} is not a number"))?;
        *target_slot(&mut targets, field) = Some(pct);
        paths.push(field.to_string());
    }
    for kpi in clear {
        paths.push(target_field(kpi.trim())?.to_string());
    }
    Ok(Some(pb::SetKpiTargetsRequest {
        property_id: property.to_string(),
        targets: Some(targets),
        update_mask: Some(prost_types::FieldMask { paths }),
    }))
}

type Client = AnalyticsServiceClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, super::Bearer>,
>;

/// The first day of `month` (YYYY-MM) and of the month after it.
fn month_bounds(month: &str) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let first = NaiveDate::parse_from_str(&format!("{month}-01"), "%Y-%m-%d")
        .map_err(|_| anyhow!("--month {month:?}: expected YYYY-MM, e.g. 2026-10"))?;
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .ok_or_else(|| anyhow!("--month {month:?} is out of range"))?;
    Ok((first, next))
}

fn previous_month(first: NaiveDate) -> anyhow::Result<NaiveDate> {
    first
        .checked_sub_months(chrono::Months::new(1))
        .ok_or_else(|| anyhow!("no month before {first}"))
}

/// Midnight of `day` in the run's zone (`--tz`) as a protobuf time.
fn at_midnight(day: NaiveDate) -> anyhow::Result<prost_types::Timestamp> {
    let seconds = super::render::midnight(day).ok_or_else(|| anyhow!("{day} has no midnight"))?;
    Ok(prost_types::Timestamp { seconds, nanos: 0 })
}

fn request(
    property: &str,
    from: NaiveDate,
    to: NaiveDate,
    group_by: pb::GroupBy,
) -> anyhow::Result<pb::GetKpiReportRequest> {
    Ok(pb::GetKpiReportRequest {
        property_id: property.to_string(),
        from_time: Some(at_midnight(from)?),
        to_time: Some(at_midnight(to)?),
        group_by: group_by as i32,
    })
}

async fn report(
    client: &mut Client,
    property: &str,
    from: NaiveDate,
    to: NaiveDate,
    group_by: pb::GroupBy,
) -> anyhow::Result<pb::GetKpiReportResponse> {
    Ok(client
        .get_kpi_report(request(property, from, to, group_by)?)
        .await
        .map_err(status_error)?
        .into_inner())
}

/// Everything the HTML page shows: the month by channel and category, the month before,
/// and one total per day.
async fn period(
    client: &mut Client,
    property: &str,
    first: NaiveDate,
    next: NaiveDate,
) -> anyhow::Result<Period> {
    let by_channel = report(client, property, first, next, pb::GroupBy::Channel).await?;
    let by_category = report(client, property, first, next, pb::GroupBy::Category).await?;
    let before = previous_month(first)?;
    let previous = report(client, property, before, first, pb::GroupBy::Unspecified).await?;
    let mut days = Vec::new();
    let mut day = first;
    while day < next {
        let after = day
            .succ_opt()
            .ok_or_else(|| anyhow!("no day after {day}"))?;
        let r = report(client, property, day, after, pb::GroupBy::Unspecified).await?;
        days.push((day.day(), r.total.map(|k| k.inquiries).unwrap_or_default()));
        day = after;
    }
    Ok(Period {
        property: property.to_string(),
        month: first.format("%Y-%m").to_string(),
        total: by_channel.total.unwrap_or_default(),
        previous: previous.total.unwrap_or_default(),
        by_channel: by_channel.groups,
        by_category: by_category.groups,
        per_day: days,
    })
}

pub async fn run(args: ClientArgs, cmd: ReportCmd) -> anyhow::Result<()> {
    let (channel, bearer) = connect(&args).await?;
    let mut client = AnalyticsServiceClient::with_interceptor(channel, bearer);
    match cmd {
        ReportCmd::Kpi {
            property,
            month,
            csv,
            html,
        } => {
            let month = month.unwrap_or_else(|| chrono::Local::now().format("%Y-%m").to_string());
            let (first, next) = month_bounds(&month)?;
            let p = period(&mut client, &property, first, next).await?;
            if let Some(path) = csv {
                let out = client
                    .export_kpi_report_csv(request(
                        &property,
                        first,
                        next,
                        pb::GroupBy::Unspecified,
                    )?)
                    .await
                    .map_err(status_error)?
                    .into_inner();
                std::fs::write(&path, out.csv)
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            if let Some(path) = html {
                std::fs::write(&path, report_html::render(&p))
                    .with_context(|| format!("writing {}", path.display()))?;
            }
            print_summary(args.json, &p);
        }
        ReportCmd::Topics {
            property,
            month,
            limit,
        } => {
            let month = month.unwrap_or_else(|| chrono::Local::now().format("%Y-%m").to_string());
            let (first, next) = month_bounds(&month)?;
            let r = client
                .get_hot_topics(pb::GetHotTopicsRequest {
                    property_id: property,
                    from_time: Some(at_midnight(first)?),
                    to_time: Some(at_midnight(next)?),
                    limit,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            print_topics(args.json, &r);
        }
        ReportCmd::Targets {
            property,
            set,
            clear,
        } => {
            let t = match targets_request(&property, &set, &clear)? {
                Some(req) => client.set_kpi_targets(req).await,
                None => {
                    client
                        .get_kpi_targets(pb::GetKpiTargetsRequest {
                            property_id: property,
                        })
                        .await
                }
            }
            .map_err(status_error)?
            .into_inner();
            print_targets(args.json, &t);
        }
    }
    Ok(())
}

fn print_topics(json: bool, r: &pb::GetHotTopicsResponse) {
    let rows = |topics: &[pb::Topic]| -> Vec<serde_json::Value> {
        topics
            .iter()
            .map(|t| json!({"key": t.key, "count": t.count, "previous_count": t.previous_count, "rise": t.rise, "examples": t.example_inquiry_ids}))
            .collect()
    };
    if json {
        println!(
            "{}",
            json!({"property_id": r.property_id, "categories": rows(&r.categories), "terms": rows(&r.terms)})
        );
        return;
    }
    for (title, topics) in [("category", &r.categories), ("term", &r.terms)] {
        let mut t = table(&[title, "inquiries", "month before", "rise", "example"]);
        for x in topics {
            t.add_row(vec![
                x.key.clone(),
                x.count.to_string(),
                x.previous_count.to_string(),
                format!("{:+}", x.rise),
                x.example_inquiry_ids.first().cloned().unwrap_or_default(),
            ]);
        }
        println!("{}", fit(t));
    }
}

fn print_targets(json: bool, t: &pb::KpiTargets) {
    let mut effective = t.effective.unwrap_or_default();
    let mut overrides = t.overrides.unwrap_or_default();
    let rows: Vec<_> = TARGET_KPIS
        .iter()
        .map(|(short, field)| {
            let value = *target_slot(&mut effective, field);
            let own = target_slot(&mut overrides, field).is_some();
            (*short, value, own)
        })
        .collect();
    if json {
        let kpis: Vec<_> = rows
            .iter()
            .map(|(kpi, value, own)| json!({"kpi": kpi, "target_pct": value, "property_own": own}))
            .collect();
        println!(
            "{}",
            json!({"property_id": t.property_id, "targets": kpis, "updated_by": t.updated_by})
        );
        return;
    }
    let mut table = table(&["KPI", "target", "from"]);
    for (kpi, value, own) in rows {
        table.add_row(vec![
            kpi.to_string(),
            value.map_or_else(|| "—".into(), |v| format!("{v:.1} %")),
            if own {
                "this property"
            } else {
                "chain default"
            }
            .to_string(),
        ]);
    }
    println!("{}", fit(table));
}

fn pct(v: Option<f64>) -> String {
    v.map(|x| format!("{:.1} %", x * 100.0))
        .unwrap_or_else(|| "—".into())
}

fn print_summary(json: bool, p: &Period) {
    if json {
        let rows: Vec<_> = p
            .rates()
            .iter()
            .map(|(name, now, before)| {
                json!({
                    "kpi": name,
                    "value": now.as_ref().and_then(|r| r.value),
                    "target": now.as_ref().map(|r| r.target),
                    "gap": now.as_ref().and_then(|r| r.gap),
                    "previous": before.as_ref().and_then(|r| r.value),
                })
            })
            .collect();
        println!(
            "{}",
            json!({"property_id": p.property, "month": p.month, "inquiries": p.total.inquiries,
                   "previous_inquiries": p.previous.inquiries, "kpis": rows})
        );
        return;
    }
    println!(
        "{} — {}: {} inquiries ({} the month before)",
        p.property, p.month, p.total.inquiries, p.previous.inquiries
    );
    let mut t = table(&["KPI", "actual", "target", "gap", "previous"]);
    for (name, now, before) in p.rates() {
        t.add_row(vec![
            name.to_string(),
            pct(now.as_ref().and_then(|r| r.value)),
            pct(now.as_ref().map(|r| r.target)),
            now.as_ref()
                .and_then(|r| r.gap)
                .map(|g| format!("{:+.1} pt", g * 100.0))
                .unwrap_or_else(|| "—".into()),
            pct(before.as_ref().and_then(|r| r.value)),
        ]);
    }
    println!("{}", fit(t));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_calendar_months() {
        let (a, b) = month_bounds("2026-02").expect("month");
        assert_eq!(
            (a.to_string(), b.to_string()),
            ("2026-02-01".into(), "2026-03-01".into())
        );
        assert_eq!(previous_month(a).expect("prev").to_string(), "2026-01-01");
        assert!(month_bounds("2026-13").is_err());
        assert!(month_bounds("October").is_err());
    }

    #[test]
    fn set_and_clear_become_one_masked_request() {
        let req = targets_request(
            "p",
            &["satisfaction=85".into(), "timeliness=97.5%".into()],
            &["quiz".into()],
        )
        .expect("valid")
        .expect("a change");
        assert_eq!(
            req.update_mask.expect("mask").paths,
            [
                "satisfaction_pct",
                "response_timeliness_pct",
                "quiz_score_pct"
            ]
        );
        let t = req.targets.expect("targets");
        assert_eq!(
            (
                t.satisfaction_pct,
                t.response_timeliness_pct,
                t.quiz_score_pct
            ),
            (Some(85.0), Some(97.5), None)
        );
        assert!(targets_request("p", &[], &[]).expect("valid").is_none());
        assert!(targets_request("p", &["csat=80".into()], &[]).is_err());
        assert!(targets_request("p", &["satisfaction".into()], &[]).is_err());
    }
}

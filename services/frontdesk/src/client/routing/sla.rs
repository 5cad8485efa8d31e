//! `frontdesk sla …`: a property's SLA policy (overrides and the policy in force) and the
//! deadline preview ("if it arrived at T, when is it due, and why").

use super::client;
use crate::client::render::{Zone, emit, fit, rfc3339_in, table, time_in};
use crate::client::{ClientArgs, parse_code, status_error};
use anyhow::Context;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as pb;
use serde_json::json;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum SlaCmd {
    /// The property's SLA policy overrides and the policy in force (TOML).
    Get,
    /// Replace the property's SLA policy (calendar, targets, escalation) with a TOML file.
    Set {
        /// The policy file (TOML; see the README's my-hotel-sla.toml).
        file: PathBuf,
    },
    /// When an inquiry arriving now (or --at) would be due, and why.
    Preview {
        /// front_desk, restaurant, facility, website, ota, social_wechat, social_weibo,
        /// social_douyin, email or hotline.
        #[arg(long)]
        channel: String,
        /// room_rates, reservation, check_in_out, dining, facilities, events, local_info,
        /// guest_lookup, messages_mail, complaint, suggestion, hotel_services or other.
        #[arg(long, default_value = "other")]
        category: String,
        /// simple or complex.
        #[arg(long, default_value = "simple")]
        complexity: String,
        /// Arrival time, RFC 3339 (e.g. 2026-11-30T03:00:00+08:00); default now.
        #[arg(long)]
        at: Option<String>,
        /// Preview a draft policy file instead of the saved policy (not saved).
        #[arg(long)]
        draft: Option<PathBuf>,
    },
}

fn policy_json(r: &pb::SlaPolicyResponse) -> serde_json::Value {
    json!({
        "property_id": r.property_id, "version": r.version,
        "overrides_toml": r.overrides_toml, "effective_toml": r.effective_toml,
    })
}

/// A target's preview: the setting, the target, its clock, when it starts and is due.
fn target_json(zone: Zone, t: &pb::TargetPreview) -> serde_json::Value {
    json!({
        "setting": t.setting,
        "target_seconds": t.target.as_ref().map(|d| d.seconds),
        "clock": pb::SlaClock::try_from(t.clock).map(|c| super::show::lower(c.as_str_name(), "SLA_CLOCK_")).unwrap_or_default(),
        "clock_start_time": rfc3339_in(zone, t.clock_start_time.as_ref()),
        "due_time": rfc3339_in(zone, t.due_time.as_ref()),
        "explanation": t.explanation,
    })
}

/// The preview's times are shown in the property's zone (the response names it), whatever
/// `--tz` says: "when is it due" is asked about the property's calendar.
fn preview_zone(r: &pb::PreviewDeadlinesResponse) -> Zone {
    Zone::parse(Some(r.time_zone.as_str())).unwrap_or(Zone::Local)
}

fn preview_json(r: &pb::PreviewDeadlinesResponse) -> serde_json::Value {
    let zone = preview_zone(r);
    json!({
        "time_zone": r.time_zone,
        "first_response": r.first_response.as_ref().map(|t| target_json(zone, t)),
        "resolution": r.resolution.as_ref().map(|t| target_json(zone, t)),
        "timers": r.timers.iter().map(|t| json!({"deadline_kind": t.deadline_kind, "due_time": rfc3339_in(zone, t.due_time.as_ref())})).collect::<Vec<_>>(),
    })
}

fn preview_text(r: &pb::PreviewDeadlinesResponse) -> String {
    let zone = preview_zone(r);
    let mut out = String::new();
    for t in [&r.first_response, &r.resolution].into_iter().flatten() {
        out.push_str(&t.explanation);
        out.push('\n');
    }
    let mut t = table(&["deadline", "due"]);
    for timer in &r.timers {
        t.add_row(vec![
            timer.deadline_kind.clone(),
            time_in(zone, timer.due_time.as_ref()),
        ]);
    }
    out.push_str(&fit(t));
    out
}

pub async fn run_sla(args: ClientArgs, property: String, cmd: SlaCmd) -> anyhow::Result<()> {
    let mut c = client(&args).await?;
    match cmd {
        SlaCmd::Get => {
            let r = c
                .get_sla_policy(pb::GetSlaPolicyRequest {
                    property_id: property,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            emit(args.json, policy_json(&r), || {
                if r.overrides_toml.is_empty() {
                    format!(
                        "# this property uses the defaults; the policy in force:\n{}",
                        r.effective_toml
                    )
                } else {
                    format!(
                        "# version {} of this property's overrides:\n{}\n# the policy in force \
                         (defaults merged with the overrides):\n{}",
                        r.version, r.overrides_toml, r.effective_toml
                    )
                }
            });
        }
        SlaCmd::Set { file } => {
            let toml = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let r = c
                .set_sla_policy(pb::SetSlaPolicyRequest {
                    property_id: property,
                    toml,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            emit(args.json, policy_json(&r), || {
                format!("saved version {}", r.version)
            });
        }
        SlaCmd::Preview {
            channel,
            category,
            complexity,
            at,
            draft,
        } => {
            let channel = parse_code::<common::Channel>("channel", &channel)?;
            let category = parse_code::<common::Category>("category", &category)?;
            let complexity = parse_code::<common::Complexity>("complexity", &complexity)?;
            let arrive_time = match at {
                None => None,
                Some(t) => {
                    let t = chrono::DateTime::parse_from_rfc3339(&t).with_context(|| {
                        format!("--at {t:?}: an RFC 3339 time such as 2026-11-30T03:00:00+08:00")
                    })?;
                    Some(prost_types::Timestamp {
                        seconds: t.timestamp(),
                        nanos: 0,
                    })
                }
            };
            let policy_toml = match draft {
                None => String::new(),
                Some(file) => std::fs::read_to_string(&file)
                    .with_context(|| format!("reading {}", file.display()))?,
            };
            let r = c
                .preview_deadlines(pb::PreviewDeadlinesRequest {
                    property_id: property,
                    channel: channel as i32,
                    category: category as i32,
                    complexity: complexity as i32,
                    arrive_time,
                    policy_toml,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            emit(args.json, preview_json(&r), || preview_text(&r));
        }
    }
    Ok(())
}

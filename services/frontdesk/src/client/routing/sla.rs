//! `frontdesk sla …`: a property's SLA policy (overrides and the policy in force) and the
//! deadline preview ("if it arrived at T, when is it due, and why").

use super::{client, table};
use crate::client::{ClientArgs, status_error};
use anyhow::Context;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as pb;
use std::path::PathBuf;

#[derive(Debug, clap::Subcommand)]
pub enum SlaCmd {
    /// The property's SLA policy overrides (TOML; empty = defaults).
    Get,
    /// Replace the property's SLA policy (calendar, targets, escalation) with a TOML file.
    Set { file: PathBuf },
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

/// A vocabulary code, or an error listing the valid ones.
fn vocabulary<T: Copy>(
    what: &str,
    code: &str,
    from_code: fn(&str) -> Option<T>,
    all: &[T],
    code_of: fn(T) -> Option<&'static str>,
) -> anyhow::Result<T> {
    from_code(code).ok_or_else(|| {
        let valid: Vec<&str> = all.iter().filter_map(|v| code_of(*v)).collect();
        anyhow::anyhow!("unknown {what} {code:?}; one of: {}", valid.join(", "))
    })
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
            if r.overrides_toml.is_empty() {
                println!("# this property uses the defaults; the policy in force:");
            } else {
                println!(
                    "# version {} of this property's overrides:\n{}\n# the policy in force \
                     (defaults merged with the overrides):",
                    r.version, r.overrides_toml
                );
            }
            println!("{}", r.effective_toml);
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
            println!("saved version {}", r.version);
        }
        SlaCmd::Preview {
            channel,
            category,
            complexity,
            at,
            draft,
        } => {
            let channel = vocabulary(
                "channel",
                &channel,
                common::Channel::from_code,
                common::Channel::SPECIFIED,
                common::Channel::code,
            )?;
            let category = vocabulary(
                "category",
                &category,
                common::Category::from_code,
                common::Category::SPECIFIED,
                common::Category::code,
            )?;
            let complexity = vocabulary(
                "complexity",
                &complexity,
                common::Complexity::from_code,
                common::Complexity::SPECIFIED,
                common::Complexity::code,
            )?;
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
            for t in [&r.first_response, &r.resolution].into_iter().flatten() {
                println!("{}", t.explanation);
            }
            // The explanations above are in the property's zone; the table is UTC (RFC 3339).
            let mut t = table(vec!["deadline", "due (UTC)"]);
            for timer in &r.timers {
                let due = timer
                    .due_time
                    .as_ref()
                    .and_then(|d| chrono::DateTime::from_timestamp(d.seconds, 0))
                    .map(|d| d.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                    .unwrap_or_else(|| "-".into());
                t.add_row(vec![timer.deadline_kind.clone(), due]);
            }
            println!("{t}");
        }
    }
    Ok(())
}

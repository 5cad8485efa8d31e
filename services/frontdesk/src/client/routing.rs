//! `frontdesk routing …` and `frontdesk sla …`: the directory, queues, transfers and the
//! property's rules and policies, for people. `--json` prints the raw messages as JSON.

use super::{ClientArgs, connect, status_error};
use anyhow::Context;
use comfy_table::{Table, presets::UTF8_FULL_CONDENSED};
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as pb;
use pb::routing_service_client::RoutingServiceClient;
use std::path::PathBuf;

mod sla;
pub use sla::{SlaCmd, run_sla};

#[derive(Debug, clap::Subcommand)]
pub enum RoutingCmd {
    /// Departments of a property.
    Departments,
    /// Staff of a property (optionally one department).
    Staff {
        #[arg(long, default_value = "")]
        department: String,
    },
    /// Add or update a staff member.
    StaffSet {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        department: String,
        /// agent, supervisor or manager.
        #[arg(long, default_value = "agent")]
        role: String,
        #[arg(long, value_delimiter = ',', default_value = "zh,en")]
        languages: Vec<String>,
        /// Category codes, comma-separated.
        #[arg(long, value_delimiter = ',')]
        skills: Vec<String>,
        #[arg(long, default_value_t = 10)]
        capacity: i32,
        #[arg(long)]
        on_duty: bool,
        /// Weekly shifts, comma-separated: "mon 09:00-17:00,tue 09:00-17:00".
        #[arg(long, value_delimiter = ',')]
        shifts: Vec<String>,
    },
    /// Put a staff member on or off duty.
    Duty {
        staff_id: String,
        #[arg(long)]
        off: bool,
    },
    /// Where an inquiry went, who has it, its deadlines.
    Assignment { inquiry_id: String },
    /// A department's queue or a person's open inquiries.
    Queue {
        #[arg(long, default_value = "")]
        department: String,
        #[arg(long, default_value = "")]
        assignee: String,
        #[arg(long)]
        unassigned: bool,
    },
    /// Take an inquiry from your department's queue.
    Claim { inquiry_id: String },
    /// Pass an inquiry to another department with a transfer slip (CI-3.3).
    Transfer {
        inquiry_id: String,
        #[arg(long)]
        to: String,
        #[arg(long)]
        reason: String,
        /// The wait the customer was told, in minutes.
        #[arg(long)]
        wait_minutes: i32,
        #[arg(long)]
        force: bool,
    },
    /// Refer an inquiry to a partner (CI-3.4); prints who the customer should contact.
    Refer {
        inquiry_id: String,
        #[arg(long)]
        partner: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Transfer slips of an inquiry, or those a department sent or received (CI-3.3).
    Transfers {
        /// An inquiry's slips.
        #[arg(long, default_value = "", conflicts_with = "department")]
        inquiry: String,
        /// A department's slips, sent or received.
        #[arg(long, default_value = "")]
        department: String,
    },
    /// Show the routing rules in force (TOML).
    Rules,
    /// Replace the property's rule overrides with a TOML file (validated on save).
    RulesSet { file: PathBuf },
}

type Client = RoutingServiceClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, super::Bearer>,
>;

async fn client(args: &ClientArgs) -> anyhow::Result<Client> {
    let (channel, bearer) = connect(args).await?;
    Ok(RoutingServiceClient::with_interceptor(channel, bearer))
}

fn ts(t: Option<&prost_types::Timestamp>) -> String {
    t.and_then(|t| chrono::DateTime::from_timestamp(t.seconds, t.nanos.max(0) as u32))
        .map(|t| {
            t.with_timezone(&chrono::Local)
                .format("%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| "-".into())
}

fn table(header: Vec<&str>) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED);
    t.set_header(header);
    t
}

fn assignments(list: &[pb::Assignment]) -> Table {
    let mut t = table(vec![
        "inquiry",
        "lead",
        "assignee",
        "state",
        "first response due",
        "resolution due",
        "fired",
    ]);
    for a in list {
        let state = pb::AssignmentState::try_from(a.state)
            .map(|s| {
                s.as_str_name()
                    .trim_start_matches("ASSIGNMENT_STATE_")
                    .to_lowercase()
            })
            .unwrap_or_default();
        t.add_row(vec![
            a.inquiry_id.clone(),
            a.lead_department.clone(),
            if a.assignee.is_empty() {
                "(queue)".into()
            } else {
                a.assignee.clone()
            },
            state,
            ts(a.first_response_due.as_ref()),
            ts(a.resolution_due.as_ref()),
            a.fired.join(" "),
        ]);
    }
    t
}

#[expect(
    clippy::too_many_lines,
    reason = "one flat dispatch, an arm per subcommand"
)]
pub async fn run(args: ClientArgs, property: String, cmd: RoutingCmd) -> anyhow::Result<()> {
    let mut c = client(&args).await?;
    let p = property;
    match cmd {
        RoutingCmd::Departments => {
            let r = c
                .list_departments(pb::ListDepartmentsRequest {
                    property_id: p,
                    page_size: 500,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let mut t = table(vec!["code", "中文", "English", "head", "duty manager"]);
            for d in r.departments {
                t.add_row(vec![
                    d.code,
                    d.name_zh,
                    d.name_en,
                    d.head_staff_id,
                    d.duty_manager_staff_id,
                ]);
            }
            println!("{t}");
        }
        RoutingCmd::Staff { department } => {
            let r = c
                .list_staff(pb::ListStaffRequest {
                    property_id: p,
                    department_code: department,
                    page_size: 500,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let mut t = table(vec![
                "id",
                "name",
                "department",
                "languages",
                "skills",
                "capacity",
                "on duty",
            ]);
            for s in r.staff {
                t.add_row(vec![
                    s.staff_id,
                    s.name,
                    s.department_code,
                    s.languages.join(","),
                    s.skills.join(","),
                    s.capacity.to_string(),
                    if s.on_duty { "yes".into() } else { "no".into() },
                ]);
            }
            println!("{t}");
        }
        RoutingCmd::StaffSet {
            id,
            name,
            department,
            role,
            languages,
            skills,
            capacity,
            on_duty,
            shifts,
        } => {
            let role = match role.as_str() {
                "agent" => common::StaffRole::Agent,
                "supervisor" => common::StaffRole::Supervisor,
                "manager" => common::StaffRole::Manager,
                other => anyhow::bail!("unknown role {other:?}: agent, supervisor or manager"),
            };
            let staff = pb::Staff {
                available_now: false,
                property_id: p,
                staff_id: id,
                name,
                department_code: department,
                role: role as i32,
                languages,
                skills,
                capacity,
                on_duty,
                updated_at: None,
                shifts,
            };
            let r = c
                .upsert_staff(pb::UpsertStaffRequest {
                    update_mask: None,
                    staff: Some(staff),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            println!(
                "{} {}",
                if r.created { "created" } else { "updated" },
                r.staff.map(|s| s.staff_id).unwrap_or_default()
            );
        }
        RoutingCmd::Duty { staff_id, off } => {
            c.set_on_duty(pb::SetOnDutyRequest {
                property_id: p,
                staff_id: staff_id.clone(),
                on_duty: !off,
            })
            .await
            .map_err(status_error)?;
            println!("{staff_id} is {}", if off { "off duty" } else { "on duty" });
        }
        RoutingCmd::Assignment { inquiry_id } => {
            let r = c
                .get_assignment(pb::GetAssignmentRequest { inquiry_id })
                .await
                .map_err(status_error)?
                .into_inner();
            let a = r.assignment.context("no assignment in the response")?;
            println!("{}", assignments(std::slice::from_ref(&a)));
            println!("rule {}: {}", a.rule_id, a.reason);
        }
        RoutingCmd::Queue {
            department,
            assignee,
            unassigned,
        } => {
            let r = c
                .list_assignments(pb::ListAssignmentsRequest {
                    property_id: p,
                    department_code: department,
                    assignee,
                    queue_only: unassigned,
                    page_size: 200,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            println!("{}", assignments(&r.assignments));
        }
        RoutingCmd::Claim { inquiry_id } => {
            let r = c
                .claim(pb::ClaimRequest {
                    inquiry_id,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            println!("{}", assignments(r.assignment.as_slice()));
        }
        RoutingCmd::Transfer {
            inquiry_id,
            to,
            reason,
            wait_minutes,
            force,
        } => {
            let r = c
                .transfer(pb::TransferRequest {
                    inquiry_id,
                    to_department: to,
                    reason,
                    customer_told_wait: Some(prost_types::Duration {
                        seconds: i64::from(wait_minutes) * 60,
                        nanos: 0,
                    }),
                    force,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            if let Some(s) = r.slip {
                println!(
                    "transfer slip {}: {} → {} ({}); customer told ~{} min",
                    s.slip_id,
                    s.from_department,
                    s.to_department,
                    s.reason,
                    s.customer_told_wait.map_or(0, |d| d.seconds / 60)
                );
            }
            println!("{}", assignments(r.assignment.as_slice()));
        }
        RoutingCmd::Refer {
            inquiry_id,
            partner,
            note,
        } => {
            let r = c
                .refer(pb::ReferRequest {
                    inquiry_id,
                    partner_id: partner,
                    note,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let partner = r
                .referral
                .and_then(|r| r.partner)
                .context("no partner in the response")?;
            println!(
                "tell the customer: {} — {} {} {}",
                partner.name, partner.contact_name, partner.phone, partner.email
            );
        }
        RoutingCmd::Transfers {
            inquiry,
            department,
        } => {
            let mut t = table(vec![
                "when",
                "inquiry",
                "from",
                "to",
                "handlers",
                "by",
                "told wait",
                "reason",
            ]);
            let mut token = String::new();
            loop {
                let r = c
                    .list_transfers(pb::ListTransfersRequest {
                        property_id: p.clone(),
                        inquiry_id: inquiry.clone(),
                        department_code: department.clone(),
                        page_size: 200,
                        page_token: token,
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner();
                for s in &r.slips {
                    let who = |x: &str| {
                        if x.is_empty() {
                            "(queue)".to_string()
                        } else {
                            x.to_string()
                        }
                    };
                    t.add_row(vec![
                        ts(s.transferred_at.as_ref()),
                        s.inquiry_id.clone(),
                        s.from_department.clone(),
                        s.to_department.clone(),
                        format!("{} → {}", who(&s.from_staff_id), who(&s.to_staff_id)),
                        s.transferred_by.clone(),
                        format!(
                            "{} min",
                            s.customer_told_wait.as_ref().map_or(0, |d| d.seconds / 60)
                        ),
                        s.reason.clone(),
                    ]);
                }
                token = r.next_page_token;
                if token.is_empty() {
                    break;
                }
            }
            println!("{t}");
        }
        RoutingCmd::Rules => {
            let r = c
                .get_routing_rules(pb::GetRoutingRulesRequest { property_id: p })
                .await
                .map_err(status_error)?
                .into_inner();
            println!(
                "# version {} of this property's overrides\n{}",
                r.version, r.effective_toml
            );
        }
        RoutingCmd::RulesSet { file } => {
            let toml = std::fs::read_to_string(&file)
                .with_context(|| format!("reading {}", file.display()))?;
            let r = c
                .set_routing_rules(pb::SetRoutingRulesRequest {
                    property_id: p,
                    toml,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            println!("saved version {}", r.version);
        }
    }
    Ok(())
}

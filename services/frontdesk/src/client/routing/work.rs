//! `frontdesk routing assignment|queue|claim|reassign|release|transfer|transfers|refer|
//! referrals|watch`: who handles an inquiry, by when, and moving it on.

use super::{Client, show};
use crate::client::render::{emit, emit_id};
use crate::client::status_error;
use anyhow::Context;
use frontdesk_proto::routing::v1 as pb;
use serde_json::json;

#[derive(Debug, clap::Subcommand)]
pub enum WorkCmd {
    /// Where an inquiry went, who has it, its deadlines.
    Assignment {
        /// The inquiry's id.
        inquiry_id: String,
    },
    /// A department's queue or a person's open inquiries.
    Queue {
        /// Only this department's inquiries.
        #[arg(long, default_value = "")]
        department: String,
        /// Only this staff member's inquiries.
        #[arg(long, default_value = "")]
        assignee: String,
        /// Only inquiries nobody has taken yet.
        #[arg(long)]
        unassigned: bool,
        /// Resolved inquiries too.
        #[arg(long)]
        include_resolved: bool,
    },
    /// Take an inquiry from your department's queue (as the staff member: token subject =
    /// staff id; an integration token names the staff member with --for).
    Claim {
        /// The inquiry's id.
        inquiry_id: String,
        /// The staff member who takes it, when an integration claims on their behalf.
        #[arg(long = "for", value_name = "STAFF_ID", default_value = "")]
        for_staff: String,
    },
    /// Give an inquiry to another staff member (supervisors and managers).
    Reassign {
        /// The inquiry's id.
        inquiry_id: String,
        /// Staff id of the new handler.
        #[arg(long)]
        to: String,
        /// Why (kept in the timeline).
        #[arg(long, default_value = "")]
        reason: String,
        /// Even to someone off duty or off shift.
        #[arg(long)]
        force: bool,
    },
    /// Put an inquiry back in its department's queue.
    Release {
        /// The inquiry's id.
        inquiry_id: String,
        /// Why (kept in the timeline).
        #[arg(long, default_value = "")]
        reason: String,
    },
    /// Pass an inquiry to another department with a transfer slip (CI-3.3).
    Transfer {
        /// The inquiry's id.
        inquiry_id: String,
        /// The receiving department's code.
        #[arg(long)]
        to: String,
        /// Why, as written on the slip.
        #[arg(long)]
        reason: String,
        /// The wait the customer was told, in minutes.
        #[arg(long)]
        wait_minutes: i32,
        /// Even when nobody in the receiving department can take it now.
        #[arg(long)]
        force: bool,
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
    /// Refer an inquiry to a partner (CI-3.4); prints who the customer should contact.
    Refer {
        /// The inquiry's id.
        inquiry_id: String,
        /// The partner's id (see `frontdesk routing partners`).
        #[arg(long)]
        partner: String,
        /// What the customer needs from the partner.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// An inquiry's referrals and how each went.
    Referrals {
        /// The inquiry's id.
        inquiry_id: String,
    },
    /// Follow routing's changes live (Ctrl-C to stop); resume with --cursor.
    Watch {
        /// Only this department's inquiries.
        #[arg(long, default_value = "")]
        department: String,
        /// Only this staff member's inquiries.
        #[arg(long, default_value = "")]
        staff: String,
        /// Resume after this cursor (printed with every change).
        #[arg(long, default_value = "")]
        cursor: String,
        /// Every change still kept, then live ones (default: live ones only).
        #[arg(long)]
        from_beginning: bool,
    },
}

/// Prints an assignment an RPC answered with.
fn assigned(json: bool, a: Option<pb::Assignment>) -> anyhow::Result<()> {
    let a = a.context("no assignment in the response")?;
    emit_id(json, &a.inquiry_id, show::assignment(&a), || {
        format!(
            "{}\nrule {}: {}",
            show::assignments_table(std::slice::from_ref(&a)),
            a.rule_id,
            a.reason
        )
    });
    Ok(())
}

#[expect(
    clippy::too_many_lines,
    reason = "one flat dispatch, an arm per subcommand"
)]
pub(super) async fn run(c: &mut Client, json: bool, p: String, cmd: WorkCmd) -> anyhow::Result<()> {
    match cmd {
        WorkCmd::Assignment { inquiry_id } => {
            let r = c
                .get_assignment(pb::GetAssignmentRequest { inquiry_id })
                .await
                .map_err(status_error)?;
            assigned(json, r.into_inner().assignment)?;
        }
        WorkCmd::Queue {
            department,
            assignee,
            unassigned,
            include_resolved,
        } => {
            let r = c
                .list_assignments(pb::ListAssignmentsRequest {
                    property_id: p,
                    department_code: department,
                    assignee,
                    queue_only: unassigned,
                    include_resolved,
                    page_size: 200,
                    page_token: String::new(),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let list: Vec<_> = r.assignments.iter().map(show::assignment).collect();
            emit(
                json,
                json!({"assignments": list, "next_page_token": r.next_page_token}),
                || show::assignments_table(&r.assignments),
            );
        }
        WorkCmd::Claim {
            inquiry_id,
            for_staff,
        } => {
            let r = c
                .claim(pb::ClaimRequest {
                    inquiry_id,
                    staff_id: for_staff,
                })
                .await
                .map_err(status_error)?;
            assigned(json, r.into_inner().assignment)?;
        }
        WorkCmd::Reassign {
            inquiry_id,
            to,
            reason,
            force,
        } => {
            let r = c
                .reassign(pb::ReassignRequest {
                    inquiry_id,
                    staff_id: to,
                    reason,
                    force,
                })
                .await
                .map_err(status_error)?;
            assigned(json, r.into_inner().assignment)?;
        }
        WorkCmd::Release { inquiry_id, reason } => {
            let r = c
                .release(pb::ReleaseRequest { inquiry_id, reason })
                .await
                .map_err(status_error)?;
            assigned(json, r.into_inner().assignment)?;
        }
        WorkCmd::Transfer {
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
            let value = json!({
                "slip": r.slip.as_ref().map(show::slip),
                "assignment": r.assignment.as_ref().map(show::assignment),
            });
            let slip_id = r.slip.as_ref().map(|s| s.slip_id.clone());
            emit_id(json, &slip_id.unwrap_or_default(), value, || {
                format!(
                    "{}\n{}",
                    show::slips_table(r.slip.as_slice()),
                    show::assignments_table(r.assignment.as_slice())
                )
            });
        }
        WorkCmd::Transfers {
            inquiry,
            department,
        } => {
            let mut slips = Vec::new();
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
                slips.extend(r.slips);
                token = r.next_page_token;
                if token.is_empty() {
                    break;
                }
            }
            let list: Vec<_> = slips.iter().map(show::slip).collect();
            emit(json, json!({ "slips": list }), || show::slips_table(&slips));
        }
        WorkCmd::Refer {
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
            let referral = r.referral.context("no referral in the response")?;
            let partner = referral.partner.clone().unwrap_or_default();
            emit_id(
                json,
                &referral.referral_id,
                show::referral(&referral),
                || {
                    format!(
                        "tell the customer: {} — {} {} {}",
                        partner.name, partner.contact_name, partner.phone, partner.email
                    )
                },
            );
        }
        WorkCmd::Referrals { inquiry_id } => {
            let r = c
                .list_referrals(pb::ListReferralsRequest { inquiry_id })
                .await
                .map_err(status_error)?
                .into_inner();
            let list: Vec<_> = r.referrals.iter().map(show::referral).collect();
            emit(json, json!({ "referrals": list }), || {
                show::referrals_table(&r.referrals)
            });
        }
        WorkCmd::Watch {
            department,
            staff,
            cursor,
            from_beginning,
        } => {
            let mut stream = c
                .watch_assignments(pb::WatchAssignmentsRequest {
                    property_id: p,
                    department_code: department,
                    staff_id: staff,
                    cursor,
                    from_beginning,
                    send_caught_up: true,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            while let Some(item) = stream.message().await.map_err(status_error)? {
                emit(json, show::change(&item), || show::change_line(&item));
            }
        }
    }
    Ok(())
}

//! `frontdesk routing departments|department-set|staff|staff-set|duty|partners|partner-set`:
//! who works where, and the partners inquiries are referred to.

use super::{Client, show};
use crate::client::render::{emit, emit_id};
use crate::client::{parse_code, status_error};
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::routing::v1 as pb;
use serde_json::json;

#[derive(Debug, clap::Subcommand)]
pub enum DirectoryCmd {
    /// Departments of a property.
    Departments,
    /// Add a department, or change the fields given of an existing one (managers).
    DepartmentSet {
        /// The department's code, e.g. front_office.
        code: String,
        /// Chinese name, e.g. 前厅部.
        #[arg(long)]
        name_zh: Option<String>,
        /// English name, e.g. "Front office".
        #[arg(long)]
        name_en: Option<String>,
        /// Staff id of the department head (told about queued inquiries and escalations).
        #[arg(long)]
        head: Option<String>,
        /// Staff id of the duty manager (told when the head is missing, and on escalation).
        #[arg(long)]
        duty_manager: Option<String>,
        /// The department's e-mail address.
        #[arg(long)]
        email: Option<String>,
        /// The department's phone number or extension.
        #[arg(long)]
        phone: Option<String>,
    },
    /// Staff of a property (optionally one department).
    Staff {
        /// Only this department's staff.
        #[arg(long, default_value = "")]
        department: String,
        /// Only staff on duty.
        #[arg(long)]
        on_duty: bool,
    },
    /// Add or replace a staff member (every field as given).
    StaffSet {
        /// Staff id; the subject of the member's token.
        #[arg(long)]
        id: String,
        /// Name as colleagues know it.
        #[arg(long)]
        name: String,
        /// Department code, e.g. front_office.
        #[arg(long)]
        department: String,
        /// agent, supervisor or manager.
        #[arg(long, default_value = "agent")]
        role: String,
        /// Languages spoken, comma-separated: zh, en.
        #[arg(long, value_delimiter = ',', default_value = "zh,en")]
        languages: Vec<String>,
        /// Category codes, comma-separated (e.g. dining,complaint).
        #[arg(long, value_delimiter = ',')]
        skills: Vec<String>,
        /// Open inquiries this member may hold at once.
        #[arg(long, default_value_t = 10)]
        capacity: i32,
        /// On duty now (else off duty until `routing duty <id>`).
        #[arg(long)]
        on_duty: bool,
        /// Weekly shifts in the property's zone, comma-separated: "mon 09:00-17:00,tue 09:00-17:00".
        #[arg(long, value_delimiter = ',')]
        shifts: Vec<String>,
    },
    /// Put a staff member on or off duty.
    Duty {
        /// Staff id.
        staff_id: String,
        /// Off duty (default: on duty).
        #[arg(long)]
        off: bool,
    },
    /// Partners inquiries are referred to (travel agencies, suppliers, transport, …).
    Partners,
    /// Add a partner, or change the fields given of an existing one (managers).
    PartnerSet {
        /// The partner's id, e.g. spring-travel.
        id: String,
        /// travel_agency, supplier, transport or other.
        #[arg(long)]
        kind: Option<String>,
        /// The partner's name as the customer is told it.
        #[arg(long)]
        name: Option<String>,
        /// The person to ask for.
        #[arg(long)]
        contact: Option<String>,
        /// Phone number to give the customer.
        #[arg(long)]
        phone: Option<String>,
        /// E-mail address to give the customer.
        #[arg(long)]
        email: Option<String>,
        /// What the partner handles, e.g. "day tours, tickets".
        #[arg(long)]
        handles: Option<String>,
    },
}

/// The fields given on the command line, as an update mask and their values.
fn given(fields: &[(&str, &Option<String>)]) -> prost_types::FieldMask {
    prost_types::FieldMask {
        paths: fields
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(name, _)| (*name).to_string())
            .collect(),
    }
}

fn partner_kind(code: &str) -> anyhow::Result<pb::PartnerKind> {
    let all = [
        pb::PartnerKind::TravelAgency,
        pb::PartnerKind::Supplier,
        pb::PartnerKind::Transport,
        pb::PartnerKind::Other,
    ];
    all.into_iter()
        .find(|k| show::lower(k.as_str_name(), "PARTNER_KIND_") == code)
        .ok_or_else(|| {
            anyhow::anyhow!(
                "unknown partner kind {code:?}; valid: travel_agency, supplier, transport, other"
            )
        })
}

#[expect(
    clippy::too_many_lines,
    reason = "one flat dispatch, an arm per subcommand"
)]
pub(super) async fn run(
    c: &mut Client,
    json: bool,
    p: String,
    cmd: DirectoryCmd,
) -> anyhow::Result<()> {
    match cmd {
        DirectoryCmd::Departments => {
            let r = c
                .list_departments(pb::ListDepartmentsRequest {
                    property_id: p,
                    page_size: 500,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let list: Vec<_> = r.departments.iter().map(show::department).collect();
            emit(json, json!({ "departments": list }), || {
                show::departments_table(&r.departments)
            });
        }
        DirectoryCmd::DepartmentSet {
            code,
            name_zh,
            name_en,
            head,
            duty_manager,
            email,
            phone,
        } => {
            let mask = given(&[
                ("name_zh", &name_zh),
                ("name_en", &name_en),
                ("head_staff_id", &head),
                ("duty_manager_staff_id", &duty_manager),
                ("email", &email),
                ("phone", &phone),
            ]);
            let r = c
                .upsert_department(pb::UpsertDepartmentRequest {
                    department: Some(pb::Department {
                        property_id: p,
                        code,
                        name_zh: name_zh.unwrap_or_default(),
                        name_en: name_en.unwrap_or_default(),
                        head_staff_id: head.unwrap_or_default(),
                        duty_manager_staff_id: duty_manager.unwrap_or_default(),
                        email: email.unwrap_or_default(),
                        phone: phone.unwrap_or_default(),
                        updated_at: None,
                    }),
                    update_mask: Some(mask),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let d = r.department.unwrap_or_default();
            emit_id(
                json,
                &d.code,
                json!({"created": r.created, "department": show::department(&d)}),
                || show::departments_table(std::slice::from_ref(&d)),
            );
        }
        DirectoryCmd::Staff {
            department,
            on_duty,
        } => {
            let r = c
                .list_staff(pb::ListStaffRequest {
                    property_id: p,
                    department_code: department,
                    on_duty_only: on_duty,
                    page_size: 500,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let list: Vec<_> = r.staff.iter().map(show::staff).collect();
            emit(json, json!({ "staff": list }), || {
                show::staff_table(&r.staff)
            });
        }
        DirectoryCmd::StaffSet {
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
            let role = parse_code::<common::StaffRole>("role", &role)?;
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
            let s = r.staff.unwrap_or_default();
            emit_id(
                json,
                &s.staff_id,
                json!({"created": r.created, "staff": show::staff(&s)}),
                || {
                    let verb = if r.created { "created" } else { "updated" };
                    format!(
                        "{verb} {}\n{}",
                        s.staff_id,
                        show::staff_table(std::slice::from_ref(&s))
                    )
                },
            );
        }
        DirectoryCmd::Duty { staff_id, off } => {
            let r = c
                .set_on_duty(pb::SetOnDutyRequest {
                    property_id: p,
                    staff_id: staff_id.clone(),
                    on_duty: !off,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let s = r.staff.unwrap_or_default();
            emit_id(
                json,
                &s.staff_id,
                json!({ "staff": show::staff(&s) }),
                || format!("{staff_id} is {}", if off { "off duty" } else { "on duty" }),
            );
        }
        DirectoryCmd::Partners => {
            let r = c
                .list_partners(pb::ListPartnersRequest {
                    property_id: p,
                    page_size: 500,
                    ..Default::default()
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let list: Vec<_> = r.partners.iter().map(show::partner).collect();
            emit(json, json!({ "partners": list }), || {
                show::partners_table(&r.partners)
            });
        }
        DirectoryCmd::PartnerSet {
            id,
            kind,
            name,
            contact,
            phone,
            email,
            handles,
        } => {
            let mask = given(&[
                ("kind", &kind),
                ("name", &name),
                ("contact_name", &contact),
                ("phone", &phone),
                ("email", &email),
                ("handles", &handles),
            ]);
            let kind = match &kind {
                Some(k) => partner_kind(k)? as i32,
                None => 0,
            };
            let r = c
                .upsert_partner(pb::UpsertPartnerRequest {
                    partner: Some(pb::Partner {
                        property_id: p,
                        partner_id: id,
                        kind,
                        name: name.unwrap_or_default(),
                        contact_name: contact.unwrap_or_default(),
                        phone: phone.unwrap_or_default(),
                        email: email.unwrap_or_default(),
                        handles: handles.unwrap_or_default(),
                        updated_at: None,
                    }),
                    update_mask: Some(mask),
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let partner = r.partner.unwrap_or_default();
            emit_id(
                json,
                &partner.partner_id,
                json!({"created": r.created, "partner": show::partner(&partner)}),
                || show::partners_table(std::slice::from_ref(&partner)),
            );
        }
    }
    Ok(())
}

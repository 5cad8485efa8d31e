//! Routing's repository: the only module that knows its tables (same SQL on both backends).

use crate::domain::defaults::DEFAULT_DEPARTMENTS;
use crate::domain::directory::{Department, Partner, PartnerKind, Staff, StaffRole};
use anyhow::anyhow;
use frontdesk_platform::db::Db;
use frontdesk_platform::time::now_micros;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub const MIGRATIONS: &[frontdesk_platform::db::MigrationFile] = &[
    (
        2000,
        "directory",
        include_str!("../migrations/2000_directory.sql"),
    ),
    (
        2001,
        "assignments",
        include_str!("../migrations/2001_assignments.sql"),
    ),
    (
        2002,
        "transfers",
        include_str!("../migrations/2002_transfers.sql"),
    ),
    (
        2003,
        "property config",
        include_str!("../migrations/2003_property_config.sql"),
    ),
    (
        2004,
        "pauses",
        include_str!("../migrations/2004_pauses.sql"),
    ),
    (
        2005,
        "staff shifts",
        include_str!("../migrations/2005_staff_shifts.sql"),
    ),
    (
        2006,
        "referral state",
        include_str!("../migrations/2006_referral_state.sql"),
    ),
    (
        2007,
        "reroute and transfer listing",
        include_str!("../migrations/2007_reroute.sql"),
    ),
];

/// Gives each property the default departments it does not have yet.
pub async fn seed_defaults(db: &Db, properties: &[String]) -> anyhow::Result<()> {
    for p in properties {
        for (code, zh, en) in DEFAULT_DEPARTMENTS {
            sqlx::query(
                "INSERT INTO departments (property_id, code, name_zh, name_en, head_staff_id, \
                 duty_manager_staff_id, email, phone, updated_at) VALUES ($1, $2, $3, $4, '', '', '', '', $5) \
                 ON CONFLICT (property_id, code) DO NOTHING",
            )
            .bind(p)
            .bind(*code)
            .bind(*zh)
            .bind(*en)
            .bind(now_micros())
            .execute(db.pool())
            .await?;
        }
    }
    Ok(())
}

async fn exists(
    conn: &mut AnyConnection,
    sql: &str,
    property_id: &str,
    key: &str,
) -> anyhow::Result<bool> {
    let n: i64 = sqlx::query_scalar(sql)
        .bind(property_id)
        .bind(key)
        .fetch_one(conn)
        .await?;
    Ok(n > 0)
}

pub async fn department_exists(
    conn: &mut AnyConnection,
    property_id: &str,
    code: &str,
) -> anyhow::Result<bool> {
    exists(
        conn,
        "SELECT COUNT(*) FROM departments WHERE property_id = $1 AND code = $2",
        property_id,
        code,
    )
    .await
}

pub async fn staff_exists(
    conn: &mut AnyConnection,
    property_id: &str,
    staff_id: &str,
) -> anyhow::Result<bool> {
    exists(
        conn,
        "SELECT COUNT(*) FROM staff WHERE property_id = $1 AND staff_id = $2",
        property_id,
        staff_id,
    )
    .await
}

pub async fn partner_exists(
    conn: &mut AnyConnection,
    property_id: &str,
    partner_id: &str,
) -> anyhow::Result<bool> {
    exists(
        conn,
        "SELECT COUNT(*) FROM partners WHERE property_id = $1 AND partner_id = $2",
        property_id,
        partner_id,
    )
    .await
}

pub async fn upsert_department(conn: &mut AnyConnection, d: &Department) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO departments (property_id, code, name_zh, name_en, head_staff_id, duty_manager_staff_id, \
         email, phone, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (property_id, code) DO UPDATE SET name_zh = $3, name_en = $4, head_staff_id = $5, \
         duty_manager_staff_id = $6, email = $7, phone = $8, updated_at = $9",
    )
    .bind(&d.property_id)
    .bind(&d.code)
    .bind(&d.name_zh)
    .bind(&d.name_en)
    .bind(&d.head_staff_id)
    .bind(&d.duty_manager_staff_id)
    .bind(&d.email)
    .bind(&d.phone)
    .bind(d.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn upsert_staff(conn: &mut AnyConnection, s: &Staff) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO staff (property_id, staff_id, name, department_code, role, languages, skills, capacity, \
         on_duty, updated_at, shifts) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (property_id, staff_id) DO UPDATE SET name = $3, department_code = $4, role = $5, \
         languages = $6, skills = $7, capacity = $8, on_duty = $9, updated_at = $10, shifts = $11",
    )
    .bind(&s.property_id)
    .bind(&s.staff_id)
    .bind(&s.name)
    .bind(&s.department_code)
    .bind(s.role.code())
    .bind(s.languages.join(","))
    .bind(s.skills.join(","))
    .bind(s.capacity)
    .bind(i64::from(s.on_duty))
    .bind(s.updated_at)
    .bind(s.shifts.join(";"))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn upsert_partner(conn: &mut AnyConnection, p: &Partner) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO partners (property_id, partner_id, kind, name, contact_name, phone, email, handles, updated_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) \
         ON CONFLICT (property_id, partner_id) DO UPDATE SET kind = $3, name = $4, contact_name = $5, \
         phone = $6, email = $7, handles = $8, updated_at = $9",
    )
    .bind(&p.property_id)
    .bind(&p.partner_id)
    .bind(p.kind.code())
    .bind(&p.name)
    .bind(&p.contact_name)
    .bind(&p.phone)
    .bind(&p.email)
    .bind(&p.handles)
    .bind(p.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

/// Returns the updated row, or `None` for an unknown staff member.
pub async fn set_on_duty(
    db: &Db,
    property_id: &str,
    staff_id: &str,
    on_duty: bool,
) -> anyhow::Result<Option<Staff>> {
    let n = sqlx::query(
        "UPDATE staff SET on_duty = $1, updated_at = $2 WHERE property_id = $3 AND staff_id = $4",
    )
    .bind(i64::from(on_duty))
    .bind(now_micros())
    .bind(property_id)
    .bind(staff_id)
    .execute(db.pool())
    .await?
    .rows_affected();
    if n == 0 {
        return Ok(None);
    }
    let mut conn = db.pool().acquire().await?;
    get_staff(&mut conn, property_id, staff_id).await
}

const STAFF_COLUMNS: &str = "property_id, staff_id, name, department_code, role, languages, skills, capacity, on_duty, updated_at, shifts";

pub async fn get_staff(
    conn: &mut AnyConnection,
    property_id: &str,
    staff_id: &str,
) -> anyhow::Result<Option<Staff>> {
    let sql = format!("SELECT {STAFF_COLUMNS} FROM staff WHERE property_id = $1 AND staff_id = $2");
    let row = sqlx::query(&sql)
        .bind(property_id)
        .bind(staff_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(staff_from_row).transpose()
}

fn split(s: String) -> Vec<String> {
    s.split(',')
        .filter(|x| !x.is_empty())
        .map(String::from)
        .collect()
}

fn staff_from_row(r: &AnyRow) -> anyhow::Result<Staff> {
    let role: String = r.try_get("role")?;
    Ok(Staff {
        property_id: r.try_get("property_id")?,
        staff_id: r.try_get("staff_id")?,
        name: r.try_get("name")?,
        department_code: r.try_get("department_code")?,
        role: StaffRole::from_code(&role).ok_or_else(|| anyhow!("unknown staff role {role:?}"))?,
        languages: split(r.try_get("languages")?),
        skills: split(r.try_get("skills")?),
        capacity: r.try_get("capacity")?,
        on_duty: r.try_get::<i64, _>("on_duty")? != 0,
        shifts: r
            .try_get::<String, _>("shifts")?
            .split(';')
            .filter(|x| !x.is_empty())
            .map(String::from)
            .collect(),
        updated_at: r.try_get("updated_at")?,
    })
}

fn department_from_row(r: &AnyRow) -> anyhow::Result<Department> {
    Ok(Department {
        property_id: r.try_get("property_id")?,
        code: r.try_get("code")?,
        name_zh: r.try_get("name_zh")?,
        name_en: r.try_get("name_en")?,
        head_staff_id: r.try_get("head_staff_id")?,
        duty_manager_staff_id: r.try_get("duty_manager_staff_id")?,
        email: r.try_get("email")?,
        phone: r.try_get("phone")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn partner_from_row(r: &AnyRow) -> anyhow::Result<Partner> {
    let kind: String = r.try_get("kind")?;
    Ok(Partner {
        property_id: r.try_get("property_id")?,
        partner_id: r.try_get("partner_id")?,
        kind: PartnerKind::from_code(&kind)
            .ok_or_else(|| anyhow!("unknown partner kind {kind:?}"))?,
        name: r.try_get("name")?,
        contact_name: r.try_get("contact_name")?,
        phone: r.try_get("phone")?,
        email: r.try_get("email")?,
        handles: r.try_get("handles")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// Departments of a property by code, after `after` (keyset), at most `limit`.
pub async fn get_department(
    conn: &mut AnyConnection,
    property_id: &str,
    code: &str,
) -> anyhow::Result<Option<Department>> {
    let row = sqlx::query(
        "SELECT property_id, code, name_zh, name_en, head_staff_id, duty_manager_staff_id, email, phone, updated_at \
         FROM departments WHERE property_id = $1 AND code = $2",
    )
    .bind(property_id)
    .bind(code)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(department_from_row).transpose()
}

pub async fn list_departments(
    db: &Db,
    property_id: &str,
    after: &str,
    limit: i64,
) -> anyhow::Result<Vec<Department>> {
    let rows = sqlx::query(
        "SELECT property_id, code, name_zh, name_en, head_staff_id, duty_manager_staff_id, email, phone, updated_at \
         FROM departments WHERE property_id = $1 AND code > $2 ORDER BY code LIMIT $3",
    )
    .bind(property_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(department_from_row).collect()
}

/// Staff of a property by id, optionally of one department and only those on duty.
pub async fn list_staff(
    db: &Db,
    property_id: &str,
    department: Option<&str>,
    on_duty_only: bool,
    after: &str,
    limit: i64,
) -> anyhow::Result<Vec<Staff>> {
    let sql = format!(
        "SELECT {STAFF_COLUMNS} FROM staff WHERE property_id = $1 AND staff_id > $2 \
         AND ($3 = '' OR department_code = $3) AND ($4 = 0 OR on_duty = 1) ORDER BY staff_id LIMIT $5"
    );
    let rows = sqlx::query(&sql)
        .bind(property_id)
        .bind(after)
        .bind(department.unwrap_or(""))
        .bind(i64::from(on_duty_only))
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter().map(staff_from_row).collect()
}

pub async fn list_partners(
    db: &Db,
    property_id: &str,
    after: &str,
    limit: i64,
) -> anyhow::Result<Vec<Partner>> {
    let rows = sqlx::query(
        "SELECT property_id, partner_id, kind, name, contact_name, phone, email, handles, updated_at \
         FROM partners WHERE property_id = $1 AND partner_id > $2 ORDER BY partner_id LIMIT $3",
    )
    .bind(property_id)
    .bind(after)
    .bind(limit)
    .fetch_all(db.pool())
    .await?;
    rows.iter().map(partner_from_row).collect()
}

/// The head and duty manager of a department; empty strings when unset or unknown.
pub async fn department_contacts(
    conn: &mut AnyConnection,
    property_id: &str,
    code: &str,
) -> anyhow::Result<crate::domain::told::Contacts> {
    let row = sqlx::query(
        "SELECT head_staff_id, duty_manager_staff_id FROM departments WHERE property_id = $1 AND code = $2",
    )
    .bind(property_id)
    .bind(code)
    .fetch_optional(conn)
    .await?;
    match row {
        Some(r) => Ok(crate::domain::told::Contacts {
            head: r.try_get("head_staff_id")?,
            duty_manager: r.try_get("duty_manager_staff_id")?,
        }),
        None => Ok(crate::domain::told::Contacts::default()),
    }
}

pub async fn get_partner(
    conn: &mut AnyConnection,
    property_id: &str,
    partner_id: &str,
) -> anyhow::Result<Option<Partner>> {
    let row = sqlx::query(
        "SELECT property_id, partner_id, kind, name, contact_name, phone, email, handles, updated_at \
         FROM partners WHERE property_id = $1 AND partner_id = $2",
    )
    .bind(property_id)
    .bind(partner_id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(partner_from_row).transpose()
}

/// A property's edited configuration of `kind` ("rules" or "sla"): (version, body).
pub async fn property_config(
    conn: &mut AnyConnection,
    property_id: &str,
    kind: &str,
) -> anyhow::Result<Option<(i64, String)>> {
    let row = sqlx::query(
        "SELECT version, body FROM property_config WHERE property_id = $1 AND kind = $2",
    )
    .bind(property_id)
    .bind(kind)
    .fetch_optional(conn)
    .await?;
    row.map(|r| Ok((r.try_get("version")?, r.try_get("body")?)))
        .transpose()
}

/// Saves a validated configuration; returns its new version.
pub async fn save_property_config(
    conn: &mut AnyConnection,
    property_id: &str,
    kind: &str,
    body: &str,
    by: &str,
) -> anyhow::Result<i64> {
    let version: i64 = sqlx::query_scalar(
        "INSERT INTO property_config (property_id, kind, body, version, updated_by, updated_at) \
         VALUES ($1, $2, $3, 1, $4, $5) ON CONFLICT (property_id, kind) DO UPDATE SET body = $3, \
         version = property_config.version + 1, updated_by = $4, updated_at = $5 RETURNING version",
    )
    .bind(property_id)
    .bind(kind)
    .bind(body)
    .bind(by)
    .bind(now_micros())
    .fetch_one(conn)
    .await?;
    Ok(version)
}

/// Codes of every department of a property (to validate routing rules against).
pub async fn department_codes(
    conn: &mut AnyConnection,
    property_id: &str,
) -> anyhow::Result<Vec<String>> {
    Ok(
        sqlx::query_scalar("SELECT code FROM departments WHERE property_id = $1 ORDER BY code")
            .bind(property_id)
            .fetch_all(conn)
            .await?,
    )
}

/// Every staff member of a department, by id, in one query.
pub async fn staff_of_department(
    conn: &mut AnyConnection,
    property_id: &str,
    department: &str,
) -> anyhow::Result<Vec<Staff>> {
    let sql = format!(
        "SELECT {STAFF_COLUMNS} FROM staff WHERE property_id = $1 AND department_code = $2 ORDER BY staff_id"
    );
    let rows = sqlx::query(&sql)
        .bind(property_id)
        .bind(department)
        .fetch_all(conn)
        .await?;
    rows.iter().map(staff_from_row).collect()
}

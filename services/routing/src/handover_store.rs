//! Repository of handovers: CI-3.3 transfer slips and CI-3.4 referrals, kept complete and
//! traceable (CI-3.8). Same SQL on both backends.

use frontdesk_platform::db::Db;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};

pub struct Slip<'a> {
    pub slip_id: &'a str,
    pub property_id: &'a str,
    pub inquiry_id: &'a str,
    pub from: &'a str,
    pub to: &'a str,
    pub reason: &'a str,
    pub wait_minutes: i64,
    pub by: &'a str,
    pub at: i64,
    pub forced: bool,
    pub from_staff_id: &'a str,
    pub to_staff_id: &'a str,
}

pub async fn insert_slip(conn: &mut AnyConnection, s: &Slip<'_>) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO transfer_slips (slip_id, inquiry_id, from_department, to_department, reason, \
         customer_told_wait_minutes, transferred_by, transferred_at, forced, property_id, \
         from_staff_id, to_staff_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(s.slip_id)
    .bind(s.inquiry_id)
    .bind(s.from)
    .bind(s.to)
    .bind(s.reason)
    .bind(s.wait_minutes)
    .bind(s.by)
    .bind(s.at)
    .bind(i64::from(s.forced))
    .bind(s.property_id)
    .bind(s.from_staff_id)
    .bind(s.to_staff_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// A transfer slip as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlipRow {
    pub slip_id: String,
    pub property_id: String,
    pub inquiry_id: String,
    pub from_department: String,
    pub to_department: String,
    pub reason: String,
    pub wait_minutes: i64,
    pub transferred_by: String,
    pub transferred_at: i64,
    pub forced: bool,
    pub from_staff_id: String,
    pub to_staff_id: String,
}

/// Which slips ListTransfers reads: one inquiry's, or a department's (sent or received).
pub enum SlipsOf<'a> {
    Inquiry(&'a str),
    Department(&'a str),
}

/// Slips of a property, oldest first, after the keyset position (transferred_at, slip_id).
pub async fn list_slips(
    db: &Db,
    property_id: &str,
    of: SlipsOf<'_>,
    after: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<SlipRow>> {
    let (after_at, after_id) = after.unwrap_or((i64::MIN, String::new()));
    let (filter, value) = match of {
        SlipsOf::Inquiry(id) => ("inquiry_id = $2", id),
        SlipsOf::Department(code) => ("(from_department = $2 OR to_department = $2)", code),
    };
    let sql = format!(
        "SELECT slip_id, property_id, inquiry_id, from_department, to_department, reason, \
         customer_told_wait_minutes, transferred_by, transferred_at, forced, from_staff_id, \
         to_staff_id FROM transfer_slips WHERE property_id = $1 AND {filter} \
         AND (transferred_at > $3 OR (transferred_at = $3 AND slip_id > $4)) \
         ORDER BY transferred_at, slip_id LIMIT $5"
    );
    let rows = sqlx::query(&sql)
        .bind(property_id)
        .bind(value)
        .bind(after_at)
        .bind(after_id)
        .bind(limit)
        .fetch_all(db.pool())
        .await?;
    rows.iter()
        .map(|r| {
            Ok(SlipRow {
                slip_id: r.try_get("slip_id")?,
                property_id: r.try_get("property_id")?,
                inquiry_id: r.try_get("inquiry_id")?,
                from_department: r.try_get("from_department")?,
                to_department: r.try_get("to_department")?,
                reason: r.try_get("reason")?,
                wait_minutes: r.try_get("customer_told_wait_minutes")?,
                transferred_by: r.try_get("transferred_by")?,
                transferred_at: r.try_get("transferred_at")?,
                forced: r.try_get::<i64, _>("forced")? != 0,
                from_staff_id: r.try_get("from_staff_id")?,
                to_staff_id: r.try_get("to_staff_id")?,
            })
        })
        .collect()
}

pub async fn insert_referral(
    conn: &mut AnyConnection,
    referral_id: &str,
    inquiry_id: &str,
    partner_id: &str,
    note: &str,
    by: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "INSERT INTO referrals (referral_id, inquiry_id, partner_id, note, referred_by, referred_at, state, \
         updated_at) VALUES ($1, $2, $3, $4, $5, $6, 'referred', $6)",
    )
    .bind(referral_id)
    .bind(inquiry_id)
    .bind(partner_id)
    .bind(note)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

/// A referral as stored: (referral_id, inquiry_id, partner_id, note, by, at, state, updated_at).
#[derive(Debug, Clone)]
pub struct ReferralRow {
    pub referral_id: String,
    pub inquiry_id: String,
    pub partner_id: String,
    pub note: String,
    pub referred_by: String,
    pub referred_at: i64,
    pub state: String,
    pub updated_at: i64,
}

const REFERRAL_COLUMNS: &str =
    "referral_id, inquiry_id, partner_id, note, referred_by, referred_at, state, updated_at";

fn referral_from_row(r: &AnyRow) -> anyhow::Result<ReferralRow> {
    Ok(ReferralRow {
        referral_id: r.try_get("referral_id")?,
        inquiry_id: r.try_get("inquiry_id")?,
        partner_id: r.try_get("partner_id")?,
        note: r.try_get("note")?,
        referred_by: r.try_get("referred_by")?,
        referred_at: r.try_get("referred_at")?,
        state: r.try_get("state")?,
        updated_at: r.try_get("updated_at")?,
    })
}

pub async fn referrals_of(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> anyhow::Result<Vec<ReferralRow>> {
    let sql = format!(
        "SELECT {REFERRAL_COLUMNS} FROM referrals WHERE inquiry_id = $1 ORDER BY referred_at"
    );
    let rows = sqlx::query(&sql).bind(inquiry_id).fetch_all(conn).await?;
    rows.iter().map(referral_from_row).collect()
}

pub async fn referral(
    conn: &mut AnyConnection,
    referral_id: &str,
) -> anyhow::Result<Option<ReferralRow>> {
    let sql = format!("SELECT {REFERRAL_COLUMNS} FROM referrals WHERE referral_id = $1");
    let row = sqlx::query(&sql)
        .bind(referral_id)
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(referral_from_row).transpose()
}

/// Moves a referral from `from` to `to`; false when it was no longer in `from`.
pub async fn set_referral_state(
    conn: &mut AnyConnection,
    referral_id: &str,
    from: &str,
    to: &str,
    at: i64,
) -> anyhow::Result<bool> {
    let n = sqlx::query(
        "UPDATE referrals SET state = $1, updated_at = $2 WHERE referral_id = $3 AND state = $4",
    )
    .bind(to)
    .bind(at)
    .bind(referral_id)
    .bind(from)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(n == 1)
}

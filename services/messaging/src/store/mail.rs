//! Mail items and their custody log.

use super::{code, flag, marks};
use crate::domain::codes::Code;
use frontdesk_proto::messaging::v1::{CustodyAction, MailKind, MailStatus, SortClass};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct CustodyRow {
    pub action: CustodyAction,
    pub actor: String,
    pub at: i64,
    pub status: MailStatus,
    pub note: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct MailRow {
    pub item_id: String,
    pub property_id: String,
    pub kind: MailKind,
    pub carrier: String,
    pub tracking_number: String,
    pub addressee_name: String,
    pub sender: String,
    pub sort_class: SortClass,
    pub status: MailStatus,
    pub stay_id: String,
    pub ambiguous: bool,
    pub registered_at: i64,
    pub return_due_at: Option<i64>,
    pub forwarded_to: String,
    pub delivered_to: String,
    pub signature_image: Option<Vec<u8>>,
    pub signature_pin: String,
    pub handed_over_by: String,
    pub delivered_at: Option<i64>,
    pub notice_message_id: String,
    /// The intake inquiry it was registered for; empty when none was named.
    pub inquiry_id: String,
    pub updated_at: i64,
    pub custody: Vec<CustodyRow>,
}

const COLUMNS: &str = "item_id, property_id, kind, carrier, tracking_number, addressee_name, \
    sender, sort_class, status, stay_id, ambiguous, registered_at, return_due_at, forwarded_to, \
    delivered_to, signature_image, signature_pin, handed_over_by, delivered_at, \
    notice_message_id, updated_at, inquiry_id";

fn from_row(r: &AnyRow) -> anyhow::Result<MailRow> {
    Ok(MailRow {
        item_id: r.try_get("item_id")?,
        property_id: r.try_get("property_id")?,
        kind: code(r, "kind")?,
        carrier: r.try_get("carrier")?,
        tracking_number: r.try_get("tracking_number")?,
        addressee_name: r.try_get("addressee_name")?,
        sender: r.try_get("sender")?,
        sort_class: code(r, "sort_class")?,
        status: code(r, "status")?,
        stay_id: r.try_get("stay_id")?,
        ambiguous: flag(r, "ambiguous")?,
        registered_at: r.try_get("registered_at")?,
        return_due_at: r.try_get("return_due_at")?,
        forwarded_to: r.try_get("forwarded_to")?,
        delivered_to: r.try_get("delivered_to")?,
        signature_image: r.try_get("signature_image")?,
        signature_pin: r.try_get("signature_pin")?,
        handed_over_by: r.try_get("handed_over_by")?,
        delivered_at: r.try_get("delivered_at")?,
        notice_message_id: r.try_get("notice_message_id")?,
        updated_at: r.try_get("updated_at")?,
        inquiry_id: r.try_get("inquiry_id")?,
        custody: Vec::new(),
    })
}

pub async fn insert(conn: &mut AnyConnection, m: &MailRow) -> anyhow::Result<()> {
    let sql = format!(
        "INSERT INTO mail_items ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)"
    );
    sqlx::query::<Any>(&sql)
        .bind(&m.item_id)
        .bind(&m.property_id)
        .bind(m.kind.code())
        .bind(&m.carrier)
        .bind(&m.tracking_number)
        .bind(&m.addressee_name)
        .bind(&m.sender)
        .bind(m.sort_class.code())
        .bind(m.status.code())
        .bind(&m.stay_id)
        .bind(i64::from(m.ambiguous))
        .bind(m.registered_at)
        .bind(m.return_due_at)
        .bind(&m.forwarded_to)
        .bind(&m.delivered_to)
        .bind(m.signature_image.clone())
        .bind(&m.signature_pin)
        .bind(&m.handed_over_by)
        .bind(m.delivered_at)
        .bind(&m.notice_message_id)
        .bind(m.updated_at)
        .bind(&m.inquiry_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes every mutable column of an item.
pub async fn update(conn: &mut AnyConnection, m: &MailRow) -> anyhow::Result<()> {
    sqlx::query::<Any>(
        "UPDATE mail_items SET sort_class = $2, status = $3, stay_id = $4, return_due_at = $5, \
         forwarded_to = $6, delivered_to = $7, signature_image = $8, signature_pin = $9, \
         handed_over_by = $10, delivered_at = $11, notice_message_id = $12, updated_at = $13 \
         WHERE item_id = $1",
    )
    .bind(&m.item_id)
    .bind(m.sort_class.code())
    .bind(m.status.code())
    .bind(&m.stay_id)
    .bind(m.return_due_at)
    .bind(&m.forwarded_to)
    .bind(&m.delivered_to)
    .bind(m.signature_image.clone())
    .bind(&m.signature_pin)
    .bind(&m.handed_over_by)
    .bind(m.delivered_at)
    .bind(&m.notice_message_id)
    .bind(m.updated_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_custody(
    conn: &mut AnyConnection,
    item_id: &str,
    step: &CustodyRow,
) -> anyhow::Result<()> {
    let next: i64 =
        sqlx::query_scalar::<Any, i64>("SELECT COUNT(*) FROM custody_steps WHERE item_id = $1")
            .bind(item_id)
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query::<Any>(
        "INSERT INTO custody_steps (item_id, position, action, actor, at, status, note) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(item_id)
    .bind(next)
    .bind(step.action.code())
    .bind(&step.actor)
    .bind(step.at)
    .bind(step.status.code())
    .bind(&step.note)
    .execute(conn)
    .await?;
    Ok(())
}

async fn with_custody(
    conn: &mut AnyConnection,
    mut items: Vec<MailRow>,
) -> anyhow::Result<Vec<MailRow>> {
    for m in &mut items {
        let rows = sqlx::query::<Any>(
            "SELECT action, actor, at, status, note FROM custody_steps WHERE item_id = $1 \
             ORDER BY position",
        )
        .bind(&m.item_id)
        .fetch_all(&mut *conn)
        .await?;
        m.custody = rows
            .iter()
            .map(|r| {
                Ok(CustodyRow {
                    action: code(r, "action")?,
                    actor: r.try_get("actor")?,
                    at: r.try_get("at")?,
                    status: code(r, "status")?,
                    note: r.try_get("note")?,
                })
            })
            .collect::<anyhow::Result<Vec<_>>>()?;
    }
    Ok(items)
}

pub async fn get(conn: &mut AnyConnection, item_id: &str) -> anyhow::Result<Option<MailRow>> {
    let sql = format!("SELECT {COLUMNS} FROM mail_items WHERE item_id = $1");
    let rows = sqlx::query::<Any>(&sql)
        .bind(item_id)
        .fetch_all(&mut *conn)
        .await?;
    let items = rows
        .iter()
        .map(from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(with_custody(conn, items).await?.pop())
}

/// Items of a stay in any of `statuses`, oldest first.
pub async fn for_stay(
    conn: &mut AnyConnection,
    stay_id: &str,
    statuses: &[MailStatus],
) -> anyhow::Result<Vec<MailRow>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM mail_items WHERE stay_id = $1 AND status IN ({}) \
         ORDER BY registered_at, item_id",
        marks(2, statuses.len())
    );
    let mut q = sqlx::query::<Any>(&sql).bind(stay_id);
    for s in statuses {
        q = q.bind(s.code());
    }
    q.fetch_all(conn).await?.iter().map(from_row).collect()
}

/// A page of a property's items, newest first, after the keyset position `after`.
pub async fn list(
    conn: &mut AnyConnection,
    property_id: &str,
    statuses: &[MailStatus],
    after: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<MailRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM mail_items WHERE property_id = $1");
    let mut n = 2;
    if after.is_some() {
        sql.push_str(" AND (registered_at < $2 OR (registered_at = $2 AND item_id < $3))");
        n = 4;
    }
    if !statuses.is_empty() {
        sql.push_str(&format!(" AND status IN ({})", marks(n, statuses.len())));
        n += statuses.len();
    }
    sql.push_str(&format!(
        " ORDER BY registered_at DESC, item_id DESC LIMIT ${n}"
    ));
    let mut q = sqlx::query::<Any>(&sql).bind(property_id);
    if let Some((at, id)) = &after {
        q = q.bind(*at).bind(id.clone());
    }
    for s in statuses {
        q = q.bind(s.code());
    }
    let rows = q.bind(limit).fetch_all(&mut *conn).await?;
    let items = rows
        .iter()
        .map(from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    with_custody(conn, items).await
}

/// Every item still in the desk's custody, oldest first (handover).
pub async fn open(conn: &mut AnyConnection, property_id: &str) -> anyhow::Result<Vec<MailRow>> {
    let closed = [
        MailStatus::Delivered,
        MailStatus::Forwarded,
        MailStatus::Returned,
    ];
    let sql = format!(
        "SELECT {COLUMNS} FROM mail_items WHERE property_id = $1 AND status NOT IN ({}) \
         ORDER BY registered_at, item_id",
        marks(2, closed.len())
    );
    let mut q = sqlx::query::<Any>(&sql).bind(property_id);
    for s in closed {
        q = q.bind(s.code());
    }
    q.fetch_all(conn).await?.iter().map(from_row).collect()
}

/// Items waiting to go back to their sender whose return date is at or before `now`, the
/// longest overdue first (the return sweep).
pub async fn due_for_return(
    conn: &mut AnyConnection,
    now: i64,
    limit: i64,
) -> anyhow::Result<Vec<String>> {
    Ok(sqlx::query_scalar::<Any, String>(
        "SELECT item_id FROM mail_items WHERE status = $1 AND return_due_at <= $2 \
         ORDER BY return_due_at, item_id LIMIT $3",
    )
    .bind(MailStatus::ToReturn.code())
    .bind(now)
    .bind(limit)
    .fetch_all(conn)
    .await?)
}

/// Moves an item from `from` to `to` only if it is still in `from`; false when another
/// writer (a second replica's sweep, a clerk returning it) got there first. On Postgres the
/// row lock makes the loser wait and then see the new status.
pub async fn change_status_if(
    conn: &mut AnyConnection,
    item_id: &str,
    from: MailStatus,
    to: MailStatus,
    now: i64,
) -> anyhow::Result<bool> {
    let done = sqlx::query::<Any>(
        "UPDATE mail_items SET status = $3, updated_at = $4 WHERE item_id = $1 AND status = $2",
    )
    .bind(item_id)
    .bind(from.code())
    .bind(to.code())
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

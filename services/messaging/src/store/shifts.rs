//! Desk shifts and the handover log.

use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct ShiftRow {
    pub shift_id: String,
    pub property_id: String,
    pub desk: String,
    pub opened_by: String,
    pub opened_at: i64,
    pub closed_by: String,
    pub closed_at: Option<i64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HandoverRow {
    pub handover_id: String,
    pub shift_id: String,
    pub property_id: String,
    pub desk: String,
    pub written_at: i64,
    /// The encoded `Handover` snapshot as written.
    pub snapshot: Vec<u8>,
    pub acknowledged_by: String,
    pub acknowledged_at: Option<i64>,
}

const SHIFT: &str = "shift_id, property_id, desk, opened_by, opened_at, closed_by, closed_at";
const HANDOVER: &str = "handover_id, shift_id, property_id, desk, written_at, snapshot, acknowledged_by, acknowledged_at";

fn shift(r: &AnyRow) -> anyhow::Result<ShiftRow> {
    Ok(ShiftRow {
        shift_id: r.try_get("shift_id")?,
        property_id: r.try_get("property_id")?,
        desk: r.try_get("desk")?,
        opened_by: r.try_get("opened_by")?,
        opened_at: r.try_get("opened_at")?,
        closed_by: r.try_get("closed_by")?,
        closed_at: r.try_get("closed_at")?,
    })
}

fn handover(r: &AnyRow) -> anyhow::Result<HandoverRow> {
    Ok(HandoverRow {
        handover_id: r.try_get("handover_id")?,
        shift_id: r.try_get("shift_id")?,
        property_id: r.try_get("property_id")?,
        desk: r.try_get("desk")?,
        written_at: r.try_get("written_at")?,
        snapshot: r.try_get("snapshot")?,
        acknowledged_by: r.try_get("acknowledged_by")?,
        acknowledged_at: r.try_get("acknowledged_at")?,
    })
}

pub async fn insert_shift(conn: &mut AnyConnection, s: &ShiftRow) -> anyhow::Result<()> {
    let sql = format!("INSERT INTO shifts ({SHIFT}) VALUES ($1, $2, $3, $4, $5, $6, $7)");
    sqlx::query::<Any>(&sql)
        .bind(&s.shift_id)
        .bind(&s.property_id)
        .bind(&s.desk)
        .bind(&s.opened_by)
        .bind(s.opened_at)
        .bind(&s.closed_by)
        .bind(s.closed_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_shift(
    conn: &mut AnyConnection,
    shift_id: &str,
) -> anyhow::Result<Option<ShiftRow>> {
    let sql = format!("SELECT {SHIFT} FROM shifts WHERE shift_id = $1");
    sqlx::query::<Any>(&sql)
        .bind(shift_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(shift)
        .transpose()
}

/// The desk's shift that is still open, if any.
pub async fn open_shift(
    conn: &mut AnyConnection,
    property_id: &str,
    desk: &str,
) -> anyhow::Result<Option<ShiftRow>> {
    let sql = format!(
        "SELECT {SHIFT} FROM shifts WHERE property_id = $1 AND desk = $2 AND closed_at IS NULL"
    );
    sqlx::query::<Any>(&sql)
        .bind(property_id)
        .bind(desk)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(shift)
        .transpose()
}

pub async fn close_shift(
    conn: &mut AnyConnection,
    shift_id: &str,
    by: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query::<Any>("UPDATE shifts SET closed_by = $2, closed_at = $3 WHERE shift_id = $1")
        .bind(shift_id)
        .bind(by)
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn insert_handover(conn: &mut AnyConnection, h: &HandoverRow) -> anyhow::Result<()> {
    let sql = format!("INSERT INTO handovers ({HANDOVER}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)");
    sqlx::query::<Any>(&sql)
        .bind(&h.handover_id)
        .bind(&h.shift_id)
        .bind(&h.property_id)
        .bind(&h.desk)
        .bind(h.written_at)
        .bind(h.snapshot.clone())
        .bind(&h.acknowledged_by)
        .bind(h.acknowledged_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get_handover(
    conn: &mut AnyConnection,
    id: &str,
) -> anyhow::Result<Option<HandoverRow>> {
    let sql = format!("SELECT {HANDOVER} FROM handovers WHERE handover_id = $1");
    sqlx::query::<Any>(&sql)
        .bind(id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(handover)
        .transpose()
}

/// The newest handover of a desk not yet acknowledged.
pub async fn pending_handover(
    conn: &mut AnyConnection,
    property_id: &str,
    desk: &str,
) -> anyhow::Result<Option<HandoverRow>> {
    let sql = format!(
        "SELECT {HANDOVER} FROM handovers WHERE property_id = $1 AND desk = $2 \
         AND acknowledged_at IS NULL ORDER BY written_at DESC, handover_id DESC LIMIT 1"
    );
    sqlx::query::<Any>(&sql)
        .bind(property_id)
        .bind(desk)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(handover)
        .transpose()
}

pub async fn acknowledge(
    conn: &mut AnyConnection,
    id: &str,
    by: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query::<Any>(
        "UPDATE handovers SET acknowledged_by = $2, acknowledged_at = $3 WHERE handover_id = $1",
    )
    .bind(id)
    .bind(by)
    .bind(at)
    .execute(conn)
    .await?;
    Ok(())
}

//! Stays, their guests and name keys.

use super::{code, flag, marks};
use crate::domain::codes::Code;
use crate::domain::names;
use frontdesk_proto::common::v1::Language;
use frontdesk_proto::messaging::v1::{self as pb, PrivacyLevel, StayStatus};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq)]
pub struct StayRow {
    pub stay_id: String,
    pub property_id: String,
    pub reservation_id: String,
    pub room: String,
    pub arrival: Option<i64>,
    pub departure: Option<i64>,
    pub status: StayStatus,
    pub privacy: PrivacyLevel,
    pub forwarding_address: String,
    pub forwarding_until: Option<i64>,
    pub vip: bool,
    pub lamp_on: bool,
    pub checked_in_at: Option<i64>,
    pub checked_out_at: Option<i64>,
    pub fingerprint: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub guests: Vec<pb::Guest>,
}

impl StayRow {
    /// A forwarding address is on file and still valid at `now`.
    pub fn forwarding(&self, now: i64) -> bool {
        !self.forwarding_address.is_empty() && self.forwarding_until.is_none_or(|u| u >= now)
    }
}

const COLUMNS: &str = "stay_id, property_id, reservation_id, room, arrival, departure, status, \
    privacy, forwarding_address, forwarding_until, vip, lamp_on, checked_in_at, checked_out_at, \
    fingerprint, created_at, updated_at";

fn from_row(r: &AnyRow) -> anyhow::Result<StayRow> {
    Ok(StayRow {
        stay_id: r.try_get("stay_id")?,
        property_id: r.try_get("property_id")?,
        reservation_id: r.try_get("reservation_id")?,
        room: r.try_get("room")?,
        arrival: r.try_get("arrival")?,
        departure: r.try_get("departure")?,
        status: code(r, "status")?,
        privacy: code(r, "privacy")?,
        forwarding_address: r.try_get("forwarding_address")?,
        forwarding_until: r.try_get("forwarding_until")?,
        vip: flag(r, "vip")?,
        lamp_on: flag(r, "lamp_on")?,
        checked_in_at: r.try_get("checked_in_at")?,
        checked_out_at: r.try_get("checked_out_at")?,
        fingerprint: r.try_get("fingerprint")?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
        guests: Vec::new(),
    })
}

async fn with_guests(
    conn: &mut AnyConnection,
    mut stays: Vec<StayRow>,
) -> anyhow::Result<Vec<StayRow>> {
    if stays.is_empty() {
        return Ok(stays);
    }
    let mut by_id: BTreeMap<String, Vec<pb::Guest>> = BTreeMap::new();
    for chunk in stays.chunks(500) {
        let sql = format!(
            "SELECT stay_id, name_zh, name_en, phone, email, language FROM stay_guests \
             WHERE stay_id IN ({}) ORDER BY stay_id, position",
            marks(1, chunk.len())
        );
        let mut q = sqlx::query::<Any>(&sql);
        for s in chunk {
            q = q.bind(s.stay_id.as_str());
        }
        for r in q.fetch_all(&mut *conn).await? {
            let lang: String = r.try_get("language")?;
            by_id
                .entry(r.try_get("stay_id")?)
                .or_default()
                .push(pb::Guest {
                    name_zh: r.try_get("name_zh")?,
                    name_en: r.try_get("name_en")?,
                    phone: r.try_get("phone")?,
                    email: r.try_get("email")?,
                    language: Language::from_str_name(&lang).unwrap_or(Language::Unspecified)
                        as i32,
                });
        }
    }
    for s in &mut stays {
        s.guests = by_id.remove(&s.stay_id).unwrap_or_default();
    }
    Ok(stays)
}

pub async fn get(conn: &mut AnyConnection, stay_id: &str) -> anyhow::Result<Option<StayRow>> {
    let sql = format!("SELECT {COLUMNS} FROM stays WHERE stay_id = $1");
    let rows = sqlx::query::<Any>(&sql)
        .bind(stay_id)
        .fetch_all(&mut *conn)
        .await?;
    let stays = rows
        .iter()
        .map(from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    Ok(with_guests(conn, stays).await?.pop())
}

pub async fn by_reservation(
    conn: &mut AnyConnection,
    property_id: &str,
    reservation_id: &str,
) -> anyhow::Result<Option<StayRow>> {
    Ok(
        by_reservations(conn, property_id, &[reservation_id.to_string()])
            .await?
            .pop(),
    )
}

pub async fn by_reservations(
    conn: &mut AnyConnection,
    property_id: &str,
    reservation_ids: &[String],
) -> anyhow::Result<Vec<StayRow>> {
    let mut out = Vec::new();
    for chunk in reservation_ids.chunks(500) {
        let sql = format!(
            "SELECT {COLUMNS} FROM stays WHERE property_id = $1 AND reservation_id IN ({})",
            marks(2, chunk.len())
        );
        let mut q = sqlx::query::<Any>(&sql).bind(property_id);
        for r in chunk {
            q = q.bind(r.as_str());
        }
        for r in q.fetch_all(&mut *conn).await? {
            out.push(from_row(&r)?);
        }
    }
    with_guests(conn, out).await
}

/// Stays of a property any of whose guests has one of `keys`, newest arrival first.
pub async fn by_name_keys(
    conn: &mut AnyConnection,
    property_id: &str,
    keys: &[String],
) -> anyhow::Result<Vec<StayRow>> {
    if keys.is_empty() {
        return Ok(Vec::new());
    }
    let sql = format!(
        "SELECT {COLUMNS} FROM stays WHERE stay_id IN (SELECT stay_id FROM guest_keys \
         WHERE property_id = $1 AND name_key IN ({})) ORDER BY arrival DESC, stay_id",
        marks(2, keys.len())
    );
    let mut q = sqlx::query::<Any>(&sql).bind(property_id);
    for k in keys {
        q = q.bind(k.as_str());
    }
    let rows = q.fetch_all(&mut *conn).await?;
    let stays = rows
        .iter()
        .map(from_row)
        .collect::<anyhow::Result<Vec<_>>>()?;
    with_guests(conn, stays).await
}

pub async fn insert(conn: &mut AnyConnection, s: &StayRow) -> anyhow::Result<()> {
    insert_many(conn, std::slice::from_ref(s)).await
}

/// Inserts new stays with their guests and name keys in a few multi-row statements (a full
/// PMS resync creates hundreds at once).
pub async fn insert_many(conn: &mut AnyConnection, stays: &[StayRow]) -> anyhow::Result<()> {
    for chunk in stays.chunks(50) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", marks(r * 17 + 1, 17)))
            .collect();
        let sql = format!("INSERT INTO stays ({COLUMNS}) VALUES {}", rows.join(", "));
        let mut q = sqlx::query::<Any>(&sql);
        for s in chunk {
            q = q
                .bind(&s.stay_id)
                .bind(&s.property_id)
                .bind(&s.reservation_id)
                .bind(&s.room)
                .bind(s.arrival)
                .bind(s.departure)
                .bind(s.status.code())
                .bind(s.privacy.code())
                .bind(&s.forwarding_address)
                .bind(s.forwarding_until)
                .bind(i64::from(s.vip))
                .bind(i64::from(s.lamp_on))
                .bind(s.checked_in_at)
                .bind(s.checked_out_at)
                .bind(&s.fingerprint)
                .bind(s.created_at)
                .bind(s.updated_at);
        }
        q.execute(&mut *conn).await?;
    }
    write_guests(conn, stays).await
}

/// Writes every mutable column of a stay (not its guests).
pub async fn update(conn: &mut AnyConnection, s: &StayRow) -> anyhow::Result<()> {
    sqlx::query::<Any>(
        "UPDATE stays SET room = $2, arrival = $3, departure = $4, status = $5, privacy = $6, \
         forwarding_address = $7, forwarding_until = $8, vip = $9, lamp_on = $10, \
         checked_in_at = $11, checked_out_at = $12, fingerprint = $13, updated_at = $14 \
         WHERE stay_id = $1",
    )
    .bind(&s.stay_id)
    .bind(&s.room)
    .bind(s.arrival)
    .bind(s.departure)
    .bind(s.status.code())
    .bind(s.privacy.code())
    .bind(&s.forwarding_address)
    .bind(s.forwarding_until)
    .bind(i64::from(s.vip))
    .bind(i64::from(s.lamp_on))
    .bind(s.checked_in_at)
    .bind(s.checked_out_at)
    .bind(&s.fingerprint)
    .bind(s.updated_at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Replaces a stay's guests and their name keys.
pub async fn replace_guests(conn: &mut AnyConnection, s: &StayRow) -> anyhow::Result<()> {
    sqlx::query::<Any>("DELETE FROM guest_keys WHERE stay_id = $1")
        .bind(&s.stay_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query::<Any>("DELETE FROM stay_guests WHERE stay_id = $1")
        .bind(&s.stay_id)
        .execute(&mut *conn)
        .await?;
    write_guests(conn, std::slice::from_ref(s)).await
}

/// Guests and their name keys of `stays`, in multi-row statements.
async fn write_guests(conn: &mut AnyConnection, stays: &[StayRow]) -> anyhow::Result<()> {
    let guests: Vec<(&StayRow, usize, &pb::Guest)> = stays
        .iter()
        .flat_map(|s| s.guests.iter().enumerate().map(move |(i, g)| (s, i, g)))
        .collect();
    for chunk in guests.chunks(150) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", marks(r * 7 + 1, 7)))
            .collect();
        let sql = format!(
            "INSERT INTO stay_guests (stay_id, position, name_zh, name_en, phone, email, language) \
             VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query::<Any>(&sql);
        for (s, i, g) in chunk {
            let lang = Language::try_from(g.language).unwrap_or(Language::Unspecified);
            q = q
                .bind(s.stay_id.as_str())
                .bind(*i as i64)
                .bind(g.name_zh.as_str())
                .bind(g.name_en.as_str())
                .bind(g.phone.as_str())
                .bind(g.email.as_str())
                .bind(lang.as_str_name());
        }
        q.execute(&mut *conn).await?;
    }
    let mut keys = Vec::new();
    for s in stays {
        let mut own = std::collections::BTreeSet::new();
        for g in &s.guests {
            own.extend(names::guest_keys(&g.name_zh, &g.name_en));
        }
        keys.extend(own.into_iter().map(|k| (s, k)));
    }
    for chunk in keys.chunks(300) {
        let rows: Vec<String> = (0..chunk.len())
            .map(|r| format!("({})", marks(r * 3 + 1, 3)))
            .collect();
        let sql = format!(
            "INSERT INTO guest_keys (property_id, name_key, stay_id) VALUES {}",
            rows.join(", ")
        );
        let mut q = sqlx::query::<Any>(&sql);
        for (s, k) in chunk {
            q = q
                .bind(s.property_id.as_str())
                .bind(k.as_str())
                .bind(s.stay_id.as_str());
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Locks a stay's row for the rest of the transaction (a no-op update) and returns its
/// status, room and lamp as committed: writers of the same stay's messages and lamp run one
/// after the other, each seeing what the other wrote.
pub async fn lock(
    conn: &mut AnyConnection,
    stay_id: &str,
) -> anyhow::Result<Option<(StayStatus, String, bool)>> {
    let row = sqlx::query::<Any>(
        "UPDATE stays SET updated_at = updated_at WHERE stay_id = $1 \
         RETURNING status, room, lamp_on",
    )
    .bind(stay_id)
    .fetch_optional(conn)
    .await?;
    row.map(|r| {
        Ok((
            code(&r, "status")?,
            r.try_get("room")?,
            flag(&r, "lamp_on")?,
        ))
    })
    .transpose()
}

/// Sets only the lamp (other columns may have changed since the caller read the stay).
pub async fn set_lamp(
    conn: &mut AnyConnection,
    stay_id: &str,
    on: bool,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query::<Any>("UPDATE stays SET lamp_on = $2, updated_at = $3 WHERE stay_id = $1")
        .bind(stay_id)
        .bind(i64::from(on))
        .bind(at)
        .execute(conn)
        .await?;
    Ok(())
}

/// Locks the stay of a reservation for the rest of the transaction.
pub async fn lock_reservation(
    conn: &mut AnyConnection,
    property_id: &str,
    reservation_id: &str,
) -> anyhow::Result<()> {
    sqlx::query::<Any>(
        "UPDATE stays SET updated_at = updated_at WHERE property_id = $1 AND reservation_id = $2",
    )
    .bind(property_id)
    .bind(reservation_id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Lit lamps of a property in room order, after `after_room`.
pub async fn lit_lamps(
    conn: &mut AnyConnection,
    property_id: &str,
    after_room: &str,
    limit: i64,
) -> anyhow::Result<Vec<(String, String, i64)>> {
    let rows = sqlx::query::<Any>(
        "SELECT s.room, s.stay_id, (SELECT COUNT(*) FROM messages m WHERE m.stay_id = s.stay_id \
         AND m.direction = 'MESSAGE_DIRECTION_FOR_GUEST' AND m.status = 'MESSAGE_STATUS_WAITING') AS waiting \
         FROM stays s WHERE s.property_id = $1 AND s.lamp_on = 1 AND s.room > $2 \
         ORDER BY s.room LIMIT $3",
    )
    .bind(property_id)
    .bind(after_room)
    .bind(limit)
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|r| {
            Ok((
                r.try_get("room")?,
                r.try_get("stay_id")?,
                r.try_get("waiting")?,
            ))
        })
        .collect()
}

//! The access log of guest lookups.

use super::{code, flag};
use crate::domain::codes::Code;
use frontdesk_proto::messaging::v1::{CallerKind, Disclosure};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct LookupRow {
    pub lookup_id: String,
    pub property_id: String,
    pub asked_by: String,
    pub asked_at: i64,
    pub caller_kind: CallerKind,
    pub query_name: String,
    pub query_reservation_id: String,
    pub disclosure: Disclosure,
    pub matched_stay_ids: Vec<String>,
    pub room_disclosed: bool,
    /// The intake inquiry the lookup answered; empty when none was named.
    pub inquiry_id: String,
}

fn from_row(r: &AnyRow) -> anyhow::Result<LookupRow> {
    let ids: String = r.try_get("matched_stay_ids")?;
    Ok(LookupRow {
        lookup_id: r.try_get("lookup_id")?,
        property_id: r.try_get("property_id")?,
        asked_by: r.try_get("asked_by")?,
        asked_at: r.try_get("asked_at")?,
        caller_kind: code(r, "caller_kind")?,
        query_name: r.try_get("query_name")?,
        query_reservation_id: r.try_get("query_reservation_id")?,
        disclosure: code(r, "disclosure")?,
        matched_stay_ids: ids
            .split(',')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        room_disclosed: flag(r, "room_disclosed")?,
        inquiry_id: r.try_get("inquiry_id")?,
    })
}

/// Several lookups in one statement (group commit of concurrent lookups).
pub async fn insert_many(conn: &mut AnyConnection, rows: &[LookupRow]) -> anyhow::Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    let sql = format!(
        "INSERT INTO lookups (lookup_id, property_id, asked_by, asked_at, caller_kind, query_name, \
         query_reservation_id, disclosure, matched_stay_ids, room_disclosed, inquiry_id) VALUES {}",
        frontdesk_platform::sql::values(rows.len(), 11, 1)
    );
    let mut q = sqlx::query::<Any>(&sql);
    for l in rows {
        q = q
            .bind(&l.lookup_id)
            .bind(&l.property_id)
            .bind(&l.asked_by)
            .bind(l.asked_at)
            .bind(l.caller_kind.code())
            .bind(&l.query_name)
            .bind(&l.query_reservation_id)
            .bind(l.disclosure.code())
            .bind(l.matched_stay_ids.join(","))
            .bind(i64::from(l.room_disclosed))
            .bind(&l.inquiry_id);
    }
    q.execute(conn).await?;
    Ok(())
}

/// A page of a property's lookups, newest first.
pub async fn list(
    conn: &mut AnyConnection,
    property_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<LookupRow>> {
    let cols = "lookup_id, property_id, asked_by, asked_at, caller_kind, query_name, \
                query_reservation_id, disclosure, matched_stay_ids, room_disclosed, inquiry_id";
    let rows = frontdesk_platform::sql::newest_first(
        conn,
        frontdesk_platform::sql::Keyset {
            table: "lookups",
            columns: cols,
            time: "asked_at",
            id: "lookup_id",
        },
        property_id,
        after,
        limit,
    )
    .await?;
    rows.iter().map(from_row).collect()
}

//! MD-4.4 outgoing post.

use super::code;
use crate::domain::codes::Code;
use frontdesk_proto::messaging::v1::{MailKind, PostagePayment};
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct PostRow {
    pub post_id: String,
    pub property_id: String,
    pub stay_id: String,
    pub room: String,
    pub kind: MailKind,
    pub destination: String,
    pub carrier: String,
    pub postage_minor: i64,
    pub currency: String,
    pub payment: PostagePayment,
    pub registered_by: String,
    pub registered_at: i64,
}

const COLUMNS: &str = "post_id, property_id, stay_id, room, kind, destination, carrier, \
    postage_minor, currency, payment, registered_by, registered_at";

fn from_row(r: &AnyRow) -> anyhow::Result<PostRow> {
    Ok(PostRow {
        post_id: r.try_get("post_id")?,
        property_id: r.try_get("property_id")?,
        stay_id: r.try_get("stay_id")?,
        room: r.try_get("room")?,
        kind: code(r, "kind")?,
        destination: r.try_get("destination")?,
        carrier: r.try_get("carrier")?,
        postage_minor: r.try_get("postage_minor")?,
        currency: r.try_get("currency")?,
        payment: code(r, "payment")?,
        registered_by: r.try_get("registered_by")?,
        registered_at: r.try_get("registered_at")?,
    })
}

pub async fn insert(conn: &mut AnyConnection, p: &PostRow) -> anyhow::Result<()> {
    let sql = format!(
        "INSERT INTO outgoing_post ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, \
         $11, $12)"
    );
    sqlx::query::<Any>(&sql)
        .bind(&p.post_id)
        .bind(&p.property_id)
        .bind(&p.stay_id)
        .bind(&p.room)
        .bind(p.kind.code())
        .bind(&p.destination)
        .bind(&p.carrier)
        .bind(p.postage_minor)
        .bind(&p.currency)
        .bind(p.payment.code())
        .bind(&p.registered_by)
        .bind(p.registered_at)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn get(conn: &mut AnyConnection, post_id: &str) -> anyhow::Result<Option<PostRow>> {
    let sql = format!("SELECT {COLUMNS} FROM outgoing_post WHERE post_id = $1");
    sqlx::query::<Any>(&sql)
        .bind(post_id)
        .fetch_optional(conn)
        .await?
        .as_ref()
        .map(from_row)
        .transpose()
}

/// A page of a property's outgoing post, newest first.
pub async fn list(
    conn: &mut AnyConnection,
    property_id: &str,
    after: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<PostRow>> {
    let rows = frontdesk_platform::sql::newest_first(
        conn,
        frontdesk_platform::sql::Keyset {
            table: "outgoing_post",
            columns: COLUMNS,
            time: "registered_at",
            id: "post_id",
        },
        property_id,
        after,
        limit,
    )
    .await?;
    rows.iter().map(from_row).collect()
}

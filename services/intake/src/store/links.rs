//! The inquiry_links table: what messaging recorded for an inquiry (ids only).

use crate::domain::link::{Link, kind_code, kind_from_code};
use frontdesk_platform::db::Db;
use frontdesk_proto::intake::v1::LinkKind;
use sqlx::{Any, AnyConnection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct LinkRow {
    pub kind: LinkKind,
    pub target_id: String,
    pub actor: String,
    pub linked_at: i64,
}

/// Records a link; false when it was there already (the same fact delivered again, or a
/// later change of the same mail item).
pub async fn insert(
    conn: &mut AnyConnection,
    link: &Link,
    property_id: &str,
    actor: &str,
    linked_at: i64,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query::<Any>(
        "INSERT INTO inquiry_links (inquiry_id, kind, target_id, property_id, actor, linked_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (inquiry_id, kind, target_id) DO NOTHING",
    )
    .bind(&link.inquiry_id)
    .bind(kind_code(link.kind))
    .bind(&link.target_id)
    .bind(property_id)
    .bind(actor)
    .bind(linked_at)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// One inquiry's links, oldest first.
pub async fn of_inquiry(db: &Db, inquiry_id: &str) -> Result<Vec<LinkRow>, sqlx::Error> {
    sqlx::query::<Any>(
        "SELECT kind, target_id, actor, linked_at FROM inquiry_links WHERE inquiry_id = $1 \
         ORDER BY linked_at, target_id",
    )
    .bind(inquiry_id)
    .fetch_all(db.pool())
    .await?
    .iter()
    .map(|r| {
        let kind: String = r.try_get("kind")?;
        Ok(LinkRow {
            kind: kind_from_code(&kind),
            target_id: r.try_get("target_id")?,
            actor: r.try_get("actor")?,
            linked_at: r.try_get("linked_at")?,
        })
    })
    .collect()
}

//! Erasing what identifies a stay's guests (issue 8), everywhere messaging keeps it; the
//! facts (ids, statuses, rooms, times) stay.

use crate::domain::codes::Code;
use frontdesk_proto::messaging::v1::CustodyAction;
use sqlx::{Any, AnyConnection};

/// Rows touched, per kind of record.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Erased {
    pub messages: u64,
    pub mail_items: u64,
    pub lookups: u64,
    pub outgoing_post: u64,
}

async fn run(conn: &mut AnyConnection, sql: &str, stay_id: &str) -> anyhow::Result<u64> {
    Ok(sqlx::query::<Any>(sql)
        .bind(stay_id)
        .execute(conn)
        .await?
        .rows_affected())
}

/// Blanks the stay's guests, keys, forwarding address, its messages' texts and names, the
/// names asked for in lookups that matched it, its mail's names, signatures and addresses
/// (and the custody notes people wrote), and its outgoing post's destinations.
pub async fn erase_stay(conn: &mut AnyConnection, stay_id: &str) -> anyhow::Result<Erased> {
    run(
        conn,
        "UPDATE stay_guests SET name_zh = '', name_en = '', phone = '', email = '' \
         WHERE stay_id = $1",
        stay_id,
    )
    .await?;
    run(conn, "DELETE FROM guest_keys WHERE stay_id = $1", stay_id).await?;
    // An empty fingerprint: the PMS's next record of this stay counts as a change.
    run(
        conn,
        "UPDATE stays SET forwarding_address = '', fingerprint = '' WHERE stay_id = $1",
        stay_id,
    )
    .await?;
    let messages = run(
        conn,
        "UPDATE messages SET text = '', from_name = '', from_contact = '', visitor_name = '', \
         collected_by = '', identity_checked = '' WHERE stay_id = $1",
        stay_id,
    )
    .await?;
    let mail_items = run(
        conn,
        "UPDATE mail_items SET addressee_name = '', delivered_to = '', signature_image = NULL, \
         signature_pin = '', forwarded_to = '' WHERE stay_id = $1",
        stay_id,
    )
    .await?;
    // Notes the service wrote itself are facts; the others may name the guest.
    let system = [
        CustodyAction::Registered,
        CustodyAction::AttachedOnCheckIn,
        CustodyAction::RoutedOnCheckOut,
        CustodyAction::ReturnDue,
    ];
    let sql = format!(
        "UPDATE custody_steps SET note = '' WHERE item_id IN \
         (SELECT item_id FROM mail_items WHERE stay_id = $1) AND action NOT IN ({})",
        system
            .iter()
            .map(|a| format!("'{}'", a.code()))
            .collect::<Vec<_>>()
            .join(", ")
    );
    run(conn, &sql, stay_id).await?;
    let lookups = run(
        conn,
        "UPDATE lookups SET query_name = '' \
         WHERE (',' || matched_stay_ids || ',') LIKE ('%,' || $1 || ',%')",
        stay_id,
    )
    .await?;
    let outgoing_post = run(
        conn,
        "UPDATE outgoing_post SET destination = '' WHERE stay_id = $1",
        stay_id,
    )
    .await?;
    Ok(Erased {
        messages,
        mail_items,
        lookups,
        outgoing_post,
    })
}

pub async fn record(
    conn: &mut AnyConnection,
    erasure_id: &str,
    property_id: &str,
    stay_id: &str,
    erased_by: &str,
    erased_at: i64,
    reason: &str,
) -> anyhow::Result<()> {
    sqlx::query::<Any>(
        "INSERT INTO guest_erasures (erasure_id, property_id, stay_id, erased_by, erased_at, \
         reason) VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(erasure_id)
    .bind(property_id)
    .bind(stay_id)
    .bind(erased_by)
    .bind(erased_at)
    .bind(reason)
    .execute(conn)
    .await?;
    Ok(())
}

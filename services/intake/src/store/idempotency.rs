//! Idempotency keys of creates and other retry-able calls (intake also records the
//! inquiry a key produced, for the batched create path).

use sqlx::{AnyConnection, Row};

/// A previously stored idempotency key.
#[derive(Debug, Clone)]
pub struct IdempotentResult {
    pub request_hash: String,
    pub inquiry_id: String,
    pub result_id: String,
}

pub async fn find_idempotent(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
) -> anyhow::Result<Option<IdempotentResult>> {
    let row = sqlx::query("SELECT request_hash, inquiry_id, result_id FROM idempotency_keys WHERE scope = $1 AND idem_key = $2")
        .bind(scope)
        .bind(key)
        .fetch_optional(conn)
        .await?;
    row.map(|r| {
        Ok(IdempotentResult {
            request_hash: r.try_get("request_hash")?,
            inquiry_id: r.try_get("inquiry_id")?,
            result_id: r.try_get("result_id")?,
        })
    })
    .transpose()
}

/// Fails with a unique violation when a concurrent call stored the same key first.
pub async fn save_idempotent(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
    inquiry_id: &str,
    result_id: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, inquiry_id, result_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(scope)
    .bind(key)
    .bind(request_hash)
    .bind(inquiry_id)
    .bind(result_id)
    .bind(frontdesk_platform::time::now_micros())
    .execute(conn)
    .await?;
    Ok(())
}

/// Stores the key unless it exists; returns the earlier result when it did. One statement
/// in the common case, and no unique-violation error to abort a batch: a concurrent writer
/// of the same key is waited for, then its row is returned.
pub async fn claim_idempotent(
    conn: &mut AnyConnection,
    scope: &str,
    key: &str,
    request_hash: &str,
    inquiry_id: &str,
    result_id: &str,
) -> anyhow::Result<Option<IdempotentResult>> {
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, inquiry_id, result_id, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (scope, idem_key) DO NOTHING",
    )
    .bind(scope)
    .bind(key)
    .bind(request_hash)
    .bind(inquiry_id)
    .bind(result_id)
    .bind(frontdesk_platform::time::now_micros())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if inserted == 1 {
        return Ok(None);
    }
    find_idempotent(conn, scope, key).await
}

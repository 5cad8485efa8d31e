//! Idempotency keys of retry-able creates: the same key with the same request returns the
//! first result; the same key with a different request is ALREADY_EXISTS. Each service keeps
//! its own `idempotency_keys (scope, idem_key, request_hash, result_id, created_at)` table.

use crate::db::is_unique_violation;
use crate::error::ServiceError;
use prost::Message;
use sha2::{Digest, Sha256};
use sqlx::{AnyConnection, Row};

/// A key for one retry-able call, scoped (e.g. by property and call) and with the request's
/// fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Idempotency {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

/// SHA-256 of the request with `clear` applied (which removes the key itself).
pub fn fingerprint<M: Message + Clone>(msg: &M, clear: impl FnOnce(&mut M)) -> String {
    let mut m = msg.clone();
    clear(&mut m);
    Sha256::digest(m.encode_to_vec())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The id the first call with this key produced, or ALREADY_EXISTS when the key was used
/// for a different request.
pub async fn replay(
    conn: &mut AnyConnection,
    idem: &Idempotency,
) -> Result<Option<String>, ServiceError> {
    let row = sqlx::query(
        "SELECT request_hash, result_id FROM idempotency_keys WHERE scope = $1 AND idem_key = $2",
    )
    .bind(&idem.scope)
    .bind(&idem.key)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let hash: String = row.try_get("request_hash")?;
    if hash == idem.request_hash {
        Ok(Some(row.try_get("result_id")?))
    } else {
        Err(ServiceError::AlreadyExists(
            "idempotency_key was already used for a different request; use a new key".into(),
        ))
    }
}

/// Records the call's result under its key, in the caller's transaction.
pub async fn remember(
    conn: &mut AnyConnection,
    idem: &Idempotency,
    result_id: &str,
) -> Result<(), ServiceError> {
    sqlx::query(
        "INSERT INTO idempotency_keys (scope, idem_key, request_hash, result_id, created_at) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(&idem.scope)
    .bind(&idem.key)
    .bind(&idem.request_hash)
    .bind(result_id)
    .bind(crate::time::now_micros())
    .execute(&mut *conn)
    .await
    .map_err(|e| {
        if is_unique_violation(&e) {
            ServiceError::Aborted("a request with this idempotency key is in flight; retry".into())
        } else {
            e.into()
        }
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_fingerprint_ignores_what_is_cleared_and_is_fixed() {
        let a = super::fingerprint(&"abc".to_string(), |_| {});
        // SHA-256 of the protobuf string "abc" (field 1, length 3).
        assert_eq!(a.len(), 64);
        assert_eq!(a, super::fingerprint(&"abc".to_string(), |_| {}));
        let cleared = super::fingerprint(&"abc".to_string(), |s| s.clear());
        assert_eq!(
            cleared, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
            "an empty message hashes like empty input"
        );
    }
}

//! Request checks shared by the handlers: every bad field is named, never just the first.

use crate::commands::Idempotency;
use frontdesk_platform::error::Violations;
pub use frontdesk_platform::validate::{MAX_ID, check, id, text, timestamp};
use prost::Message;

pub const MAX_KEY: usize = 128;

/// Same key + same request → same result; the fingerprint leaves the key out.
pub fn idempotency<M: Message + Clone>(
    scope: String,
    key: &str,
    msg: &M,
    clear: impl FnOnce(&mut M),
    v: &mut Violations,
) -> Idempotency {
    Idempotency {
        scope,
        key: text("idempotency_key", key, MAX_KEY, true, v),
        request_hash: frontdesk_platform::idempotency::fingerprint(msg, clear),
    }
}

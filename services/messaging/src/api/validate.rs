//! Request checks shared by the handlers: every bad field is named, never just the first.

use crate::commands::Idempotency;
use crate::domain::codes::from_wire;
use frontdesk_platform::error::Violations;
pub use frontdesk_platform::validate::{MAX_ID, check, id, optional_uuid, text, timestamp};
use prost::Message;

pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 4_000;
pub const MAX_KEY: usize = 128;

/// A required enum: unspecified or unknown values are named.
pub fn required_enum<T: TryFrom<i32> + Default>(field: &str, value: i32, v: &mut Violations) -> T {
    match from_wire::<T>(value) {
        Some(t) => t,
        None => {
            v.add(field, "required: choose one of the listed values");
            T::default()
        }
    }
}

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

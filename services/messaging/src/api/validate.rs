//! Request checks shared by the handlers: every bad field is named, never just the first.

use crate::commands::{Error, Idempotency};
use crate::domain::codes::from_wire;
use frontdesk_platform::error::Violations;
use prost::Message;
use prost_types::Timestamp;

pub const MAX_ID: usize = 64;
pub const MAX_NAME: usize = 200;
pub const MAX_TEXT: usize = 4_000;
pub const MAX_KEY: usize = 128;

pub fn id(field: &str, value: &str, v: &mut Violations) -> String {
    let value = value.trim();
    if value.is_empty() {
        v.add(field, "required");
    } else if value.chars().count() > MAX_ID {
        v.add(field, format!("at most {MAX_ID} characters"));
    }
    value.to_string()
}

pub fn text(field: &str, value: &str, max: usize, required: bool, v: &mut Violations) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        v.add(field, "required");
    } else if value.chars().count() > max {
        v.add(field, format!("at most {max} characters"));
    }
    value.to_string()
}

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

pub fn timestamp(field: &str, ts: Option<&Timestamp>, v: &mut Violations) -> Option<i64> {
    let ts = ts?;
    let m = frontdesk_platform::time::from_timestamp(ts);
    if m.is_none() {
        v.add(field, "not a valid time");
    }
    m
}

pub fn check(v: Violations) -> Result<(), Error> {
    if v.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(v))
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

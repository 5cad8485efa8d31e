//! Field checks every service's handlers share: each bad field is recorded in the request's
//! [`Violations`] (so the caller learns about all of them at once), and the trimmed value is
//! returned to go on with.

use crate::error::{ServiceError, Violations};
use prost_types::Timestamp;

/// Longest id (property, record, staff) a request may carry.
pub const MAX_ID: usize = 64;

/// A required id.
pub fn id(field: &str, value: &str, v: &mut Violations) -> String {
    let value = value.trim();
    if value.is_empty() {
        v.add(field, "required");
    } else if value.chars().count() > MAX_ID {
        v.add(field, format!("at most {MAX_ID} characters"));
    } else {
        crate::text::check(v, field, value, true);
    }
    value.to_string()
}

/// An optional id of a record another service made (e.g. an intake inquiry, a UUID): empty
/// when not given; otherwise it must be a UUID, and comes back in the form services write
/// ids in (lowercase, hyphenated), so the same id is stored and compared one way.
pub fn optional_uuid(field: &str, value: &str, v: &mut Violations) -> String {
    let value = value.trim();
    if value.is_empty() {
        return String::new();
    }
    match uuid::Uuid::try_parse(value) {
        Ok(id) => id.hyphenated().to_string(),
        Err(_) => {
            v.add(
                field,
                "not a valid id: expected a UUID such as 0192f0c4-5b7e-7a3c-9d2e-1f6a8b9c0d1e",
            );
            String::new()
        }
    }
}

/// Free text of at most `max` characters (see [`crate::text`] for what is refused).
pub fn text(field: &str, value: &str, max: usize, required: bool, v: &mut Violations) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        v.add(field, "required");
    } else if value.chars().count() > max {
        v.add(field, format!("at most {max} characters"));
    } else if required {
        crate::text::check_required(v, field, value, false);
    } else {
        crate::text::check(v, field, value, false);
    }
    value.to_string()
}

/// An optional time, in microseconds; outside years 1–9999 is a violation.
pub fn timestamp(field: &str, ts: Option<&Timestamp>, v: &mut Violations) -> Option<i64> {
    let ts = ts?;
    let m = crate::time::from_timestamp(ts);
    if m.is_none() {
        v.add(field, "not a valid time (years 1 to 9999)");
    }
    m
}

/// INVALID_ARGUMENT with every violation, or nothing.
pub fn check(v: Violations) -> Result<(), ServiceError> {
    if v.is_empty() {
        Ok(())
    } else {
        Err(ServiceError::InvalidArgument(v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_bad_field_is_named_and_values_come_back_trimmed() {
        let mut v = Violations::new();
        assert_eq!(id("property_id", "  sh-bund ", &mut v), "sh-bund");
        id("stay_id", "", &mut v);
        text("note", &"字".repeat(11), 10, false, &mut v);
        text("text", "a\0b", 100, true, &mut v);
        text("title", "\u{200B}", 100, true, &mut v);
        let year_10000 = Timestamp {
            seconds: 253_402_300_800,
            nanos: 0,
        };
        assert_eq!(timestamp("due_at", Some(&year_10000), &mut v), None);
        assert_eq!(timestamp("due_at", None, &mut v), None);
        assert_eq!(
            v.fields().collect::<Vec<_>>(),
            ["stay_id", "note", "text", "title", "due_at"]
        );
        assert!(check(v).is_err());
        assert!(check(Violations::new()).is_ok());
    }

    #[test]
    fn an_optional_uuid_is_empty_or_a_uuid_in_one_form() {
        let mut v = Violations::new();
        assert_eq!(optional_uuid("inquiry_id", "  ", &mut v), "");
        assert_eq!(
            optional_uuid(
                "inquiry_id",
                " 0192F0C4-5B7E-7A3C-9D2E-1F6A8B9C0D1E ",
                &mut v
            ),
            "0192f0c4-5b7e-7a3c-9d2e-1f6a8b9c0d1e"
        );
        assert!(v.is_empty());
        assert_eq!(optional_uuid("inquiry_id", "问询-42", &mut v), "");
        optional_uuid("inquiry_id", "0192f0c4-5b7e-7a3c-9d2e", &mut v);
        assert_eq!(v.fields().collect::<Vec<_>>(), ["inquiry_id", "inquiry_id"]);
    }
}

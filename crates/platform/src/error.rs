//! Shared pieces of error reporting. Each service keeps its own `Error` enum; these helpers
//! make the gRPC side uniform: INVALID_ARGUMENT always carries `google.rpc.BadRequest` with
//! every offending field, never just the first.

use crate::inbox::bounded;
use std::collections::HashMap;
use std::time::Duration;
use tonic::{Code, Status};
use tonic_types::{ErrorDetails, StatusExt};

/// Field violations collected while validating one request.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Violations(Vec<(String, String)>);

impl Violations {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, field: impl Into<String>, description: impl Into<String>) {
        self.0.push((field.into(), description.into()));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(|(f, _)| f.as_str())
    }

    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0.iter().map(|(f, d)| (f.as_str(), d.as_str()))
    }

    /// `Ok(value)` when nothing was violated.
    pub fn into_result<T>(self, value: T) -> Result<T, Violations> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    pub fn single(field: impl Into<String>, description: impl Into<String>) -> Self {
        let mut v = Self::new();
        v.add(field, description);
        v
    }
}

impl std::fmt::Display for Violations {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self.0.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        f.write_str(&parts.join("; "))
    }
}

/// Longest field description or message an error repeats back: a refusal must fit the
/// client's 16 KB trailer limit whatever the caller sent.
pub const MAX_ECHO_CHARS: usize = 300;

/// The `ErrorInfo.domain` of every frontdesk error.
pub const ERROR_DOMAIN: &str = "frontdesk";

/// A service call's failure, by what the caller can do about it; one mapping to
/// `tonic::Status`. Services re-export it as their `Error` and add `From` impls for their own
/// domain refusals. Every status carries `google.rpc.ErrorInfo` (reason, domain, metadata);
/// INVALID_ARGUMENT adds `BadRequest`, NOT_FOUND `ResourceInfo`, FAILED_PRECONDITION
/// `PreconditionFailure`, UNAVAILABLE `RetryInfo`.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid request: {0}")]
    InvalidArgument(Violations),
    /// `kind` is the resource type in plain words ("inquiry", "stay"), `name` its id.
    #[error("{kind} {name} not found")]
    NotFound { kind: &'static str, name: String },
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    PermissionDenied(String),
    /// Lost an optimistic-concurrency race too often; safe to retry.
    #[error("{0}")]
    Aborted(String),
    /// A dependency (the database) cannot be reached now; retry after the hint.
    #[error("{what} is unavailable; retry shortly")]
    Unavailable { what: String, retry_after: Duration },
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    pub fn invalid(field: &str, description: impl Into<String>) -> Self {
        ServiceError::InvalidArgument(Violations::single(field, description))
    }

    pub fn not_found(kind: &'static str, name: impl std::fmt::Display) -> Self {
        ServiceError::NotFound {
            kind,
            name: name.to_string(),
        }
    }
}

impl From<Violations> for ServiceError {
    fn from(v: Violations) -> Self {
        ServiceError::InvalidArgument(v)
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        expected_failure(&e).unwrap_or_else(|| ServiceError::Internal(e.into()))
    }
}

/// How long a caller should wait before retrying after the database was unreachable.
pub const DATABASE_RETRY_AFTER: Duration = Duration::from_secs(1);

fn database_unavailable(e: &sqlx::Error) -> ServiceError {
    metrics::counter!(crate::metrics::DB_UNAVAILABLE).increment(1);
    tracing::warn!(error.message = %e, "database unreachable; answering UNAVAILABLE");
    ServiceError::Unavailable {
        what: "the database".into(),
        retry_after: DATABASE_RETRY_AFTER,
    }
}

/// The database failures that are not our bug: an outage (UNAVAILABLE) or text the caller
/// sent that the database cannot store (INVALID_ARGUMENT). `None`: anything else.
fn expected_failure(e: &sqlx::Error) -> Option<ServiceError> {
    if is_unavailable(e) {
        Some(database_unavailable(e))
    } else if is_bad_text(e) {
        Some(bad_text())
    } else if is_conflict(e) {
        Some(ServiceError::Aborted(
            "the change conflicted with another one at the same moment; retry".into(),
        ))
    } else {
        None
    }
}

/// Postgres 40P01 (deadlock detected) and 40001 (serialization failure): two transactions
/// crossed; the one chosen to fail can simply run again.
pub fn is_conflict(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("40P01" | "40001")))
}

/// A text field the service did not check itself: still the caller's bytes, not our fault.
fn bad_text() -> ServiceError {
    ServiceError::invalid(
        "request",
        "a text field contains what the database cannot store (a NUL character)",
    )
}

/// Postgres 22021 (character not in repertoire: NUL) and 22P05 (untranslatable character).
fn is_bad_text(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db)
        if matches!(db.code().as_deref(), Some("22021" | "22P05")))
}

/// True for failures a retry can fix: no connection could be had in time, the connection
/// broke, or the server is starting, shutting down or out of connection slots.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default();
            // Postgres: class 08 connection exception, 57P01-03 shutdown / cannot connect
            // now, 53300 too many connections, 28xxx / 3D000 refused at connect (nothing the
            // caller can fix), 55000 "not currently accepting connections". SQLite: 5 busy,
            // 6 locked.
            code.starts_with("08")
                || code.starts_with("28")
                || matches!(
                    code.as_ref(),
                    "57P01" | "57P02" | "57P03" | "53300" | "3D000" | "5" | "6"
                )
                || (code == "55000" && db.message().contains("accepting connections"))
        }
        _ => false,
    }
}

fn error_info(details: &mut ErrorDetails, reason: &str, metadata: &[(&str, &str)]) {
    let metadata: HashMap<String, String> = metadata
        .iter()
        .map(|(k, v)| ((*k).to_string(), bounded(v, MAX_ECHO_CHARS)))
        .collect();
    details.set_error_info(reason, ERROR_DOMAIN, metadata);
}

impl From<ServiceError> for Status {
    fn from(e: ServiceError) -> Status {
        let mut details = ErrorDetails::new();
        let (code, message) = match e {
            ServiceError::InvalidArgument(v) => return invalid_argument(&v),
            ServiceError::NotFound { kind, name } => {
                let reason = format!("{}_NOT_FOUND", kind.to_uppercase().replace(' ', "_"));
                error_info(
                    &mut details,
                    &reason,
                    &[("resource_type", kind), ("name", &name)],
                );
                let message = format!("{kind} {name} not found");
                details.set_resource_info(kind, bounded(&name, MAX_ECHO_CHARS), "", &message);
                (Code::NotFound, message)
            }
            ServiceError::FailedPrecondition(m) => {
                error_info(&mut details, "FAILED_PRECONDITION", &[]);
                details.add_precondition_failure_violation(
                    "STATE",
                    "",
                    bounded(&m, MAX_ECHO_CHARS),
                );
                (Code::FailedPrecondition, m)
            }
            ServiceError::AlreadyExists(m) => {
                error_info(&mut details, "ALREADY_EXISTS", &[]);
                (Code::AlreadyExists, m)
            }
            ServiceError::PermissionDenied(m) => {
                error_info(&mut details, "PERMISSION_DENIED", &[]);
                (Code::PermissionDenied, m)
            }
            ServiceError::Aborted(m) => {
                error_info(&mut details, "CONCURRENT_UPDATE", &[]);
                (Code::Aborted, m)
            }
            ServiceError::Unavailable { what, retry_after } => {
                return unavailable(&what, retry_after);
            }
            ServiceError::Internal(e) => {
                // A dependency outage wrapped on its way up is still an outage.
                if let Some(mapped) = e
                    .chain()
                    .find_map(|c| c.downcast_ref::<sqlx::Error>())
                    .and_then(expected_failure)
                {
                    return Status::from(mapped);
                }
                return internal(&e);
            }
        };
        Status::with_error_details(code, bounded(&message, 4 * MAX_ECHO_CHARS), details)
    }
}

/// UNAVAILABLE with `RetryInfo`: the caller may retry the same call after `retry_after`.
pub fn unavailable(what: &str, retry_after: Duration) -> Status {
    let mut details = ErrorDetails::new();
    error_info(
        &mut details,
        "DEPENDENCY_UNAVAILABLE",
        &[("dependency", what)],
    );
    details.set_retry_info(Some(retry_after));
    Status::with_error_details(
        Code::Unavailable,
        format!(
            "{what} is unavailable; retry in {} s",
            retry_after.as_secs().max(1)
        ),
        details,
    )
}

/// INVALID_ARGUMENT whose message lists the fields and whose details hold a BadRequest.
pub fn invalid_argument(v: &Violations) -> Status {
    let mut details = ErrorDetails::new();
    let fields: Vec<&str> = v.fields().collect();
    error_info(
        &mut details,
        "INVALID_ARGUMENT",
        &[("fields", &fields.join(","))],
    );
    for (field, description) in v.iter() {
        details.add_bad_request_violation(
            bounded(field, MAX_ECHO_CHARS),
            bounded(description, MAX_ECHO_CHARS),
        );
    }
    Status::with_error_details(
        Code::InvalidArgument,
        bounded(&format!("invalid request: {v}"), 4 * MAX_ECHO_CHARS),
        details,
    )
}

/// Reads the BadRequest fields back out of a status (clients and tests).
pub fn violated_fields(status: &Status) -> Vec<String> {
    status
        .get_details_bad_request()
        .map(|b| b.field_violations.into_iter().map(|v| v.field).collect())
        .unwrap_or_default()
}

/// Logs an unexpected error with its whole cause chain and answers a generic INTERNAL, so
/// nothing about the storage leaks to callers.
pub fn internal(e: &anyhow::Error) -> Status {
    tracing::error!(error.message = %e, error.cause_chain = ?e, "internal error");
    let mut details = ErrorDetails::new();
    error_info(&mut details, "INTERNAL", &[]);
    Status::with_error_details(Code::Internal, "internal error; see server logs", details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_violated_field_reaches_the_client() {
        let mut v = Violations::new();
        v.add("text", "required");
        v.add("customer.email", "not an e-mail address");
        let status = invalid_argument(&v);
        assert_eq!(status.code(), Code::InvalidArgument);
        assert_eq!(violated_fields(&status), vec!["text", "customer.email"]);
        assert!(status.message().contains("customer.email"));
        let info = status.get_details_error_info().expect("ErrorInfo");
        assert_eq!(info.reason, "INVALID_ARGUMENT");
        assert_eq!(info.domain, "frontdesk");
    }

    #[test]
    fn a_huge_input_is_not_echoed_in_full() {
        let skill = "x".repeat(10_000);
        let v = Violations::single("skills[0]", format!("unknown skill {skill}"));
        let status = invalid_argument(&v);
        let size: usize = status.message().len() + status.details().len();
        assert!(size < 4_000, "{size} bytes");
        let status = Status::from(ServiceError::FailedPrecondition(format!("bad {skill}")));
        assert!(status.message().len() + status.details().len() < 4_000);
    }

    #[test]
    fn not_found_names_the_resource() {
        let status = Status::from(ServiceError::not_found("inquiry", "INQ-1"));
        assert_eq!(status.code(), Code::NotFound);
        assert_eq!(status.message(), "inquiry INQ-1 not found");
        let info = status.get_details_resource_info().expect("ResourceInfo");
        assert_eq!(info.resource_type, "inquiry");
        assert_eq!(info.resource_name, "INQ-1");
        assert_eq!(
            status.get_details_error_info().expect("ErrorInfo").reason,
            "INQUIRY_NOT_FOUND"
        );
    }

    #[test]
    fn an_unreachable_database_is_unavailable_with_a_retry_hint() {
        let status = Status::from(ServiceError::from(sqlx::Error::PoolTimedOut));
        assert_eq!(status.code(), Code::Unavailable);
        assert_eq!(
            status.get_details_retry_info().and_then(|r| r.retry_delay),
            Some(DATABASE_RETRY_AFTER)
        );
        // Also when a handler wrapped it in anyhow on the way up.
        let wrapped = anyhow::Error::from(sqlx::Error::PoolTimedOut).context("saving inquiry");
        assert_eq!(
            Status::from(ServiceError::Internal(wrapped)).code(),
            Code::Unavailable
        );
        let other = anyhow::Error::from(sqlx::Error::RowNotFound);
        assert_eq!(
            Status::from(ServiceError::Internal(other)).code(),
            Code::Internal
        );
    }

    #[test]
    fn illegal_transitions_carry_a_precondition_failure() {
        let status = Status::from(ServiceError::FailedPrecondition(
            "inquiry is resolved".into(),
        ));
        let pf = status
            .get_details_precondition_failure()
            .expect("PreconditionFailure");
        assert_eq!(pf.violations[0].description, "inquiry is resolved");
    }
}

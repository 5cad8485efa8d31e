//! Shared pieces of error reporting. Each service keeps its own `Error` enum; these helpers
//! make the gRPC side uniform: INVALID_ARGUMENT always carries `google.rpc.BadRequest` with
//! every offending field, never just the first.

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

/// A service call's failure, by what the caller can do about it; one mapping to
/// `tonic::Status`. Services re-export it as their `Error` and add `From` impls for their own
/// domain refusals.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    #[error("invalid request: {0}")]
    InvalidArgument(Violations),
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    FailedPrecondition(String),
    #[error("{0}")]
    AlreadyExists(String),
    #[error("{0}")]
    PermissionDenied(String),
    /// Lost an optimistic-concurrency race too often; safe to retry.
    #[error("{0}")]
    Aborted(String),
    #[error(transparent)]
    Internal(#[from] anyhow::Error),
}

impl ServiceError {
    pub fn invalid(field: &str, description: impl Into<String>) -> Self {
        ServiceError::InvalidArgument(Violations::single(field, description))
    }
}

impl From<Violations> for ServiceError {
    fn from(v: Violations) -> Self {
        ServiceError::InvalidArgument(v)
    }
}

impl From<sqlx::Error> for ServiceError {
    fn from(e: sqlx::Error) -> Self {
        ServiceError::Internal(e.into())
    }
}

impl From<ServiceError> for Status {
    fn from(e: ServiceError) -> Status {
        match e {
            ServiceError::InvalidArgument(v) => invalid_argument(&v),
            ServiceError::NotFound(m) => Status::not_found(m),
            ServiceError::FailedPrecondition(m) => Status::failed_precondition(m),
            ServiceError::AlreadyExists(m) => Status::already_exists(m),
            ServiceError::PermissionDenied(m) => Status::permission_denied(m),
            ServiceError::Aborted(m) => Status::aborted(m),
            ServiceError::Internal(e) => internal(&e),
        }
    }
}

/// INVALID_ARGUMENT whose message lists the fields and whose details hold a BadRequest.
pub fn invalid_argument(v: &Violations) -> Status {
    let mut details = ErrorDetails::new();
    for (field, description) in v.iter() {
        details.add_bad_request_violation(field, description);
    }
    Status::with_error_details(
        Code::InvalidArgument,
        format!("invalid request: {v}"),
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
    Status::internal("internal error; see server logs")
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
    }
}

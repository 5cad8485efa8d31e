//! Intake's errors, by what the caller can do about them; one mapping to `tonic::Status`.

use crate::domain::inquiry::Refusal;
use frontdesk_platform::error::{Violations, internal, invalid_argument};
use tonic::Status;

#[derive(Debug, thiserror::Error)]
pub enum Error {
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

impl Error {
    pub fn invalid(field: &str, description: impl Into<String>) -> Self {
        Error::InvalidArgument(Violations::single(field, description))
    }
}

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Precondition(m) => Error::FailedPrecondition(m),
            Refusal::NotFound(m) => Error::NotFound(m),
            Refusal::AlreadyExists(m) => Error::AlreadyExists(m),
            Refusal::Invalid(v) => Error::InvalidArgument(v),
        }
    }
}

impl From<Violations> for Error {
    fn from(v: Violations) -> Self {
        Error::InvalidArgument(v)
    }
}

impl From<sqlx::Error> for Error {
    fn from(e: sqlx::Error) -> Self {
        Error::Internal(e.into())
    }
}

impl From<Error> for Status {
    fn from(e: Error) -> Status {
        match e {
            Error::InvalidArgument(v) => invalid_argument(&v),
            Error::NotFound(m) => Status::not_found(m),
            Error::FailedPrecondition(m) => Status::failed_precondition(m),
            Error::AlreadyExists(m) => Status::already_exists(m),
            Error::PermissionDenied(m) => Status::permission_denied(m),
            Error::Aborted(m) => Status::aborted(m),
            Error::Internal(e) => internal(&e),
        }
    }
}

//! Intake's errors: the platform's [`ServiceError`] (one mapping to `tonic::Status`), plus
//! how the domain's refusals map onto it.

use crate::domain::inquiry::Refusal;
pub use frontdesk_platform::error::ServiceError as Error;

impl From<Refusal> for Error {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Precondition(m) => Error::FailedPrecondition(m),
            Refusal::NotFound { kind, name } => Error::NotFound { kind, name },
            Refusal::AlreadyExists(m) => Error::AlreadyExists(m),
            Refusal::Invalid(v) => Error::InvalidArgument(v),
        }
    }
}

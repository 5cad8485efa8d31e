//! Pure rules of the information desk: no I/O. Name matching (zh/en, pinyin, either order),
//! what a lookup may disclose, how mail is sorted and when the lamp is lit.

pub mod codes;
pub mod lamp;
pub mod mail;
pub mod names;
pub mod privacy;
pub mod stay;

/// A domain refusal, mapped to a gRPC status by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The record is not in a state that allows this (FAILED_PRECONDITION).
    Precondition(String),
}

impl From<Refusal> for frontdesk_platform::error::ServiceError {
    fn from(r: Refusal) -> Self {
        match r {
            Refusal::Precondition(m) => {
                frontdesk_platform::error::ServiceError::FailedPrecondition(m)
            }
        }
    }
}

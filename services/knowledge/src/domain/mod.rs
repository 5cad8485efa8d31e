//! Knowledge's rules, free of gRPC and SQL: article fields and their validation, the
//! review workflow, template rendering, version diffs and quiz scoring.

pub mod article;
pub mod diff;
pub mod quiz;
pub mod render;

pub use article::{Fields, Kind, Lang, Status};

/// Stable text codes of enums as stored in the database.
pub trait Code: Sized + Copy + 'static {
    const ALL: &'static [Self];
    fn code(self) -> &'static str;
    fn from_code(s: &str) -> Option<Self> {
        Self::ALL.iter().copied().find(|v| v.code() == s)
    }
}

//! Why a rules file was refused. Every message names the file (chain rules or the property
//! override) and, where there is one, the category and term, so an operator can fix the
//! data without reading code.

/// A rules file that cannot be used. Nothing is half-applied: the classifier is only built
/// from files that validated completely.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RulesError {
    #[error("{file}: not valid rules TOML: {message}")]
    Parse { file: String, message: String },

    #[error("{file}: unknown category code `{code}` (expected one of: {known})")]
    UnknownCategory {
        file: String,
        code: String,
        known: String,
    },

    #[error("{file}: unknown channel code `{code}` (expected one of: {known})")]
    UnknownChannel {
        file: String,
        code: String,
        known: String,
    },

    #[error("{file}: category `{category}` appears more than once")]
    DuplicateCategory { file: String, category: String },

    #[error(
        "{file}: category `{category}`: term `{term}` has nothing to match after normalisation"
    )]
    EmptyTerm {
        file: String,
        category: String,
        term: String,
    },

    #[error(
        "{file}: category `{category}`: term `{term}` has weight {weight}; weights must be finite and within -10..=10"
    )]
    InvalidWeight {
        file: String,
        category: String,
        term: String,
        weight: f32,
    },

    #[error("{file}: setting `{setting}` = {value} is invalid: {reason}")]
    InvalidSetting {
        file: String,
        setting: String,
        value: String,
        reason: &'static str,
    },

    #[error("{file}: chain rules must declare a `version`")]
    MissingVersion { file: String },
}

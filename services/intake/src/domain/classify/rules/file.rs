//! The rules file as operators write it (TOML, unknown keys refused). `rules.rs` validates
//! and compiles it.

use crate::domain::classify::error::RulesError;
use serde::Deserialize;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RulesFile {
    pub(super) version: Option<String>,
    pub(super) scoring: Option<ScoringSpec>,
    pub(super) confidence: Option<ConfidenceSpec>,
    pub(super) lexicon: Option<LexiconFileSpec>,
    pub(super) negation: Option<NegationSpec>,
    pub(super) complexity: Option<ComplexitySpec>,
    #[serde(default)]
    pub(super) category: Vec<CategorySpec>,
    #[serde(default)]
    pub(super) channel: Vec<ChannelSpec>,
}

/// `[[channel]] code = "restaurant" boost = { dining = 0.5 }`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ChannelSpec {
    pub(super) code: String,
    #[serde(default)]
    pub(super) boost: std::collections::BTreeMap<String, f32>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ScoringSpec {
    pub(super) min_score: Option<f32>,
    pub(super) intent_threshold: Option<f32>,
    pub(super) strong_score: Option<f32>,
}

/// `[confidence]`: calibration and the triage threshold.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ConfidenceSpec {
    pub(super) triage_below: Option<f32>,
    /// `[[raw, calibrated], ...]`, raw ascending.
    pub(super) calibration: Option<Vec<[f32; 2]>>,
}

/// `[lexicon]`: spelling tolerance (see `lexicon.rs`). Lists are added to, not replaced.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct LexiconFileSpec {
    pub(super) typo_min_len: Option<usize>,
    pub(super) typo_max_distance: Option<usize>,
    #[serde(default)]
    pub(super) known_words: Vec<String>,
    #[serde(default)]
    pub(super) whole_words: Vec<String>,
    #[serde(default)]
    pub(super) zh_homophones: Vec<String>,
    #[serde(default)]
    pub(super) zh_homophone_exclude: Vec<String>,
}

/// `[negation]`: negators that cancel the terms of `negatable` categories.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct NegationSpec {
    #[serde(default)]
    pub(super) en: Vec<String>,
    #[serde(default)]
    pub(super) zh: Vec<String>,
    pub(super) window: Option<usize>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ComplexitySpec {
    pub(super) long_zh_chars: Option<usize>,
    pub(super) long_en_words: Option<usize>,
    pub(super) max_questions: Option<usize>,
    pub(super) strong_categories: Option<usize>,
    pub(super) list_items: Option<usize>,
    #[serde(default)]
    pub(super) zh: Vec<TermSpec>,
    #[serde(default)]
    pub(super) en: Vec<TermSpec>,
    #[serde(default)]
    pub(super) headcount: Vec<HeadcountSpec>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct HeadcountSpec {
    /// Word right after the number: "30 people", "25桌".
    pub(super) unit: Option<String>,
    /// Words right before the number: "group of 30".
    pub(super) before: Option<String>,
    pub(super) min: u32,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CategorySpec {
    pub(super) code: String,
    pub(super) intent: Option<bool>,
    pub(super) threshold: Option<f32>,
    /// Among intents that all reached their threshold, the higher priority wins
    /// (complaint over suggestion over praise).
    pub(super) priority: Option<i32>,
    /// Its terms do not count right after a negator ("nothing to book", "没有投诉").
    pub(super) negatable: Option<bool>,
    #[serde(default)]
    pub(super) zh: Vec<TermSpec>,
    #[serde(default)]
    pub(super) en: Vec<TermSpec>,
}

/// `"早餐"` takes the length-based default weight; `{ term = "投诉", weight = 3 }` is explicit.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub(super) enum TermSpec {
    Plain(String),
    Weighted { term: String, weight: f32 },
}

impl TermSpec {
    pub(super) fn parts(&self) -> (&str, Option<f32>) {
        match self {
            TermSpec::Plain(t) => (t, None),
            TermSpec::Weighted { term, weight } => (term, Some(*weight)),
        }
    }
}

pub(super) fn parse(label: &str, src: &str) -> Result<RulesFile, RulesError> {
    toml::from_str(src).map_err(|e| RulesError::Parse {
        file: label.into(),
        message: e.to_string().trim().to_string(),
    })
}

//! Inquiry classification: category, language and complexity of a guest inquiry
//! (CI-2 classification, CI-3.2 simple vs complex, CI-2.5 social complaints).
//!
//! Two layers. The rules are data (`rules/default.toml`, plus optional per-property override
//! files) so a hotel can add its own outlet names or local landmarks without a release.
//! Matching is deliberately simple and dependency-free: Chinese terms by substring, English
//! terms by whole word/phrase with light inflection tolerance, scores summed per category.
//! Before matching, the message is cut to the guest's own words (`clean.rs`: OTA templates,
//! e-mail wrappers), English typos and Chinese homophone slips are read as the rule word they
//! stand for (`lexicon.rs`, built from the rules' own vocabulary), and the cues of
//! `negatable` categories do not count right after a negator. Confidence is calibrated
//! (`[confidence]` in the rules) and low confidence sets `needs_triage`.
//! Behind them sits a naive Bayes model trained at start-up on labelled inquiries
//! (`rules/training.jsonl`), which decides when the rules are weak, tied or silent: rules
//! tuned on one set of inquiries miss many phrasings of the next.

mod bayes;
mod clean;
mod error;
mod lexicon;
mod matcher;
mod rules;
mod score;
mod text;
mod training;

#[cfg(test)]
mod tests;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, OnceLock};

use crate::domain::model::{Category, Channel, Complexity, Language};
use bayes::NaiveBayes;
pub use error::RulesError;
use rules::RuleSet;

/// The chain's default rules, compiled in so a classifier exists even with no config.
const DEFAULT_RULES: &str = include_str!("../../../rules/default.toml");

/// Labelled inquiries the back-off model learns from (same JSONL shape as the test sets).
const TRAINING: &str = include_str!("../../../rules/training.jsonl");

/// Trained once per process: every `default_rules()`/`from_toml()` shares it.
fn default_model() -> Arc<NaiveBayes> {
    static MODEL: OnceLock<Arc<NaiveBayes>> = OnceLock::new();
    MODEL
        .get_or_init(|| {
            let examples = training::parse_jsonl(TRAINING);
            // A malformed line is skipped, not fatal: a unit test keeps the file clean,
            // and classification must work even if it were not.
            Arc::new(NaiveBayes::train(
                examples
                    .iter()
                    .flatten()
                    .map(|l| (l.category, l.channel, l.text.as_str())),
            ))
        })
        .clone()
}

/// Every English word guests used in the labelled examples: real words the typo tolerance
/// must never "correct" into a rule word.
pub(crate) fn corpus_words() -> &'static HashSet<String> {
    static WORDS: OnceLock<HashSet<String>> = OnceLock::new();
    WORDS.get_or_init(|| {
        training::parse_jsonl(TRAINING)
            .iter()
            .flatten()
            .flat_map(|l| text::tokenize(&text::normalize(&l.text)))
            .filter(|t| t.len() >= 3 && t.chars().all(|c| c.is_ascii_lowercase()))
            .collect()
    })
}

/// Parsed chain rules plus per-property overrides.
#[derive(Debug, Clone)]
pub struct Classifier {
    chain: RuleSet,
    /// Each entry is the chain rules with that property's override(s) merged in, so
    /// classification never merges at request time.
    properties: HashMap<String, RuleSet>,
    /// The statistical back-off; `None` classifies by the rules alone.
    model: Option<Arc<NaiveBayes>>,
}

/// The outcome for one inquiry.
#[derive(Debug, Clone, PartialEq)]
pub struct Classification {
    pub category: Category,
    pub language: Language,
    pub complexity: Complexity,
    /// 0.0..=1.0, calibrated on labelled inquiries (`[confidence]` in the rules): of the
    /// inquiries classified with confidence c, about c are right. Low when nothing matched,
    /// two categories were close, or the rules and the model disagree.
    pub confidence: f32,
    /// The confidence is below the rules' `confidence.triage_below`: a person should confirm
    /// the category before routing relies on it (CI-3.2 "uncertain").
    pub needs_triage: bool,
    /// A booking number found in an OTA template around the message ("Booking number:
    /// …", "订单号：…"); the template itself is not classified.
    pub reservation_ref: Option<String>,
    /// The rule terms that decided it, best first. When the model decided, its strongest
    /// features for the category instead, each prefixed `~` ("~早餐", "~wake up").
    pub matched_terms: Vec<String>,
    /// CI-2.5: a complaint that arrived over social media goes to the complaint process.
    pub complaint_process: bool,
}

impl Classifier {
    /// The chain's default rules (`rules/default.toml`, compiled in).
    pub fn default_rules() -> Self {
        // The embedded file is covered by a unit test, so the fallback is unreachable in a
        // tested build; it exists because classification must never panic (everything
        // would then be `other`, which is safe: a human looks at it).
        Self::from_toml(DEFAULT_RULES).unwrap_or_else(|_| Classifier {
            chain: RuleSet::empty(),
            properties: HashMap::new(),
            model: Some(default_model()),
        })
    }

    /// These chain rules plus the chain's embedded back-off model (the model does not depend
    /// on the rules, so replacing the rules file does not silently lose it).
    pub fn from_toml(chain_rules: &str) -> Result<Self, RulesError> {
        Ok(Classifier {
            chain: RuleSet::from_chain_toml(chain_rules)?,
            properties: HashMap::new(),
            model: Some(default_model()),
        })
    }

    /// The same rules with the back-off model retrained on `examples` (category, channel,
    /// text) instead of the embedded set: for evaluation (k-fold) and experiments. An empty
    /// example set means rules only.
    pub fn with_model_trained_on<'a>(
        mut self,
        examples: impl IntoIterator<Item = (Category, Channel, &'a str)>,
    ) -> Self {
        let model = NaiveBayes::train(examples);
        self.model = (!model.is_empty()).then(|| Arc::new(model));
        self
    }

    /// Rules only, as before the model existed: for comparisons and rule debugging.
    pub fn without_model(mut self) -> Self {
        self.model = None;
        self
    }

    /// Add or re-weight terms for one property (weight 0 removes a chain term there).
    /// Applying a second override to the same property stacks on the first.
    pub fn with_property_override(
        mut self,
        property_id: &str,
        rules_toml: &str,
    ) -> Result<Self, RulesError> {
        let base = self.properties.get(property_id).unwrap_or(&self.chain);
        let merged = base.with_override(property_id, rules_toml)?;
        self.properties.insert(property_id.to_string(), merged);
        Ok(self)
    }

    /// The `version` of the chain rules (with any override versions appended per
    /// property), for audit records.
    pub fn rules_version(&self, property_id: &str) -> &str {
        &self.rules_for(property_id).version
    }

    pub fn classify(&self, property_id: &str, channel: Channel, text: &str) -> Classification {
        score::classify(
            self.rules_for(property_id),
            self.model.as_deref(),
            channel,
            text,
        )
    }

    fn rules_for(&self, property_id: &str) -> &RuleSet {
        self.properties.get(property_id).unwrap_or(&self.chain)
    }
}

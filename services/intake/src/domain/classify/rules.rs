//! The rules file format and its validated, compiled form.
//!
//! Chain rules and property overrides share one shape; the chain file is simply applied on
//! top of an empty rule set, and an override on top of a copy of the chain's rules.

use super::error::RulesError;
use std::sync::Arc;

use super::lexicon::{Lexicon, LexiconSpec};
use super::matcher::{Negation, Term};
use super::text::{Normalized, normalize, tokenize};
use crate::domain::model::{Category, Channel};

/// Weights outside this range are almost certainly typos (300 for 3.00) and would swamp
/// every other rule.
mod apply;
mod file;

use apply::*;
use file::*;

const MAX_ABS_WEIGHT: f32 = 10.0;

// ---------------------------------------------------------------------------------------
// Compiled form (what the classifier uses)
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Scoring {
    /// Below this the best category is not trusted and the inquiry is `other`.
    pub min_score: f32,
    /// Default score at which an intent category (complaint, suggestion) beats any topic.
    pub intent_threshold: f32,
    /// A category at or above this counts as "matched strongly" for complexity.
    pub strong_score: f32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ConfidenceRules {
    /// Below this (calibrated) confidence the inquiry is flagged `needs_triage`.
    pub triage_below: f32,
    /// Piecewise-linear map from the raw score-based confidence to a calibrated one.
    pub calibration: Vec<[f32; 2]>,
}

impl ConfidenceRules {
    pub(crate) fn calibrate(&self, raw: f32) -> f32 {
        let pts = &self.calibration;
        let Some(first) = pts.first() else {
            return raw.clamp(0.0, 1.0);
        };
        if raw <= first[0] {
            return first[1];
        }
        for w in pts.windows(2) {
            let ([x0, y0], [x1, y1]) = (w[0], w[1]);
            if raw <= x1 {
                let t = if x1 > x0 { (raw - x0) / (x1 - x0) } else { 1.0 };
                return (y0 + t * (y1 - y0)).clamp(0.0, 1.0);
            }
        }
        pts.last().map_or(raw, |p| p[1]).clamp(0.0, 1.0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Headcount {
    unit: Option<String>,
    before: Option<String>,
    min: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ComplexityRules {
    pub long_zh_chars: usize,
    pub long_en_words: usize,
    /// More `?` than this means several questions at once.
    pub max_questions: usize,
    /// This many topic categories matched strongly means a multi-part inquiry.
    pub strong_categories: usize,
    /// This many enumerated items ("1) ... 2) ...") means a multi-part inquiry.
    pub list_items: usize,
    pub terms: Vec<Term>,
    headcounts: Vec<Headcount>,
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CategoryRules {
    pub category: Category,
    pub intent: bool,
    threshold: Option<f32>,
    pub priority: i32,
    pub negatable: bool,
    pub terms: Vec<Term>,
}

impl CategoryRules {
    pub(crate) fn intent_threshold(&self, scoring: &Scoring) -> f32 {
        self.threshold.unwrap_or(scoring.intent_threshold)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RuleSet {
    pub version: String,
    pub scoring: Scoring,
    pub confidence: ConfidenceRules,
    pub negation: Negation,
    lexicon_spec: LexiconSpec,
    /// Compiled from `lexicon_spec` and every term, rebuilt whenever a file is applied.
    pub lexicon: Arc<Lexicon>,
    pub complexity: ComplexityRules,
    /// One entry per `Category::ALL`, in that order.
    pub categories: Vec<CategoryRules>,
    /// Added to a category that already matched when the inquiry came in on that channel.
    pub channel_boosts: Vec<(Channel, Category, f32)>,
}

impl RuleSet {
    /// No terms at all: everything is `other`. Also the base the chain file is applied to.
    pub(crate) fn empty() -> Self {
        RuleSet {
            version: String::new(),
            scoring: Scoring {
                min_score: 0.5,
                intent_threshold: 2.0,
                strong_score: 3.0,
            },
            confidence: ConfidenceRules {
                triage_below: 0.5,
                calibration: Vec::new(),
            },
            negation: Negation {
                window: 2,
                ..Negation::default()
            },
            lexicon_spec: LexiconSpec::default(),
            lexicon: Arc::new(Lexicon::default()),
            complexity: ComplexityRules {
                long_zh_chars: 200,
                long_en_words: 60,
                max_questions: 2,
                strong_categories: 2,
                list_items: 2,
                terms: Vec::new(),
                headcounts: Vec::new(),
            },
            categories: Category::ALL
                .iter()
                .map(|&category| CategoryRules {
                    category,
                    intent: false,
                    threshold: None,
                    priority: 0,
                    negatable: false,
                    terms: Vec::new(),
                })
                .collect(),
            channel_boosts: Vec::new(),
        }
    }

    /// Parse and apply a chain rules file.
    pub(crate) fn from_chain_toml(src: &str) -> Result<Self, RulesError> {
        let label = "chain rules";
        let file = parse(label, src)?;
        if file.version.as_deref().is_none_or(|v| v.trim().is_empty()) {
            return Err(RulesError::MissingVersion { file: label.into() });
        }
        let mut rules = RuleSet::empty();
        rules.apply(label, file)?;
        rules.rebuild_lexicon();
        Ok(rules)
    }

    /// A copy of these rules with a property override file applied.
    pub(crate) fn with_override(&self, property_id: &str, src: &str) -> Result<Self, RulesError> {
        let label = format!("property override `{property_id}`");
        let file = parse(&label, src)?;
        let mut rules = self.clone();
        rules.apply(&label, file)?;
        rules.rebuild_lexicon();
        Ok(rules)
    }

    /// Merge a parsed file in: terms are added or re-weighted, weight 0 removes a term.
    fn apply(&mut self, label: &str, file: RulesFile) -> Result<(), RulesError> {
        if let Some(v) = file.version {
            self.version = if self.version.is_empty() {
                v
            } else {
                format!("{}+{v}", self.version)
            };
        }
        if let Some(s) = file.scoring {
            apply_scoring(&mut self.scoring, s, label)?;
        }
        if let Some(c) = file.confidence {
            apply_confidence(&mut self.confidence, c, label)?;
        }
        if let Some(l) = file.lexicon {
            let spec = &mut self.lexicon_spec;
            if let Some(v) = l.typo_min_len {
                spec.typo_min_len = v;
            }
            if let Some(v) = l.typo_max_distance {
                spec.typo_max_distance = v.min(2);
            }
            spec.known_words.extend(l.known_words);
            spec.whole_words.extend(l.whole_words);
            spec.zh_homophones.extend(l.zh_homophones);
            spec.zh_homophone_exclude.extend(l.zh_homophone_exclude);
        }
        if let Some(n) = file.negation {
            let neg = &mut self.negation;
            neg.en.extend(
                n.en.iter()
                    .map(|p| tokenize(&normalize(p)))
                    .filter(|t| !t.is_empty()),
            );
            neg.zh
                .extend(n.zh.iter().map(|p| normalize(p)).filter(|p| !p.is_empty()));
            if let Some(w) = n.window {
                neg.window = w.max(1);
            }
        }
        if let Some(c) = file.complexity {
            apply_complexity(&mut self.complexity, c, label)?;
        }
        let mut seen: Vec<Category> = Vec::new();
        for spec in file.category {
            let Some(category) = Category::from_code(spec.code.trim()) else {
                return Err(unknown_category(label, spec.code));
            };
            if seen.contains(&category) {
                return Err(RulesError::DuplicateCategory {
                    file: label.into(),
                    category: category.code().into(),
                });
            }
            seen.push(category);
            let Some(rules) = self.categories.iter_mut().find(|r| r.category == category) else {
                continue; // unreachable: `empty()` holds every category
            };
            if let Some(intent) = spec.intent {
                rules.intent = intent;
            }
            if let Some(p) = spec.priority {
                rules.priority = p;
            }
            if let Some(n) = spec.negatable {
                rules.negatable = n;
            }
            if let Some(t) = spec.threshold {
                check_setting(label, &format!("{}.threshold", category.code()), t)?;
                rules.threshold = Some(t);
            }
            for term in spec.zh.iter().chain(&spec.en) {
                upsert(&mut rules.terms, term, label, category.code())?;
            }
        }
        for spec in file.channel {
            let Some(channel) = Channel::from_code(spec.code.trim()) else {
                return Err(RulesError::UnknownChannel {
                    file: label.into(),
                    code: spec.code,
                    known: Channel::ALL
                        .iter()
                        .map(|c| c.code())
                        .collect::<Vec<_>>()
                        .join(", "),
                });
            };
            for (code, boost) in spec.boost {
                let Some(category) = Category::from_code(code.trim()) else {
                    return Err(unknown_category(label, code));
                };
                if !boost.is_finite() || boost.abs() > MAX_ABS_WEIGHT {
                    return Err(RulesError::InvalidWeight {
                        file: label.into(),
                        category: category.code().into(),
                        term: format!("channel {} boost", channel.code()),
                        weight: boost,
                    });
                }
                self.channel_boosts
                    .retain(|(ch, cat, _)| (*ch, *cat) != (channel, category));
                if boost != 0.0 {
                    self.channel_boosts.push((channel, category, boost));
                }
            }
        }
        Ok(())
    }
}

impl RuleSet {
    fn rebuild_lexicon(&mut self) {
        let mut en: Vec<&str> = Vec::new();
        let mut zh: Vec<&str> = Vec::new();
        for t in self
            .categories
            .iter()
            .flat_map(|c| &c.terms)
            .chain(&self.complexity.terms)
            .filter(|t| t.weight > 0.0)
        {
            if t.key.chars().any(super::text::is_han) {
                zh.extend(t.key.split('*'));
            } else {
                en.extend(t.words());
            }
        }
        self.lexicon = Arc::new(Lexicon::build(
            &self.lexicon_spec,
            en,
            zh,
            super::corpus_words(),
        ));
    }
}

impl ComplexityRules {
    /// Whether a party size meets a headcount rule ("30人", "group of 25"), if any.
    pub(crate) fn headcount_hit(&self, text: &Normalized) -> bool {
        let t = text.text.as_str();
        let bytes = t.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let starts_number =
                bytes[i].is_ascii_digit() && (i == 0 || !bytes[i - 1].is_ascii_alphanumeric());
            if !starts_number {
                i += 1;
                continue;
            }
            let mut end = i;
            while end < bytes.len() && bytes[end].is_ascii_digit() {
                end += 1;
            }
            // Digits are ASCII, so both cuts are on char boundaries. Long digit runs are
            // phone or order numbers, not party sizes.
            let n: Option<u32> = if end - i <= 6 {
                t[i..end].parse().ok()
            } else {
                None
            };
            if let Some(n) = n {
                let before = t[..i].trim_end();
                let after = t[end..].trim_start();
                if self
                    .headcounts
                    .iter()
                    .any(|h| n >= h.min && h.fits(before, after))
                {
                    return true;
                }
            }
            i = end;
        }
        false
    }
}

impl Headcount {
    fn fits(&self, before: &str, after: &str) -> bool {
        let unit_ok = self.unit.as_deref().is_none_or(|u| {
            after.strip_prefix(u).is_some_and(|rest| {
                // "30 peoples" fine, "20 guestsxyz" not: a Latin unit must end at a word edge.
                !u.is_ascii() || !rest.starts_with(|c: char| c.is_ascii_alphabetic())
            })
        });
        let before_ok = self.before.as_deref().is_none_or(|b| before.ends_with(b));
        unit_ok && before_ok
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_zero_removes_and_overrides_replace() {
        let base = RuleSet::from_chain_toml(
            r#"version = "t1"
            [[category]]
            code = "dining"
            zh = ["早餐"]
            en = ["breakfast", { term = "menu", weight = 2 }]"#,
        );
        let Ok(base) = base else {
            panic!("base rules: {base:?}")
        };
        let dining = |r: &RuleSet| {
            r.categories
                .iter()
                .find(|c| c.category == Category::Dining)
                .map(|c| {
                    c.terms
                        .iter()
                        .map(|t| (t.key.clone(), t.weight))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        assert_eq!(dining(&base).len(), 3);
        let over = base.with_override(
            "p1",
            r#"[[category]]
            code = "dining"
            en = [{ term = "breakfast", weight = 0 }, { term = "menu", weight = 4 }]"#,
        );
        let Ok(over) = over else {
            panic!("override: {over:?}")
        };
        assert_eq!(
            dining(&over),
            vec![("早餐".to_string(), 1.0), ("menu".to_string(), 4.0)]
        );
        assert_eq!(dining(&base).len(), 3, "the chain rules are untouched");
    }

    #[test]
    fn validation_names_what_is_wrong() {
        let e = RuleSet::from_chain_toml("version = \"x\"\n[[category]]\ncode = \"spa\"\n");
        assert!(matches!(&e, Err(RulesError::UnknownCategory { code, .. }) if code == "spa"));
        let e = RuleSet::from_chain_toml("[[category]]\ncode = \"dining\"\n");
        assert!(matches!(e, Err(RulesError::MissingVersion { .. })));
        let e = RuleSet::from_chain_toml(
            "version = \"x\"\n[[category]]\ncode = \"dining\"\nen = [{ term = \"x\", weight = 99 }]\n",
        );
        assert!(matches!(&e, Err(RulesError::InvalidWeight { term, .. }) if term == "x"));
        let e = RuleSet::from_chain_toml(
            "version = \"x\"\n[[category]]\ncode = \"dining\"\nen = [\"   \"]\n",
        );
        assert!(matches!(e, Err(RulesError::EmptyTerm { .. })));
        let e = RuleSet::from_chain_toml("version = [");
        assert!(matches!(e, Err(RulesError::Parse { .. })));
    }

    #[test]
    fn headcounts() {
        let r = RuleSet::from_chain_toml(
            r#"version = "t"
            [complexity]
            headcount = [{ unit = "人", min = 20 }, { unit = "people", min = 20 },
                         { before = "group of", min = 10 }]"#,
        );
        let Ok(r) = r else { panic!("{r:?}") };
        let hit = |s: &str| r.complexity.headcount_hit(&Normalized::new(s));
        assert!(hit("我们一行30人"));
        assert!(hit("for 45 people"));
        assert!(hit("a group of 12 friends"));
        assert!(!hit("2人"));
        assert!(
            !hit("订单号13800138000人"),
            "long digit runs are ids, not party sizes"
        );
        assert!(
            !hit("room t30 people"),
            "a number glued to letters is a code"
        );
    }
}

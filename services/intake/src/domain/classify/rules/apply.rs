//! Applying one rules file's sections onto a rule set, with the checks each setting needs.

use super::*;
use crate::domain::classify::error::RulesError;
use crate::domain::classify::matcher::Term;
use crate::domain::model::Category;

pub(super) fn apply_confidence(
    into: &mut ConfidenceRules,
    c: ConfidenceSpec,
    label: &str,
) -> Result<(), RulesError> {
    if let Some(t) = c.triage_below {
        check_setting(label, "confidence.triage_below", t)?;
        into.triage_below = t;
    }
    if let Some(points) = c.calibration {
        let ok = points
            .iter()
            .all(|[x, y]| (0.0..=1.0).contains(x) && (0.0..=1.0).contains(y))
            && points
                .windows(2)
                .all(|w| w[0][0] < w[1][0] && w[0][1] <= w[1][1]);
        if !ok {
            return Err(RulesError::InvalidSetting {
                file: label.into(),
                setting: "confidence.calibration".into(),
                value: format!("{points:?}"),
                reason: "points must lie in 0..=1, with raw strictly and calibrated weakly increasing",
            });
        }
        into.calibration = points;
    }
    Ok(())
}

pub(super) fn unknown_category(label: &str, code: String) -> RulesError {
    RulesError::UnknownCategory {
        file: label.into(),
        code,
        known: Category::ALL
            .iter()
            .map(|c| c.code())
            .collect::<Vec<_>>()
            .join(", "),
    }
}

pub(super) fn check_setting(label: &str, name: &str, value: f32) -> Result<(), RulesError> {
    if value.is_finite() && value >= 0.0 {
        Ok(())
    } else {
        Err(RulesError::InvalidSetting {
            file: label.into(),
            setting: name.into(),
            value: value.to_string(),
            reason: "must be a finite number >= 0",
        })
    }
}

pub(super) fn apply_scoring(
    into: &mut Scoring,
    s: ScoringSpec,
    label: &str,
) -> Result<(), RulesError> {
    for (name, value, slot) in [
        ("scoring.min_score", s.min_score, &mut into.min_score),
        (
            "scoring.intent_threshold",
            s.intent_threshold,
            &mut into.intent_threshold,
        ),
        (
            "scoring.strong_score",
            s.strong_score,
            &mut into.strong_score,
        ),
    ] {
        if let Some(v) = value {
            check_setting(label, name, v)?;
            *slot = v;
        }
    }
    Ok(())
}

pub(super) fn apply_complexity(
    into: &mut ComplexityRules,
    c: ComplexitySpec,
    label: &str,
) -> Result<(), RulesError> {
    for (value, slot) in [
        (c.long_zh_chars, &mut into.long_zh_chars),
        (c.long_en_words, &mut into.long_en_words),
        (c.max_questions, &mut into.max_questions),
        (c.strong_categories, &mut into.strong_categories),
        (c.list_items, &mut into.list_items),
    ] {
        if let Some(v) = value {
            *slot = v;
        }
    }
    for term in c.zh.iter().chain(&c.en) {
        upsert(&mut into.terms, term, label, "complexity")?;
    }
    for h in c.headcount {
        let unit = h
            .unit
            .map(|u| crate::domain::classify::text::normalize(&u))
            .filter(|u| !u.is_empty());
        let before = h
            .before
            .map(|b| crate::domain::classify::text::normalize(&b))
            .filter(|b| !b.is_empty());
        if unit.is_none() && before.is_none() {
            return Err(RulesError::InvalidSetting {
                file: label.into(),
                setting: "complexity.headcount".into(),
                value: format!("min = {}", h.min),
                reason: "needs a `unit` or a `before`",
            });
        }
        let h = Headcount {
            unit,
            before,
            min: h.min,
        };
        into.headcounts
            .retain(|old| old.unit != h.unit || old.before != h.before);
        into.headcounts.push(h);
    }
    Ok(())
}

/// Add a term, replace its weight, or (weight 0) remove it.
pub(super) fn upsert(
    terms: &mut Vec<Term>,
    spec: &TermSpec,
    label: &str,
    category: &str,
) -> Result<(), RulesError> {
    let (raw, weight) = spec.parts();
    if let Some(w) = weight
        && (!w.is_finite() || w.abs() > MAX_ABS_WEIGHT)
    {
        return Err(RulesError::InvalidWeight {
            file: label.into(),
            category: category.into(),
            term: raw.into(),
            weight: w,
        });
    }
    let Some(term) = Term::compile(raw, weight) else {
        return Err(RulesError::EmptyTerm {
            file: label.into(),
            category: category.into(),
            term: raw.into(),
        });
    };
    terms.retain(|t| t.key != term.key);
    if term.weight != 0.0 {
        terms.push(term);
    }
    Ok(())
}

//! Scoring an inquiry against a rule set and turning the scores into a [`Classification`].

use super::Classification;
use super::bayes::{NaiveBayes, Prediction};
use super::clean::guest_words;
use super::matcher::Negation;
use super::rules::{CategoryRules, RuleSet};
use super::text::Normalized;
use crate::domain::model::{Category, Channel, Complexity, Language};

/// How much the model's (tempered) posterior counts against rule scores when the rules are
/// not decisive: a posterior of 1.0 is worth this many rule-weight points (a 2-char term is
/// 1.0). Chosen by 5-fold cross-validation with the temperature in `bayes.rs`.
const MODEL_WEIGHT: f32 = 2.0;
/// With no rule term matched at all, the model must be at least this sure (13 classes, so
/// chance is ~0.08) to name a category; below it the inquiry stays `other` for a human.
const MODEL_ALONE_MIN: f32 = 0.4;
/// Rules at or above this score, with this margin over the runner-up, decide on their own.
const RULES_SURE_MARGIN: f32 = 1.0;
/// Raw confidence lost per corrected typo or homophone slip (up to the cap below).
const CORRECTION_PENALTY: f32 = 0.05;
const MAX_PENALISED_CORRECTIONS: usize = 3;
/// How many model features to list in `matched_terms` when the model decided.
const MODEL_TERMS: usize = 3;

/// Confidence when nothing matched at all: it is `other` only by default.
const NO_MATCH_CONFIDENCE: f32 = 0.1;
/// Confidence when something matched but too weakly to trust.
const WEAK_MATCH_CONFIDENCE: f32 = 0.15;

#[derive(Debug)]
struct CategoryScore<'r> {
    rules: &'r CategoryRules,
    score: f32,
    /// (term as written, weight), positive weights only.
    matched: Vec<(&'r str, f32)>,
}

pub(crate) fn classify(
    rules: &RuleSet,
    model: Option<&NaiveBayes>,
    channel: Channel,
    raw: &str,
) -> Classification {
    let cleaned = guest_words(raw);
    let text = Normalized::with_lexicon(&cleaned.text, &rules.lexicon);
    let language = if text.is_chinese() {
        Language::Zh
    } else {
        Language::En
    };
    let mut scores: Vec<CategoryScore<'_>> = rules
        .categories
        .iter()
        .map(|c| score_category(c, &text, c.negatable.then_some(&rules.negation)))
        .collect();
    // The channel is a prior, not evidence: at the restaurant desk an ambiguous question
    // that matched dining at all is probably about dining. Never creates a match.
    for (ch, cat, boost) in &rules.channel_boosts {
        if *ch == channel {
            for s in scores
                .iter_mut()
                .filter(|s| s.rules.category == *cat && s.score > 0.0)
            {
                s.score = (s.score + boost).max(0.0);
            }
        }
    }

    let rule_pick = pick_winner(rules, &scores);
    let prediction = model
        .filter(|m| !m.is_empty())
        .map(|m| m.predict(&text, channel))
        .filter(|p| p.known_features > 0);
    let (category, raw_confidence, matched_terms) = match (model, prediction) {
        (Some(model), Some(prediction)) => combine(rules, &scores, rule_pick, model, &prediction),
        _ => rules_only(&scores, rule_pick),
    };
    // Every guessed spelling is a chance the guess was wrong.
    let raw_confidence = (raw_confidence
        - CORRECTION_PENALTY * text.corrections.min(MAX_PENALISED_CORRECTIONS) as f32)
        .max(0.0);
    let confidence = rules.confidence.calibrate(raw_confidence);

    let complexity = if is_complex(rules, &text, &scores, category) {
        Complexity::Complex
    } else {
        Complexity::Simple
    };
    Classification {
        category,
        language,
        complexity,
        confidence,
        needs_triage: confidence < rules.confidence.triage_below,
        reservation_ref: cleaned.reservation_ref,
        matched_terms,
        // CI-2.5: social-media complaints go to the complaint process; other channels'
        // complaints are handled as ordinary (complex) inquiries.
        complaint_process: category == Category::Complaint && channel.is_social(),
    }
}

/// The rules' own verdict, as before the model existed.
fn rules_only(scores: &[CategoryScore<'_>], pick: Option<usize>) -> (Category, f32, Vec<String>) {
    match pick {
        Some(i) => (
            scores[i].rules.category,
            confidence(scores, i),
            scores[i].terms(),
        ),
        None => {
            let any = scores.iter().any(|s| !s.matched.is_empty());
            let c = if any {
                WEAK_MATCH_CONFIDENCE
            } else {
                NO_MATCH_CONFIDENCE
            };
            (Category::Other, c, Vec::new())
        }
    }
}

/// Rules first, model as back-off. An intent rule that reached its threshold keeps
/// priority (intent beats topic, and the complaint process depends on it), as does a topic
/// that scored strongly with a clear margin. Otherwise each category's rule score and its
/// model posterior are added, so the model breaks ties, outvotes a single weak term, and
/// names a category when no term matched at all.
fn combine(
    rules: &RuleSet,
    scores: &[CategoryScore<'_>],
    pick: Option<usize>,
    model: &NaiveBayes,
    prediction: &Prediction,
) -> (Category, f32, Vec<String>) {
    let (model_best, model_p) = prediction.best();
    if let Some(i) = pick {
        let s = &scores[i];
        let intent_hit = s.rules.intent && s.score >= s.rules.intent_threshold(&rules.scoring);
        let sure = s.score >= rules.scoring.strong_score
            && s.score - runner_up(scores, i) >= RULES_SURE_MARGIN;
        if intent_hit || sure {
            let category = s.rules.category;
            let conf = blend_confidence(confidence(scores, i), prediction, category, model_best);
            return (category, conf, s.terms());
        }
    }
    let any_rule = scores.iter().any(|s| s.score > 0.0);
    if !any_rule {
        if model_p >= MODEL_ALONE_MIN {
            let conf = (model_p * 0.8).clamp(0.0, 1.0);
            return (
                model_best,
                conf,
                model.explain(prediction, model_best, MODEL_TERMS),
            );
        }
        return (Category::Other, NO_MATCH_CONFIDENCE, Vec::new());
    }
    let combined =
        |s: &CategoryScore<'_>| s.score + MODEL_WEIGHT * prediction.prob(s.rules.category);
    let Some((i, best)) = scores
        .iter()
        .enumerate()
        .max_by(|(ia, a), (ib, b)| combined(a).total_cmp(&combined(b)).then(ib.cmp(ia)))
    else {
        return rules_only(scores, pick);
    };
    let category = best.rules.category;
    let rule_conf = if best.score > 0.0 {
        confidence(scores, i)
    } else {
        NO_MATCH_CONFIDENCE
    };
    let conf = blend_confidence(rule_conf, prediction, category, model_best);
    let terms = if best.matched.is_empty() {
        model.explain(prediction, category, MODEL_TERMS)
    } else {
        best.terms()
    };
    (category, conf, terms)
}

/// Half rule confidence, half model posterior for the chosen category, plus a bonus when
/// the model's own favourite agrees: two independent signals agreeing is worth more than
/// either alone.
fn blend_confidence(
    rule_conf: f32,
    prediction: &Prediction,
    category: Category,
    model_best: Category,
) -> f32 {
    let agree = if model_best == category { 0.1 } else { 0.0 };
    (0.5 * rule_conf + 0.5 * prediction.prob(category) + agree).clamp(0.0, 0.99)
}

fn runner_up(scores: &[CategoryScore<'_>], winner: usize) -> f32 {
    scores
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != winner)
        .map(|(_, s)| s.score)
        .fold(0.0_f32, f32::max)
}

fn score_category<'r>(
    rules: &'r CategoryRules,
    text: &Normalized,
    negation: Option<&Negation>,
) -> CategoryScore<'r> {
    let mut score = 0.0_f32;
    let mut matched = Vec::new();
    for term in &rules.terms {
        // Negation cancels cues, not the negative terms that already encode it.
        let neg = negation.filter(|_| term.weight > 0.0);
        if term.matches_unless(text, neg) {
            score += term.weight;
            if term.weight > 0.0 {
                matched.push((term.text.as_str(), term.weight));
            }
        }
    }
    // Negative terms ("no complaints") damp a category; they never make it negative.
    CategoryScore {
        rules,
        score: score.max(0.0),
        matched,
    }
}

/// Intent beats topic: a complaint about the restaurant is a complaint, so an intent
/// category whose score reaches its threshold wins even if a topic scores higher (among
/// several such intents the higher `priority`: complaint over suggestion over praise). Otherwise
/// the highest score wins; on a tie a topic beats an intent below its threshold (a plain
/// question that happens to say "refund" is not a complaint), then the category with the
/// strongest single term, then taxonomy order.
fn pick_winner(rules: &RuleSet, scores: &[CategoryScore<'_>]) -> Option<usize> {
    let intent = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| s.rules.intent && s.score >= s.rules.intent_threshold(&rules.scoring))
        .filter(|(_, s)| s.score > 0.0)
        .max_by(|(ia, a), (ib, b)| {
            a.rules
                .priority
                .cmp(&b.rules.priority)
                .then(a.score.total_cmp(&b.score))
                .then(ib.cmp(ia))
        });
    if let Some((i, _)) = intent {
        return Some(i);
    }
    // Below its threshold an intent needs at least half of it: one weak cue ("随便",
    // "waiting") is not a complaint.
    let eligible = |s: &CategoryScore<'_>| {
        !s.rules.intent || s.score >= s.rules.intent_threshold(&rules.scoring) / 2.0
    };
    let (i, best) = scores
        .iter()
        .enumerate()
        .filter(|(_, s)| eligible(s))
        .max_by(|(ia, a), (ib, b)| {
            a.score
                .total_cmp(&b.score)
                .then(b.rules.intent.cmp(&a.rules.intent))
                // A single specific term beats a pile of generic ones ("带猫" vs
                // "额外费用" + "费用").
                .then(a.strongest().total_cmp(&b.strongest()))
                .then(ib.cmp(ia))
        })?;
    (best.score > 0.0 && best.score >= rules.scoring.min_score).then_some(i)
}

impl CategoryScore<'_> {
    /// Matched rule terms, heaviest first (stable: rule-file order among equal weights).
    fn terms(&self) -> Vec<String> {
        let mut matched = self.matched.clone();
        matched.sort_by(|a, b| b.1.total_cmp(&a.1));
        matched.into_iter().map(|(t, _)| t.to_string()).collect()
    }

    fn strongest(&self) -> f32 {
        self.matched.iter().map(|(_, w)| *w).fold(0.0, f32::max)
    }
}

/// From the winner's margin over the runner-up and its absolute strength: one weak term
/// with a close second is a guess; several strong terms and no rival is near-certain.
fn confidence(scores: &[CategoryScore<'_>], winner: usize) -> f32 {
    let best = scores[winner].score;
    let second = runner_up(scores, winner);
    if best <= 0.0 {
        return NO_MATCH_CONFIDENCE;
    }
    let margin = ((best - second) / best).clamp(0.0, 1.0);
    let strength = best / (best + 2.0);
    (0.1 + 0.45 * margin + 0.45 * strength).clamp(0.0, 1.0)
}

/// CI-3.2: complex inquiries are verified before answering.
fn is_complex(
    rules: &RuleSet,
    text: &Normalized,
    scores: &[CategoryScore<'_>],
    category: Category,
) -> bool {
    let c = &rules.complexity;
    let long = if text.is_chinese() {
        text.chars > c.long_zh_chars
    } else {
        text.words > c.long_en_words
    };
    let strong_topics = scores
        .iter()
        .filter(|s| !s.rules.intent && s.rules.category != Category::Other)
        .filter(|s| s.score >= rules.scoring.strong_score)
        .count();
    // Complaints always need a human to look into them.
    category == Category::Complaint
        || long
        || text.question_marks > c.max_questions
        || (c.strong_categories > 0 && strong_topics >= c.strong_categories)
        || (c.list_items > 0 && list_items(&text.text) >= c.list_items)
        || c.terms.iter().any(|t| t.weight > 0.0 && t.matches(text))
        || c.headcount_hit(text)
}

/// Enumerated items such as "1) ... 2) ..." or "1、... 2、...": several asks in one message.
fn list_items(text: &str) -> usize {
    let chars: Vec<char> = text.chars().collect();
    let mut count = 0;
    for (i, w) in chars.windows(2).enumerate() {
        let starts = i == 0 || !chars[i - 1].is_ascii_alphanumeric();
        if starts && w[0].is_ascii_digit() && matches!(w[1], ')' | '、') {
            count += 1;
        }
    }
    count
        + text
            .chars()
            .filter(|c| ('\u{2460}'..='\u{2473}').contains(c))
            .count()
}

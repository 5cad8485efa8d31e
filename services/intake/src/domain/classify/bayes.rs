//! A multinomial naive Bayes back-off, learned from labelled inquiries.
//!
//! The rule terms generalise poorly to phrasings nobody wrote a rule for ("多少米一晚",
//! "dialled the wrong hotel"); a bag of Chinese character n-grams and English word n-grams
//! learned from examples covers much of that long tail without a segmenter. It is a
//! back-off, not the primary signal: see `score.rs` for how the two are combined.
//!
//! Naive Bayes because it trains in one counting pass (the model is rebuilt at start-up from
//! the embedded examples, so there is no model artefact to version), needs no tuning loop
//! and stays sensible with a few hundred examples.

use std::collections::HashMap;

use super::clean::guest_words;
use super::text::{Normalized, is_han};
use crate::domain::model::{Category, Channel};

/// Additive smoothing. Small, because the vocabulary is large relative to each class's
/// token count and a big alpha would flatten every feature into the prior.
const ALPHA: f64 = 0.1;

/// Log-posteriors are divided by this before the softmax. Naive Bayes counts overlapping
/// evidence (a character, its bigram, the same word stemmed) as independent, so its raw
/// posteriors are near 0 or 1 even when it is guessing; tempered, they are comparable with
/// rule scores. Chosen by 5-fold cross-validation (2..6 tried).
const TEMPERATURE: f32 = 5.0;

/// Number of categories; per-feature rows are indexed by `Category::ALL` order.
const N: usize = Category::ALL.len();

/// English words too common to say anything about the topic. Kept short on purpose: naive
/// Bayes copes with most function words, but these dominate short messages' evidence.
const STOP_WORDS: &[&str] = &[
    "a", "an", "the", "i", "im", "is", "are", "am", "to", "of", "and", "or", "it", "its", "in",
    "on", "at", "for", "my", "me", "we", "our", "us", "you", "your", "u", "be", "do", "does",
    "can", "could", "would", "will", "please", "pls", "hi", "hello", "dear", "thanks", "thank",
    "this", "that", "there", "with", "if", "so", "just", "any", "some", "have", "has", "was",
    "were", "yes", "ok", "um",
];

/// Trained per-category feature log-likelihoods.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NaiveBayes {
    /// ln P(feature | category) for every feature seen in training.
    log_likelihood: HashMap<String, [f32; N]>,
    /// ln P(category); flat classes would make this constant, but the training data need
    /// not be balanced.
    log_prior: [f32; N],
}

/// What the model makes of one inquiry.
#[derive(Debug, Clone)]
pub(crate) struct Prediction {
    /// Posterior over `Category::ALL`, summing to 1. All equal when nothing was known.
    pub posterior: [f32; N],
    /// How many of the inquiry's features the model had seen in training: with none, the
    /// posterior is only the prior and must not be trusted.
    pub known_features: usize,
    /// Features of the inquiry, for explaining a model decision.
    features: Vec<String>,
}

impl Prediction {
    pub(crate) fn best(&self) -> (Category, f32) {
        let mut best = (Category::Other, 0.0_f32);
        for (i, &p) in self.posterior.iter().enumerate() {
            if p > best.1 {
                best = (Category::ALL[i], p);
            }
        }
        best
    }

    pub(crate) fn prob(&self, category: Category) -> f32 {
        index(category).map_or(0.0, |i| self.posterior[i])
    }
}

fn index(category: Category) -> Option<usize> {
    Category::ALL.iter().position(|&c| c == category)
}

impl NaiveBayes {
    /// Count features per category. Examples with no features are ignored; a category with
    /// no examples gets the smoothed floor everywhere, so it can never win on evidence.
    pub(crate) fn train<'a>(
        examples: impl IntoIterator<Item = (Category, Channel, &'a str)>,
    ) -> Self {
        let mut counts: HashMap<String, [u32; N]> = HashMap::new();
        let mut docs = [0_u32; N];
        let mut totals = [0_u64; N];
        for (category, channel, text) in examples {
            let Some(ci) = index(category) else { continue };
            // The same cut to the guest's own words as at classification time.
            let feats = features(&Normalized::new(&guest_words(text).text), channel);
            if feats.is_empty() {
                continue;
            }
            docs[ci] += 1;
            for f in feats {
                totals[ci] += 1;
                counts.entry(f).or_insert([0; N])[ci] += 1;
            }
        }
        let vocab = counts.len().max(1) as f64;
        let log_likelihood = counts
            .into_iter()
            .map(|(f, row)| {
                let mut ll = [0.0_f32; N];
                for (i, slot) in ll.iter_mut().enumerate() {
                    *slot = ((f64::from(row[i]) + ALPHA) / (totals[i] as f64 + ALPHA * vocab)).ln()
                        as f32;
                }
                (f, ll)
            })
            .collect();
        let n_docs: u32 = docs.iter().sum();
        let mut log_prior = [0.0_f32; N];
        for (i, slot) in log_prior.iter_mut().enumerate() {
            // Add-one so an empty class is improbable, not impossible (ln 0).
            *slot = ((f64::from(docs[i]) + 1.0) / (f64::from(n_docs) + N as f64)).ln() as f32;
        }
        NaiveBayes {
            log_likelihood,
            log_prior,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.log_likelihood.is_empty()
    }

    pub(crate) fn predict(&self, text: &Normalized, channel: Channel) -> Prediction {
        let features = features(text, channel);
        let mut log_post = self.log_prior;
        let mut known_features = 0;
        for f in &features {
            if let Some(ll) = self.log_likelihood.get(f) {
                // The channel feature is always present; it shifts the posterior but is
                // not evidence about the text.
                if !f.starts_with('@') && f != "#" {
                    known_features += 1;
                }
                for (p, l) in log_post.iter_mut().zip(ll) {
                    *p += l;
                }
            }
        }
        for p in &mut log_post {
            *p /= TEMPERATURE;
        }
        Prediction {
            posterior: softmax(&log_post),
            known_features,
            features,
        }
    }

    /// The features that most favour `category` over the other categories in `prediction`,
    /// best first, for `matched_terms` when the model decided.
    pub(crate) fn explain(
        &self,
        prediction: &Prediction,
        category: Category,
        max: usize,
    ) -> Vec<String> {
        let Some(ci) = index(category) else {
            return Vec::new();
        };
        let mut scored: Vec<(&str, f32)> = prediction
            .features
            .iter()
            .filter(|f| !f.starts_with('@'))
            .filter_map(|f| {
                let ll = self.log_likelihood.get(f)?;
                let others = ll
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| *i != ci)
                    .map(|(_, l)| *l)
                    .fold(f32::NEG_INFINITY, f32::max);
                let lift = ll[ci] - others;
                (lift > 0.0).then_some((f.as_str(), lift))
            })
            .collect();
        scored.sort_by(|a, b| b.1.total_cmp(&a.1));
        scored.dedup_by(|a, b| a.0 == b.0);
        scored
            .into_iter()
            .take(max)
            .map(|(f, _)| format!("~{}", f.replace('_', " ")))
            .collect()
    }
}

fn softmax(log_post: &[f32; N]) -> [f32; N] {
    let max = log_post.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let mut out = [0.0_f32; N];
    if !max.is_finite() {
        return [1.0 / N as f32; N];
    }
    let mut sum = 0.0;
    for (o, l) in out.iter_mut().zip(log_post) {
        *o = (l - max).exp();
        sum += *o;
    }
    if sum > 0.0 {
        for o in &mut out {
            *o /= sum;
        }
    }
    out
}

/// Chinese: Han character unigrams and bigrams within runs of Han (no segmenter needed; a
/// bigram is a decent proxy for a word). English and other Latin text: stemmed word
/// unigrams and adjacent-word bigrams joined by `_`. Each feature counts once per inquiry
/// (binarised counts suit short texts better than raw frequencies). Plus the channel as
/// `@code`, a weak prior on topic.
pub(crate) fn features(text: &Normalized, channel: Channel) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut prev: Option<char> = None;
    for c in text.text.chars() {
        if is_han(c) {
            out.push(c.to_string());
            if let Some(p) = prev {
                let mut bi = String::with_capacity(8);
                bi.push(p);
                bi.push(c);
                out.push(bi);
            }
            prev = Some(c);
        } else {
            prev = None;
        }
    }
    let words: Vec<String> = text
        .tokens
        .iter()
        .filter(|t| !STOP_WORDS.contains(&t.as_str()))
        .map(|t| stem(t))
        .collect();
    for (i, w) in words.iter().enumerate() {
        out.push(w.clone());
        if let Some(next) = words.get(i + 1) {
            out.push(format!("{w}_{next}"));
        }
    }
    out.push(format!("@{}", channel.code()));
    out.sort_unstable();
    out.dedup();
    out
}

/// Light English stemming: fold plural and -ed/-ing endings and digits so "rooms"/"room",
/// "booked"/"booking"/"book" and "1208"/"604" share a feature. Deliberately crude:
/// over-stemming merges a few unrelated words, which matters less than splitting the same
/// word across several rarely seen features.
fn stem(token: &str) -> String {
    if token.chars().all(|c| c.is_ascii_digit()) {
        return "#".to_string();
    }
    for suffix in ["ing", "ed", "es", "s"] {
        if let Some(stem) = token.strip_suffix(suffix)
            && stem.chars().count() >= 3
            && !stem.ends_with('s')
        {
            return stem.to_string();
        }
    }
    token.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn features_are_han_ngrams_and_stemmed_words() {
        let f = features(&Normalized::new("早餐 rooms booked"), Channel::Email);
        for want in ["早", "餐", "早餐", "room", "book", "room_book", "@email"] {
            assert!(f.iter().any(|x| x == want), "{want} in {f:?}");
        }
        assert!(
            !f.iter().any(|x| x == "餐r"),
            "n-grams stop at script changes"
        );
    }

    #[test]
    fn learns_from_examples_and_knows_when_it_knows_nothing() {
        let m = NaiveBayes::train([
            (Category::Dining, Channel::Email, "早餐几点"),
            (Category::Dining, Channel::Email, "breakfast hours"),
            (Category::Facilities, Channel::Email, "泳池几点"),
            (Category::Facilities, Channel::Email, "pool hours"),
        ]);
        let p = m.predict(&Normalized::new("早餐"), Channel::Website);
        assert_eq!(p.best().0, Category::Dining);
        assert!(p.known_features > 0);
        let p = m.predict(&Normalized::new("xyzzy"), Channel::Website);
        assert_eq!(p.known_features, 0);
        assert!(
            m.explain(
                &m.predict(&Normalized::new("泳池"), Channel::Email),
                Category::Facilities,
                3
            )
            .iter()
            .any(|f| f == "~泳池")
        );
    }

    #[test]
    fn empty_model_is_harmless() {
        let m = NaiveBayes::train(std::iter::empty());
        assert!(m.is_empty());
        let p = m.predict(&Normalized::new("anything"), Channel::Email);
        assert!(p.posterior.iter().all(|x| x.is_finite()));
    }
}

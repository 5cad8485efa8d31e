//! Accuracy of the default classifier on labelled JSONL sets, and k-fold cross-validation
//! of the rules + model combination.
//!
//! cargo run -p frontdesk-intake --example classify_eval -- [options] [set.jsonl ...]
//!
//!   (no options)     the shipped classifier (rules + embedded model) on the given sets
//!   --rules-only     the rules alone, as before the model existed
//!   --rules FILE     use this chain rules file instead of the embedded one (e.g. an older
//!                    version, to compare)
//!   --kfold K        merge the sets, split them into K folds; for each fold train the model
//!                    on the other folds only and classify the fold. Reports rules-only,
//!                    model-only and combined accuracy. The honest number for anything the
//!                    embedded model was trained on.
//!   --misses         list every miss (default for plain evaluation)
//!   --timing N       classify every message of the sets N times, one call at a time, and
//!                    print latency percentiles of a single classify call (release build!)
//!
//! Every report includes a reliability table (confidence bin → accuracy). Run it with
//! `--rules` on a copy of the rules whose `[confidence] calibration` is removed to see the
//! raw confidence that the calibration points were fitted on.
//!
//! Each line: {"text": "...", "channel": "<channel code>", "category": "<category code>",
//! "complexity": "simple|complex"}. Prints per-category accuracy, overall and complexity
//! accuracy.
//!
//! The rules themselves were tuned by hand on the dev set, so k-fold figures on sets that
//! include it are optimistic for the rules part; a set written after the rules (the held-out
//! file) is the fairer check.

// A report printer: long, flat and only run by hand.
#![allow(clippy::too_many_lines)]

use std::process::ExitCode;
use std::time::Instant;

use frontdesk_intake::domain::classify::{Classification, Classifier};
use frontdesk_intake::domain::model::{Category, Channel, Complexity, Language};
use serde::Deserialize;

const DEFAULT_PATH: &str = "services/intake/tests/data/classification_dev.jsonl";

#[derive(Deserialize)]
struct Line {
    text: String,
    channel: String,
    category: String,
    complexity: String,
}

struct Example {
    /// Which input file it came from, for per-file figures.
    source: usize,
    text: String,
    channel: Channel,
    category: Category,
    complexity: Complexity,
}

/// Property id used for the eval: none of the chain's overrides apply.
const EVAL_PROPERTY: &str = "eval";

/// Fixed shuffle seed so k-fold figures are reproducible run to run.
const SEED: u64 = 0x5DEE_CE66_D1CE_4E5B;

fn main() -> ExitCode {
    let mut paths = Vec::new();
    let mut kfold: Option<usize> = None;
    let mut rules_only = false;
    let mut show_misses = false;
    let mut rules_file: Option<String> = None;
    let mut timing: Option<usize> = None;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--rules-only" => rules_only = true,
            "--misses" => show_misses = true,
            "--rules" => match args.next() {
                Some(f) => rules_file = Some(f),
                None => {
                    eprintln!("--rules needs a file");
                    return ExitCode::FAILURE;
                }
            },
            "--timing" => match args.next().and_then(|k| k.parse().ok()) {
                Some(n) if n >= 1 => timing = Some(n),
                _ => {
                    eprintln!("--timing needs a number >= 1");
                    return ExitCode::FAILURE;
                }
            },
            "--kfold" => match args.next().and_then(|k| k.parse().ok()) {
                Some(k) if k >= 2 => kfold = Some(k),
                _ => {
                    eprintln!("--kfold needs a number >= 2");
                    return ExitCode::FAILURE;
                }
            },
            _ => paths.push(a),
        }
    }
    if paths.is_empty() {
        paths.push(DEFAULT_PATH.to_string());
    }
    let mut set = Vec::new();
    for (source, path) in paths.iter().enumerate() {
        match load(path, source) {
            Ok(mut s) => set.append(&mut s),
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::FAILURE;
            }
        }
    }

    let base = match &rules_file {
        None => Classifier::default_rules(),
        Some(f) => match std::fs::read_to_string(f)
            .map_err(|e| e.to_string())
            .and_then(|t| Classifier::from_toml(&t).map_err(|e| e.to_string()))
        {
            Ok(c) => c,
            Err(e) => {
                eprintln!("{f}: {e}");
                return ExitCode::FAILURE;
            }
        },
    };
    if let Some(rounds) = timing {
        time_calls(&base, &set, rounds);
        return ExitCode::SUCCESS;
    }
    match kfold {
        None => {
            let mut classifier = base;
            if rules_only {
                classifier = classifier.without_model();
            }
            let results: Vec<Classification> = set
                .iter()
                .map(|ex| classifier.classify(EVAL_PROPERTY, ex.channel, &ex.text))
                .collect();
            report(&set, &results, true);
        }
        Some(k) => {
            let folds = assign_folds(set.len(), k);
            let rules = base.clone().without_model();
            let model_alone = match Classifier::from_toml("version = \"empty\"") {
                Ok(c) => c,
                Err(e) => {
                    eprintln!("{e}");
                    return ExitCode::FAILURE;
                }
            };
            let mut combined = vec![None; set.len()];
            let mut model_only = vec![None; set.len()];
            for fold in 0..k {
                let train = set
                    .iter()
                    .zip(&folds)
                    .filter(|(_, f)| **f != fold)
                    .map(|(ex, _)| (ex.category, ex.channel, ex.text.as_str()));
                let c = base.clone().with_model_trained_on(train.clone());
                let m = model_alone.clone().with_model_trained_on(train);
                for (i, ex) in set.iter().enumerate().filter(|(i, _)| folds[*i] == fold) {
                    combined[i] = Some(c.classify(EVAL_PROPERTY, ex.channel, &ex.text));
                    model_only[i] = Some(m.classify(EVAL_PROPERTY, ex.channel, &ex.text));
                }
            }
            let combined: Vec<Classification> = combined.into_iter().flatten().collect();
            let model_only: Vec<Classification> = model_only.into_iter().flatten().collect();
            let rules: Vec<Classification> = set
                .iter()
                .map(|ex| rules.classify(EVAL_PROPERTY, ex.channel, &ex.text))
                .collect();
            println!("== rules only (no training involved)");
            report(&set, &rules, false);
            println!("\n== model only, {k}-fold");
            report(&set, &model_only, false);
            println!("\n== rules + model, {k}-fold");
            report(&set, &combined, show_misses);
            if paths.len() > 1 {
                println!("\nper input file (rules only / model only / rules + model):");
                for (source, path) in paths.iter().enumerate() {
                    let acc = |r: &[Classification]| {
                        let (n, ok) = set
                            .iter()
                            .zip(r)
                            .filter(|(ex, _)| ex.source == source)
                            .fold((0, 0), |(n, ok), (ex, got)| {
                                (n + 1, ok + usize::from(got.category == ex.category))
                            });
                        pct(ok, n)
                    };
                    println!(
                        "  {path}: {} / {} / {}",
                        acc(&rules),
                        acc(&model_only),
                        acc(&combined)
                    );
                }
            }
        }
    }
    ExitCode::SUCCESS
}

fn load(path: &str, source: usize) -> Result<Vec<Example>, String> {
    let raw = std::fs::read_to_string(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    let mut out = Vec::new();
    for (lineno, line) in raw.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let l: Line = serde_json::from_str(line)
            .map_err(|e| format!("{path}:{}: bad line: {e}", lineno + 1))?;
        let (Some(channel), Some(category), Some(complexity)) = (
            Channel::from_code(&l.channel),
            Category::from_code(&l.category),
            Complexity::from_code(&l.complexity),
        ) else {
            return Err(format!(
                "{path}:{}: unknown channel/category/complexity code",
                lineno + 1
            ));
        };
        out.push(Example {
            source,
            text: l.text,
            channel,
            category,
            complexity,
        });
    }
    Ok(out)
}

/// Fold of each example: a seeded shuffle dealt round-robin, so folds are equal-sized and
/// do not follow the file's category-sorted order.
fn assign_folds(n: usize, k: usize) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    let mut seed = SEED;
    for i in (1..n).rev() {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let j = (seed >> 33) as usize % (i + 1);
        order.swap(i, j);
    }
    let mut folds = vec![0; n];
    for (pos, &i) in order.iter().enumerate() {
        folds[i] = pos % k;
    }
    folds
}

/// Latency of one classify call: every message, `rounds` times, each call timed alone.
/// Two views: all calls as measured (wall clock, so a busy machine's preemptions land in
/// the tail), and per message the fastest of its rounds (its cost when it gets the CPU),
/// whose p99 is the p99 over messages of what classifying one costs.
fn time_calls(classifier: &Classifier, set: &[Example], rounds: usize) {
    // Warm-up: the embedded model is trained on first use.
    for ex in set.iter().take(10) {
        std::hint::black_box(classifier.classify(EVAL_PROPERTY, ex.channel, &ex.text));
    }
    let mut all: Vec<f64> = Vec::with_capacity(set.len() * rounds);
    let mut fastest: Vec<f64> = vec![f64::INFINITY; set.len()];
    for _ in 0..rounds {
        for (i, ex) in set.iter().enumerate() {
            let t = Instant::now();
            std::hint::black_box(classifier.classify(EVAL_PROPERTY, ex.channel, &ex.text));
            let us = t.elapsed().as_secs_f64() * 1e6;
            all.push(us);
            fastest[i] = fastest[i].min(us);
        }
    }
    for (label, mut v) in [
        ("every call (wall clock)", all),
        ("per message, fastest of its rounds", fastest),
    ] {
        v.sort_by(f64::total_cmp);
        let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
        let mean = v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "{label}: n={} mean {mean:.1} µs, p50 {:.1} µs, p90 {:.1} µs, p99 {:.1} µs, max {:.1} µs",
            v.len(),
            q(0.5),
            q(0.9),
            q(0.99),
            v[v.len() - 1]
        );
    }
}

fn report(set: &[Example], results: &[Classification], show_misses: bool) {
    // Per category, in taxonomy order: (n, correct).
    let mut per_cat: Vec<(Category, usize, usize)> =
        Category::ALL.iter().map(|&c| (c, 0, 0)).collect();
    let mut complexity_ok = 0;
    let mut misses = Vec::new();
    for (ex, got) in set.iter().zip(results) {
        if let Some(row) = per_cat.iter_mut().find(|r| r.0 == ex.category) {
            row.1 += 1;
            if got.category == ex.category {
                row.2 += 1;
            }
        }
        if got.complexity == ex.complexity {
            complexity_ok += 1;
        }
        if got.category != ex.category {
            misses.push(format!(
                "  {:<14} -> {:<14} ({:.2}) [{}] {}",
                ex.category.code(),
                got.category.code(),
                got.confidence,
                got.matched_terms.join(", "),
                ex.text
            ));
        }
    }
    let total = results.len();
    println!(
        "{:<16} {:>4} {:>8} {:>9}",
        "category", "n", "correct", "accuracy"
    );
    let mut correct = 0;
    for (cat, n, ok) in &per_cat {
        correct += ok;
        println!("{:<16} {:>4} {:>8} {:>9}", cat.code(), n, ok, pct(*ok, *n));
    }
    println!(
        "{:<16} {:>4} {:>8} {:>9}",
        "OVERALL",
        total,
        correct,
        pct(correct, total)
    );
    println!(
        "{:<16} {:>4} {:>8} {:>9}",
        "complexity",
        total,
        complexity_ok,
        pct(complexity_ok, total)
    );
    // Per language (as the classifier detected it).
    for lang in Language::ALL {
        let (n, ok) = set
            .iter()
            .zip(results)
            .filter(|(_, got)| got.language == *lang)
            .fold((0, 0), |(n, ok), (ex, got)| {
                (n + 1, ok + usize::from(got.category == ex.category))
            });
        println!(
            "{:<16} {:>4} {:>8} {:>9}",
            format!("lang {}", lang.code()),
            n,
            ok,
            pct(ok, n)
        );
    }
    // Confidence: who would be flagged, and what is confidently wrong.
    let flagged = results.iter().filter(|r| r.needs_triage).count();
    let (kept, kept_ok) = set
        .iter()
        .zip(results)
        .filter(|(_, r)| !r.needs_triage)
        .fold((0, 0), |(n, ok), (ex, r)| {
            (n + 1, ok + usize::from(r.category == ex.category))
        });
    let wrong_flagged = set
        .iter()
        .zip(results)
        .filter(|(ex, r)| r.needs_triage && r.category != ex.category)
        .count();
    let confidently_wrong: Vec<String> = set
        .iter()
        .zip(results)
        .filter(|(ex, r)| r.category != ex.category && r.confidence > 0.8)
        .map(|(ex, r)| {
            format!(
                "  {:.2} {} -> {}: {}",
                r.confidence, ex.category, r.category, ex.text
            )
        })
        .collect();
    println!(
        "needs_triage: {flagged} of {total} flagged ({} of the {} misses); unflagged accuracy {} ({kept_ok}/{kept}); wrong with confidence > 0.8: {}",
        wrong_flagged,
        total - correct,
        pct(kept_ok, kept),
        confidently_wrong.len()
    );
    for w in &confidently_wrong {
        println!("{w}");
    }
    println!("reliability (confidence bin: n, mean confidence, accuracy):");
    for b in 0..10 {
        let lo = b as f32 / 10.0;
        let hi = lo + 0.1;
        let in_bin: Vec<(&Example, &Classification)> = set
            .iter()
            .zip(results)
            .filter(|(_, r)| {
                r.confidence >= lo && (r.confidence < hi || (b == 9 && r.confidence <= 1.0))
            })
            .collect();
        if in_bin.is_empty() {
            continue;
        }
        let n = in_bin.len();
        let mean = in_bin
            .iter()
            .map(|(_, r)| f64::from(r.confidence))
            .sum::<f64>()
            / n as f64;
        let ok = in_bin
            .iter()
            .filter(|(ex, r)| ex.category == r.category)
            .count();
        println!("  {lo:.1}-{hi:.1} {n:>5} {mean:>6.2} {:>7}", pct(ok, n));
    }
    if show_misses && !misses.is_empty() {
        println!("\nmisses (expected -> got (confidence) [matched terms] text):");
        for m in &misses {
            println!("{m}");
        }
    }
}

fn pct(ok: usize, n: usize) -> String {
    if n == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", 100.0 * ok as f64 / n as f64)
    }
}

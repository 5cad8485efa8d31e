//! Accuracy of the default classification rules on a labelled JSONL set.
//!
//! cargo run -p frontdesk-intake --example classify_eval -- [path/to/set.jsonl]
//!
//! Each line: {"text": "...", "channel": "<channel code>", "category": "<category code>",
//! "complexity": "simple|complex"}. Prints per-category accuracy, overall and complexity
//! accuracy, and every miss.

use std::process::ExitCode;

use frontdesk_intake::domain::classify::Classifier;
use frontdesk_intake::domain::model::{Category, Channel, Complexity};
use serde::Deserialize;

const DEFAULT_PATH: &str = "services/intake/tests/data/classification_dev.jsonl";

#[derive(Deserialize)]
struct Example {
    text: String,
    channel: String,
    category: String,
    complexity: String,
}

/// Property id used for the eval: none of the chain's overrides apply.
const EVAL_PROPERTY: &str = "eval";

fn main() -> ExitCode {
    let path = std::env::args()
        .nth(1)
        .unwrap_or_else(|| DEFAULT_PATH.to_string());
    let raw = match std::fs::read_to_string(&path) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("cannot read {path}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let classifier = Classifier::default_rules();

    // Per category, in taxonomy order: (n, correct).
    let mut per_cat: Vec<(Category, usize, usize)> =
        Category::ALL.iter().map(|&c| (c, 0, 0)).collect();
    let mut complexity_ok = 0;
    let mut total = 0;
    let mut misses = Vec::new();

    for (lineno, line) in raw.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let ex: Example = match serde_json::from_str(line) {
            Ok(ex) => ex,
            Err(e) => {
                eprintln!("{path}:{}: bad line: {e}", lineno + 1);
                return ExitCode::FAILURE;
            }
        };
        let (Some(channel), Some(want), Some(want_cx)) = (
            Channel::from_code(&ex.channel),
            Category::from_code(&ex.category),
            Complexity::from_code(&ex.complexity),
        ) else {
            eprintln!(
                "{path}:{}: unknown channel/category/complexity code",
                lineno + 1
            );
            return ExitCode::FAILURE;
        };
        let got = classifier.classify(EVAL_PROPERTY, channel, &ex.text);
        total += 1;
        if let Some(row) = per_cat.iter_mut().find(|r| r.0 == want) {
            row.1 += 1;
            if got.category == want {
                row.2 += 1;
            }
        }
        if got.complexity == want_cx {
            complexity_ok += 1;
        }
        if got.category != want {
            misses.push(format!(
                "  {:<14} -> {:<14} ({:.2}) [{}] {}",
                want.code(),
                got.category.code(),
                got.confidence,
                got.matched_terms.join(", "),
                ex.text
            ));
        }
    }

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
    if !misses.is_empty() {
        println!("\nmisses (expected -> got (confidence) [matched terms] text):");
        for m in &misses {
            println!("{m}");
        }
    }
    ExitCode::SUCCESS
}

fn pct(ok: usize, n: usize) -> String {
    if n == 0 {
        "-".to_string()
    } else {
        format!("{:.1}%", 100.0 * ok as f64 / n as f64)
    }
}

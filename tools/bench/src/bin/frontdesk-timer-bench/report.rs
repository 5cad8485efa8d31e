//! Latency histograms and the human-readable report.

use super::*;
use anyhow::anyhow;
use hdrhistogram::Histogram;
use serde_json::{Value, json};

/// Lateness histograms in µs, up to an hour; anything beyond saturates (and shows as max).
pub(crate) fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).map_err(|e| anyhow!("histogram: {e:?}"))
}

pub(crate) fn us(v: i64) -> u64 {
    u64::try_from(v.max(1)).unwrap_or(1)
}

pub(crate) fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1_000.0
}

pub(crate) fn summary_ms(h: &Histogram<u64>) -> Value {
    json!({
        "count": h.len(),
        "p50_ms": ms(h, 0.50),
        "p90_ms": ms(h, 0.90),
        "p99_ms": ms(h, 0.99),
        "p999_ms": ms(h, 0.999),
        "max_ms": h.max() as f64 / 1_000.0,
        "mean_ms": h.mean() / 1_000.0,
    })
}

pub(crate) fn print_human(
    report: &Value,
    outcomes: &[ReplicaOutcome],
    claim: &Histogram<u64>,
    delivered: &Histogram<u64>,
    windows: &[Histogram<u64>],
) {
    let a = &report["arm"];
    let f = &report["fire"];
    let f64_of = |v: &Value| v.as_f64().unwrap_or(f64::NAN);
    println!("== timer wheel benchmark {}", report["label"]);
    println!(
        "config: timers={} rate={}/s replicas={} ({}) tick={}ms batch={} lease={}s arm_batch={}",
        report["timers"],
        report["rate"],
        report["replicas"],
        report["spawn"].as_str().unwrap_or(""),
        report["tick_ms"],
        report["batch"],
        report["lease_secs"],
        report["arm_batch"]
    );
    println!(
        "arm:  {:.2} s, {:.0} timers/s; used_memory {:.1} → {:.1} MiB ({:.0} B/timer); wheel keys {:.1} MiB ({:.0} B/timer)",
        f64_of(&a["seconds"]),
        f64_of(&a["timers_per_s"]),
        f64_of(&a["used_memory_before"]) / 1_048_576.0,
        f64_of(&a["used_memory_after"]) / 1_048_576.0,
        f64_of(&a["bytes_per_timer"]),
        f64_of(&a["wheel_keys_bytes"]) / 1_048_576.0,
        f64_of(&a["wheel_bytes_per_timer"]),
    );
    println!(
        "fire: {} fired, {} duplicates, {} missed, {} left armed; {:.0}/s achieved over {:.1} s",
        f["fired_unique"],
        f["duplicates"],
        f["missed"],
        f["left_armed"],
        f64_of(&f["achieved_rate_per_s"]),
        f64_of(&f["fire_span_s"]),
    );
    for (name, h) in [("claim", claim), ("delivered", delivered)] {
        println!(
            "{name:>9} lateness ms: p50 {:.2}  p90 {:.2}  p99 {:.2}  p99.9 {:.2}  max {:.2}  mean {:.2}",
            ms(h, 0.5),
            ms(h, 0.9),
            ms(h, 0.99),
            ms(h, 0.999),
            h.max() as f64 / 1_000.0,
            h.mean() / 1_000.0
        );
    }
    let total = claim.len().max(1) as f64;
    for o in outcomes {
        let s = &o.stats;
        println!(
            "replica {}: fired {} ({:.1}%), claims {} ({} empty, {} full, mean batch {:.1}), errors {}, stop {}; rtt µs p50/p99: TIME {}/{} claim {}/{} complete {}/{}",
            s["replica"],
            s["fired"],
            o.records.len() as f64 * 100.0 / total,
            s["claims"],
            s["empty_claims"],
            s["full_batches"],
            f64_of(&s["mean_batch"]),
            s["errors"],
            s["stop"].as_str().unwrap_or(""),
            s["time_rtt"]["p50_us"],
            s["time_rtt"]["p99_us"],
            s["claim_rtt"]["p50_us"],
            s["claim_rtt"]["p99_us"],
            s["complete_rtt"]["p50_us"],
            s["complete_rtt"]["p99_us"],
        );
    }
    let cells: Vec<String> = windows
        .iter()
        .enumerate()
        .map(|(i, h)| {
            format!(
                "{}s: p99 {:.1} max {:.1}",
                i * 10,
                ms(h, 0.99),
                h.max() as f64 / 1_000.0
            )
        })
        .collect();
    println!(
        "claim lateness by 10 s of due time (ms): {}",
        cells.join(" | ")
    );
}

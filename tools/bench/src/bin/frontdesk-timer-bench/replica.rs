//! One replica: claims and fires due timers, recording each as a fixed-size record.

use super::*;
use anyhow::Context;
use frontdesk_platform::timers::TimerWheel;
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::io::{BufWriter, Write};
use std::time::{Duration, Instant};

pub(crate) struct ReplicaOutcome {
    pub(crate) stats: Value,
    pub(crate) records: Vec<Record>,
}

pub(crate) async fn replica_main(args: Args) -> anyhow::Result<()> {
    let out = args.out.clone().context("--role replica needs --out")?;
    let outcome = run_replica(args).await?;
    let mut w = BufWriter::new(
        std::fs::File::create(&out).with_context(|| format!("creating {}", out.display()))?,
    );
    for r in &outcome.records {
        r.write(&mut w)?;
    }
    w.flush()?;
    // The coordinator reads exactly one JSON line from stdout.
    println!("{}", outcome.stats);
    Ok(())
}

/// One firer: the `SlaEngine::run_firer` loop minus the database work.
pub(crate) async fn run_replica(args: Args) -> anyhow::Result<ReplicaOutcome> {
    let wheel = TimerWheel::redis(&args.redis_url, &args.prefix).await?;
    let clock = wheel.clock();
    let lease = Duration::from_secs(args.lease_secs);
    let tick = Duration::from_millis(args.tick_ms);

    // Offset of Redis TIME from this process's clock, so the moment a claim reply arrives can
    // be put on the Redis clock without another round trip. Best of a few samples (smallest
    // round trip) to keep the error well under a millisecond.
    let mut offset = 0i64;
    let mut best_rtt = i64::MAX;
    for _ in 0..20 {
        let before = local_now_us();
        let redis_now = clock.now().await?;
        let after = local_now_us();
        if after - before < best_rtt {
            best_rtt = after - before;
            offset = redis_now - (before + after) / 2;
        }
    }

    let mut time_rtt = histogram()?;
    let mut claim_rtt = histogram()?;
    let mut complete_rtt = histogram()?;
    let mut batch_sizes = histogram()?;
    let mut records = Vec::with_capacity(
        usize::try_from(args.timers / args.replicas.max(1) as u64 * 11 / 10).unwrap_or(0),
    );
    let (mut claims, mut empty_claims, mut errors, mut full_batches) = (0u64, 0u64, 0u64, 0u64);
    let mut stop_reason = "cap";
    let started = Instant::now();

    loop {
        let t0 = Instant::now();
        let now = match clock.now().await {
            Ok(n) => n,
            Err(e) => {
                // Production logs and retries after a tick; so do we, but count it.
                errors += 1;
                eprintln!(
                    "replica {}: reading the clock failed: {e:#}",
                    args.replica_index
                );
                tokio::time::sleep(tick).await;
                continue;
            }
        };
        time_rtt.saturating_record(us(t0.elapsed().as_micros() as i64));
        if now >= args.cap_at_us {
            break;
        }
        let t1 = Instant::now();
        let claimed = match wheel.claim_due(now, args.batch, lease).await {
            Ok(c) => c,
            Err(e) => {
                errors += 1;
                eprintln!("replica {}: claim failed: {e:#}", args.replica_index);
                tokio::time::sleep(tick).await;
                continue;
            }
        };
        let delivered = local_now_us() + offset;
        claim_rtt.saturating_record(us(t1.elapsed().as_micros() as i64));
        claims += 1;
        if claimed.is_empty() {
            empty_claims += 1;
            // Done once the last timer is due and nothing is left to claim. Timers leased by
            // the other replica are its business; a lost lease would come back as due here.
            if now >= args.last_due_us && wheel.armed().await? == 0 {
                stop_reason = "drained";
                break;
            }
            tokio::time::sleep(tick).await;
            continue;
        }
        batch_sizes.saturating_record(claimed.len() as u64);
        if claimed.len() >= args.batch {
            full_batches += 1;
        }
        let mut ids = Vec::with_capacity(claimed.len());
        for c in claimed {
            let index = parse_index(&c.id).unwrap_or(u32::MAX);
            records.push(Record {
                index,
                due_at: c.due_at,
                claim_late_us: c.claimed_at - c.due_at,
                delivered_late_us: delivered - c.due_at,
            });
            ids.push(c.id);
        }
        let t2 = Instant::now();
        if let Err(e) = wheel.complete(&ids).await {
            // The lease will run out and another claim will fire these again: that shows up
            // as duplicates, which is the point of counting them.
            errors += 1;
            eprintln!("replica {}: complete failed: {e:#}", args.replica_index);
        }
        complete_rtt.saturating_record(us(t2.elapsed().as_micros() as i64));
        // Like run_firer: after a non-empty claim, go again at once (a backlog drains at
        // full speed); only an empty claim waits a tick.
    }

    let rtt = |h: &Histogram<u64>| {
        json!({
            "p50_us": h.value_at_quantile(0.5),
            "p99_us": h.value_at_quantile(0.99),
            "max_us": h.max(),
        })
    };
    let stats = json!({
        "replica": args.replica_index,
        "fired": records.len(),
        "claims": claims,
        "empty_claims": empty_claims,
        "full_batches": full_batches,
        "mean_batch": batch_sizes.mean(),
        "errors": errors,
        "stop": stop_reason,
        "clock_offset_us": offset,
        "clock_offset_rtt_us": best_rtt,
        "elapsed_s": started.elapsed().as_secs_f64(),
        "time_rtt": rtt(&time_rtt),
        "claim_rtt": rtt(&claim_rtt),
        "complete_rtt": rtt(&complete_rtt),
    });
    Ok(ReplicaOutcome { stats, records })
}

//! The coordinator: arms the timers, runs the replicas, collects and checks what fired.

use super::*;
use anyhow::{Context, bail};
use frontdesk_platform::timers::{ArmedTimer, TimerWheel};
use serde_json::{Value, json};
use std::path::Path;
use std::time::Instant;

pub(crate) async fn arm_all(
    wheel: &TimerWheel,
    run: &str,
    n: u64,
    first_due: i64,
    rate: u64,
    arm_batch: usize,
) -> anyhow::Result<()> {
    let mut next = 0u64;
    while next < n {
        let end = (next + arm_batch as u64).min(n);
        let batch: Vec<ArmedTimer> = (next..end)
            .map(|i| ArmedTimer {
                id: timer_id(run, i),
                due_at: due_at(first_due, i, rate),
            })
            .collect();
        wheel.arm(&batch).await?;
        next = end;
    }
    Ok(())
}

/// Due time of timer `i`: `rate` per second from `first_due`, evenly spaced.
pub(crate) fn due_at(first_due: i64, i: u64, rate: u64) -> i64 {
    let offset = u128::from(i) * 1_000_000 / u128::from(rate.max(1));
    first_due + i64::try_from(offset).unwrap_or(i64::MAX / 4)
}

pub(crate) async fn coordinate(args: Args) -> anyhow::Result<()> {
    if args.timers == 0 || args.timers > u64::from(u32::MAX - 1) {
        bail!("--timers must be between 1 and {}", u32::MAX - 1);
    }
    if args.rate == 0 || args.replicas == 0 || args.batch == 0 || args.arm_batch == 0 {
        bail!("--rate, --replicas, --batch and --arm-batch must be positive");
    }
    let uuid = uuid::Uuid::new_v4().simple().to_string();
    let run = uuid.get(..8).unwrap_or("bench000").to_string();
    let prefix = format!("bench:timers:{uuid}:");
    let client = redis::Client::open(args.redis_url.as_str())?;
    let mut conn = client
        .get_multiplexed_async_connection()
        .await
        .context("connecting to Redis")?;
    let scratch = std::env::temp_dir().join(format!("frontdesk-timer-bench-{uuid}"));
    std::fs::create_dir_all(&scratch)?;

    let result = bench(&args, &run, &prefix, &mut conn, &scratch).await;

    // Always clean up, also after a failure: the Redis is shared.
    let deleted = delete_prefix(&mut conn, &prefix, false).await;
    let _ = std::fs::remove_dir_all(&scratch);
    match deleted {
        Ok(n) => eprintln!("cleanup: deleted {n} keys under {prefix}"),
        Err(e) => eprintln!("cleanup of {prefix}* failed: {e:#}"),
    }
    result
}

#[expect(
    clippy::too_many_lines,
    reason = "one run in order: arm, run the replicas, collect, check, report"
)]
pub(crate) async fn bench(
    args: &Args,
    run: &str,
    prefix: &str,
    conn: &mut redis::aio::MultiplexedConnection,
    scratch: &Path,
) -> anyhow::Result<()> {
    let n = args.timers;
    let wheel = TimerWheel::redis(&args.redis_url, prefix).await?;
    let clock = wheel.clock();

    // Calibration: arm a throwaway sample to estimate arm throughput, so the first timer can
    // be made due a little after arming ends (not during it, which would count arm time as
    // lateness; not long after, which would only waste time).
    let calib_n = n.min(50_000);
    let calib = TimerWheel::redis(&args.redis_url, &format!("{prefix}calib:")).await?;
    let far = clock.now().await? + 86_400_000_000;
    let t = Instant::now();
    arm_all(&calib, run, calib_n, far, args.rate, args.arm_batch).await?;
    let calib_rate = calib_n as f64 / t.elapsed().as_secs_f64().max(1e-6);
    delete_prefix(conn, &format!("{prefix}calib:"), true).await?;

    let mem_before = used_memory(conn).await?;
    let expected_arm_s = n as f64 / calib_rate;
    // 1.5× the estimate because the full set is bigger (deeper skip list) than the sample.
    let first_due = clock.now().await? + ((expected_arm_s * 1.5 + args.lead_secs) * 1e6) as i64;
    let last_due = due_at(first_due, n - 1, args.rate);
    eprintln!(
        "arming {n} timers (calibrated {calib_rate:.0}/s, ~{expected_arm_s:.1} s); first due in {:.1} s",
        (first_due - clock.now().await?) as f64 / 1e6
    );

    // Phase 1: arm.
    let t = Instant::now();
    arm_all(&wheel, run, n, first_due, args.rate, args.arm_batch).await?;
    let arm_s = t.elapsed().as_secs_f64();
    let arm_rate = n as f64 / arm_s;
    let armed = wheel.armed().await?;
    let mem_after = used_memory(conn).await?;
    let wheel_bytes = keys_memory(conn, prefix).await?;
    let arm_end = clock.now().await?;
    let slack_s = (first_due - arm_end) as f64 / 1e6;
    if armed != n {
        bail!("armed {armed} timers, expected {n}");
    }
    eprintln!(
        "armed {n} in {arm_s:.2} s ({arm_rate:.0}/s); used_memory {:.1} → {:.1} MiB; first due in {slack_s:.1} s",
        mem_before as f64 / 1_048_576.0,
        mem_after as f64 / 1_048_576.0
    );
    if slack_s < 0.0 {
        eprintln!(
            "WARNING: arming ended {:.1} s after the first timer was due; early lateness includes arm time",
            -slack_s
        );
    }

    // Phase 2: fire.
    let cap_at = last_due + i64::try_from(args.grace_secs).unwrap_or(30) * 1_000_000;
    eprintln!(
        "firing: {} replicas ({:?}), tick {} ms, batch {}, {} timers/s for {:.0} s",
        args.replicas,
        args.spawn,
        args.tick_ms,
        args.batch,
        args.rate,
        n as f64 / args.rate as f64
    );
    let fire_started = Instant::now();
    let outcomes = match args.spawn {
        Spawn::Task => run_tasks(args, prefix, last_due, cap_at).await?,
        Spawn::Process => run_processes(args, prefix, last_due, cap_at, scratch).await?,
    };
    let fire_wall_s = fire_started.elapsed().as_secs_f64();
    let left_armed = wheel.armed().await?;

    // Check every fire off by index; merge lateness.
    let mut seen = vec![0u8; usize::try_from(n)?];
    let (mut duplicates, mut foreign) = (0u64, 0u64);
    let mut claim_late = histogram()?;
    let mut delivered_late = histogram()?;
    // Lateness per 10 s of due time: shows whether the firers keep up or drift behind.
    let window_us = 10_000_000i64;
    let windows = usize::try_from((last_due - first_due) / window_us + 1)?;
    let mut by_window = (0..windows)
        .map(|_| histogram())
        .collect::<anyhow::Result<Vec<_>>>()?;
    let (mut first_fire, mut last_fire) = (i64::MAX, i64::MIN);
    for o in &outcomes {
        for r in &o.records {
            let Some(slot) = seen.get_mut(r.index as usize) else {
                foreign += 1;
                continue;
            };
            if *slot > 0 {
                duplicates += 1;
            }
            *slot = slot.saturating_add(1);
            claim_late.saturating_record(us(r.claim_late_us));
            delivered_late.saturating_record(us(r.delivered_late_us));
            let w = usize::try_from((r.due_at - first_due).max(0) / window_us).unwrap_or(0);
            if let Some(h) = by_window.get_mut(w.min(windows - 1)) {
                h.saturating_record(us(r.claim_late_us));
            }
            first_fire = first_fire.min(r.due_at + r.claim_late_us);
            last_fire = last_fire.max(r.due_at + r.claim_late_us);
        }
    }
    let unique = seen.iter().filter(|&&c| c > 0).count() as u64;
    let missed = n - unique;
    let fire_span_s = ((last_fire - first_fire) as f64 / 1e6).max(1e-6);
    let achieved_rate = unique as f64 / fire_span_s;
    let mem_end = used_memory(conn).await?;

    let per_replica: Vec<Value> = outcomes.iter().map(|o| o.stats.clone()).collect();
    let report = json!({
        "label": args.label,
        "timers": n,
        "rate": args.rate,
        "replicas": args.replicas,
        "spawn": format!("{:?}", args.spawn).to_lowercase(),
        "tick_ms": args.tick_ms,
        "batch": args.batch,
        "lease_secs": args.lease_secs,
        "arm_batch": args.arm_batch,
        "arm": {
            "seconds": arm_s,
            "timers_per_s": arm_rate,
            "calibrated_timers_per_s": calib_rate,
            "slack_before_first_due_s": slack_s,
            "used_memory_before": mem_before,
            "used_memory_after": mem_after,
            "bytes_per_timer": (mem_after as f64 - mem_before as f64) / n as f64,
            "wheel_keys_bytes": wheel_bytes,
            "wheel_bytes_per_timer": wheel_bytes as f64 / n as f64,
        },
        "fire": {
            "fired_unique": unique,
            "fire_records": claim_late.len() + foreign,
            "duplicates": duplicates,
            "missed": missed,
            "foreign_ids": foreign,
            "left_armed": left_armed,
            "wall_s": fire_wall_s,
            "fire_span_s": fire_span_s,
            "achieved_rate_per_s": achieved_rate,
            "claim_lateness": summary_ms(&claim_late),
            "delivered_lateness": summary_ms(&delivered_late),
            "lateness_by_10s_of_due": by_window.iter().map(summary_ms).collect::<Vec<_>>(),
            "used_memory_end": mem_end,
        },
        "per_replica": per_replica,
    });

    print_human(&report, &outcomes, &claim_late, &delivered_late, &by_window);
    println!("RESULT {report}");
    if duplicates > 0 || missed > 0 {
        bail!("{duplicates} duplicate fires, {missed} timers never fired");
    }
    Ok(())
}

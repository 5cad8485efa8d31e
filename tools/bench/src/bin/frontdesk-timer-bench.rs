//! `frontdesk-timer-bench`: load test for the SLA timer wheel (`frontdesk_platform::timers`)
//! on Redis, the way the routing service's SLA firer uses it.
//!
//! Phase 1 (arm): arms `--timers` timers through [`TimerWheel::arm`] in `--arm-batch` calls,
//! one call at a time (as the armer loop does), with due times spread so they come due at
//! `--rate` per second starting a few seconds after arming ends. Reports arm throughput and
//! Redis `used_memory` before/after.
//!
//! Phase 2 (fire): `--replicas` firers, each with its own wheel (own Redis connection), by
//! default as separate OS processes (this binary re-run with `--role replica`). Each loops like
//! `SlaEngine::fire_once`: read the shared clock (Redis `TIME`), claim up to `--batch` due
//! timers, record lateness, complete them; when nothing was claimed, sleep `--tick-ms`. The
//! database work a real firer does per timer is not simulated: this measures the wheel alone.
//!
//! Lateness is reported twice:
//! - **claim lateness** = `claimed_at - due_at`, where `claimed_at` is the clock read before the
//!   claim — exactly what production records as `frontdesk_sla_fire_lateness_seconds`;
//! - **delivered lateness** = when the claim reply reached the firer (local clock corrected to
//!   Redis `TIME` once at start) minus `due_at`: adds the claim round trip itself.
//!
//! Every fired timer is checked off by index (parsed from its id) to count duplicates and
//! misses. All keys live under `bench:timers:<uuid>:` and are deleted at the end.
//!
//! Output: a human report and one JSON line (prefixed `RESULT `) on stdout.

use anyhow::{Context, anyhow, bail};
use clap::{Parser, ValueEnum};
use frontdesk_platform::timers::{ArmedTimer, TimerWheel};
use hdrhistogram::Histogram;
use serde_json::{Value, json};
use std::io::{BufReader, BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Role {
    /// Arms the timers, runs the replicas, reports.
    Coordinator,
    /// One firer (spawned by the coordinator; not meant to be run by hand).
    Replica,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Spawn {
    /// Each replica is a separate OS process (closest to production pods).
    Process,
    /// Each replica is a tokio task in this process, with its own connection.
    Task,
}

#[derive(Parser, Debug, Clone)]
#[command(
    name = "frontdesk-timer-bench",
    about = "Arm N SLA timers in Redis, then fire them across replicas and measure lateness"
)]
struct Args {
    #[arg(long, env = "REDIS_URL", default_value = "redis://127.0.0.1:6379")]
    redis_url: String,
    /// Timers to arm and fire.
    #[arg(long, default_value_t = 1_000_000)]
    timers: u64,
    /// Timers coming due per second during the fire phase.
    #[arg(long, default_value_t = 10_000)]
    rate: u64,
    /// Firers claiming from the same wheel.
    #[arg(long, default_value_t = 2)]
    replicas: usize,
    /// Sleep after an empty claim (SlaEngine::tick).
    #[arg(long, default_value_t = 10)]
    tick_ms: u64,
    /// Claim limit per call (SlaEngine::fire_once uses 500).
    #[arg(long, default_value_t = 500)]
    batch: usize,
    /// Lease on claimed timers.
    #[arg(long, default_value_t = 30)]
    lease_secs: u64,
    /// Timers per `TimerWheel::arm` call (the armer uses 5000).
    #[arg(long, default_value_t = 5_000)]
    arm_batch: usize,
    /// Gap between the end of arming and the first due timer.
    #[arg(long, default_value_t = 3.0)]
    lead_secs: f64,
    /// Extra time after the last due timer before the fire phase gives up.
    #[arg(long, default_value_t = 30)]
    grace_secs: u64,
    #[arg(long, value_enum, default_value = "process")]
    spawn: Spawn,
    /// Label printed with the results.
    #[arg(long, default_value = "")]
    label: String,

    // Internal: set by the coordinator for `--role replica`.
    #[arg(long, value_enum, default_value = "coordinator", hide = true)]
    role: Role,
    #[arg(long, hide = true, default_value = "")]
    prefix: String,
    #[arg(long, hide = true, default_value_t = 0)]
    replica_index: usize,
    /// Redis-clock µs of the last due timer: after it, an empty claim on an empty wheel ends.
    #[arg(long, hide = true, default_value_t = 0)]
    last_due_us: i64,
    /// Redis-clock µs at which the replica stops regardless.
    #[arg(long, hide = true, default_value_t = 0)]
    cap_at_us: i64,
    /// Where the replica writes its fire records.
    #[arg(long, hide = true)]
    out: Option<PathBuf>,
}

/// One fired timer as a replica saw it.
#[derive(Clone, Copy, Debug)]
struct Record {
    index: u32,
    due_at: i64,
    claim_late_us: i64,
    delivered_late_us: i64,
}

const RECORD_BYTES: usize = 4 + 8 + 8 + 8;

impl Record {
    fn write(&self, w: &mut impl Write) -> std::io::Result<()> {
        w.write_all(&self.index.to_le_bytes())?;
        w.write_all(&self.due_at.to_le_bytes())?;
        w.write_all(&self.claim_late_us.to_le_bytes())?;
        w.write_all(&self.delivered_late_us.to_le_bytes())
    }

    fn read(buf: &[u8; RECORD_BYTES]) -> Record {
        let mut i = [0u8; 4];
        let mut a = [0u8; 8];
        let mut b = [0u8; 8];
        let mut c = [0u8; 8];
        i.copy_from_slice(&buf[0..4]);
        a.copy_from_slice(&buf[4..12]);
        b.copy_from_slice(&buf[12..20]);
        c.copy_from_slice(&buf[20..28]);
        Record {
            index: u32::from_le_bytes(i),
            due_at: i64::from_le_bytes(a),
            claim_late_us: i64::from_le_bytes(b),
            delivered_late_us: i64::from_le_bytes(c),
        }
    }
}

struct ReplicaOutcome {
    stats: Value,
    records: Vec<Record>,
}

/// Ids look like UUIDs (36 chars) so that Redis memory per timer is realistic; the last 12
/// digits are the timer's index, which is how fires are checked off.
fn timer_id(run: &str, index: u64) -> String {
    format!("{run}-0000-4000-8000-{index:012}")
}

fn parse_index(id: &str) -> Option<u32> {
    id.rsplit('-').next()?.parse().ok()
}

fn local_now_us() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_micros()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Lateness histograms in µs, up to an hour; anything beyond saturates (and shows as max).
fn histogram() -> anyhow::Result<Histogram<u64>> {
    Histogram::new_with_bounds(1, 3_600_000_000, 3).map_err(|e| anyhow!("histogram: {e:?}"))
}

fn us(v: i64) -> u64 {
    u64::try_from(v.max(1)).unwrap_or(1)
}

fn ms(h: &Histogram<u64>, q: f64) -> f64 {
    h.value_at_quantile(q) as f64 / 1_000.0
}

fn summary_ms(h: &Histogram<u64>) -> Value {
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

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    match args.role {
        Role::Coordinator => runtime.block_on(coordinate(args)),
        Role::Replica => runtime.block_on(replica_main(args)),
    }
}

async fn replica_main(args: Args) -> anyhow::Result<()> {
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
async fn run_replica(args: Args) -> anyhow::Result<ReplicaOutcome> {
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

async fn used_memory(conn: &mut redis::aio::MultiplexedConnection) -> anyhow::Result<u64> {
    let info: String = redis::cmd("INFO").arg("memory").query_async(conn).await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("INFO memory has no used_memory")
}

/// Every key under `prefix` (SCAN, not KEYS: the Redis is shared).
async fn keys_under(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
) -> anyhow::Result<Vec<String>> {
    let pattern = format!("{prefix}*");
    let mut cursor = 0u64;
    let mut all = Vec::new();
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1_000)
            .query_async(conn)
            .await?;
        all.extend(keys);
        if next == 0 {
            return Ok(all);
        }
        cursor = next;
    }
}

/// Exact memory of the wheel's own keys (`MEMORY USAGE … SAMPLES 0`), unlike `used_memory`
/// which also moves with whatever else uses this shared Redis.
async fn keys_memory(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
) -> anyhow::Result<u64> {
    let mut total = 0u64;
    for key in keys_under(conn, prefix).await? {
        let n: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(&key)
            .arg("SAMPLES")
            .arg(0)
            .query_async(conn)
            .await?;
        total += n.unwrap_or(0);
    }
    Ok(total)
}

/// Deletes every key under `prefix`. `DEL` (freed before it returns) when a memory reading
/// follows; `UNLINK` (freed in the background) otherwise, so a big set does not stall the
/// shared Redis.
async fn delete_prefix(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
    sync: bool,
) -> anyhow::Result<u64> {
    let keys = keys_under(conn, prefix).await?;
    let mut deleted = 0u64;
    for chunk in keys.chunks(500) {
        let cmd = if sync { "DEL" } else { "UNLINK" };
        let n: u64 = redis::cmd(cmd).arg(chunk).query_async(conn).await?;
        deleted += n;
    }
    Ok(deleted)
}

async fn arm_all(
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
fn due_at(first_due: i64, i: u64, rate: u64) -> i64 {
    let offset = u128::from(i) * 1_000_000 / u128::from(rate.max(1));
    first_due + i64::try_from(offset).unwrap_or(i64::MAX / 4)
}

async fn coordinate(args: Args) -> anyhow::Result<()> {
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
    reason = "one flat dispatch over the subcommands; to be split into client/ modules"
)]
async fn bench(
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

fn replica_args(args: &Args, prefix: &str, index: usize, last_due: i64, cap_at: i64) -> Args {
    Args {
        role: Role::Replica,
        prefix: prefix.to_string(),
        replica_index: index,
        last_due_us: last_due,
        cap_at_us: cap_at,
        ..args.clone()
    }
}

async fn run_tasks(
    args: &Args,
    prefix: &str,
    last_due: i64,
    cap_at: i64,
) -> anyhow::Result<Vec<ReplicaOutcome>> {
    let handles: Vec<_> = (0..args.replicas)
        .map(|i| tokio::spawn(run_replica(replica_args(args, prefix, i, last_due, cap_at))))
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await??);
    }
    Ok(out)
}

async fn run_processes(
    args: &Args,
    prefix: &str,
    last_due: i64,
    cap_at: i64,
    scratch: &Path,
) -> anyhow::Result<Vec<ReplicaOutcome>> {
    let exe = std::env::current_exe().context("locating this binary to spawn replicas")?;
    let mut children = Vec::with_capacity(args.replicas);
    for i in 0..args.replicas {
        let out = scratch.join(format!("replica-{i}.bin"));
        let child = std::process::Command::new(&exe)
            .args(["--role", "replica"])
            .args(["--redis-url", &args.redis_url])
            .args(["--prefix", prefix])
            .args(["--replica-index", &i.to_string()])
            .args(["--timers", &args.timers.to_string()])
            .args(["--replicas", &args.replicas.to_string()])
            .args(["--rate", &args.rate.to_string()])
            .args(["--tick-ms", &args.tick_ms.to_string()])
            .args(["--batch", &args.batch.to_string()])
            .args(["--lease-secs", &args.lease_secs.to_string()])
            .args(["--last-due-us", &last_due.to_string()])
            .args(["--cap-at-us", &cap_at.to_string()])
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning replica {i}"))?;
        children.push((i, child, out));
    }
    // Waiting blocks, so each child gets a blocking thread (tokio has no "process" feature
    // enabled in this workspace).
    let waits: Vec<_> = children
        .into_iter()
        .map(|(i, child, out)| {
            tokio::task::spawn_blocking(move || -> anyhow::Result<ReplicaOutcome> {
                let output = child.wait_with_output()?;
                if !output.status.success() {
                    bail!("replica {i} exited with {}", output.status);
                }
                let stdout = String::from_utf8_lossy(&output.stdout);
                let line = stdout
                    .lines()
                    .rev()
                    .find(|l| l.starts_with('{'))
                    .with_context(|| format!("replica {i} printed no stats"))?;
                let stats: Value = serde_json::from_str(line)?;
                let records = read_records(&out)?;
                Ok(ReplicaOutcome { stats, records })
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(waits.len());
    for w in waits {
        outcomes.push(w.await??);
    }
    Ok(outcomes)
}

fn read_records(path: &Path) -> anyhow::Result<Vec<Record>> {
    let file = std::fs::File::open(path).with_context(|| format!("opening {}", path.display()))?;
    let len = usize::try_from(file.metadata()?.len())?;
    let mut r = BufReader::new(file);
    let mut out = Vec::with_capacity(len / RECORD_BYTES);
    let mut buf = [0u8; RECORD_BYTES];
    for _ in 0..len / RECORD_BYTES {
        r.read_exact(&mut buf)?;
        out.push(Record::read(&buf));
    }
    Ok(out)
}

fn print_human(
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

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

use clap::{Parser, ValueEnum};
use std::path::PathBuf;
use std::time::{SystemTime, UNIX_EPOCH};

mod coordinator;
mod records;
mod redis_keys;
mod replica;
mod replicas;
mod report;

use coordinator::*;
use records::*;
use redis_keys::*;
use replica::*;
use replicas::*;
use report::*;

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

//! `frontdesk-bench`: a closed-loop load generator for IntakeService.
//!
//! `--concurrency` workers share one (or `--connections`) HTTP/2 channel and each issues one
//! call at a time, so at most `--concurrency` calls are in flight. A warm-up phase runs first
//! and is not measured. The run stops after `--requests` measured calls or `--duration-secs`,
//! whichever comes first (and never runs longer than `--max-secs`). Per-call latency goes into
//! an HDR histogram; failed calls are counted, not recorded, and never abort the run.
//!
//! With `--rate R` the load is an open loop instead: call i is due at start + i/R whatever
//! the earlier calls are doing (a real front desk does not wait for the server), and its
//! latency counts from when it was due, so a server that falls behind shows it in the
//! percentiles instead of slowing the offered load down (no coordinated omission).
//! `--concurrency` then only bounds the calls in flight (`--max-in-flight`).
//!
//! Output: one JSON line (for scripts) and one human line, both on stdout.

use anyhow::Context;
use clap::{Parser, ValueEnum};
use frontdesk_platform::client::Bearer;
use frontdesk_proto::intake::v1 as pb;
use hdrhistogram::Histogram;
use pb::intake_service_client::IntakeServiceClient;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

mod requests;

use requests::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum Scenario {
    /// CreateInquiry, each with a fresh idempotency key.
    Create,
    /// ListInquiries with rotating filters, following next_page_token.
    List,
}

impl Scenario {
    fn name(self) -> &'static str {
        match self {
            Scenario::Create => "create",
            Scenario::List => "list",
        }
    }
}

#[derive(Parser, Debug)]
#[command(
    name = "frontdesk-bench",
    about = "Load generator for frontdesk's IntakeService"
)]
struct Args {
    /// gRPC endpoint.
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    server: String,
    /// Bearer token (`frontdesk token …`).
    #[arg(long, env = "FRONTDESK_TOKEN", hide_env_values = true)]
    token: String,
    /// Property the inquiries belong to.
    #[arg(long, default_value = "demo-hotel")]
    property: String,
    #[arg(long, value_enum, default_value = "create")]
    scenario: Scenario,
    /// Calls in flight at once (closed loop: one per worker).
    #[arg(long, default_value_t = 16)]
    concurrency: usize,
    /// Measured calls in total. Default 10000 when --duration-secs is not given either.
    #[arg(long)]
    requests: Option<u64>,
    /// Measure for this long (combined with --requests: whichever ends first).
    #[arg(long)]
    duration_secs: Option<f64>,
    /// Unmeasured calls before the measured ones.
    #[arg(long, default_value_t = 0)]
    warmup: u64,
    /// Backend label printed with the results (e.g. postgres, sqlite).
    #[arg(long, default_value = "")]
    label: String,
    /// HTTP/2 connections; workers are spread over them round robin.
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// ListInquiries: pages followed per filter (1 = first page only).
    #[arg(long, default_value_t = 3)]
    pages: u32,
    /// ListInquiries page size.
    #[arg(long, default_value_t = 50)]
    page_size: i32,
    /// ListInquiries: search this `text` on every call instead of the rotating filters.
    #[arg(long)]
    text: Option<String>,
    /// ListInquiries: filter on this `customer_phone` on every call instead of the rotating
    /// filters.
    #[arg(long)]
    customer_phone: Option<String>,
    /// Deadline of each call; a call past it counts as an error.
    #[arg(long, default_value_t = 30.0)]
    timeout_secs: f64,
    /// Open loop: offer this many calls per second (see the module docs); warm-up calls are
    /// offered at the same rate.
    #[arg(long)]
    rate: Option<f64>,
    /// Open loop: most calls in flight; a call due while this many are open waits (and its
    /// wait counts in its latency).
    #[arg(long, default_value_t = 4096)]
    max_in_flight: usize,
    /// Hard limit on the whole run, warm-up included.
    #[arg(long, default_value_t = 900.0)]
    max_secs: f64,
}

type Client = IntakeServiceClient<InterceptedService<Channel, Bearer>>;

struct Shared {
    args: Args,
    run_id: String,
    /// Calls claimed so far in the current phase.
    issued: AtomicU64,
}

/// One worker's tally for a phase.
struct Tally {
    hist: Histogram<u64>,
    ok: u64,
    errors: BTreeMap<String, (u64, String)>,
}

impl Tally {
    fn new() -> anyhow::Result<Tally> {
        Ok(Tally {
            // Microseconds, 1 µs .. 10 min, 3 significant digits.
            hist: Histogram::new_with_bounds(1, 600_000_000, 3)?,
            ok: 0,
            errors: BTreeMap::new(),
        })
    }

    fn merge(&mut self, other: Tally) -> anyhow::Result<()> {
        self.hist.add(&other.hist)?;
        self.ok += other.ok;
        for (code, (n, sample)) in other.errors {
            let e = self.errors.entry(code).or_insert((0, sample));
            e.0 += n;
        }
        Ok(())
    }

    fn error_count(&self) -> u64 {
        self.errors.values().map(|(n, _)| n).sum()
    }
}

/// One worker: claims call numbers until the phase's count or deadline is reached.
async fn worker(
    shared: Arc<Shared>,
    mut client: Client,
    worker_id: usize,
    base: u64,
    limit: u64,
    deadline: Instant,
) -> anyhow::Result<Tally> {
    let mut tally = Tally::new()?;
    let mut list = ListState {
        filter: worker_id,
        ..Default::default()
    };
    let timeout = Duration::from_secs_f64(shared.args.timeout_secs);
    loop {
        if Instant::now() >= deadline {
            break;
        }
        let i = shared.issued.fetch_add(1, Ordering::Relaxed);
        if i >= limit {
            break;
        }
        let started = Instant::now();
        let result: Result<Option<String>, tonic::Status> = match shared.args.scenario {
            Scenario::Create => {
                let mut req = tonic::Request::new(create_request(&shared, base + i));
                req.set_timeout(timeout);
                client.create_inquiry(req).await.map(|_| None)
            }
            Scenario::List => {
                let mut req = tonic::Request::new(list_request(&shared, &list));
                req.set_timeout(timeout);
                client
                    .list_inquiries(req)
                    .await
                    .map(|r| Some(r.into_inner().next_page_token))
            }
        };
        let elapsed = started.elapsed();
        match result {
            Ok(next) => {
                tally.ok += 1;
                let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
                tally.hist.saturating_record(micros.max(1));
                if shared.args.scenario == Scenario::List {
                    advance(&mut list, next, shared.args.pages);
                }
            }
            Err(status) => {
                let e = tally
                    .errors
                    .entry(format!("{:?}", status.code()))
                    .or_insert((0, status.message().to_string()));
                e.0 += 1;
                if shared.args.scenario == Scenario::List {
                    advance(&mut list, None, shared.args.pages);
                }
            }
        }
    }
    Ok(tally)
}

/// Runs `count` calls (or until `deadline`) over `clients` and returns the merged tally and
/// the phase's wall time.
async fn phase(
    shared: &Arc<Shared>,
    clients: &[Client],
    base: u64,
    count: u64,
    deadline: Instant,
) -> anyhow::Result<(Tally, Duration)> {
    if let Some(rate) = shared.args.rate {
        return open_phase(shared, clients, base, count, deadline, rate).await;
    }
    shared.issued.store(0, Ordering::Relaxed);
    let started = Instant::now();
    let mut handles = Vec::with_capacity(shared.args.concurrency);
    for w in 0..shared.args.concurrency {
        let client = clients[w % clients.len()].clone();
        handles.push(tokio::spawn(worker(
            Arc::clone(shared),
            client,
            w,
            base,
            count,
            deadline,
        )));
    }
    let mut total = Tally::new()?;
    for h in futures::future::join_all(handles).await {
        total.merge(h.context("worker task panicked")??)?;
    }
    Ok((total, started.elapsed()))
}

/// The open loop: call i is due at `start + i / rate`; each runs in its own task and its
/// latency counts from when it was due. Only CreateInquiry (the pipeline's input).
async fn open_phase(
    shared: &Arc<Shared>,
    clients: &[Client],
    base: u64,
    count: u64,
    deadline: Instant,
    rate: f64,
) -> anyhow::Result<(Tally, Duration)> {
    anyhow::ensure!(rate > 0.0, "--rate must be positive");
    anyhow::ensure!(
        shared.args.scenario == Scenario::Create,
        "--rate drives the create scenario only"
    );
    let slots = Arc::new(tokio::sync::Semaphore::new(
        shared.args.max_in_flight.max(1),
    ));
    let timeout = Duration::from_secs_f64(shared.args.timeout_secs);
    let started = Instant::now();
    let mut handles = Vec::new();
    let mut i = 0u64;
    while i < count {
        let due = started + Duration::from_secs_f64(i as f64 / rate);
        if due >= deadline {
            break;
        }
        tokio::time::sleep_until(due.into()).await;
        let slot = Arc::clone(&slots).acquire_owned().await?;
        let mut client = clients[(i as usize) % clients.len()].clone();
        let req = create_request(shared, base + i);
        handles.push(tokio::spawn(async move {
            let mut req = tonic::Request::new(req);
            req.set_timeout(timeout);
            let result = client.create_inquiry(req).await;
            drop(slot);
            (due.elapsed(), result.err())
        }));
        i += 1;
    }
    let mut total = Tally::new()?;
    for h in futures::future::join_all(handles).await {
        let (elapsed, error) = h.context("call task panicked")?;
        match error {
            None => {
                total.ok += 1;
                let micros = u64::try_from(elapsed.as_micros()).unwrap_or(u64::MAX);
                total.hist.saturating_record(micros.max(1));
            }
            Some(status) => {
                let e = total
                    .errors
                    .entry(format!("{:?}", status.code()))
                    .or_insert((0, status.message().to_string()));
                e.0 += 1;
            }
        }
    }
    Ok((total, started.elapsed()))
}

async fn connect(args: &Args) -> anyhow::Result<Vec<Client>> {
    let bearer = Bearer::new(&args.token).context("--token")?;
    let endpoint = Endpoint::from_shared(args.server.clone())
        .with_context(|| format!("bad --server {:?}", args.server))?
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5));
    let mut clients = Vec::with_capacity(args.connections);
    for _ in 0..args.connections.max(1) {
        let channel = endpoint
            .connect()
            .await
            .with_context(|| format!("cannot reach {}", args.server))?;
        clients.push(
            IntakeServiceClient::with_interceptor(channel, bearer.clone())
                .max_decoding_message_size(64 * 1024 * 1024),
        );
    }
    Ok(clients)
}

fn ms(micros: u64) -> f64 {
    micros as f64 / 1000.0
}

async fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(args.concurrency > 0, "--concurrency must be at least 1");
    let requests = match (args.requests, args.duration_secs) {
        (Some(n), _) => n,
        (None, Some(_)) => u64::MAX,
        (None, None) => 10_000,
    };
    let clients = connect(&args).await?;
    let hard_deadline = Instant::now() + Duration::from_secs_f64(args.max_secs);
    let shared = Arc::new(Shared {
        run_id: uuid::Uuid::new_v4().simple().to_string(),
        issued: AtomicU64::new(0),
        args,
    });

    if shared.args.warmup > 0 {
        let (warm, _) = phase(&shared, &clients, 0, shared.args.warmup, hard_deadline).await?;
        if warm.error_count() > 0 {
            eprintln!("warm-up: {} errors", warm.error_count());
        }
    }
    let deadline = match shared.args.duration_secs {
        Some(s) => (Instant::now() + Duration::from_secs_f64(s)).min(hard_deadline),
        None => hard_deadline,
    };
    let (tally, wall) = phase(&shared, &clients, shared.args.warmup, requests, deadline).await?;

    let errors = tally.error_count();
    let secs = wall.as_secs_f64();
    let throughput = if secs > 0.0 {
        tally.ok as f64 / secs
    } else {
        0.0
    };
    let h = &tally.hist;
    let q = |p: f64| {
        if h.is_empty() {
            0.0
        } else {
            ms(h.value_at_quantile(p))
        }
    };
    let error_detail: serde_json::Map<String, serde_json::Value> = tally
        .errors
        .iter()
        .map(|(code, (n, sample))| {
            (
                code.clone(),
                serde_json::json!({"count": n, "sample": sample}),
            )
        })
        .collect();
    let a = &shared.args;
    let out = serde_json::json!({
        "scenario": a.scenario.name(),
        "label": a.label,
        "server": a.server,
        "concurrency": a.concurrency,
        "offered_rps": a.rate,
        "connections": a.connections.max(1),
        "warmup": a.warmup,
        "requests": tally.ok + errors,
        "ok": tally.ok,
        "errors": errors,
        "error_detail": error_detail,
        "duration_s": (secs * 1000.0).round() / 1000.0,
        "throughput_rps": (throughput * 10.0).round() / 10.0,
        "mean_ms": if h.is_empty() { 0.0 } else { (h.mean() / 10.0).round() / 100.0 },
        "p50_ms": q(0.50),
        "p90_ms": q(0.90),
        "p99_ms": q(0.99),
        "max_ms": if h.is_empty() { 0.0 } else { ms(h.max()) },
    });
    println!("{out}");
    println!(
        "{} [{}] c={} requests={} errors={} {:.1}s  {:.1} req/s  p50={:.2}ms p90={:.2}ms p99={:.2}ms max={:.2}ms",
        a.scenario.name(),
        if a.label.is_empty() { "-" } else { &a.label },
        a.concurrency,
        tally.ok + errors,
        errors,
        secs,
        throughput,
        q(0.50),
        q(0.90),
        q(0.99),
        if h.is_empty() { 0.0 } else { ms(h.max()) },
    );
    for (code, (n, sample)) in &tally.errors {
        eprintln!("  {n} × {code}: {sample}");
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    rt.block_on(run(args))
}

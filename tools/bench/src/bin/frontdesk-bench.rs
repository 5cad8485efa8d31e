//! `frontdesk-bench`: a closed-loop load generator for IntakeService.
//!
//! `--concurrency` workers share one (or `--connections`) HTTP/2 channel and each issues one
//! call at a time, so at most `--concurrency` calls are in flight. A warm-up phase runs first
//! and is not measured. The run stops after `--requests` measured calls or `--duration-secs`,
//! whichever comes first (and never runs longer than `--max-secs`). Per-call latency goes into
//! an HDR histogram; failed calls are counted, not recorded, and never abort the run.
//!
//! Output: one JSON line (for scripts) and one human line, both on stdout.

use anyhow::Context;
use clap::{Parser, ValueEnum};
use frontdesk_platform::client::Bearer;
use frontdesk_proto::common::v1 as common;
use frontdesk_proto::intake::v1 as pb;
use hdrhistogram::Histogram;
use pb::intake_service_client::IntakeServiceClient;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

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
    /// Deadline of each call; a call past it counts as an error.
    #[arg(long, default_value_t = 30.0)]
    timeout_secs: f64,
    /// Hard limit on the whole run, warm-up included.
    #[arg(long, default_value_t = 900.0)]
    max_secs: f64,
}

type Client = IntakeServiceClient<InterceptedService<Channel, Bearer>>;

/// Inquiry texts as guests write them: Chinese, English and mixed, short and long.
const TEXTS: &[&str] = &[
    "请问明天早餐几点开始？我们一家四口，有没有儿童餐？",
    "What time does breakfast start tomorrow? Is it included in our rate?",
    "房间空调不制冷，已经调到18度还是很热，麻烦尽快派人来看一下，谢谢。",
    "The Wi-Fi in room 1208 keeps disconnecting. Could someone check it, please?",
    "我想把入住日期从5月3日改到5月5日，订单号 HT20240503-88，可以吗？",
    "Can we get a late checkout until 2pm on Sunday? We have an evening flight.",
    "请问酒店有没有免费停车场？我们大概晚上十点到。",
    "Is the gym open 24 hours, and do I need to book the pool in advance?",
    "我在携程上订的房间，到店后发现是无窗房，跟描述不符，非常失望，要求换房。",
    "I'd like to book a table for six at the Chinese restaurant tonight at 7pm, near the window if possible.",
    "会议室可以容纳多少人？下周三下午需要投影仪和茶歇。",
    "Could you recommend a good local restaurant within walking distance? Something Cantonese.",
    "前台有我的快递吗？寄件人是顺丰，收件人写的是王先生。",
    "My colleague Mr. Zhang is staying with you — can you tell me his room number? 我是他的同事。",
    "房间太吵了，隔壁半夜一直在装修，我们一晚没睡好。这是我住过最差的一次体验。",
    "Do you offer airport pickup from PVG? Our flight lands at 23:40, two adults, three suitcases.",
    "能不能帮忙订两张明天去杭州的高铁票？上午十点左右出发。",
    "Suggestion: it would be great to have more vegetarian options at the breakfast buffet 建议增加素食。",
    "请问婚宴场地还有6月的档期吗？大约二十桌，预算每桌五千左右。",
    "Please hold any mail for room 806 until I return on Friday. 谢谢！",
];

const NAMES: &[&str] = &[
    "王伟",
    "李娜",
    "张敏",
    "刘洋",
    "陈静",
    "Emma Wilson",
    "James Smith",
    "Sophie Martin",
    "杨帆",
    "赵磊",
    "Hiroshi Tanaka",
    "黄丽",
];

const CHANNELS: &[common::Channel] = &[
    common::Channel::FrontDesk,
    common::Channel::Restaurant,
    common::Channel::Facility,
    common::Channel::Website,
    common::Channel::Ota,
    common::Channel::SocialWechat,
    common::Channel::SocialWeibo,
    common::Channel::SocialDouyin,
    common::Channel::Email,
    common::Channel::Hotline,
];

/// What one ListInquiries walk filters on; the first page of each, then its next pages.
#[derive(Clone, Debug)]
enum ListFilter {
    None,
    Status(pb::InquiryStatus),
    Category(common::Category),
    Text(&'static str),
}

const LIST_FILTERS: &[ListFilter] = &[
    ListFilter::None,
    ListFilter::Status(pb::InquiryStatus::New),
    ListFilter::Category(common::Category::Dining),
    ListFilter::Text("早餐"),
    ListFilter::Status(pb::InquiryStatus::Resolved),
    ListFilter::Category(common::Category::Complaint),
    ListFilter::Text("wi-fi"),
];

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

/// Per-worker position in a ListInquiries walk.
#[derive(Default)]
struct ListState {
    filter: usize,
    page: u32,
    token: String,
}

fn create_request(shared: &Shared, i: u64) -> pb::CreateInquiryRequest {
    let n = i as usize;
    let text = TEXTS[n % TEXTS.len()];
    let channel = CHANNELS[(n / TEXTS.len() + n) % CHANNELS.len()];
    let name = NAMES[n % NAMES.len()];
    let phone = format!("+86 138 {:04} {:04}", (i / 10_000) % 10_000, i % 10_000);
    let email = if channel == common::Channel::Email || n.is_multiple_of(3) {
        format!("guest{i}@example.com")
    } else {
        String::new()
    };
    let preferred_reply = match channel {
        common::Channel::Email => pb::ReplyMethod::Email,
        common::Channel::Hotline => pb::ReplyMethod::Phone,
        common::Channel::SocialWechat => pb::ReplyMethod::Wechat,
        _ => pb::ReplyMethod::Unspecified,
    };
    let social_handle = match channel {
        common::Channel::SocialWechat
        | common::Channel::SocialWeibo
        | common::Channel::SocialDouyin => {
            format!("guest_{i}")
        }
        _ => String::new(),
    };
    pb::CreateInquiryRequest {
        property_id: shared.args.property.clone(),
        channel: channel as i32,
        customer: Some(pb::Customer {
            name: name.to_string(),
            phone,
            email,
            social_handle,
            preferred_reply: preferred_reply as i32,
        }),
        text: text.to_string(),
        reservation_ref: if n.is_multiple_of(4) {
            format!("HT{:08}", i)
        } else {
            String::new()
        },
        idempotency_key: format!("bench-{}-{i}", shared.run_id),
    }
}

fn list_request(shared: &Shared, state: &ListState) -> pb::ListInquiriesRequest {
    let mut req = pb::ListInquiriesRequest {
        property_ids: vec![shared.args.property.clone()],
        page_size: shared.args.page_size,
        page_token: state.token.clone(),
        ..Default::default()
    };
    match &LIST_FILTERS[state.filter % LIST_FILTERS.len()] {
        ListFilter::None => {}
        ListFilter::Status(s) => req.statuses = vec![*s as i32],
        ListFilter::Category(c) => req.categories = vec![*c as i32],
        ListFilter::Text(t) => req.text = (*t).to_string(),
    }
    req
}

/// Moves the walk on: the next page while there is one and `--pages` allows, else the next
/// filter from its first page.
fn advance(state: &mut ListState, next_token: Option<String>, max_pages: u32) {
    match next_token {
        Some(t) if !t.is_empty() && state.page + 1 < max_pages => {
            state.page += 1;
            state.token = t;
        }
        _ => {
            state.filter += 1;
            state.page = 0;
            state.token.clear();
        }
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

//! `frontdesk-messaging-bench`: the two messaging targets of issue 10, through gRPC.
//!
//! - `resync`: a full PMS resync of a 1,000-room property (~1,500 stays in one SyncStays
//!   call): the first load (all created), a replay (all unchanged) and a nightly resync where
//!   a tenth of the stays changed, each timed end to end.
//! - `load`: fills a property with `--stays` stays (SyncStays in batches of 2,000).
//! - `locate`: LocateGuest from `--concurrency` callers (closed loop, or at an offered rate
//!   with `--rate`) over the loaded stays, by
//!   Chinese name, pinyin or English (either order), outside callers and staff mixed; per-call
//!   latency in an HDR histogram.
//!
//! Stay `i` is the same guest in every scenario (names from `i`), so `locate` asks for names
//! `load` wrote. Output: one JSON line per measurement (for scripts) and a human line.

use clap::{Parser, Subcommand};
use frontdesk_platform::client::Bearer;
use frontdesk_proto::messaging::v1 as pb;
use hdrhistogram::Histogram;
use pb::messaging_service_client::MessagingServiceClient;
use pinyin::ToPinyin;
use serde_json::json;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tonic::service::interceptor::InterceptedService;
use tonic::transport::{Channel, Endpoint};

#[derive(Parser, Debug)]
#[command(
    name = "frontdesk-messaging-bench",
    about = "Benchmarks of frontdesk's MessagingService"
)]
struct Args {
    #[arg(long, default_value = "http://127.0.0.1:50051")]
    server: String,
    /// Bearer token (`frontdesk token --role manager …`: SyncStays and staff lookups).
    #[arg(long, env = "FRONTDESK_TOKEN", hide_env_values = true)]
    token: String,
    #[arg(long, default_value = "demo-hotel")]
    property: String,
    /// Backend label printed with the results.
    #[arg(long, default_value = "")]
    label: String,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand, Debug)]
enum Cmd {
    /// First load, replay and a changed resync of one property's stays, one call each.
    Resync {
        #[arg(long, default_value_t = 1_000)]
        rooms: usize,
        #[arg(long, default_value_t = 1_500)]
        stays: usize,
        /// Changed resyncs after the first load and the replay.
        #[arg(long, default_value_t = 3)]
        rounds: usize,
    },
    /// Fill the property with stays (before `locate`).
    Load {
        #[arg(long, default_value_t = 100_000)]
        stays: usize,
    },
    /// LocateGuest under load.
    Locate {
        /// Stays `load` wrote (names are drawn from them).
        #[arg(long, default_value_t = 100_000)]
        stays: usize,
        #[arg(long, default_value_t = 16)]
        concurrency: usize,
        #[arg(long, default_value_t = 20_000)]
        requests: u64,
        #[arg(long, default_value_t = 1_000)]
        warmup: u64,
        /// Offered lookups per second (0: closed loop, each caller calls again as soon as
        /// it is answered). With a rate, call n is due at n/rate s and its time counts from
        /// then, so a caller held up delays the calls behind it and they show it.
        #[arg(long, default_value_t = 0)]
        rate: u64,
    },
}

type Client = MessagingServiceClient<InterceptedService<Channel, Bearer>>;

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "高", "林", "罗", "郑", "梁", "谢", "宋", "唐", "许", "韩", "冯", "邓", "曹", "彭", "曾",
    "肖", "田", "董", "袁", "潘", "于", "蒋", "蔡",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明",
    "超", "秀", "霞", "平", "刚", "桂", "英", "华", "文", "辉", "鹏", "宇", "晨", "欣", "婷", "雪",
    "琳", "浩", "凯", "佳", "俊", "博", "瑶", "悦", "航", "然", "睿", "泽", "雨", "萱", "子", "涵",
];

/// Stay `i`'s guest: a Chinese name and its pinyin ("王芳", "Wang Fang"). Indexes run through
/// surnames fastest, so 100,000 stays give ~92,000 distinct names and some namesakes.
fn name(i: usize) -> (String, String) {
    let s = SURNAMES[i % SURNAMES.len()];
    let g1 = GIVEN[(i / SURNAMES.len()) % GIVEN.len()];
    let g2 = GIVEN[(i / SURNAMES.len() / GIVEN.len()) % GIVEN.len()];
    let given = if (i / 7).is_multiple_of(3) {
        g1.to_string()
    } else {
        format!("{g1}{g2}")
    };
    let py = |h: &str| -> String {
        h.to_pinyin()
            .flatten()
            .map(|p| p.plain().to_string())
            .collect()
    };
    let cap = |s: String| -> String {
        let mut c = s.chars();
        c.next()
            .map(|f| f.to_uppercase().chain(c).collect())
            .unwrap_or_default()
    };
    (
        format!("{s}{given}"),
        format!("{} {}", cap(py(s)), cap(py(&given))),
    )
}

fn ts(secs: i64) -> Option<prost_types::Timestamp> {
    Some(prost_types::Timestamp {
        seconds: secs,
        nanos: 0,
    })
}

/// Stay `i` as the PMS sends it in resync `round` (round 0: as first loaded). Each later
/// round changes every tenth stay: a departure, an arrival, or a room move.
fn record(i: usize, rooms: usize, round: usize) -> pb::StayRecord {
    let (zh, en) = name(i);
    let base = 1_790_000_000 + (i as i64 % 30) * 86_400;
    let mut room = format!("{}{:02}", 2 + (i % rooms) / 40, (i % rooms) % 40 + 1);
    // A full house, arrivals for half of it, and the rest history (departed).
    let mut status = if i < rooms {
        pb::StayStatus::InHouse
    } else if i < rooms + rooms / 2 {
        pb::StayStatus::Expected
    } else {
        pb::StayStatus::Departed
    };
    let changed = round > 0 && (i + round).is_multiple_of(10);
    if changed {
        match (i + round) % 3 {
            0 if status == pb::StayStatus::InHouse => status = pb::StayStatus::Departed,
            1 if status == pb::StayStatus::Expected => status = pb::StayStatus::InHouse,
            _ => room = format!("{room}A"),
        }
    }
    if status == pb::StayStatus::Expected {
        room.clear();
    }
    pb::StayRecord {
        reservation_id: format!("PMS-{i:07}"),
        guests: vec![pb::Guest {
            name_zh: zh,
            name_en: en,
            phone: format!("+86 139 {:04} {:04}", (i / 10_000) % 10_000, i % 10_000),
            email: String::new(),
            language: 0,
        }],
        room,
        arrival: ts(base),
        departure: ts(base + 3 * 86_400),
        status: status as i32,
        privacy: match i % 20 {
            0 => pb::PrivacyLevel::NoInformation,
            1 => pb::PrivacyLevel::Incognito,
            _ => pb::PrivacyLevel::None,
        } as i32,
        forwarding_address: String::new(),
        forwarding_until: None,
        vip: i.is_multiple_of(50),
    }
}

async fn sync(
    c: &mut Client,
    property: &str,
    stays: Vec<pb::StayRecord>,
) -> anyhow::Result<(Duration, pb::SyncStaysResponse)> {
    let started = Instant::now();
    let mut req = tonic::Request::new(pb::SyncStaysRequest {
        property_id: property.to_string(),
        stays,
    });
    req.set_timeout(Duration::from_secs(120));
    let r = c.sync_stays(req).await?.into_inner();
    Ok((started.elapsed(), r))
}

fn report(args: &Args, v: &serde_json::Value) {
    let mut v = v.clone();
    v["label"] = json!(args.label);
    println!("{v}");
}

async fn resync(
    args: &Args,
    c: &mut Client,
    rooms: usize,
    stays: usize,
    rounds: usize,
) -> anyhow::Result<()> {
    let mut plan = vec![("first load", 0), ("replay", 0)];
    plan.extend((1..=rounds).map(|r| ("resync, 10% changed", r)));
    for (what, round) in plan {
        let records = (0..stays).map(|i| record(i, rooms, round)).collect();
        let (took, r) = sync(c, &args.property, records).await?;
        let ms = took.as_secs_f64() * 1e3;
        report(
            args,
            &json!({"scenario": "resync", "what": what, "round": round, "stays": stays, "ms": ms,
                    "created": r.created, "updated": r.updated, "unchanged": r.unchanged}),
        );
        eprintln!(
            "resync {what:<22} {stays} stays: {ms:8.1} ms  (created {}, updated {}, unchanged {})",
            r.created, r.updated, r.unchanged
        );
    }
    Ok(())
}

async fn load(args: &Args, c: &mut Client, stays: usize) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut i = 0;
    while i < stays {
        let end = (i + 2_000).min(stays);
        let records = (i..end).map(|n| record(n, 1_000, 0)).collect();
        sync(c, &args.property, records).await?;
        i = end;
    }
    let secs = started.elapsed().as_secs_f64();
    report(
        args,
        &json!({"scenario": "load", "stays": stays, "seconds": secs, "stays_per_s": stays as f64 / secs}),
    );
    eprintln!("loaded {stays} stays in {secs:.1} s");
    Ok(())
}

/// Lookup `n`: a guest's name as a caller might say it — Chinese, "Wang Fang", "fang wang" —
/// as an outside caller, every fifth as staff.
fn lookup(property: &str, stays: usize, n: u64) -> pb::LocateGuestRequest {
    let i = (n.wrapping_mul(2_654_435_761) % stays as u64) as usize;
    let (zh, en) = name(i);
    let name = match n % 3 {
        0 => zh,
        1 => en,
        _ => en
            .split(' ')
            .rev()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase(),
    };
    let kind = if n.is_multiple_of(5) {
        pb::CallerKind::Staff
    } else {
        pb::CallerKind::Outside
    };
    pb::LocateGuestRequest {
        property_id: property.to_string(),
        name,
        reservation_id: String::new(),
        caller_kind: kind as i32,
        inquiry_id: String::new(),
    }
}

async fn phase(
    args: &Arc<Args>,
    channel: &Channel,
    bearer: &Bearer,
    stays: usize,
    concurrency: usize,
    requests: u64,
    rate: u64,
) -> anyhow::Result<(Histogram<u64>, u64, Duration)> {
    let issued = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..concurrency {
        let mut c = MessagingServiceClient::with_interceptor(channel.clone(), bearer.clone());
        let issued = issued.clone();
        let args = args.clone();
        workers.push(tokio::spawn(async move {
            let mut hist = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
            let mut errors = 0_u64;
            loop {
                let n = issued.fetch_add(1, Ordering::Relaxed);
                if n >= requests {
                    return Ok::<_, anyhow::Error>((hist, errors));
                }
                let t = if rate == 0 {
                    Instant::now()
                } else {
                    let due = started + Duration::from_secs_f64(n as f64 / rate as f64);
                    tokio::time::sleep_until(due.into()).await;
                    due
                };
                match c.locate_guest(lookup(&args.property, stays, n)).await {
                    Ok(_) => hist.record(t.elapsed().as_micros().max(1) as u64)?,
                    Err(_) => errors += 1,
                }
            }
        }));
    }
    let mut hist = Histogram::<u64>::new_with_bounds(1, 600_000_000, 3)?;
    let mut errors = 0;
    for w in workers {
        let (h, e) = w.await??;
        hist.add(&h)?;
        errors += e;
    }
    Ok((hist, errors, started.elapsed()))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Arc::new(Args::parse());
    let channel = Endpoint::from_shared(args.server.clone())?
        .tcp_nodelay(true)
        .connect()
        .await?;
    let bearer = Bearer::new(&args.token)?;
    let mut c = MessagingServiceClient::with_interceptor(channel.clone(), bearer.clone());
    match args.cmd {
        Cmd::Resync {
            rooms,
            stays,
            rounds,
        } => resync(&args, &mut c, rooms, stays, rounds).await?,
        Cmd::Load { stays } => load(&args, &mut c, stays).await?,
        Cmd::Locate {
            stays,
            concurrency,
            requests,
            warmup,
            rate,
        } => {
            phase(&args, &channel, &bearer, stays, concurrency, warmup, 0).await?;
            let (h, errors, took) =
                phase(&args, &channel, &bearer, stays, concurrency, requests, rate).await?;
            let ms = |q: f64| h.value_at_quantile(q) as f64 / 1e3;
            let rps = h.len() as f64 / took.as_secs_f64();
            report(
                &args,
                &json!({"scenario": "locate", "stays": stays, "concurrency": concurrency, "offered_rps": rate,
                        "requests": h.len(), "errors": errors, "throughput_rps": rps,
                        "p50_ms": ms(0.5), "p90_ms": ms(0.9), "p99_ms": ms(0.99),
                        "max_ms": h.max() as f64 / 1e3}),
            );
            eprintln!(
                "locate c={concurrency} rate={rate}/s over {stays} stays: {} calls, {errors} errors, {rps:.0}/s, p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
                h.len(),
                ms(0.5),
                ms(0.9),
                ms(0.99),
                h.max() as f64 / 1e3
            );
        }
    }
    Ok(())
}

//! Search latency at 100,000 articles (Chinese and English) with 16 concurrent callers, and
//! the time from an index update to its being searchable — on the index itself (no gRPC, no
//! database), which is what every Search call runs.
//!
//! With `FRONTDESK_BENCH_POSTGRES=postgres://…/db` set, the same articles and queries also run
//! through Postgres full-text search (`to_tsvector('simple', …)` with a GIN index,
//! `plainto_tsquery`, `ts_rank`, top 10) at the same concurrency, for comparison.
//!
//! cargo run --release -p frontdesk-knowledge --example search_bench [-- <articles> <callers> [--tiny] [--rate 200,500]]
//!
//! `--profile <seconds>`: after indexing, one caller searches for that long and nothing else
//! runs (for `perf record` / `valgrind --tool=callgrind`); prints the mean per search.

use frontdesk_knowledge::domain::{Kind, Lang};
use frontdesk_knowledge::index::{Change, KbIndex, LiveDoc, SearchQuery};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ZH: &[&str] = &[
    "早餐",
    "餐厅",
    "无线网络",
    "密码",
    "停车场",
    "退房",
    "入住",
    "机场",
    "接送",
    "健身房",
    "游泳池",
    "洗衣",
    "行李",
    "寄存",
    "宠物",
    "吸烟",
    "发票",
    "外币",
    "兑换",
    "地铁",
    "外滩",
    "送餐",
    "保险箱",
    "叫醒",
    "加床",
    "前台",
    "礼宾部",
    "房间",
    "价格",
    "时间",
    "楼层",
    "服务",
    "预订",
    "免费",
    "收费",
    "客人",
    "酒店",
    "会议室",
    "婚宴",
    "儿童",
    "延迟",
    "提前",
];
const EN: &[&str] = &[
    "breakfast",
    "restaurant",
    "wifi",
    "password",
    "parking",
    "checkout",
    "checkin",
    "airport",
    "transfer",
    "gym",
    "pool",
    "laundry",
    "luggage",
    "storage",
    "pets",
    "smoking",
    "invoice",
    "currency",
    "exchange",
    "metro",
    "bund",
    "room",
    "service",
    "safe",
    "wake-up",
    "extra",
    "bed",
    "front",
    "desk",
    "concierge",
    "price",
    "floor",
    "booking",
    "free",
    "charge",
    "guest",
    "hotel",
    "meeting",
    "wedding",
    "children",
    "late",
    "early",
];
const QUERIES: &[&str] = &[
    "早餐时间",
    "breakfast hours",
    "wifi密码",
    "parking price",
    "几点退房",
    "airport transfer",
    "breakfst",
    "健身房",
    "laundry service",
    "行李寄存",
    "smoking room",
    "发票",
    "currency exchange",
    "地铁",
    "room service",
    "叫醒服务",
];

/// A small deterministic generator (no dependency needed).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as usize
    }
    fn pick<'a>(&mut self, words: &[&'a str]) -> &'a str {
        words[self.next() % words.len()]
    }
}

fn article(i: usize, rng: &mut Rng) -> LiveDoc {
    let zh = i.is_multiple_of(2);
    let (words, sep, lang) = if zh {
        (ZH, "", Lang::Zh)
    } else {
        (EN, " ", Lang::En)
    };
    let title: Vec<&str> = (0..4).map(|_| rng.pick(words)).collect();
    // One word in five from the hotel vocabulary above, the rest from a 20,000-word
    // vocabulary (skewed: low ranks far more often), as real text is; with `--tiny` every
    // word is a hotel word, the worst case where every query term is in most articles.
    let body: Vec<String> = (0..60)
        .map(|k| {
            if tiny() || k % 5 == 0 {
                rng.pick(words).to_string()
            } else {
                let rank = (rng.next() % 141).pow(2) % 20_000;
                filler(rank, zh)
            }
        })
        .collect();
    LiveDoc {
        article_id: format!("a{i:06}"),
        property_id: if i.is_multiple_of(10) {
            String::new()
        } else {
            format!("p{}", i % 50)
        },
        slug: format!("s{i}"),
        kind: Kind::Faq,
        language: lang,
        version: 1,
        title: title.join(sep),
        body: body.join(sep),
        tags: Vec::new(),
        effective_from: None,
        effective_until: None,
    }
}

fn tiny() -> bool {
    std::env::args().any(|a| a == "--tiny")
}

const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ne", "ru", "ta", "vo", "shi", "pe", "du", "gra", "sto", "len", "bor", "fi",
    "que", "zan", "tor", "mel", "din",
];
const HAN: &[char] = &[
    '春', '夏', '秋', '冬', '山', '水', '花', '草', '风', '云', '江', '河', '湖', '海', '城', '市',
    '路', '桥', '门', '窗', '灯', '书', '茶', '酒', '米', '面', '鱼', '肉', '菜', '果', '金', '银',
    '铜', '铁', '石', '木', '竹', '纸', '笔', '墨', '红', '黄', '蓝', '绿', '白', '黑', '东', '西',
    '南', '北',
];

/// The `rank`-th word of a synthetic vocabulary (Latin or two/three Han characters).
fn filler(rank: usize, zh: bool) -> String {
    if zh {
        let n = HAN.len();
        let mut w: String = [HAN[rank % n], HAN[(rank / n) % n]].iter().collect();
        if rank >= n * n {
            w.push(HAN[(rank / (n * n)) % n]);
        }
        w
    } else {
        let n = SYLLABLES.len();
        format!(
            "{}{}{}",
            SYLLABLES[rank % n],
            SYLLABLES[(rank / n) % n],
            SYLLABLES[(rank / (n * n)) % n]
        )
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

const PER_CALLER: usize = 400;

fn query(c: usize, k: usize) -> SearchQuery {
    SearchQuery {
        text: QUERIES[(c + k) % QUERIES.len()].to_string(),
        property_id: format!("p{}", (c * 7 + k) % 50),
        limit: 10,
        now: 0,
        ..SearchQuery::default()
    }
}

/// `--rate 200,500` : open-loop arrival rates to measure (default 200 and 500 per second).
fn rates() -> Vec<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--rate")
        .and_then(|i| args.get(i + 1))
        .map(|r| r.split(',').filter_map(|x| x.parse().ok()).collect())
        .unwrap_or_else(|| vec![200, 500])
}

/// CPU time this process has used (user + system, from /proc: on a shared machine the
/// wall time of a search depends on who else runs).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name (which is in parentheses): utime is the 12th, stime 13th.
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or("", |(_, rest)| rest)
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// `--profile <seconds>`: search on one caller for that long and stop.
fn profile_seconds() -> Option<u64> {
    let args: Vec<String> = std::env::args().collect();
    args.iter()
        .position(|a| a == "--profile")
        .and_then(|i| args.get(i + 1))
        .and_then(|s| s.parse().ok())
}

type Latencies = (Vec<Duration>, Duration);

fn threaded(index: &Arc<KbIndex>, callers: usize) -> anyhow::Result<Latencies> {
    let wall = Instant::now();
    let handles: Vec<_> = (0..callers)
        .map(|c| {
            let index = index.clone();
            std::thread::spawn(move || -> anyhow::Result<Vec<Duration>> {
                let mut out = Vec::with_capacity(PER_CALLER);
                for k in 0..PER_CALLER {
                    let q = query(c, k);
                    let t = Instant::now();
                    let _ = index.search(&q)?;
                    out.push(t.elapsed());
                }
                Ok(out)
            })
        })
        .collect();
    let mut all = Vec::new();
    for h in handles {
        all.extend(h.join().map_err(|_| anyhow::anyhow!("caller panicked"))??);
    }
    Ok((all, wall.elapsed()))
}

async fn closed_loop(index: Arc<KbIndex>, callers: usize) -> anyhow::Result<Latencies> {
    let wall = Instant::now();
    let tasks: Vec<_> = (0..callers)
        .map(|c| {
            let index = index.clone();
            tokio::spawn(async move {
                let mut out = Vec::with_capacity(PER_CALLER);
                for k in 0..PER_CALLER {
                    let t = Instant::now();
                    index.search_queued(query(c, k)).await?;
                    out.push(t.elapsed());
                }
                anyhow::Ok(out)
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    Ok((all, wall.elapsed()))
}

/// Searches start every 1/rate s for 10 s whatever the earlier ones are doing; each one's
/// time counts from when it was due, so a stall shows in every search it delays.
async fn open_loop(index: Arc<KbIndex>, rate: u64) -> anyhow::Result<Latencies> {
    let total = rate * 10;
    let every = Duration::from_secs_f64(1.0 / rate as f64);
    let wall = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for k in 0..total as usize {
        let due = wall + every * k as u32;
        tokio::time::sleep_until(due.into()).await;
        let index = index.clone();
        tasks.push(tokio::spawn(async move {
            index.search_queued(query(k % 16, k)).await?;
            anyhow::Ok(due.elapsed())
        }));
    }
    let mut all = Vec::with_capacity(tasks.len());
    for t in tasks {
        all.push(t.await??);
    }
    Ok((all, wall.elapsed()))
}

fn report(how: &str, callers: usize, (all, elapsed): &Latencies) {
    let mut all = all.clone();
    all.sort();
    let who = if callers > 0 {
        format!("{callers} concurrent callers, ")
    } else {
        String::new()
    };
    println!(
        "{how}: {} searches, {who}p50 {:.2} ms, p99 {:.2} ms, max {:.2} ms, {:.0} searches/s",
        all.len(),
        percentile(&all, 0.50).as_secs_f64() * 1e3,
        percentile(&all, 0.99).as_secs_f64() * 1e3,
        all.last().map_or(0.0, |d| d.as_secs_f64() * 1e3),
        all.len() as f64 / elapsed.as_secs_f64()
    );
}

fn main() -> anyhow::Result<()> {
    let args = std::env::args().skip(1);
    let mut numbers = args.filter_map(|a| a.parse::<usize>().ok());
    let n: usize = numbers.next().unwrap_or(100_000);
    let callers: usize = numbers.next().unwrap_or(16);
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let docs: Vec<LiveDoc> = (0..n).map(|i| article(i, &mut rng)).collect();
    if let Ok(url) = std::env::var("FRONTDESK_BENCH_POSTGRES") {
        postgres(&url, &docs, callers)?;
    }
    let index = Arc::new(KbIndex::new()?);
    index.set_synonyms(vec![
        vec!["退房".into(), "离店".into(), "checkout".into()],
        vec!["接机".into(), "airport".into()],
    ]);
    let start = Instant::now();
    index.replace_all(docs, 1)?;
    println!(
        "indexed {n} articles in {:.1} s",
        start.elapsed().as_secs_f64()
    );

    if let Some(secs) = profile_seconds() {
        let until = Instant::now() + Duration::from_secs(secs);
        let start = Instant::now();
        let cpu_start = cpu_seconds();
        let mut k = 0;
        let mut per_query = vec![Duration::ZERO; QUERIES.len()];
        while Instant::now() < until {
            let t = Instant::now();
            index.search(&query(0, k))?;
            per_query[k % QUERIES.len()] += t.elapsed();
            k += 1;
        }
        println!(
            "profile: {k} searches, mean {:.3} ms, CPU {:.3} ms per search",
            start.elapsed().as_secs_f64() * 1e3 / k.max(1) as f64,
            (cpu_seconds() - cpu_start) * 1e3 / k.max(1) as f64
        );
        let rounds = (k / QUERIES.len()).max(1) as f64;
        for (q, d) in QUERIES.iter().zip(per_query) {
            println!("  {q:<20} {:.3} ms", d.as_secs_f64() * 1e3 / rounds);
        }
        return Ok(());
    }

    // The same searches three ways, in one run: callers on their own threads straight into
    // the index (time-sliced when callers outnumber cores: the old service path), the
    // service's path (queued for a search slot, one per core), and the service's path with
    // searches arriving at a fixed rate — a call center's agents do not search back to back,
    // and a closed loop of N callers on C cores measures N/C searches' worth of queue
    // whatever the index does (Little's law).
    report(
        "threads straight into the index",
        callers,
        &threaded(&index, callers)?,
    );
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let queued = runtime.block_on(closed_loop(index.clone(), callers))?;
    report("queued for a search slot (the service)", callers, &queued);
    for rate in rates() {
        let (lat, elapsed) = runtime.block_on(open_loop(index.clone(), rate))?;
        report(
            &format!("queued, {rate} searches/s arriving at a fixed rate (open loop)"),
            0,
            &(lat, elapsed),
        );
    }

    // Publish → searchable: one change applied (commit + reader reload), then found.
    let mut updates = Vec::new();
    for k in 0..20 {
        let mut d = article(n + k, &mut rng);
        d.title = format!("zzfresh{k} 新文章");
        d.property_id = String::new();
        let t = Instant::now();
        index.apply(vec![Change::Upsert(d)], 2 + k as i64)?;
        let (hits, _) = index.search(&SearchQuery {
            text: format!("zzfresh{k}"),
            limit: 1,
            now: 0,
            ..SearchQuery::default()
        })?;
        anyhow::ensure!(hits.len() == 1, "update {k} not searchable");
        updates.push(t.elapsed());
    }
    updates.sort();
    println!(
        "update → searchable (apply + search, 20 updates): p50 {:.1} ms, max {:.1} ms \
         (replicas add their follow interval, 200 ms by default)",
        percentile(&updates, 0.5).as_secs_f64() * 1e3,
        updates.last().map_or(0.0, |d| d.as_secs_f64() * 1e3)
    );
    Ok(())
}

/// The same articles and queries through Postgres full-text search.
fn postgres(url: &str, docs: &[LiveDoc], callers: usize) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(4)
        .enable_all()
        .build()?;
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let pool = sqlx::any::AnyPoolOptions::new()
            .max_connections(u32::try_from(callers).unwrap_or(16))
            .connect(url)
            .await?;
        sqlx::query("DROP TABLE IF EXISTS kb_bench")
            .execute(&pool)
            .await?;
        sqlx::query(
            "CREATE TABLE kb_bench (id TEXT PRIMARY KEY, property_id TEXT NOT NULL, \
             title TEXT NOT NULL, body TEXT NOT NULL)",
        )
        .execute(&pool)
        .await?;
        let start = Instant::now();
        for chunk in docs.chunks(500) {
            let sql = format!(
                "INSERT INTO kb_bench (id, property_id, title, body) VALUES {}",
                frontdesk_platform::sql::values(chunk.len(), 4, 1)
            );
            let mut q = sqlx::query(&sql);
            for d in chunk {
                q = q
                    .bind(d.article_id.clone())
                    .bind(d.property_id.clone())
                    .bind(d.title.clone())
                    .bind(d.body.clone());
            }
            q.execute(&pool).await?;
        }
        sqlx::query(
            "CREATE INDEX kb_bench_fts ON kb_bench USING GIN \
             (to_tsvector('simple', title || ' ' || body))",
        )
        .execute(&pool)
        .await?;
        sqlx::query("ANALYZE kb_bench").execute(&pool).await?;
        println!(
            "postgres: loaded and indexed {} articles in {:.1} s",
            docs.len(),
            start.elapsed().as_secs_f64()
        );
        let per_caller = 200;
        let wall = Instant::now();
        let mut tasks = Vec::new();
        for c in 0..callers {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                let mut out = Vec::with_capacity(per_caller);
                for k in 0..per_caller {
                    let t = Instant::now();
                    sqlx::query(
                        "SELECT id FROM kb_bench, plainto_tsquery('simple', $1) q \
                         WHERE to_tsvector('simple', title || ' ' || body) @@ q \
                         AND property_id IN ('', $2) \
                         ORDER BY ts_rank(to_tsvector('simple', title || ' ' || body), q) DESC \
                         LIMIT 10",
                    )
                    .bind(QUERIES[(c + k) % QUERIES.len()])
                    .bind(format!("p{}", (c * 7 + k) % 50))
                    .fetch_all(&pool)
                    .await?;
                    out.push(t.elapsed());
                }
                anyhow::Ok(out)
            }));
        }
        let mut all = Vec::new();
        for t in tasks {
            all.extend(t.await??);
        }
        let elapsed = wall.elapsed();
        all.sort();
        println!(
            "postgres to_tsvector: {} searches, {callers} concurrent callers: p50 {:.2} ms, \
             p99 {:.2} ms, {:.0} searches/s",
            all.len(),
            percentile(&all, 0.50).as_secs_f64() * 1e3,
            percentile(&all, 0.99).as_secs_f64() * 1e3,
            all.len() as f64 / elapsed.as_secs_f64()
        );
        sqlx::query("DROP TABLE kb_bench").execute(&pool).await?;
        anyhow::Ok(())
    })
}

//! `frontdesk-analytics-bench`: issue 12's report benchmark. Seeds analytics' own tables with
//! `--inquiries` facts in one bulk `INSERT … SELECT generate_series` (Postgres), spread over
//! `--properties` properties and the 12 months of 2026, rolls them up with the service's own
//! backfill (`store::rollups::backfill`: the same contributions live delivery adds, so facts
//! and rollups agree by construction), then times in the same run, `--runs` times each, for
//! one property × one month (30 UTC days):
//!
//! - `service_category` / `service_employee`: what GetKpiReport does by category and per
//!   employee (`store::rollups::counters_in_period` + quizzes + `kpi::report_from`), no gRPC;
//! - `service_category_utc8`: the same month in UTC+8 (partial days at both ends from facts);
//! - `raw_sql_category` / `raw_sql_employee`: one SQL aggregate over the same fact rows
//!   (counts and sums per category / per handler) — what scanning the facts costs at least;
//! - `facts_scan_category`: the pre-rollup path (every fact of the month to the process).
//!
//! The 10M facts are seeded directly, not through the log: that database's log is marked
//! incomplete (a rebuild there would refuse). With `--replay-database-url` (another empty
//! database) it also measures the rebuild: `--replay-inquiries` inquiries' events (created,
//! answered, routed) written to the log and replayed by `rebuild::rebuild` through the live
//! handlers — events/s of the apply path — and checks that the rebuilt rollups give the same
//! report as the facts.
//!
//! With `--ingest-database-url` and the two source databases it measures live ingest through
//! the real consumer path: `--ingest-inquiries` inquiries' events as the pipeline emits them
//! (intake's created InquiryChanged, routing's Routed, intake's routed InquiryChanged)
//! appended to intake's and routing's outboxes, then delivered by the platform's relays
//! (batches of 200, gRPC `EventSink.Deliver`) to analytics' consumers (inbox, event log,
//! batched apply) served in this process, two relays at once as in production; timed from
//! the relays' start until analytics' inbox holds every event.
//!
//! Output: one JSON line per measurement and a human line. A database seeded by an earlier run
//! with as many facts is reused.

use clap::Parser;
use frontdesk_analytics::consumers::Logged;
use frontdesk_analytics::consumers::intake::IntakeEvents;
use frontdesk_analytics::consumers::routing::RoutingEvents;
use frontdesk_analytics::domain::kpi::{self, Breakdown, Targets, TimelinessRule};
use frontdesk_analytics::{rebuild, store};
use frontdesk_platform::db::Db;
use frontdesk_platform::inbox::{Consumer, EventSinkService};
use frontdesk_platform::outbox::NewEvent;
use frontdesk_platform::relay::{RelayConfig, Subscriber};
use frontdesk_proto::common::v1::{Category, Channel};
use frontdesk_proto::events::v1::Event;
use frontdesk_proto::intake::v1 as intake_pb;
use frontdesk_proto::routing::v1 as routing_pb;
use hdrhistogram::Histogram;
use prost::Message;
use serde_json::json;
use std::time::Instant;

#[derive(Parser, Debug)]
#[command(name = "frontdesk-analytics-bench", about = "KPI report benchmark")]
struct Args {
    /// An empty Postgres database.
    #[arg(long, env = "FRONTDESK_BENCH_DATABASE_URL", hide_env_values = true)]
    database_url: String,
    #[arg(long, default_value_t = 10_000_000)]
    inquiries: i64,
    #[arg(long, default_value_t = 10)]
    properties: i64,
    #[arg(long, default_value_t = 20)]
    runs: u32,
    /// Another empty database for the rebuild (replay) measurement; none: skipped.
    #[arg(
        long,
        env = "FRONTDESK_BENCH_REPLAY_DATABASE_URL",
        hide_env_values = true
    )]
    replay_database_url: Option<String>,
    #[arg(long, default_value_t = 20_000)]
    replay_inquiries: i64,
    /// Three more empty databases for the ingest measurement through the real consumer
    /// path: analytics', and intake's and routing's (their outboxes); none: skipped.
    #[arg(long, requires_all = ["ingest_intake_url", "ingest_routing_url"])]
    ingest_database_url: Option<String>,
    #[arg(long)]
    ingest_intake_url: Option<String>,
    #[arg(long)]
    ingest_routing_url: Option<String>,
    #[arg(long, default_value_t = 20_000)]
    ingest_inquiries: i64,
}

/// 2026-01-01T00:00:00Z in unix micros, and one 2026 month (30 days) in micros.
const YEAR_START: i64 = 1_767_225_600_000_000;
const MONTH: i64 = 30 * 86_400 * 1_000_000;

const SEED: &str = "INSERT INTO analytics_facts (inquiry_id, property_id, channel, category, \
    complexity, language, created_at, first_response_at, resolved_at, expected_at, handler, \
    satisfaction, delay_notices, intake_version, department, routing_handler, \
    first_response_due, resolution_due, original_resolution_due, routing_version, transfers, \
    sla_breaches, escalations, updated_at) \
    SELECT 'inq-' || i, 'prop-' || (i % $2), \
    (ARRAY['front_desk','hotline','website','ota','email'])[1 + i % 5], \
    (ARRAY['dining','room_rates','reservation','facilities','complaint','other'])[1 + (i / 7) % 6], \
    'simple', CASE WHEN i % 3 = 0 THEN 'en' ELSE 'zh' END, \
    $3 + i * (31536000000000 / $1), \
    CASE WHEN i % 10 < 9 THEN $3 + i * (31536000000000 / $1) + (i % 600) * 1000000 END, \
    CASE WHEN i % 10 < 8 THEN $3 + i * (31536000000000 / $1) + 7200000000 END, NULL, \
    'staff-' || (i % 40), \
    CASE i % 7 WHEN 0 THEN 'very_satisfied' WHEN 1 THEN 'satisfied' WHEN 2 THEN 'neutral' \
      WHEN 3 THEN 'dissatisfied' ELSE NULL END, \
    0, 1, 'dept-' || (i % 5), 'staff-' || (i % 40), NULL, NULL, NULL, 1, i % 2, \
    CASE WHEN i % 20 = 0 THEN 1 ELSE 0 END, 0, 0 \
    FROM generate_series(0, $1 - 1) AS i";

const RAW_EMPLOYEE: &str = "SELECT handler, COUNT(*) AS inquiries, \
    COUNT(first_response_at) AS responded, COUNT(resolved_at) AS resolved, \
    COUNT(satisfaction) AS surveyed, \
    SUM(CASE WHEN satisfaction IN ('very_satisfied', 'satisfied') THEN 1 ELSE 0 END) AS satisfied, \
    CAST(SUM(sla_breaches) AS BIGINT) AS breaches, CAST(SUM(transfers) AS BIGINT) AS transfers \
    FROM analytics_facts WHERE property_id = $1 AND created_at >= $2 AND created_at < $3 \
    GROUP BY handler";

const RAW: &str = "SELECT category, COUNT(*) AS inquiries, COUNT(first_response_at) AS responded, \
    COUNT(resolved_at) AS resolved, COUNT(satisfaction) AS surveyed, \
    SUM(CASE WHEN satisfaction IN ('very_satisfied', 'satisfied') THEN 1 ELSE 0 END) AS satisfied, \
    CAST(SUM(sla_breaches) AS BIGINT) AS breaches, CAST(SUM(transfers) AS BIGINT) AS transfers FROM analytics_facts \
    WHERE property_id = $1 AND created_at >= $2 AND created_at < $3 GROUP BY category";

fn line(what: &str, h: &Histogram<u64>, rows: usize, args: &Args) {
    let ms = |q: f64| h.value_at_quantile(q) as f64 / 1000.0;
    println!(
        "{}",
        json!({"bench": "analytics_report", "path": what, "inquiries": args.inquiries,
               "rows_in_period": rows, "runs": h.len(), "p50_ms": ms(0.5), "p99_ms": ms(0.99),
               "max_ms": h.max() as f64 / 1000.0})
    );
    eprintln!(
        "{what:>22}: {rows} facts in the month, p50 {:.1} ms, p99 {:.1} ms over {} runs",
        ms(0.5),
        ms(0.99),
        h.len()
    );
}

/// Times `f` `runs` times.
async fn time<F, Fut, T>(runs: u32, mut f: F) -> anyhow::Result<(Histogram<u64>, T)>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<T>>,
{
    let mut h = Histogram::<u64>::new(3)?;
    let mut last = None;
    for _ in 0..runs {
        let t = Instant::now();
        last = Some(f().await?);
        h.record(t.elapsed().as_micros() as u64)?;
    }
    Ok((h, last.ok_or_else(|| anyhow::anyhow!("no runs"))?))
}

async fn report(
    db: &Db,
    property: &str,
    from: i64,
    to: i64,
    by: Breakdown,
) -> anyhow::Result<kpi::Report> {
    let rule = TimelinessRule::default();
    let groups = store::rollups::counters_in_period(db, &rule, property, from, to, by).await?;
    let quizzes = store::quizzes_in_period(db, property, from, to).await?;
    Ok(kpi::report_from(
        groups,
        &quizzes,
        &Targets::default(),
        Some(by),
    ))
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let db = Db::connect(&args.database_url, 4).await?;
    db.migrate(store::MIGRATIONS).await?;
    let started = Instant::now();
    // A database seeded by an earlier run with as many facts is reused (seeding is minutes).
    let have: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM analytics_facts")
        .fetch_one(db.pool())
        .await?;
    if have != args.inquiries {
        sqlx::query("DELETE FROM analytics_facts")
            .execute(db.pool())
            .await?;
        sqlx::query(SEED)
            .bind(args.inquiries)
            .bind(args.properties)
            .bind(YEAR_START)
            .execute(db.pool())
            .await?;
        // Seeded without the log: a rebuild of this database must refuse, not wipe it.
        sqlx::query("UPDATE analytics_log_origin SET complete = 0")
            .execute(db.pool())
            .await?;
        sqlx::query("UPDATE analytics_rollup_state SET backfilled = 0")
            .execute(db.pool())
            .await?;
    }
    eprintln!(
        "{} facts ready in {:.1} s",
        args.inquiries,
        started.elapsed().as_secs_f64()
    );
    let t = Instant::now();
    let rolled = store::rollups::backfill(&db, &TimelinessRule::default()).await?;
    let rollup_rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM analytics_daily")
        .fetch_one(db.pool())
        .await?;
    eprintln!(
        "{rolled} facts rolled up into {rollup_rows} rows in {:.1} s",
        t.elapsed().as_secs_f64()
    );
    for table in ["analytics_facts", "analytics_daily"] {
        sqlx::query(&format!("ANALYZE {table}"))
            .execute(db.pool())
            .await?;
    }
    // A month in the middle of the year, of the first property.
    let (property, from) = ("prop-0", YEAR_START + 5 * MONTH);
    let to = from + MONTH;
    let facts_n = store::facts_in_period(&db, property, from, to).await?.len();
    let raw = |sql: &'static str, from: i64, to: i64| {
        let db = db.clone();
        move || {
            let db = db.clone();
            async move {
                let rows = sqlx::query(sql)
                    .bind(property)
                    .bind(from)
                    .bind(to)
                    .fetch_all(db.pool())
                    .await?;
                Ok::<_, anyhow::Error>(rows.len())
            }
        }
    };
    let service = |by: Breakdown, from: i64, to: i64| {
        let db = db.clone();
        move || {
            let db = db.clone();
            async move { report(&db, property, from, to, by).await }
        }
    };
    // Interleaved path by path; each path's first run warms its pages.
    let (h, by_category) = time(args.runs, service(Breakdown::Category, from, to)).await?;
    line("service_category", &h, facts_n, &args);
    let (h, n) = time(args.runs, raw(RAW, from, to)).await?;
    line("raw_sql_category", &h, facts_n, &args);
    assert_eq!(
        by_category.groups.len(),
        n,
        "both paths see the same categories"
    );
    let (h, by_employee) = time(args.runs, service(Breakdown::Employee, from, to)).await?;
    line("service_employee", &h, facts_n, &args);
    let (h, n) = time(args.runs, raw(RAW_EMPLOYEE, from, to)).await?;
    line("raw_sql_employee", &h, facts_n, &args);
    assert_eq!(by_employee.groups.len(), n, "both paths see the same staff");
    let utc8 = 8 * 3_600_000_000;
    let (h, _) = time(
        args.runs,
        service(Breakdown::Category, from - utc8, to - utc8),
    )
    .await?;
    line("service_category_utc8", &h, facts_n, &args);
    let scan_runs = args.runs.min(5);
    let (h, scanned) = time(scan_runs, || {
        let db = db.clone();
        async move {
            let facts = store::facts_in_period(&db, property, from, to).await?;
            let rule = TimelinessRule::default();
            Ok::<_, anyhow::Error>(kpi::report(
                &facts,
                &[],
                &rule,
                &Targets::default(),
                Some(Breakdown::Category),
            ))
        }
    })
    .await?;
    line("facts_scan_category", &h, facts_n, &args);
    // The rollups answer exactly what scanning the facts answers.
    assert_eq!(scanned, by_category, "rollups and facts disagree");
    db.close().await;
    if let Some(url) = &args.replay_database_url {
        replay(url, args.replay_inquiries).await?;
    }
    if let (Some(analytics), Some(intake), Some(routing)) = (
        &args.ingest_database_url,
        &args.ingest_intake_url,
        &args.ingest_routing_url,
    ) {
        ingest(analytics, intake, routing, args.ingest_inquiries).await?;
    }
    Ok(())
}

/// The log of `n` inquiries as live delivery would have logged it: per inquiry intake's
/// created (v1) and answered (v2) InquiryChanged and routing's Routed assignment.
fn events(n: i64) -> Vec<Event> {
    let mut out = Vec::with_capacity(3 * n as usize);
    let day = 86_400_000_000;
    for i in 0..n {
        let id = format!("inq-{i}");
        let created = YEAR_START + (i % 28) * day + (i * 7_919) % day;
        let facts = |version: i64| intake_pb::InquiryFacts {
            inquiry_id: id.clone(),
            property_id: format!("prop-{}", i % 3),
            channel: [Channel::FrontDesk, Channel::Hotline, Channel::Website][(i % 3) as usize]
                as i32,
            category: [Category::Dining, Category::Reservation][(i % 2) as usize] as i32,
            created_at: Some(frontdesk_platform::time::to_timestamp(created)),
            first_response_at: (version > 1)
                .then(|| frontdesk_platform::time::to_timestamp(created + (i % 900) * 1_000_000)),
            assignee: format!("staff-{}", i % 40),
            version,
            ..Default::default()
        };
        for version in [1, 2] {
            out.push(Event {
                event_id: format!("{id}-v{version}"),
                source: "intake".into(),
                r#type: "frontdesk.intake.v1.InquiryChanged".into(),
                property_id: format!("prop-{}", i % 3),
                aggregate_id: id.clone(),
                payload: intake_pb::InquiryChanged {
                    change: 0,
                    facts: Some(facts(version)),
                }
                .encode_to_vec(),
                ..Default::default()
            });
        }
        out.push(Event {
            event_id: format!("{id}-routed"),
            source: "routing".into(),
            r#type: "frontdesk.routing.v1.AssignmentChanged".into(),
            property_id: format!("prop-{}", i % 3),
            aggregate_id: id.clone(),
            payload: routing_pb::AssignmentChanged {
                change: routing_pb::AssignmentChange::Routed as i32,
                assignment: Some(routing_pb::Assignment {
                    inquiry_id: id.clone(),
                    property_id: format!("prop-{}", i % 3),
                    lead_department: format!("dept-{}", i % 5),
                    version: 1,
                    ..Default::default()
                }),
                ..Default::default()
            }
            .encode_to_vec(),
            ..Default::default()
        });
    }
    out
}

/// Writes `n` inquiries' events to an empty database's log, rebuilds from it and reports
/// events/s; then checks the rebuilt rollups against the facts.
async fn replay(url: &str, n: i64) -> anyhow::Result<()> {
    let db = Db::connect(url, 2).await?;
    db.migrate(store::MIGRATIONS).await?;
    sqlx::query("DELETE FROM analytics_event_log")
        .execute(db.pool())
        .await?;
    let events = events(n);
    let mut tx = db.pool().begin().await?;
    for e in &events {
        store::log::append(&mut tx, e).await?;
    }
    tx.commit().await?;
    let t = Instant::now();
    let done = rebuild::rebuild(&db, TimelinessRule::default()).await?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "{}",
        json!({"bench": "analytics_rebuild", "inquiries": n, "events": done.events,
               "seconds": secs, "events_per_s": done.events as f64 / secs,
               "rollup_rows": done.rollup_rows})
    );
    eprintln!(
        "rebuild: {} events of {n} inquiries replayed in {secs:.1} s = {:.0} events/s ({} rollup rows)",
        done.events,
        done.events as f64 / secs,
        done.rollup_rows
    );
    let (from, to) = (YEAR_START, YEAR_START + MONTH);
    let rule = TimelinessRule::default();
    for by in Breakdown::ALL {
        let facts = store::facts_in_period(&db, "prop-0", from, to).await?;
        let scanned = kpi::report(&facts, &[], &rule, &Targets::default(), Some(by));
        assert_eq!(
            report(&db, "prop-0", from, to, by).await?,
            scanned,
            "rebuilt rollups and facts disagree by {by:?}"
        );
    }
    db.close().await;
    Ok(())
}

/// Per inquiry, what the pipeline emits: intake's created (v1) and, once routing's Routed
/// assignment is projected back, routed (v2) InquiryChanged; routing's Routed.
fn pipeline_events(n: i64) -> (Vec<NewEvent>, Vec<NewEvent>) {
    let (mut intake, mut routing) = (Vec::new(), Vec::new());
    let day = 86_400_000_000;
    for i in 0..n {
        let id = format!("inq-{i}");
        let property = format!("prop-{}", i % 3);
        let created = YEAR_START + (i % 28) * day + (i * 7_919) % day;
        let facts = |version: i64| intake_pb::InquiryFacts {
            inquiry_id: id.clone(),
            property_id: property.clone(),
            channel: [Channel::FrontDesk, Channel::Hotline, Channel::Website][(i % 3) as usize]
                as i32,
            category: [Category::Dining, Category::Reservation][(i % 2) as usize] as i32,
            created_at: Some(frontdesk_platform::time::to_timestamp(created)),
            assignee: if version > 1 {
                format!("staff-{}", i % 40)
            } else {
                String::new()
            },
            matched_terms: vec![["breakfast", "早餐", "wifi"][(i % 3) as usize].into()],
            version,
            ..Default::default()
        };
        let event = |event_type: &str, payload: Vec<u8>| NewEvent {
            event_type: event_type.into(),
            property_id: property.clone(),
            aggregate_id: id.clone(),
            actor: String::new(),
            payload,
            traceparent: String::new(),
        };
        for version in [1, 2] {
            let payload = intake_pb::InquiryChanged {
                change: 0,
                facts: Some(facts(version)),
            }
            .encode_to_vec();
            intake.push(event("frontdesk.intake.v1.InquiryChanged", payload));
        }
        let payload = routing_pb::AssignmentChanged {
            change: routing_pb::AssignmentChange::Routed as i32,
            assignment: Some(routing_pb::Assignment {
                inquiry_id: id.clone(),
                property_id: property.clone(),
                lead_department: format!("dept-{}", i % 5),
                assignee: format!("staff-{}", i % 40),
                version: 1,
                ..Default::default()
            }),
            ..Default::default()
        }
        .encode_to_vec();
        routing.push(event("frontdesk.routing.v1.AssignmentChanged", payload));
    }
    (intake, routing)
}

/// Fills intake's and routing's outboxes with `n` inquiries' events, serves analytics'
/// consumers over gRPC here, starts both relays and times until every event is applied.
async fn ingest(analytics: &str, intake: &str, routing: &str, n: i64) -> anyhow::Result<()> {
    let rule = TimelinessRule::default();
    let db = Db::connect(analytics, 8).await?;
    db.migrate(store::MIGRATIONS).await?;
    let (intake_events, routing_events) = pipeline_events(n);
    let total = (intake_events.len() + routing_events.len()) as i64;
    let mut sources = Vec::new();
    for (url, events) in [(intake, intake_events), (routing, routing_events)] {
        let source = Db::connect(url, 2).await?;
        source.migrate(&[]).await?;
        let mut events = events.into_iter().peekable();
        while events.peek().is_some() {
            let chunk: Vec<NewEvent> = events.by_ref().take(1_000).collect();
            let mut tx = source.pool().begin().await?;
            frontdesk_platform::outbox::append_many(&mut tx, chunk).await?;
            tx.commit().await?;
        }
        sources.push(source);
    }
    let sink = EventSinkService::new()
        .consume(
            "analytics",
            "intake",
            Consumer::new(db.clone(), "analytics", Logged(IntakeEvents { rule })),
        )
        .consume(
            "analytics",
            "routing",
            Consumer::new(db.clone(), "analytics", Logged(RoutingEvents { rule })),
        );
    let addr = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?;
    let (trigger, shutdown) = frontdesk_platform::shutdown::channel();
    let server = tokio::spawn({
        let mut shutdown = shutdown.clone();
        tonic::transport::Server::builder()
            .add_service(sink.into_server())
            .serve_with_shutdown(addr, async move { shutdown.wait().await })
    });
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let t = Instant::now();
    let mut relays = Vec::new();
    for (name, source) in ["intake", "routing"].into_iter().zip(&sources) {
        let cfg = RelayConfig::new(
            name,
            Subscriber {
                name: "analytics".into(),
                endpoint: format!("http://{addr}"),
            },
            "bench".into(),
        );
        let (_wake, wake) = tokio::sync::watch::channel(0);
        relays.push(tokio::spawn(frontdesk_platform::relay::run(
            source.clone(),
            cfg,
            wake,
            shutdown.clone(),
        )));
    }
    // Done when both relays' cursors reached their outbox's head: a relay moves its cursor
    // once the delivery returned, i.e. once analytics committed the batch. (Polling the
    // sources' cursor rows, not counting analytics' inbox, keeps the poll off the measured
    // database.)
    let mut heads = Vec::new();
    for source in &sources {
        heads.push(frontdesk_platform::outbox::head(source).await?);
    }
    loop {
        let mut behind = false;
        for (source, head) in sources.iter().zip(&heads) {
            let at = frontdesk_platform::relay::delivered_up_to(source, "analytics").await?;
            behind |= at.unwrap_or(0) < *head;
        }
        if !behind {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        anyhow::ensure!(
            t.elapsed().as_secs() < 3_600,
            "ingest did not finish within an hour"
        );
    }
    let secs = t.elapsed().as_secs_f64();
    let applied: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM inbox WHERE consumer = 'analytics'")
            .fetch_one(db.pool())
            .await?;
    anyhow::ensure!(applied == total, "{applied} of {total} events applied");
    trigger.trigger();
    for r in relays {
        r.await?;
    }
    server.await??;
    let facts: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM analytics_facts WHERE created_at IS NOT NULL")
            .fetch_one(db.pool())
            .await?;
    anyhow::ensure!(facts == n, "{facts} facts for {n} inquiries");
    println!(
        "{}",
        json!({"bench": "analytics_ingest", "inquiries": n, "events": total, "seconds": secs,
               "events_per_s": total as f64 / secs, "inquiries_per_s": n as f64 / secs})
    );
    eprintln!(
        "ingest: {total} events of {n} inquiries through outbox → relay → EventSink → consumers \
         in {secs:.1} s = {:.0} events/s = {:.0} inquiries/s (goal 5,000 inquiries/s = 15,000 events/s)",
        total as f64 / secs,
        n as f64 / secs
    );
    let (from, to) = (YEAR_START, YEAR_START + MONTH);
    for by in Breakdown::ALL {
        let facts = store::facts_in_period(&db, "prop-0", from, to).await?;
        let scanned = kpi::report(&facts, &[], &rule, &Targets::default(), Some(by));
        assert_eq!(
            report(&db, "prop-0", from, to, by).await?,
            scanned,
            "ingested rollups and facts disagree by {by:?}"
        );
    }
    for source in sources {
        source.close().await;
    }
    db.close().await;
    Ok(())
}

//! `frontdesk-analytics-bench`: issue 12's report benchmark. Seeds analytics' own tables with
//! `--inquiries` facts in one bulk `INSERT … SELECT generate_series` (Postgres), spread over
//! `--properties` properties and the 12 months of 2026, then times in the same run, `--runs`
//! times each:
//!
//! - `service`: what GetKpiReport does for one property × month × category (the facts loaded
//!   by `store::facts_in_period`, the KPIs computed by `domain::kpi::report`), without gRPC;
//! - `raw_sql`: one SQL aggregate over the same rows (counts per category: inquiries,
//!   responded, resolved, surveyed, satisfied, breaches, transfers) — the floor.
//!
//! Output: one JSON line per measurement and a human line. The database must be empty (a
//! fresh one per run): the bench applies analytics' migrations itself.

use clap::Parser;
use frontdesk_analytics::domain::kpi::{self, Breakdown, Targets, TimelinessRule};
use frontdesk_analytics::store;
use frontdesk_platform::db::Db;
use hdrhistogram::Histogram;
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
        "{what:>8}: {rows} facts in the month, p50 {:.1} ms, p99 {:.1} ms over {} runs",
        ms(0.5),
        ms(0.99),
        h.len()
    );
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
    }
    sqlx::query("ANALYZE analytics_facts")
        .execute(db.pool())
        .await?;
    eprintln!(
        "{} inquiries ready in {:.1} s",
        args.inquiries,
        started.elapsed().as_secs_f64()
    );
    // A month in the middle of the year, of the first property.
    let (property, from) = ("prop-0", YEAR_START + 5 * MONTH);
    let to = from + MONTH;
    let (rule, targets) = (TimelinessRule::default(), Targets::default());
    let mut service = Histogram::<u64>::new(3)?;
    let mut raw = Histogram::<u64>::new(3)?;
    let mut facts_n = 0;
    for _ in 0..args.runs {
        let t = Instant::now();
        let facts = store::facts_in_period(&db, property, from, to).await?;
        let quizzes = store::quizzes_in_period(&db, property, from, to).await?;
        let report = kpi::report(&facts, &quizzes, &rule, &targets, Some(Breakdown::Category));
        service.record(t.elapsed().as_micros() as u64)?;
        facts_n = facts.len();

        let t = Instant::now();
        let rows = sqlx::query(RAW)
            .bind(property)
            .bind(from)
            .bind(to)
            .fetch_all(db.pool())
            .await?;
        raw.record(t.elapsed().as_micros() as u64)?;
        assert_eq!(
            report.groups.len(),
            rows.len(),
            "both paths see the same categories"
        );
    }
    line("service", &service, facts_n, &args);
    line("raw_sql", &raw, facts_n, &args);
    db.close().await;
    Ok(())
}

//! The daily rollups: kept with the facts (by the difference between an inquiry's facts
//! before and after each event, `domain::kpi::rollup_delta`) and read by the reports.

use crate::domain::kpi::{
    Breakdown, Counters, DAY_US, RollupKey, TimelinessRule, decode_histogram, encode_histogram,
    group, rollup_delta,
};
use anyhow::{Context, anyhow};
use frontdesk_platform::db::Db;
use frontdesk_platform::sql::shaped;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::{BTreeMap, HashMap};

const COUNTER_COLUMNS: &str = "inquiries, responded, resolved, in_time, audited, accurate, \
    very_satisfied, satisfied, neutral, dissatisfied, very_dissatisfied, sla_breaches, \
    breached_inquiries, transfers, deadlines_moved, first_response, handling";

/// Rows per multi-row statement (19 values each).
const ROWS_PER_STATEMENT: usize = 500;

/// Adds each row's counters to its rollup row (creating it), then writes the histograms of
/// the rows whose histograms changed and deletes the rows nothing is left in: three
/// statements per chunk of rows, whatever the batch. The upsert locks the rows (in key
/// order, the order every writer takes them in), so the counters and histograms it returns
/// are current until this transaction ends (on SQLite the one writer is this one).
pub async fn add_all(
    conn: &mut AnyConnection,
    rows: &BTreeMap<RollupKey, Counters>,
) -> anyhow::Result<()> {
    let rows: Vec<(&RollupKey, &Counters)> = rows.iter().collect();
    let mut histograms: Vec<(&RollupKey, String, String)> = Vec::new();
    let mut empty: Vec<&RollupKey> = Vec::new();
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        // The four key columns and fifteen counters; the two histograms start empty.
        let placeholders = shaped(
            chunk.len(),
            1,
            "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, '', '')",
        );
        let sql = format!(
            "INSERT INTO analytics_daily (property_id, dim, day, group_key, {COUNTER_COLUMNS}) \
             VALUES {placeholders} \
             ON CONFLICT (property_id, dim, day, group_key) DO UPDATE SET \
             inquiries = analytics_daily.inquiries + excluded.inquiries, \
             responded = analytics_daily.responded + excluded.responded, \
             resolved = analytics_daily.resolved + excluded.resolved, \
             in_time = analytics_daily.in_time + excluded.in_time, \
             audited = analytics_daily.audited + excluded.audited, \
             accurate = analytics_daily.accurate + excluded.accurate, \
             very_satisfied = analytics_daily.very_satisfied + excluded.very_satisfied, \
             satisfied = analytics_daily.satisfied + excluded.satisfied, \
             neutral = analytics_daily.neutral + excluded.neutral, \
             dissatisfied = analytics_daily.dissatisfied + excluded.dissatisfied, \
             very_dissatisfied = analytics_daily.very_dissatisfied + excluded.very_dissatisfied, \
             sla_breaches = analytics_daily.sla_breaches + excluded.sla_breaches, \
             breached_inquiries = analytics_daily.breached_inquiries + excluded.breached_inquiries, \
             transfers = analytics_daily.transfers + excluded.transfers, \
             deadlines_moved = analytics_daily.deadlines_moved + excluded.deadlines_moved \
             RETURNING property_id, dim, day, group_key, {COUNTER_COLUMNS}"
        );
        let mut q = sqlx::query(&sql);
        for ((property, day, dim, k), c) in chunk {
            q = q
                .bind(property)
                .bind(dim.code())
                .bind(*day)
                .bind(k)
                .bind(c.inquiries)
                .bind(c.responded)
                .bind(c.resolved)
                .bind(c.in_time)
                .bind(c.audited)
                .bind(c.accurate)
                .bind(c.levels[0])
                .bind(c.levels[1])
                .bind(c.levels[2])
                .bind(c.levels[3])
                .bind(c.levels[4])
                .bind(c.sla_breaches)
                .bind(c.breached_inquiries)
                .bind(c.transfers)
                .bind(c.deadlines_moved);
        }
        let mut stored: HashMap<(String, String, i64, String), Counters> = HashMap::new();
        for r in q.fetch_all(&mut *conn).await.context("updating rollups")? {
            let key = (
                r.try_get("property_id")?,
                r.try_get("dim")?,
                r.try_get("day")?,
                r.try_get("group_key")?,
            );
            stored.insert(key, counters(&r)?);
        }
        for (key, c) in chunk {
            let (property, day, dim, k) = key;
            let mut now = stored
                .remove(&(property.clone(), dim.code().to_string(), *day, k.clone()))
                .ok_or_else(|| {
                    anyhow!(
                        "rollup {property}/{day}/{}/{k} was not returned",
                        dim.code()
                    )
                })?;
            let histograms_change = !c.first_response.is_empty() || !c.handling.is_empty();
            if histograms_change {
                let only_histograms = Counters {
                    first_response: c.first_response.clone(),
                    handling: c.handling.clone(),
                    ..Counters::default()
                };
                now.merge(&only_histograms, 1);
                if now.first_response.values().any(|n| *n < 0)
                    || now.handling.values().any(|n| *n < 0)
                {
                    return Err(anyhow!(
                        "rollup {property}/{day}/{}/{k}: a histogram went below zero",
                        dim.code()
                    ));
                }
            }
            if now.is_zero() {
                empty.push(key);
            } else if histograms_change {
                histograms.push((
                    key,
                    encode_histogram(&now.first_response),
                    encode_histogram(&now.handling),
                ));
            }
        }
    }
    write_histograms(conn, &histograms).await?;
    delete_rows(conn, &empty).await
}

/// Sets the histograms of existing (locked) rollup rows.
async fn write_histograms(
    conn: &mut AnyConnection,
    rows: &[(&RollupKey, String, String)],
) -> anyhow::Result<()> {
    for chunk in rows.chunks(ROWS_PER_STATEMENT) {
        let placeholders = shaped(
            chunk.len(),
            1,
            "(?, ?, ?, ?, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, ?, ?)",
        );
        let sql = format!(
            "INSERT INTO analytics_daily (property_id, dim, day, group_key, {COUNTER_COLUMNS}) \
             VALUES {placeholders} \
             ON CONFLICT (property_id, dim, day, group_key) DO UPDATE SET \
             first_response = excluded.first_response, handling = excluded.handling"
        );
        let mut q = sqlx::query(&sql);
        for ((property, day, dim, k), first_response, handling) in chunk {
            q = q
                .bind(property)
                .bind(dim.code())
                .bind(*day)
                .bind(k)
                .bind(first_response)
                .bind(handling);
        }
        q.execute(&mut *conn)
            .await
            .context("writing rollup histograms")?;
    }
    Ok(())
}

/// Deletes rollup rows nothing is counted in any more.
async fn delete_rows(conn: &mut AnyConnection, keys: &[&RollupKey]) -> anyhow::Result<()> {
    for chunk in keys.chunks(ROWS_PER_STATEMENT) {
        let sql = format!(
            "DELETE FROM analytics_daily WHERE (property_id, dim, day, group_key) IN (VALUES {})",
            frontdesk_platform::sql::values(chunk.len(), 4, 1)
        );
        let mut q = sqlx::query(&sql);
        for (property, day, dim, k) in chunk {
            q = q.bind(property).bind(dim.code()).bind(*day).bind(k);
        }
        q.execute(&mut *conn)
            .await
            .context("deleting empty rollups")?;
    }
    Ok(())
}

fn counters(r: &AnyRow) -> anyhow::Result<Counters> {
    let hist = |col: &str| -> anyhow::Result<_> {
        decode_histogram(&r.try_get::<String, _>(col)?).map_err(|e| anyhow!("{col}: {e}"))
    };
    Ok(Counters {
        inquiries: r.try_get("inquiries")?,
        responded: r.try_get("responded")?,
        resolved: r.try_get("resolved")?,
        in_time: r.try_get("in_time")?,
        audited: r.try_get("audited")?,
        accurate: r.try_get("accurate")?,
        levels: [
            r.try_get("very_satisfied")?,
            r.try_get("satisfied")?,
            r.try_get("neutral")?,
            r.try_get("dissatisfied")?,
            r.try_get("very_dissatisfied")?,
        ],
        sla_breaches: r.try_get("sla_breaches")?,
        breached_inquiries: r.try_get("breached_inquiries")?,
        transfers: r.try_get("transfers")?,
        deadlines_moved: r.try_get("deadlines_moved")?,
        first_response: hist("first_response")?,
        handling: hist("handling")?,
    })
}

/// The rollups of `property_id` by `dim` summed over the days [from_day, to_day), per key.
pub async fn read(
    db: &Db,
    property_id: &str,
    dim: Breakdown,
    from_day: i64,
    to_day: i64,
) -> anyhow::Result<BTreeMap<String, Counters>> {
    let rows = sqlx::query(&format!(
        "SELECT group_key, {COUNTER_COLUMNS} FROM analytics_daily \
         WHERE property_id = $1 AND dim = $2 AND day >= $3 AND day < $4"
    ))
    .bind(property_id)
    .bind(dim.code())
    .bind(from_day)
    .bind(to_day)
    .fetch_all(db.pool())
    .await
    .context("reading rollups")?;
    let mut out: BTreeMap<String, Counters> = BTreeMap::new();
    for r in &rows {
        let key: String = r.try_get("group_key")?;
        out.entry(key).or_default().merge(&counters(r)?, 1);
    }
    Ok(out)
}

/// A property's counters of inquiries created in [from, to) per key of `dim`: the whole UTC
/// days from the daily rollups, the partial days at either end (a period in another zone, a
/// wallboard's today) from the facts, counted by the same code (`kpi::group`).
pub async fn counters_in_period(
    db: &Db,
    rule: &TimelinessRule,
    property_id: &str,
    from: i64,
    to: i64,
    dim: Breakdown,
) -> anyhow::Result<BTreeMap<String, Counters>> {
    let Some((first, end)) = whole_days(from, to) else {
        let facts = super::facts_in_period(db, property_id, from, to).await?;
        return Ok(group(&facts, rule, dim));
    };
    let mut groups = read(db, property_id, dim, first, end).await?;
    for (a, b) in [(from, first * DAY_US), (end * DAY_US, to)] {
        if a < b {
            let facts = super::facts_in_period(db, property_id, a, b).await?;
            for (k, c) in group(&facts, rule, dim) {
                groups.entry(k).or_default().merge(&c, 1);
            }
        }
    }
    groups.retain(|_, c| !c.is_zero());
    Ok(groups)
}

/// The whole UTC days inside [from, to), as day numbers [first, end); `None` when there is
/// not one whole day in it.
pub fn whole_days(from: i64, to: i64) -> Option<(i64, i64)> {
    let first = from.div_euclid(DAY_US) + i64::from(from.rem_euclid(DAY_US) != 0);
    let end = to.div_euclid(DAY_US);
    (first < end).then_some((first, end))
}

/// Rolls up facts stored before the rollups existed (a database migrated from before
/// issue 12's rollups), once: the first replica to start does it in one transaction while
/// the others wait on the state row and then find it done. Also what the benchmark seeds
/// its rollups with, so they are the facts' by construction. Returns the facts rolled up.
pub async fn backfill(db: &Db, rule: &TimelinessRule) -> anyhow::Result<u64> {
    let mut tx = db.pool().begin().await?;
    let claimed = sqlx::query(
        "UPDATE analytics_rollup_state SET backfilled = 1 WHERE only_row = 1 AND backfilled = 0",
    )
    .execute(&mut *tx)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(0);
    }
    // Another replica may be applying events already: they wait, as for a rebuild.
    super::log::lock_for_rebuild(&mut tx, db.backend()).await?;
    sqlx::query("DELETE FROM analytics_daily")
        .execute(&mut *tx)
        .await?;
    let properties: Vec<String> = sqlx::query_scalar(
        "SELECT DISTINCT property_id FROM analytics_facts WHERE created_at IS NOT NULL",
    )
    .fetch_all(&mut *tx)
    .await?;
    let mut n = 0u64;
    // A week of one property at a time, through its (property_id, created_at) index: each
    // rollup row is written once, and memory holds one week's rows.
    const WEEK: i64 = 7 * DAY_US;
    for property in &properties {
        let (lo, hi): (Option<i64>, Option<i64>) = sqlx::query_as(
            "SELECT MIN(created_at), MAX(created_at) FROM analytics_facts WHERE property_id = $1",
        )
        .bind(property)
        .fetch_one(&mut *tx)
        .await?;
        let (Some(lo), Some(hi)) = (lo, hi) else {
            continue;
        };
        let mut from = lo.div_euclid(DAY_US) * DAY_US;
        while from <= hi {
            let mut rows: BTreeMap<RollupKey, Counters> = BTreeMap::new();
            for fact in super::facts_in(&mut tx, property, from, from + WEEK).await? {
                n += 1;
                for (k, c) in rollup_delta(None, Some((property, &fact)), rule) {
                    rows.entry(k).or_default().merge(&c, 1);
                }
            }
            add_all(&mut tx, &rows).await?;
            from += WEEK;
        }
    }
    tx.commit().await?;
    Ok(n)
}

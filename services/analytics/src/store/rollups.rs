//! The daily rollups: kept with the facts (by the difference between an inquiry's facts
//! before and after each event, `domain::kpi::rollup_delta`) and read by the reports.

use super::{FACT_COLUMNS, fact_from_row};
use crate::domain::facts::AuditVerdict;
use crate::domain::kpi::{
    Breakdown, Counters, DAY_US, Fact, RollupKey, TimelinessRule, decode_histogram,
    encode_histogram, group, rollup_delta,
};
use anyhow::{Context, anyhow};
use frontdesk_platform::db::Db;
use sqlx::any::AnyRow;
use sqlx::{AnyConnection, Row};
use std::collections::BTreeMap;

const COUNTER_COLUMNS: &str = "inquiries, responded, resolved, in_time, audited, accurate, \
    very_satisfied, satisfied, neutral, dissatisfied, very_dissatisfied, sla_breaches, \
    breached_inquiries, transfers, deadlines_moved, first_response, handling";

/// An inquiry's facts as a report counts them, with its property; `None` while it is not
/// counted (no created event yet).
pub async fn load_fact(
    conn: &mut AnyConnection,
    inquiry_id: &str,
) -> anyhow::Result<Option<(String, Fact)>> {
    let row = sqlx::query(&format!(
        "SELECT property_id, {FACT_COLUMNS} FROM analytics_facts WHERE inquiry_id = $1"
    ))
    .bind(inquiry_id)
    .fetch_optional(&mut *conn)
    .await
    .context("loading a fact")?;
    let Some(row) = row else { return Ok(None) };
    let created: Option<i64> = row.try_get("created_at")?;
    let channel: Option<String> = row.try_get("channel")?;
    if created.is_none() || channel.is_none() {
        return Ok(None);
    }
    let audits = sqlx::query(
        "SELECT response_id, responded_by, accurate FROM analytics_audits \
         WHERE inquiry_id = $1 ORDER BY response_id",
    )
    .bind(inquiry_id)
    .fetch_all(&mut *conn)
    .await
    .context("loading a fact's audits")?
    .iter()
    .map(|r| {
        Ok(AuditVerdict {
            response_id: r.try_get("response_id")?,
            responded_by: r.try_get("responded_by")?,
            accurate: r.try_get::<i64, _>("accurate")? != 0,
        })
    })
    .collect::<anyhow::Result<Vec<_>>>()?;
    let property: String = row.try_get("property_id")?;
    Ok(Some((property, fact_from_row(&row, audits)?)))
}

/// Applies the change from `before` to `after` (one inquiry's facts) to the rollups.
pub async fn apply_change(
    conn: &mut AnyConnection,
    before: Option<&(String, Fact)>,
    after: Option<&(String, Fact)>,
    rule: &TimelinessRule,
) -> anyhow::Result<()> {
    let delta = rollup_delta(
        before.map(|(p, f)| (p.as_str(), f)),
        after.map(|(p, f)| (p.as_str(), f)),
        rule,
    );
    for (key, c) in &delta {
        add(conn, key, c).await?;
    }
    Ok(())
}

/// Adds `c` to a rollup row (creating it), then writes its histograms back if they changed
/// and deletes it if nothing is left in it. The upsert locks the row, so the histograms it
/// returns are current until this transaction ends (on SQLite the one writer is this one).
async fn add(conn: &mut AnyConnection, key: &RollupKey, c: &Counters) -> anyhow::Result<()> {
    let (property, day, dim, k) = key;
    let row = sqlx::query(&format!(
        "INSERT INTO analytics_daily (property_id, dim, day, group_key, {COUNTER_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, \
         $18, $19, '', '') \
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
         RETURNING {COUNTER_COLUMNS}"
    ))
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
    .bind(c.deadlines_moved)
    .fetch_one(&mut *conn)
    .await
    .context("updating a rollup")?;
    let mut now = counters(&row)?;
    let histograms_change = !c.first_response.is_empty() || !c.handling.is_empty();
    if histograms_change {
        let only_histograms = Counters {
            first_response: c.first_response.clone(),
            handling: c.handling.clone(),
            ..Counters::default()
        };
        now.merge(&only_histograms, 1);
        if now.first_response.values().any(|n| *n < 0) || now.handling.values().any(|n| *n < 0) {
            return Err(anyhow!(
                "rollup {property}/{day}/{}/{k}: a histogram went below zero",
                dim.code()
            ));
        }
    }
    if now.is_zero() {
        sqlx::query(
            "DELETE FROM analytics_daily WHERE property_id = $1 AND dim = $2 AND day = $3 \
             AND group_key = $4",
        )
        .bind(property)
        .bind(dim.code())
        .bind(*day)
        .bind(k)
        .execute(&mut *conn)
        .await?;
    } else if histograms_change {
        sqlx::query(
            "UPDATE analytics_daily SET first_response = $5, handling = $6 \
             WHERE property_id = $1 AND dim = $2 AND day = $3 AND group_key = $4",
        )
        .bind(property)
        .bind(dim.code())
        .bind(*day)
        .bind(k)
        .bind(encode_histogram(&now.first_response))
        .bind(encode_histogram(&now.handling))
        .execute(&mut *conn)
        .await?;
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
            for (key, c) in &rows {
                add(&mut tx, key, c).await?;
            }
            from += WEEK;
        }
    }
    tx.commit().await?;
    Ok(n)
}

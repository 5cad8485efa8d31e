//! Anomaly episodes and the window counts they are judged on.

use crate::domain::anomaly::{Finding, Kind, Window};
use anyhow::{Context, anyhow};
use frontdesk_platform::db::Db;
use sqlx::{AnyConnection, Row};

/// An episode as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    pub anomaly_id: String,
    pub property_id: String,
    pub kind: Kind,
    pub started_at: i64,
    pub ended_at: Option<i64>,
    pub window_us: i64,
    pub finding: Finding,
    pub evaluated_at: i64,
}

/// Properties with inquiries created at or after `since` (the ones worth evaluating).
pub async fn active_properties(db: &Db, since: i64) -> anyhow::Result<Vec<String>> {
    sqlx::query(
        "SELECT DISTINCT property_id FROM analytics_facts WHERE created_at >= $1 \
         ORDER BY property_id",
    )
    .bind(since)
    .fetch_all(db.pool())
    .await
    .context("listing active properties")?
    .iter()
    .map(|r| Ok(r.try_get("property_id")?))
    .collect()
}

/// Counts of a property's inquiries created in [from, to).
pub async fn window(db: &Db, property_id: &str, from: i64, to: i64) -> anyhow::Result<Window> {
    let r = sqlx::query(
        "SELECT COUNT(*) AS inquiries, \
         COALESCE(SUM(CASE WHEN sla_breaches > 0 THEN 1 ELSE 0 END), 0) AS breached, \
         COALESCE(SUM(CASE WHEN satisfaction IS NOT NULL THEN 1 ELSE 0 END), 0) AS surveyed, \
         COALESCE(SUM(CASE WHEN satisfaction IN ('very_satisfied', 'satisfied') THEN 1 ELSE 0 END), 0) \
         AS satisfied FROM analytics_facts \
         WHERE property_id = $1 AND created_at >= $2 AND created_at < $3",
    )
    .bind(property_id)
    .bind(from)
    .bind(to)
    .fetch_one(db.pool())
    .await
    .context("counting a window")?;
    // SUM of an integer CASE is BIGINT on Postgres; SQLite may hand back a REAL for an
    // aggregate, so both are read.
    let n = |col: &str| -> anyhow::Result<i64> {
        r.try_get::<i64, _>(col)
            .or_else(|_| r.try_get::<f64, _>(col).map(|f| f as i64))
            .map_err(|e| anyhow!("reading {col}: {e}"))
    };
    Ok(Window {
        inquiries: n("inquiries")?,
        breached: n("breached")?,
        surveyed: n("surveyed")?,
        satisfied: n("satisfied")?,
    })
}

/// The open episode of a property and kind, if any.
pub async fn open_id(
    conn: &mut AnyConnection,
    property_id: &str,
    kind: Kind,
) -> anyhow::Result<Option<String>> {
    Ok(sqlx::query(
        "SELECT anomaly_id FROM analytics_open_anomalies WHERE property_id = $1 AND kind = $2",
    )
    .bind(property_id)
    .bind(kind.code())
    .fetch_optional(&mut *conn)
    .await?
    .map(|r| r.try_get("anomaly_id"))
    .transpose()?)
}

/// Opens an episode; `false` when one is already open (another replica raised it first).
pub async fn open(conn: &mut AnyConnection, e: &Episode) -> anyhow::Result<bool> {
    let claimed = sqlx::query(
        "INSERT INTO analytics_open_anomalies (property_id, kind, anomaly_id) VALUES ($1, $2, $3) \
         ON CONFLICT (property_id, kind) DO NOTHING",
    )
    .bind(&e.property_id)
    .bind(e.kind.code())
    .bind(&e.anomaly_id)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    if claimed == 0 {
        return Ok(false);
    }
    sqlx::query(
        "INSERT INTO analytics_anomalies (anomaly_id, property_id, kind, started_at, ended_at, \
         window_us, observed, baseline, threshold, sample, evaluated_at) \
         VALUES ($1, $2, $3, $4, NULL, $5, $6, $7, $8, $9, $10)",
    )
    .bind(&e.anomaly_id)
    .bind(&e.property_id)
    .bind(e.kind.code())
    .bind(e.started_at)
    .bind(e.window_us)
    .bind(e.finding.observed)
    .bind(e.finding.baseline)
    .bind(e.finding.threshold)
    .bind(e.finding.sample)
    .bind(e.evaluated_at)
    .execute(&mut *conn)
    .await?;
    Ok(true)
}

/// Records the latest figures of an episode still going on.
pub async fn update(
    conn: &mut AnyConnection,
    anomaly_id: &str,
    f: &Finding,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query(
        "UPDATE analytics_anomalies SET observed = $2, baseline = $3, sample = $4, \
         evaluated_at = $5 WHERE anomaly_id = $1",
    )
    .bind(anomaly_id)
    .bind(f.observed)
    .bind(f.baseline)
    .bind(f.sample)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Ends an episode: the measure is back to normal.
pub async fn close(
    conn: &mut AnyConnection,
    property_id: &str,
    kind: Kind,
    anomaly_id: &str,
    at: i64,
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM analytics_open_anomalies WHERE property_id = $1 AND kind = $2")
        .bind(property_id)
        .bind(kind.code())
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "UPDATE analytics_anomalies SET ended_at = $2, evaluated_at = $2 WHERE anomaly_id = $1",
    )
    .bind(anomaly_id)
    .bind(at)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A property's episodes, newest first, after the keyset position `after` (started_at, id).
pub async fn list(
    db: &Db,
    property_id: &str,
    open_only: bool,
    after: Option<(i64, String)>,
    limit: i64,
) -> anyhow::Result<Vec<Episode>> {
    let (at, id) = after.unwrap_or((i64::MAX, String::new()));
    let rows = sqlx::query(
        "SELECT anomaly_id, property_id, kind, started_at, ended_at, window_us, observed, \
         baseline, threshold, sample, evaluated_at FROM analytics_anomalies \
         WHERE property_id = $1 AND ($2 = 0 OR ended_at IS NULL) \
         AND (started_at < $3 OR (started_at = $3 AND ($4 = '' OR anomaly_id < $4))) \
         ORDER BY started_at DESC, anomaly_id DESC LIMIT $5",
    )
    .bind(property_id)
    .bind(i64::from(open_only))
    .bind(at)
    .bind(id)
    .bind(limit)
    .fetch_all(db.pool())
    .await
    .context("listing anomalies")?;
    rows.iter()
        .map(|r| {
            let code: String = r.try_get("kind")?;
            let kind =
                Kind::from_code(&code).ok_or_else(|| anyhow!("stored anomaly kind {code:?}"))?;
            Ok(Episode {
                anomaly_id: r.try_get("anomaly_id")?,
                property_id: r.try_get("property_id")?,
                kind,
                started_at: r.try_get("started_at")?,
                ended_at: r.try_get("ended_at")?,
                window_us: r.try_get("window_us")?,
                finding: Finding {
                    kind,
                    observed: r.try_get("observed")?,
                    baseline: r.try_get("baseline")?,
                    threshold: r.try_get("threshold")?,
                    sample: r.try_get("sample")?,
                },
                evaluated_at: r.try_get("evaluated_at")?,
            })
        })
        .collect()
}

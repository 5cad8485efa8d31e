//! Redis bookkeeping of a run: memory used, the run's keys, and cleaning them up.

use anyhow::Context;

pub(crate) async fn used_memory(
    conn: &mut redis::aio::MultiplexedConnection,
) -> anyhow::Result<u64> {
    let info: String = redis::cmd("INFO").arg("memory").query_async(conn).await?;
    info.lines()
        .find_map(|l| l.strip_prefix("used_memory:"))
        .and_then(|v| v.trim().parse().ok())
        .context("INFO memory has no used_memory")
}

/// Every key under `prefix` (SCAN, not KEYS: the Redis is shared).
pub(crate) async fn keys_under(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
) -> anyhow::Result<Vec<String>> {
    let pattern = format!("{prefix}*");
    let mut cursor = 0u64;
    let mut all = Vec::new();
    loop {
        let (next, keys): (u64, Vec<String>) = redis::cmd("SCAN")
            .arg(cursor)
            .arg("MATCH")
            .arg(&pattern)
            .arg("COUNT")
            .arg(1_000)
            .query_async(conn)
            .await?;
        all.extend(keys);
        if next == 0 {
            return Ok(all);
        }
        cursor = next;
    }
}

/// Exact memory of the wheel's own keys (`MEMORY USAGE … SAMPLES 0`), unlike `used_memory`
/// which also moves with whatever else uses this shared Redis.
pub(crate) async fn keys_memory(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
) -> anyhow::Result<u64> {
    let mut total = 0u64;
    for key in keys_under(conn, prefix).await? {
        let n: Option<u64> = redis::cmd("MEMORY")
            .arg("USAGE")
            .arg(&key)
            .arg("SAMPLES")
            .arg(0)
            .query_async(conn)
            .await?;
        total += n.unwrap_or(0);
    }
    Ok(total)
}

/// Deletes every key under `prefix`. `DEL` (freed before it returns) when a memory reading
/// follows; `UNLINK` (freed in the background) otherwise, so a big set does not stall the
/// shared Redis.
pub(crate) async fn delete_prefix(
    conn: &mut redis::aio::MultiplexedConnection,
    prefix: &str,
    sync: bool,
) -> anyhow::Result<u64> {
    let keys = keys_under(conn, prefix).await?;
    let mut deleted = 0u64;
    for chunk in keys.chunks(500) {
        let cmd = if sync { "DEL" } else { "UNLINK" };
        let n: u64 = redis::cmd(cmd).arg(chunk).query_async(conn).await?;
        deleted += n;
    }
    Ok(deleted)
}

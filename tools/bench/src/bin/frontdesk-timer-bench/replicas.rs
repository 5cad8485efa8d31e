//! Running the replicas: as tasks in this process or as separate processes.

use super::*;
use anyhow::{Context, bail};
use serde_json::Value;
use std::path::Path;

pub(crate) fn replica_args(
    args: &Args,
    prefix: &str,
    index: usize,
    last_due: i64,
    cap_at: i64,
) -> Args {
    Args {
        role: Role::Replica,
        prefix: prefix.to_string(),
        replica_index: index,
        last_due_us: last_due,
        cap_at_us: cap_at,
        ..args.clone()
    }
}

pub(crate) async fn run_tasks(
    args: &Args,
    prefix: &str,
    last_due: i64,
    cap_at: i64,
) -> anyhow::Result<Vec<ReplicaOutcome>> {
    let handles: Vec<_> = (0..args.replicas)
        .map(|i| tokio::spawn(run_replica(replica_args(args, prefix, i, last_due, cap_at))))
        .collect();
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await??);
    }
    Ok(out)
}

pub(crate) async fn run_processes(
    args: &Args,
    prefix: &str,
    last_due: i64,
    cap_at: i64,
    scratch: &Path,
) -> anyhow::Result<Vec<ReplicaOutcome>> {
    let exe = std::env::current_exe().context("locating this binary to spawn replicas")?;
    let mut children = Vec::with_capacity(args.replicas);
    for i in 0..args.replicas {
        let out = scratch.join(format!("replica-{i}.bin"));
        let child = std::process::Command::new(&exe)
            .args(["--role", "replica"])
            .args(["--redis-url", &args.redis_url])
            .args(["--prefix", prefix])
            .args(["--replica-index", &i.to_string()])
            .args(["--timers", &args.timers.to_string()])
            .args(["--replicas", &args.replicas.to_string()])
            .args(["--rate", &args.rate.to_string()])
            .args(["--tick-ms", &args.tick_ms.to_string()])
            .args(["--batch", &args.batch.to_string()])
            .args(["--lease-secs", &args.lease_secs.to_string()])
            .args(["--last-due-us", &last_due.to_string()])
            .args(["--cap-at-us", &cap_at.to_string()])
            .arg("--out")
            .arg(&out)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::inherit())
            .spawn()
            .with_context(|| format!("spawning replica {i}"))?;
        children.push((i, child, out));
    }
    // Waiting blocks, so each child gets a blocking thread (tokio has no "process" feature
    // enabled in this workspace).
    let waits: Vec<_> = children
        .into_iter()
        .map(|(i, child, out)| {
            tokio::task::spawn_blocking(move || -> anyhow::Result<ReplicaOutcome> {
                let output = child.wait_with_output()?;
                if !output.status.success() {
                    bail!("replica {i} exited with {}", output.status);
                }
                let stdout = String::from_utf8_lossy(&output.stdout);
                let line = stdout
                    .lines()
                    .rev()
                    .find(|l| l.starts_with('{'))
                    .with_context(|| format!("replica {i} printed no stats"))?;
                let stats: Value = serde_json::from_str(line)?;
                let records = read_records(&out)?;
                Ok(ReplicaOutcome { stats, records })
            })
        })
        .collect();
    let mut outcomes = Vec::with_capacity(waits.len());
    for w in waits {
        outcomes.push(w.await??);
    }
    Ok(outcomes)
}

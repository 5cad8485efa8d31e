//! Settings every service binary shares. Each is a flag and an environment variable; the
//! defaults suit `frontdesk dev`.

use crate::telemetry::LogFormat;
use std::net::SocketAddr;
use std::time::Duration;

#[derive(Debug, Clone, clap::Args)]
pub struct CommonArgs {
    /// Log format: json (one object per line) or pretty.
    #[arg(long, env = "FRONTDESK_LOG_FORMAT", value_enum, default_value = "json")]
    pub log_format: LogFormat,

    /// Log filter, RUST_LOG syntax.
    #[arg(long, env = "FRONTDESK_LOG", default_value = "info")]
    pub log: String,

    /// Admin HTTP address serving Prometheus /metrics; empty disables it.
    #[arg(long, env = "FRONTDESK_METRICS_ADDR", default_value = "127.0.0.1:9464")]
    pub metrics_addr: String,

    /// HS256 secret that signs and verifies bearer tokens. `frontdesk dev` generates one in
    /// its data directory when unset. Never printed.
    #[arg(long, env = "FRONTDESK_JWT_SECRET", hide_env_values = true)]
    pub jwt_secret: Option<String>,

    /// The identity provider's JSON Web Key Set as a file: RS256, ES256 and EdDSA tokens
    /// signed by its keys are accepted (by `kid`), beside HS256 ones. Reloaded periodically.
    #[arg(long, env = "FRONTDESK_JWKS_FILE", conflicts_with = "jwks_url")]
    pub jwks_file: Option<std::path::PathBuf>,

    /// The key set at the identity provider's `https://` URL (or an in-cluster `http://`
    /// one); as `--jwks-file` otherwise.
    #[arg(long, env = "FRONTDESK_JWKS_URL")]
    pub jwks_url: Option<String>,

    /// PEM certificates to trust for an `https://` JWKS URL (a private CA); default: the
    /// system's trust store (`SSL_CERT_FILE`, else /etc/ssl/certs/ca-certificates.crt).
    #[arg(long, env = "FRONTDESK_JWKS_CA", requires = "jwks_url")]
    pub jwks_ca: Option<std::path::PathBuf>,

    /// Seconds between key set reloads (a rotation at the provider needs no restart).
    #[arg(long, env = "FRONTDESK_JWKS_REFRESH_SECS", default_value_t = 300)]
    pub jwks_refresh_secs: u64,

    /// Accept calls without a token (every caller is a chain-wide manager). Local use only.
    #[arg(long, env = "FRONTDESK_INSECURE", default_value_t = false)]
    pub insecure: bool,

    /// Seconds to drain in-flight calls and streams on SIGTERM before exiting.
    #[arg(long, env = "FRONTDESK_SHUTDOWN_GRACE", default_value_t = 10)]
    pub shutdown_grace_secs: u64,

    /// Hours an event stays in the outbox after every subscriber has it (then pruned; the
    /// archive is each service's own tables).
    #[arg(long, env = "FRONTDESK_OUTBOX_RETENTION_HOURS", default_value_t = 168)]
    pub outbox_retention_hours: u64,
    /// Longest a call waits for a database connection before it answers UNAVAILABLE (with a
    /// retry hint) instead of hanging; a caller's shorter `grpc-timeout` cuts it shorter.
    #[arg(long, env = "FRONTDESK_DB_ACQUIRE_TIMEOUT_MS", default_value_t = 2000)]
    pub db_acquire_timeout_ms: u64,
    /// Requests per second one token subject may make (bursts up to twice that); 0 = no
    /// limit. Service identities are exempt. Over it: RESOURCE_EXHAUSTED with a retry delay.
    #[arg(long, env = "FRONTDESK_RATE_LIMIT_PER_CALLER", default_value_t = 100)]
    pub rate_limit_per_caller: u32,
    /// Requests per second from one client address (also unauthenticated ones); 0 = no limit.
    #[arg(long, env = "FRONTDESK_RATE_LIMIT_PER_PEER", default_value_t = 1000)]
    pub rate_limit_per_peer: u32,
    /// Watch streams one token subject may hold open at once; 0 = no limit.
    #[arg(long, env = "FRONTDESK_MAX_STREAMS_PER_CALLER", default_value_t = 16)]
    pub max_streams_per_caller: u32,
    /// Tokio worker threads; 0 = from the container's CPU quota (cgroup), else the host's CPUs.
    #[arg(long, env = "FRONTDESK_WORKER_THREADS", default_value_t = 0)]
    pub worker_threads: usize,
}

/// The properties (hotels) a deployment serves; each service registers them at start.
#[derive(Debug, Clone, clap::Args)]
pub struct PropertyArgs {
    /// Property ids, comma-separated.
    #[arg(
        long,
        env = "FRONTDESK_PROPERTIES",
        value_delimiter = ',',
        default_value = "demo-hotel"
    )]
    pub properties: Vec<String>,
}

impl PropertyArgs {
    /// Trimmed, without empty entries.
    pub fn ids(&self) -> Vec<String> {
        self.properties
            .iter()
            .map(|p| p.trim().to_string())
            .filter(|p| !p.is_empty())
            .collect()
    }
}

impl CommonArgs {
    pub fn metrics_addr(&self) -> anyhow::Result<Option<SocketAddr>> {
        if self.metrics_addr.trim().is_empty() {
            return Ok(None);
        }
        let addr = self
            .metrics_addr
            .parse()
            .map_err(|e| anyhow::anyhow!("--metrics-addr {:?}: {e}", self.metrics_addr))?;
        Ok(Some(addr))
    }

    pub fn outbox_retention(&self) -> Duration {
        Duration::from_secs(self.outbox_retention_hours.saturating_mul(3600))
    }

    pub fn db_acquire_timeout(&self) -> Duration {
        Duration::from_millis(self.db_acquire_timeout_ms.max(1))
    }

    pub fn limits(&self) -> crate::limits::Limits {
        crate::limits::Limits {
            per_caller: self.rate_limit_per_caller,
            per_peer: self.rate_limit_per_peer,
            streams_per_caller: self.max_streams_per_caller,
        }
    }

    pub fn jwks_source(&self) -> Option<crate::jwks::JwksSource> {
        match (&self.jwks_file, &self.jwks_url) {
            (Some(f), _) => Some(crate::jwks::JwksSource::File(f.clone())),
            (None, Some(u)) => Some(crate::jwks::JwksSource::Url {
                url: u.clone(),
                ca_file: self.jwks_ca.clone(),
            }),
            (None, None) => None,
        }
    }

    pub fn shutdown_grace(&self) -> Duration {
        Duration::from_secs(self.shutdown_grace_secs)
    }
}

/// Worker threads from the cgroup v2 CPU quota when there is one: Tokio would otherwise
/// size its pool from the host's CPUs, not the pod's limit.
pub fn worker_threads(configured: usize) -> usize {
    if configured > 0 {
        return configured;
    }
    let host = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(2);
    let quota = std::fs::read_to_string("/sys/fs/cgroup/cpu.max")
        .ok()
        .and_then(|s| parse_cpu_max(&s));
    quota.map(|q| q.min(host)).unwrap_or(host).max(1)
}

fn parse_cpu_max(s: &str) -> Option<usize> {
    let mut parts = s.split_whitespace();
    let quota: f64 = parts.next()?.parse().ok()?; // "max" fails to parse: no quota
    let period: f64 = parts.next()?.parse().ok()?;
    if period <= 0.0 {
        return None;
    }
    Some((quota / period).ceil() as usize)
}

#[cfg(test)]
mod tests {
    use super::parse_cpu_max;

    #[test]
    fn cgroup_quota_rounds_up_and_max_means_unlimited() {
        assert_eq!(parse_cpu_max("150000 100000\n"), Some(2));
        assert_eq!(parse_cpu_max("max 100000\n"), None);
    }
}

//! `frontdesk dev`, `serve` and `migrate`: their flags, and how each builds and runs the
//! application (the client commands are in the library's `client`).

use anyhow::Context;
use frontdesk::app::{AppConfig, Application, RedisConfig};
use frontdesk::dev;
use frontdesk::services::{ServiceArgs, ServiceName};
use frontdesk_platform::auth::Authenticator;
use frontdesk_platform::config::{CommonArgs, PropertyArgs};
use frontdesk_platform::relay::Subscriber;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args)]
pub(crate) struct DevArgs {
    /// gRPC address for all services.
    #[arg(long, env = "FRONTDESK_LISTEN", default_value = "127.0.0.1:50051")]
    pub(crate) listen: SocketAddr,
    /// SQLite files, the token secret and the dev token live here.
    #[arg(long, env = "FRONTDESK_DATA_DIR", default_value = ".frontdesk")]
    pub(crate) data_dir: PathBuf,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    #[command(flatten)]
    pub(crate) properties: PropertyArgs,
    #[command(flatten)]
    pub(crate) services: ServiceArgs,
}

#[derive(clap::Args)]
pub(crate) struct ServeArgs {
    /// The service to run.
    pub(crate) service: ServiceName,
    /// gRPC address.
    #[arg(long, env = "FRONTDESK_LISTEN", default_value = "0.0.0.0:50051")]
    pub(crate) listen: SocketAddr,
    /// The served service's database (postgres://…); also read from the file named by
    /// FRONTDESK_DATABASE_URL_FILE. Overrides the service's own --<service>-database-url.
    #[arg(long, env = "FRONTDESK_DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: Option<String>,
    /// Redis for fan-out and timers between replicas; unset: single replica, in process.
    #[arg(long, env = "FRONTDESK_REDIS_URL", hide_env_values = true)]
    pub(crate) redis_url: Option<String>,
    /// Prefix of every Redis key and channel.
    #[arg(long, env = "FRONTDESK_REDIS_PREFIX", default_value = "frontdesk:")]
    pub(crate) redis_prefix: String,
    /// Seconds a replica's outbox-relay lease lasts before another replica may take over.
    #[arg(long, env = "FRONTDESK_RELAY_LEASE", default_value_t = 15)]
    pub(crate) relay_lease_secs: u64,
    /// Services that receive this service's events: name=http://host:port, comma-separated.
    #[arg(long, env = "FRONTDESK_SUBSCRIBERS", value_delimiter = ',')]
    pub(crate) subscribers: Vec<Subscriber>,
    /// Services this one calls: name=http://host:port, comma-separated.
    #[arg(long, env = "FRONTDESK_PEERS", value_delimiter = ',')]
    pub(crate) peers: Vec<Subscriber>,
    #[command(flatten)]
    pub(crate) tls: frontdesk_platform::tls::TlsArgs,
    #[command(flatten)]
    pub(crate) common: CommonArgs,
    #[command(flatten)]
    pub(crate) properties: PropertyArgs,
    #[command(flatten)]
    pub(crate) services: ServiceArgs,
}

#[derive(clap::Args)]
pub(crate) struct MigrateArgs {
    /// The service whose migrations to apply.
    pub(crate) service: ServiceName,
    /// The service's database (postgres://…); also FRONTDESK_DATABASE_URL_FILE.
    #[arg(long, env = "FRONTDESK_DATABASE_URL", hide_env_values = true)]
    pub(crate) database_url: Option<String>,
    #[command(flatten)]
    pub(crate) services: ServiceArgs,
}

/// `--database-url`, else the file named by FRONTDESK_DATABASE_URL_FILE, else the service's
/// own flag.
pub(crate) fn served_database_url(
    given: Option<String>,
    service: ServiceName,
    args: &ServiceArgs,
) -> anyhow::Result<String> {
    if let Some(url) = given.or(read_file_env("FRONTDESK_DATABASE_URL_FILE")?) {
        return Ok(url);
    }
    args.database_url(service).with_context(|| {
        format!("--database-url (FRONTDESK_DATABASE_URL or FRONTDESK_DATABASE_URL_FILE) is required to run {service}")
    })
}

/// The trimmed content of the file an `*_FILE` variable names (Kubernetes Secrets mounted
/// as files keep secrets out of environment listings).
pub(crate) fn read_file_env(var: &str) -> anyhow::Result<Option<String>> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(path) => std::fs::read_to_string(&path)
            .map(|s| Some(s.trim().to_string()))
            .with_context(|| format!("cannot read {var}={}", path.to_string_lossy())),
    }
}

/// Logs, traces and metrics for a process named `process` (OpenTelemetry's `service.name`:
/// the served service in a cluster). In `frontdesk dev`, which runs every service, each
/// service's spans carry its own name (intake, routing, …) as in a cluster, and only what no
/// service owns is `frontdesk-dev`. `OTEL_SERVICE_NAME` names the whole process instead.
pub(crate) fn init(
    common: &CommonArgs,
    process: &str,
    services: &[&'static str],
) -> anyhow::Result<frontdesk_platform::telemetry::TelemetryGuard> {
    let chosen = std::env::var("OTEL_SERVICE_NAME")
        .ok()
        .filter(|n| !n.trim().is_empty());
    let services = if chosen.is_some() { &[][..] } else { services };
    let name = chosen.unwrap_or_else(|| process.to_string());
    let guard =
        frontdesk_platform::telemetry::init(&name, services, common.log_format, &common.log)?;
    if let Some(addr) = common.metrics_addr()? {
        frontdesk_platform::metrics::install(addr)?;
        tracing::info!(%addr, "metrics on /metrics");
    }
    Ok(guard)
}

pub(crate) async fn run_dev(a: DevArgs) -> anyhow::Result<()> {
    let services: Vec<&'static str> = ServiceName::ALL.iter().map(|s| s.as_str()).collect();
    let guard = init(&a.common, "frontdesk-dev", &services)?;
    let auth = if a.common.insecure {
        Authenticator::insecure()
    } else {
        let secret = match &a.common.jwt_secret {
            Some(s) => s.clone(),
            None => dev::load_or_create_secret(&a.data_dir)?,
        };
        Authenticator::new(secret.as_bytes())
    };
    let auth = auth.with_limits(a.common.limits());
    std::fs::create_dir_all(&a.data_dir)
        .with_context(|| format!("cannot create {}", a.data_dir.display()))?;
    let services = ServiceName::ALL
        .iter()
        .map(|&s| {
            let url = a
                .services
                .database_url(s)
                .unwrap_or_else(|| dev::sqlite_url(&a.data_dir, s.as_str()));
            (s, url)
        })
        .collect();
    let app = Application::build(AppConfig {
        listen: a.listen,
        properties: a.properties.ids(),
        services,
        args: a.services.clone(),
        redis: None,
        auth: auth.clone(),
        shutdown_grace: a.common.shutdown_grace(),
        relay_lease: Duration::from_secs(15),
        subscribers: Vec::new(),
        peers: BTreeMap::new(),
        clock: None,
        outbox_retention: a.common.outbox_retention(),
        prune_every: Duration::from_secs(600),
        db_acquire_timeout: a.common.db_acquire_timeout(),
        // 127.0.0.1 only: nothing to encrypt.
        tls: None,
    })
    .await?;
    if a.common.insecure {
        eprintln!("frontdesk dev on {} (INSECURE: no token needed)", a.listen);
    } else {
        let token = dev::write_dev_token(&a.data_dir, &auth)?;
        eprintln!(
            "frontdesk dev on {} — data in {}\ndev token (manager, all properties; also in {}/{}):\n\n{token}\n\ntry: grpcurl -plaintext -H \"authorization: Bearer $(cat {}/{})\" {} list",
            a.listen,
            a.data_dir.display(),
            a.data_dir.display(),
            dev::TOKEN_FILE,
            a.data_dir.display(),
            dev::TOKEN_FILE,
            a.listen
        );
    }
    let res = app
        .run_until(frontdesk_platform::shutdown::os_signal())
        .await;
    guard.shutdown();
    res
}

pub(crate) async fn run_serve(a: ServeArgs) -> anyhow::Result<()> {
    let guard = init(&a.common, a.service.as_str(), &[])?;
    let auth = if a.common.insecure {
        Authenticator::insecure()
    } else {
        let secret = match a.common.jwt_secret.clone() {
            Some(s) => s,
            None => read_file_env("FRONTDESK_JWT_SECRET_FILE")?.context(
                "--jwt-secret (FRONTDESK_JWT_SECRET or FRONTDESK_JWT_SECRET_FILE) is required, or --insecure",
            )?,
        };
        frontdesk_platform::auth::check_secret(secret.as_bytes())?;
        Authenticator::new(secret.as_bytes())
    };
    let auth = auth.with_limits(a.common.limits());
    let jwks = match a.common.jwks_source() {
        Some(source) => {
            let set = frontdesk_platform::jwks::load(&source).await?;
            tracing::info!(keys = set.keys.len(), source = %source.describe(), "identity provider keys loaded");
            Some((frontdesk_platform::jwks::Keys::new(set), source))
        }
        None => None,
    };
    let auth = match &jwks {
        Some((keys, _)) => auth.with_jwks(keys.clone()),
        None => auth,
    };
    let url = served_database_url(a.database_url.clone(), a.service, &a.services)?;
    let app = Application::build(AppConfig {
        listen: a.listen,
        properties: a.properties.ids(),
        services: BTreeMap::from([(a.service, url)]),
        args: a.services.clone(),
        redis: a.redis_url.map(|url| RedisConfig {
            url,
            prefix: a.redis_prefix.clone(),
        }),
        auth,
        shutdown_grace: a.common.shutdown_grace(),
        relay_lease: Duration::from_secs(a.relay_lease_secs),
        subscribers: a.subscribers.clone(),
        peers: a
            .peers
            .iter()
            .map(|p| (p.name.clone(), p.endpoint.clone()))
            .collect(),
        clock: None,
        outbox_retention: a.common.outbox_retention(),
        prune_every: Duration::from_secs(600),
        db_acquire_timeout: a.common.db_acquire_timeout(),
        tls: a.tls.load()?,
    })
    .await?;
    if let Some((keys, source)) = jwks {
        tokio::spawn(frontdesk_platform::jwks::refresh(
            keys,
            source,
            Duration::from_secs(a.common.jwks_refresh_secs.max(1)),
            app.shutdown_handle(),
        ));
    }
    let res = app
        .run_until(frontdesk_platform::shutdown::os_signal())
        .await;
    guard.shutdown();
    res
}

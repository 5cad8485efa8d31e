//! `frontdesk`: run the suite (`dev`, `serve`), migrate, mint tokens, and talk to it.

use anyhow::Context;
use clap::{Parser, Subcommand};
use frontdesk::app::{AppConfig, Application, RedisConfig};
use frontdesk::client::{self, ClientArgs};
use frontdesk::dev;
use frontdesk::services::{ServiceArgs, ServiceName};
use frontdesk_platform::auth::{Authenticator, Role};
use frontdesk_platform::config::{CommonArgs, PropertyArgs};
use frontdesk_platform::relay::Subscriber;
use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Parser)]
#[command(
    name = "frontdesk",
    version,
    about = "Guest inquiries, messages and mail desk for hotel chains"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Every service in one process on SQLite: nothing else to install.
    Dev(Box<DevArgs>),
    /// Run one service against Postgres (and Redis for more than one replica).
    Serve(Box<ServeArgs>),
    /// Apply a service's migrations and exit (e.g. as a Kubernetes Job).
    Migrate(MigrateArgs),
    /// Mint a bearer token signed with the shared secret.
    Token(TokenArgs),
    /// Departments, staff, queues, transfers and routing rules (client).
    Routing {
        #[command(flatten)]
        client: ClientArgs,
        /// The property to work on.
        #[arg(
            long,
            global = true,
            env = "FRONTDESK_PROPERTY",
            default_value = "demo-hotel"
        )]
        property: String,
        #[command(subcommand)]
        cmd: client::routing::RoutingCmd,
    },
    /// A property's SLA policy: calendar, targets, escalation (client).
    Sla {
        #[command(flatten)]
        client: ClientArgs,
        #[arg(
            long,
            global = true,
            env = "FRONTDESK_PROPERTY",
            default_value = "demo-hotel"
        )]
        property: String,
        #[command(subcommand)]
        cmd: client::routing::SlaCmd,
    },
    /// Events a service's consumers parked because they cannot be applied (client; role
    /// manager or service).
    Events {
        #[command(flatten)]
        client: ClientArgs,
        #[command(subcommand)]
        cmd: client::events::EventsCmd,
    },
    /// The knowledge base: search, read, history, edit, review, publish, suggestions (client).
    Kb {
        #[command(flatten)]
        client: ClientArgs,
        #[command(subcommand)]
        cmd: client::kb::KbCmd,
    },
    /// KPI reports (CI-5.4): a month's table, CSV for Excel, a printable HTML page (client).
    Report {
        #[command(flatten)]
        client: ClientArgs,
        #[command(subcommand)]
        cmd: client::report::ReportCmd,
    },
    /// Staff quizzes: create, assign, take, submit, results (client).
    Quiz {
        #[command(flatten)]
        client: ClientArgs,
        #[command(subcommand)]
        cmd: client::quiz::QuizCmd,
    },
    /// Stays as the PMS sends them: sync one, check in, check out, move (client).
    Stay {
        #[command(flatten)]
        desk: client::messaging::DeskArgs,
        #[command(subcommand)]
        cmd: client::messaging::StayCmd,
    },
    /// "Is X staying here?" as an outside caller or as staff, and the access log (client).
    Guest {
        #[command(flatten)]
        desk: client::messaging::DeskArgs,
        #[command(subcommand)]
        cmd: client::messaging::GuestCmd,
    },
    /// Messages for guests: leave, deliver the copies, mark read, lamps (client).
    Message {
        #[command(flatten)]
        desk: client::messaging::DeskArgs,
        #[command(subcommand)]
        cmd: client::messaging::MessageCmd,
    },
    /// Mail and parcels: register, call, deliver, forward, return, list (client).
    Mail {
        #[command(flatten)]
        desk: client::messaging::DeskArgs,
        #[command(subcommand)]
        cmd: client::messaging::MailCmd,
    },
    /// Desk shifts and their handover log (client).
    Shift {
        #[command(flatten)]
        desk: client::messaging::DeskArgs,
        #[command(subcommand)]
        cmd: client::messaging::ShiftCmd,
    },
    /// Work with inquiries (client).
    Inquiry {
        #[command(flatten)]
        client: ClientArgs,
        #[command(subcommand)]
        cmd: client::intake::InquiryCmd,
    },
}

#[derive(clap::Args)]
struct DevArgs {
    /// gRPC address for all services.
    #[arg(long, env = "FRONTDESK_LISTEN", default_value = "127.0.0.1:50051")]
    listen: SocketAddr,
    /// SQLite files, the token secret and the dev token live here.
    #[arg(long, env = "FRONTDESK_DATA_DIR", default_value = ".frontdesk")]
    data_dir: PathBuf,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    properties: PropertyArgs,
    #[command(flatten)]
    services: ServiceArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    service: ServiceName,
    /// gRPC address.
    #[arg(long, env = "FRONTDESK_LISTEN", default_value = "0.0.0.0:50051")]
    listen: SocketAddr,
    /// The served service's database (postgres://…); also read from the file named by
    /// FRONTDESK_DATABASE_URL_FILE. Overrides the service's own --<service>-database-url.
    #[arg(long, env = "FRONTDESK_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    /// Redis for fan-out and timers between replicas; unset: single replica, in process.
    #[arg(long, env = "FRONTDESK_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// Prefix of every Redis key and channel.
    #[arg(long, env = "FRONTDESK_REDIS_PREFIX", default_value = "frontdesk:")]
    redis_prefix: String,
    /// Seconds a replica's outbox-relay lease lasts before another replica may take over.
    #[arg(long, env = "FRONTDESK_RELAY_LEASE", default_value_t = 15)]
    relay_lease_secs: u64,
    /// Services that receive this service's events: name=http://host:port, comma-separated.
    #[arg(long, env = "FRONTDESK_SUBSCRIBERS", value_delimiter = ',')]
    subscribers: Vec<Subscriber>,
    /// Services this one calls: name=http://host:port, comma-separated.
    #[arg(long, env = "FRONTDESK_PEERS", value_delimiter = ',')]
    peers: Vec<Subscriber>,
    #[command(flatten)]
    tls: frontdesk_platform::tls::TlsArgs,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    properties: PropertyArgs,
    #[command(flatten)]
    services: ServiceArgs,
}

#[derive(clap::Args)]
struct MigrateArgs {
    service: ServiceName,
    /// The service's database (postgres://…); also FRONTDESK_DATABASE_URL_FILE.
    #[arg(long, env = "FRONTDESK_DATABASE_URL", hide_env_values = true)]
    database_url: Option<String>,
    #[command(flatten)]
    services: ServiceArgs,
}

/// `--database-url`, else the file named by FRONTDESK_DATABASE_URL_FILE, else the service's
/// own flag.
fn served_database_url(
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
fn read_file_env(var: &str) -> anyhow::Result<Option<String>> {
    match std::env::var_os(var) {
        None => Ok(None),
        Some(path) => std::fs::read_to_string(&path)
            .map(|s| Some(s.trim().to_string()))
            .with_context(|| format!("cannot read {var}={}", path.to_string_lossy())),
    }
}

#[derive(clap::Args)]
struct TokenArgs {
    #[arg(long)]
    subject: String,
    /// agent, supervisor, manager, integration or service.
    #[arg(long, default_value = "agent")]
    role: String,
    /// Property ids the token may touch (repeat), or * for the whole chain.
    #[arg(long = "property", required = true)]
    properties: Vec<String>,
    /// Hours the token is valid (1 to 720).
    #[arg(long, default_value_t = 24)]
    ttl_hours: u64,
    /// Signing secret; default: the one `frontdesk dev` keeps in its data directory.
    #[arg(long, env = "FRONTDESK_JWT_SECRET", hide_env_values = true)]
    jwt_secret: Option<String>,
    #[arg(long, env = "FRONTDESK_DATA_DIR", default_value = ".frontdesk")]
    data_dir: PathBuf,
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let workers = match &cli.cmd {
        Cmd::Dev(a) => frontdesk_platform::config::worker_threads(a.common.worker_threads),
        Cmd::Serve(a) => frontdesk_platform::config::worker_threads(a.common.worker_threads),
        _ => 1,
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(workers)
        .enable_all()
        .build()?;
    let result = rt.block_on(run(cli.cmd));
    if let Err(e) = &result {
        eprintln!("error: {e:#}");
        std::process::exit(1);
    }
    Ok(())
}

async fn run(cmd: Cmd) -> anyhow::Result<()> {
    match cmd {
        Cmd::Dev(a) => run_dev(*a).await,
        Cmd::Serve(a) => run_serve(*a).await,
        Cmd::Migrate(a) => {
            let url = served_database_url(a.database_url, a.service, &a.services)?;
            let db = frontdesk_platform::db::Db::connect(&url, 2).await?;
            db.migrate(a.service.migrations()).await?;
            println!("{} migrated: {}", a.service, db.display_url());
            Ok(())
        }
        Cmd::Token(a) => {
            let secret = match a.jwt_secret {
                Some(s) => s,
                None => std::fs::read_to_string(a.data_dir.join(dev::SECRET_FILE))
                    .map(|s| s.trim().to_string())
                    .with_context(|| {
                        format!("no --jwt-secret and no secret in {}", a.data_dir.display())
                    })?,
            };
            let role =
                Role::parse(&a.role).with_context(|| format!("unknown role {:?}", a.role))?;
            let ttl = Duration::from_secs(a.ttl_hours.saturating_mul(3600));
            if ttl > frontdesk_platform::auth::MAX_TOKEN_TTL || ttl.is_zero() {
                anyhow::bail!(
                    "--ttl-hours {} is out of range: a token lives 1 to {} hours",
                    a.ttl_hours,
                    frontdesk_platform::auth::MAX_TOKEN_TTL.as_secs() / 3600
                );
            }
            let token = Authenticator::new(secret.as_bytes()).issue(
                &a.subject,
                role,
                &a.properties,
                ttl,
            )?;
            println!("{token}");
            Ok(())
        }
        Cmd::Inquiry { client, cmd } => client::intake::run(client, cmd).await,
        Cmd::Events { client, cmd } => client::events::run(client, cmd).await,
        Cmd::Kb { client, cmd } => client::kb::run(client, cmd).await,
        Cmd::Stay { desk, cmd } => client::messaging::stay(desk, cmd).await,
        Cmd::Guest { desk, cmd } => client::messaging::guest_cmd(desk, cmd).await,
        Cmd::Message { desk, cmd } => client::messaging::message(desk, cmd).await,
        Cmd::Mail { desk, cmd } => client::messaging::mail(desk, cmd).await,
        Cmd::Shift { desk, cmd } => client::messaging::shift(desk, cmd).await,
        Cmd::Quiz { client, cmd } => client::quiz::run(client, cmd).await,
        Cmd::Report { client, cmd } => client::report::run(client, cmd).await,
        Cmd::Routing {
            client,
            property,
            cmd,
        } => client::routing::run(client, property, cmd).await,
        Cmd::Sla {
            client,
            property,
            cmd,
        } => client::routing::run_sla(client, property, cmd).await,
    }
}

fn init(common: &CommonArgs) -> anyhow::Result<frontdesk_platform::telemetry::TelemetryGuard> {
    let guard = frontdesk_platform::telemetry::init("frontdesk", common.log_format, &common.log)?;
    if let Some(addr) = common.metrics_addr()? {
        frontdesk_platform::metrics::install(addr)?;
        tracing::info!(%addr, "metrics on /metrics");
    }
    Ok(guard)
}

async fn run_dev(a: DevArgs) -> anyhow::Result<()> {
    let guard = init(&a.common)?;
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

async fn run_serve(a: ServeArgs) -> anyhow::Result<()> {
    let guard = init(&a.common)?;
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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::{CommandFactory, Parser};

    #[test]
    fn the_command_line_has_no_conflicting_flags() {
        Cli::command().debug_assert();
    }

    #[test]
    fn dev_and_serve_parse_with_their_defaults() {
        assert!(Cli::try_parse_from(["frontdesk", "dev"]).is_ok());
        assert!(
            Cli::try_parse_from([
                "frontdesk",
                "serve",
                "routing",
                "--database-url",
                "postgres://x/y"
            ])
            .is_ok()
        );
        assert!(
            Cli::try_parse_from([
                "frontdesk",
                "serve",
                "intake",
                "--database-url",
                "postgres://x/y"
            ])
            .is_ok()
        );
    }
}

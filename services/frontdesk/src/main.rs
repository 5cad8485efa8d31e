//! `frontdesk`: run the suite (`dev`, `serve`), migrate, mint tokens, and talk to it.

use anyhow::Context;
use clap::{Parser, Subcommand, ValueEnum};
use frontdesk::app::{AppConfig, Application, RedisConfig};
use frontdesk::{cli, dev};
use frontdesk_intake::config::IntakeArgs;
use frontdesk_platform::auth::{Authenticator, Role};
use frontdesk_platform::config::{CommonArgs, PropertyArgs};
use frontdesk_routing::config::RoutingArgs;
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
    Dev(DevArgs),
    /// Run one service against Postgres (and Redis for more than one replica).
    Serve(ServeArgs),
    /// Apply a service's migrations and exit (e.g. as a Kubernetes Job).
    Migrate(MigrateArgs),
    /// Mint a bearer token signed with the shared secret.
    Token(TokenArgs),
    /// Departments, staff, queues, transfers and routing rules (client).
    Routing {
        #[command(flatten)]
        client: cli::ClientArgs,
        /// The property to work on.
        #[arg(
            long,
            global = true,
            env = "FRONTDESK_PROPERTY",
            default_value = "demo-hotel"
        )]
        property: String,
        #[command(subcommand)]
        cmd: frontdesk::cli_routing::RoutingCmd,
    },
    /// A property's SLA policy: calendar, targets, escalation (client).
    Sla {
        #[command(flatten)]
        client: cli::ClientArgs,
        #[arg(
            long,
            global = true,
            env = "FRONTDESK_PROPERTY",
            default_value = "demo-hotel"
        )]
        property: String,
        #[command(subcommand)]
        cmd: frontdesk::cli_routing::SlaCmd,
    },
    /// Work with inquiries (client).
    Inquiry {
        #[command(flatten)]
        client: cli::ClientArgs,
        #[command(subcommand)]
        cmd: cli::InquiryCmd,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum ServiceName {
    Intake,
    Routing,
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
    intake: IntakeArgs,
    #[command(flatten)]
    routing: RoutingArgs,
}

#[derive(clap::Args)]
struct ServeArgs {
    service: ServiceName,
    /// gRPC address.
    #[arg(long, env = "FRONTDESK_LISTEN", default_value = "0.0.0.0:50051")]
    listen: SocketAddr,
    /// Redis for fan-out between replicas; unset: single replica, in-process fan-out.
    #[arg(long, env = "FRONTDESK_REDIS_URL", hide_env_values = true)]
    redis_url: Option<String>,
    /// Prefix of every Redis key and channel.
    #[arg(long, env = "FRONTDESK_REDIS_PREFIX", default_value = "frontdesk:")]
    redis_prefix: String,
    /// Seconds a replica's outbox-relay lease lasts before another replica may take over.
    #[arg(long, env = "FRONTDESK_RELAY_LEASE", default_value_t = 15)]
    relay_lease_secs: u64,
    #[command(flatten)]
    common: CommonArgs,
    #[command(flatten)]
    properties: PropertyArgs,
    #[command(flatten)]
    intake: IntakeArgs,
    #[command(flatten)]
    routing: RoutingArgs,
}

#[derive(clap::Args)]
struct MigrateArgs {
    service: ServiceName,
    #[command(flatten)]
    intake: IntakeArgs,
    #[command(flatten)]
    routing: RoutingArgs,
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
        Cmd::Dev(a) => run_dev(a).await,
        Cmd::Serve(a) => run_serve(a).await,
        Cmd::Migrate(a) => {
            let (name, url, migrations) = match a.service {
                ServiceName::Intake => (
                    "intake",
                    a.intake.database_url.clone().context(
                        "--intake-database-url (FRONTDESK_INTAKE_DATABASE_URL) is required",
                    )?,
                    frontdesk_intake::store::MIGRATIONS,
                ),
                ServiceName::Routing => (
                    "routing",
                    a.routing.database_url.clone().context(
                        "--routing-database-url (FRONTDESK_ROUTING_DATABASE_URL) is required",
                    )?,
                    frontdesk_routing::store::MIGRATIONS,
                ),
            };
            let db = frontdesk_platform::db::Db::connect(&url, 2).await?;
            db.migrate(migrations).await?;
            println!("{name} migrated: {}", db.display_url());
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
            let token = Authenticator::new(secret.as_bytes()).issue(
                &a.subject,
                role,
                &a.properties,
                Duration::from_secs(a.ttl_hours * 3600),
            )?;
            println!("{token}");
            Ok(())
        }
        Cmd::Inquiry { client, cmd } => cli::run(client, cmd).await,
        Cmd::Routing {
            client,
            property,
            cmd,
        } => frontdesk::cli_routing::run(client, property, cmd).await,
        Cmd::Sla {
            client,
            property,
            cmd,
        } => frontdesk::cli_routing::run_sla(client, property, cmd).await,
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
    std::fs::create_dir_all(&a.data_dir)
        .with_context(|| format!("cannot create {}", a.data_dir.display()))?;
    let intake_url = a
        .intake
        .database_url
        .clone()
        .unwrap_or_else(|| dev::sqlite_url(&a.data_dir, "intake"));
    let routing_url = a
        .routing
        .database_url
        .clone()
        .unwrap_or_else(|| dev::sqlite_url(&a.data_dir, "routing"));
    let app = Application::build(AppConfig {
        listen: a.listen,
        properties: a.properties.ids(),
        intake_database_url: Some(intake_url),
        intake: a.intake.clone(),
        routing_database_url: Some(routing_url),
        routing: a.routing.clone(),
        redis: None,
        auth: auth.clone(),
        shutdown_grace: a.common.shutdown_grace(),
        relay_lease: Duration::from_secs(15),
        self_subscribe: true,
        clock: None,
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
        let secret = a
            .common
            .jwt_secret
            .clone()
            .context("--jwt-secret (FRONTDESK_JWT_SECRET) is required, or --insecure")?;
        Authenticator::new(secret.as_bytes())
    };
    let (intake_url, routing_url) =
        match a.service {
            ServiceName::Intake => (
                Some(a.intake.database_url.clone().context(
                    "--intake-database-url (FRONTDESK_INTAKE_DATABASE_URL) is required",
                )?),
                None,
            ),
            ServiceName::Routing => (
                None,
                Some(a.routing.database_url.clone().context(
                    "--routing-database-url (FRONTDESK_ROUTING_DATABASE_URL) is required",
                )?),
            ),
        };
    let app = Application::build(AppConfig {
        listen: a.listen,
        properties: a.properties.ids(),
        intake_database_url: intake_url,
        intake: a.intake.clone(),
        routing_database_url: routing_url,
        routing: a.routing.clone(),
        redis: a.redis_url.map(|url| RedisConfig {
            url,
            prefix: a.redis_prefix.clone(),
        }),
        auth,
        shutdown_grace: a.common.shutdown_grace(),
        relay_lease: Duration::from_secs(a.relay_lease_secs),
        self_subscribe: false,
        clock: None,
    })
    .await?;
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
                "--routing-database-url",
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

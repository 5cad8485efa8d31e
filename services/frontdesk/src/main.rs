//! `frontdesk`: run the suite (`dev`, `serve`), migrate, mint tokens, and talk to it.

use anyhow::Context;
use clap::{Parser, Subcommand};
use frontdesk::client::{self, ClientArgs};
use frontdesk::dev;
use frontdesk_platform::auth::{Authenticator, Role};
use std::path::PathBuf;
use std::time::Duration;

mod server;

use server::*;

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
    /// Print who may call which RPC: the role matrix every server enforces (Markdown).
    Roles,
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
        /// The property to work on.
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
    /// Analytics' upkeep: rebuild its facts and rollups from its event log (client; a
    /// manager of the whole chain).
    Analytics {
        #[command(flatten)]
        client: ClientArgs,
        #[command(subcommand)]
        cmd: client::analytics::AnalyticsCmd,
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
struct TokenArgs {
    /// Who the token speaks for: a staff id (the subject routing's claim uses) or a system's
    /// name.
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
    /// Where `frontdesk dev` keeps its data (and the secret read without --jwt-secret).
    #[arg(long, env = "FRONTDESK_DATA_DIR", default_value = ".frontdesk")]
    data_dir: PathBuf,
}

/// `frontdesk inquiry list | head -3`: when the reader goes away, stop quietly as `cat` or
/// `grep` would, instead of a panic and a backtrace (Rust ignores SIGPIPE, so printing to a
/// closed pipe panics inside `println!`).
fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

fn main() -> anyhow::Result<()> {
    quiet_on_closed_pipe();
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
        Cmd::Roles => {
            print!("{}", frontdesk::services::role_matrix());
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
        Cmd::Analytics { client, cmd } => client::analytics::run(client, cmd).await,
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

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::{CommandFactory, Parser};

    #[test]
    fn the_command_line_has_no_conflicting_flags() {
        Cli::command().debug_assert();
    }

    /// Every flag and argument of every command, with the path that reaches it, that
    /// `--help` would show without a word of explanation.
    fn undocumented(cmd: &clap::Command, path: &str, out: &mut Vec<String>) {
        let path = format!("{path} {}", cmd.get_name());
        for arg in cmd.get_arguments() {
            let builtin = matches!(arg.get_id().as_str(), "help" | "version");
            if !builtin && !arg.is_hide_set() && arg.get_help().is_none() {
                out.push(format!("{path} {}", arg.get_id()));
            }
        }
        for sub in cmd.get_subcommands() {
            if sub.get_about().is_none() && sub.get_name() != "help" {
                out.push(format!("{path} {} (the command)", sub.get_name()));
            }
            undocumented(sub, &path, out);
        }
    }

    #[test]
    fn every_command_and_flag_has_help_text() {
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        undocumented(&cmd, "", &mut missing);
        assert!(missing.is_empty(), "no help text:\n{}", missing.join("\n"));
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

//! `frontdesk inquiry|routing|sla|events|kb|quiz|report|analytics|stay|guest|message|mail|shift …`: clients for people. One module per service;
//! nothing here imports a service's internals, only the proto contract. Readable tables by
//! default, `--json` for scripts; enum values are the snake_case codes of the shared
//! vocabulary (hotline, social_wechat, room_rates …).

pub mod analytics;
pub mod events;
mod inquiry_view;
pub mod intake;
pub mod kb;
pub mod messaging;
pub mod quiz;
mod render;
pub mod report;
mod report_html;
pub mod routing;

use anyhow::{Context, anyhow};
pub use frontdesk_platform::client::Bearer;
use frontdesk_proto::vocabulary::Coded;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ClientArgs {
    /// frontdesk gRPC endpoint.
    #[arg(
        long,
        env = "FRONTDESK_SERVER",
        default_value = "http://127.0.0.1:50051",
        global = true
    )]
    pub server: String,
    /// Bearer token; default: the dev token `frontdesk dev` wrote to its data directory.
    #[arg(long, env = "FRONTDESK_TOKEN", hide_env_values = true, global = true)]
    pub token: Option<String>,
    /// Where `frontdesk dev` keeps its data (and dev token).
    #[arg(
        long,
        env = "FRONTDESK_DATA_DIR",
        default_value = ".frontdesk",
        global = true
    )]
    pub data_dir: PathBuf,
    /// Print JSON instead of tables (times in RFC 3339 with their offset).
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only the id of what was created or changed (for `X=$(frontdesk … -q)`).
    #[arg(short, long, global = true)]
    pub quiet: bool,
    /// Print tables with every cell in full, however wide (default: fit 80 columns).
    #[arg(long, global = true)]
    pub wide: bool,
    /// Show times in this IANA time zone, e.g. Asia/Shanghai; default: this machine's zone.
    #[arg(long, env = "FRONTDESK_TZ", global = true)]
    pub tz: Option<String>,
    /// PEM CA to trust for an https:// --server.
    #[arg(long, env = "FRONTDESK_TLS_CA", global = true)]
    pub tls_ca: Option<PathBuf>,
    /// PEM client certificate for a server that requires mutual TLS (with --tls-key).
    #[arg(
        long,
        env = "FRONTDESK_CLIENT_TLS_CERT",
        global = true,
        requires = "tls_key"
    )]
    pub tls_cert: Option<PathBuf>,
    /// PEM private key of --tls-cert.
    #[arg(
        long,
        env = "FRONTDESK_CLIENT_TLS_KEY",
        global = true,
        requires = "tls_cert"
    )]
    pub tls_key: Option<PathBuf>,
}

/// The bearer token and a connected channel, shared by every client command.
///
/// Every command connects first, so this is also where the run's rendering (`--wide`, `--tz`)
/// is set, before anything is printed.
pub async fn connect(args: &ClientArgs) -> anyhow::Result<(tonic::transport::Channel, Bearer)> {
    render::init(render::Style {
        wide: args.wide,
        quiet: args.quiet,
        zone: render::Zone::parse(args.tz.as_deref())?,
    });
    let token = match &args.token {
        Some(t) => t.clone(),
        None => std::fs::read_to_string(args.data_dir.join(crate::dev::TOKEN_FILE))
            .map(|t| t.trim().to_string())
            .with_context(|| {
                format!(
                    "no --token and no dev token in {} (is `frontdesk dev` running there?)",
                    args.data_dir.display()
                )
            })?,
    };
    let tls = match &args.tls_ca {
        Some(ca) => {
            let identity = match (&args.tls_cert, &args.tls_key) {
                (Some(cert), Some(key)) => Some(frontdesk_platform::tls::identity(cert, key)?),
                _ => None,
            };
            Some(frontdesk_platform::tls::client_config(ca, identity)?)
        }
        None => None,
    };
    let channel = frontdesk_platform::client::connect(&server_url(&args.server), tls).await?;
    Ok((channel, Bearer::new(&token)?))
}

/// "INVALID_ARGUMENT: invalid request: text: required" plus each field on its own line.
pub fn status_error(s: tonic::Status) -> anyhow::Error {
    let fields = frontdesk_platform::error::violated_fields(&s);
    if fields.is_empty() {
        anyhow!("{:?}: {}", s.code(), s.message())
    } else {
        anyhow!(
            "{:?}: {} (fields: {})",
            s.code(),
            s.message(),
            fields.join(", ")
        )
    }
}

/// A code of the vocabulary, or the list of valid ones.
pub(crate) fn parse_code<T: Coded>(what: &str, code: &str) -> anyhow::Result<T> {
    T::parse_code(code)
        .ok_or_else(|| anyhow!("unknown {what} {code:?}; valid: {}", T::valid_codes()))
}

/// A fresh idempotency key unless the caller gives one (a retry must pass the same key).
pub(crate) fn key(k: Option<String>) -> String {
    k.unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

/// `--server` as given, or with `http://` in front when it names no scheme
/// (`FRONTDESK_SERVER=127.0.0.1:50051` works).
fn server_url(server: &str) -> String {
    if server.contains("://") {
        server.to_string()
    } else {
        format!("http://{server}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_without_a_scheme_is_plain_http() {
        assert_eq!(server_url("127.0.0.1:50051"), "http://127.0.0.1:50051");
        assert_eq!(server_url("https://intake:50051"), "https://intake:50051");
    }
}

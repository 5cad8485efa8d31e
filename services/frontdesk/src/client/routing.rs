//! `frontdesk routing …` and `frontdesk sla …`: the directory, queues, transfers, referrals
//! and the property's rules and policies, for people; `--json` for scripts.

use super::render::emit;
use super::{ClientArgs, connect, status_error};
use frontdesk_proto::routing::v1 as pb;
use pb::routing_service_client::RoutingServiceClient;
use std::path::PathBuf;

mod directory;
mod show;
mod sla;
mod work;

pub use directory::DirectoryCmd;
pub use sla::{SlaCmd, run_sla};
pub use work::WorkCmd;

#[derive(Debug, clap::Subcommand)]
pub enum RoutingCmd {
    #[command(flatten)]
    Directory(DirectoryCmd),
    #[command(flatten)]
    Work(WorkCmd),
    /// Show the routing rules in force (TOML; with --json also the overrides).
    Rules,
    /// Replace the property's rule overrides with a TOML file (validated on save; managers).
    RulesSet {
        /// The rules file (TOML, the format of `frontdesk routing rules`).
        file: PathBuf,
    },
}

type Client = RoutingServiceClient<
    tonic::service::interceptor::InterceptedService<tonic::transport::Channel, super::Bearer>,
>;

async fn client(args: &ClientArgs) -> anyhow::Result<Client> {
    let (channel, bearer) = connect(args).await?;
    Ok(RoutingServiceClient::with_interceptor(channel, bearer))
}

fn rules_json(r: &pb::RoutingRulesResponse) -> serde_json::Value {
    serde_json::json!({
        "property_id": r.property_id, "version": r.version,
        "overrides_toml": r.overrides_toml, "effective_toml": r.effective_toml,
    })
}

pub async fn run(args: ClientArgs, property: String, cmd: RoutingCmd) -> anyhow::Result<()> {
    let mut c = client(&args).await?;
    let json = args.json;
    match cmd {
        RoutingCmd::Directory(cmd) => directory::run(&mut c, json, property, cmd).await,
        RoutingCmd::Work(cmd) => work::run(&mut c, json, property, cmd).await,
        RoutingCmd::Rules => {
            let r = c
                .get_routing_rules(pb::GetRoutingRulesRequest {
                    property_id: property,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            emit(json, rules_json(&r), || {
                format!(
                    "# version {} of this property's overrides\n{}",
                    r.version, r.effective_toml
                )
            });
            Ok(())
        }
        RoutingCmd::RulesSet { file } => {
            let toml = std::fs::read_to_string(&file)
                .map_err(|e| anyhow::anyhow!("reading {}: {e}", file.display()))?;
            let r = c
                .set_routing_rules(pb::SetRoutingRulesRequest {
                    property_id: property,
                    toml,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            emit(json, rules_json(&r), || {
                format!("saved version {}", r.version)
            });
            Ok(())
        }
    }
}

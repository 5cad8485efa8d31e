//! `frontdesk analytics rebuild`: rebuild analytics' facts and daily rollups from its own
//! event log (managers of the whole chain). Prints how many events were replayed.

use super::{ClientArgs, connect, status_error};
use frontdesk_proto::analytics::v1 as pb;
use pb::analytics_service_client::AnalyticsServiceClient;
use serde_json::json;

#[derive(Debug, clap::Subcommand)]
pub enum AnalyticsCmd {
    /// Discards analytics' facts and rollups and replays its event log, in one transaction
    /// (reports show the old figures until it is done). Needed after a change of the
    /// timeliness rule. Managers with the whole chain only.
    Rebuild,
}

pub async fn run(args: ClientArgs, cmd: AnalyticsCmd) -> anyhow::Result<()> {
    let (channel, bearer) = connect(&args).await?;
    let mut client = AnalyticsServiceClient::with_interceptor(channel, bearer);
    match cmd {
        AnalyticsCmd::Rebuild => {
            let r = client
                .rebuild_facts(pb::RebuildFactsRequest {})
                .await
                .map_err(status_error)?
                .into_inner();
            if args.json {
                println!(
                    "{}",
                    json!({"events_replayed": r.events_replayed, "inquiries": r.inquiries,
                           "rollup_rows": r.rollup_rows})
                );
            } else if args.quiet {
                println!("{}", r.events_replayed);
            } else {
                println!(
                    "rebuilt: {} events replayed, {} inquiries, {} daily rollup rows",
                    r.events_replayed, r.inquiries, r.rollup_rows
                );
            }
        }
    }
    Ok(())
}

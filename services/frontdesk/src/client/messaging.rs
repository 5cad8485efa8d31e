//! `frontdesk stay|guest|message|mail|shift …`: the information desk (MD-2 … MD-4) from a
//! terminal — mirror a stay as the PMS would, look a guest up as an outside caller or as
//! staff, leave and deliver messages, log, deliver, forward and return mail, open and close a
//! desk shift. Enum values are the snake_case of their proto names (`in_house`, `parcel`,
//! `under_door` …); `-q` prints only the id of what was created or changed, for scripts.

mod args;
mod desk;
mod show;
mod show_mail;
mod stays;

pub use args::{GuestCmd, MailCmd, MessageCmd, ShiftCmd, StayCmd};
pub use desk::{mail, message, shift};
pub use stays::{guest_cmd, stay};

use super::{ClientArgs, connect};
use frontdesk_platform::client::Bearer;
use frontdesk_proto::messaging::v1::messaging_service_client::MessagingServiceClient;
use show::Out;
use tonic::service::interceptor::InterceptedService;
use tonic::transport::Channel;

type Client = MessagingServiceClient<InterceptedService<Channel, Bearer>>;

/// Connection, property and output settings shared by the desk's commands.
#[derive(Debug, clap::Args)]
pub struct DeskArgs {
    #[command(flatten)]
    pub client: ClientArgs,
    /// The property (hotel) to work on.
    #[arg(
        long,
        global = true,
        env = "FRONTDESK_PROPERTY",
        default_value = "demo-hotel"
    )]
    pub property: String,
}

async fn client(args: &DeskArgs) -> anyhow::Result<(Client, Out)> {
    let (channel, bearer) = connect(&args.client).await?;
    Ok((
        MessagingServiceClient::with_interceptor(channel, bearer),
        Out::new(args.client.json, args.client.quiet),
    ))
}

fn key(k: Option<String>) -> String {
    k.unwrap_or_else(|| uuid::Uuid::now_v7().to_string())
}

//! Intake, called with knowledge's own service identity to read an inquiry's text for
//! SuggestAnswers. The caller's own property scope is checked here: the service token sees
//! every property, the agent behind the call must not.

use frontdesk_platform::auth::Caller;
use frontdesk_platform::peer::Peer;
use frontdesk_proto::intake::v1 as intake;
use intake::intake_service_client::IntakeServiceClient;
use std::sync::Arc;
use tonic::{Code, Status};

#[derive(Clone)]
pub struct Intake {
    peer: Arc<Peer>,
}

impl Intake {
    pub fn new(peer: Peer) -> Self {
        Intake {
            peer: Arc::new(peer),
        }
    }

    /// The inquiry's text; NOT_FOUND when it is missing or of a property the caller lacks.
    pub async fn inquiry_text(&self, caller: &Caller, inquiry_id: &str) -> Result<String, Status> {
        let ask = intake::GetInquiryRequest {
            inquiry_id: inquiry_id.to_string(),
        };
        let not_found = || {
            Status::from(frontdesk_platform::error::ServiceError::not_found(
                "inquiry", inquiry_id,
            ))
        };
        let client = IntakeServiceClient::new(self.peer.channel());
        let res = self
            .peer
            .idempotent(ask, |req| {
                let mut client = client.clone();
                async move { client.get_inquiry(req).await }
            })
            .await
            .map_err(|s| match s.code() {
                Code::NotFound => not_found(),
                Code::InvalidArgument => Status::invalid_argument("inquiry_id: not an inquiry id"),
                _ => frontdesk_platform::error::unavailable(
                    "the intake service",
                    std::time::Duration::from_secs(1),
                ),
            })?;
        match res.into_inner().inquiry {
            Some(i) if caller.can_access(&i.property_id) => Ok(i.text),
            _ => Err(not_found()),
        }
    }
}

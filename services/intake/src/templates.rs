//! Reply templates (CI-3.6, CI-5.4; issue 11): an answer or a delay notice built from a
//! published knowledge article instead of typed text. Intake asks the knowledge service to
//! render it in the customer's language, with its own service identity and a deadline, and
//! records which template and version was used. What knowledge refuses comes back in
//! intake's own words and field paths (`template_id`, `template_variables.<name>`).

use crate::domain::inquiry::{Inquiry, TemplateUse};
use crate::error::Error;
use frontdesk_platform::error::Violations;
use frontdesk_platform::peer::Peer;
use frontdesk_proto::knowledge::v1 as kpb;
use kpb::knowledge_service_client::KnowledgeServiceClient;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tonic::Code;

/// How long a caller should wait before retrying when knowledge could not be reached.
const RETRY_AFTER: Duration = Duration::from_secs(2);

/// A rendered reply and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    pub text: String,
    pub used: TemplateUse,
}

/// The knowledge service as intake's template renderer; `None` when this process was
/// started without a knowledge address (`--peers knowledge=…`), so templates are refused
/// with a precondition instead of a connection error.
#[derive(Clone, Default)]
pub struct Templates {
    knowledge: Option<Arc<Peer>>,
}

impl Templates {
    pub fn new(knowledge: Option<Arc<Peer>>) -> Self {
        Templates { knowledge }
    }

    /// Renders `template_id` for `inquiry`: its property, its customer's language, and
    /// `guest_name` = the customer's name unless the caller gives one.
    pub async fn render(
        &self,
        inquiry: &Inquiry,
        template_id: &str,
        variables: &HashMap<String, String>,
    ) -> Result<Rendered, Error> {
        let Some(peer) = &self.knowledge else {
            return Err(Error::FailedPrecondition(
                "reply templates need the knowledge service: start intake with \
                 --peers knowledge=http://host:port (frontdesk dev mounts it)"
                    .into(),
            ));
        };
        let request = kpb::RenderReplyRequest {
            property_id: inquiry.property_id.clone(),
            template_id: template_id.to_string(),
            variables: with_defaults(inquiry, variables),
            language: crate::convert::language_to_pb(inquiry.classification.language),
        };
        let client = KnowledgeServiceClient::new(peer.channel());
        let response = peer
            .idempotent(request, |req| {
                let mut client = client.clone();
                async move { client.render_reply(req).await }
            })
            .await
            .map_err(refusal)?
            .into_inner();
        Ok(Rendered {
            text: response.text,
            used: TemplateUse {
                template_id: response.template_id,
                version: response.template_version,
            },
        })
    }
}

/// The caller's variables, plus the customer's name as `guest_name` when not given.
fn with_defaults(
    inquiry: &Inquiry,
    variables: &HashMap<String, String>,
) -> HashMap<String, String> {
    let mut all = variables.clone();
    let name = inquiry.customer.name.trim();
    if !name.is_empty() {
        all.entry("guest_name".into())
            .or_insert_with(|| name.to_string());
    }
    all
}

/// Knowledge's answer in intake's words: its field paths under `template_variables`, its
/// NOT_FOUND as a missing template, an outage as UNAVAILABLE with a retry hint.
fn refusal(s: tonic::Status) -> Error {
    match s.code() {
        Code::InvalidArgument => {
            let mut v = Violations::new();
            let fields = frontdesk_platform::error::violated_fields(&s);
            for f in &fields {
                let field = match f.strip_prefix("variables") {
                    Some(rest) => format!("template_variables{rest}"),
                    None => "template_id".to_string(),
                };
                v.add(
                    field,
                    "required by the template; a reply never goes out with a blank",
                );
            }
            if fields.is_empty() {
                v.add("template_id", s.message().to_string());
            }
            Error::InvalidArgument(v)
        }
        Code::NotFound => Error::not_found("reply template", "template_id"),
        Code::FailedPrecondition => Error::FailedPrecondition(s.message().to_string()),
        Code::Unavailable | Code::DeadlineExceeded | Code::Unknown | Code::Cancelled => {
            tracing::warn!(code = ?s.code(), "knowledge service unreachable for a template");
            Error::Unavailable {
                what: "the knowledge service (reply templates)".into(),
                retry_after: RETRY_AFTER,
            }
        }
        _ => Error::Internal(anyhow::anyhow!(
            "knowledge RenderReply answered {:?}: {}",
            s.code(),
            s.message()
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status_with_fields(fields: &[&str]) -> tonic::Status {
        let mut v = Violations::new();
        for f in fields {
            v.add(*f, "required");
        }
        frontdesk_platform::error::ServiceError::InvalidArgument(v).into()
    }

    #[test]
    fn knowledge_refusals_name_intake_fields() {
        let Error::InvalidArgument(v) = refusal(status_with_fields(&["variables.new_time"])) else {
            panic!("not invalid argument")
        };
        assert_eq!(
            v.fields().collect::<Vec<_>>(),
            ["template_variables.new_time"]
        );
        assert!(matches!(
            refusal(tonic::Status::unavailable("down")),
            Error::Unavailable { .. }
        ));
        assert!(matches!(
            refusal(tonic::Status::not_found("article x")),
            Error::NotFound { .. }
        ));
    }
}

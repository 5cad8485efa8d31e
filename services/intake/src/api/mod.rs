//! gRPC handlers: authenticate, decode, call the use case, encode. No rules live here.
//! One module per group of RPCs; the trait impl below only dispatches to them.

mod answers;
mod inquiries;
mod lifecycle;
mod privacy;
mod reclassify;

use crate::commands::Intake;
use crate::convert::inquiry_to_pb;
use crate::domain::inquiry::TemplateUse;
use crate::domain::inquiry::{Inquiry, Refusal};
use crate::domain::new_inquiry::MAX_KEY_CHARS;
use crate::templates::Templates;
use crate::watch;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::idempotency::{Idempotency, fingerprint};
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::time::now_micros;
use frontdesk_platform::validate;
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use pb::intake_service_server::IntakeService;
use tonic::{Request, Response, Status};

const MAX_NOTE_CHARS: usize = 2_000;

pub struct IntakeApi {
    intake: Intake,
    templates: Templates,
    shutdown: Shutdown,
}

impl IntakeApi {
    pub fn new(intake: Intake, templates: Templates, shutdown: Shutdown) -> Self {
        IntakeApi {
            intake,
            templates,
            shutdown,
        }
    }
}

type Res<T> = Result<Response<T>, Status>;

/// The one text a staff transition carries: a note or a reason.
struct Note<'a> {
    field: &'static str,
    value: &'a str,
    required: bool,
}

impl IntakeApi {
    /// A staff transition with one text (resolve, reopen, wait for / hear from the
    /// customer): validate, apply `transition`, record `detail(text)` on the timeline.
    async fn noted(
        &self,
        caller: Caller,
        inquiry_id: &str,
        note: Note<'_>,
        change: ChangeType,
        transition: fn(&mut Inquiry, i64) -> Result<(), Refusal>,
        detail: impl Fn(&str) -> String,
    ) -> Result<pb::Inquiry, Status> {
        let mut v = Violations::new();
        let id = validate::id("inquiry_id", inquiry_id, &mut v);
        let text = validate::text(
            note.field,
            note.value,
            MAX_NOTE_CHARS,
            note.required,
            &mut v,
        );
        validate::check(v)?;
        let (inquiry, _) = self
            .intake
            .mutate(&caller, &id, None, change, |i| {
                transition(i, now_micros())?;
                Ok((detail(&text), String::new()))
            })
            .await?;
        Ok(inquiry_to_pb(&inquiry))
    }
}

/// Where an answer's or notice's text comes from: typed by staff, or a reply template.
enum ReplySource {
    Text(String),
    Template(String),
}

/// `field` (the typed text) or `template_id`, exactly one of them.
fn reply_source(
    field: &str,
    text: &str,
    max: usize,
    template_id: &str,
    v: &mut Violations,
) -> ReplySource {
    if template_id.trim().is_empty() {
        return ReplySource::Text(validate::text(field, text, max, true, v));
    }
    if !text.trim().is_empty() {
        v.add(field, "give the text or a template_id, not both");
    }
    ReplySource::Template(validate::id("template_id", template_id, v))
}

/// A reply rendered from a template mentions it on the timeline.
fn from_template(t: &Option<TemplateUse>) -> String {
    t.as_ref()
        .map(|t| format!(" (template {} v{})", t.template_id, t.version))
        .unwrap_or_default()
}

impl IntakeApi {
    /// The text of an answer or delay notice: as typed, or rendered by the knowledge
    /// service from a template for this inquiry's customer.
    async fn reply_text(
        &self,
        caller: &Caller,
        inquiry_id: &str,
        source: ReplySource,
        variables: &std::collections::HashMap<String, String>,
    ) -> Result<(String, Option<TemplateUse>), Status> {
        let template_id = match source {
            ReplySource::Text(text) => return Ok((text, None)),
            ReplySource::Template(id) => id,
        };
        let mut v = Violations::new();
        for (name, value) in variables {
            if name.trim().is_empty() || name.chars().count() > 64 {
                v.add(
                    "template_variables",
                    "variable names are 1 to 64 characters",
                );
            }
            validate::text(
                &format!("template_variables.{name}"),
                value,
                MAX_NOTE_CHARS,
                false,
                &mut v,
            );
        }
        validate::check(v)?;
        let inquiry = self.intake.inquiry(caller, inquiry_id).await?;
        let rendered = self
            .templates
            .render(&inquiry, &template_id, variables)
            .await?;
        Ok((rendered.text, Some(rendered.used)))
    }
}

fn idempotency(scope: String, key: &str, hash: String, v: &mut Violations) -> Idempotency {
    let key = validate::text("idempotency_key", key, MAX_KEY_CHARS, true, v);
    Idempotency {
        scope,
        key,
        request_hash: hash,
    }
}

#[tonic::async_trait]
impl IntakeService for IntakeApi {
    async fn create_inquiry(
        &self,
        req: Request<pb::CreateInquiryRequest>,
    ) -> Res<pb::CreateInquiryResponse> {
        inquiries::create_inquiry(self, req).await
    }

    async fn get_inquiry(
        &self,
        req: Request<pb::GetInquiryRequest>,
    ) -> Res<pb::GetInquiryResponse> {
        inquiries::get_inquiry(self, req).await
    }

    async fn batch_get_inquiries(
        &self,
        req: Request<pb::BatchGetInquiriesRequest>,
    ) -> Res<pb::BatchGetInquiriesResponse> {
        inquiries::batch_get_inquiries(self, req).await
    }

    async fn list_inquiries(
        &self,
        req: Request<pb::ListInquiriesRequest>,
    ) -> Res<pb::ListInquiriesResponse> {
        inquiries::list_inquiries(self, req).await
    }

    type WatchInquiriesStream = watch::WatchStream;

    async fn watch_inquiries(
        &self,
        req: Request<pb::WatchInquiriesRequest>,
    ) -> Res<Self::WatchInquiriesStream> {
        inquiries::watch_inquiries(self, req).await
    }

    async fn acknowledge(
        &self,
        req: Request<pb::AcknowledgeRequest>,
    ) -> Res<pb::AcknowledgeResponse> {
        answers::acknowledge(self, req).await
    }

    async fn respond(&self, req: Request<pb::RespondRequest>) -> Res<pb::RespondResponse> {
        answers::respond(self, req).await
    }

    async fn notify_delay(
        &self,
        req: Request<pb::NotifyDelayRequest>,
    ) -> Res<pb::NotifyDelayResponse> {
        answers::notify_delay(self, req).await
    }

    async fn resolve(&self, req: Request<pb::ResolveRequest>) -> Res<pb::ResolveResponse> {
        lifecycle::resolve(self, req).await
    }

    async fn reopen(&self, req: Request<pb::ReopenRequest>) -> Res<pb::ReopenResponse> {
        lifecycle::reopen(self, req).await
    }

    async fn record_feedback(
        &self,
        req: Request<pb::RecordFeedbackRequest>,
    ) -> Res<pb::RecordFeedbackResponse> {
        answers::record_feedback(self, req).await
    }

    async fn audit_answer(
        &self,
        req: Request<pb::AuditAnswerRequest>,
    ) -> Res<pb::AuditAnswerResponse> {
        answers::audit_answer(self, req).await
    }

    async fn reclassify(&self, req: Request<pb::ReclassifyRequest>) -> Res<pb::ReclassifyResponse> {
        reclassify::reclassify(self, req).await
    }

    async fn list_reclassifications(
        &self,
        req: Request<pb::ListReclassificationsRequest>,
    ) -> Res<pb::ListReclassificationsResponse> {
        reclassify::list_reclassifications(self, req).await
    }

    async fn wait_for_customer(
        &self,
        req: Request<pb::WaitForCustomerRequest>,
    ) -> Res<pb::WaitForCustomerResponse> {
        lifecycle::wait_for_customer(self, req).await
    }

    async fn customer_replied(
        &self,
        req: Request<pb::CustomerRepliedRequest>,
    ) -> Res<pb::CustomerRepliedResponse> {
        lifecycle::customer_replied(self, req).await
    }

    async fn erase_customer(
        &self,
        req: Request<pb::EraseCustomerRequest>,
    ) -> Res<pb::EraseCustomerResponse> {
        privacy::erase_customer(self, req).await
    }

    async fn export_customer_data(
        &self,
        req: Request<pb::ExportCustomerDataRequest>,
    ) -> Res<pb::ExportCustomerDataResponse> {
        privacy::export_customer_data(self, req).await
    }
}

/// Timeline detail: "resolved" or "resolved: booked for Friday".
fn with_note(what: String, note: &str) -> String {
    if note.is_empty() {
        what
    } else {
        format!("{what}: {note}")
    }
}

/// The properties a list or watch covers: those asked for (each must be the caller's), or
/// all the caller's when none are named. `None` means every property.
fn scope_properties(caller: &Caller, asked: &[String]) -> Result<Option<Vec<String>>, Status> {
    if asked.is_empty() {
        return Ok(caller.property_scope().map(<[String]>::to_vec));
    }
    for p in asked {
        caller.require_access(p)?;
    }
    Ok(Some(asked.to_vec()))
}

//! gRPC handlers: authenticate, decode, call the use case, encode. No rules live here.

use crate::commands::{Idempotency, Intake};
use crate::convert::{
    self, category_from_pb, channel_from_pb, complexity_from_pb, inquiry_to_pb, optional_reply,
    satisfaction_from_pb, status_from_pb,
};
use crate::domain::inquiry::{Answer, Audit, Feedback, Inquiry, Refusal};
use crate::domain::new_inquiry::{MAX_KEY_CHARS, MAX_TEXT_CHARS, NewInquiry, RawNewInquiry};
use crate::error::Error;
use crate::store::ListFilter;
use crate::watch;
use frontdesk_platform::auth::{Caller, Role};
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::time::{from_timestamp, now_micros};
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use pb::intake_service_server::IntakeService;
use prost::Message;
use sha2::{Digest, Sha256};
use tonic::{Request, Response, Status};

const MAX_NOTE_CHARS: usize = 2_000;

pub struct IntakeApi {
    intake: Intake,
    shutdown: Shutdown,
}

impl IntakeApi {
    pub fn new(intake: Intake, shutdown: Shutdown) -> Self {
        IntakeApi { intake, shutdown }
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
        transition: fn(&mut Inquiry, &str, i64) -> Result<(), Refusal>,
        detail: impl Fn(&str) -> String,
    ) -> Result<pb::Inquiry, Status> {
        caller.require_role(STAFF)?;
        let mut v = Violations::new();
        let id = required_id("inquiry_id", inquiry_id, &mut v);
        let text = bounded_text(
            note.field,
            note.value,
            MAX_NOTE_CHARS,
            note.required,
            &mut v,
        );
        check(v)?;
        let actor = caller.subject.clone();
        let (inquiry, _) = self
            .intake
            .mutate(&caller, &id, None, change, |i| {
                transition(i, &actor, now_micros())?;
                Ok((detail(&text), String::new()))
            })
            .await?;
        Ok(inquiry_to_pb(&inquiry))
    }
}

/// Fingerprint of a request without its idempotency key: same key + same hash is a retry.
fn request_hash<M: Message + Clone>(msg: &M, clear_key: impl FnOnce(&mut M)) -> String {
    let mut m = msg.clone();
    clear_key(&mut m);
    let digest = Sha256::digest(m.encode_to_vec());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn required_id(field: &str, value: &str, v: &mut Violations) -> String {
    let value = value.trim();
    if value.is_empty() {
        v.add(field, "required");
    } else if value.chars().count() > 64 {
        v.add(field, "at most 64 characters");
    }
    value.to_string()
}

fn bounded_text(
    field: &str,
    value: &str,
    max: usize,
    required: bool,
    v: &mut Violations,
) -> String {
    let value = value.trim();
    if required && value.is_empty() {
        v.add(field, "required");
    } else if value.chars().count() > max {
        v.add(field, format!("at most {max} characters"));
    }
    value.to_string()
}

fn idempotency(scope: String, key: &str, hash: String, v: &mut Violations) -> Idempotency {
    let key = bounded_text("idempotency_key", key, MAX_KEY_CHARS, true, v);
    Idempotency {
        scope,
        key,
        request_hash: hash,
    }
}

fn check(v: Violations) -> Result<(), Status> {
    if v.is_empty() {
        Ok(())
    } else {
        Err(Error::InvalidArgument(v).into())
    }
}

const STAFF: &[Role] = &[
    Role::Agent,
    Role::Supervisor,
    Role::Manager,
    Role::Integration,
    Role::Service,
];
const AUDITORS: &[Role] = &[Role::Supervisor, Role::Manager];

#[tonic::async_trait]
impl IntakeService for IntakeApi {
    async fn create_inquiry(
        &self,
        req: Request<pb::CreateInquiryRequest>,
    ) -> Res<pb::CreateInquiryResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let hash = request_hash(&r, |m| m.idempotency_key.clear());
        let customer = r.customer.clone();
        let preferred = optional_reply(customer.as_ref().map(|c| c.preferred_reply).unwrap_or(0));
        let raw = RawNewInquiry {
            property_id: r.property_id,
            channel: channel_from_pb(r.channel),
            customer_present: customer.is_some(),
            name: customer
                .as_ref()
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            phone: customer
                .as_ref()
                .map(|c| c.phone.clone())
                .unwrap_or_default(),
            email: customer
                .as_ref()
                .map(|c| c.email.clone())
                .unwrap_or_default(),
            social_handle: customer
                .as_ref()
                .map(|c| c.social_handle.clone())
                .unwrap_or_default(),
            preferred_reply: preferred.ok().flatten(),
            preferred_reply_unknown: preferred.is_err(),
            text: r.text,
            reservation_ref: r.reservation_ref,
            idempotency_key: r.idempotency_key,
        };
        let new = NewInquiry::parse(raw).map_err(Error::from)?;
        let (inquiry, created) = self.intake.create(&caller, new, hash).await?;
        Ok(Response::new(pb::CreateInquiryResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
            created,
        }))
    }

    async fn get_inquiry(
        &self,
        req: Request<pb::GetInquiryRequest>,
    ) -> Res<pb::GetInquiryResponse> {
        let caller = Caller::from_request(&req)?;
        let mut v = Violations::new();
        let id = required_id("inquiry_id", &req.get_ref().inquiry_id, &mut v);
        check(v)?;
        let (inquiry, timeline) = self.intake.get(&caller, &id).await?;
        Ok(Response::new(pb::GetInquiryResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
            timeline,
        }))
    }

    async fn list_inquiries(
        &self,
        req: Request<pb::ListInquiriesRequest>,
    ) -> Res<pb::ListInquiriesResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let properties = scope_properties(&caller, &r.property_ids)?;
        let mut filter = ListFilter {
            properties,
            ..Default::default()
        };
        for s in &r.statuses {
            match status_from_pb(*s) {
                Some(s) => filter.statuses.push(s),
                None => v.add("statuses", format!("unknown status {s}")),
            }
        }
        for c in &r.channels {
            match channel_from_pb(*c) {
                Some(c) => filter.channels.push(c),
                None => v.add("channels", format!("unknown channel {c}")),
            }
        }
        for c in &r.categories {
            match category_from_pb(*c) {
                Some(c) => filter.categories.push(c),
                None => v.add("categories", format!("unknown category {c}")),
            }
        }
        filter.assignee = Some(r.assignee.trim().to_string()).filter(|a| !a.is_empty());
        filter.created_after = time_filter("created_after", r.created_after.as_ref(), &mut v);
        filter.created_before = time_filter("created_before", r.created_before.as_ref(), &mut v);
        filter.text =
            Some(bounded_text("text", &r.text, 200, false, &mut v)).filter(|t| !t.is_empty());
        let page_size = page_size(r.page_size, &mut v);
        if !r.page_token.is_empty() {
            match decode_position(&r.page_token) {
                Some(pos) => filter.after = Some(pos),
                None => v.add("page_token", "not a token returned by ListInquiries"),
            }
        }
        check(v)?;
        filter.limit = page_size + 1;
        let rows = self.intake.list(&filter).await?;
        let (inquiries, next_page_token) = paging::page_within(
            rows,
            page_size,
            |i| paging::position_key(i.created_at, &i.inquiry_id),
            inquiry_to_pb,
        );
        Ok(Response::new(pb::ListInquiriesResponse {
            inquiries,
            next_page_token,
        }))
    }

    type WatchInquiriesStream = watch::WatchStream;

    async fn watch_inquiries(
        &self,
        req: Request<pb::WatchInquiriesRequest>,
    ) -> Res<Self::WatchInquiriesStream> {
        let caller = Caller::from_request(&req)?;
        let slot = frontdesk_platform::limits::stream_slot(&req, &caller)?;
        let r = req.into_inner();
        let properties = scope_properties(&caller, &r.property_ids)?;
        let after = frontdesk_platform::watch::start_after(
            self.intake.db(),
            &r.cursor,
            r.from_beginning,
            "WatchInquiries",
        )
        .await?;
        Ok(Response::new(watch::stream(
            self.intake.clone(),
            properties,
            after,
            self.shutdown.clone(),
            slot,
        )))
    }

    async fn acknowledge(
        &self,
        req: Request<pb::AcknowledgeRequest>,
    ) -> Res<pb::AcknowledgeResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(STAFF)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let id = required_id("inquiry_id", &r.inquiry_id, &mut v);
        let message = bounded_text("message", &r.message, MAX_NOTE_CHARS, false, &mut v);
        let method = optional_reply(r.method).unwrap_or_else(|_| {
            v.add("method", "unknown reply method");
            None
        });
        check(v)?;
        let actor = caller.subject.clone();
        let (inquiry, _) = self
            .intake
            .mutate(&caller, &id, None, ChangeType::Acknowledged, |i| {
                let via = method.unwrap_or_else(|| i.default_reply_method());
                i.acknowledge(&actor, now_micros())?;
                Ok((
                    with_note(format!("acknowledged via {via}"), &message),
                    String::new(),
                ))
            })
            .await?;
        Ok(Response::new(pb::AcknowledgeResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
        }))
    }

    async fn respond(&self, req: Request<pb::RespondRequest>) -> Res<pb::RespondResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(STAFF)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let id = required_id("inquiry_id", &r.inquiry_id, &mut v);
        let text = bounded_text("text", &r.text, MAX_TEXT_CHARS, true, &mut v);
        let method = optional_reply(r.method).unwrap_or_else(|_| {
            v.add("method", "unknown reply method");
            None
        });
        let hash = request_hash(&r, |m| m.idempotency_key.clear());
        let idem = idempotency(format!("respond:{id}"), &r.idempotency_key, hash, &mut v);
        check(v)?;
        let actor = caller.subject.clone();
        let (inquiry, response_id) = self
            .intake
            .mutate(&caller, &id, Some(idem), ChangeType::Responded, |i| {
                let method = method.unwrap_or_else(|| i.default_reply_method());
                let response_id = uuid::Uuid::now_v7().to_string();
                i.respond(Answer {
                    response_id: response_id.clone(),
                    text: text.clone(),
                    method,
                    on_the_spot: r.on_the_spot,
                    responded_by: actor.clone(),
                    responded_at: now_micros(),
                    audit: None,
                })?;
                let spot = if r.on_the_spot { " on the spot" } else { "" };
                Ok((format!("answered{spot} via {method}"), response_id))
            })
            .await?;
        Ok(Response::new(pb::RespondResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
            response_id,
        }))
    }

    async fn notify_delay(
        &self,
        req: Request<pb::NotifyDelayRequest>,
    ) -> Res<pb::NotifyDelayResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(STAFF)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let id = required_id("inquiry_id", &r.inquiry_id, &mut v);
        let reason = bounded_text("reason", &r.reason, MAX_NOTE_CHARS, true, &mut v);
        let new_expected_at = match r.new_expected_at.as_ref() {
            None => {
                v.add(
                    "new_expected_at",
                    "required: the new time told to the customer",
                );
                0
            }
            Some(ts) => from_timestamp(ts).unwrap_or_else(|| {
                v.add("new_expected_at", "not a valid timestamp");
                0
            }),
        };
        let hash = request_hash(&r, |m| m.idempotency_key.clear());
        let idem = idempotency(format!("delay:{id}"), &r.idempotency_key, hash, &mut v);
        check(v)?;
        let actor = caller.subject.clone();
        let (inquiry, _) = self
            .intake
            .mutate(&caller, &id, Some(idem), ChangeType::DelayNotified, |i| {
                i.notify_delay(reason.clone(), new_expected_at, &actor, now_micros())?;
                Ok((format!("delay: {reason}"), String::new()))
            })
            .await?;
        Ok(Response::new(pb::NotifyDelayResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
        }))
    }

    async fn resolve(&self, req: Request<pb::ResolveRequest>) -> Res<pb::ResolveResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let note = Note {
            field: "note",
            value: &r.note,
            required: false,
        };
        let inquiry = self
            .noted(
                caller,
                &r.inquiry_id,
                note,
                ChangeType::Resolved,
                Inquiry::resolve,
                |n| with_note("resolved".into(), n),
            )
            .await?;
        Ok(Response::new(pb::ResolveResponse {
            inquiry: Some(inquiry),
        }))
    }

    async fn reopen(&self, req: Request<pb::ReopenRequest>) -> Res<pb::ReopenResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let reason = Note {
            field: "reason",
            value: &r.reason,
            required: true,
        };
        let inquiry = self
            .noted(
                caller,
                &r.inquiry_id,
                reason,
                ChangeType::Reopened,
                Inquiry::reopen,
                |n| format!("reopened: {n}"),
            )
            .await?;
        Ok(Response::new(pb::ReopenResponse {
            inquiry: Some(inquiry),
        }))
    }

    async fn record_feedback(
        &self,
        req: Request<pb::RecordFeedbackRequest>,
    ) -> Res<pb::RecordFeedbackResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let id = required_id("inquiry_id", &r.inquiry_id, &mut v);
        let comment = bounded_text("comment", &r.comment, MAX_NOTE_CHARS, false, &mut v);
        let satisfaction = satisfaction_from_pb(r.satisfaction);
        if satisfaction.is_none() {
            v.add(
                "satisfaction",
                "required: one of the five SATISFACTION_* levels",
            );
        }
        check(v)?;
        let Some(satisfaction) = satisfaction else {
            return Err(Status::internal("unreachable: satisfaction validated"));
        };
        let recorded_by = if r.on_behalf_of_customer {
            caller.subject.clone()
        } else {
            String::new()
        };
        let (inquiry, _) = self
            .intake
            .mutate(&caller, &id, None, ChangeType::FeedbackRecorded, |i| {
                i.record_feedback(Feedback {
                    satisfaction,
                    comment: comment.clone(),
                    recorded_by: recorded_by.clone(),
                    recorded_at: now_micros(),
                })?;
                Ok((format!("feedback: {satisfaction}"), String::new()))
            })
            .await?;
        Ok(Response::new(pb::RecordFeedbackResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
        }))
    }

    async fn audit_answer(
        &self,
        req: Request<pb::AuditAnswerRequest>,
    ) -> Res<pb::AuditAnswerResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(AUDITORS)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let id = required_id("inquiry_id", &r.inquiry_id, &mut v);
        let response_id = required_id("response_id", &r.response_id, &mut v);
        let note = bounded_text("note", &r.note, MAX_NOTE_CHARS, false, &mut v);
        check(v)?;
        let actor = caller.subject.clone();
        let (inquiry, _) = self
            .intake
            .mutate(&caller, &id, None, ChangeType::AnswerAudited, |i| {
                i.audit_answer(
                    &response_id,
                    Audit {
                        accurate: r.accurate,
                        note: note.clone(),
                        audited_by: actor.clone(),
                        audited_at: now_micros(),
                    },
                )?;
                let verdict = if r.accurate { "accurate" } else { "inaccurate" };
                Ok((
                    format!("answer {response_id} audited {verdict}"),
                    String::new(),
                ))
            })
            .await?;
        Ok(Response::new(pb::AuditAnswerResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
        }))
    }

    async fn reclassify(&self, req: Request<pb::ReclassifyRequest>) -> Res<pb::ReclassifyResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(STAFF)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let id = required_id("inquiry_id", &r.inquiry_id, &mut v);
        let reason = bounded_text("reason", &r.reason, MAX_NOTE_CHARS, false, &mut v);
        let category = category_from_pb(r.category);
        if category.is_none() {
            v.add("category", "required: one of the CATEGORY_* values");
        }
        let complexity = match r.complexity {
            0 => None,
            c => complexity_from_pb(c).or_else(|| {
                v.add("complexity", "unknown complexity");
                None
            }),
        };
        check(v)?;
        let Some(category) = category else {
            return Err(Status::internal("unreachable: category validated"));
        };
        let actor = caller.subject.clone();
        let (inquiry, _) = self
            .intake
            .mutate(&caller, &id, None, ChangeType::Reclassified, |i| {
                let from = i.classification.category;
                i.reclassify(category, complexity, &actor, now_micros())?;
                Ok((
                    format!("reclassified {from} → {category}: {reason}"),
                    String::new(),
                ))
            })
            .await?;
        Ok(Response::new(pb::ReclassifyResponse {
            inquiry: Some(inquiry_to_pb(&inquiry)),
        }))
    }

    async fn list_reclassifications(
        &self,
        req: Request<pb::ListReclassificationsRequest>,
    ) -> Res<pb::ListReclassificationsResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(AUDITORS)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let properties = scope_properties(&caller, &r.property_ids)?;
        let page_size = page_size(r.page_size, &mut v);
        let after = match r.page_token.as_str() {
            "" => None,
            t => decode_position(t).or_else(|| {
                v.add(
                    "page_token",
                    "not a token returned by ListReclassifications",
                );
                None
            }),
        };
        check(v)?;
        let rows = self
            .intake
            .list_corrections(properties.as_deref(), after, page_size + 1)
            .await?;
        let (reclassifications, next_page_token) = paging::page_within(
            rows,
            page_size,
            |c| paging::position_key(c.at, &c.inquiry_id),
            |c| pb::Reclassification {
                inquiry_id: c.inquiry_id.clone(),
                property_id: c.property_id.clone(),
                channel: convert::channel_to_pb(c.channel),
                text: c.text.clone(),
                from_category: convert::category_to_pb(c.from),
                to_category: convert::category_to_pb(c.to),
                reason: c.reason.clone(),
                actor: c.actor.clone(),
                at: Some(frontdesk_platform::time::to_timestamp(c.at)),
            },
        );
        Ok(Response::new(pb::ListReclassificationsResponse {
            reclassifications,
            next_page_token,
        }))
    }

    async fn wait_for_customer(
        &self,
        req: Request<pb::WaitForCustomerRequest>,
    ) -> Res<pb::WaitForCustomerResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let reason = Note {
            field: "reason",
            value: &r.reason,
            required: true,
        };
        let change = ChangeType::WaitingOnCustomer;
        let inquiry = self
            .noted(
                caller,
                &r.inquiry_id,
                reason,
                change,
                Inquiry::wait_for_customer,
                |n| format!("waiting on the customer: {n}"),
            )
            .await?;
        Ok(Response::new(pb::WaitForCustomerResponse {
            inquiry: Some(inquiry),
        }))
    }

    async fn customer_replied(
        &self,
        req: Request<pb::CustomerRepliedRequest>,
    ) -> Res<pb::CustomerRepliedResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let note = Note {
            field: "note",
            value: &r.note,
            required: false,
        };
        let change = ChangeType::CustomerReplied;
        let inquiry = self
            .noted(
                caller,
                &r.inquiry_id,
                note,
                change,
                Inquiry::customer_replied,
                |n| with_note("the customer replied".into(), n),
            )
            .await?;
        Ok(Response::new(pb::CustomerRepliedResponse {
            inquiry: Some(inquiry),
        }))
    }

    async fn erase_customer(
        &self,
        req: Request<pb::EraseCustomerRequest>,
    ) -> Res<pb::EraseCustomerResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(&[Role::Manager])?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let reason = bounded_text("reason", &r.reason, MAX_NOTE_CHARS, true, &mut v);
        let (property_id, contact) = customer_contact(&caller, r.customer.as_ref(), &mut v)?;
        check(v)?;
        let erased = crate::privacy::erase(
            &self.intake,
            &caller.subject,
            &property_id,
            &contact,
            &reason,
        )
        .await?;
        Ok(Response::new(pb::EraseCustomerResponse {
            erasure_id: erased.erasure_id,
            inquiries_erased: i32::try_from(erased.inquiries).unwrap_or(i32::MAX),
            erased_at: Some(frontdesk_platform::time::to_timestamp(erased.at)),
        }))
    }

    async fn export_customer_data(
        &self,
        req: Request<pb::ExportCustomerDataRequest>,
    ) -> Res<pb::ExportCustomerDataResponse> {
        let caller = Caller::from_request(&req)?;
        caller.require_role(&[Role::Manager])?;
        let r = req.into_inner();
        let mut v = Violations::new();
        let (property_id, contact) = customer_contact(&caller, r.customer.as_ref(), &mut v)?;
        check(v)?;
        let (json, n) = crate::privacy::export(&self.intake, &property_id, &contact).await?;
        Ok(Response::new(pb::ExportCustomerDataResponse {
            json: json.to_string(),
            inquiries: i32::try_from(n).unwrap_or(i32::MAX),
        }))
    }
}

/// The property (which the caller must be allowed) and the one contact naming a customer.
fn customer_contact(
    caller: &Caller,
    c: Option<&pb::CustomerContact>,
    v: &mut Violations,
) -> Result<(String, crate::privacy::Contact), Status> {
    use crate::privacy::Contact;
    use pb::customer_contact::Contact as C;
    let Some(c) = c else {
        v.add(
            "customer",
            "required: property_id and one of phone, email, social_handle",
        );
        return Ok((String::new(), Contact::Phone(String::new())));
    };
    let property_id = required_id("customer.property_id", &c.property_id, v);
    if !property_id.is_empty() {
        caller.require_access(&property_id)?;
    }
    let contact = match &c.contact {
        Some(C::Phone(p)) if !p.trim().is_empty() => Contact::Phone(p.trim().to_string()),
        Some(C::Email(e)) if !e.trim().is_empty() => Contact::Email(e.trim().to_string()),
        Some(C::SocialHandle(h)) if !h.trim().is_empty() => Contact::Social(h.trim().to_string()),
        Some(C::Phone(_)) => {
            v.add("customer.phone", "empty");
            Contact::Phone(String::new())
        }
        Some(C::Email(_)) => {
            v.add("customer.email", "empty");
            Contact::Phone(String::new())
        }
        Some(C::SocialHandle(_)) => {
            v.add("customer.social_handle", "empty");
            Contact::Phone(String::new())
        }
        None => {
            v.add(
                "customer.contact",
                "required: one of phone, email, social_handle",
            );
            Contact::Phone(String::new())
        }
    };
    Ok((property_id, contact))
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

fn time_filter(
    field: &str,
    ts: Option<&prost_types::Timestamp>,
    v: &mut Violations,
) -> Option<i64> {
    let ts = ts?;
    let t = from_timestamp(ts);
    if t.is_none() {
        v.add(field, "not a valid timestamp");
    }
    t
}

/// The (time, id) position inside a page token from this service.
fn decode_position(token: &str) -> Option<(i64, String)> {
    paging::decode_token(token)
        .as_deref()
        .and_then(paging::parse_position)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_tokens_round_trip_and_garbage_is_rejected() {
        let t = paging::encode_token(&paging::position_key(1_700_000_000_000_000, "0190-abc"));
        assert_eq!(
            decode_position(&t),
            Some((1_700_000_000_000_000, "0190-abc".into()))
        );
        // A token handed out earlier still reads the same (base64url of "1700000000000000/0190-abc").
        assert_eq!(t, "MTcwMDAwMDAwMDAwMDAwMC8wMTkwLWFiYw");
        assert_eq!(
            decode_position("MTcwMDAwMDAwMDAwMDAwMC8wMTkwLWFiYw"),
            Some((1_700_000_000_000_000, "0190-abc".into()))
        );
        assert_eq!(decode_position("%%%"), None);
        assert_eq!(decode_position(&paging::encode_token("no-slash")), None);
    }
}

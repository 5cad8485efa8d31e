//! CI-3.4 … CI-3.7, CI-5.3: acknowledging, answering, telling the customer of a delay,
//! recording their satisfaction and auditing an answer.

use super::*;
use crate::convert::{inquiry_to_pb, optional_reply, satisfaction_from_pb};
use crate::domain::inquiry::{Answer, Audit, Feedback, ResponseKind};
use crate::domain::new_inquiry::MAX_TEXT_CHARS;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use tonic::{Request, Response, Status};

pub(super) async fn acknowledge(
    api: &IntakeApi,
    req: Request<pb::AcknowledgeRequest>,
) -> Res<pb::AcknowledgeResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let id = validate::id("inquiry_id", &r.inquiry_id, &mut v);
    let message = validate::text("message", &r.message, MAX_NOTE_CHARS, false, &mut v);
    let method = optional_reply(r.method).unwrap_or_else(|_| {
        v.add("method", "unknown reply method");
        None
    });
    validate::check(v)?;
    let (inquiry, _) = api
        .intake
        .mutate(&caller, &id, None, ChangeType::Acknowledged, |i| {
            let via = method.unwrap_or_else(|| i.default_reply_method());
            i.acknowledge(Answer {
                kind: ResponseKind::Acknowledgement,
                response_id: uuid::Uuid::now_v7().to_string(),
                text: message.clone(),
                method: via,
                on_the_spot: false,
                responded_by: caller.subject.clone(),
                responded_at: now_micros(),
                audit: None,
                template: None,
            })?;
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

pub(super) async fn respond(
    api: &IntakeApi,
    req: Request<pb::RespondRequest>,
) -> Res<pb::RespondResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let id = validate::id("inquiry_id", &r.inquiry_id, &mut v);
    let source = reply_source("text", &r.text, MAX_TEXT_CHARS, &r.template_id, &mut v);
    let method = optional_reply(r.method).unwrap_or_else(|_| {
        v.add("method", "unknown reply method");
        None
    });
    let hash = fingerprint(&r, |m| m.idempotency_key.clear());
    let idem = idempotency(format!("respond:{id}"), &r.idempotency_key, hash, &mut v);
    validate::check(v)?;
    let (text, template) = api
        .reply_text(&caller, &id, source, &r.template_variables)
        .await?;
    let actor = caller.subject.clone();
    let (inquiry, response_id) = api
        .intake
        .mutate(&caller, &id, Some(idem), ChangeType::Responded, |i| {
            let method = method.unwrap_or_else(|| i.default_reply_method());
            let response_id = uuid::Uuid::now_v7().to_string();
            i.respond(Answer {
                kind: ResponseKind::Answer,
                response_id: response_id.clone(),
                text: text.clone(),
                method,
                on_the_spot: r.on_the_spot,
                responded_by: actor.clone(),
                responded_at: now_micros(),
                audit: None,
                template: template.clone(),
            })?;
            let spot = if r.on_the_spot { " on the spot" } else { "" };
            Ok((
                format!("answered{spot} via {method}{}", from_template(&template)),
                response_id,
            ))
        })
        .await?;
    Ok(Response::new(pb::RespondResponse {
        inquiry: Some(inquiry_to_pb(&inquiry)),
        response_id,
    }))
}

pub(super) async fn notify_delay(
    api: &IntakeApi,
    req: Request<pb::NotifyDelayRequest>,
) -> Res<pb::NotifyDelayResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let id = validate::id("inquiry_id", &r.inquiry_id, &mut v);
    let source = reply_source("reason", &r.reason, MAX_NOTE_CHARS, &r.template_id, &mut v);
    if r.new_expected_at.is_none() {
        v.add(
            "new_expected_at",
            "required: the new time told to the customer",
        );
    }
    let new_expected_at =
        validate::timestamp("new_expected_at", r.new_expected_at.as_ref(), &mut v).unwrap_or(0);
    let hash = fingerprint(&r, |m| m.idempotency_key.clear());
    let idem = idempotency(format!("delay:{id}"), &r.idempotency_key, hash, &mut v);
    validate::check(v)?;
    let (reason, template) = api
        .reply_text(&caller, &id, source, &r.template_variables)
        .await?;
    let actor = caller.subject.clone();
    let (inquiry, _) = api
        .intake
        .mutate(&caller, &id, Some(idem), ChangeType::DelayNotified, |i| {
            i.notify_delay(
                reason.clone(),
                template.clone(),
                new_expected_at,
                &actor,
                now_micros(),
            )?;
            Ok((
                format!("delay: {reason}{}", from_template(&template)),
                String::new(),
            ))
        })
        .await?;
    Ok(Response::new(pb::NotifyDelayResponse {
        inquiry: Some(inquiry_to_pb(&inquiry)),
    }))
}

pub(super) async fn record_feedback(
    api: &IntakeApi,
    req: Request<pb::RecordFeedbackRequest>,
) -> Res<pb::RecordFeedbackResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let id = validate::id("inquiry_id", &r.inquiry_id, &mut v);
    let comment = validate::text("comment", &r.comment, MAX_NOTE_CHARS, false, &mut v);
    let satisfaction = satisfaction_from_pb(r.satisfaction);
    if satisfaction.is_none() {
        v.add(
            "satisfaction",
            "required: one of the five SATISFACTION_* levels",
        );
    }
    validate::check(v)?;
    let Some(satisfaction) = satisfaction else {
        return Err(Status::internal("unreachable: satisfaction validated"));
    };
    let recorded_by = if r.on_behalf_of_customer {
        caller.subject.clone()
    } else {
        String::new()
    };
    let (inquiry, _) = api
        .intake
        .mutate(&caller, &id, None, ChangeType::FeedbackRecorded, |i| {
            i.record_feedback(Feedback {
                satisfaction,
                comment: comment.clone(),
                recorded_by: recorded_by.clone(),
                recorded_at: now_micros(),
                response_id: String::new(),
            })?;
            Ok((format!("feedback: {satisfaction}"), String::new()))
        })
        .await?;
    Ok(Response::new(pb::RecordFeedbackResponse {
        inquiry: Some(inquiry_to_pb(&inquiry)),
    }))
}

pub(super) async fn audit_answer(
    api: &IntakeApi,
    req: Request<pb::AuditAnswerRequest>,
) -> Res<pb::AuditAnswerResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let id = validate::id("inquiry_id", &r.inquiry_id, &mut v);
    let response_id = validate::id("response_id", &r.response_id, &mut v);
    let note = validate::text("note", &r.note, MAX_NOTE_CHARS, false, &mut v);
    validate::check(v)?;
    let actor = caller.subject.clone();
    let (inquiry, _) = api
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

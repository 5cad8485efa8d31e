//! Resolving, reopening, and waiting for / hearing back from the customer: staff
//! transitions that carry one note.

use super::*;
use crate::domain::inquiry::Inquiry;
use frontdesk_platform::auth::Caller;
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use tonic::{Request, Response};

pub(super) async fn resolve(
    api: &IntakeApi,
    req: Request<pb::ResolveRequest>,
) -> Res<pb::ResolveResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let note = Note {
        field: "note",
        value: &r.note,
        required: false,
    };
    let inquiry = api
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

pub(super) async fn reopen(
    api: &IntakeApi,
    req: Request<pb::ReopenRequest>,
) -> Res<pb::ReopenResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let reason = Note {
        field: "reason",
        value: &r.reason,
        required: true,
    };
    let inquiry = api
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

pub(super) async fn wait_for_customer(
    api: &IntakeApi,
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
    let inquiry = api
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

pub(super) async fn customer_replied(
    api: &IntakeApi,
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
    let inquiry = api
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

//! Personal data (PIPL / GDPR): erasing and exporting what intake holds about a customer.

use super::*;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_proto::intake::v1 as pb;
use tonic::{Request, Response, Status};

pub(super) async fn erase_customer(
    api: &IntakeApi,
    req: Request<pb::EraseCustomerRequest>,
) -> Res<pb::EraseCustomerResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let reason = validate::text("reason", &r.reason, MAX_NOTE_CHARS, true, &mut v);
    let (property_id, contact) = customer_contact(&caller, r.customer.as_ref(), &mut v)?;
    validate::check(v)?;
    let erased = crate::privacy::erase(
        &api.intake,
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

pub(super) async fn export_customer_data(
    api: &IntakeApi,
    req: Request<pb::ExportCustomerDataRequest>,
) -> Res<pb::ExportCustomerDataResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let (property_id, contact) = customer_contact(&caller, r.customer.as_ref(), &mut v)?;
    validate::check(v)?;
    let (json, n) = crate::privacy::export(&api.intake, &property_id, &contact).await?;
    Ok(Response::new(pb::ExportCustomerDataResponse {
        json: json.to_string(),
        inquiries: i32::try_from(n).unwrap_or(i32::MAX),
    }))
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
    let property_id = validate::id("customer.property_id", &c.property_id, v);
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

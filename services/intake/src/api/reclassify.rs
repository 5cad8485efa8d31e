//! CI-3.2 corrections: a person reclassifies an inquiry; the corrections are listed to
//! improve the rules.

use super::*;
use crate::convert::{self, category_from_pb, complexity_from_pb, inquiry_to_pb};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_platform::time::now_micros;
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use tonic::{Request, Response, Status};

pub(super) async fn reclassify(
    api: &IntakeApi,
    req: Request<pb::ReclassifyRequest>,
) -> Res<pb::ReclassifyResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let id = validate::id("inquiry_id", &r.inquiry_id, &mut v);
    let reason = validate::text("reason", &r.reason, MAX_NOTE_CHARS, false, &mut v);
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
    validate::check(v)?;
    let Some(category) = category else {
        return Err(Status::internal("unreachable: category validated"));
    };
    let (inquiry, _) = api
        .intake
        .mutate(&caller, &id, None, ChangeType::Reclassified, |i| {
            let from = i.classification.category;
            i.reclassify(category, complexity, now_micros())?;
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

pub(super) async fn list_reclassifications(
    api: &IntakeApi,
    req: Request<pb::ListReclassificationsRequest>,
) -> Res<pb::ListReclassificationsResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    let properties = scope_properties(&caller, &r.property_ids)?;
    let page_size = page_size(r.page_size, &mut v);
    let after = paging::read_position(&r.page_token, &mut v);
    validate::check(v)?;
    let rows = api
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

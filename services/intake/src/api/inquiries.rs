//! CI-3.1: recording an inquiry, reading one, listing and watching them.

use super::*;
use crate::convert::{
    category_from_pb, channel_from_pb, inquiry_to_pb, optional_reply, status_from_pb,
};
use crate::domain::new_inquiry::{NewInquiry, RawNewInquiry};
use crate::domain::search::{self, Term};
use crate::error::Error;
use crate::store::ListFilter;
use crate::watch;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::contact;
use frontdesk_platform::error::Violations;
use frontdesk_platform::paging::{self, page_size};
use frontdesk_proto::intake::v1 as pb;
use tonic::{Request, Response};

pub(super) async fn create_inquiry(
    api: &IntakeApi,
    req: Request<pb::CreateInquiryRequest>,
) -> Res<pb::CreateInquiryResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    // How long the caller waits is not part of what is recorded: a retry may wait longer.
    let hash = fingerprint(&r, |m| {
        m.idempotency_key.clear();
        m.wait_for_routing = None;
    });
    let wait = routing_wait(r.wait_for_routing.as_ref())?;
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
    let (mut inquiry, created) = api.intake.create(&caller, new, hash).await?;
    let mut routing_pending = false;
    if let Some(wait) = wait {
        // Routing's decision comes back as a projection into intake (an event away):
        // read the inquiry again until it is there or the wait is over.
        let deadline = tokio::time::Instant::now() + wait;
        while inquiry.routing.is_none() {
            if tokio::time::Instant::now() >= deadline {
                routing_pending = true;
                break;
            }
            tokio::time::sleep(ROUTING_POLL).await;
            inquiry = api.intake.inquiry(&caller, &inquiry.inquiry_id).await?;
        }
    }
    Ok(Response::new(pb::CreateInquiryResponse {
        inquiry: Some(inquiry_to_pb(&inquiry)),
        created,
        routing_pending,
    }))
}

/// Longest a create may wait for routing's decision.
const MAX_ROUTING_WAIT: std::time::Duration = std::time::Duration::from_secs(2);
/// How often a waiting create looks for the decision.
const ROUTING_POLL: std::time::Duration = std::time::Duration::from_millis(20);

/// `wait_for_routing` as a duration: none, or 1 ms to 2 s.
fn routing_wait(d: Option<&prost_types::Duration>) -> Result<Option<std::time::Duration>, Status> {
    let Some(d) = d else { return Ok(None) };
    let wait = std::time::Duration::try_from(*d)
        .ok()
        .filter(|w| *w <= MAX_ROUTING_WAIT);
    match wait {
        Some(w) if w.is_zero() => Ok(None),
        Some(w) => Ok(Some(w)),
        None => Err(Error::invalid("wait_for_routing", "0 to 2 seconds").into()),
    }
}

pub(super) async fn get_inquiry(
    api: &IntakeApi,
    req: Request<pb::GetInquiryRequest>,
) -> Res<pb::GetInquiryResponse> {
    let caller = Caller::from_request(&req)?;
    let mut v = Violations::new();
    let id = validate::id("inquiry_id", &req.get_ref().inquiry_id, &mut v);
    validate::check(v)?;
    let (inquiry, timeline, links) = api.intake.get(&caller, &id).await?;
    Ok(Response::new(pb::GetInquiryResponse {
        inquiry: Some(inquiry_to_pb(&inquiry)),
        timeline,
        links,
    }))
}

/// Whether `view` asks for the FULL view (BASIC, the default, otherwise).
fn full_view(view: i32, v: &mut Violations) -> bool {
    match pb::InquiryView::try_from(view) {
        Ok(pb::InquiryView::Unspecified | pb::InquiryView::Basic) => false,
        Ok(pb::InquiryView::Full) => true,
        Err(_) => {
            v.add(
                "view",
                "unknown view: INQUIRY_VIEW_BASIC or INQUIRY_VIEW_FULL",
            );
            false
        }
    }
}

/// Most ids one BatchGetInquiries may ask for: 100 BASIC inquiries of the longest text
/// (8,000 characters) stay under the 4 MiB a gRPC client accepts by default.
const MAX_BATCH_GET: usize = 100;
/// A FULL batch (answers, delay notices) may still outgrow what a client accepts; it is
/// refused whole rather than cut.
const MAX_BATCH_BYTES: usize = 4 * 1024 * 1024 - 64 * 1024;

pub(super) async fn batch_get_inquiries(
    api: &IntakeApi,
    req: Request<pb::BatchGetInquiriesRequest>,
) -> Res<pb::BatchGetInquiriesResponse> {
    let caller = Caller::from_request(&req)?;
    let r = req.into_inner();
    let mut v = Violations::new();
    if r.inquiry_ids.is_empty() {
        v.add("inquiry_ids", "required: 1 to 100 ids");
    } else if r.inquiry_ids.len() > MAX_BATCH_GET {
        v.add(
            "inquiry_ids",
            format!(
                "{} ids asked, at most {MAX_BATCH_GET} in one call",
                r.inquiry_ids.len()
            ),
        );
    }
    let ids: Vec<String> = r
        .inquiry_ids
        .iter()
        .enumerate()
        .map(|(n, id)| validate::id(&format!("inquiry_ids[{n}]"), id, &mut v))
        .collect();
    let full = full_view(r.view, &mut v);
    validate::check(v)?;
    let inquiries = api.intake.batch(&caller, &ids, full).await?;
    let response = pb::BatchGetInquiriesResponse {
        inquiries: inquiries.iter().map(inquiry_to_pb).collect(),
    };
    let bytes = prost::Message::encoded_len(&response);
    if bytes > MAX_BATCH_BYTES {
        return Err(Status::resource_exhausted(format!(
            "the {} inquiries asked come to {bytes} bytes, more than one response may carry \
             ({MAX_BATCH_BYTES}): ask for fewer ids at a time",
            ids.len()
        )));
    }
    Ok(Response::new(response))
}

pub(super) async fn list_inquiries(
    api: &IntakeApi,
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
    filter.created_after = validate::timestamp("created_after", r.created_after.as_ref(), &mut v);
    filter.created_before =
        validate::timestamp("created_before", r.created_before.as_ref(), &mut v);
    let text = validate::text("text", &r.text, 200, false, &mut v);
    if !text.is_empty() {
        filter.text = Term::parse(&text);
        if filter.text.is_none() {
            v.add("text", search::TOO_SHORT);
        }
    }
    let phone = validate::text("customer_phone", &r.customer_phone, 40, false, &mut v);
    if !phone.is_empty() {
        if contact::valid_phone(&phone) {
            filter.phone_key = Some(contact::phone_key(&phone));
        } else {
            v.add(
                "customer_phone",
                "not a phone number: 5 to 20 digits, optionally with +, spaces, dashes or brackets",
            );
        }
    }
    let email = validate::text("customer_email", &r.customer_email, 254, false, &mut v);
    if !email.is_empty() {
        if contact::valid_email(&email) {
            filter.email = Some(email);
        } else {
            v.add("customer_email", "not an e-mail address");
        }
    }
    let reservation = validate::text("reservation_ref", &r.reservation_ref, 100, false, &mut v);
    filter.reservation_ref = Some(reservation).filter(|r| !r.is_empty());
    let page_size = page_size(r.page_size, &mut v);
    filter.after = paging::read_position(&r.page_token, &mut v);
    let full = full_view(r.view, &mut v);
    validate::check(v)?;
    filter.limit = page_size + 1;
    let mut rows = api.intake.list(&filter).await?;
    if full {
        rows = api.intake.with_details(rows).await?;
    }
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

pub(super) async fn watch_inquiries(
    api: &IntakeApi,
    req: Request<pb::WatchInquiriesRequest>,
) -> Res<crate::watch::WatchStream> {
    let caller = Caller::from_request(&req)?;
    let slot = frontdesk_platform::limits::stream_slot(&req, &caller)?;
    let r = req.into_inner();
    let properties = scope_properties(&caller, &r.property_ids)?;
    let after = frontdesk_platform::watch::start_after(
        api.intake.db(),
        &r.cursor,
        r.from_beginning,
        "WatchInquiries",
    )
    .await?;
    Ok(Response::new(watch::stream(
        api.intake.clone(),
        properties,
        after,
        api.shutdown.clone(),
        slot,
        r.send_caught_up,
    )))
}

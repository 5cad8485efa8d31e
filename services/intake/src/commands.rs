//! Intake's use cases: each runs in one transaction that loads, applies a domain
//! transition, saves, and appends the event to the outbox — all or nothing.

use crate::convert::inquiry_to_pb;
use crate::domain::classify::Classifier;
use crate::domain::inquiry::{ClassificationState, Inquiry};
use crate::domain::model::Status;
use crate::domain::new_inquiry::NewInquiry;
use crate::error::Error;
use crate::store::{self, ListFilter};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::db::{Db, is_unique_violation};
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_platform::time::now_micros;
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use prost::Message;
use std::sync::Arc;

pub const EVENT_TYPE: &str = "frontdesk.intake.v1.InquiryChanged";
const MAX_ATTEMPTS: usize = 3;

/// An idempotency key for a retry-able call, scoped by the caller's intent.
pub struct Idempotency {
    pub scope: String,
    pub key: String,
    pub request_hash: String,
}

#[derive(Clone)]
pub struct Intake {
    db: Db,
    classifier: Arc<Classifier>,
    fanout: Fanout,
}

impl Intake {
    pub fn new(db: Db, classifier: Arc<Classifier>, fanout: Fanout) -> Self {
        Intake {
            db,
            classifier,
            fanout,
        }
    }

    pub fn db(&self) -> &Db {
        &self.db
    }

    pub fn fanout(&self) -> &Fanout {
        &self.fanout
    }

    /// CI-3.1/3.2: record and classify. Returns the inquiry and whether this call created it
    /// (false for a retry with the same idempotency key).
    pub async fn create(
        &self,
        caller: &Caller,
        new: NewInquiry,
        request_hash: String,
    ) -> Result<(Inquiry, bool), Error> {
        if !caller.can_access(&new.property_id) {
            return Err(Error::PermissionDenied(format!(
                "caller may not record inquiries for property {}",
                new.property_id
            )));
        }
        let c = self
            .classifier
            .classify(&new.property_id, new.channel, &new.text);
        let scope = format!("create:{}", new.property_id);
        for _ in 0..MAX_ATTEMPTS {
            let mut tx = self.db.pool().begin().await?;
            if !store::property_exists(&mut tx, &new.property_id).await? {
                return Err(Error::invalid(
                    "property_id",
                    format!("unknown property {:?}", new.property_id),
                ));
            }
            if let Some(prev) =
                store::find_idempotent(&mut tx, &scope, &new.idempotency_key).await?
            {
                return self
                    .replay(&mut tx, &prev, &request_hash)
                    .await
                    .map(|(i, _)| (i, false));
            }
            let now = now_micros();
            let inquiry = Inquiry {
                inquiry_id: uuid::Uuid::now_v7().to_string(),
                property_id: new.property_id.clone(),
                channel: new.channel,
                customer: new.customer.clone(),
                text: new.text.clone(),
                reservation_ref: new.reservation_ref.clone(),
                status: Status::New,
                classification: ClassificationState {
                    category: c.category,
                    language: c.language,
                    complexity: c.complexity,
                    confidence: c.confidence,
                    matched_terms: c.matched_terms.clone(),
                    complaint_process: c.complaint_process,
                    reclassified: false,
                },
                assignee: String::new(),
                created_by: caller.subject.clone(),
                created_at: now,
                acknowledged_at: None,
                first_response_at: None,
                resolved_at: None,
                expected_at: None,
                responses: Vec::new(),
                delays: Vec::new(),
                feedback: None,
                version: 1,
                updated_at: now,
                routing: None,
            };
            match store::save_idempotent(
                &mut tx,
                &scope,
                &new.idempotency_key,
                &request_hash,
                &inquiry.inquiry_id,
                &inquiry.inquiry_id,
            )
            .await
            {
                Ok(()) => {}
                // A concurrent retry stored the key first: the next attempt replays it.
                Err(e) if is_unique_violation(&e) => continue,
                Err(e) => return Err(e.into()),
            }
            store::insert(&mut tx, &inquiry).await?;
            let detail = format!(
                "recorded via {} as {} ({})",
                inquiry.channel, c.category, c.complexity
            );
            let seq = append_event(
                &mut tx,
                &caller.subject,
                &inquiry,
                ChangeType::Created,
                detail,
            )
            .await?;
            tx.commit().await?;
            self.fanout.publish(seq).await;
            metrics::counter!(frontdesk_platform::metrics::INQUIRIES_CREATED,
                "channel" => inquiry.channel.code(), "category" => c.category.code())
            .increment(1);
            tracing::info!(inquiry_id = %inquiry.inquiry_id, property_id = %inquiry.property_id,
                channel = %inquiry.channel, category = %c.category, "inquiry recorded");
            return Ok((inquiry, true));
        }
        Err(Error::Aborted(
            "too many concurrent retries of this idempotency key; retry".into(),
        ))
    }

    async fn replay(
        &self,
        tx: &mut store::Tx,
        prev: &store::IdempotentResult,
        request_hash: &str,
    ) -> Result<(Inquiry, String), Error> {
        if prev.request_hash != request_hash {
            return Err(Error::AlreadyExists(
                "idempotency_key was already used for a different request; use a new key".into(),
            ));
        }
        let inquiry = store::load(tx, &prev.inquiry_id).await?.ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "idempotency key points at missing inquiry {}",
                prev.inquiry_id
            ))
        })?;
        Ok((inquiry, prev.result_id.clone()))
    }

    /// Loads an inquiry the caller may see; another property's inquiry is NOT_FOUND, so its
    /// existence is not disclosed.
    pub async fn get(
        &self,
        caller: &Caller,
        inquiry_id: &str,
    ) -> Result<(Inquiry, Vec<pb::TimelineEntry>), Error> {
        // Timeline first: the inquiry read after it is at least as new as every entry, so
        // a reader never sees an entry whose effect is missing from the inquiry.
        let events = outbox::read_aggregate(&self.db, inquiry_id).await?;
        let mut conn = self.db.pool().acquire().await?;
        let inquiry = store::load(&mut conn, inquiry_id)
            .await?
            .filter(|i| caller.can_access(&i.property_id))
            .ok_or_else(|| not_found(inquiry_id))?;
        drop(conn);
        let timeline = events
            .into_iter()
            .filter_map(|e| {
                let change = pb::InquiryChanged::decode(e.payload.as_slice()).ok()?;
                Some(pb::TimelineEntry {
                    sequence: e.sequence,
                    change: change.change,
                    actor: e.actor,
                    at: Some(frontdesk_platform::time::to_timestamp(e.occurred_at)),
                    detail: change.detail,
                })
            })
            .collect();
        Ok((inquiry, timeline))
    }

    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<Inquiry>, Error> {
        Ok(store::list(&self.db, filter).await?)
    }

    pub async fn list_corrections(
        &self,
        properties: Option<&[String]>,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<store::Correction>, Error> {
        Ok(store::list_corrections(&self.db, properties, after, limit).await?)
    }

    /// Applies `change` to one inquiry. `apply` returns the timeline detail and the id of what
    /// it created (a response id, or empty). Retries when another writer got there first.
    pub async fn mutate<F>(
        &self,
        caller: &Caller,
        inquiry_id: &str,
        idempotency: Option<Idempotency>,
        change: ChangeType,
        apply: F,
    ) -> Result<(Inquiry, String), Error>
    where
        F: Fn(&mut Inquiry) -> Result<(String, String), Error>,
    {
        for _ in 0..MAX_ATTEMPTS {
            let mut tx = self.db.pool().begin().await?;
            let mut inquiry = store::load(&mut tx, inquiry_id)
                .await?
                .filter(|i| caller.can_access(&i.property_id))
                .ok_or_else(|| not_found(inquiry_id))?;
            if let Some(idem) = &idempotency
                && let Some(prev) = store::find_idempotent(&mut tx, &idem.scope, &idem.key).await?
            {
                return self.replay(&mut tx, &prev, &idem.request_hash).await;
            }
            let loaded_version = inquiry.version;
            let previous = inquiry.clone();
            let (detail, result_id) = apply(&mut inquiry)?;
            if !store::update(&mut tx, &inquiry, loaded_version).await? {
                continue;
            }
            if change == ChangeType::Reclassified {
                store::record_reclassification(
                    &mut tx,
                    &inquiry,
                    previous.classification.category,
                    &detail,
                    &caller.subject,
                )
                .await?;
            }
            if let Some(idem) = &idempotency {
                match store::save_idempotent(
                    &mut tx,
                    &idem.scope,
                    &idem.key,
                    &idem.request_hash,
                    inquiry_id,
                    &result_id,
                )
                .await
                {
                    Ok(()) => {}
                    Err(e) if is_unique_violation(&e) => continue,
                    Err(e) => return Err(e.into()),
                }
            }
            let seq = append_event(&mut tx, &caller.subject, &inquiry, change, detail).await?;
            tx.commit().await?;
            self.fanout.publish(seq).await;
            tracing::info!(inquiry_id = %inquiry.inquiry_id, property_id = %inquiry.property_id,
                change = ?change, status = %inquiry.status, "inquiry changed");
            return Ok((inquiry, result_id));
        }
        Err(Error::Aborted(
            "the inquiry changed concurrently too often; retry".into(),
        ))
    }
}

fn not_found(inquiry_id: &str) -> Error {
    Error::NotFound(format!("inquiry {inquiry_id} not found"))
}

pub(crate) async fn append_event(
    tx: &mut store::Tx,
    actor: &str,
    inquiry: &Inquiry,
    change: ChangeType,
    detail: String,
) -> Result<i64, Error> {
    let payload = pb::InquiryChanged {
        change: change as i32,
        inquiry: Some(inquiry_to_pb(inquiry)),
        detail,
    }
    .encode_to_vec();
    let stored = outbox::append(
        tx,
        NewEvent {
            event_type: EVENT_TYPE.to_string(),
            property_id: inquiry.property_id.clone(),
            aggregate_id: inquiry.inquiry_id.clone(),
            actor: actor.to_string(),
            payload,
        },
    )
    .await?;
    Ok(stored.sequence)
}

//! Intake's use cases: each runs in one transaction that loads, applies a domain
//! transition, saves, and appends the event to the outbox — all or nothing.

use crate::convert::facts_to_pb;
use crate::domain::classify::Classification;
use crate::domain::classify::Classifier;
use crate::domain::inquiry::{ClassificationState, Inquiry};
use crate::domain::model::Status;
use crate::domain::new_inquiry::NewInquiry;
use crate::error::Error;
use crate::store::{self, ListFilter, timeline};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::db::{Db, is_unique_violation};
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_platform::time::now_micros;
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use prost::Message;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

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
    /// Creates are written in groups (group commit): one transaction, one outbox-counter
    /// update and one fsync for every create waiting at that moment.
    batcher: Option<mpsc::Sender<CreateJob>>,
    /// Properties seen to exist: they are registered at start and never removed, so a hit
    /// saves a query per create.
    known_properties: Arc<std::sync::RwLock<std::collections::HashSet<String>>>,
}

/// A validated, classified create waiting for the batch writer.
struct CreateInput {
    actor: String,
    /// The caller's trace: the batch writer runs in its own task.
    traceparent: String,
    new: NewInquiry,
    classification: Classification,
    request_hash: String,
}

struct CreateJob {
    input: CreateInput,
    reply: oneshot::Sender<Result<(Inquiry, bool), Error>>,
}

/// Most creates written in one transaction.
const MAX_BATCH: usize = 64;
/// Batch writers per replica.
const WRITERS: usize = 2;

impl Intake {
    /// Must be called inside a Tokio runtime: it starts the batch writer.
    pub fn new(db: Db, classifier: Arc<Classifier>, fanout: Fanout) -> Self {
        let writer = Intake {
            db,
            classifier,
            fanout,
            batcher: None,
            known_properties: Arc::default(),
        };
        let (tx, rx) = mpsc::channel(1_024);
        // Two writers: while one batch holds the outbox counter through its commit, the next
        // is already writing its rows.
        let rx = Arc::new(tokio::sync::Mutex::new(rx));
        for _ in 0..WRITERS {
            tokio::spawn(writer.clone().run_batcher(rx.clone()));
        }
        Intake {
            batcher: Some(tx),
            ..writer
        }
    }

    async fn property_exists(
        &self,
        conn: &mut sqlx::AnyConnection,
        property_id: &str,
    ) -> Result<bool, Error> {
        let known = self
            .known_properties
            .read()
            .map(|k| k.contains(property_id))
            .unwrap_or(false);
        if known {
            return Ok(true);
        }
        let exists = store::property_exists(conn, property_id).await?;
        if exists && let Ok(mut k) = self.known_properties.write() {
            k.insert(property_id.to_string());
        }
        Ok(exists)
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
        let classification = self
            .classifier
            .classify(&new.property_id, new.channel, &new.text);
        let input = CreateInput {
            actor: caller.subject.clone(),
            traceparent: frontdesk_platform::grpc::current_traceparent(),
            new,
            classification,
            request_hash,
        };
        let Some(batcher) = &self.batcher else {
            return self.create_one(&input).await;
        };
        let (reply, answer) = oneshot::channel();
        if let Err(mpsc::error::SendError(job)) = batcher.send(CreateJob { input, reply }).await {
            return self.create_one(&job.input).await;
        }
        answer
            .await
            .unwrap_or_else(|_| Err(Error::Aborted("the writer stopped; retry".into())))
    }

    async fn run_batcher(self, rx: Arc<tokio::sync::Mutex<mpsc::Receiver<CreateJob>>>) {
        loop {
            // Take what is waiting, then let the other writer collect while this one writes.
            let batch = {
                let mut rx = rx.lock().await;
                let Some(first) = rx.recv().await else { return };
                let mut batch = vec![first];
                while batch.len() < MAX_BATCH {
                    match rx.try_recv() {
                        Ok(job) => batch.push(job),
                        Err(_) => break,
                    }
                }
                batch
            };
            self.write_batch(batch).await;
        }
    }

    /// Writes a batch in one transaction. Two creates with the same idempotency key, and any
    /// batch whose transaction fails (e.g. a key stored concurrently by another replica),
    /// fall back to one transaction per create, which settles them one by one.
    async fn write_batch(&self, batch: Vec<CreateJob>) {
        let mut seen = std::collections::HashSet::new();
        let (jobs, repeats): (Vec<CreateJob>, Vec<CreateJob>) = batch.into_iter().partition(|j| {
            seen.insert((
                j.input.new.property_id.clone(),
                j.input.new.idempotency_key.clone(),
            ))
        });
        let inputs: Vec<&CreateInput> = jobs.iter().map(|j| &j.input).collect();
        match self.try_batch(&inputs).await {
            Ok(results) => {
                for (job, result) in jobs.into_iter().zip(results) {
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                tracing::debug!(error.message = %e, "batched create fell back to single writes");
                for job in jobs {
                    let result = self.create_one(&job.input).await;
                    let _ = job.reply.send(result);
                }
            }
        }
        for job in repeats {
            let result = self.create_one(&job.input).await;
            let _ = job.reply.send(result);
        }
    }

    async fn try_batch(
        &self,
        inputs: &[&CreateInput],
    ) -> Result<Vec<Result<(Inquiry, bool), Error>>, Error> {
        let mut tx = self.db.pool().begin().await?;
        let mut results = Vec::with_capacity(inputs.len());
        let mut fresh: Vec<(usize, Inquiry)> = Vec::new();
        for (n, input) in inputs.iter().enumerate() {
            let new = &input.new;
            if !self.property_exists(&mut tx, &new.property_id).await? {
                results.push(Err(Error::invalid(
                    "property_id",
                    format!("unknown property {:?}", new.property_id),
                )));
                continue;
            }
            let scope = format!("create:{}", new.property_id);
            let inquiry = new_inquiry(input);
            if let Some(prev) = store::claim_idempotent(
                &mut tx,
                &scope,
                &new.idempotency_key,
                &input.request_hash,
                &inquiry.inquiry_id,
                &inquiry.inquiry_id,
            )
            .await?
            {
                results.push(
                    self.replay(&mut tx, &prev, &input.request_hash)
                        .await
                        .map(|(i, _)| (i, false)),
                );
                continue;
            }
            results.push(Ok((inquiry.clone(), true)));
            fresh.push((n, inquiry));
        }
        let rows: Vec<Inquiry> = fresh.iter().map(|(_, i)| i.clone()).collect();
        store::insert_new(&mut tx, &rows).await?;
        let (events, details): (Vec<NewEvent>, Vec<String>) = fresh
            .iter()
            .map(|(n, i)| {
                let (mut event, detail) =
                    created_event(&inputs[*n].actor, i, &inputs[*n].classification);
                event.traceparent.clone_from(&inputs[*n].traceparent);
                (event, detail)
            })
            .unzip();
        let stored = outbox::append_many(&mut tx, events).await?;
        let entries: Vec<timeline::Entry> = stored
            .iter()
            .zip(details)
            .map(|(e, detail)| timeline_entry(e, ChangeType::Created, detail))
            .collect();
        timeline::insert(&mut tx, &entries).await?;
        tx.commit().await?;
        if let Some(last) = stored.last() {
            self.fanout.publish(last.sequence).await;
        }
        for (n, i) in &fresh {
            recorded(i, &inputs[*n].classification);
        }
        Ok(results)
    }

    /// One create in its own transaction: a batch of one. A concurrent call storing the
    /// same key is waited for by the key claim and then replayed, so no retry loop is needed.
    async fn create_one(&self, input: &CreateInput) -> Result<(Inquiry, bool), Error> {
        let mut results = self.try_batch(&[input]).await?;
        results.pop().unwrap_or_else(|| {
            Err(Error::Internal(anyhow::anyhow!(
                "a batch of one gave no result"
            )))
        })
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
        let entries = timeline::of_inquiry(&self.db, inquiry_id).await?;
        let mut conn = self.db.pool().acquire().await?;
        let inquiry = store::load(&mut conn, inquiry_id)
            .await?
            .filter(|i| caller.can_access(&i.property_id))
            .ok_or_else(|| not_found(inquiry_id))?;
        drop(conn);
        let timeline = entries
            .into_iter()
            .map(|e| pb::TimelineEntry {
                sequence: e.sequence,
                change: e.change,
                actor: e.actor,
                at: Some(frontdesk_platform::time::to_timestamp(e.at)),
                detail: e.detail,
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
    Error::not_found("inquiry", inquiry_id)
}

pub(crate) async fn append_event(
    tx: &mut store::Tx,
    actor: &str,
    inquiry: &Inquiry,
    change: ChangeType,
    detail: String,
) -> Result<i64, Error> {
    let stored = outbox::append(tx, inquiry_event(actor, inquiry, change)).await?;
    timeline::insert(tx, &[timeline_entry(&stored, change, detail)]).await?;
    Ok(stored.sequence)
}

fn new_inquiry(input: &CreateInput) -> Inquiry {
    let (new, c) = (&input.new, &input.classification);
    let now = now_micros();
    Inquiry {
        inquiry_id: uuid::Uuid::now_v7().to_string(),
        property_id: new.property_id.clone(),
        channel: new.channel,
        customer: new.customer.clone(),
        text: new.text.clone(),
        // A booking number found in an OTA template stands in when none was given.
        reservation_ref: if new.reservation_ref.is_empty() {
            c.reservation_ref.clone().unwrap_or_default()
        } else {
            new.reservation_ref.clone()
        },
        status: Status::New,
        classification: ClassificationState {
            category: c.category,
            language: c.language,
            complexity: c.complexity,
            confidence: c.confidence,
            matched_terms: c.matched_terms.clone(),
            complaint_process: c.complaint_process,
            reclassified: false,
            needs_triage: c.needs_triage,
        },
        assignee: String::new(),
        created_by: input.actor.clone(),
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
        waiting_since: None,
    }
}

/// The creation event and its timeline detail.
fn created_event(actor: &str, inquiry: &Inquiry, c: &Classification) -> (NewEvent, String) {
    let detail = format!(
        "recorded via {} as {} ({})",
        inquiry.channel, c.category, c.complexity
    );
    (inquiry_event(actor, inquiry, ChangeType::Created), detail)
}

/// The timeline row of a stored event: the archive keeps the detail, the event does not.
fn timeline_entry(e: &outbox::StoredEvent, change: ChangeType, detail: String) -> timeline::Entry {
    timeline::Entry {
        sequence: e.sequence,
        inquiry_id: e.aggregate_id.clone(),
        property_id: e.property_id.clone(),
        change: change as i32,
        actor: e.actor.clone(),
        at: e.occurred_at,
        detail,
    }
}

fn inquiry_event(actor: &str, inquiry: &Inquiry, change: ChangeType) -> NewEvent {
    let payload = pb::InquiryChanged {
        change: change as i32,
        facts: Some(facts_to_pb(inquiry)),
    }
    .encode_to_vec();
    NewEvent {
        event_type: <pb::InquiryChanged as prost::Name>::full_name(),
        property_id: inquiry.property_id.clone(),
        aggregate_id: inquiry.inquiry_id.clone(),
        actor: actor.to_string(),
        payload,
        traceparent: String::new(),
    }
}

fn recorded(inquiry: &Inquiry, c: &Classification) {
    metrics::counter!(frontdesk_platform::metrics::INQUIRIES_CREATED,
        "channel" => inquiry.channel.code(), "category" => c.category.code())
    .increment(1);
    tracing::info!(inquiry_id = %inquiry.inquiry_id, property_id = %inquiry.property_id,
        channel = %inquiry.channel, category = %c.category, "inquiry recorded");
}

//! CI-3.1/3.2: recording and classifying a new inquiry. Creates waiting at the same moment
//! are written in one transaction (group commit); a retry with the same idempotency key
//! returns the first result.

use super::*;
use crate::domain::classify::Classification;
use crate::domain::inquiry::{ClassificationState, Inquiry};
use crate::domain::model::Status;
use crate::domain::new_inquiry::NewInquiry;
use crate::error::Error;
use crate::store::{self, timeline};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_platform::time::now_micros;
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

impl Intake {
    /// CI-3.1/3.2: record and classify. Returns the inquiry and whether this call created it
    /// (false for a retry with the same idempotency key).
    #[tracing::instrument(
        name = "intake.create",
        skip_all,
        fields(property_id = %new.property_id, subject = %caller.subject)
    )]
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

    pub(super) async fn run_batcher(self, rx: Arc<tokio::sync::Mutex<mpsc::Receiver<CreateJob>>>) {
        // Take what is waiting, then let the other writer collect while this one writes.
        while let Some(batch) = frontdesk_platform::batch::next_batch(&rx, MAX_BATCH).await {
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

    pub(super) async fn replay(
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
}

/// A validated, classified create waiting for the batch writer.
pub(super) struct CreateInput {
    actor: String,
    /// The caller's trace: the batch writer runs in its own task.
    traceparent: String,
    new: NewInquiry,
    classification: Classification,
    request_hash: String,
}

pub(super) struct CreateJob {
    input: CreateInput,
    reply: oneshot::Sender<Result<(Inquiry, bool), Error>>,
}

/// Most creates written in one transaction.
const MAX_BATCH: usize = 64;

/// Batch writers per replica.
pub(super) const WRITERS: usize = 2;

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
        earlier_feedback: Vec::new(),
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

fn recorded(inquiry: &Inquiry, c: &Classification) {
    metrics::counter!(crate::metrics::INQUIRIES_CREATED,
        "channel" => inquiry.channel.code(), "category" => c.category.code())
    .increment(1);
    tracing::info!(inquiry_id = %inquiry.inquiry_id, property_id = %inquiry.property_id,
        channel = %inquiry.channel, category = %c.category, "inquiry recorded");
}

//! Intake's use cases: each runs in one transaction that loads, applies a domain
//! transition, saves, and appends the event to the outbox — all or nothing.

use crate::convert::facts_to_pb;
use crate::domain::classify::Classifier;
use crate::domain::inquiry::Inquiry;
use crate::error::Error;
use crate::store::{self, ListFilter, links, timeline};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::db::{Db, is_unique_violation};
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::outbox::{self, NewEvent};
use frontdesk_proto::intake::v1 as pb;
use pb::ChangeType;
use prost::Message;
use std::sync::Arc;
use tokio::sync::mpsc;

mod create;

use create::{CreateJob, WRITERS};

/// How often a change is tried again when the inquiry changed under it (optimistic write).
/// Routing's projection writes the same rows as staff do, several times in an inquiry's first
/// seconds; under load three rounds were lost in a row (an audit refused ABORTED in CI),
/// though nothing was wrong with the request. Each round is one short transaction.
const MAX_ATTEMPTS: usize = 8;

pub use frontdesk_platform::idempotency::Idempotency;

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
    /// How common the search index's grams are, for planning `text` searches.
    search_stats: store::GramStatsCache,
}

impl Intake {
    /// Must be called inside a Tokio runtime: it starts the batch writer.
    pub fn new(db: Db, classifier: Arc<Classifier>, fanout: Fanout) -> Self {
        let writer = Intake {
            db,
            classifier,
            fanout,
            batcher: None,
            known_properties: Arc::default(),
            search_stats: store::GramStatsCache::default(),
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

    /// Loads an inquiry the caller may see; another property's inquiry is NOT_FOUND, so its
    /// existence is not disclosed.
    #[tracing::instrument(name = "intake.get", skip_all, fields(inquiry_id = %inquiry_id))]
    pub async fn get(
        &self,
        caller: &Caller,
        inquiry_id: &str,
    ) -> Result<(Inquiry, Vec<pb::TimelineEntry>, Vec<pb::InquiryLink>), Error> {
        // Timeline first, then links: what is read after is at least as new as every entry,
        // so a reader never sees an entry whose effect (a link, a change of the inquiry) is
        // missing.
        let entries = timeline::of_inquiry(&self.db, inquiry_id).await?;
        let links = links::of_inquiry(&self.db, inquiry_id).await?;
        let inquiry = self.inquiry(caller, inquiry_id).await?;
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
        let links = links
            .into_iter()
            .map(|l| pb::InquiryLink {
                kind: l.kind as i32,
                target_id: l.target_id,
                actor: l.actor,
                linked_at: Some(frontdesk_platform::time::to_timestamp(l.linked_at)),
            })
            .collect();
        Ok((inquiry, timeline, links))
    }

    /// The inquiry alone (no timeline), if the caller may see it.
    pub async fn inquiry(&self, caller: &Caller, inquiry_id: &str) -> Result<Inquiry, Error> {
        let mut conn = self.db.pool().acquire().await?;
        store::load(&mut conn, inquiry_id)
            .await?
            .filter(|i| caller.can_access(&i.property_id))
            .ok_or_else(|| not_found(inquiry_id))
    }

    pub async fn list(&self, filter: &ListFilter) -> Result<Vec<Inquiry>, Error> {
        let stats = self.search_stats.get(&self.db).await;
        Ok(store::list(&self.db, filter, &stats).await?)
    }

    /// Several inquiries the caller may see, in the order asked (an id asked twice comes
    /// twice), read in a constant number of statements: the inquiries' own rows, and with
    /// `full` their details as [`Self::get`] shows them. The first id that is missing or of
    /// another property fails the whole call as NOT_FOUND (AIP-231: all or nothing), naming
    /// that id and disclosing nothing about the others.
    pub async fn batch(
        &self,
        caller: &Caller,
        inquiry_ids: &[String],
        full: bool,
    ) -> Result<Vec<Inquiry>, Error> {
        let mut conn = self.db.pool().acquire().await?;
        let mut distinct = inquiry_ids.to_vec();
        distinct.sort_unstable();
        distinct.dedup();
        let found = store::load_many_view(&mut conn, &distinct, full).await?;
        inquiry_ids
            .iter()
            .map(|id| {
                found
                    .get(id)
                    .map(|(i, _)| i)
                    .filter(|i| caller.can_access(&i.property_id))
                    .cloned()
                    .ok_or_else(|| not_found(id))
            })
            .collect()
    }

    /// The listed inquiries as GetInquiry shows them (routing's view, responses, delays,
    /// feedback): the FULL list view, in five statements for the whole page.
    pub async fn with_details(&self, rows: Vec<Inquiry>) -> Result<Vec<Inquiry>, Error> {
        let mut conn = self
            .db
            .pool()
            .acquire()
            .await
            .map_err(anyhow::Error::from)?;
        let ids: Vec<String> = rows.iter().map(|r| r.inquiry_id.clone()).collect();
        let mut found = store::load_many(&mut conn, &ids).await?;
        // An inquiry erased between the list and this read is shown as listed.
        Ok(rows
            .into_iter()
            .map(|row| match found.remove(&row.inquiry_id) {
                Some((full, _)) => full,
                None => row,
            })
            .collect())
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
    #[tracing::instrument(
        name = "intake.mutate",
        skip_all,
        fields(inquiry_id = %inquiry_id, change = change.as_str_name())
    )]
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

/// Several changes' events and timeline entries in one counter bump and two inserts (the
/// projection of a batch of routing's events). Returns the last sequence, if any.
pub(crate) async fn append_events(
    tx: &mut sqlx::AnyConnection,
    changes: Vec<(NewEvent, ChangeType, String)>,
) -> Result<Option<i64>, Error> {
    let (events, rest): (Vec<NewEvent>, Vec<(ChangeType, String)>) = changes
        .into_iter()
        .map(|(e, change, detail)| (e, (change, detail)))
        .unzip();
    let stored = outbox::append_many(tx, events).await?;
    let entries: Vec<timeline::Entry> = stored
        .iter()
        .zip(rest)
        .map(|(e, (change, detail))| timeline_entry(e, change, detail))
        .collect();
    timeline::insert(tx, &entries).await?;
    Ok(stored.last().map(|e| e.sequence))
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

pub(crate) fn inquiry_event(actor: &str, inquiry: &Inquiry, change: ChangeType) -> NewEvent {
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

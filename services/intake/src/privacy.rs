//! Customers' personal data on request and over time (PIPL, GDPR): EraseCustomer,
//! ExportCustomerData and the retention sweep. Storage in `store::privacy`, the export's
//! shape in `domain::privacy`.

use crate::commands::Intake;
use crate::domain::privacy::{self as export, TimelineLine};
use crate::error::Error;
use crate::store::{self, privacy, timeline};
use frontdesk_platform::db::Db;
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::intake::v1 as pb;
use std::time::Duration;

pub use privacy::Contact;

/// What an erasure did.
pub struct Erased {
    pub erasure_id: String,
    pub inquiries: i64,
    pub at: i64,
}

/// Erases the personal data of every inquiry of `property_id` recorded with `contact`, and
/// records the erasure, in one transaction. A transaction that crossed another one on the
/// same inquiries (routing's projection arriving at that moment) runs again.
pub async fn erase(
    intake: &Intake,
    actor: &str,
    property_id: &str,
    contact: &Contact,
    reason: &str,
) -> Result<Erased, Error> {
    let mut attempt = 1;
    loop {
        match erase_once(intake, actor, property_id, contact, reason).await {
            Err(Error::Aborted(why)) if attempt < ERASE_ATTEMPTS => {
                tracing::info!(
                    attempt,
                    why,
                    "erasure crossed another change; running it again"
                );
                attempt += 1;
            }
            done => return done,
        }
    }
}

const ERASE_ATTEMPTS: u32 = 3;

async fn erase_once(
    intake: &Intake,
    actor: &str,
    property_id: &str,
    contact: &Contact,
    reason: &str,
) -> Result<Erased, Error> {
    let now = now_micros();
    let mut tx = intake.db().pool().begin().await?;
    let ids = privacy::inquiries_of(&mut tx, property_id, contact).await?;
    let mut erased = 0;
    for id in &ids {
        if privacy::redact(&mut tx, id, now).await? {
            erased += 1;
        }
    }
    let erasure_id = uuid::Uuid::now_v7().to_string();
    privacy::record(
        &mut tx,
        &privacy::Erasure {
            erasure_id: &erasure_id,
            property_id,
            contact_kind: contact.kind(),
            reason,
            inquiries: erased,
            actor,
            at: now,
        },
    )
    .await?;
    tx.commit().await?;
    metrics::counter!(crate::metrics::PERSONAL_DATA_ERASED, "why" => "request")
        .increment(u64::try_from(erased).unwrap_or(0));
    tracing::info!(
        erasure_id,
        erased,
        property_id,
        actor,
        "customer data erased on request"
    );
    Ok(Erased {
        erasure_id,
        inquiries: erased,
        at: now,
    })
}

/// Everything held about the customer with `contact` in `property_id`, and how many
/// inquiries that is.
pub async fn export(
    intake: &Intake,
    property_id: &str,
    contact: &Contact,
) -> Result<(serde_json::Value, usize), Error> {
    // One connection at a time: SQLite's pool has exactly one.
    let inquiries = {
        let mut conn = intake.db().pool().acquire().await?;
        let ids = privacy::inquiries_of(&mut conn, property_id, contact).await?;
        let mut inquiries = Vec::with_capacity(ids.len());
        for id in &ids {
            if let Some(inquiry) = store::load(&mut conn, id).await? {
                inquiries.push(inquiry);
            }
        }
        inquiries
    };
    let mut found = Vec::with_capacity(inquiries.len());
    for inquiry in inquiries {
        let lines = timeline::of_inquiry(intake.db(), &inquiry.inquiry_id)
            .await?
            .into_iter()
            .map(|e| TimelineLine {
                change: pb::ChangeType::try_from(e.change)
                    .ok()
                    .map_or_else(|| e.change.to_string(), |c| c.as_str_name().to_string()),
                actor: e.actor,
                at: e.at,
                detail: e.detail,
            })
            .collect();
        found.push((inquiry, lines));
    }
    let n = found.len();
    Ok((export::export(&found), n))
}

/// Redacts personal data of inquiries resolved longer than `retention` ago, in batches,
/// every `every`, until shutdown. Each inquiry is its own transaction, so a crash loses
/// nothing and the next sweep goes on.
pub async fn run_retention(db: Db, retention: Duration, every: Duration, mut shutdown: Shutdown) {
    let retention = i64::try_from(retention.as_micros()).unwrap_or(i64::MAX);
    loop {
        if let Err(e) = sweep(&db, retention).await {
            tracing::warn!(error.message = %e, "retention sweep failed; retrying next round");
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = shutdown.wait() => return,
        }
    }
}

async fn sweep(db: &Db, retention: i64) -> anyhow::Result<()> {
    let cutoff = now_micros().saturating_sub(retention);
    loop {
        let ids = {
            let mut conn = db.pool().acquire().await?;
            privacy::due_for_retention(&mut conn, cutoff, 200).await?
        };
        if ids.is_empty() {
            return Ok(());
        }
        let now = now_micros();
        for id in &ids {
            let mut tx = db.pool().begin().await?;
            privacy::redact(&mut tx, id, now).await?;
            tx.commit().await?;
        }
        metrics::counter!(crate::metrics::PERSONAL_DATA_ERASED, "why" => "retention")
            .increment(ids.len() as u64);
        tracing::info!(inquiries = ids.len(), "personal data past retention erased");
    }
}

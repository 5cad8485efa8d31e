//! `RebuildFacts`: every derived table from analytics' own event log, in one transaction.
//!
//! The log is replayed in the order it was applied, through the same handlers as live
//! delivery (without the logging: the log is the input), so the rebuilt facts and rollups
//! are what live delivery made of the same events. Why one transaction: a reader never
//! sees a half-rebuilt report — Postgres readers keep the old rows (DELETE, not TRUNCATE)
//! and SQLite readers (WAL) the last committed state until the commit. Live deliveries meet
//! the log locked (`store::log::lock_for_rebuild`): those that appended before the lock are
//! waited for and replayed, those after wait and then apply on the rebuilt tables, so none
//! is lost or counted twice. The inbox is not touched: events already applied stay refused.

use crate::consumers::{intake::IntakeEvents, knowledge::KnowledgeEvents, routing::RoutingEvents};
use crate::domain::kpi::TimelinessRule;
use crate::store;
use anyhow::{Context, bail};
use frontdesk_platform::db::Db;
use frontdesk_platform::inbox::EventHandler;

/// Events read from the log at a time (the replay never holds the whole log in memory).
const PAGE: i64 = 1_000;

/// What a rebuild did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rebuilt {
    pub events: i64,
    pub inquiries: i64,
    pub rollup_rows: i64,
}

/// Why a rebuild was refused rather than run (FAILED_PRECONDITION, not an internal error).
#[derive(Debug)]
pub struct Refused(pub &'static str);

impl std::fmt::Display for Refused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.0)
    }
}

impl std::error::Error for Refused {}

pub async fn rebuild(db: &Db, rule: TimelinessRule) -> anyhow::Result<Rebuilt> {
    let intake = IntakeEvents { rule };
    let routing = RoutingEvents { rule };
    let knowledge = KnowledgeEvents;
    let mut tx = db.pool().begin().await?;
    store::log::lock_for_rebuild(&mut tx, db.backend()).await?;
    if !store::log::is_complete(&mut tx).await? {
        return Err(Refused(
            "the event log starts after facts were recorded (a database from before the log): \
             a rebuild would lose them",
        )
        .into());
    }
    store::log::clear_derived(&mut tx).await?;
    let (mut after, mut events) = (0, 0);
    loop {
        let page = store::log::page(&mut tx, after, PAGE).await?;
        if page.is_empty() {
            break;
        }
        for (seq, event) in &page {
            let handler: &dyn EventHandler = match event.source.as_str() {
                "intake" => &intake,
                "routing" => &routing,
                "knowledge" => &knowledge,
                other => bail!(
                    "logged event {} from unknown source {other:?}",
                    event.event_id
                ),
            };
            handler
                .apply(&mut tx, event)
                .await
                .with_context(|| format!("replaying event {} (log #{seq})", event.event_id))?;
            after = *seq;
            events += 1;
        }
    }
    let (inquiries, rollup_rows) = store::log::derived_counts(&mut tx).await?;
    tx.commit().await?;
    Ok(Rebuilt {
        events,
        inquiries,
        rollup_rows,
    })
}

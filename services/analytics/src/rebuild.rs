//! `RebuildFacts`: every derived table from analytics' own event log, in one transaction.
//!
//! The log is replayed in the order it was applied, a page of events at a time through the
//! same batched apply as live delivery (`store::apply::apply_changes`, without the logging:
//! the log is the input), so the rebuilt facts and rollups are what live delivery made of
//! the same events. A page mixes sources: intake's and routing's events write different
//! columns of a fact, and the page's events are folded in log order anyway. Why one transaction: a reader never
//! sees a half-rebuilt report — Postgres readers keep the old rows (DELETE, not TRUNCATE)
//! and SQLite readers (WAL) the last committed state until the commit. Live deliveries meet
//! the log locked (`store::log::lock_for_rebuild`): those that appended before the lock are
//! waited for and replayed, those after wait and then apply on the rebuilt tables, so none
//! is lost or counted twice. The inbox is not touched: events already applied stay refused.

use crate::domain::kpi::TimelinessRule;
use crate::{consumers, store};
use anyhow::Context;
use frontdesk_platform::db::Db;

/// Events read from the log and applied together (the replay never holds the whole log in
/// memory).
const PAGE: i64 = 500;

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
        let mut changes = Vec::with_capacity(page.len());
        for (seq, event) in &page {
            let change = consumers::decode(event)
                .with_context(|| format!("replaying event {} (log #{seq})", event.event_id))?;
            changes.extend(change);
        }
        let (first, last) = (page[0].0, page[page.len() - 1].0);
        store::apply::apply_changes(&mut tx, &changes, &rule)
            .await
            .with_context(|| format!("replaying log #{first}…#{last}"))?;
        after = last;
        events += page.len() as i64;
    }
    let (inquiries, rollup_rows) = store::log::derived_counts(&mut tx).await?;
    tx.commit().await?;
    Ok(Rebuilt {
        events,
        inquiries,
        rollup_rows,
    })
}

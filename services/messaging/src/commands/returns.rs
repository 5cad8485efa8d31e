//! Mail that leaves the desk without being handed over: forwarded to a departed guest,
//! returned to its sender, and the return sweep that turns items past their return date into
//! work the desk sees (RETURN_DUE: listed, in the handover, an event, a metric). Taking an
//! item back to the post stays a person's ReturnMailItem.

use super::mail::{MailView, load, open_or_refuse};
use super::{Error, Messaging};
use crate::domain::mail as rules;
use crate::store::mail as mail_store;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::messaging::v1::{CustodyAction, MailStatus, StayStatus};
use std::time::Duration;

/// The actor recorded for the sweep's custody steps and events.
pub const SWEEP_ACTOR: &str = "messaging";

/// Items flagged per query; the sweep loops until none are left.
const SWEEP_BATCH: i64 = 200;

impl Messaging {
    #[tracing::instrument(skip_all, fields(item_id = %item_id))]
    pub async fn forward(
        &self,
        caller: &Caller,
        item_id: &str,
        address: &str,
    ) -> Result<MailView, Error> {
        let mut tx = self.begin().await?;
        let mut view = load(&mut tx, caller, item_id).await?;
        open_or_refuse(&view.item)?;
        if view
            .stay
            .as_ref()
            .is_some_and(|s| s.status == StayStatus::InHouse)
        {
            return Err(Error::FailedPrecondition(
                "the guest is in house: hand the item over instead of forwarding it".into(),
            ));
        }
        let address = if address.is_empty() {
            view.stay
                .as_ref()
                .map(|s| s.forwarding_address.clone())
                .unwrap_or_default()
        } else {
            address.to_string()
        };
        if address.is_empty() {
            return Err(Error::invalid(
                "address",
                "no forwarding address is on file for this guest: give one",
            ));
        }
        let now = now_micros();
        view.item.status = MailStatus::Forwarded;
        view.item.forwarded_to = address;
        let mut events = Vec::new();
        self.mail_step(
            &mut tx,
            &mut view.item,
            CustodyAction::Forwarded,
            &caller.subject,
            now,
            "forwarded",
            &mut events,
        )
        .await?;
        self.finish(tx, events).await?;
        Ok(view)
    }

    #[tracing::instrument(skip_all, fields(item_id = %item_id))]
    pub async fn return_to_sender(
        &self,
        caller: &Caller,
        item_id: &str,
        reason: &str,
    ) -> Result<MailView, Error> {
        let mut tx = self.begin().await?;
        let mut view = load(&mut tx, caller, item_id).await?;
        open_or_refuse(&view.item)?;
        let now = now_micros();
        view.item.status = MailStatus::Returned;
        let mut events = Vec::new();
        self.mail_step(
            &mut tx,
            &mut view.item,
            CustodyAction::Returned,
            &caller.subject,
            now,
            reason,
            &mut events,
        )
        .await?;
        self.finish(tx, events).await?;
        Ok(view)
    }

    /// Flags every item due back to its sender as of the clock's "now"; returns how many
    /// this call flagged. Safe to run on several replicas at once: each item is flagged by
    /// one of them (see `change_status_if`).
    #[tracing::instrument(skip_all)]
    pub async fn sweep_returns(&self) -> Result<usize, Error> {
        let now = match self.clock.now().await {
            Ok(t) => t,
            Err(_) => self.clock.now_without_redis(),
        };
        let mut flagged = 0;
        loop {
            let due = {
                let mut conn = self.db.pool().acquire().await?;
                mail_store::due_for_return(&mut conn, now, SWEEP_BATCH).await?
            };
            if due.is_empty() {
                return Ok(flagged);
            }
            let mut changed_here = 0;
            for item_id in &due {
                if self.flag_return_due(item_id, now).await? {
                    changed_here += 1;
                }
            }
            flagged += changed_here;
            // Another writer took every one of them: what is left is theirs to finish.
            if changed_here == 0 {
                return Ok(flagged);
            }
        }
    }

    async fn flag_return_due(&self, item_id: &str, now: i64) -> Result<bool, Error> {
        let mut tx = self.begin().await?;
        let Some(mut item) = mail_store::get(&mut tx, item_id).await? else {
            return Ok(false);
        };
        if !rules::is_return_due(item.status, item.return_due_at, now) {
            return Ok(false);
        }
        let at = now_micros();
        // The claim: of two sweeps (replicas) or a sweep and a clerk, one moves the item.
        if !mail_store::change_status_if(
            &mut tx,
            item_id,
            MailStatus::ToReturn,
            MailStatus::ReturnDue,
            at,
        )
        .await?
        {
            return Ok(false);
        }
        item.status = MailStatus::ReturnDue;
        let mut events = Vec::new();
        self.mail_step(
            &mut tx,
            &mut item,
            CustodyAction::ReturnDue,
            SWEEP_ACTOR,
            at,
            "return date passed: take it back to the post",
            &mut events,
        )
        .await?;
        self.finish(tx, events).await?;
        metrics::counter!(crate::metrics::MAIL_RETURN_DUE, "kind" => item.kind.as_str_name())
            .increment(1);
        Ok(true)
    }

    /// The return sweep, every `every` until shutdown. A failed round is logged and retried
    /// on the next one.
    pub async fn run_return_sweep(self, every: Duration, mut shutdown: Shutdown) {
        loop {
            match self.sweep_returns().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(items = n, "mail due back to its sender"),
                Err(e) => {
                    tracing::warn!(error.message = %e, "return sweep failed; retrying next round");
                }
            }
            tokio::select! {
                () = tokio::time::sleep(every) => {}
                () = shutdown.wait() => return,
            }
        }
    }
}

//! Issue 8: a guest's right to erasure, for one stay (managers). The identifying data goes in
//! one transaction with an erasure record and a `GuestErased` event carrying counts only.

use super::{Error, Messaging, new_id};
use crate::events::{self, event};
use crate::store::erasure::{self, Erased};
use crate::store::stays as stay_store;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::messaging::v1 as pb;

/// What an erasure did.
#[derive(Debug, Clone)]
pub struct Erasure {
    pub erasure_id: String,
    pub stay_id: String,
    pub erased: Erased,
    pub erased_at: i64,
}

fn count(n: u64) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

impl Messaging {
    #[tracing::instrument(skip_all, fields(property_id = %property_id, reservation_id = %reservation_id))]
    pub async fn erase_guest(
        &self,
        caller: &Caller,
        property_id: &str,
        reservation_id: &str,
        reason: &str,
    ) -> Result<Erasure, Error> {
        let mut tx = self.begin().await?;
        // Messages and mail of the stay are written under this lock too: none slips in
        // half-erased.
        stay_store::lock_reservation(&mut tx, property_id, reservation_id).await?;
        let stay = stay_store::by_reservation(&mut tx, property_id, reservation_id)
            .await?
            .ok_or_else(|| Error::not_found("reservation", reservation_id))?;
        let erased = erasure::erase_stay(&mut tx, &stay.stay_id).await?;
        let erasure_id = new_id();
        let now = now_micros();
        erasure::record(
            &mut tx,
            &erasure_id,
            property_id,
            &stay.stay_id,
            &caller.subject,
            now,
            reason,
        )
        .await?;
        let ev = event(
            events::GUEST_ERASED,
            property_id,
            &stay.stay_id,
            &caller.subject,
            &pb::GuestErased {
                erasure_id: erasure_id.clone(),
                stay_id: stay.stay_id.clone(),
                messages: count(erased.messages),
                mail_items: count(erased.mail_items),
                lookups: count(erased.lookups),
                outgoing_post: count(erased.outgoing_post),
            },
        );
        self.finish(tx, vec![ev]).await?;
        metrics::counter!(crate::metrics::GUESTS_ERASED).increment(1);
        Ok(Erasure {
            erasure_id,
            stay_id: stay.stay_id,
            erased,
            erased_at: now,
        })
    }
}

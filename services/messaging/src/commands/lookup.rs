//! MD-2.1 guest lookup with its access log.

use super::{Error, Messaging, new_id};
use crate::domain::names;
use crate::domain::privacy::{self, Found};
use crate::events::{self, event};
use crate::store::lookups::{self as lookup_store, LookupRow};
use crate::store::stays::{self as stay_store, StayRow};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::messaging::v1::{self as pb, CallerKind, Disclosure};

/// A validated lookup: a name or a reservation, who asks, and the inquiry it answers.
#[derive(Debug, Clone)]
pub struct LookupQuery {
    pub property_id: String,
    pub name: String,
    pub reservation_id: String,
    pub kind: CallerKind,
    /// Empty when the lookup answers no intake inquiry.
    pub inquiry_id: String,
}

/// What a lookup found and may say.
#[derive(Debug, Clone)]
pub struct Located {
    pub lookup_id: String,
    pub disclosure: Disclosure,
    /// Empty unless the caller is staff.
    pub matches: Vec<StayRow>,
}

impl Messaging {
    /// Finds the stays a name or reservation denotes, decides what may be disclosed, and logs
    /// the lookup — the same work whatever is found. The answer waits until the access-log
    /// row and its event are committed (MD-2.1: every lookup is logged); lookups arriving
    /// together share that commit (see `lookup_log`).
    #[tracing::instrument(skip_all, fields(property_id = %q.property_id, caller_kind = ?q.kind))]
    pub async fn locate(&self, caller: &Caller, q: LookupQuery) -> Result<Located, Error> {
        let LookupQuery {
            property_id,
            name,
            reservation_id,
            kind,
            inquiry_id,
        } = q;
        let found = {
            let mut conn = self.db.pool().acquire().await?;
            let keys: Vec<String> = names::query_keys(&name).into_iter().collect();
            let mut found = stay_store::by_name_keys(&mut conn, &property_id, &keys).await?;
            if !reservation_id.is_empty()
                && let Some(s) =
                    stay_store::by_reservation(&mut conn, &property_id, &reservation_id).await?
                && !found.iter().any(|f| f.stay_id == s.stay_id)
            {
                found.push(s);
            }
            found
        };
        let facts: Vec<Found> = found
            .iter()
            .map(|s| Found {
                status: s.status,
                privacy: s.privacy,
            })
            .collect();
        let disclosure = privacy::disclosure(kind, &facts);
        let staff = kind == CallerKind::Staff;
        let row = LookupRow {
            lookup_id: new_id(),
            property_id,
            asked_by: caller.subject.clone(),
            asked_at: now_micros(),
            caller_kind: kind,
            query_name: name,
            query_reservation_id: reservation_id,
            disclosure,
            matched_stay_ids: found.iter().map(|s| s.stay_id.clone()).collect(),
            room_disclosed: staff && found.iter().any(|s| !s.room.is_empty()),
            inquiry_id,
        };
        let mut ev = event(
            events::GUEST_LOOKED_UP,
            &row.property_id,
            &row.lookup_id,
            &caller.subject,
            &pb::GuestLookedUp {
                lookup_id: row.lookup_id.clone(),
                caller_kind: kind as i32,
                disclosure: disclosure as i32,
                matches: if staff { found.len() as i32 } else { 0 },
                room_disclosed: row.room_disclosed,
                inquiry_id: row.inquiry_id.clone(),
            },
        );
        // The log writer runs in its own task: the event joins this call's trace explicitly.
        ev.traceparent = frontdesk_platform::grpc::current_traceparent();
        let lookup_id = row.lookup_id.clone();
        self.log_lookup(row, ev).await?;
        metrics::counter!(
            crate::metrics::LOOKUPS,
            "caller_kind" => kind.as_str_name(),
            "disclosure" => disclosure.as_str_name()
        )
        .increment(1);
        Ok(Located {
            lookup_id,
            disclosure,
            matches: if staff { found } else { Vec::new() },
        })
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id))]
    pub async fn list_lookups(
        &self,
        property_id: &str,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<LookupRow>, Error> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(lookup_store::list(&mut conn, property_id, after, limit).await?)
    }
}

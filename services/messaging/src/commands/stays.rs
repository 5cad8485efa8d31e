//! Stays from the PMS: bulk sync, check-in, check-out, room move, cancel. Every change goes
//! through `reconcile` (commands::effects), so a status change has the same effects whether the PMS sent it as
//! a sync or as a single call: held mail attaches at check-in, mail is routed at check-out,
//! and the lamp follows the guest.

use super::{Error, Messaging, new_id, visible};
use crate::domain::Refusal;
use crate::domain::stay::{self as rules, Step};
use crate::events::{self, event};
use crate::metrics;
use crate::store::stays::StayRow;
use crate::store::{self, stays as stay_store};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::{now_micros, to_timestamp};
use frontdesk_proto::messaging::v1::{self as pb, StayStatus, SyncOutcome};
use prost::Message;
use sha2::{Digest, Sha256};

/// A validated PMS record.
#[derive(Debug, Clone)]
pub struct StayInput {
    pub record: pb::StayRecord,
    pub arrival: Option<i64>,
    pub departure: Option<i64>,
    pub forwarding_until: Option<i64>,
    pub status: StayStatus,
    pub privacy: pb::PrivacyLevel,
}

fn fingerprint(r: &pb::StayRecord) -> String {
    Sha256::digest(r.encode_to_vec())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl Messaging {
    #[tracing::instrument(skip_all, fields(property_id = %property_id, stays = input.len()))]
    pub async fn sync_stays(
        &self,
        caller: &Caller,
        property_id: &str,
        input: Vec<StayInput>,
    ) -> Result<Vec<pb::SyncResult>, Error> {
        let mut tx = self.begin().await?;
        if !store::property_exists(&mut tx, property_id).await? {
            return Err(Error::not_found("property", property_id));
        }
        let ids: Vec<String> = input
            .iter()
            .map(|i| i.record.reservation_id.clone())
            .collect();
        let mut existing: std::collections::HashMap<String, StayRow> =
            stay_store::by_reservations(&mut tx, property_id, &ids)
                .await?
                .into_iter()
                .map(|s| (s.reservation_id.clone(), s))
                .collect();
        let now = now_micros();
        let mut events = Vec::new();
        let mut results = Vec::with_capacity(input.len());
        let mut created = Vec::new();
        for i in input {
            let fp = fingerprint(&i.record);
            let (old, outcome) = match existing.remove(&i.record.reservation_id) {
                Some(s) if s.fingerprint == fp => {
                    results.push(pb::SyncResult {
                        reservation_id: s.reservation_id.clone(),
                        stay_id: s.stay_id.clone(),
                        outcome: SyncOutcome::Unchanged as i32,
                    });
                    existing.insert(s.reservation_id.clone(), s);
                    continue;
                }
                Some(s) => (s, SyncOutcome::Updated),
                None => {
                    let s = StayRow {
                        stay_id: new_id(),
                        property_id: property_id.to_string(),
                        reservation_id: i.record.reservation_id.clone(),
                        room: String::new(),
                        arrival: None,
                        departure: None,
                        status: StayStatus::Expected,
                        privacy: i.privacy,
                        forwarding_address: String::new(),
                        forwarding_until: None,
                        vip: false,
                        lamp_on: false,
                        checked_in_at: None,
                        checked_out_at: None,
                        fingerprint: String::new(),
                        created_at: now,
                        updated_at: now,
                        guests: i.record.guests.clone(),
                    };
                    (s, SyncOutcome::Created)
                }
            };
            let mut new = old.clone();
            new.room = i.record.room.trim().to_string();
            new.arrival = i.arrival;
            new.departure = i.departure;
            new.status = i.status;
            new.privacy = i.privacy;
            new.forwarding_address = i.record.forwarding_address.trim().to_string();
            new.forwarding_until = i.forwarding_until;
            new.vip = i.record.vip;
            new.fingerprint = fp;
            new.guests = i.record.guests.clone();
            if outcome == SyncOutcome::Created {
                // A new stay has no messages or mail yet: only the arrival itself to record.
                self.created(&mut new, &caller.subject, now, &mut events);
                created.push(new.clone());
            } else {
                if new.guests != old.guests {
                    stay_store::replace_guests(&mut tx, &new).await?;
                }
                self.reconcile(&mut tx, &old, &mut new, &caller.subject, now, &mut events)
                    .await?;
            }
            events.push(event(
                events::STAY_SYNCED,
                property_id,
                &new.stay_id,
                &caller.subject,
                &pb::StaySynced {
                    stay_id: new.stay_id.clone(),
                    reservation_id: new.reservation_id.clone(),
                    outcome: outcome as i32,
                    status: new.status as i32,
                    room: new.room.clone(),
                    arrival: new.arrival.map(to_timestamp),
                    departure: new.departure.map(to_timestamp),
                    privacy: new.privacy as i32,
                    vip: new.vip,
                    guest_count: new.guests.len() as i32,
                },
            ));
            results.push(pb::SyncResult {
                reservation_id: new.reservation_id.clone(),
                stay_id: new.stay_id.clone(),
                outcome: outcome as i32,
            });
            existing.insert(new.reservation_id.clone(), new);
        }
        stay_store::insert_many(&mut tx, &created).await?;
        self.finish(tx, events).await?;
        for r in &results {
            let outcome = SyncOutcome::try_from(r.outcome).unwrap_or_default();
            ::metrics::counter!(metrics::STAYS_SYNCED, "outcome" => outcome.as_str_name())
                .increment(1);
        }
        Ok(results)
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id, reservation_id = %reservation_id))]
    pub async fn check_in(
        &self,
        caller: &Caller,
        property_id: &str,
        reservation_id: &str,
        room: &str,
    ) -> Result<StayRow, Error> {
        self.transition(caller, property_id, reservation_id, |s| {
            let step = rules::check_in(s.status, &s.room, room)?;
            if step == Step::Apply {
                s.status = StayStatus::InHouse;
                if !room.is_empty() {
                    s.room = room.to_string();
                }
            }
            Ok(step)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id, reservation_id = %reservation_id))]
    pub async fn check_out(
        &self,
        caller: &Caller,
        property_id: &str,
        reservation_id: &str,
    ) -> Result<StayRow, Error> {
        self.transition(caller, property_id, reservation_id, |s| {
            let step = rules::check_out(s.status)?;
            if step == Step::Apply {
                s.status = StayStatus::Departed;
            }
            Ok(step)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id, reservation_id = %reservation_id))]
    pub async fn room_move(
        &self,
        caller: &Caller,
        property_id: &str,
        reservation_id: &str,
        new_room: &str,
    ) -> Result<StayRow, Error> {
        self.transition(caller, property_id, reservation_id, |s| {
            let step = rules::room_move(s.status, &s.room, new_room)?;
            if step == Step::Apply {
                s.room = new_room.to_string();
            }
            Ok(step)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id, reservation_id = %reservation_id))]
    pub async fn cancel(
        &self,
        caller: &Caller,
        property_id: &str,
        reservation_id: &str,
        to: StayStatus,
    ) -> Result<StayRow, Error> {
        self.transition(caller, property_id, reservation_id, |s| {
            let step = rules::cancel(s.status, to)?;
            if step == Step::Apply {
                s.status = to;
            }
            Ok(step)
        })
        .await
    }

    #[tracing::instrument(skip_all, fields(stay_id = %stay_id))]
    pub async fn get_stay(&self, caller: &Caller, stay_id: &str) -> Result<StayRow, Error> {
        let mut conn = self.db.pool().acquire().await?;
        let stay = stay_store::get(&mut conn, stay_id).await?;
        visible(caller, stay, |s| &s.property_id, "stay", stay_id)
    }

    async fn transition(
        &self,
        caller: &Caller,
        property_id: &str,
        reservation_id: &str,
        apply: impl FnOnce(&mut StayRow) -> Result<Step, Refusal>,
    ) -> Result<StayRow, Error> {
        let mut tx = self.begin().await?;
        // Concurrent calls for the same stay apply one after the other, each to the state the
        // other committed.
        stay_store::lock_reservation(&mut tx, property_id, reservation_id).await?;
        let old = stay_store::by_reservation(&mut tx, property_id, reservation_id)
            .await?
            .ok_or_else(|| Error::not_found("reservation", reservation_id))?;
        let mut new = old.clone();
        if apply(&mut new)? == Step::Unchanged {
            return Ok(old);
        }
        let mut events = Vec::new();
        // A later full sync of the same PMS record must still count as a change.
        new.fingerprint = String::new();
        self.reconcile(
            &mut tx,
            &old,
            &mut new,
            &caller.subject,
            now_micros(),
            &mut events,
        )
        .await?;
        self.finish(tx, events).await?;
        Ok(new)
    }
}

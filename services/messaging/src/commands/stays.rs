//! Stays from the PMS: bulk sync, check-in, check-out, room move, cancel. Every change goes
//! through [`reconcile`], so a status change has the same effects whether the PMS sent it as
//! a sync or as a single call: held mail attaches at check-in, mail is routed at check-out,
//! and the lamp follows the guest.

use super::{Error, Messaging, Tx, new_id, visible};
use crate::domain::mail as mail_rules;
use crate::domain::stay::{self as rules, Step};
use crate::domain::{Refusal, lamp};
use crate::events::{self, event};
use crate::metrics;
use crate::store::mail::{CustodyRow, MailRow};
use crate::store::stays::StayRow;
use crate::store::{self, mail as mail_store, messages as msg_store, stays as stay_store};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::outbox::NewEvent;
use frontdesk_platform::time::{now_micros, to_timestamp};
use frontdesk_proto::messaging::v1::{
    self as pb, CustodyAction, MailStatus, SortClass, StayStatus, SyncOutcome,
};
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

    /// Writes `new` and applies what its change from `old` means: check-in attaches held
    /// mail, check-out routes undelivered mail, and the lamp follows the guest's room.
    #[expect(
        clippy::too_many_lines,
        reason = "one transition table for every PMS status change; split it with the next change"
    )]
    pub(crate) async fn reconcile(
        &self,
        tx: &mut Tx,
        old: &StayRow,
        new: &mut StayRow,
        actor: &str,
        now: i64,
        events: &mut Vec<NewEvent>,
    ) -> Result<(), Error> {
        let prop = new.property_id.clone();
        let arrived = old.status != StayStatus::InHouse && new.status == StayStatus::InHouse;
        let left = old.status == StayStatus::InHouse && new.status != StayStatus::InHouse;
        if arrived {
            new.checked_in_at = Some(now);
            new.checked_out_at = None;
            let held =
                mail_store::for_stay(tx, &new.stay_id, &[MailStatus::HeldForArrival]).await?;
            for mut item in held.clone() {
                item.sort_class = SortClass::InHouse;
                item.status = mail_rules::on_check_in(item.kind);
                self.mail_step(
                    tx,
                    &mut item,
                    CustodyAction::AttachedOnCheckIn,
                    actor,
                    now,
                    "guest checked in",
                    events,
                )
                .await?;
            }
            events.push(event(
                events::GUEST_CHECKED_IN,
                &prop,
                &new.stay_id,
                actor,
                &pb::GuestCheckedIn {
                    stay_id: new.stay_id.clone(),
                    reservation_id: new.reservation_id.clone(),
                    room: new.room.clone(),
                    at: Some(to_timestamp(now)),
                    mail_items_attached: held.len() as i32,
                },
            ));
        }
        if left && new.status == StayStatus::Departed {
            new.checked_out_at = Some(now);
            let open = mail_store::for_stay(
                tx,
                &new.stay_id,
                &[
                    MailStatus::AwaitingCall,
                    MailStatus::AwaitingDelivery,
                    MailStatus::HeldForArrival,
                ],
            )
            .await?;
            let forwarding = new.forwarding(now);
            for mut item in open.clone() {
                let (class, status) = mail_rules::on_check_out(forwarding);
                item.sort_class = class;
                item.status = status;
                if status == MailStatus::ToReturn {
                    item.return_due_at = Some(now + self.return_after_micros);
                }
                self.mail_step(
                    tx,
                    &mut item,
                    CustodyAction::RoutedOnCheckOut,
                    actor,
                    now,
                    "guest checked out",
                    events,
                )
                .await?;
            }
            let unread = msg_store::unread_for_guest(tx, &new.stay_id).await?;
            let n = open.len() as i32;
            events.push(event(
                events::GUEST_CHECKED_OUT,
                &prop,
                &new.stay_id,
                actor,
                &pb::GuestCheckedOut {
                    stay_id: new.stay_id.clone(),
                    reservation_id: new.reservation_id.clone(),
                    room: new.room.clone(),
                    at: Some(to_timestamp(now)),
                    mail_items_to_forward: if forwarding { n } else { 0 },
                    mail_items_to_return: if forwarding { 0 } else { n },
                    messages_unread: unread as i32,
                },
            ));
        }
        if old.status == StayStatus::InHouse
            && new.status == StayStatus::InHouse
            && old.room != new.room
        {
            events.push(event(
                events::GUEST_ROOM_MOVED,
                &prop,
                &new.stay_id,
                actor,
                &pb::GuestRoomMoved {
                    stay_id: new.stay_id.clone(),
                    reservation_id: new.reservation_id.clone(),
                    from_room: old.room.clone(),
                    to_room: new.room.clone(),
                },
            ));
        }
        if old.status != new.status
            && matches!(new.status, StayStatus::Cancelled | StayStatus::NoShow)
        {
            events.push(event(
                events::STAY_CANCELLED,
                &prop,
                &new.stay_id,
                actor,
                &pb::StayCancelled {
                    stay_id: new.stay_id.clone(),
                    reservation_id: new.reservation_id.clone(),
                    status: new.status as i32,
                },
            ));
        }
        let unread = msg_store::unread_for_guest(tx, &new.stay_id).await?;
        new.lamp_on = lamp::should_be_on(new.status, unread);
        for (room, on) in lamp::switch_commands((&old.room, old.lamp_on), (&new.room, new.lamp_on))
        {
            events.push(events::lamp(&prop, &new.stay_id, &room, on, actor));
        }
        new.updated_at = now;
        stay_store::update(tx, new).await?;
        Ok(())
    }

    /// What [`Self::reconcile`] does for a stay the PMS sends for the first time, without
    /// the queries (it has no messages or mail yet): arrival time and check-in event.
    fn created(&self, new: &mut StayRow, actor: &str, now: i64, events: &mut Vec<NewEvent>) {
        new.updated_at = now;
        if new.status == StayStatus::InHouse {
            new.checked_in_at = Some(now);
            events.push(event(
                events::GUEST_CHECKED_IN,
                &new.property_id,
                &new.stay_id,
                actor,
                &pb::GuestCheckedIn {
                    stay_id: new.stay_id.clone(),
                    reservation_id: new.reservation_id.clone(),
                    room: new.room.clone(),
                    at: Some(to_timestamp(now)),
                    mail_items_attached: 0,
                },
            ));
        }
        if matches!(new.status, StayStatus::Cancelled | StayStatus::NoShow) {
            events.push(event(
                events::STAY_CANCELLED,
                &new.property_id,
                &new.stay_id,
                actor,
                &pb::StayCancelled {
                    stay_id: new.stay_id.clone(),
                    reservation_id: new.reservation_id.clone(),
                    status: new.status as i32,
                },
            ));
        }
    }

    /// Records one custody step of an item (status already set) and its event.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn mail_step(
        &self,
        tx: &mut Tx,
        item: &mut MailRow,
        action: CustodyAction,
        actor: &str,
        now: i64,
        note: &str,
        events: &mut Vec<NewEvent>,
    ) -> Result<(), Error> {
        item.updated_at = now;
        mail_store::update(tx, item).await?;
        let step = CustodyRow {
            action,
            actor: actor.to_string(),
            at: now,
            status: item.status,
            note: note.to_string(),
        };
        mail_store::add_custody(tx, &item.item_id, &step).await?;
        item.custody.push(step);
        events.push(mail_event(item, action, actor));
        Ok(())
    }

    /// Recomputes a stay's lamp after its messages changed.
    pub(crate) async fn refresh_lamp(
        &self,
        tx: &mut Tx,
        stay: &mut StayRow,
        actor: &str,
        events: &mut Vec<NewEvent>,
    ) -> Result<(), Error> {
        // Lock first, then count: a message left and a message read at the same time cannot
        // leave the lamp dark with a message waiting (or lit with none).
        if let Some((status, room, lamp_on)) = stay_store::lock(tx, &stay.stay_id).await? {
            stay.status = status;
            stay.room = room;
            stay.lamp_on = lamp_on;
        }
        let unread = msg_store::unread_for_guest(tx, &stay.stay_id).await?;
        let on = lamp::should_be_on(stay.status, unread);
        if on != stay.lamp_on {
            stay.lamp_on = on;
            stay.updated_at = now_micros();
            stay_store::set_lamp(tx, &stay.stay_id, on, stay.updated_at).await?;
            events.push(events::lamp(
                &stay.property_id,
                &stay.stay_id,
                &stay.room,
                on,
                actor,
            ));
        }
        Ok(())
    }
}

pub(crate) fn mail_event(item: &MailRow, action: CustodyAction, actor: &str) -> NewEvent {
    event(
        events::MAIL_ITEM_CHANGED,
        &item.property_id,
        &item.item_id,
        actor,
        &pb::MailItemChanged {
            item_id: item.item_id.clone(),
            stay_id: item.stay_id.clone(),
            kind: item.kind as i32,
            sort_class: item.sort_class as i32,
            status: item.status as i32,
            action: action as i32,
        },
    )
}

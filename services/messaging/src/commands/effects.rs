//! What a change of a stay means for everything attached to it, whichever call made it (a
//! PMS sync or a single transition): held mail attaches at check-in, undelivered mail is
//! routed at check-out, the lamp follows the guest; plus the custody step every mail change
//! records and the lamp recomputed after messages change.

use super::{Error, Messaging, Tx};
use crate::domain::lamp;
use crate::domain::mail as mail_rules;
use crate::events::{self, event};
use crate::store::mail::{CustodyRow, MailRow};
use crate::store::stays::StayRow;
use crate::store::{mail as mail_store, messages as msg_store, stays as stay_store};
use frontdesk_platform::outbox::NewEvent;
use frontdesk_platform::time::{now_micros, to_timestamp};
use frontdesk_proto::messaging::v1::{
    self as pb, CustodyAction, MailStatus, SortClass, StayStatus,
};

impl Messaging {
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
                    item.return_due_at = Some(self.return_due_from_now());
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
    pub(super) fn created(
        &self,
        new: &mut StayRow,
        actor: &str,
        now: i64,
        events: &mut Vec<NewEvent>,
    ) {
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
            inquiry_id: item.inquiry_id.clone(),
        },
    )
}

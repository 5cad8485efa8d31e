//! Messaging's events: one proto message per fact, named by its full proto name, written to
//! the outbox in the same transaction as the change. Payloads carry ids and facts (stay,
//! room, times, statuses, kinds), never a guest's or visitor's name, phone, e-mail, address
//! or message text.

use frontdesk_platform::outbox::NewEvent;
use frontdesk_proto::messaging::v1 as pb;
use prost::Message;

pub const STAY_SYNCED: &str = "frontdesk.messaging.v1.StaySynced";
pub const GUEST_CHECKED_IN: &str = "frontdesk.messaging.v1.GuestCheckedIn";
pub const GUEST_CHECKED_OUT: &str = "frontdesk.messaging.v1.GuestCheckedOut";
pub const GUEST_ROOM_MOVED: &str = "frontdesk.messaging.v1.GuestRoomMoved";
pub const STAY_CANCELLED: &str = "frontdesk.messaging.v1.StayCancelled";
pub const LAMP_CHANGED: &str = "frontdesk.messaging.v1.LampChanged";
pub const GUEST_LOOKED_UP: &str = "frontdesk.messaging.v1.GuestLookedUp";
pub const MESSAGE_LEFT: &str = "frontdesk.messaging.v1.MessageLeft";
pub const MESSAGE_CHANGED: &str = "frontdesk.messaging.v1.MessageChanged";
pub const MAIL_ITEM_CHANGED: &str = "frontdesk.messaging.v1.MailItemChanged";
pub const SHIFT_CHANGED: &str = "frontdesk.messaging.v1.ShiftChanged";
pub const OUTGOING_POST_REGISTERED: &str = "frontdesk.messaging.v1.OutgoingPostRegistered";
pub const GUEST_ERASED: &str = "frontdesk.messaging.v1.GuestErased";

pub fn event<M: Message>(
    event_type: &str,
    property_id: &str,
    aggregate_id: &str,
    actor: &str,
    payload: &M,
) -> NewEvent {
    NewEvent {
        event_type: event_type.to_string(),
        property_id: property_id.to_string(),
        aggregate_id: aggregate_id.to_string(),
        actor: actor.to_string(),
        payload: payload.encode_to_vec(),
        traceparent: String::new(),
    }
}

pub fn lamp(property_id: &str, stay_id: &str, room: &str, on: bool, actor: &str) -> NewEvent {
    event(
        LAMP_CHANGED,
        property_id,
        stay_id,
        actor,
        &pb::LampChanged {
            stay_id: stay_id.to_string(),
            room: room.to_string(),
            on,
        },
    )
}

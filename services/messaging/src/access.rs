//! Who may call which MessagingService RPC (the gate in front of every handler; see
//! `frontdesk_platform::access`). The README's role matrix is printed from this table.
//!
//! LocateGuest is open to integrations (the telephone switch asks for the operator) but
//! only staff roles get the staff view with the room; the handler decides that per call.

use frontdesk_platform::access::Table;
use frontdesk_platform::auth::Role::{self, *};

/// The information desk (MD-2…MD-4): clerks, operators and their supervisors.
const DESK: &[Role] = &[Agent, Supervisor, Manager];
/// The PMS mirrors stays (integration); the desk corrects them by hand.
const PMS: &[Role] = &[Agent, Supervisor, Manager, Integration];
/// A full resync replaces a property's stays: the PMS, or a manager.
const SYNC: &[Role] = &[Manager, Integration];
/// Readers of stays, messages and mail: the desk, and other services (intake links).
const READ: &[Role] = &[Agent, Supervisor, Manager, Service];
const READ_STAY: &[Role] = &[Agent, Supervisor, Manager, Integration, Service];
/// The message-waiting lamps: the desk, the telephone-switch adapter (integration) and
/// services.
const LAMPS: &[Role] = &[Agent, Supervisor, Manager, Integration, Service];
/// MD-2.1: who looked whom up is read by supervisors only.
const AUDIT: &[Role] = &[Supervisor, Manager];
const ERASE: &[Role] = &[Manager];

pub const ACCESS: Table = Table {
    service: "frontdesk.messaging.v1.MessagingService",
    rules: &[
        ("SyncStays", SYNC),
        ("CheckIn", PMS),
        ("CheckOut", PMS),
        ("RoomMove", PMS),
        ("CancelStay", PMS),
        ("GetStay", READ_STAY),
        ("LocateGuest", PMS),
        ("ListGuestLookups", AUDIT),
        ("LeaveMessage", DESK),
        ("CompleteDeliveryTask", DESK),
        ("MarkMessageRead", PMS),
        ("LeaveMessageForVisitor", DESK),
        ("CollectVisitorMessage", DESK),
        ("GetMessage", READ),
        ("ListLitLamps", LAMPS),
        ("WatchLamps", LAMPS),
        ("RegisterMailItem", DESK),
        ("RecordMailCall", DESK),
        ("DeliverMailItem", DESK),
        ("ForwardMailItem", DESK),
        ("ReturnMailItem", DESK),
        ("GetMailItem", READ),
        ("ListMailItems", READ),
        ("RegisterOutgoingPost", DESK),
        ("ListOutgoingPost", READ),
        ("OpenShift", DESK),
        ("CloseShift", DESK),
        ("AcknowledgeHandover", DESK),
        ("GetHandover", DESK),
        ("EraseGuest", ERASE),
    ],
};

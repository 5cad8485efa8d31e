//! The desk's subcommands and their flags.

#[derive(Debug, clap::Subcommand)]
pub enum StayCmd {
    /// Send one stay as the PMS would (SyncStays; manager or integration role).
    Sync {
        /// The PMS reservation id.
        #[arg(long)]
        reservation: String,
        /// A guest as "中文名/English Name" (either part may be empty); repeat for room
        /// sharers.
        #[arg(long, required = true)]
        guest: Vec<String>,
        /// Room number, once assigned.
        #[arg(long, default_value = "")]
        room: String,
        /// expected, in_house, departed, cancelled, no_show
        #[arg(long, default_value = "expected")]
        status: String,
        /// none, no_information (never confirmed), incognito (confirmed to staff only)
        #[arg(long, default_value = "none")]
        privacy: String,
        /// RFC 3339 time or a date (YYYY-MM-DD: midnight in the --tz zone).
        #[arg(long)]
        arrival: Option<String>,
        /// RFC 3339 time or a date (YYYY-MM-DD: midnight in the --tz zone).
        #[arg(long)]
        departure: Option<String>,
        /// Where mail goes after departure.
        #[arg(long, default_value = "")]
        forwarding_address: String,
        /// Forward mail until then (RFC 3339 or date); default: no limit.
        #[arg(long)]
        forwarding_until: Option<String>,
        /// A VIP guest.
        #[arg(long)]
        vip: bool,
    },
    /// Expected → in house (held mail attaches, waiting messages light the lamp).
    CheckIn {
        /// The PMS reservation id.
        reservation: String,
        /// The room, if not assigned before.
        #[arg(long, default_value = "")]
        room: String,
    },
    /// In house → departed (lamp off; undelivered mail to forward or return).
    CheckOut {
        /// The PMS reservation id.
        reservation: String,
    },
    /// An in-house guest changes rooms; the lamp moves along.
    Move {
        /// The PMS reservation id.
        reservation: String,
        /// The new room.
        #[arg(long)]
        room: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum GuestCmd {
    /// "Is X staying here?" (MD-2.1). By default as for an outside caller: never a room, and
    /// a protected guest reads as absent. Every lookup goes to the access log.
    Locate {
        /// Chinese, pinyin or English, either name order.
        name: Option<String>,
        /// Or the reservation id.
        #[arg(long, default_value = "")]
        reservation: String,
        /// The desk's own lookup: matches with rooms and privacy levels.
        #[arg(long)]
        staff: bool,
        /// The intake inquiry this lookup answers: the inquiry lists it among its links.
        #[arg(long, default_value = "")]
        inquiry: String,
    },
    /// The lookup access log, newest first (supervisors and managers).
    Lookups {
        /// Lookups per page.
        #[arg(long, default_value_t = 20)]
        page_size: i32,
        /// The next page, as printed under the previous one.
        #[arg(long, default_value = "")]
        page_token: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum MessageCmd {
    /// A visitor's message for a guest (MD-3.1): three copies to put in place, lamp on.
    Leave {
        /// The guest's stay id …
        #[arg(
            long,
            conflicts_with = "reservation",
            required_unless_present = "reservation"
        )]
        stay: Option<String>,
        /// … or reservation (found by a staff lookup, which the access log records).
        #[arg(long)]
        reservation: Option<String>,
        /// The message, as the visitor gave it.
        #[arg(long)]
        text: String,
        /// Who left it.
        #[arg(long)]
        from: String,
        /// How to reach who left it.
        #[arg(long, default_value = "")]
        contact: String,
        /// The clerk or operator who took it; default: you.
        #[arg(long, default_value = "")]
        taken_by: String,
        /// The intake inquiry this message answers: the inquiry lists it among its links.
        #[arg(long, default_value = "")]
        inquiry: String,
        /// Default: a new random key (a retry of this command must pass the same key).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Copies put in place (`--copy mail_rack|switchboard|under_door|information_desk`,
    /// repeatable) and/or the guest has read it (`--read`; the lamp goes off when nothing
    /// else is waiting).
    Deliver {
        /// The message's id.
        message_id: String,
        /// A copy put in place: mail_rack, switchboard, under_door, information_desk.
        #[arg(long)]
        copy: Vec<String>,
        /// The guest has read it.
        #[arg(long)]
        read: bool,
    },
    /// One message with its copies and printable slip.
    Get {
        /// The message's id.
        message_id: String,
    },
    /// Rooms whose message-waiting lamp is on.
    Lamps,
}

#[derive(Debug, clap::Subcommand)]
pub enum MailCmd {
    /// Log an arriving item (MD-4.1); it is sorted and the class shown.
    Register {
        /// letter, registered, remittance_slip, fax, express, parcel
        #[arg(long)]
        kind: String,
        /// As written on the envelope.
        #[arg(long)]
        addressee: String,
        /// The guest's reservation, when known.
        #[arg(long, default_value = "")]
        reservation: String,
        /// Who brought it (SF, EMS, …).
        #[arg(long, default_value = "")]
        carrier: String,
        /// The carrier's tracking number.
        #[arg(long, default_value = "")]
        tracking: String,
        /// Who sent it, as written on it.
        #[arg(long, default_value = "")]
        sender: String,
        /// The intake inquiry this item belongs to: the inquiry lists it among its links.
        #[arg(long, default_value = "")]
        inquiry: String,
        /// Default: a new random key (a retry of this command must pass the same key).
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// The guest was phoned about a registered item (MD-4.3).
    Call {
        /// The item's id.
        item_id: String,
        /// Not reached: a "please contact the desk" message lights the lamp.
        #[arg(long)]
        not_reached: bool,
        /// What was said.
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Hand an item over against the recipient's signature: a PIN or a signature image.
    Deliver {
        /// The item's id.
        item_id: String,
        /// The name the recipient signed with.
        #[arg(long)]
        recipient: String,
        /// The PIN the recipient gave.
        #[arg(long, default_value = "")]
        pin: String,
        /// A PNG or JPEG file of the signature.
        #[arg(long)]
        signature: Option<std::path::PathBuf>,
        /// The bellboy or clerk; default: you.
        #[arg(long, default_value = "")]
        handed_over_by: String,
    },
    /// Send an item on to the guest's forwarding address (or `--address`).
    Forward {
        /// The item's id.
        item_id: String,
        /// Where to (default: the guest's forwarding address).
        #[arg(long, default_value = "")]
        address: String,
    },
    /// Send an item back to its sender.
    Return {
        /// The item's id.
        item_id: String,
        /// Why it goes back.
        #[arg(long)]
        reason: String,
    },
    /// One item with its custody log.
    Get {
        /// The item's id.
        item_id: String,
    },
    /// Items, newest first; `--status return_due` lists what is due back to its sender.
    List {
        /// Only these statuses (repeatable), e.g. awaiting_call, delivered, return_due.
        #[arg(long)]
        status: Vec<String>,
        /// Items per page.
        #[arg(long, default_value_t = 20)]
        page_size: i32,
        /// The next page, as printed under the previous one.
        #[arg(long, default_value = "")]
        page_token: String,
    },
}

#[derive(Debug, clap::Subcommand)]
pub enum ShiftCmd {
    /// Start a shift at a desk; shows the last handover still to acknowledge.
    Open {
        /// The desk, e.g. front or concierge.
        #[arg(long)]
        desk: String,
    },
    /// Close a shift: writes the handover with everything still open (MD-4.2).
    Close {
        /// The shift's id.
        shift_id: String,
        /// Notes for the next shift.
        #[arg(long, default_value = "")]
        notes: String,
        /// A call the next shift must return (repeatable).
        #[arg(long)]
        call: Vec<String>,
    },
    /// The next shift has read the handover.
    Ack {
        /// The handover's id.
        handover_id: String,
    },
}

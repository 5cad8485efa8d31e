//! Messaging's metrics: names with the `frontdesk_messaging_` prefix and base units; labels
//! never carry ids, names or rooms.

pub const STAYS_SYNCED: &str = "frontdesk_messaging_stays_synced_total";
pub const LOOKUPS: &str = "frontdesk_messaging_guest_lookups_total";
pub const MESSAGES_LEFT: &str = "frontdesk_messaging_messages_left_total";
pub const MAIL_REGISTERED: &str = "frontdesk_messaging_mail_items_registered_total";
pub const MAIL_DELIVERED: &str = "frontdesk_messaging_mail_items_delivered_total";
pub const GUESTS_ERASED: &str = "frontdesk_messaging_guests_erased_total";
pub const MAIL_RETURN_DUE: &str = "frontdesk_messaging_mail_items_return_due_total";

/// Describes every metric once at start (HELP lines on /metrics).
pub fn describe() {
    metrics::describe_counter!(
        STAYS_SYNCED,
        "Stays received from the PMS, by outcome (created, updated, unchanged)"
    );
    metrics::describe_counter!(
        LOOKUPS,
        "Guest lookups, by caller kind and what was disclosed"
    );
    metrics::describe_counter!(MESSAGES_LEFT, "Messages left, by direction");
    metrics::describe_counter!(
        MAIL_REGISTERED,
        "Mail items logged on arrival, by kind and sort class (MD-4.1)"
    );
    metrics::describe_counter!(
        MAIL_DELIVERED,
        "Mail items handed over against a signature, by kind"
    );
    metrics::describe_counter!(
        GUESTS_ERASED,
        "Stays whose guests' identifying data was erased on request (issue 8)"
    );
    metrics::describe_counter!(
        MAIL_RETURN_DUE,
        "Mail items the return sweep found past their return date (now due back to the sender), by kind"
    );
}

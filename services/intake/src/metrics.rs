//! Intake's metrics, described once when the service is mounted.

pub const INQUIRIES_CREATED: &str = "frontdesk_inquiries_created_total";
pub const PERSONAL_DATA_ERASED: &str = "frontdesk_intake_personal_data_erased_total";
pub const LINKS_RECORDED: &str = "frontdesk_intake_links_recorded_total";
pub const LINKS_REFUSED: &str = "frontdesk_intake_links_refused_total";

pub fn describe() {
    metrics::describe_counter!(
        INQUIRIES_CREATED,
        "Inquiries recorded, by channel and category"
    );
    metrics::describe_counter!(
        PERSONAL_DATA_ERASED,
        "Inquiries whose personal data was erased, by why (request, retention)"
    );
    metrics::describe_counter!(
        LINKS_RECORDED,
        "Lookups, messages and mail items messaging recorded for an inquiry, by kind"
    );
    metrics::describe_counter!(
        LINKS_REFUSED,
        "Messaging records naming an inquiry that was not linked, by reason \
         (unknown_inquiry, other_property)"
    );
}

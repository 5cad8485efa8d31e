//! Intake's metrics, described once when the service is mounted.

pub const INQUIRIES_CREATED: &str = "frontdesk_inquiries_created_total";
pub const PERSONAL_DATA_ERASED: &str = "frontdesk_intake_personal_data_erased_total";

pub fn describe() {
    metrics::describe_counter!(
        INQUIRIES_CREATED,
        "Inquiries recorded, by channel and category"
    );
    metrics::describe_counter!(
        PERSONAL_DATA_ERASED,
        "Inquiries whose personal data was erased, by why (request, retention)"
    );
}

//! Enums are stored by their proto names (`STAY_STATUS_IN_HOUSE`): stable, part of the
//! contract, and readable in the database.

use frontdesk_proto::messaging::v1 as pb;

pub trait Code: Sized + Copy {
    fn code(self) -> &'static str;
    fn from_code(code: &str) -> Option<Self>;
}

macro_rules! code {
    ($($t:ty),+ $(,)?) => {
        $(
            impl Code for $t {
                fn code(self) -> &'static str {
                    self.as_str_name()
                }
                fn from_code(code: &str) -> Option<Self> {
                    <$t>::from_str_name(code)
                }
            }
        )+
    };
}

code!(
    pb::StayStatus,
    pb::PrivacyLevel,
    pb::CallerKind,
    pb::Disclosure,
    pb::MessageDirection,
    pb::MessageStatus,
    pb::CopyKind,
    pb::MailKind,
    pb::SortClass,
    pb::MailStatus,
    pb::CustodyAction,
    pb::PostagePayment,
);

/// An enum from the wire; `None` for unspecified or unknown values (the caller names the
/// field).
pub fn from_wire<T: TryFrom<i32>>(v: i32) -> Option<T> {
    if v == 0 { None } else { T::try_from(v).ok() }
}

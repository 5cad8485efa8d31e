//! MD-4: the mail and parcel custody log.

use super::messages::NewMessage;
use super::{Error, Idempotency, Messaging, new_id, remember, replay, visible};
use crate::domain::mail::{self as rules, Candidate};
use crate::domain::names;
use crate::store::mail::{self as mail_store, MailRow};
use crate::store::stays::{self as stay_store, StayRow};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::messaging::v1::{
    CustodyAction, MailKind, MailStatus, MessageDirection, MessageStatus, SortClass, StayStatus,
};
use sha2::{Digest, Sha256};

/// A validated item to log.
#[derive(Debug, Clone)]
pub struct NewMailItem {
    pub property_id: String,
    pub kind: MailKind,
    pub carrier: String,
    pub tracking_number: String,
    pub addressee_name: String,
    pub reservation_id: String,
    pub sender: String,
    /// The intake inquiry it belongs to; empty when none.
    pub inquiry_id: String,
}

/// A validated signature.
#[derive(Debug, Clone)]
pub struct Signed {
    pub recipient_name: String,
    pub image: Option<Vec<u8>>,
    pub pin: String,
}

/// An item with the stay it was sorted to.
#[derive(Debug, Clone)]
pub struct MailView {
    pub item: MailRow,
    pub stay: Option<StayRow>,
}

fn kind_label(kind: MailKind) -> (&'static str, &'static str) {
    match kind {
        MailKind::Registered => ("挂号信", "registered letter"),
        MailKind::RemittanceSlip => ("汇款单", "remittance slip"),
        MailKind::Fax => ("传真", "fax"),
        MailKind::Express => ("快递", "express item"),
        MailKind::Parcel => ("包裹", "parcel"),
        _ => ("信件", "letter"),
    }
}

fn class_label(c: SortClass) -> &'static str {
    match c {
        SortClass::InHouse => "sorted: in-house guest",
        SortClass::HoldForArrival => "sorted: expected arrival, held",
        SortClass::Forward => "sorted: departed guest with forwarding address",
        SortClass::Departed => "sorted: departed guest",
        _ => "sorted: addressee not found",
    }
}

impl Messaging {
    #[tracing::instrument(skip_all, fields(property_id = %n.property_id, kind = ?n.kind))]
    pub async fn register_mail(
        &self,
        caller: &Caller,
        n: NewMailItem,
        idem: Idempotency,
    ) -> Result<(MailView, bool), Error> {
        let mut tx = self.begin().await?;
        if let Some(id) = replay(&mut tx, &idem).await? {
            return Ok((load(&mut tx, caller, &id).await?, false));
        }
        let mut stays = Vec::new();
        if !n.reservation_id.is_empty()
            && let Some(s) =
                stay_store::by_reservation(&mut tx, &n.property_id, &n.reservation_id).await?
        {
            stays.push(s);
        }
        if stays.is_empty() {
            let keys: Vec<String> = names::query_keys(&n.addressee_name).into_iter().collect();
            stays = stay_store::by_name_keys(&mut tx, &n.property_id, &keys).await?;
        }
        let now = now_micros();
        let candidates: Vec<Candidate> = stays
            .iter()
            .map(|s| Candidate {
                stay_id: s.stay_id.clone(),
                status: s.status,
                forwarding: s.forwarding(now),
            })
            .collect();
        let sorted = rules::sort(&candidates);
        let status = rules::initial_status(sorted.class, n.kind);
        let stay = sorted
            .stay_id
            .as_ref()
            .and_then(|id| stays.iter().find(|s| &s.stay_id == id).cloned());
        let mut item = MailRow {
            item_id: new_id(),
            property_id: n.property_id.clone(),
            kind: n.kind,
            carrier: n.carrier,
            tracking_number: n.tracking_number,
            addressee_name: n.addressee_name,
            sender: n.sender,
            sort_class: sorted.class,
            status,
            stay_id: sorted.stay_id.unwrap_or_default(),
            ambiguous: sorted.ambiguous,
            registered_at: now,
            return_due_at: (status == MailStatus::ToReturn).then(|| self.return_due_from_now()),
            forwarded_to: String::new(),
            delivered_to: String::new(),
            signature_image: None,
            signature_pin: String::new(),
            handed_over_by: String::new(),
            delivered_at: None,
            notice_message_id: String::new(),
            inquiry_id: n.inquiry_id,
            updated_at: now,
            custody: Vec::new(),
        };
        mail_store::insert(&mut tx, &item).await?;
        let mut events = Vec::new();
        let note = if item.ambiguous {
            format!(
                "{}; several guests match, check the addressee",
                class_label(item.sort_class)
            )
        } else {
            class_label(item.sort_class).to_string()
        };
        self.mail_step(
            &mut tx,
            &mut item,
            CustodyAction::Registered,
            &caller.subject,
            now,
            &note,
            &mut events,
        )
        .await?;
        remember(&mut tx, &idem, &item.item_id).await?;
        self.finish(tx, events).await?;
        metrics::counter!(
            crate::metrics::MAIL_REGISTERED,
            "kind" => item.kind.as_str_name(),
            "sort_class" => item.sort_class.as_str_name()
        )
        .increment(1);
        Ok((MailView { item, stay }, true))
    }

    /// MD-4.3 the desk phoned the guest about a registered item.
    #[tracing::instrument(skip_all, fields(item_id = %item_id, reached))]
    pub async fn record_call(
        &self,
        caller: &Caller,
        item_id: &str,
        reached: bool,
        note: &str,
    ) -> Result<MailView, Error> {
        let mut tx = self.begin().await?;
        let mut view = load(&mut tx, caller, item_id).await?;
        if view.item.status != MailStatus::AwaitingCall {
            return Err(Error::FailedPrecondition(format!(
                "the item is {}, not waiting for a call to the guest",
                status_label(view.item.status)
            )));
        }
        let mut stay = view
            .stay
            .clone()
            .filter(|s| s.status == StayStatus::InHouse)
            .ok_or_else(|| Error::FailedPrecondition("the addressee is not in house".into()))?;
        let now = now_micros();
        let mut events = Vec::new();
        let action = if reached {
            CustodyAction::GuestCalled
        } else {
            let (zh, en) = kind_label(view.item.kind);
            let stay_id = stay.stay_id.clone();
            let m = self
                .write_message(
                    &mut tx,
                    &mut stay,
                    NewMessage {
                        property_id: view.item.property_id.clone(),
                        stay_id,
                        direction: MessageDirection::ForGuest,
                        text: format!(
                            "您有一件{zh}在前台等候领取，请联系前台。 A {en} is waiting for you: please contact the front desk."
                        ),
                        from_name: "前台 Front desk".into(),
                        from_contact: String::new(),
                        visitor_name: String::new(),
                        taken_by: caller.subject.clone(),
                        // The notice is the desk's own, not an answer to the inquiry.
                        inquiry_id: String::new(),
                    },
                    &caller.subject,
                    &mut events,
                )
                .await?;
            view.item.notice_message_id = m.message_id;
            CustodyAction::GuestNotReached
        };
        view.item.status = MailStatus::AwaitingDelivery;
        self.mail_step(
            &mut tx,
            &mut view.item,
            action,
            &caller.subject,
            now,
            note,
            &mut events,
        )
        .await?;
        self.finish(tx, events).await?;
        view.stay = Some(stay);
        Ok(view)
    }

    /// Hands the item over against the recipient's signature.
    #[tracing::instrument(skip_all, fields(item_id = %item_id))]
    pub async fn deliver(
        &self,
        caller: &Caller,
        item_id: &str,
        sig: Signed,
        handed_over_by: &str,
    ) -> Result<MailView, Error> {
        let mut tx = self.begin().await?;
        let mut view = load(&mut tx, caller, item_id).await?;
        match view.item.status {
            MailStatus::AwaitingDelivery => {}
            MailStatus::AwaitingCall => {
                return Err(Error::FailedPrecondition(
                    "phone the guest first (MD-4.3): record the call with RecordMailCall".into(),
                ));
            }
            MailStatus::HeldForArrival => {
                return Err(Error::FailedPrecondition(
                    "the guest has not checked in yet; the item is held for arrival".into(),
                ));
            }
            other => {
                return Err(Error::FailedPrecondition(format!(
                    "the item is {} and can no longer be handed over",
                    status_label(other)
                )));
            }
        }
        let now = now_micros();
        let how = if sig.image.is_some() {
            "signature image"
        } else {
            "PIN"
        };
        view.item.status = MailStatus::Delivered;
        view.item.delivered_to = sig.recipient_name.clone();
        view.item.signature_image = sig.image;
        view.item.signature_pin = if sig.pin.is_empty() {
            String::new()
        } else {
            Sha256::digest(sig.pin.as_bytes())
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect()
        };
        view.item.handed_over_by = handed_over_by.to_string();
        view.item.delivered_at = Some(now);
        let mut events = Vec::new();
        let note = format!(
            "signed by {} ({how}), handed over by {handed_over_by}",
            sig.recipient_name
        );
        self.mail_step(
            &mut tx,
            &mut view.item,
            CustodyAction::Delivered,
            &caller.subject,
            now,
            &note,
            &mut events,
        )
        .await?;
        // The "please contact the desk" notice has done its work.
        if !view.item.notice_message_id.is_empty()
            && let Ok(mut notice) =
                super::messages::load(&mut tx, caller, &view.item.notice_message_id).await
            && notice.message.status == MessageStatus::Waiting
        {
            self.mark_read_in(&mut tx, &mut notice, &caller.subject, &mut events)
                .await?;
            view.stay = Some(notice.stay);
        }
        self.finish(tx, events).await?;
        metrics::counter!(crate::metrics::MAIL_DELIVERED, "kind" => view.item.kind.as_str_name())
            .increment(1);
        Ok(view)
    }

    #[tracing::instrument(skip_all, fields(item_id = %item_id))]
    pub async fn get_mail(&self, caller: &Caller, item_id: &str) -> Result<MailView, Error> {
        let mut conn = self.db.pool().acquire().await?;
        load(&mut conn, caller, item_id).await
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id))]
    pub async fn list_mail(
        &self,
        property_id: &str,
        statuses: &[MailStatus],
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<MailView>, Error> {
        let mut conn = self.db.pool().acquire().await?;
        let items = mail_store::list(&mut conn, property_id, statuses, after, limit).await?;
        let mut out = Vec::with_capacity(items.len());
        for item in items {
            let stay = stay_of(&mut conn, &item).await?;
            out.push(MailView { item, stay });
        }
        Ok(out)
    }
}

pub(super) fn open_or_refuse(item: &MailRow) -> Result<(), Error> {
    if rules::is_open(item.status) {
        Ok(())
    } else {
        Err(Error::FailedPrecondition(format!(
            "the item is already {}",
            status_label(item.status)
        )))
    }
}

pub fn status_label(s: MailStatus) -> &'static str {
    match s {
        MailStatus::AwaitingCall => "waiting for a call to the guest",
        MailStatus::AwaitingDelivery => "waiting to be handed over",
        MailStatus::HeldForArrival => "held for arrival",
        MailStatus::ToForward => "waiting to be forwarded",
        MailStatus::ToReturn => "waiting to be returned",
        MailStatus::Delivered => "delivered",
        MailStatus::Forwarded => "forwarded",
        MailStatus::Returned => "returned",
        MailStatus::ReturnDue => "due back to its sender",
        MailStatus::Unspecified => "in an unknown state",
    }
}

async fn stay_of(conn: &mut sqlx::AnyConnection, item: &MailRow) -> Result<Option<StayRow>, Error> {
    if item.stay_id.is_empty() {
        return Ok(None);
    }
    Ok(stay_store::get(conn, &item.stay_id).await?)
}

pub(super) async fn load(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    item_id: &str,
) -> Result<MailView, Error> {
    let item = mail_store::get(conn, item_id).await?;
    let item = visible(caller, item, |m| &m.property_id, "mail item", item_id)?;
    let stay = stay_of(conn, &item).await?;
    Ok(MailView { item, stay })
}

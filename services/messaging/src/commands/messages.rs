//! MD-3: visitor messages for guests (three copies, the lamp) and guest messages for
//! visitors (two copies).

use super::{Error, Idempotency, Messaging, Tx, new_id, remember, replay, visible};
use crate::domain::names;
use crate::events::{self, event};
use crate::store::messages::{self as msg_store, MessageRow, TaskRow};
use crate::store::stays::{self as stay_store, StayRow};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::outbox::NewEvent;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::messaging::v1::{
    self as pb, CopyKind, MessageDirection, MessageStatus, StayStatus,
};

/// A validated message to leave.
#[derive(Debug, Clone)]
pub struct NewMessage {
    pub property_id: String,
    pub stay_id: String,
    pub direction: MessageDirection,
    pub text: String,
    pub from_name: String,
    pub from_contact: String,
    pub visitor_name: String,
    pub taken_by: String,
    /// The intake inquiry it answers; empty when none.
    pub inquiry_id: String,
}

/// A message with the stay it belongs to (for the slip and the lamp).
#[derive(Debug, Clone)]
pub struct MessageView {
    pub message: MessageRow,
    pub stay: StayRow,
}

impl Messaging {
    #[tracing::instrument(skip_all, fields(property_id = %m.property_id, stay_id = %m.stay_id, direction = ?m.direction))]
    pub async fn leave_message(
        &self,
        caller: &Caller,
        m: NewMessage,
        idem: Idempotency,
    ) -> Result<(MessageView, bool), Error> {
        let mut tx = self.begin().await?;
        if let Some(id) = replay(&mut tx, &idem).await? {
            let view = load(&mut tx, caller, &id).await?;
            return Ok((view, false));
        }
        let mut stay = stay_store::get(&mut tx, &m.stay_id)
            .await?
            .filter(|s| s.property_id == m.property_id)
            .ok_or_else(|| Error::not_found("stay", &m.stay_id))?;
        let allowed = match m.direction {
            MessageDirection::ForVisitor => matches!(stay.status, StayStatus::InHouse),
            _ => matches!(stay.status, StayStatus::InHouse | StayStatus::Expected),
        };
        if !allowed {
            return Err(Error::FailedPrecondition(match m.direction {
                MessageDirection::ForVisitor => {
                    "only an in-house guest can leave a message for a visitor".to_string()
                }
                _ => format!(
                    "the stay is {}: a message cannot reach the guest; offer the visitor to \
                     write to the forwarding address or take their contact instead",
                    crate::domain::stay::label(stay.status)
                ),
            }));
        }
        let mut events = Vec::new();
        let message = self
            .write_message(&mut tx, &mut stay, m, &caller.subject, &mut events)
            .await?;
        remember(&mut tx, &idem, &message.message_id).await?;
        self.finish(tx, events).await?;
        metrics::counter!(crate::metrics::MESSAGES_LEFT, "direction" => message.direction.as_str_name())
            .increment(1);
        Ok((MessageView { message, stay }, true))
    }

    /// Writes a message with its copies and lights the lamp when it is for a guest.
    pub(crate) async fn write_message(
        &self,
        tx: &mut Tx,
        stay: &mut StayRow,
        m: NewMessage,
        actor: &str,
        events: &mut Vec<NewEvent>,
    ) -> Result<MessageRow, Error> {
        let now = now_micros();
        let message_id = new_id();
        let copies: &[CopyKind] = match m.direction {
            MessageDirection::ForVisitor => &[CopyKind::Switchboard, CopyKind::InformationDesk],
            _ => &[
                CopyKind::MailRack,
                CopyKind::Switchboard,
                CopyKind::UnderDoor,
            ],
        };
        let row = MessageRow {
            message_id: message_id.clone(),
            property_id: m.property_id.clone(),
            stay_id: stay.stay_id.clone(),
            direction: m.direction,
            text: m.text,
            from_name: m.from_name,
            from_contact: m.from_contact,
            visitor_name: m.visitor_name,
            taken_by: m.taken_by,
            status: MessageStatus::Waiting,
            created_at: now,
            read_at: None,
            collected_by: String::new(),
            identity_checked: String::new(),
            inquiry_id: m.inquiry_id,
            tasks: copies
                .iter()
                .map(|c| TaskRow {
                    task_id: new_id(),
                    message_id: message_id.clone(),
                    copy: *c,
                    done_by: String::new(),
                    done_at: None,
                })
                .collect(),
        };
        msg_store::insert(tx, &row).await?;
        events.push(event(
            events::MESSAGE_LEFT,
            &row.property_id,
            &row.message_id,
            actor,
            &pb::MessageLeft {
                message_id: row.message_id.clone(),
                stay_id: row.stay_id.clone(),
                direction: row.direction as i32,
                copies: copies.iter().map(|c| *c as i32).collect(),
                inquiry_id: row.inquiry_id.clone(),
            },
        ));
        self.refresh_lamp(tx, stay, actor, events).await?;
        Ok(row)
    }

    #[tracing::instrument(skip_all, fields(task_id = %task_id))]
    pub async fn complete_task(&self, caller: &Caller, task_id: &str) -> Result<TaskRow, Error> {
        let mut tx = self.begin().await?;
        let not_found = || Error::not_found("delivery task", task_id);
        let mut task = msg_store::get_task(&mut tx, task_id)
            .await?
            .ok_or_else(not_found)?;
        let view = load(&mut tx, caller, &task.message_id)
            .await
            .map_err(|_| not_found())?;
        if task.done_at.is_some() {
            return Ok(task);
        }
        if task.copy == CopyKind::UnderDoor && view.stay.status != StayStatus::InHouse {
            return Err(Error::FailedPrecondition(
                "the guest is not in house: there is no door to slide this copy under yet".into(),
            ));
        }
        let now = now_micros();
        msg_store::complete_task(&mut tx, task_id, &caller.subject, now).await?;
        task.done_by = caller.subject.clone();
        task.done_at = Some(now);
        let ev = event(
            events::MESSAGE_CHANGED,
            &view.message.property_id,
            &view.message.message_id,
            &caller.subject,
            &pb::MessageChanged {
                message_id: view.message.message_id.clone(),
                stay_id: view.message.stay_id.clone(),
                status: view.message.status as i32,
                copy_done: task.copy as i32,
            },
        );
        self.finish(tx, vec![ev]).await?;
        Ok(task)
    }

    /// The guest has the message; the lamp goes off when nothing else is unread.
    #[tracing::instrument(skip_all, fields(message_id = %message_id))]
    pub async fn mark_read(&self, caller: &Caller, message_id: &str) -> Result<MessageView, Error> {
        let mut tx = self.begin().await?;
        let mut view = load(&mut tx, caller, message_id).await?;
        if view.message.direction != MessageDirection::ForGuest {
            return Err(Error::FailedPrecondition(
                "a message for a visitor is collected, not read: use CollectVisitorMessage".into(),
            ));
        }
        if view.message.status == MessageStatus::Read {
            return Ok(view);
        }
        let mut events = Vec::new();
        self.mark_read_in(&mut tx, &mut view, &caller.subject, &mut events)
            .await?;
        self.finish(tx, events).await?;
        Ok(view)
    }

    pub(crate) async fn mark_read_in(
        &self,
        tx: &mut Tx,
        view: &mut MessageView,
        actor: &str,
        events: &mut Vec<NewEvent>,
    ) -> Result<(), Error> {
        view.message.status = MessageStatus::Read;
        view.message.read_at = Some(now_micros());
        msg_store::update_status(tx, &view.message).await?;
        events.push(event(
            events::MESSAGE_CHANGED,
            &view.message.property_id,
            &view.message.message_id,
            actor,
            &pb::MessageChanged {
                message_id: view.message.message_id.clone(),
                stay_id: view.message.stay_id.clone(),
                status: MessageStatus::Read as i32,
                copy_done: 0,
            },
        ));
        self.refresh_lamp(tx, &mut view.stay, actor, events).await
    }

    /// The visitor named by the guest identified themselves and took the message.
    #[tracing::instrument(skip_all, fields(message_id = %message_id))]
    pub async fn collect(
        &self,
        caller: &Caller,
        message_id: &str,
        visitor_name: &str,
        identity_checked: &str,
    ) -> Result<MessageView, Error> {
        let mut tx = self.begin().await?;
        let mut view = load(&mut tx, caller, message_id).await?;
        if view.message.direction != MessageDirection::ForVisitor {
            return Err(Error::FailedPrecondition(
                "only a message for a visitor is collected; a guest's message is marked read"
                    .into(),
            ));
        }
        if view.message.status == MessageStatus::Collected {
            return Err(Error::FailedPrecondition(
                "the message was already collected".into(),
            ));
        }
        if !names::same_person(visitor_name, &view.message.visitor_name) {
            return Err(Error::FailedPrecondition(
                "the name given does not match the visitor the guest named".into(),
            ));
        }
        view.message.status = MessageStatus::Collected;
        view.message.read_at = Some(now_micros());
        view.message.collected_by = caller.subject.clone();
        view.message.identity_checked = identity_checked.to_string();
        msg_store::update_status(&mut tx, &view.message).await?;
        let ev = event(
            events::MESSAGE_CHANGED,
            &view.message.property_id,
            &view.message.message_id,
            &caller.subject,
            &pb::MessageChanged {
                message_id: view.message.message_id.clone(),
                stay_id: view.message.stay_id.clone(),
                status: MessageStatus::Collected as i32,
                copy_done: 0,
            },
        );
        self.finish(tx, vec![ev]).await?;
        Ok(view)
    }

    #[tracing::instrument(skip_all, fields(message_id = %message_id))]
    pub async fn get_message(
        &self,
        caller: &Caller,
        message_id: &str,
    ) -> Result<MessageView, Error> {
        let mut conn = self.db.pool().acquire().await?;
        load(&mut conn, caller, message_id).await
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id))]
    pub async fn lit_lamps(
        &self,
        property_id: &str,
        after_room: &str,
        limit: i64,
    ) -> Result<Vec<(String, String, i64)>, Error> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(stay_store::lit_lamps(&mut conn, property_id, after_room, limit).await?)
    }
}

/// A message the caller may see, with its stay.
pub(crate) async fn load(
    conn: &mut sqlx::AnyConnection,
    caller: &Caller,
    message_id: &str,
) -> Result<MessageView, Error> {
    let message = msg_store::get(conn, message_id).await?;
    let message = visible(caller, message, |m| &m.property_id, "message", message_id)?;
    let stay = stay_store::get(conn, &message.stay_id)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("message {message_id} has no stay")))?;
    Ok(MessageView { message, stay })
}

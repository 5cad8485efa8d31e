//! MD-4.2 desk shifts and the handover log: a closing shift writes down everything still
//! open (messages not read or collected, copies not in place, mail not handed over,
//! forwarded or returned, calls to return, notes); the next shift acknowledges it.

use super::{Error, Messaging, new_id, visible};
use crate::events::{self, event};
use crate::store::shifts::{self as shift_store, HandoverRow, ShiftRow};
use crate::store::{self, mail as mail_store, messages as msg_store, stays as stay_store};
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::{now_micros, to_timestamp};
use frontdesk_proto::messaging::v1 as pb;
use prost::Message;
use std::collections::HashMap;

impl Messaging {
    #[tracing::instrument(skip_all, fields(property_id = %property_id, desk = %desk))]
    pub async fn open_shift(
        &self,
        caller: &Caller,
        property_id: &str,
        desk: &str,
    ) -> Result<(ShiftRow, Option<HandoverRow>), Error> {
        let mut tx = self.begin().await?;
        if !store::property_exists(&mut tx, property_id).await? {
            return Err(Error::not_found("property", property_id));
        }
        if let Some(open) = shift_store::open_shift(&mut tx, property_id, desk).await? {
            return Err(Error::FailedPrecondition(format!(
                "desk {desk} already has an open shift ({}, opened by {}): close it first",
                open.shift_id, open.opened_by
            )));
        }
        let shift = ShiftRow {
            shift_id: new_id(),
            property_id: property_id.to_string(),
            desk: desk.to_string(),
            opened_by: caller.subject.clone(),
            opened_at: now_micros(),
            closed_by: String::new(),
            closed_at: None,
        };
        shift_store::insert_shift(&mut tx, &shift).await?;
        let pending = shift_store::pending_handover(&mut tx, property_id, desk).await?;
        let ev = event(
            events::SHIFT_CHANGED,
            property_id,
            &shift.shift_id,
            &caller.subject,
            &pb::ShiftChanged {
                shift_id: shift.shift_id.clone(),
                desk: desk.to_string(),
                closed: false,
                handover_id: String::new(),
                open_messages: 0,
                open_mail: 0,
                acknowledged: false,
            },
        );
        self.finish(tx, vec![ev]).await?;
        Ok((shift, pending))
    }

    #[tracing::instrument(skip_all, fields(shift_id = %shift_id))]
    pub async fn close_shift(
        &self,
        caller: &Caller,
        shift_id: &str,
        notes: &str,
        calls_to_return: Vec<String>,
    ) -> Result<(ShiftRow, HandoverRow), Error> {
        let mut tx = self.begin().await?;
        let shift = shift_store::get_shift(&mut tx, shift_id).await?;
        let mut shift = visible(caller, shift, |s| &s.property_id, "shift", shift_id)?;
        if shift.closed_at.is_some() {
            return Err(Error::FailedPrecondition(format!(
                "the shift was already closed by {}",
                shift.closed_by
            )));
        }
        let now = now_micros();
        let prop = shift.property_id.clone();
        let messages = msg_store::open(&mut tx, &prop).await?;
        let mail = mail_store::open(&mut tx, &prop).await?;
        let mut rooms: HashMap<String, String> = HashMap::new();
        for stay_id in messages
            .iter()
            .map(|m| &m.stay_id)
            .chain(mail.iter().map(|m| &m.stay_id))
        {
            if stay_id.is_empty() || rooms.contains_key(stay_id) {
                continue;
            }
            let room = stay_store::get(&mut tx, stay_id)
                .await?
                .map(|s| s.room)
                .unwrap_or_default();
            rooms.insert(stay_id.clone(), room);
        }
        let room = |id: &str| rooms.get(id).cloned().unwrap_or_default();
        let handover_id = new_id();
        let snapshot = pb::Handover {
            handover_id: handover_id.clone(),
            shift_id: shift.shift_id.clone(),
            property_id: prop.clone(),
            desk: shift.desk.clone(),
            written_by: caller.subject.clone(),
            written_at: Some(to_timestamp(now)),
            open_messages: messages
                .iter()
                .map(|m| pb::HandoverMessage {
                    message_id: m.message_id.clone(),
                    direction: m.direction as i32,
                    stay_id: m.stay_id.clone(),
                    room: room(&m.stay_id),
                    open_copies: m
                        .tasks
                        .iter()
                        .filter(|t| t.done_at.is_none())
                        .map(|t| t.copy as i32)
                        .collect(),
                })
                .collect(),
            open_mail: mail
                .iter()
                .map(|i| pb::HandoverMailItem {
                    item_id: i.item_id.clone(),
                    kind: i.kind as i32,
                    status: i.status as i32,
                    stay_id: i.stay_id.clone(),
                    room: room(&i.stay_id),
                })
                .collect(),
            calls_to_return,
            notes: notes.to_string(),
            acknowledged_by: String::new(),
            acknowledged_at: None,
        };
        let row = HandoverRow {
            handover_id: handover_id.clone(),
            shift_id: shift.shift_id.clone(),
            property_id: prop.clone(),
            desk: shift.desk.clone(),
            written_at: now,
            snapshot: snapshot.encode_to_vec(),
            acknowledged_by: String::new(),
            acknowledged_at: None,
        };
        shift_store::insert_handover(&mut tx, &row).await?;
        shift_store::close_shift(&mut tx, &shift.shift_id, &caller.subject, now).await?;
        shift.closed_by = caller.subject.clone();
        shift.closed_at = Some(now);
        let ev = event(
            events::SHIFT_CHANGED,
            &prop,
            &shift.shift_id,
            &caller.subject,
            &pb::ShiftChanged {
                shift_id: shift.shift_id.clone(),
                desk: shift.desk.clone(),
                closed: true,
                handover_id,
                open_messages: snapshot.open_messages.len() as i32,
                open_mail: snapshot.open_mail.len() as i32,
                acknowledged: false,
            },
        );
        self.finish(tx, vec![ev]).await?;
        Ok((shift, row))
    }

    #[tracing::instrument(skip_all, fields(handover_id = %handover_id))]
    pub async fn acknowledge_handover(
        &self,
        caller: &Caller,
        handover_id: &str,
    ) -> Result<HandoverRow, Error> {
        let mut tx = self.begin().await?;
        let h = shift_store::get_handover(&mut tx, handover_id).await?;
        let mut h = visible(caller, h, |h| &h.property_id, "handover", handover_id)?;
        if h.acknowledged_at.is_some() {
            return Ok(h);
        }
        let written_by = pb::Handover::decode(h.snapshot.as_slice())
            .map_err(|e| Error::Internal(e.into()))?
            .written_by;
        if written_by == caller.subject {
            return Err(Error::FailedPrecondition(
                "the next shift acknowledges a handover, not the one who wrote it".into(),
            ));
        }
        let now = now_micros();
        shift_store::acknowledge(&mut tx, handover_id, &caller.subject, now).await?;
        h.acknowledged_by = caller.subject.clone();
        h.acknowledged_at = Some(now);
        let ev = event(
            events::SHIFT_CHANGED,
            &h.property_id,
            &h.shift_id,
            &caller.subject,
            &pb::ShiftChanged {
                shift_id: h.shift_id.clone(),
                desk: h.desk.clone(),
                closed: true,
                handover_id: h.handover_id.clone(),
                open_messages: 0,
                open_mail: 0,
                acknowledged: true,
            },
        );
        self.finish(tx, vec![ev]).await?;
        Ok(h)
    }

    #[tracing::instrument(skip_all, fields(handover_id = %handover_id))]
    pub async fn get_handover(
        &self,
        caller: &Caller,
        handover_id: &str,
    ) -> Result<HandoverRow, Error> {
        let mut conn = self.db.pool().acquire().await?;
        let h = shift_store::get_handover(&mut conn, handover_id).await?;
        visible(caller, h, |h| &h.property_id, "handover", handover_id)
    }
}

//! `frontdesk message …`, `frontdesk mail …` and `frontdesk shift …`: the desk's daily work.

use super::args::{MailCmd, MessageCmd, ShiftCmd};
use super::show::parse;
use super::stays::stay_of;
use super::{Client, DeskArgs, client, key};
use crate::client::status_error;
use anyhow::{Context, anyhow, bail};
use frontdesk_proto::messaging::v1 as pb;

pub async fn message(args: DeskArgs, cmd: MessageCmd) -> anyhow::Result<()> {
    let (mut c, out) = client(&args).await?;
    let prop = args.property;
    match cmd {
        MessageCmd::Leave {
            stay,
            reservation,
            text,
            from,
            contact,
            taken_by,
            inquiry,
            idempotency_key,
        } => {
            let stay_id = match (stay, reservation) {
                (Some(s), _) => s,
                (None, Some(r)) => stay_of(&mut c, &prop, &r).await?,
                (None, None) => bail!("--stay or --reservation is required"),
            };
            let r = c
                .leave_message(pb::LeaveMessageRequest {
                    property_id: prop,
                    stay_id,
                    text,
                    from_name: from,
                    from_contact: contact,
                    taken_by,
                    idempotency_key: key(idempotency_key),
                    inquiry_id: inquiry,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.message(&r.message.context("no message in the answer")?, r.lamp_on);
        }
        MessageCmd::Deliver {
            message_id,
            copy,
            read,
        } => {
            if copy.is_empty() && !read {
                bail!(
                    "say which copy was put in place (--copy under_door …) or that the guest has it (--read)"
                );
            }
            let mut m = get_message(&mut c, &message_id).await?;
            for name in &copy {
                let kind = parse::<pb::CopyKind>("copy", name)?;
                let task = m
                    .tasks
                    .iter()
                    .find(|t| t.copy == kind as i32)
                    .ok_or_else(|| anyhow!("this message has no {name} copy"))?;
                if !task.done {
                    c.complete_delivery_task(pb::CompleteDeliveryTaskRequest {
                        task_id: task.task_id.clone(),
                    })
                    .await
                    .map_err(status_error)?;
                }
            }
            let mut lamp = None;
            if read {
                let r = c
                    .mark_message_read(pb::MarkMessageReadRequest {
                        message_id: message_id.clone(),
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner();
                lamp = Some(r.lamp_on);
            }
            m = get_message(&mut c, &message_id).await?;
            let lamp_on = match lamp {
                Some(on) => on,
                None => lamp_of(&mut c, &m.stay_id).await?,
            };
            out.message(&m, lamp_on);
        }
        MessageCmd::Get { message_id } => {
            let m = get_message(&mut c, &message_id).await?;
            let lamp_on = lamp_of(&mut c, &m.stay_id).await?;
            out.message(&m, lamp_on);
        }
        MessageCmd::Lamps => {
            let mut lamps = Vec::new();
            let mut page_token = String::new();
            loop {
                let r = c
                    .list_lit_lamps(pb::ListLitLampsRequest {
                        property_id: prop.clone(),
                        page_size: 100,
                        page_token,
                    })
                    .await
                    .map_err(status_error)?
                    .into_inner();
                lamps.extend(r.lamps);
                if r.next_page_token.is_empty() {
                    break;
                }
                page_token = r.next_page_token;
            }
            out.lamps(&lamps);
        }
    }
    Ok(())
}

async fn get_message(c: &mut Client, id: &str) -> anyhow::Result<pb::Message> {
    c.get_message(pb::GetMessageRequest {
        message_id: id.to_string(),
    })
    .await
    .map_err(status_error)?
    .into_inner()
    .message
    .context("no message in the answer")
}

async fn lamp_of(c: &mut Client, stay_id: &str) -> anyhow::Result<bool> {
    Ok(c.get_stay(pb::GetStayRequest {
        stay_id: stay_id.to_string(),
    })
    .await
    .map_err(status_error)?
    .into_inner()
    .stay
    .is_some_and(|s| s.lamp_on))
}

pub async fn mail(args: DeskArgs, cmd: MailCmd) -> anyhow::Result<()> {
    let (mut c, out) = client(&args).await?;
    let prop = args.property;
    let item = match cmd {
        MailCmd::Register {
            kind,
            addressee,
            reservation,
            carrier,
            tracking,
            sender,
            inquiry,
            idempotency_key,
        } => {
            c.register_mail_item(pb::RegisterMailItemRequest {
                property_id: prop,
                kind: parse::<pb::MailKind>("kind", &kind)? as i32,
                carrier,
                tracking_number: tracking,
                addressee_name: addressee,
                reservation_id: reservation,
                sender,
                idempotency_key: key(idempotency_key),
                inquiry_id: inquiry,
            })
            .await
            .map_err(status_error)?
            .into_inner()
            .item
        }
        MailCmd::Call {
            item_id,
            not_reached,
            note,
        } => {
            c.record_mail_call(pb::RecordMailCallRequest {
                item_id,
                reached: !not_reached,
                note,
            })
            .await
            .map_err(status_error)?
            .into_inner()
            .item
        }
        MailCmd::Deliver {
            item_id,
            recipient,
            pin,
            signature,
            handed_over_by,
        } => {
            let image = match signature {
                Some(path) => std::fs::read(&path)
                    .with_context(|| format!("reading the signature {}", path.display()))?,
                None => Vec::new(),
            };
            c.deliver_mail_item(pb::DeliverMailItemRequest {
                item_id,
                signature: Some(pb::Signature {
                    recipient_name: recipient,
                    image,
                    pin,
                }),
                handed_over_by,
            })
            .await
            .map_err(status_error)?
            .into_inner()
            .item
        }
        MailCmd::Forward { item_id, address } => {
            c.forward_mail_item(pb::ForwardMailItemRequest { item_id, address })
                .await
                .map_err(status_error)?
                .into_inner()
                .item
        }
        MailCmd::Return { item_id, reason } => {
            c.return_mail_item(pb::ReturnMailItemRequest { item_id, reason })
                .await
                .map_err(status_error)?
                .into_inner()
                .item
        }
        MailCmd::Get { item_id } => {
            c.get_mail_item(pb::GetMailItemRequest { item_id })
                .await
                .map_err(status_error)?
                .into_inner()
                .item
        }
        MailCmd::List {
            status,
            page_size,
            page_token,
        } => {
            let statuses = status
                .iter()
                .map(|s| parse::<pb::MailStatus>("status", s).map(|s| s as i32))
                .collect::<anyhow::Result<_>>()?;
            let r = c
                .list_mail_items(pb::ListMailItemsRequest {
                    property_id: prop,
                    statuses,
                    page_size,
                    page_token,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.mail_list(&r);
            return Ok(());
        }
    };
    out.mail(&item.context("no item in the answer")?);
    Ok(())
}

pub async fn shift(args: DeskArgs, cmd: ShiftCmd) -> anyhow::Result<()> {
    let (mut c, out) = client(&args).await?;
    match cmd {
        ShiftCmd::Open { desk } => {
            let r = c
                .open_shift(pb::OpenShiftRequest {
                    property_id: args.property,
                    desk,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.shift(
                &r.shift.context("no shift in the answer")?,
                r.pending_handover.as_ref(),
            );
        }
        ShiftCmd::Close {
            shift_id,
            notes,
            call,
        } => {
            let r = c
                .close_shift(pb::CloseShiftRequest {
                    shift_id,
                    notes,
                    calls_to_return: call,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.shift(
                &r.shift.context("no shift in the answer")?,
                r.handover.as_ref(),
            );
        }
        ShiftCmd::Ack { handover_id } => {
            let r = c
                .acknowledge_handover(pb::AcknowledgeHandoverRequest { handover_id })
                .await
                .map_err(status_error)?
                .into_inner();
            out.handover(&r.handover.context("no handover in the answer")?);
        }
    }
    Ok(())
}

//! `frontdesk stay …` (as the PMS would send it) and `frontdesk guest …` (MD-2.1 lookups).

use super::args::{GuestCmd, StayCmd};
use super::show::{self, parse};
use super::{Client, DeskArgs, client};
use crate::client::status_error;
use anyhow::{Context, anyhow, bail};
use frontdesk_proto::messaging::v1 as pb;

/// RFC 3339, or a plain date at midnight in the run's zone (`--tz`, else this machine's).
fn when(flag: &str, v: Option<&String>) -> anyhow::Result<Option<prost_types::Timestamp>> {
    let Some(v) = v else { return Ok(None) };
    let t = match chrono::DateTime::parse_from_rfc3339(v) {
        Ok(t) => t.timestamp(),
        Err(_) => chrono::NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .ok()
            .and_then(crate::client::render::midnight)
            .ok_or_else(|| anyhow!("--{flag} {v:?}: an RFC 3339 time or YYYY-MM-DD"))?,
    };
    Ok(Some(prost_types::Timestamp {
        seconds: t,
        nanos: 0,
    }))
}

fn guest(s: &str) -> pb::Guest {
    let (zh, en) = s.split_once('/').unwrap_or_else(|| {
        // One name: Chinese if it has any CJK character, else English.
        if s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
            (s, "")
        } else {
            ("", s)
        }
    });
    pb::Guest {
        name_zh: zh.trim().to_string(),
        name_en: en.trim().to_string(),
        ..Default::default()
    }
}

pub async fn stay(args: DeskArgs, cmd: StayCmd) -> anyhow::Result<()> {
    let (mut c, out) = client(&args).await?;
    let prop = args.property;
    let stay = match cmd {
        StayCmd::Sync {
            reservation,
            guest: guests,
            room,
            status,
            privacy,
            arrival,
            departure,
            forwarding_address,
            forwarding_until,
            vip,
        } => {
            let record = pb::StayRecord {
                reservation_id: reservation,
                guests: guests.iter().map(|g| guest(g)).collect(),
                room,
                arrival: when("arrival", arrival.as_ref())?,
                departure: when("departure", departure.as_ref())?,
                status: parse::<pb::StayStatus>("status", &status)? as i32,
                privacy: parse::<pb::PrivacyLevel>("privacy", &privacy)? as i32,
                forwarding_address,
                forwarding_until: when("forwarding-until", forwarding_until.as_ref())?,
                vip,
            };
            let r = c
                .sync_stays(pb::SyncStaysRequest {
                    property_id: prop,
                    stays: vec![record],
                })
                .await
                .map_err(status_error)?
                .into_inner();
            let result = r.results.first().context("no result for the stay")?;
            let stay_id = result.stay_id.clone();
            let outcome = show::name::<pb::SyncOutcome>(result.outcome);
            let s = c
                .get_stay(pb::GetStayRequest { stay_id })
                .await
                .map_err(status_error)?
                .into_inner()
                .stay;
            if !out.json && !out.quiet {
                println!("{outcome}");
            }
            s
        }
        StayCmd::CheckIn { reservation, room } => {
            c.check_in(pb::CheckInRequest {
                property_id: prop,
                reservation_id: reservation,
                room,
            })
            .await
            .map_err(status_error)?
            .into_inner()
            .stay
        }
        StayCmd::CheckOut { reservation } => {
            c.check_out(pb::CheckOutRequest {
                property_id: prop,
                reservation_id: reservation,
            })
            .await
            .map_err(status_error)?
            .into_inner()
            .stay
        }
        StayCmd::Move { reservation, room } => {
            c.room_move(pb::RoomMoveRequest {
                property_id: prop,
                reservation_id: reservation,
                new_room: room,
            })
            .await
            .map_err(status_error)?
            .into_inner()
            .stay
        }
    };
    out.stay(&stay.context("no stay in the answer")?);
    Ok(())
}

pub async fn guest_cmd(args: DeskArgs, cmd: GuestCmd) -> anyhow::Result<()> {
    let (mut c, out) = client(&args).await?;
    match cmd {
        GuestCmd::Locate {
            name,
            reservation,
            staff,
            inquiry,
        } => {
            let kind = if staff {
                pb::CallerKind::Staff
            } else {
                pb::CallerKind::Outside
            };
            let r = c
                .locate_guest(pb::LocateGuestRequest {
                    property_id: args.property,
                    name: name.unwrap_or_default(),
                    reservation_id: reservation,
                    caller_kind: kind as i32,
                    inquiry_id: inquiry,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.located(&r);
        }
        GuestCmd::Lookups {
            page_size,
            page_token,
        } => {
            let r = c
                .list_guest_lookups(pb::ListGuestLookupsRequest {
                    property_id: args.property,
                    page_size,
                    page_token,
                })
                .await
                .map_err(status_error)?
                .into_inner();
            out.lookups(&r);
        }
    }
    Ok(())
}

/// The stay a reservation denotes, by a staff lookup (which the access log records).
pub(super) async fn stay_of(
    c: &mut Client,
    property: &str,
    reservation: &str,
) -> anyhow::Result<String> {
    let r = c
        .locate_guest(pb::LocateGuestRequest {
            property_id: property.to_string(),
            name: String::new(),
            reservation_id: reservation.to_string(),
            caller_kind: pb::CallerKind::Staff as i32,
            // The desk's own step towards the message, not an answer to the inquiry.
            inquiry_id: String::new(),
        })
        .await
        .map_err(status_error)?
        .into_inner();
    match r.matches.as_slice() {
        [m] => Ok(m.stay_id.clone()),
        [] => bail!("no stay with reservation {reservation:?} at {property}"),
        _ => bail!("several stays match reservation {reservation:?}: pass --stay"),
    }
}

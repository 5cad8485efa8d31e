//! MD-4.4 outgoing postal services for guests.

use super::{Error, Idempotency, Messaging, new_id, remember, replay};
use crate::events::{self, event};
use crate::store::outgoing::{self as post_store, PostRow};
use crate::store::stays as stay_store;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::messaging::v1::{self as pb, MailKind, PostagePayment, StayStatus};

/// A validated outgoing item.
#[derive(Debug, Clone)]
pub struct NewPost {
    pub property_id: String,
    pub stay_id: String,
    pub kind: MailKind,
    pub destination: String,
    pub carrier: String,
    pub postage_minor: i64,
    pub currency: String,
    pub payment: PostagePayment,
}

impl Messaging {
    /// Logs a guest's outgoing item; postage charged to the room needs an in-house guest.
    #[tracing::instrument(skip_all, fields(property_id = %n.property_id, stay_id = %n.stay_id))]
    pub async fn register_post(
        &self,
        caller: &Caller,
        n: NewPost,
        idem: Idempotency,
    ) -> Result<(PostRow, bool), Error> {
        let mut tx = self.begin().await?;
        if let Some(id) = replay(&mut tx, &idem).await? {
            let post = post_store::get(&mut tx, &id).await?.ok_or_else(|| {
                Error::Internal(anyhow::anyhow!(
                    "idempotency key points at missing post {id}"
                ))
            })?;
            return Ok((post, false));
        }
        let stay = stay_store::get(&mut tx, &n.stay_id)
            .await?
            .filter(|s| s.property_id == n.property_id)
            .ok_or_else(|| Error::not_found("stay", &n.stay_id))?;
        if n.payment == PostagePayment::ChargedToRoom && stay.status != StayStatus::InHouse {
            return Err(Error::FailedPrecondition(
                "postage can be charged to the room only while the guest is in house; take payment instead".into(),
            ));
        }
        let post = PostRow {
            post_id: new_id(),
            property_id: n.property_id,
            stay_id: stay.stay_id.clone(),
            room: if stay.status == StayStatus::InHouse {
                stay.room.clone()
            } else {
                String::new()
            },
            kind: n.kind,
            destination: n.destination,
            carrier: n.carrier,
            postage_minor: n.postage_minor,
            currency: n.currency,
            payment: n.payment,
            registered_by: caller.subject.clone(),
            registered_at: now_micros(),
        };
        post_store::insert(&mut tx, &post).await?;
        remember(&mut tx, &idem, &post.post_id).await?;
        let ev = event(
            events::OUTGOING_POST_REGISTERED,
            &post.property_id,
            &post.post_id,
            &caller.subject,
            &pb::OutgoingPostRegistered {
                post_id: post.post_id.clone(),
                stay_id: post.stay_id.clone(),
                kind: post.kind as i32,
                postage_minor: post.postage_minor,
                currency: post.currency.clone(),
                payment: post.payment as i32,
            },
        );
        self.finish(tx, vec![ev]).await?;
        Ok((post, true))
    }

    #[tracing::instrument(skip_all, fields(property_id = %property_id))]
    pub async fn list_post(
        &self,
        property_id: &str,
        after: Option<(i64, String)>,
        limit: i64,
    ) -> Result<Vec<PostRow>, Error> {
        let mut conn = self.db.pool().acquire().await?;
        Ok(post_store::list(&mut conn, property_id, after, limit).await?)
    }
}

//! CI-3.4 referrals: the partner and how to reach them go back to the caller to tell the
//! customer, and the follow-up (contacted, closed, declined) is recorded on the inquiry.

use crate::Error;
use crate::assignment_store as store;
use crate::assignments::{Assignments, uuid_v7, with_reason};
use crate::domain::directory::Partner;
use crate::domain::routed::Routed;
use crate::events::By;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::time::now_micros;
use frontdesk_proto::routing::v1::AssignmentChange;

impl Assignments {
    /// CI-3.4: the partner and how to reach them go back to the caller to tell the customer.
    pub async fn refer(
        &self,
        caller: &Caller,
        id: &str,
        partner_id: &str,
        note: &str,
    ) -> Result<(Routed, Partner, String, i64), Error> {
        let mut tx = self.routing().db.pool().begin().await?;
        let mut r = self.load(&mut tx, caller, id).await?;
        let partner = crate::store::get_partner(&mut tx, &r.property_id, partner_id)
            .await?
            .ok_or_else(|| {
                Error::invalid(
                    "partner_id",
                    format!("no partner {partner_id} at this property"),
                )
            })?;
        let at = now_micros();
        let referral_id = uuid_v7();
        store::insert_referral(
            &mut tx,
            &referral_id,
            id,
            partner_id,
            note,
            &caller.subject,
            at,
        )
        .await?;
        let loaded = r.version;
        r.noted(at);
        let contact = [
            partner.contact_name.as_str(),
            partner.phone.as_str(),
            partner.email.as_str(),
        ]
        .into_iter()
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ");
        let detail = with_reason(
            format!(
                "referred to {} ({contact}) by {}",
                partner.name, caller.subject
            ),
            note,
        );
        let holder = r.assignee.clone();
        let by = By {
            actor: &caller.subject,
            from_staff_id: &holder,
        };
        self.finish(tx, &r, loaded, AssignmentChange::Referred, detail, by)
            .await?;
        Ok((r, partner, referral_id, at))
    }

    pub async fn referrals(
        &self,
        caller: &Caller,
        id: &str,
    ) -> Result<(Routed, Vec<store::ReferralRow>), Error> {
        let mut conn = self.routing().db.pool().acquire().await?;
        let r = self.load(&mut conn, caller, id).await?;
        let rows = store::referrals_of(&mut conn, id).await?;
        Ok((r, rows))
    }

    /// CI-3.4 follow-up: referred → contacted → closed, or declined.
    pub async fn update_referral(
        &self,
        caller: &Caller,
        referral_id: &str,
        to: &str,
        note: &str,
    ) -> Result<store::ReferralRow, Error> {
        let mut tx = self.routing().db.pool().begin().await?;
        let row = store::referral(&mut tx, referral_id)
            .await?
            .ok_or_else(|| Error::not_found("referral", referral_id))?;
        let mut r = self.load(&mut tx, caller, &row.inquiry_id).await?;
        if !referral_move_allowed(&row.state, to) {
            return Err(Error::FailedPrecondition(format!(
                "a referral that is {} cannot become {to}",
                row.state
            )));
        }
        let at = now_micros();
        if !store::set_referral_state(&mut tx, referral_id, &row.state, to, at).await? {
            return Err(Error::Aborted(
                "the referral changed concurrently; retry".into(),
            ));
        }
        let loaded = r.version;
        r.noted(at);
        let detail = with_reason(
            format!(
                "referral {referral_id} to {}: {to} (by {})",
                row.partner_id, caller.subject
            ),
            note,
        );
        let holder = r.assignee.clone();
        let by = By {
            actor: &caller.subject,
            from_staff_id: &holder,
        };
        self.finish(tx, &r, loaded, AssignmentChange::Referred, detail, by)
            .await?;
        Ok(store::ReferralRow {
            state: to.to_string(),
            updated_at: at,
            ..row
        })
    }
}

/// referred → contacted | closed | declined; contacted → closed | declined; the end states
/// stay.
pub fn referral_move_allowed(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("referred", "contacted" | "closed" | "declined") | ("contacted", "closed" | "declined")
    )
}

#[cfg(test)]
mod tests {
    use super::referral_move_allowed;

    #[test]
    fn referrals_move_forward_only() {
        assert!(referral_move_allowed("referred", "contacted"));
        assert!(referral_move_allowed("contacted", "closed"));
        assert!(!referral_move_allowed("closed", "contacted"));
        assert!(!referral_move_allowed("declined", "closed"));
        assert!(!referral_move_allowed("referred", "referred"));
    }
}

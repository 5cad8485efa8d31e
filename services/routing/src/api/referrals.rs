//! Referral RPCs (CI-3.4): refer, list and follow up.

use super::*;

fn referral_to_pb(
    row: assignment_store::ReferralRow,
    partner: Option<&crate::domain::directory::Partner>,
) -> pb::Referral {
    let state = match row.state.as_str() {
        "contacted" => pb::ReferralState::Contacted,
        "closed" => pb::ReferralState::Closed,
        "declined" => pb::ReferralState::Declined,
        _ => pb::ReferralState::Referred,
    };
    pb::Referral {
        referral_id: row.referral_id,
        inquiry_id: row.inquiry_id,
        partner: partner.map(partner_to_pb),
        note: row.note,
        referred_by: row.referred_by,
        referred_at: Some(frontdesk_platform::time::to_timestamp(row.referred_at)),
        state: state as i32,
        updated_at: Some(frontdesk_platform::time::to_timestamp(row.updated_at)),
    }
}

impl RoutingApi {
    pub(super) async fn refer(&self, req: Request<pb::ReferRequest>) -> Res<pb::ReferResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let id = required(&r.inquiry_id, "inquiry_id")?;
        let partner_id = required(&r.partner_id, "partner_id")?;
        let (a, partner, referral_id, at) = self
            .assignments
            .refer(&caller, &id, &partner_id, r.note.trim())
            .await?;
        Ok(Response::new(pb::ReferResponse {
            assignment: Some(assignment_to_pb(&a, Vec::new())),
            referral: Some(pb::Referral {
                referral_id,
                inquiry_id: id,
                partner: Some(partner_to_pb(&partner)),
                note: r.note.trim().to_string(),
                referred_by: caller.subject.clone(),
                referred_at: Some(frontdesk_platform::time::to_timestamp(at)),
                state: pb::ReferralState::Referred as i32,
                updated_at: Some(frontdesk_platform::time::to_timestamp(at)),
            }),
        }))
    }

    pub(super) async fn list_referrals(
        &self,
        req: Request<pb::ListReferralsRequest>,
    ) -> Res<pb::ListReferralsResponse> {
        let caller = Caller::from_request(&req)?;
        let id = required(&req.get_ref().inquiry_id, "inquiry_id")?;
        let (routed, rows) = self.assignments.referrals(&caller, &id).await?;
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let mut referrals = Vec::with_capacity(rows.len());
        for row in rows {
            let partner = store::get_partner(&mut conn, &routed.property_id, &row.partner_id)
                .await
                .map_err(Error::from)?;
            referrals.push(referral_to_pb(row, partner.as_ref()));
        }
        Ok(Response::new(pb::ListReferralsResponse { referrals }))
    }

    pub(super) async fn update_referral(
        &self,
        req: Request<pb::UpdateReferralRequest>,
    ) -> Res<pb::UpdateReferralResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        if r.referral_id.trim().is_empty() {
            v.add("referral_id", "required");
        }
        let to = match pb::ReferralState::try_from(r.state) {
            Ok(pb::ReferralState::Contacted) => "contacted",
            Ok(pb::ReferralState::Closed) => "closed",
            Ok(pb::ReferralState::Declined) => "declined",
            _ => {
                v.add(
                    "state",
                    "one of REFERRAL_STATE_CONTACTED, _CLOSED, _DECLINED",
                );
                ""
            }
        };
        check(v)?;
        let row = self
            .assignments
            .update_referral(&caller, r.referral_id.trim(), to, r.note.trim())
            .await?;
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let routed = assignment_store::load(&mut conn, &row.inquiry_id)
            .await
            .map_err(Error::from)?;
        let partner = match routed {
            Some(a) => store::get_partner(&mut conn, &a.property_id, &row.partner_id)
                .await
                .map_err(Error::from)?,
            None => None,
        };
        Ok(Response::new(pb::UpdateReferralResponse {
            referral: Some(referral_to_pb(row, partner.as_ref())),
        }))
    }
}

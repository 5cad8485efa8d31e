//! GetKpiTargets / SetKpiTargets: a property's own targets over the chain's defaults. The
//! role gate (`access`) lets only managers set them; the handlers check the property.

use super::AnalyticsApi;
use crate::domain::kpi::Targets;
use crate::domain::targets::{self, Kpi, Overrides};
use crate::store;
use frontdesk_platform::auth::Caller;
use frontdesk_platform::error::{ServiceError, Violations};
use frontdesk_platform::time::{now_micros, to_timestamp};
use frontdesk_proto::analytics::v1 as pb;
use tonic::{Request, Response, Status};

fn to_pb(o: &Overrides) -> pb::TargetValues {
    pb::TargetValues {
        response_timeliness_pct: o.get(Kpi::Timeliness),
        answer_accuracy_pct: o.get(Kpi::Accuracy),
        satisfaction_pct: o.get(Kpi::Satisfaction),
        quiz_score_pct: o.get(Kpi::Quiz),
    }
}

fn from_pb(t: &pb::TargetValues) -> Overrides {
    Overrides {
        timeliness_pct: t.response_timeliness_pct,
        accuracy_pct: t.answer_accuracy_pct,
        satisfaction_pct: t.satisfaction_pct,
        quiz_pct: t.quiz_score_pct,
    }
}

/// The effective targets in percent (every field set).
fn effective_pb(t: &Targets) -> pb::TargetValues {
    let pct = |f: f64| Some((f * 100.0 * 1e9).round() / 1e9);
    pb::TargetValues {
        response_timeliness_pct: pct(t.timeliness),
        answer_accuracy_pct: pct(t.accuracy),
        satisfaction_pct: pct(t.satisfaction),
        quiz_score_pct: pct(t.quiz),
    }
}

fn required_property(property_id: &str) -> Result<String, ServiceError> {
    let p = property_id.trim();
    if p.is_empty() {
        return Err(Violations::single("property_id", "required").into());
    }
    Ok(p.to_string())
}

impl AnalyticsApi {
    /// The property's overrides and the targets its reports use.
    pub(super) async fn targets_of(
        &self,
        property_id: &str,
    ) -> Result<(Option<(Overrides, String, i64)>, Targets), Status> {
        let stored = store::targets(&self.db, property_id)
            .await
            .map_err(ServiceError::Internal)?;
        let effective = stored
            .as_ref()
            .map_or(self.targets, |(o, _, _)| o.apply(&self.targets));
        Ok((stored, effective))
    }

    async fn targets_response(&self, property_id: String) -> Result<pb::KpiTargets, Status> {
        let (stored, effective) = self.targets_of(&property_id).await?;
        let (overrides, by, at) = stored.map_or(
            (Overrides::default(), String::new(), None),
            |(o, by, at)| (o, by, Some(to_timestamp(at))),
        );
        Ok(pb::KpiTargets {
            property_id,
            effective: Some(effective_pb(&effective)),
            overrides: Some(to_pb(&overrides)),
            update_time: at,
            updated_by: by,
        })
    }

    pub(super) async fn get_targets(
        &self,
        req: Request<pb::GetKpiTargetsRequest>,
    ) -> Result<Response<pb::KpiTargets>, Status> {
        let caller = Caller::from_request(&req)?;
        let property_id = required_property(&req.get_ref().property_id)?;
        caller.require_access(&property_id)?;
        Ok(Response::new(self.targets_response(property_id).await?))
    }

    pub(super) async fn set_targets(
        &self,
        req: Request<pb::SetKpiTargetsRequest>,
    ) -> Result<Response<pb::KpiTargets>, Status> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = required_property(&r.property_id)?;
        caller.require_access(&property_id)?;
        let paths = r.update_mask.map(|m| m.paths).unwrap_or_default();
        let given = from_pb(&r.targets.unwrap_or_default());
        // Read, merge the masked fields, write only if unchanged since the read: two managers
        // setting different targets at once both keep their change.
        let mut attempts = 0;
        let merged = loop {
            let (stored, _) = self.targets_of(&property_id).await?;
            let read_at = stored.as_ref().map(|(_, _, at)| *at);
            let stored = stored.map(|(o, _, _)| o).unwrap_or_default();
            let merged = targets::merge(&stored, &given, &paths).map_err(ServiceError::from)?;
            let written = store::put_targets(
                &self.db,
                &property_id,
                &merged,
                &caller.subject,
                now_micros(),
                read_at,
            )
            .await
            .map_err(ServiceError::Internal)?;
            if written {
                break merged;
            }
            attempts += 1;
            // Each round one writer wins; ten rounds outlast any number of managers a
            // property has editing its targets at the same moment.
            if attempts == 10 {
                return Err(ServiceError::Aborted(
                    "the targets changed while being set; retry".into(),
                )
                .into());
            }
        };
        tracing::info!(property_id, by = caller.subject, ?merged, "KPI targets set");
        Ok(Response::new(self.targets_response(property_id).await?))
    }
}

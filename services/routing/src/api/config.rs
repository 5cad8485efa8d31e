//! Per-property configuration RPCs: routing rules and SLA policies, and deadline previews.

use super::*;

/// A field inside a policy text, under the request field that carried it.
fn toml_field(field: &str) -> String {
    if field.is_empty() {
        "policy_toml".to_string()
    } else {
        format!("policy_toml.{field}")
    }
}

impl RoutingApi {
    async fn rules_response(&self, property_id: String) -> Res<pb::RoutingRulesResponse> {
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let stored = store::property_config(&mut conn, &property_id, crate::engine::RULES)
            .await
            .map_err(Error::from)?;
        let rules = self
            .assignments
            .routing()
            .rules_for(&mut conn, &property_id)
            .await
            .map_err(Error::from)?;
        let (version, overrides_toml) = stored.unwrap_or_default();
        Ok(Response::new(pb::RoutingRulesResponse {
            property_id,
            effective_toml: rules.to_toml(),
            overrides_toml,
            version,
        }))
    }

    async fn sla_response(&self, property_id: String) -> Res<pb::SlaPolicyResponse> {
        let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
        let stored = store::property_config(&mut conn, &property_id, crate::engine::SLA)
            .await
            .map_err(Error::from)?;
        let policy = self
            .assignments
            .routing()
            .policy_for(&mut conn, &property_id)
            .await
            .map_err(Error::from)?;
        let (version, overrides_toml) = stored.unwrap_or_default();
        Ok(Response::new(pb::SlaPolicyResponse {
            property_id,
            overrides_toml,
            version,
            effective_toml: policy.to_toml(),
        }))
    }

    pub(super) async fn preview_deadlines(
        &self,
        req: Request<pb::PreviewDeadlinesRequest>,
    ) -> Res<pb::PreviewDeadlinesResponse> {
        use crate::domain::calendar::{Clock, Complexity};
        use frontdesk_proto::common::v1 as common;
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let mut v = Violations::new();
        let channel = common::Channel::from_wire(r.channel)
            .map(crate::intake_events::sla_channel)
            .or_else(|| {
                v.add("channel", "required: one of the CHANNEL_* values");
                None
            });
        let category = common::Category::from_wire(r.category)
            .and_then(|c| c.code())
            .or_else(|| {
                v.add("category", "required: one of the CATEGORY_* values");
                None
            });
        let complexity = match common::Complexity::from_wire(r.complexity) {
            Some(common::Complexity::Simple) => Some(Complexity::Simple),
            Some(common::Complexity::Complex) => Some(Complexity::Complex),
            _ => {
                v.add(
                    "complexity",
                    "required: COMPLEXITY_SIMPLE or COMPLEXITY_COMPLEX",
                );
                None
            }
        };
        let arrival = match r.arrive_time.as_ref() {
            None => now_micros(),
            Some(t) => frontdesk_platform::time::from_timestamp(t).unwrap_or_else(|| {
                v.add("arrive_time", "not a valid time");
                0
            }),
        };
        let draft = if r.policy_toml.trim().is_empty() {
            None
        } else {
            match crate::domain::sla_policy::SlaPolicy::parse(&r.policy_toml) {
                Ok(p) => Some(p),
                Err(found) => {
                    for (field, description) in found {
                        v.add(toml_field(&field), description);
                    }
                    None
                }
            }
        };
        check(v)?;
        let (Some(channel), Some(category), Some(complexity)) = (channel, category, complexity)
        else {
            return Err(Status::internal("unreachable: request validated"));
        };
        let policy = match draft {
            Some(p) => std::sync::Arc::new(p),
            None => {
                let mut conn = self.db.pool().acquire().await.map_err(Error::from)?;
                self.assignments
                    .routing()
                    .policy_for(&mut conn, &property_id)
                    .await
                    .map_err(Error::from)?
            }
        };
        let at = chrono::DateTime::from_timestamp_micros(arrival).unwrap_or_default();
        let p = crate::domain::sla_preview::preview(&policy, channel, category, complexity, at)
            .map_err(|e| Error::FailedPrecondition(format!("deadlines cannot be planned: {e}")))?;
        let ts = |t: chrono::DateTime<chrono::Utc>| {
            frontdesk_platform::time::to_timestamp(t.timestamp_micros())
        };
        let target = |t: &crate::domain::sla_preview::TargetPreview| pb::TargetPreview {
            setting: t.setting.clone(),
            target: Some(prost_types::Duration {
                seconds: t.target.num_seconds(),
                nanos: t.target.subsec_nanos(),
            }),
            clock: match t.clock {
                Clock::AroundTheClock => pb::SlaClock::AroundTheClock,
                Clock::BusinessHours => pb::SlaClock::BusinessHours,
            } as i32,
            clock_start_time: Some(ts(t.clock_starts)),
            due_time: Some(ts(t.due)),
            explanation: t.explanation.clone(),
        };
        Ok(Response::new(pb::PreviewDeadlinesResponse {
            first_response: Some(target(&p.first_response)),
            resolution: Some(target(&p.resolution)),
            timers: p
                .timers
                .iter()
                .map(|(k, t)| pb::PreviewTimer {
                    deadline_kind: k.code().to_string(),
                    due_time: Some(ts(*t)),
                })
                .collect(),
            time_zone: p.time_zone.name().to_string(),
        }))
    }

    pub(super) async fn get_routing_rules(
        &self,
        req: Request<pb::GetRoutingRulesRequest>,
    ) -> Res<pb::RoutingRulesResponse> {
        let caller = Caller::from_request(&req)?;
        let property_id = property(&caller, &req.get_ref().property_id, "property_id")?;
        self.rules_response(property_id).await
    }

    pub(super) async fn set_routing_rules(
        &self,
        req: Request<pb::SetRoutingRulesRequest>,
    ) -> Res<pb::RoutingRulesResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let max = crate::domain::routing_rules::MAX_RULES_BYTES;
        if r.toml.len() > max {
            return Err(Error::invalid(
                "toml",
                format!(
                    "rules are {} bytes; at most {max} are accepted",
                    r.toml.len()
                ),
            )
            .into());
        }
        let rules = crate::domain::routing_rules::RoutingRules::default_rules()
            .with_override(&r.toml)
            .map_err(|v| Error::InvalidArgument(prefixed("toml", v)))?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        let known = store::department_codes(&mut tx, &property_id)
            .await
            .map_err(Error::from)?;
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        rules
            .validate(&known)
            .map_err(|v| Error::InvalidArgument(prefixed("toml", v)))?;
        store::save_property_config(
            &mut tx,
            &property_id,
            crate::engine::RULES,
            &r.toml,
            &caller.subject,
        )
        .await
        .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %property_id, by = %caller.subject, "routing rules saved");
        self.rules_response(property_id).await
    }

    pub(super) async fn get_sla_policy(
        &self,
        req: Request<pb::GetSlaPolicyRequest>,
    ) -> Res<pb::SlaPolicyResponse> {
        let caller = Caller::from_request(&req)?;
        let property_id = property(&caller, &req.get_ref().property_id, "property_id")?;
        self.sla_response(property_id).await
    }

    pub(super) async fn set_sla_policy(
        &self,
        req: Request<pb::SetSlaPolicyRequest>,
    ) -> Res<pb::SlaPolicyResponse> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let property_id = property(&caller, &r.property_id, "property_id")?;
        let max = crate::domain::routing_rules::MAX_RULES_BYTES;
        if r.toml.len() > max {
            return Err(Error::invalid(
                "toml",
                format!(
                    "at most {max} bytes (got {}): an SLA policy is a page, not a file dump",
                    r.toml.len()
                ),
            )
            .into());
        }
        // The same checks routing runs when it plans an inquiry's deadlines: a policy saved
        // here can always be planned with.
        crate::domain::sla_policy::SlaPolicy::parse(&r.toml).map_err(|found| {
            let mut v = Violations::new();
            for (field, description) in found {
                let field = if field.is_empty() {
                    "toml".to_string()
                } else {
                    format!("toml.{field}")
                };
                v.add(field, description);
            }
            Error::InvalidArgument(v)
        })?;
        let mut tx = self.db.pool().begin().await.map_err(Error::from)?;
        store::save_property_config(
            &mut tx,
            &property_id,
            crate::engine::SLA,
            &r.toml,
            &caller.subject,
        )
        .await
        .map_err(Error::from)?;
        tx.commit().await.map_err(Error::from)?;
        tracing::info!(property_id = %property_id, by = %caller.subject, "SLA policy saved");
        self.sla_response(property_id).await
    }
}

//! gRPC handlers: authenticate, validate, read the facts, compute (domain), encode.

pub mod convert;
mod targets;

use crate::domain::kpi::{self, Breakdown, Targets, TimelinessRule};
use crate::domain::topics;
use crate::{metrics, store};
use frontdesk_platform::auth::{Caller, Role};
use frontdesk_platform::db::Db;
use frontdesk_platform::error::{ServiceError, Violations};
use frontdesk_platform::fanout::Fanout;
use frontdesk_platform::shutdown::Shutdown;
use frontdesk_platform::time::{from_timestamp, to_timestamp};
use frontdesk_proto::analytics::v1::{self as pb, analytics_service_server::AnalyticsService};
use tonic::{Request, Response, Status};

#[derive(Clone)]
pub struct AnalyticsApi {
    db: Db,
    rule: TimelinessRule,
    /// The chain's default targets (settings); a property's own override them.
    targets: Targets,
    /// Wakes live KPI streams when facts change (see `live`).
    fanout: Fanout,
    shutdown: Shutdown,
}

impl AnalyticsApi {
    pub fn new(
        db: Db,
        rule: TimelinessRule,
        targets: Targets,
        fanout: Fanout,
        shutdown: Shutdown,
    ) -> Self {
        AnalyticsApi {
            db,
            rule,
            targets,
            fanout,
            shutdown,
        }
    }

    /// A property's anomaly episodes going on, newest first (for the wallboard).
    pub async fn open_anomalies(&self, property_id: &str) -> Result<Vec<pb::Anomaly>, Status> {
        let rows = store::anomalies::list(&self.db, property_id, true, None, 50)
            .await
            .map_err(ServiceError::Internal)?;
        Ok(rows.iter().map(convert::anomaly).collect())
    }

    /// A property's KPIs of inquiries created in [from, to), as the wire has them.
    pub async fn totals(&self, property_id: &str, from: i64, to: i64) -> Result<pb::Kpis, Status> {
        let report = self.report(property_id, from, to, None).await?;
        Ok(convert::kpis(&report.total))
    }

    /// The report of a property's facts and quiz scores in [from, to).
    async fn report(
        &self,
        property_id: &str,
        from: i64,
        to: i64,
        by: Option<Breakdown>,
    ) -> Result<kpi::Report, Status> {
        let dim = by.unwrap_or(kpi::TOTAL_FROM);
        let groups =
            store::rollups::counters_in_period(&self.db, &self.rule, property_id, from, to, dim)
                .await
                .map_err(ServiceError::Internal)?;
        let quizzes = store::quizzes_in_period(&self.db, property_id, from, to)
            .await
            .map_err(ServiceError::Internal)?;
        let (_, targets) = self.targets_of(property_id).await?;
        Ok(kpi::report_from(groups, &quizzes, &targets, by))
    }
}

/// A validated report request.
struct Query {
    property_id: String,
    from: i64,
    to: i64,
    group_by: pb::GroupBy,
}

fn validate(req: &pb::GetKpiReportRequest) -> Result<Query, ServiceError> {
    let (property_id, from, to, mut v) = period(
        &req.property_id,
        req.from_time.as_ref(),
        req.to_time.as_ref(),
    );
    let group_by = pb::GroupBy::try_from(req.group_by).ok();
    if group_by.is_none() {
        v.add("group_by", format!("unknown value {}", req.group_by));
    }
    v.into_result(())?;
    Ok(Query {
        property_id,
        from,
        to,
        group_by: group_by.unwrap_or_default(),
    })
}

/// A property and a period [from, to), with what is wrong with them.
fn period(
    property_id: &str,
    from_time: Option<&prost_types::Timestamp>,
    to_time: Option<&prost_types::Timestamp>,
) -> (String, i64, i64, Violations) {
    let mut v = Violations::new();
    if property_id.trim().is_empty() {
        v.add("property_id", "required");
    }
    let mut time = |ts: Option<&prost_types::Timestamp>, field: &str| match ts {
        None => {
            v.add(field, "required");
            None
        }
        Some(t) => {
            let at = from_timestamp(t);
            if at.is_none() {
                v.add(field, "not a valid timestamp");
            }
            at
        }
    };
    let from = time(from_time, "from_time");
    let to = time(to_time, "to_time");
    if let (Some(f), Some(t)) = (from, to)
        && t <= f
    {
        v.add("to_time", "must be after from_time");
    }
    (
        property_id.trim().to_string(),
        from.unwrap_or_default(),
        to.unwrap_or_default(),
        v,
    )
}

fn breakdown(g: pb::GroupBy) -> Option<Breakdown> {
    match g {
        pb::GroupBy::Unspecified => None,
        pb::GroupBy::Department => Some(Breakdown::Department),
        pb::GroupBy::Employee => Some(Breakdown::Employee),
        pb::GroupBy::Channel => Some(Breakdown::Channel),
        pb::GroupBy::Category => Some(Breakdown::Category),
    }
}

impl AnalyticsApi {
    /// Authorizes, validates and computes a report (shared by the RPCs).
    async fn compute(
        &self,
        req: &Request<pb::GetKpiReportRequest>,
    ) -> Result<(Query, kpi::Report), Status> {
        let caller = Caller::from_request(req)?;
        let q = validate(req.get_ref())?;
        // CI-5.5: an agent sees their own row of the per-employee report, nothing else.
        let own_row_only = caller.role == Role::Agent;
        if own_row_only && q.group_by != pb::GroupBy::Employee {
            return Err(Status::permission_denied(
                "agents may read only their own row of the per-employee report (group_by = GROUP_BY_EMPLOYEE)",
            ));
        }
        caller.require_access(&q.property_id)?;
        let mut report = self
            .report(&q.property_id, q.from, q.to, breakdown(q.group_by))
            .await?;
        if own_row_only {
            report.groups.retain(|(k, _)| *k == caller.subject);
            report.total = match report.groups.first() {
                Some((_, k)) => k.clone(),
                None => {
                    let (_, targets) = self.targets_of(&q.property_id).await?;
                    kpi::report(&[], &[], &self.rule, &targets, None).total
                }
            };
        }
        metrics::report_served(q.group_by.as_str_name());
        Ok((q, report))
    }
}

#[tonic::async_trait]
impl AnalyticsService for AnalyticsApi {
    async fn get_kpi_report(
        &self,
        req: Request<pb::GetKpiReportRequest>,
    ) -> Result<Response<pb::GetKpiReportResponse>, Status> {
        let (q, report) = self.compute(&req).await?;
        Ok(Response::new(pb::GetKpiReportResponse {
            property_id: q.property_id,
            from_time: Some(to_timestamp(q.from)),
            to_time: Some(to_timestamp(q.to)),
            group_by: q.group_by as i32,
            total: Some(convert::kpis(&report.total)),
            groups: report
                .groups
                .iter()
                .map(|(key, k)| pb::KpiGroup {
                    key: key.clone(),
                    kpis: Some(convert::kpis(k)),
                })
                .collect(),
            rule: Some(convert::rule(&self.rule)),
        }))
    }

    async fn get_hot_topics(
        &self,
        req: Request<pb::GetHotTopicsRequest>,
    ) -> Result<Response<pb::GetHotTopicsResponse>, Status> {
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let (property_id, from, to, mut v) =
            period(&r.property_id, r.from_time.as_ref(), r.to_time.as_ref());
        let limit = match r.limit {
            0 => 10,
            n @ 1..=50 => n as usize,
            _ => {
                v.add("limit", "0 (for 10) to 50");
                10
            }
        };
        v.into_result(()).map_err(ServiceError::from)?;
        caller.require_access(&property_id)?;
        let before = from - (to - from);
        let (cats_now, terms_now) = store::topic_rows(&self.db, &property_id, from, to)
            .await
            .map_err(ServiceError::Internal)?;
        let (cats_before, terms_before) = store::topic_rows(&self.db, &property_id, before, from)
            .await
            .map_err(ServiceError::Internal)?;
        let ranked = |now: &[(String, String)], before: &[(String, String)]| {
            let tally = |rows: &[(String, String)]| {
                topics::tally(rows.iter().map(|(k, id)| (k.as_str(), id.as_str())))
            };
            topics::rank(&tally(now), &tally(before), limit)
                .into_iter()
                .map(|t| pb::Topic {
                    rise: t.rise(),
                    key: t.key,
                    count: t.count,
                    previous_count: t.previous,
                    example_inquiry_ids: t.examples,
                })
                .collect()
        };
        Ok(Response::new(pb::GetHotTopicsResponse {
            property_id,
            from_time: Some(to_timestamp(from)),
            to_time: Some(to_timestamp(to)),
            categories: ranked(&cats_now, &cats_before),
            terms: ranked(&terms_now, &terms_before),
        }))
    }

    type WatchKpisStream = crate::live::KpiStream;

    async fn watch_kpis(
        &self,
        req: Request<pb::WatchKpisRequest>,
    ) -> Result<Response<Self::WatchKpisStream>, Status> {
        let caller = Caller::from_request(&req)?;
        let slot = frontdesk_platform::limits::stream_slot(&req, &caller)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        if r.property_id.trim().is_empty() {
            v.add("property_id", "required");
        }
        let from = match r.from_time.as_ref() {
            None => {
                v.add("from_time", "required: e.g. the start of today");
                0
            }
            Some(t) => from_timestamp(t).unwrap_or_else(|| {
                v.add("from_time", "not a valid timestamp");
                0
            }),
        };
        v.into_result(()).map_err(ServiceError::from)?;
        let property_id = r.property_id.trim().to_string();
        caller.require_access(&property_id)?;
        Ok(Response::new(crate::live::stream(
            self.clone(),
            property_id,
            from,
            self.fanout.subscribe(),
            self.shutdown.clone(),
            slot,
        )))
    }

    async fn get_kpi_targets(
        &self,
        req: Request<pb::GetKpiTargetsRequest>,
    ) -> Result<Response<pb::KpiTargets>, Status> {
        self.get_targets(req).await
    }

    async fn set_kpi_targets(
        &self,
        req: Request<pb::SetKpiTargetsRequest>,
    ) -> Result<Response<pb::KpiTargets>, Status> {
        self.set_targets(req).await
    }

    async fn list_anomalies(
        &self,
        req: Request<pb::ListAnomaliesRequest>,
    ) -> Result<Response<pb::ListAnomaliesResponse>, Status> {
        use frontdesk_platform::paging;
        let caller = Caller::from_request(&req)?;
        let r = req.into_inner();
        let mut v = Violations::new();
        if r.property_id.trim().is_empty() {
            v.add("property_id", "required");
        }
        let size = paging::page_size(r.page_size, &mut v);
        let after = paging::read_position(&r.page_token, &mut v);
        v.into_result(()).map_err(ServiceError::from)?;
        let property_id = r.property_id.trim();
        caller.require_access(property_id)?;
        let rows = store::anomalies::list(&self.db, property_id, r.open_only, after, size + 1)
            .await
            .map_err(ServiceError::Internal)?;
        let (anomalies, next_page_token) = paging::page_within(
            rows,
            size,
            |e| paging::position_key(e.started_at, &e.anomaly_id),
            convert::anomaly,
        );
        Ok(Response::new(pb::ListAnomaliesResponse {
            anomalies,
            next_page_token,
        }))
    }

    async fn rebuild_facts(
        &self,
        req: Request<pb::RebuildFactsRequest>,
    ) -> Result<Response<pb::RebuildFactsResponse>, Status> {
        let caller = Caller::from_request(&req)?;
        // It rebuilds every property's figures: only a manager of the whole chain.
        if !caller.all_properties() {
            return Err(Status::permission_denied(
                "rebuilding facts rebuilds every property's: a manager of the whole chain (props \"*\") only",
            ));
        }
        let started = std::time::Instant::now();
        let done = crate::rebuild::rebuild(&self.db, self.rule)
            .await
            .map_err(|e| match e.downcast_ref::<crate::rebuild::Refused>() {
                Some(r) => ServiceError::FailedPrecondition(r.to_string()),
                None => ServiceError::Internal(e),
            })?;
        tracing::info!(
            events = done.events,
            inquiries = done.inquiries,
            rollup_rows = done.rollup_rows,
            seconds = started.elapsed().as_secs_f64(),
            by = %caller.subject,
            "rebuilt analytics' facts from its event log"
        );
        // Wallboards recompute from the rebuilt tables.
        self.fanout
            .publish(frontdesk_platform::time::now_micros())
            .await;
        Ok(Response::new(pb::RebuildFactsResponse {
            events_replayed: done.events,
            inquiries: done.inquiries,
            rollup_rows: done.rollup_rows,
        }))
    }

    async fn export_kpi_report_csv(
        &self,
        req: Request<pb::GetKpiReportRequest>,
    ) -> Result<Response<pb::ExportKpiReportCsvResponse>, Status> {
        let (_, report) = self.compute(&req).await?;
        Ok(Response::new(pb::ExportKpiReportCsvResponse {
            content_type: "text/csv; charset=utf-8".into(),
            csv: crate::domain::csv::report_csv(&report).into_bytes(),
        }))
    }
}

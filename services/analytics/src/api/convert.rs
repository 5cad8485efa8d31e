//! Domain values to their protobuf form.

use crate::domain::anomaly::Kind;
use crate::domain::kpi::{Kpis, Rate, TimelinessRule};
use crate::store::anomalies::Episode;
use frontdesk_platform::time::to_timestamp;
use frontdesk_proto::analytics::v1 as pb;

pub fn duration(us: i64) -> prost_types::Duration {
    prost_types::Duration {
        seconds: us / 1_000_000,
        // |us % 1e6| < 1e6, so the product fits an i32.
        nanos: ((us % 1_000_000) * 1_000) as i32,
    }
}

pub fn rate(r: &Rate) -> pb::Rate {
    pb::Rate {
        numerator: r.numerator,
        denominator: r.denominator,
        value: r.value,
        target: r.target,
        gap: r.gap,
    }
}

pub fn kpis(k: &Kpis) -> pb::Kpis {
    let [
        very_satisfied,
        satisfied,
        neutral,
        dissatisfied,
        very_dissatisfied,
    ] = k.levels;
    pb::Kpis {
        inquiries: k.inquiries,
        responded: k.responded,
        resolved: k.resolved,
        response_timeliness: Some(rate(&k.timeliness)),
        answer_accuracy: Some(rate(&k.accuracy)),
        satisfaction: Some(rate(&k.satisfaction)),
        satisfaction_levels: Some(pb::SatisfactionLevels {
            very_satisfied,
            satisfied,
            neutral,
            dissatisfied,
            very_dissatisfied,
        }),
        first_response_p50: k.first_response_p50_us.map(duration),
        first_response_p90: k.first_response_p90_us.map(duration),
        sla_breaches: k.sla_breaches,
        breached_inquiries: k.breached_inquiries,
        transfers: k.transfers,
        deadlines_moved: k.deadlines_moved,
        quiz_score: Some(rate(&k.quiz_score)),
        handling_p50: k.handling_p50_us.map(duration),
        handling_p90: k.handling_p90_us.map(duration),
    }
}

pub fn rule(r: &TimelinessRule) -> pb::TimelinessRule {
    pb::TimelinessRule {
        on_the_spot: Some(duration(r.on_the_spot_us)),
        online: Some(duration(r.online_us)),
        hotline: Some(duration(r.hotline_us)),
    }
}

pub fn anomaly_kind(k: Kind) -> pb::AnomalyKind {
    match k {
        Kind::VolumeSpike => pb::AnomalyKind::VolumeSpike,
        Kind::BreachRate => pb::AnomalyKind::BreachRate,
        Kind::SatisfactionDrop => pb::AnomalyKind::SatisfactionDrop,
    }
}

pub fn anomaly(e: &Episode) -> pb::Anomaly {
    pb::Anomaly {
        anomaly_id: e.anomaly_id.clone(),
        property_id: e.property_id.clone(),
        kind: anomaly_kind(e.kind) as i32,
        start_time: Some(to_timestamp(e.started_at)),
        end_time: e.ended_at.map(to_timestamp),
        window: Some(duration(e.window_us)),
        observed: e.finding.observed,
        baseline: e.finding.baseline,
        threshold: e.finding.threshold,
        sample: e.finding.sample,
        evaluate_time: Some(to_timestamp(e.evaluated_at)),
    }
}

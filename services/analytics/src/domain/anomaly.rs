//! Anomaly alerts (CI-5.3): a property's rolling window against the window of the same
//! length just before. Pure: the evaluator (`crate::anomalies`) loads the counts and keeps
//! the episodes; this decides what is anomalous now.

/// Counts of one window of a property's inquiries (by creation time).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Window {
    pub inquiries: i64,
    /// Inquiries with at least one SLA breach.
    pub breached: i64,
    pub surveyed: i64,
    /// Very satisfied + satisfied.
    pub satisfied: i64,
}

/// When an alert is raised. Defaults documented on the settings (`config`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Thresholds {
    /// Volume spike: at least this many inquiries in the window …
    pub volume_min: i64,
    /// … and at least this many times the window before (an empty window before counts
    /// as one inquiry, so a quiet night does not make every first inquiry a spike).
    pub volume_ratio: f64,
    /// Breach rate: at least this many inquiries in the window …
    pub breach_min: i64,
    /// … of which at least this share breached.
    pub breach_rate: f64,
    /// Satisfaction drop: at least this many surveys in each window …
    pub satisfaction_min: i64,
    /// … and the satisfied share fell by at least this much (0.15 = 15 points).
    pub satisfaction_drop: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            volume_min: 20,
            volume_ratio: 2.0,
            breach_min: 10,
            breach_rate: 0.2,
            satisfaction_min: 10,
            satisfaction_drop: 0.15,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    VolumeSpike,
    BreachRate,
    SatisfactionDrop,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::VolumeSpike, Kind::BreachRate, Kind::SatisfactionDrop];

    /// Stable code (database, metric label, log).
    pub fn code(self) -> &'static str {
        match self {
            Kind::VolumeSpike => "volume_spike",
            Kind::BreachRate => "breach_rate",
            Kind::SatisfactionDrop => "satisfaction_drop",
        }
    }

    pub fn from_code(code: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.code() == code)
    }
}

/// One measure found anomalous.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    pub observed: f64,
    pub baseline: f64,
    pub threshold: f64,
    pub sample: i64,
}

fn share(n: i64, d: i64) -> f64 {
    if d > 0 { n as f64 / d as f64 } else { 0.0 }
}

/// What is anomalous in `now` against `before`, each kind at most once.
pub fn evaluate(now: &Window, before: &Window, t: &Thresholds) -> Vec<Finding> {
    let mut out = Vec::new();
    let base = before.inquiries.max(1) as f64;
    if now.inquiries >= t.volume_min && now.inquiries as f64 >= base * t.volume_ratio {
        out.push(Finding {
            kind: Kind::VolumeSpike,
            observed: now.inquiries as f64,
            baseline: before.inquiries as f64,
            threshold: t.volume_ratio,
            sample: now.inquiries,
        });
    }
    let breach_now = share(now.breached, now.inquiries);
    if now.inquiries >= t.breach_min && breach_now >= t.breach_rate {
        out.push(Finding {
            kind: Kind::BreachRate,
            observed: breach_now,
            baseline: share(before.breached, before.inquiries),
            threshold: t.breach_rate,
            sample: now.inquiries,
        });
    }
    if now.surveyed >= t.satisfaction_min && before.surveyed >= t.satisfaction_min {
        let (csat_now, csat_before) = (
            share(now.satisfied, now.surveyed),
            share(before.satisfied, before.surveyed),
        );
        if csat_before - csat_now >= t.satisfaction_drop {
            out.push(Finding {
                kind: Kind::SatisfactionDrop,
                observed: csat_now,
                baseline: csat_before,
                threshold: t.satisfaction_drop,
                sample: now.surveyed,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(now: Window, before: Window) -> Vec<Kind> {
        evaluate(&now, &before, &Thresholds::default())
            .into_iter()
            .map(|f| f.kind)
            .collect()
    }

    fn volume(n: i64) -> Window {
        Window {
            inquiries: n,
            ..Window::default()
        }
    }

    #[test]
    fn a_volume_spike_needs_both_the_minimum_and_the_ratio() {
        assert_eq!(kinds(volume(40), volume(20)), [Kind::VolumeSpike]);
        assert!(kinds(volume(39), volume(20)).is_empty(), "under 2×");
        assert!(kinds(volume(19), volume(0)).is_empty(), "under the minimum");
        assert_eq!(
            kinds(volume(20), volume(0)),
            [Kind::VolumeSpike],
            "from quiet"
        );
        let f = evaluate(&volume(50), &volume(10), &Thresholds::default());
        assert_eq!(
            (f[0].observed, f[0].baseline, f[0].sample),
            (50.0, 10.0, 50)
        );
    }

    #[test]
    fn a_breach_rate_is_a_share_of_enough_inquiries() {
        let w = |n, b| Window {
            inquiries: n,
            breached: b,
            ..Window::default()
        };
        assert_eq!(kinds(w(10, 2), w(10, 0)), [Kind::BreachRate]);
        assert!(kinds(w(10, 1), w(10, 0)).is_empty());
        assert!(kinds(w(9, 9), w(0, 0)).is_empty(), "too few to judge");
    }

    #[test]
    fn a_satisfaction_drop_compares_enough_surveys_in_both_windows() {
        let w = |s, ok| Window {
            surveyed: s,
            satisfied: ok,
            ..Window::default()
        };
        assert_eq!(kinds(w(10, 7), w(10, 9)), [Kind::SatisfactionDrop]);
        assert!(kinds(w(10, 8), w(10, 9)).is_empty(), "10 points only");
        assert!(
            kinds(w(10, 0), w(9, 9)).is_empty(),
            "too few surveys before"
        );
        assert!(kinds(w(10, 10), w(10, 5)).is_empty(), "a rise is no alert");
    }

    #[test]
    fn codes_round_trip() {
        for k in Kind::ALL {
            assert_eq!(Kind::from_code(k.code()), Some(k));
        }
    }
}

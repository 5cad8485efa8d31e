//! Per-property KPI targets: a property's own overrides of the chain's defaults (the
//! service's `--analytics-*-target-pct` settings). Percent on the wire and in the database,
//! fractions in the KPI math. Pure: no I/O.

use super::kpi::Targets;
use frontdesk_platform::error::Violations;

/// The KPIs a property may set a target for, with their wire / update_mask names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kpi {
    Timeliness,
    Accuracy,
    Satisfaction,
    Quiz,
}

impl Kpi {
    pub const ALL: [Kpi; 4] = [Kpi::Timeliness, Kpi::Accuracy, Kpi::Satisfaction, Kpi::Quiz];

    /// The field name in `TargetValues` and in an update mask.
    pub fn field(self) -> &'static str {
        match self {
            Kpi::Timeliness => "response_timeliness_pct",
            Kpi::Accuracy => "answer_accuracy_pct",
            Kpi::Satisfaction => "satisfaction_pct",
            Kpi::Quiz => "quiz_score_pct",
        }
    }

    pub fn from_field(name: &str) -> Option<Kpi> {
        Kpi::ALL.into_iter().find(|k| k.field() == name)
    }
}

/// A property's own targets in percent; `None` uses the default.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Overrides {
    pub timeliness_pct: Option<f64>,
    pub accuracy_pct: Option<f64>,
    pub satisfaction_pct: Option<f64>,
    pub quiz_pct: Option<f64>,
}

impl Overrides {
    pub fn get(&self, kpi: Kpi) -> Option<f64> {
        match kpi {
            Kpi::Timeliness => self.timeliness_pct,
            Kpi::Accuracy => self.accuracy_pct,
            Kpi::Satisfaction => self.satisfaction_pct,
            Kpi::Quiz => self.quiz_pct,
        }
    }

    pub fn set(&mut self, kpi: Kpi, pct: Option<f64>) {
        let slot = match kpi {
            Kpi::Timeliness => &mut self.timeliness_pct,
            Kpi::Accuracy => &mut self.accuracy_pct,
            Kpi::Satisfaction => &mut self.satisfaction_pct,
            Kpi::Quiz => &mut self.quiz_pct,
        };
        *slot = pct;
    }

    /// The targets the property's reports use: each override in place of its default.
    pub fn apply(&self, defaults: &Targets) -> Targets {
        let or = |o: Option<f64>, d: f64| o.map_or(d, |pct| pct / 100.0);
        Targets {
            timeliness: or(self.timeliness_pct, defaults.timeliness),
            accuracy: or(self.accuracy_pct, defaults.accuracy),
            satisfaction: or(self.satisfaction_pct, defaults.satisfaction),
            quiz: or(self.quiz_pct, defaults.quiz),
        }
    }
}

/// `stored` with the masked fields taken from `given` (an unset given field clears the
/// override). Every path must name a target; every given value must be a percentage.
/// Violations name `update_mask.paths[i]` or `targets.<field>`.
pub fn merge(
    stored: &Overrides,
    given: &Overrides,
    paths: &[String],
) -> Result<Overrides, Violations> {
    let mut v = Violations::new();
    let mut merged = *stored;
    if paths.is_empty() {
        v.add(
            "update_mask",
            format!("required: the targets to set, of {}", field_list()),
        );
    }
    for (i, path) in paths.iter().enumerate() {
        let Some(kpi) = Kpi::from_field(path) else {
            v.add(
                format!("update_mask.paths[{i}]"),
                format!("{path:?} is not a target; one of: {}", field_list()),
            );
            continue;
        };
        let value = given.get(kpi);
        if let Some(pct) = value
            && !(pct.is_finite() && (0.0..=100.0).contains(&pct))
        {
            v.add(
                format!("targets.{}", kpi.field()),
                format!("{pct} is not a percentage from 0 to 100"),
            );
        }
        merged.set(kpi, value);
    }
    v.into_result(merged)
}

fn field_list() -> String {
    Kpi::ALL.map(Kpi::field).join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn paths(p: &[&str]) -> Vec<String> {
        p.iter().map(|s| (*s).to_string()).collect()
    }

    #[test]
    fn an_override_replaces_only_its_default() {
        let o = Overrides {
            satisfaction_pct: Some(85.0),
            ..Overrides::default()
        };
        let t = o.apply(&Targets::default());
        assert_eq!(
            t,
            Targets {
                satisfaction: 0.85,
                ..Targets::default()
            }
        );
        assert_eq!(
            Overrides::default().apply(&Targets::default()),
            Targets::default()
        );
    }

    #[test]
    fn merge_touches_only_masked_fields_and_clears_unset_ones() {
        let stored = Overrides {
            timeliness_pct: Some(90.0),
            accuracy_pct: Some(99.0),
            ..Overrides::default()
        };
        let given = Overrides {
            quiz_pct: Some(70.0),
            satisfaction_pct: Some(1.0),
            ..Overrides::default()
        };
        let merged = merge(
            &stored,
            &given,
            &paths(&["quiz_score_pct", "answer_accuracy_pct"]),
        )
        .expect("valid");
        assert_eq!(
            merged,
            Overrides {
                timeliness_pct: Some(90.0),
                accuracy_pct: None,
                satisfaction_pct: None,
                quiz_pct: Some(70.0),
            }
        );
    }

    #[test]
    fn merge_names_each_bad_path_and_value() {
        let given = Overrides {
            timeliness_pct: Some(101.0),
            satisfaction_pct: Some(f64::NAN),
            accuracy_pct: Some(0.0),
            quiz_pct: Some(100.0),
        };
        let err = merge(
            &Overrides::default(),
            &given,
            &paths(&[
                "response_timeliness_pct",
                "csat",
                "satisfaction_pct",
                "answer_accuracy_pct",
                "quiz_score_pct",
            ]),
        )
        .expect_err("invalid");
        let fields: Vec<&str> = err.fields().collect();
        assert_eq!(
            fields,
            [
                "targets.response_timeliness_pct",
                "update_mask.paths[1]",
                "targets.satisfaction_pct"
            ]
        );
        let none = merge(&Overrides::default(), &given, &[]).expect_err("no mask");
        assert_eq!(none.fields().collect::<Vec<_>>(), ["update_mask"]);
    }
}

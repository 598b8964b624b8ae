//! `gates:` in a rubric: what `handoff-eval gate` and `calibrate` hold a run to.
//!
//! ```yaml
//! gates:
//!   alpha: 0.05                    # significance level (Holm-corrected across gates)
//!   critical_may_not_regress: true # a significant pass-rate drop on a critical dimension fails
//!   call: { min_pass_rate: 0.7, max_drop: 0.05, min_mean_score: 75, max_score_drop: 5 }
//!   each_dimension: { max_drop: 0.10 }
//!   dimensions:
//!     context_before_connect: { min_pass_rate: 0.9, min_kappa: 0.6 }
//!   coverage: { max_rejected: 0, min_paired_share: 1.0 }   # the defaults
//! ```
//!
//! Rates are fractions (0-1), scores are points (0-100). A drop fails its
//! gate only when it is larger than allowed *and* significant, so noise does
//! not fail a build; a minimum fails on the candidate's observed value.
//! Coverage holds whatever the statistics say: a candidate that rejected
//! more input lines than the baseline, or left calls of the baseline
//! unpaired (a trial of a scenario, or a conversation, it does not have),
//! did not test what the baseline tested.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Gates {
    /// Significance level of the regression tests.
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// A significant pass-rate drop on a critical dimension fails the gate.
    #[serde(default = "default_true")]
    pub critical_may_not_regress: bool,
    #[serde(default)]
    pub call: CallGates,
    /// Applied to every dimension, under what `dimensions` sets for one.
    #[serde(default, skip_serializing_if = "DimensionGates::is_empty")]
    pub each_dimension: DimensionGates,
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub dimensions: IndexMap<String, DimensionGates>,
    #[serde(default)]
    pub coverage: CoverageGates,
}

/// `coverage:`: how much of the baseline the candidate must cover.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CoverageGates {
    /// Input lines (and imported records) the candidate may reject beyond
    /// as many as the baseline rejected.
    #[serde(default)]
    pub max_rejected: u64,
    /// The share (0-1) of the baseline's calls the candidate must pair: a
    /// baseline call is paired when the candidate has a call of the same
    /// key, the same `scenarioId` and trial (the n-th call of that
    /// scenario in each run) when every call of both runs has a scenario
    /// id, else the same `conversationId` (and occurrence).
    #[serde(default = "one")]
    pub min_paired_share: f64,
}

impl Default for CoverageGates {
    fn default() -> Self {
        CoverageGates {
            max_rejected: 0,
            min_paired_share: one(),
        }
    }
}

fn one() -> f64 {
    1.0
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct CallGates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_pass_rate: Option<f64>,
    /// Largest allowed drop of the call pass rate (a fraction).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_drop: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_mean_score: Option<f64>,
    /// Largest allowed drop of the mean call score (points).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_score_drop: Option<f64>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct DimensionGates {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_pass_rate: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_drop: Option<f64>,
    /// Minimum Cohen's kappa against human labels (`calibrate`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_kappa: Option<f64>,
}

fn default_alpha() -> f64 {
    0.05
}

fn default_true() -> bool {
    true
}

impl Default for Gates {
    /// Without a `gates:` section: critical dimensions and the call pass
    /// rate may not regress significantly.
    fn default() -> Self {
        Gates {
            alpha: default_alpha(),
            critical_may_not_regress: true,
            call: CallGates {
                max_drop: Some(0.0),
                ..CallGates::default()
            },
            each_dimension: DimensionGates::default(),
            dimensions: IndexMap::new(),
            coverage: CoverageGates::default(),
        }
    }
}

impl DimensionGates {
    pub fn is_empty(&self) -> bool {
        *self == DimensionGates::default()
    }

    /// This dimension's gates: its own settings over `each_dimension`.
    pub fn merged(own: Option<&DimensionGates>, each: &DimensionGates) -> DimensionGates {
        let own = own.cloned().unwrap_or_default();
        DimensionGates {
            min_pass_rate: own.min_pass_rate.or(each.min_pass_rate),
            max_drop: own.max_drop.or(each.max_drop),
            min_kappa: own.min_kappa.or(each.min_kappa),
        }
    }
}

impl Gates {
    pub fn for_dimension(&self, id: &str) -> DimensionGates {
        DimensionGates::merged(self.dimensions.get(id), &self.each_dimension)
    }

    /// Values out of range, as (path, message) for the rubric loader to
    /// place.
    pub fn problems(&self) -> Vec<(Vec<String>, String)> {
        const FRACTION: Bound = (0.0, 1.0, "a fraction from 0 to 1");
        const POINTS: Bound = (0.0, 100.0, "points from 0 to 100");
        const KAPPA: Bound = (-1.0, 1.0, "a kappa from -1 to 1");
        let mut checks: Vec<(Vec<String>, Option<f64>, Bound)> = vec![
            (
                path(&["call", "min_pass_rate"]),
                self.call.min_pass_rate,
                FRACTION,
            ),
            (path(&["call", "max_drop"]), self.call.max_drop, FRACTION),
            (
                path(&["call", "min_mean_score"]),
                self.call.min_mean_score,
                POINTS,
            ),
            (
                path(&["call", "max_score_drop"]),
                self.call.max_score_drop,
                POINTS,
            ),
            (
                path(&["coverage", "min_paired_share"]),
                Some(self.coverage.min_paired_share),
                FRACTION,
            ),
        ];
        let each = (path(&["each_dimension"]), &self.each_dimension);
        let own = self
            .dimensions
            .iter()
            .map(|(id, gates)| (path(&["dimensions", id]), gates));
        for (prefix, gates) in std::iter::once(each).chain(own) {
            let at = |key: &str| {
                let mut path = prefix.clone();
                path.push(key.to_string());
                path
            };
            checks.push((at("min_pass_rate"), gates.min_pass_rate, FRACTION));
            checks.push((at("max_drop"), gates.max_drop, FRACTION));
            checks.push((at("min_kappa"), gates.min_kappa, KAPPA));
        }
        let mut problems: Vec<(Vec<String>, String)> = checks
            .into_iter()
            .filter_map(|(path, value, (low, high, expected))| {
                let value = value?;
                (!(low..=high).contains(&value))
                    .then(|| (path, format!("expected {expected}, found {value}")))
            })
            .collect();
        if !(self.alpha > 0.0 && self.alpha <= 0.5) {
            problems.push((
                path(&["alpha"]),
                format!(
                    "expected a significance level above 0 and at most 0.5, found {}",
                    self.alpha
                ),
            ));
        }
        problems
    }
}

/// Lowest and highest allowed value, and how to say so.
type Bound = (f64, f64, &'static str);

fn path(keys: &[&str]) -> Vec<String> {
    keys.iter().map(|key| key.to_string()).collect()
}

//! Calibration: how far the engine's verdicts agree with human QA labels.
//!
//! Per dimension, over conversations whose `labels` name it: a 3x3
//! confusion matrix (human pass/fail/n-a against engine pass/fail/n-a), raw
//! agreement, and Cohen's kappa; engine verdicts that are unscored are
//! counted apart, never as agreement or disagreement. Every disagreement is
//! kept with the engine's reasons and evidence.

use serde::Serialize;
use serde_json::Value;

use std::collections::BTreeMap;

use crate::Status;
use crate::rubric::Rubric;
use crate::stats::{cohen_kappa, round4};
use crate::trace::Label;

/// Categories of the confusion matrix, in order.
pub const CATEGORIES: [Status; 3] = [Status::Pass, Status::Fail, Status::Na];

fn category(status: Status) -> Option<usize> {
    CATEGORIES.iter().position(|c| *c == status)
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionAgreement {
    pub id: String,
    /// Labeled conversations compared (engine verdict pass, fail or n/a).
    pub compared: u64,
    /// Labeled, but the engine could not score it.
    pub unscored: u64,
    pub agreement: Option<f64>,
    pub kappa: Option<f64>,
    /// `matrix[human][engine]` over pass, fail, na.
    pub matrix: [[u64; 3]; 3],
    /// The rubric's minimum kappa for this dimension, and whether it holds.
    pub min_kappa: Option<f64>,
    pub gate: Option<KappaGate>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum KappaGate {
    Pass,
    Fail,
    /// A minimum is set but kappa is undefined (no labels, or one category).
    Undecided,
}

#[derive(Debug, Clone, Serialize)]
pub struct Disagreement {
    pub conversation_id: String,
    pub dimension: String,
    pub human: Status,
    pub engine: Status,
    /// The engine's dimension card: reason, checks, evidence.
    pub card: Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct Calibration {
    pub rubric: String,
    /// Calls scored, and those among them with at least one label.
    pub calls: u64,
    pub labeled_calls: u64,
    pub dimensions: Vec<DimensionAgreement>,
    pub disagreements: Vec<Disagreement>,
    /// Label keys that name no dimension of the rubric, with counts.
    pub unknown_labels: Vec<(String, u64)>,
}

/// Collects calibration from call scorecards (the lines of calls.jsonl).
pub struct Calibrator {
    ids: Vec<String>,
    matrices: Vec<[[u64; 3]; 3]>,
    unscored: Vec<u64>,
    calls: u64,
    labeled_calls: u64,
    disagreements: Vec<Disagreement>,
    unknown: BTreeMap<String, u64>,
}

impl Calibrator {
    pub fn new(rubric: &Rubric) -> Self {
        let n = rubric.dimensions.len();
        Calibrator {
            ids: rubric.dimensions.iter().map(|d| d.id.clone()).collect(),
            matrices: vec![[[0; 3]; 3]; n],
            unscored: vec![0; n],
            calls: 0,
            labeled_calls: 0,
            disagreements: Vec::new(),
            unknown: Default::default(),
        }
    }

    /// Adds one scorecard with the human labels of its conversation (none:
    /// it only counts as a call).
    pub fn add(&mut self, card: &Value, labels: Option<&BTreeMap<String, Label>>) {
        self.calls += 1;
        let Some(labels) = labels.filter(|l| !l.is_empty()) else {
            return;
        };
        self.labeled_calls += 1;
        let id = card
            .get("conversation_id")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let dimensions = card.get("dimensions").and_then(Value::as_array);
        for (key, label) in labels {
            let Some(index) = self.ids.iter().position(|d| d == key) else {
                *self.unknown.entry(key.clone()).or_default() += 1;
                continue;
            };
            let status = match label {
                Label::Pass => Status::Pass,
                Label::Fail => Status::Fail,
                Label::Na => Status::Na,
            };
            let Some(human) = category(status).map(|c| (status, c)) else {
                continue;
            };
            let dimension = dimensions.and_then(|dims| {
                dims.iter()
                    .find(|d| d.get("id").and_then(Value::as_str) == Some(key))
            });
            // A call outside the rubric's filter has no dimensions: n/a.
            let engine = dimension
                .and_then(|d| serde_json::from_value::<Status>(d.get("status")?.clone()).ok())
                .unwrap_or(Status::Na);
            let Some(engine_category) = category(engine) else {
                self.unscored[index] += 1;
                continue;
            };
            self.matrices[index][human.1][engine_category] += 1;
            if human.1 != engine_category {
                self.disagreements.push(Disagreement {
                    conversation_id: id.to_string(),
                    dimension: key.clone(),
                    human: human.0,
                    engine,
                    card: dimension.cloned().unwrap_or(Value::Null),
                });
            }
        }
    }

    pub fn finish(self, rubric: &Rubric) -> Calibration {
        let dimensions = self
            .ids
            .iter()
            .enumerate()
            .map(|(index, id)| {
                let matrix = self.matrices[index];
                let compared: u64 = matrix.iter().flatten().sum();
                let agreed: u64 = (0..3).map(|i| matrix[i][i]).sum();
                let rows: Vec<Vec<u64>> = matrix.iter().map(|r| r.to_vec()).collect();
                let kappa = cohen_kappa(&rows).map(round4);
                let min_kappa = rubric.gates.for_dimension(id).min_kappa;
                let gate = min_kappa.map(|min| match kappa {
                    None => KappaGate::Undecided,
                    Some(k) if k >= min => KappaGate::Pass,
                    Some(_) => KappaGate::Fail,
                });
                DimensionAgreement {
                    id: id.clone(),
                    compared,
                    unscored: self.unscored[index],
                    agreement: (compared > 0).then(|| round4(agreed as f64 / compared as f64)),
                    kappa,
                    matrix,
                    min_kappa,
                    gate,
                }
            })
            .collect();
        Calibration {
            rubric: rubric.to_string(),
            calls: self.calls,
            labeled_calls: self.labeled_calls,
            dimensions,
            disagreements: self.disagreements,
            unknown_labels: self.unknown.into_iter().collect(),
        }
    }
}

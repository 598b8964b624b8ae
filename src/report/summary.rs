//! `summary.json`: the aggregate scorecard of a run, as one JSON document.

use serde::Serialize;

use crate::aggregate::Aggregate;
use crate::judge::runner::JudgeAccount;
use crate::rubric::Rubric;
use crate::run::{Duplicate, LineCounts, Rejection};

/// How many rejections and duplicates `summary.json` lists (all are counted,
/// and every rejection is in `rejected.jsonl`).
pub const LISTED: usize = 100;

#[derive(Debug, Serialize)]
pub struct Summary<'a> {
    pub tool: &'static str,
    pub tool_version: &'static str,
    pub rubric: RubricInfo<'a>,
    pub inputs: Vec<String>,
    pub lines: &'a LineCounts,
    pub rejected: &'a [Rejection],
    pub duplicate_ids: &'a [Duplicate],
    #[serde(flatten)]
    pub aggregate: &'a Aggregate,
    pub judge: &'a JudgeAccount,
    /// With `score --input-format`: what the import read and rejected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub import: Option<&'a ImportSummary>,
}

#[derive(Debug, Serialize)]
pub struct ImportSummary {
    pub format: String,
    /// The converted conversations that were scored.
    pub file: String,
    #[serde(flatten)]
    pub counts: crate::import::ImportCounts,
    /// The first rejected records (all are counted).
    pub rejected: Vec<crate::import::ImportError>,
}

#[derive(Debug, Serialize)]
pub struct RubricInfo<'a> {
    pub name: &'a str,
    pub version: &'a str,
    pub hash: &'a str,
    pub pass_threshold: f64,
    pub dimensions: Vec<DimensionInfo<'a>>,
    /// The rubric's gates, so that `gate` can judge runs without the rubric file.
    pub gates: &'a crate::rubric::Gates,
}

#[derive(Debug, Serialize)]
pub struct DimensionInfo<'a> {
    pub id: &'a str,
    pub title: &'a str,
    pub weight: f64,
    pub critical: bool,
}

impl<'a> RubricInfo<'a> {
    pub fn new(rubric: &'a Rubric) -> Self {
        RubricInfo {
            name: &rubric.name,
            version: &rubric.version,
            hash: &rubric.hash,
            pass_threshold: rubric.pass_threshold,
            dimensions: rubric
                .dimensions
                .iter()
                .map(|d| DimensionInfo {
                    id: &d.id,
                    title: &d.title,
                    weight: d.weight,
                    critical: d.critical,
                })
                .collect(),
            gates: &rubric.gates,
        }
    }
}

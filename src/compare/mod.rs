//! Comparing runs: a run is the output directory of `score`, opened through
//! the run directory reader ([`crate::run_dir::Run`]), which refuses
//! incomplete, foreign and inconsistent runs. [`RunDir::open`] reads one
//! into compact per-call records; [`pair`] matches calls across two runs;
//! [`gate`] tests and judges the difference; [`diff`] lists the verdicts
//! that flipped.

pub mod diff;
pub mod gate;

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::Status;
use crate::rubric::Gates;
use crate::run_dir::Run;

pub use crate::run_dir::RunError;

/// The rubric a run was scored with, as `summary.json` records it.
#[derive(Debug, Clone, Deserialize)]
pub struct RunRubric {
    pub name: String,
    pub version: String,
    pub hash: String,
    pub dimensions: Vec<RunDimension>,
    /// Absent in runs written before gates existed: the defaults apply.
    #[serde(default)]
    pub gates: Gates,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RunDimension {
    pub id: String,
    pub title: String,
    pub critical: bool,
}

/// Input lines a run read, scored and rejected (records rejected by an
/// import count as rejected lines).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RunLines {
    pub read: u64,
    pub scored: u64,
    pub rejected: u64,
}

#[derive(Debug, Deserialize)]
struct SummaryView {
    rubric: RunRubric,
    lines: LinesView,
    #[serde(default)]
    import: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct LinesView {
    read: u64,
    scored: u64,
    rejected: u64,
}

impl SummaryView {
    fn lines(&self) -> RunLines {
        let counted = |key: &str| {
            self.import
                .as_ref()
                .and_then(|import| import.get(key))
                .and_then(Value::as_u64)
                .unwrap_or(0)
        };
        // Records the import could not convert were never lines to score.
        // The import block lists the first rejections under the same key as
        // their count; either way, at least this many were rejected.
        let listed = self
            .import
            .as_ref()
            .and_then(|import| import.get("rejected"))
            .map_or(0, |rejected| {
                rejected
                    .as_u64()
                    .or_else(|| rejected.as_array().map(|a| a.len() as u64))
                    .unwrap_or(0)
            });
        let import_rejected = listed.max(counted("records").saturating_sub(counted("imported")));
        RunLines {
            read: self.lines.read + import_rejected,
            scored: self.lines.scored,
            rejected: self.lines.rejected + import_rejected,
        }
    }
}

/// One call as the comparisons need it.
#[derive(Debug, Clone)]
pub struct CallRecord {
    pub conversation_id: String,
    pub scenario_id: Option<String>,
    pub agent_version: String,
    pub verdict: Status,
    pub score: Option<f64>,
    /// Status per dimension, in the order of the run's rubric.
    pub dimensions: Vec<Status>,
    /// Line in `calls.jsonl`, to fetch the full card again.
    pub line: u64,
}

#[derive(Debug, Deserialize)]
struct CallView {
    conversation_id: String,
    #[serde(default)]
    scenario_id: Option<String>,
    #[serde(default)]
    agent_version: String,
    verdict: Status,
    score: Option<f64>,
    dimensions: Vec<DimensionView>,
}

#[derive(Debug, Deserialize)]
struct DimensionView {
    id: String,
    status: Status,
}

/// A `score` output directory, read.
#[derive(Debug, Clone)]
pub struct RunDir {
    pub path: PathBuf,
    pub rubric: RunRubric,
    pub lines: RunLines,
    pub calls: Vec<CallRecord>,
    run: Run,
}

impl RunDir {
    pub fn open(path: &Path) -> Result<RunDir, RunError> {
        let run = Run::open(path)?;
        let summary: SummaryView = run.summary_as()?;
        let lines = summary.lines();
        let rubric = summary.rubric;
        let index: HashMap<&str, usize> = rubric
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| (d.id.as_str(), i))
            .collect();
        let mut calls = Vec::new();
        run.cards(|number, view: CallView| {
            let mut dimensions = vec![Status::Na; rubric.dimensions.len()];
            for dimension in view.dimensions {
                if let Some(&i) = index.get(dimension.id.as_str()) {
                    dimensions[i] = dimension.status;
                }
            }
            calls.push(CallRecord {
                conversation_id: view.conversation_id,
                scenario_id: view.scenario_id,
                agent_version: view.agent_version,
                verdict: view.verdict,
                score: view.score,
                dimensions,
                line: number,
            });
        })?;
        Ok(RunDir {
            path: path.to_path_buf(),
            rubric,
            lines,
            calls,
            run,
        })
    }

    /// The full scorecards on the given lines of `calls.jsonl`, in one pass.
    pub fn cards_at(
        &self,
        lines: &std::collections::BTreeSet<u64>,
    ) -> Result<HashMap<u64, Value>, RunError> {
        self.run.cards_at(lines)
    }

    /// The agent versions in the run, most frequent first.
    pub fn agent_versions(&self) -> Vec<String> {
        let mut counts: HashMap<&str, usize> = HashMap::new();
        for call in &self.calls {
            *counts.entry(call.agent_version.as_str()).or_default() += 1;
        }
        let mut versions: Vec<(&str, usize)> = counts.into_iter().collect();
        versions.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
        versions.into_iter().map(|(v, _)| v.to_string()).collect()
    }

    pub fn dimension_index(&self, id: &str) -> Option<usize> {
        self.rubric.dimensions.iter().position(|d| d.id == id)
    }
}

/// How calls of two runs were matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Pairing {
    /// The n-th call of a scenario in one run with the n-th in the other.
    ScenarioId,
    ConversationId,
    /// Too few shared ids: the runs are compared as independent samples.
    Unpaired,
}

impl Pairing {
    pub fn describe(self) -> &'static str {
        match self {
            Pairing::ScenarioId => "paired on scenarioId",
            Pairing::ConversationId => "paired on conversationId",
            Pairing::Unpaired => "unpaired (the runs share too few scenario or conversation ids)",
        }
    }
}

/// What tells a call of one run which call of the other it matches.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PairKey {
    /// The n-th call of a scenario (its n-th trial, in line order) with
    /// the n-th call of the same scenario.
    ScenarioId,
    /// The n-th call of a conversation id with the n-th call of the same
    /// id (n is 1 unless a run scored an id twice).
    ConversationId,
}

impl PairKey {
    pub fn describe(self) -> &'static str {
        match self {
            PairKey::ScenarioId => "scenarioId and trial",
            PairKey::ConversationId => "conversationId",
        }
    }
}

/// How the calls of two runs matched: [`Matching::pairs`] for the
/// statistics, [`Matching::matches`] for coverage.
#[derive(Debug, Clone)]
pub struct Matching {
    pub pairing: Pairing,
    /// The key calls were matched on; when the runs are unpaired, the key
    /// that matched the most calls.
    pub key: PairKey,
    /// Every call of `a` with the call of `b` of the same key, one to one,
    /// in `a`'s order; few or many.
    pub matches: Vec<(usize, usize)>,
}

impl Matching {
    /// The pairs the tests use: the matches, or none for unpaired runs.
    pub fn pairs(&self) -> &[(usize, usize)] {
        match self.pairing {
            Pairing::Unpaired => &[],
            Pairing::ScenarioId | Pairing::ConversationId => &self.matches,
        }
    }
}

/// Matches calls of `a` with calls of `b`: by scenario id with its
/// occurrence (the n-th trial of a scenario with the n-th) when every call
/// of both runs has one, else by conversation id with its occurrence. The
/// matches must cover at least half of the smaller run to pair the runs;
/// otherwise they are compared unpaired, with no pairs. Pairs come in `a`'s
/// order.
pub fn pair(a: &[CallRecord], b: &[CallRecord]) -> (Pairing, Vec<(usize, usize)>) {
    let matching = match_calls(a, b);
    (matching.pairing, matching.pairs().to_vec())
}

/// [`pair`], with the matches kept whether or not they pair the runs.
pub fn match_calls(a: &[CallRecord], b: &[CallRecord]) -> Matching {
    let smaller = a.len().min(b.len());
    let enough = |pairs: &[(usize, usize)]| !pairs.is_empty() && pairs.len() * 2 >= smaller;
    let all_have_scenarios = |calls: &[CallRecord]| calls.iter().all(|c| c.scenario_id.is_some());
    let mut by_scenario = None;
    if all_have_scenarios(a) && all_have_scenarios(b) {
        let matches = match_keys(a, b, |call| call.scenario_id.as_deref().unwrap_or_default());
        if enough(&matches) {
            return Matching {
                pairing: Pairing::ScenarioId,
                key: PairKey::ScenarioId,
                matches,
            };
        }
        by_scenario = Some(matches);
    }
    let matches = match_keys(a, b, |call| call.conversation_id.as_str());
    if enough(&matches) {
        return Matching {
            pairing: Pairing::ConversationId,
            key: PairKey::ConversationId,
            matches,
        };
    }
    match by_scenario {
        Some(by_scenario) if by_scenario.len() >= matches.len() => Matching {
            pairing: Pairing::Unpaired,
            key: PairKey::ScenarioId,
            matches: by_scenario,
        },
        _ => Matching {
            pairing: Pairing::Unpaired,
            key: PairKey::ConversationId,
            matches,
        },
    }
}

/// The occurrence of each call's key in its run: 1 for the first call with
/// that key, 2 for the second...
pub fn occurrences<'c>(
    calls: &'c [CallRecord],
    key: impl Fn(&'c CallRecord) -> &'c str,
) -> Vec<usize> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    calls
        .iter()
        .map(|call| {
            let n = seen.entry(key(call)).or_insert(0);
            *n += 1;
            *n
        })
        .collect()
}

fn match_keys<'c>(
    a: &'c [CallRecord],
    b: &'c [CallRecord],
    key: impl Fn(&'c CallRecord) -> &'c str + Copy,
) -> Vec<(usize, usize)> {
    let in_b: HashMap<(&str, usize), usize> = b
        .iter()
        .zip(occurrences(b, key))
        .enumerate()
        .map(|(j, (call, n))| ((key(call), n), j))
        .collect();
    a.iter()
        .zip(occurrences(a, key))
        .enumerate()
        .filter_map(|(i, (call, n))| Some((i, *in_b.get(&(key(call), n))?)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn call(id: &str, scenario: Option<&str>) -> CallRecord {
        CallRecord {
            conversation_id: id.to_string(),
            scenario_id: scenario.map(str::to_string),
            agent_version: "v".to_string(),
            verdict: Status::Pass,
            score: Some(100.0),
            dimensions: Vec::new(),
            line: 1,
        }
    }

    #[test]
    fn repeated_scenarios_pair_in_order_of_occurrence() {
        let a = [
            call("a1", Some("s")),
            call("a2", Some("t")),
            call("a3", Some("s")),
        ];
        let b = [
            call("b1", Some("t")),
            call("b2", Some("s")),
            call("b3", Some("s")),
        ];
        let (pairing, pairs) = pair(&a, &b);
        assert_eq!(pairing, Pairing::ScenarioId);
        // First `s` with first `s`, second with second; `t` with `t`.
        assert_eq!(pairs, vec![(0, 1), (1, 0), (2, 2)]);
    }

    #[test]
    fn conversation_ids_pair_when_scenarios_are_missing() {
        let a = [call("x", None), call("y", Some("s")), call("z", None)];
        let b = [call("z", None), call("x", None), call("w", None)];
        let (pairing, pairs) = pair(&a, &b);
        assert_eq!(pairing, Pairing::ConversationId);
        assert_eq!(pairs, vec![(0, 1), (2, 0)]);
    }

    #[test]
    fn a_repeated_id_pairs_one_to_one_and_unpaired_runs_keep_their_matches() {
        let a = [
            call("x", None),
            call("x", None),
            call("y", None),
            call("z", None),
        ];
        let b = [
            call("x", None),
            call("q", None),
            call("r", None),
            call("s", None),
        ];
        let matching = match_calls(&a, &b);
        assert_eq!(matching.pairing, Pairing::Unpaired);
        assert_eq!(matching.key, PairKey::ConversationId);
        // The second `x` of `a` has no second `x` to pair with.
        assert_eq!(matching.matches, vec![(0, 0)]);
        assert!(matching.pairs().is_empty());
    }

    #[test]
    fn too_few_shared_ids_leave_runs_unpaired() {
        let a = [call("x", None), call("y", None), call("z", None)];
        let b = [call("x", None), call("q", None), call("r", None)];
        assert_eq!(pair(&a, &b), (Pairing::Unpaired, Vec::new()));
    }
}

//! The regression gate: a baseline run and a candidate run in, per-dimension
//! and per-call comparisons with significance tests out, and each gate of
//! the rubric judged pass, fail or undecided.
//!
//! Tests are one-sided (did the candidate get worse?): exact McNemar on
//! pass/fail flips and a paired bootstrap on call scores when the runs pair
//! up; a pooled two-proportion z test and an unpaired bootstrap otherwise.
//! The p-values of every test a gate relies on are Holm-corrected together,
//! so a rubric with many dimensions does not fail on noise.

use serde::Serialize;

use super::{CallRecord, Matching, PairKey, Pairing, RunDir, RunLines, match_calls, occurrences};
use crate::Status;
use crate::rubric::Gates;
use crate::stats::{
    self, Moments, Rate, Shift, detectable_drop, holm, mcnemar_regression,
    two_proportion_regression, wilson,
};

/// Which runs were compared, and how.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    pub path: String,
    pub agent_versions: Vec<String>,
    pub rubric: String,
    pub calls: usize,
    /// Input lines the run read, scored and rejected.
    pub lines: RunLines,
}

impl Side {
    fn of(run: &RunDir) -> Side {
        Side {
            path: run.path.display().to_string(),
            agent_versions: run.agent_versions(),
            rubric: format!(
                "{} v{} ({})",
                run.rubric.name, run.rubric.version, run.rubric.hash
            ),
            calls: run.calls.len(),
            lines: run.lines,
        }
    }
}

/// How much of the baseline the candidate covers, counted in the units the
/// gate pairs: calls. A baseline call is *paired* when the candidate has a
/// call of the same key ([`PairKey`]): the same scenario and trial (the
/// n-th call of a scenario in each run, in line order) when every call of
/// both runs has a `scenarioId`, else the same conversation id (and
/// occurrence). Matches count whether or not there are enough of them for
/// paired statistics.
#[derive(Debug, Clone, Serialize)]
pub struct Coverage {
    /// What pairs calls: `scenario_id` (with the trial) or `conversation_id`.
    pub key: PairKey,
    /// Calls the baseline scored (lines of its calls.jsonl).
    pub baseline_calls: usize,
    /// Of these, the calls the candidate has a call for.
    pub paired: usize,
    /// `paired / baseline_calls`, rounded to 4 places; none for a baseline
    /// with no call.
    pub share: Option<f64>,
    /// The baseline calls without a candidate call, in the baseline's order.
    pub unpaired: Vec<UnpairedCall>,
}

/// A baseline call the candidate has no call for.
#[derive(Debug, Clone, Serialize)]
pub struct UnpairedCall {
    pub conversation_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario_id: Option<String>,
    /// With the `scenario_id` key: which trial of its scenario the call is
    /// in the baseline (from 1, in line order).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trial: Option<usize>,
    /// Its line in the baseline's calls.jsonl (from 1).
    pub line: u64,
}

impl UnpairedCall {
    /// `scenario S trial 3 (conversation C, calls.jsonl line 151)`, or
    /// `conversation C (calls.jsonl line 151)`, each id as `quote` writes it.
    pub fn describe(&self, quote: impl Fn(&str) -> String) -> String {
        match (&self.scenario_id, self.trial) {
            (Some(scenario), Some(trial)) => format!(
                "scenario {} trial {trial} (conversation {}, calls.jsonl line {})",
                quote(scenario),
                quote(&self.conversation_id),
                self.line
            ),
            _ => format!(
                "conversation {} (calls.jsonl line {})",
                quote(&self.conversation_id),
                self.line
            ),
        }
    }
}

fn coverage(baseline: &RunDir, matching: &Matching) -> Coverage {
    let calls = &baseline.calls;
    let mut paired = vec![false; calls.len()];
    for &(i, _) in &matching.matches {
        paired[i] = true;
    }
    let trials = (matching.key == PairKey::ScenarioId)
        .then(|| occurrences(calls, |c| c.scenario_id.as_deref().unwrap_or_default()));
    let unpaired: Vec<UnpairedCall> = calls
        .iter()
        .enumerate()
        .filter(|(i, _)| !paired[*i])
        .map(|(i, call)| UnpairedCall {
            conversation_id: call.conversation_id.clone(),
            scenario_id: trials.as_ref().and(call.scenario_id.clone()),
            trial: trials.as_ref().map(|t| t[i]),
            line: call.line,
        })
        .collect();
    let total = calls.len();
    let count = total - unpaired.len();
    Coverage {
        key: matching.key,
        baseline_calls: total,
        paired: count,
        share: (total > 0).then(|| stats::round4(count as f64 / total as f64)),
        unpaired,
    }
}

/// `100%`, `95%`, `99.5%`.
fn share_text(fraction: f64) -> String {
    let percent = fraction * 100.0;
    if (percent - percent.round()).abs() < 1e-9 {
        format!("{percent:.0}%")
    } else {
        format!("{percent:.1}%")
    }
}

/// The coverage gates: rejected lines beyond the baseline's, and the share
/// of the baseline's scenarios the candidate has.
fn coverage_gates(
    gates: &Gates,
    baseline: &RunLines,
    candidate: &RunLines,
    coverage: &Coverage,
) -> [GateResult; 2] {
    let rules = &gates.coverage;
    let extra = candidate.rejected.saturating_sub(baseline.rejected);
    let rejected = GateResult {
        subject: "coverage".into(),
        rule: if rules.max_rejected == 0 {
            "no more rejected lines than the baseline".to_string()
        } else {
            format!(
                "at most {} more rejected lines than the baseline",
                rules.max_rejected
            )
        },
        observed: format!(
            "{} of {} lines rejected (baseline {} of {})",
            candidate.rejected, candidate.read, baseline.rejected, baseline.read
        ),
        status: if extra > rules.max_rejected {
            GateStatus::Fail
        } else {
            GateStatus::Pass
        },
        lists_unpaired: false,
    };
    let rule = format!(
        "at least {} of the baseline's calls paired",
        share_text(rules.min_paired_share)
    );
    let shared = match coverage.share {
        // The share in words from the counts, not from the rounded share.
        Some(_) => GateResult {
            subject: "coverage".into(),
            rule,
            observed: format!(
                "{} of {} ({}, by {})",
                coverage.paired,
                coverage.baseline_calls,
                share_text(coverage.paired as f64 / coverage.baseline_calls as f64),
                coverage.key.describe()
            ),
            status: if coverage.paired as f64
                >= rules.min_paired_share * coverage.baseline_calls as f64 - 1e-9
            {
                GateStatus::Pass
            } else {
                GateStatus::Fail
            },
            lists_unpaired: true,
        },
        None => GateResult {
            subject: "coverage".into(),
            rule,
            observed: "the baseline has no scored call".into(),
            status: GateStatus::Skipped,
            lists_unpaired: true,
        },
    };
    [rejected, shared]
}

/// A pass rate on both sides, and the test of whether it fell.
#[derive(Debug, Clone, Serialize)]
pub struct RateComparison {
    pub baseline: Option<Rate>,
    pub candidate: Option<Rate>,
    /// candidate - baseline, as a fraction.
    pub delta: Option<f64>,
    /// Pairs that went pass -> fail, and fail -> pass (paired runs only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worse: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub better: Option<u64>,
    pub test: &'static str,
    /// One-sided p-value that the candidate is worse.
    pub p_value: Option<f64>,
    /// After Holm's correction over the gate's tests (None if no gate uses it).
    pub p_adjusted: Option<f64>,
    /// The smallest drop this many conversations detect (alpha, power 0.8).
    pub detectable_drop: Option<f64>,
    /// Verdicts left unscored on each side (not applicable ones are not
    /// counted): the rates above leave them out, so a gate is decided only
    /// where they could not change it (see [`Bounds`]).
    #[serde(skip_serializing_if = "UnscoredCounts::is_none")]
    pub unscored: UnscoredCounts,
    /// What the comparison would be if every unscored verdict had gone
    /// against the candidate (`worst`), or for it (`best`); absent when
    /// nothing was unscored.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounds: Option<Bounds>,
}

/// Unscored verdicts on each side of a comparison.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct UnscoredCounts {
    pub baseline: u64,
    pub candidate: u64,
}

impl UnscoredCounts {
    fn is_none(&self) -> bool {
        self.baseline == 0 && self.candidate == 0
    }
}

/// The comparison at the two extremes of the unscored verdicts: `worst`
/// counts each unscored verdict as a pass in the baseline and a fail in the
/// candidate, `best` the other way round. Every way the unscored verdicts
/// could have gone lies between the two (the test statistics are monotone in
/// each verdict), so a gate that passes at `worst` passes whatever they
/// were, and one that fails at `best` fails whatever they were.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Bounds {
    pub worst: Extreme,
    pub best: Extreme,
}

/// One extreme of [`Bounds`].
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Extreme {
    /// The candidate's pass rate, as a fraction.
    pub candidate: f64,
    /// candidate - baseline, as a fraction.
    pub delta: f64,
    /// One-sided p-value that the candidate is worse (same test as above,
    /// before correction).
    pub p_value: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoreComparison {
    pub baseline: Option<f64>,
    pub candidate: Option<f64>,
    pub shift: Option<Shift>,
    pub test: &'static str,
    pub p_adjusted: Option<f64>,
    /// The smallest drop in mean score (points) this many calls detect.
    pub detectable_drop: Option<f64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionComparison {
    pub id: String,
    pub title: String,
    pub critical: bool,
    #[serde(flatten)]
    pub rate: RateComparison,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum GateStatus {
    Pass,
    Fail,
    /// The data cannot decide it (nothing scored on one side).
    Undecided,
    /// An `each_dimension` gate on a dimension neither run scored (a judge
    /// dimension run without a judge): shown, but neither passed nor failed.
    Skipped,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateResult {
    /// `call`, `coverage` or a dimension id.
    pub subject: String,
    pub rule: String,
    pub observed: String,
    pub status: GateStatus,
    /// The coverage gate on paired calls: reports list the unpaired
    /// baseline calls ([`Coverage::unpaired`]) with it.
    #[serde(skip)]
    pub lists_unpaired: bool,
}

/// A paired conversation whose critical dimension went from pass to fail.
#[derive(Debug, Clone, Serialize)]
pub struct Flip {
    pub dimension: String,
    pub scenario_id: Option<String>,
    pub baseline_conversation: String,
    pub candidate_conversation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct GateReport {
    pub status: GateStatus,
    pub baseline: Side,
    pub candidate: Side,
    pub rubric_changed: bool,
    pub pairing: Pairing,
    pub pairs: usize,
    pub alpha: f64,
    /// How many tests the Holm correction covered.
    pub tests: usize,
    pub call_pass_rate: RateComparison,
    pub call_score: ScoreComparison,
    pub dimensions: Vec<DimensionComparison>,
    pub coverage: Coverage,
    pub gates: Vec<GateResult>,
    pub critical_flips: Vec<Flip>,
}

/// Why the gate could not run at all.
#[derive(Debug, thiserror::Error)]
pub enum GateError {
    #[error(
        "the runs were scored with different rubrics: baseline {baseline}, candidate {candidate}; \
         pass --allow-rubric-change to compare them anyway (dimensions are matched by id)"
    )]
    RubricChanged { baseline: String, candidate: String },
}

fn scored(status: Status) -> Option<bool> {
    match status {
        Status::Pass => Some(true),
        Status::Fail => Some(false),
        Status::Na | Status::Unscored => None,
    }
}

/// Where a status is found in a call of each run: the call verdict, or a
/// dimension by its index in that run's rubric.
#[derive(Clone, Copy)]
enum Outcome {
    Call,
    Dimension { baseline: usize, candidate: usize },
}

impl Outcome {
    fn raw(self, call: &CallRecord, in_candidate: bool) -> Option<Status> {
        match self {
            Outcome::Call => Some(call.verdict),
            Outcome::Dimension {
                baseline,
                candidate,
            } => call
                .dimensions
                .get(if in_candidate { candidate } else { baseline })
                .copied(),
        }
    }

    /// Pass (`true`) or fail (`false`) as `case` reads it: unscored verdicts
    /// are left out as observed, or resolved against or for the candidate.
    fn status_in(self, call: &CallRecord, in_candidate: bool, case: Case) -> Option<bool> {
        match (self.raw(call, in_candidate)?, case) {
            (Status::Unscored, Case::Worst) => Some(!in_candidate),
            (Status::Unscored, Case::Best) => Some(in_candidate),
            (status, _) => scored(status),
        }
    }
}

/// How unscored verdicts are read in a comparison.
#[derive(Clone, Copy, PartialEq)]
enum Case {
    /// Left out.
    Observed,
    /// Passes in the baseline, fails in the candidate.
    Worst,
    /// Fails in the baseline, passes in the candidate.
    Best,
}

/// The counts of one reading of the two runs.
struct Tally {
    baseline: (u64, u64),
    candidate: (u64, u64),
    /// Paired runs: pass -> fail and fail -> pass flips, and pairs scored on
    /// both sides.
    flips: Option<(u64, u64, u64)>,
}

impl Tally {
    fn of(
        baseline: &[CallRecord],
        candidate: &[CallRecord],
        pairs: &[(usize, usize)],
        outcome: Outcome,
        case: Case,
    ) -> Tally {
        let count = |calls: &[CallRecord], in_candidate: bool| {
            calls
                .iter()
                .filter_map(|call| outcome.status_in(call, in_candidate, case))
                .fold((0, 0), |(x, n), pass| (x + u64::from(pass), n + 1))
        };
        let flips = (!pairs.is_empty()).then(|| {
            let (mut worse, mut better, mut both) = (0, 0, 0u64);
            for &(i, j) in pairs {
                let before = outcome.status_in(&baseline[i], false, case);
                let after = outcome.status_in(&candidate[j], true, case);
                if let (Some(before), Some(after)) = (before, after) {
                    both += 1;
                    match (before, after) {
                        (true, false) => worse += 1,
                        (false, true) => better += 1,
                        _ => {}
                    }
                }
            }
            (worse, better, both)
        });
        Tally {
            baseline: count(baseline, false),
            candidate: count(candidate, true),
            flips,
        }
    }

    fn rate((x, n): (u64, u64)) -> Option<f64> {
        (n > 0).then(|| x as f64 / n as f64)
    }

    fn delta(&self) -> Option<f64> {
        Some(Tally::rate(self.candidate)? - Tally::rate(self.baseline)?)
    }

    /// The one-sided p-value that the candidate is worse.
    fn p_value(&self) -> Option<f64> {
        match self.flips {
            Some((worse, better, both)) => (both > 0).then(|| mcnemar_regression(worse, better)),
            None => two_proportion_regression(self.baseline, self.candidate),
        }
    }

    fn extreme(&self) -> Option<Extreme> {
        Some(Extreme {
            candidate: stats::round4(Tally::rate(self.candidate)?),
            delta: stats::round4(self.delta()?),
            p_value: stats::round4(self.p_value()?),
        })
    }
}

/// Compares the pass/fail outcomes of the two runs.
fn compare_rates(
    baseline: &[CallRecord],
    candidate: &[CallRecord],
    pairs: &[(usize, usize)],
    alpha: f64,
    outcome: Outcome,
) -> RateComparison {
    let observed = Tally::of(baseline, candidate, pairs, outcome, Case::Observed);
    let unscored_in = |calls: &[CallRecord], in_candidate: bool| {
        calls
            .iter()
            .filter(|call| outcome.raw(call, in_candidate) == Some(Status::Unscored))
            .count() as u64
    };
    let unscored = UnscoredCounts {
        baseline: unscored_in(baseline, false),
        candidate: unscored_in(candidate, true),
    };
    let bounds = if unscored.is_none() {
        None
    } else {
        let worst = Tally::of(baseline, candidate, pairs, outcome, Case::Worst).extreme();
        let best = Tally::of(baseline, candidate, pairs, outcome, Case::Best).extreme();
        worst.zip(best).map(|(worst, best)| Bounds { worst, best })
    };
    let (b, c) = (observed.baseline, observed.candidate);
    let delta = observed.delta().map(stats::round4);
    let p_value = observed.p_value();
    match observed.flips {
        Some((worse, better, both)) => {
            let discordant = (both > 0).then(|| (worse + better) as f64 / both as f64);
            RateComparison {
                baseline: wilson(b.0, b.1),
                candidate: wilson(c.0, c.1),
                delta,
                worse: Some(worse),
                better: Some(better),
                test: "exact McNemar",
                p_value,
                p_adjusted: None,
                detectable_drop: discordant
                    .and_then(|d| detectable_drop(alpha, both, 0.5, Some(d))),
                unscored,
                bounds,
            }
        }
        None => RateComparison {
            baseline: wilson(b.0, b.1),
            candidate: wilson(c.0, c.1),
            delta,
            worse: None,
            better: None,
            test: "two-proportion z",
            p_value,
            p_adjusted: None,
            detectable_drop: Tally::rate(b)
                .and_then(|p| detectable_drop(alpha, b.1.min(c.1), p, None)),
            unscored,
            bounds,
        },
    }
}

fn compare_scores(
    baseline: &[CallRecord],
    candidate: &[CallRecord],
    pairs: &[(usize, usize)],
    alpha: f64,
) -> ScoreComparison {
    let scores =
        |calls: &[CallRecord]| -> Vec<f64> { calls.iter().filter_map(|c| c.score).collect() };
    let (b, c) = (scores(baseline), scores(candidate));
    let (mb, mc) = (Moments::of(&b), Moments::of(&c));
    let z = stats::normal_quantile(1.0 - alpha) + stats::normal_quantile(stats::POWER);
    let (shift, test, floor) = if !pairs.is_empty() {
        let differences: Vec<f64> = pairs
            .iter()
            .filter_map(|&(i, j)| Some(candidate[j].score? - baseline[i].score?))
            .collect();
        let md = Moments::of(&differences);
        let floor = (md.n() > 0).then(|| z * md.std_dev() / (md.n() as f64).sqrt());
        (
            stats::paired_bootstrap(&differences),
            "paired bootstrap",
            floor,
        )
    } else {
        let floor = (mb.n() > 0 && mc.n() > 0).then(|| {
            let variance = |m: &Moments| m.std_dev().powi(2) / m.n() as f64;
            z * (variance(&mb) + variance(&mc)).sqrt()
        });
        (stats::unpaired_bootstrap(&b, &c), "bootstrap", floor)
    };
    ScoreComparison {
        baseline: mb.mean().map(|m| m.value),
        candidate: mc.mean().map(|m| m.value),
        shift: shift.map(|s| Shift {
            delta: stats::round2(s.delta),
            low: stats::round2(s.low),
            high: stats::round2(s.high),
            p_value: s.p_value,
        }),
        test,
        p_adjusted: None,
        detectable_drop: floor.map(stats::round2),
    }
}

/// Compares the candidate run with the baseline and judges the gates
/// (the candidate's rubric's, unless `gates` is given).
pub fn compare(
    baseline: &RunDir,
    candidate: &RunDir,
    gates: Option<&Gates>,
    allow_rubric_change: bool,
) -> Result<GateReport, GateError> {
    let rubric_changed = baseline.rubric.hash != candidate.rubric.hash;
    if rubric_changed && !allow_rubric_change {
        return Err(GateError::RubricChanged {
            baseline: Side::of(baseline).rubric,
            candidate: Side::of(candidate).rubric,
        });
    }
    let gates = gates.unwrap_or(&candidate.rubric.gates);
    let alpha = gates.alpha;
    // Unpaired runs come with no pairs.
    let matching = match_calls(&baseline.calls, &candidate.calls);
    let (pairing, pairs) = (matching.pairing, matching.pairs());
    let (b, c) = (&baseline.calls[..], &candidate.calls[..]);

    let mut call_pass_rate = compare_rates(b, c, pairs, alpha, Outcome::Call);
    let mut call_score = compare_scores(b, c, pairs, alpha);
    let mut dimensions: Vec<DimensionComparison> = candidate
        .rubric
        .dimensions
        .iter()
        .enumerate()
        .filter_map(|(ci, dimension)| {
            let bi = baseline.dimension_index(&dimension.id)?;
            let outcome = Outcome::Dimension {
                baseline: bi,
                candidate: ci,
            };
            let rate = compare_rates(b, c, pairs, alpha, outcome);
            Some(DimensionComparison {
                id: dimension.id.clone(),
                title: dimension.title.clone(),
                critical: dimension.critical,
                rate,
            })
        })
        .collect();

    // The tests the gates rely on, corrected together.
    let mut family: Vec<(Target, f64)> = Vec::new();
    if gates.call.max_drop.is_some()
        && let Some(p) = call_pass_rate.p_value
    {
        family.push((Target::CallRate, p));
    }
    if gates.call.max_score_drop.is_some()
        && let Some(shift) = call_score.shift
    {
        family.push((Target::CallScore, shift.p_value));
    }
    for (index, dimension) in dimensions.iter().enumerate() {
        let own = gates.for_dimension(&dimension.id);
        let tested =
            own.max_drop.is_some() || (dimension.critical && gates.critical_may_not_regress);
        if tested && let Some(p) = dimension.rate.p_value {
            family.push((Target::Dimension(index), p));
        }
    }
    let adjusted = holm(&family.iter().map(|(_, p)| *p).collect::<Vec<_>>());
    for ((target, _), p) in family.iter().zip(&adjusted) {
        let p = Some(stats::round4(*p));
        match target {
            Target::CallRate => call_pass_rate.p_adjusted = p,
            Target::CallScore => call_score.p_adjusted = p,
            Target::Dimension(i) => dimensions[*i].rate.p_adjusted = p,
        }
    }

    let coverage = coverage(baseline, &matching);
    let mut results = Vec::from(coverage_gates(
        gates,
        &baseline.lines,
        &candidate.lines,
        &coverage,
    ));
    judge_rate_gates(
        &mut results,
        "call",
        &call_pass_rate,
        gates.call.min_pass_rate,
        gates.call.max_drop,
        alpha,
        family.len(),
    );
    if let Some(min) = gates.call.min_mean_score {
        results.push(match call_score.candidate {
            None => undecided(
                "call",
                format!("mean score at least {min}"),
                "no call scored",
            ),
            Some(mean) => GateResult {
                subject: "call".into(),
                rule: format!("mean score at least {min}"),
                observed: format!("{mean:.2}"),
                status: if mean >= min {
                    GateStatus::Pass
                } else {
                    GateStatus::Fail
                },
                lists_unpaired: false,
            },
        });
    }
    if let Some(max) = gates.call.max_score_drop {
        let rule = format!("mean score drops at most {max} points (significant drops only)");
        results.push(match (call_score.shift, call_score.p_adjusted) {
            (Some(shift), Some(p)) => {
                let failed = -shift.delta > max && p < alpha;
                GateResult {
                    subject: "call".into(),
                    rule,
                    observed: format!(
                        "{:+.2} points [{:+.2}, {:+.2}], {}",
                        shift.delta,
                        shift.low,
                        shift.high,
                        p_is(p)
                    ),
                    status: if failed {
                        GateStatus::Fail
                    } else {
                        GateStatus::Pass
                    },
                    lists_unpaired: false,
                }
            }
            _ => undecided("call", rule, "no scores to compare"),
        });
    }
    for dimension in &dimensions {
        let own = gates.for_dimension(&dimension.id);
        let first = results.len();
        judge_rate_gates(
            &mut results,
            &dimension.id,
            &dimension.rate,
            own.min_pass_rate,
            own.max_drop,
            alpha,
            family.len(),
        );
        let unscored_in_both =
            dimension.rate.baseline.is_none() && dimension.rate.candidate.is_none();
        if unscored_in_both && !gates.dimensions.contains_key(&dimension.id) {
            for result in &mut results[first..] {
                result.status = GateStatus::Skipped;
                result.observed =
                    "nothing scored in either run (each_dimension gate skipped)".into();
            }
        }
        if dimension.critical && gates.critical_may_not_regress {
            let rule = "critical: no significant drop".to_string();
            results.push(drop_gate(
                &dimension.id,
                rule,
                &dimension.rate,
                0.0,
                alpha,
                family.len(),
            ));
        }
    }

    let critical_flips = critical_flips(baseline, candidate, pairs);
    let status = if results.iter().any(|r| r.status == GateStatus::Fail) {
        GateStatus::Fail
    } else if results.iter().any(|r| r.status == GateStatus::Undecided) {
        GateStatus::Undecided
    } else {
        GateStatus::Pass
    };
    Ok(GateReport {
        status,
        baseline: Side::of(baseline),
        candidate: Side::of(candidate),
        rubric_changed,
        pairing,
        pairs: pairs.len(),
        alpha,
        tests: family.len(),
        call_pass_rate,
        call_score,
        dimensions,
        coverage,
        gates: results,
        critical_flips,
    })
}

enum Target {
    CallRate,
    CallScore,
    Dimension(usize),
}

fn undecided(subject: &str, rule: String, why: &str) -> GateResult {
    GateResult {
        subject: subject.to_string(),
        rule,
        observed: why.to_string(),
        status: GateStatus::Undecided,
        lists_unpaired: false,
    }
}

/// `p = 0.0123`, or `p < 0.0001`.
pub fn p_is(p: f64) -> String {
    if p < 0.0001 {
        "p < 0.0001".to_string()
    } else {
        format!("p = {p:.4}")
    }
}

pub fn format_p(p: f64) -> String {
    if p < 0.0001 {
        "<0.0001".to_string()
    } else {
        format!("{p:.4}")
    }
}

/// A fraction difference in percentage points, signed.
pub fn format_points(delta: f64) -> String {
    format!("{:+.1} pts", delta * 100.0)
}

fn judge_rate_gates(
    results: &mut Vec<GateResult>,
    subject: &str,
    rate: &RateComparison,
    min_pass_rate: Option<f64>,
    max_drop: Option<f64>,
    alpha: f64,
    tests: usize,
) {
    if let Some(min) = min_pass_rate {
        let rule = format!("pass rate at least {:.0}%", min * 100.0);
        let bounds = rate.bounds.filter(|_| rate.unscored.candidate > 0);
        results.push(match (rate.candidate, bounds) {
            (None, None) => undecided(subject, rule, "nothing scored"),
            (Some(r), None) => GateResult {
                subject: subject.to_string(),
                rule,
                observed: format!("{:.1}% of {}", r.value * 100.0, r.n),
                status: if r.value >= min {
                    GateStatus::Pass
                } else {
                    GateStatus::Fail
                },
                lists_unpaired: false,
            },
            (observed, Some(Bounds { worst, best })) => GateResult {
                subject: subject.to_string(),
                rule,
                observed: format!(
                    "{}; with the {} unscored: {:.1}% to {:.1}%",
                    observed.map_or("nothing scored".to_string(), |r| format!(
                        "{:.1}% of {}",
                        r.value * 100.0,
                        r.n
                    )),
                    rate.unscored.candidate,
                    worst.candidate * 100.0,
                    best.candidate * 100.0
                ),
                status: if worst.candidate >= min {
                    GateStatus::Pass
                } else if best.candidate < min {
                    GateStatus::Fail
                } else {
                    GateStatus::Undecided
                },
                lists_unpaired: false,
            },
        });
    }
    if let Some(max) = max_drop {
        let rule = if max == 0.0 {
            "no significant pass-rate drop".to_string()
        } else {
            format!(
                "pass rate drops at most {:.1} pts (significant drops only)",
                max * 100.0
            )
        };
        results.push(drop_gate(subject, rule, rate, max, alpha, tests));
    }
}

/// Fails when the pass rate fell by more than `max` and the (corrected)
/// drop is significant.
fn drop_gate(
    subject: &str,
    rule: String,
    rate: &RateComparison,
    max: f64,
    alpha: f64,
    tests: usize,
) -> GateResult {
    let fails = |delta: f64, p: f64| -delta > max && p < alpha;
    match (rate.delta, rate.p_adjusted, rate.bounds) {
        (Some(delta), Some(p), None) => GateResult {
            subject: subject.to_string(),
            rule,
            observed: format!("{}, {}", format_points(delta), p_is(p)),
            status: if fails(delta, p) {
                GateStatus::Fail
            } else {
                GateStatus::Pass
            },
            lists_unpaired: false,
        },
        (delta, p, Some(Bounds { worst, best })) => {
            // The extremes are corrected as the observed p-value was (Holm's
            // factor for this test); with no observed p-value, Bonferroni over
            // the gate's tests.
            let factor = match (rate.p_value, p) {
                (Some(raw), Some(adjusted)) if raw > 0.0 => (adjusted / raw).max(1.0),
                _ => tests.max(1) as f64,
            };
            let adjust = |raw: f64| (raw * factor).min(1.0);
            let (p_worst, p_best) = (adjust(worst.p_value), adjust(best.p_value));
            let observed = match (delta, p) {
                (Some(delta), Some(p)) => format!("{}, {}", format_points(delta), p_is(p)),
                _ => "nothing scored on one side".to_string(),
            };
            GateResult {
                subject: subject.to_string(),
                rule,
                observed: format!(
                    "{observed}; with the unscored ({} baseline, {} candidate): {} ({}) to {} ({})",
                    rate.unscored.baseline,
                    rate.unscored.candidate,
                    format_points(worst.delta),
                    p_is(p_worst),
                    format_points(best.delta),
                    p_is(p_best)
                ),
                status: if fails(best.delta, p_best) {
                    GateStatus::Fail
                } else if !fails(worst.delta, p_worst) {
                    GateStatus::Pass
                } else {
                    GateStatus::Undecided
                },
                lists_unpaired: false,
            }
        }
        _ => undecided(subject, rule, "nothing scored on one side"),
    }
}

fn critical_flips(baseline: &RunDir, candidate: &RunDir, pairs: &[(usize, usize)]) -> Vec<Flip> {
    let critical: Vec<(usize, usize, &str)> = candidate
        .rubric
        .dimensions
        .iter()
        .enumerate()
        .filter(|(_, d)| d.critical)
        .filter_map(|(ci, d)| Some((baseline.dimension_index(&d.id)?, ci, d.id.as_str())))
        .collect();
    let mut flips = Vec::new();
    for &(i, j) in pairs {
        let (before, after) = (&baseline.calls[i], &candidate.calls[j]);
        for &(bi, ci, id) in &critical {
            if before.dimensions[bi] == Status::Pass && after.dimensions[ci] == Status::Fail {
                flips.push(Flip {
                    dimension: id.to_string(),
                    scenario_id: after.scenario_id.clone(),
                    baseline_conversation: before.conversation_id.clone(),
                    candidate_conversation: after.conversation_id.clone(),
                });
            }
        }
    }
    flips
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Calls `c0, c1, ...` in scenarios `s0, s1, ...`, one per verdict.
    fn calls(verdicts: &[Status]) -> Vec<CallRecord> {
        verdicts
            .iter()
            .enumerate()
            .map(|(i, &verdict)| CallRecord {
                conversation_id: format!("c{i}"),
                scenario_id: Some(format!("s{i}")),
                agent_version: "v".into(),
                verdict,
                score: None,
                dimensions: Vec::new(),
                line: i as u64 + 1,
            })
            .collect()
    }

    fn of(groups: &[(Status, usize)]) -> Vec<CallRecord> {
        let verdicts: Vec<Status> = groups
            .iter()
            .flat_map(|&(status, n)| std::iter::repeat_n(status, n))
            .collect();
        calls(&verdicts)
    }

    fn paired(b: &[CallRecord], c: &[CallRecord]) -> RateComparison {
        let pairs: Vec<(usize, usize)> = (0..b.len().min(c.len())).map(|i| (i, i)).collect();
        let mut rate = compare_rates(b, c, &pairs, 0.05, Outcome::Call);
        rate.p_adjusted = rate.p_value;
        rate
    }

    fn min_rate_gate(rate: &RateComparison, min: f64) -> GateResult {
        let mut results = Vec::new();
        judge_rate_gates(&mut results, "call", rate, Some(min), None, 0.05, 1);
        results.remove(0)
    }

    #[test]
    fn a_pass_rate_is_decided_only_where_the_unscored_could_not_change_it() {
        let baseline = of(&[(Status::Pass, 10)]);
        // 8 passes and 2 unscored: 100% of what was scored, 80% to 100% in all.
        let candidate = of(&[(Status::Pass, 8), (Status::Unscored, 2)]);
        let rate = paired(&baseline, &candidate);
        assert_eq!(rate.candidate.unwrap().value, 1.0);
        assert_eq!(rate.unscored.candidate, 2);
        let undecided = min_rate_gate(&rate, 0.9);
        assert_eq!(undecided.status, GateStatus::Undecided, "{undecided:?}");
        assert!(
            undecided.observed.contains("80.0% to 100.0%"),
            "{undecided:?}"
        );
        assert_eq!(min_rate_gate(&rate, 0.8).status, GateStatus::Pass);
        // 2 passes, 6 fails, 2 unscored: below 50% whatever the unscored were.
        let candidate = of(&[(Status::Pass, 2), (Status::Fail, 6), (Status::Unscored, 2)]);
        let rate = paired(&baseline, &candidate);
        assert_eq!(min_rate_gate(&rate, 0.5).status, GateStatus::Fail);
        // Not applicable verdicts are no unscored ones.
        let candidate = of(&[(Status::Pass, 8), (Status::Na, 2)]);
        let rate = paired(&baseline, &candidate);
        assert!(rate.bounds.is_none());
        assert_eq!(min_rate_gate(&rate, 0.9).status, GateStatus::Pass);
    }

    #[test]
    fn a_drop_hidden_in_unscored_verdicts_is_not_passed() {
        // Every baseline call passes; the candidate passes the 10 it was
        // scored on and 10 went unscored (say, the judge timed out): among
        // the scored pairs nothing fell, but 10 flips to fail are possible.
        let baseline = of(&[(Status::Pass, 20)]);
        let candidate = of(&[(Status::Pass, 10), (Status::Unscored, 10)]);
        let rate = paired(&baseline, &candidate);
        assert_eq!(rate.delta, Some(0.0));
        let bounds = rate.bounds.unwrap();
        assert_eq!(bounds.worst.delta, -0.5);
        assert!(bounds.worst.p_value < 0.01, "{bounds:?}");
        let gate = drop_gate("call", "no drop".into(), &rate, 0.0, 0.05, 1);
        assert_eq!(gate.status, GateStatus::Undecided, "{gate:?}");
        assert!(
            gate.observed.contains("0 baseline, 10 candidate"),
            "{gate:?}"
        );

        // A drop that is significant even if every unscored verdict passed.
        let candidate = of(&[(Status::Fail, 15), (Status::Pass, 3), (Status::Unscored, 2)]);
        let rate = paired(&baseline, &candidate);
        let gate = drop_gate("call", "no drop".into(), &rate, 0.0, 0.05, 1);
        assert_eq!(gate.status, GateStatus::Fail, "{gate:?}");

        // One unscored verdict that could not make a drop significant.
        let candidate = of(&[(Status::Pass, 19), (Status::Unscored, 1)]);
        let rate = paired(&baseline, &candidate);
        let gate = drop_gate("call", "no drop".into(), &rate, 0.0, 0.05, 1);
        assert_eq!(gate.status, GateStatus::Pass, "{gate:?}");
    }

    #[test]
    fn unpaired_runs_are_bounded_the_same_way() {
        let baseline = of(&[(Status::Pass, 40)]);
        let candidate = of(&[(Status::Pass, 20), (Status::Unscored, 20)]);
        let mut rate = compare_rates(&baseline, &candidate, &[], 0.05, Outcome::Call);
        rate.p_adjusted = rate.p_value;
        assert_eq!(rate.test, "two-proportion z");
        let gate = drop_gate("call", "no drop".into(), &rate, 0.0, 0.05, 1);
        assert_eq!(gate.status, GateStatus::Undecided, "{gate:?}");
    }
}

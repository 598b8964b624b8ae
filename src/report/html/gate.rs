//! The gate view: the decision at the top, each gate with what was
//! observed, every dimension of the baseline against the candidate with
//! the change and its interval, coverage, and the verdicts that flipped.

use std::collections::{BTreeMap, HashSet};

use serde::Serialize;

use super::charts::{self, Bar, Bars, Mark};
use super::source::RunData;
use super::{Chart, HtmlError};
use crate::Status;
use crate::compare::gate::{GateReport, GateStatus, RateComparison};
use crate::compare::{RunDir, pair};
use crate::stats::newcombe_difference;

/// Flipped calls listed (all are counted).
pub const MAX_FLIPPED: usize = 50;

#[derive(Debug, Serialize)]
pub struct GateView {
    pub status: String,
    pub decision: String,
    pub baseline: Side,
    pub candidate: Side,
    pub rubric_changed: bool,
    pub pairing: String,
    pub pairs: usize,
    pub tests: usize,
    pub alpha: f64,
    pub gates: Vec<GateRow>,
    pub call: ComparisonRow,
    pub dimensions: Vec<ComparisonRow>,
    pub chart: Chart,
    pub coverage: Vec<Coverage>,
    pub paired_calls: Option<PairedCalls>,
    pub flip_counts: Vec<FlipCount>,
    pub flipped: Vec<FlippedCall>,
    pub flipped_total: usize,
}

#[derive(Debug, Serialize)]
pub struct Side {
    pub path: String,
    pub agent_versions: String,
    pub rubric: String,
    pub calls: usize,
}

#[derive(Debug, Serialize)]
pub struct GateRow {
    pub subject: String,
    pub rule: String,
    pub observed: String,
    pub status: String,
}

#[derive(Debug, Serialize)]
pub struct ComparisonRow {
    pub id: String,
    pub title: String,
    pub critical: bool,
    pub baseline: String,
    pub candidate: String,
    pub change: String,
    pub test: String,
    pub p_adjusted: String,
    pub worse: String,
}

/// How much of each run the comparison stands on, as the gate report
/// states it (lines from each run's summary, which its manifest vouches for).
#[derive(Debug, Serialize)]
pub struct Coverage {
    pub side: String,
    pub lines_read: u64,
    pub scored: u64,
    pub rejected: u64,
    pub calls: usize,
    pub paired: String,
}

/// The baseline's calls and how many of them the candidate pairs, as the
/// gate's coverage rule counts them.
#[derive(Debug, Serialize)]
pub struct PairedCalls {
    /// What pairs calls (`scenarioId and trial`, `conversationId`).
    pub key: String,
    pub baseline_calls: usize,
    pub paired: usize,
    /// `paired` as a share of `baseline_calls`, in words.
    pub share: String,
    /// The first unpaired baseline calls, described (all are in the gate's JSON).
    pub unpaired: Vec<String>,
    pub unpaired_total: usize,
}

/// Unpaired baseline calls listed in the page at most.
const UNPAIRED_LISTED: usize = 50;

#[derive(Debug, Serialize)]
pub struct FlipCount {
    pub subject: String,
    pub from: String,
    pub to: String,
    pub count: usize,
}

#[derive(Debug, Serialize)]
pub struct FlippedCall {
    pub baseline: String,
    pub candidate: String,
    pub scenario: Option<String>,
    pub changes: Vec<String>,
    /// The candidate's conversation is shown in full in this report.
    pub shown: bool,
}

fn status_word(status: GateStatus) -> &'static str {
    match status {
        GateStatus::Pass => "pass",
        GateStatus::Fail => "fail",
        GateStatus::Undecided => "undecided",
        GateStatus::Skipped => "skipped",
    }
}

/// The three figures of a comparison, each as a chart mark: a side's rate
/// with its interval where every verdict on that side was scored, else the
/// range its unscored verdicts leave (from the gate's `bounds`: `best` counts
/// them as fails in the baseline and passes in the candidate, `worst` the
/// other way round); the change with Newcombe's interval where both sides
/// were scored in full, else the range between the two extremes.
struct Marks {
    baseline: Mark,
    candidate: Mark,
    change: Mark,
}

fn marks(rate: &RateComparison) -> Marks {
    let value = |r: Option<crate::stats::Rate>| {
        r.map_or(Mark::Empty, |r| Mark::Value {
            value: r.value,
            interval: Some((r.low, r.high)),
        })
    };
    let range = |a: f64, b: f64| Mark::Range {
        low: a.min(b),
        high: a.max(b),
    };
    let Some(bounds) = rate.bounds else {
        let change = match (rate.baseline, rate.candidate) {
            (Some(b), Some(c)) => Mark::Value {
                value: c.value - b.value,
                interval: Some(newcombe_difference(b, c)),
            },
            _ => rate.delta.map_or(Mark::Empty, |value| Mark::Value {
                value,
                interval: None,
            }),
        };
        return Marks {
            baseline: value(rate.baseline),
            candidate: value(rate.candidate),
            change,
        };
    };
    let (worst, best) = (bounds.worst, bounds.best);
    Marks {
        baseline: if rate.unscored.baseline > 0 {
            range(best.candidate - best.delta, worst.candidate - worst.delta)
        } else {
            value(rate.baseline)
        },
        candidate: if rate.unscored.candidate > 0 {
            range(worst.candidate, best.candidate)
        } else {
            value(rate.candidate)
        },
        change: range(worst.delta, best.delta),
    }
}

/// A side's rate, or its range with the unscored share, as the overview
/// writes it.
fn side_text(mark: Mark, rate: Option<crate::stats::Rate>, unscored: u64) -> String {
    let applicable = rate.map_or(0, |r| r.n) + unscored;
    match mark {
        Mark::Range { low, high } => crate::report::table::rate_or_bounds(
            None,
            Some(crate::aggregate::Bounds { low, high }),
            unscored,
            applicable,
        ),
        _ => super::model::rate(rate),
    }
}

fn row(id: &str, title: &str, critical: bool, rate: &RateComparison) -> ComparisonRow {
    let m = marks(rate);
    ComparisonRow {
        id: id.to_string(),
        title: title.to_string(),
        critical,
        baseline: side_text(m.baseline, rate.baseline, rate.unscored.baseline),
        candidate: side_text(m.candidate, rate.candidate, rate.unscored.candidate),
        change: match m.change {
            Mark::Value {
                value: d,
                interval: Some((lo, hi)),
            } => format!(
                "{:+.1} pts [{:+.1}, {:+.1}]",
                d * 100.0,
                lo * 100.0,
                hi * 100.0
            ),
            Mark::Value { value: d, .. } => format!("{:+.1} pts", d * 100.0),
            Mark::Range { low, high } => format!(
                "{:+.1} to {:+.1} pts (with the unscored)",
                low * 100.0,
                high * 100.0
            ),
            Mark::Empty => "-".to_string(),
        },
        test: rate.test.to_string(),
        p_adjusted: rate
            .p_adjusted
            .or(rate.p_value)
            .map_or("-".to_string(), |p| format!("{p:.4}")),
        worse: match (rate.worse, rate.better) {
            (Some(w), Some(b)) => format!("{w} worse, {b} better"),
            _ => "-".to_string(),
        },
    }
}

pub fn build(
    baseline: &RunDir,
    candidate: &RunDir,
    report: &GateReport,
    run: &RunData,
) -> Result<GateView, HtmlError> {
    let failed_gates = report
        .gates
        .iter()
        .filter(|g| g.status == GateStatus::Fail)
        .count();
    let decision = match report.status {
        GateStatus::Pass => format!("passed: all {} gate(s) held", report.gates.len()),
        GateStatus::Fail => format!(
            "FAILED: {failed_gates} of {} gate(s) failed",
            report.gates.len()
        ),
        GateStatus::Undecided => "undecided: a gate had nothing scored to judge, or unscored verdicts could change its decision".to_string(),
        GateStatus::Skipped => "skipped: no gate had anything to judge".to_string(),
    };
    let side = |s: &crate::compare::gate::Side| Side {
        path: s.path.clone(),
        agent_versions: s.agent_versions.join(", "),
        rubric: s.rubric.clone(),
        calls: s.calls,
    };
    let dimensions: Vec<ComparisonRow> = report
        .dimensions
        .iter()
        .map(|d| row(&d.id, &d.title, d.critical, &d.rate))
        .collect();

    let label = |id: &str, critical: bool| {
        if critical {
            format!("{id} (critical)")
        } else {
            id.to_string()
        }
    };
    let mut base_bars = Vec::new();
    let mut cand_bars = Vec::new();
    let mut change_bars = Vec::new();
    for d in &report.dimensions {
        let m = marks(&d.rate);
        let name = label(&d.id, d.critical);
        base_bars.push(Bar {
            label: name.clone(),
            mark: m.baseline,
        });
        cand_bars.push(Bar {
            label: name.clone(),
            mark: m.candidate,
        });
        change_bars.push(Bar {
            label: name,
            mark: m.change,
        });
    }
    let widest = report
        .dimensions
        .iter()
        .map(|d| label(&d.id, d.critical).chars().count())
        .max()
        .unwrap_or(8) as u32;
    let width = (widest * 7 + 28).clamp(60, 280);
    let reach = change_bars
        .iter()
        .filter_map(|b| match b.mark {
            Mark::Value {
                interval: Some((lo, hi)),
                ..
            }
            | Mark::Range { low: lo, high: hi } => Some(lo.abs().max(hi.abs())),
            _ => None,
        })
        .fold(0.1f64, f64::max)
        .min(1.0);
    let chart = Chart {
        id: "gate".into(),
        title: "baseline against candidate, per dimension".into(),
        svg: charts::panels(&[
            (
                Bars {
                    title: "baseline pass rate [95% CI]",
                    bars: &base_bars,
                    range: 0.0..1.0,
                    format: charts::percent,
                    color: charts::BASELINE,
                    label_width: width,
                },
                width + 240,
            ),
            (
                Bars {
                    title: "candidate pass rate [95% CI]",
                    bars: &cand_bars,
                    range: 0.0..1.0,
                    format: charts::percent,
                    color: charts::MEAN,
                    label_width: 8,
                },
                250,
            ),
            (
                Bars {
                    title: "change, points [95% CI]",
                    bars: &change_bars,
                    range: -reach..reach,
                    format: charts::points,
                    color: charts::CHANGE,
                    label_width: 8,
                },
                250,
            ),
        ])?,
    };

    let (_, pairs) = pair(&baseline.calls, &candidate.calls);
    let paired = |calls: usize| {
        if calls == 0 {
            "-".to_string()
        } else {
            format!(
                "{} ({:.1}%)",
                pairs.len(),
                pairs.len() as f64 * 100.0 / calls as f64
            )
        }
    };
    let coverage_of = |name: &str, side: &crate::compare::gate::Side| Coverage {
        side: name.to_string(),
        lines_read: side.lines.read,
        scored: side.lines.scored,
        rejected: side.lines.rejected,
        calls: side.calls,
        paired: paired(side.calls),
    };
    let coverage = vec![
        coverage_of("baseline", &report.baseline),
        coverage_of("candidate", &report.candidate),
    ];
    let paired_calls = report.coverage.share.map(|share| PairedCalls {
        key: report.coverage.key.describe().to_string(),
        baseline_calls: report.coverage.baseline_calls,
        paired: report.coverage.paired,
        share: format!("{:.1}%", share * 100.0),
        unpaired: report
            .coverage
            .unpaired
            .iter()
            .take(UNPAIRED_LISTED)
            .map(|call| call.describe(str::to_string))
            .collect(),
        unpaired_total: report.coverage.unpaired.len(),
    });

    // Flips: every paired call whose verdict or a dimension changed between
    // pass and fail; status changes to and from unscored or n/a are counted.
    let shared: Vec<(usize, usize, &str)> = baseline
        .rubric
        .dimensions
        .iter()
        .enumerate()
        .filter_map(|(bi, d)| Some((bi, candidate.dimension_index(&d.id)?, d.id.as_str())))
        .collect();
    let shown: HashSet<&str> = run
        .examples
        .iter()
        .filter_map(|e| e.card.get("conversation_id")?.as_str())
        .collect();
    let mut counts: BTreeMap<(String, Status, Status), usize> = BTreeMap::new();
    let mut flipped = Vec::new();
    let mut flipped_total = 0;
    for &(i, j) in &pairs {
        let (b, c) = (&baseline.calls[i], &candidate.calls[j]);
        let mut changes = Vec::new();
        let mut flips = false;
        let mut note = |subject: &str, from: Status, to: Status| {
            if from == to {
                return;
            }
            *counts.entry((subject.to_string(), from, to)).or_default() += 1;
            if matches!(
                (from, to),
                (Status::Pass, Status::Fail) | (Status::Fail, Status::Pass)
            ) {
                flips = true;
            }
            changes.push(format!("{subject}: {} → {}", from.as_str(), to.as_str()));
        };
        note("call", b.verdict, c.verdict);
        for &(bi, ci, id) in &shared {
            note(id, b.dimensions[bi], c.dimensions[ci]);
        }
        if flips {
            flipped_total += 1;
            if flipped.len() < MAX_FLIPPED {
                flipped.push(FlippedCall {
                    baseline: b.conversation_id.clone(),
                    candidate: c.conversation_id.clone(),
                    scenario: c.scenario_id.clone(),
                    shown: shown.contains(c.conversation_id.as_str()),
                    changes,
                });
            }
        }
    }
    let mut flip_counts: Vec<FlipCount> = counts
        .into_iter()
        .map(|((subject, from, to), count)| FlipCount {
            subject,
            from: from.as_str().to_string(),
            to: to.as_str().to_string(),
            count,
        })
        .collect();
    flip_counts.sort_by(|a, b| b.count.cmp(&a.count).then(a.subject.cmp(&b.subject)));

    Ok(GateView {
        status: status_word(report.status).to_string(),
        decision,
        baseline: side(&report.baseline),
        candidate: side(&report.candidate),
        rubric_changed: report.rubric_changed,
        pairing: report.pairing.describe().to_string(),
        pairs: report.pairs,
        tests: report.tests,
        alpha: report.alpha,
        gates: report
            .gates
            .iter()
            .map(|g| GateRow {
                subject: g.subject.clone(),
                rule: g.rule.clone(),
                observed: g.observed.clone(),
                status: status_word(g.status).to_string(),
            })
            .collect(),
        call: row("call", "call pass rate", false, &report.call_pass_rate),
        dimensions,
        chart,
        coverage,
        paired_calls,
        flip_counts,
        flipped,
        flipped_total,
    })
}

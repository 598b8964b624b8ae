//! A run read back ([`RunData`]) -> what the template shows ([`RunView`]):
//! the overview, the handoff metrics, the failures and the conversations,
//! with every chart already drawn.

use serde::Serialize;

use super::charts::{self, Bar, Bars, Mark};
use super::conversation::{self, ConversationView};
use super::source::{BoundsView, DimensionView, GroupView, RunData, SummaryView};
use super::{Chart, HtmlError};
use crate::stats::{Mean, Rate};

#[derive(Debug, Serialize)]
pub struct RunView {
    pub path: String,
    pub tool_version: String,
    pub rubric: RubricLine,
    pub inputs: Vec<String>,
    pub lines: Lines,
    pub conversations: u64,
    pub escalated: u64,
    /// Conversations whose timestamps contradict the order of their events
    /// or that state a negative duration.
    pub clock_contradictions: u64,
    /// What `clock_contradictions` counts, in words.
    pub clock_contradictions_said: String,
    pub judge: Option<String>,
    pub calls: Calls,
    pub verdict_chart: Chart,
    pub dimension_chart: Chart,
    pub dimensions: Vec<DimensionRow>,
    pub slices: Vec<SliceKind>,
    pub handoff: Handoff,
    pub failures: Vec<Failures>,
    pub shown: usize,
    /// Conversations chosen but left out: showing them would pass
    /// [`CONVERSATION_BYTES`].
    pub over_budget: usize,
    pub total: u64,
    pub listed: Vec<Listed>,
    pub conversation_views: Vec<ConversationView>,
}

#[derive(Debug, Serialize)]
pub struct RubricLine {
    pub name: String,
    pub version: String,
    pub hash: String,
    pub pass_threshold: f64,
}

#[derive(Debug, Serialize)]
pub struct Lines {
    pub read: u64,
    pub scored: u64,
    pub rejected: u64,
    pub duplicate_ids: u64,
}

#[derive(Debug, Serialize)]
pub struct Calls {
    pub scored: u64,
    pub passed: u64,
    pub failed: u64,
    pub unscored: u64,
    pub na: u64,
    /// The rate with its interval, or the range it lies in.
    pub pass_rate: String,
    /// The mean with its interval, or the range it lies in.
    pub mean_score: String,
}

#[derive(Debug, Serialize)]
pub struct DimensionRow {
    pub id: String,
    pub title: String,
    pub critical: bool,
    pub weight: f64,
    pub applicable: u64,
    pub pass: u64,
    pub fail: u64,
    pub unscored: u64,
    pub na: u64,
    /// The rate with its interval, or the range it lies in, as the
    /// terminal writes it.
    pub pass_rate: String,
    /// What the chart draws: `rate`, `range` or `none`.
    pub figure: &'static str,
    pub unscored_share: String,
}

#[derive(Debug, Serialize)]
pub struct SliceKind {
    pub kind: String,
    /// The [`MAX_TABLE_GROUPS`] largest groups, largest first.
    pub groups: Vec<SliceGroup>,
    /// Groups in the run, listed or not.
    pub total: usize,
    /// Groups drawn in the charts: the [`MAX_GROUPS`] largest.
    pub drawn: usize,
    /// One small chart per dimension, and one of the call pass rate first.
    pub panels: Vec<Chart>,
}

#[derive(Debug, Serialize)]
pub struct SliceGroup {
    pub name: String,
    pub calls: u64,
    pub scored: u64,
    pub pass_rate: String,
    pub mean_score: String,
}

#[derive(Debug, Serialize)]
pub struct Handoff {
    /// The figures of the charts as text: group, value [95% CI], count.
    pub recontact_rows: Vec<MetricRow>,
    pub csat_rows: Vec<MetricRow>,
    pub recontact: Chart,
    pub recontact_note: String,
    pub repeat_yourself: String,
    pub csat: Chart,
    pub csat_note: String,
    pub response: Chart,
    pub response_note: String,
}

/// One group of a handoff metric, as text.
#[derive(Debug, Serialize)]
pub struct MetricRow {
    pub group: String,
    /// `15.2% [8.2-26.5]`, `2.8 [2.6-3.0]`, or `-` where nothing was measured.
    pub value: String,
    pub n: u64,
}

impl MetricRow {
    fn rate(group: &str, rate: Option<Rate>) -> MetricRow {
        MetricRow {
            group: group.to_string(),
            value: crate::report::table::percent(rate),
            n: n(rate),
        }
    }

    fn mean(group: &str, mean: Option<Mean>) -> MetricRow {
        MetricRow {
            group: group.to_string(),
            value: mean.map_or("-".to_string(), |m| {
                format!("{:.1} [{:.1}, {:.1}]", m.value, m.low, m.high)
            }),
            n: n(mean),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct Failures {
    pub id: String,
    pub title: String,
    pub failed: u64,
    pub reasons: Vec<FailureReason>,
    pub other: u64,
}

#[derive(Debug, Serialize)]
pub struct FailureReason {
    pub check: String,
    pub reason: String,
    pub count: u64,
    pub examples: Vec<ExampleLink>,
}

/// A conversation a permalink opens: by its line in calls.jsonl, which no
/// other call shares (ids may repeat).
#[derive(Debug, Serialize)]
pub struct ExampleLink {
    pub id: String,
    pub line: u64,
}

/// A row of the conversation list.
#[derive(Debug, Serialize)]
pub struct Listed {
    pub id: String,
    /// Line of the scorecard in calls.jsonl: what the row's permalink names.
    pub line: u64,
    pub agent_version: String,
    pub channel: String,
    pub trigger: String,
    pub verdict: String,
    pub score: String,
    pub failed: Vec<String>,
}

/// Bytes (about) the conversations shown in full may take in the page, so
/// that a report stays under 10 MB whatever the conversations hold (the
/// estimate, [`super::conversation::ConversationView::page_bytes`], runs
/// 10-25% above the bytes written on the demo set); those
/// chosen past it are left out, and the page says how many.
pub const CONVERSATION_BYTES: usize = 7_000_000;

/// Groups of a slice drawn in its charts.
pub const MAX_GROUPS: usize = 12;

/// Groups of a slice listed in its table (a `--by` key with a value per
/// conversation would otherwise make the page grow with the run);
/// `summary.json` has them all.
pub const MAX_TABLE_GROUPS: usize = 100;

pub(crate) use crate::report::table::percent as rate;
use crate::report::table::{mean_or_bounds, rate_or_bounds};

/// A bar of a measured rate or mean, with its interval.
pub fn bar(label: impl Into<String>, estimate: Option<impl Into<Estimate>>) -> Bar {
    Bar {
        label: label.into(),
        mark: estimate.map_or(Mark::Empty, |e| {
            let e = e.into();
            Mark::Value {
                value: e.value,
                interval: Some((e.low, e.high)),
            }
        }),
    }
}

/// A pass rate as far as it is known: the rate with its interval where
/// every applicable verdict was scored, else the range it lies in (never a
/// bar over the scored verdicts alone).
pub fn rate_mark(rate: Option<Rate>, bounds: Option<BoundsView>) -> Mark {
    match (rate, bounds) {
        (Some(rate), _) => Mark::Value {
            value: rate.value,
            interval: Some((rate.low, rate.high)),
        },
        (None, Some(b)) => Mark::Range {
            low: b.low,
            high: b.high,
        },
        (None, None) => Mark::Empty,
    }
}

/// The figure a mark stands for, as the page names it.
fn figure(mark: Mark) -> &'static str {
    match mark {
        Mark::Value { .. } => "rate",
        Mark::Range { .. } => "range",
        Mark::Empty => "none",
    }
}

/// `unscored` as a share of `of`, when anything applied.
fn share(unscored: u64, of: u64) -> Option<f64> {
    (of > 0).then(|| unscored as f64 / of as f64)
}

/// A pass rate, or its range, as the terminal writes it.
fn rate_text(rate: Option<Rate>, bounds: Option<BoundsView>, unscored: u64, of: u64) -> String {
    rate_or_bounds(rate, bounds.map(Into::into), unscored, of)
}

/// A group's mean call score, or its range, as the terminal writes it.
/// A group's mean score as text; its interval (a t interval, which knows
/// no scale) is clamped to the scores' scale, 0 to 100.
fn mean_text(group: &GroupView) -> String {
    let decided = group.scored + group.unscored;
    let clamped = group.mean_score.map(|m| Mean {
        low: m.low.clamp(0.0, 100.0),
        high: m.high.clamp(0.0, 100.0),
        ..m
    });
    mean_or_bounds(
        clamped,
        group.mean_score_bounds.map(Into::into),
        group.mean_score.map_or(decided, |m| m.n),
    )
}

/// The count behind a rate or a mean, 0 when there is none.
fn n(estimate: Option<impl Into<Estimate>>) -> u64 {
    estimate.map_or(0, |e| e.into().n)
}

/// A value with its interval and count: a rate or a mean.
#[derive(Debug, Clone, Copy)]
pub struct Estimate {
    pub value: f64,
    pub low: f64,
    pub high: f64,
    pub n: u64,
}

impl From<Rate> for Estimate {
    fn from(r: Rate) -> Estimate {
        Estimate {
            value: r.value,
            low: r.low,
            high: r.high,
            n: r.n,
        }
    }
}

impl From<Mean> for Estimate {
    fn from(m: Mean) -> Estimate {
        Estimate {
            value: m.value,
            low: m.low,
            high: m.high,
            n: m.n,
        }
    }
}

/// A bar of an unscored share (no interval: it is a count, not an estimate).
fn share_bar(label: String, share: Option<f64>) -> Bar {
    Bar {
        label,
        mark: share.map_or(Mark::Empty, |value| Mark::Value {
            value,
            interval: None,
        }),
    }
}

fn chart(id: &str, title: impl Into<String>, svg: String) -> Chart {
    Chart {
        id: id.to_string(),
        title: title.into(),
        svg,
    }
}

fn label_width(labels: impl Iterator<Item = usize>) -> u32 {
    (labels.max().unwrap_or(8) as u32 * 7 + 28).clamp(60, 280)
}

fn group_line(name: &str, group: &GroupView) -> SliceGroup {
    SliceGroup {
        name: name.to_string(),
        calls: group.conversations,
        scored: group.scored,
        pass_rate: rate_text(
            group.pass_rate,
            group.pass_rate_bounds,
            group.unscored,
            group.scored + group.unscored,
        ),
        mean_score: mean_text(group),
    }
}

pub fn build(run: RunData) -> Result<RunView, HtmlError> {
    let summary = &run.summary;
    let rubric = &summary.rubric;
    let by_id =
        |id: &str| -> Option<&DimensionView> { summary.dimensions.iter().find(|d| d.id == id) };

    let calls = &summary.calls;
    let verdict_chart = chart(
        "verdicts",
        "call verdicts",
        charts::stacked(
            "call verdicts",
            &[
                ("pass", calls.passed, charts::PASS),
                ("fail", calls.failed, charts::FAIL),
                ("unscored", calls.unscored, charts::UNSCORED),
                ("n/a", calls.not_applicable, charts::NA),
            ],
        )?,
    );

    let mut dimensions = Vec::new();
    let mut pass_bars = Vec::new();
    let mut unscored_bars = Vec::new();
    for info in &rubric.dimensions {
        let Some(d) = by_id(&info.id) else { continue };
        let share = share(d.unscored, d.applicable);
        let label = if info.critical {
            format!("{} (critical)", info.id)
        } else {
            info.id.clone()
        };
        let mark = rate_mark(d.pass_rate, d.pass_rate_bounds);
        pass_bars.push(Bar {
            label: label.clone(),
            mark,
        });
        unscored_bars.push(share_bar(label, share));
        dimensions.push(DimensionRow {
            id: info.id.clone(),
            title: info.title.clone(),
            critical: info.critical,
            weight: info.weight,
            applicable: d.applicable,
            pass: d.pass,
            fail: d.fail,
            unscored: d.unscored,
            na: d.na,
            pass_rate: rate_text(d.pass_rate, d.pass_rate_bounds, d.unscored, d.applicable),
            figure: figure(mark),
            unscored_share: share.map_or("-".to_string(), |s| format!("{:.1}%", s * 100.0)),
        });
    }
    let width = label_width(pass_bars.iter().map(|b| b.label.chars().count()));
    let dimension_chart = chart(
        "dimensions",
        "pass rate with its 95% interval, or the range it lies in, and the unscored share",
        charts::panels(&[
            (
                Bars {
                    title: "pass rate [95% CI], or its range",
                    bars: &pass_bars,
                    range: 0.0..1.0,
                    format: charts::percent,
                    color: charts::PASS,
                    label_width: width,
                },
                width + 330,
            ),
            (
                Bars {
                    title: "unscored share of applicable",
                    bars: &unscored_bars,
                    range: 0.0..1.0,
                    format: charts::percent,
                    color: charts::UNSCORED,
                    label_width: 8,
                },
                260,
            ),
        ])?,
    );

    let mut slices = Vec::new();
    for (kind, groups) in &summary.slices {
        let mut ordered: Vec<(&String, &super::source::SliceView)> = groups.iter().collect();
        ordered.sort_by(|a, b| {
            b.1.calls
                .conversations
                .cmp(&a.1.calls.conversations)
                .then(a.0.cmp(b.0))
        });
        let drawn = &ordered[..ordered.len().min(MAX_GROUPS)];
        let width = label_width(drawn.iter().map(|(name, _)| name.chars().count()));
        // Per drawn group: the mark of its rate, and its unscored share.
        let panel = |title: &str, rows: &[(Mark, Option<f64>)]| -> Result<Chart, HtmlError> {
            let named = || drawn.iter().map(|(name, _)| name.to_string());
            let rates: Vec<Bar> = named()
                .zip(rows)
                .map(|(label, (mark, _))| Bar { label, mark: *mark })
                .collect();
            let shares: Vec<Bar> = named()
                .zip(rows)
                .map(|(label, (_, share))| share_bar(label, *share))
                .collect();
            let svg = charts::panels(&[
                (
                    Bars {
                        title,
                        bars: &rates,
                        range: 0.0..1.0,
                        format: charts::percent,
                        color: charts::PASS,
                        label_width: width,
                    },
                    width + 170,
                ),
                (
                    Bars {
                        title: "unscored",
                        bars: &shares,
                        range: 0.0..1.0,
                        format: charts::percent,
                        color: charts::UNSCORED,
                        label_width: 8,
                    },
                    110,
                ),
            ])?;
            Ok(chart("slice", title, svg))
        };
        let call_rows: Vec<(Mark, Option<f64>)> = drawn
            .iter()
            .map(|(_, g)| {
                let c = &g.calls;
                (
                    rate_mark(c.pass_rate, c.pass_rate_bounds),
                    share(c.unscored, c.scored + c.unscored),
                )
            })
            .collect();
        let mut panels = vec![panel("call pass rate", &call_rows)?];
        for info in &rubric.dimensions {
            let rows: Vec<(Mark, Option<f64>)> = drawn
                .iter()
                .map(|(_, g)| match g.dimensions.get(&info.id) {
                    Some(d) => (
                        rate_mark(d.pass_rate, d.pass_rate_bounds),
                        share(d.unscored, d.applicable),
                    ),
                    None => (Mark::Empty, None),
                })
                .collect();
            panels.push(panel(&info.id, &rows)?);
        }
        slices.push(SliceKind {
            kind: kind.replace('_', " "),
            groups: ordered
                .iter()
                .take(MAX_TABLE_GROUPS)
                .map(|(name, g)| group_line(name, &g.calls))
                .collect(),
            total: ordered.len(),
            drawn: drawn.len(),
            panels,
        });
    }

    let handoff = handoff(&run)?;
    let failures = rubric
        .dimensions
        .iter()
        .zip(&run.failures)
        .filter_map(|(info, failures)| {
            let failed = by_id(&info.id).map_or(0, |d| d.fail);
            if failed == 0 {
                return None;
            }
            let examples_of = |lines: &[u64]| -> Vec<ExampleLink> {
                lines
                    .iter()
                    .filter_map(|line| run.examples.iter().find(|e| e.line == *line))
                    .filter_map(|e| {
                        Some(ExampleLink {
                            id: e.card.get("conversation_id")?.as_str()?.to_string(),
                            line: e.line,
                        })
                    })
                    .collect()
            };
            Some(Failures {
                id: info.id.clone(),
                title: info.title.clone(),
                failed,
                reasons: failures
                    .reasons
                    .iter()
                    .take(super::REASONS)
                    .map(|r| FailureReason {
                        check: r.check.clone(),
                        reason: r.example_reason.clone(),
                        count: r.count,
                        examples: examples_of(&r.lines),
                    })
                    .collect(),
                other: failures.other
                    + failures
                        .reasons
                        .iter()
                        .skip(super::REASONS)
                        .map(|r| r.count)
                        .sum::<u64>(),
            })
        })
        .collect();

    let dimension_ids: Vec<&str> = rubric.dimensions.iter().map(|d| d.id.as_str()).collect();
    let mut listed = Vec::new();
    let mut conversation_views = Vec::new();
    let mut spent = 0;
    let mut over_budget = 0;
    for (index, example) in run.examples.iter().enumerate() {
        let view = conversation::build(index, example, &dimension_ids)?;
        spent += view.page_bytes();
        if spent > CONVERSATION_BYTES && !conversation_views.is_empty() {
            over_budget = run.examples.len() - index;
            break;
        }
        listed.push(Listed {
            id: view.id.clone(),
            line: view.line,
            agent_version: view.agent_version.clone(),
            channel: view.channel.clone(),
            trigger: view.trigger.clone(),
            verdict: view.verdict.clone(),
            score: view.score.clone(),
            failed: view
                .dimensions
                .iter()
                .filter(|d| d.status == "fail")
                .map(|d| d.id.clone())
                .collect(),
        });
        conversation_views.push(view);
    }

    Ok(RunView {
        path: run.dir.display().to_string(),
        tool_version: summary.tool_version.clone(),
        rubric: RubricLine {
            name: rubric.name.clone(),
            version: rubric.version.clone(),
            hash: rubric.hash.clone(),
            pass_threshold: rubric.pass_threshold,
        },
        inputs: summary.inputs.clone(),
        lines: Lines {
            read: summary.lines.read,
            scored: summary.lines.scored,
            rejected: summary.lines.rejected,
            duplicate_ids: summary.lines.duplicate_ids,
        },
        conversations: summary.conversations,
        escalated: summary.escalated,
        clock_contradictions: summary.clock_contradictions,
        clock_contradictions_said: clock_contradictions_said(summary),
        judge: summary.judge.unavailable.clone(),
        calls: Calls {
            scored: calls.scored,
            passed: calls.passed,
            failed: calls.failed,
            unscored: calls.unscored,
            na: calls.not_applicable,
            pass_rate: rate_text(
                calls.pass_rate,
                calls.pass_rate_bounds,
                calls.unscored,
                calls.scored + calls.unscored,
            ),
            mean_score: mean_text(calls),
        },
        verdict_chart,
        dimension_chart,
        dimensions,
        slices,
        handoff,
        failures,
        shown: conversation_views.len(),
        over_budget,
        total: run.calls,
        listed,
        conversation_views,
    })
}

fn handoff(run: &RunData) -> Result<Handoff, HtmlError> {
    let h = &run.summary.handoff;
    let r = &h.recontact_24h;
    let recontact_bars = [
        bar(format!("all escalated (n={})", n(r.rate)), r.rate),
        bar(
            format!("handoff passed (n={})", n(r.rate_handoff_passed)),
            r.rate_handoff_passed,
        ),
        bar(
            format!("handoff failed (n={})", n(r.rate_handoff_failed)),
            r.rate_handoff_failed,
        ),
        bar(
            format!("handoff undecided (n={})", n(r.rate_handoff_undecided)),
            r.rate_handoff_undecided,
        ),
    ];
    let width = label_width(recontact_bars.iter().map(|b| b.label.chars().count()));
    let recontact = chart(
        "recontact",
        "re-contact within 24 h, by handoff verdict",
        charts::bars(
            &Bars {
                title: "re-contact within 24 h [95% CI]",
                bars: &recontact_bars,
                range: 0.0..recontact_bars
                    .iter()
                    .filter_map(|b| b.mark.top())
                    .fold(0.1f64, f64::max)
                    .min(1.0),
                format: charts::percent,
                color: charts::FAIL,
                label_width: width,
            },
            width + 420,
        )?,
    );
    let c = &h.csat;
    let csat_bars = [
        bar(
            format!("not escalated (n={})", n(c.not_escalated.mean)),
            c.not_escalated.mean,
        ),
        bar(
            format!("escalated (n={})", n(c.escalated.mean)),
            c.escalated.mean,
        ),
        bar(
            format!(
                "escalated, handoff passed (n={})",
                n(c.escalated_handoff_passed.mean)
            ),
            c.escalated_handoff_passed.mean,
        ),
        bar(
            format!(
                "escalated, handoff failed (n={})",
                n(c.escalated_handoff_failed.mean)
            ),
            c.escalated_handoff_failed.mean,
        ),
        bar(
            format!(
                "escalated, handoff undecided (n={})",
                n(c.escalated_handoff_undecided.mean)
            ),
            c.escalated_handoff_undecided.mean,
        ),
    ];
    let width = label_width(csat_bars.iter().map(|b| b.label.chars().count()));
    let csat = chart(
        "csat",
        "CSAT, escalated or not, and by handoff verdict",
        charts::bars(
            &Bars {
                title: "mean CSAT (1-5) [95% CI]",
                bars: &csat_bars,
                range: 1.0..5.0,
                format: charts::one_decimal,
                color: charts::MEAN,
                label_width: width,
            },
            width + 420,
        )?,
    );
    let f = &h.first_meaningful_response_s;
    let (svg, _) = charts::response_times(
        "time to the first meaningful human response",
        &run.response_times,
        f.median,
        f.p90,
    )?;
    let response = chart(
        "response",
        "time to the first meaningful human response",
        svg,
    );
    const UNDECIDED: &str = "Undecided: escalated conversations whose handoff verdict is unscored, \
        in neither the passed nor the failed group.";
    Ok(Handoff {
        recontact_rows: vec![
            MetricRow::rate("all escalated", r.rate),
            MetricRow::rate("handoff passed", r.rate_handoff_passed),
            MetricRow::rate("handoff failed", r.rate_handoff_failed),
            MetricRow::rate("handoff undecided", r.rate_handoff_undecided),
        ],
        csat_rows: vec![
            MetricRow::mean("not escalated", c.not_escalated.mean),
            MetricRow::mean("escalated", c.escalated.mean),
            MetricRow::mean("escalated, handoff passed", c.escalated_handoff_passed.mean),
            MetricRow::mean("escalated, handoff failed", c.escalated_handoff_failed.mean),
            MetricRow::mean(
                "escalated, handoff undecided",
                c.escalated_handoff_undecided.mean,
            ),
        ],
        recontact,
        recontact_note: format!(
            "{} of {} escalated conversations came back within 24 hours; {} without an end time are left out{}. {UNDECIDED}",
            r.recontacted,
            r.escalated,
            r.unmeasurable,
            match r.clock_contradicted {
                0 => String::new(),
                n => format!(
                    ", and {n} whose clock contradicts itself (their end, or the start of the \
                     customer's other conversation)"
                ),
            }
        ),
        repeat_yourself: format!(
            "{} of {} ({})",
            h.repeat_yourself.repeated,
            h.repeat_yourself.conversations,
            rate(h.repeat_yourself.rate)
        ),
        csat,
        csat_note: format!(
            "CSAT missing for {} escalated and {} not escalated conversation(s). {UNDECIDED}",
            c.escalated.missing, c.not_escalated.missing
        ),
        response,
        response_note: format!(
            "{} measured, {} unscored (no clock, a clock that contradicts the order of events, or no meaningful response); median {}, p90 {}.",
            f.measured,
            f.unscored,
            f.median.map_or("-".to_string(), super::duration),
            f.p90.map_or("-".to_string(), super::duration),
        ),
    })
}

/// The clock contradictions of a run, in words: how many conversations,
/// and of them how many have timestamps against their order and how many
/// state a negative duration (when the summary counts them apart).
fn clock_contradictions_said(summary: &SummaryView) -> String {
    let total = summary.clock_contradictions;
    match (
        summary.clock_order_contradictions,
        summary.negative_durations,
    ) {
        (Some(order), Some(negative)) => format!(
            "{total} conversation(s) whose clock contradicts itself: {order} whose timestamps \
             contradict their order (an event stamped before one it follows, or `startedAt` and \
             `endedAt` against the events or each other), {negative} that state a negative \
             duration (a quoted wait); the checks that measure time in them are unscored, and \
             each one's scorecard says why"
        ),
        _ => format!(
            "{total} conversation(s) whose timestamps contradict the order of their events (or \
             state a negative duration): the checks that measure time in them are unscored"
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_score_interval_stays_on_the_scale() {
        let group: GroupView = serde_json::from_str(
            r#"{"conversations": 3, "scored": 3, "passed": 2, "failed": 1, "unscored": 0, "not_applicable": 0,
                "pass_rate": null, "mean_score": {"value": 86.4, "low": 69.3, "high": 103.4, "n": 3}}"#,
        )
        .unwrap();
        assert_eq!(mean_text(&group), "86.4 [69.3, 100.0] (n=3, small sample)");
    }
}

//! The summary a person reads at the end of `score`: first, in one line,
//! what was judged and what was not; then per-dimension pass rates with
//! intervals (or, where verdicts went unscored, the range they lie in),
//! call verdicts, the `--by` slices, handoff metrics, and, loudly, what
//! could not be scored.
//!
//! Tables fit the width they are given (80 columns included): a column of
//! ids never breaks inside a word; other cells wrap at spaces. Intervals
//! are written `[low, high]` and ranges `low to high`, never with a `-`
//! that could be read as a minus sign.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ColumnConstraint, ContentArrangement, Table, Width};

use super::style::Palette;
use crate::aggregate::{Aggregate, Bounds, DimensionSummary, GroupSummary, SliceSummary};
use crate::checks::CheckKind;
use crate::judge::runner::JudgeAccount;
use crate::rubric::Rubric;
use crate::run::LineCounts;
use crate::stats::{Mean, Rate};

/// Below this many values a mean's interval rests on too little to trust
/// its normal approximation: the count is marked as a small sample.
pub const SMALL_SAMPLE: u64 = 10;

/// Rows of a `--by` slice table at most; summary.json has every value.
const SLICE_ROWS: usize = 20;

/// A pass rate with its interval, `89.7% [85.0, 93.0]`, or `-`.
pub(crate) fn percent(rate: Option<Rate>) -> String {
    match rate {
        Some(r) => format!(
            "{:.1}% [{:.1}, {:.1}]",
            r.value * 100.0,
            r.low * 100.0,
            r.high * 100.0
        ),
        None => "-".to_string(),
    }
}

/// A pass rate as far as it is known: the rate with its interval when every
/// applicable verdict was scored; else the range it lies in, and how much
/// of it is unscored; never a rate over the scored verdicts alone.
pub(crate) fn rate_or_bounds(
    rate: Option<Rate>,
    bounds: Option<Bounds>,
    unscored: u64,
    applicable: u64,
) -> String {
    match (rate, bounds) {
        (Some(rate), _) => percent(Some(rate)),
        (None, Some(_)) if unscored == applicable => "all unscored".to_string(),
        (None, Some(bounds)) => {
            let share = 100.0 * unscored as f64 / applicable as f64;
            format!(
                "{:.1} to {:.1}%, {} unscored",
                bounds.low * 100.0,
                bounds.high * 100.0,
                if share < 0.5 {
                    "<1%".to_string()
                } else {
                    format!("{share:.0}%")
                }
            )
        }
        (None, None) => "-".to_string(),
    }
}

/// `(n=2, small sample)` below [`SMALL_SAMPLE`], else `(n=250)`.
fn count(n: u64) -> String {
    if n < SMALL_SAMPLE {
        format!("(n={n}, small sample)")
    } else {
        format!("(n={n})")
    }
}

/// A mean score as far as it is known: with its interval when final, else
/// the range the calls' scores can still take.
pub(crate) fn mean_or_bounds(
    mean_score: Option<Mean>,
    bounds: Option<Bounds>,
    calls: u64,
) -> String {
    match (mean_score, bounds) {
        (_, Some(bounds)) => format!("{:.1} to {:.1} {}", bounds.low, bounds.high, count(calls)),
        (mean_score, None) => mean(mean_score),
    }
}

/// A mean with its interval and count, `79.7 [77.6, 81.9] (n=250)`, or `-`;
/// one value has no interval.
pub(crate) fn mean(mean: Option<Mean>) -> String {
    match mean {
        Some(m) if m.n < 2 => format!("{:.1} {}", m.value, count(m.n)),
        Some(m) => format!(
            "{:.1} [{:.1}, {:.1}] {}",
            m.value,
            m.low,
            m.high,
            count(m.n)
        ),
        None => "-".to_string(),
    }
}

/// A table whose first column holds ids, drawn `width` columns wide at
/// most: as it is when it fits, else with its cells wrapped at spaces
/// (not inside an interval or a range), no column narrower than the
/// longest word, interval or range in it, so that nothing breaks inside.
fn table(header: &[&str], rows: &[Vec<String>], width: u16) -> String {
    let draw = |narrow: bool| {
        let cell = |text: &str| {
            if narrow {
                keep_together(text)
            } else {
                text.to_string()
            }
        };
        let mut table = Table::new();
        table
            .load_preset(UTF8_FULL_CONDENSED)
            .set_header(header.iter().map(|text| cell(text)));
        for row in rows {
            table.add_row(row.iter().map(|text| cell(text)));
        }
        for index in 1..header.len() {
            if let Some(column) = table.column_mut(index) {
                column.set_cell_alignment(CellAlignment::Right);
            }
        }
        if narrow {
            table
                .set_content_arrangement(ContentArrangement::Dynamic)
                .set_width(width);
            // No column narrower than the longest thing in it that must not
            // break: a word, an interval, a range. Below 80 columns the table
            // may then be wider than the terminal, never cut inside a number.
            for (index, title) in header.iter().enumerate() {
                let longest = rows
                    .iter()
                    .filter_map(|row| row.get(index))
                    .map(|text| keep_together(text))
                    .chain(std::iter::once(keep_together(title)))
                    .flat_map(|text| {
                        text.split([' ', '\n'])
                            .map(|word| word.chars().count())
                            .collect::<Vec<_>>()
                    })
                    .max()
                    .unwrap_or(0);
                let padding = 2;
                let narrowest = u16::try_from(longest + padding).unwrap_or(u16::MAX);
                if let Some(column) = table.column_mut(index) {
                    column.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(narrowest)));
                }
            }
        }
        table.to_string().replace(NO_BREAK, " ")
    };
    let drawn = draw(false);
    let widest = drawn
        .lines()
        .map(|line| line.chars().count())
        .max()
        .unwrap_or(0);
    if widest <= usize::from(width) {
        drawn
    } else {
        draw(true)
    }
}

/// Drawn as a space, but a cell does not wrap there.
const NO_BREAK: char = '\u{a0}';

/// `cell` with the spaces it should not wrap at made no-break spaces:
/// inside `[low, high]`, around the `to` of a range, before `unscored`;
/// a range and its unscored share go on two lines.
fn keep_together(cell: &str) -> String {
    let mut out = String::with_capacity(cell.len());
    let mut depth = 0u32;
    for c in cell.chars() {
        match c {
            '[' => depth += 1,
            ']' => depth = depth.saturating_sub(1),
            _ => {}
        }
        out.push(if c == ' ' && depth > 0 { NO_BREAK } else { c });
    }
    out.replace(" to ", "\u{a0}to\u{a0}")
        .replace(" unscored", "\u{a0}unscored")
        .replace("%, ", "%\n")
}

fn calls_line(calls: &GroupSummary, paint: Palette) -> String {
    let decided = calls.scored + calls.unscored;
    let scored_calls = calls.mean_score.map_or(decided, |m| m.n);
    format!(
        "{} scored ({} pass, {} fail), {} unscored, {} n/a; pass rate {}; mean score {}",
        calls.scored,
        paint.pass(&calls.passed.to_string()),
        paint.fail(&calls.failed.to_string()),
        if calls.unscored > 0 {
            paint.warn(&calls.unscored.to_string())
        } else {
            calls.unscored.to_string()
        },
        calls.not_applicable,
        rate_or_bounds(
            calls.pass_rate,
            calls.pass_rate_bounds,
            calls.unscored,
            decided
        ),
        mean_or_bounds(calls.mean_score, calls.mean_score_bounds, scored_calls)
    )
}

/// One line, before any table: what was judged, what was not and why, how
/// many call verdicts wait on a judge, and how to have them judged.
pub fn judged_line(
    rubric: &Rubric,
    aggregate: &Aggregate,
    account: &JudgeAccount,
    paint: Palette,
) -> String {
    let checks = rubric.dimensions.iter().flat_map(|d| &d.checks);
    let judge = checks
        .clone()
        .filter(|c| matches!(c.kind, CheckKind::Judge(_)))
        .count();
    let rules = checks.count() - judge;
    let plural = |n: usize, what: &str| format!("{n} {what}{}", if n == 1 { "" } else { "s" });
    let judged = paint.pass("Judged:");
    let decided = aggregate.calls.scored + aggregate.calls.unscored;
    let pending = aggregate.judge_pending;
    if judge == 0 {
        return format!(
            "{judged} all {}; the rubric asks no judge.",
            plural(rules, "rule check")
        );
    }
    let rule_checks = plural(rules, "rule check");
    let judge_checks = plural(judge, "judge check");
    match account.mode {
        "off" => format!(
            "{judged} {rule_checks}. {} {judge_checks} (--judge off): their dimensions rest on their rules; \
             drop --judge off and set OPENAI_API_KEY, or --judge-base-url URL for a local model, to run them.",
            paint.warn("Not run:")
        ),
        "unavailable" => format!(
            "{judged} {rule_checks}. {} {judge_checks} (no judge configured), so {} of {decided} call verdicts wait on a judge; \
             set OPENAI_API_KEY, or --judge-base-url URL for a local model, to judge them.",
            paint.warn("Not judged:"),
            paint.warn(&pending.to_string()),
        ),
        _ if pending == 0 => format!(
            "{judged} {rule_checks} and {judge_checks} ({}); no verdict waits on the judge.",
            super::escape::controls(account.model.as_deref().unwrap_or("?"))
        ),
        _ => format!(
            "{judged} {rule_checks} and {judge_checks} ({}), but {} of {decided} call verdicts wait on the judge \
             ({} judge calls failed: reasons in calls.jsonl); score again to retry them, answered ones come from the cache.",
            super::escape::controls(account.model.as_deref().unwrap_or("?")),
            paint.warn(&pending.to_string()),
            account.failures
        ),
    }
}

/// What `render` shows.
pub struct View<'a> {
    pub rubric: &'a Rubric,
    pub lines: &'a LineCounts,
    pub aggregate: &'a Aggregate,
    pub judge: &'a JudgeAccount,
    /// The `--by` metadata keys, in their order.
    pub slice_keys: &'a [String],
    /// Columns the tables may take.
    pub width: u16,
    pub paint: Palette,
}

/// A table of call verdicts by the values of one slice: `agent version`,
/// or a `--by` metadata key.
fn slice_table(
    title: &str,
    slices: &std::collections::BTreeMap<String, SliceSummary>,
    width: u16,
) -> String {
    let names: Vec<String> = slices
        .keys()
        .take(SLICE_ROWS)
        .map(|value| super::escape::controls(value).into_owned())
        .collect();
    let rows: Vec<Vec<String>> = names
        .iter()
        .zip(slices.values())
        .map(|(name, slice)| {
            let calls = &slice.calls;
            let decided = calls.scored + calls.unscored;
            vec![
                name.clone(),
                calls.conversations.to_string(),
                calls.scored.to_string(),
                rate_or_bounds(
                    calls.pass_rate,
                    calls.pass_rate_bounds,
                    calls.unscored,
                    decided,
                ),
                mean_or_bounds(
                    calls.mean_score,
                    calls.mean_score_bounds,
                    calls.mean_score.map_or(decided, |m| m.n),
                ),
            ]
        })
        .collect();
    let header = [
        title,
        "calls",
        "scored",
        "pass rate [95% CI] or range",
        "mean score [95% CI] or range",
    ];
    let drawn = table(&header, &rows, width);
    let mut out = drawn;
    out.push('\n');
    if slices.len() > SLICE_ROWS {
        out.push_str(&format!(
            "... and {} more values of {title}, all in summary.json\n",
            slices.len() - SLICE_ROWS
        ));
    }
    out
}

/// The metadata key a `--by` slice is filed under.
pub fn slice_kind(key: &str) -> String {
    format!("metadata.{key}")
}

/// Whether no conversation had the `--by` key: its one slice is "(none)".
pub fn slice_is_empty(aggregate: &Aggregate, key: &str) -> bool {
    aggregate
        .slices
        .get(&slice_kind(key))
        .is_none_or(|values| values.keys().all(|value| value == "(none)"))
}

fn handoff_metrics(aggregate: &Aggregate) -> String {
    let handoff = &aggregate.handoff;
    let mut lines = Vec::new();
    let recontact = &handoff.recontact_24h;
    if recontact.escalated == 0 && recontact.clock_contradicted > 0 {
        lines.push(format!(
            "  re-contact within 24h: not decided for {} escalated conversation(s) whose clock contradicts itself{}",
            recontact.clock_contradicted,
            if recontact.unmeasurable > 0 {
                format!(", nor {} without an end time", recontact.unmeasurable)
            } else {
                String::new()
            }
        ));
    }
    if recontact.escalated > 0 {
        lines.push(format!(
            "  re-contact within 24h: {} of {} escalated ({}); handoff passed {}, failed {}, undecided {}{}",
            recontact.recontacted,
            recontact.escalated,
            percent(recontact.rate),
            percent(recontact.rate_handoff_passed),
            percent(recontact.rate_handoff_failed),
            percent(recontact.rate_handoff_undecided),
            if recontact.unmeasurable > 0 {
                format!("; {} without an end time", recontact.unmeasurable)
            } else {
                String::new()
            } + &if recontact.clock_contradicted > 0 {
                format!(
                    "; {} left out: a clock contradicts itself",
                    recontact.clock_contradicted
                )
            } else {
                String::new()
            }
        ));
    }
    let repeat = &handoff.repeat_yourself;
    if repeat.conversations > 0 {
        lines.push(format!(
            "  repeat-yourself: {} of {} ({})",
            repeat.repeated,
            repeat.conversations,
            percent(repeat.rate)
        ));
    }
    let csat = &handoff.csat;
    if csat.escalated.mean.is_some() || csat.not_escalated.mean.is_some() {
        lines.push(format!(
            "  CSAT: escalated {}, not escalated {}\n        escalated, handoff passed {}, failed {}, undecided {}",
            mean(csat.escalated.mean),
            mean(csat.not_escalated.mean),
            mean(csat.escalated_handoff_passed.mean),
            mean(csat.escalated_handoff_failed.mean),
            mean(csat.escalated_handoff_undecided.mean),
        ));
    }
    let first = &handoff.first_meaningful_response_s;
    if first.measured + first.unscored > 0 {
        lines.push(format!(
            "  first meaningful human response: median {}, p90 {} (n={}{})",
            first.median.map_or("-".into(), |s| format!("{s:.1}s")),
            first.p90.map_or("-".into(), |s| format!("{s:.1}s")),
            first.measured,
            if first.unscored > 0 {
                format!(", {} unscored", first.unscored)
            } else {
                String::new()
            }
        ));
    }
    if lines.is_empty() {
        let mut line = "\nhandoff metrics: none apply here: no conversation reached a human agent \
                        or carries a CSAT score"
            .to_string();
        if recontact.unmeasurable > 0 {
            line.push_str(&format!(
                "; re-contact is measured from an end time, which none of the {} escalated conversation(s) has",
                recontact.unmeasurable
            ));
        }

        line.push('\n');
        return line;
    }
    format!("\nhandoff metrics:\n{}\n", lines.join("\n"))
}

/// The clock contradictions the conversations line counts: timestamps
/// against their order and negative durations, each named (empty when
/// there are none).
fn clock_contradictions_said(aggregate: &Aggregate) -> String {
    let order = aggregate.clock_order_contradictions;
    let negative = aggregate.negative_durations;
    match (order, negative) {
        (0, 0) => String::new(),
        (n, 0) => {
            format!("; {n} whose timestamps contradict their order: their timings are unscored")
        }
        (0, n) => format!(
            "; {n} stating a negative duration (a quoted wait): what depends on it is unscored"
        ),
        (order, negative) => format!(
            "; {} whose clock contradicts itself ({order} timestamps against their order, \
             {negative} a negative duration): their timings are unscored",
            aggregate.clock_contradictions
        ),
    }
}

/// Renders the run summary, its tables `view.width` columns wide at most
/// (ids and longer words aside).
pub fn render(view: &View<'_>) -> String {
    let View {
        rubric,
        lines,
        aggregate,
        judge,
        slice_keys,
        width,
        paint,
    } = *view;
    let mut out = String::new();
    out.push_str(&judged_line(rubric, aggregate, judge, paint));
    out.push('\n');
    out.push_str(&format!(
        "rubric {} v{} ({}), pass threshold {}\n",
        super::escape::controls(&rubric.name),
        super::escape::controls(&rubric.version),
        rubric.hash,
        rubric.pass_threshold
    ));
    out.push_str(&format!(
        "lines: {} read, {} scored, {} rejected; {} duplicate conversation ids\n",
        lines.read, lines.scored, lines.rejected, lines.duplicate_ids
    ));
    out.push_str(&format!(
        "conversations: {} ({} escalated{})\n\n",
        aggregate.conversations,
        aggregate.escalated,
        clock_contradictions_said(aggregate)
    ));

    let names: Vec<String> = rubric
        .dimensions
        .iter()
        .map(|info| {
            if info.critical {
                format!("{} (critical)", info.id)
            } else {
                info.id.clone()
            }
        })
        .collect();
    let mut ranged = false;
    let mut rows = Vec::new();
    for (dimension, name) in aggregate.dimensions.iter().zip(&names) {
        let DimensionSummary {
            applicable,
            pass,
            fail,
            unscored,
            pass_rate,
            pass_rate_bounds,
            ..
        } = dimension;
        ranged |= pass_rate.is_none() && *unscored > 0;
        rows.push(vec![
            name.clone(),
            applicable.to_string(),
            pass.to_string(),
            fail.to_string(),
            unscored.to_string(),
            rate_or_bounds(*pass_rate, *pass_rate_bounds, *unscored, *applicable),
        ]);
    }
    let header = [
        "dimension",
        "applies",
        "pass",
        "fail",
        "unscored",
        "pass rate [95% CI] or range",
    ];
    out.push_str(&table(&header, &rows, width));
    if ranged || aggregate.calls.unscored > 0 {
        out.push_str(
            "\nWhere verdicts are unscored, a rate over the scored ones alone would be biased \
             (without a judge, only rule failures can be scored), so the range the rate lies in \
             is shown: every unscored verdict failing, to every one passing.",
        );
    }
    out.push_str("\n\ncalls: ");
    out.push_str(&calls_line(&aggregate.calls, paint));
    out.push('\n');

    if let Some(versions) = aggregate.slices.get("agent_version")
        && versions.len() > 1
    {
        out.push('\n');
        out.push_str(&slice_table("agent version", versions, width));
    }
    for key in slice_keys {
        if slice_is_empty(aggregate, key) {
            continue;
        }
        if let Some(values) = aggregate.slices.get(&slice_kind(key)) {
            out.push('\n');
            out.push_str(&slice_table(
                &format!("--by {}", super::escape::controls(key)),
                values,
                width,
            ));
        }
    }

    out.push_str(&handoff_metrics(aggregate));

    let unscored: u64 = aggregate.dimensions.iter().map(|d| d.unscored).sum();
    if unscored > 0 || aggregate.calls.unscored > 0 {
        out.push_str(&format!(
            "\n{} {unscored} dimension verdict(s) and {} call verdict(s) could not be judged; \
             they are not counted as pass or fail, and where they are, rates are given as the \
             range they lie in. Reasons are in calls.jsonl.\n",
            paint.warn("UNSCORED:"),
            aggregate.calls.unscored
        ));
    }
    out
}

/// The judge's line under the table: loud when judge checks went unscored.
pub fn judge_line(account: &crate::judge::runner::JudgeAccount) -> Option<String> {
    match account.mode {
        "off" => None,
        "unavailable" => Some(format!(
            "JUDGE UNAVAILABLE: every judge check is unscored: {}",
            account.unavailable.as_deref().unwrap_or("no judge")
        )),
        _ => Some(format!(
            "judge {}: {} calls ({} failed, unscored), {} cache hits, {} input and {} output tokens{}{}, latency p50 {} p95 {}",
            account.model.as_deref().unwrap_or("?"),
            account.calls,
            account.failures,
            account.cache_hits,
            account.input_tokens,
            account.output_tokens,
            match account.calls_without_usage {
                0 => String::new(),
                n => format!(" ({n} calls without a usage count)"),
            },
            account.estimated_cost_usd.map_or(String::new(), |c| {
                let bound = if account.calls_without_usage > 0 {
                    "at least"
                } else {
                    "about"
                };
                format!(" ({bound} ${c:.4})")
            }),
            account
                .latency_p50_s
                .map_or("-".into(), |s| format!("{s:.2}s")),
            account
                .latency_p95_s
                .map_or("-".into(), |s| format!("{s:.2}s")),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_unscored_verdicts_show_the_range_and_no_interval() {
        let rate = crate::stats::wilson(200, 223);
        assert!(rate_or_bounds(rate, None, 0, 223).contains('['));
        let pending = rate_or_bounds(
            None,
            Some(Bounds {
                low: 0.0,
                high: 0.8118,
            }),
            151,
            186,
        );
        assert_eq!(pending, "0.0 to 81.2%, 81% unscored");
        assert!(!pending.contains('['));
        let all = rate_or_bounds(
            None,
            Some(Bounds {
                low: 0.0,
                high: 1.0,
            }),
            246,
            246,
        );
        assert_eq!(all, "all unscored");
        assert_eq!(
            mean_or_bounds(
                None,
                Some(Bounds {
                    low: 48.41,
                    high: 86.62
                }),
                250
            ),
            "48.4 to 86.6 (n=250)"
        );
    }
}

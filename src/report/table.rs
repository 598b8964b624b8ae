//! The summary a person reads at the end of `score`: per-dimension pass
//! rates with intervals (or, where verdicts went unscored, the range they
//! lie in), call verdicts, handoff metrics, and, loudly, what could not be
//! scored.

use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use crate::aggregate::{Aggregate, Bounds, DimensionSummary, GroupSummary};
use crate::rubric::Rubric;
use crate::run::LineCounts;
use crate::stats::{Mean, Rate};

/// A pass rate with its interval, `89.7% [85.0-93.0]`, or `-`.
pub(crate) fn percent(rate: Option<Rate>) -> String {
    match rate {
        Some(r) => format!(
            "{:.1}% [{:.1}-{:.1}]",
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
        (None, Some(_)) if unscored == applicable => "- (all unscored)".to_string(),
        (None, Some(bounds)) => format!(
            "{:.1}-{:.1}% ({:.0}% unscored)",
            bounds.low * 100.0,
            bounds.high * 100.0,
            100.0 * unscored as f64 / applicable as f64
        ),
        (None, None) => "-".to_string(),
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
        (_, Some(bounds)) => format!("{:.1}-{:.1} (n={calls})", bounds.low, bounds.high),
        (mean_score, None) => mean(mean_score),
    }
}

/// A mean with its interval and count, `79.7 [77.6-81.9] (n=250)`, or `-`.
pub(crate) fn mean(mean: Option<Mean>) -> String {
    match mean {
        Some(m) => format!("{:.1} [{:.1}-{:.1}] (n={})", m.value, m.low, m.high, m.n),
        None => "-".to_string(),
    }
}

fn new_table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    for index in 1..header.len() {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

fn calls_line(calls: &GroupSummary) -> String {
    let decided = calls.scored + calls.unscored;
    let scored_calls = calls.mean_score.map_or(decided, |m| m.n);
    format!(
        "{} scored ({} pass, {} fail), {} unscored, {} n/a; pass rate {}; mean score {}",
        calls.scored,
        calls.passed,
        calls.failed,
        calls.unscored,
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

/// Renders the run summary; `width` bounds the tables (None: no bound).
pub fn render(
    rubric: &Rubric,
    lines: &LineCounts,
    aggregate: &Aggregate,
    width: Option<u16>,
) -> String {
    let mut out = String::new();
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
        match aggregate.clock_contradictions {
            0 => String::new(),
            n => format!("; {n} whose timestamps contradict their order: their timings are unscored"),
        }
    ));

    let mut table = new_table(&[
        "dimension",
        "applies",
        "pass",
        "fail",
        "unscored",
        "pass rate [95% CI] or range",
    ]);
    if let Some(width) = width {
        table.set_width(width);
    }
    let mut ranged = false;
    for (dimension, info) in aggregate.dimensions.iter().zip(&rubric.dimensions) {
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
        let name = if info.critical {
            format!("{} (critical)", info.id)
        } else {
            info.id.clone()
        };
        table.add_row(vec![
            name,
            applicable.to_string(),
            pass.to_string(),
            fail.to_string(),
            unscored.to_string(),
            rate_or_bounds(*pass_rate, *pass_rate_bounds, *unscored, *applicable),
        ]);
    }
    out.push_str(&table.to_string());
    if ranged || aggregate.calls.unscored > 0 {
        out.push_str(
            "\nWhere verdicts are unscored, a rate over the scored ones alone would be biased \
             (without a judge, only rule failures can be scored), so the range the rate lies in \
             is shown: every unscored verdict failing, to every one passing.",
        );
    }
    out.push_str("\n\ncalls: ");
    out.push_str(&calls_line(&aggregate.calls));
    out.push('\n');

    if let Some(versions) = aggregate.slices.get("agent_version")
        && versions.len() > 1
    {
        let mut table = new_table(&[
            "agent version",
            "calls",
            "scored",
            "pass rate [95% CI] or range",
            "mean score [95% CI] or range",
        ]);
        if let Some(width) = width {
            table.set_width(width);
        }
        for (version, slice) in versions {
            let calls = &slice.calls;
            let decided = calls.scored + calls.unscored;
            table.add_row(vec![
                super::escape::controls(version).into_owned(),
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
            ]);
        }
        out.push('\n');
        out.push_str(&table.to_string());
        out.push('\n');
    }

    let handoff = &aggregate.handoff;
    out.push_str("\nhandoff metrics:\n");
    let recontact = &handoff.recontact_24h;
    out.push_str(&format!(
        "  re-contact within 24h: {} of {} escalated ({}); handoff passed {}, failed {}, undecided {}{}\n",
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
        }
    ));
    let repeat = &handoff.repeat_yourself;
    out.push_str(&format!(
        "  repeat-yourself: {} of {} ({})\n",
        repeat.repeated,
        repeat.conversations,
        percent(repeat.rate)
    ));
    let csat = &handoff.csat;
    out.push_str(&format!(
        "  CSAT: escalated {}, not escalated {}\n        escalated, handoff passed {}, failed {}, undecided {}\n",
        mean(csat.escalated.mean),
        mean(csat.not_escalated.mean),
        mean(csat.escalated_handoff_passed.mean),
        mean(csat.escalated_handoff_failed.mean),
        mean(csat.escalated_handoff_undecided.mean),
    ));
    let first = &handoff.first_meaningful_response_s;
    out.push_str(&format!(
        "  first meaningful human response: median {}, p90 {} (n={}{})\n",
        first.median.map_or("-".into(), |s| format!("{s:.1}s")),
        first.p90.map_or("-".into(), |s| format!("{s:.1}s")),
        first.measured,
        if first.unscored > 0 {
            format!(", {} unscored", first.unscored)
        } else {
            String::new()
        }
    ));

    let unscored: u64 = aggregate.dimensions.iter().map(|d| d.unscored).sum();
    if unscored > 0 || aggregate.calls.unscored > 0 {
        out.push_str(&format!(
            "\nUNSCORED: {unscored} dimension verdict(s) and {} call verdict(s) could not be judged; \
             they are not counted as pass or fail, and where they are, rates are given as the \
             range they lie in. Reasons are in calls.jsonl.\n",
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
        assert_eq!(pending, "0.0-81.2% (81% unscored)");
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
        assert_eq!(all, "- (all unscored)");
        assert_eq!(
            mean_or_bounds(
                None,
                Some(Bounds {
                    low: 48.41,
                    high: 86.62
                }),
                250
            ),
            "48.4-86.6 (n=250)"
        );
    }
}

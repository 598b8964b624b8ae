//! `handoff-eval report RUN`: a finished run as Markdown, by agent version:
//! calls and transfers, each dimension's pass rate, and the most common
//! failures, each with one real example.

use std::collections::BTreeMap;
use std::fmt::Write;

use serde_json::Value;

use super::card::text;
use super::escape::{code_span, markdown};

use crate::run_dir::{Run, RunError};

#[derive(Default)]
struct Counts {
    pass: u64,
    fail: u64,
    unscored: u64,
}

#[derive(Default)]
struct Model {
    calls: u64,
    escalated: u64,
    passed: u64,
    failed: u64,
    unscored: u64,
    dimensions: BTreeMap<String, Counts>,
}

struct Example {
    conversation: String,
    agent_version: String,
    scenario: Option<String>,
    reason: String,
    evidence: Option<String>,
}

/// A failure reason without its particulars (numbers, parenthesised lists,
/// quoted text), so that failures of one kind count together.
pub(crate) fn shape(reason: &str) -> String {
    let mut out = String::new();
    let mut depth = 0;
    let mut quoted = false;
    for c in reason.chars() {
        match c {
            '(' => depth += 1,
            ')' => depth = (depth as i32 - 1).max(0) as usize,
            '`' | '"' => quoted = !quoted,
            _ if depth > 0 || quoted => {}
            c if c.is_ascii_digit() => {
                if !out.ends_with('N') {
                    out.push('N');
                }
            }
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Renders `run` (its summary.json and scorecards). Text from the input is
/// escaped for Markdown and a terminal ([`markdown`], [`code_span`]).
pub fn render(run: &Run, top: usize) -> Result<String, RunError> {
    let summary = run.summary();
    let dimension_ids: Vec<String> = summary
        .pointer("/rubric/dimensions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|d| text(d, "id"))
        .collect();
    let mut models: BTreeMap<String, Model> = BTreeMap::new();
    let mut failures: BTreeMap<(String, String), (u64, Example)> = BTreeMap::new();
    run.cards(|_, card: Value| {
        let version = text(&card, "agent_version").unwrap_or_default();
        let model = models.entry(version.clone()).or_default();
        model.calls += 1;
        if card.pointer("/metrics/escalated").and_then(Value::as_bool) == Some(true) {
            model.escalated += 1;
        }
        match card.get("verdict").and_then(Value::as_str) {
            Some("pass") => model.passed += 1,
            Some("fail") => model.failed += 1,
            Some("unscored") => model.unscored += 1,
            _ => {}
        }
        for dimension in card
            .get("dimensions")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let id = text(dimension, "id").unwrap_or_default();
            let counts = model.dimensions.entry(id.clone()).or_default();
            match dimension.get("status").and_then(Value::as_str) {
                Some("pass") => counts.pass += 1,
                Some("fail") => counts.fail += 1,
                Some("unscored") => counts.unscored += 1,
                _ => {}
            }
            if dimension.get("status").and_then(Value::as_str) != Some("fail") {
                continue;
            }
            for check in dimension
                .get("checks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if check.get("status").and_then(Value::as_str) != Some("fail") {
                    continue;
                }
                let reason = text(check, "reason").unwrap_or_default();
                let key = (id.clone(), shape(&reason));
                let entry = failures.entry(key).or_insert_with(|| {
                    let evidence =
                        check
                            .get("evidence")
                            .and_then(Value::as_array)
                            .and_then(|items| {
                                items
                                    .iter()
                                    .find_map(|e| text(e, "text").or_else(|| text(e, "note")))
                            });
                    (
                        0,
                        Example {
                            conversation: text(&card, "conversation_id").unwrap_or_default(),
                            agent_version: version.clone(),
                            scenario: text(&card, "scenario_id"),
                            reason: reason.clone(),
                            evidence,
                        },
                    )
                });
                entry.0 += 1;
            }
        }
    })?;

    let mut out = String::new();
    let rubric = summary.get("rubric");
    let _ = writeln!(
        out,
        "Rubric {} v{}, {} calls from {}.\n",
        code_span(
            &rubric.and_then(|r| text(r, "name")).unwrap_or_default(),
            false
        ),
        markdown(&rubric.and_then(|r| text(r, "version")).unwrap_or_default()),
        models.values().map(|m| m.calls).sum::<u64>(),
        markdown(
            &summary
                .get("inputs")
                .and_then(Value::as_array)
                .map(|inputs| inputs
                    .iter()
                    .filter_map(Value::as_str)
                    .collect::<Vec<_>>()
                    .join(", "))
                .unwrap_or_default()
        )
    );
    let ids: Vec<&String> = if dimension_ids.is_empty() {
        let mut all: Vec<&String> = models.values().flat_map(|m| m.dimensions.keys()).collect();
        all.sort();
        all.dedup();
        all
    } else {
        dimension_ids.iter().collect()
    };
    let _ = write!(out, "| agent (model) | calls | transfers | call pass |");
    for id in &ids {
        let _ = write!(out, " {} |", code_span(id, true));
    }
    let _ = write!(out, "\n|---|---|---|---|");
    for _ in &ids {
        let _ = write!(out, "---|");
    }
    out.push('\n');
    let rate = |pass: u64, fail: u64, unscored: u64| {
        let scored = pass + fail;
        let mut cell = if scored == 0 {
            "-".to_string()
        } else {
            format!(
                "{:.0}% ({pass}/{scored})",
                pass as f64 * 100.0 / scored as f64
            )
        };
        if unscored > 0 {
            cell.push_str(&format!(", {unscored} unscored"));
        }
        cell
    };
    for (version, model) in &models {
        let _ = write!(
            out,
            "| {} | {} | {} | {} |",
            markdown(version),
            model.calls,
            model.escalated,
            rate(model.passed, model.failed, model.unscored)
        );
        for id in &ids {
            let counts = model.dimensions.get(*id);
            let cell = counts.map_or("-".to_string(), |c| rate(c.pass, c.fail, c.unscored));
            let _ = write!(out, " {cell} |");
        }
        out.push('\n');
    }
    let mut common: Vec<_> = failures.iter().collect();
    common.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    if !common.is_empty() {
        let _ = writeln!(out, "\nMost common failures, each with one example:\n");
    }
    for ((dimension, _), (count, example)) in common.into_iter().take(top) {
        let scenario = example
            .scenario
            .as_deref()
            .map(|s| format!(", scenario {}", code_span(s, false)))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "- **{}**, {count} call(s): {}\n  e.g. {} ({}{scenario}){}",
            code_span(dimension, false),
            markdown(&example.reason),
            code_span(&example.conversation, false),
            markdown(&example.agent_version),
            example
                .evidence
                .as_deref()
                .map(|e| format!(": \"{}\"", markdown(&e.replace('\n', " "))))
                .unwrap_or_default()
        );
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::shape;

    #[test]
    fn failures_of_one_kind_share_a_shape() {
        assert_eq!(
            shape("the summary does not name customer (555-123-2002, C1001), what was tried"),
            shape("the summary does not name customer (mia_li_3668), what was tried")
        );
        assert_eq!(
            shape("found in 2 of 22 ai/customer turns whole conversation"),
            "found in N of N ai/customer turns whole conversation"
        );
        assert_ne!(
            shape("the summary does not name customer"),
            shape("the summary does not name what was tried")
        );
    }
}

//! Call scorecards as YAML for people and snapshots: one document per call,
//! keys in a fixed order, scores rounded to one decimal, no timestamps or
//! rubric hashes, so that a diff shows what changed in a verdict and why.

use indexmap::IndexMap;
use serde::Serialize;
use serde_json::Value;

use super::card::text;

#[derive(Serialize)]
struct Card {
    conversation: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    scenario: Option<String>,
    verdict: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    score: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "IndexMap::is_empty")]
    dimensions: IndexMap<String, Dimension>,
}

#[derive(Serialize)]
struct Dimension {
    status: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    checks: Vec<Check>,
}

#[derive(Serialize)]
struct Check {
    check: String,
    status: String,
    reason: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    evidence: Vec<String>,
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// One piece of evidence on one line: `event 17: "text" (matched "x")`.
fn evidence_line(item: &Value) -> String {
    let mut parts = Vec::new();
    if let Some(event) = item.get("event").and_then(Value::as_u64) {
        parts.push(format!("event {event}"));
    }
    if let Some(said) = text(item, "text") {
        parts.push(format!("{said:?}"));
    }
    if let Some(matched) = text(item, "matched") {
        parts.push(format!("matched {matched:?}"));
    }
    if let Some(note) = text(item, "note") {
        parts.push(note);
    }
    parts.join(" ")
}

fn card(value: &Value) -> Card {
    let dimensions = value
        .get("dimensions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|dimension| {
            let checks = dimension
                .get("checks")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|check| Check {
                    check: match text(check, "name") {
                        Some(name) => {
                            format!("{} {name}", text(check, "check").unwrap_or_default())
                        }
                        None => text(check, "check").unwrap_or_default(),
                    },
                    status: text(check, "status").unwrap_or_default(),
                    reason: text(check, "reason").unwrap_or_default(),
                    evidence: check
                        .get("evidence")
                        .and_then(Value::as_array)
                        .into_iter()
                        .flatten()
                        .map(evidence_line)
                        .collect(),
                })
                .collect();
            (
                text(dimension, "id").unwrap_or_default(),
                Dimension {
                    status: text(dimension, "status").unwrap_or_default(),
                    reason: text(dimension, "reason"),
                    checks,
                },
            )
        })
        .collect();
    Card {
        conversation: text(value, "conversation_id").unwrap_or_default(),
        scenario: text(value, "scenario_id"),
        verdict: text(value, "verdict").unwrap_or_default(),
        score: value.get("score").and_then(Value::as_f64).map(round1),
        reason: text(value, "reason"),
        dimensions,
    }
}

/// A call scorecard (a line of calls.jsonl) as one YAML document.
pub fn document(value: &Value) -> String {
    // One line per value: a changed reason is a one-line diff, not a reflow.
    let options = serde_saphyr::ser_options! { prefer_block_scalars: false };
    let body = serde_saphyr::to_string_with_options(&card(value), options)
        .expect("plain data serializes to YAML");
    format!("---\n{body}")
}

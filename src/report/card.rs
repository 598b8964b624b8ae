//! A dimension card from calls.jsonl, for people: used by `diff` and
//! `calibrate` to show the engine's side of a verdict.

use std::fmt::Write;

use serde_json::Value;

use super::escape::controls;

/// A text field of a scorecard value.
pub fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// A dimension card from calls.jsonl, as a few indented lines: its reason,
/// then each check with its reason and evidence (escaped for a terminal).
pub fn describe(out: &mut String, side: &str, card: &Value) {
    if let Some(reason) = text(card, "reason") {
        let _ = writeln!(out, "    {side} {}", controls(&reason));
    }
    let checks = card.get("checks").and_then(Value::as_array);
    for check in checks.into_iter().flatten() {
        let kind = text(check, "check").unwrap_or_default();
        let name = text(check, "name")
            .map(|n| format!(" {n}"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "    {side} {}{}: {}: {}",
            controls(&kind),
            controls(&name),
            text(check, "status").unwrap_or_default(),
            controls(&text(check, "reason").unwrap_or_default())
        );
        let evidence = check.get("evidence").and_then(Value::as_array);
        for item in evidence.into_iter().flatten().take(3) {
            let event = item
                .get("event")
                .and_then(Value::as_u64)
                .map(|e| format!("event {e}"))
                .unwrap_or_default();
            let said = text(item, "text")
                .or_else(|| text(item, "note"))
                .map(|t| format!(" \"{}\"", controls(&t)))
                .unwrap_or_default();
            let _ = writeln!(out, "             {event}{said}");
        }
    }
}

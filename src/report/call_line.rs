//! A call scorecard as one line of `calls.jsonl`.
//!
//! The same JSON as the cards' `Serialize` implementations give (a test holds
//! the two together), written directly: keys are literals, and strings are
//! escaped with a check that passes over a whole run of plain bytes at once.
//! Serializing was a quarter of the cost of scoring a call, most of it in
//! serde_json's byte-by-byte string escaping.

use crate::checks::{Evidence, Outcome, with_rfc3339_millis};
use crate::score::{CallCard, CallMetrics, CheckCard, DimensionCard};

/// Appends `card` and a newline to `out`.
pub fn write(card: &CallCard<'_, '_>, out: &mut Vec<u8>) {
    out.extend_from_slice(b"{\"conversation_id\":");
    string(out, &card.conversation_id);
    out.extend_from_slice(b",\"agent_version\":");
    string(out, &card.agent_version);
    if let Some(scenario) = &card.scenario_id {
        out.extend_from_slice(b",\"scenario_id\":");
        string(out, scenario);
    }
    out.extend_from_slice(b",\"rubric\":{\"name\":");
    string(out, card.rubric.name);
    out.extend_from_slice(b",\"version\":");
    string(out, card.rubric.version);
    out.extend_from_slice(b",\"hash\":");
    string(out, card.rubric.hash);
    out.extend_from_slice(b"},\"verdict\":\"");
    out.extend_from_slice(card.verdict.as_str().as_bytes());
    out.extend_from_slice(b"\",\"passed\":");
    optional_bool(out, card.passed);
    if let Some(reason) = &card.reason {
        out.extend_from_slice(b",\"reason\":");
        string(out, reason);
    }
    out.extend_from_slice(b",\"score\":");
    optional_float(out, card.score);
    out.extend_from_slice(b",\"auto_failed\":");
    boolean(out, card.auto_failed);
    out.extend_from_slice(b",\"scored_dimensions\":");
    integer(out, card.scored_dimensions);
    out.extend_from_slice(b",\"unscored_dimensions\":");
    integer(out, card.unscored_dimensions);
    out.extend_from_slice(b",\"dimensions\":");
    array(out, &card.dimensions, dimension_card);
    out.extend_from_slice(b",\"metrics\":");
    metrics(out, &card.metrics);
    out.extend_from_slice(b"}\n");
}

fn dimension_card(out: &mut Vec<u8>, card: &DimensionCard<'_>) {
    out.extend_from_slice(b"{\"id\":");
    string(out, card.id);
    out.extend_from_slice(b",\"status\":\"");
    out.extend_from_slice(card.status.as_str().as_bytes());
    out.push(b'"');
    if let Some(score) = card.score {
        out.extend_from_slice(b",\"score\":");
        float(out, score);
    }
    if let Some(reason) = &card.reason {
        out.extend_from_slice(b",\"reason\":");
        string(out, reason);
    }
    if !card.checks.is_empty() {
        out.extend_from_slice(b",\"checks\":");
        array(out, &card.checks, check_card);
    }
    out.push(b'}');
}

fn check_card(out: &mut Vec<u8>, card: &CheckCard<'_>) {
    let Outcome {
        status,
        reason,
        evidence,
        value,
    } = &card.outcome;
    out.extend_from_slice(b"{\"check\":");
    string(out, card.check);
    if let Some(name) = card.name {
        out.extend_from_slice(b",\"name\":");
        string(out, name);
    }
    out.extend_from_slice(b",\"status\":\"");
    out.extend_from_slice(status.as_str().as_bytes());
    out.extend_from_slice(b"\",\"reason\":");
    string(out, reason);
    if !evidence.is_empty() {
        out.extend_from_slice(b",\"evidence\":");
        array(out, evidence, evidence_item);
    }
    if let Some(value) = value {
        out.extend_from_slice(b",\"value\":");
        float(out, *value);
    }
    out.push(b'}');
}

fn evidence_item(out: &mut Vec<u8>, evidence: &Evidence) {
    let mut fields = Fields::new(out);
    if let Some(event) = evidence.event {
        integer(fields.key("event"), event);
    }
    if let Some(at) = evidence.at {
        let out = fields.key("at");
        with_rfc3339_millis(at, |text| string(out, text));
    }
    if let Some(text) = &evidence.text {
        string(fields.key("text"), text);
    }
    if let Some(matched) = &evidence.matched {
        string(fields.key("matched"), matched);
    }
    if let Some(pattern) = evidence.pattern {
        integer(fields.key("pattern"), pattern);
    }
    if let Some(note) = &evidence.note {
        string(fields.key("note"), note);
    }
    fields.end();
}

fn metrics(out: &mut Vec<u8>, metrics: &CallMetrics) {
    out.extend_from_slice(b"{\"escalated\":");
    boolean(out, metrics.escalated);
    out.extend_from_slice(b",\"human_connected\":");
    boolean(out, metrics.human_connected);
    if let Some(seconds) = metrics.first_meaningful_response_s {
        out.extend_from_slice(b",\"first_meaningful_response_s\":");
        float(out, seconds);
    }
    if let Some(reason) = &metrics.first_meaningful_response_unscored {
        out.extend_from_slice(b",\"first_meaningful_response_unscored\":");
        string(out, reason);
    }
    if let Some(repeated) = metrics.repeat_yourself {
        out.extend_from_slice(b",\"repeat_yourself\":");
        boolean(out, repeated);
    }
    if let Some(csat) = metrics.csat {
        out.extend_from_slice(b",\"csat\":");
        integer(out, csat);
    }
    if let Some(reason) = &metrics.clock_contradiction {
        out.extend_from_slice(b",\"clock_contradiction\":");
        string(out, reason);
    }
    if let Some(reason) = &metrics.negative_duration {
        out.extend_from_slice(b",\"negative_duration\":");
        string(out, reason);
    }
    out.push(b'}');
}

/// `[item,item,...]`, each item written by `write`.
fn array<T>(out: &mut Vec<u8>, items: &[T], write: impl Fn(&mut Vec<u8>, &T)) {
    out.push(b'[');
    for (position, item) in items.iter().enumerate() {
        if position > 0 {
            out.push(b',');
        }
        write(out, item);
    }
    out.push(b']');
}

/// An object whose fields are all optional: writes the comma before each
/// field but the first.
struct Fields<'o> {
    out: &'o mut Vec<u8>,
    first: bool,
}

impl<'o> Fields<'o> {
    fn new(out: &'o mut Vec<u8>) -> Self {
        out.push(b'{');
        Fields { out, first: true }
    }

    /// Writes `"key":` and returns the output for the value.
    fn key(&mut self, key: &str) -> &mut Vec<u8> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        self.out.push(b'"');
        self.out.extend_from_slice(key.as_bytes());
        self.out.extend_from_slice(b"\":");
        self.out
    }

    fn end(self) {
        self.out.push(b'}');
    }
}

fn integer(out: &mut Vec<u8>, value: impl itoa::Integer) {
    out.extend_from_slice(itoa::Buffer::new().format(value).as_bytes());
}

fn boolean(out: &mut Vec<u8>, value: bool) {
    out.extend_from_slice(if value { b"true" } else { b"false" });
}

fn optional_bool(out: &mut Vec<u8>, value: Option<bool>) {
    match value {
        Some(value) => boolean(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

/// A number as serde_json writes it (`null` when not finite).
fn float(out: &mut Vec<u8>, value: f64) {
    // Writing into a Vec cannot fail.
    let _ = serde_json::to_writer(out, &value);
}

fn optional_float(out: &mut Vec<u8>, value: Option<f64>) {
    match value {
        Some(value) => float(out, value),
        None => out.extend_from_slice(b"null"),
    }
}

/// Whether a byte must be escaped in a JSON string.
fn needs_escape(byte: u8) -> bool {
    byte < 0x20 || byte == b'"' || byte == b'\\'
}

/// A JSON string, escaped as serde_json does: `\"`, `\\`, the short escapes
/// for backspace, tab, newline, form feed and carriage return, and `\u00XX`
/// for the other control characters.
fn string(out: &mut Vec<u8>, text: &str) {
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    // Most strings need no escape: one pass without early exit (it
    // vectorizes) says so, and the string is copied whole.
    if !bytes.iter().fold(false, |any, &b| any | needs_escape(b)) {
        out.extend_from_slice(bytes);
        out.push(b'"');
        return;
    }
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if !needs_escape(byte) {
            continue;
        }
        out.extend_from_slice(&bytes[start..at]);
        match byte {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            0x08 => out.extend_from_slice(b"\\b"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\n' => out.extend_from_slice(b"\\n"),
            0x0C => out.extend_from_slice(b"\\f"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.extend_from_slice(b"\\u00");
                out.push(HEX[usize::from(byte >> 4)]);
                out.push(HEX[usize::from(byte & 0xF)]);
            }
        }
        start = at + 1;
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn escaped(text: &str) -> String {
        let mut out = Vec::new();
        string(&mut out, text);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn strings_escape_as_serde_json_does() {
        let mut samples: Vec<String> = vec![
            String::new(),
            "plain text, long enough to span more than one chunk of sixteen".to_string(),
            "quote \" and backslash \\ at 17 and 30 bytes in this line".to_string(),
            "accents é, ellipsis …, emoji 🙂 and \u{7f}".to_string(),
            "tab\there\nnewline\r\u{8}\u{c}".to_string(),
        ];
        samples.push((0u8..0x20).map(char::from).collect());
        samples.push(format!("{}\"", "x".repeat(15)));
        samples.push(format!("{}\"", "x".repeat(16)));
        for sample in samples {
            assert_eq!(
                escaped(&sample),
                serde_json::to_string(&sample).unwrap(),
                "{sample:?}"
            );
        }
    }
}

//! The HTML report: one self-contained file per run (`report RUN --html`,
//! `score --html`) or per baseline/candidate pair (`gate --html`), to open
//! from disk, attach to a CI run or e-mail.
//!
//! run directory -> [`source::read_run`] (summary.json, one parallel pass
//! over calls.jsonl, a bounded set of example conversations fetched back
//! from the inputs) -> [`model::build`] (what each section shows, charts
//! drawn by [`charts`] as SVG) -> the minijinja template `report.html`.
//!
//! Transcripts are customer-written, so the page is built to be safe with
//! hostile text: every value goes through minijinja's HTML auto-escaping,
//! and [`visible`] first shows bidirectional and zero-width controls as
//! `[U+202E]`; the data the page's script needs is embedded as JSON with
//! `<`, `>` and `&` escaped, so it cannot close its script element; and a
//! Content-Security-Policy meta tag allows only the page's own inline
//! script and style, by hash, and nothing from any network.

pub mod charts;
pub mod conversation;
pub mod gate;
pub mod model;
pub mod source;

use std::path::Path;

use base64::Engine;
use minijinja::{Environment, Error, Output, State, Value, context};
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use source::Selection;

const TEMPLATE: &str = include_str!("report.html");
const STYLE: &str = include_str!("report.css");
const SCRIPT: &str = include_str!("report.js");

/// Failure reasons listed per dimension.
pub const REASONS: usize = 5;

/// Conversations embedded in full unless told otherwise.
pub const DEFAULT_CONVERSATIONS: usize = 200;

/// Why a report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum HtmlError {
    #[error(transparent)]
    Run(#[from] crate::compare::RunError),
    #[error(transparent)]
    Gate(#[from] crate::compare::gate::GateError),
    #[error(transparent)]
    Chart(#[from] charts::ChartError),
    #[error("the report template: {0:#}")]
    Template(#[from] Error),
}

/// A chart as it goes into the page: an SVG document drawn by plotters.
#[derive(Debug, Clone, Serialize)]
pub struct Chart {
    pub id: String,
    pub title: String,
    pub svg: String,
}

/// A rendered report.
#[derive(Debug)]
pub struct Page {
    pub html: String,
    /// Conversations shown in full, of how many in the run.
    pub shown: usize,
    pub total: u64,
}

impl Selection {
    /// `conversations` shown in full; [`REASONS`] reasons per dimension with
    /// two examples each.
    pub fn new(conversations: usize) -> Selection {
        Selection {
            conversations,
            reasons: REASONS,
            examples_per_reason: 2,
        }
    }
}

/// The report of one run directory.
pub fn run_page(dir: &Path, selection: &Selection) -> Result<Page, HtmlError> {
    let run = source::read_run(dir, selection)?;
    let view = model::build(run)?;
    let html = render(&view, None)?;
    Ok(Page {
        html,
        shown: view.shown,
        total: view.total,
    })
}

/// The gate view: the decision, each dimension of the baseline against the
/// candidate, the flips, then the candidate run's own report.
pub fn gate_page(
    baseline: &crate::compare::RunDir,
    candidate: &crate::compare::RunDir,
    report: &crate::compare::gate::GateReport,
    selection: &Selection,
) -> Result<Page, HtmlError> {
    let run = source::read_run(&candidate.path, selection)?;
    let gate = gate::build(baseline, candidate, report, &run)?;
    let view = model::build(run)?;
    let html = render(&view, Some(&gate))?;
    Ok(Page {
        html,
        shown: view.shown,
        total: view.total,
    })
}

/// Shows the characters that can disguise text: bidirectional controls
/// (U+202A-U+202E, U+2066-U+2069, U+200E, U+200F, U+061C), zero-width
/// characters (U+200B-U+200D, U+2060, U+FEFF) and other control characters
/// but newline and tab, each as `[U+XXXX]`.
pub fn visible(text: &str) -> String {
    let hidden = |c: char| {
        matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}' | '\u{061C}')
            || (c.is_control() && c != '\n' && c != '\t')
    };
    if !text.chars().any(hidden) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("[U+{:04X}]", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// Seconds for people: `9.3s`, `42s`, `2m 05s`, `1h 04m`.
pub fn duration(seconds: f64) -> String {
    if !seconds.is_finite() {
        return "-".to_string();
    }
    let sign = if seconds < 0.0 { "-" } else { "" };
    let s = seconds.abs();
    if s < 10.0 {
        format!("{sign}{s:.1}s")
    } else if s < 60.0 {
        format!("{sign}{s:.0}s")
    } else if s < 3600.0 {
        let whole = s.round() as u64;
        format!("{sign}{}m {:02}s", whole / 60, whole % 60)
    } else {
        let minutes = (s / 60.0).round() as u64;
        format!("{sign}{}h {:02}m", minutes / 60, minutes % 60)
    }
}

/// Every `{{ value }}` goes through here: safe values (the SVG charts, the
/// escaped JSON, the page's own style and script) as they are, everything
/// else HTML-escaped with its hidden characters shown.
fn formatter(out: &mut Output, state: &mut State, value: &Value) -> Result<(), Error> {
    if !value.is_safe()
        && let Some(text) = value.as_str()
    {
        return minijinja::escape_formatter(out, state, &Value::from(visible(text)));
    }
    minijinja::escape_formatter(out, state, value)
}

/// JSON that cannot end the script element it sits in: `<`, `>`, `&` and
/// the line separators are written as `\u` escapes (JSON allows them only
/// inside strings, where the escape means the same character).
fn script_json<T: Serialize>(value: &T) -> Result<String, serde_json::Error> {
    let json = serde_json::to_string(value)?;
    let mut out = String::with_capacity(json.len() + 64);
    for c in json.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    Ok(out)
}

fn sha256_base64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text.as_bytes()))
}

/// The policy: nothing from anywhere, but the page's own script and style,
/// each by the hash of its text.
pub fn content_security_policy() -> String {
    format!(
        "default-src 'none'; script-src 'sha256-{}'; style-src 'sha256-{}'; img-src 'none'; \
         base-uri 'none'; form-action 'none'",
        sha256_base64(SCRIPT),
        sha256_base64(STYLE)
    )
}

/// What the page's script reads: per shown conversation, what the filters
/// need.
#[derive(Serialize)]
struct Data<'a> {
    dimensions: Vec<&'a str>,
    conversations: Vec<DataConversation<'a>>,
}

#[derive(Serialize)]
struct DataConversation<'a> {
    id: &'a str,
    agent_version: &'a str,
    channel: &'a str,
    trigger: &'a str,
    verdict: &'a str,
    statuses: &'a std::collections::BTreeMap<String, String>,
}

fn render(run: &model::RunView, gate: Option<&gate::GateView>) -> Result<String, HtmlError> {
    let mut env = Environment::new();
    env.set_formatter(formatter);
    env.add_template("report.html", TEMPLATE)?;
    let data = Data {
        dimensions: run.dimensions.iter().map(|d| d.id.as_str()).collect(),
        conversations: run
            .conversation_views
            .iter()
            .map(|c| DataConversation {
                id: &c.id,
                agent_version: &c.agent_version,
                channel: &c.channel,
                trigger: &c.trigger,
                verdict: &c.verdict,
                statuses: &c.statuses,
            })
            .collect(),
    };
    let data = script_json(&data)
        .map_err(|err| Error::new(minijinja::ErrorKind::BadSerialization, err.to_string()))?;
    let title = match gate {
        Some(g) => format!("handoff-eval gate: {}", g.status.to_uppercase()),
        None => format!("handoff-eval: {} v{}", run.rubric.name, run.rubric.version),
    };
    let html = env.get_template("report.html")?.render(context! {
        title,
        csp => content_security_policy(),
        style => Value::from_safe_string(STYLE.to_string()),
        script => Value::from_safe_string(SCRIPT.to_string()),
        data => Value::from_safe_string(data),
        run => Value::from(minijinja::value::Serde(run)),
        gate => Value::from(minijinja::value::Serde(gate)),
    })?;
    Ok(html)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_characters_are_shown() {
        assert_eq!(visible("a\u{202E}b\u{200B}c"), "a[U+202E]b[U+200B]c");
        assert_eq!(visible("plain\ttext\n"), "plain\ttext\n");
    }

    #[test]
    fn embedded_json_cannot_close_its_script() {
        let json = script_json(&vec!["</script><script>alert(1)</script>", "a&b\u{2028}"]).unwrap();
        assert!(!json.contains('<') && !json.contains('>') && !json.contains('&'));
        let back: Vec<String> = serde_json::from_str(&json).unwrap();
        assert_eq!(back[0], "</script><script>alert(1)</script>");
        assert_eq!(back[1], "a&b\u{2028}");
    }

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(duration(9.31), "9.3s");
        assert_eq!(duration(42.0), "42s");
        assert_eq!(duration(125.0), "2m 05s");
        assert_eq!(duration(3840.0), "1h 04m");
    }
}

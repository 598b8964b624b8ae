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
//! and [`visible`] first shows invisible and format characters (bidi
//! controls, zero-width and tag characters, private use ...) as
//! `[U+202E]`, in the page and in the data its filters are built from; the data the page's script needs is embedded as JSON with
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

/// Characters that show nothing, or can disguise the text around them:
/// format characters (general category Cf: bidirectional controls,
/// zero-width characters, the soft hyphen, invisible operators, tag
/// characters U+E0000-U+E007F ...), private-use characters (Co), control
/// characters but newline and tab (Cc), the Hangul fillers, the combining
/// grapheme joiner and variation selectors. Which of them are shown after
/// all is decided by [`keeps`].
static HIDDEN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"[\p{Cf}\p{Co}\p{Cc}\x{115F}\x{1160}\x{3164}\x{FFA0}\x{034F}\x{FE00}-\x{FE0F}\x{E0100}-\x{E01EF}]",
    )
    .expect("a valid pattern")
});

/// Emoji, and the letters of the scripts that join or break with ZWNJ.
static PICTOGRAPH: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(r"^[\p{Extended_Pictographic}\p{Emoji_Modifier}\x{FE0F}]$")
        .expect("a valid pattern")
});
static JOINING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        r"^[\p{Arabic}\p{Syriac}\p{Devanagari}\p{Bengali}\p{Gurmukhi}\p{Gujarati}\p{Oriya}\p{Tamil}\p{Telugu}\p{Kannada}\p{Malayalam}\p{Sinhala}]$",
    )
    .expect("a valid pattern")
});

fn is(pattern: &regex::Regex, c: Option<char>) -> bool {
    c.is_some_and(|c| pattern.is_match(c.encode_utf8(&mut [0; 4])))
}

/// The hidden characters that stay as they are, because text needs them
/// and they cannot disguise it: newline and tab; a zero-width joiner
/// between two emoji (a family, a profession: `👩‍💻`); a variation selector
/// after a visible character it can modify; a zero-width non-joiner
/// between two letters of a script that writes with it (Persian, the
/// Indic scripts).
fn keeps(c: char, before: Option<char>, after: Option<char>) -> bool {
    match c {
        '\n' | '\t' => true,
        '\u{200D}' => is(&PICTOGRAPH, before) && is(&PICTOGRAPH, after),
        '\u{200C}' => is(&JOINING, before) && is(&JOINING, after),
        '\u{FE00}'..='\u{FE0F}' | '\u{E0100}'..='\u{E01EF}' => before
            .is_some_and(|b| !b.is_whitespace() && !HIDDEN.is_match(b.encode_utf8(&mut [0; 4]))),
        _ => false,
    }
}

/// Shows every character that shows nothing or can disguise text (see
/// [`HIDDEN`] and [`keeps`]) as `[U+XXXX]`, so that two values that differ
/// only by one look different, and reversed or hidden text cannot pass
/// for something else.
pub fn visible(text: &str) -> String {
    if text
        .bytes()
        .all(|b| (0x20..0x7f).contains(&b) || b == b'\n' || b == b'\t')
    {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut at = 0;
    for found in HIDDEN.find_iter(text) {
        let c = text[found.start()..]
            .chars()
            .next()
            .expect("a match is a character");
        let before = text[..found.start()].chars().next_back();
        let after = text[found.end()..].chars().next();
        if keeps(c, before, after) {
            continue;
        }
        out.push_str(&text[at..found.start()]);
        out.push_str(&format!("[U+{:04X}]", c as u32));
        at = found.end();
    }
    out.push_str(&text[at..]);
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

/// The facets the filters offer as text are shown by [`visible`] here, as
/// everywhere in the page (the script puts them into `<option>`s as they
/// are); the id stays as the run wrote it, for permalinks.
#[derive(Serialize)]
struct DataConversation<'a> {
    id: &'a str,
    line: u64,
    agent_version: String,
    channel: String,
    trigger: String,
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
                line: c.line,
                agent_version: visible(&c.agent_version),
                channel: visible(&c.channel),
                trigger: visible(&c.trigger),
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
        for (hidden, shown) in [
            ("bot\u{AD}@1", "bot[U+00AD]@1"),
            ("a\u{2062}b\u{180E}c", "a[U+2062]b[U+180E]c"),
            ("id\u{E0041}\u{E007F}", "id[U+E0041][U+E007F]"),
            ("\u{3164}\u{115F}x\u{34F}", "[U+3164][U+115F]x[U+034F]"),
            ("\u{FFF9}ruby\u{E000}", "[U+FFF9]ruby[U+E000]"),
            ("\u{FE0F}alone", "[U+FE0F]alone"),
            ("a\u{200C}b \u{200D}x", "a[U+200C]b [U+200D]x"),
            ("bell\u{7}", "bell[U+0007]"),
        ] {
            assert_eq!(visible(hidden), shown);
        }
        // What text needs stays readable.
        for kept in [
            "\u{1F469}\u{200D}\u{1F4BB} at work",
            "\u{2764}\u{FE0F}",
            "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}",
            "caf\u{E9} \u{5D0}\u{5D1}",
        ] {
            assert_eq!(visible(kept), kept);
        }
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

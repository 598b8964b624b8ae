//! Rubrics: YAML text in, a validated [`Rubric`] out, or every problem at once.
//!
//! [`load`] parses the YAML into a positioned node tree ([`yaml`]), decodes
//! it field by field so that one bad field does not hide the next, and checks
//! what serde cannot (unique ids, positive weights, references). Code
//! downstream receives only a valid `Rubric`.

pub mod condition;
pub mod gates;
mod load;
pub mod params;
pub mod yaml;

use std::fmt;

pub use load::{from_str, from_str_in, load, load_with};

use crate::checks::Check;
use crate::checks::first_meaningful_response::FirstMeaningfulResponse;
use condition::Condition;
pub use gates::Gates;
use yaml::Pos;

#[derive(Debug, Clone)]
pub struct Rubric {
    pub name: String,
    pub version: String,
    pub description: Option<String>,
    /// Which conversations the rubric scores; the others are n/a.
    pub applies_to: Option<Condition>,
    /// Call score (0-100) needed to pass.
    pub pass_threshold: f64,
    pub dimensions: Vec<Dimension>,
    pub metrics: Metrics,
    /// What `gate` and `calibrate` hold runs to.
    pub gates: Gates,
    /// First 16 hex digits of a SHA-256 of what scores: the rubric's values
    /// as parsed and the text of its judge prompts, not the file's bytes
    /// (comments and line endings do not change it).
    pub hash: String,
    /// What `lint` points out in a valid rubric (a judge prompt that never
    /// says how to answer, or shows no conversation data), sorted by position.
    pub warnings: Vec<Diagnostic>,
}

#[derive(Debug, Clone)]
pub struct Dimension {
    pub id: String,
    pub title: String,
    pub description: Option<String>,
    pub weight: f64,
    /// A failed critical dimension fails the call whatever its score.
    pub critical: bool,
    pub applies_when: Option<Condition>,
    pub checks: Vec<Check>,
}

/// How the aggregate's handoff metrics relate to this rubric.
#[derive(Debug, Clone, Default)]
pub struct Metrics {
    /// Index of the dimension whose failure counts as "customer had to repeat".
    pub repeat_yourself: Option<usize>,
    /// Filler definition for time to first meaningful response: the rubric's
    /// first `first_meaningful_response` check, or the built-in one.
    pub first_response: FirstMeaningfulResponse,
    /// Where that check stands (dimension, check), so that a call's metric
    /// can reuse the check's measurement instead of measuring again.
    pub first_response_check: Option<(usize, usize)>,
}

/// One problem in a rubric, where it is and what was expected.
#[derive(Debug, Clone)]
pub struct Diagnostic {
    pub pos: Option<Pos>,
    pub message: String,
}

#[derive(Debug, thiserror::Error)]
pub enum RubricError {
    #[error("{path}: cannot read rubric: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{}", render(.path, .text, .diagnostics))]
    Invalid {
        path: String,
        text: String,
        diagnostics: Vec<Diagnostic>,
    },
}

impl RubricError {
    pub fn diagnostics(&self) -> &[Diagnostic] {
        match self {
            RubricError::Io { .. } => &[],
            RubricError::Invalid { diagnostics, .. } => diagnostics,
        }
    }
}

/// Renders every diagnostic with its source line and a caret, like rustc.
fn render(path: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = render_each("error", path, text, diagnostics);
    let n = diagnostics.len();
    out.push_str(&format!(
        "{path}: {n} error{} in rubric",
        if n == 1 { "" } else { "s" }
    ));
    out
}

/// Renders `diagnostics` at `level` (`error`, `warning`), each with its
/// source line from `text` and a caret under its column.
pub fn render_each(level: &str, path: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let mut out = String::new();
    let lines: Vec<&str> = text.lines().collect();
    for diagnostic in diagnostics {
        out.push_str(&format!("{level}: {}\n", diagnostic.message));
        match diagnostic.pos {
            Some(pos) => {
                out.push_str(&format!("  --> {path}:{}:{}\n", pos.line, pos.column));
                if let Some(line) = lines.get(pos.line.saturating_sub(1) as usize) {
                    let number = pos.line.to_string();
                    let pad = " ".repeat(number.len());
                    let caret = " ".repeat(pos.column.saturating_sub(1) as usize);
                    out.push_str(&format!("{pad} |\n{number} | {line}\n{pad} | {caret}^\n"));
                }
            }
            None => out.push_str(&format!("  --> {path}\n")),
        }
        out.push('\n');
    }
    out
}

impl fmt::Display for Rubric {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} v{} ({})", self.name, self.version, self.hash)
    }
}

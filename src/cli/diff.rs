//! `handoff-eval diff RUN_A RUN_B`: the verdicts that flipped between two
//! runs, with the evidence on both sides.

use std::fmt::Write;
use std::path::PathBuf;

use clap::Args;

use super::screen::{Screen, to_stderr};
use super::{EXIT_ERROR, EXIT_GATE_FAILED, EXIT_OK, print_error};
use crate::compare::RunDir;
use crate::compare::diff::{DiffReport, diff};
use crate::report::escape::controls;

/// List the verdicts that flipped between two runs (`score --out`
/// directories), per call and dimension, with the evidence on both sides.
/// Exit 0 when nothing flipped, 1 when something did, 2 on unreadable runs.
#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The earlier run.
    a: PathBuf,
    /// The later run.
    b: PathBuf,
    /// Only this dimension (repeatable).
    #[arg(long = "dimension", value_name = "ID")]
    dimensions: Vec<String>,
    /// How many flipped calls to print in full (all are counted, and all
    /// are in --json).
    #[arg(long, default_value_t = 20)]
    limit: usize,
    /// Also write every flip as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

pub fn run(args: DiffArgs) -> anyhow::Result<u8> {
    let open = |path: &PathBuf| RunDir::open(path).map_err(|err| print_error(&err));
    let (Ok(a), Ok(b)) = (open(&args.a), open(&args.b)) else {
        return Ok(EXIT_ERROR);
    };
    if a.rubric.hash != b.rubric.hash {
        to_stderr!(
            "note: the rubric changed ({} v{} {} -> {} v{} {}); dimensions are matched by id",
            controls(&a.rubric.name),
            controls(&a.rubric.version),
            a.rubric.hash,
            controls(&b.rubric.name),
            controls(&b.rubric.version),
            b.rubric.hash
        );
    }
    let mut report = match diff(&a, &b) {
        Ok(report) => report,
        Err(err) => {
            print_error(&err);
            return Ok(EXIT_ERROR);
        }
    };
    if !args.dimensions.is_empty() {
        let wanted = |id: &str| args.dimensions.iter().any(|d| d == id);
        for flip in &mut report.flips {
            flip.dimensions.retain(|d| wanted(&d.id));
        }
        report.flips.retain(|f| !f.dimensions.is_empty());
        report.counts.retain(|c| wanted(&c.subject));
    }
    if let Some(path) = &args.json {
        crate::run_dir::publish(
            path,
            (serde_json::to_string_pretty(&report)? + "\n").as_bytes(),
        )?;
    }
    let mut screen = Screen::new();
    screen.print(&render(&report, args.limit))?;
    screen.flush()?;
    Ok(if report.flips.is_empty() {
        EXIT_OK
    } else {
        EXIT_GATE_FAILED
    })
}

/// The flips for a terminal; ids and evidence are escaped ([`controls`]).
pub fn render(report: &DiffReport, limit: usize) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "diff {} -> {}: {}, {} pairs ({} only in the first, {} only in the second)",
        controls(&report.a),
        controls(&report.b),
        report.pairing.describe(),
        report.pairs,
        report.only_in_a,
        report.only_in_b
    );
    if report.flips.is_empty() {
        let _ = writeln!(out, "\nno verdict flipped");
        return out;
    }
    let _ = writeln!(
        out,
        "\n{} call(s) with flipped verdicts:",
        report.flips.len()
    );
    let width = report
        .counts
        .iter()
        .map(|c| c.subject.len())
        .max()
        .unwrap_or(0);
    for count in &report.counts {
        let _ = writeln!(
            out,
            "  {:<width$}  {:>8} -> {:<8} {:>5}",
            controls(&count.subject),
            count.from.as_str(),
            count.to.as_str(),
            count.count
        );
    }
    for flip in report.flips.iter().take(limit) {
        let scenario = flip
            .scenario_id
            .as_deref()
            .map(|s| format!(", scenario {}", controls(s)))
            .unwrap_or_default();
        let name = if flip.conversation_a == flip.conversation_b {
            controls(&flip.conversation_a).into_owned()
        } else {
            format!(
                "{} -> {}",
                controls(&flip.conversation_a),
                controls(&flip.conversation_b)
            )
        };
        let score = |s: Option<f64>| s.map_or("-".to_string(), |s| format!("{s:.1}"));
        let _ = writeln!(
            out,
            "\n{name}{scenario}: call {} -> {}, score {} -> {}",
            flip.verdict.0.as_str(),
            flip.verdict.1.as_str(),
            score(flip.score.0),
            score(flip.score.1)
        );
        for dimension in &flip.dimensions {
            let _ = writeln!(
                out,
                "  {}: {} -> {}",
                controls(&dimension.id),
                dimension.from.as_str(),
                dimension.to.as_str()
            );
            crate::report::card::describe(&mut out, "before", &dimension.a);
            crate::report::card::describe(&mut out, "after ", &dimension.b);
        }
    }
    if report.flips.len() > limit {
        let _ = writeln!(
            out,
            "\n... and {} more call(s) (--limit, or --json for all)",
            report.flips.len() - limit
        );
    }
    out
}

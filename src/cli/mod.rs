//! The command line: clap arguments in, an exit code out. One file per
//! subcommand; each turns raw arguments into settings and calls the library.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use screen::to_stderr;

mod calibrate;
mod diff;
mod explain;
mod gate;
mod generate;
mod html_args;
mod import;
mod judge_args;
mod lint;
mod report;
mod schema;
mod score;
pub(crate) mod screen;

/// Exit codes, as documented in the README and `--help`.
pub const EXIT_OK: u8 = 0;
/// A quality gate failed.
pub const EXIT_GATE_FAILED: u8 = 1;
/// The tool could not do its job: bad rubric, unreadable input, usage.
pub const EXIT_ERROR: u8 = 2;

const AFTER_HELP: &str = "\
Examples:
  Score the demo conversations (no API key needed; judge checks are then
  reported unscored, never passed), and look at one check by check:
    handoff-eval score -r rubrics/handoff.yaml datasets/demo.jsonl
    handoff-eval explain -r rubrics/handoff.yaml --conversation conv-0000004 datasets/demo.jsonl
  Gate a candidate agent version on a baseline run in CI:
    handoff-eval score -r rubrics/handoff.yaml base.jsonl --out runs/base
    handoff-eval score -r rubrics/handoff.yaml cand.jsonl --out runs/cand --baseline runs/base
  Score tau-bench runs directly, and open a run as one HTML page:
    handoff-eval score -r rubrics/ai-handoff.yaml --input-format tau-bench runs.json --out runs/tau
    handoff-eval report runs/tau --html report.html
  Check a rubric:
    handoff-eval lint rubrics/handoff.yaml

Exit codes:
  0  success (and every gate passed; diff: nothing flipped)
  1  a quality gate failed (diff: verdicts flipped; calibrate: kappa
     below the rubric's minimum)
  2  the tool could not do its job: invalid rubric, unreadable input, a
     run that is incomplete (being written, or killed: see score
     --resume), inconsistent or not a run, a locked --out, different
     rubrics without --allow-rubric-change, a gate with nothing scored to
     decide it, rejected lines under --strict, or a usage error

A closed standard output (| head) ends a command quietly, after its files
are complete, with the exit code its work decided; a closed or full
standard error only loses the messages.";

/// Score AI-to-human handoff conversations against YAML rubrics.
#[derive(Debug, Parser)]
#[command(name = "handoff-eval", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    Score(Box<score::ScoreArgs>),
    Lint(lint::LintArgs),
    Explain(Box<explain::ExplainArgs>),
    Gate(Box<gate::GateArgs>),
    Diff(diff::DiffArgs),
    Calibrate(Box<calibrate::CalibrateArgs>),
    Schema(schema::SchemaArgs),
    Import(Box<import::ImportArgs>),
    Report(report::ReportArgs),
    Generate(generate::GenerateArgs),
}

/// The most worker threads `--threads` takes: twice the cores, and at
/// least 64. Rule scoring is bound by the cores, and every worker holds its
/// own buffers (about 3 MB each on the shipped rubric), so more threads only
/// cost memory and start-up time: 10,000 of them took minutes.
fn max_threads() -> usize {
    let cores = std::thread::available_parallelism().map_or(1, std::num::NonZero::get);
    (2 * cores).max(64)
}

/// Parses `--threads`: from 1 to [`max_threads`].
fn thread_count(text: &str) -> Result<usize, String> {
    let threads: usize = text
        .trim()
        .parse()
        .map_err(|_| format!("expected a number of threads, found `{text}`"))?;
    let max = max_threads();
    if (1..=max).contains(&threads) {
        Ok(threads)
    } else {
        Err(format!(
            "{threads} threads: give from 1 to {max} (the larger of twice the cores and 64: each thread scores on one core and holds its own buffers; the default is one per core)"
        ))
    }
}

/// Prints `error: ...` on stderr (`error:` in red on a terminal), escaped
/// for a terminal: errors quote paths, ids and input text.
fn print_error(err: &dyn std::fmt::Display) {
    to_stderr!(
        "{} {}",
        crate::report::style::Palette::stderr().fail("error:"),
        crate::report::escape::controls(&err.to_string())
    );
}

/// Prints a rubric that cannot be loaded: every diagnostic, each opening
/// with `error:` (in red on a terminal), or the file that cannot be read.
fn print_rubric_error(err: &crate::rubric::RubricError) {
    match err {
        crate::rubric::RubricError::Io { .. } => print_error(err),
        crate::rubric::RubricError::Invalid { .. } => {
            to_stderr!(
                "{}",
                crate::report::style::Palette::stderr().levels(&err.to_string())
            );
        }
    }
}

/// The rubric and the inputs a subcommand works on; `None` once every
/// problem with either has been printed.
fn rubric_and_inputs(
    rubric: &std::path::Path,
    inputs: &[std::path::PathBuf],
    prompt_roots: &[std::path::PathBuf],
) -> Option<(crate::rubric::Rubric, Vec<crate::trace::Input>)> {
    let rubric = crate::rubric::load_with(rubric, prompt_roots)
        .map_err(|err| print_rubric_error(&err))
        .ok();
    let inputs = crate::input::resolve_with_skipped(inputs, &["jsonl"])
        .map(|(inputs, skipped)| {
            for note in crate::input::skipped_notes(&skipped) {
                to_stderr!("note: {}", crate::report::escape::controls(&note));
            }
            inputs
        })
        .map_err(|errors| {
            for err in errors {
                print_error(&err);
            }
        })
        .ok();
    Some((rubric?, inputs?))
}

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() {
                EXIT_ERROR
            } else {
                EXIT_OK
            });
        }
    };
    let result = match cli.command {
        Command::Score(args) => score::run(*args),
        Command::Lint(args) => lint::run(args),
        Command::Explain(args) => explain::run(*args),
        Command::Gate(args) => gate::run(*args),
        Command::Diff(args) => diff::run(args),
        Command::Calibrate(args) => calibrate::run(*args),
        Command::Schema(args) => schema::run(args),
        Command::Import(args) => import::run(*args),
        Command::Report(args) => report::run(args),
        Command::Generate(args) => generate::run(args),
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(err) => {
            print_error(&format!("{err:#}"));
            ExitCode::from(EXIT_ERROR)
        }
    }
}

//! `handoff-eval gate`: did handoff quality regress from a baseline run to a
//! candidate run? Also the tail of `score --baseline`.

use std::fs::OpenOptions;
use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use super::screen::{Screen, to_stderr};
use super::{EXIT_ERROR, EXIT_GATE_FAILED, EXIT_OK, print_error};
use crate::compare::RunDir;
use crate::compare::gate::{GateReport, GateStatus, compare};
use crate::report::style::Palette;
use crate::run_dir::publish;

/// Compare a candidate run with a baseline run (each a `score --out`
/// directory) and judge the rubric's gates: exit 0 when all pass, 1 when
/// one fails, 2 when the tool cannot decide.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// The run to compare against (a `score --out` directory).
    #[arg(long)]
    baseline: PathBuf,
    /// The run under test.
    #[arg(long)]
    candidate: PathBuf,
    #[command(flatten)]
    options: GateOptions,
    #[command(flatten)]
    html: super::html_args::HtmlArgs,
}

/// Options shared by `gate` and `score --baseline`.
#[derive(Debug, Args, Clone, Default)]
pub struct GateOptions {
    /// Take the gates from this rubric instead of the candidate run's.
    #[arg(long = "gates-from", value_name = "RUBRIC")]
    gates_from: Option<PathBuf>,
    /// Compare runs scored with different rubrics (dimensions matched by id).
    #[arg(long)]
    allow_rubric_change: bool,
    /// Also write the report as Markdown to this file.
    #[arg(long, value_name = "FILE")]
    markdown: Option<PathBuf>,
    /// Also write JUnit XML: a test case per gate and per critical flip.
    #[arg(long, value_name = "FILE")]
    junit: Option<PathBuf>,
    /// Also write the full comparison as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

impl GateOptions {
    /// Reports not sent elsewhere go to `dir`: gate.md, gate.json, gate.junit.xml.
    pub fn written_to(mut self, dir: &Path) -> Self {
        self.markdown.get_or_insert_with(|| dir.join("gate.md"));
        self.json.get_or_insert_with(|| dir.join("gate.json"));
        self.junit.get_or_insert_with(|| dir.join("gate.junit.xml"));
        self
    }
}

pub fn run(args: GateArgs) -> anyhow::Result<u8> {
    let mut screen = Screen::new();
    let code = gate(
        &args.baseline,
        &args.candidate,
        &args.options,
        &args.html,
        &mut screen,
    )?;
    screen.flush()?;
    Ok(code)
}

/// What `score --baseline` checks before it scores (and touches --out):
/// the baseline is not the --out directory, is a complete run scored with
/// the rubric about to be used (unless --allow-rubric-change), and the
/// --gates-from rubric loads. Every problem is printed; false if any.
pub fn check_before_scoring(
    baseline: &Path,
    out: &Path,
    rubric_hash: &str,
    options: &GateOptions,
) -> bool {
    if let Err(err) = crate::run_dir::check_baseline(out, baseline) {
        print_error(&err);
        return false;
    }
    let mut fine = true;
    match crate::run_dir::Run::open(baseline) {
        Err(err) => {
            print_error(&format!("--baseline: {err}"));
            fine = false;
        }
        Ok(run) if run.manifest().rubric.hash != rubric_hash && !options.allow_rubric_change => {
            let rubric = &run.manifest().rubric;
            print_error(&format!(
                "--baseline {} was scored with rubric {} v{} ({}), this run uses {rubric_hash}; \
                 pass --allow-rubric-change to compare them anyway (dimensions are matched by id)",
                baseline.display(),
                rubric.name,
                rubric.version,
                rubric.hash
            ));
            fine = false;
        }
        Ok(_) => {}
    }
    if let Some(path) = &options.gates_from
        && let Err(err) = crate::rubric::load(path)
    {
        to_stderr!("{err}");
        fine = false;
    }
    fine
}

/// Compares two run directories, writes the report's files (and the HTML
/// gate view with `--html`), prints it, and returns the exit code.
pub fn gate(
    baseline: &Path,
    candidate: &Path,
    options: &GateOptions,
    html: &super::html_args::HtmlArgs,
    screen: &mut Screen,
) -> anyhow::Result<u8> {
    if let Err(why) = html.check(&[baseline, candidate], &[]) {
        to_stderr!("error: {}", crate::report::escape::controls(&why));
        return Ok(EXIT_ERROR);
    }
    let open = |path: &Path| RunDir::open(path).map_err(|err| print_error(&err));
    let (Ok(baseline), Ok(candidate)) = (open(baseline), open(candidate)) else {
        return Ok(EXIT_ERROR);
    };
    let gates = match &options.gates_from {
        None => None,
        Some(path) => match crate::rubric::load(path) {
            Ok(rubric) => Some(rubric.gates),
            Err(err) => {
                super::print_rubric_error(&err);
                return Ok(EXIT_ERROR);
            }
        },
    };
    let report = match compare(
        &baseline,
        &candidate,
        gates.as_ref(),
        options.allow_rubric_change,
    ) {
        Ok(report) => report,
        Err(err) => {
            print_error(&err);
            return Ok(EXIT_ERROR);
        }
    };
    if let Some(wrote) = html.write_gate(&baseline, &candidate, &report)? {
        to_stderr!("{wrote}");
    }
    write_outputs(&report, options, screen)?;
    Ok(match report.status {
        GateStatus::Pass | GateStatus::Skipped => EXIT_OK,
        GateStatus::Fail => EXIT_GATE_FAILED,
        GateStatus::Undecided => {
            let undecided: Vec<String> = report
                .gates
                .iter()
                .filter(|g| g.status == GateStatus::Undecided)
                .map(|g| format!("`{}` {}", g.subject, g.rule))
                .collect();
            print_error(&format!(
                "the gate cannot decide {}: nothing was scored to judge it, or unscored verdicts could change its decision (the gate report gives both extremes); configure a judge for judge checks, or gate on what the rules score (--gates-from a rubric without those gates)",
                undecided.join("; ")
            ));
            EXIT_ERROR
        }
    })
}

/// Writes the report's files (each whole), then prints the Markdown.
fn write_outputs(
    report: &GateReport,
    options: &GateOptions,
    screen: &mut Screen,
) -> anyhow::Result<()> {
    let markdown = crate::report::gate::markdown(report);
    if let Some(path) = &options.markdown {
        publish(path, markdown.as_bytes())?;
    }
    if let Some(path) = &options.junit {
        publish(path, crate::report::gate::junit(report).as_bytes())?;
    }
    if let Some(path) = &options.json {
        publish(
            path,
            (serde_json::to_string_pretty(report)? + "\n").as_bytes(),
        )?;
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        let mut file = OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .with_context(|| {
                format!(
                    "cannot append to $GITHUB_STEP_SUMMARY ({})",
                    summary.to_string_lossy()
                )
            })?;
        writeln!(file, "{markdown}").with_context(|| {
            format!(
                "cannot append to $GITHUB_STEP_SUMMARY ({})",
                summary.to_string_lossy()
            )
        })?;
    }
    screen.print(&painted(&markdown, report.status, Palette::stdout()))?;
    Ok(())
}

/// The Markdown for a terminal: the decision in its first line, and each
/// failed gate's `**FAIL**`, in colour (files get it plain).
fn painted(markdown: &str, status: GateStatus, paint: Palette) -> String {
    if !paint.is_enabled() {
        return markdown.to_string();
    }
    let (first, rest) = markdown.split_once('\n').unwrap_or((markdown, ""));
    let first = match status {
        GateStatus::Pass => first.replacen("PASSED", &paint.pass("PASSED"), 1),
        GateStatus::Fail => first.replacen("FAILED", &paint.fail("FAILED"), 1),
        GateStatus::Undecided => first.replacen("UNDECIDED", &paint.warn("UNDECIDED"), 1),
        GateStatus::Skipped => first.to_string(),
    };
    format!(
        "{first}\n{}",
        rest.replace("**FAIL**", &paint.fail("**FAIL**"))
    )
}

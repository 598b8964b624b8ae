//! `--html FILE`, shared by `report`, `score` and `gate`: where the
//! self-contained HTML report goes and how many conversations it shows.

use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;

use crate::report::html::{self, DEFAULT_CONVERSATIONS, Page, Selection};

/// The HTML report.
#[derive(Debug, Args, Clone)]
pub struct HtmlArgs {
    /// Write a self-contained HTML report to FILE: one file that opens from
    /// disk with no network requests (`gate`: the gate view above the
    /// candidate run).
    #[arg(long, value_name = "FILE", help_heading = "HTML report")]
    pub html: Option<PathBuf>,
    /// Conversations shown in full in the HTML report: examples of the most
    /// common failures first, then a sample chosen by a hash of the
    /// conversation id.
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONVERSATIONS, requires = "html", help_heading = "HTML report")]
    pub html_conversations: usize,
}

/// Files of a run directory that `--html` must not replace: the run's own
/// and the gate's.
fn run_files() -> impl Iterator<Item = &'static str> {
    use crate::run_dir::{CALLS, GATE_FILES, IMPORTED, LOCK, MANIFEST, REJECTED, SUMMARY};
    [MANIFEST, CALLS, REJECTED, SUMMARY, LOCK, IMPORTED]
        .into_iter()
        .chain(GATE_FILES)
}

/// `path` made absolute, its folder resolved through symbolic links where
/// it exists, so that two spellings of one file compare equal.
fn resolved(path: &Path) -> PathBuf {
    let path = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    if let Ok(real) = path.canonicalize() {
        return real;
    }
    match (path.parent(), path.file_name()) {
        (Some(parent), Some(name)) => parent
            .canonicalize()
            .map_or_else(|_| path.clone(), |p| p.join(name)),
        _ => path,
    }
}

/// The inputs a finished run recorded in its manifest (none if it has none).
fn recorded_inputs(run: &Path) -> Vec<PathBuf> {
    std::fs::read_to_string(run.join(crate::run_dir::MANIFEST))
        .ok()
        .and_then(|text| serde_json::from_str::<crate::run_dir::Manifest>(&text).ok())
        .map(|m| {
            m.inputs
                .into_iter()
                .map(|i| PathBuf::from(i.path))
                .collect()
        })
        .unwrap_or_default()
}

impl HtmlArgs {
    /// Checks `--html` before any work is done: the path must not be `-`
    /// (the report is a file; standard output carries the run's own
    /// output), a folder, one of the files of the `runs` directories or an
    /// input (`inputs`, and those the runs' manifests record), and its
    /// folder must take a new file. The error is a usage error (exit 2).
    pub fn check(&self, runs: &[&Path], inputs: &[PathBuf]) -> Result<(), String> {
        let Some(path) = &self.html else {
            return Ok(());
        };
        if path.as_os_str() == "-" {
            return Err(
                "--html -: the HTML report is written to a file, not to standard output; name a file"
                    .to_string(),
            );
        }
        if path.is_dir() {
            return Err(format!(
                "--html {}: is a folder; name a file",
                path.display()
            ));
        }
        let target = resolved(path);
        for run in runs {
            for name in run_files() {
                if resolved(&run.join(name)) == target {
                    return Err(format!(
                        "--html {}: is the run's own {name}; write the report elsewhere",
                        path.display()
                    ));
                }
            }
        }
        let recorded = runs.iter().flat_map(|run| recorded_inputs(run));
        for input in inputs.iter().cloned().chain(recorded) {
            if resolved(&input) == target {
                return Err(format!(
                    "--html {}: is an input of the run; write the report elsewhere",
                    path.display()
                ));
            }
        }
        let folder = match target.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
            _ => PathBuf::from("."),
        };
        // The folder of a new run (`score --out`) is made by the run.
        let made_by_run = runs.iter().any(|run| resolved(run) == folder);
        if !made_by_run {
            let probe = folder.join(format!(".html-check.{}.tmp", std::process::id()));
            std::fs::File::create(&probe)
                .map_err(|err| format!("--html {}: cannot write there: {err}", path.display()))?;
            let _ = std::fs::remove_file(&probe);
        }
        if let Ok(meta) = std::fs::metadata(path)
            && meta.permissions().readonly()
        {
            return Err(format!("--html {}: the file is read-only", path.display()));
        }
        Ok(())
    }

    fn selection(&self) -> Selection {
        Selection::new(self.html_conversations)
    }

    /// Writes the report of a run directory, if `--html` was given; returns
    /// the line that says what was written.
    pub fn write_run(&self, run: &Path) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.html else {
            return Ok(None);
        };
        let page = html::run_page(run, &self.selection())?;
        write(path, &page).map(Some)
    }

    /// Writes the gate view, if `--html` was given.
    pub fn write_gate(
        &self,
        baseline: &crate::compare::RunDir,
        candidate: &crate::compare::RunDir,
        report: &crate::compare::gate::GateReport,
    ) -> anyhow::Result<Option<String>> {
        let Some(path) = &self.html else {
            return Ok(None);
        };
        let page = html::gate_page(baseline, candidate, report, &self.selection())?;
        write(path, &page).map(Some)
    }
}

fn write(path: &Path, page: &Page) -> anyhow::Result<String> {
    crate::run_dir::publish(path, page.html.as_bytes())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(format!(
        "wrote {} ({:.1} MB; {} of {} conversations shown in full)",
        path.display(),
        page.html.len() as f64 / 1e6,
        page.shown,
        page.total
    ))
}

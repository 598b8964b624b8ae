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
    #[arg(long, value_name = "N", default_value_t = DEFAULT_CONVERSATIONS, help_heading = "HTML report")]
    pub html_conversations: usize,
}

impl HtmlArgs {
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
    std::fs::write(path, &page.html).with_context(|| format!("cannot write {}", path.display()))?;
    Ok(format!(
        "wrote {} ({:.1} MB; {} of {} conversations shown in full)",
        path.display(),
        page.html.len() as f64 / 1e6,
        page.shown,
        page.total
    ))
}

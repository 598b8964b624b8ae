//! `handoff-eval lint RUBRIC...`: validate rubrics, reporting every problem.

use std::path::PathBuf;

use clap::Args;

use super::screen::Screen;
use super::{EXIT_ERROR, EXIT_OK};

/// Check rubrics and report every problem at once, with line and column.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Rubric files to check.
    #[arg(required = true)]
    rubrics: Vec<PathBuf>,
}

pub fn run(args: LintArgs) -> anyhow::Result<u8> {
    let mut code = EXIT_OK;
    let mut screen = Screen::new();
    for path in &args.rubrics {
        match crate::rubric::load(path) {
            Ok(rubric) => {
                let checks: usize = rubric.dimensions.iter().map(|d| d.checks.len()).sum();
                let plural =
                    |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
                screen.line(&format!(
                    "ok: {}: {} v{}, {}, {}, hash {}",
                    path.display(),
                    rubric.name,
                    rubric.version,
                    plural(rubric.dimensions.len(), "dimension"),
                    plural(checks, "check"),
                    rubric.hash
                ))?;
            }
            Err(err) => {
                eprintln!("{err}");
                code = EXIT_ERROR;
            }
        }
    }
    screen.flush()?;
    Ok(code)
}

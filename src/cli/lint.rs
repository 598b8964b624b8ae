//! `handoff-eval lint RUBRIC...`: validate rubrics, reporting every problem,
//! and warn about judge prompts that would leave the judge guessing.

use std::path::PathBuf;

use clap::Args;

use super::screen::Screen;
use super::{EXIT_ERROR, EXIT_OK};
use crate::report::style::Palette;

/// Check rubrics and report every problem at once, with line and column.
#[derive(Debug, Args)]
pub struct LintArgs {
    /// Rubric files to check.
    #[arg(required = true)]
    rubrics: Vec<PathBuf>,
    /// A folder judge prompts may also be read from, besides each rubric's
    /// own (repeatable).
    #[arg(long, value_name = "DIR")]
    prompt_root: Vec<PathBuf>,
}

pub fn run(args: LintArgs) -> anyhow::Result<u8> {
    let mut code = EXIT_OK;
    let mut screen = Screen::new();
    let paint = Palette::stdout();
    for path in &args.rubrics {
        match crate::rubric::load_with(path, &args.prompt_root) {
            Ok(rubric) => {
                if !rubric.warnings.is_empty() {
                    let text = std::fs::read_to_string(path).unwrap_or_default();
                    let shown = path.display().to_string();
                    super::screen::stderr_text(&Palette::stderr().levels(
                        &crate::rubric::render_each("warning", &shown, &text, &rubric.warnings),
                    ));
                }
                let checks: usize = rubric.dimensions.iter().map(|d| d.checks.len()).sum();
                let plural =
                    |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
                screen.line(&format!(
                    "{} {}: {} v{}, {}, {}, hash {}",
                    paint.pass("ok:"),
                    path.display(),
                    rubric.name,
                    rubric.version,
                    plural(rubric.dimensions.len(), "dimension"),
                    plural(checks, "check"),
                    rubric.hash
                ))?;
            }
            Err(err) => {
                super::print_rubric_error(&err);
                code = EXIT_ERROR;
            }
        }
    }
    screen.flush()?;
    Ok(code)
}

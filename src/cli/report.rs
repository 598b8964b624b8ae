//! `handoff-eval report RUN`: a finished run as Markdown, by agent version,
//! or as a self-contained HTML page with `--html`.

use std::path::PathBuf;

use clap::Args;

use super::screen::{Screen, to_stderr};
use super::{EXIT_ERROR, EXIT_OK, print_error};
use crate::run_dir::Run;

/// Summarise a run (a `score --out` directory) as Markdown, by agent
/// version: calls, transfers, the pass rate of each dimension, and the most
/// common failures with one real example each. With --html, write the run
/// as a self-contained HTML page instead.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run directory.
    run: PathBuf,
    /// How many kinds of failure to list.
    #[arg(long, default_value_t = 8)]
    top: usize,
    #[command(flatten)]
    html: super::html_args::HtmlArgs,
}

pub fn run(args: ReportArgs) -> anyhow::Result<u8> {
    if args.html.html.is_some() {
        if let Err(why) = args.html.check(&[&args.run], &[]) {
            to_stderr!("error: {}", crate::report::escape::controls(&why));
            return Ok(EXIT_ERROR);
        }
        return match args.html.write_run(&args.run) {
            Ok(wrote) => {
                let mut screen = Screen::new();
                screen.line(&wrote.unwrap_or_default())?;
                screen.flush()?;
                Ok(EXIT_OK)
            }
            Err(err) => {
                print_error(&format!("{err:#}"));
                Ok(EXIT_ERROR)
            }
        };
    }
    let rendered =
        Run::open(&args.run).and_then(|run| crate::report::run_report::render(&run, args.top));
    match rendered {
        Ok(markdown) => {
            let mut screen = Screen::new();
            screen.print(&markdown)?;
            screen.flush()?;
            Ok(EXIT_OK)
        }
        Err(err) => {
            print_error(&err);
            Ok(EXIT_ERROR)
        }
    }
}

//! `handoff-eval report RUN`: a finished run as Markdown, by agent version.

use std::path::PathBuf;

use clap::Args;

use super::{EXIT_ERROR, EXIT_OK};

/// Summarise a run (a `score --out` directory) as Markdown, by agent
/// version: calls, transfers, the pass rate of each dimension, and the most
/// common failures with one real example each.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// The run directory.
    run: PathBuf,
    /// How many kinds of failure to list.
    #[arg(long, default_value_t = 8)]
    top: usize,
}

pub fn run(args: ReportArgs) -> anyhow::Result<u8> {
    match crate::report::run_report::render(&args.run, args.top) {
        Ok(markdown) => {
            print!("{markdown}");
            Ok(EXIT_OK)
        }
        Err(err) => {
            eprintln!("error: {err}");
            Ok(EXIT_ERROR)
        }
    }
}

//! `handoff-eval schema rubric|trace`: the JSON Schemas of the two inputs.

use clap::{Args, ValueEnum};

use super::EXIT_OK;

/// The rubric schema, also committed as rubrics/rubric.schema.json.
pub const RUBRIC: &str = include_str!("../../rubrics/rubric.schema.json");
/// The handoff-trace/v1 schema, also committed as rubrics/trace.schema.json.
pub const TRACE: &str = include_str!("../../rubrics/trace.schema.json");

/// Print the JSON Schema of a rubric (for editor completion and validation
/// of rubric YAML) or of one handoff-trace/v1 line.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Which schema to print.
    #[arg(value_enum)]
    which: Which,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum Which {
    /// A rubric (YAML), as rubrics/rubric.schema.json.
    Rubric,
    /// One handoff-trace/v1 line, as rubrics/trace.schema.json.
    Trace,
}

pub fn run(args: SchemaArgs) -> anyhow::Result<u8> {
    let mut screen = super::screen::Screen::new();
    screen.print(match args.which {
        Which::Rubric => RUBRIC,
        Which::Trace => TRACE,
    })?;
    screen.flush()?;
    Ok(EXIT_OK)
}

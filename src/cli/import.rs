//! `handoff-eval import`: other recordings to handoff-trace/v1 JSONL.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use super::screen::Screen;
use super::{EXIT_ERROR, EXIT_OK};
use crate::import::{Format, ImportCounts, ImportError, ImportSink, Options};
use crate::report::escape::controls;

/// Convert tau-bench, tau2-bench, OpenAI chat messages, OpenTelemetry GenAI
/// traces, Amazon Connect or Genesys Cloud exports to handoff-trace/v1 JSONL.
/// A record that cannot be converted is reported by file and record; the
/// rest are converted. Inputs may be gzip (.gz) or Zstandard (.zst)
/// compressed; the output is plain JSONL.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The source format.
    #[arg(long = "from", value_enum)]
    format: Format,
    /// Files, or directories of *.json and *.jsonl files (plain, .gz or .zst).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (default: standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Exit with code 2 if any record is rejected.
    #[arg(long)]
    strict: bool,
    #[command(flatten)]
    options: ImportOptions,
}

/// Options shared by `import` and `score --input-format`.
#[derive(Debug, Args, Clone)]
pub struct ImportOptions {
    /// The tool whose call is the escalation to a human.
    #[arg(long, default_value = "transfer_to_human_agents", value_name = "NAME")]
    escalation_tool: String,
    /// Set every conversation's agentVersion (default: what the source says).
    #[arg(long, value_name = "VERSION")]
    agent_version: Option<String>,
}

impl ImportOptions {
    pub fn options(&self) -> Options {
        Options {
            escalation_tool: self.escalation_tool.clone(),
            agent_version: self.agent_version.clone(),
        }
    }
}

/// How many import errors are printed; the rest are counted.
const PRINTED: usize = 20;

/// Writes conversations as JSONL and reports errors on stderr.
pub struct JsonlSink<W: Write> {
    pub out: W,
    pub errors: Vec<ImportError>,
    pub error_count: usize,
}

impl<W: Write> JsonlSink<W> {
    pub fn new(out: W) -> Self {
        JsonlSink {
            out,
            errors: Vec::new(),
            error_count: 0,
        }
    }
}

impl<W: Write> ImportSink for JsonlSink<W> {
    fn conversation(&mut self, conversation: Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &conversation)?;
        self.out.write_all(b"\n")
    }

    fn error(&mut self, error: ImportError) {
        self.error_count += 1;
        if self.error_count <= PRINTED {
            eprintln!("rejected: {}", controls(&error.to_string()));
        }
        if self.errors.len() < crate::report::summary::LISTED {
            self.errors.push(error);
        }
    }
}

/// Imports `inputs` into `sink`, printing the records it rejects on stderr.
pub fn import_into<W: Write>(
    format: Format,
    inputs: &[PathBuf],
    options: &ImportOptions,
    sink: &mut JsonlSink<W>,
) -> anyhow::Result<Option<ImportCounts>> {
    let files = match crate::import::resolve(inputs) {
        Ok(files) => files,
        Err(err) => {
            super::print_error(&err);
            return Ok(None);
        }
    };
    let counts = crate::import::import(format, &files, &options.options(), sink)?;
    sink.out.flush()?;
    if sink.error_count > PRINTED {
        eprintln!("rejected: ... and {} more", sink.error_count - PRINTED);
    }
    Ok(Some(counts))
}

/// What `import` says when it is done, on stderr (`score --input-format`
/// says it once, with its summary instead).
fn report(format: Format, counts: &ImportCounts) {
    eprintln!(
        "import ({format}): {} conversation(s) from {} record(s) in {} file(s); {} rejected{}",
        counts.imported,
        counts.records,
        counts.files,
        counts.rejected,
        skipped_note(counts)
    );
}

/// `; 3 part(s) skipped (attachment: 2, event transfer.succeeded: 1)`, or nothing.
pub fn skipped_note(counts: &ImportCounts) -> String {
    if counts.parts_skipped.is_empty() {
        return String::new();
    }
    let total: u64 = counts.parts_skipped.values().sum();
    let kinds: Vec<String> = counts
        .parts_skipped
        .iter()
        .map(|(kind, count)| format!("{kind}: {count}"))
        .collect();
    format!("; {total} part(s) skipped ({})", kinds.join(", "))
}

/// Writes to `-o FILE` (which appears only once complete), or to standard
/// output, where a closed pipe ends the output quietly (the import still
/// reports its counts).
pub fn run(args: ImportArgs) -> anyhow::Result<u8> {
    let imported = match &args.out {
        Some(path) => crate::run_dir::stream_into(path, |out| {
            import_into(
                args.format,
                &args.inputs,
                &args.options,
                &mut JsonlSink::new(out),
            )
        })
        .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut sink = JsonlSink::new(Screen::new());
            import_into(args.format, &args.inputs, &args.options, &mut sink)?
        }
    };
    let Some(counts) = imported else {
        return Ok(EXIT_ERROR);
    };
    report(args.format, &counts);
    if counts.imported == 0 || (args.strict && counts.rejected > 0) {
        return Ok(EXIT_ERROR);
    }
    Ok(EXIT_OK)
}

/// For `score --input-format`: imports into `dir/imported.jsonl` and
/// returns that file with the counts and the errors. The file is written
/// under a temporary name and renamed when complete, so an interrupted
/// import never leaves a shorter file that looks whole.
pub fn import_for_score(
    format: Format,
    inputs: &[PathBuf],
    options: &ImportOptions,
    dir: &Path,
) -> anyhow::Result<Option<(PathBuf, ImportCounts, Vec<ImportError>)>> {
    let path = dir.join(crate::run_dir::IMPORTED);
    let partial = dir.join(format!(".{}.partial", crate::run_dir::IMPORTED));
    let file =
        File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let mut sink = JsonlSink::new(BufWriter::with_capacity(1 << 20, file));
    let imported = import_into(format, inputs, options, &mut sink)
        .with_context(|| format!("cannot write {}", path.display()))
        .and_then(|counts| {
            if counts.is_some() {
                std::fs::rename(&partial, &path)
                    .with_context(|| format!("cannot write {}", path.display()))?;
            }
            Ok(counts)
        });
    if !matches!(imported, Ok(Some(_))) {
        let _ = std::fs::remove_file(&partial);
    }
    let Some(counts) = imported? else {
        return Ok(None);
    };
    Ok(Some((path, counts, sink.errors)))
}

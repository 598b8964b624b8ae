//! `handoff-eval import`: other recordings to handoff-trace/v1 JSONL.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use serde_json::Value;

use super::screen::{Screen, to_stderr};
use super::{EXIT_ERROR, EXIT_OK};
use crate::import::{Format, ImportCounts, ImportError, ImportSink, Options};
use crate::report::escape::controls;

/// Convert tau-bench, tau2-bench, OpenAI chat messages, OpenTelemetry GenAI
/// traces, Amazon Connect or Genesys Cloud exports to handoff-trace/v1 JSONL.
/// A record that cannot be converted is reported by file and record; the
/// rest are converted. Inputs may be gzip (.gz) or Zstandard (.zst)
/// compressed; the output is plain JSONL unless its name ends in .gz or
/// .zst. Exit codes: 0 done; 2 nothing importable, an input that cannot be
/// read to its end, or (with --strict) any rejected record.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The source format.
    #[arg(long = "from", value_enum)]
    format: Format,
    /// Files, or directories of *.json and *.jsonl files (plain, .gz or .zst;
    /// subdirectories included; files without an extension when they hold
    /// JSON).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Output file (default: standard output); gzip-compressed when it ends
    /// in .gz, Zstandard when it ends in .zst.
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Write every rejected record there, one JSON object per line ({file,
    /// record, error}); stderr then shows the first 20. Without it, every
    /// rejection is printed on stderr.
    #[arg(long, value_name = "FILE")]
    rejected: Option<PathBuf>,
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

/// How many import errors are printed when a file lists them all.
const PRINTED: usize = 20;

/// Writes conversations as JSONL; every rejection goes to a file of them
/// (the first 20 also to stderr) or, without one, to stderr.
pub struct JsonlSink<W: Write> {
    pub out: W,
    /// The first rejections, for `summary.json`.
    pub errors: Vec<ImportError>,
    pub error_count: usize,
    /// Where every rejection is written, one JSON object per line.
    rejected: Option<(PathBuf, Box<dyn Write>)>,
}

impl<W: Write> JsonlSink<W> {
    pub fn new(out: W) -> Self {
        JsonlSink {
            out,
            errors: Vec::new(),
            error_count: 0,
            rejected: None,
        }
    }

    /// Writes every rejection to `file` (named `path` in messages).
    pub fn with_rejected(mut self, path: PathBuf, file: Box<dyn Write>) -> Self {
        self.rejected = Some((path, file));
        self
    }

    /// Flushes the rejections' file, if any.
    pub fn flush_rejected(&mut self) -> io::Result<()> {
        match &mut self.rejected {
            Some((path, file)) => file
                .flush()
                .map_err(|err| io::Error::new(err.kind(), format!("{}: {err}", path.display()))),
            None => Ok(()),
        }
    }
}

/// One line of a rejections file: `{"file", "record", "error"}`.
#[derive(serde::Serialize)]
struct RejectedLine<'e> {
    file: &'e str,
    record: &'e str,
    error: &'e str,
}

impl<W: Write> ImportSink for JsonlSink<W> {
    fn conversation(&mut self, conversation: Value) -> io::Result<()> {
        serde_json::to_writer(&mut self.out, &conversation)?;
        self.out.write_all(b"\n")
    }

    fn error(&mut self, error: ImportError) -> io::Result<()> {
        self.error_count += 1;
        match &mut self.rejected {
            Some((path, file)) => {
                let line = RejectedLine {
                    file: &error.file,
                    record: &error.record,
                    error: &error.message,
                };
                serde_json::to_writer(&mut *file, &line)
                    .map_err(io::Error::from)
                    .and_then(|()| file.write_all(b"\n"))
                    .map_err(|err| {
                        io::Error::new(err.kind(), format!("{}: {err}", path.display()))
                    })?;
                if self.error_count <= PRINTED {
                    to_stderr!("rejected: {}", controls(&error.to_string()));
                }
            }
            None => to_stderr!("rejected: {}", controls(&error.to_string())),
        }
        if self.errors.len() < crate::report::summary::LISTED {
            self.errors.push(error);
        }
        Ok(())
    }

    fn note(&mut self, note: String) {
        to_stderr!("note: {}", controls(&note));
    }
}

/// Imports `inputs` into `sink`, printing the records it rejects on stderr.
pub fn import_into<W: Write>(
    format: Format,
    inputs: &[PathBuf],
    options: &ImportOptions,
    sink: &mut JsonlSink<W>,
) -> anyhow::Result<Option<ImportCounts>> {
    let (files, skipped) = match crate::import::resolve(inputs) {
        Ok(resolved) => resolved,
        Err(err) => {
            super::print_error(&err);
            return Ok(None);
        }
    };
    for note in crate::input::skipped_notes(&skipped) {
        to_stderr!("note: {}", controls(&note));
    }
    let mut counts = crate::import::import(format, &files, &options.options(), sink)?;
    counts.files_skipped = skipped.len() as u64;
    sink.out.flush()?;
    sink.flush_rejected()?;
    if let Some((path, _)) = &sink.rejected
        && sink.error_count > PRINTED
    {
        to_stderr!(
            "rejected: ... and {} more, all listed in {}",
            sink.error_count - PRINTED,
            controls(&path.display().to_string())
        );
    }
    Ok(Some(counts))
}

/// What `import` says when it is done, on stderr (`score --input-format`
/// says it once, with its summary instead).
fn report(format: Format, counts: &ImportCounts) {
    to_stderr!(
        "import ({format}): {} conversation(s) from {} record(s) in {} file(s); {} rejected{}{}{}",
        counts.imported,
        counts.records,
        counts.files,
        counts.rejected,
        if counts.unreadable > 0 {
            format!(
                " ({} file(s) could not be read to the end: the import is incomplete)",
                counts.unreadable
            )
        } else {
            String::new()
        },
        skipped_note(counts),
        if counts.files_skipped > 0 {
            format!("; {} file(s) skipped", counts.files_skipped)
        } else {
            String::new()
        }
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

/// Writes to `-o FILE` (which appears only once complete, compressed as
/// its name says), or to standard output, where a closed pipe ends the
/// output quietly (the import still reports its counts).
pub fn run(args: ImportArgs) -> anyhow::Result<u8> {
    let rejected = match &args.rejected {
        Some(path) => Some((
            path.clone(),
            File::create(path).with_context(|| format!("cannot write {}", path.display()))?,
        )),
        None => None,
    };
    fn sink<W: Write>(out: W, rejected: Option<&(PathBuf, File)>) -> io::Result<JsonlSink<W>> {
        let sink = JsonlSink::new(out);
        Ok(match rejected {
            Some((path, file)) => {
                sink.with_rejected(path.clone(), Box::new(BufWriter::new(file.try_clone()?)))
            }
            None => sink,
        })
    }
    let imported = match &args.out {
        Some(path) => crate::run_dir::stream_into(path, |out| {
            let mut sink = sink(
                crate::input::Encoder::for_name(path, out),
                rejected.as_ref(),
            )?;
            let counts = import_into(args.format, &args.inputs, &args.options, &mut sink)?;
            sink.out.finish()?;
            anyhow::Ok(counts)
        })
        .with_context(|| format!("cannot write {}", path.display()))?,
        None => {
            let mut sink = sink(
                crate::input::Encoder::Plain(Screen::new()),
                rejected.as_ref(),
            )?;
            let counts = import_into(args.format, &args.inputs, &args.options, &mut sink)?;
            sink.out.finish()?.flush()?;
            counts
        }
    };
    let Some(counts) = imported else {
        return Ok(EXIT_ERROR);
    };
    report(args.format, &counts);
    if counts.imported == 0 {
        to_stderr!("error: nothing could be imported");
        return Ok(EXIT_ERROR);
    }
    if counts.unreadable > 0 {
        to_stderr!(
            "error: {} input file(s) could not be read to the end; what came before was imported",
            counts.unreadable
        );
        return Ok(EXIT_ERROR);
    }
    if args.strict && counts.rejected > 0 {
        to_stderr!(
            "error: {} record(s) rejected and --strict is set",
            counts.rejected
        );
        return Ok(EXIT_ERROR);
    }
    Ok(EXIT_OK)
}

/// For `score --input-format`: imports into `dir/imported.jsonl` and
/// returns that file with the counts and the first rejections; every
/// rejection is also written to `rejected` (the run's `rejected.jsonl`).
/// The file is written under a temporary name and renamed when complete,
/// so an interrupted import never leaves a shorter file that looks whole.
pub fn import_for_score(
    format: Format,
    inputs: &[PathBuf],
    options: &ImportOptions,
    dir: &Path,
    rejected: Box<dyn Write>,
) -> anyhow::Result<Option<(PathBuf, ImportCounts, Vec<ImportError>)>> {
    let path = dir.join(crate::run_dir::IMPORTED);
    let partial = dir.join(format!(".{}.partial", crate::run_dir::IMPORTED));
    let file =
        File::create(&partial).with_context(|| format!("cannot create {}", partial.display()))?;
    let mut sink = JsonlSink::new(BufWriter::with_capacity(1 << 20, file))
        .with_rejected(dir.join(crate::run_dir::REJECTED), rejected);
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

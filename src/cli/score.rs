//! `handoff-eval score`: score conversations and write the scorecards.

use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::screen::{Screen, to_stderr};
use super::{EXIT_ERROR, EXIT_OK};
use crate::report::escape::controls;
use crate::report::stream_file::StreamFile;
use crate::report::summary::{LISTED, RubricInfo, Summary};
use crate::run::{Duplicate, Rejection, RunConfig, Sink};
use crate::run_dir::{
    CALLS, InputRecord, Manifest, REJECTED, RubricId, RunWriter, SUMMARY, Settings,
};
use crate::trace::Input;

/// Score conversations against a rubric; write calls.jsonl, summary.json,
/// rejected.jsonl and manifest.json to --out, and print a summary table.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The rubric (YAML).
    #[arg(long, short)]
    rubric: PathBuf,
    /// JSONL files, directories of *.jsonl, or - for standard input (with
    /// --input-format: files or directories of *.json and *.jsonl); each
    /// may be gzip (.gz) or Zstandard (.zst) compressed.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Read another format directly: it is converted into OUT/imported.jsonl
    /// (as `import` does), then scored.
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<crate::import::Format>,
    #[command(flatten)]
    import: super::import::ImportOptions,
    /// Directory for calls.jsonl, summary.json, rejected.jsonl and
    /// manifest.json (locked while the run writes it).
    #[arg(long, short, default_value = "handoff-eval-out")]
    out: PathBuf,
    /// Continue the interrupted run in --out (same rubric, inputs and
    /// options): its complete scorecard lines are kept and the rest is
    /// scored; judge replies already cached are not asked for again.
    #[arg(long)]
    resume: bool,
    /// Exit with code 2 if any input line is rejected.
    #[arg(long)]
    strict: bool,
    /// Also slice the aggregate by this metadata key (repeatable).
    #[arg(long = "by", value_name = "KEY")]
    by: Vec<String>,
    /// What goes to standard output: the summary `table`, the call
    /// scorecards as `yaml` documents (stable and diff-friendly, for
    /// snapshot tests), or `json` (summary.json).
    #[arg(long, value_enum, default_value_t = Format::Table)]
    format: Format,
    /// Worker threads that parse and score (default: one per core; at most
    /// twice the cores, or 64); the main thread reads the input and writes
    /// the results.
    #[arg(long, value_parser = super::thread_count)]
    threads: Option<usize>,
    /// The longest input line, in bytes (`64MiB`, `512KiB`, `1000000`;
    /// `KiB`, `MiB`, `GiB` are powers of 1024, `kB`, `MB`, `GB` powers of
    /// 1000); a longer line is rejected with its file and line, and skipped.
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    max_line_bytes: u64,
    /// Lines per batch handed to the workers.
    #[arg(long, default_value_t = 1024, hide = true)]
    batch_size: usize,
    #[command(flatten)]
    judge: super::judge_args::JudgeArgs,
    /// After scoring, gate this run against a baseline run (a `score --out`
    /// directory); writes gate.md, gate.json and gate.junit.xml to --out
    /// and exits as `gate` does.
    #[arg(long, value_name = "RUN", help_heading = "Gate")]
    baseline: Option<PathBuf>,
    #[command(flatten, next_help_heading = "Gate")]
    gate: super::gate::GateOptions,
    #[command(flatten)]
    html: super::html_args::HtmlArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Format {
    Table,
    Yaml,
    Json,
}

/// A size in bytes: a number, optionally with a unit, in either family
/// (IEC 80000-13): `KiB`, `MiB`, `GiB` are powers of 1024, `kB`, `MB`, `GB`
/// powers of 1000 (case does not matter). A bare `K`, `M` or `G` is
/// refused: it means 1000 to some tools and 1024 to others.
fn parse_size(text: &str) -> Result<u64, String> {
    let trimmed = text.trim();
    let digits = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(trimmed.len());
    let (number, unit) = trimmed.split_at(digits);
    let number: u64 = number
        .parse()
        .map_err(|_| format!("expected a size such as 64MiB, found `{text}`"))?;
    let factor: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kib" => 1 << 10,
        "mib" => 1 << 20,
        "gib" => 1 << 30,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        short @ ("k" | "m" | "g") => {
            let upper = short.to_ascii_uppercase();
            return Err(format!(
                "ambiguous unit `{}`: write {upper}iB (powers of 1024) or {}B (powers of 1000)",
                unit.trim(),
                if short == "k" { "k" } else { upper.as_str() }
            ));
        }
        other => {
            return Err(format!(
                "unknown unit `{other}` (use KiB, MiB, GiB or kB, MB, GB)"
            ));
        }
    };
    match number.checked_mul(factor) {
        Some(0) | None => Err(format!("expected a size above zero, found `{text}`")),
        Some(bytes) => Ok(bytes),
    }
}

/// How many rejections and duplicates are printed on stderr; the rest are
/// counted there and listed in rejected.jsonl.
const PRINTED: u64 = 20;

/// `io_error`, naming the file it happened on.
fn named(path: &Path, err: io::Error) -> io::Error {
    io::Error::new(
        err.kind(),
        format!("cannot write {}: {err}", path.display()),
    )
}

struct Files<'s> {
    calls: StreamFile,
    calls_path: PathBuf,
    rejected_file: BufWriter<File>,
    rejected_path: PathBuf,
    rejected: Vec<Rejection>,
    rejected_count: u64,
    duplicates: Vec<Duplicate>,
    duplicate_count: u64,
    progress: ProgressBar,
    /// With `--format yaml`: each card as YAML on standard output.
    yaml: Option<&'s mut Screen>,
}

impl Files<'_> {
    fn print_yaml(&mut self, json: &[u8]) -> io::Result<()> {
        if let Some(out) = &mut self.yaml
            && !out.is_closed()
        {
            let card: serde_json::Value = serde_json::from_slice(json)?;
            out.print(&crate::report::yaml::document(&card))?;
        }
        Ok(())
    }
}

impl Sink for Files<'_> {
    fn call(&mut self, json: &[u8]) -> io::Result<()> {
        self.print_yaml(json)?;
        self.calls
            .write_all(json)
            .map_err(|err| named(&self.calls_path, err))
    }

    fn kept(&mut self, json: &[u8]) -> io::Result<()> {
        self.print_yaml(json)
    }

    fn checkpoint(&mut self) -> io::Result<()> {
        self.calls
            .flush()
            .map_err(|err| named(&self.calls_path, err))
    }

    fn rejected(&mut self, rejection: &Rejection) -> io::Result<()> {
        self.rejected_count += 1;
        if self.rejected_count <= PRINTED {
            self.progress
                .suspend(|| to_stderr!("rejected: {}", controls(&rejection.to_string())));
        }
        if self.rejected.len() < LISTED {
            self.rejected.push(rejection.clone());
        }
        serde_json::to_writer(&mut self.rejected_file, rejection)?;
        self.rejected_file
            .write_all(b"\n")
            .map_err(|err| named(&self.rejected_path, err))
    }

    fn duplicate(&mut self, duplicate: &Duplicate) {
        self.duplicate_count += 1;
        if self.duplicate_count <= PRINTED {
            self.progress.suspend(|| {
                to_stderr!(
                    "warning: {}:{}: duplicate conversationId `{}` (seen earlier in this run; scored again)",
                    controls(&duplicate.file),
                    duplicate.line,
                    controls(&duplicate.conversation_id)
                )
            });
        }
        if self.duplicates.len() < LISTED {
            self.duplicates.push(duplicate.clone());
        }
    }

    fn progress(&mut self, _lines: u64, bytes: u64) {
        self.progress.set_position(bytes);
    }
}

fn progress_bar(inputs: &[Input]) -> ProgressBar {
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    if in_ci || !io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    // Bytes read are counted decoded: a compressed file's size is no total.
    let total: Option<u64> = inputs
        .iter()
        .map(|input| match input {
            Input::File(path) if !input.is_compressed() => fs::metadata(path)
                .ok()
                .filter(fs::Metadata::is_file)
                .map(|m| m.len()),
            _ => None,
        })
        .sum();
    let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::stderr());
    let template = match total {
        Some(_) => {
            "{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})"
        }
        None => "{spinner} [{elapsed_precise}] {bytes} ({bytes_per_sec})",
    };
    bar.set_style(ProgressStyle::with_template(template).expect("progress template is valid"));
    bar
}

/// What a run is made from, known before anything is written: the rubric,
/// the inputs to score (none yet with --input-format: the import makes
/// them), and each input file with its size and fingerprint.
struct Plan {
    rubric: crate::rubric::Rubric,
    inputs: Vec<Input>,
    records: Vec<InputRecord>,
}

/// The rubric and inputs, checked; `None` once the problems are printed.
fn plan(args: &ScoreArgs) -> anyhow::Result<Option<Plan>> {
    let record = |path: &Path| {
        InputRecord::file(path).with_context(|| format!("cannot read {}", path.display()))
    };
    if args.input_format.is_none() {
        let Some((rubric, inputs)) =
            super::rubric_and_inputs(&args.rubric, &args.inputs, args.judge.prompt_roots())
        else {
            return Ok(None);
        };
        let records = inputs
            .iter()
            .map(|input| match input {
                Input::File(path) => record(path),
                Input::Stdin => Ok(InputRecord::stdin()),
            })
            .collect::<anyhow::Result<_>>()?;
        return Ok(Some(Plan {
            rubric,
            inputs,
            records,
        }));
    }
    let rubric = crate::rubric::load_with(&args.rubric, args.judge.prompt_roots())
        .map_err(|err| to_stderr!("{err}"));
    let sources = crate::import::resolve(&args.inputs)
        .map(|(files, _)| files)
        .map_err(|err| to_stderr!("error: {}", controls(&err)));
    let (Ok(rubric), Ok(sources)) = (rubric, sources) else {
        return Ok(None);
    };
    let records = sources
        .iter()
        .map(|path| record(path))
        .collect::<anyhow::Result<_>>()?;
    Ok(Some(Plan {
        rubric,
        inputs: Vec::new(),
        records,
    }))
}

pub fn run(args: ScoreArgs) -> anyhow::Result<u8> {
    let mut screen = Screen::new();
    let code = score(&args, &mut screen)?;
    screen.flush()?;
    Ok(code)
}

fn score(args: &ScoreArgs, screen: &mut Screen) -> anyhow::Result<u8> {
    let runs: Vec<&Path> = std::iter::once(args.out.as_path())
        .chain(args.baseline.as_deref())
        .collect();
    if let Err(why) = args.html.check(&runs, &args.inputs) {
        eprintln!("error: {}", controls(&why));
        return Ok(EXIT_ERROR);
    }
    let Some(plan) = plan(args)? else {
        return Ok(EXIT_ERROR);
    };
    let judge = args.judge.runner(&plan.rubric)?;
    let rubric = &plan.rubric;
    let manifest = Manifest::new(
        RubricId {
            name: rubric.name.clone(),
            version: rubric.version.clone(),
            hash: rubric.hash.clone(),
        },
        Settings {
            slice_keys: args.by.clone(),
            judge: args.judge.describe(&judge),
            input_format: args.input_format.map(|f| f.to_string()),
            max_line_bytes: args.max_line_bytes,
        },
        plan.records.clone(),
    );
    // Nothing in --out is touched before these hold.
    let files: Vec<PathBuf> = plan
        .records
        .iter()
        .map(|r| PathBuf::from(&r.path))
        .collect();
    if let Err(err) = crate::run_dir::check_inputs(&args.out, &args.inputs, &files) {
        to_stderr!("error: {}", controls(&err.to_string()));
        return Ok(EXIT_ERROR);
    }
    if let Some(baseline) = &args.baseline
        && !super::gate::check_before_scoring(baseline, &args.out, &rubric.hash, &args.gate)
    {
        return Ok(EXIT_ERROR);
    }
    let begun = if args.resume {
        RunWriter::resume(&args.out, manifest)
    } else {
        RunWriter::create(&args.out, manifest)
    };
    let mut run = match begun {
        Ok(run) => run,
        Err(err) => {
            to_stderr!("error: {}", controls(&err.to_string()));
            return Ok(EXIT_ERROR);
        }
    };
    match write_run(args, &mut run, plan, &judge, screen) {
        Ok(Ok(code)) => Ok(code),
        Ok(Err(failure)) => {
            run.fail(&failure);
            Ok(EXIT_ERROR)
        }
        Err(err) => {
            // A resume found impossible half-way leaves the interrupted run
            // as it was, to be scored again without --resume.
            if err
                .downcast_ref::<io::Error>()
                .is_some_and(crate::run::NotResumable::is)
            {
                run.abandon(&format!("{err:#}"));
            } else {
                run.fail(&format!("{err:#}"));
            }
            Err(err)
        }
    }
}

/// Scores into the locked run and completes it; `Ok(Err(why))` when the
/// run cannot complete for a reason already printed.
fn write_run(
    args: &ScoreArgs,
    run: &mut RunWriter,
    plan: Plan,
    judge: &crate::judge::runner::JudgeRunner,
    screen: &mut Screen,
) -> anyhow::Result<Result<u8, String>> {
    let Plan {
        rubric, mut inputs, ..
    } = plan;
    let mut import = None;
    // rejected.jsonl holds every rejection: the import's records first.
    let rejected_file = run.create_file(REJECTED)?;
    if let Some(format) = args.input_format {
        let for_import = rejected_file
            .try_clone()
            .map_err(|err| named(&run.dir().join(REJECTED), err))?;
        let Some((path, counts, rejected)) = super::import::import_for_score(
            format,
            &args.inputs,
            &args.import,
            run.dir(),
            Box::new(BufWriter::with_capacity(1 << 20, for_import)),
        )?
        else {
            return Ok(Err("the inputs could not be imported".to_string()));
        };
        if counts.imported == 0 {
            to_stderr!(
                "error: nothing could be imported from the input ({format}); nothing to score"
            );
            return Ok(Err("nothing could be imported".to_string()));
        }
        if counts.unreadable > 0 {
            let why = format!(
                "{} input file(s) could not be read to the end",
                counts.unreadable
            );
            to_stderr!("error: {why}; the run is not complete");
            return Ok(Err(why));
        }
        import = Some(crate::report::summary::ImportSummary {
            format: format.to_string(),
            file: path.display().to_string(),
            counts,
            rejected,
        });
        inputs = vec![Input::File(path)];
    }
    let input_names: Vec<String> = match &import {
        Some(_) => args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        None => inputs.iter().map(Input::display_name).collect(),
    };
    let kept = run.kept()?;
    if let Some(kept) = &kept {
        to_stderr!(
            "resuming {}: {} scorecard line(s) kept, scoring the rest",
            controls(&run.dir().display().to_string()),
            kept.count
        );
    }
    let (calls, offset) = run.calls_file()?;
    let format = args.format;
    let mut files = Files {
        calls: StreamFile::at(calls, offset),
        calls_path: run.dir().join(CALLS),
        rejected_file: BufWriter::with_capacity(1 << 20, rejected_file),
        rejected_path: run.dir().join(REJECTED),
        rejected: Vec::new(),
        rejected_count: 0,
        duplicates: Vec::new(),
        duplicate_count: 0,
        progress: progress_bar(&inputs),
        yaml: (format == Format::Yaml).then_some(&mut *screen),
    };
    let config = RunConfig {
        threads: args.threads,
        batch_size: args.batch_size,
        slice_keys: args.by.clone(),
        max_line_bytes: usize::try_from(args.max_line_bytes).unwrap_or(usize::MAX),
        ..RunConfig::default()
    };
    let inputs_compressed = inputs.iter().any(Input::is_compressed);
    let outcome = crate::run::run_after(&rubric, inputs, &config, judge, &mut files, kept)?;
    let judge_account = judge.account();
    files.progress.finish_and_clear();
    files
        .calls
        .flush()
        .map_err(|err| named(&files.calls_path, err))?;
    files
        .rejected_file
        .flush()
        .map_err(|err| named(&files.rejected_path, err))?;
    if files.rejected_count > PRINTED {
        to_stderr!(
            "rejected: ... and {} more, all listed in {}",
            files.rejected_count - PRINTED,
            files.rejected_path.display()
        );
    }
    if files.duplicate_count > PRINTED {
        to_stderr!(
            "warning: ... and {} more duplicate conversation ids",
            files.duplicate_count - PRINTED
        );
    }
    // Bytes read are decoded bytes: comparable with the sizes on disk only
    // when nothing was decompressed.
    let bytes_read = (import.is_none() && !inputs_compressed)
        .then_some(outcome.lines.bytes_per_input.as_slice());
    let changed = crate::run_dir::changed_inputs(&run.manifest().inputs, bytes_read);
    if !changed.is_empty() {
        let why = changed.join("; ");
        to_stderr!(
            "error: {}; the run is not complete, score it again",
            controls(&why)
        );
        return Ok(Err(why));
    }
    let summary = Summary {
        tool: "handoff-eval",
        tool_version: env!("CARGO_PKG_VERSION"),
        rubric: RubricInfo::new(&rubric),
        inputs: input_names,
        lines: &outcome.lines,
        rejected: &files.rejected,
        duplicate_ids: &files.duplicates,
        aggregate: &outcome.aggregate,
        judge: &judge_account,
        import: import.as_ref(),
    };
    let mut summary_json = serde_json::to_vec_pretty(&summary)?;
    summary_json.push(b'\n');
    let import_rejected = import.as_ref().map_or(0, |i| i.counts.rejected);
    run.complete(
        &summary_json,
        outcome.lines.read,
        outcome.lines.scored,
        outcome.lines.rejected + import_rejected,
    )?;

    // Every file is complete: what follows only prints.
    let wrote = format!(
        "wrote {}, {} and {}",
        run.dir().join(CALLS).display(),
        run.dir().join(SUMMARY).display(),
        run.dir().join(REJECTED).display()
    );
    match format {
        Format::Table => {
            let width = terminal_width();
            screen.print(&crate::report::table::render(
                &rubric,
                &outcome.lines,
                &outcome.aggregate,
                width,
            ))?;
            if let Some(line) = crate::report::table::judge_line(&judge_account) {
                screen.line(&line)?;
            }
            if let Some(import) = &import {
                screen.line(&format!(
                    "import ({}): {} conversation(s) from {} record(s); {} record(s) rejected{}{}",
                    import.format,
                    import.counts.imported,
                    import.counts.records,
                    import.counts.rejected,
                    if import.counts.rejected > 0 {
                        " (listed in rejected.jsonl)"
                    } else {
                        ""
                    },
                    super::import::skipped_note(&import.counts)
                ))?;
            }
            screen.line(&format!("\n{}", controls(&wrote)))?;
        }
        Format::Yaml | Format::Json => {
            if format == Format::Json {
                screen.print(&String::from_utf8_lossy(&summary_json))?;
            }
            if let Some(line) = crate::report::table::judge_line(&judge_account) {
                to_stderr!("{line}");
            }
            to_stderr!("{}", controls(&wrote));
        }
    }
    if args.strict && outcome.lines.rejected + import_rejected > 0 {
        to_stderr!(
            "error: {} line(s) and {import_rejected} imported record(s) rejected and --strict is set",
            outcome.lines.rejected
        );
        return Ok(Ok(EXIT_ERROR));
    }
    match &args.baseline {
        None => {
            if let Some(wrote) = args.html.write_run(run.dir())? {
                to_stderr!("{wrote}");
            }
            Ok(Ok(EXIT_OK))
        }
        Some(baseline) => {
            screen.line("")?;
            let options = args.gate.clone().written_to(run.dir());
            super::gate::gate(baseline, run.dir(), &options, &args.html, screen).map(Ok)
        }
    }
}

fn terminal_width() -> Option<u16> {
    if io::stdout().is_terminal() {
        None
    } else {
        Some(120)
    }
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn sizes_read_with_binary_and_decimal_units() {
        assert_eq!(parse_size("64MiB"), Ok(64 << 20));
        assert_eq!(parse_size("512 KiB"), Ok(512 << 10));
        assert_eq!(parse_size("1000000"), Ok(1_000_000));
        assert_eq!(parse_size("2gib"), Ok(2 << 30));
        assert_eq!(parse_size("6kb"), Ok(6_000));
        assert_eq!(parse_size("6kB"), Ok(6_000));
        assert_eq!(parse_size("64MB"), Ok(64_000_000));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        let err = parse_size("2g").unwrap_err();
        assert!(err.contains("write GiB") && err.contains("or GB"), "{err}");
        assert!(parse_size("8k").unwrap_err().contains("or kB"));
        assert!(parse_size("0").is_err());
        assert!(parse_size("64 parsecs").is_err());
        assert!(parse_size("MiB").is_err());
    }
}

//! `handoff-eval score`: score conversations and write the scorecards.

use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{EXIT_ERROR, EXIT_OK};
use crate::report::stream_file::StreamFile;
use crate::report::summary::{LISTED, RubricInfo, Summary};
use crate::run::{Duplicate, Rejection, RunConfig, Sink};
use crate::trace::Input;

/// Score conversations against a rubric; write calls.jsonl, summary.json and
/// rejected.jsonl to --out, and print a summary table.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The rubric (YAML).
    #[arg(long, short)]
    rubric: PathBuf,
    /// JSONL files, directories of *.jsonl, or - for standard input (with
    /// --input-format: files or directories of *.json and *.jsonl).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Read another format directly: it is converted into OUT/imported.jsonl
    /// (as `import` does), then scored.
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<crate::import::Format>,
    #[command(flatten)]
    import: super::import::ImportOptions,
    /// Directory for calls.jsonl, summary.json and rejected.jsonl.
    #[arg(long, short, default_value = "handoff-eval-out")]
    out: PathBuf,
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
    /// Worker threads that parse and score (default: one per core); the
    /// main thread reads the input and writes the results.
    #[arg(long)]
    threads: Option<usize>,
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

/// How many rejections and duplicates are printed on stderr; the rest are
/// counted there and listed in rejected.jsonl.
const PRINTED: u64 = 20;

struct Files {
    calls: StreamFile,
    rejected_file: BufWriter<File>,
    rejected: Vec<Rejection>,
    rejected_count: u64,
    duplicates: Vec<Duplicate>,
    duplicate_count: u64,
    progress: ProgressBar,
    /// With `--format yaml`: each card as YAML on standard output.
    yaml: Option<BufWriter<io::Stdout>>,
}

impl Sink for Files {
    fn call(&mut self, json: &[u8]) -> io::Result<()> {
        if let Some(out) = &mut self.yaml {
            let card: serde_json::Value = serde_json::from_slice(json)?;
            out.write_all(crate::report::yaml::document(&card).as_bytes())?;
        }
        self.calls.write_all(json)
    }

    fn rejected(&mut self, rejection: &Rejection) -> io::Result<()> {
        self.rejected_count += 1;
        if self.rejected_count <= PRINTED {
            self.progress.suspend(|| eprintln!("rejected: {rejection}"));
        }
        if self.rejected.len() < LISTED {
            self.rejected.push(rejection.clone());
        }
        serde_json::to_writer(&mut self.rejected_file, rejection)?;
        self.rejected_file.write_all(b"\n")
    }

    fn duplicate(&mut self, duplicate: &Duplicate) {
        self.duplicate_count += 1;
        if self.duplicate_count <= PRINTED {
            self.progress.suspend(|| {
                eprintln!(
                    "warning: {}:{}: duplicate conversationId `{}` (seen earlier in this run; scored again)",
                    duplicate.file, duplicate.line, duplicate.conversation_id
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
    let total: u64 = inputs
        .iter()
        .filter_map(|input| match input {
            Input::File(path) => fs::metadata(path).ok().map(|m| m.len()),
            Input::Stdin => None,
        })
        .sum();
    let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::stderr());
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {bytes}/{total_bytes} ({bytes_per_sec}, eta {eta})")
            .expect("progress template is valid"),
    );
    bar
}

/// The rubric, the inputs to score and, with --input-format, what the
/// import did; `None` once the problems have been printed.
type Prepared = (
    crate::rubric::Rubric,
    Vec<Input>,
    Option<crate::report::summary::ImportSummary>,
);

/// Creates --out only once the rubric (and the inputs) are known good.
fn prepare(args: &ScoreArgs) -> anyhow::Result<Option<Prepared>> {
    let Some(format) = args.input_format else {
        let Some((rubric, inputs)) = super::rubric_and_inputs(&args.rubric, &args.inputs) else {
            return Ok(None);
        };
        create_out(args)?;
        return Ok(Some((rubric, inputs, None)));
    };
    let rubric = match crate::rubric::load(&args.rubric) {
        Ok(rubric) => rubric,
        Err(err) => {
            eprintln!("{err}");
            return Ok(None);
        }
    };
    create_out(args)?;
    let Some((path, counts, rejected)) =
        super::import::import_for_score(format, &args.inputs, &args.import, &args.out)?
    else {
        return Ok(None);
    };
    let summary = crate::report::summary::ImportSummary {
        format: format.to_string(),
        file: path.display().to_string(),
        counts,
        rejected,
    };
    Ok(Some((rubric, vec![Input::File(path)], Some(summary))))
}

fn create_out(args: &ScoreArgs) -> anyhow::Result<()> {
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))
}

pub fn run(args: ScoreArgs) -> anyhow::Result<u8> {
    let Some((rubric, inputs, import)) = prepare(&args)? else {
        return Ok(EXIT_ERROR);
    };
    let create = |name: &str| -> anyhow::Result<File> {
        let path = args.out.join(name);
        File::create(&path).with_context(|| format!("cannot create {}", path.display()))
    };
    let input_names: Vec<String> = match &import {
        Some(_) => args
            .inputs
            .iter()
            .map(|p| p.display().to_string())
            .collect(),
        None => inputs.iter().map(Input::display_name).collect(),
    };
    let mut files = Files {
        calls: StreamFile::new(create("calls.jsonl")?),
        rejected_file: BufWriter::with_capacity(1 << 20, create("rejected.jsonl")?),
        rejected: Vec::new(),
        rejected_count: 0,
        duplicates: Vec::new(),
        duplicate_count: 0,
        progress: progress_bar(&inputs),
        yaml: (args.format == Format::Yaml).then(|| BufWriter::new(io::stdout())),
    };
    let config = RunConfig {
        threads: args.threads,
        batch_size: args.batch_size,
        slice_keys: args.by.clone(),
    };
    let judge = args.judge.runner(&rubric)?;
    let outcome = crate::run::run(&rubric, inputs, &config, &judge, &mut files)?;
    let judge_account = judge.account();
    files.progress.finish_and_clear();
    files.calls.flush()?;
    files.rejected_file.flush()?;
    if let Some(out) = &mut files.yaml {
        out.flush()?;
    }
    if files.rejected_count > PRINTED {
        eprintln!(
            "rejected: ... and {} more, all listed in {}",
            files.rejected_count - PRINTED,
            args.out.join("rejected.jsonl").display()
        );
    }
    if files.duplicate_count > PRINTED {
        eprintln!(
            "warning: ... and {} more duplicate conversation ids",
            files.duplicate_count - PRINTED
        );
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
    let summary_path = args.out.join("summary.json");
    let mut writer = create("summary.json")?;
    serde_json::to_writer_pretty(&mut writer, &summary)?;
    writer.write_all(b"\n")?;
    writer.flush()?;

    let wrote = format!(
        "wrote {}, {} and {}",
        args.out.join("calls.jsonl").display(),
        summary_path.display(),
        args.out.join("rejected.jsonl").display()
    );
    match args.format {
        Format::Table => {
            let width = terminal_width();
            print!(
                "{}",
                crate::report::table::render(&rubric, &outcome.lines, &outcome.aggregate, width)
            );
            if let Some(line) = crate::report::table::judge_line(&judge_account) {
                println!("{line}");
            }
            if let Some(import) = &import {
                println!(
                    "import ({}): {} conversation(s) from {} record(s); {} record(s) rejected{}",
                    import.format,
                    import.counts.imported,
                    import.counts.records,
                    import.counts.rejected,
                    if import.counts.rejected > 0 {
                        " (listed in summary.json)"
                    } else {
                        ""
                    }
                );
            }
            println!("\n{wrote}");
        }
        Format::Yaml | Format::Json => {
            if args.format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&summary)?);
            }
            if let Some(line) = crate::report::table::judge_line(&judge_account) {
                eprintln!("{line}");
            }
            eprintln!("{wrote}");
        }
    }
    let import_rejected = import.as_ref().map_or(0, |i| i.counts.rejected);
    if args.strict && outcome.lines.rejected + import_rejected > 0 {
        eprintln!(
            "error: {} line(s) and {import_rejected} imported record(s) rejected and --strict is set",
            outcome.lines.rejected
        );
        return Ok(EXIT_ERROR);
    }
    match &args.baseline {
        None => {
            if let Some(wrote) = args.html.write_run(&args.out)? {
                eprintln!("{wrote}");
            }
            Ok(EXIT_OK)
        }
        Some(baseline) => {
            println!();
            let options = args.gate.clone().written_to(&args.out);
            super::gate::gate(baseline, &args.out, &options, &args.html)
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

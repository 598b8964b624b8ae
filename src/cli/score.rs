//! `handoff-eval score`: score conversations and write the scorecards.

use std::fs::{self, File};
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use super::{EXIT_ERROR, EXIT_OK};
use crate::judge::cache::{Cache, CacheMode};
use crate::judge::client::{JudgeClient, JudgeSettings};
use crate::judge::runner::{JudgeRunner, LiveOptions};
use crate::report::summary::{LISTED, RubricInfo, Summary};
use crate::run::{Duplicate, Rejection, RunConfig, Sink};
use crate::trace::{Input, resolve_inputs};

/// Score conversations against a rubric; write calls.jsonl, summary.json and
/// rejected.jsonl to --out, and print a summary table.
#[derive(Debug, Args)]
pub struct ScoreArgs {
    /// The rubric (YAML).
    #[arg(long, short)]
    rubric: PathBuf,
    /// JSONL files, directories of *.jsonl, or - for standard input.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// Directory for calls.jsonl, summary.json and rejected.jsonl.
    #[arg(long, short, default_value = "handoff-eval-out")]
    out: PathBuf,
    /// Exit with code 2 if any input line is rejected.
    #[arg(long)]
    strict: bool,
    /// Also slice the aggregate by this metadata key (repeatable).
    #[arg(long = "by", value_name = "KEY")]
    by: Vec<String>,
    /// Worker threads (default: one per core).
    #[arg(long)]
    threads: Option<usize>,
    /// Lines per batch handed to the workers.
    #[arg(long, default_value_t = 1024, hide = true)]
    batch_size: usize,
    #[command(flatten)]
    judge: JudgeArgs,
}

/// Judge checks: an OpenAI-compatible endpoint.
#[derive(Debug, Args)]
pub struct JudgeArgs {
    /// `auto`: call the judge when one is configured, else report judge
    /// checks as unscored; `off`: do not run judge checks (n/a).
    #[arg(long = "judge", value_enum, default_value_t = JudgeSwitch::Auto)]
    switch: JudgeSwitch,
    /// Base URL of the OpenAI-compatible API.
    #[arg(long, env = "OPENAI_BASE_URL", default_value = DEFAULT_BASE_URL)]
    judge_base_url: String,
    /// API key (needed for the default endpoint; a local server may need none).
    #[arg(long, env = "OPENAI_API_KEY", hide_env_values = true)]
    judge_api_key: Option<String>,
    /// Model name as the endpoint knows it.
    #[arg(long, env = "HANDOFF_EVAL_JUDGE_MODEL", default_value = "gpt-4o-mini")]
    judge_model: String,
    /// Time allowed for one judge call, e.g. `30s`.
    #[arg(long, default_value = "30s")]
    judge_timeout: crate::rubric::params::Seconds,
    /// Retries after a 429, a 5xx, a timeout or a broken connection.
    #[arg(long, default_value_t = 3)]
    judge_retries: u32,
    /// Judge calls in flight at most (fewer after rate limiting).
    #[arg(long, default_value_t = 8)]
    judge_concurrency: usize,
    #[arg(long, default_value_t = 0.0)]
    judge_temperature: f32,
    #[arg(long, default_value_t = 400)]
    judge_max_tokens: u32,
    /// Calls per judge check; the verdict is the majority, a tie is unscored.
    #[arg(long, default_value_t = 1)]
    judge_samples: u32,
    /// Directory of cached judge replies.
    #[arg(long, default_value = ".handoff-eval-cache")]
    judge_cache: std::path::PathBuf,
    /// Neither read nor write the judge cache.
    #[arg(long)]
    no_cache: bool,
    /// Answer judge checks from the cache only; a miss is unscored (for CI).
    #[arg(long, conflicts_with = "no_cache")]
    judge_replay: bool,
    /// Price in USD per million input and output tokens, `IN,OUT`, for the
    /// cost estimate in summary.json.
    #[arg(long, value_name = "IN,OUT", value_parser = parse_price)]
    judge_price: Option<(f64, f64)>,
}

fn parse_price(text: &str) -> Result<(f64, f64), String> {
    let (input, output) = text
        .split_once(',')
        .ok_or_else(|| format!("expected IN,OUT (USD per million tokens), found `{text}`"))?;
    let parse = |part: &str| {
        part.trim()
            .parse::<f64>()
            .map_err(|_| format!("expected a number, found `{part}`"))
    };
    Ok((parse(input)?, parse(output)?))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum JudgeSwitch {
    Auto,
    Off,
}

const DEFAULT_BASE_URL: &str = "https://api.openai.com/v1";

impl JudgeArgs {
    fn runner(&self, rubric: &crate::rubric::Rubric) -> anyhow::Result<JudgeRunner> {
        let has_judge_checks = rubric
            .dimensions
            .iter()
            .flat_map(|d| &d.checks)
            .any(|c| matches!(c.kind, crate::checks::CheckKind::Judge(_)));
        if self.switch == JudgeSwitch::Off || !has_judge_checks {
            return Ok(JudgeRunner::Off);
        }
        let key = self.judge_api_key.clone().filter(|k| !k.trim().is_empty());
        if key.is_none() && self.judge_base_url == DEFAULT_BASE_URL {
            return Ok(JudgeRunner::Unavailable(
                "no judge configured: set OPENAI_API_KEY (and OPENAI_BASE_URL for another endpoint), or run with --judge off".to_string(),
            ));
        }
        let client = JudgeClient::new(JudgeSettings {
            base_url: self.judge_base_url.clone(),
            api_key: key,
            model: self.judge_model.clone(),
            temperature: self.judge_temperature,
            max_tokens: self.judge_max_tokens,
            timeout: std::time::Duration::from_secs_f64(self.judge_timeout.0),
            max_retries: self.judge_retries,
            concurrency: self.judge_concurrency,
        })?;
        let cache = (!self.no_cache).then(|| {
            let mode = if self.judge_replay {
                CacheMode::ReplayOnly
            } else {
                CacheMode::ReadWrite
            };
            Cache::new(&self.judge_cache, mode)
        });
        let options = LiveOptions {
            cache,
            samples: self.judge_samples,
            price: self.judge_price,
        };
        Ok(JudgeRunner::live(client, &self.judge_model, options)?)
    }
}

/// How many rejections and duplicates are printed on stderr; the rest are
/// counted there and listed in rejected.jsonl.
const PRINTED: u64 = 20;

struct Files {
    calls: BufWriter<File>,
    rejected_file: BufWriter<File>,
    rejected: Vec<Rejection>,
    rejected_count: u64,
    duplicates: Vec<Duplicate>,
    duplicate_count: u64,
    progress: ProgressBar,
}

impl Sink for Files {
    fn call(&mut self, json: &[u8]) -> io::Result<()> {
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

pub fn run(args: ScoreArgs) -> anyhow::Result<u8> {
    let rubric = match crate::rubric::load(&args.rubric) {
        Ok(rubric) => rubric,
        Err(err) => {
            eprintln!("{err}");
            return Ok(EXIT_ERROR);
        }
    };
    let inputs = match resolve_inputs(&args.inputs) {
        Ok(inputs) => inputs,
        Err(errors) => {
            for err in errors {
                eprintln!("error: {err}");
            }
            return Ok(EXIT_ERROR);
        }
    };
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create output directory {}", args.out.display()))?;
    let create = |name: &str| -> anyhow::Result<BufWriter<File>> {
        let path = args.out.join(name);
        let file =
            File::create(&path).with_context(|| format!("cannot create {}", path.display()))?;
        Ok(BufWriter::with_capacity(1 << 20, file))
    };
    let input_names: Vec<String> = inputs.iter().map(Input::display_name).collect();
    let mut files = Files {
        calls: create("calls.jsonl")?,
        rejected_file: create("rejected.jsonl")?,
        rejected: Vec::new(),
        rejected_count: 0,
        duplicates: Vec::new(),
        duplicate_count: 0,
        progress: progress_bar(&inputs),
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
    };
    let summary_path = args.out.join("summary.json");
    let mut writer = create("summary.json")?;
    serde_json::to_writer_pretty(&mut writer, &summary)?;
    writer.write_all(b"\n")?;
    writer.flush()?;

    let width = terminal_width();
    print!(
        "{}",
        crate::report::table::render(&rubric, &outcome.lines, &outcome.aggregate, width)
    );
    if let Some(line) = crate::report::table::judge_line(&judge_account) {
        println!("{line}");
    }
    println!(
        "\nwrote {}, {} and {}",
        args.out.join("calls.jsonl").display(),
        summary_path.display(),
        args.out.join("rejected.jsonl").display()
    );
    if args.strict && outcome.lines.rejected > 0 {
        eprintln!(
            "error: {} line(s) rejected and --strict is set",
            outcome.lines.rejected
        );
        return Ok(EXIT_ERROR);
    }
    Ok(EXIT_OK)
}

fn terminal_width() -> Option<u16> {
    if io::stdout().is_terminal() {
        None
    } else {
        Some(120)
    }
}

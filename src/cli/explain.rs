//! `handoff-eval explain`: one conversation, every dimension and check with
//! its evidence, for a terminal.

use std::path::PathBuf;

use clap::Args;

use super::judge_args::JudgeArgs;
use super::screen::Screen;
use super::{EXIT_ERROR, EXIT_OK};
use crate::score::{JudgeJob, answer, score_call};
use crate::trace::{LineReader, parse_line};

/// Explain how one conversation scored, check by check.
#[derive(Debug, Args)]
pub struct ExplainArgs {
    /// The rubric (YAML).
    #[arg(long, short)]
    rubric: PathBuf,
    /// The `conversationId` to explain.
    #[arg(long, short)]
    conversation: String,
    /// JSONL files, directories of *.jsonl (plain, .gz or .zst), or - for standard input.
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    #[command(flatten)]
    judge: JudgeArgs,
}

pub fn run(args: ExplainArgs) -> anyhow::Result<u8> {
    let Some((rubric, inputs)) =
        super::rubric_and_inputs(&args.rubric, &args.inputs, args.judge.prompt_roots())
    else {
        return Ok(EXIT_ERROR);
    };
    let needle = serde_json::to_string(&args.conversation)?;
    // Lines are bounded as `score` bounds them by default.
    let bounds = crate::run::RunConfig::default();
    let mut reader = LineReader::new(inputs)
        .max_line_bytes(bounds.max_line_bytes)
        .max_batch_bytes(bounds.batch_bytes);
    let mut batch = Vec::new();
    while reader.next_batch(1024, &mut batch)? {
        for raw in &batch {
            // Cheap test first: only lines that mention the id are parsed.
            if !raw
                .bytes
                .windows(needle.len())
                .any(|w| w == needle.as_bytes())
            {
                continue;
            }
            let Ok(conversation) = parse_line(&raw.bytes) else {
                continue;
            };
            if conversation.conversation_id != args.conversation {
                continue;
            }
            let judge = args.judge.runner(&rubric)?;
            let mut scored = score_call(&rubric, &conversation, &[], &judge);
            let jobs: Vec<JudgeJob> = std::mem::take(&mut scored.jobs);
            let answers: Vec<_> = jobs
                .into_iter()
                .filter_map(|job| {
                    let handle = judge.spawn(job.request)?;
                    Some((job.dimension, job.check, judge.wait(handle)))
                })
                .collect();
            answer(&rubric, &mut scored.card, &mut scored.summary, answers);
            let mut screen = Screen::new();
            screen.print(&crate::report::explain::render(
                &rubric,
                &scored.card,
                crate::report::style::Palette::stdout(),
            ))?;
            if let Some(line) = crate::report::table::judge_line(&judge.account()) {
                screen.line(&format!("\n{line}"))?;
            }
            screen.flush()?;
            return Ok(EXIT_OK);
        }
    }
    super::print_error(&format!(
        "no conversation `{}` in the input",
        args.conversation
    ));
    Ok(EXIT_ERROR)
}

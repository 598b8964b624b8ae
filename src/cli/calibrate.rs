//! `handoff-eval calibrate`: agreement of the rubric with human QA labels.

use std::collections::{BTreeMap, HashMap};
use std::io;
use std::path::PathBuf;

use clap::Args;
use comfy_table::presets::UTF8_FULL_CONDENSED;
use comfy_table::{CellAlignment, ContentArrangement, Table};

use super::screen::{Screen, to_stderr};
use super::{EXIT_ERROR, EXIT_GATE_FAILED, EXIT_OK};
use crate::calibrate::{Calibration, Calibrator, KappaGate};
use crate::report::escape::controls;
use crate::run::{RunConfig, Sink};
use crate::trace::{Input, Label, LineReader};

/// Score labeled conversations and measure agreement with the human QA
/// `labels`: per dimension, confusion matrix, agreement and Cohen's kappa,
/// and every disagreement with the engine's evidence. Inputs are files (read
/// twice: labels first, then scores). Exit 1 when a kappa is below the
/// rubric's `min_kappa`, 2 when one cannot be computed.
#[derive(Debug, Args)]
pub struct CalibrateArgs {
    /// The rubric (YAML).
    #[arg(long, short)]
    rubric: PathBuf,
    /// JSONL files or directories of *.jsonl (plain, .gz or .zst).
    #[arg(required = true)]
    inputs: Vec<PathBuf>,
    /// How many disagreements to print with their evidence (all are in --json).
    #[arg(long, default_value_t = 10)]
    limit: usize,
    /// Write the full calibration (matrices, every disagreement) as JSON.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Worker threads (default: one per core; at most twice the
    /// cores, or 64).
    #[arg(long, value_parser = super::thread_count)]
    threads: Option<usize>,
    #[command(flatten)]
    judge: super::judge_args::JudgeArgs,
}

struct Collect {
    calibrator: Calibrator,
    /// Human labels by conversation id, read before scoring.
    labels: HashMap<String, BTreeMap<String, Label>>,
    rejected: u64,
}

impl Sink for Collect {
    fn call(&mut self, json: &[u8]) -> io::Result<()> {
        let card: serde_json::Value = serde_json::from_slice(json)?;
        let id = card["conversation_id"].as_str().unwrap_or_default();
        self.calibrator.add(&card, self.labels.get(id));
        Ok(())
    }

    fn rejected(&mut self, rejection: &crate::run::Rejection) -> io::Result<()> {
        self.rejected += 1;
        to_stderr!("rejected: {}", controls(&rejection.to_string()));
        Ok(())
    }
}

pub fn run(args: CalibrateArgs) -> anyhow::Result<u8> {
    let Some((rubric, inputs)) =
        super::rubric_and_inputs(&args.rubric, &args.inputs, args.judge.prompt_roots())
    else {
        return Ok(EXIT_ERROR);
    };
    let Some(labels) = read_labels(&inputs)? else {
        return Ok(EXIT_ERROR);
    };
    let judge = args.judge.runner(&rubric)?;
    let config = RunConfig {
        threads: args.threads,
        ..RunConfig::default()
    };
    let mut collect = Collect {
        calibrator: Calibrator::new(&rubric),
        labels,
        rejected: 0,
    };
    crate::run::run(&rubric, inputs, &config, &judge, &mut collect)?;
    let calibration = collect.calibrator.finish(&rubric);
    if let Some(path) = &args.json {
        crate::run_dir::publish(
            path,
            (serde_json::to_string_pretty(&calibration)? + "\n").as_bytes(),
        )?;
    }
    let mut screen = Screen::new();
    screen.print(&render(&calibration, args.limit))?;
    if collect.rejected > 0 {
        screen.line(&format!(
            "{} input line(s) rejected (see above)",
            collect.rejected
        ))?;
    }
    if let Some(line) = crate::report::table::judge_line(&judge.account()) {
        screen.line(&line)?;
    }
    screen.flush()?;
    if calibration.labeled_calls == 0 {
        super::print_error(&"no conversation carries `labels`; nothing to calibrate against");
        return Ok(EXIT_ERROR);
    }
    let gates: Vec<KappaGate> = calibration
        .dimensions
        .iter()
        .filter_map(|d| d.gate)
        .collect();
    Ok(if gates.contains(&KappaGate::Fail) {
        EXIT_GATE_FAILED
    } else if gates.contains(&KappaGate::Undecided) {
        let undecided: Vec<String> = calibration
            .dimensions
            .iter()
            .filter(|d| d.gate == Some(KappaGate::Undecided))
            .map(|d| {
                if d.unscored > 0 {
                    format!("`{}` ({} unscored)", d.id, d.unscored)
                } else {
                    format!("`{}`", d.id)
                }
            })
            .collect();
        super::print_error(&format!(
            "no kappa to compare with min_kappa for {} (no labels, a single category, or \
             every verdict unscored: with judge checks and no judge, calibrate the rules \
             alone with --judge off, or configure a judge)",
            undecided.join(", ")
        ));
        EXIT_ERROR
    } else {
        EXIT_OK
    })
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Labeled {
    conversation_id: String,
    #[serde(default)]
    labels: BTreeMap<String, Label>,
}

/// The human labels of every input conversation, by id: a first pass over
/// the inputs, before scoring (lines that do not parse are left to the
/// scoring pass to report).
fn read_labels(
    inputs: &[Input],
) -> anyhow::Result<Option<HashMap<String, BTreeMap<String, Label>>>> {
    if inputs.contains(&Input::Stdin) {
        super::print_error(
            &"calibrate reads its inputs twice (labels, then scores): give files, not standard input",
        );
        return Ok(None);
    }
    let mut labels = HashMap::new();
    // Lines are bounded as in the scoring pass, which rejects the longer ones.
    let bounds = RunConfig::default();
    let mut reader = LineReader::new(inputs.to_vec())
        .max_line_bytes(bounds.max_line_bytes)
        .max_batch_bytes(bounds.batch_bytes);
    let mut batch = Vec::new();
    while reader.next_batch(bounds.batch_size, &mut batch)? {
        for raw in &batch {
            if let Ok(found) = serde_json::from_slice::<Labeled>(&raw.bytes)
                && !found.labels.is_empty()
            {
                labels.insert(found.conversation_id, found.labels);
            }
        }
    }
    Ok(Some(labels))
}

fn render(calibration: &Calibration, limit: usize) -> String {
    let mut out = format!(
        "calibration of {} against human labels: {} calls, {} labeled\n",
        calibration.rubric, calibration.calls, calibration.labeled_calls
    );
    out.push_str("(per human label: what the engine said, as pass/fail/n-a)\n");
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Disabled)
        .set_header(vec![
            "dimension",
            "compared",
            "unscored",
            "agreement",
            "kappa",
            "human pass",
            "human fail",
            "human n/a",
            "min kappa",
        ]);
    for index in 1..9 {
        if let Some(column) = table.column_mut(index) {
            column.set_cell_alignment(CellAlignment::Right);
        }
    }
    for d in &calibration.dimensions {
        let row = |r: [u64; 3]| format!("{}/{}/{}", r[0], r[1], r[2]);
        let gate = match (d.min_kappa, d.gate) {
            (Some(min), Some(KappaGate::Pass)) => format!("{min} ok"),
            (Some(min), Some(KappaGate::Fail)) => format!("{min} FAIL"),
            (Some(min), _) => format!("{min} undecided"),
            _ => "-".to_string(),
        };
        table.add_row(vec![
            d.id.clone(),
            d.compared.to_string(),
            d.unscored.to_string(),
            d.agreement
                .map_or("-".into(), |a| format!("{:.1}%", a * 100.0)),
            d.kappa.map_or("-".into(), |k| format!("{k:.3}")),
            row(d.matrix[0]),
            row(d.matrix[1]),
            row(d.matrix[2]),
            gate,
        ]);
    }
    out.push_str(&table.to_string());
    out.push('\n');
    for (label, count) in &calibration.unknown_labels {
        out.push_str(&format!(
            "note: label `{}` on {count} call(s) names no dimension of the rubric\n",
            controls(label)
        ));
    }
    let total = calibration.disagreements.len();
    out.push_str(&format!("\n{total} disagreement(s)"));
    if total > limit {
        out.push_str(&format!(
            ", the first {limit} shown (--limit; all in --json)"
        ));
    }
    out.push('\n');
    for d in calibration.disagreements.iter().take(limit) {
        out.push_str(&format!(
            "\n{} {}: human {}, engine {}\n",
            controls(&d.conversation_id),
            controls(&d.dimension),
            d.human.as_str(),
            d.engine.as_str()
        ));
        crate::report::card::describe(&mut out, "engine", &d.card);
    }
    out
}

//! `handoff-eval generate`: write seeded synthetic conversations.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::EXIT_OK;
use crate::synth::{Generator, SynthConfig};

/// Write realistic synthetic conversations (handoff-trace/v1 JSONL), seeded
/// and deterministic: the same seed and count give the same bytes.
#[derive(Debug, Args)]
pub struct GenerateArgs {
    /// Number of conversations.
    #[arg(long, default_value_t = 300)]
    count: u64,
    /// Random seed.
    #[arg(long, default_value_t = 7)]
    seed: u64,
    /// Output file (default: standard output).
    #[arg(long, short)]
    out: Option<PathBuf>,
    /// Give every conversation this agentVersion (default: a mix of two).
    #[arg(long)]
    agent_version: Option<String>,
    /// Chance of each AI-side mistake, 0 to 0.6 (default: 0.08 for the
    /// newer version, 0.16 for the older). With the same seed, only the
    /// mistakes change: use it to plant a regression.
    #[arg(long, value_parser = flaw_rate)]
    ai_flaw: Option<f64>,
    /// Chance of each human-side mistake, 0 to 0.6 (default 0.15).
    #[arg(long, value_parser = flaw_rate)]
    human_flaw: Option<f64>,
}

fn flaw_rate(text: &str) -> Result<f64, String> {
    let rate: f64 = text
        .parse()
        .map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=0.6).contains(&rate) {
        Ok(rate)
    } else {
        Err(format!("{rate} is outside 0 to 0.6"))
    }
}

pub fn run(args: GenerateArgs) -> anyhow::Result<u8> {
    let writer: Box<dyn Write> = match &args.out {
        Some(path) => Box::new(
            File::create(path).with_context(|| format!("cannot create {}", path.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut writer = BufWriter::with_capacity(1 << 20, writer);
    let config = SynthConfig {
        seed: args.seed,
        agent_version: args.agent_version,
        ai_flaw: args.ai_flaw,
        human_flaw: args.human_flaw,
        ..SynthConfig::default()
    };
    for conversation in Generator::new(config).take(args.count as usize) {
        serde_json::to_writer(&mut writer, &conversation)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(EXIT_OK)
}

//! `handoff-eval generate`: write seeded synthetic conversations.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::EXIT_OK;
use super::screen::Screen;
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

/// Writes to `-o FILE` (which appears only once complete), or to standard
/// output, where a closed pipe ends the command quietly (and early).
pub fn run(args: GenerateArgs) -> anyhow::Result<u8> {
    let config = SynthConfig {
        seed: args.seed,
        agent_version: args.agent_version,
        ai_flaw: args.ai_flaw,
        human_flaw: args.human_flaw,
        ..SynthConfig::default()
    };
    let conversations = Generator::new(config).take(args.count as usize);
    let Some(path) = &args.out else {
        let mut screen = Screen::new();
        for conversation in conversations {
            serde_json::to_writer(&mut screen, &conversation)?;
            screen.write_all(b"\n")?;
            if screen.is_closed() {
                break;
            }
        }
        screen.flush()?;
        return Ok(EXIT_OK);
    };
    crate::run_dir::stream_into(path, |writer| -> anyhow::Result<()> {
        for conversation in conversations {
            serde_json::to_writer(&mut *writer, &conversation)?;
            writer.write_all(b"\n")?;
        }
        Ok(())
    })
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(EXIT_OK)
}

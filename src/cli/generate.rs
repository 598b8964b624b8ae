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
        ..SynthConfig::default()
    };
    for conversation in Generator::new(config).take(args.count as usize) {
        serde_json::to_writer(&mut writer, &conversation)?;
        writer.write_all(b"\n")?;
    }
    writer.flush()?;
    Ok(EXIT_OK)
}

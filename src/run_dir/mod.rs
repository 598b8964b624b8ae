//! The run directory: what `score --out DIR` leaves on disk, and the one
//! reader through which `gate`, `diff`, `report` (and whatever else reads
//! runs) open it. Nothing else opens `calls.jsonl`.
//!
//! A run has a life cycle, and the directory says where in it the run is:
//!
//! ```text
//! DIR/.lock           held (flock) by the score writing the run, gone after it
//! DIR/manifest.json   written first with "completed": false, rewritten last with "completed": true
//! DIR/calls.jsonl     streamed, one scorecard line per scored input line
//! DIR/rejected.jsonl  streamed, one line per rejected input line
//! DIR/summary.json    published whole (temporary file, then rename)
//! ```
//!
//! The manifest ([`Manifest`]) names the tool version, the rubric (name,
//! version, hash), the settings that change scorecards, every input with its
//! size and content fingerprint, and, once the run completed, its line
//! counts, the size and line count of `calls.jsonl` and `rejected.jsonl` and
//! the SHA-256 of `summary.json`. A second `score` into a locked directory
//! stops with the lock holder named ([`RunWriter::create`]); a new run into
//! an old run's directory marks it incomplete before anything else and
//! removes its whole-file outputs (with the gate reports and any HTML
//! report handoff-eval wrote there), so a stale `summary.json` never sits
//! beside new scorecards. [`Run::open`] refuses a directory that is not a
//! run, a run that did not complete (still being written, killed, failed),
//! and a run whose files disagree with its manifest, each with exit code 2
//! and the reason. [`RunWriter::resume`] takes up an interrupted run.
//!
//! Whole-file outputs anywhere (`summary.json`, the manifest, gate and diff
//! reports) go through [`publish`]: a reader sees the old file or the new
//! one, never a torn one, and a failed write names the file and leaves no
//! temporary file behind.

mod guard;
mod lock;
mod manifest;
mod publish;
mod reader;
mod writer;

pub use guard::{check_baseline, check_inputs, is_run_file};

pub use lock::RunLock;
pub use manifest::{
    FORMAT, InputRecord, Manifest, OutputFile, Outputs, RubricId, Settings, changed_inputs,
    fingerprint,
};
pub use publish::{WriteError, partial_path, publish, stream_into};
pub use reader::{Run, RunError};
pub use writer::RunWriter;

/// The files of a run directory.
pub const MANIFEST: &str = "manifest.json";
pub const CALLS: &str = "calls.jsonl";
pub const REJECTED: &str = "rejected.jsonl";
pub const SUMMARY: &str = "summary.json";
pub const LOCK: &str = ".lock";
/// With `score --input-format`: the converted input that was scored.
pub const IMPORTED: &str = "imported.jsonl";
/// With `score --baseline`: the gate's reports.
pub const GATE_FILES: [&str; 3] = ["gate.md", "gate.json", "gate.junit.xml"];

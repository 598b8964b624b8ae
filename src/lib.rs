//! handoff-eval scores recorded customer-service conversations in which an
//! AI agent hands the customer to a human, against YAML rubrics.
//!
//! The data flow is a straight line; each stage hands owned data forward:
//!
//! ```text
//! load rubric (rubric) -> read traces (trace) -> run checks on rayon (run, checks)
//!   -> score each call (score) -> aggregate (aggregate, stats) -> report (report)
//! ```
//!
//! - [`rubric`]: YAML text to a validated [`rubric::Rubric`], with every error located.
//! - [`input`]: where bytes come from: files, standard input, `.gz` and `.zst` streams.
//! - [`trace`]: the `handoff-trace/v1` model and its streaming reader.
//! - [`checks`]: one file per rule check kind, each a pure function of a conversation.
//! - [`run`]: batches of lines, parsed and scored in parallel, consumed in input order.
//! - [`score`]: check outcomes to a call scorecard with an honest verdict.
//! - [`aggregate`]: call summaries to pass rates, slices and handoff metrics.
//! - [`report`]: the summary table, `summary.json`, the self-contained HTML report.
//! - [`synth`]: a seeded generator of realistic conversations for demos and benchmarks.
//! - [`import`]: tau-bench, tau2, OpenAI messages, OpenTelemetry GenAI spans, Amazon Connect
//!   and Genesys Cloud exports to `handoff-trace/v1`.
//! - [`run_dir`]: the run directory on disk: manifest, lock, atomic outputs, resume, and the
//!   one reader of finished runs.
//! - [`compare`]: finished runs read back: the regression gate and `diff`.
//! - [`calibrate`]: agreement of a rubric with human QA labels.

// Standard error goes through `cli::screen::to_stderr!`, standard output
// through `cli::screen::Screen`: the print macros panic on a closed pipe.
#![deny(clippy::print_stderr, clippy::print_stdout)]

pub mod aggregate;
pub mod alloc;
pub mod calibrate;
pub mod checks;
pub mod cli;
pub mod compare;
pub mod import;
pub mod input;
pub mod judge;
pub mod report;
pub mod rubric;
pub mod run;
pub mod run_dir;
pub mod score;
pub mod stats;
pub mod synth;
pub mod trace;

pub use checks::Status;
pub use rubric::Rubric;
pub use trace::Conversation;

//! LLM-judge building blocks: what the judge is shown ([`prompt`]), how it is
//! called ([`client`]), how its reply becomes a verdict ([`verdict`]), and
//! the scrubbing every judge-derived text goes through ([`redact`]).
//!
//! A judge sees the conversation only as fenced data: every text a customer,
//! an agent or a tool produced is JSON-encoded, with `<`, `>` and `&`
//! escaped, inside `<data>` blocks that the instructions declare to be data.
//! No transcript content can close a fence or shape the expected reply.
//! A verdict is read from the model's final answer only; several verdict
//! objects must agree; anything outside the allowed verdicts is unscored
//! with its reason, never a pass. Secrets are scrubbed where the judge's
//! text enters the program, so no output, report or cache entry holds one.

pub mod cache;
pub mod client;
pub mod prompt;
pub mod redact;
pub mod runner;
pub mod verdict;

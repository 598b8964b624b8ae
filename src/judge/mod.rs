//! LLM-judge building blocks: what the judge is shown ([`prompt`]) and how
//! its reply becomes a verdict ([`verdict`]).
//!
//! A judge sees the conversation only as fenced data: every text a customer,
//! an agent or a tool produced is JSON-encoded, with `<`, `>` and `&`
//! escaped, inside `<data>` blocks that the instructions declare to be data.
//! No transcript content can close a fence or shape the expected reply.
//! A reply is parsed strictly first, then tolerantly; anything outside the
//! allowed verdicts is unscored with its reason, never a pass.

pub mod cache;
pub mod client;
pub mod prompt;
pub mod runner;
pub mod verdict;

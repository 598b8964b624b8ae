//! How a run answers its judge checks: not at all (`--judge off`), with an
//! unscored reason (no judge configured), or by calling the judge.
//!
//! Live calls block the rayon worker that asks, on a shared tokio runtime,
//! so at most one call per worker is in flight. Every call is accounted:
//! calls, failures, tokens, latency.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;

use super::client::JudgeClient;
use super::prompt::{PromptData, SYSTEM};
use super::verdict::parse_reply;
use crate::checks::judge::JudgeCheck;
use crate::checks::{Evidence, Outcome};
use crate::stats::quantile;
use crate::trace::Conversation;

pub enum JudgeRunner {
    /// Judge checks do not run: n/a, the dimension rests on its rules.
    Off,
    /// Judge checks are unscored, with this reason.
    Unavailable(String),
    Live(Box<Live>),
}

pub struct Live {
    client: JudgeClient,
    runtime: tokio::runtime::Runtime,
    model: String,
    calls: AtomicU64,
    failures: AtomicU64,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
    latencies: Mutex<Vec<f32>>,
}

/// What the judge cost in a run, for `summary.json`.
#[derive(Debug, Serialize)]
pub struct JudgeAccount {
    pub mode: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub unavailable: Option<String>,
    pub calls: u64,
    pub failures: u64,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub latency_p50_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
}

impl JudgeRunner {
    pub fn live(client: JudgeClient, model: &str) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()?;
        Ok(JudgeRunner::Live(Box::new(Live {
            client,
            runtime,
            model: model.to_string(),
            calls: AtomicU64::new(0),
            failures: AtomicU64::new(0),
            input_tokens: AtomicU64::new(0),
            output_tokens: AtomicU64::new(0),
            latencies: Mutex::new(Vec::new()),
        })))
    }

    /// The outcome of one judge check on one conversation.
    pub fn ask(&self, check: &JudgeCheck, conversation: &Conversation) -> Outcome {
        let live = match self {
            JudgeRunner::Off => return Outcome::na("the judge is turned off for this run"),
            JudgeRunner::Unavailable(reason) => return Outcome::unscored(reason.clone()),
            JudgeRunner::Live(live) => live,
        };
        let data = PromptData::new(conversation, &check.scale, check.allow_na);
        let user = match check.prompt.render(&data) {
            Ok(user) => user,
            Err(err) => return Outcome::unscored(format!("prompt `{}`: {err}", check.prompt_path)),
        };
        let schema = check.scale.response_schema(check.allow_na);
        live.calls.fetch_add(1, Ordering::Relaxed);
        let reply = live
            .runtime
            .block_on(live.client.complete(SYSTEM, &user, schema));
        let reply = match reply {
            Ok(reply) => reply,
            Err(err) => {
                live.failures.fetch_add(1, Ordering::Relaxed);
                return Outcome::unscored(err.to_string());
            }
        };
        live.input_tokens
            .fetch_add(reply.input_tokens, Ordering::Relaxed);
        live.output_tokens
            .fetch_add(reply.output_tokens, Ordering::Relaxed);
        live.latencies
            .lock()
            .expect("latency lock")
            .push(reply.latency.as_secs_f32());
        match parse_reply(&reply.content, &check.scale, check.allow_na) {
            Ok(verdict) => {
                let mut outcome = match verdict.status {
                    crate::Status::Pass => Outcome::pass(format!("judge: {}", verdict.label)),
                    crate::Status::Fail => Outcome::fail(format!("judge: {}", verdict.label)),
                    crate::Status::Na => Outcome::na("judge: not applicable"),
                    crate::Status::Unscored => Outcome::unscored("judge: unscored"),
                };
                outcome = outcome.with(Evidence::note(verdict.reasoning));
                if let Some(score) = verdict.score {
                    outcome = outcome.with_value(score);
                }
                outcome
            }
            Err(reason) => Outcome::unscored(format!("judge reply: {reason}")),
        }
    }

    pub fn account(&self) -> JudgeAccount {
        match self {
            JudgeRunner::Off | JudgeRunner::Unavailable(_) => JudgeAccount {
                mode: if matches!(self, JudgeRunner::Off) {
                    "off"
                } else {
                    "unavailable"
                },
                model: None,
                unavailable: match self {
                    JudgeRunner::Unavailable(reason) => Some(reason.clone()),
                    _ => None,
                },
                calls: 0,
                failures: 0,
                input_tokens: 0,
                output_tokens: 0,
                latency_p50_s: None,
                latency_p95_s: None,
            },
            JudgeRunner::Live(live) => {
                let mut latencies = live.latencies.lock().expect("latency lock").clone();
                latencies.sort_by(f32::total_cmp);
                JudgeAccount {
                    mode: "live",
                    model: Some(live.model.clone()),
                    unavailable: None,
                    calls: live.calls.load(Ordering::Relaxed),
                    failures: live.failures.load(Ordering::Relaxed),
                    input_tokens: live.input_tokens.load(Ordering::Relaxed),
                    output_tokens: live.output_tokens.load(Ordering::Relaxed),
                    latency_p50_s: quantile(&latencies, 0.5),
                    latency_p95_s: quantile(&latencies, 0.95),
                }
            }
        }
    }
}

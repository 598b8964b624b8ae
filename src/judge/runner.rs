//! How a run answers its judge checks: not at all (`--judge off`), with an
//! unscored reason (no judge configured), or by calling the judge.
//!
//! Live calls are tokio tasks on the runner's own runtime: scoring on rayon
//! only prepares requests and goes on with the next batch while the calls
//! are in flight (bounded by the client's throttle). Every call is
//! accounted: calls, failures, tokens, latency.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::client::JudgeClient;
use super::prompt::{PromptData, SYSTEM};
use super::verdict::{Scale, parse_reply};
use crate::checks::judge::JudgeCheck;
use crate::checks::{Evidence, Outcome, Status};
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
    runtime: tokio::runtime::Runtime,
    shared: Arc<Shared>,
}

struct Shared {
    client: JudgeClient,
    model: String,
    calls: AtomicU64,
    failures: AtomicU64,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
    latencies: Mutex<Vec<f32>>,
}

/// A rendered judge call, ready to send.
#[derive(Debug, Clone)]
pub struct JudgeRequest {
    pub user: String,
    pub schema: Value,
    pub scale: Scale,
    pub allow_na: bool,
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
            .worker_threads(2)
            .enable_all()
            .build()?;
        Ok(JudgeRunner::Live(Box::new(Live {
            runtime,
            shared: Arc::new(Shared {
                client,
                model: model.to_string(),
                calls: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                input_tokens: AtomicU64::new(0),
                output_tokens: AtomicU64::new(0),
                latencies: Mutex::new(Vec::new()),
            }),
        })))
    }

    /// A request for a live judge, or the outcome when there is none (or
    /// the prompt cannot be rendered for this conversation).
    pub fn prepare(
        &self,
        check: &JudgeCheck,
        conversation: &Conversation,
    ) -> Result<JudgeRequest, Outcome> {
        match self {
            JudgeRunner::Off => Err(Outcome::na("the judge is turned off for this run")),
            JudgeRunner::Unavailable(reason) => Err(Outcome::unscored(reason.clone())),
            JudgeRunner::Live(_) => {
                let data = PromptData::new(conversation, &check.scale, check.allow_na);
                let user = check.prompt.render(&data).map_err(|err| {
                    Outcome::unscored(format!("prompt `{}`: {err}", check.prompt_path))
                })?;
                Ok(JudgeRequest {
                    user,
                    schema: check.scale.response_schema(check.allow_na),
                    scale: check.scale.clone(),
                    allow_na: check.allow_na,
                })
            }
        }
    }

    /// Starts a judge call; `None` without a live judge.
    pub fn spawn(&self, request: JudgeRequest) -> Option<JoinHandle<Outcome>> {
        let JudgeRunner::Live(live) = self else {
            return None;
        };
        let shared = live.shared.clone();
        Some(
            live.runtime
                .spawn(async move { shared.call(request).await }),
        )
    }

    /// Waits for a started call.
    pub fn wait(&self, handle: JoinHandle<Outcome>) -> Outcome {
        let JudgeRunner::Live(live) = self else {
            return Outcome::unscored("no judge is running");
        };
        live.runtime
            .block_on(handle)
            .unwrap_or_else(|err| Outcome::unscored(format!("the judge call failed: {err}")))
    }

    pub fn account(&self) -> JudgeAccount {
        let idle = |mode, unavailable| JudgeAccount {
            mode,
            model: None,
            unavailable,
            calls: 0,
            failures: 0,
            input_tokens: 0,
            output_tokens: 0,
            latency_p50_s: None,
            latency_p95_s: None,
        };
        match self {
            JudgeRunner::Off => idle("off", None),
            JudgeRunner::Unavailable(reason) => idle("unavailable", Some(reason.clone())),
            JudgeRunner::Live(live) => {
                let shared = &live.shared;
                let mut latencies = shared.latencies.lock().expect("latency lock").clone();
                latencies.sort_by(f32::total_cmp);
                JudgeAccount {
                    mode: "live",
                    model: Some(shared.model.clone()),
                    unavailable: None,
                    calls: shared.calls.load(Ordering::Relaxed),
                    failures: shared.failures.load(Ordering::Relaxed),
                    input_tokens: shared.input_tokens.load(Ordering::Relaxed),
                    output_tokens: shared.output_tokens.load(Ordering::Relaxed),
                    latency_p50_s: quantile(&latencies, 0.5),
                    latency_p95_s: quantile(&latencies, 0.95),
                }
            }
        }
    }
}

impl Shared {
    async fn call(&self, request: JudgeRequest) -> Outcome {
        self.calls.fetch_add(1, Ordering::Relaxed);
        let reply = match self
            .client
            .complete(SYSTEM, &request.user, request.schema)
            .await
        {
            Ok(reply) => reply,
            Err(err) => {
                self.failures.fetch_add(1, Ordering::Relaxed);
                return Outcome::unscored(err.to_string());
            }
        };
        self.input_tokens
            .fetch_add(reply.input_tokens, Ordering::Relaxed);
        self.output_tokens
            .fetch_add(reply.output_tokens, Ordering::Relaxed);
        self.latencies
            .lock()
            .expect("latency lock")
            .push(reply.latency.as_secs_f32());
        match parse_reply(&reply.content, &request.scale, request.allow_na) {
            Ok(verdict) => {
                let outcome = match verdict.status {
                    Status::Pass => Outcome::pass(format!("judge: {}", verdict.label)),
                    Status::Fail => Outcome::fail(format!("judge: {}", verdict.label)),
                    Status::Na => Outcome::na("judge: not applicable"),
                    Status::Unscored => Outcome::unscored("judge: unscored"),
                };
                let outcome = outcome.with(Evidence::note(verdict.reasoning));
                match verdict.score {
                    Some(score) => outcome.with_value(score),
                    None => outcome,
                }
            }
            Err(reason) => Outcome::unscored(format!("judge reply: {reason}")),
        }
    }
}

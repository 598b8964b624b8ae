//! How a run answers its judge checks: not at all (`--judge off`), with an
//! unscored reason (no judge configured), or by calling the judge.
//!
//! Live calls are tokio tasks on the runner's own runtime: scoring on rayon
//! only prepares requests and goes on with the next batch while the calls
//! are in flight (bounded by the client's throttle). Every call is
//! accounted: calls, failures, tokens (unknown where the endpoint did not
//! say, never counted as 0), latency, and the structured-output mode the
//! endpoint settled on.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use serde::Serialize;
use serde_json::Value;
use tokio::task::JoinHandle;

use super::cache::{Cache, CacheMode, Entry};
use super::client::JudgeClient;
use super::prompt::{PromptData, SYSTEM};
use super::verdict::{Finish, Scale, Verdict, copied_from_prompt, parse_reply};
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
    options: LiveOptions,
    calls: AtomicU64,
    cache_hits: AtomicU64,
    failures: AtomicU64,
    input_tokens: AtomicU64,
    output_tokens: AtomicU64,
    /// Calls whose reply did not report its input or output tokens.
    without_usage: AtomicU64,
    latencies: Mutex<Vec<f32>>,
}

/// How live judge calls are made beyond the client's own settings.
#[derive(Debug, Clone)]
pub struct LiveOptions {
    pub cache: Option<Cache>,
    /// Calls per check; the verdict is the majority.
    pub samples: u32,
    /// USD per million input and output tokens, for the cost estimate.
    pub price: Option<(f64, f64)>,
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
    pub cache_hits: u64,
    pub failures: u64,
    /// Tokens of the calls whose reply reported them.
    pub input_tokens: u64,
    pub output_tokens: u64,
    /// Calls whose reply did not report its tokens (`usage` missing or
    /// partial): their tokens are unknown, not 0, and the cost estimate is
    /// a lower bound.
    #[serde(skip_serializing_if = "is_zero")]
    pub calls_without_usage: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub estimated_cost_usd: Option<f64>,
    /// The structured-output mode the endpoint settled on: `json_schema`,
    /// `json_object` or `text` (live runs that made a call).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_output: Option<&'static str>,
    /// Why it is not `json_schema`: what the endpoint refused.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub structured_output_fallback: Option<String>,
    pub latency_p50_s: Option<f64>,
    pub latency_p95_s: Option<f64>,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// Longest piece of a refusal quoted in an unscored reason.
const REFUSAL_QUOTED: usize = 200;

impl JudgeRunner {
    pub fn live(client: JudgeClient, model: &str, options: LiveOptions) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()?;
        Ok(JudgeRunner::Live(Box::new(Live {
            runtime,
            shared: Arc::new(Shared {
                client,
                model: model.to_string(),
                options,
                calls: AtomicU64::new(0),
                cache_hits: AtomicU64::new(0),
                failures: AtomicU64::new(0),
                input_tokens: AtomicU64::new(0),
                output_tokens: AtomicU64::new(0),
                without_usage: AtomicU64::new(0),
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
            cache_hits: 0,
            failures: 0,
            input_tokens: 0,
            output_tokens: 0,
            calls_without_usage: 0,
            estimated_cost_usd: None,
            structured_output: None,
            structured_output_fallback: None,
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
                let input_tokens = shared.input_tokens.load(Ordering::Relaxed);
                let output_tokens = shared.output_tokens.load(Ordering::Relaxed);
                let (structured_output, structured_output_fallback) =
                    match shared.client.structured_output() {
                        Some((mode, fallback)) => (Some(mode.as_str()), fallback),
                        None => (None, None),
                    };
                JudgeAccount {
                    mode: "live",
                    model: Some(shared.model.clone()),
                    unavailable: None,
                    calls: shared.calls.load(Ordering::Relaxed),
                    cache_hits: shared.cache_hits.load(Ordering::Relaxed),
                    failures: shared.failures.load(Ordering::Relaxed),
                    input_tokens,
                    output_tokens,
                    calls_without_usage: shared.without_usage.load(Ordering::Relaxed),
                    estimated_cost_usd: shared.options.price.map(|(input, output)| {
                        crate::stats::round4(
                            (input_tokens as f64 * input + output_tokens as f64 * output) / 1e6,
                        )
                    }),
                    structured_output,
                    structured_output_fallback,
                    latency_p50_s: quantile(&latencies, 0.5),
                    latency_p95_s: quantile(&latencies, 0.95),
                }
            }
        }
    }
}

impl Shared {
    /// A parsed verdict, refused when it copies the prompt, its reasoning
    /// scrubbed once more: parsing decodes the reply's JSON escapes, and a
    /// key spelled in them must not come out decoded.
    fn checked(&self, mut verdict: Verdict, request: &JudgeRequest) -> Result<Verdict, String> {
        copied_from_prompt(&verdict, &[SYSTEM, &request.user])?;
        let redactor = self.client.redactor();
        verdict.reasoning = redactor.scrub_owned(verdict.reasoning);
        verdict.given = redactor.scrub_owned(verdict.given);
        verdict.label = redactor.scrub_owned(verdict.label);
        Ok(verdict)
    }

    /// One sample: from the cache, or from the judge (then stored if it parses).
    async fn sample(&self, request: &JudgeRequest, index: u32) -> Result<Verdict, String> {
        let schema = request.schema.to_string();
        let index_text = index.to_string();
        let fingerprint = self.client.fingerprint();
        let key = Cache::key(&[&fingerprint, SYSTEM, &request.user, &schema, &index_text]);
        let cache = self.options.cache.as_ref();
        if let Some(entry) = cache.and_then(|c| c.get(&key)) {
            self.cache_hits.fetch_add(1, Ordering::Relaxed);
            // A cache is judge-derived text too, perhaps from an older run.
            let content = self.client.redactor().scrub(&entry.content);
            let finish = Finish::from_reason(entry.finish_reason.as_deref());
            return parse_reply(&content, finish, &request.scale, request.allow_na)
                .and_then(|verdict| self.checked(verdict, request))
                .map_err(|reason| format!("judge reply: {reason}"));
        }
        if cache.is_some_and(|c| c.mode == CacheMode::ReplayOnly) {
            return Err(format!(
                "not in the judge cache (replay mode): entry {}",
                &key[..16]
            ));
        }
        self.calls.fetch_add(1, Ordering::Relaxed);
        let reply = self
            .client
            .complete(SYSTEM, &request.user, request.schema.clone())
            .await
            .map_err(|err| {
                self.failures.fetch_add(1, Ordering::Relaxed);
                err.to_string()
            })?;
        match (reply.input_tokens, reply.output_tokens) {
            (Some(input), Some(output)) => {
                self.input_tokens.fetch_add(input, Ordering::Relaxed);
                self.output_tokens.fetch_add(output, Ordering::Relaxed);
            }
            _ => {
                self.without_usage.fetch_add(1, Ordering::Relaxed);
            }
        }
        self.latencies
            .lock()
            .expect("latency lock")
            .push(reply.latency.as_secs_f32());
        if let Some(refusal) = reply.refusal.as_deref()
            && reply.content.trim().is_empty()
        {
            let mut end = refusal.len().min(REFUSAL_QUOTED);
            while !refusal.is_char_boundary(end) {
                end -= 1;
            }
            let more = if end < refusal.len() { "…" } else { "" };
            return Err(format!(
                "the judge refused to answer: \"{}{more}\"",
                &refusal[..end]
            ));
        }
        let finish = Finish::from_reason(reply.finish_reason.as_deref());
        let verdict = parse_reply(&reply.content, finish, &request.scale, request.allow_na)
            .and_then(|verdict| self.checked(verdict, request))
            .map_err(|reason| format!("judge reply: {reason}"))?;
        if let Some(cache) = cache {
            let entry = Entry {
                content: reply.content,
                finish_reason: reply.finish_reason,
            };
            // A cache that cannot be written costs calls, not verdicts.
            let _ = cache.put(&key, &entry);
        }
        Ok(verdict)
    }

    /// All samples of a check, and the majority verdict.
    async fn call(&self, request: JudgeRequest) -> Outcome {
        let samples = self.options.samples.max(1);
        let mut verdicts: Vec<Verdict> = Vec::with_capacity(samples as usize);
        for index in 0..samples {
            match self.sample(&request, index).await {
                Ok(verdict) => verdicts.push(verdict),
                Err(reason) => return Outcome::unscored(reason),
            }
        }
        let count = |status: Status| verdicts.iter().filter(|v| v.status == status).count();
        let mut tally: Vec<(Status, usize)> = [Status::Pass, Status::Fail, Status::Na]
            .into_iter()
            .map(|status| (status, count(status)))
            .filter(|(_, n)| *n > 0)
            .collect();
        tally.sort_by_key(|(_, n)| std::cmp::Reverse(*n));
        let (status, agreeing) = tally[0];
        if tally.get(1).is_some_and(|second| second.1 == agreeing) {
            let split: Vec<String> = tally
                .iter()
                .map(|(s, n)| format!("{n} {}", s.as_str()))
                .collect();
            return Outcome::unscored(format!("the judge's samples split: {}", split.join(", ")));
        }
        let verdict = verdicts
            .iter()
            .find(|v| v.status == status)
            .expect("a verdict has the majority status");
        let outcome = match status {
            Status::Pass => Outcome::pass(format!("judge: {}", verdict.label)),
            Status::Fail => Outcome::fail(format!("judge: {}", verdict.label)),
            _ => Outcome::na("judge: not applicable"),
        };
        let mut outcome = outcome.with(Evidence {
            text: Some(format!("read: {}", verdict.read)),
            matched: Some(verdict.given.clone()),
            note: Some(verdict.reasoning.clone()),
            ..Evidence::default()
        });
        if samples > 1 {
            outcome = outcome.with(Evidence::note(format!(
                "{agreeing} of {samples} samples agree"
            )));
        }
        match verdict.score {
            Some(score) => outcome.with_value(score),
            None => outcome,
        }
    }
}

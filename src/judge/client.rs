//! The judge's HTTP client: async-openai against any OpenAI-compatible
//! chat-completions endpoint, with our own transport underneath.
//!
//! The transport (a tower service handed to async-openai) decides retries:
//! a 429 waits for its `Retry-After` (or a backoff) and halves the allowed
//! concurrency; a 5xx, a timeout or a broken connection is retried with
//! backoff; anything else returns at once. After `max_retries` retries the
//! last failure becomes a [`JudgeError`], whose text is the unscored reason.
//! The API key never appears in any error: it is redacted from every message.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use async_openai::config::OpenAIConfig;
use async_openai::error::OpenAIError;
use async_openai::middleware::HttpRequestFactory;
use async_openai::types::chat::{
    ChatCompletionRequestMessage, ChatCompletionRequestSystemMessage,
    ChatCompletionRequestUserMessage, CreateChatCompletionRequestArgs, ResponseFormat,
    ResponseFormatJsonSchema,
};
use serde_json::Value;
use tokio::sync::Notify;

/// Where and how the judge is called.
#[derive(Clone)]
pub struct JudgeSettings {
    /// Base URL of the OpenAI-compatible API, e.g. `https://api.openai.com/v1`.
    pub base_url: String,
    pub api_key: Option<String>,
    pub model: String,
    pub temperature: f32,
    pub max_tokens: u32,
    /// Per attempt.
    pub timeout: Duration,
    pub max_retries: u32,
    /// Upper bound of calls in flight; the throttle may allow fewer.
    pub concurrency: usize,
}

impl std::fmt::Debug for JudgeSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JudgeSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("model", &self.model)
            .field("timeout", &self.timeout)
            .field("max_retries", &self.max_retries)
            .field("concurrency", &self.concurrency)
            .finish()
    }
}

/// Why a judge call produced no reply. Its text is an unscored reason.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct JudgeError(pub String);

/// A reply and what it cost.
#[derive(Debug, Clone)]
pub struct Reply {
    pub content: String,
    pub input_tokens: u64,
    pub output_tokens: u64,
    pub latency: Duration,
}

/// Allowed concurrency that halves on rate limiting and grows by one after
/// as many successes in a row as calls it currently allows.
#[derive(Debug)]
pub struct Throttle {
    max: usize,
    state: Mutex<ThrottleState>,
    freed: Notify,
}

#[derive(Debug, Clone, Copy)]
struct ThrottleState {
    limit: usize,
    in_flight: usize,
    successes: usize,
}

/// A slot in the throttle, given back when dropped.
pub struct Permit<'t>(&'t Throttle);

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        self.0.state.lock().expect("throttle lock").in_flight -= 1;
        self.0.freed.notify_waiters();
    }
}

impl Throttle {
    pub fn new(max: usize) -> Self {
        let max = max.max(1);
        Throttle {
            max,
            state: Mutex::new(ThrottleState {
                limit: max,
                in_flight: 0,
                successes: 0,
            }),
            freed: Notify::new(),
        }
    }

    /// The concurrency currently allowed.
    pub fn limit(&self) -> usize {
        self.state.lock().expect("throttle lock").limit
    }

    pub async fn acquire(&self) -> Permit<'_> {
        loop {
            let freed = self.freed.notified();
            {
                let mut state = self.state.lock().expect("throttle lock");
                if state.in_flight < state.limit {
                    state.in_flight += 1;
                    return Permit(self);
                }
            }
            freed.await;
        }
    }

    fn rate_limited(&self) {
        let mut state = self.state.lock().expect("throttle lock");
        state.limit = (state.limit / 2).max(1);
        state.successes = 0;
    }

    fn succeeded(&self) {
        let mut state = self.state.lock().expect("throttle lock");
        state.successes += 1;
        if state.successes >= state.limit && state.limit < self.max {
            state.limit += 1;
            state.successes = 0;
            drop(state);
            self.freed.notify_waiters();
        }
    }
}

/// The longest `Retry-After` honoured; a longer one is capped.
const MAX_WAIT: Duration = Duration::from_secs(60);

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << attempt.min(6))
}

/// `Retry-After` in seconds (integer or fractional); dates are not honoured.
fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let seconds: f64 = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds).min(MAX_WAIT))
}

/// The tower service async-openai sends through.
#[derive(Clone)]
struct Transport {
    http: reqwest::Client,
    max_retries: u32,
    throttle: Arc<Throttle>,
}

type Sent = Pin<Box<dyn Future<Output = Result<reqwest::Response, OpenAIError>> + Send>>;

impl tower::Service<HttpRequestFactory> for Transport {
    type Response = reqwest::Response;
    type Error = OpenAIError;
    type Future = Sent;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), OpenAIError>> {
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: HttpRequestFactory) -> Sent {
        let transport = self.clone();
        Box::pin(async move { transport.send(request).await })
    }
}

impl Transport {
    async fn send(&self, factory: HttpRequestFactory) -> Result<reqwest::Response, OpenAIError> {
        let mut attempt = 0;
        loop {
            let request = factory.build().await?;
            let result = self.http.execute(request).await;
            let wait = match &result {
                Ok(response) if response.status().is_success() => {
                    self.throttle.succeeded();
                    None
                }
                Ok(response) if response.status().as_u16() == 429 => {
                    self.throttle.rate_limited();
                    Some(retry_after(response.headers()).unwrap_or_else(|| backoff(attempt)))
                }
                Ok(response) if response.status().is_server_error() => Some(backoff(attempt)),
                Ok(_) => None,
                Err(err)
                    if err.is_timeout()
                        || err.is_connect()
                        || err.is_request()
                        || err.is_body() =>
                {
                    Some(backoff(attempt))
                }
                Err(_) => None,
            };
            match wait {
                Some(wait) if attempt < self.max_retries => {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                _ => return result.map_err(OpenAIError::Reqwest),
            }
        }
    }
}

/// A judge endpoint, ready for calls from many tasks.
pub struct JudgeClient {
    client: async_openai::Client<OpenAIConfig>,
    settings: JudgeSettings,
    throttle: Arc<Throttle>,
}

impl JudgeClient {
    pub fn new(settings: JudgeSettings) -> Result<Self, JudgeError> {
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .build()
            .map_err(|err| JudgeError(format!("cannot build the HTTP client: {err}")))?;
        let throttle = Arc::new(Throttle::new(settings.concurrency));
        let mut config = OpenAIConfig::new().with_api_base(settings.base_url.trim_end_matches('/'));
        if let Some(key) = &settings.api_key {
            config = config.with_api_key(key.clone());
        }
        let client = async_openai::Client::with_config(config).with_http_service(Transport {
            http,
            max_retries: settings.max_retries,
            throttle: throttle.clone(),
        });
        Ok(JudgeClient {
            client,
            settings,
            throttle,
        })
    }

    /// What, besides the messages, decides a reply: for cache keys.
    pub fn fingerprint(&self) -> String {
        let s = &self.settings;
        format!(
            "{}|{}|{}|{}",
            s.base_url, s.model, s.temperature, s.max_tokens
        )
    }

    pub fn throttle(&self) -> &Throttle {
        &self.throttle
    }

    /// One judge call: a system and a user message, a reply constrained to
    /// `schema` (strict where the endpoint supports it).
    pub async fn complete(
        &self,
        system: &str,
        user: &str,
        schema: Value,
    ) -> Result<Reply, JudgeError> {
        let _permit = self.throttle.acquire().await;
        let messages: Vec<ChatCompletionRequestMessage> = vec![
            ChatCompletionRequestSystemMessage::from(system).into(),
            ChatCompletionRequestUserMessage::from(user).into(),
        ];
        let request = CreateChatCompletionRequestArgs::default()
            .model(self.settings.model.clone())
            .messages(messages)
            .temperature(self.settings.temperature)
            .max_completion_tokens(self.settings.max_tokens)
            .response_format(ResponseFormat::JsonSchema {
                json_schema: ResponseFormatJsonSchema {
                    description: None,
                    name: "verdict".to_string(),
                    schema,
                    strict: Some(true),
                },
            })
            .build()
            .map_err(|err| self.error(err))?;
        let started = Instant::now();
        let response = self
            .client
            .chat()
            .create(request)
            .await
            .map_err(|err| self.error(err))?;
        let content = response
            .choices
            .first()
            .and_then(|choice| choice.message.content.clone())
            .ok_or_else(|| JudgeError("the reply has no message content".to_string()))?;
        let usage = response.usage.as_ref();
        Ok(Reply {
            content,
            input_tokens: usage.map_or(0, |u| u64::from(u.prompt_tokens)),
            output_tokens: usage.map_or(0, |u| u64::from(u.completion_tokens)),
            latency: started.elapsed(),
        })
    }

    /// An error in words, with the API key redacted wherever it appears.
    fn error(&self, err: OpenAIError) -> JudgeError {
        let text = match &err {
            OpenAIError::Reqwest(e) if e.is_timeout() => {
                format!("the judge timed out after {:?}", self.settings.timeout)
            }
            OpenAIError::Reqwest(e) if e.is_connect() => {
                format!("cannot connect to the judge at {}", self.settings.base_url)
            }
            OpenAIError::ApiError(api) => format!(
                "the judge answered HTTP {}: {}",
                api.status_code, api.api_error
            ),
            OpenAIError::JSONDeserialize(e, content) => {
                let mut end = content.len().min(120);
                while !content.is_char_boundary(end) {
                    end -= 1;
                }
                format!("malformed reply from the judge ({e}): {}", &content[..end])
            }
            other => format!("judge call failed: {other}"),
        };
        JudgeError(match &self.settings.api_key {
            Some(key) if !key.is_empty() => text.replace(key.as_str(), "[redacted]"),
            _ => text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_throttle_halves_on_rate_limits_and_grows_back() {
        let throttle = Throttle::new(8);
        throttle.rate_limited();
        assert_eq!(throttle.limit(), 4);
        throttle.rate_limited();
        throttle.rate_limited();
        throttle.rate_limited();
        assert_eq!(throttle.limit(), 1, "never below one");
        throttle.succeeded();
        assert_eq!(
            throttle.limit(),
            2,
            "one success in a row at limit 1 grows it"
        );
        throttle.succeeded();
        assert_eq!(throttle.limit(), 2);
        throttle.succeeded();
        assert_eq!(throttle.limit(), 3);
        for _ in 0..100 {
            throttle.succeeded();
        }
        assert_eq!(
            throttle.limit(),
            8,
            "never above the configured concurrency"
        );
    }

    #[test]
    fn retry_after_is_read_in_seconds_and_capped() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(reqwest::header::RETRY_AFTER, "2".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(2)));
        headers.insert(reqwest::header::RETRY_AFTER, "0.5".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_millis(500)));
        headers.insert(reqwest::header::RETRY_AFTER, "86400".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(MAX_WAIT));
        headers.insert(
            reqwest::header::RETRY_AFTER,
            "Wed, 21 Oct 2026 07:28:00 GMT".parse().unwrap(),
        );
        assert_eq!(retry_after(&headers), None, "dates fall back to backoff");
    }
}

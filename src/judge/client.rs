//! The judge's HTTP client: OpenAI chat completions over reqwest, against
//! any compatible endpoint, read as tolerantly as real servers answer.
//!
//! - **Transport.** A 429 waits for what the server asked (`Retry-After` as
//!   seconds or an HTTP date, else `retry-after-ms`, else the
//!   `x-ratelimit-reset-*` headers; at most [`MAX_WAIT`]) or a backoff, and
//!   halves the allowed concurrency; a 5xx (honouring `Retry-After` the same
//!   way), a timeout or a broken connection is retried with backoff. A
//!   deterministic answer (a validation error, exhausted quota, any other
//!   4xx, a redirect) is not retried. After `max_retries` retries the last
//!   failure becomes a [`JudgeError`], whose text is the unscored reason.
//! - **Structured output, negotiated.** The first call asks for a strict
//!   `json_schema` response format while the others wait. An endpoint that
//!   refuses it (a 400, 422 or 500 naming `response_format`) is asked again in
//!   `json_object` mode (the schema stated in the system message and passed
//!   as `schema`, which llama-cpp-python turns into a grammar), then in plain
//!   text; the mode that worked holds for the rest of the run and is said
//!   once through the client's notice.
//! - **Replies.** A body larger than [`MAX_REPLY_BYTES`] is not read (an
//!   unscored reason, not retried). The body is read as JSON without a fixed type: `usage`
//!   missing or partial leaves the tokens unknown, any `finish_reason` is
//!   kept as text, `content` may be text or parts, `refusal` is kept.
//! - **Nothing leaks.** Redirects are not followed unless asked for, and then
//!   only to the same origin; the base URL keeps its query (Azure OpenAI's
//!   `api-version`). Every text that comes back (content, refusal, error
//!   bodies, redirect targets, transport errors) is scrubbed by the
//!   [`Redactor`] before anything else sees it.

use std::borrow::Cow;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::Timestamp;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{StatusCode, Url};
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::redact::Redactor;
use super::verdict::escape_raw_controls;

/// Where and how the judge is called.
#[derive(Clone)]
pub struct JudgeSettings {
    /// Base URL of the OpenAI-compatible API, e.g. `https://api.openai.com/v1`;
    /// a query string (`?api-version=...`) is kept after the path.
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
    /// Follow redirects to the same origin (scheme, host and port); a
    /// redirect anywhere else is never followed.
    pub follow_redirects: bool,
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
            .field("follow_redirects", &self.follow_redirects)
            .finish()
    }
}

/// Why a judge call produced no reply. Its text is an unscored reason,
/// already scrubbed of secrets.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct JudgeError(pub String);

/// How the reply's form is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputMode {
    /// `response_format: {"type": "json_schema", ...}`, strict.
    JsonSchema,
    /// `response_format: {"type": "json_object", "schema": ...}`, the schema
    /// also stated in the system message.
    JsonObject,
    /// No `response_format`; the schema stated in the system message.
    Text,
}

impl OutputMode {
    pub fn as_str(self) -> &'static str {
        match self {
            OutputMode::JsonSchema => "json_schema",
            OutputMode::JsonObject => "json_object",
            OutputMode::Text => "text",
        }
    }

    fn next(self) -> Option<Self> {
        match self {
            OutputMode::JsonSchema => Some(OutputMode::JsonObject),
            OutputMode::JsonObject => Some(OutputMode::Text),
            OutputMode::Text => None,
        }
    }

    fn from_u8(value: u8) -> Self {
        match value {
            0 => OutputMode::JsonSchema,
            1 => OutputMode::JsonObject,
            _ => OutputMode::Text,
        }
    }
}

/// A reply and what it cost. Every text in it is scrubbed of secrets.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The message content (parts joined); empty when there was none.
    pub content: String,
    /// As the server sent it (`stop`, `length`, `eos_token`, ...).
    pub finish_reason: Option<String>,
    /// The model declined to answer, in its words.
    pub refusal: Option<String>,
    /// `None` when the server did not say.
    pub input_tokens: Option<u64>,
    pub output_tokens: Option<u64>,
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

/// The longest wait a server can ask for; a longer one is capped.
pub const MAX_WAIT: Duration = Duration::from_secs(60);

fn backoff(attempt: u32) -> Duration {
    Duration::from_millis(250 << attempt.min(6))
}

/// A wait of `seconds` as a server wrote it, capped at [`MAX_WAIT`]; `None`
/// for a negative number or NaN. Never panics, however large (infinity
/// included).
fn capped_seconds(seconds: f64) -> Option<Duration> {
    (!seconds.is_nan() && seconds >= 0.0).then(|| {
        if seconds >= MAX_WAIT.as_secs_f64() {
            MAX_WAIT
        } else {
            Duration::from_secs_f64(seconds)
        }
    })
}

/// An HTTP date in any of RFC 9110's three forms (section 5.6.7):
/// IMF-fixdate, the obsolete RFC 850 form, and asctime's; as a civil time in
/// UTC, so that a date at the edge of the calendar (year 9999) is still one.
fn http_date(text: &str) -> Option<jiff::civil::DateTime> {
    let text = text.trim();
    if let Ok(at) = jiff::fmt::rfc2822::DateTimeParser::new().parse_timestamp(text) {
        return Some(at.to_zoned(jiff::tz::TimeZone::UTC).datetime());
    }
    [
        "%a, %d %b %Y %H:%M:%S GMT",
        "%A, %d-%b-%y %H:%M:%S GMT",
        "%a %b %e %H:%M:%S %Y",
    ]
    .iter()
    .find_map(|format| {
        jiff::fmt::strtime::parse(format, text)
            .ok()?
            .to_datetime()
            .ok()
    })
}

/// A duration as OpenAI's rate-limit headers write it (`1s`, `6m0s`,
/// `20ms`, `1h2m3.5s`), or bare seconds.
fn reset_duration(text: &str) -> Option<Duration> {
    let mut rest = text.trim();
    if let Ok(seconds) = rest.parse::<f64>() {
        return capped_seconds(seconds);
    }
    let mut total = 0.0;
    while !rest.is_empty() {
        let end = rest.find(|c: char| !(c.is_ascii_digit() || c == '.'))?;
        let value: f64 = rest[..end].parse().ok()?;
        rest = &rest[end..];
        let (unit, length) = if rest.starts_with("ms") {
            (0.001, 2)
        } else if rest.starts_with('h') {
            (3600.0, 1)
        } else if rest.starts_with('m') {
            (60.0, 1)
        } else if rest.starts_with('s') {
            (1.0, 1)
        } else {
            return None;
        };
        total += value * unit;
        rest = &rest[length..];
    }
    capped_seconds(total)
}

/// How long the server asked the client to wait before trying again:
/// `Retry-After` as delta-seconds or an HTTP date (RFC 9110 section
/// 10.2.3), else `retry-after-ms` (Azure OpenAI, OpenAI), else the
/// `x-ratelimit-reset-requests` / `-tokens` of an exhausted limit. Capped at
/// [`MAX_WAIT`]; `None` when no header says.
pub fn server_wait(headers: &HeaderMap, now: Timestamp) -> Option<Duration> {
    let header = |name: &str| headers.get(name)?.to_str().ok().map(str::trim);
    let retry_after = header("retry-after").and_then(|value| match value.parse::<f64>() {
        Ok(seconds) => capped_seconds(seconds),
        Err(_) => {
            let until = http_date(value)?;
            let now = now.to_zoned(jiff::tz::TimeZone::UTC).datetime();
            let ahead = until.duration_since(now);
            Some(Duration::try_from(ahead).map_or(Duration::ZERO, |ahead| ahead.min(MAX_WAIT)))
        }
    });
    let retry_after_ms = || {
        let millis: f64 = header("retry-after-ms")?.parse().ok()?;
        capped_seconds(millis / 1000.0)
    };
    let reset = || {
        let limits = ["requests", "tokens"];
        let exhausted = |kind: &&str| {
            header(&format!("x-ratelimit-remaining-{kind}")).is_some_and(|n| n == "0")
        };
        let chosen: Vec<&str> = if limits.iter().any(exhausted) {
            limits.iter().copied().filter(exhausted).collect()
        } else {
            limits.to_vec()
        };
        chosen
            .iter()
            .filter_map(|kind| reset_duration(header(&format!("x-ratelimit-reset-{kind}"))?))
            .max()
    };
    retry_after
        .or_else(retry_after_ms)
        .or_else(reset)
        .map(|wait| wait.min(MAX_WAIT))
}

/// The largest reply body read, in bytes (4 MiB). A verdict is a few hundred
/// bytes; anything near this is not a chat completion worth holding in
/// memory or in the cache.
pub const MAX_REPLY_BYTES: usize = 4 << 20;

/// A response's body, read up to [`MAX_REPLY_BYTES`]; `None` when it is
/// larger (said by its `Content-Length`, or found while reading, which then
/// stops: an endless body costs at most that much).
async fn bounded_body(mut response: reqwest::Response) -> Result<Option<Vec<u8>>, reqwest::Error> {
    if response
        .content_length()
        .is_some_and(|length| length > MAX_REPLY_BYTES as u64)
    {
        return Ok(None);
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > MAX_REPLY_BYTES {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

/// Longest piece of an error body quoted in a reason.
const QUOTED: usize = 300;

/// The text, trimmed and cut to [`QUOTED`] bytes between words.
fn shortened(text: &str) -> Cow<'_, str> {
    crate::checks::quote::clip(text.trim(), QUOTED)
}

/// The message of an error body: OpenAI's `error.message`, a bare
/// `message` or FastAPI's `detail`, else the body itself.
fn error_message(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body).ok().and_then(|value| {
        let found = value
            .pointer("/error/message")
            .or_else(|| value.get("message"))
            .or_else(|| value.get("detail"))
            .or_else(|| value.get("error"))?;
        Some(match found {
            Value::String(text) => text.clone(),
            other => other.to_string(),
        })
    });
    let message = message.unwrap_or_else(|| body.to_string());
    let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
    shortened(&message).into_owned()
}

/// An error that names the response format in its own words (or as its
/// `param`): the endpoint cannot do this mode, and the next one may work
/// (llama-cpp-python answers `json_schema` with HTTP 500 "Input should be
/// 'text' or 'json_object'"). An error that only echoes the request, which
/// holds a `response_format`, is not one.
fn rejects_response_format(status: StatusCode, body: &str) -> bool {
    if !matches!(status.as_u16(), 400 | 422 | 500) {
        return false;
    }
    let words = own_words(body);
    error_param(body).as_deref() == Some("response_format")
        || words.contains("response_format")
        || words.contains("json_schema")
}

/// What an error body says in its own words: its message, cut where an
/// echo of the request begins (`Request: {"model": ...`), so that a field
/// the request merely contains is not read as the field the server names.
fn own_words(body: &str) -> String {
    let message = serde_json::from_str::<Value>(body)
        .ok()
        .and_then(|value| {
            let found = value
                .pointer("/error/message")
                .or_else(|| value.get("message"))
                .or_else(|| value.get("detail"))?;
            Some(match found {
                Value::String(text) => text.clone(),
                other => other.to_string(),
            })
        })
        .unwrap_or_else(|| body.to_string());
    let echo = ["{\"", "{ \"", "{\n"]
        .iter()
        .filter_map(|start| message.find(start))
        .min()
        .unwrap_or(message.len());
    message[..echo].to_string()
}

/// The field an error names as its `param` (OpenAI's error objects).
fn error_param(body: &str) -> Option<String> {
    let value = serde_json::from_str::<Value>(body).ok()?;
    Some(value.pointer("/error/param")?.as_str()?.to_string())
}

/// Which token-limit field to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LimitField {
    /// `max_completion_tokens`, and `max_tokens` too outside `json_schema`
    /// mode (servers that speak the older API know only that one).
    Default,
    /// Only `max_tokens`: deployments that reject `max_completion_tokens`
    /// (Azure OpenAI before api-version 2024-09-01-preview).
    MaxTokens,
    /// Only `max_completion_tokens`: models that reject `max_tokens`
    /// (OpenAI's o-series).
    MaxCompletionTokens,
}

impl LimitField {
    fn from_u8(value: u8) -> Self {
        match value {
            1 => LimitField::MaxTokens,
            2 => LimitField::MaxCompletionTokens,
            _ => LimitField::Default,
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            LimitField::MaxTokens => "max_tokens",
            _ => "max_completion_tokens",
        }
    }
}

/// The token-limit field a 400 or 422 rejects, if that is what it says: the
/// field to send instead.
fn rejected_limit_field(status: StatusCode, body: &str) -> Option<LimitField> {
    if !matches!(status.as_u16(), 400 | 422) {
        return None;
    }
    let words = own_words(body);
    let param = error_param(body);
    if param.as_deref() == Some("max_tokens")
        || words.contains("'max_tokens' is not supported")
        || words.contains("parameter: 'max_tokens'")
    {
        Some(LimitField::MaxCompletionTokens)
    } else if param.as_deref() == Some("max_completion_tokens")
        || words.contains("max_completion_tokens")
    {
        Some(LimitField::MaxTokens)
    } else {
        None
    }
}

/// A 5xx that will answer the same however often it is asked.
fn deterministic_server_error(body: &str) -> bool {
    body.contains("validation error") || body.contains("Input should be")
}

/// The request body for one call.
fn request_body(
    settings: &JudgeSettings,
    system: &str,
    user: &str,
    schema: &Value,
    mode: OutputMode,
    limit: LimitField,
) -> Vec<u8> {
    let system = match mode {
        OutputMode::JsonSchema => Cow::Borrowed(system),
        _ => Cow::Owned(format!(
            "{system}\n\nThe JSON object must match this JSON schema: {schema}"
        )),
    };
    let mut body = json!({
        "model": settings.model,
        "messages": [
            {"role": "system", "content": system},
            {"role": "user", "content": user},
        ],
        "temperature": settings.temperature,
        "max_completion_tokens": settings.max_tokens,
    });
    let fields = body.as_object_mut().expect("the body is an object");
    match mode {
        OutputMode::JsonSchema => {
            fields.insert(
                "response_format".into(),
                json!({"type": "json_schema", "json_schema": {"name": "verdict", "schema": schema, "strict": true}}),
            );
        }
        OutputMode::JsonObject => {
            fields.insert(
                "response_format".into(),
                json!({"type": "json_object", "schema": schema}),
            );
            // Servers that speak the older API know only `max_tokens`.
            fields.insert("max_tokens".into(), json!(settings.max_tokens));
        }
        OutputMode::Text => {
            fields.insert("max_tokens".into(), json!(settings.max_tokens));
        }
    }
    match limit {
        LimitField::Default => {}
        LimitField::MaxTokens => {
            fields.remove("max_completion_tokens");
            fields.insert("max_tokens".into(), json!(settings.max_tokens));
        }
        LimitField::MaxCompletionTokens => {
            fields.remove("max_tokens");
        }
    }
    serde_json::to_vec(&body).expect("a JSON value serializes")
}

/// `base_url` + `/chat/completions`, its query string kept after the path.
fn completions_url(base_url: &str) -> Result<Url, String> {
    let mut url = Url::parse(base_url.trim())
        .map_err(|err| format!("invalid judge base URL `{base_url}`: {err}"))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(format!(
            "invalid judge base URL `{base_url}`: expected http or https"
        ));
    }
    let path = url.path().trim_end_matches('/').to_string();
    if !path.ends_with("/chat/completions") {
        url.set_path(&format!("{path}/chat/completions"));
    }
    url.set_fragment(None);
    Ok(url)
}

/// A header the client adds to a redirect it was answered (never sent): the
/// URL that answered it.
const ANSWERED_FROM: &str = "x-handoff-eval-answered-from";

/// The most redirects followed for one call, with `--judge-follow-redirects`.
const MAX_REDIRECTS: usize = 5;

/// How a failure to connect begins, in every reason that says it.
const CANNOT_CONNECT: &str = "cannot connect to the judge at";

/// Calls in a row (each after its retries) that could not connect, with no
/// answer ever received, after which the endpoint is taken as unreachable
/// for the rest of the run: a server that is not running, or a mistyped
/// address, would otherwise cost every call its retries and timeouts.
const UNREACHABLE_AFTER: u32 = 3;

/// Whether the endpoint ever answered, and how many calls in a row could
/// not connect; once it is unreachable, why.
#[derive(Default)]
struct Reachability {
    answered: AtomicBool,
    failed_in_a_row: AtomicU32,
    unreachable: Mutex<Option<String>>,
}

/// Where the judge is called, as it may be shown: without user and
/// password, and with every query value but `api-version` redacted.
fn shown(url: &Url) -> String {
    let mut url = url.clone();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if let Some(query) = url.query() {
        let pairs: Vec<String> = query
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some(("api-version", _)) | None => pair.to_string(),
                Some((name, _)) => format!("{name}={}", super::redact::REDACTED),
            })
            .collect();
        url.set_query(Some(&pairs.join("&")));
    }
    url.to_string()
}

/// The structured-output mode of a run, settled by its first answered call.
struct Negotiation {
    mode: AtomicU8,
    /// A [`LimitField`].
    limit: AtomicU8,
    settled: AtomicBool,
    /// Held by the calls that run while the mode is not settled yet, so that
    /// a refusing endpoint refuses once, not once per call in flight.
    gate: tokio::sync::Mutex<()>,
    /// Why the mode is not `json_schema`.
    fallback: Mutex<Option<String>>,
}

type Notice = Box<dyn Fn(&str) + Send + Sync>;

/// A failed attempt: either the endpoint refused the response format, and
/// the next mode may work, or a final error.
enum Failure {
    FormatRejected(String),
    /// The token-limit field was refused; the other one may work.
    LimitRejected(LimitField, String),
    Error(JudgeError),
    /// No connection could be made (after the retries).
    CannotConnect(JudgeError),
}

/// Makes ring's cryptography the process's TLS provider, once (later
/// calls do nothing). reqwest is built on rustls without a provider of its
/// own (`rustls-no-provider`), so that no C crypto library is compiled
/// with CMake; every reqwest client in the process (the judge's, and the
/// WebDriver client of the browser test) needs one installed before it is
/// built. Certificates are checked against the platform's roots
/// (rustls-platform-verifier).
pub fn install_tls_provider() {
    let _ = rustls::crypto::ring::default_provider().install_default();
}

/// A judge endpoint, ready for calls from many tasks.
pub struct JudgeClient {
    http: reqwest::Client,
    url: Url,
    auth: HeaderMap,
    settings: JudgeSettings,
    throttle: Arc<Throttle>,
    redactor: Redactor,
    negotiation: Negotiation,
    reachability: Reachability,
    notice: Option<Notice>,
}

impl JudgeClient {
    pub fn new(settings: JudgeSettings) -> Result<Self, JudgeError> {
        let mut redactor = Redactor::new(settings.api_key.as_deref());
        if let Ok(base) = Url::parse(settings.base_url.trim()) {
            redactor = redactor.with_url_secrets(&base);
        }
        let scrubbed = |text: String| JudgeError(redactor.scrub_owned(text));
        let url = completions_url(&settings.base_url).map_err(scrubbed)?;
        let policy = if settings.follow_redirects {
            reqwest::redirect::Policy::custom(|attempt| {
                let same_origin = attempt
                    .previous()
                    .last()
                    .is_some_and(|from| from.origin() == attempt.url().origin());
                // 301, 302 and 303 turn a POST into a GET without its body.
                let keeps_body = matches!(attempt.status().as_u16(), 307 | 308);
                if same_origin && keeps_body && attempt.previous().len() <= MAX_REDIRECTS {
                    attempt.follow()
                } else {
                    attempt.stop()
                }
            })
        } else {
            reqwest::redirect::Policy::none()
        };
        install_tls_provider();
        let http = reqwest::Client::builder()
            .timeout(settings.timeout)
            .redirect(policy)
            .build()
            .map_err(|err| scrubbed(format!("cannot build the HTTP client: {err}")))?;
        let mut auth = HeaderMap::new();
        // A key read from a file often ends with a newline: not part of it.
        if let Some(key) = settings
            .api_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
        {
            // Azure OpenAI's deployment URLs carry `api-version` and take the
            // key as `api-key`; everything else takes a bearer token.
            let azure = url.query_pairs().any(|(name, _)| name == "api-version");
            let (name, value) = if azure {
                ("api-key", key.to_string())
            } else {
                ("authorization", format!("Bearer {key}"))
            };
            let mut value = HeaderValue::from_str(&value)
                .map_err(|_| JudgeError("the API key is not a valid HTTP header value".into()))?;
            value.set_sensitive(true);
            auth.insert(name, value);
        }
        Ok(JudgeClient {
            http,
            url,
            auth,
            throttle: Arc::new(Throttle::new(settings.concurrency)),
            settings,
            redactor,
            negotiation: Negotiation {
                mode: AtomicU8::new(0),
                limit: AtomicU8::new(0),
                settled: AtomicBool::new(false),
                gate: tokio::sync::Mutex::new(()),
                fallback: Mutex::new(None),
            },
            reachability: Reachability::default(),
            notice: None,
        })
    }

    /// Where a change of structured-output mode is said, once (the command
    /// line prints it on stderr).
    pub fn with_notice(mut self, notice: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.notice = Some(Box::new(notice));
        self
    }

    /// What, besides the messages, decides a reply: for cache keys. The
    /// structured-output mode is not part of it: it is how the same question
    /// is put to a given endpoint.
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

    /// The scrubber every judge-derived text goes through.
    pub fn redactor(&self) -> &Redactor {
        &self.redactor
    }

    /// The structured-output mode the run settled on, and why it is not
    /// `json_schema`; `None` before any call was answered.
    pub fn structured_output(&self) -> Option<(OutputMode, Option<String>)> {
        let negotiation = &self.negotiation;
        negotiation.settled.load(Ordering::Acquire).then(|| {
            (
                OutputMode::from_u8(negotiation.mode.load(Ordering::Acquire)),
                negotiation.fallback.lock().expect("fallback lock").clone(),
            )
        })
    }

    /// One judge call: a system and a user message, a reply constrained to
    /// `schema` in the best mode the endpoint takes.
    pub async fn complete(
        &self,
        system: &str,
        user: &str,
        schema: Value,
    ) -> Result<Reply, JudgeError> {
        let _permit = self.throttle.acquire().await;
        let negotiation = &self.negotiation;
        let _gate = if negotiation.settled.load(Ordering::Acquire) {
            None
        } else {
            let gate = negotiation.gate.lock().await;
            (!negotiation.settled.load(Ordering::Acquire)).then_some(gate)
        };
        loop {
            let mode = OutputMode::from_u8(negotiation.mode.load(Ordering::Acquire));
            let limit = LimitField::from_u8(negotiation.limit.load(Ordering::Acquire));
            let body = request_body(&self.settings, system, user, &schema, mode, limit);
            match self.post(body, mode).await {
                Err(Failure::FormatRejected(why)) => self.fall_back(mode, &why),
                Err(Failure::LimitRejected(field, why)) if limit == LimitField::Default => {
                    self.switch_limit(field, &why)
                }
                result => {
                    negotiation.settled.store(true, Ordering::Release);
                    return result.map_err(|failure| match failure {
                        Failure::Error(err) | Failure::CannotConnect(err) => err,
                        Failure::FormatRejected(why) | Failure::LimitRejected(_, why) => {
                            JudgeError(why)
                        }
                    });
                }
            }
        }
    }

    /// Moves the run from `mode` to the next one, once, and says so.
    fn fall_back(&self, mode: OutputMode, why: &str) {
        let next = mode.next().expect("text mode is never refused");
        let moved = self.negotiation.mode.compare_exchange(
            mode as u8,
            next as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if moved.is_err() {
            return;
        }
        self.record_fallback(
            format!("{} refused `{}` ({why})", shown(&self.url), mode.as_str()),
            &format!(
                "judge: the endpoint at {} refused `{}` response formats ({why}); judging in `{}` mode for the rest of this run",
                shown(&self.url),
                mode.as_str(),
                next.as_str()
            ),
        );
    }

    /// Adds `reason` to why the run does not ask as it first did (the
    /// summary's `structured_output_fallback`), and says `notice` once.
    fn record_fallback(&self, reason: String, notice: &str) {
        let mut fallback = self.negotiation.fallback.lock().expect("fallback lock");
        let reason = match fallback.take() {
            Some(earlier) => format!("{earlier}; {reason}"),
            None => reason,
        };
        *fallback = Some(self.redactor.scrub_owned(reason));
        drop(fallback);
        if let Some(say) = &self.notice {
            say(&self.redactor.scrub(notice));
        }
    }

    /// Sends `field` as the token limit for the rest of the run, and says so.
    fn switch_limit(&self, field: LimitField, why: &str) {
        let moved = self.negotiation.limit.compare_exchange(
            LimitField::Default as u8,
            field as u8,
            Ordering::AcqRel,
            Ordering::Acquire,
        );
        if moved.is_err() {
            return;
        }
        self.record_fallback(
            format!(
                "{} refused the token-limit field ({why}); sending only `{}`",
                shown(&self.url),
                field.as_str()
            ),
            &format!(
                "judge: the endpoint at {} refused the token-limit field ({why}); sending only `{}` for the rest of this run",
                shown(&self.url),
                field.as_str()
            ),
        );
    }

    /// Sends one request body, retrying what is transient; an endpoint
    /// found unreachable is not called again (see [`UNREACHABLE_AFTER`]).
    async fn post(&self, body: Vec<u8>, mode: OutputMode) -> Result<Reply, Failure> {
        if let Some(why) = self.unreachable() {
            return Err(Failure::Error(JudgeError(why)));
        }
        let result = self.post_once(body, mode).await;
        match &result {
            Err(Failure::CannotConnect(_)) => self.could_not_connect(),
            _ => {
                self.reachability.answered.store(true, Ordering::Release);
                self.reachability
                    .failed_in_a_row
                    .store(0, Ordering::Release);
            }
        }
        result
    }

    /// Why the endpoint is not called again, once it is unreachable.
    fn unreachable(&self) -> Option<String> {
        self.reachability
            .unreachable
            .lock()
            .expect("reachability lock")
            .clone()
    }

    /// Counts a call that could not connect; the [`UNREACHABLE_AFTER`]th in a
    /// row, with no answer ever, marks the endpoint unreachable and says so.
    fn could_not_connect(&self) {
        let reach = &self.reachability;
        let in_a_row = reach.failed_in_a_row.fetch_add(1, Ordering::AcqRel) + 1;
        if in_a_row < UNREACHABLE_AFTER || reach.answered.load(Ordering::Acquire) {
            return;
        }
        let mut unreachable = reach.unreachable.lock().expect("reachability lock");
        if unreachable.is_some() {
            return;
        }
        let why = format!(
            "{CANNOT_CONNECT} {} ({in_a_row} calls in a row, retries included, and no answer yet): \
             not called again in this run; is the server running, and is the address right?",
            shown(&self.url)
        );
        *unreachable = Some(self.redactor.scrub_owned(why.clone()));
        drop(unreachable);
        if let Some(say) = &self.notice {
            say(&self
                .redactor
                .scrub(&format!("judge: {why}; its checks are unscored")));
        }
    }

    async fn post_once(&self, body: Vec<u8>, mode: OutputMode) -> Result<Reply, Failure> {
        let started = Instant::now();
        let mut attempt = 0;
        loop {
            let request = self
                .http
                .post(self.url.clone())
                .headers(self.auth.clone())
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(body.clone());
            let answered = async {
                let response = request.send().await?;
                let (status, mut headers) = (response.status(), response.headers().clone());
                if status.is_redirection() {
                    // Where the redirect was answered from, to resolve its target.
                    if let Ok(from) = HeaderValue::from_str(response.url().as_str()) {
                        headers.insert(ANSWERED_FROM, from);
                    }
                }
                Ok::<_, reqwest::Error>((status, headers, bounded_body(response).await?))
            }
            .await;
            let answered = match answered {
                Ok((status, _, None)) => {
                    return Err(Failure::Error(JudgeError(format!(
                        "the judge's reply (HTTP {}) is larger than {} MiB; not read",
                        status.as_u16(),
                        MAX_REPLY_BYTES >> 20
                    ))));
                }
                Ok((status, headers, Some(bytes))) => Ok((status, headers, bytes)),
                Err(err) => Err(err),
            };
            let (error, wait, connect) = match answered {
                Ok((status, _, bytes)) if status.is_success() => {
                    self.throttle.succeeded();
                    return self.reply(&bytes, started).map_err(Failure::Error);
                }
                Ok((status, headers, _)) if status.is_redirection() => {
                    return Err(Failure::Error(self.redirected(status, &headers)));
                }
                Ok((status, headers, bytes)) => {
                    let body = self
                        .redactor
                        .scrub_owned(String::from_utf8_lossy(&bytes).into_owned());
                    let message = error_message(&body);
                    if let Some(field) = rejected_limit_field(status, &body) {
                        return Err(Failure::LimitRejected(
                            field,
                            format!("HTTP {}: {message}", status.as_u16()),
                        ));
                    }
                    if mode != OutputMode::Text && rejects_response_format(status, &body) {
                        return Err(Failure::FormatRejected(format!(
                            "HTTP {}: {message}",
                            status.as_u16()
                        )));
                    }
                    let wait = match status.as_u16() {
                        429 if !body.contains("insufficient_quota") => {
                            self.throttle.rate_limited();
                            Some(server_wait(&headers, Timestamp::now()))
                        }
                        500..=599 if !deterministic_server_error(&body) => {
                            Some(server_wait(&headers, Timestamp::now()))
                        }
                        _ => None,
                    };
                    let wait = wait.map(|asked| asked.unwrap_or_else(|| backoff(attempt)));
                    (self.http_error(status, &message), wait, false)
                }
                Err(err) => {
                    let transient = err.is_timeout()
                        || err.is_connect()
                        || err.is_request()
                        || err.is_body()
                        || err.is_decode();
                    (
                        self.transport_error(&err),
                        transient.then(|| backoff(attempt)),
                        err.is_connect(),
                    )
                }
            };
            match wait {
                Some(wait) if attempt < self.settings.max_retries => {
                    attempt += 1;
                    tokio::time::sleep(wait).await;
                }
                _ if connect => return Err(Failure::CannotConnect(error)),
                _ => return Err(Failure::Error(error)),
            }
        }
    }

    /// A 200 body as a [`Reply`], read without a fixed type.
    fn reply(&self, bytes: &[u8], started: Instant) -> Result<Reply, JudgeError> {
        let text = String::from_utf8_lossy(bytes);
        let malformed = |why: String| {
            let quoted = self.redactor.scrub(&text);
            JudgeError(format!(
                "malformed reply from the judge ({}): {}",
                self.redactor.scrub(&why),
                shortened(&quoted)
            ))
        };
        let value: Value = match serde_json::from_str(&text) {
            Ok(value) => value,
            Err(_) => serde_json::from_str(&escape_raw_controls(&text))
                .map_err(|err| malformed(err.to_string()))?,
        };
        let choice = value
            .get("choices")
            .and_then(|choices| choices.get(0))
            .filter(|choice| choice.is_object())
            .ok_or_else(|| malformed("no `choices`".to_string()))?;
        let message = choice.get("message").unwrap_or(&Value::Null);
        let content = match message.get("content") {
            Some(Value::String(text)) => text.clone(),
            Some(Value::Array(parts)) => parts
                .iter()
                .filter_map(|part| part.get("text").and_then(Value::as_str).or(part.as_str()))
                .collect(),
            _ => String::new(),
        };
        let text_of = |value: Option<&Value>| {
            value
                .and_then(Value::as_str)
                .filter(|text| !text.trim().is_empty())
                .map(|text| self.redactor.scrub(text).into_owned())
        };
        let usage = value.get("usage");
        let tokens = |name: &str| usage.and_then(|u| u.get(name)).and_then(Value::as_u64);
        Ok(Reply {
            content: self.redactor.scrub_owned(content),
            finish_reason: choice
                .get("finish_reason")
                .and_then(Value::as_str)
                .map(|reason| self.redactor.scrub(reason).into_owned()),
            refusal: text_of(message.get("refusal")),
            input_tokens: tokens("prompt_tokens"),
            output_tokens: tokens("completion_tokens"),
            latency: started.elapsed(),
        })
    }

    fn http_error(&self, status: StatusCode, message: &str) -> JudgeError {
        let code = status.as_u16();
        let text = if code == 404 {
            format!(
                "the judge answered HTTP 404 at {}: {message} (is --judge-base-url right?)",
                shown(&self.url)
            )
        } else {
            format!("the judge answered HTTP {code}: {message}")
        };
        JudgeError(self.redactor.scrub_owned(text))
    }

    fn redirected(&self, status: StatusCode, headers: &HeaderMap) -> JudgeError {
        let location = headers
            .get(reqwest::header::LOCATION)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned());
        let target = location
            .clone()
            .unwrap_or_else(|| "an unnamed location".to_string());
        let from = headers
            .get(ANSWERED_FROM)
            .and_then(|value| Url::parse(value.to_str().ok()?).ok())
            .unwrap_or_else(|| self.url.clone());
        let same_origin = location
            .and_then(|location| from.join(&location).ok())
            .is_some_and(|to| to.origin() == self.url.origin());
        let why = if !self.settings.follow_redirects {
            "redirects are not followed without --judge-follow-redirects".to_string()
        } else if !matches!(status.as_u16(), 307 | 308) {
            format!(
                "an HTTP {} would re-send the call as a GET without its body; only 307 and 308 are followed",
                status.as_u16()
            )
        } else if same_origin {
            format!("more than {MAX_REDIRECTS} redirects in a row (a loop?)")
        } else {
            "only redirects to the same origin are followed".to_string()
        };
        JudgeError(self.redactor.scrub_owned(format!(
            "the judge redirected the call (HTTP {}) to {}; not followed: {why}",
            status.as_u16(),
            shortened(&target)
        )))
    }

    fn transport_error(&self, err: &reqwest::Error) -> JudgeError {
        let text = if err.is_timeout() {
            format!("the judge timed out after {:?}", self.settings.timeout)
        } else if err.is_connect() {
            format!("{CANNOT_CONNECT} {}", shown(&self.url))
        } else {
            let mut text = format!("judge call failed: {err}");
            let mut source = std::error::Error::source(err);
            while let Some(cause) = source {
                text.push_str(&format!(": {cause}"));
                source = cause.source();
            }
            text
        };
        JudgeError(self.redactor.scrub_owned(text))
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

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.insert(*name, value.parse().unwrap());
        }
        headers
    }

    #[test]
    fn retry_after_is_read_as_seconds_or_as_a_date_and_capped() {
        let now: Timestamp = "2026-10-21T07:28:00Z".parse().unwrap();
        let wait = |pairs: &[(&'static str, &str)]| server_wait(&headers(pairs), now);
        assert_eq!(wait(&[]), None);
        assert_eq!(wait(&[("retry-after", "2")]), Some(Duration::from_secs(2)));
        assert_eq!(
            wait(&[("retry-after", "0.5")]),
            Some(Duration::from_millis(500))
        );
        assert_eq!(wait(&[("retry-after", "86400")]), Some(MAX_WAIT));
        // The three forms of an HTTP date, six seconds ahead.
        for date in [
            "Wed, 21 Oct 2026 07:28:06 GMT",
            "Wednesday, 21-Oct-26 07:28:06 GMT",
            "Wed Oct 21 07:28:06 2026",
        ] {
            assert_eq!(
                wait(&[("retry-after", date)]),
                Some(Duration::from_secs(6)),
                "{date}"
            );
        }
        assert_eq!(
            wait(&[("retry-after", "Wed, 21 Oct 2026 07:27:00 GMT")]),
            Some(Duration::ZERO),
            "a date in the past: no wait"
        );
        assert_eq!(wait(&[("retry-after", "soon")]), None);
        assert_eq!(
            wait(&[("retry-after", "Fri, 31 Dec 9999 23:59:59 GMT")]),
            Some(MAX_WAIT),
            "a date far ahead is capped, not ignored"
        );
        // Values beyond what a Duration holds are capped, never a panic.
        for (name, value) in [
            ("retry-after", "99999999999999999999999"),
            ("retry-after", "18446744073709551615"),
            ("retry-after", "1e400"),
            ("retry-after-ms", "1e300"),
            ("x-ratelimit-reset-requests", "99999999999999999999999s"),
            ("x-ratelimit-reset-requests", "5124095576030431h"),
        ] {
            assert_eq!(wait(&[(name, value)]), Some(MAX_WAIT), "{name}: {value}");
        }
    }

    #[test]
    fn retry_after_ms_and_rate_limit_resets_are_fallbacks() {
        let now = Timestamp::UNIX_EPOCH;
        let wait = |pairs: &[(&'static str, &str)]| server_wait(&headers(pairs), now);
        assert_eq!(
            wait(&[("retry-after-ms", "1500")]),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            wait(&[("retry-after", "3"), ("retry-after-ms", "1500")]),
            Some(Duration::from_secs(3)),
            "Retry-After comes first"
        );
        assert_eq!(
            wait(&[
                ("x-ratelimit-remaining-requests", "0"),
                ("x-ratelimit-reset-requests", "1m2.5s"),
                ("x-ratelimit-remaining-tokens", "4000"),
                ("x-ratelimit-reset-tokens", "20ms"),
            ]),
            Some(Duration::from_millis(62_500)).map(|d| d.min(MAX_WAIT)),
            "the exhausted limit's reset"
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset-tokens", "6m0s")]),
            Some(MAX_WAIT)
        );
        assert_eq!(
            wait(&[("x-ratelimit-reset-tokens", "250ms")]),
            Some(Duration::from_millis(250))
        );
        assert_eq!(wait(&[("x-ratelimit-reset-tokens", "later")]), None);
    }

    #[test]
    fn a_query_string_stays_after_the_path() {
        let url = completions_url(
            "https://example.openai.azure.com/openai/deployments/gpt-4o/?api-version=2024-10-21",
        )
        .unwrap();
        assert_eq!(
            url.as_str(),
            "https://example.openai.azure.com/openai/deployments/gpt-4o/chat/completions?api-version=2024-10-21"
        );
        assert_eq!(
            completions_url("http://127.0.0.1:8000/v1")
                .unwrap()
                .as_str(),
            "http://127.0.0.1:8000/v1/chat/completions"
        );
        assert_eq!(
            completions_url("http://h/v1/chat/completions")
                .unwrap()
                .as_str(),
            "http://h/v1/chat/completions"
        );
        assert!(completions_url("ftp://h/v1").is_err());
        assert!(completions_url("not a url").is_err());
    }

    #[test]
    fn format_refusals_are_told_from_other_errors() {
        let llama_cpp_python = r#"{"error": {"message": "1 validation error for CreateChatCompletionRequest\nresponse_format.type\n  Input should be 'text' or 'json_object'", "type": "internal_server_error", "param": null, "code": null}}"#;
        assert!(rejects_response_format(
            StatusCode::INTERNAL_SERVER_ERROR,
            llama_cpp_python
        ));
        assert!(deterministic_server_error(llama_cpp_python));
        assert!(!rejects_response_format(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"error": {"message": "upstream failed"}}"#
        ));
        assert!(!rejects_response_format(
            StatusCode::UNAUTHORIZED,
            "response_format"
        ));
        let echo = r#"{"error": {"message": "This model's maximum context length is 512 tokens. However, you requested 9999 tokens. Request: {\"model\": \"m\", \"response_format\": {\"type\": \"json_schema\"}}", "type": "BadRequestError"}}"#;
        assert!(!rejects_response_format(StatusCode::BAD_REQUEST, echo));
        let named = r#"{"error": {"message": "Invalid parameter.", "param": "response_format"}}"#;
        assert!(rejects_response_format(StatusCode::BAD_REQUEST, named));
        assert_eq!(
            error_message(llama_cpp_python),
            "1 validation error for CreateChatCompletionRequest response_format.type Input should be 'text' or 'json_object'"
        );
        assert_eq!(error_message("plain text\n"), "plain text");
    }

    #[test]
    fn a_refused_token_limit_field_names_the_other_one() {
        let azure = r#"{"error": {"message": "Unrecognized request argument supplied: max_completion_tokens", "type": "invalid_request_error", "param": null, "code": null}}"#;
        assert_eq!(
            rejected_limit_field(StatusCode::BAD_REQUEST, azure),
            Some(LimitField::MaxTokens)
        );
        let o_series = r#"{"error": {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}}"#;
        assert_eq!(
            rejected_limit_field(StatusCode::BAD_REQUEST, o_series),
            Some(LimitField::MaxCompletionTokens)
        );
        // A message that merely echoes the request names no field.
        let echo = r#"{"error": {"message": "This model's maximum context length is 512 tokens. Request: {\"max_completion_tokens\": 400, \"response_format\": {}}"}}"#;
        assert_eq!(rejected_limit_field(StatusCode::BAD_REQUEST, echo), None);
        assert_eq!(rejected_limit_field(StatusCode::UNAUTHORIZED, azure), None);
    }
}

//! A chat-completions server on 127.0.0.1 that answers from a script, to
//! test the judge client against real HTTP. Each request takes the next
//! behaviour of the script (the last one repeats). It counts the calls it
//! receives, keeps their raw text, and stops when dropped.
//!
//! Its replies are shaped the way real servers and models answer: reasoning
//! models that think aloud, text-generation servers with their own
//! `finish_reason` values and thin `usage`, llama-cpp-python's refusal of
//! `json_schema` response formats (its exact HTTP 500), rate limits with
//! `Retry-After` as an HTTP date, gateways that redirect or echo a key.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde_json::{Value, json};

/// A 200 chat completion, field by field.
#[derive(Clone, Debug)]
pub struct Completion {
    pub message: Value,
    pub finish_reason: Value,
    /// `None` leaves `usage` out of the body.
    pub usage: Option<Value>,
}

impl Completion {
    /// A reply whose message content is `content`, finished with `stop`,
    /// with full usage.
    pub fn text(content: &str) -> Self {
        Completion {
            message: json!({"role": "assistant", "content": content}),
            finish_reason: json!("stop"),
            usage: Some(
                json!({"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}),
            ),
        }
    }

    pub fn finish(mut self, reason: Value) -> Self {
        self.finish_reason = reason;
        self
    }

    pub fn usage(mut self, usage: Option<Value>) -> Self {
        self.usage = usage;
        self
    }

    /// Sets a field of the message (`content`, `refusal`, `reasoning_content`).
    pub fn message(mut self, field: &str, value: Value) -> Self {
        self.message[field] = value;
        self
    }
}

#[derive(Clone, Debug)]
pub enum Behavior {
    /// 200 with a chat completion whose message content is this.
    Reply(String),
    /// 200 with this completion.
    Complete(Completion),
    /// 200 with exactly this body.
    RawBody(String),
    /// 429 with this `Retry-After` value.
    RateLimited(&'static str),
    /// 429 with `Retry-After` as an HTTP date this far ahead.
    RateLimitedUntil(Duration),
    /// 429 with this `retry-after-ms` value and no `Retry-After`.
    RateLimitedMs(&'static str),
    /// 503 with this `Retry-After` value.
    Unavailable(&'static str),
    /// 500.
    ServerError,
    /// This status with an OpenAI-style error whose message is this text.
    Error(u16, String),
    /// 404 as OpenAI answers a wrong path.
    NotFound,
    /// This redirect status with this `Location`.
    Redirect(u16, String),
    /// Wait this long, then reply.
    Slow(Duration, String),
    /// 200 with a body that is not JSON.
    Malformed,
    /// 200 with JSON that is not a chat completion.
    WrongShape,
    /// 401 whose message echoes this text (as some gateways echo the key).
    Unauthorized(String),
    /// Close the connection without answering.
    Hangup,
    /// llama-cpp-python's server: a `json_schema` response format is
    /// answered with its HTTP 500; anything else as the inner behaviour.
    LlamaCppPython(Box<Behavior>),
    /// A server that takes no `response_format` at all (HTTP 400 naming
    /// it); requests without one get the inner behaviour.
    TextOnly(Box<Behavior>),
    /// A deployment that does not know this request field: a request
    /// carrying it gets Azure OpenAI's HTTP 400 "Unrecognized request
    /// argument supplied: FIELD" (as gpt-4o deployments answered
    /// `max_completion_tokens` under api-version 2024-08-01-preview);
    /// others the inner behaviour.
    UnknownField(&'static str, Box<Behavior>),
    /// 400 whose message says the context is too long and then echoes the
    /// request body (as some OpenAI-compatible servers do), so that it holds
    /// the words `response_format` and `json_schema` without refusing them.
    ContextTooLongEcho,
    /// 200 with a chat completion whose content is this many bytes long.
    Huge(usize),
    /// 200 with no length and a body that never ends (written until the
    /// client hangs up).
    Endless,
}

/// The error body llama-cpp-python's server (0.3) sends for a
/// `response_format` of type `json_schema`, with HTTP 500.
pub const LLAMA_CPP_PYTHON_JSON_SCHEMA_ERROR: &str = r#"{"error":{"message":"1 validation error:\n  {'type': 'literal_error', 'loc': ('body', 'response_format', 'type'), 'msg': \"Input should be 'text' or 'json_object'\", 'input': 'json_schema', 'ctx': {'expected': \"'text' or 'json_object'\"}}\n\n  File \"/opt/venv/lib/python3.11/site-packages/llama_cpp/server/app.py\", line 376, in create_chat_completion\n    POST /v1/chat/completions","type":"internal_server_error","param":null,"code":null}}"#;

pub struct JudgeServer {
    addr: SocketAddr,
    calls: Arc<AtomicUsize>,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

fn completion_body(completion: &Completion) -> String {
    let mut body = json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "judge-test",
        "choices": [{"index": 0, "message": completion.message, "finish_reason": completion.finish_reason}],
    });
    if let Some(usage) = &completion.usage {
        body["usage"] = usage.clone();
    }
    body.to_string()
}

fn error_body(message: &str, kind: &str) -> String {
    json!({"error": {"message": message, "type": kind, "param": null, "code": null}}).to_string()
}

/// Counts one request as being answered from the moment its body has been
/// read until the moment its answer starts to go out (the client cannot
/// start the next call under its bound before it has the answer, so a count
/// taken this way never overshoots the bound by a race).
struct InFlight(Arc<(AtomicUsize, AtomicUsize)>);

impl InFlight {
    fn begin(counts: Arc<(AtomicUsize, AtomicUsize)>) -> Self {
        let now = counts.0.fetch_add(1, Ordering::SeqCst) + 1;
        counts.1.fetch_max(now, Ordering::SeqCst);
        InFlight(counts)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.0.0.fetch_sub(1, Ordering::SeqCst);
    }
}

thread_local! {
    static ANSWERING: std::cell::RefCell<Option<InFlight>> = const { std::cell::RefCell::new(None) };
}

fn respond(stream: &mut TcpStream, status: &str, extra: &str, body: &str) {
    ANSWERING.with(|answering| answering.borrow_mut().take());
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n{extra}\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes());
    let _ = stream.write_all(body.as_bytes());
}

fn serve(
    mut stream: TcpStream,
    behavior: Behavior,
    requests: Arc<Mutex<Vec<String>>>,
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
) {
    answer(&mut stream, behavior, requests, in_flight);
    ANSWERING.with(|answering| answering.borrow_mut().take());
}

/// The `response_format.type` a request body asks for, if any.
fn response_format(body: &str) -> Option<String> {
    let request: Value = serde_json::from_str(body).ok()?;
    Some(
        request
            .pointer("/response_format/type")?
            .as_str()?
            .to_string(),
    )
}

fn answer(
    stream: &mut TcpStream,
    behavior: Behavior,
    requests: Arc<Mutex<Vec<String>>>,
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
    let mut reader = BufReader::new(stream.try_clone().expect("clone stream"));

    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    let body = String::from_utf8_lossy(&body).into_owned();
    requests.lock().unwrap().push(format!("{head}\r\n{body}"));
    ANSWERING.with(|answering| *answering.borrow_mut() = Some(InFlight::begin(in_flight)));
    behave(stream, behavior, &body);
}

fn behave(stream: &mut TcpStream, behavior: Behavior, body: &str) {
    match behavior {
        Behavior::Reply(content) => respond(
            stream,
            "200 OK",
            "",
            &completion_body(&Completion::text(&content)),
        ),
        Behavior::Complete(completion) => {
            respond(stream, "200 OK", "", &completion_body(&completion))
        }
        Behavior::RawBody(raw) => respond(stream, "200 OK", "", &raw),
        Behavior::RateLimited(after) => respond(
            stream,
            "429 Too Many Requests",
            &format!("retry-after: {after}\r\n"),
            &error_body("Rate limit reached", "rate_limit_exceeded"),
        ),
        Behavior::RateLimitedUntil(ahead) => {
            let until = jiff::Timestamp::now() + jiff::SignedDuration::try_from(ahead).unwrap();
            let date = jiff::fmt::rfc2822::DateTimePrinter::new()
                .timestamp_to_rfc9110_string(&until)
                .unwrap();
            respond(
                stream,
                "429 Too Many Requests",
                &format!("retry-after: {date}\r\n"),
                &error_body("Rate limit reached", "rate_limit_exceeded"),
            )
        }
        Behavior::RateLimitedMs(millis) => respond(
            stream,
            "429 Too Many Requests",
            &format!("retry-after-ms: {millis}\r\n"),
            &error_body("Rate limit reached", "rate_limit_exceeded"),
        ),
        Behavior::Unavailable(after) => respond(
            stream,
            "503 Service Unavailable",
            &format!("retry-after: {after}\r\n"),
            &error_body("The server is overloaded", "server_error"),
        ),
        Behavior::ServerError => respond(
            stream,
            "500 Internal Server Error",
            "",
            &error_body("upstream failed", "server_error"),
        ),
        Behavior::Error(status, message) => respond(
            stream,
            &format!("{status} Error"),
            "",
            &error_body(&message, "invalid_request_error"),
        ),
        Behavior::NotFound => respond(
            stream,
            "404 Not Found",
            "",
            &error_body(
                "Invalid URL (POST /v2/chat/completions)",
                "invalid_request_error",
            ),
        ),
        Behavior::Redirect(status, location) => respond(
            stream,
            &format!("{status} Redirect"),
            &format!("location: {location}\r\n"),
            "",
        ),
        Behavior::Slow(delay, content) => {
            std::thread::sleep(delay);
            respond(
                stream,
                "200 OK",
                "",
                &completion_body(&Completion::text(&content)),
            );
        }
        Behavior::Malformed => respond(
            stream,
            "200 OK",
            "",
            "{\"id\": \"chatcmpl-test\", \"choices\": [{",
        ),
        Behavior::WrongShape => respond(stream, "200 OK", "", r#"{"result": "pass"}"#),
        Behavior::Hangup => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Behavior::Unauthorized(echo) => respond(
            stream,
            "401 Unauthorized",
            "",
            &json!({"error": {"message": format!("Incorrect API key provided: {echo}"), "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}).to_string(),
        ),
        Behavior::LlamaCppPython(inner) => {
            if response_format(body).as_deref() == Some("json_schema") {
                respond(
                    stream,
                    "500 Internal Server Error",
                    "",
                    LLAMA_CPP_PYTHON_JSON_SCHEMA_ERROR,
                );
            } else {
                behave(stream, *inner, body);
            }
        }
        Behavior::UnknownField(field, inner) => {
            let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            if request.get(field).is_some() {
                respond(
                    stream,
                    "400 Bad Request",
                    "",
                    &error_body(
                        &format!("Unrecognized request argument supplied: {field}"),
                        "invalid_request_error",
                    ),
                );
            } else {
                behave(stream, *inner, body);
            }
        }
        Behavior::ContextTooLongEcho => respond(
            stream,
            "400 Bad Request",
            "",
            &error_body(
                &format!(
                    "This model's maximum context length is 512 tokens. However, you requested 9999 tokens. Request: {}",
                    &body[..body.len().min(3000)]
                ),
                "BadRequestError",
            ),
        ),
        Behavior::Huge(size) => respond(
            stream,
            "200 OK",
            "",
            &completion_body(&Completion::text(&"x".repeat(size))),
        ),
        Behavior::Endless => {
            ANSWERING.with(|answering| answering.borrow_mut().take());
            let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n{\"choices\": [{\"message\": {\"content\": \"";
            let _ = stream.write_all(head.as_bytes());
            let chunk = vec![b'x'; 64 << 10];
            while stream.write_all(&chunk).is_ok() {}
        }
        Behavior::TextOnly(inner) => match response_format(body) {
            Some(kind) => respond(
                stream,
                "400 Bad Request",
                "",
                &json!({"error": {"message": format!("response_format of type `{kind}` is not supported"), "type": "invalid_request_error", "param": "response_format", "code": null}}).to_string(),
            ),
            None => behave(stream, *inner, body),
        },
    }
}

impl JudgeServer {
    pub fn start(script: Vec<Behavior>) -> Self {
        assert!(!script.is_empty(), "a script needs a behaviour");
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        let addr = listener.local_addr().unwrap();
        let calls = Arc::new(AtomicUsize::new(0));
        let in_flight = Arc::new((AtomicUsize::new(0), AtomicUsize::new(0)));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (calls, requests, stop) = (calls.clone(), requests.clone(), stop.clone());
            let in_flight = in_flight.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let index = calls.fetch_add(1, Ordering::SeqCst);
                    let behavior = script[index.min(script.len() - 1)].clone();
                    let (requests, in_flight) = (requests.clone(), in_flight.clone());
                    std::thread::spawn(move || serve(stream, behavior, requests, in_flight));
                }
            })
        };
        JudgeServer {
            addr,
            calls,
            in_flight,
            requests,
            stop,
            accept: Some(accept),
        }
    }

    pub fn base_url(&self) -> String {
        format!("http://{}/v1", self.addr)
    }

    /// `http://127.0.0.1:PORT` followed by `path`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The most requests the server was answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.1.load(Ordering::SeqCst)
    }

    /// Every request received, as raw text: request line, headers, body.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    /// The request bodies, parsed.
    pub fn bodies(&self) -> Vec<Value> {
        self.requests()
            .iter()
            .map(|raw| {
                let body = raw.split_once("\r\n\r\n").map_or("", |(_, body)| body);
                serde_json::from_str(body).unwrap_or(Value::Null)
            })
            .collect()
    }
}

impl Drop for JudgeServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect(self.addr);
        if let Some(accept) = self.accept.take() {
            let _ = accept.join();
        }
    }
}

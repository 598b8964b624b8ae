//! A chat-completions server on 127.0.0.1 that answers from a script, to
//! test the judge client against real HTTP. Each request takes the next
//! behaviour of the script (the last one repeats). It counts the calls it
//! receives, keeps their raw text, and stops when dropped.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

#[derive(Clone, Debug)]
pub enum Behavior {
    /// 200 with a chat completion whose message content is this.
    Reply(String),
    /// 429 with this `Retry-After` value.
    RateLimited(&'static str),
    /// 500.
    ServerError,
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
}

pub struct JudgeServer {
    addr: SocketAddr,
    calls: Arc<AtomicUsize>,
    /// Requests being answered now, and the most there ever were at once.
    in_flight: Arc<(AtomicUsize, AtomicUsize)>,
    requests: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

fn completion(content: &str) -> String {
    serde_json::json!({
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "judge-test",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150}
    })
    .to_string()
}

fn respond(stream: &mut TcpStream, status: &str, extra: &str, body: &str) {
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
    let now = in_flight.0.fetch_add(1, Ordering::SeqCst) + 1;
    in_flight.1.fetch_max(now, Ordering::SeqCst);
    answer(&mut stream, behavior, requests);
    in_flight.0.fetch_sub(1, Ordering::SeqCst);
}

fn answer(stream: &mut TcpStream, behavior: Behavior, requests: Arc<Mutex<Vec<String>>>) {
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
    requests
        .lock()
        .unwrap()
        .push(format!("{head}\r\n{}", String::from_utf8_lossy(&body)));
    match behavior {
        Behavior::Reply(content) => respond(stream, "200 OK", "", &completion(&content)),
        Behavior::RateLimited(after) => respond(
            stream,
            "429 Too Many Requests",
            &format!("retry-after: {after}\r\n"),
            r#"{"error": {"message": "Rate limit reached", "type": "rate_limit_exceeded", "param": null, "code": null}}"#,
        ),
        Behavior::ServerError => respond(
            stream,
            "500 Internal Server Error",
            "",
            r#"{"error": {"message": "upstream failed", "type": "server_error", "param": null, "code": null}}"#,
        ),
        Behavior::Slow(delay, content) => {
            std::thread::sleep(delay);
            respond(stream, "200 OK", "", &completion(&content));
        }
        Behavior::Malformed => respond(stream, "200 OK", "", "{\"id\": \"chatcmpl-test\", \"choices\": [{"),
        Behavior::WrongShape => respond(stream, "200 OK", "", r#"{"result": "pass"}"#),
        Behavior::Hangup => {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
        Behavior::Unauthorized(echo) => respond(
            stream,
            "401 Unauthorized",
            "",
            &serde_json::json!({"error": {"message": format!("Incorrect API key provided: {echo}"), "type": "invalid_request_error", "param": null, "code": "invalid_api_key"}}).to_string(),
        ),
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

    pub fn calls(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The most requests the server was answering at once.
    pub fn max_in_flight(&self) -> usize {
        self.in_flight.1.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
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

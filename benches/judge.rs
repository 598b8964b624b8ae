//! Judge throughput against a local OpenAI-compatible server that answers
//! every call after a fixed delay.
//!
//! ```sh
//! cargo bench --bench judge                 # 2,000 calls, 200 ms each, concurrency 64
//! ```
//!
//! Prints the judged run's wall time against the ideal
//! ceil(calls / concurrency) x delay (target: within 15%), the same file's
//! rule-only time, and the calls an identical re-run makes (target: zero,
//! all answered from the cache).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use handoff_eval::judge::cache::{Cache, CacheMode};
use handoff_eval::judge::client::{JudgeClient, JudgeSettings};
use handoff_eval::judge::runner::{JudgeRunner, LiveOptions};
use handoff_eval::run::{CallWriter, RunConfig, run};
use handoff_eval::synth::{Generator, SynthConfig};
use handoff_eval::trace::Input;

#[global_allocator]
static GLOBAL: handoff_eval::alloc::MiMalloc = handoff_eval::alloc::MiMalloc;

const CALLS: usize = 2000;
const CONCURRENCY: usize = 64;
const DELAY: Duration = Duration::from_millis(200);

const RUBRIC: &str = "\
rubric: judge-bench
version: 1
pass_threshold: 50
dimensions:
  - id: judged
    title: Judged
    checks:
      - judge: { prompt: prompt.md.j2 }
  - id: ruled
    title: Ruled
    checks:
      - phrase_absent: { speaker: human, patterns: ['account number', 'date of birth'] }
";

/// Answers every request after `DELAY`, one thread per connection; counts calls.
fn serve(listener: TcpListener, calls: Arc<AtomicUsize>) {
    for stream in listener.incoming() {
        let Ok(stream) = stream else { continue };
        let calls = calls.clone();
        std::thread::spawn(move || answer(stream, &calls));
    }
}

fn answer(mut stream: TcpStream, calls: &AtomicUsize) {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(value) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = value.trim().parse().unwrap_or(0);
        }
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    calls.fetch_add(1, Ordering::SeqCst);
    std::thread::sleep(DELAY);
    let content = r#"{\"reasoning\": \"fine\", \"verdict\": \"pass\"}"#;
    let body = format!(
        r#"{{"id":"b","object":"chat.completion","created":0,"model":"m","choices":[{{"index":0,"message":{{"role":"assistant","content":"{content}"}},"finish_reason":"stop"}}],"usage":{{"prompt_tokens":100,"completion_tokens":10,"total_tokens":110}}}}"#
    );
    let _ = write!(
        stream,
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
}

fn main() {
    handoff_eval::alloc::keep_freed_memory();
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/judge");
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("rubric.yaml"), RUBRIC).unwrap();
    std::fs::write(
        dir.join("prompt.md.j2"),
        "{{ transcript.whole }}\n{{ answer }}\n",
    )
    .unwrap();
    let input = dir.join("conversations.jsonl");
    let mut lines = String::new();
    for conversation in Generator::new(SynthConfig::default()).take(CALLS) {
        lines.push_str(&conversation.to_string());
        lines.push('\n');
    }
    std::fs::write(&input, lines).unwrap();
    let rubric = handoff_eval::rubric::load(&dir.join("rubric.yaml")).unwrap();

    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base_url = format!("http://{}/v1", listener.local_addr().unwrap());
    let calls = Arc::new(AtomicUsize::new(0));
    {
        let calls = calls.clone();
        std::thread::spawn(move || serve(listener, calls));
    }
    let runner = || {
        let client = JudgeClient::new(JudgeSettings {
            base_url: base_url.clone(),
            api_key: Some("bench".into()),
            model: "bench".into(),
            temperature: 0.0,
            max_tokens: 50,
            timeout: Duration::from_secs(30),
            max_retries: 0,
            concurrency: CONCURRENCY,
            follow_redirects: false,
        })
        .unwrap();
        let options = LiveOptions {
            cache: Some(Cache::new(&dir.join("cache"), CacheMode::ReadWrite)),
            samples: 1,
            price: None,
        };
        JudgeRunner::live(client, "bench", options).unwrap()
    };
    let config = RunConfig::default();
    let score = |judge: &JudgeRunner| {
        let start = Instant::now();
        let outcome = run(
            &rubric,
            vec![Input::File(input.clone())],
            &config,
            judge,
            &mut CallWriter(std::io::sink()),
        )
        .unwrap();
        assert_eq!(outcome.lines.scored as usize, CALLS);
        start.elapsed()
    };

    let rules_only = score(&JudgeRunner::Off);
    let judged = score(&runner());
    let first_calls = calls.load(Ordering::SeqCst);
    let rerun = score(&runner());
    let rerun_calls = calls.load(Ordering::SeqCst) - first_calls;

    let ideal = DELAY * CALLS.div_ceil(CONCURRENCY) as u32;
    println!(
        "judge calls: {first_calls} at concurrency {CONCURRENCY}, {} ms each",
        DELAY.as_millis()
    );
    println!(
        "judged run:  {:.2} s; ideal {:.2} s; {:+.1}% (target: within 15%)",
        judged.as_secs_f64(),
        ideal.as_secs_f64(),
        100.0 * (judged.as_secs_f64() / ideal.as_secs_f64() - 1.0)
    );
    println!(
        "rules only:  {:.2} s for the same {CALLS} conversations",
        rules_only.as_secs_f64()
    );
    println!(
        "re-run:      {:.2} s, {rerun_calls} HTTP calls (target: 0)",
        rerun.as_secs_f64()
    );
}

//! Time and peak memory of contact-center imports, by input size.
//!
//! ```sh
//! cargo bench --bench import            # 1,000 to 8,000 transcripts; chats of 50,000 to 200,000 items
//! cargo bench --bench import -- --quick # 1,000 and 2,000 transcripts; 50,000 and 100,000 items
//! ```
//!
//! 1. Genesys Cloud: N Speech & Text Analytics transcripts in one JSONL
//!    file, with their N conversation details in one details query result
//!    (`{"conversations": [...]}`) beside it, joined on `conversationId`.
//! 2. Amazon Connect: one Contact Lens chat analysis of N transcript items
//!    (each with a sentiment label), one JSON document.
//!
//! Each import runs in a child process (this program again) that imports
//! into a counting sink and reports its conversations, its wall time and
//! its own peak resident set (VmHWM). Printed per size: MB read, seconds,
//! peak MiB, and the ratio of time and of memory to the smallest size:
//! linear work shows a time ratio near the size ratio. Data is generated
//! into `target/bench-data/import/` once and reused.

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::Command;
use std::time::Instant;

use handoff_eval::import::{Format, ImportError, ImportSink, Options, import};

const CHILD_ENV: &str = "HANDOFF_EVAL_IMPORT_BENCH_CHILD";

#[global_allocator]
static GLOBAL: handoff_eval::alloc::MiMalloc = handoff_eval::alloc::MiMalloc;

fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-data/import");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// N Genesys transcripts (one per line) and their details (one page).
fn genesys_files(n: usize) -> Vec<PathBuf> {
    let dir = data_dir().join(format!("genesys-{n}"));
    let transcripts = dir.join("transcripts.jsonl");
    let details = dir.join("details.json");
    if transcripts.exists() && details.exists() {
        return vec![details, transcripts];
    }
    std::fs::create_dir_all(&dir).unwrap();
    let mut lines = String::new();
    let mut page = String::from("{\"totalHits\": ");
    write!(page, "{n}, \"conversations\": [").unwrap();
    let base: u64 = 1_757_000_000_000;
    for i in 0..n {
        let start = base + i as u64 * 600_000;
        let mut phrases = Vec::new();
        let said = [
            (
                "ivr",
                "Welcome to Lumen Energy. Tell me what you are calling about.",
            ),
            (
                "external",
                "My last bill shows a meter reading that is far too high.",
            ),
            (
                "ivr",
                "Thanks. I'll pass you to an agent; the wait is about 3 minutes.",
            ),
            (
                "internal",
                "Hi, this is Sam from billing. I can see the reading on your bill.",
            ),
            ("external", "It says 9,000 units; the meter shows 4,210."),
            ("internal", "I'll correct it and send you a new bill today."),
            ("external", "Thank you, that is all."),
        ];
        for (k, (purpose, text)) in said.iter().enumerate() {
            let at = start
                + if k < 3 {
                    k as u64 * 5_000
                } else {
                    200_000 + k as u64 * 6_000
                };
            phrases.push(format!(
                "{{\"text\": \"{text}\", \"startTimeMs\": {at}, \"participantPurpose\": \"{purpose}\", \"phraseIndex\": {k}}}"
            ));
        }
        writeln!(
            lines,
            "{{\"conversationId\": \"g-{i:06}\", \"communicationId\": \"c-{i}\", \"mediaType\": \"call\", \"conversationStartTime\": {start}, \"transcripts\": [{{\"language\": \"en-US\", \"phrases\": [{}], \"analytics\": {{\"sentiment\": [{{\"phraseIndex\": 1, \"sentiment\": -0.6}}, {{\"phraseIndex\": 6, \"sentiment\": 0.7}}]}}}}]}}",
            phrases.join(", ")
        )
        .unwrap();
        let time = |ms: u64| {
            jiff::Timestamp::from_millisecond((start + ms) as i64)
                .unwrap()
                .to_string()
        };
        if i > 0 {
            page.push_str(", ");
        }
        write!(
            page,
            "{{\"conversationId\": \"g-{i:06}\", \"conversationStart\": \"{}\", \"participants\": [{{\"purpose\": \"customer\", \"sessions\": [{{\"mediaType\": \"voice\", \"segments\": [{{\"segmentStart\": \"{}\", \"segmentType\": \"interact\"}}]}}]}}, {{\"purpose\": \"ivr\", \"sessions\": [{{\"segments\": [{{\"segmentStart\": \"{}\", \"segmentType\": \"ivr\"}}]}}]}}, {{\"purpose\": \"acd\", \"sessions\": [{{\"segments\": [{{\"segmentStart\": \"{}\", \"segmentType\": \"interact\", \"queueId\": \"q-billing\"}}]}}]}}, {{\"purpose\": \"agent\", \"userId\": \"u-sam\", \"sessions\": [{{\"segments\": [{{\"segmentStart\": \"{}\", \"segmentType\": \"interact\"}}]}}]}}]}}",
            time(0),
            time(0),
            time(100),
            time(12_000),
            time(200_000)
        )
        .unwrap();
    }
    page.push_str("]}");
    std::fs::write(&transcripts, lines).unwrap();
    std::fs::write(&details, page).unwrap();
    vec![details, transcripts]
}

/// One Contact Lens chat analysis of `items` transcript items.
fn contact_lens_file(items: usize) -> PathBuf {
    let path = data_dir().join(format!("contact-lens-{items}.json"));
    if path.exists() {
        return path;
    }
    let mut transcript = String::new();
    let mut groups = String::new();
    let base = jiff::Timestamp::from_second(1_757_000_000).unwrap();
    for i in 0..items {
        let (role, text) = match i % 3 {
            0 => (
                "CUSTOMER",
                "I ordered the indoor herb kit and nothing sprouted after two weeks.",
            ),
            1 => (
                "AGENT",
                "I'm sorry to hear that. Could you confirm the order number for me?",
            ),
            _ => (
                "CUSTOMER",
                "It is 5376897, and I would like a replacement please.",
            ),
        };
        let at = base
            .checked_add(jiff::SignedDuration::from_millis(i as i64 * 1_500))
            .unwrap();
        if i > 0 {
            transcript.push(',');
            groups.push(',');
        }
        write!(
            transcript,
            "{{\"AbsoluteTime\": \"{at}\", \"Content\": \"{text}\", \"ContentType\": \"text/plain\", \"Id\": \"item-{i}\", \"ParticipantId\": \"p-{role}\", \"ParticipantRole\": \"{role}\", \"Type\": \"MESSAGE\"}}"
        )
        .unwrap();
        write!(
            groups,
            "{{\"ParticipantRole\": \"{role}\", \"Sentiment\": \"NEUTRAL\", \"TranscriptItems\": [{{\"Id\": \"item-{i}\"}}]}}"
        )
        .unwrap();
    }
    let document = format!(
        "{{\"Channel\": \"CHAT\", \"ContentMetadata\": {{\"Output\": \"Raw\"}}, \"CustomerMetadata\": {{\"ContactId\": \"bench-chat\"}}, \"LanguageCode\": \"en-US\", \"Participants\": [{{\"ParticipantId\": \"p-CUSTOMER\", \"ParticipantRole\": \"CUSTOMER\", \"DisplayName\": \"John\"}}, {{\"ParticipantId\": \"p-AGENT\", \"ParticipantRole\": \"AGENT\", \"DisplayName\": \"Jane\"}}], \"ConversationCharacteristics\": {{\"Sentiment\": {{\"DetailsByTranscriptItemGroup\": [{groups}]}}}}, \"Transcript\": [{transcript}]}}"
    );
    std::fs::write(&path, document).unwrap();
    path
}

/// Counts conversations and the bytes they serialize to; keeps nothing.
struct Counting {
    conversations: u64,
    bytes: u64,
}

impl ImportSink for Counting {
    fn conversation(&mut self, conversation: serde_json::Value) -> std::io::Result<()> {
        self.conversations += 1;
        let mut counter = ByteCounter(0);
        serde_json::to_writer(&mut counter, &conversation)?;
        self.bytes += counter.0;
        Ok(())
    }

    fn error(&mut self, error: ImportError) -> std::io::Result<()> {
        panic!("the generated input is rejected: {error}");
    }

    fn note(&mut self, _note: String) {}
}

struct ByteCounter(u64);

impl std::io::Write for ByteCounter {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len() as u64;
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .unwrap_or_default()
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// In the child: `FORMAT PATH...`; prints conversations, seconds, peak KiB.
fn child(spec: &str) {
    let mut parts = spec.split('\u{1f}');
    let format = match parts.next() {
        Some("genesys") => Format::Genesys,
        _ => Format::AmazonConnect,
    };
    let files: Vec<PathBuf> = parts.map(PathBuf::from).collect();
    let mut sink = Counting {
        conversations: 0,
        bytes: 0,
    };
    let start = Instant::now();
    let counts = import(format, &files, &Options::default(), &mut sink).unwrap();
    let seconds = start.elapsed().as_secs_f64();
    assert_eq!(counts.rejected, 0);
    assert!(sink.bytes > 0);
    println!("{} {seconds} {}", sink.conversations, peak_rss_kib());
}

fn run_child(format: &str, files: &[PathBuf]) -> (u64, f64, u64) {
    let mut spec = format.to_string();
    for file in files {
        spec.push('\u{1f}');
        spec.push_str(file.to_str().unwrap());
    }
    let output = Command::new(std::env::current_exe().unwrap())
        .env(CHILD_ENV, spec)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let mut next = || {
        fields
            .next()
            .unwrap_or_else(|| panic!("child failed: {}", String::from_utf8_lossy(&output.stderr)))
    };
    let conversations = next().parse().unwrap();
    let seconds = next().parse().unwrap();
    let peak = next().parse().unwrap();
    (conversations, seconds, peak)
}

fn table(title: &str, format: &str, sizes: &[usize], files: impl Fn(usize) -> Vec<PathBuf>) {
    println!("\n{title}");
    println!(
        "{:>8} {:>8} {:>14} {:>8} {:>10} {:>11} {:>11}",
        "size", "MB", "conversations", "s", "peak MiB", "time ratio", "peak ratio"
    );
    let mut first: Option<(usize, f64, u64)> = None;
    for &size in sizes {
        let inputs = files(size);
        let megabytes: f64 = inputs
            .iter()
            .map(|p| std::fs::metadata(p).unwrap().len() as f64)
            .sum::<f64>()
            / 1e6;
        // Best of three for time; the peak of the same runs.
        let runs: Vec<(u64, f64, u64)> = (0..3).map(|_| run_child(format, &inputs)).collect();
        let conversations = runs[0].0;
        let seconds = runs.iter().map(|r| r.1).fold(f64::MAX, f64::min);
        let peak = runs.iter().map(|r| r.2).max().unwrap_or(0);
        let (size0, seconds0, peak0) = *first.get_or_insert((size, seconds, peak));
        println!(
            "{:>8} {:>8.1} {:>14} {:>8.2} {:>10.1} {:>6.2} ({:.0}x) {:>11.2}",
            size,
            megabytes,
            conversations,
            seconds,
            peak as f64 / 1024.0,
            seconds / seconds0,
            size as f64 / size0 as f64,
            peak as f64 / peak0 as f64
        );
    }
}

fn main() {
    handoff_eval::alloc::keep_freed_memory();
    if let Ok(spec) = std::env::var(CHILD_ENV) {
        child(&spec);
        return;
    }
    let quick = std::env::args().any(|a| a == "--quick");
    let (transcripts, items): (&[usize], &[usize]) = if quick {
        (&[1_000, 2_000], &[50_000, 100_000])
    } else {
        (&[1_000, 2_000, 4_000, 8_000], &[50_000, 100_000, 200_000])
    };
    table(
        "Genesys Cloud: N transcripts in one JSONL file, their details in one query result",
        "genesys",
        transcripts,
        genesys_files,
    );
    table(
        "Amazon Connect: one Contact Lens chat of N items",
        "amazon-connect",
        items,
        |n| vec![contact_lens_file(n)],
    );
}

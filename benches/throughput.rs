//! Throughput and memory benchmark for rule-only scoring.
//!
//! ```sh
//! cargo bench --bench throughput                 # 100k conversations, then memory at 100k and 1M
//! cargo bench --bench throughput -- --quick      # 20k conversations, memory at 20k and 200k
//! cargo bench --bench throughput -- --conversations 1000000   # throughput on 1M
//! ```
//!
//! 1. Throughput: scores a generated file with the shipped rubric at 1 and
//!    2 worker threads, and runs a parse-only pass over the same file through
//!    the same pipeline (in both, the calling thread reads the input and
//!    consumes the results); prints conversations/s, MB/s, the CPU time the
//!    process used (all threads, user and system), MB per CPU-second (MB/s
//!    per core), and the ratio score/parse (target: at least 0.5) both in
//!    wall-clock throughput and per CPU-second. Best of three runs each.
//! 2. Compressed input: the same file gzip- and Zstandard-compressed
//!    (`.jsonl.gz`, flate2 at its default level; `.jsonl.zst`, ruzstd's
//!    fastest level), scored with both workers; prints conversations/s, MB/s
//!    of decoded JSONL, MB/s of the compressed file, and the ratio to the
//!    plain file's score pass. Best of three runs each.
//! 3. Memory: re-runs this program as a child per size, which scores the
//!    file and reports its own peak resident set (VmHWM); prints the ratio
//!    of the largest to the smallest (target: at most 2).
//! 4. Memory with long lines: the same child on 500 conversations of 2 MB
//!    each (a 2 MB customer turn), against the ceiling the README states.
//!    `--long-lines` runs this part alone.
//!
//! Data is generated once (seed 1) into `target/bench-data/` and reused,
//! compressed copies too.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use handoff_eval::judge::runner::JudgeRunner;
use handoff_eval::report::stream_file::StreamFile;
use handoff_eval::rubric;
use handoff_eval::run::{RunConfig, Sink, parse_only, run};
use handoff_eval::synth::{Generator, SynthConfig};
use handoff_eval::trace::Input;

const CHILD_ENV: &str = "HANDOFF_EVAL_BENCH_CHILD";

/// The same allocator as the binary, so the figures are the binary's.
#[global_allocator]
static GLOBAL: handoff_eval::alloc::MiMalloc = handoff_eval::alloc::MiMalloc;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn data_file(count: u64) -> PathBuf {
    let dir = root().join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("generated-{count}.jsonl"));
    if !path.exists() {
        eprintln!(
            "generating {count} conversations into {} ...",
            path.display()
        );
        let partial = path.with_extension("partial");
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&partial).unwrap());
        let config = SynthConfig {
            seed: 1,
            ..SynthConfig::default()
        };
        for conversation in Generator::new(config).take(count as usize) {
            serde_json::to_writer(&mut out, &conversation).unwrap();
            out.write_all(b"\n").unwrap();
        }
        out.flush().unwrap();
        std::fs::rename(&partial, &path).unwrap();
    }
    path
}

/// `path` compressed beside it as `<name>.gz` or `<name>.zst`, made once.
fn compressed_copy(path: &Path, extension: &str) -> PathBuf {
    let target = PathBuf::from(format!("{}.{extension}", path.display()));
    if !target.exists() {
        eprintln!("compressing {} ...", target.display());
        let partial = target.with_extension("partial");
        let source = std::io::BufReader::new(File::open(path).unwrap());
        let out = BufWriter::with_capacity(1 << 20, File::create(&partial).unwrap());
        match extension {
            "gz" => {
                let mut encoder =
                    flate2::write::GzEncoder::new(out, flate2::Compression::default());
                std::io::copy(&mut { source }, &mut encoder).unwrap();
                encoder.finish().unwrap().flush().unwrap();
            }
            _ => {
                let mut out = out;
                ruzstd::encoding::compress(
                    source,
                    &mut out,
                    ruzstd::encoding::CompressionLevel::Fastest,
                );
                out.flush().unwrap();
            }
        }
        std::fs::rename(&partial, &target).unwrap();
    }
    target
}

/// 500 conversations of about 2 MB each: generated ones whose first
/// customer turn is padded with words to 2 MB.
fn long_lines_file() -> PathBuf {
    let dir = root().join("target/bench-data");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("long-500x2MB.jsonl");
    if !path.exists() {
        eprintln!(
            "generating 500 conversations of 2 MB into {} ...",
            path.display()
        );
        let partial = path.with_extension("partial");
        let mut out = BufWriter::with_capacity(1 << 20, File::create(&partial).unwrap());
        let words = "the customer explains again what happened to the order and the card ";
        let padding = words.repeat((2 << 20) / words.len());
        let config = SynthConfig {
            seed: 1,
            ..SynthConfig::default()
        };
        for conversation in Generator::new(config).take(500) {
            let mut value = serde_json::to_value(&conversation).unwrap();
            let turn = value["events"]
                .as_array_mut()
                .unwrap()
                .iter_mut()
                .find(|e| e["type"] == "turn" && e["speaker"] == "customer")
                .unwrap();
            let text = turn["text"].as_str().unwrap().to_string();
            turn["text"] = serde_json::Value::from(format!("{text} {padding}"));
            serde_json::to_writer(&mut out, &value).unwrap();
            out.write_all(b"\n").unwrap();
        }
        out.flush().unwrap();
        std::fs::rename(&partial, &path).unwrap();
    }
    path
}

/// Scores `path` in a child process (this program, as a child) and returns
/// the calls it scored and its peak resident set in KiB.
fn child_peak(path: &Path) -> (u64, u64) {
    let exe = std::env::current_exe().unwrap();
    let output = Command::new(&exe).env(CHILD_ENV, path).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let mut fields = text.split_whitespace();
    let scored: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    let peak: u64 = fields.next().and_then(|f| f.parse().ok()).unwrap_or(0);
    assert!(
        scored > 0,
        "child failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (scored, peak)
}

/// Peak memory scoring 500 lines of 2 MB, against the README's ceiling.
fn long_lines() {
    let path = long_lines_file();
    let megabytes = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    let start = Instant::now();
    let (scored, peak) = child_peak(&path);
    assert_eq!(scored, 500);
    assert!(
        peak < LONG_LINE_CEILING_MIB * 1024,
        "over the README's ceiling"
    );
    println!(
        "\npeak memory, 500 lines of 2 MB ({megabytes:.0} MB): {:.1} MiB in {:.1} s (ceiling in the README: {LONG_LINE_CEILING_MIB} MiB)",
        peak as f64 / 1024.0,
        start.elapsed().as_secs_f64()
    );
}

/// The README's stated ceiling for `long_lines`, in MiB.
const LONG_LINE_CEILING_MIB: u64 = 320;

/// Writes call scorecards to a file, as `score` does.
struct FileSink(StreamFile);

impl Sink for FileSink {
    fn call(&mut self, json: &[u8]) -> std::io::Result<()> {
        self.0.write_all(json)
    }
}

/// A new, empty calls file. The previous run's file is deleted first:
/// truncating it in place would make this run wait for the kernel to drop
/// (and write back) the previous run's pages, which is not this run's work.
fn calls_file() -> FileSink {
    let path = root().join("target/bench-data/calls.jsonl");
    let _ = std::fs::remove_file(&path);
    FileSink(StreamFile::create(&path).unwrap())
}

/// Wall-clock and CPU time of one timed pass.
#[derive(Clone, Copy)]
struct Timing {
    wall: Duration,
    /// User and system time of every thread of the process, in seconds.
    cpu: f64,
}

/// CPU time the process has used so far (user + system, all threads, the
/// finished ones included), from `/proc/self/stat` in clock ticks. Linux
/// reports these in USER_HZ, which is 100 on every architecture it exports.
fn process_cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the command name, which is in parentheses and may hold spaces.
    let rest = stat.rsplit_once(')').map_or("", |(_, rest)| rest);
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after the name.
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|f| f.parse::<u64>().ok())
            .unwrap_or(0)
    };
    (ticks(11) + ticks(12)) as f64 / 100.0
}

/// The fastest of `runs` timed calls of `f`, each given a fresh value of
/// `setup` made before its clock starts.
fn best_of<S>(
    runs: usize,
    mut setup: impl FnMut() -> S,
    mut f: impl FnMut(S) -> u64,
) -> (Timing, u64) {
    let mut best = Timing {
        wall: Duration::MAX,
        cpu: 0.0,
    };
    let mut count = 0;
    for _ in 0..runs {
        let state = setup();
        let cpu = process_cpu_seconds();
        let start = Instant::now();
        count = f(state);
        let wall = start.elapsed();
        if wall < best.wall {
            best = Timing {
                wall,
                cpu: process_cpu_seconds() - cpu,
            };
        }
    }
    (best, count)
}

fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

fn child(path: &Path) {
    let rubric = rubric::load(&root().join("rubrics/handoff.yaml")).unwrap();
    let outcome = run(
        &rubric,
        vec![Input::File(path.to_path_buf())],
        &RunConfig::default(),
        &JudgeRunner::Off,
        &mut calls_file(),
    )
    .unwrap();
    println!("{} {}", outcome.lines.scored, peak_rss_kib());
}

fn main() {
    handoff_eval::alloc::keep_freed_memory();
    if let Ok(path) = std::env::var(CHILD_ENV) {
        child(Path::new(&path));
        return;
    }
    let args: Vec<String> = std::env::args().collect();
    if args.iter().any(|a| a == "--long-lines") {
        long_lines();
        return;
    }
    let quick = args.iter().any(|a| a == "--quick");
    let (mut throughput_size, memory_sizes): (u64, [u64; 2]) = if quick {
        (20_000, [20_000, 200_000])
    } else {
        (100_000, [100_000, 1_000_000])
    };
    if let Some(position) = args.iter().position(|a| a == "--conversations") {
        throughput_size = args
            .get(position + 1)
            .and_then(|n| n.parse().ok())
            .filter(|&n| n > 0)
            .expect("--conversations takes a positive number");
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("machine: {cores} cores");

    let path = data_file(throughput_size);
    let megabytes = std::fs::metadata(&path).unwrap().len() as f64 / 1e6;
    let rubric = rubric::load(&root().join("rubrics/handoff.yaml")).unwrap();
    println!("\nthroughput: {throughput_size} conversations, {megabytes:.0} MB, rubric {rubric}");
    println!("score/parse: of wall-clock throughput (of throughput per CPU-second)");
    println!(
        "{:<6} {:>7} {:>9} {:>7} {:>7} {:>13} {:>18}",
        "pass", "threads", "conv/s", "MB/s", "CPU s", "MB/s per core", "score/parse"
    );
    // Wall-clock time of the plain file's score pass with two workers.
    let mut plain_score_two = Duration::MAX;
    for threads in [1, 2] {
        let config = RunConfig {
            threads: Some(threads),
            ..RunConfig::default()
        };
        let input = || vec![Input::File(path.clone())];
        let (parse, parsed) = best_of(3, || (), |()| parse_only(input(), &config).unwrap().0);
        // The calls file is created before the clock starts; writing and
        // flushing it are timed.
        let (score, scored) = best_of(3, calls_file, |mut calls| {
            let scored = run(&rubric, input(), &config, &JudgeRunner::Off, &mut calls)
                .unwrap()
                .lines
                .scored;
            calls.0.flush().unwrap();
            scored
        });
        assert_eq!(parsed, scored);
        if threads == 2 {
            plain_score_two = score.wall;
        }
        for (name, time) in [("parse", parse), ("score", score)] {
            let seconds = time.wall.as_secs_f64();
            let ratio = if name == "score" {
                format!(
                    "{:.2} ({:.2})",
                    parse.wall.as_secs_f64() / seconds,
                    parse.cpu / time.cpu
                )
            } else {
                String::new()
            };
            println!(
                "{:<6} {:>7} {:>9.0} {:>7.1} {:>7.2} {:>13.1} {:>18}",
                name,
                threads,
                parsed as f64 / seconds,
                megabytes / seconds,
                time.cpu,
                megabytes / time.cpu,
                ratio
            );
        }
    }

    println!("\ncompressed input (score, 2 threads; MB/s of decoded JSONL and of the file read):");
    println!(
        "{:<6} {:>9} {:>7} {:>11} {:>7} {:>16}",
        "input", "conv/s", "MB/s", "file MB/s", "size", "vs plain score"
    );
    let config = RunConfig {
        threads: Some(2),
        ..RunConfig::default()
    };
    for extension in ["gz", "zst"] {
        let compressed = compressed_copy(&path, extension);
        let file_megabytes = std::fs::metadata(&compressed).unwrap().len() as f64 / 1e6;
        let (time, scored) = best_of(3, calls_file, |mut calls| {
            let input = vec![Input::File(compressed.clone())];
            let scored = run(&rubric, input, &config, &JudgeRunner::Off, &mut calls)
                .unwrap()
                .lines
                .scored;
            calls.0.flush().unwrap();
            scored
        });
        assert_eq!(scored, throughput_size);
        let seconds = time.wall.as_secs_f64();
        println!(
            "{:<6} {:>9.0} {:>7.1} {:>11.1} {:>6.1}x {:>16.2}",
            extension,
            scored as f64 / seconds,
            megabytes / seconds,
            file_megabytes / seconds,
            megabytes / file_megabytes,
            plain_score_two.as_secs_f64() / seconds
        );
    }

    println!("\npeak memory (scoring with all cores, calls written to a file):");
    let mut peaks = Vec::new();
    for size in memory_sizes {
        let (scored, peak) = child_peak(&data_file(size));
        assert_eq!(scored, size);
        println!("  {size:>9} conversations: {:.1} MiB", peak as f64 / 1024.0);
        peaks.push(peak);
    }
    println!(
        "  ratio {}/{}: {:.2}x (target: at most 2x)",
        memory_sizes[1],
        memory_sizes[0],
        peaks[1] as f64 / peaks[0] as f64
    );
    long_lines();
}

//! HTML report generation: wall-clock time and file size of
//! `handoff-eval report RUN --html FILE` on runs of 100k and 1M
//! conversations (target for 1M: under 10 MB, under 10 s).
//!
//! ```sh
//! cargo bench --bench report                               # 100k and 1M
//! cargo bench --bench report -- --conversations 100000     # one size
//! ```
//!
//! Conversations are generated once (seed 1, the same file the throughput
//! bench uses) into `target/bench-data/` (or `$HANDOFF_EVAL_BENCH_DATA`:
//! the 1M case needs about 10 GB), scored once with the shipped rubric and
//! the judge off into `report-run-N/` beside them, then the report is
//! written three times. The first of the three reads
//! `calls.jsonl` from disk (`score` drops it from the page cache as it
//! writes); the others may find it cached. Each run is timed whole, as a
//! user would: process start to exit, with the CPU time it used (user and
//! system, all threads): on a machine shared with other work the wall time
//! grows, the CPU time does not.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const EXE: &str = env!("CARGO_BIN_EXE_handoff-eval");

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn run(args: &[&str]) -> String {
    let output = Command::new(EXE)
        .args(args)
        .current_dir(root())
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "handoff-eval {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Where the generated conversations and the scored runs are kept.
fn data_dir() -> PathBuf {
    std::env::var_os("HANDOFF_EVAL_BENCH_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("target/bench-data"))
}

fn data_file(count: u64) -> PathBuf {
    let dir = data_dir();
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(format!("generated-{count}.jsonl"));
    if !path.exists() {
        eprintln!(
            "generating {count} conversations into {} ...",
            path.display()
        );
        let partial = path.with_extension("partial");
        run(&[
            "generate",
            "--count",
            &count.to_string(),
            "--seed",
            "1",
            "-o",
            partial.to_str().unwrap(),
        ]);
        std::fs::rename(&partial, &path).unwrap();
    }
    path
}

/// A scored run of `count` conversations; scored again only if no complete
/// run is there (its summary.json is written last).
fn scored_run(count: u64) -> PathBuf {
    let out = data_dir().join(format!("report-run-{count}"));
    let done = out.join("scored-by-bench");
    if !done.exists() {
        let input = data_file(count);
        eprintln!("scoring {count} conversations into {} ...", out.display());
        let started = Instant::now();
        run(&[
            "score",
            "--rubric",
            "rubrics/handoff.yaml",
            input.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--judge",
            "off",
        ]);
        eprintln!("scored in {:.1}s", started.elapsed().as_secs_f64());
        std::fs::write(&done, b"").unwrap();
    }
    out
}

/// CPU seconds (user and system) used by the finished child processes.
fn children_cpu_seconds() -> f64 {
    // SAFETY: getrusage writes into the zeroed struct we pass it.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_CHILDREN, &mut usage);
        usage
    };
    let seconds = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 / 1e6;
    seconds(usage.ru_utime) + seconds(usage.ru_stime)
}

fn megabytes(path: &Path) -> f64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0) as f64 / 1e6
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let mut sizes: Vec<u64> = args
        .windows(2)
        .filter(|w| w[0] == "--conversations")
        .map(|w| w[1].parse().expect("--conversations N"))
        .collect();
    if sizes.is_empty() {
        sizes = vec![100_000, 1_000_000];
    }
    let mut rows = Vec::new();
    for count in sizes {
        let dir = scored_run(count);
        let html = dir.join("report.html");
        let mut times = Vec::new();
        let mut said = String::new();
        for _ in 0..3 {
            let (started, cpu) = (Instant::now(), children_cpu_seconds());
            said = run(&[
                "report",
                dir.to_str().unwrap(),
                "--html",
                html.to_str().unwrap(),
            ]);
            times.push((
                started.elapsed().as_secs_f64(),
                children_cpu_seconds() - cpu,
            ));
        }
        eprint!("{said}");
        rows.push((
            count,
            megabytes(&dir.join("calls.jsonl")),
            times,
            megabytes(&html),
        ));
    }
    println!(
        "| conversations | calls.jsonl | wall time, 3 runs | CPU time (user + system) | report size |"
    );
    println!("|---|---|---|---|---|");
    for (count, calls, times, size) in rows {
        let wall: Vec<String> = times.iter().map(|t| format!("{:.2} s", t.0)).collect();
        let cpu: Vec<String> = times.iter().map(|t| format!("{:.2} s", t.1)).collect();
        println!(
            "| {count} | {calls:.0} MB | {} | {} | {size:.2} MB |",
            wall.join(", "),
            cpu.join(", ")
        );
    }
}

//! Standard error that cannot be written never stops a command: a closed
//! pipe (`2>&1 | head -1`), a full device (`2>/dev/full`) or a terminal that
//! hung up mid-run. Every message written there (rejected lines, warnings,
//! the judge's notices, the progress bar, errors) is dropped, the run
//! completes its files, and the exit code is the command's own.

mod common;

use std::fs::{self, File};
use std::path::Path;
use std::process::{Command, Output, Stdio};

use common::judge_server::{Behavior, JudgeServer};
use serde_json::Value;

/// Where the command's standard error goes.
#[derive(Clone, Copy, Debug)]
enum Stderr {
    /// A pipe whose reader is gone before the command starts.
    Closed,
    /// `/dev/full`: every write fails with "no space left on device".
    Full,
    /// Standard output and standard error into one closed pipe (`2>&1 | head -c 0`).
    BothClosed,
}

const ALL: [Stderr; 3] = [Stderr::Closed, Stderr::Full, Stderr::BothClosed];

fn closed_pipe() -> std::io::PipeWriter {
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    writer
}

fn with_stderr(mut command: Command, stderr: Stderr) -> Output {
    match stderr {
        Stderr::Closed => command.stdout(Stdio::null()).stderr(closed_pipe()),
        Stderr::Full => command
            .stdout(Stdio::null())
            .stderr(File::options().write(true).open("/dev/full").unwrap()),
        Stderr::BothClosed => {
            let pipe = closed_pipe();
            command.stdout(pipe.try_clone().unwrap()).stderr(pipe)
        }
    };
    let output = command.output().expect("the binary runs");
    assert_ne!(
        output.status.code(),
        Some(101),
        "{stderr:?}: the command panicked"
    );
    output
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap())
        .unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// The run in `dir/out` completed: manifest, summary and every line.
fn assert_complete(dir: &Path, out: &str, scored: usize, rejected: usize, what: &str) {
    let run = dir.join(out);
    assert_eq!(
        read_json(&run.join("manifest.json"))["completed"],
        true,
        "{what}"
    );
    let summary = read_json(&run.join("summary.json"));
    assert_eq!(summary["lines"]["scored"], scored, "{what}");
    assert_eq!(summary["lines"]["rejected"], rejected, "{what}");
    let lines = |file: &str| fs::read_to_string(run.join(file)).unwrap().lines().count();
    assert_eq!(lines("calls.jsonl"), scored, "{what}");
    assert_eq!(lines("rejected.jsonl"), rejected, "{what}");
    let report = common::run_in(dir, &["report", out]);
    assert_eq!(report.status.code(), Some(0), "{what}: the run reads back");
}

/// 3,000 lines that are not JSON before the 300 demo conversations: more
/// messages than any pipe buffer holds.
fn bad_then_demo(dir: &Path) {
    let mut text: String = (0..3000).map(|i| format!("{{bad json {i}\n")).collect();
    text.push_str(&fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap());
    fs::write(dir.join("in.jsonl"), text).unwrap();
}

/// `score` of `in.jsonl` into `out` with the shipped rubric, the judge off
/// unless `extra` configures one.
fn score(dir: &Path, out: &str, extra: &[&str]) -> Command {
    let rubric = common::root().join("rubrics/handoff.yaml");
    let mut args = vec![
        "score",
        "-r",
        rubric.to_str().unwrap(),
        "in.jsonl",
        "--out",
        out,
    ];
    if !extra.contains(&"--judge-base-url") {
        args.extend(["--judge", "off"]);
    }
    args.extend_from_slice(extra);
    common::command_in(dir, &args)
}

#[test]
fn score_with_rejected_lines_completes_its_run_whatever_stderr_is() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    bad_then_demo(dir);
    for (n, stderr) in ALL.into_iter().enumerate() {
        for (format, code) in [("table", 0), ("yaml", 0), ("json", 0)] {
            let out = format!("{format}-{n}");
            let output = with_stderr(score(dir, &out, &["--format", format]), stderr);
            let what = format!("{stderr:?} --format {format}");
            assert_eq!(output.status.code(), Some(code), "{what}");
            assert_complete(dir, &out, 300, 3000, &what);
        }
        // Its own exit code: 2 under --strict, the run still complete.
        let out = format!("strict-{n}");
        let output = with_stderr(score(dir, &out, &["--strict"]), stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr:?} --strict");
        assert_complete(dir, &out, 300, 3000, "--strict");
    }
}

#[test]
fn every_other_command_keeps_its_exit_code_whatever_stderr_is() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    bad_then_demo(dir);
    let scored = score(dir, "run", &[]).output().unwrap();
    assert_eq!(scored.status.code(), Some(0));
    let rubric = common::root().join("rubrics/handoff.yaml");
    let rubric = rubric.to_str().unwrap();
    let tau = common::fixture("import/gpt-4o-airline.json");
    let tau = tau.to_str().unwrap();
    // A rubric with errors, and one whose prompts lint warns about.
    let broken = common::edited_rubric(dir, "broken.yaml", |text| {
        text.replacen(
            "pass_threshold: 80",
            "pass_threshold: 80\nunknown_key: 1",
            1,
        )
    });
    let warned = common::edited_rubric(dir, "warned.yaml", |text| {
        text.replacen("pass_threshold: 80", "pass_threshold: 79", 1)
    });
    for prompt in fs::read_dir(dir.join("prompts")).unwrap() {
        fs::write(
            prompt.unwrap().path(),
            "Judge it.\n{{ transcript.whole }}\n",
        )
        .unwrap();
    }
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (
            vec!["gate", "--baseline", "run", "--candidate", "nowhere"],
            2,
        ),
        (vec!["gate", "--baseline", "run", "--candidate", "run"], 0),
        (vec!["diff", "run", "nowhere"], 2),
        (vec!["report", "nowhere"], 2),
        (vec!["lint", broken.to_str().unwrap()], 2),
        (vec!["lint", warned.to_str().unwrap()], 0),
        (
            vec![
                "explain",
                "-r",
                rubric,
                "--conversation",
                "no-such-id",
                "in.jsonl",
                "--judge",
                "off",
            ],
            2,
        ),
        (
            vec!["calibrate", "-r", rubric, "in.jsonl", "--judge", "off"],
            0,
        ),
        (vec!["score", "-r", rubric, "missing.jsonl"], 2),
        (
            vec!["import", "--from", "tau-bench", tau, "-o", "imported.jsonl"],
            0,
        ),
        (
            vec![
                "import",
                "--from",
                "tau-bench",
                "in.jsonl",
                "-o",
                "none.jsonl",
            ],
            2,
        ),
        (
            vec!["generate", "--count", "10", "-o", "generated.jsonl"],
            0,
        ),
    ];
    for stderr in ALL {
        let _ = fs::remove_file(dir.join("imported.jsonl"));
        for (args, code) in &cases {
            let output = with_stderr(common::command_in(dir, args), stderr);
            assert_eq!(output.status.code(), Some(*code), "{stderr:?} {args:?}");
        }
        // `import -o FILE 2>/dev/full` writes FILE.
        let imported = fs::read_to_string(dir.join("imported.jsonl")).unwrap();
        assert!(imported.lines().count() > 0, "{stderr:?}");
    }
}

#[test]
fn the_judge_notices_and_cache_warnings_never_stop_a_judged_run() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    bad_then_demo(dir);
    // The endpoint refuses `json_schema` (a notice), and the judge cache
    // cannot be written: its folder is a file (a warning).
    fs::write(dir.join("cache"), "not a folder").unwrap();
    for (n, stderr) in ALL.into_iter().enumerate() {
        let server = JudgeServer::start(vec![Behavior::LlamaCppPython(Box::new(Behavior::Reply(
            r#"{"reasoning": "ok", "verdict": "pass"}"#.into(),
        )))]);
        let url = server.base_url();
        let out = format!("judged-{n}");
        let command = score(
            dir,
            &out,
            &[
                "--judge-base-url",
                &url,
                "--judge-api-key",
                "sk-test",
                "--judge-cache",
                "cache",
            ],
        );
        let output = with_stderr(command, stderr);
        assert_eq!(output.status.code(), Some(0), "{stderr:?}");
        assert_complete(dir, &out, 300, 3000, &format!("{stderr:?}"));
        let summary = read_json(&dir.join(&out).join("summary.json"));
        assert_eq!(summary["judge"]["structured_output"], "json_object");
        assert!(server.calls() > 1, "{stderr:?}: the judge was asked");
    }
}

/// A terminal whose other side is closed while the run writes to it: the
/// progress bar (drawn only on a terminal) and every message then fail
/// with EIO.
#[cfg(target_os = "linux")]
#[test]
fn a_terminal_that_hangs_up_mid_run_stops_nothing() {
    use std::io::Read;
    use std::os::fd::{FromRawFd, OwnedFd};

    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    bad_then_demo(dir);
    let (mut master, slave) = {
        let (mut master, mut slave) = (0, 0);
        // SAFETY: openpty fills two descriptors we then own.
        let opened = unsafe {
            libc::openpty(
                &mut master,
                &mut slave,
                std::ptr::null_mut(),
                std::ptr::null(),
                std::ptr::null(),
            )
        };
        assert_eq!(opened, 0, "openpty");
        // SAFETY: both were just opened and are owned by nothing else.
        unsafe {
            (
                File::from(OwnedFd::from_raw_fd(master)),
                OwnedFd::from_raw_fd(slave),
            )
        }
    };
    let mut command = score(dir, "tty", &[]);
    command.stdout(Stdio::null()).stderr(File::from(slave));
    let mut child = command.spawn().unwrap();
    drop(command);
    // Read until the run has printed its first rejected line (the progress
    // bar exists by then), then hang up.
    let mut seen = Vec::new();
    let mut buffer = [0u8; 4096];
    while !String::from_utf8_lossy(&seen).contains("rejected: ") {
        let read = master.read(&mut buffer).unwrap();
        assert!(read > 0, "the terminal closed early");
        seen.extend_from_slice(&buffer[..read]);
    }
    drop(master);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert_complete(dir, "tty", 300, 3000, "hung-up terminal");
}

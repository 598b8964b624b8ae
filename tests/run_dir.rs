//! Run directories on the real binary: a killed run is refused by every
//! reader and resumed to the bytes of an uninterrupted one, without asking
//! the judge again; a locked folder stops a second writer; a stale, changed
//! or foreign run is never read as complete.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::judge_server::{Behavior, JudgeServer};
use serde_json::Value;

const RUBRIC: &str = "\
rubric: judged
version: 1
pass_threshold: 80
applies_to: { escalated: true }
dimensions:
  - id: suggested_action_followed
    title: The human follows the suggested action
    applies_when: { event: humanConnected }
    checks:
      - follows_suggestion: {}
      - name: judged
        judge: { prompt: prompts/suggested.md.j2, run: always }
  - id: context_before_connect
    title: Context reaches the human before the call connects
    critical: true
    checks:
      - ordered_before: { first: contextDelivered, then: humanConnected }
";

const PROMPT: &str = "Did the human follow the suggestion?\n{{ suggested_next_action }}\n{{ transcript.after_connect }}\n{{ answer }}\n";

const PASS: &str = r#"{"reasoning": "the human followed it", "verdict": "pass"}"#;

/// A rubric with one judge check, its prompt, and `count` generated
/// conversations in `in.jsonl` (with a bad line and a duplicate among them).
fn setup(dir: &Path, count: u64) {
    fs::create_dir_all(dir.join("prompts")).unwrap();
    fs::write(dir.join("rubric.yaml"), RUBRIC).unwrap();
    fs::write(dir.join("prompts/suggested.md.j2"), PROMPT).unwrap();
    let count = count.to_string();
    let output = common::run_in(
        dir,
        &[
            "generate", "--count", &count, "--seed", "5", "-o", "in.jsonl",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let text = fs::read_to_string(dir.join("in.jsonl")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let first = lines[0].to_string();
    lines.insert(3, "{\"schema\": \"handoff-trace/v1\", \"conversationId\": ");
    lines.insert(7, &first);
    fs::write(dir.join("in.jsonl"), lines.join("\n") + "\n").unwrap();
}

/// `score` of `in.jsonl` into `out`, one worker.
fn score(dir: &Path, out: &str, extra: &[&str]) -> Command {
    let mut args = vec![
        "score",
        "--rubric",
        "rubric.yaml",
        "in.jsonl",
        "--out",
        out,
        "--threads",
        "1",
    ];
    args.extend_from_slice(extra);
    let mut command = common::command_in(dir, &args);
    command.stdout(Stdio::null()).stderr(Stdio::piped());
    command
}

/// The judge options for `server`, with a cache of its own in `cache`,
/// and batches of four lines.
fn judged<'a>(url: &'a str, cache: &'a str) -> Vec<&'a str> {
    vec![
        "--batch-size",
        "4",
        "--judge-base-url",
        url,
        "--judge-api-key",
        "sk-test-run-dir",
        "--judge-cache",
        cache,
        "--judge-timeout",
        "300s",
    ]
}

fn wait_until(what: &str, timeout: Duration, mut done: impl FnMut() -> bool) {
    let start = Instant::now();
    while !done() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn expect(output: &Output, code: i32) -> String {
    let stderr = common::stderr(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{stderr}",
        common::stdout(output)
    );
    stderr
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

/// summary.json without what depends on when and how often the judge was
/// called: latency, and the calls, cache hits and tokens of this invocation.
fn summary_without_judge_accounting(path: &Path) -> Value {
    let mut summary = read_json(path);
    let judge = summary["judge"].as_object_mut().unwrap();
    for key in [
        "calls",
        "cache_hits",
        "input_tokens",
        "output_tokens",
        "latency_p50_s",
        "latency_p95_s",
    ] {
        judge.remove(key);
    }
    summary
}

/// Every reader of runs refuses `run` as incomplete, with exit code 2.
fn readers_refuse(dir: &Path, complete: &str, run: &str, why: &str) {
    for args in [
        vec!["gate", "--baseline", complete, "--candidate", run],
        vec!["diff", complete, run],
        vec!["report", run],
    ] {
        let output = common::run_in(dir, &args);
        let stderr = expect(&output, 2);
        assert!(
            stderr.contains(&format!("{run}: incomplete run")) && stderr.contains(why),
            "{args:?}: {stderr}"
        );
        assert!(
            !common::stdout(&output).contains("PASSED"),
            "{}",
            common::stdout(&output)
        );
    }
}

fn request_bodies(server: &JudgeServer) -> Vec<String> {
    server
        .requests()
        .iter()
        .map(|r| r.split_once("\r\n\r\n").map_or("", |(_, b)| b).to_string())
        .collect()
}

/// Judge replies stored in the cache folder `dir`.
fn cache_entries(dir: &Path) -> usize {
    let Ok(folders) = fs::read_dir(dir) else {
        return 0;
    };
    folders
        .filter_map(|folder| fs::read_dir(folder.ok()?.path()).ok())
        .flatten()
        .filter(|entry| {
            entry
                .as_ref()
                .is_ok_and(|e| e.file_name().to_string_lossy().ends_with(".json"))
        })
        .count()
}

fn kill(child: &mut std::process::Child) {
    // SIGKILL: nothing of the process runs after it.
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_killed_run_is_refused_then_resumed_to_the_same_bytes_without_asking_the_judge_again() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    setup(dir, 120);

    // The uninterrupted run, against a judge of its own.
    let whole = JudgeServer::start(vec![Behavior::Reply(PASS.into())]);
    let url = whole.base_url();
    let output = score(dir, "whole", &judged(&url, "cache-whole"))
        .output()
        .unwrap();
    expect(&output, 0);
    let total = whole.calls();
    assert!(total >= 40, "{total} judge calls");
    let answered = total / 2;

    // A complete earlier run sits in the folder the killed run will use.
    fs::write(
        dir.join("few.jsonl"),
        fs::read_to_string(dir.join("in.jsonl"))
            .unwrap()
            .lines()
            .take(5)
            .collect::<Vec<_>>()
            .join("\n"),
    )
    .unwrap();
    let output = common::run_in(
        dir,
        &[
            "score",
            "-r",
            "rubric.yaml",
            "few.jsonl",
            "--out",
            "run",
            "--judge",
            "off",
        ],
    );
    expect(&output, 0);

    // The judge answers half of the calls at once, then stops answering;
    // the run is killed while it waits.
    let mut script = vec![Behavior::Reply(PASS.into()); answered];
    script.extend(vec![
        Behavior::Slow(Duration::from_secs(120), PASS.into());
        8
    ]);
    script.push(Behavior::Reply(PASS.into()));
    let server = JudgeServer::start(script);
    let url = server.base_url();
    let mut child = score(dir, "run", &judged(&url, "cache"))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    wait_until(
        "the judge to stop answering",
        Duration::from_secs(120),
        || server.calls() > answered,
    );
    // Every answered reply cached, and the batches they finish written.
    wait_until("the replies to be cached", Duration::from_secs(120), || {
        cache_entries(&dir.join("cache")) == answered
    });
    wait_until(
        "finished batches to be written",
        Duration::from_secs(120),
        || fs::metadata(dir.join("run/calls.jsonl")).is_ok_and(|m| m.len() > 0),
    );
    std::thread::sleep(Duration::from_millis(300));
    kill(&mut child);
    let asked_before = server.calls();
    let kept = fs::read_to_string(dir.join("run/calls.jsonl")).unwrap();
    let whole_calls = fs::read_to_string(dir.join("whole/calls.jsonl")).unwrap();
    let kept_lines = kept.lines().count();
    assert!(
        kept_lines > 0 && kept_lines < whole_calls.lines().count(),
        "killed mid-run: {kept_lines} lines"
    );
    assert!(
        whole_calls.starts_with(&kept),
        "what the killed run wrote is a prefix of the whole"
    );
    assert!(
        !dir.join("run/summary.json").exists(),
        "the earlier run's summary is gone"
    );

    readers_refuse(dir, "whole", "run", "stopped before it completed");

    // A torn last line, as a write cut short would leave.
    let mut torn = kept.clone();
    torn.push_str("{\"conversation_id\":\"conv-0");
    fs::write(dir.join("run/calls.jsonl"), torn).unwrap();

    let mut resume = judged(&url, "cache");
    resume.push("--resume");
    let output = score(dir, "run", &resume).output().unwrap();
    expect(&output, 0);
    assert!(
        fs::read(dir.join("run/calls.jsonl")).unwrap()
            == fs::read(dir.join("whole/calls.jsonl")).unwrap(),
        "calls.jsonl differs from the uninterrupted run's"
    );
    assert_eq!(
        fs::read(dir.join("run/rejected.jsonl")).unwrap(),
        fs::read(dir.join("whole/rejected.jsonl")).unwrap()
    );
    assert_eq!(
        summary_without_judge_accounting(&dir.join("run/summary.json")),
        summary_without_judge_accounting(&dir.join("whole/summary.json"))
    );
    let summary = read_json(&dir.join("run/summary.json"));
    assert_eq!(summary["judge"]["failures"], 0);
    assert_eq!(summary["lines"]["rejected"], 1);
    assert_eq!(summary["lines"]["duplicate_ids"], 1);

    // The resumed run asked only what the killed one had no answer to: the
    // calls it was waiting for when it died, and those it never reached.
    let asked_after = server.calls() - asked_before;
    assert_eq!(
        asked_after,
        total - answered,
        "no answered call asked again"
    );
    let mut bodies = request_bodies(&server);
    let stalled = asked_before - answered;
    assert_eq!(bodies.len(), total + stalled);
    bodies.sort();
    bodies.dedup();
    assert_eq!(
        bodies.len(),
        total,
        "every judge request of the run, and no other"
    );
    assert_eq!(summary["judge"]["calls"], (total - answered) as u64);

    // Complete now: every reader takes it.
    let output = common::run_in(dir, &["gate", "--baseline", "whole", "--candidate", "run"]);
    expect(&output, 0);
    let manifest = read_json(&dir.join("run/manifest.json"));
    assert_eq!(manifest["completed"], true);
    assert_eq!(manifest["resumed"], 1);
    assert!(!dir.join("run/.lock").exists(), "the lock is released");
}

#[test]
fn a_rules_only_run_killed_mid_write_resumes_to_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    setup(dir, 3000);
    let args = ["--judge", "off", "--batch-size", "64"];
    let output = score(dir, "whole", &args).output().unwrap();
    expect(&output, 0);

    let mut child = score(dir, "run", &args)
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let calls = dir.join("run/calls.jsonl");
    wait_until("calls.jsonl to grow", Duration::from_secs(120), || {
        fs::metadata(&calls).is_ok_and(|m| m.len() > 0)
    });
    kill(&mut child);
    let kept = fs::read_to_string(&calls).unwrap().lines().count();
    assert!(kept > 0 && kept < 3000, "killed mid-run ({kept} lines)");
    readers_refuse(dir, "whole", "run", "--resume");

    let mut resume = args.to_vec();
    resume.push("--resume");
    let output = score(dir, "run", &resume).output().unwrap();
    expect(&output, 0);
    for file in ["calls.jsonl", "rejected.jsonl", "summary.json"] {
        assert!(
            fs::read(dir.join("run").join(file)).unwrap()
                == fs::read(dir.join("whole").join(file)).unwrap(),
            "{file} differs from the uninterrupted run's"
        );
    }
}

/// A run of 12 conversations into `dir/run` against a judge that answers
/// after `delay`, started and waiting for its first reply.
fn started_against_a_slow_judge(dir: &Path, delay: Duration) -> (JudgeServer, std::process::Child) {
    setup(dir, 12);
    let server = JudgeServer::start(vec![Behavior::Slow(delay, PASS.into())]);
    let url = server.base_url();
    let child = score(dir, "run", &judged(&url, "cache")).spawn().unwrap();
    wait_until("the run to call the judge", Duration::from_secs(60), || {
        server.calls() > 0
    });
    (server, child)
}

#[test]
fn a_second_score_into_a_locked_folder_exits_2_naming_the_holder() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (_server, first) = started_against_a_slow_judge(dir, Duration::from_millis(1500));
    let second = score(dir, "run", &["--judge", "off"]).output().unwrap();
    let stderr = expect(&second, 2);
    assert!(
        stderr.contains("run is locked") && stderr.contains(&format!("pid {}", first.id())),
        "{stderr}"
    );
    let output = first.wait_with_output().unwrap();
    expect(&output, 0);
    // Nothing torn: every line is a whole scorecard, and the run reads as complete.
    let calls = fs::read_to_string(dir.join("run/calls.jsonl")).unwrap();
    for line in calls.lines() {
        serde_json::from_str::<Value>(line).expect("a whole scorecard line");
    }
    let output = common::run_in(dir, &["gate", "--baseline", "run", "--candidate", "run"]);
    expect(&output, 0);
}

#[test]
fn an_input_changed_while_it_was_read_fails_the_run_and_readers_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let (_server, child) = started_against_a_slow_judge(dir, Duration::from_millis(500));
    // Cut the input short while the run waits for its judge.
    let text = fs::read_to_string(dir.join("in.jsonl")).unwrap();
    fs::write(dir.join("in.jsonl"), &text[..text.len() / 2]).unwrap();
    let output = child.wait_with_output().unwrap();
    let stderr = expect(&output, 2);
    assert!(stderr.contains("changed while"), "{stderr}");
    let output = common::run_in(dir, &["report", "run"]);
    let stderr = expect(&output, 2);
    assert!(
        stderr.contains("incomplete run") && stderr.contains("changed while"),
        "{stderr}"
    );
}

/// `score` with the shipped rubric and no judge, of `input` into `dir/out`.
fn score_shipped(dir: &Path, input: &str, out: &str, extra: &[&str]) -> Output {
    let rubric = common::root().join("rubrics/handoff.yaml");
    let mut args = vec![
        "score",
        "-r",
        rubric.to_str().unwrap(),
        input,
        "--out",
        out,
        "--judge",
        "off",
    ];
    args.extend_from_slice(extra);
    common::run_in(dir, &args)
}

/// A complete run of the demo set into `dir/name`.
fn complete_run(dir: &Path, name: &str) -> PathBuf {
    let demo = common::root().join("datasets/demo.jsonl");
    expect(&score_shipped(dir, demo.to_str().unwrap(), name, &[]), 0);
    dir.join(name)
}

#[test]
fn foreign_tampered_and_unfinished_runs_are_refused_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let good = complete_run(dir, "good");
    let copy = |name: &str| {
        let to = dir.join(name);
        fs::create_dir_all(&to).unwrap();
        for entry in fs::read_dir(&good).unwrap() {
            let entry = entry.unwrap();
            fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
        to
    };
    let refused = |run: &str, why: &str| {
        let output = common::run_in(dir, &["gate", "--baseline", "good", "--candidate", run]);
        let stderr = expect(&output, 2);
        assert!(stderr.contains(why), "{run}: {stderr}");
        let output = common::run_in(dir, &["report", run]);
        let stderr = expect(&output, 2);
        assert!(stderr.contains(why), "{run}: {stderr}");
    };

    // Written without a manifest (or by something else).
    let legacy = copy("legacy");
    fs::remove_file(legacy.join("manifest.json")).unwrap();
    refused("legacy", "legacy: not a handoff-eval run: no manifest.json");
    fs::create_dir_all(dir.join("empty")).unwrap();
    refused("empty", "empty: not a handoff-eval run");

    // summary.json edited after the run.
    let edited = copy("edited");
    let text = fs::read_to_string(edited.join("summary.json")).unwrap();
    fs::write(edited.join("summary.json"), text.replacen("300", "301", 1)).unwrap();
    refused("edited", "edited: inconsistent run: summary.json");

    // calls.jsonl cut short, or appended to.
    let truncated = copy("truncated");
    let calls = fs::read_to_string(truncated.join("calls.jsonl")).unwrap();
    let cut: Vec<&str> = calls.lines().take(200).collect();
    fs::write(truncated.join("calls.jsonl"), cut.join("\n") + "\n").unwrap();
    refused("truncated", "truncated: inconsistent run: calls.jsonl is");

    // A damaged line of the same length is named by file and line.
    let damaged = copy("damaged");
    let mut lines: Vec<String> = calls.lines().map(str::to_string).collect();
    let length = lines[4].len();
    lines[4] = format!("{:<length$}", "{\"conversation_id\": ");
    fs::write(damaged.join("calls.jsonl"), lines.join("\n") + "\n").unwrap();
    refused("damaged", "damaged/calls.jsonl:5: not a scorecard line");

    // A manifest of another format.
    let other = copy("other");
    let text = fs::read_to_string(other.join("manifest.json")).unwrap();
    fs::write(
        other.join("manifest.json"),
        text.replace("handoff-eval-run/1", "handoff-eval-run/9"),
    )
    .unwrap();
    refused(
        "other",
        "other: not a handoff-eval run: manifest.json is of format",
    );

    // Nothing to resume in a complete run; other settings refuse a resume.
    let demo = common::root().join("datasets/demo.jsonl");
    let resume = |extra: &[&str]| {
        let mut args = vec!["--resume"];
        args.extend_from_slice(extra);
        score_shipped(dir, demo.to_str().unwrap(), "good", &args)
    };
    let stderr = expect(&resume(&[]), 2);
    assert!(stderr.contains("nothing to resume"), "{stderr}");
    let mut manifest = read_json(&good.join("manifest.json"));
    manifest["completed"] = Value::Bool(false);
    fs::write(good.join("manifest.json"), manifest.to_string()).unwrap();
    let stderr = expect(&resume(&["--by", "region"]), 2);
    assert!(
        stderr.contains("cannot resume") && stderr.contains("--by"),
        "{stderr}"
    );
}

#[test]
fn an_overlong_line_is_rejected_by_file_and_line_and_the_rest_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    let good: Vec<&str> = demo.lines().take(3).collect();
    // Three MiB without a newline, between good lines.
    let long = format!("{{\"schema\": \"{}\"}}", "x".repeat(3 << 20));
    let text = format!("{}\n{long}\n{}\n{}\n", good[0], good[1], good[2]);
    fs::write(dir.join("long.jsonl"), text).unwrap();
    let output = score_shipped(dir, "long.jsonl", "out", &["--max-line-bytes", "1MiB"]);
    let stderr = expect(&output, 0);
    let expected = format!(
        "long.jsonl:2: line is {} bytes, longer than --max-line-bytes (1048576); skipped",
        long.len()
    );
    assert!(stderr.contains(&expected), "{stderr}");
    let summary = read_json(&dir.join("out/summary.json"));
    assert_eq!(summary["lines"]["scored"], 3);
    assert_eq!(summary["lines"]["rejected"], 1);
}

/// Every file of `dir` with its bytes (none if `dir` does not exist).
fn contents(dir: &Path) -> std::collections::BTreeMap<String, Vec<u8>> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Default::default();
    };
    entries
        .map(|entry| {
            let entry = entry.unwrap();
            let name = entry.file_name().to_string_lossy().into_owned();
            (name, fs::read(entry.path()).unwrap_or_default())
        })
        .collect()
}

#[test]
fn a_run_never_destroys_its_inputs_or_its_baseline_and_checks_the_baseline_first() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = common::root().join("datasets/demo.jsonl");
    let demo = demo.to_str().unwrap();
    let base = complete_run(dir, "base");
    let before = contents(&base);

    // --out is the --baseline: refused before the baseline is touched.
    let stderr = expect(
        &score_shipped(dir, demo, "base", &["--baseline", "base"]),
        2,
    );
    assert!(
        stderr.contains("--baseline base is the output directory"),
        "{stderr}"
    );
    let stderr = expect(
        &score_shipped(dir, demo, "./base/", &["--baseline", "base", "--resume"]),
        2,
    );
    assert!(stderr.contains("is the output directory"), "{stderr}");
    assert_eq!(contents(&base), before, "the baseline is untouched");

    // An input that is one of the run's own files is refused, not emptied.
    let io1 = dir.join("io1");
    fs::create_dir(&io1).unwrap();
    fs::copy(demo, io1.join("calls.jsonl")).unwrap();
    let before = contents(&io1);
    let stderr = expect(&score_shipped(dir, "io1/calls.jsonl", "io1", &[]), 2);
    assert!(
        stderr.contains("the input io1/calls.jsonl is calls.jsonl of the output directory"),
        "{stderr}"
    );
    assert_eq!(contents(&io1), before, "nothing in io1 was touched");

    // A directory input that is --out: refused on the first run already.
    let io2 = dir.join("io2");
    fs::create_dir(&io2).unwrap();
    fs::copy(demo, io2.join("traces.jsonl")).unwrap();
    let stderr = expect(&score_shipped(dir, "io2", "io2", &[]), 2);
    assert!(
        stderr.contains("the input directory io2 is the output directory"),
        "{stderr}"
    );
    assert_eq!(contents(&io2).len(), 1, "only traces.jsonl");

    // A wrong --baseline is refused before scoring: --out is never made.
    let cases: [(&[&str], &str); 4] = [
        (
            &["--baseline", "nowhere"],
            "--baseline: nowhere: cannot read",
        ),
        (
            &["--baseline", "io2"],
            "--baseline: io2: not a handoff-eval run",
        ),
        (
            &["--baseline", "base", "--gates-from", "missing.yaml"],
            "missing.yaml",
        ),
        (&["--baseline", "edited"], "pass --allow-rubric-change"),
    ];
    let edited = common::edited_rubric(dir, "edited.yaml", |text| {
        text.replace("pass_threshold: 80", "pass_threshold: 70")
    });
    let output = common::run_in(
        dir,
        &[
            "score",
            "-r",
            edited.to_str().unwrap(),
            demo,
            "--out",
            "edited",
            "--judge",
            "off",
        ],
    );
    expect(&output, 0);
    for (extra, why) in cases {
        let stderr = expect(&score_shipped(dir, demo, "never", extra), 2);
        assert!(stderr.contains(why), "{extra:?}: {stderr}");
        assert!(!dir.join("never").exists(), "{extra:?}: nothing was scored");
    }
    // An incomplete baseline, too.
    let mut manifest = read_json(&dir.join("edited/manifest.json"));
    manifest["completed"] = Value::Bool(false);
    fs::write(dir.join("edited/manifest.json"), manifest.to_string()).unwrap();
    let stderr = expect(
        &score_shipped(
            dir,
            demo,
            "never",
            &["--baseline", "edited", "--allow-rubric-change"],
        ),
        2,
    );
    assert!(stderr.contains("edited: incomplete run"), "{stderr}");
    assert!(!dir.join("never").exists());
    // The same rubric's baseline is gated as before.
    expect(
        &score_shipped(dir, demo, "again", &["--baseline", "base"]),
        0,
    );
}

#[test]
fn a_directory_input_names_every_entry_it_cannot_read_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let inputs = dir.join("inputs");
    fs::create_dir(&inputs).unwrap();
    fs::copy(
        common::root().join("datasets/demo.jsonl"),
        inputs.join("a.jsonl"),
    )
    .unwrap();
    std::os::unix::fs::symlink("/nonexistent/shard2.jsonl", inputs.join("b.jsonl")).unwrap();
    fifo(&inputs.join("c.jsonl"));
    // Subdirectories are walked: what they hold is checked the same way.
    fs::create_dir(inputs.join("d.jsonl")).unwrap();
    fifo(&inputs.join("d.jsonl/e.jsonl"));
    let stderr = expect(&score_shipped(dir, "inputs", "out", &[]), 2);
    for why in [
        "inputs/b.jsonl: No such file or directory",
        "inputs/c.jsonl: a FIFO, not a regular file",
        "inputs/d.jsonl/e.jsonl: a FIFO, not a regular file",
    ] {
        assert!(stderr.contains(why), "{why}: {stderr}");
    }
    assert!(!dir.join("out").exists());
}

/// A named pipe at `path`.
fn fifo(path: &Path) {
    let name = std::ffi::CString::new(path.to_str().unwrap()).unwrap();
    // SAFETY: a valid C string; mkfifo touches nothing else.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o600) }, 0);
}

#[test]
fn pipes_and_fifos_are_streams_read_once_and_never_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = fs::read(common::root().join("datasets/demo.jsonl")).unwrap();
    let rubric = common::root().join("rubrics/handoff.yaml");
    let rubric = rubric.to_str().unwrap();
    let whole = complete_run(dir, "whole");

    // `cat demo.jsonl | score /dev/stdin`: a pipe behind a path.
    let mut child = common::command_in(
        dir,
        &[
            "score",
            "-r",
            rubric,
            "/dev/stdin",
            "--out",
            "piped",
            "--judge",
            "off",
        ],
    )
    .stdin(Stdio::piped())
    .stdout(Stdio::null())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = demo.clone();
    let writer = std::thread::spawn(move || std::io::Write::write_all(&mut stdin, &data));
    let output = child.wait_with_output().unwrap();
    writer.join().unwrap().unwrap();
    expect(&output, 0);

    // A FIFO fed gzip-compressed lines, as `<(cat demo.jsonl.gz)` would be.
    let gz = {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        std::io::Write::write_all(&mut encoder, &demo).unwrap();
        encoder.finish().unwrap()
    };
    fifo(&dir.join("feed"));
    let path = dir.join("feed");
    let writer = std::thread::spawn(move || fs::write(path, gz));
    let output = common::run_in(
        dir,
        &[
            "score", "-r", rubric, "feed", "--out", "fifo", "--judge", "off",
        ],
    );
    writer.join().unwrap().unwrap();
    expect(&output, 0);

    for run in ["piped", "fifo"] {
        assert_eq!(
            fs::read(dir.join(run).join("calls.jsonl")).unwrap(),
            fs::read(whole.join("calls.jsonl")).unwrap(),
            "{run}: every line scored as from the file"
        );
        let manifest = read_json(&dir.join(run).join("manifest.json"));
        assert_eq!(manifest["completed"], true);
        let input = &manifest["inputs"][0];
        assert!(
            input["bytes"].is_null() && input["fingerprint"].is_null(),
            "{run}: a stream has no size: {input}"
        );
        let output = common::run_in(dir, &["report", run]);
        expect(&output, 0);
    }
    // A stream cannot be read again: a resume is refused, naming it.
    let mut manifest = read_json(&dir.join("fifo/manifest.json"));
    manifest["completed"] = Value::Bool(false);
    fs::write(dir.join("fifo/manifest.json"), manifest.to_string()).unwrap();
    let output = common::run_in(
        dir,
        &[
            "score", "-r", rubric, "feed", "--out", "fifo", "--judge", "off", "--resume",
        ],
    );
    let stderr = expect(&output, 2);
    assert!(
        stderr.contains("it reads feed, a stream") && stderr.contains("cannot be read again"),
        "{stderr}"
    );
}

#[test]
fn a_run_follows_no_symbolic_link_planted_among_its_files_and_names_what_is_in_the_way() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = common::root().join("datasets/demo.jsonl");
    let demo = demo.to_str().unwrap();
    fs::write(dir.join("precious.txt"), "precious data\n").unwrap();
    // A link where the lock, calls.jsonl or rejected.jsonl goes: refused,
    // naming the file, and its target is untouched.
    for name in [".lock", "calls.jsonl", "rejected.jsonl"] {
        let out = dir.join(format!("planted{name}"));
        fs::create_dir(&out).unwrap();
        std::os::unix::fs::symlink(dir.join("precious.txt"), out.join(name)).unwrap();
        let run = format!("planted{name}");
        let stderr = expect(&score_shipped(dir, demo, &run, &[]), 2);
        assert!(
            stderr.contains(&format!("cannot write {run}/{name}: it is a symbolic link")),
            "{name}: {stderr}"
        );
        assert_eq!(
            fs::read_to_string(dir.join("precious.txt")).unwrap(),
            "precious data\n",
            "{name}: the link's target is untouched"
        );
    }
    // --out that is a file, or a link to nothing: said as such.
    fs::write(dir.join("afile"), "x").unwrap();
    let stderr = expect(&score_shipped(dir, demo, "afile", &[]), 2);
    assert!(
        stderr.contains("cannot write afile: it is a file, not a directory"),
        "{stderr}"
    );
    std::os::unix::fs::symlink("/nonexistent/runs", dir.join("dangling")).unwrap();
    let stderr = expect(&score_shipped(dir, demo, "dangling", &[]), 2);
    assert!(
        stderr.contains("it is a symbolic link to /nonexistent/runs, which does not exist"),
        "{stderr}"
    );
    // A whole-file write that fails says the OS error once.
    complete_run(dir, "run");
    let output = common::run_in(
        dir,
        &[
            "gate",
            "--baseline",
            "run",
            "--candidate",
            "run",
            "--json",
            "/nonexistent/g.json",
        ],
    );
    let stderr = expect(&output, 2);
    assert_eq!(
        stderr.matches("No such file or directory").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn thread_counts_and_judge_settings_that_cannot_work_are_refused_before_anything_runs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = common::root().join("datasets/demo.jsonl");
    let demo = demo.to_str().unwrap();
    for (extra, why) in [
        (["--threads", "10000"], "10000 threads: give from 1 to"),
        (["--threads", "0"], "0 threads: give from 1 to"),
        (
            ["--judge-samples", "0"],
            "--judge-samples <JUDGE_SAMPLES>': give at least 1",
        ),
        (
            ["--judge-concurrency", "0"],
            "--judge-concurrency <JUDGE_CONCURRENCY>': give at least 1",
        ),
    ] {
        let stderr = expect(&score_shipped(dir, demo, "never", &extra), 2);
        assert!(stderr.contains(why), "{extra:?}: {stderr}");
        assert!(!dir.join("never").exists(), "{extra:?}");
    }
    expect(&score_shipped(dir, demo, "two", &["--threads", "2"]), 0);
}

/// The cells of a Markdown table row: split on every `|` not escaped.
fn cells(row: &str) -> usize {
    let mut count = 0;
    let mut escaped = false;
    for c in row.chars() {
        if c == '|' && !escaped {
            count += 1;
        }
        escaped = c == '\\' && !escaped;
    }
    count
}

#[test]
fn input_text_cannot_break_the_report_table() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    let hostile: String = demo
        .lines()
        .map(|line| {
            let mut value: Value = serde_json::from_str(line).unwrap();
            value["agentVersion"] = Value::String("bot | 1.0 </details> *x*".into());
            value.to_string() + "\n"
        })
        .collect();
    fs::write(dir.join("hostile.jsonl"), hostile).unwrap();
    expect(&score_shipped(dir, "hostile.jsonl", "run", &[]), 0);
    let output = common::run_in(dir, &["report", "run"]);
    expect(&output, 0);
    let report = common::stdout(&output);
    let header = report
        .lines()
        .find(|line| line.starts_with("| agent"))
        .unwrap_or_else(|| panic!("{report}"));
    let row = report
        .lines()
        .find(|line| line.starts_with("| bot"))
        .unwrap_or_else(|| panic!("{report}"));
    assert_eq!(cells(row), cells(header), "{header}\n{row}");
    assert!(row.contains(r"bot \| 1.0 \</details\> \*x\*"), "{row}");
    assert!(!report.contains("</details>"), "{report}");
}

#[test]
fn a_resume_found_impossible_half_way_leaves_the_interrupted_run_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    fs::write(dir.join("in.jsonl"), format!("{{\"bad\"\n{demo}not json\n")).unwrap();
    expect(&score_shipped(dir, "in.jsonl", "run", &[]), 0);
    let run = dir.join("run");
    // Interrupted, as far as the manifest says; the third scorecard line
    // edited, which only re-scoring it can notice.
    let mut manifest = read_json(&run.join("manifest.json"));
    manifest["completed"] = Value::Bool(false);
    manifest["outputs"] = Value::Null;
    fs::write(run.join("manifest.json"), manifest.to_string()).unwrap();
    fs::remove_file(run.join("summary.json")).unwrap();
    let calls = fs::read_to_string(run.join("calls.jsonl")).unwrap();
    let mut lines: Vec<&str> = calls.lines().collect();
    let edited = lines[2].replacen("\"status\":\"", "\"status\":\"x", 1);
    assert_ne!(edited, lines[2]);
    lines[2] = &edited;
    fs::write(run.join("calls.jsonl"), lines.join("\n") + "\n").unwrap();
    let before = contents(&run);
    assert!(!before["rejected.jsonl"].is_empty());

    let stderr = expect(&score_shipped(dir, "in.jsonl", "run", &["--resume"]), 2);
    assert!(
        stderr.contains("calls.jsonl line 3 is not the scorecard"),
        "{stderr}"
    );
    assert_eq!(contents(&run), before, "nothing in the run changed");
    // Scored again without --resume, it completes.
    expect(&score_shipped(dir, "in.jsonl", "run", &[]), 0);
}

#[test]
fn a_run_replaced_while_it_is_read_is_said_to_have_changed_not_to_be_corrupt() {
    use handoff_eval::run_dir::{Run, RunError};
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let run_dir = complete_run(dir, "run");
    let run = Run::open(&run_dir).unwrap();
    // A new score into the folder: its manifest rewritten, calls.jsonl
    // emptied and begun again, a line torn.
    let manifest = fs::read_to_string(run_dir.join("manifest.json")).unwrap();
    fs::write(
        run_dir.join("manifest.json"),
        manifest.replace("\"completed\": true", "\"completed\": false"),
    )
    .unwrap();
    fs::write(
        run_dir.join("calls.jsonl"),
        "{\"conversationId\":\"c1\",\"sta",
    )
    .unwrap();
    for err in [
        run.cards(|_, _: Value| {}).unwrap_err(),
        run.cards_at(&[1].into()).unwrap_err(),
    ] {
        assert!(matches!(err, RunError::Changed { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("the run changed while it was read: its manifest.json was replaced"),
            "{err}"
        );
    }
    // Only calls.jsonl cut short: said by its size.
    fs::write(run_dir.join("manifest.json"), &manifest).unwrap();
    let err = run.cards(|_, _: Value| {}).unwrap_err().to_string();
    assert!(err.contains("calls.jsonl is now 27 bytes"), "{err}");
}

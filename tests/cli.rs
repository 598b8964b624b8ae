//! The real binary: exit codes, messages, outputs, determinism.

mod common;

use std::fs;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use serde_json::Value;

fn demo_lines(n: usize) -> Vec<String> {
    fs::read_to_string(common::root().join("datasets/demo.jsonl"))
        .unwrap()
        .lines()
        .take(n)
        .map(str::to_string)
        .collect()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn score(dir: &Path, extra: &[&str]) -> std::process::Output {
    let rubric = common::root().join("rubrics/handoff.yaml");
    let mut args = vec![
        "score",
        "--rubric",
        rubric.to_str().unwrap(),
        "--out",
        "out",
    ];
    args.extend_from_slice(extra);
    common::run_in(dir, &args)
}

/// Eight kinds of bad line between good ones, each on a known line.
fn write_mixed_file(dir: &Path) -> Vec<u64> {
    let good = demo_lines(5);
    let bad: Vec<(&str, String)> = vec![
        (
            "invalid JSON",
            "{\"schema\": \"handoff-trace/v1\", \"conversationId\": ".to_string(),
        ),
        (
            "wrong schema",
            good[0].replace("handoff-trace/v1", "handoff-trace/v2"),
        ),
        (
            "missing conversationId",
            good[0].replace("\"conversationId\":\"conv-0000000\",", ""),
        ),
        (
            "bad timestamp",
            good[1].replacen("\"startedAt\":\"", "\"startedAt\":\"yesterday ", 1),
        ),
        (
            "wrong enum",
            good[2].replacen("\"speaker\":\"customer\"", "\"speaker\":\"bot\"", 1),
        ),
        (
            "sentiment out of range",
            good[3].replacen("\"sentiment\":-0.", "\"sentiment\":-3.", 1),
        ),
        (
            "event missing a key",
            good[4].replacen("\"agentId\":", "\"agent\":", 1),
        ),
        ("not a JSON object", "[1, 2, 3]".to_string()),
    ];
    let mut text = String::new();
    let mut bad_lines = Vec::new();
    let mut line = 0;
    for (index, (_, bad_line)) in bad.iter().enumerate() {
        if let Some(good_line) = good.get(index) {
            text.push_str(good_line);
            text.push('\n');
            line += 1;
        }
        text.push_str(bad_line);
        text.push('\n');
        line += 1;
        bad_lines.push(line);
    }
    // A blank line and a non-UTF-8 line at the end.
    text.push('\n');
    let mut bytes = text.into_bytes();
    bytes.extend_from_slice(b"{\"schema\": \"\xff\xfe\"}\n");
    bad_lines.push(line + 2);
    fs::write(dir.join("mixed.jsonl"), bytes).unwrap();
    bad_lines
}

#[test]
fn scores_the_demo_and_writes_every_output() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::root().join("datasets/demo.jsonl");
    let output = score(dir.path(), &[demo.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let calls = fs::read_to_string(dir.path().join("out/calls.jsonl")).unwrap();
    assert_eq!(calls.lines().count(), 300);
    let first: Value = serde_json::from_str(calls.lines().next().unwrap()).unwrap();
    for key in [
        "conversation_id",
        "agent_version",
        "scenario_id",
        "rubric",
        "verdict",
        "score",
        "auto_failed",
        "dimensions",
    ] {
        assert!(first.get(key).is_some(), "calls.jsonl lacks `{key}`");
    }
    assert_eq!(first["rubric"]["name"], "handoff-quality");
    assert_eq!(first["rubric"]["hash"].as_str().unwrap().len(), 16);
    let summary = read_json(&dir.path().join("out/summary.json"));
    assert_eq!(summary["lines"]["read"], 300);
    assert_eq!(
        fs::read_to_string(dir.path().join("out/rejected.jsonl")).unwrap(),
        ""
    );
    let stdout = common::stdout(&output);
    assert!(
        stdout.contains("context_before_connect (critical)"),
        "{stdout}"
    );
    assert!(stdout.contains("re-contact within 24h"), "{stdout}");
}

#[test]
fn bad_lines_are_reported_by_file_and_line_and_the_rest_is_scored() {
    let dir = tempfile::tempdir().unwrap();
    let bad_lines = write_mixed_file(dir.path());
    let output = score(dir.path(), &["mixed.jsonl"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "rejected lines alone do not fail a run without --strict"
    );
    let stderr = common::stderr(&output);
    for line in &bad_lines {
        assert!(
            stderr.contains(&format!("mixed.jsonl:{line}: ")),
            "line {line} not reported:\n{stderr}"
        );
    }
    let summary = read_json(&dir.path().join("out/summary.json"));
    assert_eq!(summary["lines"]["rejected"], bad_lines.len() as u64);
    assert_eq!(summary["lines"]["scored"], 5);
    assert_eq!(
        summary["lines"]["read"],
        5 + bad_lines.len() as u64,
        "the blank line is not a record"
    );
    assert_eq!(
        summary["rejected"].as_array().unwrap().len(),
        bad_lines.len()
    );
    let rejected = fs::read_to_string(dir.path().join("out/rejected.jsonl")).unwrap();
    assert_eq!(rejected.lines().count(), bad_lines.len());
    assert_eq!(
        fs::read_to_string(dir.path().join("out/calls.jsonl"))
            .unwrap()
            .lines()
            .count(),
        5
    );
    assert!(common::stdout(&output).contains(&format!("{} rejected", bad_lines.len())));
    common::settings().bind(|| insta::assert_snapshot!("cli_rejected_lines", stderr));
}

#[test]
fn strict_turns_any_rejected_line_into_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    write_mixed_file(dir.path());
    let output = score(dir.path(), &["--strict", "mixed.jsonl"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::stderr(&output).contains("--strict"),
        "{}",
        common::stderr(&output)
    );
    // Outputs are still written.
    assert!(dir.path().join("out/summary.json").exists());
    let clean = dir.path().join("clean.jsonl");
    fs::write(&clean, demo_lines(3).join("\n")).unwrap();
    let output = score(dir.path(), &["--strict", "clean.jsonl"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
}

#[test]
fn invalid_rubric_exits_2_with_every_error() {
    let dir = tempfile::tempdir().unwrap();
    let rubric = common::fixture("rubrics/many_errors.yaml");
    let demo = common::root().join("datasets/demo.jsonl");
    let output = common::run_in(
        dir.path(),
        &[
            "score",
            "--rubric",
            rubric.to_str().unwrap(),
            demo.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let stderr = common::stderr(&output);
    assert!(stderr.contains("13 errors in rubric"), "{stderr}");
    assert!(
        !dir.path().join("handoff-eval-out").exists(),
        "nothing is written for an invalid rubric"
    );
    let output = common::run(&["lint", rubric.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(common::stderr(&output).matches("error: ").count(), 13);
}

#[test]
fn lint_accepts_the_shipped_rubric() {
    let output = common::run(&["lint", "rubrics/handoff.yaml"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    assert!(
        common::stdout(&output)
            .starts_with("ok: rubrics/handoff.yaml: handoff-quality v1, 12 dimensions")
    );
}

#[test]
fn missing_input_exits_2_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = score(dir.path(), &["no-such-file.jsonl"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::stderr(&output).contains("no-such-file.jsonl"),
        "{}",
        common::stderr(&output)
    );
}

#[test]
fn usage_errors_exit_2_and_help_documents_exit_codes() {
    let output = common::run(&["score"]);
    assert_eq!(output.status.code(), Some(2));
    let output = common::run(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = common::stdout(&output);
    assert!(
        help.contains("Exit codes:") && help.contains("2  the tool could not do its job"),
        "{help}"
    );
}

#[test]
fn reads_directories_and_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let inputs = dir.path().join("inputs");
    fs::create_dir(&inputs).unwrap();
    let lines = demo_lines(6);
    fs::write(inputs.join("b.jsonl"), lines[3..].join("\n")).unwrap();
    fs::write(inputs.join("a.jsonl"), lines[..3].join("\n")).unwrap();
    fs::write(inputs.join("ignored.txt"), "not a trace").unwrap();
    let output = score(dir.path(), &["inputs"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let calls = fs::read_to_string(dir.path().join("out/calls.jsonl")).unwrap();
    let ids: Vec<String> = calls
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["conversation_id"]
                .as_str()
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(
        ids,
        [
            "conv-0000000",
            "conv-0000001",
            "conv-0000002",
            "conv-0000003",
            "conv-0000004",
            "conv-0000005"
        ]
    );

    let rubric = common::root().join("rubrics/handoff.yaml");
    let mut child = Command::new(env!("CARGO_BIN_EXE_handoff-eval"))
        .args([
            "score",
            "--rubric",
            rubric.to_str().unwrap(),
            "--out",
            "stdin-out",
            "-",
        ])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(lines.join("\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let from_stdin = fs::read_to_string(dir.path().join("stdin-out/calls.jsonl")).unwrap();
    assert_eq!(
        from_stdin, calls,
        "stdin and files give the same scorecards"
    );
}

#[test]
fn output_is_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::root().join("datasets/demo.jsonl");
    let mut results = Vec::new();
    for (threads, batch) in [("1", "1024"), ("2", "7"), ("4", "33")] {
        let out = format!("out-{threads}");
        let rubric = common::root().join("rubrics/handoff.yaml");
        let output = common::run_in(
            dir.path(),
            &[
                "score",
                "--rubric",
                rubric.to_str().unwrap(),
                "--threads",
                threads,
                "--batch-size",
                batch,
                "--out",
                &out,
                demo.to_str().unwrap(),
            ],
        );
        assert_eq!(output.status.code(), Some(0));
        results.push((
            fs::read(dir.path().join(&out).join("calls.jsonl")).unwrap(),
            fs::read(dir.path().join(&out).join("summary.json")).unwrap(),
        ));
    }
    assert!(
        results.windows(2).all(|w| w[0] == w[1]),
        "outputs differ between thread counts"
    );
}

#[test]
fn duplicate_conversation_ids_are_reported() {
    let dir = tempfile::tempdir().unwrap();
    let lines = demo_lines(2);
    fs::write(
        dir.path().join("dup.jsonl"),
        format!("{}\n{}\n{}\n", lines[0], lines[1], lines[0]),
    )
    .unwrap();
    let output = score(dir.path(), &["dup.jsonl"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        common::stderr(&output).contains("dup.jsonl:3: duplicate conversationId `conv-0000000`"),
        "{}",
        common::stderr(&output)
    );
    let summary = read_json(&dir.path().join("out/summary.json"));
    assert_eq!(summary["lines"]["duplicate_ids"], 1);
    assert_eq!(summary["duplicate_ids"][0]["line"], 3);
}

#[test]
fn generate_is_deterministic_per_seed() {
    let dir = tempfile::tempdir().unwrap();
    let run = |seed: &str, file: &str| {
        let output = common::run_in(
            dir.path(),
            &["generate", "--count", "50", "--seed", seed, "-o", file],
        );
        assert_eq!(output.status.code(), Some(0));
        fs::read(dir.path().join(file)).unwrap()
    };
    let a = run("3", "a.jsonl");
    assert_eq!(a, run("3", "b.jsonl"));
    assert_ne!(a, run("4", "c.jsonl"));
    assert_eq!(String::from_utf8(a).unwrap().lines().count(), 50);
}

#[test]
fn explain_shows_one_call_check_by_check() {
    let output = common::run(&[
        "explain",
        "--rubric",
        "rubrics/handoff.yaml",
        "--conversation",
        "conv-0000004",
        "datasets/demo.jsonl",
        "--judge",
        "off",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let text = common::stdout(&output);
    assert!(
        text.starts_with("conv-0000004 · agent support-bot@2.4.0"),
        "{text}"
    );
    assert_eq!(
        text.matches("\n[").count(),
        12,
        "one header per dimension:\n{text}"
    );
    common::settings().bind(|| insta::assert_snapshot!("cli_explain", text));
    let missing = common::run(&[
        "explain",
        "--rubric",
        "rubrics/handoff.yaml",
        "--conversation",
        "conv-none",
        "datasets/demo.jsonl",
    ]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(common::stderr(&missing).contains("no conversation `conv-none`"));
}

#[test]
fn yaml_scorecards_are_stable_documents_one_per_call() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    let input = dir.path().join("four.jsonl");
    let four: Vec<&str> = demo.lines().take(4).collect();
    std::fs::write(&input, four.join("\n") + "\n").unwrap();
    let run = |out: &str| {
        common::run(&[
            "score",
            "--rubric",
            "rubrics/handoff.yaml",
            input.to_str().unwrap(),
            "--out",
            dir.path().join(out).to_str().unwrap(),
            "--judge",
            "off",
            "--format",
            "yaml",
        ])
    };
    let output = run("a");
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let yaml = common::stdout(&output);
    let documents: Vec<serde_json::Value> = serde_saphyr::from_multiple(&yaml).unwrap();
    assert_eq!(documents.len(), 4, "{yaml}");
    // The documents carry what calls.jsonl decided, in input order.
    let calls = std::fs::read_to_string(dir.path().join("a/calls.jsonl")).unwrap();
    for (document, line) in documents.iter().zip(calls.lines()) {
        let card: serde_json::Value = serde_json::from_str(line).unwrap();
        assert_eq!(document["conversation"], card["conversation_id"]);
        assert_eq!(document["verdict"], card["verdict"]);
        let dims = card["dimensions"].as_array().unwrap();
        for dim in dims {
            let id = dim["id"].as_str().unwrap();
            assert_eq!(document["dimensions"][id]["status"], dim["status"], "{id}");
        }
    }
    // Nothing run-specific: a second run prints the same bytes.
    assert_eq!(common::stdout(&run("b")), yaml);
    assert!(!yaml.contains("hash"), "no rubric hash in the YAML cards");
    common::settings().bind(|| insta::assert_snapshot!("cli_cards_yaml", yaml));

    let json = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--out",
        dir.path().join("c").to_str().unwrap(),
        "--judge",
        "off",
        "--format",
        "json",
    ]);
    let printed: serde_json::Value = serde_json::from_str(&common::stdout(&json)).unwrap();
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("c/summary.json")).unwrap())
            .unwrap();
    assert_eq!(printed, written);
}

/// Runs the binary with `args` in `dir`, its standard output closed before
/// it prints anything (as `| head -0` would), or after `lines` lines.
fn with_stdout_closed_after(dir: &Path, args: &[&str], lines: usize) -> std::process::Output {
    let mut child = common::command_in(dir, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    if lines > 0 {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(stdout);
        for _ in 0..lines {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap() == 0 {
                break;
            }
        }
        drop(reader);
    } else {
        drop(stdout);
    }
    child.wait_with_output().unwrap()
}

/// Quiet on stderr: no panic, no broken-pipe error.
fn assert_quiet(output: &std::process::Output, what: &str) {
    let stderr = common::stderr(output);
    assert!(
        !stderr.contains("panicked") && !stderr.to_lowercase().contains("broken pipe"),
        "{what}: {stderr}"
    );
}

#[test]
fn a_closed_stdout_ends_every_subcommand_quietly_after_its_files_are_complete() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = common::root().join("datasets/demo.jsonl");
    let demo = demo.to_str().unwrap();
    let rubric = common::root().join("rubrics/handoff.yaml");
    let rubric = rubric.to_str().unwrap();
    let score_args = |out: &'static str, extra: &[&'static str]| {
        let mut args = vec!["score", "-r", rubric, demo, "--out", out, "--judge", "off"];
        args.extend_from_slice(extra);
        args
    };
    // `score | head -2`, `score --format yaml | head -1`, and stdout closed at once.
    for (out, extra, lines) in [
        ("table", &[][..], 2),
        ("yaml", &["--format", "yaml"][..], 1),
        ("json", &["--format", "json"][..], 0),
        ("closed", &[][..], 0),
    ] {
        let output = with_stdout_closed_after(dir, &score_args(out, extra), lines);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{out}: {}",
            common::stderr(&output)
        );
        assert_quiet(&output, out);
        let calls = fs::read_to_string(dir.join(out).join("calls.jsonl")).unwrap();
        assert_eq!(calls.lines().count(), 300, "{out}: every card is written");
        let manifest = read_json(&dir.join(out).join("manifest.json"));
        assert_eq!(manifest["completed"], true, "{out}");
        assert_eq!(
            read_json(&dir.join(out).join("summary.json"))["lines"]["scored"],
            300
        );
    }
    // The exit code stays what the work decided: a failed gate is still 1.
    common::generate_base_and_candidate(dir);
    for name in ["base", "cand"] {
        let input = format!("{name}.jsonl");
        let output = common::run_in(
            dir,
            &[
                "score", "-r", rubric, &input, "--out", name, "--judge", "off",
            ],
        );
        assert_eq!(output.status.code(), Some(0));
    }
    let cases: Vec<(Vec<&str>, i32)> = vec![
        (
            vec![
                "gate",
                "--baseline",
                "base",
                "--candidate",
                "cand",
                "--json",
                "gate.json",
            ],
            1,
        ),
        (vec!["diff", "base", "cand", "--json", "diff.json"], 1),
        (vec!["report", "cand"], 0),
        (
            vec![
                "explain",
                "-r",
                rubric,
                "--conversation",
                "conv-0000004",
                demo,
                "--judge",
                "off",
            ],
            0,
        ),
        (vec!["generate", "--count", "100000"], 0),
        (vec!["lint", rubric], 0),
        (vec!["schema", "rubric"], 0),
        (
            vec![
                "calibrate",
                "-r",
                rubric,
                demo,
                "--judge",
                "off",
                "--json",
                "calibration.json",
            ],
            0,
        ),
    ];
    let tau = common::fixture("import/gpt-4o-airline.json");
    let mut cases = cases;
    cases.push((
        vec!["import", "--from", "tau-bench", tau.to_str().unwrap()],
        0,
    ));
    for (args, code) in cases {
        for lines in [0, 1] {
            let output = with_stdout_closed_after(dir, &args, lines);
            assert_eq!(
                output.status.code(),
                Some(code),
                "{args:?}: {}",
                common::stderr(&output)
            );
            assert_quiet(&output, &args.join(" "));
        }
    }
    // The files they were asked for are complete.
    for file in ["gate.json", "diff.json", "calibration.json"] {
        serde_json::from_str::<Value>(&fs::read_to_string(dir.join(file)).unwrap())
            .unwrap_or_else(|err| panic!("{file}: {err}"));
    }
}

#[test]
fn control_characters_from_the_input_never_reach_the_terminal_raw() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut conversation: Value = serde_json::from_str(&demo_lines(5)[4]).unwrap();
    let hostile = "\u{1b}]0;owned\u{7}\u{1b}[2J\r\u{9b}31m";
    conversation["conversationId"] = Value::from(format!("conv-{hostile}"));
    conversation["agentVersion"] = Value::from(format!("bot{hostile}"));
    for event in conversation["events"].as_array_mut().unwrap() {
        if let Some(text) = event.get("text").and_then(Value::as_str) {
            event["text"] = Value::from(format!("{hostile} {text}"));
        }
    }
    let id = conversation["conversationId"].as_str().unwrap().to_string();
    let bad = format!("{{\"schema\": \"handoff-trace/v1\", \"conversationId\": \"x\", \"events\": [{{\"type\": \"turn\", \"speaker\": \"{hostile}\"}}]}}")
        .replace('\u{1b}', "\\u001b")
        .replace('\u{7}', "\\u0007")
        .replace('\r', "\\r");
    fs::write(
        dir.join("hostile.jsonl"),
        format!("{conversation}\n{bad}\n[\"\u{1b}[2J\"]\n"),
    )
    .unwrap();
    let rubric = common::root().join("rubrics/handoff.yaml");
    let rubric = rubric.to_str().unwrap();
    let raw =
        |text: &str| text.contains('\u{1b}') || text.contains('\u{9b}') || text.contains('\r');
    let mut outputs = Vec::new();
    for format in ["table", "yaml"] {
        outputs.push(common::run_in(
            dir,
            &[
                "score",
                "-r",
                rubric,
                "hostile.jsonl",
                "--out",
                "out",
                "--judge",
                "off",
                "--format",
                format,
            ],
        ));
    }
    outputs.push(common::run_in(
        dir,
        &[
            "explain",
            "-r",
            rubric,
            "--conversation",
            &id,
            "hostile.jsonl",
            "--judge",
            "off",
        ],
    ));
    outputs.push(common::run_in(dir, &["report", "out"]));
    outputs.push(common::run_in(dir, &["diff", "out", "out"]));
    outputs.push(common::run_in(
        dir,
        &[
            "gate",
            "--baseline",
            "out",
            "--candidate",
            "out",
            "--markdown",
            "gate.md",
        ],
    ));
    for output in &outputs {
        let (stdout, stderr) = (common::stdout(output), common::stderr(output));
        assert!(
            !raw(&stdout),
            "raw control characters on stdout:\n{stdout:?}"
        );
        assert!(
            !raw(&stderr),
            "raw control characters on stderr:\n{stderr:?}"
        );
    }
    // Shown escaped: the rejected lines, and the explained conversation.
    let stderr = common::stderr(&outputs[0]);
    assert!(
        stderr.contains("hostile.jsonl:2: ") && stderr.contains("hostile.jsonl:3: "),
        "{stderr}"
    );
    assert!(stderr.contains("\\u{1b}[2J"), "{stderr}");
    let explained = common::stdout(&outputs[2]);
    assert!(
        explained.starts_with("conv-\\u{1b}]0;owned\\u{7}"),
        "{explained}"
    );
    assert!(!raw(&fs::read_to_string(dir.join("gate.md")).unwrap()));
}

#[test]
fn calibrate_reads_labels_past_a_line_that_is_not_utf8() {
    let dir = tempfile::tempdir().unwrap();
    let mut bytes = demo_lines(20).join("\n").into_bytes();
    bytes.extend_from_slice(b"\n{\"schema\": \"\xff\xfe\"}\n");
    fs::write(dir.path().join("labeled.jsonl"), bytes).unwrap();
    let rubric = common::root().join("rubrics/handoff.yaml");
    let output = common::run_in(
        dir.path(),
        &[
            "calibrate",
            "-r",
            rubric.to_str().unwrap(),
            "labeled.jsonl",
            "--judge",
            "off",
        ],
    );
    let stderr = common::stderr(&output);
    assert!(
        stderr.contains("labeled.jsonl:21: line is not valid UTF-8"),
        "{stderr}"
    );
    assert!(
        common::stdout(&output).contains("20 calls"),
        "{}",
        common::stdout(&output)
    );
}

//! `gate`, `diff`, `calibrate` and `score --baseline` on runs of the real
//! binary: a planted regression is caught, noise is not flagged, and every
//! exit code is reached.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// Generates 300 conversations and scores them into `dir/name`; with
/// `trials_of`, each takes the scenarioId of the same line of that run's
/// input, so that the runs hold the same trials of the same scenarios.
fn scored_run(dir: &Path, name: &str, generate: &[&str], trials_of: Option<&str>) -> PathBuf {
    let input = dir.join(format!("{name}.jsonl"));
    let mut args = vec!["generate", "--count", "300", "-o", input.to_str().unwrap()];
    args.extend_from_slice(generate);
    let output = common::run(&args);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    if let Some(other) = trials_of {
        let other = std::fs::read_to_string(dir.join(format!("{other}.jsonl"))).unwrap();
        let text = std::fs::read_to_string(&input).unwrap();
        let relabelled: Vec<String> = text
            .lines()
            .zip(other.lines())
            .map(|(line, like)| {
                let mut conversation: Value = serde_json::from_str(line).unwrap();
                let like: Value = serde_json::from_str(like).unwrap();
                conversation["scenarioId"] = like["scenarioId"].clone();
                conversation.to_string()
            })
            .collect();
        write_lines(&input, &relabelled);
    }
    let out = dir.join(name);
    score(&input, &out, &[]);
    out
}

/// `score` with the judge off, `rubric` on `input` into `out`, then `extra`.
fn score_args<'a>(
    rubric: &'a str,
    input: &'a Path,
    out: &'a Path,
    extra: &[&'a str],
) -> Vec<&'a str> {
    let mut args = vec![
        "score",
        "--rubric",
        rubric,
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--judge",
        "off",
    ];
    args.extend_from_slice(extra);
    args
}

fn score(input: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    common::run(&score_args("rubrics/handoff.yaml", input, out, extra))
}

fn gate(baseline: &Path, candidate: &Path, extra: &[&str]) -> std::process::Output {
    let mut args = vec![
        "gate",
        "--baseline",
        baseline.to_str().unwrap(),
        "--candidate",
        candidate.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    common::run(&args)
}

/// Asserts the exit code, showing both streams when it is wrong; returns stdout.
fn expect_exit(output: &std::process::Output, code: i32) -> String {
    let stdout = common::stdout(output);
    assert_eq!(
        output.status.code(),
        Some(code),
        "stdout:\n{stdout}\nstderr:\n{}",
        common::stderr(output)
    );
    stdout
}

struct Runs {
    _dir: tempfile::TempDir,
    dir: PathBuf,
    baseline: PathBuf,
    regressed: PathBuf,
    noisy: PathBuf,
}

/// A baseline, the same scenarios with three times the AI-side mistakes,
/// and other conversations at the baseline's rates (noise), run as the
/// baseline's trials of its scenarios.
fn runs() -> Runs {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_path_buf();
    let base = [
        "--seed",
        "11",
        "--agent-version",
        "bot@1.0",
        "--ai-flaw",
        "0.08",
    ];
    let regressed = [
        "--seed",
        "11",
        "--agent-version",
        "bot@1.1",
        "--ai-flaw",
        "0.25",
    ];
    let noisy = [
        "--seed",
        "12",
        "--agent-version",
        "bot@1.1",
        "--ai-flaw",
        "0.08",
    ];
    Runs {
        baseline: scored_run(&path, "baseline", &base, None),
        regressed: scored_run(&path, "regressed", &regressed, None),
        noisy: scored_run(&path, "noisy", &noisy, Some("baseline")),
        dir: path,
        _dir: dir,
    }
}

#[test]
fn gate_catches_a_planted_regression_and_passes_noise() {
    let runs = runs();
    let junit = runs.dir.join("junit.xml");
    let json = runs.dir.join("gate.json");
    let output = gate(
        &runs.baseline,
        &runs.regressed,
        &[
            "--junit",
            junit.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    );
    let markdown = expect_exit(&output, 1);
    assert!(
        markdown.starts_with("## handoff-eval gate: FAILED"),
        "{markdown}"
    );
    assert!(
        markdown.contains("paired on scenarioId: 300 pairs"),
        "{markdown}"
    );
    assert!(markdown.contains("**Noise floor:**"), "{markdown}");

    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["status"], "fail");
    let failed: Vec<&str> = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["status"] == "fail")
        .map(|g| g["subject"].as_str().unwrap())
        .collect();
    // The planted mistakes are AI-side: disclosure and the package suffer,
    // and with them the call pass rate.
    for subject in ["call", "honest_disclosure", "package_complete"] {
        assert!(
            failed.contains(&subject),
            "{subject} not failed: {failed:?}"
        );
    }
    // Human-side behaviour did not change: no gate fails on it.
    for subject in [
        "no_reverification",
        "informed_opening",
        "first_meaningful_response",
    ] {
        assert!(
            !failed.contains(&subject),
            "{subject} failed on noise: {failed:?}"
        );
    }
    let honest = report["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "honest_disclosure")
        .unwrap();
    assert!(honest["worse"].as_u64().unwrap() > honest["better"].as_u64().unwrap() * 5);
    assert_eq!(honest["test"], "exact McNemar");

    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains("<testsuite name=\"gates\""), "{xml}");
    let failures = xml.matches("<failure").count();
    assert!(
        failures >= failed.len(),
        "{failures} failures for {failed:?}"
    );

    let output = gate(&runs.baseline, &runs.noisy, &[]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "noise must not fail the gate:\n{}",
        common::stdout(&output)
    );
    let output = gate(&runs.baseline, &runs.baseline, &[]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stdout(&output));
}

#[test]
fn gate_exit_codes_when_it_cannot_decide() {
    let runs = runs();
    // A missing run.
    let output = gate(&runs.baseline, &runs.dir.join("nowhere"), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::stderr(&output).contains("nowhere"),
        "{}",
        common::stderr(&output)
    );

    // A damaged calls.jsonl (of the size the run wrote): the file and line
    // are named.
    let damaged = runs.dir.join("damaged");
    std::fs::create_dir_all(&damaged).unwrap();
    for file in ["summary.json", "manifest.json", "rejected.jsonl"] {
        std::fs::copy(runs.noisy.join(file), damaged.join(file)).unwrap();
    }
    let calls = std::fs::read_to_string(runs.noisy.join("calls.jsonl")).unwrap();
    let mut lines: Vec<String> = calls.lines().map(str::to_string).collect();
    let length = lines[4].len();
    lines[4] = format!("{:<length$}", "{\"conversation_id\": ");
    std::fs::write(damaged.join("calls.jsonl"), lines.join("\n") + "\n").unwrap();
    let output = gate(&runs.baseline, &damaged, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        common::stderr(&output).contains("calls.jsonl:5:"),
        "{}",
        common::stderr(&output)
    );

    // A different rubric: refused, unless allowed.
    let edited = common::edited_rubric(&runs.dir, "edited.yaml", |text| {
        text.replace("pass_threshold: 80", "pass_threshold: 70")
    });
    let changed = runs.dir.join("changed");
    let noisy = runs.dir.join("noisy.jsonl");
    let output = common::run(&score_args(edited.to_str().unwrap(), &noisy, &changed, &[]));
    expect_exit(&output, 0);
    let output = gate(&runs.baseline, &changed, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(common::stderr(&output).contains("--allow-rubric-change"));
    let output = gate(&runs.baseline, &changed, &["--allow-rubric-change"]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stdout(&output));
    assert!(common::stdout(&output).contains("The rubric changed"));

    // An explicit gate on a judge-only dimension with no judge: undecided.
    let strict = common::edited_rubric(&runs.dir, "strict.yaml", |text| {
        text.replace(
            "    honest_disclosure: { min_kappa: 0.7 }",
            "    honest_disclosure: { min_kappa: 0.7 }\n    summary_faithful: { min_pass_rate: 0.9 }",
        )
    });
    let output = gate(
        &runs.baseline,
        &runs.noisy,
        &["--gates-from", strict.to_str().unwrap()],
    );
    assert_eq!(output.status.code(), Some(2), "{}", common::stdout(&output));
    assert!(common::stdout(&output).contains("UNDECIDED"));
    let stderr = common::stderr(&output);
    assert!(
        stderr.contains("the gate cannot decide `summary_faithful` pass rate at least 90%"),
        "names the gate it cannot decide: {stderr}"
    );
}

#[test]
fn score_with_a_baseline_gates_in_one_step_and_fills_the_job_summary() {
    let runs = runs();
    let out = runs.dir.join("candidate");
    let summary = runs.dir.join("step-summary.md");
    std::fs::write(&summary, "earlier step\n").unwrap();
    let input = runs.dir.join("regressed.jsonl");
    let args = score_args(
        "rubrics/handoff.yaml",
        &input,
        &out,
        &["--baseline", runs.baseline.to_str().unwrap()],
    );
    let output = common::command_in(&common::root(), &args)
        .env("GITHUB_STEP_SUMMARY", &summary)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", common::stderr(&output));
    for file in [
        "calls.jsonl",
        "summary.json",
        "gate.md",
        "gate.json",
        "gate.junit.xml",
    ] {
        assert!(out.join(file).is_file(), "{file} missing");
    }
    let appended = std::fs::read_to_string(&summary).unwrap();
    assert!(
        appended.starts_with("earlier step\n## handoff-eval gate: FAILED"),
        "{appended}"
    );
}

#[test]
fn diff_lists_flips_with_evidence_on_both_sides() {
    let runs = runs();
    let json = runs.dir.join("diff.json");
    let output = common::run(&[
        "diff",
        runs.baseline.to_str().unwrap(),
        runs.regressed.to_str().unwrap(),
        "--dimension",
        "honest_disclosure",
        "--limit",
        "2",
        "--json",
        json.to_str().unwrap(),
    ]);
    let text = common::stdout(&output);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(text.contains("honest_disclosure: pass -> fail"), "{text}");
    assert!(text.contains("before phrase_present"), "{text}");
    assert!(text.contains("after  phrase_present"), "{text}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let flips = report["flips"].as_array().unwrap();
    assert!(
        flips.len() > 2,
        "all flips are in the JSON, not only the printed ones"
    );
    let first = &flips[0]["dimensions"][0];
    assert_eq!(first["id"], "honest_disclosure");
    assert_ne!(first["a"]["status"], first["b"]["status"]);
    assert!(
        first["b"]["checks"]
            .as_array()
            .is_some_and(|c| !c.is_empty())
    );

    let same = common::run(&[
        "diff",
        runs.baseline.to_str().unwrap(),
        runs.baseline.to_str().unwrap(),
    ]);
    assert_eq!(same.status.code(), Some(0));
    assert!(common::stdout(&same).contains("no verdict flipped"));
    let missing = common::run(&["diff", runs.baseline.to_str().unwrap(), "/nonexistent/run"]);
    assert_eq!(missing.status.code(), Some(2));
}

#[test]
fn calibrate_measures_agreement_and_lists_disagreements() {
    let dir = tempfile::tempdir().unwrap();
    // The demo set, with one human label turned around by hand.
    let demo = std::fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    let mut lines: Vec<Value> = demo
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let target = lines
        .iter_mut()
        .find(|c| c["labels"]["package_complete"] == "pass")
        .unwrap();
    target["labels"]["package_complete"] = Value::from("fail");
    let id = target["conversationId"].as_str().unwrap().to_string();
    let input = dir.path().join("labeled.jsonl");
    let text: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
    std::fs::write(&input, text.join("\n") + "\n").unwrap();
    let json = dir.path().join("calibration.json");
    let output = common::run(&[
        "calibrate",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--judge",
        "off",
        "--limit",
        "50",
        "--json",
        json.to_str().unwrap(),
    ]);
    let stdout = expect_exit(&output, 0);
    assert!(
        stdout.contains(&format!("{id} package_complete: human fail, engine pass")),
        "{stdout}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let package = report["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == "package_complete")
        .unwrap();
    // human fail / engine pass is row 1, column 0 of the matrix: the label
    // turned around, and conv-0000077 (the generator's planted empty
    // `attemptedResolutions`, where the conversation shows nothing
    // attempted; see the README).
    assert_eq!(package["matrix"][1][0], 2);
    assert!(
        stdout.contains("conv-0000077 package_complete: human fail, engine pass"),
        "{stdout}"
    );
    let kappa = package["kappa"].as_f64().unwrap();
    assert!(kappa < 1.0 && kappa > 0.9, "{kappa}");

    // A minimum kappa above what the rubric reaches fails the gate.
    let rubric = common::edited_rubric(dir.path(), "demanding.yaml", |text| {
        text.replace(
            "package_complete: { min_kappa: 0.8 }",
            "package_complete: { min_kappa: 0.999 }",
        )
    });
    let output = common::run(&[
        "calibrate",
        "--rubric",
        rubric.to_str().unwrap(),
        input.to_str().unwrap(),
        "--judge",
        "off",
    ]);
    assert_eq!(output.status.code(), Some(1), "{}", common::stdout(&output));
    assert!(common::stdout(&output).contains("0.999 FAIL"));

    // A min_kappa on a judge dimension with no judge: undecided, naming the
    // dimension and what to do.
    let output = common::run(&[
        "calibrate",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = common::stderr(&output);
    assert!(
        stderr.contains("no kappa to compare with min_kappa for `honest_disclosure`")
            && stderr.contains("--judge off"),
        "{stderr}"
    );

    // Nothing labeled: nothing to calibrate against.
    let unlabeled = dir.path().join("unlabeled.jsonl");
    let text: Vec<String> = lines
        .iter_mut()
        .map(|l| {
            l.as_object_mut().unwrap().remove("labels");
            l.to_string()
        })
        .collect();
    std::fs::write(&unlabeled, text.join("\n") + "\n").unwrap();
    let output = common::run(&[
        "calibrate",
        "--rubric",
        "rubrics/handoff.yaml",
        unlabeled.to_str().unwrap(),
        "--judge",
        "off",
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(common::stderr(&output).contains("no conversation carries `labels`"));
}

#[test]
fn runs_that_share_no_ids_are_compared_unpaired() {
    let runs = runs();
    // The regressed conversations, with no scenario ids and other conversation ids.
    let text = std::fs::read_to_string(runs.dir.join("regressed.jsonl")).unwrap();
    let renamed: Vec<String> = text
        .lines()
        .map(|line| {
            let mut conversation: Value = serde_json::from_str(line).unwrap();
            let object = conversation.as_object_mut().unwrap();
            object.remove("scenarioId");
            let id = object["conversationId"]
                .as_str()
                .unwrap()
                .replace("conv-", "other-");
            object.insert("conversationId".into(), Value::from(id));
            conversation.to_string()
        })
        .collect();
    let input = runs.dir.join("anonymous.jsonl");
    std::fs::write(&input, renamed.join("\n") + "\n").unwrap();
    let out = runs.dir.join("anonymous");
    expect_exit(&score(&input, &out, &[]), 0);
    let json = runs.dir.join("unpaired.json");
    let output = gate(&runs.baseline, &out, &["--json", json.to_str().unwrap()]);
    let markdown = expect_exit(&output, 1);
    assert!(markdown.contains("unpaired"), "{markdown}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["pairing"], "unpaired");
    assert_eq!(report["pairs"], 0);
    assert_eq!(report["call_pass_rate"]["test"], "two-proportion z");
    assert_eq!(report["call_score"]["test"], "bootstrap");
    assert!(report["critical_flips"].as_array().unwrap().is_empty());
    let honest = report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["subject"] == "honest_disclosure")
        .unwrap();
    assert_eq!(honest["status"], "fail", "{honest}");
}

/// 300 generated conversations, each with a scenario of its own, in `dir/name.jsonl`.
fn unique_scenarios(dir: &Path, name: &str) -> Vec<String> {
    let input = dir.join(format!("{name}.jsonl"));
    let output = common::run(&[
        "generate",
        "--count",
        "300",
        "--seed",
        "11",
        "-o",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .enumerate()
        .map(|(index, line)| {
            let mut conversation: Value = serde_json::from_str(line).unwrap();
            conversation["scenarioId"] = Value::from(format!("scenario-{index:03}"));
            conversation.to_string()
        })
        .collect()
}

fn write_lines(path: &Path, lines: &[String]) {
    std::fs::write(path, lines.join("\n") + "\n").unwrap();
}

fn coverage_gates(report: &Value) -> Vec<(String, String, String)> {
    report["gates"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|g| g["subject"] == "coverage")
        .map(|g| {
            (
                g["rule"].as_str().unwrap().to_string(),
                g["observed"].as_str().unwrap().to_string(),
                g["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn a_candidate_that_lost_coverage_fails_the_gate_and_the_report_lists_what_is_missing() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let lines = unique_scenarios(dir, "generated");
    let base_input = dir.join("base.jsonl");
    write_lines(&base_input, &lines);
    let base = dir.join("base");
    expect_exit(&score(&base_input, &base, &[]), 0);

    // A producer bug: 26 lines with malformed timestamps, rejected.
    let mut broken = lines.clone();
    for line in &mut broken[40..66] {
        *line = line.replacen("\"startedAt\":\"", "\"startedAt\":\"not a time ", 1);
    }
    let broken_input = dir.join("broken.jsonl");
    write_lines(&broken_input, &broken);
    let rejected = dir.join("rejected");
    expect_exit(&score(&broken_input, &rejected, &[]), 0);
    let json = dir.join("gate.json");
    let output = gate(&base, &rejected, &["--json", json.to_str().unwrap()]);
    let markdown = expect_exit(&output, 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        coverage_gates(&report),
        vec![
            (
                "no more rejected lines than the baseline".to_string(),
                "26 of 300 lines rejected (baseline 0 of 300)".to_string(),
                "fail".to_string()
            ),
            (
                "at least 100% of the baseline's calls paired".to_string(),
                "274 of 300 (91.3%, by scenarioId and trial)".to_string(),
                "fail".to_string()
            ),
        ]
    );
    let missing: Vec<&str> = report["coverage"]["unpaired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["scenario_id"].as_str().unwrap())
        .collect();
    let expected: Vec<String> = (40..66).map(|i| format!("scenario-{i:03}")).collect();
    assert_eq!(missing, expected);
    assert_eq!(report["candidate"]["lines"]["rejected"], 26);
    assert_eq!(report["baseline"]["lines"]["read"], 300);
    assert!(
        markdown.contains("**Coverage:** baseline 300 lines read, 300 scored, 0 rejected; candidate 300 lines read, 274 scored, 26 rejected; 274 of the baseline's 300 calls paired (by scenarioId and trial); 274 pairs."),
        "{markdown}"
    );
    assert!(
        markdown.contains("26 baseline call(s) without a candidate call")
            && markdown.contains("- scenario `scenario-040` trial 1 (conversation `conv-0000040`, calls.jsonl line 41)"),
        "{markdown}"
    );

    // A candidate whose input was cut short: no rejected line, fewer scenarios.
    let short_input = dir.join("short.jsonl");
    write_lines(&short_input, &lines[..250]);
    let short = dir.join("short");
    expect_exit(&score(&short_input, &short, &[]), 0);
    let output = gate(&base, &short, &["--json", json.to_str().unwrap()]);
    expect_exit(&output, 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let gates = coverage_gates(&report);
    assert_eq!(gates[0].2, "pass");
    assert_eq!(
        (gates[1].1.as_str(), gates[1].2.as_str()),
        ("250 of 300 (83.3%, by scenarioId and trial)", "fail")
    );
    assert_eq!(report["coverage"]["unpaired"].as_array().unwrap().len(), 50);

    // Identical runs pass.
    let output = gate(&base, &base, &[]);
    let markdown = expect_exit(&output, 0);
    assert!(markdown.contains("300 of the baseline's 300 calls paired"));

    // The rules are configurable in the rubric's gates.
    let lenient = common::edited_rubric(dir, "lenient.yaml", |text| {
        text.replace(
            "gates:\n",
            "gates:\n  coverage: { max_rejected: 30, min_paired_share: 0.9 }\n",
        )
    });
    let output = gate(
        &base,
        &rejected,
        &[
            "--gates-from",
            lenient.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ],
    );
    expect_exit(&output, 0);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let gates = coverage_gates(&report);
    assert_eq!(
        gates[0].0,
        "at most 30 more rejected lines than the baseline"
    );
    assert_eq!(gates[1].0, "at least 90% of the baseline's calls paired");
    assert!(gates.iter().all(|g| g.2 == "pass"), "{gates:?}");
}

/// Lines of a generated run (300 conversations over 6 scenarios, seed 11).
fn repeated_scenarios(dir: &Path) -> Vec<String> {
    let input = dir.join("generated.jsonl");
    let output = common::run(&[
        "generate",
        "--count",
        "300",
        "--seed",
        "11",
        "-o",
        input.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(0));
    std::fs::read_to_string(&input)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

/// `line` with a timestamp the reader rejects.
fn malformed(line: &str) -> String {
    line.replacen("\"startedAt\":\"", "\"startedAt\":\"yesterday-ish ", 1)
}

fn field(line: &str, key: &str) -> String {
    let value: Value = serde_json::from_str(line).unwrap();
    value[key].as_str().unwrap().to_string()
}

/// (scenario, trial) of each baseline call the candidate lacks, when calls
/// pair as the n-th trial of a scenario: for every scenario, the baseline's
/// trials beyond as many as the candidate ran.
fn lost_trials(baseline: &[&String], candidate: &[&String]) -> Vec<(String, u64)> {
    let mut in_candidate = std::collections::HashMap::new();
    for line in candidate {
        *in_candidate
            .entry(field(line, "scenarioId"))
            .or_insert(0u64) += 1;
    }
    let mut seen = std::collections::HashMap::new();
    let mut lost = Vec::new();
    for line in baseline {
        let scenario = field(line, "scenarioId");
        let trial = seen.entry(scenario.clone()).or_insert(0u64);
        *trial += 1;
        if *trial > in_candidate.get(&scenario).copied().unwrap_or(0) {
            lost.push((scenario, *trial));
        }
    }
    lost
}

fn unpaired_trials(report: &Value) -> Vec<(String, u64)> {
    report["coverage"]["unpaired"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| {
            (
                u["scenario_id"].as_str().unwrap().to_string(),
                u["trial"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn coverage_counts_baseline_calls_in_the_units_the_gate_pairs() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let lines = repeated_scenarios(dir);
    let base_input = dir.join("base.jsonl");
    write_lines(&base_input, &lines);
    let base = dir.join("base");
    expect_exit(&score(&base_input, &base, &[]), 0);
    let json = dir.join("gate.json");
    let junit = dir.join("gate.junit.xml");
    let reports = [
        "--json",
        json.to_str().unwrap(),
        "--junit",
        junit.to_str().unwrap(),
    ];

    // The producer died half-way: the first 150 of the 300 lines, every
    // scenario still present. Half of the baseline's trials are lost.
    let half_input = dir.join("half.jsonl");
    write_lines(&half_input, &lines[..150]);
    let half = dir.join("half");
    expect_exit(&score(&half_input, &half, &[]), 0);
    let markdown = expect_exit(&gate(&base, &half, &reports), 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        coverage_gates(&report)[1],
        (
            "at least 100% of the baseline's calls paired".to_string(),
            "150 of 300 (50%, by scenarioId and trial)".to_string(),
            "fail".to_string()
        )
    );
    let all: Vec<&String> = lines.iter().collect();
    let expected = lost_trials(&all, &all[..150]);
    assert_eq!(expected.len(), 150);
    assert_eq!(unpaired_trials(&report), expected);
    assert_eq!(report["coverage"]["unpaired"][0]["line"], 151);
    assert_eq!(
        report["coverage"]["unpaired"][0]["conversation_id"],
        field(&lines[150], "conversationId")
    );
    assert!(
        markdown.contains("150 of the baseline's 300 calls paired (by scenarioId and trial)")
            && markdown.contains("150 baseline call(s) without a candidate call")
            && markdown.contains(&format!(
                "- scenario `{}` trial {} (conversation `{}`, calls.jsonl line 151)",
                expected[0].0,
                expected[0].1,
                field(&lines[150], "conversationId")
            ))
            && markdown.contains("- ... and 100 more (gate.json lists all)"),
        "{markdown}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.contains("150 baseline call(s) without a candidate call (by scenarioId and trial)")
            && xml.contains(&format!(
                "scenario `{}` trial {} (conversation `{}`, calls.jsonl line 151)",
                expected[0].0,
                expected[0].1,
                field(&lines[150], "conversationId")
            )),
        "{xml}"
    );

    // Baseline and candidate each reject 26 lines, different ones: the
    // rejected-line counts agree, but the trials the baseline scored and
    // the candidate lost are unpaired, listed, and fail the gate.
    let rejecting = |name: &str, range: std::ops::Range<usize>| {
        let edited: Vec<String> = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                if range.contains(&i) {
                    malformed(l)
                } else {
                    l.clone()
                }
            })
            .collect();
        let input = dir.join(format!("{name}.jsonl"));
        write_lines(&input, &edited);
        let out = dir.join(name);
        expect_exit(&score(&input, &out, &[]), 0);
        let scored: Vec<&String> = lines
            .iter()
            .enumerate()
            .filter(|(i, _)| !range.contains(i))
            .map(|(_, l)| l)
            .collect();
        (out, scored)
    };
    let (brej, base_scored) = rejecting("brej", 0..26);
    let (crej, cand_scored) = rejecting("crej", 40..66);
    expect_exit(&gate(&brej, &crej, &reports), 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    let gates = coverage_gates(&report);
    assert_eq!(gates[0].2, "pass", "26 rejected on each side: {gates:?}");
    let expected = lost_trials(&base_scored, &cand_scored);
    assert!(!expected.is_empty());
    assert_eq!(unpaired_trials(&report), expected);
    assert_eq!(
        (gates[1].1.clone(), gates[1].2.as_str()),
        (
            format!(
                "{} of 274 ({:.1}%, by scenarioId and trial)",
                274 - expected.len(),
                (274 - expected.len()) as f64 * 100.0 / 274.0
            ),
            "fail"
        )
    );

    // Runs that share no scenario or conversation id: a 30-call candidate
    // pairs none of the baseline's 300 calls.
    let anonymous: Vec<String> = lines[..30]
        .iter()
        .enumerate()
        .map(|(i, line)| {
            let mut conversation: Value = serde_json::from_str(line).unwrap();
            let object = conversation.as_object_mut().unwrap();
            object.remove("scenarioId");
            object.insert("conversationId".into(), Value::from(format!("other-{i}")));
            conversation.to_string()
        })
        .collect();
    let few_input = dir.join("few.jsonl");
    write_lines(&few_input, &anonymous);
    let few = dir.join("few");
    expect_exit(&score(&few_input, &few, &[]), 0);
    let markdown = expect_exit(&gate(&base, &few, &reports), 1);
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(report["pairing"], "unpaired");
    assert_eq!(
        coverage_gates(&report)[1],
        (
            "at least 100% of the baseline's calls paired".to_string(),
            "0 of 300 (0%, by conversationId)".to_string(),
            "fail".to_string()
        )
    );
    assert_eq!(
        report["coverage"]["unpaired"].as_array().unwrap().len(),
        300
    );
    assert_eq!(
        report["coverage"]["unpaired"][0],
        serde_json::json!({"conversation_id": field(&lines[0], "conversationId"), "line": 1})
    );
    assert!(
        markdown.contains("- conversation `conv-0000000` (calls.jsonl line 1)"),
        "{markdown}"
    );

    // Identical runs pair every call and pass.
    let markdown = expect_exit(&gate(&base, &base, &reports), 0);
    assert!(
        markdown.contains("300 of the baseline's 300 calls paired"),
        "{markdown}"
    );
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert!(
        report["coverage"]["unpaired"]
            .as_array()
            .unwrap()
            .is_empty()
    );
}

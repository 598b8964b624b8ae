//! Contact-center exports as people hand them over: facts an export cannot
//! record, object-store directory layouts, damaged and duplicated files,
//! and where every rejected record ends up. Each test fails on an importer
//! that decides what its source cannot show, skips a file in silence, or
//! loses a record without naming it.

mod common;

use std::path::{Path, PathBuf};

use serde_json::Value;

/// `import --from FORMAT INPUTS... -o OUT [extra]`: exit code, the
/// conversations written, stderr.
fn import(format: &str, inputs: &[&Path], extra: &[&str]) -> (Option<i32>, Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let mut args = vec!["import", "--from", format];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    args.extend(["-o", out.to_str().unwrap()]);
    args.extend_from_slice(extra);
    let output = common::run(&args);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    (
        output.status.code(),
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        common::stderr(&output),
    )
}

fn by_id<'a>(conversations: &'a [Value], id: &str) -> &'a Value {
    conversations
        .iter()
        .find(|c| c["conversationId"] == id || c["conversation_id"] == id)
        .unwrap_or_else(|| panic!("no conversation {id}"))
}

/// Scores `inputs` of `format` with the shipped rubric, rules only; the
/// scorecards by conversation id, and stderr.
fn score(format: &str, inputs: &[&Path], out: &Path) -> (Option<i32>, Vec<Value>, String) {
    let mut args = vec![
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        "--input-format",
        format,
    ];
    args.extend(inputs.iter().map(|p| p.to_str().unwrap()));
    args.extend(["--out", out.to_str().unwrap(), "--judge", "off"]);
    let output = common::run(&args);
    let calls = std::fs::read_to_string(out.join("calls.jsonl")).unwrap_or_default();
    (
        output.status.code(),
        calls
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        common::stderr(&output),
    )
}

/// A dimension of a scorecard.
fn dimension<'a>(card: &'a Value, id: &str) -> &'a Value {
    card["dimensions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["id"] == id)
        .unwrap_or_else(|| panic!("no dimension {id} in {card}"))
}

/// A named check of a dimension.
fn check<'a>(dimension: &'a Value, name: &str) -> &'a Value {
    dimension["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == name || c["check"] == name)
        .unwrap_or_else(|| panic!("no check {name} in {dimension}"))
}

fn types(conversation: &Value) -> Vec<&str> {
    conversation["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect()
}

fn fixture(path: &str) -> PathBuf {
    common::fixture(&format!("import/{path}"))
}

// ---- Facts an export cannot record ------------------------------------------

#[test]
fn amazon_connect_facts_the_export_cannot_record_are_unscored_not_decided() {
    let dir = tempfile::tempdir().unwrap();
    let (code, cards, stderr) = score(
        "amazon-connect",
        &[&fixture("facts-amazon-connect")],
        &dir.path().join("run"),
    );
    assert_eq!(code, Some(0), "{stderr}");

    // The customer asked for a person: no field of the export says so, and
    // `not trigger customer_request` is not taken to hold.
    let asked = by_id(&cards, "facts-asked-for-agent");
    let repeat = dimension(asked, "no_repeat_yourself");
    let open = check(repeat, "open_question");
    assert_eq!(open["status"], "unscored", "{repeat}");
    assert_eq!(
        open["reason"],
        "cannot tell whether `when` holds: this source does not record escalation.trigger"
    );
    // The bot's message before the queue is read at the escalation: the
    // wait it quoted and the promise that the chat goes along are found.
    let disclosure = dimension(asked, "honest_disclosure");
    for name in ["wait_estimate", "context_promise"] {
        let found = check(disclosure, name);
        assert_eq!(found["status"], "pass", "{name}: {disclosure}");
        // Event 3: the bot's message, before the flow's "placed in queue".
        assert_eq!(found["evidence"][0]["event"], 3, "{found}");
    }
    // A raw transcript shows the name: the opening is judged on it.
    assert_eq!(dimension(asked, "informed_opening")["status"], "pass");

    // Redacted: the greeting's [PII] may be the name; nothing can tell.
    let redacted = by_id(&cards, "facts-redacted-opening");
    let opening = dimension(redacted, "informed_opening");
    assert_eq!(opening["status"], "unscored", "{opening}");
    assert_eq!(
        opening["checks"][0]["reason"],
        "this source does not record turn.customerName"
    );
    // The flow's queue message quotes the wait: a fact the export records.
    assert_eq!(
        check(dimension(redacted, "honest_disclosure"), "wait_estimate")["status"],
        "pass"
    );

    // The import block says which fields each source records.
    let (_, conversations, _) = import("amazon-connect", &[&fixture("facts-amazon-connect")], &[]);
    let can_record = |id: &str| by_id(&conversations, id)["import"]["canRecord"].clone();
    assert_eq!(
        can_record("facts-asked-for-agent"),
        serde_json::json!([
            "turn",
            "escalation",
            "queueJoined",
            "humanConnected",
            "queueJoined.estimatedWaitSeconds",
            "turn.customerName"
        ])
    );
    assert_eq!(
        can_record("facts-redacted-opening"),
        serde_json::json!([
            "turn",
            "escalation",
            "queueJoined",
            "humanConnected",
            "queueJoined.estimatedWaitSeconds"
        ])
    );
    let asked = by_id(&conversations, "facts-asked-for-agent");
    assert_eq!(
        types(asked),
        [
            "turn",
            "turn",
            "escalation",
            "turn",
            "turn",
            "queueJoined",
            "humanConnected",
            "turn",
            "turn"
        ]
    );
    assert_eq!(asked["events"][2]["at"], "2025-09-02T10:00:06.000Z");
}

#[test]
fn genesys_scripts_flows_after_the_agent_and_lonely_transcripts() {
    let dir = tempfile::tempdir().unwrap();
    let (code, conversations, stderr) = import("genesys", &[&fixture("facts-genesys")], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("0 rejected"), "{stderr}");

    // A script id is no proof of what reached the agent, nor of when.
    let scripted = by_id(&conversations, "facts-g-scripted");
    assert_eq!(
        types(scripted),
        ["escalation", "queueJoined", "humanConnected"]
    );
    assert_eq!(scripted["metadata"]["scriptId"], "billing-script-7");
    assert_eq!(scripted["metadata"]["selfService"], "ivr");
    let can_record = scripted["import"]["canRecord"].as_array().unwrap();
    assert!(!can_record.contains(&"contextDelivered".into()));

    // A flow and a survey after the agent are no front end.
    let survey = by_id(&conversations, "facts-g-survey-after");
    assert_eq!(types(survey), ["queueJoined", "humanConnected"]);
    assert!(survey["metadata"].get("selfService").is_none());

    // An agent the export lost the time of: counted, and humanConnected
    // cannot be recorded for this conversation.
    let untimed = by_id(&conversations, "facts-g-agent-untimed");
    assert_eq!(
        untimed["import"]["partsSkipped"]["agent interact segment without a segmentStart"],
        1
    );
    assert_eq!(
        untimed["import"]["canRecord"],
        serde_json::json!(["escalation", "queueJoined"])
    );

    // A transcript alone, without participants: turns only; the untimed
    // phrase stays between the phrases around it.
    let lonely = by_id(&conversations, "facts-g-lonely");
    assert_eq!(
        lonely["import"]["canRecord"],
        serde_json::json!([
            "turn",
            "queueJoined.estimatedWaitSeconds",
            "turn.customerName"
        ])
    );
    let texts: Vec<&str> = lonely["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "Hi, I need to move my appointment.",
            "Sure, which day suits you?",
            "Thursday, please."
        ]
    );

    let (code, cards, stderr) = score(
        "genesys",
        &[&fixture("facts-genesys")],
        &dir.path().join("run"),
    );
    assert_eq!(code, Some(0), "{stderr}");
    let context = dimension(by_id(&cards, "facts-g-scripted"), "context_before_connect");
    assert_eq!(context["status"], "unscored", "{context}");
    assert_eq!(
        context["checks"][0]["reason"],
        "this source does not record contextDelivered"
    );
    assert_eq!(
        by_id(&cards, "facts-g-survey-after")["reason"],
        "rubric does not apply: the conversation was not escalated"
    );
    let untimed = by_id(&cards, "facts-g-agent-untimed");
    let first = dimension(untimed, "first_meaningful_response");
    assert_eq!(first["status"], "unscored", "{first}");
    assert_eq!(
        first["reason"],
        "cannot tell whether it applies: this source does not record humanConnected"
    );
    assert_eq!(
        by_id(&cards, "facts-g-lonely")["reason"],
        "cannot tell whether the rubric applies: this source does not record escalation"
    );
}

// ---- Directories ----------------------------------------------------------------

#[test]
fn directories_are_walked_and_what_is_passed_over_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("connect-bucket");
    // Amazon Connect's own layout in S3.
    let chat = root.join("Analysis/Chat/2025/09/02");
    std::fs::create_dir_all(&chat).unwrap();
    std::fs::copy(
        fixture("facts-amazon-connect/asked-for-agent.json"),
        chat.join("facts-asked-for-agent_analysis_2025-09-02T10:05:00Z.json"),
    )
    .unwrap();
    // Kinesis Firehose objects carry no extension, plain or gzip.
    let records = std::fs::read(fixture("amazon-connect/contact-records.jsonl")).unwrap();
    let firehose = root.join("ctr/2025/09/02");
    std::fs::create_dir_all(&firehose).unwrap();
    std::fs::write(
        firehose.join("ctr-stream-1-2025-09-02-10-00-00-abc"),
        &records,
    )
    .unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, br#"{"ContactId": "gz-only", "Queue": {"Name": "Q", "EnqueueTimestamp": "2025-09-02T10:00:00Z"}}"#).unwrap();
    std::fs::write(
        firehose.join("ctr-stream-1-2025-09-02-11-00-00-def"),
        gz.finish().unwrap(),
    )
    .unwrap();
    // What is not an export.
    std::fs::write(root.join("README.txt"), "exports of the billing queue\n").unwrap();
    std::fs::write(
        firehose.join("checksums"),
        "d41d8cd98f00b204e9800998ecf8427e\n",
    )
    .unwrap();

    let (code, conversations, stderr) = import("amazon-connect", &[&root], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let ids: Vec<&str> = conversations
        .iter()
        .map(|c| c["conversationId"].as_str().unwrap())
        .collect();
    for id in [
        "facts-asked-for-agent",
        "gz-only",
        "77aa0c12-9f3e-4d8b-a1c2-5e6f7a8b9c0d",
    ] {
        assert!(ids.contains(&id), "{id} missing: {ids:?}\n{stderr}");
    }
    for skipped in [
        "README.txt: not *.json or *.jsonl",
        "checksums: no extension, and its content is not JSON",
    ] {
        assert!(
            stderr.contains(skipped),
            "missing `{skipped}` in:\n{stderr}"
        );
    }
    assert!(stderr.contains("in 3 file(s)"), "{stderr}");
    assert!(stderr.contains("2 file(s) skipped"), "{stderr}");

    // A directory of nothing readable says what it holds.
    let empty = dir.path().join("notes");
    std::fs::create_dir_all(empty.join("sub")).unwrap();
    std::fs::write(empty.join("sub/today.csv"), "a,b\n").unwrap();
    let (code, _, stderr) = import("amazon-connect", &[&empty], &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(
            "directory holds no *.json or *.jsonl (or .gz, .zst) files; it holds 1 other entry:"
        ) && stderr.contains("today.csv (not *.json or *.jsonl"),
        "{stderr}"
    );

    // score walks directories the same way, and passes over a run directory.
    let traces = dir.path().join("traces");
    std::fs::create_dir_all(traces.join("2025/09")).unwrap();
    std::fs::copy(
        common::root().join("datasets/demo.jsonl"),
        traces.join("2025/09/demo.jsonl"),
    )
    .unwrap();
    let first = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        traces.to_str().unwrap(),
        "--out",
        traces.join("run").to_str().unwrap(),
        "--judge",
        "off",
    ]);
    assert_eq!(first.status.code(), Some(0), "{}", common::stderr(&first));
    let again = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        traces.to_str().unwrap(),
        "--out",
        dir.path().join("again").to_str().unwrap(),
        "--judge",
        "off",
        "--strict",
    ]);
    let stderr = common::stderr(&again);
    assert_eq!(again.status.code(), Some(0), "{stderr}");
    assert!(stderr.contains("a handoff-eval run directory"), "{stderr}");
    assert_eq!(
        std::fs::read(dir.path().join("again/calls.jsonl")).unwrap(),
        std::fs::read(traces.join("run/calls.jsonl")).unwrap()
    );
}

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
    // (the opening's check holds the opening's reading and its correction:
    // the reading says what it could not tell)
    assert_eq!(
        opening["checks"][0]["reason"],
        "mentions_context: this source does not record turn.customerName"
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

    // Seconds where milliseconds belong: rejected with what they would be,
    // not read as January 1970.
    let seconds = dir.path().join("seconds.json");
    let text = std::fs::read_to_string(fixture("facts-genesys/transcript-lonely.json"))
        .unwrap()
        .replace("1757000000000", "1757000000");
    std::fs::write(&seconds, text).unwrap();
    let (code, _, stderr) = import("genesys", &[&seconds], &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains(
            "seconds.json: file: transcripts[0].phrases[0].startTimeMs: expected Unix \
             milliseconds, found 1757000000, which as milliseconds falls in 1970 (as seconds \
             it would be 2025-09-04T15:33:20.000Z)"
        ),
        "{stderr}"
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

// ---- Every rejection somewhere complete ---------------------------------------

/// Contact records, `bad` of them with a time that is no time, one per line.
fn records_with_bad_times(bad: usize) -> String {
    let mut text = String::new();
    for i in 0..bad {
        text.push_str(&format!(
            "{{\"ContactId\": \"bad-{i}\", \"Queue\": {{\"Name\": \"Q\", \"EnqueueTimestamp\": \"not a time\"}}}}\n"
        ));
    }
    text.push_str(r#"{"ContactId": "good-1", "Queue": {"Name": "Q", "EnqueueTimestamp": "2025-09-02T10:00:00Z"}}"#);
    text.push('\n');
    text
}

#[test]
fn every_rejected_record_is_written_somewhere_complete() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("ctr-150-bad.jsonl");
    std::fs::write(&input, records_with_bad_times(150)).unwrap();

    // Without a file for them, stderr has every one.
    let (code, conversations, stderr) = import("amazon-connect", &[&input], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(conversations.len(), 1);
    assert_eq!(stderr.matches("rejected: ").count(), 150, "{stderr}");
    assert!(stderr.contains("line 150: contact `bad-149`"), "{stderr}");

    // With --rejected FILE: all in the file, the first 20 on stderr.
    let listed = dir.path().join("rejected.jsonl");
    let (code, _, stderr) = import(
        "amazon-connect",
        &[&input],
        &["--rejected", listed.to_str().unwrap()],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<Value> = std::fs::read_to_string(&listed)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 150);
    assert_eq!(lines[149]["record"], "line 150");
    assert!(
        lines[149]["error"]
            .as_str()
            .unwrap()
            .starts_with("contact `bad-149`: Queue.EnqueueTimestamp: expected a time")
    );
    assert_eq!(stderr.matches("rejected: ").count(), 21, "{stderr}");
    assert!(
        stderr.contains("rejected: ... and 130 more, all listed in"),
        "{stderr}"
    );

    // score --input-format: the run's rejected.jsonl has every one, and the
    // run's manifest counts them.
    let run = dir.path().join("run");
    let (code, cards, stderr) = score("amazon-connect", &[&input], &run);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(cards.len(), 1);
    let rejected = std::fs::read_to_string(run.join("rejected.jsonl")).unwrap();
    assert_eq!(rejected.lines().count(), 150);
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(run.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(manifest["outputs"]["rejected"]["lines"], 150);
    // A reader of runs takes it as complete and consistent.
    let report = common::run(&["report", run.to_str().unwrap()]);
    assert_eq!(report.status.code(), Some(0), "{}", common::stderr(&report));
}

// ---- Damaged, encoded and duplicated inputs -------------------------------------

#[test]
fn byte_order_marks_are_skipped_and_utf16_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let with_bom = |from: PathBuf, name: &str| {
        let mut bytes = b"\xEF\xBB\xBF".to_vec();
        bytes.extend(std::fs::read(from).unwrap());
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    };
    for (format, source, name, id) in [
        (
            "amazon-connect",
            fixture("facts-amazon-connect/asked-for-agent.json"),
            "chat.json",
            "facts-asked-for-agent",
        ),
        (
            "genesys",
            fixture("facts-genesys/transcript-lonely.json"),
            "lonely.json",
            "facts-g-lonely",
        ),
        (
            "openai-messages",
            fixture("chats.jsonl"),
            "chats.jsonl",
            "chat-1",
        ),
        ("tau2", fixture("tau2-results.json"), "tau2.json", "sim-1"),
    ] {
        let path = with_bom(source, name);
        let (code, conversations, stderr) = import(format, &[&path], &[]);
        assert_eq!(code, Some(0), "{format}: {stderr}");
        by_id(&conversations, id);
    }

    // UTF-16: named, not "expected value at line 1 column 1".
    let text = std::fs::read_to_string(fixture("facts-genesys/transcript-lonely.json")).unwrap();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        utf16.extend(unit.to_le_bytes());
    }
    let path = dir.path().join("utf16.json");
    std::fs::write(&path, utf16).unwrap();
    let (code, _, stderr) = import("genesys", &[&path], &[]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("utf16.json: file: UTF-16 text: handoff-eval reads UTF-8"),
        "{stderr}"
    );
}

/// `bytes` gzip-compressed, one member.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut encoder, bytes).unwrap();
    encoder.finish().unwrap()
}

#[test]
fn damaged_compressed_inputs_are_errors_and_never_read_as_complete() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read(common::root().join("datasets/demo.jsonl")).unwrap();
    let run = dir.path().join("run");
    let score_v1 = |input: &Path| {
        common::run(&[
            "score",
            "--rubric",
            "rubrics/handoff.yaml",
            input.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
            "--judge",
            "off",
        ])
    };

    // A run over a complete file, then one over a cut copy into the same
    // folder: the second exits 2, and the old summary does not stay beside
    // it to be read as its result.
    let plain = common::root().join("datasets/demo.jsonl");
    assert_eq!(score_v1(&plain).status.code(), Some(0));
    let calls = std::fs::read(run.join("calls.jsonl")).unwrap();
    let cut = dir.path().join("demo-cut.jsonl.gz");
    let whole = gzip(&demo);
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    let output = score_v1(&cut);
    let stderr = common::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("the gzip stream ends inside a member: the file is cut short"),
        "{stderr}"
    );
    assert!(!run.join("summary.json").exists());
    let report = common::run(&["report", run.to_str().unwrap()]);
    assert_eq!(report.status.code(), Some(2));
    assert!(
        common::stderr(&report).contains("incomplete run"),
        "{}",
        common::stderr(&report)
    );

    // Zero padding after the last member, which gzip -t accepts, is read.
    let mut padded = whole.clone();
    padded.extend([0u8; 1024]);
    let padded_path = dir.path().join("demo-padded.jsonl.gz");
    std::fs::write(&padded_path, padded).unwrap();
    assert_eq!(score_v1(&padded_path).status.code(), Some(0));
    assert!(std::fs::read(run.join("calls.jsonl")).unwrap() == calls);

    // A cut Zstandard file is named in words.
    let zst =
        ruzstd::encoding::compress_to_vec(&demo[..], ruzstd::encoding::CompressionLevel::Fastest);
    let cut_zst = dir.path().join("demo-cut.jsonl.zst");
    std::fs::write(&cut_zst, &zst[..zst.len() - 100]).unwrap();
    let stderr = common::stderr(&score_v1(&cut_zst));
    assert!(
        stderr.contains("the Zstandard stream ends inside a frame: the file is cut short")
            && !stderr.contains("Error {"),
        "{stderr}"
    );

    // score --input-format over a cut export: what was read is no complete
    // run either.
    let records = records_with_bad_times(0).replace("good-1", "r-0")
        + &(1..400)
            .map(|i| {
                format!(
                    "{{\"ContactId\": \"r-{i}\", \"Queue\": {{\"Name\": \"Q\", \"EnqueueTimestamp\": \"2025-09-02T10:00:00Z\"}}}}\n"
                )
            })
            .collect::<String>();
    let gz = gzip(records.as_bytes());
    let cut_export = dir.path().join("ctr-cut.jsonl.gz");
    std::fs::write(&cut_export, &gz[..gz.len() * 2 / 3]).unwrap();
    let (code, _, stderr) = score("amazon-connect", &[&cut_export], &dir.path().join("cc"));
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("ctr-cut.jsonl.gz: line ")
            && stderr.contains("cannot be read past this line")
            && stderr.contains("the run is not complete"),
        "{stderr}"
    );
    let (code, conversations, stderr) = import("amazon-connect", &[&cut_export], &[]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(conversations.len() > 100, "what was read is kept: {stderr}");
}

#[test]
fn import_output_is_compressed_as_its_name_says() {
    let dir = tempfile::tempdir().unwrap();
    let mut calls = Vec::new();
    for name in ["out.jsonl", "out.jsonl.gz", "out.jsonl.zst"] {
        let out = dir.path().join(name);
        let output = common::run(&[
            "import",
            "--from",
            "amazon-connect",
            fixture("amazon-connect").to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
        ]);
        assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
        let run = dir.path().join(format!("run-{name}"));
        let scored = common::run(&[
            "score",
            "--rubric",
            "rubrics/handoff.yaml",
            out.to_str().unwrap(),
            "--out",
            run.to_str().unwrap(),
            "--judge",
            "off",
            "--strict",
        ]);
        assert_eq!(
            scored.status.code(),
            Some(0),
            "{name}: {}",
            common::stderr(&scored)
        );
        calls.push(std::fs::read(run.join("calls.jsonl")).unwrap());
    }
    assert!(calls[0] == calls[1] && calls[1] == calls[2]);
    let head = std::fs::read(dir.path().join("out.jsonl.gz")).unwrap();
    assert_eq!(head[..2], [0x1f, 0x8b]);
}

#[test]
fn the_same_contact_twice_is_one_conversation_and_a_named_duplicate() {
    let dir = tempfile::tempdir().unwrap();
    // A raw and a redacted analysis of one contact, as Contact Lens writes
    // both: the redacted one is kept, whatever the order.
    let redacted =
        std::fs::read_to_string(fixture("facts-amazon-connect/redacted-opening.json")).unwrap();
    let raw = redacted
        .replace("\"Redacted\"", "\"Raw\"")
        .replace("[PII]", "Lena");
    let folder = dir.path().join("analyses");
    std::fs::create_dir(&folder).unwrap();
    std::fs::write(
        folder.join("facts-redacted-opening_analysis_2025-09-03T08:05:00Z.json"),
        raw,
    )
    .unwrap();
    std::fs::write(
        folder.join("facts-redacted-opening_analysis_redacted_2025-09-03T08:05:00Z.json"),
        &redacted,
    )
    .unwrap();
    let (code, conversations, stderr) = import("amazon-connect", &[&folder], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(conversations.len(), 1);
    assert_eq!(conversations[0]["metadata"]["contentOutput"], "redacted");
    assert!(
        !serde_json::to_string(&conversations[0])
            .unwrap()
            .contains("Hello Lena"),
        "no raw text in the traces"
    );
    assert!(
        stderr.contains("contact `facts-redacted-opening` has a redacted analysis too")
            && stderr.contains("this raw one is left out"),
        "{stderr}"
    );

    // A Genesys transcript given twice joins once.
    let (code, once, _) = import("genesys", &[&fixture("genesys")], &[]);
    assert_eq!(code, Some(0));
    let copy = dir.path().join("again.json");
    std::fs::copy(fixture("genesys/transcript-0c4e.json"), &copy).unwrap();
    let (code, twice, stderr) = import("genesys", &[&fixture("genesys"), &copy], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let id = "0c4e2a9b-7d1f-4e3a-8b6c-5d4e3f2a1b0c";
    assert_eq!(by_id(&twice, id)["events"], by_id(&once, id)["events"]);
    assert!(
        stderr.contains("again.json: file: a second transcript of the same communication"),
        "{stderr}"
    );
    // Any other source: one id, one conversation.
    let chats = fixture("chats.jsonl");
    let (_, conversations, stderr) = import("openai-messages", &[&chats, &chats], &[]);
    let (_, single, _) = import("openai-messages", &[&chats], &[]);
    assert_eq!(conversations.len(), single.len());
    assert!(stderr.contains("duplicate conversationId"), "{stderr}");
}

#[test]
fn rejections_name_the_record_and_nothing_after_a_broken_one_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    let record = |id: &str, enqueued: &str| {
        format!(
            r#"{{"ContactId": "{id}", "Channel": "CHAT", "Queue": {{"Name": "Returns", "EnqueueTimestamp": "{enqueued}"}}, "Agent": {{"Username": "jo", "ConnectedToAgentTimestamp": "2025-09-02T10:05:00Z"}}, "CustomerEndpoint": {{"Address": "x@example.com"}}}}"#
        )
    };
    // A Firehose object: records back to back, no line breaks. The third
    // has a bad time; the fourth is cut inside a string, and the fifth
    // starts right in it.
    let fourth = record("fh-3", "2025-09-02T10:00:00Z");
    let broken = &fourth[..fourth.find("\"Address\"").unwrap() + 8];
    let object = [
        record("fh-0", "2025-09-02T10:00:00Z"),
        record("fh-1", "2025-09-02T10:00:00Z"),
        record("fh-2", "soon"),
        broken.to_string(),
        record("fh-4", "2025-09-02T10:00:00Z"),
    ]
    .concat();
    let path = dir.path().join("firehose-object");
    std::fs::write(&path, object).unwrap();
    let (code, conversations, stderr) = import("amazon-connect", &[&path], &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let ids: Vec<&str> = conversations
        .iter()
        .map(|c| c["conversationId"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["fh-0", "fh-1", "fh-4"], "{stderr}");
    assert!(
        stderr.contains("firehose-object: line 1, value 3: contact `fh-2`: Queue.EnqueueTimestamp"),
        "{stderr}"
    );
    assert!(
        stderr.contains("firehose-object: line 1, value 4: invalid JSON"),
        "{stderr}"
    );
    assert!(stderr.contains("from 5 record(s)"), "{stderr}");

    // Shapes said as they are.
    let odd = dir.path().join("odd");
    std::fs::create_dir(&odd).unwrap();
    std::fs::write(
        odd.join("object-transcript.json"),
        r#"{"Channel": "CHAT", "Transcript": {}}"#,
    )
    .unwrap();
    std::fs::write(odd.join("content-types.json"), r#"{"Channel": "CHAT", "CustomerMetadata": {"ContactId": "ct"}, "Transcript": [
        {"AbsoluteTime": "2025-09-02T10:00:00Z", "ParticipantRole": "CUSTOMER", "ContentType": "text/plain", "Content": 42},
        {"AbsoluteTime": "2025-09-02T10:00:01Z", "ParticipantRole": "AGENT", "ContentType": "text/plain", "Content": {"text": "hi"}}]}"#).unwrap();
    let mut labelled: Value = serde_json::from_str(
        &std::fs::read_to_string(fixture("facts-amazon-connect/asked-for-agent.json")).unwrap(),
    )
    .unwrap();
    labelled["CustomerMetadata"]["ContactId"] = "labelled".into();
    labelled["ConversationCharacteristics"] = serde_json::json!({"Sentiment": {"DetailsByTranscriptItemGroup": [
        {"Sentiment": "NEGATIVE", "TranscriptItems": [{"Id": "a2"}, {"Id": "no-such-item"}]}]}});
    std::fs::write(odd.join("labelled.json"), labelled.to_string()).unwrap();
    let (_, conversations, stderr) = import("amazon-connect", &[&odd], &[]);
    assert!(
        stderr.contains("object-transcript.json: file: `Transcript` is an object, expected the list of transcript items"),
        "{stderr}"
    );
    assert!(
        stderr.contains("content-types.json: file: no messages and no events: nothing to import (left out: message whose Content is a number: 1, message whose Content is an object: 1)"),
        "{stderr}"
    );
    let labelled = by_id(&conversations, "labelled");
    assert_eq!(
        labelled["import"]["partsSkipped"]["sentiment of an unknown transcript item"],
        1
    );
    assert_eq!(labelled["events"][1]["sentiment"], -0.5);

    // An empty Genesys query result is a note, not "neither ... nor".
    let page = dir.path().join("page.json");
    std::fs::write(&page, r#"{"totalHits": 0}"#).unwrap();
    let (_, _, stderr) = import(
        "genesys",
        &[&page, &fixture("genesys/detail-0c4e.json")],
        &[],
    );
    assert!(
        stderr.contains("note: ")
            && stderr.contains("page.json: file: a query result with no conversations"),
        "{stderr}"
    );
    assert!(stderr.contains("0 rejected"), "{stderr}");
}

#[test]
fn chat_messages_without_text_are_counted() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("silent.jsonl");
    std::fs::write(
        &path,
        concat!(
            r#"{"id":"audio-only","messages":[{"role":"user","content":"Can I talk to someone?"},{"role":"assistant","content":null,"audio":{"id":"audio_1","data":"UklGR..."}},{"role":"user","content":"hello?"}]}"#,
            "\n",
            r#"{"id":"blank","messages":[{"role":"user","content":"hi"},{"role":"assistant","content":null},{"role":"assistant","content":""}]}"#,
            "\n"
        ),
    )
    .unwrap();
    let (code, conversations, stderr) = import("openai-messages", &[&path], &["--strict"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        by_id(&conversations, "audio-only")["import"]["partsSkipped"],
        serde_json::json!({"audio without a transcript": 1})
    );
    assert_eq!(
        by_id(&conversations, "blank")["import"]["partsSkipped"],
        serde_json::json!({"assistant message without text": 2})
    );
    assert!(
        stderr.contains(
            "3 part(s) skipped (assistant message without text: 2, audio without a transcript: 1)"
        ),
        "{stderr}"
    );
}

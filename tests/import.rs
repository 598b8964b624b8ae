//! Importers on small hand-written files of each source format: what they
//! map, where they report malformed records, and that what they write is
//! valid handoff-trace/v1 that scores without a rejected line.

mod common;

use serde_json::Value;

struct Imported {
    conversations: Vec<Value>,
    stderr: String,
}

fn import(format: &str, fixture: &str, extra: &[&str]) -> Imported {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let input = common::fixture(&format!("import/{fixture}"));
    let mut args = vec![
        "import",
        "--from",
        format,
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    let output = common::run(&args);
    let stderr = common::stderr(&output);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let text = std::fs::read_to_string(&out).unwrap();
    // Every line the importer writes is read by the scorer without a rejection.
    let scored = dir.path().join("scored");
    let score = common::run(&[
        "score",
        "--rubric",
        "rubrics/ai-handoff.yaml",
        out.to_str().unwrap(),
        "--out",
        scored.to_str().unwrap(),
        "--judge",
        "off",
        "--strict",
    ]);
    assert_eq!(score.status.code(), Some(0), "{}", common::stderr(&score));
    Imported {
        conversations: text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        stderr,
    }
}

fn events_of<'a>(conversation: &'a Value, kind: &str) -> Vec<&'a Value> {
    conversation["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == kind)
        .collect()
}

fn snapshot(name: &str, conversations: &[Value]) {
    common::settings().bind(|| insta::assert_json_snapshot!(name, conversations));
}

#[test]
fn tau_bench_trajectories() {
    let imported = import("tau-bench", "gpt-4o-airline.json", &[]);
    assert!(
        imported
            .stderr
            .contains("gpt-4o-airline.json: [2]: no `traj` list of messages"),
        "{}",
        imported.stderr
    );
    assert!(
        imported
            .stderr
            .contains("2 conversation(s) from 3 record(s)")
    );
    let [first, second] = &imported.conversations[..] else {
        panic!("two conversations");
    };
    // The model and domain come from the file name; no clock in the source.
    assert_eq!(first["agentVersion"], "gpt-4o");
    assert_eq!(first["scenarioId"], "airline/4");
    assert_eq!(first["customer"]["id"], "omar_rossi_1241");
    assert_eq!(first["metadata"]["reward"], "0.0");
    assert!(first.get("startedAt").is_none());
    assert!(
        first["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("at").is_none())
    );
    // The lookup is joined with its result; the transfer becomes an escalation
    // and a package with the tool's summary.
    let tools = events_of(first, "toolCall");
    assert_eq!(tools[0]["result"]["reservation_id"], "FQ8APE");
    let package = &events_of(first, "handoffPackage")[0]["package"];
    assert!(
        package["summary"]
            .as_str()
            .unwrap()
            .starts_with("Omar Rossi wants")
    );
    assert_eq!(events_of(first, "escalation").len(), 1);
    // The system prompt is not a turn; a trigger the source does not give stays missing.
    assert!(events_of(first, "escalation")[0].get("trigger").is_none());
    assert_eq!(events_of(first, "turn").len(), 3);
    // A promise without the tool call: no escalation.
    assert!(events_of(second, "escalation").is_empty());
    snapshot("import_tau_bench", &imported.conversations);
}

#[test]
fn tau2_simulations() {
    let imported = import("tau2", "tau2-results.json", &[]);
    assert!(
        imported
            .stderr
            .contains("tau2-results.json: simulations[2]: no `messages` list"),
        "{}",
        imported.stderr
    );
    let first = &imported.conversations[0];
    assert_eq!(first["agentVersion"], "gpt-4.1");
    assert_eq!(first["scenarioId"], "telecom/t1");
    assert_eq!(first["startedAt"], "2025-08-01T16:20:44.321Z");
    assert_eq!(first["endedAt"], "2025-08-01T16:21:30.000Z");
    assert_eq!(first["metadata"]["termination_reason"], "user_stop");
    // The user's own device tool is not an agent tool call.
    let tools: Vec<&str> = events_of(first, "toolCall")
        .iter()
        .map(|e| e["tool"].as_str().unwrap())
        .collect();
    assert_eq!(tools, ["get_customer_by_phone", "transfer_to_human_agents"]);
    // Times without an offset are read as UTC, to the millisecond.
    assert_eq!(
        events_of(first, "turn")[0]["at"],
        "2025-08-01T16:20:44.335Z"
    );
    snapshot("import_tau2", &imported.conversations);
}

#[test]
fn openai_message_logs() {
    let imported = import(
        "openai-messages",
        "chats.jsonl",
        &["--escalation-tool", "escalate_to_human"],
    );
    assert!(
        imported
            .stderr
            .contains("chats.jsonl: line 3: invalid JSON"),
        "{}",
        imported.stderr
    );
    assert!(
        imported
            .stderr
            .contains("chats.jsonl: line 4: messages[0]: no `role`")
    );
    let [first, second] = &imported.conversations[..] else {
        panic!("two conversations");
    };
    assert_eq!(first["conversationId"], "chat-1");
    assert_eq!(first["agentVersion"], "support-bot@3.0");
    assert_eq!(first["customer"]["id"], "cus_77");
    assert_eq!(first["metadata"]["queue"], "billing");
    // The first timed message starts the conversation.
    assert_eq!(first["startedAt"], "2026-11-02T14:03:11.000Z");
    assert_eq!(
        events_of(first, "escalation").len(),
        1,
        "the configured tool escalates"
    );
    // A bare list of messages, with text parts, and no ids.
    assert_eq!(second["conversationId"], "chats:2");
    assert_eq!(second["agentVersion"], "unknown");
    assert_eq!(events_of(second, "turn")[0]["text"], "Hello");
    snapshot("import_openai_messages", &imported.conversations);
}

#[test]
fn opentelemetry_genai_spans_in_both_conventions() {
    let new = import("otel", "otel-new.json", &[]);
    assert!(
        new.stderr.contains(
            "otel-new.json: resourceSpans[0].scopeSpans[0].spans[2]: no startTimeUnixNano"
        ),
        "{}",
        new.stderr
    );
    let conversation = &new.conversations[0];
    assert_eq!(conversation["conversationId"], "otel-conv-1");
    assert_eq!(conversation["agentVersion"], "billing-bot@2.3.1");
    assert_eq!(conversation["customer"]["id"], "cus_9");
    // History repeated by the second span is not repeated in the transcript.
    let turns = events_of(conversation, "turn");
    let texts: Vec<&str> = turns.iter().map(|t| t["text"].as_str().unwrap()).collect();
    assert_eq!(
        texts,
        [
            "My card was charged twice, order 8821.",
            "I'm transferring you to a billing specialist now.",
            "Hi, I can see the double charge on order 8821."
        ]
    );
    // handoff.* span events become events of their type.
    let connected = events_of(conversation, "humanConnected");
    assert_eq!(connected[0]["agentId"], "h-42");
    assert_eq!(turns[2]["speaker"], "human");
    assert_eq!(
        events_of(conversation, "toolCall")[0]["result"],
        "Transfer successful"
    );

    let old = import("otel", "otel-old.jsonl", &[]);
    assert!(
        old.stderr.contains("otel-old.jsonl: line 2: invalid JSON"),
        "{}",
        old.stderr
    );
    let conversation = &old.conversations[0];
    assert_eq!(conversation["agentVersion"], "gpt-4o-mini");
    assert_eq!(events_of(conversation, "escalation").len(), 1);
    let mut all = new.conversations.clone();
    all.extend(old.conversations);
    snapshot("import_otel", &all);
}

#[test]
fn score_reads_a_source_format_directly() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/ai-handoff.yaml",
        "--input-format",
        "tau-bench",
        common::fixture("import/gpt-4o-airline.json")
            .to_str()
            .unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--judge",
        "off",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    assert!(
        common::stdout(&output).contains(
            "import (tau-bench): 2 conversation(s) from 3 record(s); 1 record(s) rejected"
        )
    );
    let summary: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["import"]["rejected"][0]["record"], "[2]");
    assert_eq!(summary["import"]["imported"], 2);
    assert!(out.join("imported.jsonl").is_file());
    // The promise without a transfer fails the critical dimension.
    let calls = std::fs::read_to_string(out.join("calls.jsonl")).unwrap();
    let second: Value = serde_json::from_str(calls.lines().nth(1).unwrap()).unwrap();
    assert_eq!(second["dimensions"][0]["id"], "transfer_executed");
    assert_eq!(second["dimensions"][0]["status"], "fail");
    assert_eq!(second["verdict"], "fail");

    // --strict turns the rejected record into exit code 2; a missing input is 2.
    let strict = common::run(&[
        "import",
        "--from",
        "tau-bench",
        common::fixture("import/gpt-4o-airline.json")
            .to_str()
            .unwrap(),
        "-o",
        dir.path().join("x.jsonl").to_str().unwrap(),
        "--strict",
    ]);
    assert_eq!(strict.status.code(), Some(2));
    let missing = common::run(&["import", "--from", "tau2", "/nonexistent/file.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(common::stderr(&missing).contains("/nonexistent/file.json"));
}

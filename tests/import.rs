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

// ---- Content that importers used to drop without a word ----------------

/// Imports `input` (a file or directory under tests/fixtures/import) and
/// returns the exit code, the conversations written and stderr, without
/// asserting success: for sources with records that must be rejected.
fn import_any(format: &str, input: &str) -> (Option<i32>, Vec<Value>, String) {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.jsonl");
    let input = common::fixture(&format!("import/{input}"));
    let output = common::run(&[
        "import",
        "--from",
        format,
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    let text = std::fs::read_to_string(&out).unwrap_or_default();
    (
        output.status.code(),
        text.lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
        common::stderr(&output),
    )
}

fn turn_texts(conversation: &Value) -> Vec<(String, String)> {
    events_of(conversation, "turn")
        .iter()
        .map(|t| {
            (
                t["speaker"].as_str().unwrap().to_string(),
                t["text"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn audio_replies_refusals_and_millisecond_times_are_kept() {
    let (code, conversations, stderr) = import_any("openai-messages", "openai-dropped.jsonl");
    assert_eq!(code, Some(0), "{stderr}");
    // The conversation with a time that is no time is rejected where it is.
    assert!(
        stderr.contains("openai-dropped.jsonl: line 2: messages[1]: created_at: expected a time"),
        "{stderr}"
    );
    let [conversation] = &conversations[..] else {
        panic!("one conversation: {conversations:?}");
    };
    assert_eq!(
        turn_texts(conversation),
        [
            ("customer", "My meter reading on the last bill is wrong."),
            (
                "ai",
                "I can check that. Can you read me the number on your meter?"
            ),
            ("customer", "Here is a photo of it."),
            (
                "ai",
                "I can't change a bill myself, so I'm transferring you to a billing specialist."
            ),
        ]
        .map(|(s, t)| (s.to_string(), t.to_string()))
    );
    // Epoch milliseconds, not seconds: every turn keeps its time.
    assert_eq!(conversation["startedAt"], "2025-11-02T14:03:11.000Z");
    let times: Vec<&str> = events_of(conversation, "turn")
        .iter()
        .map(|t| t["at"].as_str().expect("every turn is timed"))
        .collect();
    assert_eq!(times[1], "2025-11-02T14:03:14.250Z");
    // The image is not text: left out, and counted.
    assert_eq!(
        conversation["import"]["partsSkipped"]["content part image_url"],
        1
    );
    assert!(
        stderr.contains("1 part(s) skipped (content part image_url: 1)"),
        "{stderr}"
    );
}

#[test]
fn otel_content_blocks_are_read_and_choices_kept() {
    let (code, conversations, stderr) = import_any("otel", "otel-content-blocks.json");
    assert_eq!(code, Some(0), "{stderr}");
    let conversation = &conversations[0];
    assert_eq!(
        turn_texts(conversation),
        [
            ("customer", "Parcel PW-5521 says delivered\nbut it never arrived."),
            (
                "ai",
                "I'm sorry. A missing parcel needs a claim, so I'm connecting you with our claims team."
            ),
            ("customer", "How long will that take?"),
            (
                "ai",
                "About two minutes; I'll pass along everything you told me."
            ),
        ]
        .map(|(s, t)| (s.to_string(), t.to_string()))
    );
    assert_eq!(
        conversation["import"]["partsSkipped"]["content part image"],
        1
    );
    // GenAI spans record the AI's side only.
    assert_eq!(
        conversation["import"]["canRecord"],
        serde_json::json!([
            "turn",
            "toolCall",
            "escalation",
            "handoffPackage",
            "turn.customerName"
        ])
    );
}

#[test]
fn tau2_bare_lists_are_read_and_missing_tasks_give_no_scenario() {
    let (code, conversations, stderr) = import_any("tau2", "tau2-bare-list.json");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("2 conversation(s) from 2 record(s)"),
        "{stderr}"
    );
    assert_eq!(conversations[0]["scenarioId"], "roam_7");
    assert!(conversations[1].get("scenarioId").is_none());
    let (code, conversations, stderr) = import_any("tau2", "tau2-no-task.json");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        conversations[0].get("scenarioId").is_none(),
        "{}",
        conversations[0]
    );
}

#[test]
fn score_with_nothing_imported_exits_2_like_import() {
    let dir = tempfile::tempdir().unwrap();
    let source = common::fixture("import/chats.jsonl");
    let import = common::run(&["import", "--from", "tau2", source.to_str().unwrap()]);
    assert_eq!(import.status.code(), Some(2));
    let score = common::run(&[
        "score",
        "--rubric",
        "rubrics/ai-handoff.yaml",
        "--input-format",
        "tau2",
        source.to_str().unwrap(),
        "--out",
        dir.path().join("run").to_str().unwrap(),
        "--judge",
        "off",
    ]);
    let stderr = common::stderr(&score);
    assert_eq!(score.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("nothing could be imported"), "{stderr}");
}

// ---- Contact-center exports ----------------------------------------------

fn by_id<'a>(conversations: &'a [Value], id: &str) -> &'a Value {
    conversations
        .iter()
        .find(|c| c["conversationId"] == id)
        .unwrap_or_else(|| panic!("no conversation {id}"))
}

/// Types of the conversation's events, in order.
fn types(conversation: &Value) -> Vec<&str> {
    conversation["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect()
}

#[test]
fn amazon_connect_contact_lens_joined_with_records_and_events() {
    let (code, conversations, stderr) = import_any("amazon-connect", "amazon-connect");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("0 rejected"), "{stderr}");
    assert_eq!(conversations.len(), 3, "{stderr}");

    let chat = by_id(&conversations, "8d2e4b1a-6c3f-4e5a-9b7d-1f0a2c3e4d5b");
    assert_eq!(chat["channel"], "chat");
    let speakers: Vec<&str> = events_of(chat, "turn")
        .iter()
        .map(|t| t["speaker"].as_str().unwrap())
        .collect();
    assert_eq!(&speakers[..3], ["ai", "customer", "ai"]);
    assert!(speakers.contains(&"human"));
    // The queue entry from the record, the quoted wait from the bot, the
    // agent's join from the transcript, in that order.
    let queued = events_of(chat, "queueJoined")[0];
    assert_eq!(queued["at"], "2025-02-11T16:22:31.000Z");
    assert_eq!(queued["queue"], "Returns");
    assert_eq!(queued["estimatedWaitSeconds"], 180.0);
    let connected = events_of(chat, "humanConnected")[0];
    assert_eq!(connected["at"], "2025-02-11T16:24:40.515Z");
    assert_eq!(
        connected["agentId"], "agent.kim",
        "the record names the agent"
    );
    let order = types(chat);
    let position = |t: &str| order.iter().position(|x| *x == t).unwrap();
    assert!(position("escalation") < position("queueJoined"));
    assert!(position("queueJoined") < position("humanConnected"));
    // Redacted text stays redacted; sentiment labels on the [-1, 1] scale.
    let turns = events_of(chat, "turn");
    assert!(turns.iter().any(|t| t["text"] == "[PII]"));
    assert_eq!(turns[1]["sentiment"], -0.5);
    assert_eq!(chat["metadata"]["attributes.orderNumber"], "NW-448812");
    assert_eq!(chat["endedAt"], "2025-02-11T16:26:51.000Z");
    assert_eq!(chat["import"]["partsSkipped"]["attachment"], 1);
    assert!(
        !chat["import"]["canRecord"]
            .as_array()
            .unwrap()
            .contains(&"contextDelivered".into()),
        "a transcript cannot show a screen pop"
    );

    // Voice: the id from the file name, turns timed from the agent's connection.
    let voice = by_id(&conversations, "3f1c9a7e-5b2d-4c11-9e0a-7d2b8c4f6a10");
    assert_eq!(voice["channel"], "voice");
    assert_eq!(voice["customer"]["id"], "+15550100111");
    let turns = events_of(voice, "turn");
    assert_eq!(turns[0]["at"], "2025-03-04T09:09:30.000Z");
    assert_eq!(turns[1]["at"], "2025-03-04T09:09:34.500Z");
    assert_eq!(turns[0]["speaker"], "human");
    // What came before the queue is not in the recording nor in the record:
    // a queue entry, no escalation, and the import block says so.
    assert_eq!(types(voice)[..3], ["queueJoined", "humanConnected", "turn"]);
    assert_eq!(
        voice["import"]["canRecord"],
        serde_json::json!(["turn", "queueJoined", "humanConnected"])
    );
    // Two deliveries of the record, merged.
    assert_eq!(voice["metadata"]["attributes.customerTier"], "gold");

    // A record without a transcript: the queue and the agent only.
    let record = by_id(&conversations, "77aa0c12-9f3e-4d8b-a1c2-5e6f7a8b9c0d");
    assert_eq!(types(record), ["queueJoined", "humanConnected"]);
    assert_eq!(
        record["import"]["canRecord"],
        serde_json::json!(["queueJoined", "humanConnected"])
    );
    snapshot("import_amazon_connect", &conversations);
}

#[test]
fn amazon_connect_exports_never_seen_import_or_are_rejected_where() {
    let (code, conversations, stderr) = import_any("amazon-connect", "amazon-connect-odd");
    assert_eq!(code, Some(0), "{stderr}");
    for expected in [
        "bad-time.json: file: Transcript[1].AbsoluteTime: expected a time",
        "empty.json: file: no JSON value: the file is empty",
        "records-broken.jsonl: line 2: invalid JSON",
        "records-broken.jsonl: line 3: neither Contact Lens output",
        "records-broken.jsonl: line 4: contact `rec-bad-time`: InitiationTimestamp: expected a time",
        "records-broken.jsonl: line 5: contact `rec-nothing` has no transcript, no queue and no agent",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
    // Odd times: no offset is UTC, +02:00 is converted, order is kept as given.
    let odd = by_id(&conversations, "odd-timestamps");
    let turns = events_of(odd, "turn");
    assert_eq!(turns[0]["at"], "2025-06-30T23:59:58.500Z");
    assert_eq!(turns[1]["at"], "2025-07-01T00:00:01.000Z");
    assert_eq!(turns[1]["speaker"], "customer");
    assert!(
        turns
            .iter()
            .any(|t| t["speaker"] == "human" && t["text"].as_str().unwrap().starts_with("Joining"))
    );
    // The queue entry at the flow's message about it; no wait quoted there.
    let queued = events_of(odd, "queueJoined")[0];
    assert_eq!(queued["at"], "2025-07-01T00:00:03.000Z");
    assert!(queued.get("estimatedWaitSeconds").is_none());
    let skipped = &odd["import"]["partsSkipped"];
    for kind in [
        "event transfer.succeeded",
        "message of type application/vnd.amazonaws.connect.message.interactive",
        "message from OBSERVER",
        "empty message",
        "sentiment label ANGRY",
    ] {
        assert_eq!(skipped[kind], 1, "{kind}: {skipped}");
    }
    // A voice analysis without a record: no clock is invented.
    let voice = by_id(&conversations, "voice-without-record");
    assert!(voice.get("startedAt").is_none());
    assert!(
        voice["events"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e.get("at").is_none())
    );
    assert_eq!(types(voice), ["humanConnected", "turn", "turn"]);
    // Raw text: the customer's name would show in it.
    assert_eq!(
        voice["import"]["canRecord"],
        serde_json::json!(["turn", "humanConnected", "turn.customerName"])
    );
    // The good record of the broken file.
    assert_eq!(types(by_id(&conversations, "rec-ok-1")), ["queueJoined"]);
}

#[test]
fn genesys_details_joined_with_transcripts() {
    let (code, conversations, stderr) = import_any("genesys", "genesys");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stderr.contains("0 rejected"), "{stderr}");
    let joined = by_id(&conversations, "0c4e2a9b-7d1f-4e3a-8b6c-5d4e3f2a1b0c");
    assert_eq!(joined["channel"], "voice");
    assert_eq!(joined["customer"]["id"], "ext-5521");
    assert_eq!(joined["customer"]["name"], "Mia Lopez");
    // The escalation at the IVR's phrase that announces it ("Your wait is
    // about 2 minutes"), so that phrase is what the AI said at the handoff.
    assert_eq!(
        types(joined),
        [
            "verification",
            "turn",
            "turn",
            "turn",
            "escalation",
            "turn",
            "queueJoined",
            "humanConnected",
            "turn",
            "turn",
            "turn"
        ]
    );
    let turns = turn_texts(joined);
    assert_eq!(turns[0].0, "ai");
    assert_eq!(
        turns[1],
        ("customer".into(), "I lost my debit card.".into())
    );
    // Phrases in time order, whatever their order in the file.
    assert_eq!(turns[4].0, "human");
    assert_eq!(turns[5], ("customer".into(), "Oh good, thank you.".into()));
    let sentiments: Vec<&Value> = events_of(joined, "turn")
        .iter()
        .map(|t| &t["sentiment"])
        .collect();
    assert_eq!(sentiments[1], -0.62);
    assert_eq!(sentiments[5], 0.81);
    // The IVR's "your wait is about 2 minutes", before the agent answered.
    assert_eq!(
        events_of(joined, "queueJoined")[0]["estimatedWaitSeconds"],
        120.0
    );
    // A script assigned to the agent's session shows neither what it
    // displayed nor when: kept as metadata, no contextDelivered, and the
    // source says it cannot record one.
    assert!(events_of(joined, "contextDelivered").is_empty());
    assert_eq!(joined["metadata"]["scriptId"], "script-cards-v2");
    assert_eq!(joined["metadata"]["attributes.intent"], "lost_card");
    assert!(
        !joined["import"]["canRecord"]
            .as_array()
            .unwrap()
            .contains(&"contextDelivered".into())
    );
    assert_eq!(
        events_of(joined, "humanConnected")[0]["at"],
        "2025-05-20T14:03:05.000Z"
    );
    assert_eq!(joined["import"]["partsSkipped"]["phrase by `holdmusic`"], 1);
    assert_eq!(joined["import"]["partsSkipped"]["empty phrase"], 1);

    // A details query result: one conversation per entry. Without an IVR
    // or a bot before the queue, no handoff from automation: no escalation.
    let abandoned = by_id(&conversations, "g-abandoned");
    assert_eq!(types(abandoned), ["queueJoined"]);
    let unanswered = by_id(&conversations, "g-unanswered");
    assert_eq!(unanswered["channel"], "messaging");
    assert!(events_of(unanswered, "humanConnected").is_empty());
    assert_eq!(
        unanswered["import"]["partsSkipped"]["participant with purpose `voicemail`"],
        1
    );
    // A transcript alone: queue and agent from its own participants. Its
    // phrases are untimed: the agent connected no later than the agent's
    // first phrase, and the queue no later than that.
    let orphan = by_id(&conversations, "g-orphan");
    assert_eq!(
        types(orphan),
        ["turn", "queueJoined", "humanConnected", "turn"]
    );
    assert!(events_of(orphan, "turn")[0].get("at").is_none());
    snapshot("import_genesys", &conversations);

    let (code, conversations, stderr) = import_any("genesys", "genesys-odd");
    assert_eq!(code, Some(2), "nothing imported: {stderr}");
    assert!(conversations.is_empty());
    for expected in [
        "broken.json: [0]: participants[1]: segmentStart: expected a time",
        "broken.json: [1]: neither a conversation detail",
        "broken.json: [2]: transcripts[0].phrases[0].startTimeMs: expected Unix milliseconds",
    ] {
        assert!(
            stderr.contains(expected),
            "missing `{expected}` in:\n{stderr}"
        );
    }
}

// ---- Compressed inputs -----------------------------------------------------

/// `bytes` gzip-compressed, as two members (`cat a.gz b.gz`): readers must
/// go on past the first.
fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let middle = bytes.len() / 2;
    let mut out = Vec::new();
    for part in [&bytes[..middle], &bytes[middle..]] {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(part).unwrap();
        out.extend(encoder.finish().unwrap());
    }
    out
}

/// `bytes` Zstandard-compressed, as two frames.
fn zstd(bytes: &[u8]) -> Vec<u8> {
    use ruzstd::encoding::{CompressionLevel, compress_to_vec};
    let middle = bytes.len() / 2;
    let mut out = compress_to_vec(&bytes[..middle], CompressionLevel::Fastest);
    out.extend(compress_to_vec(&bytes[middle..], CompressionLevel::Fastest));
    out
}

fn score_file(input: &std::path::Path, out: &std::path::Path) -> String {
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        input.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--judge",
        "off",
        "--strict",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    std::fs::read_to_string(out.join("calls.jsonl")).unwrap()
}

#[test]
fn compressed_inputs_score_as_the_plain_file_does() {
    let dir = tempfile::tempdir().unwrap();
    let demo = std::fs::read(common::root().join("datasets/demo.jsonl")).unwrap();
    let gz = dir.path().join("demo.jsonl.gz");
    let zst = dir.path().join("demo.jsonl.zst");
    std::fs::write(&gz, gzip(&demo)).unwrap();
    std::fs::write(&zst, zstd(&demo)).unwrap();
    let plain = score_file(
        &common::root().join("datasets/demo.jsonl"),
        &dir.path().join("plain"),
    );
    assert_eq!(plain.lines().count(), 300);
    for compressed in [&gz, &zst] {
        let calls = score_file(compressed, &dir.path().join("run"));
        assert!(
            calls == plain,
            "{} scores differently",
            compressed.display()
        );
    }
    // A directory of compressed files; standard input recognised by its first bytes.
    let folder = dir.path().join("folder");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&zst, folder.join("demo.jsonl.zst")).unwrap();
    assert!(score_file(&folder, &dir.path().join("dir")) == plain);
    let mut piped = common::command_in(
        &common::root(),
        &[
            "score",
            "--rubric",
            "rubrics/handoff.yaml",
            "-",
            "--out",
            dir.path().join("stdin").to_str().unwrap(),
            "--judge",
            "off",
        ],
    )
    .stdin(std::fs::File::open(&gz).unwrap())
    .output()
    .unwrap();
    assert_eq!(piped.status.code(), Some(0), "{}", common::stderr(&piped));
    piped.stdout.clear();
    assert!(std::fs::read_to_string(dir.path().join("stdin/calls.jsonl")).unwrap() == plain);

    // explain and calibrate read them too.
    let explain = common::run(&[
        "explain",
        "--rubric",
        "rubrics/handoff.yaml",
        "--conversation",
        "conv-0000004",
        gz.to_str().unwrap(),
        "--judge",
        "off",
    ]);
    assert_eq!(
        explain.status.code(),
        Some(0),
        "{}",
        common::stderr(&explain)
    );
    assert!(common::stdout(&explain).contains("conv-0000004"));
    let calibrate = |input: &std::path::Path| {
        let output = common::run(&[
            "calibrate",
            "--rubric",
            "rubrics/handoff.yaml",
            input.to_str().unwrap(),
            "--judge",
            "off",
        ]);
        (output.status.code(), common::stdout(&output))
    };
    assert_eq!(
        calibrate(&zst),
        calibrate(&common::root().join("datasets/demo.jsonl"))
    );
}

#[test]
fn compressed_source_exports_import_and_corrupt_streams_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let source = std::fs::read(common::fixture("import/gpt-4o-airline.json")).unwrap();
    let gz = dir.path().join("gpt-4o-airline.json.gz");
    std::fs::write(&gz, gzip(&source)).unwrap();
    let output = common::run(&["import", "--from", "tau-bench", gz.to_str().unwrap()]);
    let stderr = common::stderr(&output);
    // The model and domain still come from the name under the compression suffix.
    assert!(common::stdout(&output).contains("\"agentVersion\":\"gpt-4o\""));
    assert!(
        stderr.contains("gpt-4o-airline.json.gz: [2]: no `traj` list"),
        "{stderr}"
    );

    // An import goes on past a file it cannot decode, rejecting that file,
    // and exits 2: the input could not be read whole.
    let folder = dir.path().join("exports");
    std::fs::create_dir(&folder).unwrap();
    std::fs::copy(&gz, folder.join("gpt-4o-airline.json.gz")).unwrap();
    let cut = gzip(&source);
    std::fs::write(folder.join("gpt-4o-retail.json.gz"), &cut[..cut.len() / 2]).unwrap();
    let output = common::run(&["import", "--from", "tau-bench", folder.to_str().unwrap()]);
    let stderr = common::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("gpt-4o-retail.json.gz: file: cannot be read: the gzip stream ends inside a member: the file is cut short"),
        "{stderr}"
    );
    assert!(stderr.contains("2 conversation(s)"), "{stderr}");
    assert_eq!(common::stdout(&output).lines().count(), 2, "{stderr}");

    // A stream cut short is an error naming the file, never an early end.
    let demo = std::fs::read(common::root().join("datasets/demo.jsonl")).unwrap();
    for (name, bytes) in [
        ("cut.jsonl.gz", gzip(&demo)),
        ("cut.jsonl.zst", zstd(&demo)),
    ] {
        let path = dir.path().join(name);
        std::fs::write(&path, &bytes[..bytes.len() * 3 / 4]).unwrap();
        let output = common::run(&[
            "score",
            "--rubric",
            "rubrics/handoff.yaml",
            path.to_str().unwrap(),
            "--out",
            dir.path().join("cut").to_str().unwrap(),
            "--judge",
            "off",
        ]);
        let stderr = common::stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains(name), "{name}: {stderr}");
    }
    // A name that promises a compression the content does not have.
    let fake = dir.path().join("fake.jsonl.gz");
    std::fs::copy(common::root().join("datasets/demo.jsonl"), &fake).unwrap();
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        fake.to_str().unwrap(),
        "--out",
        dir.path().join("fake").to_str().unwrap(),
        "--judge",
        "off",
    ]);
    let stderr = common::stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("fake.jsonl.gz: the name says gzip"),
        "{stderr}"
    );
}

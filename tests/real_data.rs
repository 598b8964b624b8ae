//! The real trajectories in ../shared/data (tau-bench and tau2-bench runs of
//! several models), imported and scored with rubrics/ai-handoff.yaml. The
//! data is read in place, never copied; without it the test says so and
//! passes. Counts are checked against an independent scan of the raw files.

mod common;

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

/// Ids the importers give, with whether the raw record calls the transfer tool.
fn raw_transfers(format: &str, dir: &Path) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    let calls_transfer = |messages: &Value| {
        messages.as_array().unwrap().iter().any(|m| {
            m["role"] == "assistant"
                && m["tool_calls"].as_array().is_some_and(|calls| {
                    calls.iter().any(|c| {
                        c["name"] == "transfer_to_human_agents"
                            || c["function"]["name"] == "transfer_to_human_agents"
                    })
                })
        })
    };
    for file in files {
        let value: Value = serde_json::from_slice(&std::fs::read(&file).unwrap()).unwrap();
        let stem = file.file_stem().unwrap().to_string_lossy().into_owned();
        if format == "tau-bench" {
            for record in value.as_array().unwrap() {
                let id = format!(
                    "{stem}/task-{}/trial-{}",
                    record["task_id"], record["trial"]
                );
                out.push((id, calls_transfer(&record["traj"])));
            }
        } else {
            for simulation in value["simulations"].as_array().unwrap() {
                let id = simulation["id"].as_str().unwrap().to_string();
                out.push((id, calls_transfer(&simulation["messages"])));
            }
        }
    }
    out
}

#[test]
fn every_shared_trajectory_imports_and_scores() {
    let Some(data) = common::shared_data() else {
        eprintln!("skipped: ../shared/data is not beside this checkout");
        return;
    };
    for (format, folder) in [("tau-bench", "tau-bench"), ("tau2", "tau2-bench")] {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let source = data.join(folder);
        let output = common::run(&[
            "score",
            "--rubric",
            "rubrics/ai-handoff.yaml",
            "--input-format",
            format,
            source.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
            "--judge",
            "off",
            "--strict",
        ]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{format}: {}",
            common::stderr(&output)
        );

        let raw = raw_transfers(format, &source);
        let summary: Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap())
                .unwrap();
        assert_eq!(
            summary["import"]["imported"],
            raw.len(),
            "{format}: every record imported"
        );
        assert_eq!(summary["lines"]["rejected"], 0);
        assert_eq!(summary["lines"]["scored"], raw.len());

        // Escalations in the import are exactly the raw records that call the tool.
        let transferred: HashSet<&str> = raw
            .iter()
            .filter(|(_, called)| *called)
            .map(|(id, _)| id.as_str())
            .collect();
        assert_eq!(summary["escalated"], transferred.len(), "{format}");
        let calls = std::fs::read_to_string(out.join("calls.jsonl")).unwrap();
        let mut broken_promises = 0;
        for line in calls.lines() {
            let card: Value = serde_json::from_str(line).unwrap();
            let id = card["conversation_id"].as_str().unwrap();
            let executed = &card["dimensions"][0];
            assert_eq!(executed["id"], "transfer_executed");
            if executed["status"] == "fail" {
                broken_promises += 1;
                // A failed transfer is one the raw record never made, and
                // the evidence quotes the promise or the transfer token.
                assert!(!transferred.contains(id), "{id} did call the transfer tool");
                let evidence = executed["checks"][0]["evidence"].as_array().unwrap();
                assert!(
                    evidence.iter().any(|e| e["matched"].is_string()),
                    "{id}: {evidence:?}"
                );
            }
            // A transfer made breaks no promise: it passes where the customer
            // was told of it, and is n/a where nothing was promised.
            if transferred.contains(id) {
                assert!(
                    executed["status"] == "pass" || executed["status"] == "na",
                    "{id}: {}",
                    executed["status"]
                );
            }
        }
        let report = common::run(&["report", out.to_str().unwrap()]);
        let markdown = common::stdout(&report);
        assert_eq!(report.status.code(), Some(0));
        for version in summary["slices"]["agent_version"]
            .as_object()
            .unwrap()
            .keys()
        {
            assert!(
                markdown.contains(version.as_str()),
                "{version} missing from the report"
            );
        }
        eprintln!(
            "{format}: {} trajectories, {} transfers, {broken_promises} promised transfers not made\n{markdown}",
            raw.len(),
            transferred.len()
        );
    }
}

/// The contact-center samples in ../shared/data/contact-center (Amazon
/// Connect Contact Lens output and a contact event, Genesys Cloud details
/// and a Speech & Text Analytics transcript), imported and scored with the
/// shipped rubric, read in place.
#[test]
fn contact_center_samples_import_and_score_honestly() {
    let Some(data) = common::shared_data().map(|d| d.join("contact-center")) else {
        eprintln!("skipped: ../shared/data is not beside this checkout");
        return;
    };
    if !data.is_dir() {
        eprintln!("skipped: ../shared/data/contact-center is absent");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut all = Vec::new();
    for (format, folder, files) in [
        ("amazon-connect", "amazon-connect", 3),
        ("genesys", "genesys", 2),
    ] {
        let source = data.join(folder);
        let out = dir.path().join(format!("{format}.jsonl"));
        // --strict: any rejected record would exit 2.
        let output = common::run(&[
            "import",
            "--from",
            format,
            source.to_str().unwrap(),
            "-o",
            out.to_str().unwrap(),
            "--strict",
        ]);
        let stderr = common::stderr(&output);
        assert_eq!(output.status.code(), Some(0), "{format}: {stderr}");
        assert!(
            stderr.contains(&format!("in {files} file(s); 0 rejected")),
            "{format}: {stderr}"
        );
        let conversations: Vec<Value> = std::fs::read_to_string(&out)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        eprintln!("{format}: {stderr}");
        all.extend(conversations);
    }
    // Every file became a conversation: the two Contact Lens files, the
    // contact event (whose contact has no transcript here), and the Genesys
    // detail and transcript (two different conversations).
    assert_eq!(all.len(), 5);

    let chat = all
        .iter()
        .find(|c| c["conversationId"] == "b49644f6-672f-445c-b209-f76b36482830")
        .expect("the Contact Lens chat");
    let events = chat["events"].as_array().unwrap();
    let of_type = |t: &'static str| events.iter().filter(move |e| e["type"] == t);
    let speakers: HashSet<&str> = of_type("turn")
        .map(|t| t["speaker"].as_str().unwrap())
        .collect();
    assert_eq!(speakers, HashSet::from(["ai", "customer", "human"]));
    // The flow's "placed in queue" message is the queue entry, with the wait
    // it quoted a moment before ("less than 5 minutes"); the escalation is
    // at that quote, the first of the flow's messages about the handoff.
    let queued = of_type("queueJoined").next().expect("queueJoined");
    assert_eq!(queued["at"], "2022-10-27T03:31:56.618Z");
    assert_eq!(queued["estimatedWaitSeconds"], 300.0);
    let escalation = events
        .iter()
        .position(|e| e["type"] == "escalation")
        .expect("escalation");
    assert_eq!(events[escalation]["at"], "2022-10-27T03:31:55.131Z");
    assert_eq!(
        events[escalation + 1]["text"],
        "The time in queue is less than 5 minutes."
    );
    // The customer says nothing before the agent joins: nothing had been
    // collected that the agent could ask for again.
    let joined = events
        .iter()
        .position(|e| e["type"] == "humanConnected")
        .unwrap();
    assert!(
        events[..joined]
            .iter()
            .all(|e| e["type"] != "turn" || e["speaker"] == "ai")
    );
    // The analysis labels one item its transcript does not hold: counted.
    assert_eq!(
        chat["import"]["partsSkipped"],
        serde_json::json!({"sentiment of an unknown transcript item": 1})
    );
    let connected = of_type("humanConnected").next().expect("humanConnected");
    assert_eq!(connected["at"], "2022-10-27T03:32:00.951Z");
    assert!(
        of_type("turn")
            .filter(|t| t["speaker"] == "customer")
            .all(|t| t["sentiment"].is_number()),
        "every customer turn carries the source's sentiment"
    );

    // Scored with the shipped rubric: what the source cannot show is
    // unscored with that reason; the human's questions are found.
    let out = dir.path().join("run");
    let output = common::run(&[
        "score",
        "--rubric",
        "rubrics/handoff.yaml",
        "--input-format",
        "amazon-connect",
        data.join("amazon-connect").to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--judge",
        "off",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let calls = std::fs::read_to_string(out.join("calls.jsonl")).unwrap();
    let card: Value = calls
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .find(|c| c["conversation_id"] == "b49644f6-672f-445c-b209-f76b36482830")
        .unwrap();
    let dimension = |id: &str| {
        card["dimensions"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["id"] == id)
            .unwrap()
            .clone()
    };
    let context = dimension("context_before_connect");
    assert_eq!(context["status"], "unscored");
    assert_eq!(
        context["checks"][0]["reason"],
        "this source does not record contextDelivered"
    );
    let reverification = dimension("no_reverification");
    assert_eq!(reverification["status"], "unscored");
    assert_eq!(
        reverification["reason"],
        "cannot tell whether it applies: this source does not record verification"
    );
    // The wait the flow quoted is read at the escalation.
    let disclosure = dimension("honest_disclosure");
    let wait = disclosure["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "wait_estimate")
        .unwrap();
    assert_eq!(wait["status"], "pass", "{disclosure}");
    // No export records why a contact was escalated: the open question's
    // `when: not trigger customer_request` cannot be told.
    let repeat = dimension("no_repeat_yourself");
    let open = repeat["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "open_question")
        .unwrap();
    assert_eq!(open["status"], "unscored", "{repeat}");
    assert_eq!(
        open["reason"],
        "cannot tell whether `when` holds: this source does not record escalation.trigger"
    );
    // `collected_details` fires on the agent's first request for the order
    // number: a request, not a repeat (the customer had said nothing before
    // the agent joined); the README says so.
    assert_eq!(repeat["status"], "fail", "{repeat}");
    let found: Vec<&str> = repeat["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["status"] == "fail")
        .flat_map(|c| c["evidence"].as_array().unwrap())
        .filter_map(|e| e["matched"].as_str())
        .collect();
    eprintln!("no_repeat_yourself found: {found:?}");
    assert!(
        found.iter().any(|m| m.to_lowercase().contains("order id")),
        "the human asks for the order number: {found:?}"
    );
    eprintln!("{}", common::stdout(&output));
}

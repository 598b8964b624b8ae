//! No input makes the engine panic: every prefix of real lines, and real
//! lines with bytes corrupted, either parse and score or are rejected.

mod common;

use handoff_eval::judge::runner::JudgeRunner;
use handoff_eval::score::score_call;
use handoff_eval::trace::parse_line;

fn demo_lines(n: usize) -> Vec<Vec<u8>> {
    std::fs::read_to_string(common::root().join("datasets/demo.jsonl"))
        .unwrap()
        .lines()
        .take(n)
        .map(|l| l.as_bytes().to_vec())
        .collect()
}

/// Parses and, if that works, scores; the point is that neither panics.
fn exercise(rubric: &handoff_eval::Rubric, bytes: &[u8]) -> bool {
    match parse_line(bytes) {
        Ok(conversation) => {
            let scored = score_call(rubric, &conversation, &[], &JudgeRunner::Off);
            serde_json::to_vec(&scored.card).is_ok()
        }
        Err(message) => {
            assert!(!message.is_empty());
            false
        }
    }
}

#[test]
fn every_prefix_is_rejected_or_scored() {
    let rubric = handoff_eval::rubric::load(&common::root().join("rubrics/handoff.yaml")).unwrap();
    let mut rejected = 0;
    for line in demo_lines(4) {
        for end in (0..line.len()).step_by(3) {
            if !exercise(&rubric, &line[..end]) {
                rejected += 1;
            }
        }
        assert!(exercise(&rubric, &line), "the whole line scores");
    }
    assert!(rejected > 1000, "truncated lines are rejected ({rejected})");
}

#[test]
fn corrupted_bytes_are_rejected_or_scored() {
    let rubric = handoff_eval::rubric::load(&common::root().join("rubrics/handoff.yaml")).unwrap();
    let replacements: &[&[u8]] = &[
        b"\"",
        b"{",
        b"]",
        b"\\",
        b"\xff",
        b"9e999",
        b"-",
        b"null",
        b"\xe2\x80",
        b"\n",
    ];
    let mut scored = 0;
    for line in demo_lines(3) {
        for (step, position) in (0..line.len()).step_by(11).enumerate() {
            let mut mangled = line.clone();
            let replacement = replacements[step % replacements.len()];
            mangled.splice(
                position..(position + 1).min(mangled.len()),
                replacement.iter().copied(),
            );
            if exercise(&rubric, &mangled) {
                scored += 1;
            }
        }
    }
    // Some corruptions land inside text and still parse: those must score.
    assert!(scored > 0);
}

/// Texts every part of matching must survive: combining marks with no
/// letter, nothing but invisible characters, emoji, right-to-left marks,
/// line breaks, written-out `\n`, long runs of multi-byte characters around
/// the words patterns and identity cues look for. Both shipped rubrics
/// score them (turns, offers, descriptions, summaries), and evidence stays
/// inside the original text.
#[test]
fn unusual_unicode_is_matched_without_panics() {
    let texts = [
        "\u{301}\u{302}I\u{2019}ll transfer you",
        "\u{200b}\u{200d}\u{feff}",
        "",
        "\u{1f600} my number is 555-867-5309 \u{1f600}",
        "\u{200f}I will\u{00a0}transfer\u{2028}you now\u{2026} if you like?",
        r"JSON\nI'll transfer you\n\nIf needed, let me know",
        &"é".repeat(300),
        &format!("x{}my email is a@b.co", "ü".repeat(39)),
        "Ｉ ａｍ ｔｒａｎｓｆｅｒｒｉｎｇ ｙｏｕ ###TRANSFER###",
        "this is Zoë Ångström, user id zoe_ang_12",
    ];
    let rubrics = ["rubrics/handoff.yaml", "rubrics/ai-handoff.yaml"]
        .map(|path| handoff_eval::rubric::load(&common::root().join(path)).unwrap());
    for text in texts {
        let line = serde_json::json!({
            "schema": "handoff-trace/v1", "conversationId": "u", "agentVersion": "t", "channel": "chat",
            "customer": {"id": "c1", "name": text},
            "events": [
                {"type": "turn", "speaker": "customer", "text": text},
                {"type": "turn", "speaker": "ai", "text": text},
                {"type": "offer", "by": "ai", "description": text, "response": "rejected"},
                {"type": "escalation", "trigger": "customer_request", "description": text},
                {"type": "handoffPackage", "package": {"summary": text, "suggestedNextAction": text, "attemptedResolutions": [text]}},
                {"type": "turn", "speaker": "ai", "text": text},
                {"type": "humanConnected", "agentId": "h"},
                {"type": "turn", "speaker": "human", "text": text},
                {"type": "turn", "speaker": "customer", "text": text}
            ]
        });
        let bytes = serde_json::to_vec(&line).unwrap();
        for rubric in &rubrics {
            assert!(exercise(rubric, &bytes), "{text:?}");
            let conversation = parse_line(&bytes).unwrap();
            let card = score_call(rubric, &conversation, &[], &JudgeRunner::Off).card;
            for dimension in &card.dimensions {
                for check in &dimension.checks {
                    // Pattern matches quote the text; other evidence is a fact.
                    for evidence in check
                        .outcome
                        .evidence
                        .iter()
                        .filter(|e| e.pattern.is_some())
                    {
                        if let Some(matched) = &evidence.matched {
                            assert!(text.contains(matched.as_str()), "{matched:?} in {text:?}");
                        }
                    }
                }
            }
        }
    }
}

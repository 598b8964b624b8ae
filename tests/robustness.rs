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

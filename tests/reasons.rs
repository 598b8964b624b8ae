//! Reasons and evidence quote the conversation's own words: whole words in
//! the text's spelling and case, never stems, and excerpts cut only between
//! words, never inside a character, a combining sequence or an emoji.

mod common;

use std::fs;
use std::path::Path;

use serde_json::Value;

/// The demo conversation whose opening and suggestion reasons list terms.
const CANCEL: &str = "conv-0000004";

/// The AI's escalation turn of [`CANCEL`], rewritten around the excerpt
/// bounds (40 bytes of context each side of a match, 120 bytes of a whole
/// turn): an emoji ZWJ sequence over byte 45 (the right bound of the match
/// "Since"), a combining acute accent at byte 120, curly apostrophes in the
/// matched promise.
const ESCALATION_TURN: &str = "Since you\u{2019}d like a person to handle it a \u{1F647}\u{200D}\u{2640}\u{FE0F} the cancellation and refund, I\u{2019}m transferring you now. A cafe\u{0301}? I\u{2019}ll pass along everything we covered so you won\u{2019}t have to repeat yourself. The wait is about 15 minutes.";

fn demo_line(id: &str) -> String {
    fs::read_to_string(common::root().join("datasets/demo.jsonl"))
        .unwrap()
        .lines()
        .find(|line| line.contains(&format!("\"conversationId\":\"{id}\"")))
        .expect("the demo holds the conversation")
        .to_string()
}

/// [`CANCEL`] with its escalation turn replaced by [`ESCALATION_TURN`].
fn multibyte_line() -> String {
    let mut conversation: Value = serde_json::from_str(&demo_line(CANCEL)).unwrap();
    let turn = &mut conversation["events"][12];
    assert_eq!(
        turn["speaker"], "ai",
        "event 12 is the AI's escalation turn"
    );
    turn["text"] = Value::from(ESCALATION_TURN);
    conversation["conversationId"] = Value::from("conv-multibyte");
    serde_json::to_string(&conversation).unwrap()
}

fn explain(dir: &Path, file: &str, id: &str) -> String {
    let rubric = common::root().join("rubrics/handoff.yaml");
    let output = common::run_in(
        dir,
        &[
            "explain",
            "--rubric",
            rubric.to_str().unwrap(),
            "--conversation",
            id,
            file,
            "--judge",
            "off",
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    common::stdout(&output)
}

#[test]
fn reasons_quote_the_words_as_written_not_stems() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("cancel.jsonl"), demo_line(CANCEL) + "\n").unwrap();
    let text = explain(dir.path(), "cancel.jsonl", CANCEL);
    // The customer's name as the record writes it, the and the
    // suggestion's words as the package writes them.
    for quoted in [
        "customer name (Sofia/Mensah)",
        "issue (cancel, subscription, SUB85634, refund, last, charge)",
        "matches the suggestion (Cancel, subscription)",
    ] {
        assert!(text.contains(quoted), "lacks {quoted:?}:\n{text}");
    }
    for stem in ["(cance,", "subsc,", "subsc)", "refun,", "charg)", "(sofia/"] {
        assert!(!text.contains(stem), "shows the stem {stem:?}:\n{text}");
    }
    common::settings().bind(|| insta::assert_snapshot!("reasons_words_as_written", text));
}

#[test]
fn excerpts_near_their_bounds_keep_multibyte_text_whole() {
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("multibyte.jsonl"), multibyte_line() + "\n").unwrap();
    let text = explain(dir.path(), "multibyte.jsonl", "conv-multibyte");
    let quoted: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("event 12 at"))
        .filter_map(|line| Some(line.split_once(": \"")?.1.split_once('"')?.0))
        .collect();
    // The reason, the context promise read two ways (its phrase, and what
    // is handed on with its verb: "everything"), the wait, and the turn.
    assert_eq!(
        quoted.len(),
        5,
        "five quotes of the escalation turn:\n{text}"
    );
    for quote in &quoted {
        assert_cut_between_words(ESCALATION_TURN, quote);
    }
    // The promise quoted with its own apostrophe, and the whole emoji or
    // none of it.
    assert!(
        text.contains("matched \"I\u{2019}ll pass along everything\""),
        "{text}"
    );
    assert!(!text.contains("\u{1F647}\u{2026}"), "{text}");
    assert!(!text.contains("cafe\u{2026}"), "{text}");
    common::settings().bind(|| insta::assert_snapshot!("reasons_multibyte_excerpts", text));
}

/// Every evidence excerpt of the scored demo is a piece of its event's text
/// cut between words: white space beyond each `…`.
#[test]
fn every_demo_excerpt_is_cut_between_words() {
    let dir = tempfile::tempdir().unwrap();
    let demo = common::root().join("datasets/demo.jsonl");
    let rubric = common::root().join("rubrics/handoff.yaml");
    let output = common::run_in(
        dir.path(),
        &[
            "score",
            "--rubric",
            rubric.to_str().unwrap(),
            "--out",
            "out",
            demo.to_str().unwrap(),
        ],
    );
    assert_eq!(output.status.code(), Some(0), "{}", common::stderr(&output));
    let texts: std::collections::HashMap<String, Vec<Option<String>>> = fs::read_to_string(&demo)
        .unwrap()
        .lines()
        .map(|line| {
            let conversation: Value = serde_json::from_str(line).unwrap();
            let events = conversation["events"]
                .as_array()
                .unwrap()
                .iter()
                .map(|event| {
                    (event["type"] == "turn").then(|| event["text"].as_str().unwrap().to_string())
                })
                .collect();
            (
                conversation["conversationId"].as_str().unwrap().to_string(),
                events,
            )
        })
        .collect();
    let calls = fs::read_to_string(dir.path().join("out/calls.jsonl")).unwrap();
    let mut cut = 0;
    for line in calls.lines() {
        let call: Value = serde_json::from_str(line).unwrap();
        let events = &texts[call["conversation_id"].as_str().unwrap()];
        for dimension in call["dimensions"].as_array().unwrap() {
            for check in dimension["checks"].as_array().into_iter().flatten() {
                for evidence in check["evidence"].as_array().into_iter().flatten() {
                    let (Some(index), Some(quote)) =
                        (evidence["event"].as_u64(), evidence["text"].as_str())
                    else {
                        continue;
                    };
                    let Some(original) = &events[index as usize] else {
                        continue;
                    };
                    assert_cut_between_words(original, quote);
                    cut += usize::from(quote.contains('\u{2026}'));
                    // What a pattern matched (other checks name a kind there).
                    if let (Some(matched), Some(_)) =
                        (evidence["matched"].as_str(), evidence["pattern"].as_u64())
                    {
                        assert_whole_words(original, matched);
                    }
                }
            }
        }
    }
    assert!(cut > 100, "only {cut} cut excerpts");
}

/// `quote` is a piece of `original`, with `…` for each cut, and no cut
/// between two letters or digits (inside a word).
fn assert_cut_between_words(original: &str, quote: &str) {
    let cut_before = quote.starts_with('\u{2026}');
    let cut_after = quote.ends_with('\u{2026}') && quote != "\u{2026}";
    let kept = quote
        .trim_start_matches('\u{2026}')
        .trim_end_matches('\u{2026}');
    let found = original.match_indices(kept).any(|(at, _)| {
        let before = original[..at].chars().next_back();
        let after = original[at + kept.len()..].chars().next();
        let starts_well = if cut_before {
            !joins(before, kept.chars().next())
        } else {
            at == 0
        };
        let ends_well = if cut_after {
            !joins(kept.chars().next_back(), after)
        } else {
            after.is_none()
        };
        starts_well && ends_well
    });
    assert!(found, "{quote:?} is not cut between words of {original:?}");
}

/// Whether two neighbouring characters belong to one word.
fn joins(a: Option<char>, b: Option<char>) -> bool {
    let letter = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '\'');
    letter(a) && letter(b)
}

/// `matched` occurs in `original` as whole words: no letter or digit on
/// either side of it that continues one of its words.
fn assert_whole_words(original: &str, matched: &str) {
    let found = original.match_indices(matched).any(|(at, _)| {
        let joins = |a: Option<char>, b: Option<char>| {
            a.is_some_and(char::is_alphanumeric) && b.is_some_and(char::is_alphanumeric)
        };
        !joins(original[..at].chars().next_back(), matched.chars().next())
            && !joins(
                matched.chars().next_back(),
                original[at + matched.len()..].chars().next(),
            )
    });
    assert!(found, "{matched:?} cuts a word of {original:?}");
}

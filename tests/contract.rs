//! The input contract's own example, read from `../shared/trace-format.md`:
//! a conversation written independently of this project, describing a good
//! handoff. It must parse as it stands and score as a person would judge it.

mod common;

use handoff_eval::Status;
use handoff_eval::judge::runner::JudgeRunner;
use handoff_eval::score::score_call;
use handoff_eval::trace::parse_line;

/// The example of `trace-format.md`, folded back onto one line.
fn example() -> Option<String> {
    let path = common::shared_data()?.join("../trace-format.md");
    let text = std::fs::read_to_string(path).ok()?;
    let start = text.find("```json")? + "```json".len();
    let end = start + text[start..].find("```")?;
    let value: serde_json::Value = serde_json::from_str(&text[start..end]).ok()?;
    Some(value.to_string())
}

#[test]
fn the_contract_example_scores_as_a_good_handoff() {
    let Some(line) = example() else {
        eprintln!("skipped: ../shared/trace-format.md is not beside this checkout");
        return;
    };
    let conversation = parse_line(line.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert!(conversation.is_escalated());
    let rubric = handoff_eval::rubric::load(&common::root().join("rubrics/handoff.yaml")).unwrap();
    let card = score_call(&rubric, &conversation, &[], &JudgeRunner::Off).card;
    let status = |id: &str| {
        card.dimensions
            .iter()
            .find(|d| d.id == id)
            .map(|d| d.status)
            .unwrap_or_else(|| panic!("no dimension {id}"))
    };
    for id in [
        "context_before_connect",
        "no_reverification",
        "no_repeated_offer",
        "suggested_action_followed",
        "package_complete",
        "honest_disclosure",
        "first_meaningful_response",
        "informed_opening",
        "no_repeat_yourself",
    ] {
        assert_eq!(status(id), Status::Pass, "{id}: {card:#?}");
    }
    // A 130 s quoted wait is inside 2-10 minutes, and the AI offered no
    // choice: the rule the issue states fails it.
    assert_eq!(status("wait_options"), Status::Fail);
    // -0.3 to -0.6 is not the sharp fall the sentiment dimension is about.
    assert_eq!(status("sentiment_flagged"), Status::Na);
    assert_eq!(card.verdict, Status::Pass, "score {:?}", card.score);
}

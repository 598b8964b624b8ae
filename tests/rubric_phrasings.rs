//! The shipped rubric against phrasings other than the generator's: each
//! case is one utterance in a minimal escalated conversation, and the named
//! check of the named dimension must reach the stated status. This is where
//! a rubric author adds the phrasing a QA reviewer reported as missed.

mod common;

use handoff_eval::Status;
use handoff_eval::rubric::Rubric;
use handoff_eval::trace::parse_line;
use serde_json::json;

fn rubric() -> Rubric {
    handoff_eval::rubric::load(&common::root().join("rubrics/handoff.yaml")).unwrap()
}

/// A verified customer, an escalation with a 4-minute quoted wait, and then
/// `ai` said at escalation and `human` said after connecting.
fn conversation(ai: &str, human: &str) -> handoff_eval::Conversation {
    let line = json!({
        "schema": "handoff-trace/v1", "conversationId": "p", "agentVersion": "t", "channel": "chat",
        "customer": {"id": "c1", "name": "Sarah Chen"}, "startedAt": "2026-11-02T14:00:00.000Z",
        "events": [
            {"type": "turn", "at": "2026-11-02T14:00:00.000Z", "speaker": "customer", "text": "I was charged twice for order 8821."},
            {"type": "verification", "at": "2026-11-02T14:00:30.000Z", "status": "verified"},
            {"type": "escalation", "at": "2026-11-02T14:01:00.000Z", "trigger": "authority_limit", "urgency": "standard"},
            {"type": "turn", "at": "2026-11-02T14:01:01.000Z", "speaker": "ai", "text": ai},
            {"type": "queueJoined", "at": "2026-11-02T14:01:02.000Z", "queue": "q", "estimatedWaitSeconds": 240},
            {"type": "contextDelivered", "at": "2026-11-02T14:01:03.000Z", "surface": "screenPop"},
            {"type": "humanConnected", "at": "2026-11-02T14:05:00.000Z", "agentId": "h"},
            {"type": "turn", "at": "2026-11-02T14:05:05.000Z", "speaker": "human", "text": human}
        ]
    });
    parse_line(line.to_string().as_bytes()).unwrap()
}

/// The status of check `check` (by name, or the only check) of `dimension`.
fn status(rubric: &Rubric, dimension: &str, check: Option<&str>, ai: &str, human: &str) -> Status {
    let conversation = conversation(ai, human);
    let dimension = rubric
        .dimensions
        .iter()
        .find(|d| d.id == dimension)
        .unwrap();
    let check = match check {
        Some(name) => dimension
            .checks
            .iter()
            .find(|c| c.name.as_deref() == Some(name))
            .unwrap(),
        None => &dimension.checks[0],
    };
    check.evaluate(&conversation).status
}

const NEUTRAL_AI: &str = "Transferring you now.";
const NEUTRAL_HUMAN: &str = "Hi Sarah, approving the refund for order 8821 now.";

/// Who says the phrase: the AI at escalation, or the human after connecting.
#[derive(Clone, Copy)]
enum Said {
    ByAi,
    ByHuman,
}

/// Every phrase, said by `who`, brings the check to `expected`.
fn expect(dimension: &str, check: Option<&str>, who: Said, expected: Status, phrases: &[&str]) {
    let rubric = rubric();
    for phrase in phrases {
        let (ai, human) = match who {
            Said::ByAi => (*phrase, NEUTRAL_HUMAN),
            Said::ByHuman => (NEUTRAL_AI, *phrase),
        };
        assert_eq!(
            status(&rubric, dimension, check, ai, human),
            expected,
            "{dimension}: {phrase}"
        );
    }
}

#[test]
fn re_verification_phrasings_are_caught() {
    expect(
        "no_reverification",
        None,
        Said::ByHuman,
        Status::Fail,
        &[
            "Can I get your account number?",
            "Could you please verify your identity for me?",
            "What's the last four of your social?",
            "Can you give me your SSN?",
            "What is your PIN?",
            "Can you verify the email on the account?",
            "Can you confirm the phone number on file?",
            "For security, what's your mother's maiden name?",
            "I'll send you a verification code now.",
        ],
    );
    expect(
        "no_reverification",
        None,
        Said::ByHuman,
        Status::Pass,
        &[NEUTRAL_HUMAN],
    );
}

#[test]
fn escalation_reasons_promises_and_waits_are_recognised() {
    let reason = Some("reason");
    expect(
        "honest_disclosure",
        reason,
        Said::ByAi,
        Status::Pass,
        &[
            "I'm transferring you to a specialist who can approve refunds over $50.",
            "This is outside what I'm able to do, so a colleague will take over.",
            "I don't have the authority to approve that refund.",
            "Refunds above $50 need a specialist.",
        ],
    );
    expect(
        "honest_disclosure",
        reason,
        Said::ByAi,
        Status::Fail,
        &[NEUTRAL_AI],
    );
    expect(
        "honest_disclosure",
        Some("context_promise"),
        Said::ByAi,
        Status::Pass,
        &[
            "I've passed your information to the agent.",
            "The agent can see our conversation.",
            "You won't need to repeat anything.",
        ],
    );
    let wait = Some("wait_estimate");
    expect(
        "honest_disclosure",
        wait,
        Said::ByAi,
        Status::Pass,
        &[
            "It should be just a couple of minutes.",
            "Someone will be with you in under 5 minutes.",
            "Estimated wait: 4 min.",
        ],
    );
    expect(
        "honest_disclosure",
        wait,
        Said::ByAi,
        Status::Fail,
        &["You're next in line."],
    );
    expect(
        "wait_options",
        Some("choice"),
        Said::ByAi,
        Status::Pass,
        &[
            "Would you like to hold or receive a call back?",
            "Do you want to wait, or should we call you?",
        ],
    );
}

#[test]
fn asking_the_customer_to_start_over_is_caught() {
    let open = Some("open_question");
    expect(
        "no_repeat_yourself",
        open,
        Said::ByHuman,
        Status::Fail,
        &[
            "Hi, can you tell me what happened?",
            "Could you explain the issue?",
            "What brings you in today?",
            "What's the reason for your call?",
            "How may I assist you?",
        ],
    );
    expect(
        "no_repeat_yourself",
        open,
        Said::ByHuman,
        Status::Pass,
        &[NEUTRAL_HUMAN],
    );
    expect(
        "no_repeat_yourself",
        Some("collected_details"),
        Said::ByHuman,
        Status::Fail,
        &[
            "Can you give me the order number again?",
            "What was the order number?",
        ],
    );
}

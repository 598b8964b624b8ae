//! What a check needs a source to be able to record, in one place for
//! every kind.
//!
//! An imported conversation says which event types its source can record
//! at all (its `import.canRecord`, see [`crate::trace::ImportBlock`]): an
//! Amazon Connect transcript cannot show a screen pop, a tau2 trajectory has
//! no human side. A check, a `when`, an `applies_when` or an `applies_to`
//! that reads a type the source cannot record is **unscored** with "this
//! source does not record <type>", never failed or passed for an absence the
//! source could not have shown. Conversations without the block (native
//! handoff-trace/v1) are not affected and pay one branch.

use super::{Check, CheckKind, Outcome};
use crate::checks::scope::Phase;
use crate::rubric::condition::Condition;
use crate::trace::{Conversation, EventType, EventTypes};

impl CheckKind {
    /// The event types this kind reads, its parameters included. `any_of`
    /// needs nothing itself: each of its checks answers for its own needs,
    /// so a branch the source can record may still decide it.
    pub fn needs(&self) -> EventTypes {
        use EventType::*;
        let of = EventTypes::of;
        match self {
            CheckKind::OrderedBefore(check) => of(&[check.first.event, check.then.event]),
            CheckKind::PhrasePresent(check) => phase_needs(check.0.phase),
            CheckKind::PhraseAbsent(check) => phase_needs(check.0.phase),
            CheckKind::PackageComplete(_) | CheckKind::SummaryMentions(_) => of(&[HandoffPackage]),
            CheckKind::OfferNotRepeated(_) => of(&[Offer, HumanConnected, Turn]),
            CheckKind::FirstMeaningfulResponse(_) | CheckKind::MentionsContext(_) => {
                of(&[Turn, HumanConnected])
            }
            CheckKind::FollowsSuggestion(_) => of(&[HandoffPackage, HumanConnected, Turn]),
            CheckKind::SentimentTrend(check) => of(&[Turn]).union(check.then.needs()),
            CheckKind::Condition(check) => check.0.needs(),
            CheckKind::AnyOf(_) | CheckKind::Judge(_) => EventTypes::NONE,
        }
    }
}

/// Turns, and what marks the phase they are taken from.
fn phase_needs(phase: Phase) -> EventTypes {
    let turns = EventTypes::of(&[EventType::Turn]);
    match phase {
        Phase::Whole => turns,
        Phase::BeforeEscalation | Phase::AtEscalation | Phase::AfterEscalation => {
            turns.with(EventType::Escalation)
        }
        Phase::BeforeConnect | Phase::AfterConnect => turns.with(EventType::HumanConnected),
    }
}

impl Check {
    /// The unscored outcome when the conversation's source cannot record
    /// what this check (or its `when`) reads.
    pub fn unrecordable(&self, conversation: &Conversation) -> Option<Outcome> {
        conversation.import.as_ref()?.can_record?;
        let needs = self
            .when
            .as_ref()
            .map_or(EventTypes::NONE, Condition::needs)
            .union(self.kind.needs());
        not_recorded(conversation, needs).map(Outcome::unscored)
    }
}

/// "this source does not record verification, offer" when the conversation's
/// source cannot record some of `needs`.
pub fn not_recorded(conversation: &Conversation, needs: EventTypes) -> Option<String> {
    let missing = conversation.unrecordable(needs);
    if missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = missing.iter().map(EventType::as_str).collect();
    Some(format!("this source does not record {}", names.join(", ")))
}

/// [`not_recorded`] for a condition (`applies_to`, `applies_when`).
pub fn condition_not_recorded(
    conversation: &Conversation,
    condition: &Condition,
) -> Option<String> {
    conversation.import.as_ref()?.can_record?;
    not_recorded(conversation, condition.needs())
}

#[cfg(test)]
mod tests {
    use crate::Status;
    use crate::trace::parse_line;

    const RUBRIC: &str = r#"
rubric: needs
version: 1
pass_threshold: 50
applies_to: { escalated: true }
dimensions:
  - id: context
    title: context first
    checks:
      - ordered_before: { first: contextDelivered, then: humanConnected }
  - id: verified
    title: no re-verification
    applies_when: { verification: verified }
    checks:
      - phrase_absent: { speaker: human, phase: after_connect, patterns: ['account number'] }
  - id: callback
    title: a callback in words or in deed
    checks:
      - any_of:
          - phrase_present: { speaker: ai, patterns: ['call you back'] }
          - condition: { event: callbackScheduled }
"#;

    /// A conversation whose source records turns, the escalation and the agent only.
    fn conversation(can_record: Option<&str>) -> crate::Conversation {
        let import = match can_record {
            Some(types) => format!(r#","import":{{"source":"test","canRecord":[{types}]}}"#),
            None => String::new(),
        };
        let line = format!(
            r#"{{"schema":"handoff-trace/v1","conversationId":"c1","agentVersion":"a","channel":"chat","customer":{{"id":"u"}},"events":[{{"type":"turn","speaker":"ai","text":"I will call you back."}},{{"type":"escalation"}},{{"type":"humanConnected","agentId":"h"}},{{"type":"turn","speaker":"human","text":"Hi"}}]{import}}}"#
        );
        parse_line(line.as_bytes()).unwrap()
    }

    fn statuses(conversation: &crate::Conversation) -> Vec<(Status, Option<String>, Vec<String>)> {
        let rubric = crate::rubric::from_str(RUBRIC, "needs.yaml").unwrap();
        let judge = crate::judge::runner::JudgeRunner::Off;
        let scored = crate::score::score_call(&rubric, conversation, &[], &judge);
        scored
            .card
            .dimensions
            .iter()
            .map(|d| {
                (
                    d.status,
                    d.reason.clone(),
                    d.checks
                        .iter()
                        .map(|c| c.outcome.reason.to_string())
                        .collect(),
                )
            })
            .collect()
    }

    #[test]
    fn what_a_source_cannot_record_is_unscored_not_failed() {
        let limited = conversation(Some(r#""turn","escalation","humanConnected""#));
        let [context, verified, callback] = &statuses(&limited)[..] else {
            panic!("three dimensions");
        };
        // Without the block the same conversation fails for the missing screen pop.
        assert_eq!(context.0, Status::Unscored);
        assert_eq!(context.2, ["this source does not record contextDelivered"]);
        assert_eq!(verified.0, Status::Unscored);
        assert_eq!(
            verified.1.as_deref(),
            Some("cannot tell whether it applies: this source does not record verification")
        );
        // One branch of any_of the source can record decides it.
        assert_eq!(callback.0, Status::Pass);

        let native = conversation(None);
        let [context, verified, _] = &statuses(&native)[..] else {
            panic!("three dimensions");
        };
        assert_eq!(context.0, Status::Fail);
        assert_eq!(verified.0, Status::Na);

        // A rubric that may not apply, because the source cannot say: every
        // dimension unscored, none n/a.
        let no_escalation = conversation(Some(r#""turn""#));
        assert!(
            statuses(&no_escalation)
                .iter()
                .all(|(status, reason, _)| *status == Status::Unscored
                    && reason.as_deref()
                        == Some(
                            "cannot tell whether the rubric applies: this source does not record escalation"
                        ))
        );
    }
}

//! What a check needs a source to be able to record, in one place for
//! every kind, and the reason given when it cannot.
//!
//! An imported conversation says what its source can record at all (its
//! `import.canRecord`, see [`crate::trace::ImportBlock`]): event types, and
//! the fields checks read beyond an event's presence ([`Field`]). An Amazon
//! Connect transcript cannot show a screen pop, nor the trigger of the
//! escalation it shows; a tau2 trajectory has no human side; a redacted
//! transcript cannot show whether the agent said the customer's name.
//!
//! - A check whose kind reads something the source cannot record is
//!   **unscored** with "this source does not record <what>"
//!   ([`Check::unrecordable`]), never failed or passed for an absence the
//!   source could not have shown.
//! - A condition (`applies_to`, `applies_when`, `when`, `condition`) asks
//!   [`not_recorded`] predicate by predicate: a predicate on something the
//!   conversation lacks and its source cannot record is *unknown*
//!   ([`Truth::Unknown`](crate::rubric::condition::Truth)), and `not`,
//!   `any` and `all` combine that in three-valued logic: `not` of an
//!   unknown is unknown, an `any` with a branch that holds holds.
//!
//! Conversations without the block (native handoff-trace/v1) are not
//! affected and pay one branch.

use super::mentions_context::Item;
use super::{Check, CheckKind, Outcome};
use crate::checks::scope::Phase;
use crate::trace::{Conversation, EventType, FactSet, Field};

impl CheckKind {
    /// What this kind reads, its parameters included: event types and
    /// fields. `any_of` needs nothing itself: each of its checks answers
    /// for its own needs, so a branch the source can record may still
    /// decide it; a `condition` check asks predicate by predicate.
    pub fn needs(&self) -> FactSet {
        use EventType::*;
        let of = FactSet::of;
        match self {
            CheckKind::OrderedBefore(check) => of(&[check.first.event, check.then.event]),
            CheckKind::PhrasePresent(check) => phase_needs(check.0.phase),
            CheckKind::PhraseAbsent(check) => phase_needs(check.0.phase),
            CheckKind::PackageComplete(_) | CheckKind::SummaryMentions(_) => of(&[HandoffPackage]),
            CheckKind::OfferNotRepeated(_) => of(&[Offer, HumanConnected, Turn]),
            CheckKind::FirstMeaningfulResponse(_) | CheckKind::DetailRepeated(_) => {
                of(&[Turn, HumanConnected])
            }
            CheckKind::MentionsContext(check) => {
                let needs = of(&[Turn, HumanConnected]);
                if check.items.contains(&Item::CustomerName) {
                    needs.with_field(Field::CustomerName)
                } else {
                    needs
                }
            }
            CheckKind::FollowsSuggestion(_) => of(&[HandoffPackage, HumanConnected, Turn]),
            CheckKind::SentimentTrend(check) => of(&[Turn]).union(check.then.needs()),
            CheckKind::Condition(_)
            | CheckKind::AnyOf(_)
            | CheckKind::AllOf(_)
            | CheckKind::Judge(_) => FactSet::NONE,
        }
    }
}

/// Turns, and what marks the phase they are taken from.
fn phase_needs(phase: Phase) -> FactSet {
    let turns = FactSet::of(&[EventType::Turn]);
    match phase {
        Phase::Whole => turns,
        Phase::BeforeEscalation | Phase::AtEscalation | Phase::Handoff | Phase::AfterEscalation => {
            turns.with(EventType::Escalation)
        }
        Phase::BeforeConnect | Phase::AfterConnect => turns.with(EventType::HumanConnected),
    }
}

impl Check {
    /// The unscored outcome when the conversation's source cannot record
    /// what this check's kind reads. Its `when` is told predicate by
    /// predicate ([`Check::when_fails`]).
    pub fn unrecordable(&self, conversation: &Conversation) -> Option<Outcome> {
        conversation.import.as_ref()?.can_record?;
        not_recorded(conversation, self.kind.needs()).map(Outcome::unscored)
    }
}

/// "this source does not record verification, escalation.trigger" when the
/// conversation's source cannot record some of `needs`.
pub fn not_recorded(conversation: &Conversation, needs: FactSet) -> Option<String> {
    let missing = conversation.unrecordable(needs);
    if missing.is_empty() {
        return None;
    }
    let names: Vec<&str> = missing.names().collect();
    Some(format!("this source does not record {}", names.join(", ")))
}

/// [`not_recorded`] for one event type.
pub fn event_not_recorded(conversation: &Conversation, event_type: EventType) -> Option<String> {
    not_recorded(conversation, FactSet::NONE.with(event_type))
}

/// [`not_recorded`] for a field and the event it belongs to.
pub fn field_not_recorded(conversation: &Conversation, field: Field) -> Option<String> {
    not_recorded(
        conversation,
        FactSet::NONE.with(field.event_type()).with_field(field),
    )
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
  - id: open_question
    title: no open question unless the customer asked for a person
    checks:
      - when: { not: { trigger: customer_request } }
        phrase_absent: { speaker: human, phase: after_connect, patterns: ['how can I help'] }
  - id: urgent
    title: urgency or the wait
    applies_when: { any: [ { urgency_at_least: elevated }, { quoted_wait_at_least: 1m } ] }
    checks:
      - phrase_present: { speaker: ai, patterns: ['call you back'] }
  - id: long_wait
    title: a long quoted wait
    applies_when: { not: { quoted_wait_over: 10m } }
    checks:
      - phrase_present: { speaker: ai, patterns: ['call you back'] }
  - id: opening
    title: the agent greets the customer by name
    checks:
      - mentions_context: { turns: 1, items: [customer_name] }
"#;

    const EVENTS: &str = r#"{"type":"turn","speaker":"ai","text":"I will call you back."},{"type":"escalation"},{"type":"queueJoined","queue":"q"},{"type":"humanConnected","agentId":"h"},{"type":"turn","speaker":"human","text":"Hi [PII], how can I help?"}"#;

    /// A conversation whose source records what `can_record` lists.
    fn conversation_with(events: &str, can_record: Option<&str>) -> crate::Conversation {
        let import = match can_record {
            Some(types) => format!(r#","import":{{"source":"test","canRecord":[{types}]}}"#),
            None => String::new(),
        };
        let line = format!(
            r#"{{"schema":"handoff-trace/v1","conversationId":"c1","agentVersion":"a","channel":"chat","customer":{{"id":"u","name":"Ana Ruiz"}},"events":[{events}]{import}}}"#
        );
        parse_line(line.as_bytes()).unwrap()
    }

    fn conversation(can_record: Option<&str>) -> crate::Conversation {
        conversation_with(EVENTS, can_record)
    }

    /// Status, reason and check reasons of each dimension, by id.
    fn statuses(
        conversation: &crate::Conversation,
    ) -> std::collections::BTreeMap<String, (Status, Option<String>, Vec<String>)> {
        let rubric = crate::rubric::from_str(RUBRIC, "needs.yaml").unwrap();
        let judge = crate::judge::runner::JudgeRunner::Off;
        let scored = crate::score::score_call(&rubric, conversation, &[], &judge);
        scored
            .card
            .dimensions
            .iter()
            .map(|d| {
                (
                    d.id.to_string(),
                    (
                        d.status,
                        d.reason.clone(),
                        d.checks
                            .iter()
                            .map(|c| c.outcome.reason.to_string())
                            .collect(),
                    ),
                )
            })
            .collect()
    }

    #[test]
    fn what_a_source_cannot_record_is_unscored_not_failed() {
        let limited = conversation(Some(
            r#""turn","escalation","queueJoined","humanConnected""#,
        ));
        let dimensions = statuses(&limited);
        // Without the block the same conversation fails for the missing screen pop.
        let context = &dimensions["context"];
        assert_eq!(context.0, Status::Unscored);
        assert_eq!(context.2, ["this source does not record contextDelivered"]);
        let verified = &dimensions["verified"];
        assert_eq!(verified.0, Status::Unscored);
        assert_eq!(
            verified.1.as_deref(),
            Some("cannot tell whether it applies: this source does not record verification")
        );
        // One branch of any_of the source can record decides it.
        assert_eq!(dimensions["callback"].0, Status::Pass);

        let native = statuses(&conversation(None));
        assert_eq!(native["context"].0, Status::Fail);
        assert_eq!(native["verified"].0, Status::Na);

        // A rubric that may not apply, because the source cannot say: every
        // dimension unscored, none n/a.
        let no_escalation = conversation_with(
            r#"{"type":"turn","speaker":"ai","text":"Hello"}"#,
            Some(r#""turn""#),
        );
        assert!(statuses(&no_escalation).values().all(|(status, reason, _)| {
            *status == Status::Unscored
                && reason.as_deref()
                    == Some(
                        "cannot tell whether the rubric applies: this source does not record escalation",
                    )
        }));
        // An escalation the conversation has is one, whatever the block says.
        let recorded_anyway = conversation(Some(r#""turn","humanConnected""#));
        assert_eq!(
            statuses(&recorded_anyway)["callback"].0,
            Status::Pass,
            "the rubric applies: the escalation is there"
        );
    }

    #[test]
    fn a_field_the_source_cannot_record_leaves_what_reads_it_unscored() {
        // Escalation, queue and turns recorded; no trigger, urgency, quoted
        // wait or customer name in text (a redacted export).
        let limited = statuses(&conversation(Some(
            r#""turn","escalation","queueJoined","humanConnected""#,
        )));
        // `not trigger`: unknown, not "holds because there is no trigger".
        let open = &limited["open_question"];
        assert_eq!(open.0, Status::Unscored, "{open:?}");
        assert_eq!(
            open.2,
            ["cannot tell whether `when` holds: this source does not record escalation.trigger"]
        );
        // `any` of two unknowns is unknown; `not quoted_wait_over` too.
        let urgent = &limited["urgent"];
        assert_eq!(urgent.0, Status::Unscored, "{urgent:?}");
        assert_eq!(
            urgent.1.as_deref(),
            Some("cannot tell whether it applies: this source does not record escalation.urgency")
        );
        let long_wait = &limited["long_wait"];
        assert_eq!(long_wait.0, Status::Unscored, "{long_wait:?}");
        assert_eq!(
            long_wait.1.as_deref(),
            Some(
                "cannot tell whether it applies: this source does not record queueJoined.estimatedWaitSeconds"
            )
        );
        // A redacted opening cannot show the name.
        let opening = &limited["opening"];
        assert_eq!(opening.0, Status::Unscored, "{opening:?}");
        assert_eq!(opening.2, ["this source does not record turn.customerName"]);

        // A source that records them: decided.
        let full = statuses(&conversation(Some(
            r#""turn","escalation","queueJoined","humanConnected","escalation.trigger","escalation.urgency","queueJoined.estimatedWaitSeconds","turn.customerName""#,
        )));
        assert_eq!(full["open_question"].0, Status::Fail);
        assert_eq!(full["urgent"].0, Status::Na);
        assert_eq!(full["long_wait"].0, Status::Pass);
        assert_eq!(full["opening"].0, Status::Fail);

        // A fact the conversation holds decides, whatever the block says: a
        // quoted wait of 15 minutes makes `any` hold and `not over 10m` fail.
        let quoted = conversation_with(
            &EVENTS.replace(
                r#""queue":"q""#,
                r#""queue":"q","estimatedWaitSeconds":900"#,
            ),
            Some(r#""turn","escalation","queueJoined","humanConnected""#),
        );
        let quoted = statuses(&quoted);
        assert_eq!(quoted["urgent"].0, Status::Pass, "{:?}", quoted["urgent"]);
        assert_eq!(quoted["long_wait"].0, Status::Na);
    }

    #[test]
    fn an_absence_the_source_cannot_show_satisfies_no_negative() {
        const NEGATIVES: &str = r#"
rubric: negatives
version: 1
pass_threshold: 50
dimensions:
  - id: not_escalated
    title: not escalated
    checks:
      - condition: { escalated: false }
  - id: no_offer_rejected
    title: no offer rejected
    checks:
      - condition: { rejected_offer: false }
  - id: no_screen_pop
    title: no screen pop
    checks:
      - condition: { no_event: contextDelivered }
  - id: not_verified
    title: verification none
    checks:
      - condition: { verification: none }
"#;
        let rubric = crate::rubric::from_str(NEGATIVES, "negatives.yaml").unwrap();
        let judge = crate::judge::runner::JudgeRunner::Off;
        let quiet = r#"{"type":"humanConnected","agentId":"h"},{"type":"turn","speaker":"human","text":"Hi"}"#;
        let outcomes = |can_record: Option<&str>| -> Vec<(Status, String)> {
            let conversation = conversation_with(quiet, can_record);
            crate::score::score_call(&rubric, &conversation, &[], &judge)
                .card
                .dimensions
                .iter()
                .map(|d| (d.status, d.checks[0].outcome.reason.to_string()))
                .collect()
        };
        // A call recording: none of these could have shown.
        for (status, reason) in outcomes(Some(r#""turn","humanConnected""#)) {
            assert_eq!(status, Status::Unscored, "{reason}");
            assert!(
                reason.starts_with("this source does not record "),
                "{reason}"
            );
        }
        // Native handoff-trace/v1: the absence is a fact.
        assert!(
            outcomes(None)
                .iter()
                .all(|(status, _)| *status == Status::Pass)
        );
    }
}

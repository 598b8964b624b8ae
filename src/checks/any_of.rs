//! `any_of`: passes when at least one of its checks passes.
//!
//! ## What it does
//! Evaluates every nested check. One pass is a pass; otherwise any unscored
//! check makes the whole unscored (it might have passed); otherwise a fail is
//! a fail; all n/a is n/a. Evidence comes from the deciding checks.
//!
//! ## Why it matters
//! Some behaviours can be shown in more than one way: a callback is offered
//! in words, or one is actually scheduled.
//!
//! ## Example
//! ```yaml
//! - any_of:
//!     - phrase_present: { speaker: ai, phase: at_escalation, patterns: ['call ?back'] }
//!     - condition: { event: callbackScheduled }
//! ```

use super::{Check, Outcome, Status};
use crate::trace::Conversation;

#[derive(Debug, Clone)]
pub struct AnyOf(pub Vec<Check>);

impl AnyOf {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        combine(
            &self.0,
            conversation,
            [Status::Pass, Status::Unscored, Status::Fail],
        )
    }
}

/// Evaluates every check and returns the first status of `order` that one of
/// them has, its reasons joined and the evidence of the checks that had it;
/// all n/a is n/a. `any_of` decides on a pass first, `all_of` on a fail.
pub(super) fn combine(
    checks: &[Check],
    conversation: &Conversation,
    order: [Status; 3],
) -> Outcome {
    let outcomes: Vec<(&Check, Outcome)> = checks
        .iter()
        .map(|check| (check, check.evaluate(conversation)))
        .collect();
    let describe = |status: Status| {
        outcomes
            .iter()
            .filter(|(_, o)| o.status == status)
            .map(|(check, o)| format!("{}: {}", check.kind.name(), o.reason))
            .collect::<Vec<_>>()
            .join("; ")
    };
    for status in order {
        if outcomes.iter().any(|(_, o)| o.status == status) {
            let evidence = outcomes
                .iter()
                .filter(|(_, o)| o.status == status)
                .flat_map(|(_, o)| o.evidence.iter().cloned());
            let reason = describe(status);
            let outcome = match status {
                Status::Pass => Outcome::pass(reason),
                Status::Unscored => Outcome::unscored(reason),
                _ => Outcome::fail(reason),
            };
            return outcome.with_all(evidence);
        }
    }
    Outcome::na(describe(Status::Na))
}

//! `condition`: a rubric condition that must hold, as a check.
//!
//! ## What it does
//! Passes when the condition holds (see [`crate::rubric::condition`]); fails
//! with the first predicate that does not.
//!
//! ## Why it matters
//! Some handoff rules are facts about events rather than words: a callback
//! was scheduled, urgency was raised, the context reached the human.
//!
//! ## Example
//! ```yaml
//! - condition: { event: callbackScheduled }
//! - condition: { urgency_at_least: elevated }
//! ```

use serde::Deserialize;

use super::Outcome;
use crate::rubric::condition::Condition;
use crate::trace::Conversation;

#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct ConditionCheck(pub Condition);

impl ConditionCheck {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        match self.0.explain(conversation) {
            Ok(()) => Outcome::pass("the condition holds"),
            Err(reason) => Outcome::fail(reason),
        }
    }
}

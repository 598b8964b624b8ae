//! `condition`: a rubric condition that must hold, as a check.
//!
//! ## What it does
//! Passes when the condition holds (see [`crate::rubric::condition`]); fails
//! with the first predicate that does not; unscored when that cannot be
//! told (a negative quoted wait).
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
use crate::rubric::condition::{Condition, Truth};
use crate::trace::Conversation;

#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct ConditionCheck(pub Condition);

impl ConditionCheck {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        match self.0.truth(conversation) {
            Truth::Holds => Outcome::pass("the condition holds"),
            Truth::Fails(reason) => Outcome::fail(reason),
            Truth::Unknown(reason) => Outcome::unscored(reason),
        }
    }
}

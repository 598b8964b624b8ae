//! `all_of`: passes when every one of its checks that applies passes.
//!
//! ## What it does
//! Evaluates every nested check. One fail is a fail; otherwise any unscored
//! check makes the whole unscored (it might have failed); otherwise a pass
//! is a pass (n/a checks set aside); all n/a is n/a. Evidence comes from the
//! deciding checks.
//!
//! ## Why it matters
//! A dimension's score is the share of its checks that pass, so every check
//! added to a dimension changes what a failing one scores. Several ways of
//! showing the same fault ("asked for the order number again", "the
//! customer had to give it again") are one check of the dimension when
//! grouped: the dimension fails as before and its score does not rise with
//! the number of ways listed.
//!
//! ## Example
//! ```yaml
//! - all_of:
//!     - phrase_absent: { speaker: human, phase: after_connect, patterns: ['order number again'] }
//!     - detail_repeated: { turns: 6 }
//! ```

use super::any_of::combine;
use super::{Check, Outcome, Status};
use crate::trace::Conversation;

#[derive(Debug, Clone)]
pub struct AllOf(pub Vec<Check>);

impl AllOf {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        combine(
            &self.0,
            conversation,
            [Status::Fail, Status::Unscored, Status::Pass],
        )
    }
}

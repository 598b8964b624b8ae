//! `phrase_present` and `phrase_absent`: regular expressions that must, or
//! must not, occur in a scoped set of turns.
//!
//! ## What it does
//! Chooses turns by `speaker`, `phase` and `within` (see [`super::scope`]) and
//! looks for any of `patterns` (case-insensitive regular expressions).
//! `phrase_present` passes on the first turn that matches; `phrase_absent`
//! fails on every turn that matches and names each one.
//!
//! ## Why it matters
//! Most handoff failures are said out loud: "Can I get your account number?"
//! after the customer was verified, or an escalation message with no reason
//! and no wait estimate.
//!
//! ## Example
//! ```yaml
//! - phrase_absent:
//!     speaker: human
//!     phase: after_connect
//!     within: { turns: 6 }
//!     patterns: ['\baccount number\b', 'date of birth']
//! - phrase_present:
//!     speaker: ai
//!     phase: at_escalation
//!     patterns: ['\b\d+\s*minutes?\b']
//!     if_empty: fail
//! ```
//!
//! ## Outcomes
//! With no turn in scope: `phrase_present` fails and `phrase_absent` is n/a,
//! unless `if_empty` says otherwise (`pass`, `fail` or `na`). A `within.seconds`
//! window with a missing timestamp is unscored.

use serde::Deserialize;

use super::scope::{Phase, Scope, Within};
use super::{Evidence, Outcome};
use crate::rubric::params::{OneOrMany, Patterns};
use crate::trace::{Conversation, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseParams {
    pub speaker: Option<OneOrMany<Speaker>>,
    #[serde(default)]
    pub phase: Phase,
    pub within: Option<Within>,
    pub patterns: Patterns,
    pub if_empty: Option<IfEmpty>,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IfEmpty {
    Pass,
    Fail,
    Na,
}

impl PhraseParams {
    fn scope(&self) -> Scope<'_> {
        Scope {
            speakers: self.speaker.as_ref().map(|s| s.0.as_slice()),
            phase: self.phase,
            within: self.within.as_ref(),
        }
    }

    fn empty_outcome(&self, default: IfEmpty, scope: &Scope<'_>) -> Outcome {
        let reason = reason(&["no "], scope, " to check");
        match self.if_empty.unwrap_or(default) {
            IfEmpty::Pass => Outcome::pass(reason),
            IfEmpty::Fail => Outcome::fail(reason),
            IfEmpty::Na => Outcome::na(reason),
        }
    }
}

/// `before`, the scope's words, then `after`: every reason here names its
/// scope, built without `format!`'s machinery (see [`super::words`]).
fn reason(before: &[&str], scope: &Scope<'_>, after: &str) -> String {
    let mut text = String::with_capacity(64);
    for part in before {
        text.push_str(part);
    }
    scope.push_to(&mut text);
    text.push_str(after);
    text
}

#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct PhrasePresent(pub PhraseParams);

#[derive(Debug, Clone, Deserialize)]
#[serde(transparent)]
pub struct PhraseAbsent(pub PhraseParams);

impl PhrasePresent {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let params = &self.0;
        let scope = params.scope();
        let turns = match scope.select(conversation) {
            Ok(turns) => turns,
            Err(reason) => return Outcome::unscored(reason),
        };
        if turns.is_empty() {
            return params.empty_outcome(IfEmpty::Fail, &scope);
        }
        for turn in &turns {
            if let Some(found) = params.patterns.find(turn.text) {
                return Outcome::pass(reason(&["found in "], &scope, "")).with(Evidence::match_in(
                    conversation,
                    turn.index,
                    &found,
                ));
            }
        }
        let mut patterns = itoa::Buffer::new();
        let mut count = itoa::Buffer::new();
        Outcome::fail(reason(
            &[
                "none of ",
                patterns.format(params.patterns.sources().count()),
                " pattern(s) found in ",
                count.format(turns.len()),
                " ",
            ],
            &scope,
            "",
        ))
        .with_all(
            turns
                .iter()
                .take(3)
                .map(|turn| Evidence::event(conversation, turn.index)),
        )
    }
}

impl PhraseAbsent {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let params = &self.0;
        let scope = params.scope();
        let turns = match scope.select(conversation) {
            Ok(turns) => turns,
            Err(reason) => return Outcome::unscored(reason),
        };
        if turns.is_empty() {
            return params.empty_outcome(IfEmpty::Na, &scope);
        }
        let hits: Vec<Evidence> = turns
            .iter()
            .filter_map(|turn| {
                let found = params.patterns.find(turn.text)?;
                Some(Evidence::match_in(conversation, turn.index, &found))
            })
            .collect();
        if hits.is_empty() {
            let mut scanned = String::with_capacity(15 + 4 * turns.len());
            scanned.push_str("scanned events ");
            let mut index = itoa::Buffer::new();
            for (position, turn) in turns.iter().enumerate() {
                if position > 0 {
                    scanned.push_str(", ");
                }
                scanned.push_str(index.format(turn.index));
            }
            let mut count = itoa::Buffer::new();
            Outcome::pass(reason(
                &["no pattern found in ", count.format(turns.len()), " "],
                &scope,
                "",
            ))
            .with(Evidence::note(scanned))
        } else {
            let (mut found, mut count) = (itoa::Buffer::new(), itoa::Buffer::new());
            Outcome::fail(reason(
                &[
                    "found in ",
                    found.format(hits.len()),
                    " of ",
                    count.format(turns.len()),
                    " ",
                ],
                &scope,
                "",
            ))
            .with_all(hits)
        }
    }
}

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

use std::fmt::Write;

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
        let reason = format!("no {scope} to check");
        match self.if_empty.unwrap_or(default) {
            IfEmpty::Pass => Outcome::pass(reason),
            IfEmpty::Fail => Outcome::fail(reason),
            IfEmpty::Na => Outcome::na(reason),
        }
    }
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
                return Outcome::pass(format!("found in {scope}")).with(Evidence::match_in(
                    conversation,
                    turn.index,
                    &found,
                ));
            }
        }
        Outcome::fail(format!(
            "none of {} pattern(s) found in {} {}",
            params.patterns.sources().count(),
            turns.len(),
            scope
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
            let mut scanned = String::from("scanned events ");
            for (position, turn) in turns.iter().enumerate() {
                let separator = if position > 0 { ", " } else { "" };
                let _ = write!(scanned, "{separator}{}", turn.index);
            }
            Outcome::pass(format!("no pattern found in {} {scope}", turns.len()))
                .with(Evidence::note(scanned))
        } else {
            Outcome::fail(format!(
                "found in {} of {} {scope}",
                hits.len(),
                turns.len()
            ))
            .with_all(hits)
        }
    }
}

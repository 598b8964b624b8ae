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
//! Texts are matched in their normalised form (see [`super::normalize`]):
//! `I’ll` (curly apostrophe), full-width letters and no-break spaces match a
//! pattern written `I'll`; evidence quotes the text as it was written.
//!
//! ## Offers and conditionals are not statements: `unless`
//! A match does not count when its sentence also matches one of `unless`:
//! "If you need to change the return flight, I will transfer you" and "let
//! me know and I'll connect you" offer a transfer; they do not make one.
//! The sentence is cut at `.`, `!`, `?` or `;` followed by a space, and
//! after the match at a coordinated clause (`, and`, `, but`, `, so`), so
//! that "I'll transfer you now, and if you need anything, let me know"
//! still counts.
//!
//! ## Recordings cut after an offer: `ends_after_offer`
//! A match in a turn that ends the recording on its speaker's side (no turn
//! by anyone else follows), right after another speaker's turn that matches
//! one of `ends_after_offer`, is set aside: the customer accepted an offer
//! ("Would you like me to transfer you?" -> "Yes please ###TRANSFER###") and
//! the recording stops before the agent could act. If nothing else matched,
//! the outcome is unscored with that reason, never a fail or a pass.
//!
//! ```yaml
//! - phrase_absent:
//!     speaker: [ai, customer]
//!     patterns: ['\bI(''ll| will) transfer you\b', '###TRANSFER###']
//!     unless: ['\bif\b', '\blet me know\b', '\?']
//!     ends_after_offer: ['\b(transfer|connect)\w*\b[^.!?]*\?']
//! ```
//!
//! ## What counts depends on the trigger: `by_trigger`
//! Patterns that count only when the escalation has a given trigger (or,
//! under `none`, when the source records no trigger): "you asked to speak
//! with a person" says why for a `customer_request`, "I've tried twice"
//! for a `repeated_failure`. Evidence of such a match notes
//! `by_trigger.<trigger>`, and its `pattern` is its index in that list.
//!
//! ```yaml
//! - phrase_present:
//!     speaker: ai
//!     phase: at_escalation
//!     patterns: ['\b(because|since)\b']
//!     by_trigger:
//!       customer_request: ['\byou(''ve| have)? asked\b']
//!       repeated_failure: ['\b(tried|attempted)\b']
//! ```
//!
//! ## Outcomes
//! With no turn in scope: `phrase_present` fails and `phrase_absent` is n/a,
//! unless `if_empty` says otherwise (`pass`, `fail` or `na`). A `within.seconds`
//! window with a missing timestamp, or a turn stamped before the phase it
//! follows, is unscored; so is a check whose only matches were set aside by
//! `ends_after_offer`.

use serde::Deserialize;

use super::scope::{Phase, Scope, TurnRef, Within};
use super::{Evidence, Outcome};
use crate::rubric::params::{Match, OneOrMany, Patterns};
use crate::trace::{Conversation, EventKind, Speaker, Trigger};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PhraseParams {
    pub speaker: Option<OneOrMany<Speaker>>,
    #[serde(default)]
    pub phase: Phase,
    pub within: Option<Within>,
    pub patterns: Patterns,
    pub if_empty: Option<IfEmpty>,
    /// A match does not count when its sentence matches one of these.
    pub unless: Option<Patterns>,
    /// A match in the turn that ends the recording, right after another
    /// speaker's turn matching one of these, is set aside (unscored).
    pub ends_after_offer: Option<Patterns>,
    /// More patterns that count when the escalation has this trigger.
    pub by_trigger: Option<ByTrigger>,
}

/// Patterns per escalation trigger, and for conversations whose source
/// records none (`none`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ByTrigger {
    pub authority_limit: Option<Patterns>,
    pub customer_request: Option<Patterns>,
    pub complexity: Option<Patterns>,
    pub policy: Option<Patterns>,
    pub repeated_failure: Option<Patterns>,
    pub none: Option<Patterns>,
}

impl ByTrigger {
    /// The patterns for a conversation's trigger, and its name.
    fn for_trigger(&self, trigger: Option<Trigger>) -> Option<(&Patterns, &'static str)> {
        let patterns = match trigger {
            Some(Trigger::AuthorityLimit) => &self.authority_limit,
            Some(Trigger::CustomerRequest) => &self.customer_request,
            Some(Trigger::Complexity) => &self.complexity,
            Some(Trigger::Policy) => &self.policy,
            Some(Trigger::RepeatedFailure) => &self.repeated_failure,
            None => &self.none,
        };
        let name = trigger.map_or("none", Trigger::as_str);
        patterns.as_ref().map(|patterns| (patterns, name))
    }
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

/// What a turn's text says, as far as the check counts it.
enum Said {
    /// A match that counts; with the trigger whose `by_trigger` patterns
    /// made it, if it was one of those.
    Found(Match, Option<&'static str>),
    /// Matches, every one set aside: the recording ends on this turn, which
    /// answers an offer in the turn at this index.
    AfterOffer(usize),
    Nothing,
}

impl PhraseParams {
    /// The first match in `turn` that counts: not inside a sentence that
    /// matches `unless`, not set aside by `ends_after_offer`.
    fn said(&self, conversation: &Conversation, turn: &TurnRef<'_>) -> Said {
        let extra = self
            .by_trigger
            .as_ref()
            .and_then(|by| by.for_trigger(conversation.facts.trigger));
        if self.unless.is_none() && self.ends_after_offer.is_none() {
            // The hot path: one search, no sentence work.
            if let Some(found) = self.patterns.find(turn.text) {
                return Said::Found(found, None);
            }
            return match extra.and_then(|(patterns, name)| Some((patterns.find(turn.text)?, name)))
            {
                Some((found, name)) => Said::Found(found, Some(name)),
                None => Said::Nothing,
            };
        }
        let counts = |found: &Match| {
            self.unless.as_ref().is_none_or(|unless| {
                !unless.is_match(sentence_around(turn.text, found.start, found.end))
            })
        };
        let found = match self.patterns.find_iter(turn.text).find(counts) {
            Some(found) => Some((found, None)),
            None => extra.and_then(|(patterns, name)| {
                Some((patterns.find_iter(turn.text).find(counts)?, Some(name)))
            }),
        };
        let Some((found, trigger)) = found else {
            return Said::Nothing;
        };
        if let Some(offers) = &self.ends_after_offer
            && let Some(offer) = answered_offer(conversation, turn, offers)
        {
            return Said::AfterOffer(offer);
        }
        Said::Found(found, trigger)
    }
}

/// Evidence of a counted match, noting the trigger whose patterns made it.
fn found_evidence(
    conversation: &Conversation,
    index: usize,
    found: &Match,
    trigger: Option<&'static str>,
) -> Evidence {
    let evidence = Evidence::match_in(conversation, index, found);
    match trigger {
        Some(trigger) => evidence.with_note(super::words(&["by_trigger.", trigger])),
        None => evidence,
    }
}

/// The sentence of `text` around bytes `start..end`: back to the previous
/// `.`, `!`, `?` or `;` followed by a space (or the start), forward to the
/// next one (or the end), and cut after the match at a coordinated clause
/// (`, and `, `, but `, `, so `), which a condition before it does not reach.
pub fn sentence_around(text: &str, start: usize, end: usize) -> &str {
    let bytes = text.as_bytes();
    let is_stop = |i: usize| {
        matches!(bytes[i], b'.' | b'!' | b'?' | b';') && bytes.get(i + 1).is_none_or(|b| *b == b' ')
    };
    let from = (0..start.min(bytes.len()))
        .rev()
        .find(|&i| is_stop(i))
        .map_or(0, |i| i + 1);
    let mut to = (end.min(bytes.len())..bytes.len())
        .find(|&i| is_stop(i))
        .map_or(bytes.len(), |i| i + 1);
    let tail = &text[end.min(to)..to];
    for joint in [", and ", ", but ", ", so "] {
        if let Some(at) = tail.find(joint) {
            to = to.min(end + at);
        }
    }
    text.get(from..to).unwrap_or(text).trim()
}

/// When `turn` ends the recording on its speaker's side (no turn by anyone
/// else after it) and the turn just before it by another speaker matches
/// one of `offers`: that turn's index.
fn answered_offer(
    conversation: &Conversation,
    turn: &TurnRef<'_>,
    offers: &Patterns,
) -> Option<usize> {
    let speaker_of = |index: usize| match &conversation.events[index].kind {
        EventKind::Turn { speaker, .. } => Some(*speaker),
        _ => None,
    };
    let answered_later = (turn.index + 1..conversation.events.len())
        .any(|index| speaker_of(index).is_some_and(|speaker| speaker != turn.speaker));
    if answered_later {
        return None;
    }
    let offer = (0..turn.index)
        .rev()
        .find(|&index| speaker_of(index).is_some_and(|speaker| speaker != turn.speaker))?;
    offers
        .is_match(conversation.matching_text(offer)?)
        .then_some(offer)
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
        let mut after_offer = None;
        for turn in &turns {
            match params.said(conversation, turn) {
                Said::Found(found, trigger) => {
                    return Outcome::pass(reason(&["found in "], &scope, "")).with(found_evidence(
                        conversation,
                        turn.index,
                        &found,
                        trigger,
                    ));
                }
                Said::AfterOffer(offer) => after_offer = Some((turn.index, offer)),
                Said::Nothing => {}
            }
        }
        if let Some((index, offer)) = after_offer {
            return cut_after_offer(conversation, index, offer);
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
        let mut after_offer = None;
        let hits: Vec<Evidence> = turns
            .iter()
            .filter_map(|turn| match params.said(conversation, turn) {
                Said::Found(found, trigger) => {
                    Some(found_evidence(conversation, turn.index, &found, trigger))
                }
                Said::AfterOffer(offer) => {
                    after_offer = Some((turn.index, offer));
                    None
                }
                Said::Nothing => None,
            })
            .collect();
        if hits.is_empty()
            && let Some((index, offer)) = after_offer
        {
            return cut_after_offer(conversation, index, offer);
        }
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

/// The outcome when the only matches were in a reply to an offer that ends
/// the recording: nothing can be said of what would have followed.
fn cut_after_offer(conversation: &Conversation, index: usize, offer: usize) -> Outcome {
    let (mut reply, mut offered) = (itoa::Buffer::new(), itoa::Buffer::new());
    Outcome::unscored(super::words(&[
        "the recording ends on the reply (event ",
        reply.format(index),
        ") to an offer (event ",
        offered.format(offer),
        "): the other side had no turn to act on it",
    ]))
    .with(Evidence::event(conversation, offer).with_note("the offer"))
    .with(Evidence::event(conversation, index).with_note("the reply that ends the recording"))
}

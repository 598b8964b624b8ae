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
//! after the match at a coordinated clause (`, and`, `, but`, `, so`) or
//! a dash (` - `, ` — `, ` – `), so that "I'll transfer you now, and if
//! you need anything, let me know" still counts.
//!
//! ## Words that must meet in one sentence: `in_same_sentence`
//! A list of pattern lists: a match counts only when its sentence (cut as
//! for `unless`) also matches one pattern of each list, in any order. A
//! statement is then read by the kinds of word it is made of rather than
//! by one phrasing of it: what was said (`patterns`: "the chat", "your
//! details", "votre dossier"), a verb that hands it on or holds it ("pass",
//! "see", "transmets", "gehen mit"), and who receives it ("they", "the
//! specialist", "lui"), whichever way a writer orders them.
//!
//! ```yaml
//! - phrase_present:
//!     speaker: ai
//!     patterns: ['\b(chat|conversation|details|notes)\b']
//!     in_same_sentence:
//!       - ['\b(see|have|get|receive)\b']
//!       - ['\b(they|the (agent|specialist|team))\b']
//! ```
//!
//! ## Asked, not stated: `asks_only`
//! With `asks_only: true`, a match counts only in a sentence that asks
//! something, or is not built as a statement (see [`super::asks`]): "can
//! you confirm your PIN?", "for security, your date of birth", "before we
//! continue, your date of birth", not "your new PIN is 5839" or "check the
//! account number on the confirmation before you press OK". The sentence
//! here is cut at `.`, `!`, `?`, `;`, a spaced dash and their Japanese
//! forms, and not at a coordinated clause: "your date of birth, and the
//! postcode, please" asks for both.
//!
//! ## What a reply answers: `unless_answering`
//! A match in a turn does not count when the turn it answers, the other
//! side's latest turn before it, matches one of `unless_answering`: a
//! customer's "I already gave that to the bot" in answer to a security
//! question protests a re-verification, and in answer to "what I'd like us
//! to try first is…" a remedy offered again, not being asked to repeat the
//! case.
//!
//! ```yaml
//! - phrase_absent:
//!     speaker: customer
//!     patterns: ['\balready (told|gave|said)\b']
//!     unless_answering: ['\bfor security\b', '\bdate of birth\b']
//! ```
//!
//! ## What the reply gives: `unless_answered_new`
//! With `unless_answered_new: true`, a match does not count when the
//! replies to its turn (the other side's turns up to this side's next one)
//! hold identifiers (words with four or more digits) and every one of them
//! is new to the conversation (in no earlier turn, tool call or package): "please send me the phone number you checked
//! in with", answered with a number nobody had written, asks for something
//! new, not again. A reply with no identifier, or with one said before,
//! leaves the match counting.
//!
//! ## Recordings that end on a reply: `final_reply`
//! A recording can stop on one side's reply, before the other side had a
//! turn: a benchmark's user simulator accepts an offer with its end token
//! ("Would you like me to transfer you?" -> "Yes please ###TRANSFER###"),
//! a log is cut. `final_reply` says what such a reply, by `speaker`, is
//! worth when nothing by anyone else follows it:
//! - when the turn it answers matches one of `not_after` (an offer), the
//!   reply and everything said before the offer are set aside: the
//!   offer was the other side's latest word, and the recording ended on
//!   its answer. What the offer turn itself says still counts;
//! - when the turn it answers offers the handoff itself, read by its
//!   structure: one of `offers` (what is offered: "put you through to
//!   billing", "Sie mit einem Kollegen verbinden") in a sentence that is
//!   an offer or a question (one that matches the check's `unless`), the
//!   recording ends on the answer to that offer whatever the answer says
//!   ("Yes please", "Ja, bitte"): it is treated as after `not_after`, and
//!   unscored even when nothing matched, since the other side never had
//!   the turn in which it would have acted. A reply that matches one of
//!   `declines` ("no, that's fine") turned the offer down and leaves
//!   nothing open, and an offer in a sentence that matches one of `later`
//!   ("come back tomorrow and I can connect you") is for a later contact,
//!   not one the reply could take up;
//! - otherwise a match in the reply counts only when the turn it answers
//!   matches one of `counts_after` (the reply was led there by what it
//!   answers): a customer's transfer token after "please hold while I
//!   get a specialist" counts; one after talk of baggage does not.
//!
//! Set-aside matches never pass or fail a check: if nothing else matched,
//! the outcome is unscored, with that reason.
//!
//! ```yaml
//! - phrase_absent:
//!     speaker: [ai, customer]
//!     patterns: ['\bI(''ll| will) transfer you\b', '###TRANSFER###']
//!     unless: ['\bif\b', '\blet me know\b', '\?']
//!     final_reply:
//!       speaker: customer
//!       counts_after: ['\b(transfer|connect|specialist|human)\w*']
//!       not_after: ['\b(transfer|connect)\w*\b[^.!?]*\?']
//!       offers: ['\b(transfer|connect|put) you\b']
//!       declines: ['^\W*(no|nope)\b']
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
//! unless `if_empty` says otherwise (`pass`, `fail` or `na`). With turns in
//! scope and no match that counts, `phrase_present` fails and
//! `phrase_absent` passes, unless `if_none` says otherwise: `if_none: na`
//! asks the question only where the phrase is said ("was the transfer the AI
//! promised made?" does not arise where nothing was promised). A `within.seconds`
//! window with a missing timestamp, or a turn stamped before the phase it
//! follows, is unscored; so is a check whose only matches were set aside by
//! `final_reply`.

use serde::Deserialize;

use super::asks::{may_ask, sentence_holding};
use super::scope::{Phase, Scope, TurnRef, Within};
use super::text::identifiers;
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
    /// The verdict when turns are in scope and no match counts (default:
    /// `fail` for `phrase_present`, `pass` for `phrase_absent`).
    pub if_none: Option<IfEmpty>,
    /// A match does not count when its sentence matches one of these.
    pub unless: Option<Patterns>,
    /// A match does not count when the turn it answers (the other side's
    /// latest turn before it) matches one of these.
    pub unless_answering: Option<Patterns>,
    /// A match does not count when the replies to its turn (the other
    /// side's turns up to this side's next one) hold identifiers and all of
    /// them are new to the conversation: what was asked for had not been
    /// given before (see the module doc).
    #[serde(default)]
    pub unless_answered_new: bool,
    /// What a reply that ends the recording is worth (see the module doc).
    pub final_reply: Option<FinalReply>,
    /// More patterns that count when the escalation has this trigger.
    pub by_trigger: Option<ByTrigger>,
    /// A match counts only when its sentence also matches one pattern of
    /// each of these lists (see the module doc).
    #[serde(default)]
    pub in_same_sentence: Vec<Patterns>,
    /// A match counts only in a sentence that asks something or is not
    /// built as a statement (see [`super::asks::may_ask`]): "can you
    /// confirm your PIN?", not "your new PIN is 5839".
    #[serde(default)]
    pub asks_only: bool,
}

/// How a reply that ends the recording counts.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FinalReply {
    /// Whose reply: the side that can end a recording (a customer, a
    /// user simulator).
    pub speaker: OneOrMany<Speaker>,
    /// The reply counts only after a turn that matches one of these.
    pub counts_after: Patterns,
    /// After a turn that matches one of these (an offer), the reply and
    /// what came before the offer are set aside.
    pub not_after: Patterns,
    /// What a turn offers when it offers the handoff itself: one of these
    /// in a sentence that is an offer or a question (one that matches the
    /// check's `unless`). A recording that ends on the reply to such a turn
    /// is unscored whatever the reply says: "Shall I put you through to
    /// billing?" -> "Yes please", and nothing after.
    pub offers: Option<Patterns>,
    /// A reply that matches one of these turns the offer down ("no,
    /// that's fine"): nothing was left for the other side to do, and the
    /// check reads as if `offers` had not matched.
    pub declines: Option<Patterns>,
    /// An offer in a sentence that matches one of these is for a later
    /// contact ("if it's still greyed out tomorrow, come back here and I
    /// can connect you"): the reply to it accepts nothing the other side
    /// could act on now, and the check reads as if `offers` had not matched.
    pub later: Option<Patterns>,
}

/// Where a recording ends on a reply (see [`FinalReply`]), and what it
/// sets aside.
#[derive(Debug, Clone, Copy)]
struct Cut {
    /// The reply that ends the recording.
    reply: usize,
    /// The turn it answers.
    answered: usize,
    /// That turn was an offer: what came before it is set aside too.
    offer: bool,
    /// That turn offered the handoff (`offers`): the recording ends on its
    /// answer, so nothing that follows can be judged, matched or not.
    left_open: bool,
}

impl Cut {
    /// The reply (every turn after the one it answers), and after an
    /// offer, every turn before the offer.
    fn sets_aside(&self, index: usize) -> bool {
        index > self.answered || (self.offer && index < self.answered)
    }
}

impl FinalReply {
    /// Where the recording ends on a reply by `speaker` that this setting
    /// sets aside, if it does; `unless` is the check's (what makes a
    /// sentence an offer).
    fn cut(&self, conversation: &Conversation, unless: Option<&Patterns>) -> Option<Cut> {
        let speaker_at = |index: usize| match &conversation.events[index].kind {
            EventKind::Turn { speaker, .. } => Some(*speaker),
            _ => None,
        };
        let reply = (0..conversation.events.len())
            .rev()
            .find_map(|index| speaker_at(index).map(|speaker| (index, speaker)))?;
        if !self.speaker.contains(&reply.1) {
            return None;
        }
        // The reply's side may have said more than one thing at the end.
        let answered = answered_turn(conversation, reply.0)?;
        let text = conversation.matching_text(answered)?;
        let declined = |reply: usize| {
            self.declines.as_ref().is_some_and(|declines| {
                conversation
                    .matching_text(reply)
                    .is_some_and(|text| declines.is_match(text))
            })
        };
        let left_open =
            self.offers_handoff(conversation, answered, text, unless) && !declined(reply.0);
        if left_open || self.not_after.is_match(text) {
            return Some(Cut {
                reply: reply.0,
                answered,
                offer: true,
                left_open,
            });
        }
        (!self.counts_after.is_match(text)).then_some(Cut {
            reply: reply.0,
            answered,
            offer: false,
            left_open: false,
        })
    }

    /// Whether turn `index` (its matching `text`) offers the handoff: one
    /// of `offers` in a sentence that matches `unless` (a question, a
    /// conditional, "would you like me to ...").
    fn offers_handoff(
        &self,
        conversation: &Conversation,
        index: usize,
        text: &str,
        unless: Option<&Patterns>,
    ) -> bool {
        let (Some(offers), Some(unless)) = (self.offers.as_ref(), unless) else {
            return false;
        };
        let original = conversation.events[index].kind.text().unwrap_or_default();
        let normalized = conversation.normalized(index);
        let line_break = |at: usize| normalized.is_some_and(|n| n.is_line_break(original, at));
        offers.find_iter(text).any(|found| {
            let sentence = sentence_around(text, found.start, found.end, &line_break);
            unless.is_match(sentence)
                && !self
                    .later
                    .as_ref()
                    .is_some_and(|later| later.is_match(sentence))
        })
    }
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

impl IfEmpty {
    /// The outcome this setting names, with `reason`.
    fn outcome(self, reason: String) -> Outcome {
        match self {
            IfEmpty::Pass => Outcome::pass(reason),
            IfEmpty::Fail => Outcome::fail(reason),
            IfEmpty::Na => Outcome::na(reason),
        }
    }
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
        self.if_empty.unwrap_or(default).outcome(reason)
    }

    /// The outcome when turns were in scope and no match counts: `if_none`,
    /// or `default`.
    fn none_outcome(&self, default: IfEmpty, reason: String) -> Outcome {
        self.if_none.unwrap_or(default).outcome(reason)
    }
}

/// What a turn's text says, as far as the check counts it.
enum Said {
    /// A match that counts; with the trigger whose `by_trigger` patterns
    /// made it, if it was one of those.
    Found(Match, Option<&'static str>),
    Nothing,
}

impl PhraseParams {
    /// The first match in `turn` that counts: not inside a sentence that
    /// matches `unless`. (`final_reply` is applied by the caller.)
    fn said(&self, conversation: &Conversation, turn: &TurnRef<'_>) -> Said {
        if self.unless_answered_new && answered_with_new_details(conversation, turn.index) {
            return Said::Nothing;
        }
        if let Some(answering) = &self.unless_answering
            && answered_turn(conversation, turn.index)
                .and_then(|answered| conversation.matching_text(answered))
                .is_some_and(|text| answering.is_match(text))
        {
            return Said::Nothing;
        }
        let extra = self
            .by_trigger
            .as_ref()
            .and_then(|by| by.for_trigger(conversation.facts.trigger));
        if self.unless.is_none() && self.in_same_sentence.is_empty() && !self.asks_only {
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
        let normalized = conversation.normalized(turn.index);
        let original = conversation.events[turn.index]
            .kind
            .text()
            .unwrap_or_default();
        // Where the matching text has a space for a line break of the original.
        let line_break = |at: usize| normalized.is_some_and(|n| n.is_line_break(original, at));
        let counts = |found: &Match| {
            let sentence = sentence_around(turn.text, found.start, found.end, &line_break);
            (!self.asks_only || may_ask(sentence_holding(turn.text, found.start)))
                && self
                    .unless
                    .as_ref()
                    .is_none_or(|unless| !unless.is_match(sentence))
                && self
                    .in_same_sentence
                    .iter()
                    .all(|also| also.is_match(sentence))
        };
        let found = match self.patterns.find_iter(turn.text).find(counts) {
            Some(found) => Some((found, None)),
            None => extra.and_then(|(patterns, name)| {
                Some((patterns.find_iter(turn.text).find(counts)?, Some(name)))
            }),
        };
        match found {
            Some((found, trigger)) => Said::Found(found, trigger),
            None => Said::Nothing,
        }
    }
}

/// The turn that turn `index` answers: the latest turn before it by
/// another speaker.
fn answered_turn(conversation: &Conversation, index: usize) -> Option<usize> {
    let speaker_at = |at: usize| match &conversation.events[at].kind {
        EventKind::Turn { speaker, .. } => Some(*speaker),
        _ => None,
    };
    let own = speaker_at(index)?;
    (0..index)
        .rev()
        .find(|&at| speaker_at(at).is_some_and(|speaker| speaker != own))
}

/// Whether the replies to turn `index` (the other speakers' turns up to the
/// next turn of its own speaker) hold at least one identifier (see
/// [`identifiers`]) and every one of them is new: said in no turn before
/// `index`. "Send me the phone number you checked in with" answered with a
/// number nobody had written asks for something new, not again.
fn answered_with_new_details(conversation: &Conversation, index: usize) -> bool {
    fn turn(event: &crate::trace::Event) -> Option<(Speaker, &str)> {
        match &event.kind {
            EventKind::Turn { speaker, text, .. } => Some((*speaker, text.as_str())),
            _ => None,
        }
    }
    let Some((own, _)) = turn(&conversation.events[index]) else {
        return false;
    };
    let replies: Vec<String> = conversation.events[index + 1..]
        .iter()
        .filter_map(turn)
        .take_while(|(speaker, _)| *speaker != own)
        .flat_map(|(_, text)| identifiers(text))
        .collect();
    if replies.is_empty() {
        return false;
    }
    // Anywhere before: turns, and what tools were given and returned and
    // the package held (a reference the agent looked up is not new).
    let earlier: Vec<String> = conversation.events[..index]
        .iter()
        .flat_map(|event| match &event.kind {
            EventKind::Turn { text, .. } => identifiers(text),
            EventKind::ToolCall { args, result, .. } => {
                let mut found = identifiers(&args.to_string());
                if let Some(result) = result {
                    found.extend(identifiers(&result.to_string()));
                }
                found
            }
            EventKind::HandoffPackage(package) => {
                identifiers(&serde_json::Value::Object(package.0.clone()).to_string())
            }
            _ => Vec::new(),
        })
        .collect();
    replies.iter().all(|id| !earlier.contains(id))
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
/// `.`, `!`, `?` or `;` followed by a space, or line break (a space for
/// which `line_break` holds, or a written-out `\n` as in JSON text a model
/// put in its message), or the start; forward to the next one, or the end;
/// and cut after the match at a coordinated clause (`, and `, `, but `,
/// `, so `), which a condition before it does not reach.
pub fn sentence_around<'t>(
    text: &'t str,
    start: usize,
    end: usize,
    line_break: &dyn Fn(usize) -> bool,
) -> &'t str {
    let bytes = text.as_bytes();
    let is_stop = |i: usize| {
        (matches!(bytes[i], b'.' | b'!' | b'?' | b';')
            && bytes.get(i + 1).is_none_or(|b| *b == b' '))
            || (bytes[i] == b' ' && line_break(i))
            || (bytes[i] == b'n' && i > 0 && bytes[i - 1] == b'\\')
    };
    let from = (0..start.min(bytes.len()))
        .rev()
        .find(|&i| is_stop(i))
        .map_or(0, |i| i + 1);
    let mut to = (end.min(bytes.len())..bytes.len())
        .find(|&i| is_stop(i))
        .map_or(bytes.len(), |i| i + 1);
    let tail = &text[end.min(to)..to];
    // (a dash sets off a clause of its own too: "let me get a colleague
    // to take over — they can see if an exception is possible"; dashes
    // are folded to `-` by normalisation)
    for joint in [", and ", ", but ", ", so ", " - ", " -- "] {
        if let Some(at) = tail.find(joint) {
            to = to.min(end + at);
        }
    }
    text.get(from..to).unwrap_or(text).trim()
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
        let cut = params
            .final_reply
            .as_ref()
            .and_then(|f| f.cut(conversation, params.unless.as_ref()));
        let mut set_aside = false;
        for turn in &turns {
            if let Said::Found(found, trigger) = params.said(conversation, turn) {
                if cut.is_some_and(|cut| cut.sets_aside(turn.index)) {
                    set_aside = true;
                    continue;
                }
                return Outcome::pass(reason(&["found in "], &scope, "")).with(found_evidence(
                    conversation,
                    turn.index,
                    &found,
                    trigger,
                ));
            }
        }
        if let Some(cut) = cut.filter(|cut| set_aside || cut.left_open) {
            return cut_short(conversation, cut);
        }
        let mut patterns = itoa::Buffer::new();
        let mut count = itoa::Buffer::new();
        params
            .none_outcome(
                IfEmpty::Fail,
                reason(
                    &[
                        "none of ",
                        patterns.format(params.patterns.sources().count()),
                        " pattern(s) found in ",
                        count.format(turns.len()),
                        " ",
                    ],
                    &scope,
                    "",
                ),
            )
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
        let cut = params
            .final_reply
            .as_ref()
            .and_then(|f| f.cut(conversation, params.unless.as_ref()));
        let mut set_aside = false;
        let hits: Vec<Evidence> = turns
            .iter()
            .filter_map(|turn| match params.said(conversation, turn) {
                Said::Found(_, _) if cut.is_some_and(|cut| cut.sets_aside(turn.index)) => {
                    set_aside = true;
                    None
                }
                Said::Found(found, trigger) => {
                    Some(found_evidence(conversation, turn.index, &found, trigger))
                }
                Said::Nothing => None,
            })
            .collect();
        if hits.is_empty()
            && let Some(cut) = cut.filter(|cut| set_aside || cut.left_open)
        {
            return cut_short(conversation, cut);
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
            params
                .none_outcome(
                    IfEmpty::Pass,
                    reason(
                        &["no pattern found in ", count.format(turns.len()), " "],
                        &scope,
                        "",
                    ),
                )
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

/// The outcome when every match was set aside by `final_reply`: nothing can
/// be said of what would have followed the reply that ends the recording.
fn cut_short(conversation: &Conversation, cut: Cut) -> Outcome {
    let (mut reply, mut answered) = (itoa::Buffer::new(), itoa::Buffer::new());
    let reason = if cut.offer {
        super::words(&[
            "the recording ends on the reply (event ",
            reply.format(cut.reply),
            ") to an offer (event ",
            answered.format(cut.answered),
            "): the other side had no turn to act on it",
        ])
    } else {
        super::words(&[
            "the only match is in the reply that ends the recording (event ",
            reply.format(cut.reply),
            "), and what it answers (event ",
            answered.format(cut.answered),
            ") did not lead to it",
        ])
    };
    let answered_note = if cut.offer {
        "the offer"
    } else {
        "what the reply answers"
    };
    Outcome::unscored(reason)
        .with(Evidence::event(conversation, cut.answered).with_note(answered_note))
        .with(
            Evidence::event(conversation, cut.reply).with_note("the reply that ends the recording"),
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn around<'t>(text: &'t str, needle: &str) -> &'t str {
        let start = text.find(needle).unwrap();
        sentence_around(text, start, start + needle.len(), &|_| false)
    }

    #[test]
    fn sentences_are_cut_at_stops_coordinations_and_written_line_breaks() {
        let text = "Done. If you need more, I will transfer you. Bye!";
        assert_eq!(
            around(text, "I will transfer"),
            "If you need more, I will transfer you."
        );
        let text = "I'll transfer you now, and if you need anything, let me know.";
        assert_eq!(around(text, "I'll transfer you"), "I'll transfer you now");
        let text = r"Options:\n- if needed, call us\n\nI'll transfer you now.";
        assert_eq!(around(text, "I'll transfer you"), "I'll transfer you now.");
        // A space that stood for a line break in the original is a stop.
        let text = "- if needed, call us I'll transfer you now";
        let start = text.find("I'll").unwrap();
        let at_break = |i: usize| i == start - 1;
        assert_eq!(
            sentence_around(text, start, start + 4, &at_break),
            "I'll transfer you now"
        );
    }
}

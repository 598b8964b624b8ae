//! `detail_repeated`: the customer does not have to give the human again a
//! detail they already gave before the human connected.
//!
//! ## What it does
//! Collects the identifiers the customer wrote or said before the human
//! connected: words of letters and digits with at least four digits ("order
//! 4471-2290", "meter 45120097731", "born 8/19/1950", a national id such as
//! "RSSMRA85T10A562S"), compared without their separators and case. After
//! the human connected, a customer turn that answers a human turn asking
//! for something (a question, "please", "I need you to confirm", a request
//! in another language) and holds one of those identifiers again, one the
//! human did not say first, fails: the customer had to repeat what they had
//! already given, whatever words asked for it ("can I take the policy number
//! and your date of birth?", "necesito que me confirme su DNI", "会員番号を
//! もう一度"). A detail new to the conversation, or one the human reads out
//! and the customer confirms, is no repeat. Every customer turn up to the
//! human's next turn answers the ask: "I sent it already…" and then the
//! detail, in a second message, is a repeat too. So is a whole message of
//! at least five words the customer sends again word for word (a photo's
//! caption, a description pasted again), whatever it holds.
//!
//! With `before: verification`, only what the customer gave in answer to
//! the verification ask is read (their turns after the agent's last turn
//! before the first `verification` event with status `verified`): the
//! details they typed to get verified, not a reference in their opening
//! request. Given again when the human asks, that is the
//! customer proving who they are a second time (`no_reverification`), in
//! whatever words or language the human asked ("and your member code,
//! please?", "¿me repite el localizador?"). A human turn that
//! only invites the case ("how may I help you?") asks for no proof: the
//! references a customer quotes in telling the case do not count there.
//!
//! ## Why it matters
//! Asking again for what the customer already typed tells them the
//! handoff carried nothing, whatever the phrasing of the ask.
//!
//! ## Example
//! ```yaml
//! - detail_repeated: { turns: 6 }
//! - detail_repeated: { turns: 6, before: verification }
//! ```
//!
//! ## Outcomes
//! No human connected, or with `before: verification` no verified
//! verification before the human connected: n/a. A detail given again in answer to a human's
//! ask within the first `turns` human turns: fail, with the turn where the
//! customer first gave it and the reply. Otherwise pass.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::first_meaningful_response::asks_for_the_case;
use super::text::identifiers;
use super::{Evidence, Outcome};
use crate::trace::{Conversation, EventKind, Speaker, VerificationStatus};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailRepeated {
    /// How many human turns after the connection are read (default 6).
    #[serde(default = "default_turns")]
    pub turns: usize,
    /// Up to which event the customer's details are collected: the human
    /// connecting (default) or the customer being verified.
    #[serde(default)]
    pub before: GivenBefore,
}

/// Up to which event [`DetailRepeated`] reads what the customer gave.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GivenBefore {
    /// Everything the customer said before the human connected.
    #[default]
    Connect,
    /// What the customer said before the first `verified` verification:
    /// what they gave to prove who they are.
    Verification,
}

fn default_turns() -> usize {
    6
}

/// A human turn that asks the customer for something: a question mark, a
/// Japanese question or request ending, "please", "I need", "confirm", and
/// the same requests in the other languages.
static ASKS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)[?？¿]|か[。．]?\s*$|ください|いただけ|いただき|お願い|教え|お聞かせ|伺|\b(please|kindly|i need|we need|confirm|tell me|give me|provide|read me|send me|let me (have|know))\b|necesit|confirm|brauche|benötige|bitte|nennen sie|geben sie|por favor|indíque|indique|dígame|digame|s'il vous pla|j'ai besoin|donnez|rappeler|per favore|ho bisogno|mi dica|mi dia|conferm|preciso|informe|graag|nodig|geef",
    )
    .expect("the built-in pattern compiles")
});

/// A whole message in its compared form (lower case, words of letters and
/// digits joined by single spaces), when it has at least five words: a
/// message sent again word for word is a repeat whatever it holds.
fn whole_message(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect();
    (words.len() >= 5).then(|| words.join(" "))
}

impl DetailRepeated {
    /// Reads the customer turns before the human connected (or, with
    /// `before: verification`, before the first verified verification) and
    /// the turns after the connection up to the `turns`-th human turn; fails
    /// on the first customer turn that, answering a human's ask, gives one
    /// of those identifiers again or sends one of those messages again.
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let Some(connected) = conversation.facts.human_connected else {
            return Outcome::na("no human connected");
        };
        // Where the details end, as notes and reasons say it.
        let (until, moment, stage) = match self.before {
            GivenBefore::Connect => (connected, "the human connected", "the handoff"),
            GivenBefore::Verification => {
                let verified = conversation.events[..connected].iter().position(|event| {
                    matches!(
                        event.kind,
                        EventKind::Verification {
                            status: VerificationStatus::Verified,
                            ..
                        }
                    )
                });
                let Some(verified) = verified else {
                    return Outcome::na("the customer was not verified before the human connected");
                };
                (verified, "the customer was verified", "verification")
            }
        };
        // With `before: verification`, the customer's answer to the
        // verification ask: their turns after the agent's last one before the
        // verification. A reference in the opening request ("change booking
        // PNR97625") was not given as proof.
        let from = match self.before {
            GivenBefore::Connect => 0,
            GivenBefore::Verification => conversation.events[..until]
                .iter()
                .rposition(|event| {
                    matches!(
                        &event.kind,
                        EventKind::Turn { speaker, .. } if *speaker != Speaker::Customer
                    )
                })
                .map_or(0, |agent| agent + 1),
        };
        // What the customer gave before then, and where: identifiers, and
        // whole messages.
        let mut given: BTreeMap<String, usize> = BTreeMap::new();
        let mut messages: BTreeMap<String, usize> = BTreeMap::new();
        for (index, event) in conversation.events[..until].iter().enumerate().skip(from) {
            if let EventKind::Turn {
                speaker: Speaker::Customer,
                text,
                ..
            } = &event.kind
            {
                for id in identifiers(text) {
                    given.entry(id).or_insert(index);
                }
                if let Some(message) = whole_message(text) {
                    messages.entry(message).or_insert(index);
                }
            }
        }
        if given.is_empty() && messages.is_empty() {
            return Outcome::pass(format!("the customer gave no identifier before {moment}"));
        }
        let mut said_by_human: Vec<String> = Vec::new();
        let mut human_turns = 0;
        let mut last_human: Option<(usize, bool)> = None;
        for (index, event) in conversation.events.iter().enumerate().skip(connected + 1) {
            let EventKind::Turn { speaker, text, .. } = &event.kind else {
                continue;
            };
            match speaker {
                Speaker::Human => {
                    human_turns += 1;
                    if human_turns > self.turns {
                        break;
                    }
                    said_by_human.extend(identifiers(text));
                    // Asked to tell the case ("how may I help you?"), a
                    // customer quotes their references in telling it: that
                    // is no proof of who they are asked again.
                    let asks = ASKS.is_match(text)
                        && !(self.before == GivenBefore::Verification && asks_for_the_case(text));
                    last_human = Some((index, asks));
                }
                Speaker::Customer => {
                    let Some((asked_at, true)) = last_human else {
                        continue;
                    };
                    let repeated = identifiers(text)
                        .into_iter()
                        .find(|id| given.contains_key(id) && !said_by_human.contains(id));
                    if let Some(id) = repeated {
                        return Outcome::fail(format!(
                            "the customer gave again, when the human asked, a detail they gave before {stage} ({id})"
                        ))
                        .with(
                            Evidence::event(conversation, given[&id])
                                .with_note(format!("given before {moment}")),
                        )
                        .with(Evidence::event(conversation, asked_at).with_note("the human asks"))
                        .with(Evidence::event(conversation, index).matched(id));
                    }
                    let sent_again = whole_message(text).and_then(|m| messages.get(&m).copied());
                    if let Some(first) = sent_again {
                        return Outcome::fail(format!(
                            "the customer sent again, when the human asked, a message they sent before {stage}"
                        ))
                        .with(
                            Evidence::event(conversation, first)
                                .with_note(format!("sent before {moment}")),
                        )
                        .with(Evidence::event(conversation, asked_at).with_note("the human asks"))
                        .with(Evidence::event(conversation, index));
                    }
                    // Every customer turn up to the human's next one answers
                    // the ask: "I sent it already…", then the detail.
                }
                _ => {}
            }
        }
        if given.is_empty() {
            return Outcome::pass(format!("the customer gave no identifier before {moment}"));
        }
        Outcome::pass(format!(
            "the customer gave none of {} earlier detail(s) again after the human connected",
            given.len()
        ))
    }
}

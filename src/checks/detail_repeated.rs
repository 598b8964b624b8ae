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
//! and the customer confirms, is no repeat.
//!
//! ## Why it matters
//! Asking again for what the customer already typed tells them the
//! handoff carried nothing, whatever the phrasing of the ask.
//!
//! ## Example
//! ```yaml
//! - detail_repeated: { turns: 6 }
//! ```
//!
//! ## Outcomes
//! No human connected: n/a. A detail given again in answer to a human's
//! ask within the first `turns` human turns: fail, with the turn where the
//! customer first gave it and the reply. Otherwise pass.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;

use super::{Evidence, Outcome};
use crate::trace::{Conversation, EventKind, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DetailRepeated {
    /// How many human turns after the connection are read (default 6).
    #[serde(default = "default_turns")]
    pub turns: usize,
}

fn default_turns() -> usize {
    6
}

/// A word that may carry an identifier: letters and digits, joined by
/// `-`, `/`, `.` or `,` without a space ("4471-22", "8/19/1950").
static TOKEN: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(r"[A-Za-z0-9]+(?:[-/.,][A-Za-z0-9]+)*")
        .expect("the built-in pattern compiles")
});

/// A human turn that asks the customer for something: a question mark, a
/// Japanese question or request ending, "please", "I need", "confirm", and
/// the same requests in the other languages.
static ASKS: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)[?？¿]|か[。．]?\s*$|ください|いただけ|いただき|お願い|教え|お聞かせ|伺|\b(please|kindly|i need|we need|confirm|tell me|give me|provide|read me|send me|let me (have|know))\b|necesit|confirm|brauche|benötige|bitte|nennen sie|geben sie|por favor|indíque|indique|dígame|digame|s'il vous pla|j'ai besoin|donnez|rappeler|per favore|ho bisogno|mi dica|mi dia|conferm|preciso|informe|graag|nodig|geef",
    )
    .expect("the built-in pattern compiles")
});

/// The identifiers of a text, in their compared form (separators dropped,
/// lower case): words with at least four digits.
fn identifiers(text: &str) -> Vec<String> {
    TOKEN
        .find_iter(text)
        .filter_map(|m| {
            let compact: String = m
                .as_str()
                .chars()
                .filter(char::is_ascii_alphanumeric)
                .map(|c| c.to_ascii_lowercase())
                .collect();
            let digits = compact.bytes().filter(u8::is_ascii_digit).count();
            (digits >= 4).then_some(compact)
        })
        .collect()
}

impl DetailRepeated {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let Some(connected) = conversation.facts.human_connected else {
            return Outcome::na("no human connected");
        };
        // What the customer gave before the human connected, and where.
        let mut given: BTreeMap<String, usize> = BTreeMap::new();
        for (index, event) in conversation.events[..connected].iter().enumerate() {
            if let EventKind::Turn {
                speaker: Speaker::Customer,
                text,
                ..
            } = &event.kind
            {
                for id in identifiers(text) {
                    given.entry(id).or_insert(index);
                }
            }
        }
        if given.is_empty() {
            return Outcome::pass("the customer gave no identifier before the human connected");
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
                    last_human = Some((index, ASKS.is_match(text)));
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
                            "the customer gave again, when the human asked, a detail they gave before the handoff ({id})"
                        ))
                        .with(
                            Evidence::event(conversation, given[&id])
                                .with_note("given before the human connected"),
                        )
                        .with(Evidence::event(conversation, asked_at).with_note("the human asks"))
                        .with(Evidence::event(conversation, index).matched(id));
                    }
                    // One reply per ask.
                    last_human = None;
                }
                _ => {}
            }
        }
        Outcome::pass(format!(
            "the customer gave none of {} earlier detail(s) again after the human connected",
            given.len()
        ))
    }
}

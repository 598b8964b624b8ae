//! `first_meaningful_response`: how long the customer waits, after the human
//! connects, for something that is not filler.
//!
//! ## What it does
//! Measures from the `humanConnected` event to the first human turn that is
//! not filler. A turn is filler when it is a bare greeting (it opens with a
//! greeting or a thanks for holding, has at most six words and asks nothing:
//! "Hi Sarah!", "Hello, thanks for holding."), or when it matches
//! a `filler` pattern ("one moment", "hold please", "let me pull up your
//! account") and has at most `filler_max_words` words, so that a long turn
//! that starts with "one moment" but then addresses the issue still counts.
//! The measured seconds are the outcome's `value`.
//!
//! ## Why it matters
//! Time to the first meaningful human response is the handoff metric
//! customers feel: the first seconds decide whether they must start over.
//!
//! ## Example
//! ```yaml
//! - first_meaningful_response: { max: 30s }
//! - first_meaningful_response: { max: 20s, filler: ['one moment', 'bear with me'] }
//! ```
//!
//! ## Outcomes
//! No `humanConnected`: n/a. A missing timestamp, a turn stamped before
//! the connect it follows in `events` (a negative wait), or a human turn
//! before `humanConnected` in `events` (the record contradicts itself):
//! unscored. No meaningful human turn at all: fail. Otherwise pass when
//! within `max`.

use std::sync::LazyLock;

use serde::Deserialize;

use super::scope::{human_turns_after_connect, seconds_between};
use super::text::word_count;
use super::{Evidence, Outcome};
use crate::rubric::params::{Patterns, Seconds};
use crate::trace::{Conversation, EventKind, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FirstMeaningfulResponse {
    #[serde(default = "default_max")]
    pub max: Seconds,
    /// Replaces the built-in filler patterns.
    pub filler: Option<Patterns>,
    #[serde(default = "default_filler_max_words")]
    pub filler_max_words: usize,
}

fn default_max() -> Seconds {
    Seconds(30.0)
}
fn default_filler_max_words() -> usize {
    12
}

impl Default for FirstMeaningfulResponse {
    fn default() -> Self {
        FirstMeaningfulResponse {
            max: default_max(),
            filler: None,
            filler_max_words: default_filler_max_words(),
        }
    }
}

pub static DEFAULT_FILLER: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(&[
        r"\b(one|a|just a) (moment|sec|second|minute|min)\b",
        r"\bhold (on|please|tight)\b|\bplease hold\b|\bbear with me\b",
        r"\blet me (just )?(pull up|bring up|load|open|get up|look up|check) (your|the) (account|file|details|record|notes|information|case|ticket)",
        r"\b(be|am) right with you\b|\bstill (here|there)\b|\bloading\b",
        r"\bare you (still )?(there|with me)\b|\bcan you (still )?hear me\b",
    ])
    .expect("built-in patterns compile")
});

/// How a bare greeting starts: "Hi Sarah!", "Hello, thanks for holding."
static GREETING: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)^\W*(hi|hello|hey|good (morning|afternoon|evening)|greetings|thanks? (you )?for (holding|waiting|your patience))\b",
    )
    .expect("built-in pattern compiles")
});

/// A bare greeting: starts like one, at most six words, and asks nothing
/// but whether someone is there ("Hello?", "Hi, Ms Reyes?").
fn is_bare_greeting(text: &str) -> bool {
    let words = word_count(text);
    GREETING.is_match(text) && words <= 6 && (!text.contains('?') || words <= 3)
}

/// The first human turn before event `connected`, if the human spoke before
/// they connected.
pub fn human_turn_before(conversation: &Conversation, connected: usize) -> Option<usize> {
    conversation.events[..connected].iter().position(|event| {
        matches!(
            event.kind,
            EventKind::Turn {
                speaker: Speaker::Human,
                ..
            }
        )
    })
}

impl FirstMeaningfulResponse {
    pub fn is_filler(&self, text: &str) -> bool {
        if is_bare_greeting(text) {
            return true;
        }
        let filler = self.filler.as_ref().unwrap_or(&DEFAULT_FILLER);
        filler.is_match(text) && word_count(text) <= self.filler_max_words
    }

    /// Seconds from connect to the first meaningful human turn: `Ok(None)`
    /// when there is none, `Err` when a timestamp is missing.
    pub fn measure(
        &self,
        conversation: &Conversation,
    ) -> Option<Result<(usize, Option<f64>), String>> {
        let connected = conversation.facts.human_connected?;
        if let Some(early) = human_turn_before(conversation, connected) {
            return Some(Err(format!(
                "the record contradicts itself: a human turn (event {early}) comes before \
                 humanConnected (event {connected})"
            )));
        }
        let turn = human_turns_after_connect(conversation)
            .into_iter()
            .find(|turn| !self.is_filler(turn.text));
        let Some(turn) = turn else {
            return Some(Ok((connected, None)));
        };
        let Some(from) = conversation.events[connected].at else {
            return Some(Err(format!(
                "missing timestamp on humanConnected (event {connected})"
            )));
        };
        let Some(to) = turn.at else {
            return Some(Err(format!("missing timestamp on event {}", turn.index)));
        };
        let seconds = seconds_between(from, to);
        if seconds < 0.0 {
            return Some(Err(format!(
                "the clock contradicts the order: the human turn (event {}) comes after \
                 humanConnected (event {connected}) in the events but is stamped {:.1}s before it",
                turn.index, -seconds
            )));
        }
        Some(Ok((turn.index, Some(seconds))))
    }

    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        match self.measure(conversation) {
            None => Outcome::na("no human connected"),
            Some(Err(reason)) => Outcome::unscored(reason),
            Some(Ok((connected, None))) => {
                Outcome::fail("no meaningful human response after the human connected")
                    .with(Evidence::event(conversation, connected).with_note("humanConnected"))
            }
            Some(Ok((index, Some(seconds)))) => {
                let evidence = Evidence::event(conversation, index);
                let Seconds(max) = self.max;
                if seconds <= max {
                    Outcome::pass(format!("first meaningful response after {seconds:.1}s"))
                        .with(evidence)
                        .with_value(seconds)
                } else {
                    Outcome::fail(format!(
                        "first meaningful response after {seconds:.1}s, over {max}s"
                    ))
                    .with(evidence)
                    .with_value(seconds)
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filler_is_greetings_and_short_holding_phrases() {
        let check = FirstMeaningfulResponse::default();
        for filler in [
            "Hi Sarah!",
            "Hello, thanks for holding.",
            "One moment please, let me pull up your account.",
            "Hi, bear with me a second.",
            "Thanks for holding, one second.",
            "Hello?",
            "Hi, Ms Reyes?",
            "Are you still there?",
        ] {
            assert!(check.is_filler(filler), "{filler}");
        }
        for meaningful in [
            "Hi, thanks for holding. How can I help you today?",
            "Hi Sarah, I can see you were charged twice for order 8821.",
            "Hi! Which card is it?",
            "One moment while I approve the refund of the duplicate $184 charge on order 8821 for you.",
        ] {
            assert!(!check.is_filler(meaningful), "{meaningful}");
        }
    }
}

//! `ordered_before`: one event happens before another, optionally within a
//! maximum gap.
//!
//! ## What it does
//! Finds the first `then` event and the first `first` event, and passes when
//! `first` comes earlier (and, with `max_gap`, no more than that many
//! seconds earlier). Where both events are timed, their times decide, and
//! they must agree with the order of `events`; without times, the order of
//! `events` decides, so the check needs no clock. Only `max_gap` and
//! `min_gap` need timestamps.
//!
//! ## Why it matters
//! Context that reaches the human after they have already greeted the customer
//! is context the customer has to repeat.
//!
//! ## Example
//! ```yaml
//! - ordered_before: { first: contextDelivered, then: humanConnected }
//! - ordered_before: { first: escalation, then: handoffPackage, max_gap: 2s, if_then_missing: fail }
//! - ordered_before: { first: "turn:human", then: "humanAction:" }
//! - ordered_before: { first: contextDelivered, then: humanConnected, strict: true }
//! ```
//!
//! With `strict: true`, two events stamped at the same instant are not one
//! before the other (context that lands as the call connects is not on the
//! human's screen when they pick up): fail. Without it, array order breaks
//! the tie.
//!
//! Events are named by type, optionally narrowed: `turn:human` (a turn by that
//! speaker), `offer:human` (an offer by that party).
//!
//! ## Outcomes
//! - `then` missing: n/a (`if_then_missing: fail` to fail instead);
//! - `first` missing, or after `then`: fail (`if_first_missing: na` to skip);
//! - a gap bound with a missing timestamp: unscored;
//! - both events timed, and the times contradict their order in `events`
//!   (the later one in the array stamped earlier): unscored, whatever the
//!   bounds, since neither the order nor the clock can be trusted.

use std::fmt;
use std::str::FromStr;

use serde::Deserialize;

use super::scope::seconds_between;
use super::{Evidence, Outcome};
use crate::rubric::params::Seconds;
use crate::trace::{Conversation, EventKind, EventType, OfferBy, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderedBefore {
    pub first: EventSelector,
    pub then: EventSelector,
    pub max_gap: Option<Seconds>,
    pub min_gap: Option<Seconds>,
    #[serde(default = "missing_first_default")]
    pub if_first_missing: Missing,
    #[serde(default = "missing_then_default")]
    pub if_then_missing: Missing,
    /// Events stamped at the same instant are not in order.
    #[serde(default)]
    pub strict: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Missing {
    Fail,
    Na,
}

fn missing_first_default() -> Missing {
    Missing::Fail
}
fn missing_then_default() -> Missing {
    Missing::Na
}

impl Missing {
    fn outcome(self, reason: String) -> Outcome {
        match self {
            Missing::Fail => Outcome::fail(reason),
            Missing::Na => Outcome::na(reason),
        }
    }
}

/// An event type, optionally narrowed to a speaker (turns) or a party (offers).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventSelector {
    pub event: EventType,
    pub speaker: Option<Speaker>,
    pub by: Option<OfferBy>,
}

impl EventSelector {
    pub fn matches(&self, kind: &EventKind) -> bool {
        if kind.event_type() != self.event {
            return false;
        }
        match kind {
            EventKind::Turn { speaker, .. } => self.speaker.is_none_or(|s| s == *speaker),
            EventKind::Offer { by, .. } => self.by.is_none_or(|b| b == *by),
            _ => true,
        }
    }

    pub fn first_index(&self, conversation: &Conversation) -> Option<usize> {
        conversation
            .events
            .iter()
            .position(|event| self.matches(&event.kind))
    }
}

impl fmt::Display for EventSelector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.event.as_str())?;
        if let Some(speaker) = self.speaker {
            write!(f, ":{}", format!("{speaker:?}").to_lowercase())?;
        }
        if let Some(by) = self.by {
            write!(f, ":{}", format!("{by:?}").to_lowercase())?;
        }
        Ok(())
    }
}

impl FromStr for EventSelector {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let (name, narrow) = match text.split_once(':') {
            Some((name, narrow)) => (name, Some(narrow.trim()).filter(|n| !n.is_empty())),
            None => (text, None),
        };
        let event: EventType = serde_json::from_value(serde_json::Value::String(name.into()))
            .map_err(|_| {
                format!(
                    "unknown event type `{name}`; expected one of turn, toolCall, verification, \
                     offer, escalation, handoffPackage, queueJoined, callbackScheduled, \
                     contextDelivered, humanConnected, humanAction"
                )
            })?;
        let mut selector = EventSelector {
            event,
            speaker: None,
            by: None,
        };
        if let Some(narrow) = narrow {
            let quoted = serde_json::Value::String(narrow.into());
            match event {
                EventType::Turn => {
                    selector.speaker = Some(serde_json::from_value(quoted).map_err(|_| {
                        format!(
                            "unknown speaker `{narrow}`; expected customer, ai, human or system"
                        )
                    })?)
                }
                EventType::Offer => {
                    selector.by =
                        Some(serde_json::from_value(quoted).map_err(|_| {
                            format!("unknown party `{narrow}`; expected ai or human")
                        })?)
                }
                _ => {
                    return Err(format!(
                        "`{name}` events cannot be narrowed with `:{narrow}`"
                    ));
                }
            }
        }
        Ok(selector)
    }
}

impl<'de> Deserialize<'de> for EventSelector {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}

impl OrderedBefore {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let Some(then) = self.then.first_index(conversation) else {
            return self
                .if_then_missing
                .outcome(format!("no `{}` event", self.then));
        };
        let Some(first) = self.first.first_index(conversation) else {
            return self.if_first_missing.outcome(format!(
                "no `{}` event (`{}` is event {then})",
                self.first, self.then
            ));
        };
        let evidence = [
            Evidence::event(conversation, first).with_note(self.first.to_string()),
            Evidence::event(conversation, then).with_note(self.then.to_string()),
        ];
        let times = (conversation.events[first].at, conversation.events[then].at);
        if let (Some(from), Some(to)) = times {
            // Decided by time; where the array order says otherwise, neither
            // can be trusted (a producer that sorted mixed-offset timestamps
            // as text, a clock that jumped).
            let gap = seconds_between(from, to);
            if (first < then && gap < 0.0) || (first > then && gap > 0.0) {
                let (earlier, later) = if first < then {
                    ((&self.first, first), (&self.then, then))
                } else {
                    ((&self.then, then), (&self.first, first))
                };
                return Outcome::unscored(format!(
                    "the clock contradicts the order: `{}` (event {}) comes before `{}` (event {}) \
                     in the events but is stamped {:.1}s after it",
                    earlier.0,
                    earlier.1,
                    later.0,
                    later.1,
                    gap.abs()
                ))
                .with_all(evidence);
            }
            if self.strict && gap == 0.0 {
                return Outcome::fail(format!(
                    "`{}` (event {first}) and `{}` (event {then}) are stamped at the same instant",
                    self.first, self.then
                ))
                .with_all(evidence)
                .with_value(gap);
            }
        }
        if first > then {
            return Outcome::fail(format!(
                "`{}` (event {first}) came after `{}` (event {then})",
                self.first, self.then
            ))
            .with_all(evidence);
        }
        if self.max_gap.is_none() && self.min_gap.is_none() {
            return Outcome::pass(format!(
                "`{}` (event {first}) came before `{}` (event {then})",
                self.first, self.then
            ))
            .with_all(evidence);
        }
        let (Some(from), Some(to)) = (conversation.events[first].at, conversation.events[then].at)
        else {
            return Outcome::unscored(format!(
                "missing timestamp on event {}",
                if conversation.events[first].at.is_none() {
                    first
                } else {
                    then
                }
            ))
            .with_all(evidence);
        };
        let gap = seconds_between(from, to);
        if let Some(Seconds(max)) = self.max_gap
            && gap > max
        {
            return Outcome::fail(format!(
                "`{}` came {gap:.1}s before `{}`, more than the {max}s allowed",
                self.first, self.then
            ))
            .with_all(evidence)
            .with_value(gap);
        }
        if let Some(Seconds(min)) = self.min_gap
            && gap < min
        {
            return Outcome::fail(format!(
                "`{}` came {gap:.1}s before `{}`, less than the {min}s required",
                self.first, self.then
            ))
            .with_all(evidence)
            .with_value(gap);
        }
        Outcome::pass(format!(
            "`{}` came {gap:.1}s before `{}`",
            self.first, self.then
        ))
        .with_all(evidence)
        .with_value(gap)
    }
}

//! `sentiment_trend`: when the customer's sentiment declines before the
//! handoff, something must follow from it.
//!
//! ## What it does
//! Builds the sentiment arc from customer turns before the escalation (their
//! `sentiment` scores), or, when fewer than two turns carry one, from the
//! package's `sentimentArc`. The arc declines when the last score is at least
//! `decline` below the first, compared at the scores' own precision (a fall
//! from -0.2 to -0.6 is a fall of 0.4, though binary floats make it
//! 0.39999…); with `or_at_most`, a last score at or below that floor
//! counts too, whatever the fall. Then the `then` condition (any rubric condition,
//! see [`crate::rubric::condition`]) must hold, for instance raised urgency or
//! an alert in the delivered payload.
//!
//! ## Why it matters
//! A frustrated customer handed over as "standard" meets a human who opens
//! with small talk.
//!
//! ## Example
//! ```yaml
//! - sentiment_trend:
//!     decline: 0.3
//!     then:
//!       any:
//!         - urgency_at_least: elevated
//!         - payload_matches: ['frustrat', 'upset', 'angry', 'sentiment']
//! ```
//!
//! ## Outcomes
//! A customer who spoke once before the escalation (an e-mail, a single
//! message) has no arc that could fall, unless the package's
//! `sentimentArc` traces one through it: n/a. Otherwise fewer than two
//! scores: unscored. No decline: n/a. A decline: pass when `then` holds,
//! else fail.

use serde::Deserialize;
use serde_json::Value;

use super::{Evidence, Outcome};
use crate::rubric::condition::Condition;
use crate::trace::{Conversation, EventKind, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SentimentTrend {
    #[serde(default = "default_decline")]
    pub decline: f64,
    /// A last score at or below this (on the same -1 to 1 scale) calls for
    /// `then` too, whatever the fall: a customer already distressed when
    /// the escalation comes ("-0.6 to -0.8") is as much in need of a flag as
    /// one whose mood fell to it. Unset: only a fall counts.
    pub or_at_most: Option<f64>,
    pub then: Condition,
}

/// Far below any score's written precision, far above the rounding error of
/// subtracting two of them.
const DECLINE_TOLERANCE: f64 = 1e-9;

fn default_decline() -> f64 {
    0.3
}

/// A sentiment point: its event (for turns) and its score.
type Point = (Option<usize>, f64);

fn arc(conversation: &Conversation) -> Vec<Point> {
    let end = conversation
        .facts
        .escalation
        .unwrap_or(conversation.events.len());
    let from_turns: Vec<Point> = conversation.events[..end]
        .iter()
        .enumerate()
        .filter_map(|(index, event)| match event.kind {
            EventKind::Turn {
                speaker: Speaker::Customer,
                sentiment: Some(score),
                ..
            } => Some((Some(index), score)),
            _ => None,
        })
        .collect();
    if from_turns.len() >= 2 {
        return from_turns;
    }
    match conversation.package().and_then(|p| p.get("sentimentArc")) {
        Some(Value::Array(points)) => points
            .iter()
            .filter_map(|point| point.get("score")?.as_f64())
            .map(|score| (conversation.facts.package, score))
            .collect(),
        _ => from_turns,
    }
}

/// How many turns the customer took before the escalation.
fn customer_turns_before_escalation(conversation: &Conversation) -> usize {
    let end = conversation
        .facts
        .escalation
        .unwrap_or(conversation.events.len());
    conversation.events[..end]
        .iter()
        .filter(|event| {
            matches!(
                event.kind,
                EventKind::Turn {
                    speaker: Speaker::Customer,
                    ..
                }
            )
        })
        .count()
}

impl SentimentTrend {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let points = arc(conversation);
        if points.len() < 2 && customer_turns_before_escalation(conversation) == 1 {
            return Outcome::na(
                "the customer spoke once before the escalation: there is no arc to decline",
            );
        }
        let (Some(first), Some(last)) = (points.first(), points.last()) else {
            return Outcome::unscored("no sentiment scores before the escalation");
        };
        if points.len() < 2 {
            return Outcome::unscored("only one sentiment score before the escalation");
        }
        let change = last.1 - first.1;
        let evidence = |point: &Point, note: &str| match point.0 {
            Some(index) => {
                Evidence::event(conversation, index).with_note(format!("{note} {:.2}", point.1))
            }
            None => Evidence::note(format!("{note} {:.2}", point.1)),
        };
        // Scores are written with a few decimals; the difference of two of
        // them carries binary rounding error (-0.6 - -0.2 = -0.39999…), which
        // must not move a fall of exactly `decline` below the threshold.
        let declined = change <= -self.decline + DECLINE_TOLERANCE;
        let low = self
            .or_at_most
            .is_some_and(|floor| last.1 <= floor + DECLINE_TOLERANCE);
        if !declined && !low {
            return Outcome::na(match self.or_at_most {
                Some(floor) => format!(
                    "sentiment moved {change:+.2} to {:.2}, not a decline of {} or more nor at or below {floor}",
                    last.1, self.decline
                ),
                None => format!(
                    "sentiment moved {change:+.2}, not a decline of {} or more",
                    self.decline
                ),
            });
        }
        let what = if declined {
            format!("sentiment declined {change:+.2}")
        } else {
            format!("sentiment ended at {:.2}", last.1)
        };
        let arc_evidence = [evidence(first, "first score"), evidence(last, "last score")];
        match self.then.explain(conversation) {
            Ok(()) => Outcome::pass(format!("{what} and the consequence holds"))
                .with_all(arc_evidence)
                .with_value(change),
            Err(reason) => Outcome::fail(format!("{what} but {reason}"))
                .with_all(arc_evidence)
                .with_value(change),
        }
    }
}

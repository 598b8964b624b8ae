//! `follows_suggestion`: the human's first action or words match the
//! package's `suggestedNextAction`.
//!
//! ## What it does
//! Takes the key terms of the suggestion (see [`super::text::key_terms`])
//! that are not already terms of the issue (so that an opening which names
//! the issue does not count as following the suggestion) and looks for them in the human's first `humanAction` after connecting (its
//! action name, split at `_`, and its details) and in the first `turns` human
//! turns. Passes when at least `min_terms` terms, or `min_share` of them, are
//! found. A rule proxy: the judge check does this with understanding.
//!
//! ## Why it matters
//! The suggested first action is the AI's best guess at the fix; a human who
//! ignores it often starts the diagnosis over.
//!
//! ## Example
//! ```yaml
//! - follows_suggestion: { turns: 3, min_terms: 2, min_share: 0.3 }
//! ```
//!
//! ## Outcomes
//! No human connected, or no suggestion in the package: n/a. The human did and
//! said nothing: fail. Otherwise pass or fail on the overlap.

use serde::Deserialize;
use serde_json::Value;

use super::mentions_context::issue_terms;
use super::scope::human_turns_after_connect;
use super::text::{key_terms, terms_found, terms_found_in};
use super::{Evidence, Outcome};
use crate::trace::{Conversation, EventKind};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FollowsSuggestion {
    #[serde(default = "default_turns")]
    pub turns: usize,
    #[serde(default = "default_min_terms")]
    pub min_terms: usize,
    #[serde(default = "default_min_share")]
    pub min_share: f64,
}

fn default_turns() -> usize {
    3
}
fn default_min_terms() -> usize {
    2
}
fn default_min_share() -> f64 {
    0.3
}

fn flatten(value: &Value, out: &mut String) {
    match value {
        Value::String(s) => {
            out.push_str(s);
            out.push(' ');
        }
        Value::Number(n) => {
            out.push_str(&n.to_string());
            out.push(' ');
        }
        Value::Array(items) => items.iter().for_each(|v| flatten(v, out)),
        Value::Object(map) => map.iter().for_each(|(k, v)| {
            out.push_str(k);
            out.push(' ');
            flatten(v, out);
        }),
        Value::Bool(_) | Value::Null => {}
    }
}

impl FollowsSuggestion {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let Some(connected) = conversation.facts.human_connected else {
            return Outcome::na("no human connected");
        };
        let Some(suggestion) = conversation
            .package()
            .and_then(|p| p.suggested_next_action())
            .filter(|s| !s.trim().is_empty())
        else {
            return Outcome::na("the package has no suggestedNextAction");
        };
        let issue = issue_terms(conversation);
        let all_terms = key_terms(suggestion);
        let action_terms: Vec<_> = all_terms
            .iter()
            .filter(|term| !issue.contains(term))
            .cloned()
            .collect();
        let terms = if action_terms.is_empty() {
            all_terms.clone()
        } else {
            action_terms
        };
        if terms.is_empty() {
            return Outcome::unscored("the suggestedNextAction has no key terms to compare");
        }
        let mut evidence = Vec::new();
        let mut details_text = String::new();
        let mut action_words = String::new();
        let action = conversation
            .events
            .iter()
            .enumerate()
            .skip(connected + 1)
            .find_map(|(index, event)| match &event.kind {
                EventKind::HumanAction { action, details } => Some((index, action, details)),
                _ => None,
            });
        if let Some((index, action, details)) = action {
            action_words = action.replace(['_', '-'], " ");
            let named = key_terms(&action_words);
            let shared = terms_found(&all_terms, &action_words);
            if !named.is_empty() && shared.len() >= self.min_terms.min(named.len()) {
                return Outcome::pass(format!(
                    "the first human action `{action}` matches the suggestion ({})",
                    shared.join(", ")
                ))
                .with(Evidence::event(conversation, index))
                .with(Evidence::note(format!("suggested: {suggestion}")));
            }
            if let Some(details) = details {
                flatten(details, &mut details_text);
            }
            evidence.push(Evidence::event(conversation, index).with_note("first human action"));
        }
        let turns = human_turns_after_connect(conversation);
        let turns = &turns[..turns.len().min(self.turns)];
        for turn in turns {
            evidence.push(Evidence::event(conversation, turn.index));
        }
        if action.is_none() && turns.is_empty() {
            return Outcome::fail("the human neither acted nor spoke after connecting");
        }
        let texts = [action_words.as_str(), details_text.as_str()]
            .into_iter()
            .chain(turns.iter().map(|t| t.text));
        let found = terms_found_in(&terms, texts);
        let share = found.len() as f64 / terms.len() as f64;
        let needed = self.min_terms.min(terms.len());
        let summary = format!(
            "{} of {} suggestion terms ({}) in the human's first action and words",
            found.len(),
            terms.len(),
            if found.is_empty() {
                "none".to_string()
            } else {
                found.join(", ")
            }
        );
        let evidence = evidence
            .into_iter()
            .chain([Evidence::note(format!("suggested: {suggestion}"))]);
        if found.len() >= needed && share >= self.min_share {
            Outcome::pass(summary).with_all(evidence).with_value(share)
        } else {
            Outcome::fail(summary).with_all(evidence).with_value(share)
        }
    }
}

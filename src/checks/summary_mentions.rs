//! `summary_mentions`: the handoff summary tells the human who, what, what
//! was tried, and why it escalates.
//!
//! ## What it does
//! Reads the summary of the first `handoffPackage` (its `summary`) and looks
//! for each item:
//! - `customer`: the customer's name (`customer.name` or the package's), or
//!   an identifier the conversation holds for them: `customer.id` and the
//!   values of the AI's tool-call arguments that name a user, customer,
//!   account, member, phone or email (`user_id`, `phone_number` ...),
//!   matched ignoring case; a user id built from a name (`omar_rossi_1241`)
//!   also counts when the summary names that person ("Omar Rossi");
//! - `request`: key terms of the customer's first `request_turns` turns
//!   (words of four letters or more that are not stop words, and tokens with
//!   digits, matched by stem): at least `min_request_terms` of them, or all
//!   when there are fewer;
//! - `tried`: words of an attempt (`tried`, `checked`, `verified`, `offered`,
//!   `resetting`, `declined`, `despite` ...), or `tried_patterns`;
//! - `reason`: words of a reason (`because`, `unable`, `policy`, `exceeds`,
//!   `requested a human` ...), or `reason_patterns`.
//!
//! An item the conversation gives nothing to look for is skipped.
//! `require: all` (default) needs every other item, `any` one.
//!
//! ## Why it matters
//! The human reads the summary before saying hello. "Customer needs help"
//! sends them back to asking for the account number; "Mia Li (mia_li_3668)
//! wants her May 20 JFK-SEA booking paid with two certificates; only one can
//! be applied, she declined paying the rest by card" does not.
//!
//! ## Example
//! ```yaml
//! - summary_mentions: { items: [customer, request, tried, reason] }
//! ```
//!
//! ## Outcomes
//! No escalation: n/a. Escalated without a summary: fail. Nothing to look
//! for: unscored. Otherwise pass or fail by `require`.

use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::Value;

use super::mentions_context::Require;
use super::text::{Term, key_terms, terms_found};
use super::{Evidence, Outcome};
use crate::rubric::params::Patterns;
use crate::trace::{Conversation, EventKind, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SummaryMentions {
    #[serde(default = "default_items")]
    pub items: Vec<Item>,
    #[serde(default)]
    pub require: Require,
    #[serde(default = "default_request_turns")]
    pub request_turns: usize,
    #[serde(default = "default_min_request_terms")]
    pub min_request_terms: usize,
    pub tried_patterns: Option<Patterns>,
    pub reason_patterns: Option<Patterns>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    Customer,
    Request,
    Tried,
    Reason,
}

impl Item {
    fn name(self) -> &'static str {
        match self {
            Item::Customer => "customer",
            Item::Request => "request",
            Item::Tried => "what was tried",
            Item::Reason => "why it escalates",
        }
    }
}

fn default_items() -> Vec<Item> {
    vec![Item::Customer, Item::Request, Item::Tried, Item::Reason]
}
fn default_request_turns() -> usize {
    2
}
fn default_min_request_terms() -> usize {
    2
}

static TRIED: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(&[
        r"\b(tr(y|ied|ying)|attempt\w*|check\w*|verif\w*|confirm\w*|review\w*|look(ed|ing)? (up|into)|offer\w*|suggest\w*|walk\w* .{1,20} through)\b",
        r"\b(reset\w*|restart\w*|reboot\w*|toggl\w*|re-?enabl\w*|enabl\w*|disabl\w*|turn(ed|ing)? (on|off)|reinstall\w*|troubleshoot\w*|reseat\w*|clear\w*)\b",
        r"\b(already|steps?|ran|perform\w*|declin\w*|reject\w*|refus\w*|despite|even after|did not (work|help|resolve)|no (luck|change|improvement))\b",
    ])
    .expect("the built-in patterns compile")
});

static REASON: LazyLock<Patterns> = LazyLock::new(|| {
    Patterns::new(&[
        r"\b(because|since|due to|as the|so that)\b",
        r"\b(unable|cannot|can't|could not|couldn't|not able|not possible|impossible|no way to)\b",
        r"\b(not (permitted|allowed|eligible|authori[sz]ed|covered)|against policy|policy|requires?|need(s|ed)? (a |an )?(human|agent|specialist|supervisor|approval))\b",
        r"\b(exceed(s|ed|ing)?|outside|beyond|above (the|my) limit|limit)\b",
        r"\b(request(s|ed|ing)? (a |an |to )|wants? (a |an |to speak|to talk)|asked (for|to)|insist(s|ed)?|escalat\w*|persist(s|ent|ed)?|still (no|not|has|have|unable))\b",
    ])
    .expect("the built-in patterns compile")
});

/// Values the conversation holds that identify the customer.
fn customer_identifiers(conversation: &Conversation) -> Vec<String> {
    let mut found: Vec<String> = Vec::new();
    let mut add = |value: &str| {
        let value = value.trim();
        if value.chars().count() >= 3 && !found.iter().any(|f| f.eq_ignore_ascii_case(value)) {
            found.push(value.to_string());
        }
    };
    if let Some(name) = &conversation.customer.name {
        add(name);
    }
    if let Some(name) = conversation
        .package()
        .and_then(|p| p.str_at("customer.name"))
    {
        add(name);
    }
    // Importers give a customer without an id of the source a synthetic one.
    if !conversation.customer.id.starts_with("conversation:") {
        add(&conversation.customer.id);
    }
    for event in &conversation.events {
        if let EventKind::ToolCall { args, .. } = &event.kind
            && let Value::Object(map) = args
        {
            for (key, value) in map {
                let key = key.to_ascii_lowercase();
                let id_like = ["user", "customer", "account", "member", "phone", "email"]
                    .iter()
                    .any(|k| key.contains(k));
                match value {
                    Value::String(s) if id_like => add(s),
                    Value::Number(n) if id_like => add(&n.to_string()),
                    _ => {}
                }
            }
        }
    }
    found
}

/// The name parts of a user id built from a name (`omar_rossi_1241` ->
/// `omar`, `rossi`): at least two alphabetic parts of three letters or more.
fn name_in_id(id: &str) -> Option<Vec<&str>> {
    if id.contains(char::is_whitespace) {
        return None;
    }
    let names: Vec<&str> = id
        .split(['_', '.', '-'])
        .filter(|part| part.len() >= 3 && part.chars().all(|c| c.is_ascii_alphabetic()))
        .collect();
    (names.len() >= 2).then_some(names)
}

/// The customer's opening turns, where they say what they want.
fn request_text(conversation: &Conversation, turns: usize) -> String {
    conversation
        .events
        .iter()
        .enumerate()
        .filter_map(|(index, event)| match &event.kind {
            EventKind::Turn {
                speaker: Speaker::Customer,
                ..
            } => conversation.matching_text(index),
            _ => None,
        })
        .take(turns)
        .collect::<Vec<_>>()
        .join(" ")
}

impl SummaryMentions {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        if conversation.facts.escalation.is_none() {
            return Outcome::na("no escalation");
        }
        let Some(index) = conversation.facts.package else {
            return Outcome::fail("escalated without a handoff package");
        };
        let Some(summary) = conversation
            .package()
            .and_then(|p| p.summary())
            .filter(|s| !s.trim().is_empty())
        else {
            return Outcome::fail("the handoff package has no summary")
                .with(Evidence::event(conversation, index));
        };
        let mut found = Vec::new();
        let mut missing = Vec::new();
        let mut skipped = Vec::new();
        for item in &self.items {
            let verdict: Option<(bool, String)> = match item {
                Item::Customer => {
                    let ids = customer_identifiers(conversation);
                    let lower = summary.to_lowercase();
                    (!ids.is_empty()).then(|| {
                        let hit = ids.iter().find(|id| {
                            lower.contains(&id.to_lowercase())
                                || id.split_whitespace().next().is_some_and(|first| {
                                    first.chars().count() >= 3
                                        && super::text::has_token(summary, first)
                                })
                                || name_in_id(id).is_some_and(|names| {
                                    names
                                        .iter()
                                        .all(|name| super::text::has_token(summary, name))
                                })
                        });
                        match hit {
                            Some(id) => (true, format!("customer ({id})")),
                            None => (false, format!("customer ({})", ids.join(", "))),
                        }
                    })
                }
                Item::Request => {
                    let terms = key_terms(&request_text(conversation, self.request_turns));
                    (!terms.is_empty()).then(|| {
                        let hits = terms_found(&terms, summary);
                        let needed = self.min_request_terms.min(terms.len()).max(1);
                        let listed: Vec<&str> = terms.iter().map(Term::stem).take(8).collect();
                        (
                            hits.len() >= needed,
                            format!(
                                "request ({} of {} terms: {})",
                                hits.len(),
                                terms.len(),
                                if hits.is_empty() {
                                    listed.join(", ")
                                } else {
                                    hits.join(", ")
                                }
                            ),
                        )
                    })
                }
                Item::Tried | Item::Reason => {
                    let patterns = match item {
                        Item::Tried => self.tried_patterns.as_ref().unwrap_or(&TRIED),
                        _ => self.reason_patterns.as_ref().unwrap_or(&REASON),
                    };
                    Some(match patterns.find(summary) {
                        Some(m) => (
                            true,
                            format!("{} (\"{}\")", item.name(), &summary[m.start..m.end]),
                        ),
                        None => (false, item.name().to_string()),
                    })
                }
            };
            match verdict {
                Some((true, what)) => found.push(what),
                Some((false, what)) => missing.push(what),
                None => skipped.push(item.name()),
            }
        }
        let evidence = Evidence::event(conversation, index).with_text(summary);
        if found.is_empty() && missing.is_empty() {
            return Outcome::unscored(format!("nothing to look for ({})", skipped.join(", ")))
                .with(evidence);
        }
        let passed = match self.require {
            Require::All => missing.is_empty(),
            Require::Any => !found.is_empty(),
        };
        let mut reason = if passed {
            format!("the summary names {}", found.join(", "))
        } else {
            format!("the summary does not name {}", missing.join(", "))
        };
        if !skipped.is_empty() {
            reason.push_str(&format!("; nothing to look for: {}", skipped.join(", ")));
        }
        if passed {
            Outcome::pass(reason)
        } else {
            Outcome::fail(reason)
        }
        .with(evidence)
    }
}

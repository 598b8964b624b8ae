//! `mentions_context`: the human's opening shows they know the customer and
//! the issue.
//!
//! ## What it does
//! Reads the first `turns` human turns after the human connected and looks
//! for each item:
//! - `customer_name`: the customer's first name (from `customer.name`, or the
//!   package's `customer.name`);
//! - `issue`: a key term of the issue, from the package's `intent.primary` and
//!   `intent.unresolvedItems`, or the escalation's description (words of four
//!   letters or more that are not stop words, and identifiers such as order
//!   numbers, matched by stem).
//!
//! An item the conversation gives nothing to look for (no name known) is
//! skipped. `require: all` (default) needs every other item, `any` one.
//!
//! ## Why it matters
//! "Hi Sarah, I can see you were charged twice for order 8821" tells the
//! customer the handoff worked; "How can I help you today?" tells them it did not.
//!
//! ## Example
//! ```yaml
//! - mentions_context: { turns: 2, items: [customer_name, issue], require: all }
//! ```
//!
//! ## Outcomes
//! No human connected: n/a. The human said nothing: fail. Nothing to look
//! for: unscored. Otherwise pass or fail by `require`.

use serde::Deserialize;

use super::scope::human_turns_after_connect;
use super::text::{Term, has_token, key_terms, terms_found, tokens};
use super::{Evidence, Outcome};
use crate::trace::{Conversation, EventKind};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MentionsContext {
    #[serde(default = "default_turns")]
    pub turns: usize,
    #[serde(default = "default_items")]
    pub items: Vec<Item>,
    #[serde(default)]
    pub require: Require,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Item {
    CustomerName,
    Issue,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Require {
    #[default]
    All,
    Any,
}

fn default_turns() -> usize {
    2
}
fn default_items() -> Vec<Item> {
    vec![Item::CustomerName, Item::Issue]
}

/// The customer's first name, if any source gives one.
pub fn first_name(conversation: &Conversation) -> Option<String> {
    let full = conversation
        .customer
        .name
        .as_deref()
        .or_else(|| conversation.package()?.str_at("customer.name"))?;
    tokens(&super::normalize::matching_form(full))
        .next()
        .filter(|name| name.chars().count() >= 2)
}

/// Key terms of the customer's issue as the AI understood it, computed once
/// per conversation (two check kinds use them).
pub fn issue_terms(conversation: &Conversation) -> &[Term] {
    conversation
        .facts
        .issue_terms
        .get_or_init(|| compute_issue_terms(conversation))
}

fn compute_issue_terms(conversation: &Conversation) -> Vec<Term> {
    let mut text = String::new();
    if let Some(package) = conversation.package() {
        if let Some(primary) = package.str_at("intent.primary") {
            text.push_str(primary);
            text.push(' ');
        }
        for item in package.strings_at("intent.unresolvedItems") {
            text.push_str(item);
            text.push(' ');
        }
    }
    if text.trim().is_empty()
        && let Some(index) = conversation.facts.escalation
        && let EventKind::Escalation {
            description: Some(description),
            ..
        } = &conversation.events[index].kind
    {
        text.push_str(description);
    }
    key_terms(&super::normalize::matching_form(&text))
}

impl MentionsContext {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        if conversation.facts.human_connected.is_none() {
            return Outcome::na("no human connected");
        }
        let turns: Vec<_> = human_turns_after_connect(conversation)
            .into_iter()
            .take(self.turns)
            .collect();
        if turns.is_empty() {
            return Outcome::fail("the human said nothing after connecting");
        }
        let opening: String = turns.iter().map(|t| t.text).collect::<Vec<_>>().join(" ");
        let mut found = Vec::new();
        let mut missing = Vec::new();
        for item in &self.items {
            match item {
                Item::CustomerName => match first_name(conversation) {
                    None => {}
                    Some(name) => {
                        if has_token(&opening, &name) {
                            found.push(format!("customer name ({name})"));
                        } else {
                            missing.push(format!("customer name ({name})"));
                        }
                    }
                },
                Item::Issue => {
                    let terms = issue_terms(conversation);
                    if terms.is_empty() {
                        continue;
                    }
                    let hits = terms_found(terms, &opening);
                    if hits.is_empty() {
                        let listed: Vec<&str> = terms.iter().map(Term::stem).collect();
                        missing.push(format!("issue ({})", listed.join(", ")));
                    } else {
                        found.push(format!("issue ({})", hits.join(", ")));
                    }
                }
            }
        }
        if found.is_empty() && missing.is_empty() {
            return Outcome::unscored("no customer name or issue known to look for");
        }
        let evidence = turns.iter().map(|t| Evidence::event(conversation, t.index));
        let ok = match self.require {
            Require::All => missing.is_empty(),
            Require::Any => !found.is_empty(),
        };
        if ok {
            Outcome::pass(format!("the opening mentions {}", found.join(" and ")))
                .with_all(evidence)
        } else {
            Outcome::fail(format!(
                "the opening does not mention {}",
                missing.join(" or ")
            ))
            .with_all(evidence)
        }
    }
}

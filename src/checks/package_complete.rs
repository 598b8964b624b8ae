//! `package_complete`: the handoff package has every required field, filled.
//!
//! ## What it does
//! Looks at the first `handoffPackage` event. Each path in `required`
//! (dotted, e.g. `customer.id`) must be present and non-empty: a string with
//! text, a list with items, an object with at least one filled value; numbers
//! and booleans count as filled. Optionally the summary's sentence count must
//! lie in `summary_sentences`.
//!
//! ## Why it matters
//! `sentimentArc`, `toolsUsed` and `attemptedResolutions` are the fields teams
//! skip most, and exactly the ones that stop the human from repeating work.
//!
//! ## Example
//! ```yaml
//! - package_complete:
//!     required: [customer.id, intent.primary, summary, sentimentArc, toolsUsed,
//!                attemptedResolutions, escalationReason.trigger, suggestedNextAction]
//!     summary_sentences: { min: 3, max: 5 }
//! ```
//!
//! ## Outcomes
//! No package: fail (`if_missing: na` to skip). Any missing, empty or
//! mistyped field: fail, naming each; except an empty list the conversation
//! before the package gave nothing to hold: `sentimentArc` when no customer
//! turn carries a sentiment, `toolsUsed` when no tool was called,
//! `attemptedResolutions` when the AI made no `offer` and called no tool
//! that acts on the case (one whose name has a remedy verb: `reset_`,
//! `reboot_`, `resend_`, `refund_`, `cancel_`, `rebook_` ...; lookups,
//! verification and filing a claim are no attempt). Otherwise pass.

use serde::Deserialize;
use serde_json::Value;

use super::text::sentence_count;
use super::{Evidence, Outcome};
use crate::trace::{Conversation, EventKind, OfferBy, Speaker};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PackageComplete {
    #[serde(default = "default_required")]
    pub required: Vec<String>,
    pub summary_sentences: Option<Range>,
    #[serde(default)]
    pub if_missing: IfMissing,
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Range {
    pub min: Option<usize>,
    pub max: Option<usize>,
}

#[derive(Debug, Clone, Copy, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IfMissing {
    #[default]
    Fail,
    Na,
}

/// Every field of the `HandoffContext` that a human needs.
pub const FULL_PACKAGE: &[&str] = &[
    "customer.id",
    "customer.verificationStatus",
    "intent.primary",
    "summary",
    "transcript",
    "sentimentArc",
    "toolsUsed",
    "attemptedResolutions",
    "escalationReason.trigger",
    "suggestedNextAction",
];

fn default_required() -> Vec<String> {
    FULL_PACKAGE.iter().map(|s| s.to_string()).collect()
}

fn is_filled(value: &Value) -> bool {
    match value {
        Value::Null => false,
        Value::String(s) => !s.trim().is_empty(),
        Value::Array(items) => !items.is_empty(),
        Value::Object(map) => map.values().any(is_filled),
        Value::Bool(_) | Value::Number(_) => true,
    }
}

/// Whether a tool's name says it tried a remedy rather than looked
/// something up: one of its words (split at `_`, `-` and case changes) is a
/// remedy verb ("remote_reboot_ont", "regenerateToken", "freeze_card").
fn acts_on_the_case(tool: &str) -> bool {
    const REMEDIES: &[&str] = &[
        "reset",
        "reboot",
        "restart",
        "resend",
        "regenerate",
        "reissue",
        "retry",
        "refund",
        "credit",
        "cancel",
        "rebook",
        "reschedule",
        "replace",
        "repair",
        "unlock",
        "unblock",
        "reactivate",
        "activate",
        "waive",
        "adjust",
        "apply",
        "issue",
        "fix",
        "update",
        "change",
        "modify",
        "freeze",
        "unfreeze",
        "reverse",
        "void",
        "exchange",
        "upgrade",
        "downgrade",
        "pay",
        "charge",
        "troubleshoot",
        "contact",
        "reroute",
        "redeliver",
        "reconnect",
        "restore",
        "extend",
        "book",
        "offer",
        "compensate",
        "discount",
        "return",
    ];
    let mut words = Vec::new();
    let mut word = String::new();
    for c in tool.chars() {
        let boundary =
            c == '_' || c == '-' || c == '.' || c == ' ' || (c.is_uppercase() && !word.is_empty());
        if boundary && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        if c.is_alphanumeric() {
            word.extend(c.to_lowercase());
        }
    }
    words.push(word);
    words.iter().any(|w| REMEDIES.contains(&w.as_str()))
}

/// Whether an empty list at `path` is all the conversation before the
/// package (event `index`) could fill it with: a `sentimentArc` when no
/// customer turn carries a sentiment, `toolsUsed` when no tool was called.
/// A source that records no sentiment cannot have the package chart it.
fn nothing_to_record(path: &str, conversation: &Conversation, index: usize) -> bool {
    let before = &conversation.events[..index.min(conversation.events.len())];
    match path {
        "sentimentArc" => !before.iter().any(|event| {
            matches!(
                &event.kind,
                EventKind::Turn {
                    speaker: Speaker::Customer,
                    sentiment: Some(_),
                    ..
                }
            )
        }),
        "toolsUsed" => !before
            .iter()
            .any(|event| matches!(&event.kind, EventKind::ToolCall { .. })),
        "attemptedResolutions" => !before.iter().any(|event| match &event.kind {
            EventKind::Offer { by, .. } => matches!(by, OfferBy::Ai),
            EventKind::ToolCall { tool, .. } => acts_on_the_case(tool),
            _ => false,
        }),
        _ => false,
    }
}

impl PackageComplete {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        let (Some(index), Some(package)) = (conversation.facts.package, conversation.package())
        else {
            return match self.if_missing {
                IfMissing::Fail => Outcome::fail("no handoffPackage event"),
                IfMissing::Na => Outcome::na("no handoffPackage event"),
            };
        };
        let mut problems = Vec::new();
        for path in &self.required {
            match package.get(path) {
                None => problems.push(format!("{path} missing")),
                Some(Value::Array(items))
                    if items.is_empty() && nothing_to_record(path, conversation, index) => {}
                Some(value) if !is_filled(value) => problems.push(format!("{path} empty")),
                Some(_) => {}
            }
        }
        if let Some(range) = self.summary_sentences {
            match package.get("summary") {
                Some(Value::String(summary)) if !summary.trim().is_empty() => {
                    let n = sentence_count(summary);
                    let low = range.min.is_some_and(|min| n < min);
                    let high = range.max.is_some_and(|max| n > max);
                    if low || high {
                        problems.push(format!(
                            "summary has {n} sentence(s), expected {}-{}",
                            range.min.map_or("0".into(), |m| m.to_string()),
                            range.max.map_or("any".into(), |m| m.to_string()),
                        ));
                    }
                }
                Some(Value::String(_)) | None => {
                    if !self.required.iter().any(|p| p == "summary") {
                        problems.push("summary missing".to_string());
                    }
                }
                Some(other) => problems.push(format!(
                    "summary is {}, not text",
                    crate::trace::json_type_name(other)
                )),
            }
        }
        let evidence = Evidence::event(conversation, index);
        if problems.is_empty() {
            Outcome::pass(format!(
                "all {} required fields filled",
                self.required.len()
            ))
            .with(evidence)
        } else {
            let listed = problems.join(", ");
            Outcome::fail(listed.clone()).with(evidence.matched(listed))
        }
    }
}

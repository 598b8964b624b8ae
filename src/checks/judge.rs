//! `judge`: an LLM judges what rules cannot, from a prompt template.
//!
//! ## What it does
//! Renders `prompt` (a minijinja template in a file beside the rubric, see
//! [`crate::judge::prompt`]) over the conversation, asks the configured
//! judge for a reply constrained to the `scale`, and maps the reply to a
//! verdict; the judge's reasoning becomes the evidence.
//!
//! ## Why it matters
//! "Just to confirm, what's the name on the account?" is re-verification in
//! other words; whether the human really followed the suggested action, or
//! the summary says only what happened, takes understanding.
//!
//! ## Example
//! ```yaml
//! - judge:
//!     prompt: prompts/reverification.md.j2
//!     scale: pass_fail                       # or { score: [1, 5], pass_at: 4 }
//!                                            # or { choices: { yes: 1, partly: 0.5, no: 0 }, pass_at: 0.5 }
//!     allow_na: true
//!     run: when_rules_pass                   # always | never | when_rules_pass | when_rules_inconclusive
//! ```
//!
//! ## Outcomes
//! No judge configured, a transport failure, a timeout, an unparseable reply
//! or a verdict outside the scale: unscored, with the reason. `run` decides
//! whether the judge is asked at all, from the dimension's rule checks:
//! `when_rules_pass` asks only when no rule check failed (the rules saw
//! nothing), `when_rules_inconclusive` only when no rule check was scored.

use std::sync::Arc;

use serde::Deserialize;

use super::{Outcome, Status};
use crate::judge::prompt::Prompt;
use crate::judge::verdict::Scale;

#[derive(Clone)]
pub struct JudgeCheck {
    pub prompt: Arc<Prompt>,
    /// The template's path as the rubric wrote it.
    pub prompt_path: String,
    pub scale: Scale,
    pub allow_na: bool,
    pub run: RunPolicy,
}

impl std::fmt::Debug for JudgeCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JudgeCheck")
            .field("prompt", &self.prompt_path)
            .field("scale", &self.scale)
            .field("allow_na", &self.allow_na)
            .field("run", &self.run)
            .finish()
    }
}

/// When the judge is asked, given the dimension's rule checks.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunPolicy {
    #[default]
    Always,
    Never,
    WhenRulesPass,
    WhenRulesInconclusive,
}

impl RunPolicy {
    /// `Some(reason)` when the judge is not to be asked.
    pub fn skip(self, rule_statuses: impl IntoIterator<Item = Status>) -> Option<&'static str> {
        let (mut failed, mut scored) = (false, false);
        for status in rule_statuses {
            failed |= status == Status::Fail;
            scored |= matches!(status, Status::Pass | Status::Fail);
        }
        match self {
            RunPolicy::Always => None,
            RunPolicy::Never => Some("the judge is set to never run here"),
            RunPolicy::WhenRulesPass if failed => Some("the rule checks already failed"),
            RunPolicy::WhenRulesInconclusive if scored => Some("the rule checks decided"),
            RunPolicy::WhenRulesPass | RunPolicy::WhenRulesInconclusive => None,
        }
    }
}

/// The parameters as written in the rubric; the loader compiles the prompt.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgeParams {
    pub prompt: String,
    #[serde(default = "pass_fail", deserialize_with = "scale")]
    pub scale: Scale,
    #[serde(default)]
    pub allow_na: bool,
    #[serde(default)]
    pub run: RunPolicy,
}

fn pass_fail() -> Scale {
    Scale::PassFail
}

const SCALE_FORMS: &str = "`pass_fail`, `{ score: [1, 5], pass_at: 4 }` or `{ choices: { yes: 1, no: 0 }, pass_at: 0.5 }`";

/// `pass_fail`, a score range with a pass mark, or scored choices.
fn scale<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Scale, D::Error> {
    use serde::de::Error;
    use serde_json::Value;
    let value = Value::deserialize(deserializer)?;
    let fail = |what: String| D::Error::custom(format!("{what}; expected {SCALE_FORMS}"));
    match &value {
        Value::String(name) if name == "pass_fail" => Ok(Scale::PassFail),
        Value::Object(map) if map.contains_key("score") => {
            let range = map["score"].as_array().filter(|r| r.len() == 2);
            let bounds = range.and_then(|r| Some((r[0].as_i64()?, r[1].as_i64()?)));
            let pass_at = map.get("pass_at").and_then(Value::as_i64);
            match (bounds, pass_at, map.len()) {
                (Some((min, max)), Some(pass_at), 2)
                    if min < max && (min..=max).contains(&pass_at) =>
                {
                    Ok(Scale::Score { min, max, pass_at })
                }
                _ => Err(fail(format!("invalid score scale {value}"))),
            }
        }
        Value::Object(map) if map.contains_key("choices") => {
            let choices: Option<Vec<(String, f64)>> = map["choices"].as_object().map(|c| {
                c.iter()
                    .filter_map(|(name, score)| Some((name.clone(), score.as_f64()?)))
                    .collect()
            });
            let pass_at = map.get("pass_at").and_then(Value::as_f64);
            match (choices, pass_at, map.len()) {
                (Some(choices), Some(pass_at), 2)
                    if choices.len() >= 2
                        && choices.len() == map["choices"].as_object().map_or(0, |c| c.len())
                        && choices.iter().all(|(_, s)| (0.0..=1.0).contains(s)) =>
                {
                    Ok(Scale::Choice { choices, pass_at })
                }
                _ => Err(fail(format!("invalid choice scale {value}"))),
            }
        }
        other => Err(fail(format!("unknown scale {other}"))),
    }
}

impl JudgeCheck {
    /// A judge check evaluated without a judge (nested where the run cannot
    /// reach it): unscored, never a pass.
    pub fn evaluate_without_judge(&self) -> Outcome {
        Outcome::unscored("the judge is not reachable from here")
    }
}

//! Judge replies -> verdicts.
//!
//! The judge is asked for `{"verdict": ..., "reasoning": "..."}` under a JSON
//! schema ([`Scale::response_schema`]). Parsing accepts that object as it
//! stands, or found inside a code fence or surrounding prose. A verdict
//! outside the scale, a missing field, or no JSON at all is an error whose
//! text becomes the unscored reason.

use serde::Deserialize;
use serde_json::{Value, json};

use crate::checks::Status;

/// What the judge may answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Scale {
    /// `pass` or `fail`.
    PassFail,
    /// An integer from `min` to `max`; `pass_at` or more passes.
    Score { min: i64, max: i64, pass_at: i64 },
    /// One of named choices, each with a score in [0, 1]; `pass_at` or more passes.
    Choice {
        choices: Vec<(String, f64)>,
        pass_at: f64,
    },
}

/// A parsed judge verdict.
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    pub status: Status,
    /// The verdict as the judge gave it (`pass`, `4`, `partly`, `na`).
    pub label: String,
    /// Normalised to [0, 1] where the scale has an order.
    pub score: Option<f64>,
    pub reasoning: String,
}

const NOT_APPLICABLE: &str = "na";

impl Scale {
    /// The verdicts the judge may give, as JSON values.
    fn allowed(&self, allow_na: bool) -> Vec<Value> {
        let mut allowed: Vec<Value> = match self {
            Scale::PassFail => vec![json!("pass"), json!("fail")],
            Scale::Score { min, max, .. } => (*min..=*max).map(|n| json!(n)).collect(),
            Scale::Choice { choices, .. } => choices.iter().map(|(c, _)| json!(c)).collect(),
        };
        if allow_na {
            allowed.push(json!(NOT_APPLICABLE));
        }
        allowed
    }

    /// The JSON schema of a reply, for structured output.
    pub fn response_schema(&self, allow_na: bool) -> Value {
        json!({
            "type": "object",
            "properties": {
                "reasoning": {"type": "string"},
                "verdict": {"enum": self.allowed(allow_na)},
            },
            "required": ["reasoning", "verdict"],
            "additionalProperties": false,
        })
    }

    /// Words for the prompt: what to answer.
    pub fn describe(&self, allow_na: bool) -> String {
        let allowed: Vec<String> = self
            .allowed(allow_na)
            .iter()
            .map(Value::to_string)
            .collect();
        format!("one of {}", allowed.join(", "))
    }

    fn judge(
        &self,
        verdict: &Value,
        allow_na: bool,
    ) -> Result<(Status, String, Option<f64>), String> {
        let text = match verdict {
            Value::String(s) => s.trim().to_lowercase(),
            Value::Number(n) => n.to_string(),
            other => return Err(format!("verdict is not a string or number: {other}")),
        };
        if allow_na
            && matches!(
                text.as_str(),
                "na" | "n/a" | "not_applicable" | "not applicable"
            )
        {
            return Ok((Status::Na, NOT_APPLICABLE.to_string(), None));
        }
        let outside = || format!("verdict `{text}` is not {}", self.describe(allow_na));
        match self {
            Scale::PassFail => match text.as_str() {
                "pass" => Ok((Status::Pass, text, Some(1.0))),
                "fail" => Ok((Status::Fail, text, Some(0.0))),
                _ => Err(outside()),
            },
            Scale::Score { min, max, pass_at } => {
                let n: i64 = text.parse().map_err(|_| outside())?;
                if n < *min || n > *max {
                    return Err(outside());
                }
                let score = (n - min) as f64 / (max - min).max(1) as f64;
                let status = if n >= *pass_at {
                    Status::Pass
                } else {
                    Status::Fail
                };
                Ok((status, text, Some(score)))
            }
            Scale::Choice { choices, pass_at } => {
                let (name, score) = choices
                    .iter()
                    .find(|(name, _)| name.to_lowercase() == text)
                    .ok_or_else(outside)?;
                let status = if *score >= *pass_at {
                    Status::Pass
                } else {
                    Status::Fail
                };
                Ok((status, name.clone(), Some(*score)))
            }
        }
    }
}

#[derive(Deserialize)]
struct Reply {
    verdict: Value,
    #[serde(default)]
    reasoning: Option<String>,
}

/// Longest piece of a bad reply quoted in an unscored reason.
const QUOTED: usize = 120;

fn quote(text: &str) -> String {
    let mut end = text.len().min(QUOTED);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let more = if end < text.len() { "…" } else { "" };
    format!("{}{more}", &text[..end])
}

/// The first balanced `{...}` in a text, for replies wrapped in prose or
/// code fences. Braces inside JSON strings are skipped.
fn embedded_object(text: &str) -> Option<&str> {
    let start = text.find('{')?;
    let mut depth = 0usize;
    let mut in_string = false;
    let mut escaped = false;
    for (offset, c) in text[start..].char_indices() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => in_string = false,
                _ => {}
            }
            continue;
        }
        match c {
            '"' => in_string = true,
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(&text[start..start + offset + 1]);
                }
            }
            _ => {}
        }
    }
    None
}

/// Parses a judge's reply. `Err` is the reason the check is unscored.
pub fn parse_reply(content: &str, scale: &Scale, allow_na: bool) -> Result<Verdict, String> {
    let trimmed = content.trim();
    if trimmed.is_empty() {
        return Err("the judge returned an empty reply".to_string());
    }
    let reply: Reply = match serde_json::from_str(trimmed) {
        Ok(reply) => reply,
        Err(strict) => {
            let embedded = embedded_object(trimmed).ok_or_else(|| {
                format!("the reply is not JSON ({strict}): \"{}\"", quote(trimmed))
            })?;
            serde_json::from_str(embedded).map_err(|err| {
                format!(
                    "the reply has no verdict object ({err}): \"{}\"",
                    quote(trimmed)
                )
            })?
        }
    };
    let (status, label, score) = scale.judge(&reply.verdict, allow_na)?;
    Ok(Verdict {
        status,
        label,
        score,
        reasoning: reply.reasoning.unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass_fail(content: &str) -> Result<Verdict, String> {
        parse_reply(content, &Scale::PassFail, false)
    }

    #[test]
    fn strict_json_is_read_as_is() {
        let verdict = pass_fail(
            r#"{"reasoning": "Greeted by name and named the refund.", "verdict": "pass"}"#,
        )
        .unwrap();
        assert_eq!(verdict.status, Status::Pass);
        assert_eq!(verdict.reasoning, "Greeted by name and named the refund.");
    }

    #[test]
    fn json_in_fences_or_prose_is_found() {
        let fenced = "Here is my answer:\n```json\n{\"verdict\": \"FAIL\", \"reasoning\": \"asked for the account number {again}\"}\n```";
        let verdict = pass_fail(fenced).unwrap();
        assert_eq!(
            (verdict.status, verdict.label.as_str()),
            (Status::Fail, "fail")
        );
        assert_eq!(verdict.reasoning, "asked for the account number {again}");
    }

    #[test]
    fn anything_else_is_unscored_with_its_reason() {
        let outside = pass_fail(r#"{"verdict": "probably", "reasoning": "unsure"}"#).unwrap_err();
        assert!(
            outside.contains("verdict `probably` is not one of \"pass\", \"fail\""),
            "{outside}"
        );
        let prose = pass_fail("I think the human did fine.").unwrap_err();
        assert!(prose.starts_with("the reply is not JSON"), "{prose}");
        let shape = pass_fail(r#"{"answer": "pass"}"#).unwrap_err();
        assert!(shape.contains("missing field `verdict`"), "{shape}");
        assert!(pass_fail("   ").unwrap_err().contains("empty"));
        // "na" is a verdict only where the check allows it.
        assert!(pass_fail(r#"{"verdict": "na"}"#).is_err());
        let na = parse_reply(
            r#"{"verdict": "N/A", "reasoning": "no human"}"#,
            &Scale::PassFail,
            true,
        )
        .unwrap();
        assert_eq!(na.status, Status::Na);
    }

    #[test]
    fn scores_and_choices_map_to_pass_and_fail() {
        let scale = Scale::Score {
            min: 1,
            max: 5,
            pass_at: 4,
        };
        let four = parse_reply(r#"{"verdict": 4, "reasoning": ""}"#, &scale, false).unwrap();
        assert_eq!((four.status, four.score), (Status::Pass, Some(0.75)));
        let three = parse_reply(r#"{"verdict": "3", "reasoning": ""}"#, &scale, false).unwrap();
        assert_eq!(three.status, Status::Fail);
        assert!(parse_reply(r#"{"verdict": 6}"#, &scale, false).is_err());
        assert!(parse_reply(r#"{"verdict": 4.5}"#, &scale, false).is_err());
        let choice = Scale::Choice {
            choices: vec![
                ("yes".into(), 1.0),
                ("partly".into(), 0.5),
                ("no".into(), 0.0),
            ],
            pass_at: 0.5,
        };
        let partly =
            parse_reply(r#"{"verdict": "Partly", "reasoning": ""}"#, &choice, false).unwrap();
        assert_eq!(
            (partly.status, partly.label.as_str()),
            (Status::Pass, "partly")
        );
        assert_eq!(
            parse_reply(r#"{"verdict": "no"}"#, &choice, false)
                .unwrap()
                .status,
            Status::Fail
        );
    }

    #[test]
    fn the_schema_lists_exactly_the_allowed_verdicts() {
        let schema = Scale::Score {
            min: 1,
            max: 3,
            pass_at: 2,
        }
        .response_schema(true);
        assert_eq!(
            schema["properties"]["verdict"]["enum"],
            json!([1, 2, 3, "na"])
        );
        assert_eq!(schema["additionalProperties"], json!(false));
    }
}

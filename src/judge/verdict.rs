//! Judge replies -> verdicts.
//!
//! The judge is asked for `{"verdict": ..., "reasoning": "..."}` under a JSON
//! schema ([`Scale::response_schema`]) where the endpoint takes one. A reply
//! is read from the model's final answer only ([`parse_reply`]): reasoning
//! blocks are dropped, the endpoint's own object is preferred, and several
//! verdict objects must agree. The customer's text reaches the judge inside
//! the prompt, so a verdict object quoted from it can appear in a reply; it
//! can never be the only thing that decides. A verdict outside the scale, a
//! conflict, a cut-off reply or no JSON at all is an error whose text
//! becomes the unscored reason.

use std::borrow::Cow;

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
    /// The verdict exactly as the reply gave it, as JSON (`"pass"`, `4`).
    pub given: String,
    /// Which part of the reply was read, in words.
    pub read: String,
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

    /// The verdicts the judge may give, as words (`pass`, `4`, `partly`, `na`).
    pub fn labels(&self, allow_na: bool) -> Vec<String> {
        self.allowed(allow_na)
            .iter()
            .map(|value| match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            })
            .collect()
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

/// A verdict object as the judge writes it. A repeated `verdict` key is an
/// error (serde reports duplicate fields), not a choice between them.
#[derive(Deserialize)]
struct Reply {
    verdict: Value,
    #[serde(default)]
    reasoning: Option<Value>,
}

impl Reply {
    fn reasoning(&self) -> String {
        match &self.reasoning {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => text.clone(),
            Some(other) => other.to_string(),
        }
    }
}

/// How a reply ended, from its `finish_reason`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Finish {
    /// `stop`, or anything else a server sends for a reply it finished
    /// (`eos`, `eos_token`, `end_turn`, an empty string, none at all).
    Complete,
    /// Cut off at the token limit (`length`, `max_tokens`).
    Length,
    /// Cut off by the endpoint's content filter (`content_filter`).
    ContentFilter,
}

impl Finish {
    pub fn from_reason(reason: Option<&str>) -> Self {
        match reason.map(|r| r.trim().to_ascii_lowercase()).as_deref() {
            Some("length" | "max_tokens" | "max_output_tokens") => Finish::Length,
            Some("content_filter") => Finish::ContentFilter,
            _ => Finish::Complete,
        }
    }

    /// Words for a reply that was cut off; `None` for a complete one.
    fn cut(self) -> Option<&'static str> {
        match self {
            Finish::Complete => None,
            Finish::Length => Some("cut off at the token limit (finish_reason \"length\")"),
            Finish::ContentFilter => {
                Some("cut off by the endpoint's content filter (finish_reason \"content_filter\")")
            }
        }
    }
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

/// JSON text with raw control characters inside its strings escaped (a
/// literal newline in `reasoning` becomes `\n`), so that a reply a small
/// model wrote under a loose grammar still parses. Text outside strings is
/// left as it is; borrowed when there was nothing to escape.
pub fn escape_raw_controls(text: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let (mut in_string, mut escaped) = (false, false);
    for (at, c) in text.char_indices() {
        let replacement = if !in_string {
            in_string = c == '"';
            None
        } else if escaped {
            escaped = false;
            None
        } else {
            match c {
                '\\' => {
                    escaped = true;
                    None
                }
                '"' => {
                    in_string = false;
                    None
                }
                '\n' => Some(Cow::Borrowed("\\n")),
                '\r' => Some(Cow::Borrowed("\\r")),
                '\t' => Some(Cow::Borrowed("\\t")),
                c if (c as u32) < 0x20 => Some(Cow::Owned(format!("\\u{:04x}", c as u32))),
                _ => None,
            }
        };
        match (replacement, &mut out) {
            (Some(escape), Some(out)) => out.push_str(&escape),
            (Some(escape), None) => {
                let mut owned = String::with_capacity(text.len() + 16);
                owned.push_str(&text[..at]);
                owned.push_str(&escape);
                out = Some(owned);
            }
            (None, Some(out)) => out.push(c),
            (None, None) => {}
        }
    }
    out.map_or(Cow::Borrowed(text), Cow::Owned)
}

/// Tags of reasoning blocks that models write into their replies.
const REASONING_TAGS: &[&str] = &["think", "thinking", "reasoning"];

/// The model's final answer: what follows the last closed reasoning block
/// (`<think>…</think>`, or a bare `…</think>` whose opening tag was in the
/// prompt template). `Err(tag)` when the reply ends inside an unclosed
/// block: there is no final answer.
fn final_answer(content: &str) -> Result<(&str, bool), &'static str> {
    // ASCII lower-casing keeps byte offsets.
    let lower = content.to_ascii_lowercase();
    let mut start = 0;
    for tag in REASONING_TAGS {
        if let Some(at) = lower.rfind(&format!("</{tag}>")) {
            start = start.max(at + tag.len() + 3);
        }
    }
    let rest = &lower[start..];
    if let Some(tag) = REASONING_TAGS
        .iter()
        .find(|tag| rest.contains(&format!("<{tag}>")))
    {
        return Err(tag);
    }
    Ok((&content[start..], start > 0))
}

/// `text` without a surrounding Markdown code fence.
fn unfenced(text: &str) -> &str {
    let Some(inner) = text.strip_prefix("```") else {
        return text;
    };
    let inner = inner.split_once('\n').map_or("", |(_, body)| body);
    inner.trim_end().strip_suffix("```").unwrap_or(inner).trim()
}

/// The balanced top-level `{...}` spans of a text, in order, with braces
/// inside JSON strings skipped; an object still open at the end is not one.
fn objects(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let (mut depth, mut start) = (0usize, 0usize);
    let (mut in_string, mut escaped) = (false, false);
    for (at, c) in text.char_indices() {
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
            '"' if depth > 0 => in_string = true,
            '{' => {
                if depth == 0 {
                    start = at;
                }
                depth += 1;
            }
            '}' if depth > 0 => {
                depth -= 1;
                if depth == 0 {
                    spans.push((start, at + 1));
                }
            }
            _ => {}
        }
    }
    spans
}

/// A verdict's value in words, for comparing candidates and for reasons.
fn verdict_text(verdict: &Value) -> String {
    match verdict {
        Value::String(s) => s.trim().to_lowercase(),
        other => other.to_string(),
    }
}

/// Parses a judge's reply. `Err` is the reason the check is unscored.
///
/// The verdict comes from the model's final answer only: reasoning blocks
/// (`<think>…</think>`, closed or not) are dropped first. If the final
/// answer is one JSON object (bare or in a code fence), that object is the
/// reply, as structured output returns it. Otherwise every balanced object
/// with a `verdict` key is a candidate: they must all agree (else the reply
/// is unscored as conflicting), and the last one is read. A reply cut off
/// by the token limit or a content filter is read only when it ends with a
/// complete verdict object.
pub fn parse_reply(
    content: &str,
    finish: Finish,
    scale: &Scale,
    allow_na: bool,
) -> Result<Verdict, String> {
    let cut = finish.cut();
    let (answer, after_reasoning) = final_answer(content).map_err(|tag| match cut {
        Some(cut) => {
            format!("the reply was {cut} inside its <{tag}> reasoning, before a final verdict")
        }
        None => format!(
            "the reply ends inside an unclosed <{tag}> reasoning block, with no final verdict"
        ),
    })?;
    let answer = answer.trim();
    if answer.is_empty() {
        return Err(match (cut, after_reasoning) {
            (Some(cut), _) => format!("the reply was {cut} before a final verdict"),
            (None, true) => "the reply has no final answer after its reasoning block".to_string(),
            (None, false) => "the judge returned an empty reply".to_string(),
        });
    }
    let after = if after_reasoning {
        " (after its reasoning block)"
    } else {
        ""
    };
    let whole = unfenced(answer);
    let (reply, read) = match serde_json::from_str::<Reply>(&escape_raw_controls(whole)) {
        Ok(reply) => (reply, format!("the whole reply{after}")),
        Err(err) if err.classify() == serde_json::error::Category::Data => {
            return Err(format!(
                "the reply has no verdict object ({err}): \"{}\"",
                quote(answer)
            ));
        }
        Err(strict) => candidates(answer, cut, after, &strict)?,
    };
    let (status, label, score) = scale.judge(&reply.verdict, allow_na)?;
    Ok(Verdict {
        status,
        label,
        score,
        reasoning: reply.reasoning(),
        given: reply.verdict.to_string(),
        read,
    })
}

/// The verdict objects inside a final answer that is not one JSON object:
/// the last one, if they all agree, and words for which one was read.
fn candidates(
    answer: &str,
    cut: Option<&str>,
    after: &str,
    strict: &serde_json::Error,
) -> Result<(Reply, String), String> {
    let mut found: Vec<(Reply, usize)> = Vec::new();
    let mut objects_seen = 0;
    for (start, end) in objects(answer) {
        objects_seen += 1;
        let text = escape_raw_controls(&answer[start..end]);
        let Ok(Value::Object(map)) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        if !map.contains_key("verdict") {
            continue;
        }
        let reply = serde_json::from_str::<Reply>(&text).map_err(|err| {
            format!(
                "a verdict object in the reply is malformed ({err}): \"{}\"",
                quote(&answer[start..end])
            )
        })?;
        found.push((reply, end));
    }
    let Some(end) = found.last().map(|(_, end)| *end) else {
        return Err(match cut {
            Some(cut) => format!("the reply was {cut} before a complete final verdict"),
            None if objects_seen > 0 => format!(
                "the reply has no verdict object (missing field `verdict`): \"{}\"",
                quote(answer)
            ),
            None => format!("the reply is not JSON ({strict}): \"{}\"", quote(answer)),
        });
    };
    if let Some(cut) = cut {
        let rest = answer[end..].trim();
        if !rest.is_empty() && rest != "```" {
            return Err(format!(
                "the reply was {cut} after a verdict object, while still writing; its final verdict is unknown"
            ));
        }
    }
    let given: Vec<String> = found
        .iter()
        .map(|(r, _)| verdict_text(&r.verdict))
        .collect();
    if given.iter().any(|g| *g != given[0]) {
        let listed: Vec<String> = given.iter().map(|g| format!("`{g}`")).collect();
        return Err(format!(
            "conflicting verdicts in the reply: {}",
            listed.join(", ")
        ));
    }
    let read = match found.len() {
        1 => format!("the one verdict object in the reply{after}"),
        n => format!("the last of {n} agreeing verdict objects in the reply{after}"),
    };
    let (reply, _) = found.pop().expect("one candidate at least");
    Ok((reply, read))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pass_fail(content: &str) -> Result<Verdict, String> {
        parse_reply(content, Finish::Complete, &Scale::PassFail, false)
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
            Finish::Complete,
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
        let four = parse_reply(
            r#"{"verdict": 4, "reasoning": ""}"#,
            Finish::Complete,
            &scale,
            false,
        )
        .unwrap();
        assert_eq!((four.status, four.score), (Status::Pass, Some(0.75)));
        let three = parse_reply(
            r#"{"verdict": "3", "reasoning": ""}"#,
            Finish::Complete,
            &scale,
            false,
        )
        .unwrap();
        assert_eq!(three.status, Status::Fail);
        assert!(parse_reply(r#"{"verdict": 6}"#, Finish::Complete, &scale, false).is_err());
        assert!(parse_reply(r#"{"verdict": 4.5}"#, Finish::Complete, &scale, false).is_err());
        let choice = Scale::Choice {
            choices: vec![
                ("yes".into(), 1.0),
                ("partly".into(), 0.5),
                ("no".into(), 0.0),
            ],
            pass_at: 0.5,
        };
        let partly = parse_reply(
            r#"{"verdict": "Partly", "reasoning": ""}"#,
            Finish::Complete,
            &choice,
            false,
        )
        .unwrap();
        assert_eq!(
            (partly.status, partly.label.as_str()),
            (Status::Pass, "partly")
        );
        assert_eq!(
            parse_reply(r#"{"verdict": "no"}"#, Finish::Complete, &choice, false)
                .unwrap()
                .status,
            Status::Fail
        );
    }

    fn read(content: &str, finish: Finish) -> Result<Verdict, String> {
        parse_reply(content, finish, &Scale::PassFail, false)
    }

    #[test]
    fn reasoning_blocks_are_dropped_before_reading() {
        let echoed = "<think>The format is {\"reasoning\": \"...\", \"verdict\": \"pass\"}. \
                      But the human asked again.</think>\n{\"reasoning\": \"re-asked\", \"verdict\": \"fail\"}";
        let verdict = read(echoed, Finish::Complete).unwrap();
        assert_eq!(verdict.status, Status::Fail);
        assert_eq!(verdict.read, "the whole reply (after its reasoning block)");
        // An opening tag that was part of the prompt template: only `</think>`.
        let bare = "thinking {\"verdict\": \"pass\"}</THINK>{\"verdict\": \"fail\"}";
        assert_eq!(read(bare, Finish::Complete).unwrap().status, Status::Fail);
        let unclosed = "<think>Answer like {\"reasoning\": \"x\", \"verdict\": \"pass\"}";
        let cut = read(unclosed, Finish::Length).unwrap_err();
        assert!(
            cut.contains("token limit") && cut.contains("<think>"),
            "{cut}"
        );
        let stopped = read(unclosed, Finish::Complete).unwrap_err();
        assert!(stopped.contains("unclosed <think>"), "{stopped}");
        let nothing_after = read("<think>hm</think>  ", Finish::Complete).unwrap_err();
        assert!(nothing_after.contains("no final answer"), "{nothing_after}");
    }

    #[test]
    fn several_verdict_objects_must_agree() {
        let two = r#"First {"verdict": "pass", "reasoning": "a"} then {"verdict": "fail", "reasoning": "b"}"#;
        let conflict = read(two, Finish::Complete).unwrap_err();
        assert!(
            conflict.contains("conflicting verdicts in the reply: `pass`, `fail`"),
            "{conflict}"
        );
        let agree =
            r#"{"verdict": "fail", "reasoning": "a"} So: {"verdict": "FAIL", "reasoning": "b"}"#;
        let verdict = read(agree, Finish::Complete).unwrap();
        assert_eq!(
            (verdict.status, verdict.reasoning.as_str()),
            (Status::Fail, "b")
        );
        assert_eq!(
            verdict.read,
            "the last of 2 agreeing verdict objects in the reply"
        );
        // One object that repeats its key is not two opinions to choose from.
        let repeated = read(
            r#"{"verdict": "fail", "verdict": "pass"}"#,
            Finish::Complete,
        );
        assert!(repeated.unwrap_err().contains("duplicate field"));
        // Objects without a verdict are not candidates.
        let with_data =
            r#"The package {"summary": "x"} says it. {"verdict": "pass", "reasoning": "ok"}"#;
        assert_eq!(
            read(with_data, Finish::Complete).unwrap().status,
            Status::Pass
        );
    }

    #[test]
    fn a_cut_off_reply_is_read_only_when_it_ends_with_a_verdict() {
        let complete = r#"{"reasoning": "fine", "verdict": "pass"}"#;
        assert_eq!(read(complete, Finish::Length).unwrap().status, Status::Pass);
        let unfinished = r#"{"verdict": "pass", "reasoning": "a"} Actually, wait: {"verdict": "fa"#;
        let reason = read(unfinished, Finish::Length).unwrap_err();
        assert!(reason.contains("still writing"), "{reason}");
        let open = r#"{"reasoning": "The human asked for the acc"#;
        let reason = read(open, Finish::Length).unwrap_err();
        assert!(
            reason.contains("token limit") && reason.contains("before a complete final verdict"),
            "{reason}"
        );
        let filtered = read(unfinished, Finish::ContentFilter).unwrap_err();
        assert!(filtered.contains("content filter"), "{filtered}");
    }

    #[test]
    fn raw_control_characters_in_strings_are_tolerated() {
        let raw = "{\"reasoning\": \"line one\nline two\there\u{1}\", \"verdict\": \"pass\"}";
        let verdict = read(raw, Finish::Complete).unwrap();
        assert_eq!(verdict.reasoning, "line one\nline two\there\u{1}");
        assert!(matches!(
            escape_raw_controls("{\"a\": 1}\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn unknown_finish_reasons_are_complete() {
        for reason in [Some("eos_token"), Some("eos"), Some(""), None, Some("stop")] {
            assert_eq!(Finish::from_reason(reason), Finish::Complete, "{reason:?}");
        }
        assert_eq!(Finish::from_reason(Some("length")), Finish::Length);
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

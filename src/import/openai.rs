//! Chat-completions message arrays.
//!
//! A `.jsonl` file holds one conversation per line, a `.json` file one
//! conversation or a list of them. A conversation is a list of messages, or
//! an object with `messages` and, optionally, `id`, `model` or
//! `agent_version`, `scenario_id`, `customer_id`, `channel`, `metadata` (an
//! object of strings), `started_at`, `ended_at`. Each message may carry a
//! time in `timestamp`, `created_at` or `at` (RFC 3339, or Unix time in
//! seconds, milliseconds, microseconds or nanoseconds, told by its size); a
//! time that is none of these rejects the conversation with its path.
//!
//! An assistant reply with no `content` is its `audio.transcript` (an audio
//! reply) or its `refusal`. Content parts without text (images, files) are
//! counted in the import block's `partsSkipped`.

use std::path::Path;

use serde_json::{Map, Value};

use super::{
    Emit, Header, Message, Role, ToolCall, ai_side, arguments, build, content, each_json_value,
    is_jsonl, read_json, time_at,
};

pub fn import(path: &Path, emit: &mut Emit<'_>) -> std::io::Result<()> {
    let stem = Emit::file_stem(path);
    if is_jsonl(path) {
        return each_json_value(path, emit, |emit, found, value| {
            let default_id = match found.record.strip_prefix("line ") {
                Some(line) => format!("{stem}:{}", line.replace(", value ", ":")),
                None => format!("{stem}:{}", found.ordinal + 1),
            };
            let built = conversation(&value, &default_id, emit.options);
            emit.record(found.record.clone(), built)
        });
    }
    let Some(value) = read_json(path, emit)? else {
        return Ok(());
    };
    // A list of conversations, or one conversation (an object, or a list of messages).
    let many = matches!(&value, Value::Array(items)
        if items.first().is_some_and(|first| first.get("messages").is_some() || first.is_array()));
    if many {
        for (index, item) in value.as_array().into_iter().flatten().enumerate() {
            let built = conversation(item, &format!("{stem}:{index}"), emit.options);
            emit.record(format!("[{index}]"), built)?;
        }
    } else {
        let built = conversation(&value, &stem, emit.options);
        emit.record("file", built)?;
    }
    Ok(())
}

fn string(object: &Map<String, Value>, keys: &[&str]) -> Option<String> {
    keys.iter()
        .find_map(|key| object.get(*key).and_then(Value::as_str))
        .map(str::to_string)
}

fn conversation(
    value: &Value,
    default_id: &str,
    options: &super::Options,
) -> Result<Value, String> {
    let (object, list) = match value {
        Value::Array(list) => (Map::new(), list),
        Value::Object(object) => {
            let list = object
                .get("messages")
                .and_then(Value::as_array)
                .ok_or("expected a list of messages, or an object with `messages`")?;
            (object.clone(), list)
        }
        _ => return Err("expected a list of messages, or an object with `messages`".into()),
    };
    let messages = list
        .iter()
        .enumerate()
        .map(|(index, raw)| message(raw).map_err(|err| format!("messages[{index}]: {err}")))
        .collect::<Result<Vec<_>, String>>()?;
    let metadata = match object.get("metadata") {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), Value::from(text))
            })
            .collect(),
        _ => Map::new(),
    };
    let header = Header {
        conversation_id: string(&object, &["id", "conversation_id", "conversationId"])
            .unwrap_or_else(|| default_id.to_string()),
        agent_version: string(&object, &["agent_version", "agentVersion", "model"]),
        scenario_id: string(&object, &["scenario_id", "scenarioId"]),
        customer_id: string(&object, &["customer_id", "customerId", "user"]).or_else(|| {
            object
                .get("customer")
                .and_then(|c| c.get("id"))
                .and_then(Value::as_str)
                .map(str::to_string)
        }),
        channel: string(&object, &["channel"]),
        started_at: first_time(&object, &["started_at", "startedAt", "created"], "")?,
        ended_at: first_time(&object, &["ended_at", "endedAt"], "")?,
        metadata,
        source: "openai-messages",
        can_record: Some(ai_side()),
        ..Header::default()
    };
    build(header, messages, options)
}

/// The time under the first of `keys` that `object` has; an error naming
/// it when it is not a time.
fn first_time(
    object: &Map<String, Value>,
    keys: &[&str],
    prefix: &str,
) -> Result<Option<String>, String> {
    match keys
        .iter()
        .find(|key| object.get(**key).is_some_and(|v| !v.is_null()))
    {
        Some(key) => time_at(object.get(*key), &format!("{prefix}{key}")),
        None => Ok(None),
    }
}

fn message(raw: &Value) -> Result<Message, String> {
    let role = raw.get("role").and_then(Value::as_str).ok_or("no `role`")?;
    let role = Role::parse(role).ok_or_else(|| format!("unknown role `{role}`"))?;
    let mut tool_calls = Vec::new();
    for call in raw
        .get("tool_calls")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let function = call.get("function").unwrap_or(call);
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a tool call without a name")?;
        tool_calls.push(ToolCall {
            id: call.get("id").and_then(Value::as_str).map(str::to_string),
            name: name.to_string(),
            arguments: arguments(function.get("arguments").unwrap_or(&Value::Null)),
        });
    }
    // The legacy single `function_call`.
    if let Some(function) = raw.get("function_call") {
        let name = function
            .get("name")
            .and_then(Value::as_str)
            .ok_or("a function call without a name")?;
        tool_calls.push(ToolCall {
            id: None,
            name: name.to_string(),
            arguments: arguments(function.get("arguments").unwrap_or(&Value::Null)),
        });
    }
    let mut body = content(raw.get("content").unwrap_or(&Value::Null));
    // A reply given as audio, or a refusal, has no `content`: its
    // transcript or the refusal is what was said. Audio without a
    // transcript is counted: its words are not in the log.
    if body.text.is_none() {
        body.text = raw
            .pointer("/audio/transcript")
            .or_else(|| raw.get("refusal"))
            .and_then(Value::as_str)
            .filter(|text| !text.trim().is_empty())
            .map(str::to_string);
        if body.text.is_none() && raw.get("audio").is_some_and(|a| !a.is_null()) {
            body.skipped.push("audio without a transcript".to_string());
        }
    }
    let at = match raw.as_object() {
        Some(object) => first_time(object, &["timestamp", "created_at", "at"], "")?,
        None => None,
    };
    Ok(Message {
        role,
        text: body.text,
        tool_calls,
        tool_call_id: raw
            .get("tool_call_id")
            .and_then(Value::as_str)
            .map(str::to_string),
        at,
        skipped: body.skipped,
        ..Message::default()
    })
}

//! OTLP/JSON trace files (a `.json` export request, or `.jsonl` with one
//! request per line as the collector's file exporter writes) with
//! OpenTelemetry GenAI spans.
//!
//! - Spans are grouped into conversations by `gen_ai.conversation.id` (a
//!   span without one takes its trace's; a trace without any is one
//!   conversation).
//! - Messages, both conventions: the newer `gen_ai.input.messages` /
//!   `gen_ai.output.messages` span attributes (JSON, messages of `parts`),
//!   and the older per-message span events (`gen_ai.system.message`,
//!   `gen_ai.user.message`, `gen_ai.assistant.message`, `gen_ai.tool.message`,
//!   `gen_ai.choice`), whose body is in the event's attributes (`content`,
//!   `tool_calls`, `message` for a choice) or, as JSON, in
//!   `gen_ai.event.content`; a `content` that is a JSON list of content
//!   blocks is the text of its blocks. Each chat span repeats the history, so a span adds
//!   only the messages past those already seen: new input messages are timed
//!   at the span's start, its output at the span's end.
//! - `execute_tool` spans (`gen_ai.tool.name`, `gen_ai.tool.call.id`,
//!   `gen_ai.tool.call.arguments`, `gen_ai.tool.call.result`) add calls the
//!   chat spans do not show.
//! - A span event named `handoff.<type>` (`handoff.humanConnected`,
//!   `handoff.contextDelivered`, `handoff.turn`, ...) becomes a v1 `<type>`
//!   event at the event's time; its attributes `handoff.<key>` become the
//!   event's keys (JSON text is parsed, so `handoff.package` can carry the
//!   package).
//! - The import block: a conversation with `handoff.*` events can record
//!   any event type; one without records only the AI's side.
//! - Conversation fields from span or resource attributes: `handoff.agent_version`,
//!   else `service.name@service.version`, else the model; `handoff.customer.id`
//!   or `enduser.id`; `handoff.channel`; `handoff.scenario.id`.

use std::collections::HashMap;
use std::path::Path;

use serde_json::{Map, Value};

use super::{
    Emit, Header, Message, Role, ToolCall, ai_side, arguments, build, content, each_json_value,
    format_ms, is_jsonl, read_json,
};

/// One span, flattened.
struct Span {
    /// Where it is in the file, for errors.
    location: String,
    trace_id: String,
    attributes: Map<String, Value>,
    resource: Map<String, Value>,
    start_ns: i128,
    end_ns: i128,
    events: Vec<SpanEvent>,
}

struct SpanEvent {
    name: String,
    time_ns: Option<i128>,
    attributes: Map<String, Value>,
}

/// An OTLP `AnyValue` as plain JSON.
fn any_value(value: &Value) -> Value {
    let Some(object) = value.as_object() else {
        return value.clone();
    };
    if let Some(s) = object.get("stringValue") {
        return s.clone();
    }
    if let Some(i) = object.get("intValue") {
        return match i {
            Value::String(s) => s
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| i.clone()),
            other => other.clone(),
        };
    }
    if let Some(d) = object.get("doubleValue") {
        return d.clone();
    }
    if let Some(b) = object.get("boolValue") {
        return b.clone();
    }
    if let Some(array) = object.get("arrayValue") {
        let values = array.get("values").and_then(Value::as_array);
        return Value::Array(values.into_iter().flatten().map(any_value).collect());
    }
    if let Some(list) = object.get("kvlistValue") {
        return Value::Object(attributes(list.get("values").unwrap_or(&Value::Null)));
    }
    Value::Null
}

fn attributes(list: &Value) -> Map<String, Value> {
    list.as_array()
        .into_iter()
        .flatten()
        .filter_map(|kv| {
            let key = kv.get("key")?.as_str()?.to_string();
            Some((key, any_value(kv.get("value").unwrap_or(&Value::Null))))
        })
        .collect()
}

fn nanos(value: Option<&Value>) -> Option<i128> {
    match value? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n
            .as_i64()
            .map(i128::from)
            .or_else(|| n.as_f64().map(|f| f as i128)),
        _ => None,
    }
}

fn time(ns: i128) -> Option<String> {
    jiff::Timestamp::from_nanosecond(ns).ok().map(format_ms)
}

fn text(map: &Map<String, Value>, key: &str) -> Option<String> {
    map.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Reads the spans of one export request; a span that cannot be read is
/// reported and skipped.
fn spans(
    request: &Value,
    prefix: &str,
    emit: &mut Emit<'_>,
    out: &mut Vec<Span>,
) -> std::io::Result<()> {
    let Some(resource_spans) = request.get("resourceSpans").and_then(Value::as_array) else {
        return emit.reject(
            prefix.trim_end_matches('.').to_string(),
            "no `resourceSpans` list",
        );
    };
    for (r, resource_span) in resource_spans.iter().enumerate() {
        let resource = attributes(
            resource_span
                .pointer("/resource/attributes")
                .unwrap_or(&Value::Null),
        );
        let scopes = resource_span.get("scopeSpans").and_then(Value::as_array);
        for (s, scope) in scopes.into_iter().flatten().enumerate() {
            let list = scope.get("spans").and_then(Value::as_array);
            for (i, span) in list.into_iter().flatten().enumerate() {
                let location = format!("{prefix}resourceSpans[{r}].scopeSpans[{s}].spans[{i}]");
                let (Some(start_ns), Some(end_ns)) = (
                    nanos(span.get("startTimeUnixNano")),
                    nanos(span.get("endTimeUnixNano")),
                ) else {
                    emit.reject(location, "no startTimeUnixNano / endTimeUnixNano")?;
                    continue;
                };
                let events = span
                    .get("events")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .map(|event| SpanEvent {
                        name: event
                            .get("name")
                            .and_then(Value::as_str)
                            .unwrap_or_default()
                            .to_string(),
                        time_ns: nanos(event.get("timeUnixNano")),
                        attributes: attributes(event.get("attributes").unwrap_or(&Value::Null)),
                    })
                    .collect();
                out.push(Span {
                    location,
                    trace_id: span
                        .get("traceId")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_string(),
                    attributes: attributes(span.get("attributes").unwrap_or(&Value::Null)),
                    resource: resource.clone(),
                    start_ns,
                    end_ns,
                    events,
                });
            }
        }
    }
    Ok(())
}

pub fn import(path: &Path, emit: &mut Emit<'_>) -> std::io::Result<()> {
    let mut all = Vec::new();
    if is_jsonl(path) {
        each_json_value(path, emit, |emit, found, request| {
            spans(&request, &format!("{}: ", found.record), emit, &mut all)
        })?;
    } else if let Some(request) = read_json(path, emit)? {
        spans(&request, "", emit, &mut all)?;
    }
    // Conversation of each trace, from any of its spans that names one.
    let mut trace_conversation: HashMap<String, String> = HashMap::new();
    for span in &all {
        if let Some(id) = text(&span.attributes, "gen_ai.conversation.id") {
            trace_conversation
                .entry(span.trace_id.clone())
                .or_insert(id);
        }
    }
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<Span>> = HashMap::new();
    for span in all {
        let key = text(&span.attributes, "gen_ai.conversation.id")
            .or_else(|| trace_conversation.get(&span.trace_id).cloned())
            .unwrap_or_else(|| format!("trace:{}", span.trace_id));
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(span);
    }
    for key in order {
        let mut spans = groups.remove(&key).unwrap_or_default();
        spans.sort_by_key(|s| s.start_ns);
        let record = format!("conversation `{key}` ({})", spans[0].location);
        let built = conversation(&key, &spans)
            .and_then(|(header, messages)| build(header, messages, emit.options));
        emit.record(record, built)?;
    }
    Ok(())
}

/// Messages of a chat span: (input, output), either convention.
fn chat_messages(span: &Span) -> Result<(Vec<Message>, Vec<Message>), String> {
    let parse = |key: &str| -> Result<Option<Vec<Message>>, String> {
        let Some(value) = span.attributes.get(key) else {
            return Ok(None);
        };
        let list: Value = match value {
            Value::String(text) => serde_json::from_str(text)
                .map_err(|err| format!("{}: `{key}` is not JSON: {err}", span.location))?,
            other => other.clone(),
        };
        let list = list
            .as_array()
            .ok_or_else(|| format!("{}: `{key}` is not a list of messages", span.location))?;
        list.iter()
            .map(|m| parts_message(m).map_err(|err| format!("{}: {key}: {err}", span.location)))
            .collect::<Result<Vec<_>, _>>()
            .map(Some)
    };
    let input = parse("gen_ai.input.messages")?;
    let output = parse("gen_ai.output.messages")?;
    if input.is_some() || output.is_some() {
        return Ok((input.unwrap_or_default(), output.unwrap_or_default()));
    }
    // The older convention: one span event per message.
    let mut input = Vec::new();
    let mut output = Vec::new();
    for event in &span.events {
        let role = match event.name.as_str() {
            "gen_ai.system.message" => Role::System,
            "gen_ai.user.message" => Role::User,
            "gen_ai.assistant.message" => Role::Assistant,
            "gen_ai.tool.message" => Role::Tool,
            "gen_ai.choice" => {
                let body = event_body(event);
                let message = match body.get("message") {
                    Some(Value::String(text)) => {
                        serde_json::from_str(text).unwrap_or_else(|_| json_text(text))
                    }
                    Some(other) => other.clone(),
                    None => body,
                };
                output.push(event_message(Role::Assistant, &message));
                continue;
            }
            _ => continue,
        };
        input.push(event_message(role, &event_body(event)));
    }
    Ok((input, output))
}

/// A per-message event's body: the JSON in `gen_ai.event.content` when the
/// instrumentation puts it there, else the event's attributes.
fn event_body(event: &SpanEvent) -> Value {
    match event.attributes.get("gen_ai.event.content") {
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or_else(|_| json_text(text)),
        Some(Value::Object(map)) => Value::Object(map.clone()),
        _ => Value::Object(event.attributes.clone()),
    }
}

/// Text that is not JSON, as a body whose content it is.
fn json_text(text: &str) -> Value {
    let mut body = Map::new();
    body.insert("content".into(), Value::from(text));
    Value::Object(body)
}

/// A message of the newer convention: `{role, parts: [...]}`.
fn parts_message(raw: &Value) -> Result<Message, String> {
    let role = raw
        .get("role")
        .and_then(Value::as_str)
        .ok_or("a message without `role`")?;
    let role = Role::parse(role).ok_or_else(|| format!("unknown role `{role}`"))?;
    let mut texts = Vec::new();
    let mut tool_calls = Vec::new();
    let mut tool_call_id = None;
    let mut skipped = Vec::new();
    for part in raw
        .get("parts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        match part.get("type").and_then(Value::as_str) {
            Some("text") => texts.extend(
                part.get("content")
                    .and_then(Value::as_str)
                    .map(str::to_string),
            ),
            Some("tool_call") => tool_calls.push(ToolCall {
                id: part.get("id").and_then(Value::as_str).map(str::to_string),
                name: part
                    .get("name")
                    .and_then(Value::as_str)
                    .ok_or("a tool_call part without `name`")?
                    .to_string(),
                arguments: arguments(part.get("arguments").unwrap_or(&Value::Null)),
            }),
            Some("tool_call_response") => {
                tool_call_id = part.get("id").and_then(Value::as_str).map(str::to_string);
                texts.push(match part.get("response") {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => other.to_string(),
                    None => String::new(),
                });
            }
            other => skipped.push(format!("message part {}", other.unwrap_or("without type"))),
        }
    }
    Ok(Message {
        role,
        text: (!texts.is_empty()).then(|| texts.join("\n")),
        tool_calls,
        tool_call_id,
        skipped,
        ..Message::default()
    })
}

/// A message of the older convention, from an event's attributes.
fn event_message(role: Role, body: &Value) -> Message {
    let tool_calls = match body.get("tool_calls") {
        Some(Value::String(text)) => serde_json::from_str(text).unwrap_or(Value::Null),
        Some(other) => other.clone(),
        None => Value::Null,
    };
    let tool_calls = tool_calls
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|call| {
            let function = call.get("function").unwrap_or(call);
            Some(ToolCall {
                id: call.get("id").and_then(Value::as_str).map(str::to_string),
                name: function.get("name")?.as_str()?.to_string(),
                arguments: arguments(function.get("arguments").unwrap_or(&Value::Null)),
            })
        })
        .collect();
    let body_content = content(body.get("content").unwrap_or(&Value::Null));
    Message {
        role,
        text: body_content.text,
        tool_calls,
        tool_call_id: body.get("id").and_then(Value::as_str).map(str::to_string),
        skipped: body_content.skipped,
        ..Message::default()
    }
}

/// How many of a span's input messages repeat what earlier spans showed.
/// A span's input is usually the whole history, but instrumentations also
/// send a window of it, or only the new message: the input's longest
/// prefix that is a suffix of what is known (system messages aside, which
/// windows keep at the front) is repeated; the rest is new.
fn repeated_history(known: &[Message], input: &[Message]) -> usize {
    fn same(a: &Message, b: &Message) -> bool {
        a.role == b.role
            && a.text == b.text
            && a.tool_call_id == b.tool_call_id
            && a.tool_calls.len() == b.tool_calls.len()
            && a.tool_calls
                .iter()
                .zip(&b.tool_calls)
                .all(|(x, y)| x.name == y.name && x.id == y.id)
    }
    let said = |m: &&Message| m.role != Role::System;
    let known: Vec<&Message> = known.iter().filter(said).collect();
    // Leading system messages of the input count as repeated once anything is known.
    let leading = if known.is_empty() {
        0
    } else {
        input.iter().take_while(|m| m.role == Role::System).count()
    };
    let rest = &input[leading..];
    let overlap = (0..=rest.len().min(known.len()))
        .rev()
        .find(|&k| {
            rest[..k]
                .iter()
                .zip(&known[known.len() - k..])
                .all(|(a, b)| same(a, b))
        })
        .unwrap_or(0);
    leading + overlap
}

/// The last message timed at or before `at` (times are RFC 3339 in UTC
/// with milliseconds, so they compare as text).
fn last_at_or_before(messages: &[Message], at: Option<&str>) -> Option<usize> {
    let at = at?;
    messages
        .iter()
        .rposition(|m| m.at.as_deref().is_some_and(|t| t <= at))
}

fn first_attribute(spans: &[Span], keys: &[&str]) -> Option<String> {
    spans.iter().find_map(|span| {
        keys.iter().find_map(|key| {
            span.attributes
                .get(*key)
                .or_else(|| span.resource.get(*key))
                .and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Null => None,
                    other => Some(other.to_string()),
                })
        })
    })
}

fn conversation(key: &str, spans: &[Span]) -> Result<(Header, Vec<Message>), String> {
    let mut messages: Vec<Message> = Vec::new();
    let mut tool_spans = Vec::new();
    for span in spans {
        let operation = text(&span.attributes, "gen_ai.operation.name");
        if operation.as_deref() == Some("execute_tool")
            || span.attributes.contains_key("gen_ai.tool.call.id")
        {
            tool_spans.push(span);
            continue;
        }
        let (input, output) = chat_messages(span)?;
        if input.is_empty() && output.is_empty() {
            continue;
        }
        let repeated = repeated_history(&messages, &input);
        for mut message in input.into_iter().skip(repeated) {
            message.at = time(span.start_ns);
            messages.push(message);
        }
        for mut message in output {
            message.at = time(span.end_ns);
            messages.push(message);
        }
    }
    // Tool executions the chat spans do not show.
    for span in tool_spans {
        let id = text(&span.attributes, "gen_ai.tool.call.id");
        let known = id.is_some()
            && messages
                .iter()
                .any(|m| m.tool_calls.iter().any(|c| c.id == id));
        if known {
            continue;
        }
        let Some(name) = text(&span.attributes, "gen_ai.tool.name") else {
            continue;
        };
        let at = time(span.start_ns);
        let position =
            last_at_or_before(&messages, at.as_deref()).map_or(messages.len(), |p| p + 1);
        let call = Message {
            role: Role::Assistant,
            text: None,
            tool_calls: vec![ToolCall {
                id: id.clone(),
                name,
                arguments: arguments(
                    span.attributes
                        .get("gen_ai.tool.call.arguments")
                        .unwrap_or(&Value::Null),
                ),
            }],
            tool_call_id: None,
            at,
            ..Message::default()
        };
        let result = Message {
            role: Role::Tool,
            text: span
                .attributes
                .get("gen_ai.tool.call.result")
                .map(|v| match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                }),
            tool_calls: Vec::new(),
            tool_call_id: id,
            at: time(span.end_ns),
            ..Message::default()
        };
        messages.insert(position, result);
        messages.insert(position, call);
    }
    // handoff.* span events, placed after the last message at or before them.
    let mut extra: Vec<(i128, usize, Value)> = Vec::new();
    for span in spans {
        for event in &span.events {
            let Some(kind) = event.name.strip_prefix("handoff.") else {
                continue;
            };
            let mut object = Map::new();
            object.insert("type".into(), Value::from(kind));
            let time_ns = event.time_ns.unwrap_or(span.start_ns);
            if let Some(at) = time(time_ns) {
                object.insert("at".into(), Value::from(at.clone()));
            }
            for (name, value) in &event.attributes {
                if let Some(field) = name.strip_prefix("handoff.") {
                    let value = match value {
                        Value::String(s) if s.starts_with('{') || s.starts_with('[') => {
                            serde_json::from_str(s).unwrap_or_else(|_| value.clone())
                        }
                        other => other.clone(),
                    };
                    object.insert(field.to_string(), value);
                }
            }
            let at = time(time_ns);
            // After the last message at or before it.
            let before = last_at_or_before(&messages, at.as_deref()).map_or(0, |p| p + 1);
            extra.push((time_ns, before, Value::Object(object)));
        }
    }
    extra.sort_by_key(|(time, after, _)| (*after, *time));
    if messages.is_empty() {
        return Err("no GenAI messages in these spans".to_string());
    }
    let agent_version = first_attribute(spans, &["handoff.agent_version"]).or_else(|| {
        let service = first_attribute(spans, &["service.name"]);
        let version = first_attribute(spans, &["service.version"]);
        match (service, version) {
            (Some(service), Some(version)) => Some(format!("{service}@{version}")),
            _ => first_attribute(spans, &["gen_ai.response.model", "gen_ai.request.model"]),
        }
    });
    let mut metadata = Map::new();
    metadata.insert("source".into(), Value::from("otel"));
    let contact_center = !extra.is_empty();
    let header = Header {
        conversation_id: key.to_string(),
        agent_version,
        scenario_id: first_attribute(spans, &["handoff.scenario.id"]),
        customer_id: first_attribute(spans, &["handoff.customer.id", "enduser.id", "user.id"]),
        channel: first_attribute(spans, &["handoff.channel"]),
        started_at: spans.iter().map(|s| s.start_ns).min().and_then(time),
        ended_at: spans.iter().map(|s| s.end_ns).max().and_then(time),
        metadata,
        extra_events: extra
            .into_iter()
            .map(|(_, before, event)| (before, event))
            .collect(),
        source: "otel",
        can_record: (!contact_center).then(ai_side),
        ..Header::default()
    };
    Ok((header, messages))
}

//! Importers: other recordings in, `handoff-trace/v1` conversations out.
//!
//! Each source is read into `Message`s (OpenAI chat roles, tool calls with
//! their ids, an optional time) and a `Header`; `build` turns them into v1
//! events the same way for every source: user -> customer turn,
//! assistant text -> ai turn, assistant tool call -> `toolCall` joined with
//! the tool message that answers it, and the escalation tool
//! (`transfer_to_human_agents` unless configured) -> `toolCall`, then an
//! `escalation` and a `handoffPackage` whose `summary` is the tool's
//! `summary` argument. What a source lacks stays missing: no invented times,
//! sentiment, triggers or package fields.

mod openai;
mod otel;
mod tau;

use std::fmt;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};

/// The source formats `import --from` and `score --input-format` read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// tau-bench historical trajectories: a JSON list of {task_id, trial, reward, info, traj}.
    #[value(name = "tau-bench")]
    TauBench,
    /// tau2-bench results: a JSON object with info, tasks and simulations.
    Tau2,
    /// Chat-completions message arrays: one conversation per JSONL line or per JSON file.
    #[value(name = "openai-messages")]
    OpenaiMessages,
    /// OTLP/JSON trace files with OpenTelemetry GenAI spans.
    Otel,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::TauBench => "tau-bench",
            Format::Tau2 => "tau2",
            Format::OpenaiMessages => "openai-messages",
            Format::Otel => "otel",
        })
    }
}

/// Settings shared by every importer.
#[derive(Debug, Clone)]
pub struct Options {
    /// The tool whose call is the escalation.
    pub escalation_tool: String,
    /// Overrides the agent version a source gives (or lacks).
    pub agent_version: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            escalation_tool: "transfer_to_human_agents".to_string(),
            agent_version: None,
        }
    }
}

/// A record that could not be imported: the file, where in it, and why.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ImportError {
    pub file: String,
    /// `line 5`, `[12]`, `simulations[3]`, `resourceSpans[0].scopeSpans[0].spans[4]`.
    pub record: String,
    pub message: String,
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}: {}", self.file, self.record, self.message)
    }
}

/// Counts of one import.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct ImportCounts {
    pub files: u64,
    pub records: u64,
    pub imported: u64,
    pub rejected: u64,
}

/// Where imported conversations and errors go.
pub trait ImportSink {
    fn conversation(&mut self, conversation: Value) -> std::io::Result<()>;
    fn error(&mut self, error: ImportError);
}

/// The files an import reads: each path, or the `*.json` and `*.jsonl`
/// files of a directory in name order.
pub fn resolve(paths: &[PathBuf]) -> Result<Vec<PathBuf>, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = crate::trace::files_in(path, &["json", "jsonl"])
                .map_err(|err| format!("{}: {err}", path.display()))?;
            if found.is_empty() {
                return Err(format!(
                    "{}: directory holds no *.json or *.jsonl files",
                    path.display()
                ));
            }
            files.extend(found);
        } else if path.is_file() {
            files.push(path.clone());
        } else {
            return Err(format!("{}: no such file or directory", path.display()));
        }
    }
    Ok(files)
}

/// Imports every file, in order, into `sink`.
pub fn import(
    format: Format,
    files: &[PathBuf],
    options: &Options,
    sink: &mut dyn ImportSink,
) -> std::io::Result<ImportCounts> {
    let mut counts = ImportCounts::default();
    for file in files {
        counts.files += 1;
        let mut emit = Emit {
            sink,
            counts: &mut counts,
            file: file.display().to_string(),
            options,
        };
        match format {
            Format::TauBench => tau::import_v1(file, &mut emit)?,
            Format::Tau2 => tau::import_v2(file, &mut emit)?,
            Format::OpenaiMessages => openai::import(file, &mut emit)?,
            Format::Otel => otel::import(file, &mut emit)?,
        }
    }
    Ok(counts)
}

/// What an importer reports to: conversations built, records rejected.
pub(crate) struct Emit<'a> {
    sink: &'a mut dyn ImportSink,
    counts: &'a mut ImportCounts,
    file: String,
    pub options: &'a Options,
}

impl Emit<'_> {
    pub fn file_stem(path: &Path) -> String {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    }

    /// One record read: imported, or rejected with why.
    pub fn record(
        &mut self,
        record: impl Into<String>,
        built: Result<Value, String>,
    ) -> std::io::Result<()> {
        self.counts.records += 1;
        match built {
            Ok(conversation) => {
                self.counts.imported += 1;
                self.sink.conversation(conversation)
            }
            Err(message) => {
                self.reject(record, message);
                Ok(())
            }
        }
    }

    /// A record (or a whole file) that could not be read at all.
    pub fn reject(&mut self, record: impl Into<String>, message: impl Into<String>) {
        self.counts.rejected += 1;
        self.sink.error(ImportError {
            file: self.file.clone(),
            record: record.into(),
            message: message.into(),
        });
    }
}

/// A whole `.json` file as one value, or `None` once a file that is not
/// JSON has been rejected with the line where parsing stopped.
pub(crate) fn read_json(path: &Path, emit: &mut Emit<'_>) -> std::io::Result<Option<Value>> {
    match serde_json::from_slice(&std::fs::read(path)?) {
        Ok(value) => Ok(Some(value)),
        Err(err) => {
            emit.reject(
                format!("line {}", err.line()),
                format!("invalid JSON: {err}"),
            );
            Ok(None)
        }
    }
}

/// Each non-blank line of a `.jsonl` file with its number, parsed as JSON
/// (or why it is not JSON); the caller says what a bad line counts as.
pub(crate) fn each_json_line(
    path: &Path,
    emit: &mut Emit<'_>,
    mut f: impl FnMut(&mut Emit<'_>, usize, Result<Value, String>) -> std::io::Result<()>,
) -> std::io::Result<()> {
    use std::io::BufRead;
    let reader = std::io::BufReader::new(std::fs::File::open(path)?);
    for (index, line) in reader.lines().enumerate() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let value = serde_json::from_str(&line).map_err(|err| format!("invalid JSON: {err}"));
        f(emit, index + 1, value)?;
    }
    Ok(())
}

/// Whether a file holds one JSON value per line.
pub(crate) fn is_jsonl(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    System,
    User,
    Assistant,
    Tool,
}

impl Role {
    pub fn parse(role: &str) -> Option<Role> {
        match role {
            "system" | "developer" => Some(Role::System),
            "user" | "human" => Some(Role::User),
            "assistant" | "ai" | "model" => Some(Role::Assistant),
            "tool" | "function" => Some(Role::Tool),
            _ => None,
        }
    }
}

#[derive(Debug, Clone)]
pub(crate) struct ToolCall {
    pub id: Option<String>,
    pub name: String,
    pub arguments: Value,
}

/// One message of a source, normalised.
#[derive(Debug, Clone)]
pub(crate) struct Message {
    pub role: Role,
    pub text: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    /// On a tool message: the call it answers.
    pub tool_call_id: Option<String>,
    /// RFC 3339, when the source has a time for this message.
    pub at: Option<String>,
}

/// Everything but the messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Header {
    pub conversation_id: String,
    pub agent_version: Option<String>,
    pub scenario_id: Option<String>,
    pub customer_id: Option<String>,
    pub channel: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub metadata: Map<String, Value>,
    /// Extra v1 events from the source (OpenTelemetry `handoff.*` events),
    /// with the index of the message they follow.
    pub extra_events: Vec<(usize, Value)>,
}

/// Parses tool-call arguments given as a JSON string, keeping text that is
/// not JSON as a string.
pub(crate) fn arguments(value: &Value) -> Value {
    match value {
        Value::String(text) => serde_json::from_str(text).unwrap_or_else(|_| value.clone()),
        Value::Null => Value::Object(Map::new()),
        other => other.clone(),
    }
}

/// The text of a message `content`: a string, or the text parts of a list.
pub(crate) fn content_text(content: &Value) -> Option<String> {
    match content {
        Value::String(text) => Some(text.clone()),
        Value::Array(parts) => {
            let texts: Vec<&str> = parts
                .iter()
                .filter_map(|part| match part {
                    Value::String(text) => Some(text.as_str()),
                    Value::Object(map) => map
                        .get("text")
                        .or_else(|| map.get("content"))
                        .and_then(Value::as_str),
                    _ => None,
                })
                .collect();
            (!texts.is_empty()).then(|| texts.join("\n"))
        }
        _ => None,
    }
}

/// A time as RFC 3339 with milliseconds: RFC 3339 text, a date-time without
/// an offset (taken as UTC, as the tau2 files record it), or Unix seconds.
pub(crate) fn timestamp(value: &Value) -> Option<String> {
    let ts = match value {
        Value::String(text) => {
            let text = text.trim();
            text.parse::<jiff::Timestamp>().ok().or_else(|| {
                text.parse::<jiff::civil::DateTime>()
                    .ok()
                    .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
                    .map(|z| z.timestamp())
            })?
        }
        Value::Number(n) => {
            let seconds = n.as_f64()?;
            jiff::Timestamp::from_millisecond((seconds * 1000.0).round() as i64).ok()?
        }
        _ => return None,
    };
    Some(format_ms(ts))
}

pub(crate) fn format_ms(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Builds the v1 conversation from a header and its messages.
pub(crate) fn build(
    header: Header,
    messages: &[Message],
    options: &Options,
) -> Result<Value, String> {
    if header.conversation_id.trim().is_empty() {
        return Err("no conversation id".to_string());
    }
    if messages.is_empty() {
        return Err("no messages".to_string());
    }
    let agent_version = options
        .agent_version
        .clone()
        .or(header.agent_version)
        .unwrap_or_else(|| "unknown".to_string());
    let mut events: Vec<Value> = Vec::new();
    // Where each tool call's event is, by id, to put its result in.
    let mut open_calls: Vec<(Option<String>, usize)> = Vec::new();
    let mut extra = header.extra_events.into_iter().peekable();
    for (index, message) in messages.iter().enumerate() {
        let at = |mut event: Map<String, Value>| {
            if let Some(at) = &message.at {
                event.insert("at".into(), Value::from(at.clone()));
            }
            Value::Object(event)
        };
        match message.role {
            Role::System => {}
            Role::User | Role::Assistant => {
                let speaker = if message.role == Role::User {
                    "customer"
                } else {
                    "ai"
                };
                if let Some(text) = message.text.as_deref().filter(|t| !t.trim().is_empty()) {
                    let mut event = Map::new();
                    event.insert("type".into(), json!("turn"));
                    event.insert("speaker".into(), json!(speaker));
                    event.insert("text".into(), json!(text));
                    events.push(at(event));
                }
                // A user's own tool calls (tau2's device tools) are not the agent's.
                if message.role == Role::Assistant {
                    for call in &message.tool_calls {
                        let mut event = Map::new();
                        event.insert("type".into(), json!("toolCall"));
                        event.insert("tool".into(), json!(call.name));
                        event.insert("args".into(), call.arguments.clone());
                        open_calls.push((call.id.clone(), events.len()));
                        events.push(at(event));
                        if call.name == options.escalation_tool {
                            let summary = call.arguments.get("summary").and_then(Value::as_str);
                            let mut escalation = Map::new();
                            escalation.insert("type".into(), json!("escalation"));
                            if let Some(summary) = summary {
                                escalation.insert("description".into(), json!(summary));
                            }
                            events.push(at(escalation));
                            let mut package = Map::new();
                            if let Some(summary) = summary {
                                package.insert("summary".into(), json!(summary));
                            }
                            package.insert("conversationId".into(), json!(header.conversation_id));
                            package.insert("agentVersion".into(), json!(agent_version));
                            if let Some(at) = &message.at {
                                package.insert("escalatedAt".into(), json!(at));
                            }
                            let mut event = Map::new();
                            event.insert("type".into(), json!("handoffPackage"));
                            event.insert("package".into(), Value::Object(package));
                            events.push(at(event));
                        }
                    }
                }
            }
            Role::Tool => {
                // Answer the call with this id, else the oldest unanswered one.
                let position = match &message.tool_call_id {
                    Some(id) => open_calls
                        .iter()
                        .position(|(call, _)| call.as_deref() == Some(id)),
                    None => (!open_calls.is_empty()).then_some(0),
                };
                if let Some(position) = position {
                    let (_, event) = open_calls.remove(position);
                    let text = message.text.clone().unwrap_or_default();
                    let result =
                        serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
                    if let Value::Object(map) = &mut events[event] {
                        map.insert("result".into(), result);
                    }
                }
            }
        }
        while let Some((_, event)) = extra.next_if(|(after, _)| *after <= index) {
            events.push(event);
        }
    }
    events.extend(extra.map(|(_, event)| event));

    let mut conversation = Map::new();
    conversation.insert("schema".into(), json!(crate::trace::SCHEMA));
    conversation.insert("conversationId".into(), json!(header.conversation_id));
    conversation.insert("agentVersion".into(), json!(agent_version));
    if let Some(scenario) = header.scenario_id {
        conversation.insert("scenarioId".into(), json!(scenario));
    }
    conversation.insert(
        "channel".into(),
        json!(header.channel.unwrap_or_else(|| "chat".into())),
    );
    // Without a customer id from the source, the conversation id: re-contact
    // must never link conversations that only share a missing id.
    let customer = header
        .customer_id
        .unwrap_or_else(|| format!("conversation:{}", header.conversation_id));
    conversation.insert("customer".into(), json!({ "id": customer }));
    // The source's start, else its first timed message.
    let first_time = messages.iter().find_map(|m| m.at.clone());
    if let Some(started) = header.started_at.or(first_time) {
        conversation.insert("startedAt".into(), json!(started));
    }
    if let Some(ended) = header.ended_at {
        conversation.insert("endedAt".into(), json!(ended));
    }
    if !header.metadata.is_empty() {
        conversation.insert("metadata".into(), Value::Object(header.metadata));
    }
    conversation.insert("events".into(), Value::Array(events));
    Ok(Value::Object(conversation))
}

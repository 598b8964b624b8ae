//! Importers: other recordings in, `handoff-trace/v1` conversations out.
//!
//! Each source is read into `Message`s (OpenAI chat roles, tool calls with
//! their ids, an optional time) and a `Header`; `build` turns them into v1
//! events the same way for every source: user -> customer turn,
//! assistant text -> ai turn, assistant tool call -> `toolCall` joined with
//! the tool message that answers it, and the escalation tool
//! (`transfer_to_human_agents` unless configured) -> `toolCall`, then an
//! `escalation` and a `handoffPackage` whose `summary` is the tool's
//! `summary` argument. Contact-center sources (Amazon Connect, Genesys
//! Cloud) add the human agent's side: `Role::Agent` messages are `human`
//! turns, and the queue, the agent's connection and what reached the agent
//! come as events placed between the messages. What a source lacks stays
//! missing: no invented times, sentiment, triggers or package fields.
//!
//! Every conversation carries an `import` block, a backward-compatible
//! extension of handoff-trace/v1 (see the README): the `source`, the event
//! types it `canRecord` (a check that needs another type is unscored, not
//! failed) and the parts of the source that were skipped, counted by kind
//! (`partsSkipped`), so that nothing is dropped without a number.

mod amazon_connect;
mod genesys;
mod json_leaf;
mod openai;
mod otel;
mod tau;
mod values;

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use crate::trace::{EventType, FactSet, Field};

/// The source formats `import --from` and `score --input-format` read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// tau-bench historical trajectories: a JSON list of {task_id, trial, reward, info, traj}.
    #[value(name = "tau-bench")]
    TauBench,
    /// tau2-bench results: a JSON object with info, tasks and simulations, or a bare list of simulations.
    Tau2,
    /// Chat-completions message arrays: one conversation per JSONL line or per JSON file.
    #[value(name = "openai-messages")]
    OpenaiMessages,
    /// OTLP/JSON trace files with OpenTelemetry GenAI spans.
    Otel,
    /// Amazon Connect Contact Lens output (chat, voice), with contact records or contact events beside it.
    #[value(name = "amazon-connect")]
    AmazonConnect,
    /// Genesys Cloud analytics conversation details, with Speech & Text Analytics transcripts beside them.
    Genesys,
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::TauBench => "tau-bench",
            Format::Tau2 => "tau2",
            Format::OpenaiMessages => "openai-messages",
            Format::Otel => "otel",
            Format::AmazonConnect => "amazon-connect",
            Format::Genesys => "genesys",
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
    /// Files that could not be read to their end (a compressed stream cut
    /// short or corrupt, a read error): what came before was imported, and
    /// the import is incomplete (exit code 2). Each is also a rejection.
    pub unreadable: u64,
    /// Entries of the input directories that were not read (other kinds of
    /// file, run directories), named on stderr.
    pub files_skipped: u64,
    /// Parts of imported records that were not understood and left out,
    /// by kind (`content part image_url`, `attachment`): the sum over the
    /// conversations' `import.partsSkipped`.
    pub parts_skipped: BTreeMap<String, u64>,
}

/// Where imported conversations, errors and notes go.
pub trait ImportSink {
    fn conversation(&mut self, conversation: Value) -> std::io::Result<()>;
    fn error(&mut self, error: ImportError) -> std::io::Result<()>;
    /// Something read that is neither a conversation nor an error (an
    /// empty query result), said so that nothing passes in silence.
    fn note(&mut self, note: String);
}

/// The files an import reads: each path, or the `*.json` and `*.jsonl`
/// files of a directory and its subdirectories (plain, `.gz` or `.zst`, and
/// files without an extension that hold JSON) in path order; with what the
/// directories held that is not read (see [`crate::input::walk`]).
pub fn resolve(paths: &[PathBuf]) -> Result<(Vec<PathBuf>, Vec<crate::input::Skipped>), String> {
    let mut files = Vec::new();
    let (inputs, skipped) =
        crate::input::resolve_with_skipped(paths, &["json", "jsonl"]).map_err(|errors| {
            errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\nerror: ")
        })?;
    for input in inputs {
        match input {
            crate::input::Input::File(path) => files.push(path),
            crate::input::Input::Stdin => {
                return Err("import reads files, not standard input".to_string());
            }
        }
    }
    Ok((files, skipped))
}

/// Imports every file, in order, into `sink`.
pub fn import(
    format: Format,
    files: &[PathBuf],
    options: &Options,
    sink: &mut dyn ImportSink,
) -> std::io::Result<ImportCounts> {
    let mut counts = ImportCounts {
        files: files.len() as u64,
        ..ImportCounts::default()
    };
    let mut emit = Emit {
        sink,
        counts: &mut counts,
        file: String::new(),
        options,
        seen_ids: HashSet::new(),
    };
    // Sources whose records span files (a transcript beside its contact
    // record) read them all at once; the others one file at a time.
    match format {
        Format::AmazonConnect => amazon_connect::import(files, &mut emit)?,
        Format::Genesys => genesys::import(files, &mut emit)?,
        _ => {
            for file in files {
                emit.set_file(file);
                match format {
                    Format::TauBench => tau::import_v1(file, &mut emit)?,
                    Format::Tau2 => tau::import_v2(file, &mut emit)?,
                    Format::OpenaiMessages => openai::import(file, &mut emit)?,
                    _ => otel::import(file, &mut emit)?,
                }
            }
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
    /// Hashes of the conversation ids imported so far: one id, one
    /// conversation.
    seen_ids: HashSet<u64>,
}

impl Emit<'_> {
    /// The file's stem, without a compression suffix: `gpt-4o-airline` for
    /// `gpt-4o-airline.json.gz`.
    pub fn file_stem(path: &Path) -> String {
        crate::input::content_stem(path)
    }

    /// The file that records and rejections are now about.
    pub fn set_file(&mut self, path: &Path) {
        self.file = path.display().to_string();
    }

    /// One record read: imported, or rejected with why. A conversation
    /// whose id was imported before (the same export given twice, a
    /// contact in two files) is rejected as a duplicate: the first stays.
    pub fn record(
        &mut self,
        record: impl Into<String>,
        built: Result<Value, String>,
    ) -> std::io::Result<()> {
        self.counts.records += 1;
        match built {
            Ok(conversation) => {
                let id = conversation
                    .get("conversationId")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                if !self.seen_ids.insert(crate::score::customer_key(id)) {
                    let message = format!(
                        "duplicate conversationId `{id}`: a conversation with this id was \
                         imported before from these inputs (the first is kept)"
                    );
                    return self.reject(record, message);
                }
                self.counts.imported += 1;
                if let Some(Value::Object(skipped)) = conversation.pointer("/import/partsSkipped") {
                    for (kind, count) in skipped {
                        *self.counts.parts_skipped.entry(kind.clone()).or_default() +=
                            count.as_u64().unwrap_or(0);
                    }
                }
                self.sink.conversation(conversation)
            }
            Err(message) => self.reject(record, message),
        }
    }

    /// A record that was read and cannot be imported.
    pub fn reject_record(
        &mut self,
        record: impl Into<String>,
        message: impl Into<String>,
    ) -> std::io::Result<()> {
        self.counts.records += 1;
        self.reject(record, message)
    }

    /// A record (or a whole file) that could not be read at all.
    pub fn reject(
        &mut self,
        record: impl Into<String>,
        message: impl Into<String>,
    ) -> std::io::Result<()> {
        self.counts.rejected += 1;
        self.sink.error(ImportError {
            file: self.file.clone(),
            record: record.into(),
            message: message.into(),
        })
    }

    /// A file that could not be read to its end: what came before it was
    /// imported; the import is incomplete.
    pub fn unreadable(
        &mut self,
        record: impl Into<String>,
        message: impl Into<String>,
    ) -> std::io::Result<()> {
        self.counts.unreadable += 1;
        self.reject(record, message)
    }

    /// A note about the current file (see [`ImportSink::note`]).
    pub fn note(&mut self, note: impl fmt::Display) {
        let note = format!("{}: {note}", self.file);
        self.sink.note(note);
    }
}

/// The UTF-8 text of a whole file (plain or compressed) parsed as one JSON
/// value, or `None` once the file was rejected: unreadable (a compressed
/// stream cut short or corrupt, a file gone), UTF-16, or not JSON (with
/// the line where parsing stopped). A UTF-8 byte-order mark is skipped.
pub(crate) fn read_json(path: &Path, emit: &mut Emit<'_>) -> std::io::Result<Option<Value>> {
    use std::io::Read;
    let mut bytes = Vec::new();
    let read = crate::input::open(&crate::input::Input::File(path.to_path_buf()))
        .and_then(|mut reader| reader.read_to_end(&mut bytes));
    if let Err(err) = read {
        // The error names the file when opening failed; the rejection names it anyway.
        let text = err.to_string();
        let prefix = format!("{}: ", path.display());
        let text = text.strip_prefix(&prefix).unwrap_or(&text);
        emit.unreadable("file", format!("cannot be read: {text}"))?;
        return Ok(None);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        emit.reject_record(
            "file",
            "UTF-16 text: handoff-eval reads UTF-8 (convert it first, e.g. with \
             `iconv -f UTF-16 -t UTF-8`)",
        )?;
        return Ok(None);
    }
    let text = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&bytes);
    match serde_json::from_slice(text) {
        Ok(value) => Ok(Some(value)),
        Err(err) => {
            emit.reject(
                format!("line {}", err.line().max(1)),
                values::located(&err, 1),
            )?;
            Ok(None)
        }
    }
}

/// Each value of a file, parsed, with where it is (see [`values`]): a
/// `.jsonl` file's lines, the items of a file that is one list, values
/// written back to back, or a file's one value. Values that are not JSON
/// are rejected with their line, and a file that stops being readable is
/// reported where it stopped, by the reader; `f` says what a value counts
/// as.
pub(crate) fn each_json_value(
    path: &Path,
    emit: &mut Emit<'_>,
    mut f: impl FnMut(&mut Emit<'_>, &values::Found<'_>, Value) -> std::io::Result<()>,
) -> std::io::Result<()> {
    values::each_value(path, emit, true, |emit, found| {
        match serde_json::from_slice::<Value>(found.bytes) {
            Ok(value) => f(emit, &found, value),
            // The reader checked it; a value too deep to hold lands here.
            Err(err) => emit.reject_record(found.record, format!("invalid JSON: {err}")),
        }
    })
}

/// Whether a file holds one JSON value per line (`.jsonl`, compressed or not).
pub(crate) fn is_jsonl(path: &Path) -> bool {
    crate::input::content_extension(path).is_some_and(|e| e == "jsonl")
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Role {
    #[default]
    System,
    User,
    Assistant,
    Tool,
    /// The human agent of a contact center.
    Agent,
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
#[derive(Debug, Clone, Default)]
pub(crate) struct Message {
    pub role: Role,
    pub text: Option<String>,
    pub tool_calls: Vec<ToolCall>,
    /// On a tool message: the call it answers.
    pub tool_call_id: Option<String>,
    /// RFC 3339, when the source has a time for this message.
    pub at: Option<String>,
    /// On the [-1, 1] scale, when the source gives one.
    pub sentiment: Option<f64>,
    /// Kinds of the message's parts that were left out (`content part image_url`).
    pub skipped: Vec<String>,
}

/// What AI-agent logs record: the AI's side of the conversation only, its
/// text unredacted. No trigger or urgency: the escalation tool's call
/// carries neither.
pub(crate) fn ai_side() -> FactSet {
    FactSet::of(&[
        EventType::Turn,
        EventType::ToolCall,
        EventType::Escalation,
        EventType::HandoffPackage,
    ])
    .with_field(Field::CustomerName)
}

/// Everything but the messages.
#[derive(Debug, Clone, Default)]
pub(crate) struct Header {
    pub conversation_id: String,
    pub agent_version: Option<String>,
    pub scenario_id: Option<String>,
    pub customer_id: Option<String>,
    pub customer_name: Option<String>,
    pub channel: Option<String>,
    pub started_at: Option<String>,
    pub ended_at: Option<String>,
    pub metadata: Map<String, Value>,
    /// Extra v1 events from the source (the queue, the agent, OpenTelemetry
    /// `handoff.*` events), each with how many messages come before it.
    pub extra_events: Vec<(usize, Value)>,
    /// The format's name, for the import block.
    pub source: &'static str,
    /// What this source can record (event types and fields); `None`: all.
    pub can_record: Option<FactSet>,
    /// Parts of the source left out, counted by kind.
    pub parts_skipped: BTreeMap<String, u64>,
}

impl Header {
    /// Counts a part of the source that is left out.
    pub fn skip(&mut self, kind: impl Into<String>) {
        *self.parts_skipped.entry(kind.into()).or_default() += 1;
    }
}

/// The contact entering a queue for a human: the handoff, as contact-center
/// exports record it. An `escalation` (the source gives no trigger or
/// urgency) and a `queueJoined`, with the wait quoted to the customer when
/// the source states one.
pub(crate) fn queue_entry(at: Option<&str>, queue: &str, wait: Option<f64>) -> [Value; 2] {
    let mut fields = Map::new();
    fields.insert("queue".into(), json!(queue));
    if let Some(wait) = wait {
        fields.insert("estimatedWaitSeconds".into(), json!(wait));
    }
    [
        event("escalation", at, Map::new()),
        event("queueJoined", at, fields),
    ]
}

/// The human agent connected.
pub(crate) fn human_connected(agent: &str, at: Option<&str>) -> Value {
    let mut fields = Map::new();
    fields.insert("agentId".into(), json!(agent));
    event("humanConnected", at, fields)
}

/// The non-blank string at a JSON pointer.
pub(crate) fn str_at<'v>(value: &'v Value, pointer: &str) -> Option<&'v str> {
    value
        .pointer(pointer)
        .and_then(Value::as_str)
        .filter(|s| !s.trim().is_empty())
}

/// A v1 event of `kind` with its time (when known) and its own keys.
pub(crate) fn event(kind: &str, at: Option<&str>, fields: Map<String, Value>) -> Value {
    let mut event = Map::new();
    event.insert("type".into(), json!(kind));
    if let Some(at) = at {
        event.insert("at".into(), json!(at));
    }
    event.extend(fields);
    Value::Object(event)
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

/// The text of a message's `content` and the kinds of its parts that carry
/// none.
#[derive(Debug, Default)]
pub(crate) struct Content {
    pub text: Option<String>,
    pub skipped: Vec<String>,
}

/// Reads a message `content`: a string; a list of parts (strings, or
/// content blocks: `text`, `input_text`, `output_text`, `refusal`, audio
/// with a `transcript`); or such a list written as JSON text, as
/// OpenTelemetry events carry it. Blocks without text (images, files, audio
/// without a transcript) are named in `skipped`.
pub(crate) fn content(value: &Value) -> Content {
    let mut out = Content::default();
    let parts: Vec<Value> = match value {
        Value::Null => return out,
        Value::String(text) => match serde_json::from_str::<Value>(text.trim()) {
            Ok(Value::Array(blocks)) if !blocks.is_empty() && blocks.iter().all(is_block) => blocks,
            Ok(block) if is_block(&block) => vec![block],
            _ => {
                out.text = Some(text.clone());
                return out;
            }
        },
        Value::Array(parts) => parts.clone(),
        Value::Object(_) => vec![value.clone()],
        other => {
            out.skipped.push(format!(
                "content of type {}",
                crate::trace::json_type_name(other)
            ));
            return out;
        }
    };
    let mut texts: Vec<String> = Vec::new();
    for part in &parts {
        match part {
            Value::String(text) => texts.push(text.clone()),
            Value::Object(map) => {
                let kind = map.get("type").and_then(Value::as_str);
                let text = match kind {
                    None | Some("text" | "input_text" | "output_text") => map
                        .get("text")
                        .or_else(|| map.get("content"))
                        .and_then(Value::as_str),
                    Some("refusal") => map.get("refusal").and_then(Value::as_str),
                    Some("audio" | "input_audio" | "output_audio") => map
                        .get("transcript")
                        .or_else(|| part.pointer("/input_audio/transcript"))
                        .and_then(Value::as_str),
                    Some(_) => None,
                };
                match text {
                    Some(text) => texts.push(text.to_string()),
                    None => out
                        .skipped
                        .push(format!("content part {}", kind.unwrap_or("without text"))),
                }
            }
            other => out.skipped.push(format!(
                "content part of type {}",
                crate::trace::json_type_name(other)
            )),
        }
    }
    out.text = (!texts.is_empty()).then(|| texts.join("\n"));
    out
}

/// A content block: an object with a `type`, or with `text`.
fn is_block(value: &Value) -> bool {
    value.as_object().is_some_and(|map| {
        map.get("type").is_some_and(Value::is_string) || map.contains_key("text")
    })
}

/// A time as RFC 3339 with milliseconds: RFC 3339 text, a date-time without
/// an offset (taken as UTC, as the tau2 files record it), or Unix time as a
/// number or digits. The unit of Unix time is told by its size: below 1e11
/// seconds (until the year 5138), below 1e14 milliseconds, below 1e17
/// microseconds, else nanoseconds.
pub(crate) fn timestamp(value: &Value) -> Option<String> {
    let unix = |n: f64| -> Option<jiff::Timestamp> {
        let magnitude = n.abs();
        let millis = if magnitude >= 1e17 {
            n / 1e6
        } else if magnitude >= 1e14 {
            n / 1e3
        } else if magnitude >= 1e11 {
            n
        } else {
            n * 1e3
        };
        if !millis.is_finite() {
            return None;
        }
        jiff::Timestamp::from_millisecond(millis.round() as i64).ok()
    };
    let ts = match value {
        Value::String(text) => {
            let text = text.trim();
            if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
                unix(text.parse().ok()?)?
            } else {
                text.parse::<jiff::Timestamp>().ok().or_else(|| {
                    text.parse::<jiff::civil::DateTime>()
                        .ok()
                        .and_then(|dt| dt.to_zoned(jiff::tz::TimeZone::UTC).ok())
                        .map(|z| z.timestamp())
                })?
            }
        }
        Value::Number(n) => unix(n.as_f64()?)?,
        _ => return None,
    };
    Some(format_ms(ts))
}

/// A time that a source gives at `path`: `None` when it gives none, an
/// error naming the path when it gives something that is not a time.
pub(crate) fn time_at(value: Option<&Value>, path: &str) -> Result<Option<String>, String> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => timestamp(value).map(Some).ok_or_else(|| {
            format!(
                "{path}: expected a time (RFC 3339, or Unix time in seconds, milliseconds, \
                 microseconds or nanoseconds), found {value}"
            )
        }),
    }
}

/// A time given in Unix milliseconds (or as RFC 3339 text), as Genesys
/// Cloud's transcripts give them. A number below 1e11 is no millisecond
/// time of an export (it would fall before March 1973): it is rejected,
/// naming the seconds it probably is, rather than read as 1970.
pub(crate) fn millis_time(value: Option<&Value>, path: &str) -> Result<Option<String>, String> {
    let expected = |value: &Value| format!("{path}: expected Unix milliseconds, found {value}");
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => {
            let ms = n
                .as_i64()
                .ok_or_else(|| expected(&Value::Number(n.clone())))?;
            if ms.unsigned_abs() < 100_000_000_000 {
                let as_seconds = jiff::Timestamp::from_second(ms)
                    .map(|ts| format!(" (as seconds it would be {})", format_ms(ts)))
                    .unwrap_or_default();
                return Err(format!(
                    "{path}: expected Unix milliseconds, found {n}, which as milliseconds falls \
                     in 1970{as_seconds}"
                ));
            }
            jiff::Timestamp::from_millisecond(ms)
                .map(|ts| Some(format_ms(ts)))
                .map_err(|_| expected(&Value::Number(n.clone())))
        }
        Some(Value::String(text)) if text.trim().parse::<i64>().is_ok() => millis_time(
            Some(&json!(text.trim().parse::<i64>().unwrap_or_default())),
            path,
        ),
        Some(other) => time_at(Some(other), path).map_err(|_| expected(other)),
    }
}

/// A wait that a flow message quotes ("about 3 minutes", "less than 5
/// minutes", "2 to 5 minutes": the upper bound), in seconds; only in a
/// message that speaks of waiting or of a queue.
pub(crate) fn quoted_wait_seconds(text: &str) -> Option<f64> {
    static WAIT: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(\d+(?:\.\d+)?|a|one|two|three|four|five|six|seven|eight|nine|ten|fifteen|twenty|thirty|forty-five|sixty)\s*(?:-|to)?\s*(\d+(?:\.\d+)?)?\s*(seconds?|secs?|minutes?|mins?|hours?|hrs?)\b",
        )
        .expect("the wait pattern is valid")
    });
    let lower = text.to_lowercase();
    if !["wait", "queue", "hold"].iter().any(|w| lower.contains(w)) {
        return None;
    }
    let found = WAIT.captures(&lower)?;
    let number = |word: &str| -> Option<f64> {
        Some(match word {
            "a" | "one" => 1.0,
            "two" => 2.0,
            "three" => 3.0,
            "four" => 4.0,
            "five" => 5.0,
            "six" => 6.0,
            "seven" => 7.0,
            "eight" => 8.0,
            "nine" => 9.0,
            "ten" => 10.0,
            "fifteen" => 15.0,
            "twenty" => 20.0,
            "thirty" => 30.0,
            "forty-five" => 45.0,
            "sixty" => 60.0,
            digits => digits.parse().ok()?,
        })
    };
    let amount = match found.get(2) {
        Some(upper) => number(upper.as_str())?,
        None => number(found.get(1)?.as_str())?,
    };
    let unit = found.get(3)?.as_str();
    let scale = if unit.starts_with('h') {
        3600.0
    } else if unit.starts_with('m') {
        60.0
    } else {
        1.0
    };
    Some(amount * scale)
}

/// Whether a flow or bot message speaks of the handoff: it quotes a wait,
/// puts the customer in a queue or through to a person ("you are now being
/// placed in queue", "connecting you to the next available agent"), or
/// passes the conversation along ("I'll pass along our chat"); not a
/// greeting, not a mere mention that a queue exists.
pub(crate) fn announces_handoff(text: &str) -> bool {
    static HANDOFF: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(plac(e|ed|ing)|put(ting)?|transferr?(ed|ing)?|connect(ed|ing)?|rout(e|ed|ing)|add(ed|ing)?)\b.{0,40}\b(queue|agent|representative|specialist)s?\b|\bnext available (agent|representative)\b|\b(pass(ed|ing)?|hand(ed|ing)?)\b.{0,20}\b(along|over|on)\b",
        )
        .expect("the handoff pattern is valid")
    });
    HANDOFF.is_match(text) || quoted_wait_seconds(text).is_some()
}

/// Where the handoff begins when the contact enters the queue before
/// message `queued`: the first of the flow's or bot's messages right before
/// the queue (no customer or agent message between) that announces it (see
/// [`announces_handoff`]), so that what the AI said at the handoff ("the
/// time in queue is less than 5 minutes", then "you are now being placed in
/// queue") is read as said at the escalation; `queued` when none does.
pub(crate) fn handoff_start(messages: &[Message], queued: usize) -> usize {
    let queued = queued.min(messages.len());
    let mut start = queued;
    while start > 0 && messages[start - 1].role == Role::Assistant {
        start -= 1;
    }
    (start..queued)
        .find(|&i| messages[i].text.as_deref().is_some_and(announces_handoff))
        .unwrap_or(queued)
}

pub(crate) fn format_ms(ts: jiff::Timestamp) -> String {
    ts.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string()
}

/// Builds the v1 conversation from a header and its messages.
pub(crate) fn build(
    header: Header,
    messages: Vec<Message>,
    options: &Options,
) -> Result<Value, String> {
    if header.conversation_id.trim().is_empty() {
        return Err("no conversation id".to_string());
    }
    let mut parts_skipped = header.parts_skipped;
    for kind in messages.iter().flat_map(|m| &m.skipped) {
        *parts_skipped.entry(kind.clone()).or_default() += 1;
    }
    // A message with nothing to show (no text, no tool call, no part
    // already counted) is counted too: nothing vanishes without a number.
    for message in &messages {
        let empty = message.text.as_deref().is_none_or(|t| t.trim().is_empty())
            && message.tool_calls.is_empty()
            && message.skipped.is_empty();
        let kind = match message.role {
            Role::User => "customer message",
            Role::Assistant => "assistant message",
            Role::Agent => "agent message",
            Role::System | Role::Tool => continue,
        };
        if empty {
            *parts_skipped
                .entry(format!("{kind} without text"))
                .or_default() += 1;
        }
    }
    let has_turns = messages.iter().any(|m| {
        m.role != Role::System && m.text.as_deref().is_some_and(|t| !t.trim().is_empty())
            || !m.tool_calls.is_empty()
    });
    if !has_turns && header.extra_events.is_empty() {
        let mut why = "no messages and no events: nothing to import".to_string();
        if !parts_skipped.is_empty() {
            let left_out: Vec<String> = parts_skipped
                .iter()
                .map(|(kind, count)| format!("{kind}: {count}"))
                .collect();
            why.push_str(&format!(" (left out: {})", left_out.join(", ")));
        }
        return Err(why);
    }
    let agent_version = options
        .agent_version
        .clone()
        .or(header.agent_version)
        .unwrap_or_else(|| "unknown".to_string());
    let mut events: Vec<Value> = Vec::new();
    // Where each tool call's event is, by id, to put its result in.
    let mut open_calls: Vec<(Option<String>, usize)> = Vec::new();
    let mut extra = header.extra_events;
    extra.sort_by_key(|(before, _)| *before);
    let mut extra = extra.into_iter().peekable();
    for (index, mut message) in messages.into_iter().enumerate() {
        // The source's own events that come before this message.
        while let Some((_, event)) = extra.next_if(|(before, _)| *before <= index) {
            events.push(event);
        }
        // Moved into the event, not copied: a long transcript is held once.
        let text = message.text.take();
        let at = |mut event: Map<String, Value>| {
            if let Some(at) = &message.at {
                event.insert("at".into(), Value::from(at.clone()));
            }
            Value::Object(event)
        };
        match message.role {
            Role::System => {}
            Role::User | Role::Assistant | Role::Agent => {
                let speaker = match message.role {
                    Role::User => "customer",
                    Role::Agent => "human",
                    _ => "ai",
                };
                if let Some(text) = text.filter(|t| !t.trim().is_empty()) {
                    let mut event = Map::new();
                    event.insert("type".into(), json!("turn"));
                    event.insert("speaker".into(), json!(speaker));
                    event.insert("text".into(), Value::String(text));
                    if let Some(sentiment) = message.sentiment {
                        event.insert("sentiment".into(), json!(sentiment));
                    }
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
                    let text = text.unwrap_or_default();
                    let result =
                        serde_json::from_str::<Value>(&text).unwrap_or(Value::String(text));
                    if let Value::Object(map) = &mut events[event] {
                        map.insert("result".into(), result);
                    }
                }
            }
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
    let mut customer = json!({ "id": customer });
    if let Some(name) = header.customer_name {
        customer["name"] = json!(name);
    }
    conversation.insert("customer".into(), customer);
    // The source's start, else its first timed message or event.
    let first_time = events
        .iter()
        .find_map(|e| e.get("at").and_then(Value::as_str).map(str::to_string));
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
    let mut block = Map::new();
    block.insert("source".into(), json!(header.source));
    if let Some(can_record) = header.can_record {
        let names: Vec<&str> = can_record.names().collect();
        block.insert("canRecord".into(), json!(names));
    }
    if !parts_skipped.is_empty() {
        block.insert("partsSkipped".into(), json!(parts_skipped));
    }
    conversation.insert("import".into(), Value::Object(block));
    Ok(Value::Object(conversation))
}

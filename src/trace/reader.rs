//! Streaming reader for `handoff-trace/v1` JSONL.
//!
//! Inputs (files, directories of `*.jsonl`, `-` for stdin) are read line by
//! line in batches, so memory depends on the batch size, not on the number of
//! conversations. Parsing is separate from reading ([`parse_line`]) so that the
//! scheduler can parse on worker threads. A bad line becomes an error
//! naming the file, the line and the problem; it never stops the run.
//!
//! Memory is bounded in bytes too: a batch ends once it holds
//! [`LineReader::max_batch_bytes`], and a line longer than
//! [`LineReader::max_line_bytes`] is not kept at all: the reader skips to the
//! next newline and hands on the line's number and length only
//! ([`RawLine::overlong`]), for a located rejection. An input that never
//! ends a line is read through in constant memory.

use std::io::{self, BufRead, BufReader};

use jiff::Timestamp;
use serde::Deserialize;
use serde_json::Value;

use super::model::*;
use crate::input::Input;

/// One non-blank input line, not yet parsed.
#[derive(Debug)]
pub struct RawLine {
    /// Index into the reader's list of inputs.
    pub input: usize,
    /// 1-based line number in that input.
    pub line: u64,
    pub bytes: Vec<u8>,
    /// For a line longer than the reader's limit: its length in bytes
    /// (without the line ending). `bytes` is then empty: the line was
    /// skipped, not read into memory.
    pub overlong: Option<u64>,
}

/// Why an overlong line was rejected.
pub fn overlong_error(length: u64, limit: usize) -> String {
    format!(
        "line is {length} bytes, longer than --max-line-bytes ({limit}); skipped to the next line"
    )
}

/// Reads lines from a sequence of inputs, a batch at a time.
pub struct LineReader {
    inputs: Vec<Input>,
    current: usize,
    reader: Option<Box<dyn BufRead + Send>>,
    line: u64,
    pub bytes_read: u64,
    /// Bytes read from each input done with, in order.
    read_per_input: Vec<u64>,
    max_line_bytes: usize,
    max_batch_bytes: usize,
}

impl LineReader {
    /// Reads `inputs` with no limit on line or batch bytes.
    pub fn new(inputs: Vec<Input>) -> Self {
        LineReader {
            inputs,
            current: 0,
            reader: None,
            line: 0,
            bytes_read: 0,
            read_per_input: Vec::new(),
            max_line_bytes: usize::MAX,
            max_batch_bytes: usize::MAX,
        }
    }

    /// Lines longer than `bytes` (without the line ending) are skipped and
    /// handed on as [`RawLine::overlong`].
    pub fn max_line_bytes(mut self, bytes: usize) -> Self {
        self.max_line_bytes = bytes;
        self
    }

    /// A batch ends once its lines hold `bytes` (it always takes one line).
    pub fn max_batch_bytes(mut self, bytes: usize) -> Self {
        self.max_batch_bytes = bytes;
        self
    }

    pub fn inputs(&self) -> &[Input] {
        &self.inputs
    }

    /// Bytes read from each input read to its end, in the inputs' order
    /// (every input once the reader is exhausted); decoded bytes for a
    /// compressed input.
    pub fn read_per_input(&self) -> &[u64] {
        &self.read_per_input
    }

    /// Fills `batch` with up to `max` lines, and up to the batch byte
    /// limit; returns false once every input is exhausted and the batch is
    /// empty. An input that fails mid-read is an error: the run cannot
    /// honestly claim to have read it.
    pub fn next_batch(&mut self, max: usize, batch: &mut Vec<RawLine>) -> io::Result<bool> {
        batch.clear();
        let mut held = 0usize;
        while batch.len() < max && held < self.max_batch_bytes {
            if self.reader.is_none() {
                let Some(input) = self.inputs.get(self.current) else {
                    break;
                };
                let source = crate::input::open(input)?;
                self.reader = Some(Box::new(BufReader::with_capacity(256 * 1024, source)));
                self.line = 0;
            }
            let reader = self.reader.as_mut().expect("opened above");
            let mut bytes = Vec::new();
            let (read, overlong) =
                read_line(reader, &mut bytes, self.max_line_bytes).map_err(|err| {
                    io::Error::new(
                        err.kind(),
                        format!("{}: {err}", self.inputs[self.current].display_name()),
                    )
                })?;
            if read == 0 {
                let before: u64 = self.read_per_input.iter().sum();
                self.read_per_input.push(self.bytes_read - before);
                self.reader = None;
                self.current += 1;
                continue;
            }
            self.line += 1;
            self.bytes_read += read as u64;
            held += bytes.len();
            if overlong.is_some() {
                batch.push(RawLine {
                    input: self.current,
                    line: self.line,
                    bytes,
                    overlong,
                });
                continue;
            }
            if self.line == 1 && bytes.starts_with(b"\xEF\xBB\xBF") {
                bytes.drain(..3);
            }
            while bytes.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
                bytes.pop();
            }
            if bytes.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            batch.push(RawLine {
                input: self.current,
                line: self.line,
                bytes,
                overlong: None,
            });
        }
        Ok(!batch.is_empty())
    }
}

/// Reads one line, with its newline, into `out`, as `read_until` does, but
/// keeps at most `limit` bytes of it: past that, `out` is emptied and the
/// rest of the line is consumed without being kept. Returns the bytes
/// consumed (0 at the end of the input) and, for a line over the limit, its
/// length without the newline.
fn read_line<R: BufRead + ?Sized>(
    reader: &mut R,
    out: &mut Vec<u8>,
    limit: usize,
) -> io::Result<(usize, Option<u64>)> {
    let (mut consumed, mut overlong, mut ended) = (0usize, false, false);
    while !ended {
        let available = match reader.fill_buf() {
            Ok(available) => available,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => continue,
            Err(err) => return Err(err),
        };
        if available.is_empty() {
            break;
        }
        let take = match memchr::memchr(b'\n', available) {
            Some(at) => {
                ended = true;
                at + 1
            }
            None => available.len(),
        };
        if !overlong {
            if out.len() + take - usize::from(ended) > limit {
                overlong = true;
                *out = Vec::new();
            } else {
                out.extend_from_slice(&available[..take]);
            }
        }
        reader.consume(take);
        consumed += take;
    }
    let length = (consumed - usize::from(ended)) as u64;
    Ok((consumed, overlong.then_some(length)))
}

/// Parses and validates one line. The error is the problem only; the caller
/// adds file and line.
pub fn parse_line(bytes: &[u8]) -> Result<Conversation, String> {
    // serde would also read a struct from an array: one conversation is an object.
    match bytes.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => {}
        _ => {
            let start = String::from_utf8_lossy(&bytes[..bytes.len().min(20)]).into_owned();
            return Err(format!(
                "expected a JSON object (one conversation per line), found `{start}`"
            ));
        }
    }
    if bytes.len() > SCAN_ABOVE {
        let values = json_values(bytes);
        if values > MAX_VALUES {
            return Err(format!(
                "line holds about {values} JSON values, more than the {MAX_VALUES} one conversation may (parsed, each takes tens to hundreds of bytes); skipped unparsed"
            ));
        }
    }
    let mut conversation: Conversation = match serde_json::from_slice(bytes) {
        Ok(conversation) => conversation,
        Err(_) => return Err(describe_parse_error(bytes)),
    };
    validate(&conversation)?;
    conversation.derive_facts();
    Ok(conversation)
}

/// Parses again, this time tracking the path, to say where the problem is.
/// Only bad lines pay for path tracking.
fn describe_parse_error(bytes: &[u8]) -> String {
    if let Err(err) = std::str::from_utf8(bytes) {
        return format!("line is not valid UTF-8 ({err})");
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    match serde_path_to_error::deserialize::<_, Conversation>(&mut deserializer) {
        Ok(_) => "invalid JSON".to_string(),
        Err(err) => {
            let path = err.path().to_string();
            let inner = err.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                format!(
                    "invalid JSON: {}",
                    inner
                        .to_string()
                        .replace(" at line 1 column ", " at column ")
                )
            } else if path == "." {
                strip_position(&inner.to_string())
            } else {
                format!("{path}: {}", strip_position(&inner.to_string()))
            }
        }
    }
}

/// serde_json appends "at line 1 column N"; for a one-line record the path
/// says more, so data errors drop it (syntax errors keep it).
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(pos) => message[..pos].to_string(),
        None => message.to_string(),
    }
}

fn validate(conversation: &Conversation) -> Result<(), String> {
    if conversation.schema != SCHEMA {
        return Err(format!(
            "schema: expected \"{SCHEMA}\", found \"{}\"",
            conversation.schema
        ));
    }
    if conversation.conversation_id.trim().is_empty() {
        return Err("conversationId: must not be empty".to_string());
    }
    if conversation.started_at.is_none() && conversation.events.iter().any(|e| e.at.is_some()) {
        return Err(
            "missing key `startedAt` (only a conversation without any event time may leave it out)"
                .to_string(),
        );
    }
    if let Some(csat) = conversation.outcome.as_ref().and_then(|o| o.csat)
        && !(1..=5).contains(&csat)
    {
        return Err(format!(
            "outcome.csat: expected an integer 1-5, found {csat}"
        ));
    }
    for (index, event) in conversation.events.iter().enumerate() {
        if let EventKind::Turn {
            sentiment: Some(score),
            ..
        } = event.kind
            && !(-1.0..=1.0).contains(&score)
        {
            return Err(format!(
                "events[{index}].sentiment: expected a number in [-1, 1], found {score}"
            ));
        }
    }
    Ok(())
}

/// Every key an event of any known type may carry; which ones are required
/// depends on `type` and is checked in [`RawEvent::into_event`].
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawEvent {
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default, deserialize_with = "rfc3339::optional")]
    at: Option<Timestamp>,
    speaker: Option<Speaker>,
    text: Option<String>,
    sentiment: Option<f64>,
    tool: Option<String>,
    args: Option<Value>,
    result: Option<Value>,
    error: Option<String>,
    status: Option<VerificationStatus>,
    method: Option<String>,
    by: Option<OfferBy>,
    description: Option<String>,
    amount: Option<Amount>,
    response: Option<OfferResponse>,
    trigger: Option<Trigger>,
    urgency: Option<Urgency>,
    package: Option<Value>,
    queue: Option<String>,
    estimated_wait_seconds: Option<f64>,
    #[serde(default, deserialize_with = "rfc3339::optional")]
    scheduled_for: Option<Timestamp>,
    surface: Option<Surface>,
    payload: Option<Value>,
    duration_seconds: Option<f64>,
    agent_id: Option<String>,
    action: Option<String>,
    details: Option<Value>,
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        RawEvent::deserialize(deserializer)?
            .into_event()
            .map_err(serde::de::Error::custom)
    }
}

fn required<T>(value: Option<T>, key: &str, event_type: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing key `{key}` for a `{event_type}` event"))
}

impl RawEvent {
    fn into_event(self) -> Result<Event, String> {
        let t = self.event_type.as_str();
        let kind = match t {
            "turn" => EventKind::Turn {
                speaker: required(self.speaker, "speaker", t)?,
                text: required(self.text, "text", t)?,
                sentiment: self.sentiment,
            },
            "toolCall" => EventKind::ToolCall {
                tool: required(self.tool, "tool", t)?,
                args: self.args.unwrap_or(Value::Null),
                result: self.result,
                error: self.error,
            },
            "verification" => EventKind::Verification {
                status: required(self.status, "status", t)?,
                method: self.method,
            },
            "offer" => EventKind::Offer {
                by: required(self.by, "by", t)?,
                description: required(self.description, "description", t)?,
                amount: self.amount,
                response: required(self.response, "response", t)?,
            },
            "escalation" => EventKind::Escalation {
                trigger: self.trigger,
                urgency: self.urgency,
                description: self.description,
            },
            "handoffPackage" => match required(self.package, "package", t)? {
                Value::Object(map) => EventKind::HandoffPackage(Box::new(Package(map))),
                other => {
                    return Err(format!(
                        "`package` must be an object, found {}",
                        json_type_name(&other)
                    ));
                }
            },
            "queueJoined" => EventKind::QueueJoined {
                queue: required(self.queue, "queue", t)?,
                estimated_wait_seconds: self.estimated_wait_seconds,
            },
            "callbackScheduled" => EventKind::CallbackScheduled {
                scheduled_for: self.scheduled_for,
            },
            "contextDelivered" => EventKind::ContextDelivered {
                surface: required(self.surface, "surface", t)?,
                payload: self.payload,
                duration_seconds: self.duration_seconds,
            },
            "humanConnected" => EventKind::HumanConnected {
                agent_id: required(self.agent_id, "agentId", t)?,
            },
            "humanAction" => EventKind::HumanAction {
                action: required(self.action, "action", t)?,
                details: self.details,
            },
            _ => EventKind::Unknown {
                type_name: self.event_type,
            },
        };
        Ok(Event { at: self.at, kind })
    }
}

/// RFC 3339 timestamps with an error that shows the offending value.
/// The most JSON values (objects, arrays, numbers, strings, ...) one line
/// may hold. Parsed, a value takes from 32 bytes (a number in an array) to
/// a few hundred (an event), however few bytes its JSON has (`0,` is two),
/// so a line within `--max-line-bytes` could otherwise parse to fifty
/// times its size (a 63 MB array of zeros took 3.5 GB). Real conversations
/// hold thousands of values; a tool result dumping a table, tens of
/// thousands.
pub const MAX_VALUES: u64 = 1_000_000;

/// Lines up to this size are not counted ([`json_values`]): they hold at
/// most half a million values, and nearly every line is far shorter, so
/// the count costs the usual line nothing.
const SCAN_ABOVE: usize = 1 << 20;

/// An upper bound on the JSON values in `bytes` (one JSON text): every
/// value but the first of a container follows a `,`, and every container
/// starts with `[` or `{`; bytes inside strings are not counted.
fn json_values(bytes: &[u8]) -> u64 {
    let (mut values, mut in_string, mut escaped) = (1u64, false, false);
    for &byte in bytes {
        if in_string {
            if escaped {
                escaped = false;
            } else if byte == b'\\' {
                escaped = true;
            } else if byte == b'"' {
                in_string = false;
            }
        } else {
            match byte {
                b'"' => in_string = true,
                b',' | b'[' | b'{' => values += 1,
                _ => {}
            }
        }
    }
    values
}

/// The most events one conversation may hold. A parsed event takes a few
/// hundred bytes however short its JSON (`{"type":"x"}` is 13), so a line
/// within `--max-line-bytes` could otherwise parse to thirty times its size
/// (a 63 MB line of tiny events took 2 GB); real conversations hold
/// hundreds of events, long contact-center transcripts a few thousand.
pub const MAX_EVENTS: usize = 100_000;

/// `events`, refused past [`MAX_EVENTS`] while it is parsed, before the
/// rest is read: the line is rejected with its file and line.
pub(crate) fn bounded_events<'de, D, T>(deserializer: D) -> Result<Vec<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    struct Bounded<T>(std::marker::PhantomData<T>);

    impl<'de, T: serde::Deserialize<'de>> serde::de::Visitor<'de> for Bounded<T> {
        type Value = Vec<T>;

        fn expecting(&self, formatter: &mut std::fmt::Formatter) -> std::fmt::Result {
            formatter.write_str("an array of events")
        }

        fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<T>, A::Error> {
            let mut events = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
            while let Some(event) = seq.next_element()? {
                if events.len() == MAX_EVENTS {
                    return Err(serde::de::Error::custom(format!(
                        "more than {MAX_EVENTS} events in one conversation (the most this tool reads; split the conversation)"
                    )));
                }
                events.push(event);
            }
            Ok(events)
        }
    }

    deserializer.deserialize_seq(Bounded(std::marker::PhantomData))
}

pub(crate) mod rfc3339 {
    use jiff::Timestamp;
    use serde::{Deserialize, Deserializer, de};

    fn parse<E: de::Error>(text: &str) -> Result<Timestamp, E> {
        text.parse::<Timestamp>().map_err(|err| {
            E::custom(format!(
                "expected an RFC 3339 timestamp such as 2026-11-02T14:03:11.000Z, found \"{text}\" ({err})"
            ))
        })
    }

    pub fn optional<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Timestamp>, D::Error> {
        match Option::<std::borrow::Cow<'de, str>>::deserialize(deserializer)? {
            Some(text) => parse(&text).map(Some),
            None => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lines(text: &[u8], limit: usize) -> Vec<(usize, Option<u64>, Vec<u8>)> {
        // A small buffer, so lines span several fills.
        let mut reader = BufReader::with_capacity(4, text);
        let mut found = Vec::new();
        loop {
            let mut out = Vec::new();
            let (read, overlong) = read_line(&mut reader, &mut out, limit).unwrap();
            if read == 0 {
                return found;
            }
            found.push((read, overlong, out));
        }
    }

    #[test]
    fn lines_over_the_limit_are_skipped_to_the_next_newline() {
        let found = lines(b"short\nmuch too long a line\nok\r\nlast", 10);
        assert_eq!(
            found,
            vec![
                (6, None, b"short\n".to_vec()),
                (21, Some(20), Vec::new()),
                (4, None, b"ok\r\n".to_vec()),
                (4, None, b"last".to_vec()),
            ]
        );
        // Exactly at the limit is kept; a newline does not count.
        assert_eq!(lines(b"0123456789\n", 10)[0].1, None);
        assert_eq!(lines(b"0123456789a", 10)[0].1, Some(11));
    }

    #[test]
    fn batches_end_at_their_byte_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        let line = format!("{{\"x\": \"{}\"}}\n", "y".repeat(1000));
        std::fs::write(&path, line.repeat(10) + &"z".repeat(5000) + "\n").unwrap();
        let mut reader = LineReader::new(vec![Input::File(path)])
            .max_batch_bytes(2500)
            .max_line_bytes(2000);
        let mut batch = Vec::new();
        let mut sizes = Vec::new();
        while reader.next_batch(1024, &mut batch).unwrap() {
            sizes.push(batch.len());
            if let Some(last) = batch.iter().find(|l| l.overlong.is_some()) {
                assert_eq!((last.line, last.overlong), (11, Some(5000)));
            }
        }
        assert_eq!(sizes, vec![3, 3, 3, 2]);
        assert_eq!(reader.bytes_read, (line.len() * 10 + 5001) as u64);
        assert_eq!(reader.read_per_input(), [reader.bytes_read]);
    }
}

#[cfg(test)]
mod bounds {
    use super::*;

    /// The first conversation of the shipped demo, with `event` added.
    fn with_event(event: &str) -> Vec<u8> {
        let demo = include_str!("../../datasets/demo.jsonl");
        let line = demo.lines().next().unwrap();
        let at = line.find("\"events\":[").unwrap() + "\"events\":[".len();
        format!("{}{event},{}", &line[..at], &line[at..]).into_bytes()
    }

    #[test]
    fn values_are_counted_outside_strings_only() {
        assert_eq!(json_values(br#"{"a":[1,2,{"b":"x,[{"}],"c":"\",{"}"#), 7);
        assert_eq!(json_values(b"0"), 1);
    }

    #[test]
    fn a_line_of_too_many_values_or_events_is_rejected_saying_so() {
        assert!(parse_line(&with_event(r#"{"type":"x"}"#)).is_ok());
        let zeros = vec!["0"; MAX_VALUES as usize].join(",");
        let line = with_event(&format!(
            r#"{{"type":"toolCall","tool":"t","args":[{zeros}]}}"#
        ));
        let err = parse_line(&line).unwrap_err();
        assert!(
            err.contains(&format!("more than the {MAX_VALUES} one conversation may")),
            "{err}"
        );
        let tiny = vec![r#"{"type":"x"}"#; MAX_EVENTS].join(",");
        let err = parse_line(&with_event(&tiny)).unwrap_err();
        assert!(
            err.contains(&format!(
                "more than {MAX_EVENTS} events in one conversation"
            )),
            "{err}"
        );
    }
}

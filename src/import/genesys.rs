//! Genesys Cloud: analytics conversation details, joined with Speech & Text
//! Analytics transcripts on `conversationId`.
//!
//! Inputs are classified by shape, value by value (see [`super::values`]):
//!
//! - **Conversation details** (`conversationId`, `participants` with
//!   `purpose` and `sessions` of `segments`), one per file, a list, one per
//!   line, or a details query or job result (`{"conversations": [...]}`,
//!   read item by item; an empty page, `{"totalHits": 0}`, is noted and
//!   holds nothing). They carry no words: who joined when, in which queue.
//! - **Speech & Text Analytics transcripts** (`conversationId`,
//!   `transcripts[].phrases[]` with `text`, `startTimeMs` in epoch
//!   milliseconds and `participantPurpose`; `analytics.sentiment[]` per
//!   phrase; `participants[]` with `participantPurpose` and
//!   `startTimeMs`). Several transcripts of one conversation (one per
//!   communication) are merged by time.
//!
//! The files are read twice, each time once through: first for where each
//! conversation's parts are (its detail, its transcripts), then to build
//! each conversation as soon as its last part is read. Only the parts of
//! conversations not yet complete are held, as their JSON text; time is
//! linear in the input. Conversations come out in the order their last
//! part is read. One conversation, one detail and one transcript per
//! communication: a part given twice (the same export passed twice) is
//! rejected as a duplicate, naming the first.
//!
//! Mapping:
//!
//! - Phrases by `external` (or `customer`) are `customer` turns, by
//!   `internal` (or `agent`, `user`) `human` turns, by `ivr`, `bot`, `acd`
//!   or `workflow` (the flow and its bots) `ai` turns. A phrase without
//!   `startTimeMs` keeps no time and its place after the phrase before it.
//! - The `acd` participant's start is the contact entering a queue, a
//!   `queueJoined` (`queue` the queue id). When an automated front end (an
//!   `ivr`, `workflow` or `bot` participant, or their phrases) came before
//!   it, it is also an `escalation` (trigger and urgency are not in the
//!   source), placed at the first of the flow's phrases right before the
//!   queue that announce the handoff. A flow or survey after the agent is
//!   no front end. An `agent` participant's first `interact` segment (its
//!   start, in a transcript) is `humanConnected`; an interact segment
//!   without a start is counted, and the conversation then cannot record
//!   when the agent connected.
//! - What reached the agent's screen is not in these exports. An agent
//!   session's `scriptId` says that a script was assigned to the
//!   interaction (by its queue or flow): scripts open on the agent's
//!   desktop as the interaction reaches them, but the export shows neither
//!   what the script displayed nor whether before the agent answered, and no
//!   script does not mean no context. So no `contextDelivered` is made, the
//!   import block says the source cannot record one, and the script id is
//!   kept as metadata `scriptId`.
//! - A customer session's `authenticated` flag says whether the provider
//!   asserted the customer's identity: `true` is a `verification`
//!   (`verified`, method `authenticated`).
//! - Sentiment is the phrase's `sentiment`, already on the [-1, 1] scale.

use std::collections::{BTreeMap, HashMap};
use std::hash::{Hash, Hasher};
use std::path::PathBuf;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value, json};

use super::values::each_value;
use super::{
    Emit, Header, Message, Role, event, handoff_start, human_connected, millis_time, queue_entry,
    quoted_wait_seconds, str_at, time_at,
};
use crate::trace::{EventType, FactSet, Field};

enum Shape {
    Detail,
    Transcript,
}

fn shape(value: &Value) -> Result<Shape, String> {
    let Some(object) = value.as_object() else {
        return Err(format!(
            "expected an object (a conversation detail or a transcript), found {}",
            crate::trace::json_type_name(value)
        ));
    };
    if object.get("transcripts").is_some_and(Value::is_array) {
        Ok(Shape::Transcript)
    } else if object.get("participants").is_some_and(Value::is_array)
        && object.contains_key("conversationId")
    {
        Ok(Shape::Detail)
    } else if let Some(other) = object.get("transcripts") {
        Err(format!(
            "`transcripts` is {}, expected the list of a Speech & Text Analytics transcript",
            crate::trace::json_type_name(other)
        ))
    } else if let Some(other) = object.get("participants") {
        Err(format!(
            "`participants` is {}{}, expected the list of a conversation detail",
            crate::trace::json_type_name(other),
            if object.contains_key("conversationId") {
                ""
            } else {
                " and there is no `conversationId`"
            }
        ))
    } else {
        Err(
            "neither a conversation detail (`conversationId`, `participants`) nor a \
             Speech & Text Analytics transcript (`transcripts`)"
                .to_string(),
        )
    }
}

/// Where a part of a conversation is, the same on both readings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Place {
    file: usize,
    ordinal: usize,
    /// The item of a details query result, or `None` for the value itself.
    item: Option<usize>,
}

/// A conversation's parts, as the first reading found them.
#[derive(Default)]
struct Parts {
    detail: Option<(Place, String)>,
    transcripts: Vec<(Place, String)>,
}

impl Parts {
    fn count(&self) -> usize {
        usize::from(self.detail.is_some()) + self.transcripts.len()
    }

    /// Where the conversation is reported: its detail, else its first transcript.
    fn reported_at(&self) -> (Place, String) {
        self.detail
            .clone()
            .or_else(|| self.transcripts.first().cloned())
            .expect("a conversation has a part")
    }
}

/// The parts read so far of a conversation not yet complete, as JSON text.
#[derive(Default)]
struct Pending {
    detail: Option<Vec<u8>>,
    transcripts: Vec<(Place, Vec<u8>)>,
    read: usize,
}

pub fn import(files: &[PathBuf], emit: &mut Emit<'_>) -> std::io::Result<()> {
    // Reading 1: every conversation's parts, duplicates rejected.
    let mut parts: HashMap<String, Parts> = HashMap::new();
    let mut communications: HashMap<(String, u64), (usize, String)> = HashMap::new();
    for (index, file) in files.iter().enumerate() {
        emit.set_file(file);
        each_value(file, emit, true, |emit, found| {
            let mut io_result = Ok(());
            let listed = each_record(found.bytes, |item, value| {
                if io_result.is_err() {
                    return;
                }
                let record = match item {
                    Some(i) => format!("{}: conversations[{i}]", found.record),
                    None => found.record.clone(),
                };
                let place = Place {
                    file: index,
                    ordinal: found.ordinal,
                    item,
                };
                io_result = first_reading(
                    emit,
                    files,
                    place,
                    record,
                    &value,
                    &mut parts,
                    &mut communications,
                );
            });
            match listed {
                Ok(Listed::Records) => io_result,
                Ok(Listed::EmptyPage) => {
                    emit.note(format!(
                        "{}: a query result with no conversations",
                        found.record
                    ));
                    io_result
                }
                Err(message) => emit.reject_record(found.record, message),
            }
        })?;
    }
    drop(communications);
    // Reading 2: each conversation built once its last part is read.
    let mut wanted: HashMap<Place, &str> = HashMap::new();
    for (id, conversation) in &parts {
        for (place, _) in conversation.detail.iter().chain(&conversation.transcripts) {
            wanted.insert(*place, id);
        }
    }
    let files_wanted: std::collections::BTreeSet<usize> =
        wanted.keys().map(|place| place.file).collect();
    let mut pending: HashMap<&str, Pending> = HashMap::new();
    for index in files_wanted {
        let file = &files[index];
        emit.set_file(file);
        each_value(file, emit, false, |emit, found| {
            let mut ready: Vec<&str> = Vec::new();
            let listed = each_record(found.bytes, |item, value| {
                let place = Place {
                    file: index,
                    ordinal: found.ordinal,
                    item,
                };
                let Some(id) = wanted.get(&place).copied() else {
                    return;
                };
                let text = serde_json::to_vec(&value).unwrap_or_default();
                let entry = pending.entry(id).or_default();
                match parts[id].detail {
                    Some((detail, _)) if detail == place => entry.detail = Some(text),
                    _ => entry.transcripts.push((place, text)),
                }
                entry.read += 1;
                if entry.read == parts[id].count() {
                    ready.push(id);
                }
            });
            if listed.is_err() {
                return Ok(());
            }
            for id in ready {
                let Some(part) = pending.remove(id) else {
                    continue;
                };
                let (place, record) = parts[id].reported_at();
                emit.set_file(&files[place.file]);
                let built = complete(part)
                    .and_then(|(detail, transcripts)| conversation(detail.as_ref(), &transcripts))
                    .and_then(|(header, messages)| super::build(header, messages, emit.options));
                emit.record(record, built)?;
            }
            emit.set_file(file);
            Ok(())
        })?;
    }
    Ok(())
}

/// The parts of a conversation parsed again, its transcripts in the order
/// they were found.
fn complete(mut part: Pending) -> Result<(Option<Value>, Vec<Value>), String> {
    let parse = |text: &[u8]| serde_json::from_slice::<Value>(text).map_err(|e| e.to_string());
    let detail = part.detail.as_deref().map(parse).transpose()?;
    part.transcripts.sort_by_key(|(place, _)| *place);
    let transcripts = part
        .transcripts
        .iter()
        .map(|(_, text)| parse(text))
        .collect::<Result<Vec<_>, _>>()?;
    Ok((detail, transcripts))
}

/// A record of the first reading: where it goes, or why it is rejected.
fn first_reading(
    emit: &mut Emit<'_>,
    files: &[PathBuf],
    place: Place,
    record: String,
    value: &Value,
    parts: &mut HashMap<String, Parts>,
    communications: &mut HashMap<(String, u64), (usize, String)>,
) -> std::io::Result<()> {
    let shape = match shape(value) {
        Ok(shape) => shape,
        Err(message) => return emit.reject_record(record, message),
    };
    let Some(id) = str_at(value, "/conversationId") else {
        return emit.reject_record(record, "no `conversationId`");
    };
    match shape {
        Shape::Detail => {
            let conversation = parts.entry(id.to_string()).or_default();
            if let Some((first, first_record)) = &conversation.detail {
                let message = format!(
                    "a second detail of conversation `{id}` (the first, {}: {first_record}, \
                     is imported)",
                    files[first.file].display()
                );
                return emit.reject_record(record, message);
            }
            conversation.detail = Some((place, record));
        }
        Shape::Transcript => {
            // One transcript per communication; without a communication id,
            // the same content twice is the same transcript.
            let key = match str_at(value, "/communicationId") {
                Some(communication) => hash(communication),
                None => hash(&value.to_string()),
            };
            if let Some((first_file, first_record)) = communications.get(&(id.to_string(), key)) {
                let message = format!(
                    "a second transcript of the same communication of conversation `{id}` \
                     (the first, {}: {first_record}, is imported)",
                    files[*first_file].display()
                );
                return emit.reject_record(record, message);
            }
            communications.insert((id.to_string(), key), (place.file, record.clone()));
            parts
                .entry(id.to_string())
                .or_default()
                .transcripts
                .push((place, record));
        }
    }
    Ok(())
}

fn hash(text: &str) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut hasher);
    hasher.finish()
}

/// What a value held.
enum Listed {
    Records,
    /// A details query result without conversations.
    EmptyPage,
}

/// Hands on the records of one value: the value itself, or the items of a
/// details query or job result (`{"conversations": [...]}`), each parsed
/// and handed on in turn, so that a large page is never held whole.
fn each_record(bytes: &[u8], mut f: impl FnMut(Option<usize>, Value)) -> Result<Listed, String> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        let value: Value = serde_json::from_slice(bytes).map_err(|err| err.to_string())?;
        f(None, value);
        return Ok(Listed::Records);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let top = deserializer
        .deserialize_map(TopVisitor { f: &mut f })
        .map_err(|err| format!("invalid JSON: {err}"))?;
    match top {
        Top::Page(0) => Ok(Listed::EmptyPage),
        Top::Page(_) => Ok(Listed::Records),
        Top::Value(map) => {
            let page = !map.contains_key("conversationId")
                && !map.contains_key("participants")
                && !map.contains_key("transcripts");
            match map.get("conversations") {
                Some(Value::Null) if page => return Ok(Listed::EmptyPage),
                Some(other) if page => {
                    return Err(format!(
                        "`conversations` is {}, expected the list of a details query result",
                        crate::trace::json_type_name(other)
                    ));
                }
                None if page && map.contains_key("totalHits") => return Ok(Listed::EmptyPage),
                _ => {}
            }
            f(None, Value::Object(map));
            Ok(Listed::Records)
        }
    }
}

enum Top {
    /// A page whose `conversations` were handed on: how many.
    Page(usize),
    /// Any other object, whole.
    Value(Map<String, Value>),
}

struct TopVisitor<'f, F> {
    f: &'f mut F,
}

impl<'de, F: FnMut(Option<usize>, Value)> Visitor<'de> for TopVisitor<'_, F> {
    type Value = Top;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Top, A::Error> {
        let mut rest = Map::new();
        let mut streamed = None;
        while let Some(key) = map.next_key::<String>()? {
            if key == "conversations" && streamed.is_none() && !rest.contains_key("participants") {
                match map.next_value_seed(ItemsSeed { f: &mut *self.f })? {
                    Items::Streamed(count) => streamed = Some(count),
                    Items::Other(value) => {
                        rest.insert(key, value);
                    }
                }
            } else {
                let value: Value = map.next_value()?;
                rest.insert(key, value);
            }
        }
        match streamed {
            Some(count) if !rest.contains_key("participants") => Ok(Top::Page(count)),
            Some(_) => Err(de::Error::custom(
                "an object with both `participants` and a `conversations` list",
            )),
            None => Ok(Top::Value(rest)),
        }
    }
}

enum Items {
    Streamed(usize),
    Other(Value),
}

struct ItemsSeed<'f, F> {
    f: &'f mut F,
}

impl<'de, F: FnMut(Option<usize>, Value)> DeserializeSeed<'de> for ItemsSeed<'_, F> {
    type Value = Items;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Items, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de, F: FnMut(Option<usize>, Value)> Visitor<'de> for ItemsSeed<'_, F> {
    type Value = Items;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a list of conversation details")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Items, A::Error> {
        let mut count = 0;
        while let Some(item) = seq.next_element::<Value>()? {
            (self.f)(Some(count), item);
            count += 1;
        }
        Ok(Items::Streamed(count))
    }

    fn visit_unit<E>(self) -> Result<Items, E> {
        Ok(Items::Other(Value::Null))
    }

    fn visit_bool<E>(self, b: bool) -> Result<Items, E> {
        Ok(Items::Other(Value::Bool(b)))
    }

    fn visit_i64<E>(self, n: i64) -> Result<Items, E> {
        Ok(Items::Other(json!(n)))
    }

    fn visit_u64<E>(self, n: u64) -> Result<Items, E> {
        Ok(Items::Other(json!(n)))
    }

    fn visit_f64<E>(self, n: f64) -> Result<Items, E> {
        Ok(Items::Other(json!(n)))
    }

    fn visit_str<E>(self, text: &str) -> Result<Items, E> {
        Ok(Items::Other(Value::String(text.to_string())))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Items, A::Error> {
        let mut object = Map::new();
        while let Some((key, value)) = map.next_entry::<String, Value>()? {
            object.insert(key, value);
        }
        Ok(Items::Other(Value::Object(object)))
    }
}

fn channel(media: &str) -> Option<&'static str> {
    match media.to_ascii_lowercase().as_str() {
        "voice" | "call" | "callback" => Some("voice"),
        "chat" => Some("chat"),
        "email" => Some("email"),
        "message" | "messaging" | "sms" => Some("messaging"),
        _ => None,
    }
}

fn role_of(purpose: &str) -> Option<Role> {
    match purpose.to_ascii_lowercase().as_str() {
        "external" | "customer" => Some(Role::User),
        "internal" | "agent" | "user" => Some(Role::Agent),
        "ivr" | "bot" | "acd" | "workflow" => Some(Role::Assistant),
        _ => None,
    }
}

/// An automated front end: an IVR, a flow, a bot.
fn automated(purpose: Option<&str>) -> bool {
    purpose.is_some_and(|p| matches!(p.to_ascii_lowercase().as_str(), "ivr" | "bot" | "workflow"))
}

/// An event of the detail or the transcript's participant list, with its time.
struct Timed {
    at: String,
    event: Value,
}

/// What the participants say besides their events.
#[derive(Default)]
struct Cast {
    /// When an automated participant started (`None`: untimed), with its
    /// position in the participant list.
    automated: Vec<(Option<String>, usize, String)>,
    /// Position in the participant list of the first `acd` participant.
    first_queue: Option<usize>,
    /// An agent interacted but the export gives no time for it.
    untimed_agent: bool,
}

/// One conversation from its detail (if any) and its transcripts.
fn conversation(
    detail: Option<&Value>,
    transcripts: &[Value],
) -> Result<(Header, Vec<Message>), String> {
    let id = detail
        .or(transcripts.first())
        .and_then(|v| str_at(v, "/conversationId"))
        .ok_or("no `conversationId`")?;
    let mut metadata = Map::new();
    metadata.insert("source".into(), json!("genesys"));
    let mut header = Header {
        conversation_id: id.to_string(),
        source: "genesys",
        ..Header::default()
    };
    let mut can_record = FactSet::NONE;
    let mut timed: Vec<Timed> = Vec::new();
    let mut cast = Cast::default();
    match detail {
        Some(detail) => {
            can_record = can_record
                .with(EventType::Escalation)
                .with(EventType::QueueJoined)
                .with(EventType::HumanConnected);
            detail_events(
                detail,
                &mut header,
                &mut metadata,
                &mut timed,
                &mut can_record,
                &mut cast,
            )?;
        }
        None => {
            // A transcript alone shows the queue, the agent and a front end
            // only through its own participant list.
            let mut listed = false;
            for transcript in transcripts {
                listed |= transcript_participants(transcript, &mut timed, &mut cast)?;
            }
            if listed {
                can_record = can_record
                    .with(EventType::Escalation)
                    .with(EventType::QueueJoined)
                    .with(EventType::HumanConnected);
            }
        }
    }
    let mut messages = Vec::new();
    for transcript in transcripts {
        if header.channel.is_none() {
            header.channel = str_at(transcript, "/mediaType")
                .and_then(channel)
                .map(str::to_string);
        }
        if header.started_at.is_none() {
            header.started_at = millis_time(
                transcript.get("conversationStartTime"),
                "conversationStartTime",
            )?;
        }
        phrases(transcript, &mut header, &mut messages)?;
    }
    if !transcripts.is_empty() {
        // What the flow said is in the transcript: a quoted wait, and the
        // customer's name where the agent says it.
        can_record = can_record
            .with(EventType::Turn)
            .with_field(Field::QuotedWait)
            .with_field(Field::CustomerName);
    }
    if cast.untimed_agent {
        header.skip("agent interact segment without a segmentStart");
        can_record = can_record.without(FactSet::of(&[EventType::HumanConnected]));
    }
    if let Some(language) = transcripts
        .iter()
        .find_map(|t| str_at(t, "/transcripts/0/language"))
    {
        metadata.insert("language".into(), json!(language));
    }
    // Phrases in time order (communications interleave); an untimed phrase
    // stays after the phrase before it.
    messages.sort_by(|a, b| a.1.cmp(&b.1));
    let messages: Vec<Message> = messages.into_iter().map(|(message, _)| message).collect();
    timed.sort_by(|a, b| a.at.cmp(&b.at));
    // A wait the flow quoted before the agent answered.
    let answered = timed
        .iter()
        .find(|t| t.event["type"] == "humanConnected")
        .map(|t| t.at.clone());
    let quoted = messages
        .iter()
        .filter(|m| m.role == Role::Assistant)
        .filter(|m| match (&m.at, &answered) {
            (Some(at), Some(answered)) => at <= answered,
            _ => true,
        })
        .find_map(|m| m.text.as_deref().and_then(quoted_wait_seconds));
    if let Some(wait) = quoted
        && let Some(queued) = timed.iter_mut().find(|t| t.event["type"] == "queueJoined")
        && let Value::Object(map) = &mut queued.event
    {
        map.insert("estimatedWaitSeconds".into(), json!(wait));
    }
    // The queue entry is a handoff when an automated front end (an IVR, a
    // flow, a bot) came before it: a participant of that purpose that
    // started before the queue (or, untimed, is listed before it), or its
    // phrases before the queue. A flow after the agent (a survey) is none.
    let queued_at = timed
        .iter()
        .find(|t| t.event["type"] == "queueJoined")
        .map(|t| t.at.clone());
    let front_end = cast
        .automated
        .iter()
        .find(|(at, position, _)| match (at, &queued_at) {
            (Some(at), Some(queued)) => at <= queued,
            _ => cast.first_queue.is_some_and(|queue| *position < queue),
        });
    if let Some((_, _, purpose)) = front_end {
        metadata.insert("selfService".into(), json!(purpose));
    }
    let spoke_first = messages.iter().any(|m| {
        m.role == Role::Assistant
            && match (&m.at, &queued_at) {
                (Some(at), Some(queued)) => at <= queued,
                _ => false,
            }
    });
    let escalated = front_end.is_some() || spoke_first;
    // Each event before the first phrase that starts after it; an agent's
    // connection no later than the agent's first phrase, and the queue no
    // later than the connection (untimed phrases cannot place them).
    let first_agent_phrase = messages.iter().position(|m| m.role == Role::Agent);
    let mut placed: Vec<(usize, Value)> = Vec::new();
    let mut connected_at: Option<usize> = None;
    for Timed { at, event } in timed.iter().rev() {
        let mut position = messages
            .iter()
            .position(|m| m.at.as_deref().is_some_and(|t| t > at.as_str()))
            .unwrap_or(messages.len());
        match event["type"].as_str() {
            Some("humanConnected") => {
                if let Some(first) = first_agent_phrase {
                    position = position.min(first);
                }
                connected_at = Some(connected_at.map_or(position, |c| c.min(position)));
            }
            Some("queueJoined" | "escalation") => {
                if let Some(connected) = connected_at {
                    position = position.min(connected);
                }
            }
            _ => {}
        }
        placed.push((position, event.clone()));
    }
    placed.reverse();
    for (position, event) in placed {
        if event["type"] == "escalation" {
            if !escalated {
                continue;
            }
            // From the first of the flow's phrases that announce the handoff.
            let start = handoff_start(&messages, position);
            let at = match messages.get(start) {
                Some(message) if start < position => message.at.clone(),
                _ => event["at"].as_str().map(str::to_string),
            };
            header
                .extra_events
                .push((start, super::event("escalation", at.as_deref(), Map::new())));
            continue;
        }
        header.extra_events.push((position, event));
    }
    header.extra_events.sort_by_key(|(position, _)| *position);
    header.can_record = Some(can_record);
    header.metadata = metadata;
    Ok((header, messages))
}

/// The first segment of a participant's sessions of a given type, or any.
fn first_segment<'v>(participant: &'v Value, segment_type: Option<&str>) -> Option<&'v Value> {
    participant
        .get("sessions")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .flat_map(|s| {
            s.get("segments")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
        })
        .filter(|segment| {
            segment_type.is_none_or(|wanted| {
                str_at(segment, "/segmentType").is_some_and(|t| t.eq_ignore_ascii_case(wanted))
            })
        })
        .min_by(|a, b| {
            str_at(a, "/segmentStart")
                .unwrap_or_default()
                .cmp(str_at(b, "/segmentStart").unwrap_or_default())
        })
}

fn detail_events(
    detail: &Value,
    header: &mut Header,
    metadata: &mut Map<String, Value>,
    timed: &mut Vec<Timed>,
    can_record: &mut FactSet,
    cast: &mut Cast,
) -> Result<(), String> {
    header.started_at = time_at(detail.get("conversationStart"), "conversationStart")?;
    header.ended_at = time_at(detail.get("conversationEnd"), "conversationEnd")?;
    let participants = detail
        .get("participants")
        .and_then(Value::as_array)
        .ok_or("no `participants` list")?;
    let mut customer_attributes: Option<&Value> = None;
    for (p, participant) in participants.iter().enumerate() {
        let purpose = str_at(participant, "/purpose").unwrap_or_default();
        let location = format!("participants[{p}]");
        let segment_time = |segment: Option<&Value>| -> Result<Option<String>, String> {
            match segment {
                Some(segment) => time_at(
                    segment.get("segmentStart"),
                    &format!("{location}: segmentStart"),
                ),
                None => Ok(None),
            }
        };
        match purpose.to_ascii_lowercase().as_str() {
            "customer" | "external" => {
                if header.customer_name.is_none() {
                    header.customer_name =
                        str_at(participant, "/participantName").map(str::to_string);
                }
                if header.customer_id.is_none() {
                    header.customer_id =
                        str_at(participant, "/externalContactId").map(str::to_string);
                }
                customer_attributes = customer_attributes.or(participant.get("attributes"));
                for session in participant
                    .get("sessions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                {
                    if header.channel.is_none() {
                        header.channel = str_at(session, "/mediaType")
                            .and_then(channel)
                            .map(str::to_string);
                    }
                    if let Some(authenticated) =
                        session.get("authenticated").and_then(Value::as_bool)
                    {
                        *can_record = can_record.with(EventType::Verification);
                        if authenticated {
                            let at = segment_time(
                                session
                                    .get("segments")
                                    .and_then(Value::as_array)
                                    .and_then(|s| s.first()),
                            )?
                            .or_else(|| header.started_at.clone());
                            if let Some(at) = at {
                                let mut fields = Map::new();
                                fields.insert("status".into(), json!("verified"));
                                fields.insert("method".into(), json!("authenticated"));
                                timed.push(Timed {
                                    event: event("verification", Some(&at), fields),
                                    at,
                                });
                            }
                        }
                    }
                }
            }
            "acd" => {
                cast.first_queue.get_or_insert(p);
                let segment = first_segment(participant, None);
                let Some(at) = segment_time(segment)? else {
                    header.skip("acd participant without a segment start");
                    continue;
                };
                let queue = segment
                    .and_then(|s| str_at(s, "/queueId"))
                    .or_else(|| str_at(participant, "/participantName"))
                    .unwrap_or("unknown");
                push_queue_entry(timed, &at, queue);
                metadata.entry("queue").or_insert_with(|| json!(queue));
            }
            "agent" | "user" => {
                let segment = first_segment(participant, Some("interact"));
                if segment.is_none() {
                    // Offered but never answered: the agent did not connect.
                    continue;
                }
                let Some(at) = segment_time(segment)? else {
                    // The agent interacted, at a time the export does not give.
                    cast.untimed_agent = true;
                    continue;
                };
                let agent = str_at(participant, "/userId")
                    .or_else(|| str_at(participant, "/participantId"))
                    .unwrap_or("unknown");
                timed.push(Timed {
                    event: human_connected(agent, Some(&at)),
                    at,
                });
                if let Some(script) = participant
                    .get("sessions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .find_map(|s| str_at(s, "/scriptId"))
                {
                    metadata.entry("scriptId").or_insert_with(|| json!(script));
                }
            }
            "ivr" | "workflow" | "bot" => {
                let at = segment_time(first_segment(participant, None))?;
                cast.automated
                    .push((at, p, purpose.to_ascii_lowercase().to_string()));
            }
            "" => header.skip("participant without a purpose"),
            other => header.skip(format!("participant with purpose `{other}`")),
        }
    }
    if let Some(Value::Object(attributes)) = customer_attributes {
        for (key, value) in attributes {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            metadata.insert(format!("attributes.{key}"), json!(text));
        }
    }
    Ok(())
}

fn push_queue_entry(timed: &mut Vec<Timed>, at: &str, queue: &str) {
    for event in queue_entry(Some(at), queue, None) {
        timed.push(Timed {
            event,
            at: at.to_string(),
        });
    }
}

/// Queue and agent events from a transcript's own participant list; true
/// when the transcript has one.
fn transcript_participants(
    transcript: &Value,
    timed: &mut Vec<Timed>,
    cast: &mut Cast,
) -> Result<bool, String> {
    let Some(participants) = transcript.get("participants").and_then(Value::as_array) else {
        return Ok(false);
    };
    for (p, participant) in participants.iter().enumerate() {
        let purpose = str_at(participant, "/participantPurpose").unwrap_or_default();
        let at = millis_time(
            participant.get("startTimeMs"),
            &format!("participants[{p}].startTimeMs"),
        )?;
        match purpose.to_ascii_lowercase().as_str() {
            "acd" => {
                cast.first_queue.get_or_insert(p);
                if let Some(at) = at {
                    let queue = str_at(participant, "/queueId").unwrap_or("unknown");
                    push_queue_entry(timed, &at, queue);
                }
            }
            "agent" | "user" | "internal" => match at {
                Some(at) => {
                    let agent = str_at(participant, "/userId").unwrap_or("unknown");
                    timed.push(Timed {
                        event: human_connected(agent, Some(&at)),
                        at,
                    });
                }
                None => cast.untimed_agent = true,
            },
            purpose if automated(Some(purpose)) => {
                cast.automated.push((at, p, purpose.to_string()));
            }
            _ => {}
        }
    }
    Ok(!participants.is_empty())
}

/// The phrases of one transcript document as messages, each with the time
/// it sorts by: its own, else that of the phrase before it in its document.
fn phrases(
    transcript: &Value,
    header: &mut Header,
    messages: &mut Vec<(Message, Option<String>)>,
) -> Result<(), String> {
    for (d, document) in transcript
        .get("transcripts")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        // Sentiment of each phrase: by `phraseIndex` when phrases carry one,
        // else by start time and text.
        let mut by_index: BTreeMap<i64, f64> = BTreeMap::new();
        let mut by_start: HashMap<(i64, &str), f64> = HashMap::new();
        for entry in document
            .pointer("/analytics/sentiment")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            let Some(score) = entry.get("sentiment").and_then(Value::as_f64) else {
                continue;
            };
            if !(-1.0..=1.0).contains(&score) {
                header.skip("sentiment outside [-1, 1]");
                continue;
            }
            if let Some(index) = entry.get("phraseIndex").and_then(Value::as_i64) {
                by_index.insert(index, score);
            }
            if let (Some(start), Some(text)) = (
                entry.get("startTimeMs").and_then(Value::as_i64),
                entry.get("phrase").and_then(Value::as_str),
            ) {
                by_start.insert((start, text), score);
            }
        }
        let mut previous: Option<String> = None;
        for (i, phrase) in document
            .get("phrases")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .enumerate()
        {
            let location = format!("transcripts[{d}].phrases[{i}]");
            let purpose = str_at(phrase, "/participantPurpose").unwrap_or("unknown");
            let Some(role) = role_of(purpose) else {
                header.skip(format!("phrase by `{purpose}`"));
                continue;
            };
            let text = match phrase.get("text").or_else(|| phrase.get("decoratedText")) {
                Some(Value::String(text)) => text.as_str(),
                None | Some(Value::Null) => "",
                Some(other) => {
                    header.skip(format!(
                        "phrase whose text is {}",
                        crate::trace::json_type_name(other)
                    ));
                    continue;
                }
            };
            if text.trim().is_empty() {
                header.skip("empty phrase");
                continue;
            }
            let at = millis_time(
                phrase.get("startTimeMs"),
                &format!("{location}.startTimeMs"),
            )?;
            if at.is_some() {
                previous.clone_from(&at);
            }
            let start = phrase.get("startTimeMs").and_then(Value::as_i64);
            let sentiment = phrase
                .get("phraseIndex")
                .and_then(Value::as_i64)
                .and_then(|index| by_index.get(&index).copied())
                .or_else(|| start.and_then(|s| by_start.get(&(s, text)).copied()));
            messages.push((
                Message {
                    role,
                    text: Some(text.to_string()),
                    at,
                    sentiment,
                    ..Message::default()
                },
                previous.clone(),
            ));
        }
    }
    Ok(())
}

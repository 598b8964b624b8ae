//! Amazon Connect: Contact Lens conversational-analytics output, joined with
//! contact records or contact events on the contact id.
//!
//! Inputs are classified by shape, whatever their file names:
//!
//! - **Contact Lens output** (an object with `Transcript`): chat
//!   (`Channel: CHAT`, items with `AbsoluteTime`, `ParticipantRole`,
//!   `ContentType`, per-item sentiment under
//!   `ConversationCharacteristics.Sentiment.DetailsByTranscriptItemGroup`) or
//!   voice (`Channel: VOICE`, turns timed by `BeginOffsetMillis` only, a
//!   `Sentiment` label per turn). The contact id is
//!   `CustomerMetadata.ContactId`, else the id Contact Lens puts at the start
//!   of its file names (`<contact id>_analysis_...`), else the file's stem.
//! - **Contact records** (objects with `ContactId`, the contact trace record
//!   model: `InitiationTimestamp`, `Queue.EnqueueTimestamp`,
//!   `Agent.ConnectedToAgentTimestamp`, `Attributes`, ...), one per file, a
//!   list, or one per line as a Kinesis Firehose export writes them.
//! - **Contact events** (an EventBridge `Amazon Connect Contact Event` with
//!   its `detail`, or the `detail` alone: `contactId`, `eventType`,
//!   `queueInfo.enqueueTimestamp`, `agentInfo.connectedToAgentTimestamp`).
//!
//! Mapping (the README's "How sources map" has the table):
//!
//! - `SYSTEM` and `CUSTOM_BOT` messages (the contact flow and its bot) are
//!   `ai` turns, `CUSTOMER` messages `customer` turns, `AGENT` and
//!   `SUPERVISOR` messages `human` turns. Text is kept as the source gives
//!   it: in a redacted analysis file the `[PII]` placeholders stay.
//! - An agent's `participant.joined` event is `humanConnected` (else the
//!   record's `ConnectedToAgentTimestamp`). The contact entering a queue is
//!   a `queueJoined`: at the record's `EnqueueTimestamp`, else at the first
//!   flow message that puts the customer in a queue; a flow message that
//!   quotes a wait ("less than 5 minutes") gives `estimatedWaitSeconds`.
//!   After flow or bot messages it is also an `escalation` (trigger and
//!   urgency are not in the source). A record, and a call recording, do not
//!   show what came before the queue: they cannot record an escalation.
//! - Sentiment labels map to the [-1, 1] scale: POSITIVE 0.5, NEUTRAL 0,
//!   MIXED 0, NEGATIVE -0.5 (a label gives the direction, not the strength:
//!   the middle of each half of the scale).
//! - Voice turns are timed from the record's `ConnectedToAgentTimestamp`
//!   (Amazon Connect records a call from the moment the agent connects);
//!   without a record they keep no time.
//! - Contact attributes become metadata `attributes.<name>`: no field of
//!   these exports says they reached the agent's screen, so no
//!   `contextDelivered` is made, and the import block says the source cannot
//!   record one.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use serde_json::{Map, Value, json};

use super::{
    Emit, Header, Message, Role, human_connected, json_values, json_values_again, queue_entry,
    quoted_wait_seconds, str_at, time_at,
};
use crate::trace::EventType;

/// What contact records and contact events say about one contact.
#[derive(Debug, Default, Clone)]
struct Contact {
    channel: Option<String>,
    initiated: Option<String>,
    enqueued: Option<String>,
    queue: Option<String>,
    connected_to_agent: Option<String>,
    agent: Option<String>,
    disconnected: Option<String>,
    customer: Option<String>,
    attributes: BTreeMap<String, String>,
    /// From a contact record, whose names (queue, agent) beat an event's ARNs.
    from_record: bool,
    /// Where it was first seen: (file, record), for errors.
    seen_at: (PathBuf, String),
}

impl Contact {
    /// Fills what `self` lacks from `other` (records are delivered at
    /// least once, events one per state change).
    fn merge(&mut self, mut other: Contact) {
        if other.from_record && !self.from_record {
            std::mem::swap(&mut self.seen_at, &mut other.seen_at);
            std::mem::swap(self, &mut other);
        }
        fn fill(mine: &mut Option<String>, theirs: Option<String>) {
            if mine.is_none() {
                *mine = theirs;
            }
        }
        fill(&mut self.channel, other.channel);
        fill(&mut self.initiated, other.initiated);
        fill(&mut self.enqueued, other.enqueued);
        fill(&mut self.queue, other.queue);
        fill(&mut self.connected_to_agent, other.connected_to_agent);
        fill(&mut self.agent, other.agent);
        fill(&mut self.disconnected, other.disconnected);
        fill(&mut self.customer, other.customer);
        for (key, value) in other.attributes {
            self.attributes.entry(key).or_insert(value);
        }
    }
}

/// The last part of an ARN (`.../queue/<id>`), which names the resource.
fn arn_name(arn: &str) -> String {
    arn.rsplit('/').next().unwrap_or(arn).to_string()
}

/// A contact record (the contact trace record model, PascalCase).
fn contact_record(value: &Value, seen_at: (PathBuf, String)) -> Result<(String, Contact), String> {
    let id = str_at(value, "/ContactId").ok_or("no `ContactId`")?;
    let time = |pointer: &str| time_at(value.pointer(pointer), &pointer[1..].replace('/', "."));
    let contact = Contact {
        channel: str_at(value, "/Channel").map(str::to_string),
        initiated: time("/InitiationTimestamp")?,
        enqueued: time("/Queue/EnqueueTimestamp")?,
        queue: str_at(value, "/Queue/Name")
            .map(str::to_string)
            .or_else(|| str_at(value, "/Queue/ARN").map(arn_name)),
        connected_to_agent: time("/Agent/ConnectedToAgentTimestamp")?,
        agent: str_at(value, "/Agent/Username")
            .map(str::to_string)
            .or_else(|| str_at(value, "/Agent/ARN").map(arn_name)),
        disconnected: time("/DisconnectTimestamp")?,
        customer: str_at(value, "/CustomerEndpoint/Address").map(str::to_string),
        attributes: attributes(value.get("Attributes")),
        from_record: true,
        seen_at,
    };
    Ok((id.to_string(), contact))
}

/// A contact event (camelCase), bare or inside its EventBridge envelope.
fn contact_event(value: &Value, seen_at: (PathBuf, String)) -> Result<(String, Contact), String> {
    let detail = value.get("detail").unwrap_or(value);
    let id = str_at(detail, "/contactId").ok_or("no `contactId`")?;
    let time = |pointer: &str| time_at(detail.pointer(pointer), &pointer[1..].replace('/', "."));
    let contact = Contact {
        channel: str_at(detail, "/channel").map(str::to_string),
        initiated: time("/initiationTimestamp")?,
        enqueued: time("/queueInfo/enqueueTimestamp")?,
        queue: str_at(detail, "/queueInfo/queueArn").map(arn_name),
        connected_to_agent: time("/agentInfo/connectedToAgentTimestamp")?,
        agent: str_at(detail, "/agentInfo/agentArn").map(arn_name),
        disconnected: time("/disconnectTimestamp")?,
        customer: None,
        attributes: attributes(
            detail
                .get("attributes")
                .or_else(|| detail.get("Attributes")),
        ),
        from_record: false,
        seen_at,
    };
    Ok((id.to_string(), contact))
}

/// Contact attributes (a map of names to values) as text.
fn attributes(value: Option<&Value>) -> BTreeMap<String, String> {
    let Some(Value::Object(map)) = value else {
        return BTreeMap::new();
    };
    map.iter()
        .map(|(key, value)| {
            let text = match value {
                Value::String(s) => s.clone(),
                other => other.to_string(),
            };
            (key.clone(), text)
        })
        .collect()
}

enum Shape {
    ContactLens,
    Record,
    Event,
}

fn shape(value: &Value) -> Option<Shape> {
    let object = value.as_object()?;
    if object.get("Transcript").is_some_and(Value::is_array) {
        Some(Shape::ContactLens)
    } else if object.contains_key("ContactId") {
        Some(Shape::Record)
    } else if object.contains_key("contactId")
        || object
            .get("detail")
            .is_some_and(|d| d.get("contactId").is_some())
    {
        Some(Shape::Event)
    } else {
        None
    }
}

pub fn import(files: &[PathBuf], emit: &mut Emit<'_>) -> std::io::Result<()> {
    // Pass 1: records and events by contact id; which files hold Contact Lens output.
    let mut contacts: HashMap<String, Contact> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut analyses: Vec<PathBuf> = Vec::new();
    for file in files {
        emit.set_file(file);
        let Some(values) = json_values(file, emit)? else {
            continue;
        };
        if values
            .iter()
            .any(|(_, v)| matches!(shape(v), Some(Shape::ContactLens)))
        {
            analyses.push(file.clone());
            continue;
        }
        for (record, value) in values {
            let seen_at = (file.clone(), record.clone());
            let parsed = match shape(&value) {
                Some(Shape::Record) => contact_record(&value, seen_at),
                Some(Shape::Event) => contact_event(&value, seen_at),
                _ => Err(
                    "neither Contact Lens output (`Transcript`), a contact record \
                          (`ContactId`) nor a contact event (`contactId`)"
                        .to_string(),
                ),
            };
            match parsed {
                Ok((id, contact)) => match contacts.get_mut(&id) {
                    Some(known) => known.merge(contact),
                    None => {
                        order.push(id.clone());
                        contacts.insert(id, contact);
                    }
                },
                Err(message) => emit.reject_record(record, message),
            }
        }
    }
    // Pass 2: each analysis with its contact's record, read again so that
    // only one transcript is held at a time.
    for file in &analyses {
        emit.set_file(file);
        let Some(values) = json_values_again(file)? else {
            continue;
        };
        for (record, value) in values {
            if !matches!(shape(&value), Some(Shape::ContactLens)) {
                emit.reject_record(
                    record,
                    "a file of Contact Lens output holds something else too",
                );
                continue;
            }
            let id = contact_id(&value, file);
            let contact = contacts.remove(&id);
            let built = analysis(&value, &id, contact.as_ref())
                .and_then(|(header, messages)| super::build(header, &messages, emit.options));
            emit.record(record, built)?;
        }
    }
    // Contacts with a record or events and no transcript.
    for id in order {
        let Some(contact) = contacts.remove(&id) else {
            continue;
        };
        let (file, record) = contact.seen_at.clone();
        emit.set_file(&file);
        let built = record_only(&id, &contact)
            .and_then(|(header, messages)| super::build(header, &messages, emit.options));
        emit.record(record, built)?;
    }
    Ok(())
}

/// The contact id of an analysis: its metadata, else the file name's prefix.
fn contact_id(value: &Value, file: &Path) -> String {
    if let Some(id) = str_at(value, "/CustomerMetadata/ContactId") {
        return id.to_string();
    }
    let stem = crate::input::content_stem(file);
    match stem.split_once("_analysis") {
        Some((id, _)) if !id.is_empty() => id.to_string(),
        _ => stem,
    }
}

fn channel(name: Option<&str>) -> Option<String> {
    match name?.to_ascii_uppercase().as_str() {
        "VOICE" => Some("voice".into()),
        "CHAT" => Some("chat".into()),
        "EMAIL" => Some("email".into()),
        "TASK" => None,
        _ => None,
    }
}

/// A Contact Lens sentiment label on the [-1, 1] scale.
fn sentiment(label: &str) -> Option<f64> {
    match label.to_ascii_uppercase().as_str() {
        "POSITIVE" => Some(0.5),
        "NEGATIVE" => Some(-0.5),
        "NEUTRAL" | "MIXED" => Some(0.0),
        _ => None,
    }
}

/// Who speaks: a participant role to a message role.
fn role_of(participant_role: &str) -> Option<Role> {
    match participant_role.to_ascii_uppercase().as_str() {
        "CUSTOMER" => Some(Role::User),
        "AGENT" | "SUPERVISOR" => Some(Role::Agent),
        "SYSTEM" | "CUSTOM_BOT" | "BOT" => Some(Role::Assistant),
        _ => None,
    }
}

/// Chat events that carry nothing a check reads.
const QUIET_EVENTS: &[&str] = &[
    "participant.left",
    "chat.ended",
    "typing",
    "message.delivered",
    "message.read",
    "participant.idle",
    "participant.returned",
    "participant.invited",
    "connection.acknowledged",
];

const EVENT_PREFIX: &str = "application/vnd.amazonaws.connect.event.";

fn base_header(id: &str, contact: Option<&Contact>) -> Header {
    let mut metadata = Map::new();
    metadata.insert("source".into(), json!("amazon-connect"));
    let mut header = Header {
        conversation_id: id.to_string(),
        source: "amazon-connect",
        ..Header::default()
    };
    if let Some(contact) = contact {
        header.channel = channel(contact.channel.as_deref());
        header.customer_id = contact.customer.clone();
        header.started_at = contact.initiated.clone();
        header.ended_at = contact.disconnected.clone();
        if let Some(queue) = &contact.queue {
            metadata.insert("queue".into(), json!(queue));
        }
        for (key, value) in &contact.attributes {
            metadata.insert(format!("attributes.{key}"), json!(value));
        }
    }
    header.metadata = metadata;
    header
}

/// The queue entry a contact's record (or the flow's message) gives.
fn queue_event(contact: &Contact, at: Option<&str>, wait: Option<f64>) -> [Value; 2] {
    queue_entry(at, contact.queue.as_deref().unwrap_or("unknown"), wait)
}

/// The queue entry and the agent's connection that a record gives, before
/// everything else; the agent named by the record, else `agent`.
fn record_events(contact: &Contact, agent: Option<&str>, header: &mut Header) {
    // What the contact went through before the queue is not in a record
    // (nor in a call recording): a queue entry, no escalation.
    if contact.enqueued.is_some() {
        let [_, queued] = queue_event(contact, contact.enqueued.as_deref(), None);
        header.extra_events.push((0, queued));
    }
    if contact.connected_to_agent.is_some() {
        let agent = contact.agent.as_deref().or(agent).unwrap_or("unknown");
        header.extra_events.push((
            0,
            human_connected(agent, contact.connected_to_agent.as_deref()),
        ));
    }
}

/// A contact known only from its record or events.
fn record_only(id: &str, contact: &Contact) -> Result<(Header, Vec<Message>), String> {
    let mut header = base_header(id, Some(contact));
    header.can_record = Some(vec![EventType::QueueJoined, EventType::HumanConnected]);
    record_events(contact, None, &mut header);
    if header.extra_events.is_empty() {
        return Err(format!(
            "contact `{id}` has no transcript, no queue and no agent: nothing to score"
        ));
    }
    Ok((header, Vec::new()))
}

/// One Contact Lens analysis, with its contact's record when there is one.
fn analysis(
    value: &Value,
    id: &str,
    contact: Option<&Contact>,
) -> Result<(Header, Vec<Message>), String> {
    let items = value
        .get("Transcript")
        .and_then(Value::as_array)
        .ok_or("no `Transcript` list")?;
    let mut header = base_header(id, contact);
    let declared = channel(str_at(value, "/Channel"));
    let voice = match declared.as_deref() {
        Some(name) => name == "voice",
        None => items.iter().any(|item| item.get("AbsoluteTime").is_none()),
    };
    header.channel = declared
        .or(header.channel.take())
        .or_else(|| Some(if voice { "voice" } else { "chat" }.into()));
    if let Some(language) = str_at(value, "/LanguageCode") {
        header.metadata.insert("language".into(), json!(language));
    }
    if let Some(output) = str_at(value, "/ContentMetadata/Output") {
        header
            .metadata
            .insert("contentOutput".into(), json!(output.to_ascii_lowercase()));
    }
    // Who each participant is, for items that give only an id.
    let mut roles: HashMap<&str, &str> = HashMap::new();
    for participant in value
        .get("Participants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        if let (Some(pid), Some(role)) = (
            str_at(participant, "/ParticipantId"),
            str_at(participant, "/ParticipantRole"),
        ) {
            roles.insert(pid, role);
            let name = str_at(participant, "/DisplayName");
            if role.eq_ignore_ascii_case("CUSTOMER")
                && let Some(name) = name.filter(|n| !is_placeholder(n))
            {
                header.customer_name = Some(name.to_string());
            }
        }
    }
    if voice {
        voice_turns(items, &roles, contact, header)
    } else {
        chat_turns(value, items, &roles, contact, header)
    }
}

/// A redaction placeholder such as `[PII]` where a name would be.
fn is_placeholder(text: &str) -> bool {
    let text = text.trim();
    text.starts_with('[') && text.ends_with(']')
}

/// Who said an item and what, or `None` once what is left out is counted
/// (`noun` names the item: `message`, `turn`).
fn said<'v>(
    item: &'v Value,
    roles: &HashMap<&str, &'v str>,
    header: &mut Header,
    noun: &str,
) -> Option<(Role, &'v str)> {
    let Some(role_name) = item_role(item, roles) else {
        header.skip(format!("{noun} without a participant role"));
        return None;
    };
    let Some(role) = role_of(role_name) else {
        header.skip(format!("{noun} from {role_name}"));
        return None;
    };
    let text = item.get("Content").and_then(Value::as_str).unwrap_or("");
    if text.trim().is_empty() {
        header.skip(format!("empty {noun}"));
        return None;
    }
    Some((role, text))
}

/// A sentiment label on the scale, counting a label it does not know.
fn labelled(label: Option<&str>, header: &mut Header) -> Option<f64> {
    let label = label?;
    let score = sentiment(label);
    if score.is_none() {
        header.skip(format!("sentiment label {label}"));
    }
    score
}

fn item_role<'v>(item: &'v Value, roles: &HashMap<&str, &'v str>) -> Option<&'v str> {
    str_at(item, "/ParticipantRole")
        .or_else(|| str_at(item, "/ParticipantId").and_then(|pid| roles.get(pid).copied()))
}

fn chat_turns(
    value: &Value,
    items: &[Value],
    roles: &HashMap<&str, &str>,
    contact: Option<&Contact>,
    mut header: Header,
) -> Result<(Header, Vec<Message>), String> {
    header.can_record = Some(vec![
        EventType::Turn,
        EventType::Escalation,
        EventType::QueueJoined,
        EventType::HumanConnected,
    ]);
    // Sentiment label of each transcript item, by item id.
    let mut labels: HashMap<&str, &str> = HashMap::new();
    for group in value
        .pointer("/ConversationCharacteristics/Sentiment/DetailsByTranscriptItemGroup")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(label) = str_at(group, "/Sentiment") else {
            continue;
        };
        for item in group
            .get("TranscriptItems")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(item_id) = str_at(item, "/Id") {
                labels.insert(item_id, label);
            }
        }
    }
    let mut messages: Vec<Message> = Vec::new();
    let mut queued_after: Option<(usize, Option<String>)> = None;
    let mut wait: Option<f64> = None;
    let mut joined = false;
    for (index, item) in items.iter().enumerate() {
        let at = time_at(
            item.get("AbsoluteTime"),
            &format!("Transcript[{index}].AbsoluteTime"),
        )?;
        let content_type = str_at(item, "/ContentType").unwrap_or("text/plain");
        let role_name = item_role(item, roles);
        if let Some(kind) = content_type.strip_prefix(EVENT_PREFIX) {
            match kind {
                "participant.joined"
                    if role_name.is_some_and(|r| r.eq_ignore_ascii_case("AGENT")) =>
                {
                    // The agent's name from the record, else the chat participant.
                    let agent = contact
                        .and_then(|c| c.agent.as_deref())
                        .or_else(|| str_at(item, "/ParticipantId"))
                        .unwrap_or("unknown");
                    header
                        .extra_events
                        .push((messages.len(), human_connected(agent, at.as_deref())));
                    joined = true;
                }
                "participant.joined" => {}
                "chat.ended" => {
                    if header.ended_at.is_none() {
                        header.ended_at = at.clone();
                    }
                }
                quiet if QUIET_EVENTS.contains(&quiet) => {}
                other => header.skip(format!("event {other}")),
            }
            continue;
        }
        if str_at(item, "/Type").is_some_and(|t| t.eq_ignore_ascii_case("ATTACHMENT")) {
            header.skip("attachment");
            continue;
        }
        if !content_type.starts_with("text/") {
            header.skip(format!("message of type {content_type}"));
            continue;
        }
        let Some((role, text)) = said(item, roles, &mut header, "message") else {
            continue;
        };
        let label = str_at(item, "/Id").and_then(|item_id| labels.get(item_id).copied());
        let sentiment = labelled(label, &mut header);
        if role == Role::Assistant && !joined {
            if wait.is_none() {
                wait = quoted_wait_seconds(text);
            }
            if queued_after.is_none() && mentions_queue(text) {
                queued_after = Some((messages.len() + 1, at.clone()));
            }
        }
        messages.push(Message {
            role,
            text: Some(text.to_string()),
            at,
            sentiment,
            ..Message::default()
        });
    }
    // The queue entry: the record's, else the flow's message about it, else
    // (an agent joined, so the contact was queued) untimed, before the join.
    let queue_entry = match contact.and_then(|c| c.enqueued.clone()) {
        Some(at) => {
            let position = messages
                .iter()
                .position(|m| m.at.as_deref().is_some_and(|t| t > at.as_str()))
                .unwrap_or(messages.len());
            Some((position, Some(at)))
        }
        None => queued_after.or_else(|| {
            header
                .extra_events
                .first()
                .map(|(position, _)| (*position, None))
        }),
    };
    if !joined && let Some(contact) = contact.filter(|c| c.connected_to_agent.is_some()) {
        let at = contact.connected_to_agent.as_deref();
        let position = at
            .and_then(|at| {
                messages
                    .iter()
                    .position(|m| m.at.as_deref().is_some_and(|t| t > at))
            })
            .unwrap_or(messages.len());
        let agent = contact.agent.as_deref().unwrap_or("unknown");
        header
            .extra_events
            .push((position, human_connected(agent, at)));
    }
    if let Some((position, at)) = queue_entry {
        let default = Contact::default();
        let [escalation, queued] = queue_event(contact.unwrap_or(&default), at.as_deref(), wait);
        // Before anything else at that position (the agent joins after).
        header.extra_events.insert(0, (position, queued));
        // A handoff when the flow or its bot spoke before the queue.
        if messages[..position.min(messages.len())]
            .iter()
            .any(|m| m.role == Role::Assistant)
        {
            header.extra_events.insert(0, (position, escalation));
        }
    }
    header.extra_events.sort_by_key(|(position, _)| *position);
    if header.started_at.is_none() {
        header.started_at = items
            .iter()
            .find_map(|item| time_at(item.get("AbsoluteTime"), "").ok().flatten());
    }
    Ok((header, messages))
}

/// Whether a flow message tells the customer they are being queued or put
/// through ("you are now being placed in queue", "connecting you to the next
/// available agent"), not only that a queue exists ("the time in queue is
/// less than 5 minutes").
fn mentions_queue(text: &str) -> bool {
    static QUEUED: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(plac(e|ed|ing)|put(ting)?|transferr?(ed|ing)?|connect(ed|ing)?|rout(e|ed|ing)|add(ed|ing)?)\b.{0,40}\b(queue|agent|representative|specialist)s?\b|\bnext available (agent|representative)\b",
        )
        .expect("the queue pattern is valid")
    });
    QUEUED.is_match(text)
}

fn voice_turns(
    items: &[Value],
    roles: &HashMap<&str, &str>,
    contact: Option<&Contact>,
    mut header: Header,
) -> Result<(Header, Vec<Message>), String> {
    // Amazon Connect records a call from the agent's connection on: the
    // record's connection time anchors the offsets. Without it, no clock.
    let anchor = match contact.and_then(|c| c.connected_to_agent.as_deref()) {
        Some(at) => Some(
            at.parse::<jiff::Timestamp>()
                .map_err(|err| format!("{at}: {err}"))?,
        ),
        None => None,
    };
    let mut messages = Vec::new();
    for (index, item) in items.iter().enumerate() {
        let Some((role, text)) = said(item, roles, &mut header, "turn") else {
            continue;
        };
        let at = match (anchor, item.get("BeginOffsetMillis")) {
            (Some(anchor), Some(offset)) => {
                let millis = offset.as_i64().ok_or_else(|| {
                    format!("Transcript[{index}].BeginOffsetMillis: expected whole milliseconds, found {offset}")
                })?;
                let at = anchor
                    .checked_add(jiff::SignedDuration::from_millis(millis))
                    .map_err(|err| format!("Transcript[{index}].BeginOffsetMillis: {err}"))?;
                Some(super::format_ms(at))
            }
            _ => None,
        };
        let sentiment = labelled(str_at(item, "/Sentiment"), &mut header);
        messages.push(Message {
            role,
            text: Some(text.to_string()),
            at,
            sentiment,
            ..Message::default()
        });
    }
    let agent = roles
        .iter()
        .find(|(_, role)| role.eq_ignore_ascii_case("AGENT"))
        .map(|(pid, _)| (*pid).to_string());
    match contact {
        Some(contact) => {
            header.can_record = Some(vec![
                EventType::Turn,
                EventType::QueueJoined,
                EventType::HumanConnected,
            ]);
            record_events(contact, agent.as_deref(), &mut header);
            if contact.connected_to_agent.is_none() {
                let agent = contact
                    .agent
                    .clone()
                    .or(agent)
                    .unwrap_or_else(|| "unknown".into());
                header.extra_events.push((0, human_connected(&agent, None)));
            }
        }
        None => {
            // The recording starts with the agent: connected before the
            // first turn, at an unknown time. The queue before it is not in
            // the recording.
            header.can_record = Some(vec![EventType::Turn, EventType::HumanConnected]);
            let agent = agent.unwrap_or_else(|| "unknown".into());
            header.extra_events.push((0, human_connected(&agent, None)));
        }
    }
    if anchor.is_none() {
        // Offsets without an anchor: no clock at all, so no record times either.
        header.started_at = None;
        header.ended_at = None;
        for (_, event) in &mut header.extra_events {
            if let Value::Object(map) = event {
                map.remove("at");
            }
        }
    } else if header.started_at.is_none() {
        header.started_at = contact.and_then(|c| c.connected_to_agent.clone());
    }
    Ok((header, messages))
}

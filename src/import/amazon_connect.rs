//! Amazon Connect: Contact Lens conversational-analytics output, joined with
//! contact records or contact events on the contact id.
//!
//! Inputs are classified by shape, value by value, whatever their file
//! names (a file may hold one value, a list, JSON Lines or values back to
//! back, see [`super::values`]):
//!
//! - **Contact Lens output** (an object with a `Transcript` list): chat
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
//!   list, one per line, or back to back as a Kinesis Firehose export writes
//!   them.
//! - **Contact events** (an EventBridge `Amazon Connect Contact Event` with
//!   its `detail`, or the `detail` alone: `contactId`, `eventType`,
//!   `queueInfo.enqueueTimestamp`, `agentInfo.connectedToAgentTimestamp`).
//!
//! Records and events are small and kept by contact id while the files are
//! read once; Contact Lens files are then read a second time, one analysis
//! at a time, into structs of the fields used ([`super::json_leaf`]), so a
//! long transcript is held once and compactly. One contact, one
//! conversation: of two analyses of a contact, a redacted one is kept over
//! a raw one (no raw PII reaches the traces when a redacted copy exists),
//! else the first; the other is rejected as a duplicate, naming the kept.
//!
//! Mapping (the README's "How sources map" has the table):
//!
//! - `SYSTEM` and `CUSTOM_BOT` messages (the contact flow and its bot) are
//!   `ai` turns, `CUSTOMER` messages `customer` turns, `AGENT` and
//!   `SUPERVISOR` messages `human` turns. Text is kept as the source gives
//!   it: in a redacted analysis file the `[PII]` placeholders stay, and the
//!   import block says the source cannot show the customer's name in text.
//! - An agent's `participant.joined` event is `humanConnected` (else the
//!   record's `ConnectedToAgentTimestamp`). The contact entering a queue is
//!   a `queueJoined`: at the record's `EnqueueTimestamp`, else at the first
//!   flow message that puts the customer in a queue; a flow message that
//!   quotes a wait ("less than 5 minutes") gives `estimatedWaitSeconds`.
//!   After flow or bot messages it is also an `escalation` (trigger and
//!   urgency are not in the source), placed at the first of the flow's
//!   messages right before the queue that announce the handoff (the quoted
//!   wait, "placing you in queue"), so that they are read as said at the
//!   escalation. A record, and a call recording, do not show what came
//!   before the queue: they cannot record an escalation.
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

use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::json_leaf::{Kind, Leaf, or_default, typed};
use super::values::each_value;
use super::{
    Emit, Header, Message, Role, event, handoff_start, human_connected, queue_entry,
    quoted_wait_seconds, str_at, time_at,
};
use crate::trace::{EventType, FactSet, Field};

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

/// A contact record (the contact trace record model, PascalCase). Errors
/// name the contact.
fn contact_record(value: &Value, seen_at: (PathBuf, String)) -> Result<(String, Contact), String> {
    let id = str_at(value, "/ContactId")
        .ok_or_else(|| not_an_id("ContactId", value.get("ContactId")))?;
    let time = |pointer: &str| {
        time_at(value.pointer(pointer), &pointer[1..].replace('/', "."))
            .map_err(|err| format!("contact `{id}`: {err}"))
    };
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
    let id = str_at(detail, "/contactId")
        .ok_or_else(|| not_an_id("contactId", detail.get("contactId")))?;
    let time = |pointer: &str| {
        time_at(detail.pointer(pointer), &pointer[1..].replace('/', "."))
            .map_err(|err| format!("contact `{id}`: {err}"))
    };
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

/// Why a contact id is not one: "`ContactId` is a number, expected the
/// contact id as text".
fn not_an_id(key: &str, value: Option<&Value>) -> String {
    let what = match value {
        Some(Value::String(_)) => "blank",
        Some(other) => crate::trace::json_type_name(other),
        None => "missing",
    };
    format!("`{key}` is {what}, expected the contact id as text")
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

/// What a value is, read without building it: the keys that tell.
#[derive(Deserialize)]
struct Probe {
    #[serde(rename = "Transcript")]
    transcript: Option<Kind>,
    #[serde(rename = "ContactId")]
    record_id: Option<Kind>,
    #[serde(rename = "contactId")]
    event_id: Option<Kind>,
    detail: Option<Value>,
    #[serde(rename = "CustomerMetadata", default, deserialize_with = "or_default")]
    customer_metadata: CustomerMetadata,
    #[serde(rename = "ContentMetadata", default, deserialize_with = "or_default")]
    content_metadata: ContentMetadata,
}

enum Shape {
    ContactLens,
    Record,
    Event,
}

/// The shape of a value, or why it has none this importer reads.
fn shape(bytes: &[u8]) -> Result<(Shape, Probe), String> {
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace()).copied();
    if first != Some(b'{') {
        let kind: Kind = serde_json::from_slice(bytes).map_err(|err| err.to_string())?;
        return Err(format!(
            "expected an object (Contact Lens output, a contact record or a contact event), \
             found {}",
            kind.name()
        ));
    }
    let probe: Probe = typed(bytes)?;
    let shape = match probe.transcript {
        Some(Kind::List) => Shape::ContactLens,
        Some(kind) => {
            return Err(format!(
                "`Transcript` is {}, expected the list of transcript items of Contact Lens output",
                kind.name()
            ));
        }
        None if probe.record_id.is_some() => Shape::Record,
        None if probe.event_id.is_some()
            || probe
                .detail
                .as_ref()
                .is_some_and(|d| d.get("contactId").is_some()) =>
        {
            Shape::Event
        }
        None => {
            return Err(
                "neither Contact Lens output (`Transcript`), a contact record \
                        (`ContactId`) nor a contact event (`contactId`)"
                    .to_string(),
            );
        }
    };
    Ok((shape, probe))
}

/// A Contact Lens analysis found in the first reading, to build in the second.
struct AnalysisRef {
    file: usize,
    ordinal: usize,
    record: String,
    id: String,
    redacted: bool,
}

pub fn import(files: &[PathBuf], emit: &mut Emit<'_>) -> std::io::Result<()> {
    // Reading 1: records and events by contact id; where the analyses are.
    let mut contacts: HashMap<String, Contact> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut analyses: Vec<AnalysisRef> = Vec::new();
    for (index, file) in files.iter().enumerate() {
        emit.set_file(file);
        each_value(file, emit, true, |emit, found| {
            let (shape, probe) = match shape(found.bytes) {
                Ok(shaped) => shaped,
                Err(message) => return emit.reject_record(found.record, message),
            };
            let seen_at = (file.clone(), found.record.clone());
            let parsed = match shape {
                Shape::ContactLens => {
                    analyses.push(AnalysisRef {
                        file: index,
                        ordinal: found.ordinal,
                        id: contact_id(probe.customer_metadata.contact_id.text(), file),
                        redacted: probe.content_metadata.redacted(),
                        record: found.record,
                    });
                    return Ok(());
                }
                Shape::Record | Shape::Event => {
                    match serde_json::from_slice::<Value>(found.bytes) {
                        Ok(value) if matches!(shape, Shape::Record) => {
                            contact_record(&value, seen_at)
                        }
                        Ok(value) => contact_event(&value, seen_at),
                        Err(err) => Err(format!("invalid JSON: {err}")),
                    }
                }
            };
            match parsed {
                Ok((id, contact)) => {
                    match contacts.get_mut(&id) {
                        Some(known) => known.merge(contact),
                        None => {
                            order.push(id.clone());
                            contacts.insert(id, contact);
                        }
                    }
                    Ok(())
                }
                Err(message) => emit.reject_record(found.record, message),
            }
        })?;
    }
    // One analysis per contact: a redacted one over a raw one, else the first.
    let mut kept: HashMap<&str, usize> = HashMap::new();
    for (index, analysis) in analyses.iter().enumerate() {
        match kept.get(analysis.id.as_str()).copied() {
            None => {
                kept.insert(&analysis.id, index);
            }
            Some(other) if analysis.redacted && !analyses[other].redacted => {
                kept.insert(&analysis.id, index);
            }
            Some(_) => {}
        }
    }
    let mut wanted: BTreeMap<usize, HashMap<usize, &AnalysisRef>> = BTreeMap::new();
    for (index, analysis) in analyses.iter().enumerate() {
        let first = kept[analysis.id.as_str()];
        if first == index {
            wanted
                .entry(analysis.file)
                .or_default()
                .insert(analysis.ordinal, analysis);
            continue;
        }
        let keeper = &analyses[first];
        let message = if keeper.redacted && !analysis.redacted {
            format!(
                "contact `{}` has a redacted analysis too ({}: {}): this raw one is left out, \
                 so that no raw PII reaches the traces",
                analysis.id,
                files[keeper.file].display(),
                keeper.record
            )
        } else {
            format!(
                "a second analysis of contact `{}` (the one imported is {}: {})",
                analysis.id,
                files[keeper.file].display(),
                keeper.record
            )
        };
        emit.set_file(&files[analysis.file]);
        emit.reject_record(analysis.record.clone(), message)?;
    }
    // Reading 2: each analysis with its contact's record, one at a time.
    // An analysis is parsed while the reader holds its text and built once
    // the reader has moved past it (at the next value, or after the file),
    // so that text and conversation are never held together.
    for (index, wanted) in wanted {
        let file = &files[index];
        emit.set_file(file);
        let mut parsed: Option<(&AnalysisRef, Result<ContactLens, String>)> = None;
        let mut build =
            |emit: &mut Emit<'_>, parsed: Option<(&AnalysisRef, Result<ContactLens, String>)>| {
                let Some((analysis, lens)) = parsed else {
                    return Ok(());
                };
                let contact = contacts.remove(&analysis.id);
                let built = lens
                    .and_then(|lens| build_analysis(lens, &analysis.id, contact.as_ref()))
                    .and_then(|(header, messages)| super::build(header, messages, emit.options));
                emit.record(analysis.record.clone(), built)
            };
        each_value(file, emit, false, |emit, found| {
            build(emit, parsed.take())?;
            if let Some(analysis) = wanted.get(&found.ordinal) {
                parsed = Some((analysis, typed::<ContactLens>(found.bytes)));
            }
            Ok(())
        })?;
        build(emit, parsed.take())?;
    }
    // Contacts with a record or events and no transcript.
    for id in order {
        let Some(contact) = contacts.remove(&id) else {
            continue;
        };
        let (file, record) = contact.seen_at.clone();
        emit.set_file(&file);
        let built = record_only(&id, &contact)
            .and_then(|(header, messages)| super::build(header, messages, emit.options));
        emit.record(record, built)?;
    }
    Ok(())
}

/// The contact id of an analysis: its metadata, else the file name's prefix.
fn contact_id(from_metadata: Option<&str>, file: &Path) -> String {
    if let Some(id) = from_metadata {
        return id.to_string();
    }
    let stem = crate::input::content_stem(file);
    match stem.split_once("_analysis") {
        Some((id, _)) if !id.is_empty() => id.to_string(),
        _ => stem,
    }
}

// ---- Contact Lens output, the fields read -----------------------------------

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContactLens {
    #[serde(rename = "Channel")]
    channel: Leaf,
    #[serde(rename = "LanguageCode")]
    language: Leaf,
    #[serde(rename = "ContentMetadata", deserialize_with = "or_default")]
    content_metadata: ContentMetadata,
    #[serde(rename = "Participants", deserialize_with = "or_default")]
    participants: Vec<Participant>,
    #[serde(rename = "Transcript", deserialize_with = "or_default")]
    transcript: Vec<Item>,
    #[serde(
        rename = "ConversationCharacteristics",
        deserialize_with = "or_default"
    )]
    characteristics: Characteristics,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ContentMetadata {
    #[serde(rename = "Output")]
    output: Leaf,
}

impl ContentMetadata {
    /// Contact Lens's redacted output: personal data replaced by `[PII]`.
    fn redacted(&self) -> bool {
        self.output
            .text()
            .is_some_and(|o| o.eq_ignore_ascii_case("redacted"))
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct CustomerMetadata {
    #[serde(rename = "ContactId")]
    contact_id: Leaf,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Participant {
    #[serde(rename = "ParticipantId")]
    id: Leaf,
    #[serde(rename = "ParticipantRole")]
    role: Leaf,
    #[serde(rename = "DisplayName")]
    name: Leaf,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Item {
    #[serde(rename = "Id")]
    id: Leaf,
    #[serde(rename = "ParticipantId")]
    participant_id: Leaf,
    #[serde(rename = "ParticipantRole")]
    role: Leaf,
    #[serde(rename = "Content")]
    content: Leaf,
    #[serde(rename = "ContentType")]
    content_type: Leaf,
    #[serde(rename = "Type")]
    item_type: Leaf,
    #[serde(rename = "AbsoluteTime")]
    absolute_time: Leaf,
    #[serde(rename = "BeginOffsetMillis")]
    begin_offset: Leaf,
    #[serde(rename = "Sentiment")]
    sentiment: Leaf,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Characteristics {
    #[serde(rename = "Sentiment", deserialize_with = "or_default")]
    sentiment: SentimentDetails,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SentimentDetails {
    #[serde(
        rename = "DetailsByTranscriptItemGroup",
        deserialize_with = "or_default"
    )]
    groups: Vec<SentimentGroup>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct SentimentGroup {
    #[serde(rename = "Sentiment")]
    label: Leaf,
    #[serde(rename = "TranscriptItems", deserialize_with = "or_default")]
    items: Vec<ItemRef>,
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ItemRef {
    #[serde(rename = "Id")]
    id: Leaf,
}

// ---- Mapping -------------------------------------------------------------------

fn channel(name: Option<&str>) -> Option<String> {
    match name?.to_ascii_uppercase().as_str() {
        "VOICE" => Some("voice".into()),
        "CHAT" => Some("chat".into()),
        "EMAIL" => Some("email".into()),
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

/// The queue entry a contact's record (or the flow's message) gives. Without
/// a record or event naming it, the queue is `unknown`: a transcript does
/// not name its queue, and handoff-trace/v1 requires one.
fn queue_event(contact: Option<&Contact>, at: Option<&str>, wait: Option<f64>) -> Value {
    let queue = contact
        .and_then(|c| c.queue.as_deref())
        .unwrap_or("unknown");
    let [_, queued] = queue_entry(at, queue, wait);
    queued
}

/// The queue entry and the agent's connection that a record gives, before
/// everything else; the agent named by the record, else `agent`.
fn record_events(contact: &Contact, agent: Option<&str>, header: &mut Header) {
    // What the contact went through before the queue is not in a record
    // (nor in a call recording): a queue entry, no escalation.
    if contact.enqueued.is_some() {
        let queued = queue_event(Some(contact), contact.enqueued.as_deref(), None);
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
    header.can_record = Some(FactSet::of(&[
        EventType::QueueJoined,
        EventType::HumanConnected,
    ]));
    record_events(contact, None, &mut header);
    if header.extra_events.is_empty() {
        return Err(format!(
            "contact `{id}` has no transcript, no queue and no agent: nothing to score"
        ));
    }
    Ok((header, Vec::new()))
}

/// One Contact Lens analysis, with its contact's record when there is one.
fn build_analysis(
    lens: ContactLens,
    id: &str,
    contact: Option<&Contact>,
) -> Result<(Header, Vec<Message>), String> {
    let mut header = base_header(id, contact);
    let declared = channel(lens.channel.text());
    let voice = match declared.as_deref() {
        Some(name) => name == "voice",
        None => lens
            .transcript
            .iter()
            .any(|item| item.absolute_time.is_absent()),
    };
    header.channel = declared
        .or(header.channel.take())
        .or_else(|| Some(if voice { "voice" } else { "chat" }.into()));
    if let Some(language) = lens.language.text() {
        header.metadata.insert("language".into(), json!(language));
    }
    if let Some(output) = lens.content_metadata.output.text() {
        header
            .metadata
            .insert("contentOutput".into(), json!(output.to_ascii_lowercase()));
    }
    // Who each participant is, for items that give only an id.
    let mut roles: HashMap<String, String> = HashMap::new();
    for participant in &lens.participants {
        if let (Some(pid), Some(role)) = (participant.id.text(), participant.role.text()) {
            roles.insert(pid.to_string(), role.to_string());
            if role.eq_ignore_ascii_case("CUSTOMER")
                && let Some(name) = participant.name.text().filter(|n| !is_placeholder(n))
            {
                header.customer_name = Some(name.to_string());
            }
        }
    }
    let redacted = lens.content_metadata.redacted();
    if voice {
        voice_turns(lens, &roles, contact, header, redacted)
    } else {
        chat_turns(lens, &roles, contact, header, redacted)
    }
}

/// A redaction placeholder such as `[PII]` where a name would be.
fn is_placeholder(text: &str) -> bool {
    let text = text.trim();
    text.starts_with('[') && text.ends_with(']')
}

/// Who said an item and what, or `None` once what is left out is counted
/// (`noun` names the item: `message`, `turn`).
fn said(
    item: &mut Item,
    roles: &HashMap<String, String>,
    header: &mut Header,
    noun: &str,
) -> Option<(Role, String)> {
    let Some(role_name) = item_role(item, roles) else {
        header.skip(format!("{noun} without a participant role"));
        return None;
    };
    let Some(role) = role_of(&role_name) else {
        header.skip(format!("{noun} from {role_name}"));
        return None;
    };
    match &item.content {
        Leaf::Text(_) | Leaf::Absent => {}
        other => {
            header.skip(format!("{noun} whose Content is {}", other.kind().name()));
            return None;
        }
    }
    let Some(text) = item.content.take_text() else {
        header.skip(format!("empty {noun}"));
        return None;
    };
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

fn item_role(item: &Item, roles: &HashMap<String, String>) -> Option<String> {
    item.role.text().map(str::to_string).or_else(|| {
        item.participant_id
            .text()
            .and_then(|pid| roles.get(pid).cloned())
    })
}

/// What a source can record beside its event types: the customer's name
/// in turn text, unless the text is redacted.
fn with_name(can_record: FactSet, redacted: bool) -> FactSet {
    if redacted {
        can_record
    } else {
        can_record.with_field(Field::CustomerName)
    }
}

fn chat_turns(
    lens: ContactLens,
    roles: &HashMap<String, String>,
    contact: Option<&Contact>,
    mut header: Header,
    redacted: bool,
) -> Result<(Header, Vec<Message>), String> {
    // The flow's messages are in a chat transcript: a wait it quoted is
    // there to read, and so is its absence.
    header.can_record = Some(with_name(
        FactSet::of(&[
            EventType::Turn,
            EventType::Escalation,
            EventType::QueueJoined,
            EventType::HumanConnected,
        ])
        .with_field(Field::QuotedWait),
        redacted,
    ));
    let ContactLens {
        transcript,
        characteristics,
        ..
    } = lens;
    // Sentiment label of each transcript item, by item id, and whether an
    // item of that id was found.
    let mut labels: HashMap<&str, (&str, bool)> = HashMap::new();
    let mut unlabelled_groups = 0u64;
    for group in &characteristics.sentiment.groups {
        let Some(label) = group.label.text() else {
            unlabelled_groups += 1;
            continue;
        };
        for item in &group.items {
            if let Some(item_id) = item.id.text() {
                labels.insert(item_id, (label, false));
            }
        }
    }
    if unlabelled_groups > 0 {
        *header
            .parts_skipped
            .entry("sentiment group without a label".into())
            .or_default() += unlabelled_groups;
    }
    let mut messages: Vec<Message> = Vec::new();
    let mut queued_after: Option<(usize, Option<String>)> = None;
    let mut wait: Option<f64> = None;
    let mut joined = false;
    let mut started_at = None;
    for (index, mut item) in transcript.into_iter().enumerate() {
        let at = time_at(
            item.absolute_time.value().as_ref(),
            &format!("Transcript[{index}].AbsoluteTime"),
        )?;
        if started_at.is_none() {
            started_at.clone_from(&at);
        }
        let content_type = item.content_type.text().unwrap_or("text/plain").to_string();
        if let Some(item_id) = item.id.text()
            && let Some((_, found)) = labels.get_mut(item_id)
        {
            *found = true;
        }
        let role_name = item_role(&item, roles);
        if let Some(kind) = content_type.strip_prefix(EVENT_PREFIX) {
            match kind {
                "participant.joined"
                    if role_name
                        .as_deref()
                        .is_some_and(|r| r.eq_ignore_ascii_case("AGENT")) =>
                {
                    // The agent's name from the record, else the chat participant.
                    let agent = contact
                        .and_then(|c| c.agent.as_deref())
                        .or_else(|| item.participant_id.text())
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
        if item
            .item_type
            .text()
            .is_some_and(|t| t.eq_ignore_ascii_case("ATTACHMENT"))
        {
            header.skip("attachment");
            continue;
        }
        if !content_type.starts_with("text/") {
            header.skip(format!("message of type {content_type}"));
            continue;
        }
        let label = item
            .id
            .text()
            .and_then(|item_id| labels.get(item_id).map(|(label, _)| *label));
        let Some((role, text)) = said(&mut item, roles, &mut header, "message") else {
            continue;
        };
        let sentiment = labelled(label, &mut header);
        if role == Role::Assistant && !joined {
            if wait.is_none() {
                wait = quoted_wait_seconds(&text);
            }
            if queued_after.is_none() && mentions_queue(&text) {
                queued_after = Some((messages.len() + 1, at.clone()));
            }
        }
        messages.push(Message {
            role,
            text: Some(text),
            at,
            sentiment,
            ..Message::default()
        });
    }
    // Sentiment the analysis gives for items it does not hold.
    let unmatched = labels.values().filter(|(_, found)| !found).count() as u64;
    if unmatched > 0 {
        *header
            .parts_skipped
            .entry("sentiment of an unknown transcript item".into())
            .or_default() += unmatched;
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
        // Before anything else at that position (the agent joins after).
        header
            .extra_events
            .insert(0, (position, queue_event(contact, at.as_deref(), wait)));
        // A handoff when the flow or its bot spoke before the queue: from
        // the first of its messages that announce it.
        if messages[..position.min(messages.len())]
            .iter()
            .any(|m| m.role == Role::Assistant)
        {
            let start = handoff_start(&messages, position);
            let at = match messages.get(start) {
                Some(message) if start < position => message.at.clone(),
                _ => at,
            };
            header
                .extra_events
                .insert(0, (start, event("escalation", at.as_deref(), Map::new())));
        }
    }
    header.extra_events.sort_by_key(|(position, _)| *position);
    if header.started_at.is_none() {
        header.started_at = started_at;
    }
    Ok((header, messages))
}

/// Whether a flow message tells the customer they are being queued or put
/// through ("you are now being placed in queue", "connecting you to the next
/// available agent"), not only that a queue exists ("the time in queue is
/// less than 5 minutes") or that the chat is passed along.
fn mentions_queue(text: &str) -> bool {
    static QUEUED: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(plac(e|ed|ing)|put(ting)?|transferr?(ed|ing)?|connect(ed|ing)?|rout(e|ed|ing)|add(ed|ing)?)\b.{0,40}\b(queue|agent|representative|specialist)s?\b|\bnext available (agent|representative)\b",
        )
        .expect("the queue pattern is valid")
    });
    QUEUED.is_match(text)
}

fn voice_turns(
    lens: ContactLens,
    roles: &HashMap<String, String>,
    contact: Option<&Contact>,
    mut header: Header,
    redacted: bool,
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
    for (index, mut item) in lens.transcript.into_iter().enumerate() {
        let Some((role, text)) = said(&mut item, roles, &mut header, "turn") else {
            continue;
        };
        let at = match (anchor, &item.begin_offset) {
            (Some(anchor), offset) if !offset.is_absent() => {
                let millis = match offset {
                    Leaf::Number(n) => n.as_i64(),
                    _ => None,
                }
                .ok_or_else(|| {
                    format!(
                        "Transcript[{index}].BeginOffsetMillis: expected whole milliseconds, \
                         found {}",
                        offset.value().unwrap_or(Value::Null)
                    )
                })?;
                let at = anchor
                    .checked_add(jiff::SignedDuration::from_millis(millis))
                    .map_err(|err| format!("Transcript[{index}].BeginOffsetMillis: {err}"))?;
                Some(super::format_ms(at))
            }
            _ => None,
        };
        let sentiment = labelled(item.sentiment.text(), &mut header);
        messages.push(Message {
            role,
            text: Some(text),
            at,
            sentiment,
            ..Message::default()
        });
    }
    let mut agents: Vec<&String> = roles
        .iter()
        .filter(|(_, role)| role.eq_ignore_ascii_case("AGENT"))
        .map(|(pid, _)| pid)
        .collect();
    agents.sort();
    let agent = agents.first().map(|pid| pid.to_string());
    match contact {
        Some(contact) => {
            header.can_record = Some(with_name(
                FactSet::of(&[
                    EventType::Turn,
                    EventType::QueueJoined,
                    EventType::HumanConnected,
                ]),
                redacted,
            ));
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
            header.can_record = Some(with_name(
                FactSet::of(&[EventType::Turn, EventType::HumanConnected]),
                redacted,
            ));
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

//! Genesys Cloud: analytics conversation details, joined with Speech & Text
//! Analytics transcripts on `conversationId`.
//!
//! Inputs are classified by shape:
//!
//! - **Conversation details** (`conversationId`, `participants` with
//!   `purpose` and `sessions` of `segments`), one per file, a list, one per
//!   line, or a details query or job result (`{"conversations": [...]}`).
//!   They carry no words: who joined when, in which queue.
//! - **Speech & Text Analytics transcripts** (`conversationId`,
//!   `transcripts[].phrases[]` with `text`, `startTimeMs` in epoch
//!   milliseconds and `participantPurpose`; `analytics.sentiment[]` per
//!   phrase; `participants[]` with `participantPurpose` and
//!   `startTimeMs`). Several transcripts of one conversation (one per
//!   communication) are merged by time.
//!
//! Mapping:
//!
//! - Phrases by `external` (or `customer`) are `customer` turns, by
//!   `internal` (or `agent`, `user`) `human` turns, by `ivr`, `bot`, `acd`
//!   or `workflow` (the flow and its bots) `ai` turns.
//! - The `acd` participant's start is the contact entering a queue, a
//!   `queueJoined` (`queue` the queue id); after an automated front end (an
//!   `ivr`, `workflow` or `bot` participant, or their phrases) it is also an
//!   `escalation` (trigger and urgency are not in the source). An `agent` participant's first
//!   `interact` segment (its start, in a transcript) is `humanConnected`.
//! - An agent session with a `scriptId` had a script opened with the
//!   interaction, which Genesys Cloud does when the agent answers: a
//!   `contextDelivered` (`screenPop`, with the customer's participant
//!   attributes as payload) right after that agent's `humanConnected`.
//! - A customer session's `authenticated` flag says whether the provider
//!   asserted the customer's identity: `true` is a `verification`
//!   (`verified`, method `authenticated`).
//! - Sentiment is the phrase's `sentiment`, already on the [-1, 1] scale.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use serde_json::{Map, Value, json};

use super::{
    Emit, Header, Message, Role, event, human_connected, json_values, json_values_again,
    millis_time, queue_entry, quoted_wait_seconds, str_at, time_at,
};
use crate::trace::EventType;

enum Shape {
    Detail,
    Transcript,
}

fn shape(value: &Value) -> Option<Shape> {
    let object = value.as_object()?;
    if object.get("transcripts").is_some_and(Value::is_array) {
        Some(Shape::Transcript)
    } else if object.get("participants").is_some_and(Value::is_array)
        && object.contains_key("conversationId")
    {
        Some(Shape::Detail)
    } else {
        None
    }
}

/// The records of a file: a details query or job result stands for its conversations.
fn records(values: Vec<(String, Value)>) -> Vec<(String, Value)> {
    let mut out = Vec::new();
    for (record, value) in values {
        match value.get("conversations").and_then(Value::as_array) {
            Some(list) if value.get("participants").is_none() => {
                for (index, item) in list.iter().enumerate() {
                    out.push((format!("{record}: conversations[{index}]"), item.clone()));
                }
            }
            _ => out.push((record, value)),
        }
    }
    out
}

/// Where a transcript is, to read it again when its conversation is built.
struct TranscriptRef {
    file: PathBuf,
    record: String,
}

pub fn import(files: &[PathBuf], emit: &mut Emit<'_>) -> std::io::Result<()> {
    // Pass 1: details in order, transcripts by conversation id.
    let mut details: Vec<(PathBuf, String, Value)> = Vec::new();
    let mut transcripts: HashMap<String, Vec<TranscriptRef>> = HashMap::new();
    let mut transcript_order: Vec<String> = Vec::new();
    for file in files {
        emit.set_file(file);
        let Some(values) = json_values(file, emit)? else {
            continue;
        };
        for (record, value) in records(values) {
            match shape(&value) {
                Some(Shape::Detail) => details.push((file.clone(), record, value)),
                Some(Shape::Transcript) => match str_at(&value, "/conversationId") {
                    Some(id) => {
                        if !transcripts.contains_key(id) {
                            transcript_order.push(id.to_string());
                        }
                        transcripts
                            .entry(id.to_string())
                            .or_default()
                            .push(TranscriptRef {
                                file: file.clone(),
                                record,
                            });
                    }
                    None => emit.reject_record(record, "a transcript without `conversationId`"),
                },
                None => emit.reject_record(
                    record,
                    "neither a conversation detail (`conversationId`, `participants`) nor a \
                     Speech & Text Analytics transcript (`transcripts`)",
                ),
            }
        }
    }
    for (file, record, detail) in details {
        let id = str_at(&detail, "/conversationId")
            .unwrap_or_default()
            .to_string();
        let joined = match transcripts.remove(&id) {
            Some(refs) => load(&refs)?,
            None => Vec::new(),
        };
        emit.set_file(&file);
        let built = conversation(Some(&detail), &joined)
            .and_then(|(header, messages)| super::build(header, &messages, emit.options));
        emit.record(record, built)?;
    }
    for id in transcript_order {
        let Some(refs) = transcripts.remove(&id) else {
            continue;
        };
        let loaded = load(&refs)?;
        if loaded.is_empty() {
            continue;
        }
        emit.set_file(&refs[0].file);
        let built = conversation(None, &loaded)
            .and_then(|(header, messages)| super::build(header, &messages, emit.options));
        emit.record(refs[0].record.clone(), built)?;
    }
    Ok(())
}

/// The transcripts `refs` point at, read again.
fn load(refs: &[TranscriptRef]) -> std::io::Result<Vec<Value>> {
    let mut out = Vec::new();
    let mut files: Vec<&PathBuf> = refs.iter().map(|r| &r.file).collect();
    files.dedup();
    for file in files {
        let Some(values) = json_values_again(file)? else {
            continue;
        };
        for (record, value) in records(values) {
            if refs.iter().any(|r| &r.file == file && r.record == record) {
                out.push(value);
            }
        }
    }
    Ok(out)
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

/// An event of the detail or the transcript's participant list, with its time.
struct Timed {
    at: String,
    event: Value,
}

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
    let mut can_record = vec![
        EventType::Escalation,
        EventType::QueueJoined,
        EventType::HumanConnected,
    ];
    let mut timed: Vec<Timed> = Vec::new();
    let automated = |purpose: Option<&str>| {
        purpose
            .is_some_and(|p| matches!(p.to_ascii_lowercase().as_str(), "ivr" | "bot" | "workflow"))
    };
    let self_service = detail
        .and_then(|d| d.get("participants"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .any(|p| automated(str_at(p, "/purpose")))
        || transcripts
            .iter()
            .flat_map(|t| {
                t.get("participants")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
            })
            .any(|p| automated(str_at(p, "/participantPurpose")));
    match detail {
        Some(detail) => {
            can_record.push(EventType::ContextDelivered);
            detail_events(
                detail,
                &mut header,
                &mut metadata,
                &mut timed,
                &mut can_record,
            )?;
        }
        None => {
            for transcript in transcripts {
                transcript_participants(transcript, &mut timed)?;
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
        can_record.push(EventType::Turn);
    }
    if let Some(language) = transcripts
        .iter()
        .find_map(|t| str_at(t, "/transcripts/0/language"))
    {
        metadata.insert("language".into(), json!(language));
    }
    // Phrases in time order (communications interleave), then each event
    // before the first phrase that starts after it.
    messages.sort_by(|a, b| a.at.cmp(&b.at));
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
    // The queue entry is a handoff when an automated front end (an IVR,
    // a flow, a bot) came before it: a participant of that purpose, or its
    // phrases before the queue.
    let queued_at = timed
        .iter()
        .find(|t| t.event["type"] == "queueJoined")
        .map(|t| t.at.clone());
    let spoke_first = messages.iter().any(|m| {
        m.role == Role::Assistant
            && match (&m.at, &queued_at) {
                (Some(at), Some(queued)) => at <= queued,
                _ => false,
            }
    });
    if !(self_service || spoke_first) {
        timed.retain(|t| t.event["type"] != "escalation");
    }
    for Timed { at, event } in timed {
        let position = messages
            .iter()
            .position(|m| m.at.as_deref().is_some_and(|t| t > at.as_str()))
            .unwrap_or(messages.len());
        header.extra_events.push((position, event));
    }
    can_record.sort_by_key(|t| EventType::ALL.iter().position(|known| known == t));
    can_record.dedup();
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
    can_record: &mut Vec<EventType>,
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
                        can_record.push(EventType::Verification);
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
                let Some(at) = segment_time(segment)? else {
                    // Offered but never answered: the agent did not connect.
                    continue;
                };
                let agent = str_at(participant, "/userId")
                    .or_else(|| str_at(participant, "/participantId"))
                    .unwrap_or("unknown");
                timed.push(Timed {
                    event: human_connected(agent, Some(&at)),
                    at: at.clone(),
                });
                let scripted = participant
                    .get("sessions")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .any(|s| str_at(s, "/scriptId").is_some());
                if scripted {
                    let mut fields = Map::new();
                    fields.insert("surface".into(), json!("screenPop"));
                    timed.push(Timed {
                        event: event("contextDelivered", Some(&at), fields),
                        at,
                    });
                }
            }
            "ivr" | "workflow" | "bot" => {
                metadata.insert("selfService".into(), json!(purpose.to_ascii_lowercase()));
            }
            other => header.skip(format!("participant with purpose `{other}`")),
        }
    }
    // The payload a script showed: the customer's participant attributes.
    if let Some(Value::Object(attributes)) = customer_attributes {
        for timed in timed.iter_mut() {
            if timed.event["type"] == "contextDelivered"
                && let Value::Object(map) = &mut timed.event
            {
                map.insert("payload".into(), Value::Object(attributes.clone()));
            }
        }
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

/// Queue and agent events from a transcript's own participant list.
fn transcript_participants(transcript: &Value, timed: &mut Vec<Timed>) -> Result<(), String> {
    for (p, participant) in transcript
        .get("participants")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
    {
        let purpose = str_at(participant, "/participantPurpose").unwrap_or_default();
        let at = millis_time(
            participant.get("startTimeMs"),
            &format!("participants[{p}].startTimeMs"),
        )?;
        let Some(at) = at else {
            continue;
        };
        match purpose.to_ascii_lowercase().as_str() {
            "acd" => {
                let queue = str_at(participant, "/queueId").unwrap_or("unknown");
                push_queue_entry(timed, &at, queue);
            }
            "agent" | "user" | "internal" => {
                let agent = str_at(participant, "/userId").unwrap_or("unknown");
                timed.push(Timed {
                    event: human_connected(agent, Some(&at)),
                    at,
                });
            }
            _ => {}
        }
    }
    Ok(())
}

/// The phrases of one transcript document as messages.
fn phrases(
    transcript: &Value,
    header: &mut Header,
    messages: &mut Vec<Message>,
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
            let text = phrase
                .get("text")
                .or_else(|| phrase.get("decoratedText"))
                .and_then(Value::as_str)
                .unwrap_or("");
            if text.trim().is_empty() {
                header.skip("empty phrase");
                continue;
            }
            let at = millis_time(
                phrase.get("startTimeMs"),
                &format!("{location}.startTimeMs"),
            )?;
            let start = phrase.get("startTimeMs").and_then(Value::as_i64);
            let sentiment = phrase
                .get("phraseIndex")
                .and_then(Value::as_i64)
                .and_then(|index| by_index.get(&index).copied())
                .or_else(|| start.and_then(|s| by_start.get(&(s, text)).copied()));
            messages.push(Message {
                role,
                text: Some(text.to_string()),
                at,
                sentiment,
                ..Message::default()
            });
        }
    }
    Ok(())
}

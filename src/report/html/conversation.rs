//! One call as the human agent lived it: its events in order, each turn by
//! speaker, tool calls with their results, offers with their responses;
//! the timeline and the sentiment line; the handoff package; and every
//! check's verdict, its evidence marked in the events it points to.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::Serialize;
use serde_json::Value;

use super::charts::{self, Timeline};
use super::source::Example;
use super::{Chart, HtmlError};
use crate::trace::{Conversation, EventKind, OfferBy, Speaker};

#[derive(Debug, Serialize)]
pub struct ConversationView {
    pub index: usize,
    pub id: String,
    pub agent_version: String,
    pub scenario: Option<String>,
    pub channel: String,
    pub trigger: String,
    pub verdict: String,
    pub score: String,
    pub reason: Option<String>,
    /// Line of the scorecard in calls.jsonl.
    pub line: u64,
    pub facts: Vec<(String, String)>,
    /// Why the transcript is not shown (the inputs are gone or changed).
    pub transcript_missing: Option<String>,
    pub timeline: Option<Chart>,
    pub timeline_note: Option<String>,
    pub sentiment: Option<Chart>,
    pub events: Vec<EventView>,
    /// Events past [`MAX_EVENTS`] left out of the list and the charts.
    pub events_left_out: usize,
    pub package: Vec<(String, String)>,
    pub dimensions: Vec<DimensionCard>,
    /// Status per dimension id, for the filters.
    pub statuses: BTreeMap<String, String>,
}

#[derive(Debug, Serialize)]
pub struct EventView {
    pub index: usize,
    pub at: String,
    /// `turn`, `toolCall`, ... as in the trace.
    pub kind: String,
    /// The speaker of a turn; who acted for the other events.
    pub actor: String,
    pub title: String,
    pub segments: Vec<Segment>,
    /// Characters of the text past [`TEXT_CHARS`], not shown.
    pub cut_chars: usize,
    pub details: Vec<String>,
    /// Keys of the checks whose evidence points here.
    pub evidence: Vec<String>,
}

/// A run of event text, marked when a check's evidence matched it.
#[derive(Debug, Serialize)]
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

#[derive(Debug, Serialize)]
pub struct DimensionCard {
    pub id: String,
    pub status: String,
    pub score: String,
    pub reason: Option<String>,
    pub checks: Vec<CheckCard>,
}

#[derive(Debug, Serialize)]
pub struct CheckCard {
    /// `c{conversation}-d{dimension}-k{check}`: ties the check to the events
    /// its evidence points at.
    pub key: String,
    pub label: String,
    pub status: String,
    pub reason: String,
    pub evidence: Vec<EvidenceLine>,
}

#[derive(Debug, Serialize)]
pub struct EvidenceLine {
    pub event: Option<u64>,
    pub text: String,
}

const DETAIL_CHARS: usize = 400;

/// Characters of one event's text shown; the rest is counted, not shown
/// (a pasted log of megabytes would otherwise make the page as large).
pub const TEXT_CHARS: usize = 2000;

/// Events of one conversation listed and drawn, with any later event a
/// check's evidence points to; the rest are counted.
pub const MAX_EVENTS: usize = 300;

fn text(value: &Value, key: &str) -> Option<String> {
    value.get(key).and_then(Value::as_str).map(str::to_string)
}

/// Compact JSON, cut to a readable length between words.
fn compact(value: &Value) -> String {
    let text = match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    cut(&text, DETAIL_CHARS)
}

/// The first `chars` characters of `text`.
fn cut_plain(text: &str, chars: usize) -> &str {
    match text.char_indices().nth(chars) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

impl ConversationView {
    /// About how many bytes the conversation takes in the page, markup
    /// included (an upper estimate: text counted as if a fifth of it were
    /// escaped, a fixed allowance per event, check and fact).
    pub fn page_bytes(&self) -> usize {
        let text = |s: &str| s.len() + s.len() / 5;
        let events: usize = self
            .events
            .iter()
            .map(|e| {
                260 + text(&e.title)
                    + e.segments.iter().map(|s| text(&s.text) + 16).sum::<usize>()
                    + e.details.iter().map(|d| text(d) + 32).sum::<usize>()
                    + e.evidence.iter().map(|k| k.len() + 1).sum::<usize>()
            })
            .sum();
        let checks: usize = self
            .dimensions
            .iter()
            .flat_map(|d| &d.checks)
            .map(|k| {
                220 + text(&k.label)
                    + text(&k.reason)
                    + k.evidence.iter().map(|e| 60 + text(&e.text)).sum::<usize>()
            })
            .sum();
        let facts: usize = self
            .facts
            .iter()
            .chain(&self.package)
            .map(|(k, v)| 40 + text(k) + text(v))
            .sum();
        let charts = [&self.timeline, &self.sentiment]
            .into_iter()
            .flatten()
            .map(|c| c.svg.len())
            .sum::<usize>();
        3000 + events + checks + facts + charts + self.dimensions.len() * 200
    }
}

/// The text, cut between words to at most `chars` characters.
fn cut(text: &str, chars: usize) -> String {
    let max = text
        .char_indices()
        .nth(chars)
        .map_or(text.len(), |(at, _)| at);
    crate::checks::quote::clip(text, max).into_owned()
}

fn seconds_between(start: Timestamp, at: Timestamp) -> f64 {
    at.duration_since(start).as_secs_f64()
}

pub fn build(
    index: usize,
    example: &Example,
    dimension_ids: &[&str],
) -> Result<ConversationView, HtmlError> {
    let card = &example.card;
    let id = text(card, "conversation_id").unwrap_or_default();
    let mut evidence_at: BTreeMap<usize, (Vec<String>, Vec<String>)> = BTreeMap::new();
    let mut dimensions = Vec::new();
    let mut statuses = BTreeMap::new();
    let cards = card.get("dimensions").and_then(Value::as_array);
    for (d, dimension) in cards.into_iter().flatten().enumerate() {
        let dim_id = text(dimension, "id").unwrap_or_default();
        let status = text(dimension, "status").unwrap_or_default();
        statuses.insert(dim_id.clone(), status.clone());
        let mut checks = Vec::new();
        let listed = dimension.get("checks").and_then(Value::as_array);
        for (k, check) in listed.into_iter().flatten().enumerate() {
            let key = format!("c{index}-d{d}-k{k}");
            let mut lines = Vec::new();
            let items = check.get("evidence").and_then(Value::as_array);
            for item in items.into_iter().flatten() {
                let event = item.get("event").and_then(Value::as_u64);
                let mut parts = Vec::new();
                if let Some(t) = text(item, "text") {
                    parts.push(format!("“{}”", cut(&t, DETAIL_CHARS)));
                }
                if let Some(m) = text(item, "matched") {
                    parts.push(format!("matched “{m}”"));
                }
                if let Some(n) = text(item, "note") {
                    parts.push(n);
                }
                if let Some(event) = event {
                    let entry = evidence_at.entry(event as usize).or_default();
                    if !entry.0.contains(&key) {
                        entry.0.push(key.clone());
                    }
                    if let Some(m) = text(item, "matched").filter(|m| !m.is_empty()) {
                        entry.1.push(m);
                    }
                }
                lines.push(EvidenceLine {
                    event,
                    text: parts.join(" · "),
                });
            }
            let label = match text(check, "name") {
                Some(name) => format!("{} {name}", text(check, "check").unwrap_or_default()),
                None => text(check, "check").unwrap_or_default(),
            };
            checks.push(CheckCard {
                key,
                label,
                status: text(check, "status").unwrap_or_default(),
                reason: cut(&text(check, "reason").unwrap_or_default(), TEXT_CHARS),
                evidence: lines,
            });
        }
        dimensions.push(DimensionCard {
            id: dim_id,
            status,
            score: dimension
                .get("score")
                .and_then(Value::as_f64)
                .map_or(String::new(), |s| format!("{s:.0}")),
            reason: text(dimension, "reason"),
            checks,
        });
    }
    for id in dimension_ids {
        statuses
            .entry(id.to_string())
            .or_insert_with(|| "na".to_string());
    }

    let mut view = ConversationView {
        index,
        id,
        agent_version: text(card, "agent_version").unwrap_or_default(),
        scenario: text(card, "scenario_id"),
        channel: String::new(),
        trigger: String::new(),
        verdict: text(card, "verdict").unwrap_or_default(),
        score: card
            .get("score")
            .and_then(Value::as_f64)
            .map_or("-".to_string(), |s| format!("{s:.1}")),
        reason: text(card, "reason"),
        line: example.line,
        facts: Vec::new(),
        transcript_missing: None,
        timeline: None,
        timeline_note: None,
        sentiment: None,
        events: Vec::new(),
        events_left_out: 0,
        package: Vec::new(),
        dimensions,
        statuses,
    };
    match &example.conversation {
        Ok(conversation) => fill(&mut view, conversation, &evidence_at)?,
        Err(why) => view.transcript_missing = Some(why.clone()),
    }
    Ok(view)
}

fn fill(
    view: &mut ConversationView,
    conversation: &Conversation,
    evidence_at: &BTreeMap<usize, (Vec<String>, Vec<String>)>,
) -> Result<(), HtmlError> {
    view.channel = conversation.channel.as_str().to_string();
    view.trigger = conversation
        .facts
        .trigger
        .map_or("none".to_string(), |t| t.as_str().to_string());
    let start = conversation
        .started_at
        .or_else(|| conversation.events.iter().find_map(|e| e.at));
    let offset = |at: Option<Timestamp>| -> Option<f64> { Some(seconds_between(start?, at?)) };

    let customer = &conversation.customer;
    view.facts.push((
        "customer".into(),
        match &customer.name {
            Some(name) => format!("{name} ({})", customer.id),
            None => customer.id.clone(),
        },
    ));
    if let Some(start) = start {
        view.facts.push(("started".into(), start.to_string()));
    }
    if let Some(end) = conversation.end_time() {
        view.facts.push(("ended".into(), end.to_string()));
    }
    for (key, value) in &conversation.metadata {
        view.facts
            .push((format!("metadata.{key}"), cut(value, DETAIL_CHARS)));
    }
    if let Some(outcome) = &conversation.outcome {
        if let Some(csat) = outcome.csat {
            view.facts.push(("CSAT".into(), csat.to_string()));
        }
        if let Some(resolved) = outcome.resolved {
            view.facts.push(("resolved".into(), resolved.to_string()));
        }
        if let Some(disposition) = &outcome.disposition {
            view.facts.push(("disposition".into(), disposition.clone()));
        }
    }

    let mut timeline = Timeline::default();
    let mut sentiment = Vec::new();
    let mut sentiment_by_event = Vec::new();
    for (index, event) in conversation.events.iter().enumerate() {
        let t = offset(event.at);
        let (kind, actor, title, body, details): (&str, &str, String, String, Vec<String>) =
            match &event.kind {
                EventKind::Turn {
                    speaker,
                    text,
                    sentiment: score,
                } => {
                    let lane = match speaker {
                        Speaker::Customer => Some(0),
                        Speaker::Ai => Some(1),
                        Speaker::Human => Some(4),
                        Speaker::System => None,
                    };
                    if let (Some(t), Some(lane)) = (t, lane) {
                        timeline.turns.push((t, lane));
                    }
                    if let (Some(t), Some(score), Speaker::Customer) = (t, score, speaker) {
                        sentiment.push((t, *score));
                    }
                    if let (Some(score), Speaker::Customer) = (score, speaker) {
                        sentiment_by_event.push((index as f64, *score));
                    }
                    let title = match score {
                        Some(s) => format!("sentiment {s:+.2}"),
                        None => String::new(),
                    };
                    ("turn", speaker.as_str(), title, text.clone(), Vec::new())
                }
                EventKind::ToolCall {
                    tool,
                    args,
                    result,
                    error,
                } => {
                    if let Some(t) = t {
                        timeline.actions.push((t, 1));
                    }
                    let mut details = vec![format!("args {}", compact(args))];
                    if let Some(result) = result {
                        details.push(format!("result {}", compact(result)));
                    }
                    if let Some(error) = error {
                        details.push(format!("error {}", cut(error, DETAIL_CHARS)));
                    }
                    (
                        "toolCall",
                        "ai",
                        format!("tool call {tool}"),
                        String::new(),
                        details,
                    )
                }
                EventKind::Verification { status, method } => (
                    "verification",
                    "ai",
                    format!(
                        "verification {}{}",
                        serde_json::to_value(status)
                            .ok()
                            .and_then(|v| v.as_str().map(str::to_string))
                            .unwrap_or_default(),
                        method
                            .as_ref()
                            .map_or(String::new(), |m| format!(" by {m}"))
                    ),
                    String::new(),
                    Vec::new(),
                ),
                EventKind::Offer {
                    by,
                    description,
                    amount,
                    response,
                } => {
                    let lane = if matches!(by, OfferBy::Human) { 4 } else { 1 };
                    if let Some(t) = t {
                        timeline.actions.push((t, lane));
                    }
                    let response = serde_json::to_value(response)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default();
                    (
                        "offer",
                        if lane == 4 { "human" } else { "ai" },
                        format!(
                            "offer{}: {response}",
                            amount.as_ref().map_or(String::new(), |a| format!(
                                " of {} {}",
                                a.value, a.currency
                            ))
                        ),
                        description.clone(),
                        Vec::new(),
                    )
                }
                EventKind::Escalation {
                    trigger,
                    urgency,
                    description,
                } => {
                    if timeline.escalation.is_none() {
                        timeline.escalation = t;
                    }
                    (
                        "escalation",
                        "ai",
                        format!(
                            "escalation: {}{}",
                            trigger.map_or("no trigger given", |t| t.as_str()),
                            urgency
                                .and_then(|u| serde_json::to_value(u).ok())
                                .and_then(|v| v.as_str().map(|s| format!(", urgency {s}")))
                                .unwrap_or_default()
                        ),
                        description.clone().unwrap_or_default(),
                        Vec::new(),
                    )
                }
                EventKind::HandoffPackage(package) => {
                    for (key, value) in &package.0 {
                        view.package
                            .push((key.clone(), cut(&package_value(key, value), TEXT_CHARS)));
                    }
                    (
                        "handoffPackage",
                        "ai",
                        "handoff package built (shown beside the timeline)".into(),
                        String::new(),
                        Vec::new(),
                    )
                }
                EventKind::QueueJoined {
                    queue,
                    estimated_wait_seconds,
                } => {
                    if timeline.queue_joined.is_none() {
                        timeline.queue_joined = t;
                    }
                    (
                        "queueJoined",
                        "system",
                        format!(
                            "queue {queue}{}",
                            estimated_wait_seconds.map_or(String::new(), |w| format!(
                                ", quoted wait {}",
                                super::duration(w)
                            ))
                        ),
                        String::new(),
                        Vec::new(),
                    )
                }
                EventKind::CallbackScheduled { scheduled_for } => (
                    "callbackScheduled",
                    "system",
                    format!(
                        "callback scheduled{}",
                        scheduled_for.map_or(String::new(), |s| format!(" for {s}"))
                    ),
                    String::new(),
                    Vec::new(),
                ),
                EventKind::ContextDelivered {
                    surface,
                    payload,
                    duration_seconds,
                } => {
                    if timeline.context_delivered.is_none() {
                        timeline.context_delivered = t;
                    }
                    let mut details = Vec::new();
                    if let Some(payload) = payload {
                        details.push(format!("payload {}", compact(payload)));
                    }
                    (
                        "contextDelivered",
                        "system",
                        format!(
                            "context delivered by {}{}",
                            serde_json::to_value(surface)
                                .ok()
                                .and_then(|v| v.as_str().map(str::to_string))
                                .unwrap_or_default(),
                            duration_seconds
                                .map_or(String::new(), |d| format!(" ({})", super::duration(d)))
                        ),
                        String::new(),
                        details,
                    )
                }
                EventKind::HumanConnected { agent_id } => {
                    if timeline.human_connected.is_none() {
                        timeline.human_connected = t;
                    }
                    (
                        "humanConnected",
                        "human",
                        format!("human agent {agent_id} connected"),
                        String::new(),
                        Vec::new(),
                    )
                }
                EventKind::HumanAction { action, details } => {
                    if let Some(t) = t {
                        timeline.actions.push((t, 4));
                    }
                    (
                        "humanAction",
                        "human",
                        format!("action {action}"),
                        String::new(),
                        details
                            .iter()
                            .map(|d| format!("details {}", compact(d)))
                            .collect(),
                    )
                }
                EventKind::Unknown { type_name } => (
                    "unknown",
                    "system",
                    format!("event of unknown type {type_name} (ignored)"),
                    String::new(),
                    Vec::new(),
                ),
            };
        if index >= MAX_EVENTS && !evidence_at.contains_key(&index) {
            view.events_left_out += 1;
            continue;
        }
        let (keys, matched) = evidence_at.get(&index).cloned().unwrap_or_default();
        let total = body.chars().count();
        let shown = cut_plain(&body, TEXT_CHARS);
        view.events.push(EventView {
            index,
            at: t.map_or(String::new(), |t| format!("+{}", super::duration(t))),
            kind: kind.to_string(),
            actor: actor.to_string(),
            title,
            segments: segments(shown, &matched),
            cut_chars: total.saturating_sub(TEXT_CHARS),
            details,
            evidence: keys,
        });
    }
    // The charts draw what the list shows: the first events.
    timeline.turns.truncate(MAX_EVENTS);
    timeline.actions.truncate(MAX_EVENTS);
    sentiment.truncate(MAX_EVENTS);
    sentiment_by_event.truncate(MAX_EVENTS);

    let end = offset(conversation.end_time());
    match end {
        Some(end) => {
            timeline.end = end;
            view.timeline = Some(Chart {
                id: "timeline".into(),
                title: "timeline".into(),
                svg: charts::timeline(&timeline)?,
            });
            view.timeline_note = Some(gap_note(&timeline));
            if !sentiment.is_empty() {
                view.sentiment = Some(Chart {
                    id: "sentiment".into(),
                    title: "customer sentiment".into(),
                    svg: charts::sentiment(&sentiment, end, charts::Along::Seconds)?,
                });
            }
        }
        None => {
            view.timeline_note = Some(
                "no timestamps: the conversation has no clock, so there is no timeline".into(),
            );
            if let Some(&(last, _)) = sentiment_by_event.last() {
                view.sentiment = Some(Chart {
                    id: "sentiment".into(),
                    title: "customer sentiment, by event (no clock)".into(),
                    svg: charts::sentiment(&sentiment_by_event, last, charts::Along::Event)?,
                });
            }
        }
    }
    Ok(())
}

/// The handoff at a glance: AI phase, queue, context and connect.
fn gap_note(t: &Timeline) -> String {
    let mut parts = Vec::new();
    match t.escalation {
        Some(e) => parts.push(format!("AI phase {}", super::duration(e))),
        None => parts.push("no escalation".to_string()),
    }
    if let (Some(q), Some(c)) = (t.queue_joined, t.human_connected) {
        parts.push(format!("queue {}", super::duration(c - q)));
    }
    match (t.context_delivered, t.human_connected) {
        (Some(d), Some(c)) if c >= d => parts.push(format!(
            "context on the human's screen {} before the call connected",
            super::duration(c - d)
        )),
        (Some(d), Some(c)) => parts.push(format!(
            "context arrived {} after the human connected",
            super::duration(d - c)
        )),
        (None, Some(_)) => parts.push("the human connected with no context delivered".to_string()),
        _ => {}
    }
    parts.join(" · ")
}

/// A package value for people: strings as written, lists joined, long
/// arrays counted.
fn package_value(key: &str, value: &Value) -> String {
    match (key, value) {
        ("transcript", Value::Array(items)) => format!("{} entries", items.len()),
        ("sentimentArc", Value::Array(items)) => {
            let scores: Vec<String> = items
                .iter()
                .filter_map(|p| p.get("score")?.as_f64())
                .map(|s| format!("{s:+.2}"))
                .collect();
            scores.join(" → ")
        }
        ("toolsUsed", Value::Array(items)) => items
            .iter()
            .map(|t| {
                t.get("tool")
                    .and_then(Value::as_str)
                    .unwrap_or("?")
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join(", "),
        (_, Value::Array(items)) if items.iter().all(Value::is_string) => items
            .iter()
            .filter_map(Value::as_str)
            .collect::<Vec<_>>()
            .join("; "),
        (_, Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Array(items) if items.is_empty() => format!("{k}: none"),
                Value::Array(items) if items.iter().all(Value::is_string) => format!(
                    "{k}: {}",
                    items
                        .iter()
                        .filter_map(Value::as_str)
                        .collect::<Vec<_>>()
                        .join("; ")
                ),
                v => format!("{k}: {}", compact(v)),
            })
            .collect::<Vec<_>>()
            .join(" · "),
        _ => compact(value),
    }
}

/// Splits `text` into runs, marking each occurrence of a matched string.
fn segments(text: &str, matched: &[String]) -> Vec<Segment> {
    let mut ranges: Vec<(usize, usize)> = Vec::new();
    for m in matched {
        if let Some(at) = text.find(m.as_str()) {
            ranges.push((at, at + m.len()));
        }
    }
    ranges.sort_unstable();
    let mut merged: Vec<(usize, usize)> = Vec::new();
    for (a, b) in ranges {
        match merged.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => merged.push((a, b)),
        }
    }
    let mut out = Vec::new();
    let mut at = 0;
    for (a, b) in merged {
        if a > at {
            out.push(Segment {
                text: text[at..a].to_string(),
                mark: false,
            });
        }
        out.push(Segment {
            text: text[a..b].to_string(),
            mark: true,
        });
        at = b;
    }
    if at < text.len() || out.is_empty() {
        out.push(Segment {
            text: text[at..].to_string(),
            mark: false,
        });
    }
    out.retain(|s| !s.text.is_empty());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matched_text_is_marked_where_it_occurs() {
        let runs = segments(
            "Can I get your account number please",
            &["account number".into(), "number please".into()],
        );
        let marked: Vec<(&str, bool)> = runs.iter().map(|s| (s.text.as_str(), s.mark)).collect();
        assert_eq!(
            marked,
            vec![("Can I get your ", false), ("account number please", true)]
        );
    }

    #[test]
    fn text_without_matches_is_one_run() {
        let runs = segments("hello", &["absent".into()]);
        assert_eq!(runs.len(), 1);
        assert!(!runs[0].mark);
    }
}

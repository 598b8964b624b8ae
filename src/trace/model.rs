//! The `handoff-trace/v1` data model: one [`Conversation`] per input line.
//!
//! Types mirror `../shared/trace-format.md` with camelCase keys. Unknown keys
//! are ignored, unknown event types are kept as [`EventKind::Unknown`] so that
//! event indices in evidence always match the producer's `events` array.
//! The handoff package stays a JSON object ([`Package`]) because producers fill
//! it unevenly and spotting a missing or mistyped field is part of the job.

use std::collections::BTreeMap;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The only value of `schema` this reader accepts.
pub const SCHEMA: &str = "handoff-trace/v1";

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Conversation {
    pub schema: String,
    pub conversation_id: String,
    pub agent_version: String,
    #[serde(default)]
    pub scenario_id: Option<String>,
    pub channel: Channel,
    pub customer: Customer,
    /// Required, except in imported data with no clock at all (no event
    /// has `at`): an extension of the format, see the README.
    #[serde(default, deserialize_with = "super::reader::rfc3339::optional")]
    pub started_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "super::reader::rfc3339::optional")]
    pub ended_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "metadata_values")]
    pub metadata: BTreeMap<String, String>,
    #[serde(deserialize_with = "super::reader::bounded_events")]
    pub events: Vec<Event>,
    #[serde(default)]
    pub outcome: Option<Outcome>,
    #[serde(default)]
    pub labels: BTreeMap<String, Label>,
    /// What an importer says of its source (an extension of the format).
    #[serde(default)]
    pub import: Option<ImportBlock>,
    /// Derived once after parsing; see [`Facts`].
    #[serde(skip)]
    pub facts: Facts,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Channel {
    Voice,
    Chat,
    Email,
    Messaging,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Voice => "voice",
            Channel::Chat => "chat",
            Channel::Email => "email",
            Channel::Messaging => "messaging",
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct Customer {
    pub id: String,
    #[serde(default)]
    pub name: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Outcome {
    #[serde(default)]
    pub resolved: Option<bool>,
    #[serde(default)]
    pub csat: Option<u8>,
    #[serde(default)]
    pub disposition: Option<String>,
}

/// A human QA verdict on one dimension, used for calibration.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Label {
    Pass,
    Fail,
    Na,
}

#[derive(Debug, Clone)]
pub struct Event {
    /// Missing in imported data that has no clock.
    pub at: Option<Timestamp>,
    pub kind: EventKind,
}

#[derive(Debug, Clone)]
pub enum EventKind {
    Turn {
        speaker: Speaker,
        text: String,
        sentiment: Option<f64>,
    },
    ToolCall {
        tool: String,
        args: Value,
        result: Option<Value>,
        error: Option<String>,
    },
    Verification {
        status: VerificationStatus,
        method: Option<String>,
    },
    Offer {
        by: OfferBy,
        description: String,
        amount: Option<Amount>,
        response: OfferResponse,
    },
    Escalation {
        /// Missing only in imported data whose source does not say (an
        /// extension of the format; conditions on it then do not hold).
        trigger: Option<Trigger>,
        urgency: Option<Urgency>,
        description: Option<String>,
    },
    HandoffPackage(Box<Package>),
    QueueJoined {
        queue: String,
        estimated_wait_seconds: Option<f64>,
    },
    CallbackScheduled {
        scheduled_for: Option<Timestamp>,
    },
    ContextDelivered {
        surface: Surface,
        payload: Option<Value>,
        duration_seconds: Option<f64>,
    },
    HumanConnected {
        agent_id: String,
    },
    HumanAction {
        action: String,
        details: Option<Value>,
    },
    /// An event type this version does not know: kept so indices stay true.
    Unknown {
        type_name: String,
    },
}

impl EventKind {
    /// The event's text, if it has one: what a turn says, what an offer or
    /// an escalation describes, a human action's name, a tool's name.
    pub fn text(&self) -> Option<&str> {
        match self {
            EventKind::Turn { text, .. } => Some(text),
            EventKind::Offer { description, .. } => Some(description),
            EventKind::Escalation { description, .. } => description.as_deref(),
            EventKind::HumanAction { action, .. } => Some(action),
            EventKind::ToolCall { tool, .. } => Some(tool),
            _ => None,
        }
    }

    pub fn event_type(&self) -> EventType {
        match self {
            EventKind::Turn { .. } => EventType::Turn,
            EventKind::ToolCall { .. } => EventType::ToolCall,
            EventKind::Verification { .. } => EventType::Verification,
            EventKind::Offer { .. } => EventType::Offer,
            EventKind::Escalation { .. } => EventType::Escalation,
            EventKind::HandoffPackage(_) => EventType::HandoffPackage,
            EventKind::QueueJoined { .. } => EventType::QueueJoined,
            EventKind::CallbackScheduled { .. } => EventType::CallbackScheduled,
            EventKind::ContextDelivered { .. } => EventType::ContextDelivered,
            EventKind::HumanConnected { .. } => EventType::HumanConnected,
            EventKind::HumanAction { .. } => EventType::HumanAction,
            EventKind::Unknown { .. } => EventType::Unknown,
        }
    }
}

/// Event types by name, as rubrics refer to them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum EventType {
    Turn,
    ToolCall,
    Verification,
    Offer,
    Escalation,
    HandoffPackage,
    QueueJoined,
    CallbackScheduled,
    ContextDelivered,
    HumanConnected,
    HumanAction,
    #[serde(skip)]
    Unknown,
}

impl EventType {
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Turn => "turn",
            EventType::ToolCall => "toolCall",
            EventType::Verification => "verification",
            EventType::Offer => "offer",
            EventType::Escalation => "escalation",
            EventType::HandoffPackage => "handoffPackage",
            EventType::QueueJoined => "queueJoined",
            EventType::CallbackScheduled => "callbackScheduled",
            EventType::ContextDelivered => "contextDelivered",
            EventType::HumanConnected => "humanConnected",
            EventType::HumanAction => "humanAction",
            EventType::Unknown => "unknown",
        }
    }
}

impl EventType {
    /// Every known type, in the order of the format's table.
    pub const ALL: [EventType; 11] = [
        EventType::Turn,
        EventType::ToolCall,
        EventType::Verification,
        EventType::Offer,
        EventType::Escalation,
        EventType::HandoffPackage,
        EventType::QueueJoined,
        EventType::CallbackScheduled,
        EventType::ContextDelivered,
        EventType::HumanConnected,
        EventType::HumanAction,
    ];

    /// The type named `name` (as in `events[].type`).
    pub fn from_name(name: &str) -> Option<EventType> {
        EventType::ALL.into_iter().find(|t| t.as_str() == name)
    }
}

/// A field of an event (or what turn text can show) that a check or a
/// condition reads, and that a source may record or not even when it
/// records the event: Amazon Connect records the escalation but not its
/// trigger, a redacted transcript records turns but not the customer's name
/// in them. Named in `import.canRecord` as `<event type>.<field>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    /// `escalation.trigger`.
    Trigger,
    /// `escalation.urgency` (or the package's `escalationReason.urgency`).
    Urgency,
    /// `queueJoined.estimatedWaitSeconds`: the wait quoted to the customer.
    QuotedWait,
    /// `turn.customerName`: the customer's name where turn text says it
    /// (a redacted transcript cannot show it).
    CustomerName,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::Trigger,
        Field::Urgency,
        Field::QuotedWait,
        Field::CustomerName,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Field::Trigger => "escalation.trigger",
            Field::Urgency => "escalation.urgency",
            Field::QuotedWait => "queueJoined.estimatedWaitSeconds",
            Field::CustomerName => "turn.customerName",
        }
    }

    /// The event type the field belongs to.
    pub fn event_type(self) -> EventType {
        match self {
            Field::Trigger | Field::Urgency => EventType::Escalation,
            Field::QuotedWait => EventType::QueueJoined,
            Field::CustomerName => EventType::Turn,
        }
    }
}

/// A set of what a source can record, or of what a check needs: event
/// types and [`Field`]s.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FactSet(u32);

/// Fields take the bits above the event types.
const FIELD_SHIFT: usize = 16;

impl FactSet {
    pub const NONE: FactSet = FactSet(0);

    fn bit(event_type: EventType) -> u32 {
        match EventType::ALL.iter().position(|t| *t == event_type) {
            Some(index) => 1 << index,
            None => 0,
        }
    }

    fn field_bit(field: Field) -> u32 {
        let index = Field::ALL.iter().position(|f| *f == field).unwrap_or(0);
        1 << (FIELD_SHIFT + index)
    }

    pub fn of(types: &[EventType]) -> FactSet {
        types.iter().fold(FactSet::NONE, |set, t| set.with(*t))
    }

    pub fn with(self, event_type: EventType) -> FactSet {
        FactSet(self.0 | Self::bit(event_type))
    }

    pub fn with_field(self, field: Field) -> FactSet {
        FactSet(self.0 | Self::field_bit(field))
    }

    pub fn union(self, other: FactSet) -> FactSet {
        FactSet(self.0 | other.0)
    }

    /// The members of `self` that are not in `other`.
    pub fn without(self, other: FactSet) -> FactSet {
        FactSet(self.0 & !other.0)
    }

    pub fn contains(self, event_type: EventType) -> bool {
        self.0 & Self::bit(event_type) != 0
    }

    pub fn contains_field(self, field: Field) -> bool {
        self.0 & Self::field_bit(field) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The names of the members, event types first, in the format's order:
    /// `turn`, `escalation`, `escalation.trigger`.
    pub fn names(self) -> impl Iterator<Item = &'static str> {
        let events = EventType::ALL
            .into_iter()
            .filter(move |t| self.contains(*t))
            .map(EventType::as_str);
        let fields = Field::ALL
            .into_iter()
            .filter(move |f| self.contains_field(*f))
            .map(Field::as_str);
        events.chain(fields)
    }

    /// The member named `name` (an event type or a field), as a set.
    pub fn named(name: &str) -> Option<FactSet> {
        if let Some(event_type) = EventType::from_name(name) {
            return Some(FactSet::NONE.with(event_type));
        }
        Field::ALL
            .into_iter()
            .find(|f| f.as_str() == name)
            .map(|f| FactSet::NONE.with_field(f))
    }
}

/// The `import` block an importer adds to each conversation, a
/// backward-compatible extension of `handoff-trace/v1`:
///
/// ```json
/// "import": {"source": "amazon-connect",
///            "canRecord": ["turn", "escalation", "queueJoined", "humanConnected",
///                          "queueJoined.estimatedWaitSeconds", "turn.customerName"],
///            "partsSkipped": {"attachment": 1}}
/// ```
///
/// `canRecord` lists what the source can express at all: event types, and
/// the [`Field`]s checks read (`escalation.trigger`,
/// `escalation.urgency`, `queueJoined.estimatedWaitSeconds`,
/// `turn.customerName`). A field is recordable only when it is listed. A
/// check that needs something unlisted is unscored ("this source does not
/// record contextDelivered"), and a condition that reads it cannot be told
/// unless the conversation holds the fact anyway; neither is failed or
/// passed for an absence the source could not have shown. Without
/// `canRecord` (and without the block) everything is taken as recordable.
/// Names this version does not know are ignored.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ImportBlock {
    #[serde(default)]
    pub source: Option<String>,
    #[serde(default, deserialize_with = "fact_names")]
    pub can_record: Option<FactSet>,
    /// Parts of the source the importer left out, counted by kind.
    #[serde(default)]
    pub parts_skipped: BTreeMap<String, u64>,
}

fn fact_names<'de, D>(deserializer: D) -> Result<Option<FactSet>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let names = Option::<Vec<String>>::deserialize(deserializer)?;
    Ok(names.map(|names| {
        names
            .iter()
            .filter_map(|name| FactSet::named(name))
            .fold(FactSet::NONE, FactSet::union)
    }))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    Customer,
    Ai,
    Human,
    System,
}

impl Speaker {
    pub fn as_str(self) -> &'static str {
        match self {
            Speaker::Customer => "customer",
            Speaker::Ai => "ai",
            Speaker::Human => "human",
            Speaker::System => "system",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum VerificationStatus {
    Verified,
    Partial,
    Failed,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OfferBy {
    Ai,
    Human,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OfferResponse {
    Accepted,
    Rejected,
    Pending,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Amount {
    pub value: f64,
    pub currency: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    AuthorityLimit,
    CustomerRequest,
    Complexity,
    Policy,
    RepeatedFailure,
}

impl Trigger {
    pub fn as_str(self) -> &'static str {
        match self {
            Trigger::AuthorityLimit => "authority_limit",
            Trigger::CustomerRequest => "customer_request",
            Trigger::Complexity => "complexity",
            Trigger::Policy => "policy",
            Trigger::RepeatedFailure => "repeated_failure",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Urgency {
    Standard,
    Elevated,
    Critical,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum Surface {
    ScreenPop,
    Whisper,
    ChatNote,
    Other,
}

/// The `HandoffContext` object the AI agent builds, kept as JSON.
///
/// Accessors return `None` for a missing key *and* for a key of the wrong
/// type; [`Package::get`] lets completeness checks tell the two apart.
#[derive(Debug, Clone, Default)]
pub struct Package(pub Map<String, Value>);

impl Package {
    /// The value at a dotted path such as `customer.id` or `intent.primary`.
    /// Package objects are small: a linear scan beats hashing the key.
    pub fn get(&self, path: &str) -> Option<&Value> {
        fn field<'m>(map: &'m Map<String, Value>, key: &str) -> Option<&'m Value> {
            map.iter().find(|(k, _)| k.as_str() == key).map(|(_, v)| v)
        }
        let mut parts = path.split('.');
        let mut value = field(&self.0, parts.next()?)?;
        for part in parts {
            value = field(value.as_object()?, part)?;
        }
        Some(value)
    }

    pub fn str_at(&self, path: &str) -> Option<&str> {
        self.get(path)?.as_str()
    }

    /// String items of an array field, skipping items of other types.
    pub fn strings_at(&self, path: &str) -> Vec<&str> {
        match self.get(path) {
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    pub fn summary(&self) -> Option<&str> {
        self.str_at("summary")
    }

    pub fn suggested_next_action(&self) -> Option<&str> {
        self.str_at("suggestedNextAction")
    }

    pub fn attempted_resolutions(&self) -> Vec<&str> {
        self.strings_at("attemptedResolutions")
    }

    pub fn urgency(&self) -> Option<Urgency> {
        match self.str_at("escalationReason.urgency")? {
            "standard" => Some(Urgency::Standard),
            "elevated" => Some(Urgency::Elevated),
            "critical" => Some(Urgency::Critical),
            _ => None,
        }
    }
}

/// Accepts string values and, as a documented extension, numbers and
/// booleans (stringified): producers disagree on `"2"` versus `2`.
fn metadata_values<'de, D>(deserializer: D) -> Result<BTreeMap<String, String>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    let raw = BTreeMap::<String, Value>::deserialize(deserializer)?;
    raw.into_iter()
        .map(|(key, value)| match value {
            Value::String(s) => Ok((key, s)),
            Value::Number(n) => Ok((key, n.to_string())),
            Value::Bool(b) => Ok((key, b.to_string())),
            other => Err(serde::de::Error::custom(format!(
                "metadata value for `{key}` must be a string, found {}",
                json_type_name(&other)
            ))),
        })
        .collect()
}

pub(crate) fn json_type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// Facts derived from the event list once, so that checks do not each
/// rescan it. Indices are positions in [`Conversation::events`].
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub escalation: Option<usize>,
    pub package: Option<usize>,
    pub context_delivered: Option<usize>,
    pub human_connected: Option<usize>,
    pub queue_joined: Option<usize>,
    pub trigger: Option<Trigger>,
    pub urgency: Option<Urgency>,
    /// Status of the last verification event before the human connected.
    pub verification: Option<VerificationStatus>,
    pub quoted_wait_seconds: Option<f64>,
    /// Key terms of the issue, computed on first use by the checks.
    pub issue_terms: std::sync::OnceLock<Vec<crate::checks::text::Term>>,
    /// The customer's names, computed on first use by the checks (see
    /// [`crate::checks::mentions_context::customer_names`]).
    pub customer_names: std::sync::OnceLock<Vec<crate::checks::mentions_context::CustomerName>>,
    /// The first place where the clock contradicts the order of `events`:
    /// event `.1` comes after event `.0` in the array but is stamped
    /// earlier. Checks that measure time between such events report
    /// unscored; the aggregate counts the conversations that have one.
    pub clock_disorder: Option<(usize, usize)>,
    /// Where `startedAt` or `endedAt` contradicts the events or each
    /// other (the first of [`ClockBound`] found). Counted with
    /// [`Facts::clock_disorder`]; re-contact is not decided from an end
    /// (or a start) it puts in doubt.
    pub clock_bound: Option<ClockBound>,
    /// The matching form of every event text that is not already plain (see
    /// [`crate::checks::normalize`]), by event index, in order. Empty for
    /// most conversations.
    pub normalized: Vec<(usize, crate::checks::normalize::Normalized)>,
}

/// How a conversation's `startedAt` or `endedAt` contradicts its clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockBound {
    /// `endedAt` is before `startedAt`.
    EndedBeforeStart,
    /// `endedAt` is before the time of this event (the latest one).
    EndedBeforeEvent(usize),
    /// This event (the earliest one) is stamped before `startedAt`.
    EventBeforeStart(usize),
}

impl Conversation {
    /// What of `needs` this conversation's source cannot record (see
    /// [`ImportBlock`]); nothing for a conversation that says nothing.
    pub fn unrecordable(&self, needs: FactSet) -> FactSet {
        match self.import.as_ref().and_then(|block| block.can_record) {
            Some(can_record) => needs.without(can_record),
            None => FactSet::NONE,
        }
    }

    /// Whether the conversation's timestamps contradict the order of its
    /// events (or its `startedAt` and `endedAt` contradict its events or
    /// each other), or a duration it states is negative (a quoted wait).
    pub fn has_clock_contradiction(&self) -> bool {
        self.clock_order_contradiction().is_some() || self.negative_duration().is_some()
    }

    /// Why the conversation's timestamps contradict their order, in words
    /// fit for a scorecard: two events stamped against their order, an
    /// `endedAt` before `startedAt` or before an event, or an event stamped
    /// before `startedAt`.
    pub fn clock_order_contradiction(&self) -> Option<String> {
        let time = |index: usize| {
            self.events
                .get(index)
                .and_then(|event| event.at)
                .map_or_else(String::new, |at| at.to_string())
        };
        if let Some((before, after)) = self.facts.clock_disorder {
            return Some(format!(
                "event {after} comes after event {before} in the events but is stamped earlier ({} before {})",
                time(after),
                time(before)
            ));
        }
        let started = || self.started_at.map_or_else(String::new, |t| t.to_string());
        let ended = || self.ended_at.map_or_else(String::new, |t| t.to_string());
        Some(match self.facts.clock_bound? {
            ClockBound::EndedBeforeStart => format!(
                "`endedAt` ({}) is before `startedAt` ({})",
                ended(),
                started()
            ),
            ClockBound::EndedBeforeEvent(index) => format!(
                "`endedAt` ({}) is before event {index} ({})",
                ended(),
                time(index)
            ),
            ClockBound::EventBeforeStart(index) => format!(
                "event {index} ({}) is stamped before `startedAt` ({})",
                time(index),
                started()
            ),
        })
    }

    /// Why a duration the conversation states cannot be: a quoted wait
    /// that is negative (or not a number).
    pub fn negative_duration(&self) -> Option<String> {
        self.impossible_quoted_wait().map(|wait| {
            format!("the queue quoted a wait of {wait}s, which cannot be: a wait is never negative")
        })
    }

    /// The wait quoted at `queueJoined`, in seconds, when it cannot be a
    /// wait: negative, or not a finite number.
    pub fn impossible_quoted_wait(&self) -> Option<f64> {
        self.facts
            .quoted_wait_seconds
            .filter(|wait| *wait < 0.0 || !wait.is_finite())
    }

    /// The end cannot be trusted: `endedAt` is before `startedAt` or
    /// before an event.
    pub fn end_contradicted(&self) -> bool {
        matches!(
            self.facts.clock_bound,
            Some(ClockBound::EndedBeforeStart | ClockBound::EndedBeforeEvent(_))
        )
    }

    /// The start cannot be trusted: an event is stamped before it, or it
    /// is after `endedAt` with no event time to side with either.
    pub fn start_contradicted(&self) -> bool {
        match self.facts.clock_bound {
            Some(ClockBound::EventBeforeStart(_)) => true,
            Some(ClockBound::EndedBeforeStart) => self.events.iter().all(|e| e.at.is_none()),
            _ => false,
        }
    }

    pub fn is_escalated(&self) -> bool {
        self.facts.escalation.is_some()
    }

    /// The handoff package, if the conversation carries one.
    pub fn package(&self) -> Option<&Package> {
        match &self.events.get(self.facts.package?)?.kind {
            EventKind::HandoffPackage(package) => Some(package),
            _ => None,
        }
    }

    /// Event `index`'s text as checks match it: its normalised form (see
    /// [`crate::checks::normalize`]), or the text itself when that is plain.
    pub fn matching_text(&self, index: usize) -> Option<&str> {
        match self.normalized(index) {
            Some(normalized) => Some(normalized.as_str()),
            None => self.events.get(index)?.kind.text(),
        }
    }

    /// The normalised form of event `index`'s text, when it differs from the text.
    pub fn normalized(&self, index: usize) -> Option<&crate::checks::normalize::Normalized> {
        let normalized = &self.facts.normalized;
        if normalized.is_empty() {
            return None;
        }
        normalized
            .binary_search_by_key(&index, |(at, _)| *at)
            .ok()
            .map(|found| &normalized[found].1)
    }

    /// When the conversation ended: `endedAt`, else the last event's time.
    pub fn end_time(&self) -> Option<Timestamp> {
        self.ended_at
            .or_else(|| self.events.iter().rev().find_map(|event| event.at))
    }

    pub(crate) fn derive_facts(&mut self) {
        let mut facts = Facts::default();
        // The latest time seen so far, and where.
        let mut latest: Option<(usize, jiff::Timestamp)> = None;
        for (index, event) in self.events.iter().enumerate() {
            if let Some(at) = event.at {
                match latest {
                    Some((before, seen)) if at < seen => {
                        facts.clock_disorder.get_or_insert((before, index));
                    }
                    Some((_, seen)) if at == seen => {}
                    _ => latest = Some((index, at)),
                }
            }
            // Tool names are identifiers no check matches as text.
            if !matches!(event.kind, EventKind::ToolCall { .. })
                && let Some(normalized) = event
                    .kind
                    .text()
                    .and_then(crate::checks::normalize::normalize)
            {
                facts.normalized.push((index, normalized));
            }
            match &event.kind {
                EventKind::Escalation {
                    trigger, urgency, ..
                } if facts.escalation.is_none() => {
                    facts.escalation = Some(index);
                    facts.trigger = *trigger;
                    facts.urgency = *urgency;
                }
                EventKind::HandoffPackage(_) if facts.package.is_none() => {
                    facts.package = Some(index)
                }
                EventKind::ContextDelivered { .. } if facts.context_delivered.is_none() => {
                    facts.context_delivered = Some(index)
                }
                EventKind::HumanConnected { .. } if facts.human_connected.is_none() => {
                    facts.human_connected = Some(index)
                }
                EventKind::QueueJoined {
                    estimated_wait_seconds,
                    ..
                } if facts.queue_joined.is_none() => {
                    facts.queue_joined = Some(index);
                    facts.quoted_wait_seconds = *estimated_wait_seconds;
                }
                EventKind::Verification { status, .. } if facts.human_connected.is_none() => {
                    facts.verification = Some(*status)
                }
                _ => {}
            }
        }
        facts.clock_bound = self.clock_bound();
        self.facts = facts;
    }

    /// The first way `startedAt` or `endedAt` contradicts the events or
    /// each other (see [`ClockBound`]).
    fn clock_bound(&self) -> Option<ClockBound> {
        let timed = || {
            self.events
                .iter()
                .enumerate()
                .filter_map(|(index, event)| Some((index, event.at?)))
        };
        if let (Some(started), Some(ended)) = (self.started_at, self.ended_at)
            && ended < started
        {
            return Some(ClockBound::EndedBeforeStart);
        }
        if let Some(ended) = self.ended_at
            && let Some((index, _)) = timed()
                .filter(|(_, at)| *at > ended)
                .max_by_key(|(index, at)| (*at, std::cmp::Reverse(*index)))
        {
            return Some(ClockBound::EndedBeforeEvent(index));
        }
        if let Some(started) = self.started_at
            && let Some((index, _)) = timed()
                .filter(|(_, at)| *at < started)
                .min_by_key(|(index, at)| (*at, *index))
        {
            return Some(ClockBound::EventBeforeStart(index));
        }
        None
    }
}

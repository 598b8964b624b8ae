//! Conditions: when a rubric, a dimension or a check applies.
//!
//! A condition is a mapping of predicates that must all hold, with `all`,
//! `any` and `not` to combine them:
//!
//! ```yaml
//! applies_when:
//!   verification: verified
//!   event: humanConnected
//!   any:
//!     - trigger: [authority_limit, policy]
//!     - quoted_wait_at_least: 2m
//! ```
//!
//! A predicate about something the conversation does not have (a quoted wait,
//! a verification) does not hold: the thing it guards does not apply. When
//! the conversation's source cannot record that thing at all (its
//! `import.canRecord`, see [`crate::checks::needs`]), the predicate cannot be
//! told instead: `trigger: customer_request` on an export that records no
//! triggers is unknown, and so is its `not`.

use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::Value;

use super::params::{OneOrMany, Patterns, Seconds};
use crate::checks::needs::{event_not_recorded, field_not_recorded};
use crate::checks::words;
use crate::trace::{
    Channel, Conversation, EventKind, EventType, FactSet, Field, Trigger, Urgency,
    VerificationStatus,
};

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The conversation has (`true`) or has no (`false`) escalation event.
    escalated: Option<bool>,
    /// Every listed event type occurs at least once.
    event: Option<OneOrMany<EventType>>,
    /// None of the listed event types occurs.
    no_event: Option<OneOrMany<EventType>>,
    /// Status of the last verification before the human connected (`none`: there was none).
    verification: Option<OneOrMany<Verification>>,
    /// The escalation trigger is one of these.
    trigger: Option<OneOrMany<Trigger>>,
    /// The escalation urgency is one of these.
    urgency: Option<OneOrMany<Urgency>>,
    /// The escalation urgency is at least this (standard < elevated < critical).
    urgency_at_least: Option<Urgency>,
    channel: Option<OneOrMany<Channel>>,
    /// The wait quoted when the contact joined a queue (`queueJoined.estimatedWaitSeconds`).
    quoted_wait_at_least: Option<Seconds>,
    quoted_wait_over: Option<Seconds>,
    quoted_wait_at_most: Option<Seconds>,
    /// The customer rejected an offer before the handoff: an `offer` event, or an
    /// `attemptedResolutions` entry that names a remedy.
    rejected_offer: Option<bool>,
    /// What was handed to the human as a flag matches a pattern: a
    /// `contextDelivered` payload, the `escalation` event's description
    /// where it flags the customer's state as such, or a flag field of the handoff package (`alerts`, `flags`,
    /// `warnings`, or the customer's state in one of its parts:
    /// `escalationReason.customerState`; not its summary's prose).
    payload_matches: Option<Patterns>,
    /// The wait the AI says in its handoff messages (phase `handoff`)
    /// agrees (`true`) or not (`false`) with the queue's quoted wait: it
    /// disagrees when the longest wait said is under half the quote and at
    /// least two minutes short of it ("about a minute" against 300 s), or
    /// the shortest wait said is over twice the quote and at least five
    /// minutes over it ("around 20 minutes" against 420 s). No wait said,
    /// or no quote: nothing disagrees. A wait said against a negative quote
    /// cannot be told.
    said_wait_agrees: Option<bool>,
    /// The AI does (`true`) or does not (`false`) say a wait as a length
    /// of time under a day in its handoff messages (phase `handoff`):
    /// digits or number words with a unit of seconds, minutes or hours, in
    /// any language [`crate::checks::text`] reads ("about ninety seconds",
    /// "zweieinhalb Minuten", "mezzo minuto").
    wait_said: Option<bool>,
    /// The handoff package does (`true`) or does not (`false`) carry a
    /// non-empty flag field (`alerts`, `flags`, `warnings`): a flag the desk
    /// sees, whatever its words.
    package_flagged: Option<bool>,
    /// `metadata` keys with one accepted value or a list of them.
    metadata: Option<BTreeMap<String, OneOrMany<String>>>,
    agent_version: Option<OneOrMany<String>>,
    all: Option<Vec<Condition>>,
    any: Option<Vec<Condition>>,
    not: Option<Box<Condition>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verification {
    Verified,
    Partial,
    Failed,
    None,
}

impl Verification {
    fn as_str(self) -> &'static str {
        match self {
            Verification::Verified => "verified",
            Verification::Partial => "partial",
            Verification::Failed => "failed",
            Verification::None => "none",
        }
    }
}

/// Whether a condition holds. A predicate about a quantity the
/// conversation states impossibly (a negative quoted wait), or about a fact
/// its source cannot record and the conversation lacks, can be neither:
/// what it guards is then unscored, not n/a.
#[derive(Debug, Clone, PartialEq)]
pub enum Truth {
    Holds,
    /// It does not hold: the first predicate that does not, in words.
    Fails(String),
    /// It cannot be told, and why.
    Unknown(String),
}

impl Condition {
    pub fn holds(&self, conversation: &Conversation) -> bool {
        self.truth(conversation) == Truth::Holds
    }

    /// `Ok` when the condition holds, else why not (that it does not, or
    /// that it cannot be told), in words fit for a scorecard.
    pub fn explain(&self, conversation: &Conversation) -> Result<(), String> {
        match self.truth(conversation) {
            Truth::Holds => Ok(()),
            Truth::Fails(reason) | Truth::Unknown(reason) => Err(reason),
        }
    }

    /// Holds, fails (the first predicate that does not hold), or cannot be
    /// told (a predicate on a negative quoted wait, or on what the source
    /// cannot record, decides it).
    pub fn truth(&self, conversation: &Conversation) -> Truth {
        let mut unknown = None;
        match self.predicates(conversation, &mut unknown) {
            Err(reason) => Truth::Fails(reason),
            Ok(()) => match unknown {
                Some(reason) => Truth::Unknown(reason),
                None => Truth::Holds,
            },
        }
    }

    /// Every predicate in turn: `Err` at the first that does not hold;
    /// those that cannot be told leave their reason in `unknown` (the
    /// first one) and count as holding, so a later one that fails still
    /// decides.
    fn predicates(
        &self,
        conversation: &Conversation,
        unknown: &mut Option<String>,
    ) -> Result<(), String> {
        let facts = &conversation.facts;
        // A predicate that would not hold because the conversation lacks a
        // fact its source cannot record is unknown instead.
        fn unless_unrecorded(
            unknown: &mut Option<String>,
            failure: String,
            unrecorded: Option<String>,
        ) -> Result<(), String> {
            match unrecorded {
                Some(reason) => {
                    unknown.get_or_insert(reason);
                    Ok(())
                }
                None => Err(failure),
            }
        }
        if let Some(expected) = self.escalated {
            // An escalation the conversation has is one; its absence proves
            // nothing where the source cannot record one, either way.
            let escalated = conversation.is_escalated();
            let unrecorded = (!escalated)
                .then(|| event_not_recorded(conversation, EventType::Escalation))
                .flatten();
            if escalated != expected || unrecorded.is_some() {
                let failure = if expected {
                    "the conversation was not escalated".to_string()
                } else {
                    "the conversation was escalated".to_string()
                };
                unless_unrecorded(unknown, failure, unrecorded)?;
            }
        }
        if let Some(types) = &self.event {
            for wanted in &types.0 {
                if !has_event(conversation, *wanted) {
                    unless_unrecorded(
                        unknown,
                        words(&["no `", wanted.as_str(), "` event"]),
                        event_not_recorded(conversation, *wanted),
                    )?;
                }
            }
        }
        if let Some(types) = &self.no_event {
            for unwanted in &types.0 {
                if has_event(conversation, *unwanted) {
                    return Err(words(&["has a `", unwanted.as_str(), "` event"]));
                }
                if let Some(reason) = event_not_recorded(conversation, *unwanted) {
                    unless_unrecorded(unknown, String::new(), Some(reason))?;
                }
            }
        }
        if let Some(states) = &self.verification {
            let actual = match facts.verification {
                Some(VerificationStatus::Verified) => Verification::Verified,
                Some(VerificationStatus::Partial) => Verification::Partial,
                Some(VerificationStatus::Failed) => Verification::Failed,
                None => Verification::None,
            };
            if facts.verification.is_none()
                && let Some(reason) = event_not_recorded(conversation, EventType::Verification)
            {
                // "none" is what the source could not have shown.
                unless_unrecorded(unknown, String::new(), Some(reason))?;
            } else if !states.contains(&actual) {
                return Err(words(&["verification is ", actual.as_str()]));
            }
        }
        // A trigger or urgency: of the escalation the conversation has, or
        // none when it has none (and its source could have shown one).
        let escalation_field = |field: Field| {
            if conversation.is_escalated() {
                field_not_recorded(conversation, field)
            } else {
                event_not_recorded(conversation, EventType::Escalation)
            }
        };
        if let Some(triggers) = &self.trigger {
            match facts.trigger {
                Some(trigger) if triggers.contains(&trigger) => {}
                Some(trigger) => return Err(words(&["trigger is ", trigger.as_str()])),
                None => unless_unrecorded(
                    unknown,
                    "no escalation trigger".into(),
                    escalation_field(Field::Trigger),
                )?,
            }
        }
        let urgency = facts
            .urgency
            .or_else(|| conversation.package().and_then(|p| p.urgency()));
        if let Some(levels) = &self.urgency {
            match urgency {
                Some(level) if levels.contains(&level) => {}
                Some(level) => return Err(format!("urgency is {level:?}").to_lowercase()),
                None => unless_unrecorded(
                    unknown,
                    "no escalation urgency".into(),
                    escalation_field(Field::Urgency),
                )?,
            }
        }
        if let Some(minimum) = self.urgency_at_least {
            match urgency {
                Some(level) if level >= minimum => {}
                Some(level) => {
                    return Err(format!("urgency is {level:?}, below {minimum:?}").to_lowercase());
                }
                None => unless_unrecorded(
                    unknown,
                    "no escalation urgency".into(),
                    escalation_field(Field::Urgency),
                )?,
            }
        }
        if let Some(channels) = &self.channel
            && !channels.contains(&conversation.channel)
        {
            return Err(words(&["channel is ", conversation.channel.as_str()]));
        }
        let wait = facts.quoted_wait_seconds;
        let wait_asked = self.quoted_wait_at_least.is_some()
            || self.quoted_wait_over.is_some()
            || self.quoted_wait_at_most.is_some();
        if wait_asked && let Some(w) = conversation.impossible_quoted_wait() {
            unknown.get_or_insert_with(|| impossible_wait(w));
        }
        let wait = wait.filter(|w| *w >= 0.0 && w.is_finite());
        // No quote: none was given, or the source cannot show one (a queue
        // it does not record, or a quote it does not).
        let wait_unrecorded = || {
            if facts.queue_joined.is_some() {
                field_not_recorded(conversation, Field::QuotedWait)
            } else {
                event_not_recorded(conversation, EventType::QueueJoined)
            }
        };
        let wait_bounds = [
            (
                self.quoted_wait_at_least,
                "at least",
                (|w, b| w >= b) as fn(f64, f64) -> bool,
            ),
            (self.quoted_wait_over, "over", |w, b| w > b),
            (self.quoted_wait_at_most, "at most", |w, b| w <= b),
        ];
        for (bound, words, test) in wait_bounds {
            if let Some(Seconds(bound)) = bound {
                match wait {
                    Some(w) if test(w, bound) => {}
                    Some(w) => return Err(format!("quoted wait {w}s is not {words} {bound}s")),
                    None if conversation.impossible_quoted_wait().is_some() => {}
                    None => unless_unrecorded(unknown, "no quoted wait".into(), wait_unrecorded())?,
                }
            }
        }
        if let Some(expected) = self.rejected_offer {
            let any = crate::checks::offer_not_repeated::any_rejected_offer(conversation);
            let unrecorded = (!any)
                .then(|| event_not_recorded(conversation, EventType::Offer))
                .flatten();
            if any != expected || unrecorded.is_some() {
                let failure = if expected {
                    "no offer was rejected".to_string()
                } else {
                    "an offer was rejected".to_string()
                };
                unless_unrecorded(unknown, failure, unrecorded)?;
            }
        }
        if let Some(patterns) = &self.payload_matches {
            let text = delivered_payload_text(conversation);
            if !patterns.is_match(&crate::checks::normalize::matching_form(&text)) {
                unless_unrecorded(
                    unknown,
                    "the delivered payload matches none of the patterns".into(),
                    event_not_recorded(conversation, EventType::ContextDelivered),
                )?;
            }
        }
        if let Some(expected) = self.said_wait_agrees {
            // Against a quote that cannot be (negative), no wait said
            // agrees or disagrees: it cannot be told.
            let impossible = conversation
                .impossible_quoted_wait()
                .filter(|_| !waits_said(conversation).is_empty());
            if let Some(w) = impossible {
                unknown.get_or_insert_with(|| impossible_wait(w));
            }
            let disagreeing = disagreeing_wait(conversation);
            if impossible.is_none() && disagreeing.is_none() != expected {
                return Err(match disagreeing {
                    Some((said, quoted)) => format!(
                        "the AI said a wait of {said:.0}s while the queue quoted {quoted:.0}s"
                    ),
                    None => "the wait the AI said agrees with the queue's quote".into(),
                });
            }
        }
        if let Some(expected) = self.wait_said {
            // Days are left to the rubric's own words: "our 30-day window"
            // is a policy's period, "within 2 working days" a wait.
            let said: Vec<f64> = waits_said(conversation)
                .into_iter()
                .filter(|&wait| wait < WAIT_SAID_UNDER)
                .collect();
            if said.is_empty() == expected {
                return Err(match said.first() {
                    Some(wait) => format!("the AI said a wait of {wait:.0}s"),
                    None => "the AI said no wait as a length of time".into(),
                });
            }
        }
        if let Some(expected) = self.package_flagged {
            let flagged = package_flag_count(conversation) > 0;
            if flagged != expected {
                let failure = if expected {
                    "the handoff package carries no alert or flag".to_string()
                } else {
                    "the handoff package carries an alert or flag".to_string()
                };
                unless_unrecorded(
                    unknown,
                    failure,
                    event_not_recorded(conversation, EventType::HandoffPackage),
                )?;
            }
        }
        if let Some(wanted) = &self.metadata {
            for (key, values) in wanted {
                match conversation.metadata.get(key) {
                    Some(value) if values.contains(value) => {}
                    Some(value) => return Err(format!("metadata `{key}` is `{value}`")),
                    None => return Err(format!("no metadata `{key}`")),
                }
            }
        }
        if let Some(versions) = &self.agent_version
            && !versions.contains(&conversation.agent_version)
        {
            return Err(format!("agent version is {}", conversation.agent_version));
        }
        if let Some(all) = &self.all {
            for condition in all {
                match condition.truth(conversation) {
                    Truth::Holds => {}
                    Truth::Fails(reason) => return Err(reason),
                    Truth::Unknown(reason) => {
                        unknown.get_or_insert(reason);
                    }
                }
            }
        }
        if let Some(any) = &self.any
            && !any.is_empty()
        {
            let mut reasons = Vec::new();
            let mut any_unknown = None;
            for condition in any {
                match condition.truth(conversation) {
                    Truth::Holds => {
                        reasons.clear();
                        any_unknown = None;
                        break;
                    }
                    Truth::Fails(reason) => reasons.push(reason),
                    Truth::Unknown(reason) => {
                        any_unknown.get_or_insert(reason);
                    }
                }
            }
            if let Some(reason) = any_unknown {
                unknown.get_or_insert(reason);
            } else if !reasons.is_empty() {
                return Err(format!("none of `any` holds ({})", reasons.join("; ")));
            }
        }
        if let Some(not) = &self.not {
            match not.truth(conversation) {
                Truth::Holds => return Err("the `not` condition holds".into()),
                Truth::Fails(_) => {}
                Truth::Unknown(reason) => {
                    unknown.get_or_insert(reason);
                }
            }
        }
        Ok(())
    }
}

fn has_event(conversation: &Conversation, wanted: EventType) -> bool {
    let facts = &conversation.facts;
    let known = match wanted {
        EventType::Escalation => Some(facts.escalation),
        EventType::HandoffPackage => Some(facts.package),
        EventType::ContextDelivered => Some(facts.context_delivered),
        EventType::HumanConnected => Some(facts.human_connected),
        EventType::QueueJoined => Some(facts.queue_joined),
        _ => None,
    };
    match known {
        Some(index) => index.is_some(),
        None => conversation
            .events
            .iter()
            .any(|event| event.kind.event_type() == wanted),
    }
}

/// A package field that holds flags for the human (`alerts`, `flags`,
/// `sentimentAlert`, `warnings`): the summary's prose ("she is upset"), the
/// customer's words in `transcript` and tool results are no flag a desk can
/// see at a glance or route on.
fn is_flag_field(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["alert", "flag", "warning"]
        .iter()
        .any(|word| key.contains(word))
}

/// A wait the AI said in its handoff messages that the queue's quote
/// contradicts, with the quote: the longest wait said when it understates
/// the quote (under half of it and at least [`UNDERSTATED_BY`] seconds
/// short), or the shortest when it overstates it (over twice the quote and
/// at least [`OVERSTATED_BY`] seconds over). Taking the longest for one and
/// the shortest for the other means another duration in the same message
/// (a callback "within two days", a "five-minute" form) never makes an
/// agreeing wait disagree.
fn disagreeing_wait(conversation: &Conversation) -> Option<(f64, f64)> {
    let quoted = conversation
        .facts
        .quoted_wait_seconds
        .filter(|w| w.is_finite() && *w > 0.0)?;
    let (shortest, longest) =
        waits_said(conversation)
            .into_iter()
            .fold(None, |bounds: Option<(f64, f64)>, d| {
                Some(bounds.map_or((d, d), |(low, high)| (low.min(d), high.max(d))))
            })?;
    if longest * 2.0 < quoted && quoted - longest >= UNDERSTATED_BY {
        Some((longest, quoted))
    } else if shortest > quoted * 2.0 && shortest - quoted >= OVERSTATED_BY {
        Some((shortest, quoted))
    } else {
        None
    }
}

/// The durations the AI said in its handoff messages (phase `handoff`), in
/// seconds.
fn waits_said(conversation: &Conversation) -> Vec<f64> {
    let (range, _) =
        crate::checks::scope::phase_range(conversation, crate::checks::scope::Phase::Handoff);
    range
        .filter(|&i| {
            matches!(
                conversation.events[i].kind,
                EventKind::Turn {
                    speaker: crate::trace::Speaker::Ai,
                    ..
                }
            )
        })
        .filter_map(|i| conversation.matching_text(i))
        .flat_map(crate::checks::text::durations_said)
        .collect()
}

/// The longest length of time [`Condition::wait_said`] reads as a wait, in
/// seconds (a day, not included).
const WAIT_SAID_UNDER: f64 = 86_400.0;

/// How far short of the quote a wait said must fall, besides being under
/// half of it, to understate it: "about a minute" against a 100 s quote is
/// near enough.
const UNDERSTATED_BY: f64 = 120.0;

/// How far over the quote a wait said must run, besides being over twice
/// it, to overstate it: "about five minutes" against a two-minute quote is
/// a cautious round figure, "around twenty minutes" against seven is not.
const OVERSTATED_BY: f64 = 300.0;

/// How many of the handoff package's flag fields ([`is_flag_field`]) are
/// non-empty.
fn package_flag_count(conversation: &Conversation) -> usize {
    conversation.package().map_or(0, |package| {
        package
            .0
            .iter()
            .filter(|(key, value)| is_flag_field(key) && !is_empty_value(value))
            .count()
    })
}

/// Null, false, a blank string, an empty list or mapping.
fn is_empty_value(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(false) => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(items) => items.is_empty(),
        Value::Object(fields) => fields.is_empty(),
        _ => false,
    }
}

/// An escalation note that flags the customer's state as such: "SENTIMENT
/// ALERT: customer very distressed", "ALERTA: cliente muy angustiada",
/// "customer welfare flag", "WARNUNG: Kunde sehr verärgert" (not "fraud
/// alert", "low-balance alert", nor a mood word about the case).
static ALERT_NOTE: LazyLock<regex::Regex> = LazyLock::new(|| {
    regex::Regex::new(
        r"(?i)\b(sentiment|mood|emotion(al)?|distress|wellbeing|well-being|welfare|vulnerab\w*|customer|caller|client[ea]?|kund(e|en|in))[\s_-]?(alert|flag|warning|alerta|alarme|warnung|avviso|aviso)\b|\b(alert|flag|warning|alerta|alarme|warnung|avviso|aviso)\s*[:(-]\s*(sentiment|mood|distress|customer|caller|client[ea]?|kund(e|in)|vulnerab\w*)",
    )
    .expect("the built-in pattern compiles")
});

/// What was handed to the human as flags, as JSON text, one space between
/// two parts (a line break would send the text through normalisation for
/// nothing): the `contextDelivered` payloads, the escalation's own
/// description when it flags the customer's state as such ([`ALERT_NOTE`]:
/// the routing note the human is handed with the contact), then the handoff package's
/// flag fields ([`is_flag_field`]), at its top or in one of its parts, and
/// the customer's state kept in one of its parts ([`is_state_field`]).
pub(crate) fn delivered_payload_text(conversation: &Conversation) -> String {
    let mut text = String::new();
    for event in &conversation.events {
        match &event.kind {
            EventKind::ContextDelivered {
                payload: Some(payload),
                ..
            } => {
                text.push_str(&payload.to_string());
                text.push(' ');
            }
            EventKind::Escalation {
                description: Some(description),
                ..
            } if ALERT_NOTE.is_match(description) => {
                text.push_str(&Value::from(description.as_str()).to_string());
                text.push(' ');
            }
            _ => {}
        }
    }
    if let Some(package) = conversation.package() {
        for (key, value) in &package.0 {
            if is_flag_field(key) && !is_empty_value(value) {
                text.push_str(&format!("{{{}: {value}}} ", Value::from(key.as_str())));
            } else if let Value::Object(fields) = value {
                // A flag or the customer's state kept in a part of the
                // package: `escalationReason.customerState`, `customer.mood`.
                for (inner, value) in fields {
                    if (is_flag_field(inner) || is_state_field(inner)) && !is_empty_value(value) {
                        text.push_str(&format!("{{{}: {value}}} ", Value::from(inner.as_str())));
                    }
                }
            }
        }
    }
    text
}

/// A field that says how the customer is (`customerState`, `mood`,
/// `emotion`): a flag when its words name distress, which is for
/// `payload_matches` to read. The scores of `sentimentArc` are no words.
fn is_state_field(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["mood", "emotion", "feeling", "temper"]
        .iter()
        .any(|word| key.contains(word))
        || (key.ends_with("state")
            && ["customer", "caller", "client", "user", "emotional"]
                .iter()
                .any(|who| key.contains(who)))
        || (key.contains("sentiment") && !key.contains("arc") && !key.contains("score"))
}

impl Condition {
    /// What this condition reads (event types and fields), for a check
    /// that cannot be scored when its source cannot record it
    /// (`sentiment_trend`'s `then`). Conditions themselves are told
    /// predicate by predicate ([`Condition::truth`]).
    pub fn needs(&self) -> FactSet {
        let mut needs = FactSet::NONE;
        if self.escalated.is_some() {
            needs = needs.with(EventType::Escalation);
        }
        if self.trigger.is_some() {
            needs = needs.with(EventType::Escalation).with_field(Field::Trigger);
        }
        if self.urgency.is_some() || self.urgency_at_least.is_some() {
            needs = needs.with(EventType::Escalation).with_field(Field::Urgency);
        }
        for types in [&self.event, &self.no_event].into_iter().flatten() {
            needs = types.0.iter().fold(needs, |set, t| set.with(*t));
        }
        if self.verification.is_some() {
            needs = needs.with(EventType::Verification);
        }
        if self.quoted_wait_at_least.is_some()
            || self.quoted_wait_over.is_some()
            || self.quoted_wait_at_most.is_some()
        {
            needs = needs
                .with(EventType::QueueJoined)
                .with_field(Field::QuotedWait);
        }
        if self.rejected_offer.is_some() {
            needs = needs.with(EventType::Offer);
        }
        if self.payload_matches.is_some() {
            needs = needs.with(EventType::ContextDelivered);
        }
        for nested in self.all.iter().chain(&self.any).flatten() {
            needs = needs.union(nested.needs());
        }
        if let Some(not) = &self.not {
            needs = needs.union(not.needs());
        }
        needs
    }
}

/// Why a predicate about the quoted wait cannot be told: the quote
/// (`seconds`) is negative or not a number.
fn impossible_wait(seconds: f64) -> String {
    format!("the quoted wait is {seconds}s, which cannot be: a wait is never negative")
}

//! Rule checks: one file per kind, each a pure function of a conversation.
//!
//! A check ends as pass, fail, not applicable or unscored, always with a
//! reason and, where an event decided it, evidence naming that event. Adding a
//! kind means a file here, a variant of [`CheckKind`], and its fixtures.

use std::borrow::Cow;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::rubric::condition::{Condition, Truth};
use crate::trace::{Conversation, Event};

pub mod all_of;
pub mod any_of;
pub mod asks;
pub mod condition;
pub mod detail_repeated;
pub mod first_meaningful_response;
pub mod follows_suggestion;
pub mod judge;
pub mod mentions_context;
pub mod needs;
pub mod normalize;
pub mod offer_not_repeated;
pub mod ordered_before;
pub mod package_complete;
pub mod phrase;
pub mod quote;
pub mod scope;
pub mod sentiment_trend;
pub mod summary_mentions;
pub mod text;

/// The verdict of a check, a dimension or a call.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    Pass,
    Fail,
    /// Not applicable: the condition for judging did not hold.
    Na,
    /// Could not be judged (missing timestamp, no data, judge failure).
    Unscored,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Fail => "fail",
            Status::Na => "na",
            Status::Unscored => "unscored",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub status: Status,
    /// Borrowed when it is fixed text (most n/a reasons, the judge's), so
    /// that the many outcomes that say the same thing allocate nothing.
    pub reason: Cow<'static, str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// A measured quantity, e.g. seconds to the first meaningful response.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<f64>,
}

impl Outcome {
    fn new(status: Status, reason: impl Into<Cow<'static, str>>) -> Self {
        Outcome {
            status,
            reason: reason.into(),
            evidence: Vec::new(),
            value: None,
        }
    }
    pub fn pass(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Status::Pass, reason)
    }
    pub fn fail(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Status::Fail, reason)
    }
    pub fn na(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Status::Na, reason)
    }
    pub fn unscored(reason: impl Into<Cow<'static, str>>) -> Self {
        Self::new(Status::Unscored, reason)
    }
    pub fn with(mut self, evidence: Evidence) -> Self {
        self.evidence.push(evidence);
        self
    }
    pub fn with_all(mut self, evidence: impl IntoIterator<Item = Evidence>) -> Self {
        self.evidence.extend(evidence);
        self
    }
    pub fn with_value(mut self, value: f64) -> Self {
        self.value = Some(value);
        self
    }
}

/// What decided an outcome: an event (by index in `events`) and the text or
/// pattern that mattered.
#[derive(Debug, Clone, Default, Serialize, PartialEq)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "millis")]
    pub at: Option<Timestamp>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
    /// What decided it: the text a pattern matched, or a short fact.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub matched: Option<String>,
    /// Which pattern matched: its index in the check's `patterns`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pattern: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Timestamps as the trace format writes them: RFC 3339, milliseconds, UTC.
fn millis<S: serde::Serializer>(at: &Option<Timestamp>, serializer: S) -> Result<S::Ok, S::Error> {
    match at {
        Some(at) => with_rfc3339_millis(*at, |text| serializer.serialize_str(text)),
        None => serializer.serialize_none(),
    }
}

/// Hands `at`, printed as the trace format writes timestamps (RFC 3339,
/// milliseconds, UTC), to `use_text`: from a stack buffer for four-digit
/// years, else from jiff's printer.
pub(crate) fn with_rfc3339_millis<R>(at: Timestamp, use_text: impl FnOnce(&str) -> R) -> R {
    let mut buf = [0u8; 24];
    match rfc3339_millis(at, &mut buf) {
        Some(text) => use_text(text),
        None => use_text(&rfc3339_millis_slow(at)),
    }
}

/// `at` as `YYYY-MM-DDTHH:MM:SS.mmmZ` in `buf`, without allocating: scorecards
/// carry a dozen timestamps each. `None` for years outside 0..=9999, which
/// [`rfc3339_millis_slow`] prints.
fn rfc3339_millis(at: Timestamp, buf: &mut [u8; 24]) -> Option<&str> {
    let civil = jiff::tz::Offset::UTC.to_datetime(at);
    let year = u32::try_from(civil.year()).ok().filter(|&y| y <= 9999)?;
    let fields: [(usize, u32, usize); 7] = [
        (0, year, 4),
        (5, civil.month() as u32, 2),
        (8, civil.day() as u32, 2),
        (11, civil.hour() as u32, 2),
        (14, civil.minute() as u32, 2),
        (17, civil.second() as u32, 2),
        (20, civil.subsec_nanosecond() as u32 / 1_000_000, 3),
    ];
    *buf = *b"0000-00-00T00:00:00.000Z";
    for (start, mut value, width) in fields {
        for slot in buf[start..start + width].iter_mut().rev() {
            *slot = b'0' + (value % 10) as u8;
            value /= 10;
        }
    }
    std::str::from_utf8(buf).ok()
}

fn rfc3339_millis_slow(at: Timestamp) -> String {
    static PRINTER: jiff::fmt::temporal::DateTimePrinter =
        jiff::fmt::temporal::DateTimePrinter::new().precision(Some(3));
    let mut out = String::with_capacity(32);
    // Printing a timestamp into a String cannot fail.
    let _ = PRINTER.print_timestamp(&at, &mut out);
    out
}

/// Longest text kept in evidence, in bytes; longer turns are cut between
/// words, with an ellipsis (see [`quote`]).
const EVIDENCE_TEXT_MAX: usize = 120;
/// Context kept on each side of a match in an evidence excerpt.
const EXCERPT_CONTEXT: usize = 40;

impl Evidence {
    /// Evidence pointing at event `index`, with the event's text if it has one.
    pub fn event(conversation: &Conversation, index: usize) -> Self {
        let event = conversation.events.get(index);
        Evidence {
            event: Some(index),
            at: event.and_then(|e| e.at),
            text: event.and_then(event_text).map(clip),
            ..Evidence::default()
        }
    }
    pub fn note(note: impl Into<String>) -> Self {
        Evidence {
            note: Some(note.into()),
            ..Evidence::default()
        }
    }
    pub fn matched(mut self, matched: impl Into<String>) -> Self {
        self.matched = Some(matched.into());
        self
    }

    /// Evidence of a pattern match in event `index`'s text, found in its
    /// matching form ([`Conversation::matching_text`]): what matched, which
    /// pattern, and an excerpt around the match, quoted from the original text.
    pub fn match_in(
        conversation: &Conversation,
        index: usize,
        found: &crate::rubric::params::Match,
    ) -> Self {
        let event = conversation.events.get(index);
        let text = event.and_then(event_text);
        // A pattern may stop inside a word (`frustrat`): quote the word,
        // as the matching form has it (an escape sequence or an invisible
        // character joined to a word is no part of it), then as written.
        let (start, end) = match (text, conversation.normalized(index)) {
            (Some(text), Some(normalized)) => {
                let (start, end) = quote::whole_words(normalized.as_str(), found.start, found.end);
                let (start, end) = normalized.original_range(start, end);
                quote::whole_graphemes(text, start, end)
            }
            (Some(text), None) => quote::whole_words(text, found.start, found.end),
            (None, _) => (found.start, found.end),
        };
        Evidence {
            event: Some(index),
            at: event.and_then(|e| e.at),
            text: text.map(|t| excerpt(t, start, end)),
            matched: text.and_then(|t| t.get(start..end)).map(str::to_string),
            pattern: Some(found.pattern),
            note: None,
        }
    }

    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }
    pub fn with_text(mut self, text: &str) -> Self {
        self.text = Some(clip(text));
        self
    }
}

fn event_text(event: &Event) -> Option<&str> {
    event.kind.text()
}

/// The text, cut to [`EVIDENCE_TEXT_MAX`] bytes between words.
fn clip(text: &str) -> String {
    quote::clip(text, EVIDENCE_TEXT_MAX).into_owned()
}

/// The part of `text` around bytes `start..end`, cut between words.
fn excerpt(text: &str, start: usize, end: usize) -> String {
    quote::excerpt(text, start, end, EXCERPT_CONTEXT)
}

/// A check as the rubric states it: a kind with its parameters, an optional
/// name, and an optional condition under which it applies.
#[derive(Debug, Clone)]
pub struct Check {
    pub kind: CheckKind,
    pub name: Option<String>,
    pub when: Option<Condition>,
}

impl Check {
    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        if let Some(unscored) = self.unrecordable(conversation) {
            return unscored;
        }
        match self.when_fails(conversation) {
            Some(na) => na,
            None => self.kind.evaluate(conversation),
        }
    }

    /// The n/a outcome when the check's `when` condition does not hold
    /// (unscored when that cannot be told).
    pub fn when_fails(&self, conversation: &Conversation) -> Option<Outcome> {
        match self.when.as_ref()?.truth(conversation) {
            Truth::Holds => None,
            Truth::Fails(reason) => Some(Outcome::na(words(&["`when` does not hold: ", &reason]))),
            Truth::Unknown(reason) => Some(Outcome::unscored(words(&[
                "cannot tell whether `when` holds: ",
                &reason,
            ]))),
        }
    }
}

/// The parts, joined into one string of exactly their length. Reasons are
/// built for every check of every call, and plain text needs none of
/// `format!`'s machinery.
pub(crate) fn words(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|part| part.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// Every rule check kind. The compiler points at each `match` to extend.
#[derive(Debug, Clone)]
pub enum CheckKind {
    OrderedBefore(ordered_before::OrderedBefore),
    PhrasePresent(phrase::PhrasePresent),
    PhraseAbsent(phrase::PhraseAbsent),
    PackageComplete(package_complete::PackageComplete),
    OfferNotRepeated(offer_not_repeated::OfferNotRepeated),
    DetailRepeated(detail_repeated::DetailRepeated),
    FirstMeaningfulResponse(first_meaningful_response::FirstMeaningfulResponse),
    SentimentTrend(sentiment_trend::SentimentTrend),
    MentionsContext(mentions_context::MentionsContext),
    FollowsSuggestion(follows_suggestion::FollowsSuggestion),
    SummaryMentions(summary_mentions::SummaryMentions),
    Condition(condition::ConditionCheck),
    AnyOf(any_of::AnyOf),
    AllOf(all_of::AllOf),
    Judge(judge::JudgeCheck),
}

/// Kind names as written in rubrics, for decoding and for error messages.
pub const KIND_NAMES: &[&str] = &[
    "ordered_before",
    "phrase_present",
    "phrase_absent",
    "package_complete",
    "offer_not_repeated",
    "detail_repeated",
    "first_meaningful_response",
    "sentiment_trend",
    "mentions_context",
    "follows_suggestion",
    "summary_mentions",
    "condition",
    "any_of",
    "all_of",
    "judge",
];

impl CheckKind {
    pub fn name(&self) -> &'static str {
        match self {
            CheckKind::OrderedBefore(_) => "ordered_before",
            CheckKind::PhrasePresent(_) => "phrase_present",
            CheckKind::PhraseAbsent(_) => "phrase_absent",
            CheckKind::PackageComplete(_) => "package_complete",
            CheckKind::OfferNotRepeated(_) => "offer_not_repeated",
            CheckKind::DetailRepeated(_) => "detail_repeated",
            CheckKind::FirstMeaningfulResponse(_) => "first_meaningful_response",
            CheckKind::SentimentTrend(_) => "sentiment_trend",
            CheckKind::MentionsContext(_) => "mentions_context",
            CheckKind::FollowsSuggestion(_) => "follows_suggestion",
            CheckKind::SummaryMentions(_) => "summary_mentions",
            CheckKind::Condition(_) => "condition",
            CheckKind::AnyOf(_) => "any_of",
            CheckKind::AllOf(_) => "all_of",
            CheckKind::Judge(_) => "judge",
        }
    }

    pub fn evaluate(&self, conversation: &Conversation) -> Outcome {
        match self {
            CheckKind::OrderedBefore(check) => check.evaluate(conversation),
            CheckKind::PhrasePresent(check) => check.evaluate(conversation),
            CheckKind::PhraseAbsent(check) => check.evaluate(conversation),
            CheckKind::PackageComplete(check) => check.evaluate(conversation),
            CheckKind::OfferNotRepeated(check) => check.evaluate(conversation),
            CheckKind::DetailRepeated(check) => check.evaluate(conversation),
            CheckKind::FirstMeaningfulResponse(check) => check.evaluate(conversation),
            CheckKind::SentimentTrend(check) => check.evaluate(conversation),
            CheckKind::MentionsContext(check) => check.evaluate(conversation),
            CheckKind::FollowsSuggestion(check) => check.evaluate(conversation),
            CheckKind::SummaryMentions(check) => check.evaluate(conversation),
            CheckKind::Condition(check) => check.evaluate(conversation),
            CheckKind::AnyOf(check) => check.evaluate(conversation),
            CheckKind::AllOf(check) => check.evaluate(conversation),
            CheckKind::Judge(check) => check.evaluate_without_judge(),
        }
    }

    /// Decodes the parameters of a leaf kind (every kind but `any_of`, whose
    /// nested checks the rubric loader decodes with their own positions, and
    /// `judge`, whose prompt file it loads).
    pub fn decode_leaf(
        kind: &str,
        params: serde_json::Value,
    ) -> Option<Result<CheckKind, serde_path_to_error::Error<serde_json::Error>>> {
        fn de<T: serde::de::DeserializeOwned>(
            params: serde_json::Value,
        ) -> Result<T, serde_path_to_error::Error<serde_json::Error>> {
            serde_path_to_error::deserialize(params)
        }
        Some(match kind {
            "ordered_before" => de(params).map(CheckKind::OrderedBefore),
            "phrase_present" => de(params).map(CheckKind::PhrasePresent),
            "phrase_absent" => de(params).map(CheckKind::PhraseAbsent),
            "package_complete" => de(params).map(CheckKind::PackageComplete),
            "offer_not_repeated" => de(params).map(CheckKind::OfferNotRepeated),
            "detail_repeated" => de(params).map(CheckKind::DetailRepeated),
            "first_meaningful_response" => de(params).map(CheckKind::FirstMeaningfulResponse),
            "sentiment_trend" => de(params).map(CheckKind::SentimentTrend),
            "mentions_context" => de(params).map(CheckKind::MentionsContext),
            "follows_suggestion" => de(params).map(CheckKind::FollowsSuggestion),
            "summary_mentions" => de(params).map(CheckKind::SummaryMentions),
            "condition" => de(params).map(CheckKind::Condition),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_keep_the_match_and_mark_cuts() {
        let text = format!(
            "{} account number {}",
            "word ".repeat(20).trim_end(),
            "more ".repeat(20).trim_end()
        );
        let start = text.find("account number").unwrap();
        let cut = excerpt(&text, start, start + 14);
        assert!(cut.starts_with("…word") && cut.ends_with("more…"), "{cut}");
        assert!(cut.contains(" account number "));
        assert!(cut.len() <= 14 + 2 * EXCERPT_CONTEXT + 2 * '…'.len_utf8());
        assert_eq!(excerpt("short text", 0, 5), "short text");
        // Never splits a multi-byte character.
        let accents = "é".repeat(100);
        assert!(
            excerpt(&accents, 100, 102)
                .chars()
                .all(|c| c == 'é' || c == '…')
        );
        assert!(clip(&accents).ends_with('…'));
    }

    #[test]
    fn fast_timestamps_print_as_jiff_does() {
        let samples = [
            "2026-10-26T07:37:11.060Z",
            "1970-01-01T00:00:00Z",
            "0001-01-01T00:00:00.999Z",
            "9999-12-30T21:59:59.999Z",
            "2024-02-29T12:00:00.5+02:00",
            "1969-12-31T23:59:59.001Z",
        ];
        for sample in samples {
            let at: Timestamp = sample.parse().unwrap();
            let mut buf = [0u8; 24];
            let fast = rfc3339_millis(at, &mut buf).expect("a four-digit year");
            assert_eq!(fast, rfc3339_millis_slow(at), "{sample}");
        }
        let far: Timestamp = "-000001-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(rfc3339_millis(far, &mut [0u8; 24]), None);
        assert!(rfc3339_millis_slow(far).starts_with("-000001-01-01"));
    }

    /// A control character in a built-in pattern (a backspace where `\b`
    /// was meant, written through a tool that read the escape) makes its
    /// alternative match nothing, silently; the source holds none but line
    /// breaks and tabs.
    #[test]
    fn the_source_holds_no_control_characters() {
        fn visit(dir: &std::path::Path, found: &mut Vec<String>) {
            for entry in std::fs::read_dir(dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    visit(&path, found);
                } else if path.extension().is_some_and(|e| e == "rs") {
                    let text = std::fs::read_to_string(&path).unwrap();
                    for (line, content) in text.lines().enumerate() {
                        if content.chars().any(|c| c.is_control() && c != '\t') {
                            found.push(format!("{}:{}", path.display(), line + 1));
                        }
                    }
                }
            }
        }
        let mut found = Vec::new();
        visit(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut found,
        );
        assert!(found.is_empty(), "control characters at {found:?}");
    }
}

//! Where the HTML report reads a run: `summary.json`, one parallel pass over
//! `calls.jsonl`, and the example conversations fetched back from the run's
//! inputs. [`read_run`] is the only entry point, so that moving to another
//! reader of run directories touches this file alone.
//!
//! Memory stays flat in the number of calls: the pass keeps counts, one
//! `f32` per measured response time, and a bounded set of candidate lines
//! (the first examples of each failure reason, and a bottom-k sample by a
//! hash of the conversation id).

use std::borrow::Cow;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use serde::de::{IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Status;
use crate::input::Input;
use crate::run_dir::{Run, RunError};
use crate::stats::{Mean, Rate};
use crate::trace::Conversation;

/// What to read, and how much of it to keep.
#[derive(Debug, Clone)]
pub struct Selection {
    /// Conversations embedded in full.
    pub conversations: usize,
    /// Failure reasons listed per dimension.
    pub reasons: usize,
    /// Example conversations per failure reason.
    pub examples_per_reason: usize,
}

/// The parts of `summary.json` the report shows.
#[derive(Debug, Clone, Deserialize)]
pub struct SummaryView {
    #[serde(default)]
    pub tool_version: String,
    pub rubric: RubricView,
    #[serde(default)]
    pub inputs: Vec<String>,
    #[serde(default)]
    pub lines: LinesView,
    #[serde(default)]
    pub conversations: u64,
    #[serde(default)]
    pub escalated: u64,
    /// Conversations whose timestamps contradict the order of their events
    /// or that state a negative duration.
    #[serde(default)]
    pub clock_contradictions: u64,
    /// Of those, the ones whose timestamps contradict their order; absent
    /// from summaries written before they were counted apart.
    #[serde(default)]
    pub clock_order_contradictions: Option<u64>,
    /// Of those, the ones that state a negative duration.
    #[serde(default)]
    pub negative_durations: Option<u64>,
    pub calls: GroupView,
    pub dimensions: Vec<DimensionView>,
    #[serde(default)]
    pub slices: BTreeMap<String, BTreeMap<String, SliceView>>,
    pub handoff: HandoffView,
    #[serde(default)]
    pub judge: JudgeView,
    #[serde(default)]
    pub import: Option<ImportView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RubricView {
    pub name: String,
    pub version: String,
    pub hash: String,
    #[serde(default)]
    pub pass_threshold: f64,
    pub dimensions: Vec<RubricDimension>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RubricDimension {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub weight: f64,
    #[serde(default)]
    pub critical: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct LinesView {
    pub read: u64,
    pub scored: u64,
    pub rejected: u64,
    #[serde(default)]
    pub duplicate_ids: u64,
}

/// A range a figure lies in (`pass_rate_bounds`, `mean_score_bounds`):
/// see [`crate::aggregate::Bounds`].
#[derive(Debug, Clone, Copy, PartialEq, Deserialize)]
pub struct BoundsView {
    pub low: f64,
    pub high: f64,
}

impl From<BoundsView> for crate::aggregate::Bounds {
    fn from(b: BoundsView) -> Self {
        crate::aggregate::Bounds {
            low: b.low,
            high: b.high,
        }
    }
}

impl From<crate::aggregate::Bounds> for BoundsView {
    fn from(b: crate::aggregate::Bounds) -> Self {
        BoundsView {
            low: b.low,
            high: b.high,
        }
    }
}

/// A summary written before unscored verdicts turned rates into ranges
/// gives a rate over the scored verdicts alone where some went unscored,
/// and no bounds: the rate is dropped, and the range computed from the
/// counts as the aggregate computes it. Returns whether verdicts went
/// unscored.
fn settle_rate(
    (pass, fail, unscored): (u64, u64, u64),
    rate: &mut Option<Rate>,
    bounds: &mut Option<BoundsView>,
) -> bool {
    if unscored == 0 {
        return false;
    }
    *rate = None;
    if bounds.is_none() {
        let counts = crate::aggregate::Counts {
            pass,
            fail,
            unscored,
            na: 0,
        };
        *bounds = counts.pass_rate_bounds().map(Into::into);
    }
    true
}

#[derive(Debug, Clone, Deserialize)]
pub struct GroupView {
    pub conversations: u64,
    pub scored: u64,
    pub passed: u64,
    pub failed: u64,
    pub unscored: u64,
    pub not_applicable: u64,
    /// Null where any call is unscored (then see `pass_rate_bounds`).
    pub pass_rate: Option<Rate>,
    #[serde(default)]
    pub pass_rate_bounds: Option<BoundsView>,
    /// Null where an unscored dimension could still move a call's score.
    pub mean_score: Option<Mean>,
    #[serde(default)]
    pub mean_score_bounds: Option<BoundsView>,
}

impl GroupView {
    /// See [`settle_rate`]; a mean score without its range, where calls
    /// went unscored, is dropped too (the range cannot be recovered).
    fn settle(&mut self) {
        let counts = (self.passed, self.failed, self.unscored);
        if settle_rate(counts, &mut self.pass_rate, &mut self.pass_rate_bounds)
            && self.mean_score_bounds.is_none()
        {
            self.mean_score = None;
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct DimensionView {
    pub id: String,
    pub applicable: u64,
    pub pass: u64,
    pub fail: u64,
    pub unscored: u64,
    pub na: u64,
    /// Null where any applicable verdict is unscored (then see
    /// `pass_rate_bounds`).
    pub pass_rate: Option<Rate>,
    #[serde(default)]
    pub pass_rate_bounds: Option<BoundsView>,
}

impl DimensionView {
    /// See [`settle_rate`].
    fn settle(&mut self) {
        let counts = (self.pass, self.fail, self.unscored);
        settle_rate(counts, &mut self.pass_rate, &mut self.pass_rate_bounds);
    }
}

impl SummaryView {
    /// Makes a summary of any version say what the current one says: no
    /// rate where verdicts went unscored, the range instead.
    pub fn settle(&mut self) {
        self.calls.settle();
        self.dimensions.iter_mut().for_each(DimensionView::settle);
        for slice in self.slices.values_mut().flat_map(BTreeMap::values_mut) {
            slice.calls.settle();
            slice
                .dimensions
                .values_mut()
                .for_each(DimensionView::settle);
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
pub struct SliceView {
    pub calls: GroupView,
    #[serde(default)]
    pub dimensions: BTreeMap<String, DimensionView>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct HandoffView {
    pub recontact_24h: RecontactView,
    pub repeat_yourself: RepeatView,
    pub csat: CsatView,
    pub first_meaningful_response_s: ResponseView,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RecontactView {
    pub escalated: u64,
    pub recontacted: u64,
    pub unmeasurable: u64,
    /// Left out because a clock contradicts itself.
    #[serde(default)]
    pub clock_contradicted: u64,
    pub rate: Option<Rate>,
    pub rate_handoff_passed: Option<Rate>,
    pub rate_handoff_failed: Option<Rate>,
    /// Escalated conversations whose handoff verdict is unscored.
    #[serde(default)]
    pub rate_handoff_undecided: Option<Rate>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct RepeatView {
    pub conversations: u64,
    pub repeated: u64,
    pub rate: Option<Rate>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct CsatView {
    pub escalated: CsatGroup,
    pub not_escalated: CsatGroup,
    pub escalated_handoff_passed: CsatGroup,
    pub escalated_handoff_failed: CsatGroup,
    /// Escalated conversations whose handoff verdict is unscored.
    #[serde(default)]
    pub escalated_handoff_undecided: CsatGroup,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct CsatGroup {
    pub mean: Option<Mean>,
    pub missing: u64,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ResponseView {
    pub measured: u64,
    pub unscored: u64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct JudgeView {
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub unavailable: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct ImportView {
    pub format: String,
    pub file: String,
}

/// One kind of failure of a dimension: a failing check and its reason with
/// the particulars left out.
#[derive(Debug, Clone)]
pub struct Reason {
    /// The check's kind, and its name when it has one (`phrase_present reason`).
    pub check: String,
    /// The reason with its particulars left out: what makes the kind.
    pub shape: String,
    /// The first reason of this kind, as written.
    pub example_reason: String,
    pub count: u64,
    /// Lines in `calls.jsonl` of the first calls that failed this way.
    pub lines: Vec<u64>,
}

/// The failure reasons of one dimension, most common first.
#[derive(Debug, Clone, Default)]
pub struct DimensionFailures {
    pub reasons: Vec<Reason>,
    /// Failing checks whose reason was of a kind past the first
    /// [`MAX_REASON_KINDS`]: counted, not listed.
    pub other: u64,
}

/// A call shown in full: its scorecard and, when the inputs still hold it,
/// its conversation.
#[derive(Debug)]
pub struct Example {
    pub line: u64,
    pub card: Value,
    pub conversation: Result<Conversation, String>,
}

/// A run, read for the report.
#[derive(Debug)]
pub struct RunData {
    pub dir: PathBuf,
    pub summary: SummaryView,
    /// Lines in `calls.jsonl`.
    pub calls: u64,
    /// Per dimension of the rubric, in its order.
    pub failures: Vec<DimensionFailures>,
    /// Seconds to the first meaningful human response, one per measured call.
    pub response_times: Vec<f32>,
    /// The calls shown in full, in `calls.jsonl` order.
    pub examples: Vec<Example>,
}

/// Kinds of failure reason tallied per dimension; judge replies can make
/// every reason its own kind, and the tally must stay bounded.
pub const MAX_REASON_KINDS: usize = 200;

/// Reads a run directory: `summary.json`, every line of `calls.jsonl` (in
/// parallel), then the chosen example conversations from the run's inputs.
/// Inputs that are gone or no longer hold a conversation leave that
/// example without a transcript, with the reason; nothing else is fatal.
pub fn read_run(dir: &Path, selection: &Selection) -> Result<RunData, RunError> {
    let run = Run::open(dir)?;
    let mut summary: SummaryView = run.summary_as()?;
    summary.settle();
    let calls_path = run.calls_path();
    let tally = tally_calls(&calls_path, &summary.rubric, selection)?;
    if tally.calls != run.calls_written() {
        return Err(RunError::Inconsistent {
            path: dir.display().to_string(),
            why: format!(
                "calls.jsonl has {} scorecards, the run wrote {}",
                tally.calls,
                run.calls_written()
            ),
        });
    }
    let Tally {
        calls,
        response_times,
        failures,
        mut candidates,
        sample,
    } = tally;

    let failures: Vec<DimensionFailures> = failures
        .into_iter()
        .map(|kinds| {
            let mut reasons: Vec<Reason> = kinds.reasons.into_values().collect();
            reasons.sort_by(|a, b| {
                b.count
                    .cmp(&a.count)
                    .then(a.lines.first().cmp(&b.lines.first()))
                    .then(a.check.cmp(&b.check))
                    .then(a.shape.cmp(&b.shape))
            });
            DimensionFailures {
                reasons,
                other: kinds.other,
            }
        })
        .collect();

    // Failure examples first, one from each listed reason in turn, then the
    // sample, until the budget is spent.
    let mut chosen: Vec<u64> = Vec::new();
    let mut seen = HashSet::new();
    for round in 0..selection.examples_per_reason {
        for dimension in &failures {
            for reason in dimension.reasons.iter().take(selection.reasons) {
                if let Some(&line) = reason.lines.get(round)
                    && chosen.len() < selection.conversations
                    && seen.insert(line)
                {
                    chosen.push(line);
                }
            }
        }
    }
    let mut sample = sample.into_vec();
    sample.sort_by_key(|entry| (entry.0, entry.1));
    for (_, line, bytes) in sample {
        if chosen.len() >= selection.conversations {
            break;
        }
        if seen.insert(line) {
            candidates.insert(line, bytes);
            chosen.push(line);
        }
    }
    chosen.sort_unstable();

    let mut cards = Vec::with_capacity(chosen.len());
    for line in chosen {
        let bytes = candidates.remove(&line).unwrap_or_default();
        let card: Value = serde_json::from_slice(&bytes).map_err(|err| RunError::Line {
            path: calls_path.display().to_string(),
            line,
            message: err.to_string(),
        })?;
        cards.push((line, card));
    }
    let id_of = |card: &Value| {
        card.get("conversation_id")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    // A call is found in the inputs by its id and, where ids repeat, by
    // which of the calls with that id it is.
    let ranks = if summary.lines.duplicate_ids > 0 {
        let chosen: HashMap<u64, String> = cards
            .iter()
            .map(|(line, card)| (*line, id_of(card)))
            .collect();
        ranks_of(&calls_path, &chosen)?
    } else {
        HashMap::new()
    };
    let key = |line: u64, card: &Value| (id_of(card), ranks.get(&line).copied().unwrap_or(0));
    let wanted: HashSet<(String, u64)> =
        cards.iter().map(|(line, card)| key(*line, card)).collect();
    let (inputs, changed) = input_files(&summary, run.manifest());
    let (mut found, missing) = find_conversations(&inputs, &changed, &wanted);
    let examples = cards
        .into_iter()
        .map(|(line, card)| {
            let conversation = found
                .remove(&key(line, &card))
                .ok_or_else(|| match &missing {
                    Some(why) => why.clone(),
                    None => format!("not found in the run's inputs ({})", inputs_named(&inputs)),
                });
            Example {
                line,
                card,
                conversation,
            }
        })
        .collect();
    Ok(RunData {
        dir: dir.to_path_buf(),
        summary,
        calls,
        failures,
        response_times,
        examples,
    })
}

// ---------------------------------------------------------------------------
// calls.jsonl

#[derive(Deserialize)]
struct CallLine<'a> {
    #[serde(borrow)]
    conversation_id: Cow<'a, str>,
    #[serde(default, borrow)]
    dimensions: Vec<DimensionLine<'a>>,
    #[serde(default)]
    metrics: Option<MetricsLine>,
}

/// A dimension of a scorecard line: its checks are read only when it
/// failed (they come after the status in calls.jsonl; checks met before a
/// status are read too), so that passing dimensions cost a skim.
struct DimensionLine<'a> {
    id: Cow<'a, str>,
    status: Status,
    checks: Vec<CheckLine<'a>>,
}

/// A check of a failed dimension; its reason is kept only when it failed.
struct CheckLine<'a> {
    check: Cow<'a, str>,
    name: Option<Cow<'a, str>>,
    status: Status,
    reason: Cow<'a, str>,
}

/// Text borrowed from the line when it holds no escapes.
#[derive(Deserialize)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de: 'a, 'a> Deserialize<'de> for DimensionLine<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Fields<'a> {
            type Value = DimensionLine<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a dimension of a scorecard")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let (mut id, mut status, mut checks) = (None, None, Vec::new());
                while let Some(Text(key)) = map.next_key()? {
                    match key.as_ref() {
                        "id" => id = Some(map.next_value::<Text>()?.0),
                        "status" => status = Some(map.next_value::<Status>()?),
                        "checks" if matches!(status, None | Some(Status::Fail)) => {
                            checks = map.next_value()?
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(DimensionLine {
                    id: id.ok_or_else(|| serde::de::Error::missing_field("id"))?,
                    status: status.ok_or_else(|| serde::de::Error::missing_field("status"))?,
                    checks,
                })
            }
        }
        deserializer.deserialize_map(Fields(std::marker::PhantomData))
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for CheckLine<'a> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields<'a>(std::marker::PhantomData<&'a ()>);
        impl<'de: 'a, 'a> Visitor<'de> for Fields<'a> {
            type Value = CheckLine<'a>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a check of a scorecard")
            }
            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let (mut check, mut name, mut status, mut reason) = (None, None, None, None);
                while let Some(Text(key)) = map.next_key()? {
                    match key.as_ref() {
                        "check" => check = Some(map.next_value::<Text>()?.0),
                        "name" => name = map.next_value::<Option<Text>>()?.map(|t| t.0),
                        "status" => status = Some(map.next_value::<Status>()?),
                        "reason" if matches!(status, None | Some(Status::Fail)) => {
                            reason = Some(map.next_value::<Text>()?.0)
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(CheckLine {
                    check: check.ok_or_else(|| serde::de::Error::missing_field("check"))?,
                    name,
                    status: status.ok_or_else(|| serde::de::Error::missing_field("status"))?,
                    reason: reason.unwrap_or_default(),
                })
            }
        }
        deserializer.deserialize_map(Fields(std::marker::PhantomData))
    }
}

#[derive(Deserialize)]
struct MetricsLine {
    #[serde(default)]
    first_meaningful_response_s: Option<f64>,
}

#[derive(Default)]
struct ReasonKinds {
    reasons: HashMap<(String, String), Reason>,
    other: u64,
}

/// What one pass over calls.jsonl keeps; partial tallies of consecutive
/// pieces of the file merge in file order.
#[derive(Default)]
struct Tally {
    calls: u64,
    response_times: Vec<f32>,
    failures: Vec<ReasonKinds>,
    /// Raw lines of failure examples, by line number.
    candidates: HashMap<u64, Box<[u8]>>,
    /// The calls with the smallest id hashes.
    sample: BinaryHeap<SampleEntry>,
}

impl Tally {
    fn new(dimensions: usize) -> Tally {
        Tally {
            failures: (0..dimensions).map(|_| ReasonKinds::default()).collect(),
            ..Tally::default()
        }
    }

    /// Adds a later piece of the file. Of its candidate lines, only those
    /// still wanted as examples are kept.
    fn merge(&mut self, later: Tally, selection: &Selection) {
        self.calls += later.calls;
        self.response_times.extend(later.response_times);
        let mut wanted = HashSet::new();
        for (mine, theirs) in self.failures.iter_mut().zip(later.failures) {
            mine.other += theirs.other;
            for (key, reason) in theirs.reasons {
                let full = mine.reasons.len() >= MAX_REASON_KINDS;
                match mine.reasons.get_mut(&key) {
                    Some(kept) => {
                        kept.count += reason.count;
                        for line in reason.lines {
                            if kept.lines.len() < selection.examples_per_reason {
                                kept.lines.push(line);
                                wanted.insert(line);
                            }
                        }
                    }
                    None if full => mine.other += reason.count,
                    None => {
                        wanted.extend(reason.lines.iter().copied());
                        mine.reasons.insert(key, reason);
                    }
                }
            }
        }
        let mut candidates = later.candidates;
        for line in wanted {
            if let Some(bytes) = candidates.remove(&line) {
                self.candidates.insert(line, bytes);
            }
        }
        for entry in later.sample {
            push_sample(&mut self.sample, entry, selection.conversations);
        }
    }
}

/// Keeps the `keep` entries with the smallest (hash, line): the heap's top
/// is the largest kept, the one a smaller newcomer replaces.
fn push_sample(heap: &mut BinaryHeap<SampleEntry>, entry: SampleEntry, keep: usize) {
    if heap.len() < keep {
        heap.push(entry);
    } else if heap.peek().is_some_and(|top| entry < *top) {
        heap.pop();
        heap.push(entry);
    }
}

/// (hash of the conversation id, line, raw line); lines are unique, so the
/// raw bytes never decide the order.
type SampleEntry = (u64, u64, Box<[u8]>);

/// The first eight bytes of SHA-256 of the conversation id: a sample that
/// does not depend on input order or on the machine.
fn id_hash(id: &str) -> u64 {
    let digest = Sha256::digest(id.as_bytes());
    u64::from_be_bytes(digest[..8].try_into().expect("eight bytes"))
}

fn tally_calls(path: &Path, rubric: &RubricView, selection: &Selection) -> Result<Tally, RunError> {
    let index: HashMap<&str, usize> = rubric
        .dimensions
        .iter()
        .enumerate()
        .map(|(i, d)| (d.id.as_str(), i))
        .collect();
    let dimensions = rubric.dimensions.len();
    let name = path.display().to_string();
    let finders = Finders::new();
    let piece = |first_line: u64, bytes: &[u8]| -> Result<Tally, RunError> {
        let mut tally = Tally::new(dimensions);
        for (offset, line) in lines(bytes).enumerate() {
            let number = first_line + offset as u64;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let (id, seconds, keep_line) = match skim(line, &finders) {
                Some((id, seconds)) => (id, seconds, false),
                None => {
                    let call: CallLine =
                        serde_json::from_slice(line).map_err(|err| RunError::Line {
                            path: name.clone(),
                            line: number,
                            message: err.to_string(),
                        })?;
                    let keep_line =
                        tally_failures(&mut tally.failures, &call, number, &index, selection);
                    let seconds = call.metrics.and_then(|m| m.first_meaningful_response_s);
                    (call.conversation_id, seconds, keep_line)
                }
            };
            tally.calls += 1;
            if let Some(seconds) = seconds {
                tally.response_times.push(seconds as f32);
            }
            if keep_line {
                tally.candidates.insert(number, line.into());
            }
            let hash = id_hash(&id);
            let admit = tally.sample.len() < selection.conversations
                || tally
                    .sample
                    .peek()
                    .is_some_and(|top| (hash, number) < (top.0, top.1));
            if admit {
                push_sample(
                    &mut tally.sample,
                    (hash, number, line.into()),
                    selection.conversations,
                );
            }
        }
        Ok(tally)
    };
    let mut total = Tally::new(dimensions);
    let mut failed = None;
    scan_lines(path, piece, |result| match result {
        Ok(tally) => {
            total.merge(tally, selection);
            true
        }
        Err(err) => {
            failed = Some(err);
            false
        }
    })
    .map_err(|source| RunError::Io {
        path: name.clone(),
        source,
    })?;
    match failed {
        Some(err) => Err(err),
        None => Ok(total),
    }
}

/// Tallies the failed checks of a call by dimension and kind of reason;
/// true when the line is wanted as an example of a reason.
fn tally_failures(
    failures: &mut [ReasonKinds],
    call: &CallLine<'_>,
    number: u64,
    index: &HashMap<&str, usize>,
    selection: &Selection,
) -> bool {
    let mut keep_line = false;
    for dimension in &call.dimensions {
        if dimension.status != Status::Fail {
            continue;
        }
        let Some(&i) = index.get(dimension.id.as_ref()) else {
            continue;
        };
        let kinds = &mut failures[i];
        for check in dimension.checks.iter().filter(|c| c.status == Status::Fail) {
            let label = match &check.name {
                Some(n) => format!("{} {n}", check.check),
                None => check.check.to_string(),
            };
            let key = (label, super::super::run_report::shape(&check.reason));
            let full = kinds.reasons.len() >= MAX_REASON_KINDS;
            match kinds.reasons.get_mut(&key) {
                Some(reason) => {
                    reason.count += 1;
                    if reason.lines.len() < selection.examples_per_reason
                        && reason.lines.last() != Some(&number)
                    {
                        reason.lines.push(number);
                        keep_line = true;
                    }
                }
                None if full => kinds.other += 1,
                None => {
                    let (check_label, shape) = key.clone();
                    kinds.reasons.insert(
                        key,
                        Reason {
                            check: check_label,
                            shape,
                            example_reason: check.reason.to_string(),
                            count: 1,
                            lines: vec![number],
                        },
                    );
                    keep_line = selection.examples_per_reason > 0;
                }
            }
        }
    }
    keep_line
}

/// Finds the keys [`skim`] looks for.
struct Finders {
    status: memchr::memmem::Finder<'static>,
    failed: memchr::memmem::Finder<'static>,
    id: memchr::memmem::Finder<'static>,
    response: memchr::memmem::Finder<'static>,
}

impl Finders {
    fn new() -> Finders {
        Finders {
            status: memchr::memmem::Finder::new(br#""status":""#),
            failed: memchr::memmem::Finder::new(br#""status":"fail""#),
            id: memchr::memmem::Finder::new(br#""conversation_id":"#),
            response: memchr::memmem::Finder::new(br#""first_meaningful_response_s":"#),
        }
    }
}

/// The id and the response time of a scorecard line in which no dimension
/// or check failed, read without parsing the line; `None` when something
/// failed or the line is not in the compact form `score` writes, and the
/// line is then parsed in full. Exact on compact JSON: inside a string a
/// quote is escaped, so `"status":"fail"` can only be a key and its value.
fn skim<'a>(line: &'a [u8], finders: &Finders) -> Option<(Cow<'a, str>, Option<f64>)> {
    finders.status.find(line)?;
    if finders.failed.find(line).is_some() {
        return None;
    }
    let at = finders.id.find(line)? + finders.id.needle().len();
    let Text(id) =
        Text::deserialize(&mut serde_json::Deserializer::from_slice(&line[at..])).ok()?;
    let seconds = match finders.response.find(line) {
        Some(at) => {
            let at = at + finders.response.needle().len();
            Some(f64::deserialize(&mut serde_json::Deserializer::from_slice(&line[at..])).ok()?)
        }
        None => None,
    };
    Some((id, seconds))
}

// ---------------------------------------------------------------------------
// the run's inputs

/// The files the run scored: the imported file when the run imported its
/// input, else the files its manifest recorded (directories as they were
/// expanded then). Returned with the files that no longer match the size
/// and fingerprint the manifest recorded ([`crate::run_dir::changed_inputs`]),
/// each with the reason: the conversations in them now are not the ones
/// the run scored, so they are not shown beside its verdicts.
fn input_files(
    summary: &SummaryView,
    manifest: &crate::run_dir::Manifest,
) -> (Vec<PathBuf>, HashMap<PathBuf, String>) {
    if let Some(import) = &summary.import {
        return (vec![PathBuf::from(&import.file)], HashMap::new());
    }
    let mut files = Vec::new();
    let mut changed = HashMap::new();
    for input in &manifest.inputs {
        let path = PathBuf::from(&input.path);
        // A file that is gone is said to be unreadable when it is scanned.
        if path.is_file()
            && let Some(why) = crate::run_dir::changed_inputs(std::slice::from_ref(input), None)
                .into_iter()
                .next()
        {
            let why = why.replace("changed while it was read", "changed since the run read it");
            changed.insert(path.clone(), why);
        }
        files.push(path);
    }
    (files, changed)
}

fn inputs_named(inputs: &[PathBuf]) -> String {
    if inputs.is_empty() {
        return "none recorded".to_string();
    }
    inputs
        .iter()
        .map(|p| p.display().to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

const ID_KEY: &[u8] = b"\"conversationId\"";

/// The string value after a `"conversationId"` key, if a string follows.
fn id_after(rest: &[u8]) -> Option<String> {
    let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
    if rest[colon] != b':' {
        return None;
    }
    let mut deserializer = serde_json::Deserializer::from_slice(&rest[colon + 1..]);
    String::deserialize(&mut deserializer).ok()
}

/// The lines of a piece of a file, split where `\n` is.
struct Lines<'a> {
    rest: Option<&'a [u8]>,
}

impl<'a> Iterator for Lines<'a> {
    type Item = &'a [u8];

    fn next(&mut self) -> Option<&'a [u8]> {
        let rest = self.rest?;
        match memchr::memchr(b'\n', rest) {
            Some(i) => {
                self.rest = Some(&rest[i + 1..]);
                Some(&rest[..i])
            }
            None => {
                self.rest = None;
                Some(rest)
            }
        }
    }
}

fn lines(bytes: &[u8]) -> Lines<'_> {
    Lines { rest: Some(bytes) }
}

/// For each chosen line of calls.jsonl (with its conversation id), how
/// many earlier lines hold the same id: the call is that occurrence of the
/// id in the inputs, which were scored in order.
fn ranks_of(calls: &Path, chosen: &HashMap<u64, String>) -> Result<HashMap<u64, u64>, RunError> {
    let ids: HashSet<&str> = chosen.values().map(String::as_str).collect();
    let finder = memchr::memmem::Finder::new(br#""conversation_id":"#);
    let piece = |first: u64, bytes: &[u8]| -> Vec<(u64, String)> {
        let mut hits = Vec::new();
        for (offset, line) in lines(bytes).enumerate() {
            let Some(at) = finder.find(line) else {
                continue;
            };
            let at = at + finder.needle().len();
            let Ok(Text(id)) =
                Text::deserialize(&mut serde_json::Deserializer::from_slice(&line[at..]))
            else {
                continue;
            };
            if ids.contains(id.as_ref()) {
                hits.push((first + offset as u64, id.into_owned()));
            }
        }
        hits
    };
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut ranks = HashMap::new();
    scan_lines(calls, piece, |hits| {
        for (line, id) in hits {
            let count = seen.entry(id).or_default();
            if chosen.contains_key(&line) {
                ranks.insert(line, *count);
            }
            *count += 1;
        }
        ranks.len() < chosen.len()
    })
    .map_err(|err| RunError::Line {
        path: calls.display().to_string(),
        line: 0,
        message: err.to_string(),
    })?;
    Ok(ranks)
}

/// Finds the wanted conversations in the inputs, each by its id and which
/// occurrence of that id it is (0 for the first), stopping as soon as all
/// are found. Returns them by that key, and why none could be read when
/// the inputs are unreadable.
fn find_conversations(
    inputs: &[PathBuf],
    changed: &HashMap<PathBuf, String>,
    wanted: &HashSet<(String, u64)>,
) -> (HashMap<(String, u64), Conversation>, Option<String>) {
    let wanted_ids: HashSet<&str> = wanted.iter().map(|(id, _)| id.as_str()).collect();
    let mut seen: HashMap<String, u64> = HashMap::new();
    let mut found: HashMap<(String, u64), Conversation> = HashMap::new();
    let mut unreadable = Vec::new();
    let mut stale = Vec::new();
    for path in inputs {
        if found.len() == wanted.len() {
            break;
        }
        if path.as_os_str() == "<stdin>" {
            unreadable.push("the run read standard input".to_string());
            continue;
        }
        if let Some(why) = changed.get(path) {
            stale.push(why.clone());
            continue;
        }
        // Only the lines that hold a wanted id are parsed; the others are
        // passed over by searching for the key, not by splitting lines.
        let piece = |_first: u64, bytes: &[u8]| -> Vec<Conversation> {
            let mut hits = Vec::new();
            let mut parsed_to = 0;
            for at in memchr::memmem::find_iter(bytes, ID_KEY) {
                if at < parsed_to {
                    continue;
                }
                let Some(id) = id_after(&bytes[at + ID_KEY.len()..]) else {
                    continue;
                };
                if !wanted_ids.contains(id.as_str()) {
                    continue;
                }
                let start = memchr::memrchr(b'\n', &bytes[..at]).map_or(0, |i| i + 1);
                let end = memchr::memchr(b'\n', &bytes[at..]).map_or(bytes.len(), |i| at + i);
                parsed_to = end;
                let line = &bytes[start..end];
                let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
                if let Ok(conversation) = crate::trace::parse_line(line)
                    && wanted_ids.contains(conversation.conversation_id.as_str())
                {
                    hits.push(conversation);
                }
            }
            hits
        };
        let scanned = scan_lines(path, piece, |hits| {
            for conversation in hits {
                let count = seen
                    .entry(conversation.conversation_id.clone())
                    .or_default();
                let key = (conversation.conversation_id.clone(), *count);
                *count += 1;
                if wanted.contains(&key) {
                    found.insert(key, conversation);
                }
            }
            found.len() < wanted.len()
        });
        if let Err(err) = scanned {
            unreadable.push(format!("{}: {err}", path.display()));
        }
    }
    let why = if !stale.is_empty() {
        Some(format!(
            "not found in the inputs that still hold what the run scored; {} (its transcripts are not shown beside the run's verdicts)",
            stale.join("; ")
        ))
    } else {
        (!unreadable.is_empty() && found.is_empty())
            .then(|| format!("the run's inputs cannot be read: {}", unreadable.join("; ")))
    };
    (found, why)
}

// ---------------------------------------------------------------------------
// reading a file in parallel

/// Bytes read at a time.
const BLOCK: usize = 16 << 20;

/// Splits `path` (decoded when compressed) into blocks of whole lines, each block into pieces that
/// `piece` handles in parallel (with the 1-based number of the piece's
/// first line), and hands the results to `take` in file order; stops when
/// `take` returns false. The next block is read while this one is handled.
fn scan_lines<A: Send>(
    path: &Path,
    piece: impl Fn(u64, &[u8]) -> A + Sync,
    mut take: impl FnMut(A) -> bool,
) -> io::Result<()> {
    let mut file = crate::input::open(&Input::File(path.to_path_buf()))?;
    let mut carry = Vec::new();
    let mut next_line = 1u64;
    let mut block = read_block(&mut file, &mut carry)?;
    while let Some(bytes) = block {
        let (read, (results, lines)) = rayon::join(
            || read_block(&mut file, &mut carry),
            || handle_block(&bytes, next_line, &piece),
        );
        for result in results {
            if !take(result) {
                return Ok(());
            }
        }
        next_line += lines;
        block = read?;
    }
    Ok(())
}

/// Reads the next block of whole lines (each ending in `\n`, but perhaps
/// the last of the file); `None` at the end.
fn read_block(file: &mut (dyn Read + Send), carry: &mut Vec<u8>) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = std::mem::take(carry);
    loop {
        let start = bytes.len();
        bytes.reserve(BLOCK);
        let read = (&mut *file).take(BLOCK as u64).read_to_end(&mut bytes)?;
        if read == 0 {
            return Ok((!bytes.is_empty()).then(|| {
                if bytes.last() != Some(&b'\n') {
                    bytes.push(b'\n');
                }
                bytes
            }));
        }
        if let Some(last) = memchr::memrchr(b'\n', &bytes[start..]) {
            let cut = start + last + 1;
            carry.extend_from_slice(&bytes[cut..]);
            bytes.truncate(cut);
            return Ok(Some(bytes));
        }
    }
}

/// Handles a block as a few pieces, one rayon task each, in order; also
/// returns how many lines the block holds.
fn handle_block<A: Send>(
    bytes: &[u8],
    first_line: u64,
    piece: &(impl Fn(u64, &[u8]) -> A + Sync),
) -> (Vec<A>, u64) {
    let parts = rayon::current_num_threads().max(1) * 4;
    let target = bytes.len() / parts + 1;
    let mut bounds = vec![0];
    let mut at = 0;
    while at < bytes.len() {
        let end = (at + target).min(bytes.len());
        let end = match memchr::memchr(b'\n', &bytes[end.saturating_sub(1)..]) {
            Some(i) => end.saturating_sub(1) + i + 1,
            None => bytes.len(),
        };
        bounds.push(end);
        at = end;
    }
    let mut firsts = Vec::with_capacity(bounds.len());
    let mut line = first_line;
    for window in bounds.windows(2) {
        firsts.push(line);
        line += memchr::memchr_iter(b'\n', &bytes[window[0]..window[1]]).count() as u64;
    }
    let results = bounds
        .windows(2)
        .zip(firsts)
        .collect::<Vec<_>>()
        .into_par_iter()
        .map(|(window, first)| {
            // Every piece ends with its newline: drop it, so that splitting
            // on `\n` yields the piece's lines and no trailing empty one.
            let text = &bytes[window[0]..window[1]];
            piece(first, text.strip_suffix(b"\n").unwrap_or(text))
        })
        .collect();
    (results, line - first_line)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_summary_from_before_ranges_shows_no_rate_over_the_scored_alone() {
        let rate = r#"{"value": 1.0, "low": 0.9, "high": 1.0, "n": 35}"#;
        let mut old: DimensionView = serde_json::from_str(&format!(
            r#"{{"id": "d", "applicable": 186, "pass": 0, "fail": 35, "unscored": 151, "na": 0, "pass_rate": {rate}}}"#
        ))
        .unwrap();
        old.settle();
        assert_eq!(old.pass_rate, None);
        assert_eq!(
            old.pass_rate_bounds,
            Some(BoundsView {
                low: 0.0,
                high: 0.8118
            })
        );
        let mut scored: DimensionView = serde_json::from_str(&format!(
            r#"{{"id": "d", "applicable": 35, "pass": 35, "fail": 0, "unscored": 0, "na": 0, "pass_rate": {rate}}}"#
        ))
        .unwrap();
        scored.settle();
        assert!(
            scored.pass_rate.is_some(),
            "every verdict scored: the rate stays"
        );
        let mut calls: GroupView = serde_json::from_str(
            r#"{"conversations": 10, "scored": 4, "passed": 4, "failed": 0, "unscored": 6, "not_applicable": 0,
                "pass_rate": {"value": 1.0, "low": 0.5, "high": 1.0, "n": 4},
                "mean_score": {"value": 90.0, "low": 80.0, "high": 95.0, "n": 4}}"#,
        )
        .unwrap();
        calls.settle();
        assert_eq!(calls.pass_rate, None);
        assert_eq!(calls.mean_score, None, "a mean over the final scores alone");
        assert_eq!(
            calls.pass_rate_bounds,
            Some(BoundsView {
                low: 0.4,
                high: 1.0
            })
        );
    }

    #[test]
    fn ids_are_read_after_their_key() {
        assert_eq!(id_after(br#" : "c\"1", "x": 2}"#), Some("c\"1".to_string()));
        assert_eq!(id_after(br#": 7}"#), None);
        assert_eq!(id_after(br#"}"#), None);
    }

    #[test]
    fn only_lines_without_a_failure_are_skimmed() {
        let finders = Finders::new();
        let passed = br#"{"conversation_id":"c\u00e91","dimensions":[{"id":"d","status":"pass"}],"metrics":{"first_meaningful_response_s":9.31}}"#;
        let (id, seconds) = skim(passed, &finders).unwrap();
        assert_eq!((id.as_ref(), seconds), ("c\u{e9}1", Some(9.31)));
        let no_clock =
            br#"{"conversation_id":"c2","dimensions":[{"id":"d","status":"na"}],"metrics":{}}"#;
        assert_eq!(skim(no_clock, &finders).map(|s| s.1), Some(None));
        let failed = br#"{"conversation_id":"c3","dimensions":[{"id":"d","status":"pass","checks":[{"check":"k","status":"fail"}]}]}"#;
        assert!(skim(failed, &finders).is_none());
        let spaced = br#"{"conversation_id": "c4", "dimensions": [{"id": "d", "status": "fail"}]}"#;
        assert!(
            skim(spaced, &finders).is_none(),
            "not the compact form: parsed in full"
        );
    }

    #[test]
    fn lines_split_as_the_file_does() {
        let text = b"a\nbb\n\nc";
        assert_eq!(
            lines(text).collect::<Vec<_>>(),
            text.split(|b| *b == b'\n').collect::<Vec<_>>()
        );
    }

    #[test]
    fn pieces_cover_every_line_once_with_its_number() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lines");
        let text: String = (1..=5000).map(|i| format!("line {i}\n")).collect();
        std::fs::write(&path, text + "last without newline").unwrap();
        let mut seen = Vec::new();
        scan_lines(
            &path,
            |first, bytes| {
                bytes
                    .split(|b| *b == b'\n')
                    .enumerate()
                    .map(|(i, l)| (first + i as u64, String::from_utf8(l.to_vec()).unwrap()))
                    .collect::<Vec<_>>()
            },
            |lines| {
                seen.extend(lines);
                true
            },
        )
        .unwrap();
        assert_eq!(seen.len(), 5001);
        assert!(
            seen.iter()
                .all(|(n, l)| *n == 5001 || *l == format!("line {n}"))
        );
        assert_eq!(seen[5000], (5001, "last without newline".to_string()));
    }

    #[test]
    fn the_sample_keeps_the_smallest_hashes() {
        let mut heap = BinaryHeap::new();
        for (hash, line) in [(5, 1), (3, 2), (9, 3), (1, 4), (7, 5)] {
            push_sample(&mut heap, (hash, line, Box::from(&b""[..])), 3);
        }
        let mut kept: Vec<u64> = heap.into_iter().map(|e| e.0).collect();
        kept.sort();
        assert_eq!(kept, vec![1, 3, 5]);
    }
}

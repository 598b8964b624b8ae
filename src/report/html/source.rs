//! Where the HTML report reads a run: `summary.json`, one parallel pass over
//! `calls.jsonl`, and the example conversations fetched back from the run's
//! inputs. [`read_run`] is the only entry point, so that moving to another
//! reader of run directories touches this file alone.
//!
//! Memory stays flat in the number of calls: the pass keeps counts, one
//! `f32` per measured response time, and a bounded set of candidate lines
//! (the first examples of each failure reason, and a bottom-k sample by a
//! hash of the conversation id).

use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::Status;
use crate::compare::RunError;
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

#[derive(Debug, Clone, Deserialize)]
pub struct GroupView {
    pub conversations: u64,
    pub scored: u64,
    pub passed: u64,
    pub failed: u64,
    pub unscored: u64,
    pub not_applicable: u64,
    pub pass_rate: Option<Rate>,
    pub mean_score: Option<Mean>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct DimensionView {
    pub id: String,
    pub applicable: u64,
    pub pass: u64,
    pub fail: u64,
    pub unscored: u64,
    pub na: u64,
    pub pass_rate: Option<Rate>,
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
    pub rate: Option<Rate>,
    pub rate_handoff_passed: Option<Rate>,
    pub rate_handoff_failed: Option<Rate>,
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
}

#[derive(Debug, Clone, Deserialize)]
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
    let summary_path = dir.join("summary.json");
    let text = std::fs::read_to_string(&summary_path).map_err(|source| RunError::Io {
        path: summary_path.display().to_string(),
        source,
    })?;
    let summary: SummaryView = serde_json::from_str(&text).map_err(|err| RunError::Summary {
        path: summary_path.display().to_string(),
        message: err.to_string(),
    })?;
    let calls_path = dir.join("calls.jsonl");
    let tally = tally_calls(&calls_path, &summary.rubric, selection)?;
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
    let wanted: HashSet<String> = cards
        .iter()
        .filter_map(|(_, card)| card.get("conversation_id")?.as_str().map(str::to_string))
        .collect();
    let inputs = input_files(&summary);
    let (mut found, missing) = find_conversations(&inputs, &wanted);
    let examples = cards
        .into_iter()
        .map(|(line, card)| {
            let id = card
                .get("conversation_id")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let conversation = found.remove(id).ok_or_else(|| match &missing {
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
    conversation_id: std::borrow::Cow<'a, str>,
    #[serde(default)]
    dimensions: Vec<DimensionLine<'a>>,
    #[serde(default)]
    metrics: Option<MetricsLine>,
}

#[derive(Deserialize)]
struct DimensionLine<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    status: Status,
    #[serde(default, borrow)]
    checks: Vec<CheckLine<'a>>,
}

#[derive(Deserialize)]
struct CheckLine<'a> {
    #[serde(borrow)]
    check: std::borrow::Cow<'a, str>,
    #[serde(default, borrow)]
    name: Option<std::borrow::Cow<'a, str>>,
    status: Status,
    #[serde(default, borrow)]
    reason: std::borrow::Cow<'a, str>,
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
    let piece = |first_line: u64, bytes: &[u8]| -> Result<Tally, RunError> {
        let mut tally = Tally::new(dimensions);
        for (offset, line) in bytes.split(|b| *b == b'\n').enumerate() {
            let number = first_line + offset as u64;
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if line.iter().all(u8::is_ascii_whitespace) {
                continue;
            }
            let call: CallLine = serde_json::from_slice(line).map_err(|err| RunError::Line {
                path: name.clone(),
                line: number,
                message: err.to_string(),
            })?;
            tally.calls += 1;
            if let Some(seconds) = call.metrics.and_then(|m| m.first_meaningful_response_s) {
                tally.response_times.push(seconds as f32);
            }
            let mut keep_line = false;
            for dimension in &call.dimensions {
                if dimension.status != Status::Fail {
                    continue;
                }
                let Some(&i) = index.get(dimension.id.as_ref()) else {
                    continue;
                };
                let kinds = &mut tally.failures[i];
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
            if keep_line {
                tally.candidates.insert(number, line.into());
            }
            let hash = id_hash(&call.conversation_id);
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

// ---------------------------------------------------------------------------
// the run's inputs

/// The files the run scored, as `summary.json` names them: the imported
/// file when the run imported its input.
fn input_files(summary: &SummaryView) -> Vec<PathBuf> {
    if let Some(import) = &summary.import {
        return vec![PathBuf::from(&import.file)];
    }
    let mut files = Vec::new();
    for input in &summary.inputs {
        let path = PathBuf::from(input);
        if path.is_dir() {
            files.extend(crate::trace::files_in(&path, &["jsonl"]).unwrap_or_default());
        } else {
            files.push(path);
        }
    }
    files
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

/// The values of every `"conversationId"` key in a line, without parsing
/// the rest of it.
fn ids_in(line: &[u8]) -> impl Iterator<Item = String> + '_ {
    memchr::memmem::find_iter(line, ID_KEY).filter_map(move |at| {
        let rest = &line[at + ID_KEY.len()..];
        let colon = rest.iter().position(|b| !b.is_ascii_whitespace())?;
        if rest[colon] != b':' {
            return None;
        }
        let mut deserializer = serde_json::Deserializer::from_slice(&rest[colon + 1..]);
        String::deserialize(&mut deserializer).ok()
    })
}

/// Finds the wanted conversations in the inputs (first occurrence of each),
/// stopping as soon as all are found. Returns them by id, and why none
/// could be read when the inputs are unreadable.
fn find_conversations(
    inputs: &[PathBuf],
    wanted: &HashSet<String>,
) -> (HashMap<String, Conversation>, Option<String>) {
    let mut found: HashMap<String, Conversation> = HashMap::new();
    let mut unreadable = Vec::new();
    for path in inputs {
        if found.len() == wanted.len() {
            break;
        }
        if path.as_os_str() == "<stdin>" {
            unreadable.push("the run read standard input".to_string());
            continue;
        }
        let piece = |_first: u64, bytes: &[u8]| -> Vec<Conversation> {
            let mut hits = Vec::new();
            for line in bytes.split(|b| *b == b'\n') {
                let mut ids = ids_in(line);
                if !ids.any(|id| wanted.contains(&id)) {
                    continue;
                }
                let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
                if let Ok(conversation) = crate::trace::parse_line(line)
                    && wanted.contains(&conversation.conversation_id)
                {
                    hits.push(conversation);
                }
            }
            hits
        };
        let scanned = scan_lines(path, piece, |hits| {
            for conversation in hits {
                found
                    .entry(conversation.conversation_id.clone())
                    .or_insert(conversation);
            }
            found.len() < wanted.len()
        });
        if let Err(err) = scanned {
            unreadable.push(format!("{}: {err}", path.display()));
        }
    }
    let why = (!unreadable.is_empty() && found.is_empty())
        .then(|| format!("the run's inputs cannot be read: {}", unreadable.join("; ")));
    (found, why)
}

// ---------------------------------------------------------------------------
// reading a file in parallel

/// Bytes read at a time.
const BLOCK: usize = 16 << 20;

/// Splits `path` into blocks of whole lines, each block into pieces that
/// `piece` handles in parallel (with the 1-based number of the piece's
/// first line), and hands the results to `take` in file order; stops when
/// `take` returns false. The next block is read while this one is handled.
fn scan_lines<A: Send>(
    path: &Path,
    piece: impl Fn(u64, &[u8]) -> A + Sync,
    mut take: impl FnMut(A) -> bool,
) -> io::Result<()> {
    let mut file = File::open(path)?;
    let mut carry = Vec::new();
    let mut next_line = 1u64;
    let mut block = read_block(&mut file, &mut carry)?;
    while let Some(bytes) = block {
        let ((read, results), lines) = (
            rayon::join(
                || read_block(&mut file, &mut carry),
                || handle_block(&bytes, next_line, &piece),
            ),
            memchr::memchr_iter(b'\n', &bytes).count() as u64,
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
fn read_block(file: &mut File, carry: &mut Vec<u8>) -> io::Result<Option<Vec<u8>>> {
    let mut bytes = std::mem::take(carry);
    loop {
        let start = bytes.len();
        bytes.reserve(BLOCK);
        let read = file.by_ref().take(BLOCK as u64).read_to_end(&mut bytes)?;
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

/// Handles a block as a few pieces, one rayon task each, in order.
fn handle_block<A: Send>(
    bytes: &[u8],
    first_line: u64,
    piece: &(impl Fn(u64, &[u8]) -> A + Sync),
) -> Vec<A> {
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
    bounds
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
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_found_without_parsing_the_line() {
        let line =
            br#"{"events":[{"package":{"conversationId":"inner"}}],"conversationId" : "c\"1"}"#;
        assert_eq!(ids_in(line).collect::<Vec<_>>(), vec!["inner", "c\"1"]);
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

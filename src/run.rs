//! The scheduler: read a batch, parse and score it on rayon while the next
//! batch is read, then hand the results on in input order.
//!
//! Workers share nothing mutable but a pool of line buffers; each line
//! becomes either a serialized call scorecard with its small summary, or a
//! rejection. The single consumer writes them in input order and feeds the
//! aggregator, so output is the same whatever the thread count, and memory
//! depends on the batch size.
//!
//! The consumer and the reader run on the calling thread, outside the pool:
//! with one worker, reading and writing still overlap with scoring.
//!
//! Work in flight is bounded in bytes as well as lines: a batch ends at
//! [`RunConfig::batch_size`] lines or [`RunConfig::batch_bytes`] bytes of
//! input, and a line over [`RunConfig::max_line_bytes`] is rejected without
//! being held, so memory stays flat whatever the line sizes.
//!
//! A resumed run ([`run_after`]) scores its input again from the start, but
//! takes the judge outcomes of the lines an interrupted run already wrote
//! from those lines, writes nothing for them, and checks that they come out
//! byte for byte as written.

use std::collections::{HashSet, VecDeque};
use std::io::{self, BufRead, Write};
use std::sync::Mutex;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::aggregate::{Aggregate, Aggregator};
use crate::checks::{Evidence, Outcome, Status};
use crate::judge::runner::JudgeRunner;
use crate::rubric::Rubric;
use crate::score::{CallCard, CallSummary, JudgeJob, Scored, answer, customer_key, score_call};
use crate::trace::{Input, LineReader, RawLine, overlong_error, parse_line};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Worker threads that parse and score; `None` uses one per core.
    /// The calling thread reads the input and writes the results.
    pub threads: Option<usize>,
    /// Lines per batch at most.
    pub batch_size: usize,
    /// Bytes of input per batch at most (a batch holds at least one line).
    pub batch_bytes: usize,
    /// A longer input line (without its line ending) is rejected unread.
    pub max_line_bytes: usize,
    /// Metadata keys to slice the aggregate by (`--by`).
    pub slice_keys: Vec<String>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            threads: None,
            batch_size: 1024,
            batch_bytes: 16 << 20,
            max_line_bytes: 64 << 20,
            slice_keys: Vec::new(),
        }
    }
}

/// A line that could not be scored, and why.
#[derive(Debug, Clone, Serialize)]
pub struct Rejection {
    pub file: String,
    pub line: u64,
    pub error: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.error)
    }
}

/// A `conversationId` seen before in the same run.
#[derive(Debug, Clone, Serialize)]
pub struct Duplicate {
    pub conversation_id: String,
    pub file: String,
    pub line: u64,
}

/// What the run saw, besides the aggregate.
#[derive(Debug, Serialize)]
pub struct LineCounts {
    pub read: u64,
    pub scored: u64,
    pub rejected: u64,
    pub duplicate_ids: u64,
    pub bytes: u64,
    /// `bytes`, input by input (decoded bytes for a compressed input).
    #[serde(skip)]
    pub bytes_per_input: Vec<u64>,
}

pub struct RunOutcome {
    pub lines: LineCounts,
    pub aggregate: Aggregate,
}

/// Where the run's results go. Implementations write files, print errors,
/// move a progress bar; the defaults do nothing.
pub trait Sink: Send {
    fn call(&mut self, _json: &[u8]) -> io::Result<()> {
        Ok(())
    }
    fn rejected(&mut self, _rejection: &Rejection) -> io::Result<()> {
        Ok(())
    }
    fn duplicate(&mut self, _duplicate: &Duplicate) {}
    fn progress(&mut self, _lines: u64, _bytes: u64) {}
    /// A scorecard an interrupted run already wrote (see [`run_after`]):
    /// not to be written again.
    fn kept(&mut self, _json: &[u8]) -> io::Result<()> {
        Ok(())
    }
    /// The batches done so far are written: what is buffered can go to
    /// disk, so that a run killed later keeps them.
    fn checkpoint(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Why a run cannot be resumed after all, found while its kept lines were
/// checked (a kept line that is not the scorecard the input gives, more
/// kept lines than the input holds): carried inside an [`io::Error`], so
/// that the caller can leave the interrupted run as it was.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct NotResumable(pub String);

impl NotResumable {
    /// Whether `err` says the run cannot be resumed.
    pub fn is(err: &io::Error) -> bool {
        err.get_ref()
            .is_some_and(|inner| inner.is::<NotResumable>())
    }
}

/// The scorecard lines an interrupted run wrote, to be kept by the run
/// that takes it up (`score --resume`): the first `count` scored lines of
/// the input, as they stand in `calls.jsonl`, each ending in a newline.
pub struct Kept {
    pub count: u64,
    pub lines: Box<dyn io::BufRead + Send>,
}

enum LineResult<'r> {
    Rejected {
        input: usize,
        line: u64,
        error: String,
    },
    Scored(Box<ScoredLine<'r>>),
}

struct ScoredLine<'r> {
    input: usize,
    line: u64,
    conversation_id: String,
    body: Body<'r>,
}

/// A scored call: written out, or waiting for its judge checks.
enum Body<'r> {
    Ready {
        json: Vec<u8>,
        summary: CallSummary,
    },
    Waiting {
        card: Box<CallCard<'r, 'static>>,
        summary: CallSummary,
        jobs: Vec<JudgeJob>,
    },
}

fn to_json(card: &CallCard<'_, '_>, mut json: Vec<u8>) -> Vec<u8> {
    json.clear();
    crate::report::call_line::write(card, &mut json);
    json
}

/// Room for a scorecard line: most are 3 to 6 KB.
const LINE_CAPACITY: usize = 8192;

/// Scorecard line buffers handed back by the writer once written, for the
/// workers to fill again. A fresh buffer per line, allocated on a worker
/// and freed on the calling thread, cost a cross-thread free and often a
/// fresh page; reused, the same few thousand buffers go round.
struct LineBuffers {
    free: Mutex<Vec<Vec<u8>>>,
    /// Buffers kept at most: those of about one batch.
    keep: usize,
}

/// Buffers a worker takes this many at a time, so it rarely takes the lock.
const TAKEN_AT_ONCE: usize = 32;

impl LineBuffers {
    fn new(keep: usize) -> Self {
        LineBuffers {
            free: Mutex::new(Vec::new()),
            keep,
        }
    }

    fn free(&self) -> std::sync::MutexGuard<'_, Vec<Vec<u8>>> {
        self.free.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Moves up to [`TAKEN_AT_ONCE`] kept buffers into `into`.
    fn take_some(&self, into: &mut Vec<Vec<u8>>) {
        let mut free = self.free();
        let from = free.len().saturating_sub(TAKEN_AT_ONCE);
        into.extend(free.drain(from..));
    }

    /// Hands back written buffers; those past `keep`, or grown past a
    /// typical line, are freed.
    fn give(&self, buffers: &mut Vec<Vec<u8>>) {
        let mut free = self.free();
        let room = self.keep.saturating_sub(free.len());
        free.extend(
            buffers
                .drain(..)
                .filter(|buffer| buffer.capacity() <= 4 * LINE_CAPACITY)
                .take(room),
        );
    }
}

/// A worker's share of [`LineBuffers`], for one rayon job; what it did
/// not use goes back when the job ends.
struct Stash<'b> {
    buffers: &'b LineBuffers,
    taken: Vec<Vec<u8>>,
}

impl<'b> Stash<'b> {
    fn new(buffers: &'b LineBuffers) -> Self {
        Stash {
            buffers,
            taken: Vec::new(),
        }
    }

    fn take(&mut self) -> Vec<u8> {
        if self.taken.is_empty() {
            self.buffers.take_some(&mut self.taken);
        }
        self.taken
            .pop()
            .unwrap_or_else(|| Vec::with_capacity(LINE_CAPACITY))
    }
}

impl Drop for Stash<'_> {
    fn drop(&mut self) {
        if !self.taken.is_empty() {
            self.buffers.give(&mut self.taken);
        }
    }
}

fn process<'r>(
    rubric: &'r Rubric,
    config: &RunConfig,
    judge: &JudgeRunner,
    stash: &mut Stash<'_>,
    raw: &RawLine,
) -> LineResult<'r> {
    if let Some(length) = raw.overlong {
        return LineResult::Rejected {
            input: raw.input,
            line: raw.line,
            error: overlong_error(length, config.max_line_bytes),
        };
    }
    let slice_keys = &config.slice_keys;
    let conversation = match parse_line(&raw.bytes) {
        Ok(conversation) => conversation,
        Err(error) => {
            return LineResult::Rejected {
                input: raw.input,
                line: raw.line,
                error,
            };
        }
    };
    let Scored {
        card,
        summary,
        jobs,
    } = score_call(rubric, &conversation, slice_keys, judge);
    let body = if jobs.is_empty() {
        Body::Ready {
            json: to_json(&card, stash.take()),
            summary,
        }
    } else {
        Body::Waiting {
            card: Box::new(card.detach()),
            summary,
            jobs,
        }
    };
    LineResult::Scored(Box::new(ScoredLine {
        input: raw.input,
        line: raw.line,
        conversation_id: conversation.conversation_id.clone(),
        body,
    }))
}

/// A scored line in the consumer's queue; judge calls already started.
struct Queued<'r> {
    input: usize,
    line: u64,
    conversation_id: String,
    body: Body<'r>,
    calls: Vec<(usize, usize, JoinHandle<Outcome>)>,
    /// Already in calls.jsonl (a resumed run): checked, not written.
    kept: bool,
}

/// Batches whose judge calls may still be running, at most; the consumer
/// then waits for the oldest, so memory stays bounded.
const WAITING_BATCHES: usize = 4;

/// Writes scored lines in input order once their judge calls are done.
struct Writer<'a, 'r> {
    rubric: &'r Rubric,
    /// Input names, by index, for messages.
    names: Vec<String>,
    judge: &'a JudgeRunner,
    sink: &'a mut dyn Sink,
    aggregator: Aggregator,
    seen_ids: HashSet<u64>,
    lines: LineCounts,
    queue: VecDeque<Vec<Queued<'r>>>,
    batch: Vec<Queued<'r>>,
    /// Emptied batch vectors, kept for the next batches.
    spare: Vec<Vec<Queued<'r>>>,
    /// Line buffers of the batch being written, then handed back to `buffers`.
    written: Vec<Vec<u8>>,
    buffers: &'a LineBuffers,
    /// A resumed run's kept lines, and how many of them were read back.
    kept: Option<Kept>,
    kept_read: u64,
    /// Scored lines pushed so far.
    pushed: u64,
}

impl<'r> Writer<'_, 'r> {
    fn push(&mut self, scored: ScoredLine<'r>) {
        let kept = self.kept.as_ref().is_some_and(|k| self.pushed < k.count);
        self.pushed += 1;
        let calls = match &scored.body {
            Body::Waiting { jobs, .. } if !kept => jobs
                .iter()
                .filter_map(|job| {
                    let handle = self.judge.spawn(job.request.clone())?;
                    Some((job.dimension, job.check, handle))
                })
                .collect(),
            _ => Vec::new(),
        };
        self.batch.push(Queued {
            input: scored.input,
            line: scored.line,
            conversation_id: scored.conversation_id,
            body: scored.body,
            calls,
            kept,
        });
    }

    /// Ends a batch; writes every finished batch at the front of the queue,
    /// waiting for the oldest when too many are waiting.
    fn end_batch(&mut self) -> io::Result<()> {
        let empty = self.spare.pop().unwrap_or_default();
        self.queue
            .push_back(std::mem::replace(&mut self.batch, empty));
        while let Some(front) = self.queue.front() {
            let done = front
                .iter()
                .all(|q| q.calls.iter().all(|(_, _, h)| h.is_finished()));
            if !done && self.queue.len() <= WAITING_BATCHES {
                break;
            }
            let batch = self.queue.pop_front().expect("front exists");
            self.write(batch)?;
        }
        Ok(())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.queue.push_back(std::mem::take(&mut self.batch));
        while let Some(batch) = self.queue.pop_front() {
            self.write(batch)?;
        }
        if let Some(kept) = &self.kept
            && self.kept_read < kept.count
        {
            return Err(io::Error::other(NotResumable(format!(
                "calls.jsonl holds {} scorecard lines, but the input gives only {}: the run cannot be resumed (score again without --resume)",
                kept.count, self.kept_read
            ))));
        }
        Ok(())
    }

    /// A kept line's scorecard, made again with the judge outcomes it
    /// records, and checked against it.
    fn replay(&mut self, body: Body<'r>) -> io::Result<(Vec<u8>, CallSummary)> {
        let kept = self.kept.as_mut().expect("only kept lines are replayed");
        let mut stored = Vec::with_capacity(LINE_CAPACITY);
        kept.lines.read_until(b'\n', &mut stored)?;
        self.kept_read += 1;
        let number = self.kept_read;
        let differs = || {
            io::Error::other(NotResumable(format!(
                "calls.jsonl line {number} is not the scorecard this input and rubric give: the run cannot be resumed (score again without --resume)"
            )))
        };
        let (json, summary) = match body {
            Body::Ready { json, summary } => (json, summary),
            Body::Waiting {
                mut card,
                mut summary,
                jobs,
            } => {
                let answers = stored_answers(&stored, &jobs).ok_or_else(differs)?;
                answer(self.rubric, &mut card, &mut summary, answers);
                (to_json(&card, Vec::with_capacity(LINE_CAPACITY)), summary)
            }
        };
        if json != stored {
            return Err(differs());
        }
        Ok((json, summary))
    }

    /// Writes a batch out and keeps its emptied vector for reuse.
    fn write(&mut self, mut batch: Vec<Queued<'r>>) -> io::Result<()> {
        // Drained by `write_lines`, whether it finished or not.
        let result = self.write_lines(&mut batch);
        self.spare.push(batch);
        result
    }

    fn write_lines(&mut self, batch: &mut Vec<Queued<'r>>) -> io::Result<()> {
        for queued in batch.drain(..) {
            let (json, summary) = match queued.body {
                body if queued.kept => self.replay(body)?,
                Body::Ready { json, summary } => (json, summary),
                Body::Waiting {
                    mut card,
                    mut summary,
                    ..
                } => {
                    let answers: Vec<(usize, usize, Outcome)> = queued
                        .calls
                        .into_iter()
                        .map(|(dimension, check, handle)| {
                            (dimension, check, self.judge.wait(handle))
                        })
                        .collect();
                    answer(self.rubric, &mut card, &mut summary, answers);
                    (to_json(&card, Vec::with_capacity(LINE_CAPACITY)), summary)
                }
            };
            self.lines.scored += 1;
            if !self.seen_ids.insert(customer_key(&queued.conversation_id)) {
                self.lines.duplicate_ids += 1;
                self.sink.duplicate(&Duplicate {
                    conversation_id: queued.conversation_id.clone(),
                    file: self.names[queued.input].clone(),
                    line: queued.line,
                });
            }
            self.aggregator.add(&summary);
            if queued.kept {
                self.sink.kept(&json)?;
            } else {
                self.sink.call(&json)?;
            }
            self.written.push(json);
        }
        self.buffers.give(&mut self.written);
        Ok(())
    }
}

/// What the batch loop hands its consumer: a mapped line, in input order,
/// or the end of a batch with the bytes read so far.
enum Step<T> {
    Line(T),
    BatchEnd { bytes: u64 },
}

/// The batch loop every pass shares. While the pool maps batch N, the
/// calling thread hands batch N-1's results to `consume` in input order and
/// reads batch N+1, so reading, mapping and consuming overlap, with one
/// worker as with many. `init` makes the state `map` is given, once per
/// rayon job (a run of lines on one worker). Returns the bytes read from
/// each input.
fn pipeline<T: Send, S>(
    inputs: Vec<Input>,
    config: &RunConfig,
    init: impl Fn() -> S + Sync + Send,
    map: impl Fn(&mut S, &RawLine) -> T + Sync + Send,
    mut consume: impl FnMut(Step<T>) -> io::Result<()>,
) -> io::Result<Vec<u64>> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        builder = builder.num_threads(threads);
    }
    let pool = builder.build().map_err(io::Error::other)?;
    let mut reader = LineReader::new(inputs)
        .max_line_bytes(config.max_line_bytes)
        .max_batch_bytes(config.batch_bytes);
    let batch_size = config.batch_size.max(1);
    let mut current = Vec::new();
    reader.next_batch(batch_size, &mut current)?;
    let mut finished: Vec<T> = Vec::new();
    let mut bytes_at_finish = 0;
    // Two line buffers and two result vectors take turns, so batches reuse
    // their memory instead of growing fresh vectors every time.
    let mut next = Vec::new();
    let mut mapped: Vec<T> = Vec::new();
    loop {
        pool.in_place_scope(|scope| -> io::Result<()> {
            scope.spawn(|_| {
                current
                    .par_iter()
                    .map_init(&init, &map)
                    .collect_into_vec(&mut mapped)
            });
            for result in finished.drain(..) {
                consume(Step::Line(result))?;
            }
            consume(Step::BatchEnd {
                bytes: bytes_at_finish,
            })?;
            if !current.is_empty() {
                reader.next_batch(batch_size, &mut next)?;
            }
            Ok(())
        })?;
        if current.is_empty() {
            break;
        }
        std::mem::swap(&mut finished, &mut mapped);
        bytes_at_finish = reader.bytes_read;
        std::mem::swap(&mut current, &mut next);
    }
    Ok(reader.read_per_input().to_vec())
}

/// Scores every line of `inputs` against `rubric`.
pub fn run(
    rubric: &Rubric,
    inputs: Vec<Input>,
    config: &RunConfig,
    judge: &JudgeRunner,
    sink: &mut dyn Sink,
) -> io::Result<RunOutcome> {
    run_after(rubric, inputs, config, judge, sink, None)
}

/// Scores every line of `inputs` against `rubric`, after the scorecards
/// `kept` from an interrupted run: its first `kept.count` scored lines are
/// scored again by rule, take their judge outcomes from the kept lines (no
/// judge call), and go to [`Sink::kept`] instead of [`Sink::call`]; a kept
/// line that does not come out byte for byte as written is an error. The
/// outcome counts every line, kept or not.
pub fn run_after(
    rubric: &Rubric,
    inputs: Vec<Input>,
    config: &RunConfig,
    judge: &JudgeRunner,
    sink: &mut dyn Sink,
    kept: Option<Kept>,
) -> io::Result<RunOutcome> {
    let buffers = LineBuffers::new(config.batch_size.max(1));
    let mut writer = Writer {
        rubric,
        names: inputs.iter().map(Input::display_name).collect(),
        judge,
        sink,
        aggregator: Aggregator::new(rubric, &config.slice_keys),
        seen_ids: HashSet::new(),
        lines: LineCounts {
            read: 0,
            scored: 0,
            rejected: 0,
            duplicate_ids: 0,
            bytes: 0,
            bytes_per_input: Vec::new(),
        },
        queue: VecDeque::new(),
        batch: Vec::new(),
        spare: Vec::new(),
        written: Vec::new(),
        buffers: &buffers,
        kept,
        kept_read: 0,
        pushed: 0,
    };
    let per_input = pipeline(
        inputs,
        config,
        || Stash::new(&buffers),
        |stash, raw| process(rubric, config, judge, stash, raw),
        |step| match step {
            Step::BatchEnd { bytes } => {
                writer.end_batch()?;
                writer.sink.checkpoint()?;
                writer.sink.progress(writer.lines.read, bytes);
                Ok(())
            }
            Step::Line(LineResult::Rejected { input, line, error }) => {
                writer.lines.read += 1;
                writer.lines.rejected += 1;
                writer.sink.rejected(&Rejection {
                    file: writer.names[input].clone(),
                    line,
                    error,
                })
            }
            Step::Line(LineResult::Scored(scored)) => {
                writer.lines.read += 1;
                writer.push(*scored);
                Ok(())
            }
        },
    )?;
    writer.finish()?;
    let mut lines = writer.lines;
    lines.bytes = per_input.iter().sum();
    lines.bytes_per_input = per_input;
    Ok(RunOutcome {
        lines,
        aggregate: writer.aggregator.finish(),
    })
}

/// A judge check's outcome as a scorecard line records it.
#[derive(Deserialize)]
struct StoredOutcome {
    status: Status,
    reason: String,
    #[serde(default)]
    evidence: Vec<StoredEvidence>,
    value: Option<f64>,
}

#[derive(Deserialize)]
struct StoredEvidence {
    event: Option<usize>,
    at: Option<jiff::Timestamp>,
    text: Option<String>,
    matched: Option<String>,
    pattern: Option<usize>,
    note: Option<String>,
}

/// The outcomes of `jobs` as the scorecard line `stored` records them;
/// `None` if it records no such check.
fn stored_answers(stored: &[u8], jobs: &[JudgeJob]) -> Option<Vec<(usize, usize, Outcome)>> {
    let card: serde_json::Value = serde_json::from_slice(stored).ok()?;
    jobs.iter()
        .map(|job| {
            let check = card
                .get("dimensions")?
                .get(job.dimension)?
                .get("checks")?
                .get(job.check)?;
            let stored = StoredOutcome::deserialize(check).ok()?;
            let evidence = stored
                .evidence
                .into_iter()
                .map(|e| Evidence {
                    event: e.event,
                    at: e.at,
                    text: e.text,
                    matched: e.matched,
                    pattern: e.pattern,
                    note: e.note,
                })
                .collect();
            let outcome = Outcome {
                status: stored.status,
                reason: stored.reason.into(),
                evidence,
                value: stored.value,
            };
            Some((job.dimension, job.check, outcome))
        })
        .collect()
}

/// Reads and parses every line without scoring: the baseline that scoring
/// throughput is measured against. Returns (lines parsed, lines rejected, bytes).
pub fn parse_only(inputs: Vec<Input>, config: &RunConfig) -> io::Result<(u64, u64, u64)> {
    let (mut parsed, mut rejected) = (0, 0);
    let bytes = pipeline(
        inputs,
        config,
        || (),
        |(), raw| parse_line(&raw.bytes).is_ok(),
        |step| {
            match step {
                Step::Line(true) => parsed += 1,
                Step::Line(false) => rejected += 1,
                Step::BatchEnd { .. } => {}
            }
            Ok(())
        },
    )?
    .iter()
    .sum();
    Ok((parsed, rejected, bytes))
}

/// A sink that writes call scorecards to a writer and keeps nothing else.
pub struct CallWriter<W: Write>(pub W);

impl<W: Write + Send> Sink for CallWriter<W> {
    fn call(&mut self, json: &[u8]) -> io::Result<()> {
        self.0.write_all(json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_buffers_go_round_and_stay_bounded() {
        let buffers = LineBuffers::new(2);
        let mut stash = Stash::new(&buffers);
        let first = stash.take();
        assert!(first.capacity() >= LINE_CAPACITY, "a fresh buffer has room");
        let address = first.as_ptr();
        drop(stash);

        // Handed back, the buffer is taken again (not a new one).
        buffers.give(&mut vec![first]);
        let mut stash = Stash::new(&buffers);
        let again = stash.take();
        assert_eq!(again.as_ptr(), address);
        drop(stash);

        // No more than `keep` are kept, and overgrown ones are freed.
        let mut many: Vec<Vec<u8>> = (0..5).map(|_| Vec::with_capacity(16)).collect();
        many.push(Vec::with_capacity(8 * LINE_CAPACITY));
        buffers.give(&mut many);
        assert!(many.is_empty(), "give takes every buffer");
        let free = buffers.free();
        assert_eq!(free.len(), 2);
        assert!(free.iter().all(|b| b.capacity() <= 4 * LINE_CAPACITY));
    }
}

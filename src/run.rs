//! The scheduler: read a batch, parse and score it on rayon while the next
//! batch is read, then hand the results on in input order.
//!
//! Workers share nothing mutable; each line becomes either a serialized call
//! scorecard with its small summary, or a rejection. The single consumer
//! writes them in input order and feeds the aggregator, so output is the same
//! whatever the thread count, and memory depends on the batch size.
//!
//! The consumer and the reader run on the calling thread, outside the pool:
//! with one worker, reading and writing still overlap with scoring.

use std::collections::{HashSet, VecDeque};
use std::io::{self, Write};

use rayon::prelude::*;
use serde::Serialize;

use crate::aggregate::{Aggregate, Aggregator};
use crate::checks::Outcome;
use crate::judge::runner::JudgeRunner;
use crate::rubric::Rubric;
use crate::score::{CallCard, CallSummary, JudgeJob, Scored, answer, customer_key, score_call};
use crate::trace::{Input, LineReader, RawLine, parse_line};
use tokio::task::JoinHandle;

#[derive(Debug, Clone)]
pub struct RunConfig {
    /// Worker threads that parse and score; `None` uses one per core.
    /// The calling thread reads the input and writes the results.
    pub threads: Option<usize>,
    pub batch_size: usize,
    /// Metadata keys to slice the aggregate by (`--by`).
    pub slice_keys: Vec<String>,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            threads: None,
            batch_size: 1024,
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

fn to_json(card: &CallCard<'_, '_>) -> Vec<u8> {
    let mut json = Vec::with_capacity(8192);
    crate::report::call_line::write(card, &mut json);
    json
}

fn process<'r>(
    rubric: &'r Rubric,
    slice_keys: &[String],
    judge: &JudgeRunner,
    raw: &RawLine,
) -> LineResult<'r> {
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
            json: to_json(&card),
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
}

impl<'r> Writer<'_, 'r> {
    fn push(&mut self, scored: ScoredLine<'r>) {
        let calls = match &scored.body {
            Body::Waiting { jobs, .. } => jobs
                .iter()
                .filter_map(|job| {
                    let handle = self.judge.spawn(job.request.clone())?;
                    Some((job.dimension, job.check, handle))
                })
                .collect(),
            Body::Ready { .. } => Vec::new(),
        };
        self.batch.push(Queued {
            input: scored.input,
            line: scored.line,
            conversation_id: scored.conversation_id,
            body: scored.body,
            calls,
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
        Ok(())
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
                    (to_json(&card), summary)
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
            self.sink.call(&json)?;
        }
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
/// worker as with many. Returns the bytes read.
fn pipeline<T: Send>(
    inputs: Vec<Input>,
    config: &RunConfig,
    map: impl Fn(&RawLine) -> T + Sync,
    mut consume: impl FnMut(Step<T>) -> io::Result<()>,
) -> io::Result<u64> {
    let mut builder = rayon::ThreadPoolBuilder::new();
    if let Some(threads) = config.threads {
        builder = builder.num_threads(threads);
    }
    let pool = builder.build().map_err(io::Error::other)?;
    let mut reader = LineReader::new(inputs);
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
            scope.spawn(|_| current.par_iter().map(&map).collect_into_vec(&mut mapped));
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
    Ok(reader.bytes_read)
}

/// Scores every line of `inputs` against `rubric`.
pub fn run(
    rubric: &Rubric,
    inputs: Vec<Input>,
    config: &RunConfig,
    judge: &JudgeRunner,
    sink: &mut dyn Sink,
) -> io::Result<RunOutcome> {
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
        },
        queue: VecDeque::new(),
        batch: Vec::new(),
        spare: Vec::new(),
    };
    let bytes = pipeline(
        inputs,
        config,
        |raw| process(rubric, &config.slice_keys, judge, raw),
        |step| match step {
            Step::BatchEnd { bytes } => {
                writer.end_batch()?;
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
    lines.bytes = bytes;
    Ok(RunOutcome {
        lines,
        aggregate: writer.aggregator.finish(),
    })
}

/// Reads and parses every line without scoring: the baseline that scoring
/// throughput is measured against. Returns (lines parsed, lines rejected, bytes).
pub fn parse_only(inputs: Vec<Input>, config: &RunConfig) -> io::Result<(u64, u64, u64)> {
    let (mut parsed, mut rejected) = (0, 0);
    let bytes = pipeline(
        inputs,
        config,
        |raw| parse_line(&raw.bytes).is_ok(),
        |step| {
            match step {
                Step::Line(true) => parsed += 1,
                Step::Line(false) => rejected += 1,
                Step::BatchEnd { .. } => {}
            }
            Ok(())
        },
    )?;
    Ok((parsed, rejected, bytes))
}

/// A sink that writes call scorecards to a writer and keeps nothing else.
pub struct CallWriter<W: Write>(pub W);

impl<W: Write + Send> Sink for CallWriter<W> {
    fn call(&mut self, json: &[u8]) -> io::Result<()> {
        self.0.write_all(json)
    }
}

//! Per-call summaries -> the aggregate scorecard and the handoff metrics.
//!
//! Rates are honest about what went unscored. Unscored verdicts are seldom
//! missing at random (without a judge, only what the rules failed can be
//! scored, so the scored verdicts are the failures), and a rate over the
//! scored ones alone would be a selection artefact. So a pass rate, with
//! its Wilson interval, is given only where every applicable verdict was
//! scored; elsewhere the aggregate gives the range the rate must lie in
//! (every unscored verdict failing, to every one passing), and likewise for
//! mean scores.
//!
//! The aggregator is fed in input order on one thread. Its memory grows only
//! where a metric needs every call: 24 bytes per conversation for re-contact
//! within 24 hours (customer key, start, end) and 4 bytes per measured
//! first-response time. Everything else is counters.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::checks::Status;
use crate::rubric::Rubric;
use crate::score::CallSummary;
use crate::stats::{Mean, Moments, Rate, quantile, wilson};

const DAY_SECONDS: i64 = 24 * 3600;

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Counts {
    pub pass: u64,
    pub fail: u64,
    pub unscored: u64,
    pub na: u64,
}

impl Counts {
    fn add(&mut self, status: Status) {
        match status {
            Status::Pass => self.pass += 1,
            Status::Fail => self.fail += 1,
            Status::Unscored => self.unscored += 1,
            Status::Na => self.na += 1,
        }
    }
    pub fn applicable(&self) -> u64 {
        self.pass + self.fail + self.unscored
    }
    pub fn scored(&self) -> u64 {
        self.pass + self.fail
    }
    /// pass / (pass + fail) with its 95% Wilson interval, only when no
    /// applicable verdict went unscored (see the module doc).
    pub fn pass_rate(&self) -> Option<Rate> {
        if self.unscored > 0 {
            return None;
        }
        wilson(self.pass, self.scored())
    }
    /// The range the pass rate lies in once the unscored verdicts are
    /// known: pass / applicable (all of them fail) to (pass + unscored) /
    /// applicable (all pass). `None` when nothing applied.
    pub fn pass_rate_bounds(&self) -> Option<Bounds> {
        let applicable = self.applicable();
        (applicable > 0).then(|| Bounds {
            low: round4(self.pass as f64 / applicable as f64),
            high: round4((self.pass + self.unscored) as f64 / applicable as f64),
        })
    }
}

/// A range a figure must lie in: what is known when some of what it is
/// computed from is not.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Bounds {
    pub low: f64,
    pub high: f64,
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// Call scores as far as they are known: the mean of scored calls, and the
/// sums of the lowest and highest score each call could still take.
#[derive(Debug, Clone, Default)]
struct ScoreRange {
    calls: u64,
    low: f64,
    high: f64,
    /// Calls whose score an unscored dimension could still move.
    partial: u64,
}

impl ScoreRange {
    fn push(&mut self, (low, high): (f64, f64)) {
        self.calls += 1;
        self.low += low;
        self.high += high;
        self.partial += u64::from(high > low);
    }

    fn bounds(&self) -> Option<Bounds> {
        (self.partial > 0).then(|| Bounds {
            low: round4(self.low / self.calls as f64),
            high: round4(self.high / self.calls as f64),
        })
    }
}

#[derive(Debug, Clone, Default)]
struct Group {
    conversations: u64,
    verdicts: Counts,
    scores: Moments,
    score_range: ScoreRange,
    dimensions: Vec<Counts>,
}

impl Group {
    fn add(&mut self, call: &CallSummary) {
        self.conversations += 1;
        self.verdicts.add(call.verdict);
        if call.verdict != Status::Na
            && let Some(score) = call.score
        {
            self.scores.push(score);
        }
        if call.verdict != Status::Na
            && let Some(bounds) = call.score_bounds
        {
            self.score_range.push(bounds);
        }
        if self.dimensions.len() < call.dimensions.len() {
            self.dimensions
                .resize(call.dimensions.len(), Counts::default());
        }
        for (counts, status) in self.dimensions.iter_mut().zip(&call.dimensions) {
            counts.add(*status);
        }
    }
}

/// One conversation, as the re-contact metric needs it.
#[derive(Debug, Clone, Copy)]
struct Contact {
    customer: u64,
    /// Start in seconds; `i64::MIN` when unknown (no clock).
    start: i64,
    /// End in seconds; `i64::MIN` when unknown.
    end: i64,
    /// 0 not escalated, 1 escalated and the handoff passed, 2 failed,
    /// 3 undecided (unscored), 4 the rubric did not apply; with
    /// [`START_CONTRADICTED`] and [`END_CONTRADICTED`] or-ed in.
    escalation: u8,
}

/// The contact's start is contradicted by its clock (see
/// [`crate::trace::Conversation::start_contradicted`]).
const START_CONTRADICTED: u8 = 0x10;
/// The contact's end is contradicted by its clock.
const END_CONTRADICTED: u8 = 0x20;
/// The escalation verdict, without the flags.
const VERDICT: u8 = 0x0f;

#[derive(Debug, Default)]
struct Csat {
    moments: Moments,
    missing: u64,
}

impl Csat {
    fn add(&mut self, csat: Option<u8>) {
        match csat {
            Some(score) => self.moments.push(score as f64),
            None => self.missing += 1,
        }
    }
}

pub struct Aggregator {
    dimension_ids: Vec<String>,
    slice_keys: Vec<String>,
    all: Group,
    /// Slice kind (`agent_version`, `channel`, `trigger`, `metadata.KEY`)
    /// -> slice value -> group. Looked up by `&str`, allocated once per value.
    slices: BTreeMap<String, BTreeMap<String, Group>>,
    escalated: u64,
    clock_contradictions: u64,
    clock_order_contradictions: u64,
    negative_durations: u64,
    judge_pending: u64,
    contacts: Vec<Contact>,
    first_response: Vec<f32>,
    first_response_unscored: u64,
    repeat_yourself: Counts,
    csat_escalated: Csat,
    csat_not_escalated: Csat,
    csat_handoff_pass: Csat,
    csat_handoff_fail: Csat,
    csat_handoff_undecided: Csat,
}

impl Aggregator {
    pub fn new(rubric: &Rubric, slice_keys: &[String]) -> Self {
        Aggregator {
            dimension_ids: rubric.dimensions.iter().map(|d| d.id.clone()).collect(),
            slice_keys: slice_keys.to_vec(),
            all: Group::default(),
            slices: BTreeMap::new(),
            escalated: 0,
            clock_contradictions: 0,
            clock_order_contradictions: 0,
            negative_durations: 0,
            judge_pending: 0,
            contacts: Vec::new(),
            first_response: Vec::new(),
            first_response_unscored: 0,
            repeat_yourself: Counts::default(),
            csat_escalated: Csat::default(),
            csat_not_escalated: Csat::default(),
            csat_handoff_pass: Csat::default(),
            csat_handoff_fail: Csat::default(),
            csat_handoff_undecided: Csat::default(),
        }
    }

    fn slice(&mut self, kind: &str, value: &str) -> &mut Group {
        if !self.slices.contains_key(kind) {
            self.slices.insert(kind.to_string(), BTreeMap::new());
        }
        let groups = self.slices.get_mut(kind).expect("inserted above");
        if !groups.contains_key(value) {
            groups.insert(value.to_string(), Group::default());
        }
        groups.get_mut(value).expect("inserted above")
    }

    pub fn add(&mut self, call: &CallSummary) {
        self.all.add(call);
        self.slice("agent_version", &call.agent_version).add(call);
        self.slice("channel", call.channel.as_str()).add(call);
        if let Some(trigger) = call.trigger {
            self.slice("trigger", trigger.as_str()).add(call);
        }
        for index in 0..self.slice_keys.len() {
            let kind = format!("metadata.{}", self.slice_keys[index]);
            let value = call.slices[index].as_deref().unwrap_or("(none)");
            self.slice(&kind, value).add(call);
        }
        let metrics = &call.metrics;
        self.clock_contradictions += u64::from(call.clock_contradiction);
        self.clock_order_contradictions += u64::from(metrics.clock_contradiction.is_some());
        self.negative_durations += u64::from(metrics.negative_duration.is_some());
        self.judge_pending += u64::from(call.judge_pending);
        if metrics.escalated {
            self.escalated += 1;
            self.csat_escalated.add(metrics.csat);
            match call.verdict {
                Status::Pass => self.csat_handoff_pass.add(metrics.csat),
                Status::Fail => self.csat_handoff_fail.add(metrics.csat),
                Status::Unscored => self.csat_handoff_undecided.add(metrics.csat),
                Status::Na => {}
            }
        } else {
            self.csat_not_escalated.add(metrics.csat);
        }
        if let Some(seconds) = metrics.first_meaningful_response_s {
            self.first_response.push(seconds as f32);
        } else if metrics.first_meaningful_response_unscored.is_some() {
            self.first_response_unscored += 1;
        }
        match metrics.repeat_yourself {
            Some(true) => self.repeat_yourself.fail += 1,
            Some(false) => self.repeat_yourself.pass += 1,
            None => {}
        }
        self.contacts.push(Contact {
            customer: call.customer,
            start: call.started_at_s.unwrap_or(i64::MIN),
            end: call.ended_at_s.unwrap_or(i64::MIN),
            escalation: match (metrics.escalated, call.verdict) {
                (false, _) => 0,
                (true, Status::Pass) => 1,
                (true, Status::Fail) => 2,
                (true, Status::Unscored) => 3,
                (true, Status::Na) => 4,
            } | if call.start_contradicted {
                START_CONTRADICTED
            } else {
                0
            } | if call.end_contradicted {
                END_CONTRADICTED
            } else {
                0
            },
        });
    }

    pub fn finish(mut self) -> Aggregate {
        let dimension = |ids: &[String], counts: &[Counts]| -> Vec<DimensionSummary> {
            ids.iter()
                .enumerate()
                .map(|(index, id)| {
                    let counts = counts.get(index).copied().unwrap_or_default();
                    DimensionSummary {
                        id: id.clone(),
                        applicable: counts.applicable(),
                        pass: counts.pass,
                        fail: counts.fail,
                        unscored: counts.unscored,
                        na: counts.na,
                        pass_rate: counts.pass_rate(),
                        pass_rate_bounds: counts.pass_rate_bounds(),
                    }
                })
                .collect()
        };
        let group = |g: &Group| GroupSummary {
            conversations: g.conversations,
            scored: g.verdicts.scored(),
            passed: g.verdicts.pass,
            failed: g.verdicts.fail,
            unscored: g.verdicts.unscored,
            not_applicable: g.verdicts.na,
            pass_rate: g.verdicts.pass_rate(),
            pass_rate_bounds: g.verdicts.pass_rate_bounds(),
            mean_score: match g.score_range.partial {
                0 => g.scores.mean_on_scale(0.0, 100.0),
                _ => None,
            },
            mean_score_bounds: g.score_range.bounds(),
        };
        let mut slices: BTreeMap<String, BTreeMap<String, SliceSummary>> = BTreeMap::new();
        for (kind, groups) in &self.slices {
            for (value, g) in groups {
                slices.entry(kind.clone()).or_default().insert(
                    value.clone(),
                    SliceSummary {
                        calls: group(g),
                        dimensions: dimension(&self.dimension_ids, &g.dimensions)
                            .into_iter()
                            .map(|d| (d.id.clone(), d))
                            .collect(),
                    },
                );
            }
        }
        self.first_response.sort_by(f32::total_cmp);
        let csat = |c: &Csat| CsatSummary {
            mean: c.moments.mean_on_scale(1.0, 5.0),
            missing: c.missing,
        };
        Aggregate {
            conversations: self.all.conversations,
            escalated: self.escalated,
            clock_contradictions: self.clock_contradictions,
            clock_order_contradictions: self.clock_order_contradictions,
            negative_durations: self.negative_durations,
            judge_pending: self.judge_pending,
            calls: group(&self.all),
            dimensions: dimension(&self.dimension_ids, &self.all.dimensions),
            slices,
            handoff: HandoffMetrics {
                recontact_24h: recontact(&mut self.contacts),
                repeat_yourself: RepeatYourself {
                    conversations: self.repeat_yourself.scored(),
                    repeated: self.repeat_yourself.fail,
                    rate: wilson(self.repeat_yourself.fail, self.repeat_yourself.scored()),
                },
                csat: CsatSplit {
                    escalated: csat(&self.csat_escalated),
                    not_escalated: csat(&self.csat_not_escalated),
                    escalated_handoff_passed: csat(&self.csat_handoff_pass),
                    escalated_handoff_failed: csat(&self.csat_handoff_fail),
                    escalated_handoff_undecided: csat(&self.csat_handoff_undecided),
                },
                first_meaningful_response_s: FirstResponse {
                    measured: self.first_response.len() as u64,
                    unscored: self.first_response_unscored,
                    median: quantile(&self.first_response, 0.5),
                    p90: quantile(&self.first_response, 0.9),
                },
            },
        }
    }
}

/// Re-contact within 24 hours: an escalated conversation whose customer
/// starts another conversation after it ended and within a day. Never the
/// conversation itself, whatever its clock says. Not decided for a
/// conversation whose end its clock contradicts, nor, when no other
/// conversation of the customer's came back, for one with another
/// conversation whose start its clock contradicts (it may have).
fn recontact(contacts: &mut [Contact]) -> Recontact {
    contacts.sort_unstable_by_key(|c| (c.customer, c.start));
    let mut result = Recontact::default();
    let mut by_verdict = [Counts::default(); 5];
    let mut start = 0;
    while start < contacts.len() {
        let customer = contacts[start].customer;
        let end = start
            + contacts[start..]
                .iter()
                .position(|c| c.customer != customer)
                .unwrap_or(contacts.len() - start);
        let group = &contacts[start..end];
        let doubtful_starts = group
            .iter()
            .filter(|c| c.escalation & START_CONTRADICTED != 0)
            .count();
        for (own, contact) in group.iter().enumerate() {
            let verdict = contact.escalation & VERDICT;
            if verdict == 0 {
                continue;
            }
            if contact.escalation & END_CONTRADICTED != 0 {
                result.clock_contradicted += 1;
                continue;
            }
            if contact.end == i64::MIN {
                result.unmeasurable += 1;
                continue;
            }
            let first_after = group.partition_point(|c| c.start <= contact.end);
            let came_back = group[first_after..]
                .iter()
                .enumerate()
                .take_while(|(_, next)| next.start <= contact.end.saturating_add(DAY_SECONDS))
                .any(|(at, next)| {
                    first_after + at != own && next.escalation & START_CONTRADICTED == 0
                });
            let own_doubtful = usize::from(contact.escalation & START_CONTRADICTED != 0);
            if !came_back && doubtful_starts > own_doubtful {
                result.clock_contradicted += 1;
                continue;
            }
            let counts = &mut by_verdict[verdict as usize];
            if came_back {
                counts.fail += 1;
            } else {
                counts.pass += 1;
            }
        }
        start = end;
    }
    let all = by_verdict[1..]
        .iter()
        .fold(Counts::default(), |mut acc, c| {
            acc.pass += c.pass;
            acc.fail += c.fail;
            acc
        });
    result.escalated = all.scored();
    result.recontacted = all.fail;
    result.rate = wilson(all.fail, all.scored());
    result.rate_handoff_passed = wilson(by_verdict[1].fail, by_verdict[1].scored());
    result.rate_handoff_failed = wilson(by_verdict[2].fail, by_verdict[2].scored());
    result.rate_handoff_undecided = wilson(by_verdict[3].fail, by_verdict[3].scored());
    result
}

#[derive(Debug, Serialize)]
pub struct Aggregate {
    pub conversations: u64,
    pub escalated: u64,
    /// Conversations whose timestamps contradict the order of their events
    /// (or their `startedAt` and `endedAt` contradict the events or each
    /// other), or that state a negative duration: checks that measure time
    /// in them report unscored. The two kinds apart below (a conversation
    /// may count in both).
    pub clock_contradictions: u64,
    /// Conversations whose timestamps contradict their order: an event
    /// stamped before one it follows, `endedAt` before `startedAt` or before
    /// an event, an event stamped before `startedAt`. Each one's scorecard
    /// says why (`metrics.clock_contradiction`).
    pub clock_order_contradictions: u64,
    /// Conversations that state a negative duration (a quoted wait). Each
    /// one's scorecard says why (`metrics.negative_duration`).
    pub negative_durations: u64,
    /// Unscored call verdicts that wait on a judge check: no judge was
    /// configured, or it failed on them. Scoring again with a judge (whose
    /// answers are cached) can decide them.
    pub judge_pending: u64,
    pub calls: GroupSummary,
    pub dimensions: Vec<DimensionSummary>,
    pub slices: BTreeMap<String, BTreeMap<String, SliceSummary>>,
    pub handoff: HandoffMetrics,
}

#[derive(Debug, Serialize)]
pub struct GroupSummary {
    pub conversations: u64,
    /// Calls with a pass or fail verdict.
    pub scored: u64,
    pub passed: u64,
    pub failed: u64,
    pub unscored: u64,
    pub not_applicable: u64,
    /// passed / scored with its 95% Wilson interval; null when any call is
    /// unscored (see `pass_rate_bounds`).
    pub pass_rate: Option<Rate>,
    /// passed / (scored + unscored) to (passed + unscored) / (scored + unscored).
    pub pass_rate_bounds: Option<Bounds>,
    /// Mean call score with its 95% interval; null when an unscored
    /// dimension could still move some call's score (see `mean_score_bounds`).
    pub mean_score: Option<Mean>,
    /// The mean of the lowest and of the highest score each call could
    /// take; present when some call's score is not final.
    pub mean_score_bounds: Option<Bounds>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionSummary {
    pub id: String,
    /// pass + fail + unscored: the calls where the dimension applied.
    pub applicable: u64,
    pub pass: u64,
    pub fail: u64,
    pub unscored: u64,
    pub na: u64,
    /// pass / (pass + fail), with its 95% Wilson interval, when no
    /// applicable verdict went unscored; else null.
    pub pass_rate: Option<Rate>,
    /// The range the pass rate lies in: pass / applicable to
    /// (pass + unscored) / applicable.
    pub pass_rate_bounds: Option<Bounds>,
}

#[derive(Debug, Serialize)]
pub struct SliceSummary {
    pub calls: GroupSummary,
    pub dimensions: BTreeMap<String, DimensionSummary>,
}

#[derive(Debug, Serialize)]
pub struct HandoffMetrics {
    pub recontact_24h: Recontact,
    pub repeat_yourself: RepeatYourself,
    pub csat: CsatSplit,
    pub first_meaningful_response_s: FirstResponse,
}

#[derive(Debug, Default, Serialize)]
pub struct Recontact {
    /// Escalated conversations with a known end.
    pub escalated: u64,
    pub recontacted: u64,
    /// Escalated conversations with no end time, left out.
    pub unmeasurable: u64,
    /// Escalated conversations left out because a clock contradicts itself:
    /// their own end (`endedAt` before `startedAt` or before an event), or,
    /// with no other conversation of the customer's coming back, the start
    /// of one that might have.
    pub clock_contradicted: u64,
    pub rate: Option<Rate>,
    pub rate_handoff_passed: Option<Rate>,
    pub rate_handoff_failed: Option<Rate>,
    /// Escalated conversations whose handoff verdict is unscored, apart:
    /// they are in neither of the two above.
    pub rate_handoff_undecided: Option<Rate>,
}

#[derive(Debug, Serialize)]
pub struct RepeatYourself {
    /// Calls where the repeat-yourself dimension was scored.
    pub conversations: u64,
    pub repeated: u64,
    pub rate: Option<Rate>,
}

#[derive(Debug, Serialize)]
pub struct CsatSplit {
    pub escalated: CsatSummary,
    pub not_escalated: CsatSummary,
    pub escalated_handoff_passed: CsatSummary,
    pub escalated_handoff_failed: CsatSummary,
    /// Escalated conversations whose handoff verdict is unscored.
    pub escalated_handoff_undecided: CsatSummary,
}

#[derive(Debug, Serialize)]
pub struct CsatSummary {
    pub mean: Option<Mean>,
    /// Conversations in this group without a CSAT score.
    pub missing: u64,
}

#[derive(Debug, Serialize)]
pub struct FirstResponse {
    pub measured: u64,
    /// Human-connected calls whose response time could not be measured.
    pub unscored: u64,
    pub median: Option<f64>,
    pub p90: Option<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn counts(pass: u64, fail: u64, unscored: u64) -> Counts {
        Counts {
            pass,
            fail,
            unscored,
            na: 0,
        }
    }

    #[test]
    fn a_rate_with_unscored_verdicts_is_a_range_not_a_one_sided_rate() {
        // Without a judge only rule failures are scored: 35 fail, 151 wait.
        let pending = counts(0, 35, 151);
        assert_eq!(pending.pass_rate(), None);
        assert_eq!(
            pending.pass_rate_bounds(),
            Some(Bounds {
                low: 0.0,
                high: 0.8118
            })
        );
        // Everything scored: the rate and its interval, and a range of one point.
        let scored = counts(200, 23, 0);
        let rate = scored.pass_rate().unwrap();
        assert!((rate.value - 200.0 / 223.0).abs() < 1e-4, "{rate:?}");
        assert!(rate.low < rate.value && rate.value < rate.high);
        let bounds = scored.pass_rate_bounds().unwrap();
        assert_eq!(bounds.low, bounds.high);
        assert_eq!(counts(0, 0, 0).pass_rate_bounds(), None);
    }

    #[test]
    fn mean_scores_become_ranges_when_a_call_is_not_final() {
        let mut range = ScoreRange::default();
        range.push((80.0, 80.0));
        range.push((60.0, 60.0));
        assert_eq!(range.bounds(), None, "every score is final");
        range.push((40.0, 100.0));
        assert_eq!(
            range.bounds(),
            Some(Bounds {
                low: 60.0,
                high: 80.0
            })
        );
    }
}

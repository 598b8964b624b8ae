//! Check outcomes -> a scorecard for one call.
//!
//! A dimension fails if any applicable check fails; it is unscored if none
//! fails but one could not be judged; it passes when every applicable check
//! passes; it is n/a when no check applies. Its score is the share of its
//! scored checks that passed.
//!
//! The call score is the weighted mean of the scored dimensions' scores. The
//! call's verdict is decided only when the unscored dimensions could not
//! change it: with them all failed it would still pass, or with them all
//! passed it would still fail. Otherwise the verdict is `unscored`. A failed
//! critical dimension fails the call whatever its score.

use std::borrow::Cow;

use serde::Serialize;

use crate::checks::{CheckKind, Outcome, Status};
use crate::judge::runner::{JudgeRequest, JudgeRunner};
use crate::rubric::condition::Truth;
use crate::rubric::{Dimension, Rubric};
use crate::trace::{Channel, Conversation, Trigger};

/// One call's scorecard. Rubric text is borrowed (`'r`); the conversation's
/// strings are borrowed too (`'c`) unless the card must outlive the
/// conversation while judge calls are answered ([`CallCard::detach`]).
#[derive(Debug, Serialize)]
pub struct CallCard<'r, 'c> {
    pub conversation_id: Cow<'c, str>,
    pub agent_version: Cow<'c, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub scenario_id: Option<Cow<'c, str>>,
    pub rubric: RubricRef<'r>,
    pub verdict: Status,
    /// `verdict` as a boolean: null when the call is unscored or n/a.
    pub passed: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub score: Option<f64>,
    pub auto_failed: bool,
    pub scored_dimensions: usize,
    pub unscored_dimensions: usize,
    pub dimensions: Vec<DimensionCard<'r>>,
    pub metrics: CallMetrics,
}

#[derive(Debug, Serialize)]
pub struct RubricRef<'r> {
    pub name: &'r str,
    pub version: &'r str,
    pub hash: &'r str,
}

/// One dimension's verdict. Weight and criticality are the rubric's (in
/// `summary.json`, pinned by the rubric hash), so they are not repeated here.
#[derive(Debug, Serialize)]
pub struct DimensionCard<'r> {
    pub id: &'r str,
    pub status: Status,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub score: Option<f64>,
    #[serde(skip)]
    pub weight: f64,
    #[serde(skip)]
    pub critical: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<CheckCard<'r>>,
}

/// A check's outcome under its kind and name. Serialized as one flat
/// object (`check`, `name`, then the outcome's fields), written directly
/// rather than through `#[serde(flatten)]`, which goes through a map.
#[derive(Debug)]
pub struct CheckCard<'r> {
    pub check: &'static str,
    pub name: Option<&'r str>,
    pub outcome: Outcome,
}

impl Serialize for CheckCard<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let Outcome {
            status,
            reason,
            evidence,
            value,
        } = &self.outcome;
        let fields = 3
            + usize::from(self.name.is_some())
            + usize::from(!evidence.is_empty())
            + usize::from(value.is_some());
        let mut card = serializer.serialize_struct("CheckCard", fields)?;
        card.serialize_field("check", self.check)?;
        if let Some(name) = self.name {
            card.serialize_field("name", name)?;
        }
        card.serialize_field("status", status)?;
        card.serialize_field("reason", reason)?;
        if !evidence.is_empty() {
            card.serialize_field("evidence", evidence)?;
        }
        if let Some(value) = value {
            card.serialize_field("value", value)?;
        }
        card.end()
    }
}

/// Per-call facts the aggregate's handoff metrics are built from.
#[derive(Debug, Clone, Serialize)]
pub struct CallMetrics {
    pub escalated: bool,
    pub human_connected: bool,
    /// Seconds from connect to the first meaningful human turn.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_meaningful_response_s: Option<f64>,
    /// Why the time to first meaningful response could not be measured.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_meaningful_response_unscored: Option<String>,
    /// The customer had to repeat what the AI already collected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repeat_yourself: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csat: Option<u8>,
    /// Why the conversation's timestamps contradict their order (two events,
    /// or `startedAt`/`endedAt` against the events or each other): counted
    /// in the summary's `clock_order_contradictions`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clock_contradiction: Option<String>,
    /// Why a duration the conversation states cannot be (a negative quoted
    /// wait): counted in the summary's `negative_durations`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negative_duration: Option<String>,
}

/// What the aggregate keeps of a call: small, owned, no text.
#[derive(Debug, Clone)]
pub struct CallSummary {
    pub verdict: Status,
    pub score: Option<f64>,
    pub dimensions: Vec<Status>,
    pub metrics: CallMetrics,
    pub agent_version: String,
    pub channel: Channel,
    pub trigger: Option<Trigger>,
    /// Values of the `--by` metadata keys, in their order.
    pub slices: Vec<Option<String>>,
    pub customer: u64,
    pub started_at_s: Option<i64>,
    pub ended_at_s: Option<i64>,
    /// The lowest and highest score the call could have once its unscored
    /// dimensions are scored (all failing, all passing); equal when none is.
    pub score_bounds: Option<(f64, f64)>,
    /// The conversation's clock contradicts its order (see
    /// [`Conversation::has_clock_contradiction`]).
    pub clock_contradiction: bool,
    /// `started_at_s` or `ended_at_s` is contradicted by the clock (see
    /// [`Conversation::start_contradicted`], [`Conversation::end_contradicted`]):
    /// re-contact is not decided from it.
    pub start_contradicted: bool,
    pub end_contradicted: bool,
    /// The verdict is unscored, and a judge check that was not answered
    /// (no judge configured, or the judge failed) is among the reasons.
    pub judge_pending: bool,
}

fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

fn combine(statuses: impl Iterator<Item = Status>) -> Status {
    let (mut pass, mut fail, mut unscored) = (false, false, false);
    for status in statuses {
        match status {
            Status::Pass => pass = true,
            Status::Fail => fail = true,
            Status::Unscored => unscored = true,
            Status::Na => {}
        }
    }
    let has = |status| match status {
        Status::Pass => pass,
        Status::Fail => fail,
        Status::Unscored => unscored,
        Status::Na => false,
    };
    if has(Status::Fail) {
        Status::Fail
    } else if has(Status::Unscored) {
        Status::Unscored
    } else if has(Status::Pass) {
        Status::Pass
    } else {
        Status::Na
    }
}

/// A judge check waiting for its answer: where its outcome goes.
pub struct JudgeJob {
    pub dimension: usize,
    pub check: usize,
    pub request: JudgeRequest,
}

fn score_dimension<'r>(
    dimension: &'r Dimension,
    index: usize,
    conversation: &Conversation,
    judge: &JudgeRunner,
    jobs: &mut Vec<JudgeJob>,
) -> DimensionCard<'r> {
    // A condition on what the source cannot record is unknown, as is one
    // whose facts contradict each other (Truth::Unknown).
    if let Some(condition) = &dimension.applies_when {
        let (status, reason) = match condition.truth(conversation) {
            Truth::Holds => (None, String::new()),
            Truth::Fails(reason) => (
                Some(Status::Na),
                crate::checks::words(&["does not apply: ", &reason]),
            ),
            Truth::Unknown(reason) => (
                Some(Status::Unscored),
                crate::checks::words(&["cannot tell whether it applies: ", &reason]),
            ),
        };
        if let Some(status) = status {
            return DimensionCard {
                id: &dimension.id,
                status,
                score: None,
                weight: dimension.weight,
                critical: dimension.critical,
                reason: Some(reason),
                checks: Vec::new(),
            };
        }
    }
    // Rule checks first: a judge check's run policy depends on them. Judge
    // checks hold a placeholder (no allocation) until then.
    let mut checks: Vec<CheckCard<'r>> = dimension
        .checks
        .iter()
        .map(|check| CheckCard {
            check: check.kind.name(),
            name: check.name.as_deref(),
            outcome: match check.kind {
                CheckKind::Judge(_) => Outcome::na(""),
                _ => check.evaluate(conversation),
            },
        })
        .collect();
    for (position, check) in dimension.checks.iter().enumerate() {
        let CheckKind::Judge(judge_check) = &check.kind else {
            continue;
        };
        let rule_statuses = dimension
            .checks
            .iter()
            .zip(&checks)
            .filter(|(check, _)| !matches!(check.kind, CheckKind::Judge(_)))
            .map(|(_, card)| card.outcome.status);
        checks[position].outcome = match check
            .unrecordable(conversation)
            .or_else(|| check.when_fails(conversation))
        {
            Some(na) => na,
            None => match judge_check.run.skip(rule_statuses) {
                Some(reason) => Outcome::na(reason),
                None => match judge.prepare(judge_check, conversation) {
                    Ok(request) => {
                        jobs.push(JudgeJob {
                            dimension: index,
                            check: position,
                            request,
                        });
                        Outcome::unscored("waiting for the judge")
                    }
                    Err(outcome) => outcome,
                },
            },
        };
    }
    let mut card = DimensionCard {
        id: &dimension.id,
        status: Status::Na,
        score: None,
        weight: dimension.weight,
        critical: dimension.critical,
        reason: None,
        checks,
    };
    rescore(&mut card);
    card
}

/// A dimension's status and score from its checks' outcomes.
fn rescore(card: &mut DimensionCard<'_>) {
    card.status = combine(card.checks.iter().map(|c| c.outcome.status));
    let passed = card
        .checks
        .iter()
        .filter(|c| c.outcome.status == Status::Pass)
        .count();
    let failed = card
        .checks
        .iter()
        .filter(|c| c.outcome.status == Status::Fail)
        .count();
    card.score = match card.status {
        Status::Pass | Status::Fail if passed + failed > 0 => {
            Some(round2(100.0 * passed as f64 / (passed + failed) as f64))
        }
        _ => None,
    };
}

/// A scored call, and the judge checks it still waits for (none when the
/// rubric has no judge checks or no judge runs).
pub struct Scored<'r, 'c> {
    pub card: CallCard<'r, 'c>,
    pub summary: CallSummary,
    pub jobs: Vec<JudgeJob>,
}

impl<'r> CallCard<'r, '_> {
    /// The same card, owning the conversation's strings.
    pub fn detach(self) -> CallCard<'r, 'static> {
        CallCard {
            conversation_id: Cow::Owned(self.conversation_id.into_owned()),
            agent_version: Cow::Owned(self.agent_version.into_owned()),
            scenario_id: self.scenario_id.map(|s| Cow::Owned(s.into_owned())),
            rubric: self.rubric,
            verdict: self.verdict,
            passed: self.passed,
            reason: self.reason,
            score: self.score,
            auto_failed: self.auto_failed,
            scored_dimensions: self.scored_dimensions,
            unscored_dimensions: self.unscored_dimensions,
            dimensions: self.dimensions,
            metrics: self.metrics,
        }
    }
}

/// Scores one conversation against the rubric.
pub fn score_call<'r, 'c>(
    rubric: &'r Rubric,
    conversation: &'c Conversation,
    slice_keys: &[String],
    judge: &JudgeRunner,
) -> Scored<'r, 'c> {
    let mut jobs = Vec::new();
    let mut card = CallCard {
        conversation_id: Cow::Borrowed(&conversation.conversation_id),
        agent_version: Cow::Borrowed(&conversation.agent_version),
        scenario_id: conversation.scenario_id.as_deref().map(Cow::Borrowed),
        rubric: RubricRef {
            name: &rubric.name,
            version: &rubric.version,
            hash: &rubric.hash,
        },
        verdict: Status::Na,
        passed: None,
        reason: None,
        score: None,
        auto_failed: false,
        scored_dimensions: 0,
        unscored_dimensions: 0,
        dimensions: Vec::new(),
        metrics: CallMetrics {
            escalated: conversation.is_escalated(),
            human_connected: conversation.facts.human_connected.is_some(),
            first_meaningful_response_s: None,
            first_meaningful_response_unscored: None,
            repeat_yourself: None,
            csat: conversation.outcome.as_ref().and_then(|o| o.csat),
            clock_contradiction: conversation.clock_order_contradiction(),
            negative_duration: conversation.negative_duration(),
        },
    };
    let applies = match rubric.applies_to.as_ref() {
        None => Truth::Holds,
        Some(condition) => condition.truth(conversation),
    };
    let mut applies_unknown = None;
    match applies {
        Truth::Fails(reason) => {
            card.reason = Some(format!("rubric does not apply: {reason}"));
        }
        // No dimension can be scored: each is unscored, and so is the call.
        Truth::Unknown(reason) => {
            let reason = format!("cannot tell whether the rubric applies: {reason}");
            card.dimensions = rubric
                .dimensions
                .iter()
                .map(|dimension| DimensionCard {
                    id: &dimension.id,
                    status: Status::Unscored,
                    score: None,
                    weight: dimension.weight,
                    critical: dimension.critical,
                    reason: Some(reason.clone()),
                    checks: Vec::new(),
                })
                .collect();
            applies_unknown = Some(reason);
        }
        Truth::Holds => {
            card.dimensions = rubric
                .dimensions
                .iter()
                .enumerate()
                .map(|(index, dimension)| {
                    score_dimension(dimension, index, conversation, judge, &mut jobs)
                })
                .collect();
        }
    }
    first_response_metric(rubric, conversation, &mut card);
    let mut summary = CallSummary {
        verdict: Status::Na,
        score: None,
        dimensions: Vec::new(),
        metrics: card.metrics.clone(),
        agent_version: conversation.agent_version.clone(),
        channel: conversation.channel,
        trigger: conversation.facts.trigger,
        slices: slice_keys
            .iter()
            .map(|key| conversation.metadata.get(key).cloned())
            .collect(),
        customer: customer_key(&conversation.customer.id),
        started_at_s: conversation.started_at.map(|t| t.as_second()),
        ended_at_s: conversation.end_time().map(|t| t.as_second()),
        score_bounds: None,
        clock_contradiction: conversation.has_clock_contradiction(),
        start_contradicted: conversation.start_contradicted(),
        end_contradicted: conversation.end_contradicted(),
        judge_pending: false,
    };
    settle(rubric, &mut card, &mut summary);
    if applies_unknown.is_some() {
        card.reason = applies_unknown;
    }
    Scored {
        card,
        summary,
        jobs,
    }
}

/// Puts the judge's answers in place and settles the call again.
pub fn answer(
    rubric: &Rubric,
    card: &mut CallCard<'_, '_>,
    summary: &mut CallSummary,
    answers: impl IntoIterator<Item = (usize, usize, Outcome)>,
) {
    for (dimension, check, outcome) in answers {
        if let Some(dimension) = card.dimensions.get_mut(dimension)
            && let Some(slot) = dimension.checks.get_mut(check)
        {
            slot.outcome = outcome;
            rescore(dimension);
        }
    }
    settle(rubric, card, summary);
}

/// The call's verdict and what follows from it, from its dimensions.
fn settle(rubric: &Rubric, card: &mut CallCard<'_, '_>, summary: &mut CallSummary) {
    summary.score_bounds = if card.dimensions.is_empty() {
        None
    } else {
        decide(rubric, card)
    };
    card.passed = match card.verdict {
        Status::Pass => Some(true),
        Status::Fail => Some(false),
        Status::Na | Status::Unscored => None,
    };
    if let Some(index) = rubric.metrics.repeat_yourself
        && let Some(dimension) = card.dimensions.get(index)
    {
        card.metrics.repeat_yourself = match dimension.status {
            Status::Fail => Some(true),
            Status::Pass => Some(false),
            _ => None,
        };
    }
    summary.verdict = card.verdict;
    summary.judge_pending = card.verdict == Status::Unscored
        && card.dimensions.iter().any(|dimension| {
            dimension.status == Status::Unscored
                && dimension
                    .checks
                    .iter()
                    .any(|c| c.check == "judge" && c.outcome.status == Status::Unscored)
        });
    summary.score = card.score;
    summary.dimensions = if card.dimensions.is_empty() {
        vec![Status::Na; rubric.dimensions.len()]
    } else {
        card.dimensions.iter().map(|d| d.status).collect()
    };
    summary.metrics = card.metrics.clone();
}

/// Decides the call's verdict and score; returns the range its score
/// could take once every unscored dimension is scored.
fn decide(rubric: &Rubric, card: &mut CallCard<'_, '_>) -> Option<(f64, f64)> {
    card.verdict = Status::Na;
    card.reason = None;
    card.score = None;
    card.auto_failed = false;
    card.scored_dimensions = 0;
    card.unscored_dimensions = 0;
    let mut weight_scored = 0.0;
    let mut weighted_score = 0.0;
    let mut weight_unscored = 0.0;
    let mut critical_unscored = false;
    for dimension in &card.dimensions {
        match (dimension.status, dimension.score) {
            (Status::Pass | Status::Fail, Some(score)) => {
                card.scored_dimensions += 1;
                weight_scored += dimension.weight;
                weighted_score += dimension.weight * score;
                if dimension.critical && dimension.status == Status::Fail {
                    card.auto_failed = true;
                }
            }
            (Status::Unscored, _) => {
                card.unscored_dimensions += 1;
                weight_unscored += dimension.weight;
                critical_unscored |= dimension.critical;
            }
            _ => {}
        }
    }
    if card.scored_dimensions == 0 {
        if card.unscored_dimensions > 0 {
            card.verdict = Status::Unscored;
            card.reason = Some(format!(
                "no dimension could be scored ({} unscored)",
                card.unscored_dimensions
            ));
        } else {
            card.reason = Some("no dimension applies".to_string());
        }
        return (card.unscored_dimensions > 0).then_some((0.0, 100.0));
    }
    let score = weighted_score / weight_scored;
    card.score = Some(round2(score));
    let total = weight_scored + weight_unscored;
    let worst = weighted_score / total;
    let best = (weighted_score + 100.0 * weight_unscored) / total;
    let threshold = rubric.pass_threshold;
    card.verdict = if card.auto_failed {
        card.reason = Some("a critical dimension failed".to_string());
        Status::Fail
    } else if card.unscored_dimensions == 0 {
        if score >= threshold {
            Status::Pass
        } else {
            Status::Fail
        }
    } else if best < threshold {
        Status::Fail
    } else if worst >= threshold && !critical_unscored {
        Status::Pass
    } else {
        card.reason = Some(format!(
            "undecided: {} dimension(s) unscored could change the verdict",
            card.unscored_dimensions
        ));
        Status::Unscored
    };
    Some((round2(worst), round2(best)))
}

/// Time to first meaningful response: taken from the rubric's own check
/// when it ran (its dimension applied), else measured with its definition.
fn first_response_metric(
    rubric: &Rubric,
    conversation: &Conversation,
    card: &mut CallCard<'_, '_>,
) {
    let from_check = rubric.metrics.first_response_check.and_then(|(d, c)| {
        let outcome = &card.dimensions.get(d)?.checks.get(c)?.outcome;
        Some(match outcome.status {
            Status::Unscored => (None, Some(outcome.reason.to_string())),
            _ => (outcome.value.map(round2), None),
        })
    });
    let (seconds, unscored) =
        from_check.unwrap_or_else(
            || match rubric.metrics.first_response.measure(conversation) {
                Some(Ok((_, Some(seconds)))) => (Some(round2(seconds)), None),
                Some(Err(reason)) => (None, Some(reason)),
                _ => (None, None),
            },
        );
    card.metrics.first_meaningful_response_s = seconds;
    card.metrics.first_meaningful_response_unscored = unscored;
}

/// A stable 64-bit key for a customer id (FNV-1a), so that the re-contact
/// metric keeps 8 bytes per conversation instead of the id.
pub fn customer_key(id: &str) -> u64 {
    let mut hash: u64 = 0xcbf29ce484222325;
    for byte in id.bytes() {
        hash ^= byte as u64;
        hash = hash.wrapping_mul(0x100000001b3);
    }
    hash
}

//! Which turns a check looks at: by speaker, by phase of the conversation,
//! and optionally only the first N turns, the last N turns, or the first T
//! seconds of the phase.
//!
//! Phases are cut at the first `escalation` and the first `humanConnected`:
//!
//! | phase | turns |
//! |---|---|
//! | `whole` | all |
//! | `before_escalation` | before the escalation (all, if there is none) |
//! | `at_escalation` | every turn from the escalation until the human connects; when the AI says nothing there, also the AI turn just before the escalation (agents that speak, then call the transfer tool) |
//! | `handoff` | the AI's handoff messages: the turn just before the escalation when it is the AI's and talks of handing over (a person, a team, connecting; where it says why before the transfer is logged), or its last turn before it when it says nothing after, with up to two earlier AI turns that talk of handing over and that the customer answered ("how long?"), and every turn from the escalation until the human connects |
//! | `after_escalation` | after the escalation (none, if there is none) |
//! | `before_connect` | before the human connected (all, if they never did) |
//! | `after_connect` | after the human connected (none, if they never did) |

use jiff::Timestamp;
use serde::Deserialize;

use crate::rubric::params::Seconds;
use crate::trace::{Conversation, EventKind, Speaker};

/// A turn that talks about handing over: a person, a team or a colleague,
/// or connecting, transferring, passing on.
static HANDOFF_TALK: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
    regex::Regex::new(
        concat!(
            r"(?i)\b(team|colleague|specialist|agent|advis[eo]r|person|people|human|someone|somebody|manager|supervisor|expert|department|desk|caseworker|officer|underwriter|engineer|technician|center|centre|coordinator|pharmacist|nurse|doctor|clinician|consultant|operator|analyst|dispatcher|adjuster|counsell?or|advocate|representative|connect\w*|transfer\w*|escalat\w*|put you through|pass\w* (you|this|it|your)|hand\w* (you|this|it) (over|on)|bring\w* in|loop\w* in|(pass|hand|send|forward|refer|rout)\w* (the|your|this|my)( \w+){0,2} (on |over )?to (them|him|her|our|the|a|an))\b",
            // In the customer's language: "te paso con un gestor", "je vous
            // transfère", "ein Kollege", "vou encaminhar", "la passo a un
            // collega", "ik verbind u door", "担当者におつなぎします".
            r"|\b(equipo|equipe|[ée]quipe|compa[ñn]er[oa]|asesor[a]?|gestor[a]?|persona|agente|especialista|conseill\w+|coll[èe]gue|kolleg\w*|mitarbeiter\w*|berater\w*|atendente|analista|colega|collega|consulente|operat(ore|rice)|reparto|ufficio|medewerker|transf[eèé]r\w*|trasferisc\w*|encaminh\w*|verbind\w*|doorverbind\w*|weiter(geben|gebe|leiten|leite)|gebe \w+( \w+)? weiter|(te|le|les|vous|la|lo) pass\w*|mett\w* en relation|metto in contatto)\b",
            r"|おつなぎ|お繋ぎ|担当|転送|引き継",
        ),
    )
    .expect("the built-in pattern compiles")
});

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    #[default]
    Whole,
    BeforeEscalation,
    AtEscalation,
    Handoff,
    AfterEscalation,
    BeforeConnect,
    AfterConnect,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Whole => "whole conversation",
            Phase::BeforeEscalation => "before escalation",
            Phase::AtEscalation => "at escalation",
            Phase::Handoff => "at handoff",
            Phase::AfterEscalation => "after escalation",
            Phase::BeforeConnect => "before connect",
            Phase::AfterConnect => "after connect",
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Within {
    /// Only the first N turns in scope (after the speaker filter).
    pub turns: Option<usize>,
    /// Only the last N turns in scope (after the speaker filter): what was
    /// said just before the phase ended.
    pub last_turns: Option<usize>,
    /// Only turns at most this long after the phase began.
    pub seconds: Option<Seconds>,
}

/// A turn chosen by a scope.
#[derive(Debug, Clone, Copy)]
pub struct TurnRef<'a> {
    pub index: usize,
    pub at: Option<Timestamp>,
    pub speaker: Speaker,
    /// The turn's text in matching form (see [`super::normalize`]); match
    /// offsets in it lead back to the original through
    /// [`super::Evidence::match_in`].
    pub text: &'a str,
}

/// A scope's full description, borrowed from the check that states it
/// (check kinds embed its three fields).
#[derive(Debug, Clone, Copy, Default)]
pub struct Scope<'s> {
    /// `None`: any speaker.
    pub speakers: Option<&'s [Speaker]>,
    pub phase: Phase,
    pub within: Option<&'s Within>,
}

/// "ai/human turns at escalation", for reasons.
impl std::fmt::Display for Scope<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut result = Ok(());
        self.parts(|part| {
            if result.is_ok() {
                result = f.write_str(part);
            }
        });
        result
    }
}

impl Scope<'_> {
    /// The words of [`Display`](std::fmt::Display), in order.
    fn parts(&self, mut put: impl FnMut(&str)) {
        match self.speakers {
            Some(speakers) => {
                for (index, speaker) in speakers.iter().enumerate() {
                    if index > 0 {
                        put("/");
                    }
                    put(speaker.as_str());
                }
            }
            None => put("any"),
        }
        put(" turns ");
        put(self.phase.as_str());
    }

    /// Appends the scope's words to `out`, without the formatting machinery
    /// (phrase checks state their scope in every reason).
    pub fn push_to(&self, out: &mut String) {
        self.parts(|part| out.push_str(part));
    }
}

impl Scope<'_> {
    /// The turns in scope, or why they cannot be chosen (a time window with a
    /// missing timestamp: the caller reports that as unscored).
    pub fn select<'a>(&self, conversation: &'a Conversation) -> Result<Vec<TurnRef<'a>>, String> {
        let (range, anchor) = phase_range(conversation, self.phase);
        let mut turns = Vec::new();
        for index in range {
            let event = &conversation.events[index];
            let EventKind::Turn { speaker, text, .. } = &event.kind else {
                continue;
            };
            if let Some(speakers) = self.speakers
                && !speakers.contains(speaker)
            {
                continue;
            }
            turns.push(TurnRef {
                index,
                at: event.at,
                speaker: *speaker,
                text: match conversation.normalized(index) {
                    Some(normalized) => normalized.as_str(),
                    None => text,
                },
            });
        }
        let Some(within) = self.within else {
            return Ok(turns);
        };
        if let Some(limit) = within.turns {
            turns.truncate(limit);
        }
        if let Some(limit) = within.last_turns {
            let cut = turns.len().saturating_sub(limit);
            turns.drain(..cut);
        }
        if let Some(Seconds(limit)) = within.seconds {
            let anchor = anchor.ok_or_else(|| {
                format!(
                    "missing timestamp at the start of the phase ({})",
                    self.phase.as_str()
                )
            })?;
            let mut kept = Vec::with_capacity(turns.len());
            for turn in turns {
                let at = turn
                    .at
                    .ok_or_else(|| format!("missing timestamp on event {}", turn.index))?;
                let seconds = seconds_between(anchor, at);
                if seconds < 0.0 {
                    return Err(format!(
                        "the clock contradicts the order: event {} comes after the start of the \
                         phase ({}) in the events but is stamped {:.1}s before it",
                        turn.index,
                        self.phase.as_str(),
                        -seconds
                    ));
                }
                if seconds <= limit {
                    kept.push(turn);
                }
            }
            turns = kept;
        }
        Ok(turns)
    }
}

/// Event index range of a phase, and the time the phase began (if known).
pub fn phase_range(
    conversation: &Conversation,
    phase: Phase,
) -> (std::ops::Range<usize>, Option<Timestamp>) {
    let n = conversation.events.len();
    let facts = &conversation.facts;
    let at = |index: usize| conversation.events.get(index).and_then(|e| e.at);
    match phase {
        Phase::Whole => (0..n, conversation.started_at),
        Phase::BeforeEscalation => (0..facts.escalation.unwrap_or(n), conversation.started_at),
        Phase::BeforeConnect => (
            0..facts.human_connected.unwrap_or(n),
            conversation.started_at,
        ),
        Phase::AfterEscalation => match facts.escalation {
            Some(esc) => (esc + 1..n, at(esc)),
            None => (n..n, None),
        },
        Phase::AfterConnect => match facts.human_connected {
            Some(connected) => (connected + 1..n, at(connected)),
            None => (n..n, None),
        },
        Phase::AtEscalation => match facts.escalation {
            Some(esc) => {
                let end = facts.human_connected.filter(|&c| c > esc).unwrap_or(n);
                let is_ai_turn = |e: &crate::trace::Event| {
                    matches!(
                        e.kind,
                        EventKind::Turn {
                            speaker: Speaker::Ai,
                            ..
                        }
                    )
                };
                let ai_speaks_after = conversation.events[esc..end].iter().any(is_ai_turn);
                let start = if ai_speaks_after {
                    esc
                } else {
                    conversation.events[..esc]
                        .iter()
                        .rposition(|e| matches!(e.kind, EventKind::Turn { .. }))
                        .filter(|&i| is_ai_turn(&conversation.events[i]))
                        .unwrap_or(esc)
                };
                (start..end, at(esc))
            }
            None => (n..n, None),
        },
        Phase::Handoff => match facts.escalation {
            Some(esc) => {
                let end = facts.human_connected.filter(|&c| c > esc).unwrap_or(n);
                let is_ai_turn = |e: &crate::trace::Event| {
                    matches!(
                        e.kind,
                        EventKind::Turn {
                            speaker: Speaker::Ai,
                            ..
                        }
                    )
                };
                // The AI's turn that announces the handoff: the last turn
                // before the escalation, when it is the AI's (a customer who
                // spoke since has moved the conversation on), or, when the
                // AI says nothing after the escalation, its last turn before
                // it (a written reply the customer answered).
                let before = &conversation.events[..esc];
                let start = if conversation.events[esc..end].iter().any(is_ai_turn) {
                    // Only a turn about the handoff: one about the case
                    // alone ("you need to change it because of a family
                    // emergency") says nothing of why it goes to a person.
                    before
                        .iter()
                        .rposition(|e| matches!(e.kind, EventKind::Turn { .. }))
                        .filter(|&i| is_ai_turn(&before[i]))
                        .filter(|&i| {
                            conversation
                                .matching_text(i)
                                .is_some_and(|text| HANDOFF_TALK.is_match(text))
                        })
                } else {
                    before.iter().rposition(is_ai_turn)
                }
                .unwrap_or(esc);
                let start = earlier_handoff_turns(conversation, start);
                (start..end, at(start))
            }
            None => (n..n, None),
        },
    }
}

/// A handoff told over several turns: the AI says why it hands over and that
/// the case goes along, the customer answers ("how long?"), and the AI goes
/// on with the wait. From `start`, walk back over the customer's replies to
/// an AI turn that talks of handing over, at most twice; a turn about the
/// case alone ends the walk.
fn earlier_handoff_turns(conversation: &Conversation, start: usize) -> usize {
    let speaker_of = |i: usize| match &conversation.events[i].kind {
        EventKind::Turn { speaker, .. } => Some(*speaker),
        _ => None,
    };
    let mut start = start;
    for _ in 0..2 {
        let mut i = start;
        let mut replies = 0;
        let announced = loop {
            let Some(previous) = (0..i).rev().find(|&j| speaker_of(j).is_some()) else {
                break None;
            };
            match speaker_of(previous) {
                Some(Speaker::Customer) if replies < 2 => {
                    replies += 1;
                    i = previous;
                }
                Some(Speaker::Ai) if replies > 0 => break Some(previous),
                _ => break None,
            }
        };
        match announced.filter(|&i| {
            conversation
                .matching_text(i)
                .is_some_and(|text| HANDOFF_TALK.is_match(text))
        }) {
            Some(i) => start = i,
            None => break,
        }
    }
    start
}

pub fn seconds_between(from: Timestamp, to: Timestamp) -> f64 {
    (to.as_millisecond() - from.as_millisecond()) as f64 / 1000.0
}

/// Human turns after the human connected, in order.
pub fn human_turns_after_connect(conversation: &Conversation) -> Vec<TurnRef<'_>> {
    Scope {
        speakers: Some(&[Speaker::Human]),
        phase: Phase::AfterConnect,
        within: None,
    }
    .select(conversation)
    .unwrap_or_default()
}

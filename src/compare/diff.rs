//! `diff`: the verdicts that flipped between two runs of the same
//! conversations (after a rubric edit) or the same scenarios (after an
//! agent change), per call and dimension, with the evidence on both sides.

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use super::{Pairing, RunDir, RunError, pair};
use crate::Status;

#[derive(Debug, Clone, Serialize)]
pub struct DiffReport {
    pub a: String,
    pub b: String,
    pub pairing: Pairing,
    pub pairs: usize,
    /// Calls only in one run (by the pairing key).
    pub only_in_a: usize,
    pub only_in_b: usize,
    pub flips: Vec<CallFlip>,
    /// Flip counts per dimension id (and `call` for the verdict): from -> to.
    pub counts: Vec<FlipCount>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FlipCount {
    pub subject: String,
    pub from: Status,
    pub to: Status,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct CallFlip {
    pub conversation_a: String,
    pub conversation_b: String,
    pub scenario_id: Option<String>,
    pub verdict: (Status, Status),
    pub score: (Option<f64>, Option<f64>),
    pub dimensions: Vec<DimensionFlip>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DimensionFlip {
    pub id: String,
    pub from: Status,
    pub to: Status,
    /// The dimension's card in each run: reason, checks and their evidence.
    pub a: Value,
    pub b: Value,
}

/// A pair of calls that differ: indices in each run, and the dimensions
/// (index in each run's rubric) whose status changed.
struct Flipped {
    a: usize,
    b: usize,
    dimensions: Vec<(usize, usize)>,
}

/// Lists what flipped from run `a` to run `b`. Dimensions are matched by id,
/// so a run scored with an edited rubric compares too.
pub fn diff(a: &RunDir, b: &RunDir) -> Result<DiffReport, RunError> {
    let (pairing, pairs) = pair(&a.calls, &b.calls);
    let shared: Vec<(usize, usize, &str)> = a
        .rubric
        .dimensions
        .iter()
        .enumerate()
        .filter_map(|(ai, d)| Some((ai, b.dimension_index(&d.id)?, d.id.as_str())))
        .collect();
    // First pass: which pairs flipped, from the compact records.
    let mut flipped: Vec<Flipped> = Vec::new();
    for &(i, j) in &pairs {
        let (x, y) = (&a.calls[i], &b.calls[j]);
        let dims: Vec<(usize, usize)> = shared
            .iter()
            .filter(|&&(ai, bi, _)| x.dimensions[ai] != y.dimensions[bi])
            .map(|&(ai, bi, _)| (ai, bi))
            .collect();
        if !dims.is_empty() || x.verdict != y.verdict {
            flipped.push(Flipped {
                a: i,
                b: j,
                dimensions: dims,
            });
        }
    }
    // Second pass: the full cards of the flipped calls only.
    let lines_a: BTreeSet<u64> = flipped.iter().map(|f| a.calls[f.a].line).collect();
    let lines_b: BTreeSet<u64> = flipped.iter().map(|f| b.calls[f.b].line).collect();
    let cards_a = a.cards_at(&lines_a)?;
    let cards_b = b.cards_at(&lines_b)?;
    let dimension_card = |card: Option<&Value>, id: &str| -> Value {
        card.and_then(|c| c.get("dimensions"))
            .and_then(Value::as_array)
            .and_then(|dims| {
                dims.iter()
                    .find(|d| d.get("id").and_then(Value::as_str) == Some(id))
            })
            .cloned()
            .unwrap_or(Value::Null)
    };
    let mut counts: std::collections::BTreeMap<(usize, Status, Status), usize> = Default::default();
    let mut flips = Vec::new();
    for Flipped {
        a: i,
        b: j,
        dimensions: dims,
    } in flipped
    {
        let (x, y) = (&a.calls[i], &b.calls[j]);
        let (card_a, card_b) = (cards_a.get(&x.line), cards_b.get(&y.line));
        if x.verdict != y.verdict {
            *counts
                .entry((usize::MAX, x.verdict, y.verdict))
                .or_default() += 1;
        }
        let dimensions = dims
            .into_iter()
            .map(|(ai, bi)| {
                let id = &a.rubric.dimensions[ai].id;
                *counts
                    .entry((ai, x.dimensions[ai], y.dimensions[bi]))
                    .or_default() += 1;
                DimensionFlip {
                    id: id.clone(),
                    from: x.dimensions[ai],
                    to: y.dimensions[bi],
                    a: dimension_card(card_a, id),
                    b: dimension_card(card_b, id),
                }
            })
            .collect();
        flips.push(CallFlip {
            conversation_a: x.conversation_id.clone(),
            conversation_b: y.conversation_id.clone(),
            scenario_id: y.scenario_id.clone(),
            verdict: (x.verdict, y.verdict),
            score: (x.score, y.score),
            dimensions,
        });
    }
    let counts = counts
        .into_iter()
        .map(|((index, from, to), count)| FlipCount {
            subject: if index == usize::MAX {
                "call".to_string()
            } else {
                a.rubric.dimensions[index].id.clone()
            },
            from,
            to,
            count,
        })
        .collect();
    Ok(DiffReport {
        a: a.path.display().to_string(),
        b: b.path.display().to_string(),
        pairing,
        pairs: pairs.len(),
        only_in_a: a.calls.len() - pairs.len(),
        only_in_b: b.calls.len() - pairs.len(),
        flips,
        counts,
    })
}

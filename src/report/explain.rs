//! One call's scorecard as text for a terminal: every dimension and check,
//! with the reason and the evidence that decided it.

use std::fmt::Write;

use super::escape::controls;
use super::style::Palette;
use crate::checks::{Evidence, Status};
use crate::rubric::Rubric;
use crate::score::CallCard;

/// The status in brackets, padded to one width, in its colour.
fn tag(status: Status, paint: Palette) -> String {
    match status {
        Status::Pass => format!("{}    ", paint.pass("[pass]")),
        Status::Fail => format!("{}    ", paint.fail("[FAIL]")),
        Status::Na => "[n/a]     ".to_string(),
        Status::Unscored => paint.warn("[unscored]"),
    }
}

fn evidence_line(evidence: &Evidence) -> String {
    let mut head = String::new();
    if let Some(event) = evidence.event {
        let _ = write!(head, "event {event}");
        if let Some(at) = evidence.at {
            let _ = write!(head, " at {at}");
        }
    }
    let mut body = Vec::new();
    if let Some(text) = &evidence.text {
        body.push(format!("\"{}\"", controls(text)));
    }
    if let Some(matched) = &evidence.matched {
        body.push(format!("matched \"{}\"", controls(matched)));
    }
    if let Some(pattern) = evidence.pattern {
        body.push(format!("(pattern {pattern})"));
    }
    if let Some(note) = &evidence.note {
        body.push(controls(note).into_owned());
    }
    match (head.is_empty(), body.is_empty()) {
        (true, _) => body.join(" "),
        (false, true) => head,
        (false, false) => format!("{head}: {}", body.join(" ")),
    }
}

/// The card as text, statuses painted by `paint`; everything from the
/// input is escaped ([`controls`]).
pub fn render(rubric: &Rubric, card: &CallCard<'_, '_>, paint: Palette) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} · agent {}{}",
        controls(&card.conversation_id),
        controls(&card.agent_version),
        card.scenario_id
            .as_ref()
            .map_or(String::new(), |s| format!(" · scenario {}", controls(s)))
    );
    let _ = writeln!(
        out,
        "rubric {} v{} ({}) · verdict {} · score {} (pass at {})",
        rubric.name,
        rubric.version,
        rubric.hash,
        paint.verdict_as(card.verdict.as_str(), &card.verdict.as_str().to_uppercase()),
        card.score.map_or("-".to_string(), |s| format!("{s:.1}")),
        rubric.pass_threshold
    );
    if let Some(reason) = &card.reason {
        let _ = writeln!(out, "  {}", controls(reason));
    }
    for (dimension, info) in card.dimensions.iter().zip(&rubric.dimensions) {
        let _ = writeln!(
            out,
            "\n{} {}{} {} - {}",
            tag(dimension.status, paint),
            dimension.id,
            if info.critical { " (critical)" } else { "" },
            dimension.score.map_or(String::new(), |s| format!("{s:.0}")),
            info.title
        );
        if let Some(reason) = &dimension.reason {
            let _ = writeln!(out, "    {}", controls(reason));
        }
        for check in &dimension.checks {
            let name = check.name.map_or(String::new(), |n| format!(" {n}"));
            let _ = writeln!(
                out,
                "    {} {}{name}: {}",
                tag(check.outcome.status, paint),
                check.check,
                controls(&check.outcome.reason)
            );
            for evidence in &check.outcome.evidence {
                let _ = writeln!(out, "                 {}", evidence_line(evidence));
            }
        }
    }
    out
}

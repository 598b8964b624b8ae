//! The gate report as Markdown (a pull-request comment, a job summary, or a
//! terminal) and as JUnit XML (a test case per gate and per critical flip).
//! Paths, versions and ids come from the runs and are escaped for a
//! terminal ([`controls`]).

use std::fmt::Write;

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use super::escape::{code_span, controls, markdown as md};
use crate::compare::gate::{
    Coverage, GateReport, GateStatus, RateComparison, Side, format_p, format_points,
};

/// How many unpaired baseline calls and critical flips the Markdown and
/// JUnit reports list (the JSON report lists all).
const LISTED: usize = 50;

fn verdict(status: GateStatus) -> &'static str {
    match status {
        GateStatus::Pass => "PASSED",
        GateStatus::Fail => "FAILED",
        GateStatus::Undecided => "UNDECIDED",
        GateStatus::Skipped => "SKIPPED",
    }
}

fn mark(status: GateStatus) -> &'static str {
    match status {
        GateStatus::Pass => "pass",
        GateStatus::Fail => "**FAIL**",
        GateStatus::Undecided => "undecided",
        GateStatus::Skipped => "skipped",
    }
}

fn percent(rate: &Option<crate::stats::Rate>) -> String {
    match rate {
        Some(r) => format!("{:.1}% (n={})", r.value * 100.0, r.n),
        None => "-".to_string(),
    }
}

fn flips(rate: &RateComparison) -> String {
    match (rate.worse, rate.better) {
        (Some(w), Some(b)) => format!("{w} / {b}"),
        _ => "-".to_string(),
    }
}

fn optional_points(x: Option<f64>) -> String {
    x.map_or("-".to_string(), format_points)
}

fn optional_p(x: Option<f64>) -> String {
    x.map_or("-".to_string(), format_p)
}

fn versions(list: &[String]) -> String {
    match list {
        [] => "no calls".to_string(),
        [one] => md(one).into_owned(),
        [first, rest @ ..] => format!("{} and {} more", md(first), rest.len()),
    }
}

fn lines(side: &Side) -> String {
    format!(
        "{} lines read, {} scored, {} rejected",
        side.lines.read, side.lines.scored, side.lines.rejected
    )
}

/// The coverage paragraph: both runs' line counts, the baseline calls the
/// candidate pairs, and the first baseline calls it leaves unpaired.
fn coverage(out: &mut String, report: &GateReport) {
    let Coverage {
        key,
        baseline_calls,
        paired,
        unpaired,
        ..
    } = &report.coverage;
    let _ = writeln!(
        out,
        "\n**Coverage:** baseline {}; candidate {}; {paired} of the baseline's {baseline_calls} calls paired (by {}); {} pairs.",
        lines(&report.baseline),
        lines(&report.candidate),
        key.describe(),
        report.pairs
    );
    if unpaired.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "\n<details><summary>{} baseline call(s) without a candidate call</summary>\n",
        unpaired.len()
    );
    for call in unpaired.iter().take(LISTED) {
        let _ = writeln!(out, "- {}", call.describe(|id| code_span(id, false)));
    }
    if unpaired.len() > LISTED {
        let _ = writeln!(
            out,
            "- ... and {} more (gate.json lists all)",
            unpaired.len() - LISTED
        );
    }
    let _ = writeln!(out, "\n</details>");
}

/// The unpaired baseline calls as plain text, for JUnit: the first
/// [`LISTED`], and how many more.
fn unpaired_text(coverage: &Coverage) -> String {
    let mut text = format!(
        "{} baseline call(s) without a candidate call (by {})",
        coverage.unpaired.len(),
        coverage.key.describe()
    );
    for call in coverage.unpaired.iter().take(LISTED) {
        text.push_str("\n- ");
        text.push_str(&call.describe(|id| format!("`{}`", controls(id))));
    }
    if coverage.unpaired.len() > LISTED {
        let _ = write!(
            text,
            "\n- ... and {} more (gate.json lists all)",
            coverage.unpaired.len() - LISTED
        );
    }
    text
}

pub fn markdown(report: &GateReport) -> String {
    let mut out = String::new();
    let failed = report
        .gates
        .iter()
        .filter(|g| g.status == GateStatus::Fail)
        .count();
    let skipped = report
        .gates
        .iter()
        .filter(|g| g.status == GateStatus::Skipped)
        .count();
    let _ = writeln!(
        out,
        "## handoff-eval gate: {} ({} of {} gates failed{})\n",
        verdict(report.status),
        failed,
        report.gates.len(),
        if skipped > 0 {
            format!(", {skipped} skipped")
        } else {
            String::new()
        }
    );
    let _ = writeln!(
        out,
        "Baseline {} ({}, {} calls) against candidate {} ({}, {} calls), {}{}.",
        code_span(&report.baseline.path, false),
        versions(&report.baseline.agent_versions),
        report.baseline.calls,
        code_span(&report.candidate.path, false),
        versions(&report.candidate.agent_versions),
        report.candidate.calls,
        report.pairing.describe(),
        if report.pairs > 0 {
            format!(": {} pairs", report.pairs)
        } else {
            String::new()
        }
    );
    if report.rubric_changed {
        let _ = writeln!(
            out,
            "\n> The rubric changed between the runs (baseline {}, candidate {}); dimensions are matched by id.",
            md(&report.baseline.rubric),
            md(&report.candidate.rubric)
        );
    }
    coverage(&mut out, report);
    let _ = writeln!(
        out,
        "\nOne-sided tests at alpha {}, Holm-corrected over {} test{}.",
        report.alpha,
        report.tests,
        if report.tests == 1 { "" } else { "s" }
    );
    let rate = &report.call_pass_rate;
    if let (Some(floor), Some(n)) = (rate.detectable_drop, rate.candidate.map(|r| r.n)) {
        let score_floor = report
            .call_score
            .detectable_drop
            .map(|d| format!(", mean-score drops under {d:.1} points"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "**Noise floor:** with {n} scored calls in the candidate, call pass-rate drops under {:.1} pts{score_floor} cannot be told from noise (power 80%).",
            floor * 100.0
        );
    }

    let _ = writeln!(
        out,
        "\n| Gate | Rule | Observed | Result |\n|---|---|---|---|"
    );
    for gate in &report.gates {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} |",
            code_span(&gate.subject, true),
            gate.rule,
            gate.observed,
            mark(gate.status)
        );
    }

    let _ = writeln!(
        out,
        "\n| | Baseline | Candidate | Change | Worse / better | p | p (Holm) | Detectable drop |\n|---|---|---|---|---|---|---|---|"
    );
    let row = |out: &mut String, name: &str, rate: &RateComparison| {
        let _ = writeln!(
            out,
            "| {name} | {} | {} | {} | {} | {} | {} | {} |",
            percent(&rate.baseline),
            percent(&rate.candidate),
            optional_points(rate.delta),
            flips(rate),
            optional_p(rate.p_value),
            optional_p(rate.p_adjusted),
            rate.detectable_drop
                .map_or("-".to_string(), |d| format!("{:.1} pts", d * 100.0)),
        );
    };
    row(&mut out, "**call pass rate**", &report.call_pass_rate);
    let score = &report.call_score;
    let _ = writeln!(
        out,
        "| **mean call score** | {} | {} | {} | - | {} | {} | {} |",
        score.baseline.map_or("-".into(), |m| format!("{m:.2}")),
        score.candidate.map_or("-".into(), |m| format!("{m:.2}")),
        score.shift.map_or("-".into(), |s| format!(
            "{:+.2} [{:+.2}, {:+.2}]",
            s.delta, s.low, s.high
        )),
        optional_p(score.shift.map(|s| s.p_value)),
        optional_p(score.p_adjusted),
        score
            .detectable_drop
            .map_or("-".to_string(), |d| format!("{d:.2} points")),
    );
    for dimension in &report.dimensions {
        let name = if dimension.critical {
            format!("{} (critical)", code_span(&dimension.id, true))
        } else {
            code_span(&dimension.id, true)
        };
        row(&mut out, &name, &dimension.rate);
    }

    if !report.critical_flips.is_empty() {
        let _ = writeln!(
            out,
            "\n<details><summary>{} conversation(s) whose critical dimension went from pass to fail</summary>\n",
            report.critical_flips.len()
        );
        for flip in report.critical_flips.iter().take(LISTED) {
            let _ = writeln!(
                out,
                "- {}: {} (baseline {}){}",
                code_span(&flip.candidate_conversation, false),
                md(&flip.dimension),
                code_span(&flip.baseline_conversation, false),
                flip.scenario_id
                    .as_deref()
                    .map(|s| format!(", scenario {}", code_span(s, false)))
                    .unwrap_or_default()
            );
        }
        if report.critical_flips.len() > LISTED {
            let _ = writeln!(
                out,
                "- ... and {} more (gate.json lists all)",
                report.critical_flips.len() - LISTED
            );
        }
        let _ = writeln!(out, "\n</details>");
    }
    out
}

pub fn junit(report: &GateReport) -> String {
    let mut junit = Report::new("handoff-eval gate");
    let mut suite = TestSuite::new("gates");
    for gate in &report.gates {
        let mut status = match gate.status {
            GateStatus::Pass => TestCaseStatus::success(),
            GateStatus::Fail => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
                status.set_message(format!("{}: observed {}", gate.rule, gate.observed));
                status
            }
            GateStatus::Undecided => {
                let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
                status.set_message(format!("undecided: {}", gate.observed));
                status
            }
            GateStatus::Skipped => {
                let mut status = TestCaseStatus::skipped();
                status.set_message(gate.observed.clone());
                status
            }
        };
        let listed = (gate.lists_unpaired && !report.coverage.unpaired.is_empty())
            .then(|| unpaired_text(&report.coverage));
        if let (Some(listed), TestCaseStatus::NonSuccess { description, .. }) =
            (&listed, &mut status)
        {
            *description = Some(listed.clone().into());
        }
        let mut case = TestCase::new(format!("{}: {}", gate.subject, gate.rule), status);
        case.set_classname(format!("gate.{}", gate.subject));
        case.set_system_out(match &listed {
            Some(listed) => format!("observed: {}\n{listed}", gate.observed),
            None => format!("observed: {}", gate.observed),
        });
        suite.add_test_case(case);
    }
    junit.add_test_suite(suite);
    if !report.critical_flips.is_empty() {
        let mut suite = TestSuite::new("critical flips");
        for flip in &report.critical_flips {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            status.set_message(format!(
                "critical dimension {} went from pass to fail (baseline conversation {})",
                flip.dimension, flip.baseline_conversation
            ));
            let mut case = TestCase::new(
                format!("{} / {}", flip.candidate_conversation, flip.dimension),
                status,
            );
            case.set_classname(format!("flip.{}", flip.dimension));
            suite.add_test_case(case);
        }
        junit.add_test_suite(suite);
    }
    junit
        .to_string()
        .expect("a report of plain strings serializes")
}

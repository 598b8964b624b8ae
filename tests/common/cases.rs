//! Fixture cases: a few header lines and one conversation each.
//!
//! ```text
//! # What the case shows.
//! # check: <one rubric check, YAML>
//! # expect: pass | fail | na | unscored
//! {"schema":"handoff-trace/v1", ...}
//! ```
//!
//! Instead of `# check:`, `# rubric: rubrics/ai-handoff.yaml transfer_executed`
//! names a dimension of a shipped rubric (its status is the outcome), and
//! `# rubric: rubrics/handoff.yaml honest_disclosure/reason` one of its
//! named rule checks.

use handoff_eval::checks::{Outcome, Status};
use handoff_eval::judge::runner::JudgeRunner;
use handoff_eval::rubric::{self, Rubric};
use handoff_eval::score::score_call;
use handoff_eval::trace::parse_line;

/// What a case evaluates.
pub enum Subject {
    /// One check, as YAML.
    Check(String),
    /// A dimension (or, after a `/`, one of its named checks) of a rubric file.
    Rubric { path: String, target: String },
}

pub struct Case {
    pub line: usize,
    pub description: String,
    pub subject: Subject,
    pub expect: Status,
    pub conversation: String,
}

pub fn parse_cases(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut description = String::new();
    let mut subject = None;
    let mut expect = None;
    for (index, line) in text.lines().enumerate() {
        if let Some(rest) = line.strip_prefix("# check: ") {
            subject = Some(Subject::Check(rest.to_string()));
        } else if let Some(rest) = line.strip_prefix("# rubric: ") {
            let (path, target) = rest.trim().split_once(' ').unwrap_or_else(|| {
                panic!("line {}: `# rubric: FILE DIMENSION[/CHECK]`", index + 1)
            });
            subject = Some(Subject::Rubric {
                path: path.to_string(),
                target: target.trim().to_string(),
            });
        } else if let Some(rest) = line.strip_prefix("# expect: ") {
            expect = Some(match rest.trim() {
                "pass" => Status::Pass,
                "fail" => Status::Fail,
                "na" => Status::Na,
                "unscored" => Status::Unscored,
                other => panic!("line {}: unknown expectation `{other}`", index + 1),
            });
        } else if let Some(rest) = line.strip_prefix("# ") {
            description = rest.to_string();
        } else if line.starts_with('{') {
            cases.push(Case {
                line: index + 1,
                description: std::mem::take(&mut description),
                subject: subject
                    .take()
                    .unwrap_or_else(|| panic!("line {}: no `# check:` or `# rubric:`", index + 1)),
                expect: expect
                    .take()
                    .unwrap_or_else(|| panic!("line {}: no `# expect:`", index + 1)),
                conversation: line.to_string(),
            });
        }
    }
    cases
}

/// The case's outcome; `origin` names the fixture in error messages.
pub fn evaluate(case: &Case, origin: &str) -> Outcome {
    let conversation = parse_line(case.conversation.as_bytes())
        .unwrap_or_else(|err| panic!("{origin}:{}: {err}", case.line));
    match &case.subject {
        Subject::Check(check) => {
            let yaml = format!(
                "rubric: fixture\nversion: 1\npass_threshold: 50\ndimensions:\n  - id: d\n    title: d\n    checks:\n      - {check}\n"
            );
            let rubric = rubric::from_str(&yaml, &format!("{origin}:{}", case.line))
                .unwrap_or_else(|err| panic!("{err}"));
            rubric.dimensions[0].checks[0].evaluate(&conversation)
        }
        Subject::Rubric { path, target } => {
            let rubric = loaded(&super::root().join(path));
            let (dimension, check) = match target.split_once('/') {
                Some((dimension, check)) => (dimension, Some(check)),
                None => (target.as_str(), None),
            };
            match check {
                Some(name) => named_check(&rubric, dimension, name).evaluate(&conversation),
                None => dimension_outcome(&rubric, dimension, &conversation),
            }
        }
    }
}

/// A shipped rubric, loaded once per test binary: compiling its patterns is
/// most of what a case costs, and every case of a file names the same one.
fn loaded(path: &std::path::Path) -> std::sync::Arc<Rubric> {
    use std::collections::HashMap;
    use std::sync::{Arc, LazyLock, Mutex};
    static LOADED: LazyLock<Mutex<HashMap<std::path::PathBuf, Arc<Rubric>>>> =
        LazyLock::new(Mutex::default);
    let mut loaded = LOADED
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    loaded
        .entry(path.to_path_buf())
        .or_insert_with(|| Arc::new(rubric::load(path).unwrap_or_else(|err| panic!("{err}"))))
        .clone()
}

/// The check of `dimension` named `name`, at its top or nested in an
/// `any_of` or `all_of`.
fn named_check<'r>(
    rubric: &'r Rubric,
    dimension: &str,
    name: &str,
) -> &'r handoff_eval::checks::Check {
    fn find<'c>(
        checks: &'c [handoff_eval::checks::Check],
        name: &str,
    ) -> Option<&'c handoff_eval::checks::Check> {
        use handoff_eval::checks::CheckKind;
        checks.iter().find_map(|c| {
            if c.name.as_deref() == Some(name) {
                return Some(c);
            }
            match &c.kind {
                CheckKind::AnyOf(nested) => find(&nested.0, name),
                CheckKind::AllOf(nested) => find(&nested.0, name),
                _ => None,
            }
        })
    }
    let checks = &rubric
        .dimensions
        .iter()
        .find(|d| d.id == dimension)
        .unwrap_or_else(|| panic!("no dimension `{dimension}`"))
        .checks;
    find(checks, name).unwrap_or_else(|| panic!("no check `{name}` in `{dimension}`"))
}

/// A dimension's verdict as one outcome: its status, its reason (or its
/// checks' reasons) and its checks' evidence. Judge checks are off.
fn dimension_outcome(
    rubric: &Rubric,
    dimension: &str,
    conversation: &handoff_eval::Conversation,
) -> Outcome {
    let scored = score_call(rubric, conversation, &[], &JudgeRunner::Off);
    let card = scored
        .card
        .dimensions
        .iter()
        .find(|d| d.id == dimension)
        .unwrap_or_else(|| panic!("no dimension `{dimension}` was scored"));
    let reason = card.reason.clone().unwrap_or_else(|| {
        card.checks
            .iter()
            .map(|c| format!("{}: {}", c.check, c.outcome.reason))
            .collect::<Vec<_>>()
            .join("; ")
    });
    let outcome = match card.status {
        Status::Pass => Outcome::pass(reason),
        Status::Fail => Outcome::fail(reason),
        Status::Na => Outcome::na(reason),
        Status::Unscored => Outcome::unscored(reason),
    };
    outcome.with_all(card.checks.iter().flat_map(|c| c.outcome.evidence.clone()))
}

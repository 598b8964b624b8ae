//! Every check kind against its fixtures in `tests/fixtures/checks/<kind>.jsonl`.
//!
//! A fixture case is three header lines and a conversation:
//!
//! ```text
//! # What the case shows.
//! # check: <one rubric check, YAML>
//! # expect: pass | fail | na | unscored
//! {"schema":"handoff-trace/v1", ...}
//! ```
//!
//! Each case's status is asserted; all outcomes of a kind, with reasons and
//! evidence, are snapshotted for review.

mod common;

use common::cases::{evaluate, parse_cases};
use handoff_eval::checks::{KIND_NAMES, Outcome};
use serde::Serialize;

#[derive(Serialize)]
struct Evaluated {
    case: String,
    outcome: Outcome,
}

fn evaluate_kind(kind: &str) -> Vec<Evaluated> {
    let path = common::fixture(&format!("checks/{kind}.jsonl"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let cases = parse_cases(&text);
    assert!(
        cases.len() >= 3,
        "{kind}: at least three fixture cases, found {}",
        cases.len()
    );
    let mut failures = Vec::new();
    let mut evaluated = Vec::new();
    for case in cases {
        let outcome = evaluate(&case, &format!("{kind}.jsonl"));
        if outcome.status != case.expect {
            failures.push(format!(
                "{kind}.jsonl:{}: {}\n  expected {:?}, got {:?}: {}",
                case.line, case.description, case.expect, outcome.status, outcome.reason
            ));
        }
        evaluated.push(Evaluated {
            case: case.description,
            outcome,
        });
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    evaluated
}

macro_rules! kind_tests {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let evaluated = evaluate_kind(stringify!($name));
                common::settings().bind(|| {
                    insta::assert_yaml_snapshot!(concat!("check_", stringify!($name)), evaluated);
                });
            }
        )*

        #[test]
        fn every_kind_has_fixtures() {
            let tested = [$(stringify!($name)),*];
            // `judge` needs an endpoint: tests/judge_checks.rs runs it
            // against a server on loopback instead of static fixtures.
            for kind in KIND_NAMES.iter().filter(|kind| **kind != "judge") {
                assert!(tested.contains(kind), "check kind `{kind}` has no fixture test");
            }
        }
    };
}

kind_tests!(
    ordered_before,
    phrase_present,
    phrase_absent,
    package_complete,
    offer_not_repeated,
    detail_repeated,
    first_meaningful_response,
    sentiment_trend,
    mentions_context,
    summary_mentions,
    follows_suggestion,
    condition,
    any_of,
    all_of,
);

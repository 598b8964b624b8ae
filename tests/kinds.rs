//! Faults that recur in data the rubrics were never tuned on, one fixture
//! file per kind in `tests/fixtures/kinds/`, each opening with a `# Kind:`
//! header that says which fault it covers, and each case in several
//! phrasings of our own (format: `tests/common/cases.rs`). Every case's
//! status is asserted; every outcome, with reasons and evidence, is
//! snapshotted for review.

mod common;

use common::cases::{evaluate, parse_cases};
use handoff_eval::checks::Outcome;
use serde::Serialize;

#[derive(Serialize)]
struct Evaluated {
    case: String,
    outcome: Outcome,
}

fn check_kind(file: &str) -> Vec<Evaluated> {
    let path = common::fixture(&format!("kinds/{file}.jsonl"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    assert!(
        text.starts_with("# Kind: "),
        "{file}.jsonl: the first line says which kind it covers"
    );
    let cases = parse_cases(&text);
    assert!(cases.len() >= 6, "{file}: {} cases", cases.len());
    let mut failures = Vec::new();
    let mut evaluated = Vec::new();
    for case in cases {
        let outcome = evaluate(&case, &format!("{file}.jsonl"));
        if outcome.status != case.expect {
            failures.push(format!(
                "{file}.jsonl:{}: {}\n  expected {:?}, got {:?}: {}",
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

macro_rules! kinds {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                let evaluated = check_kind(stringify!($name));
                common::settings().bind(|| {
                    insta::assert_yaml_snapshot!(concat!("kind_", stringify!($name)), evaluated);
                });
            }
        )*

        #[test]
        fn every_kind_file_is_tested() {
            let tested = [$(stringify!($name)),*];
            for entry in std::fs::read_dir(common::fixture("kinds")).unwrap() {
                let path = entry.unwrap().path();
                let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
                assert!(tested.contains(&stem.as_str()), "{} has no test", path.display());
            }
        }
    };
}

kinds!(
    typography,
    harness_cut,
    conditionals,
    identity,
    attempt_clauses,
    trigger_reasons,
    clock_order,
    context_promise,
    wait_estimates,
    role_reasons,
    wait_choices,
    formal_address,
    holding_turns,
    security_asks,
    repeat_complaints,
    repeated_offers,
    sentiment_arc,
    transfer_promises,
    promise_languages,
    promise_tenses,
    summary_reasons,
    request_not_reason,
    summary_languages,
    request_words,
    told_of_transfer,
    package_flags,
    missing_package,
    proposed_again,
    unrefused_attempts,
    identity_asks,
    identity_asks_shared,
    generic_openers_registers,
    whose_work,
    disclosure_paraphrase,
    short_choices,
    holding_openers,
    not_about_the_case,
    holding_other_words,
    opening_two_messages,
    pointing_back,
    informed_openings,
    paraphrased_repeats,
    promise_structure,
    told_structure,
    attempt_structure,
    reason_structure,
    request_who,
    disclosure_languages,
    wait_choice_languages,
    reason_passive,
    briefed_human,
    wait_agreement,
    offer_answered,
    told_them,
    told_handing_verbs,
    summary_reason_person_asked,
    reason_someone_elses_call,
    promise_no_need,
    callback_telephone,
    promise_be_with,
    summary_findings,
    summary_reason_words,
    summary_unspaced,
    asked_in_other_words,
    holding_in_replies,
    greeting_opens,
    offers_other_words,
    reply_to_other_asks,
    given_again,
    repeat_more_forms,
    identity_who_digits,
    offers_more_forms,
    sent_again,
    identity_languages,
    courtesy_openers,
    opening_after_courtesies,
    identity_named,
    state_flags,
    handoff_over_turns,
    wait_unquoted,
    reason_other_structures,
    reason_languages_order,
    promise_other_words,
    choice_verbs_languages,
    unspaced_summaries,
    wait_words_unspaced,
    proposal_words,
    remedies_named,
    refused_before,
    openers_abroad,
    repeat_abroad,
    identity_its_you,
    opening_in_summary_words,
    told_getting_you,
    promise_scope,
    offers_for_later,
    offers_own_words,
    attempt_terse,
    attempt_in_reported_speech,
    tool_refusals,
    summary_reason_structures,
    request_acronyms,
    scripted_openers,
    terse_holding,
    topic_only_questions,
    promise_everyday,
    promise_taken_on,
    promise_abroad_joined,
    summary_remit_joined,
    reason_remit_abroad,
    promise_named_abroad,
    wait_loose_counts,
    callback_who_calls,
    choice_japanese,
    payload_flags_abroad,
    context_had_or_told,
    reason_who_does_it,
    wait_at_once,
    sent_over_to,
    payload_worry,
    reverification_given_again,
    identity_who_speaking,
    repeat_complaints_languages,
    first_response_case_unasked,
    names_in_other_forms,
    opening_unspaced_parts,
    reported_by_name,
    conditions_as_provisos,
    control_characters,
    promise_word_kinds,
    tool_states_and_names,
    reason_word_order,
    handed_to_whoever,
    spared_by_structure,
    reason_said_impersonally,
    nothing_to_record,
    offer_asked_as_preference,
    wait_in_number_words,
    holding_abroad,
    opening_after_identity_asks,
    callback_pronouns,
    reason_someone_must,
    told_in_other_orders,
    summary_outcomes_said,
    counter_granted,
    distressed_without_a_fall,
    welcomes_and_desks_abroad,
    identity_asks_more_languages,
    reason_approval_needed,
    callback_said_by_the_caller,
    summary_agent_grammar_abroad,
    told_handed_over_dutch,
    transfer_promise_asked,
    waits_said_small,
    reasons_by_capability,
    openings_in_a_row,
    another_by_number,
    summary_reasons_more,
    refusal_is_no_repeat,
    security_check_named,
    context_near_future,
    holding_asked_for,
    name_the_ai_used,
    offer_same_amount,
    gave_it_at_the_start,
    reasons_cannot_in_more_words,
    choice_asked_outright,
    waits_with_adjective,
    told_in_promise_words,
    summary_needs_role,
    escalation_note_alert,
    registered_detail_said,
    opening_corrected,
    identity_stated_not_asked,
    offer_refused_before_any_words,
    offer_taken_in_other_words,
    introductions_in_other_forms,
    reasons_and_context_in_free_words,
    transfer_in_plain_japanese,
    wait_choice_hinglish_dutch,
    generic_asks_and_desks_abroad,
);

/// Evidence of a match in a normalised text quotes the text as written.
#[test]
fn evidence_quotes_the_original_typography() {
    let evaluated = check_kind("typography");
    let first = &evaluated[0].outcome;
    let quoted: Vec<&str> = first
        .evidence
        .iter()
        .filter_map(|e| e.matched.as_deref())
        .collect();
    assert_eq!(quoted, ["I\u{2019}ll transfer you"], "{first:?}");
}

/// Evidence of a match in a text with escape sequences quotes the words as
/// written, without the escapes joined to them, and the excerpt with them.
#[test]
fn evidence_quotes_words_not_the_escapes_beside_them() {
    let evaluated = check_kind("control_characters");
    let first = &evaluated[0].outcome;
    let evidence = first
        .evidence
        .iter()
        .find(|e| e.matched.is_some())
        .unwrap_or_else(|| panic!("{first:?}"));
    assert_eq!(evidence.matched.as_deref(), Some("I'll transfer you"));
    assert!(
        evidence
            .text
            .as_deref()
            .is_some_and(|text| text.starts_with("\u{1b}[31mI'll")),
        "{evidence:?}"
    );
}

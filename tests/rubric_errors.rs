//! A bad rubric gets every error at once, each with file, line and column.
//! The rendered text is output a person reads: it is snapshotted.

mod common;

use handoff_eval::rubric::{self, RubricError};

fn load_error(name: &str) -> RubricError {
    let path = common::fixture(&format!("rubrics/{name}"));
    rubric::load(&path).expect_err("the fixture rubric is invalid")
}

/// Rendered errors with the machine-specific path prefix removed.
fn rendered(err: &RubricError) -> String {
    let root = common::root().join("tests/fixtures/rubrics/");
    err.to_string().replace(&root.display().to_string(), "")
}

#[test]
fn reports_every_error_with_a_position() {
    let err = load_error("many_errors.yaml");
    let diagnostics = err.diagnostics();
    assert_eq!(diagnostics.len(), 13, "{}", rendered(&err));
    for diagnostic in diagnostics {
        let pos = diagnostic
            .pos
            .unwrap_or_else(|| panic!("no position: {}", diagnostic.message));
        assert!(pos.line > 0 && pos.column > 0, "{}", diagnostic.message);
    }
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    let expect = [
        "unknown key `pass_treshold` (did you mean `pass_threshold`?)",
        "missing key `pass_threshold`",
        "no dimension `no_such_dimension`",
        "expected a positive number, found -1",
        "unknown event type `humanConected`",
        "duplicate dimension id `context_before_connect`",
        "unknown check kind `phrase_abscent` (did you mean `phrase_absent`?)",
        "unknown variant `verifed`",
        "invalid regex `(unclosed`",
        "unknown field `patern`",
        "missing field `patterns`",
        "unknown duration unit `parsecs`",
        "expected at least one check",
    ];
    for fragment in expect {
        assert!(
            messages.iter().any(|m| m.contains(fragment)),
            "no error mentions `{fragment}`:\n{}",
            messages.join("\n")
        );
    }
    common::settings().bind(|| insta::assert_snapshot!("rubric_errors_many", rendered(&err)));
}

#[test]
fn errors_are_in_source_order() {
    let err = load_error("many_errors.yaml");
    let positions: Vec<_> = err.diagnostics().iter().map(|d| d.pos).collect();
    let mut sorted = positions.clone();
    sorted.sort();
    assert_eq!(positions, sorted);
}

#[test]
fn yaml_syntax_error_is_located() {
    let err = load_error("syntax_error.yaml");
    let diagnostics = err.diagnostics();
    assert_eq!(diagnostics.len(), 1);
    let pos = diagnostics[0].pos.expect("a syntax error has a position");
    assert!(
        pos.line >= 5,
        "points into the unclosed list, not the start: {pos:?}"
    );
    common::settings().bind(|| insta::assert_snapshot!("rubric_errors_syntax", rendered(&err)));
}

#[test]
fn a_list_is_not_a_rubric() {
    let err = load_error("not_a_mapping.yaml");
    assert_eq!(err.diagnostics().len(), 1);
    assert!(
        rendered(&err).contains("expected a mapping, found a list"),
        "{}",
        rendered(&err)
    );
}

#[test]
fn the_shipped_rubric_is_valid() {
    let rubric = rubric::load(&common::root().join("rubrics/handoff.yaml"))
        .unwrap_or_else(|e| panic!("{e}"));
    let ids: Vec<&str> = rubric.dimensions.iter().map(|d| d.id.as_str()).collect();
    for id in [
        "context_before_connect",
        "no_reverification",
        "no_repeated_offer",
        "suggested_action_followed",
        "package_complete",
        "honest_disclosure",
        "wait_options",
        "first_meaningful_response",
        "informed_opening",
        "no_repeat_yourself",
    ] {
        assert!(ids.contains(&id), "the default rubric lacks `{id}`");
    }
    assert!(
        rubric.dimensions[0].critical,
        "context_before_connect is critical"
    );
}

#[test]
fn gate_errors_are_all_reported_in_place() {
    let err = load_error("bad_gates.yaml");
    let text = rendered(&err);
    let expect = [
        ("unknown key `fail_fast`", 16),
        ("rubric.gates.alpha: expected a significance level", 10),
        (
            "rubric.gates.call.max_drop: expected a fraction from 0 to 1, found 5",
            11,
        ),
        ("unknown field `min_kapa`", 12),
        (
            "unknown key `context_before_conect` (did you mean `context_before_connect`?)",
            14,
        ),
        (
            "rubric.gates.dimensions.context_before_connect.min_kappa: expected a kappa from -1 to 1",
            15,
        ),
    ];
    let diagnostics = err.diagnostics();
    assert_eq!(diagnostics.len(), expect.len(), "{text}");
    for (fragment, line) in expect {
        let found = diagnostics
            .iter()
            .find(|d| d.message.contains(fragment))
            .unwrap_or_else(|| panic!("no error mentions `{fragment}`:\n{text}"));
        assert_eq!(found.pos.map(|p| p.line), Some(line), "{fragment}\n{text}");
    }
}

/// Patterns that compile but cannot mean what they say: a control
/// character from a double-quoted YAML escape, an empty pattern, one that
/// matches every text. Each is reported where it stands, with the fix.
#[test]
fn patterns_that_cannot_match_are_located() {
    let err = load_error("pattern_mistakes.yaml");
    let text = rendered(&err);
    let diagnostics = err.diagnostics();
    assert_eq!(diagnostics.len(), 5, "{text}");
    let at = |line: u64| {
        diagnostics
            .iter()
            .find(|d| d.pos.is_some_and(|p| p.line == line))
            .unwrap_or_else(|| panic!("no error on line {line}:\n{text}"))
    };
    let backspace = at(17);
    assert!(
        backspace.message.contains("U+0008"),
        "{}",
        backspace.message
    );
    assert!(
        backspace.message.contains("single quotes"),
        "{}",
        backspace.message
    );
    assert_eq!(backspace.pos.unwrap().column, 15);
    assert!(
        at(19).message.contains("empty pattern"),
        "{}",
        at(19).message
    );
    assert!(at(24).message.contains("U+0009"), "{}", at(24).message);
    assert!(
        at(31).message.contains("matches every text"),
        "{}",
        at(31).message
    );
    assert!(at(35).message.contains("U+0008"), "{}", at(35).message);
    common::settings().bind(|| insta::assert_snapshot!("rubric_errors_patterns", text));
    // `lint` no longer says ok: it exits 2 with every mistake located.
    let output = common::run(&["lint", "tests/fixtures/rubrics/pattern_mistakes.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = common::stderr(&output);
    for place in [":17:15", ":19:15", ":24:50", ":31:22", ":35:40"] {
        assert!(
            stderr.contains(&format!("pattern_mistakes.yaml{place}")),
            "{stderr}"
        );
    }
}

#[test]
fn patterns_beside_another_wrong_field_are_reported_too() {
    let err = load_error("field_and_pattern_errors.yaml");
    let messages: Vec<String> = err
        .diagnostics()
        .iter()
        .map(|d| d.message.clone())
        .collect();
    assert_eq!(messages.len(), 6, "{}", rendered(&err));
    for expect in [
        "phrase_absent.speaker: unknown variant `humna`",
        "phrase_absent.patterns[0]: pattern \"\\u{8}date of birth\\u{8}\" holds the control character U+0008",
        "phrase_absent.patterns[1]: an empty pattern matches every text",
        "phrase_absent.patterns[2]: pattern `.*` matches every text",
        "offer_not_repeated.remdies: unknown field `remdies`",
        "offer_not_repeated.ignore[0]: an empty pattern matches every text",
    ] {
        assert!(
            messages.iter().any(|m| m.contains(expect)),
            "{expect}: {}",
            rendered(&err)
        );
    }
}

/// Every field of a check is validated, not only up to the first wrong
/// one: an unknown speaker does not hide a misspelt phase or a regex that
/// does not compile beside it, and each error has its line and column.
#[test]
fn every_wrong_field_of_a_check_is_reported_at_once() {
    let err = load_error("every_field_errors.yaml");
    let text = rendered(&err);
    let expect = [
        ("phrase_present.speaker: unknown variant `robot`", 10, 36),
        (
            "phrase_present.phase: unknown variant `after_conect`",
            10,
            50,
        ),
        ("phrase_present.patterns: invalid regex `(unclosed`", 10, 74),
        ("phrase_absent.speaker: unknown variant `humna`", 12, 20),
        (
            "phrase_absent.phase: unknown variant `before_conect`",
            13,
            18,
        ),
        ("phrase_absent.within.turns: invalid type", 14, 28),
        (
            "ordered_before.first: unknown event type `contextDelivred`",
            16,
            34,
        ),
        (
            "ordered_before.max_gap: unknown duration unit `parsecs`",
            16,
            82,
        ),
    ];
    let diagnostics = err.diagnostics();
    assert_eq!(diagnostics.len(), expect.len(), "{text}");
    for (fragment, line, column) in expect {
        let found = diagnostics
            .iter()
            .find(|d| d.message.contains(fragment))
            .unwrap_or_else(|| panic!("no error mentions `{fragment}`:\n{text}"));
        let pos = found.pos.expect("every error is placed");
        assert_eq!((pos.line, pos.column), (line, column), "{fragment}\n{text}");
    }
    // `lint` says the same, each at file:line:col.
    let output = common::run(&["lint", "tests/fixtures/rubrics/every_field_errors.yaml"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = common::stderr(&output);
    for (_, line, column) in expect {
        assert!(
            stderr.contains(&format!("every_field_errors.yaml:{line}:{column}")),
            "{stderr}"
        );
    }
    assert!(stderr.contains("8 errors in rubric"), "{stderr}");
}

/// A pattern typed with a curly apostrophe or full-width letters matches
/// text in its normal form: its literals are folded the same way. A
/// zero-width space is dropped from it too, and `lint` says so, in place.
#[test]
fn patterns_are_folded_as_texts_are() {
    let path = common::fixture("rubrics/folded_patterns.yaml");
    let rubric = rubric::load(&path).unwrap_or_else(|e| panic!("{e}"));
    let line = r#"{"schema": "handoff-trace/v1", "conversationId": "fx", "agentVersion": "fixture@1", "channel": "chat", "customer": {"id": "cus_1"}, "startedAt": "2026-11-02T14:00:00.000Z", "events": [{"type": "turn", "speaker": "customer", "text": "My card was charged twice.", "at": "2026-11-02T14:00:00.000Z"}, {"type": "turn", "speaker": "ai", "text": "I’ll transfer you to billing now.", "at": "2026-11-02T14:00:10.000Z"}]}"#;
    let conversation = handoff_eval::trace::parse_line(line.as_bytes()).unwrap();
    for dimension in &rubric.dimensions {
        let outcome = dimension.checks[0].evaluate(&conversation);
        assert_eq!(
            outcome.status,
            handoff_eval::checks::Status::Pass,
            "{}: {}",
            dimension.id,
            outcome.reason
        );
    }
    // The same patterns find the plain spelling too.
    let plain = line.replace('’', "'");
    let conversation = handoff_eval::trace::parse_line(plain.as_bytes()).unwrap();
    for dimension in &rubric.dimensions {
        let outcome = dimension.checks[0].evaluate(&conversation);
        assert_eq!(
            outcome.status,
            handoff_eval::checks::Status::Pass,
            "{}",
            dimension.id
        );
    }
    let warnings: Vec<_> = rubric.warnings.iter().collect();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(warnings[0].message.contains("U+200B"), "{warnings:?}");
    let pos = warnings[0].pos.unwrap();
    assert_eq!((pos.line, pos.column), (23, 51));
    let output = common::run(&["lint", "tests/fixtures/rubrics/folded_patterns.yaml"]);
    assert_eq!(output.status.code(), Some(0));
    let stderr = common::stderr(&output);
    assert!(
        stderr.contains("folded_patterns.yaml:23:51") && stderr.contains("warning:"),
        "{stderr}"
    );
}

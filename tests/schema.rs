//! The committed JSON Schemas describe what the loaders accept: the shipped
//! rubrics and traces validate, and the mistakes the loaders reject are
//! rejected by the schemas too.

mod common;

use serde_json::Value;

fn schema(which: &str) -> jsonschema::Validator {
    let output = common::run(&["schema", which]);
    assert_eq!(output.status.code(), Some(0));
    let printed: Value = serde_json::from_str(&common::stdout(&output)).unwrap();
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join(format!("rubrics/{which}.schema.json")))
            .unwrap(),
    )
    .unwrap();
    assert_eq!(
        printed, committed,
        "`schema {which}` prints the committed file"
    );
    jsonschema::validator_for(&committed).expect("a valid JSON Schema")
}

fn yaml(text: &str) -> Value {
    serde_saphyr::from_str(text).unwrap()
}

fn errors(validator: &jsonschema::Validator, instance: &Value) -> Vec<String> {
    validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

#[test]
fn shipped_rubrics_validate() {
    let validator = schema("rubric");
    let mut seen = 0;
    for entry in std::fs::read_dir(common::root().join("rubrics")).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "yaml") {
            let rubric = yaml(&std::fs::read_to_string(&path).unwrap());
            assert_eq!(
                errors(&validator, &rubric),
                Vec::<String>::new(),
                "{}",
                path.display()
            );
            seen += 1;
        }
    }
    assert!(seen >= 1);
}

#[test]
fn rubric_schema_knows_every_check_kind() {
    let committed: Value = serde_json::from_str(
        &std::fs::read_to_string(common::root().join("rubrics/rubric.schema.json")).unwrap(),
    )
    .unwrap();
    let kinds = committed["$defs"]["check"]["properties"]
        .as_object()
        .unwrap();
    for kind in handoff_eval::checks::KIND_NAMES {
        assert!(
            kinds.contains_key(*kind),
            "schema lacks check kind `{kind}`"
        );
    }
}

#[test]
fn rubric_schema_rejects_what_the_loader_rejects() {
    let validator = schema("rubric");
    let text = std::fs::read_to_string(common::root().join("rubrics/handoff.yaml")).unwrap();
    let cases = [
        ("pass_threshold: 80", "pass_treshold: 80"),
        ("phrase_absent:", "phrase_absnet:"),
        ("critical: true", "critical: yes please"),
        ("alpha: 0.05", "alpha: 5"),
        ("decline: 0.4", "decline: 0.4\n          direction: down"),
    ];
    for (from, to) in cases {
        assert!(text.contains(from), "{from}");
        let broken = text.replacen(from, to, 1);
        assert!(
            !errors(&validator, &yaml(&broken)).is_empty(),
            "the schema accepts `{to}`"
        );
        let dir = tempfile::tempdir().unwrap();
        let path =
            common::edited_rubric(dir.path(), "broken.yaml", |text| text.replacen(from, to, 1));
        let lint = common::run(&["lint", path.to_str().unwrap()]);
        assert_eq!(lint.status.code(), Some(2), "the loader accepts `{to}`");
    }
}

#[test]
fn traces_validate_and_broken_lines_do_not() {
    let validator = schema("trace");
    let demo = std::fs::read_to_string(common::root().join("datasets/demo.jsonl")).unwrap();
    for (number, line) in demo.lines().enumerate().take(100) {
        let value: Value = serde_json::from_str(line).unwrap();
        assert_eq!(
            errors(&validator, &value),
            Vec::<String>::new(),
            "demo line {}",
            number + 1
        );
    }
    let mut line: Value = serde_json::from_str(demo.lines().next().unwrap()).unwrap();
    line.as_object_mut().unwrap().remove("conversationId");
    assert!(!validator.is_valid(&line));
    let mut line: Value = serde_json::from_str(demo.lines().next().unwrap()).unwrap();
    line["channel"] = Value::from("fax");
    assert!(!validator.is_valid(&line));
    let mut line: Value = serde_json::from_str(demo.lines().next().unwrap()).unwrap();
    line["events"][0]["sentiment"] = Value::from(-3.0);
    assert!(!validator.is_valid(&line));
}

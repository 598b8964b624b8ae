//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod cases;
pub mod judge_server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub fn fixture(path: &str) -> PathBuf {
    root().join("tests/fixtures").join(path)
}

/// insta settings: snapshots live in the top-level `snapshots/`.
pub fn settings() -> insta::Settings {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(root().join("snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings
}

/// The real binary, to run in `dir`, with no judge, CI, colour or width
/// settings from the environment of the test run.
pub fn command_in(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_handoff-eval"));
    command
        .args(args)
        .current_dir(dir)
        .env_remove("CI")
        .env_remove("CLICOLOR_FORCE")
        .env_remove("CLICOLOR")
        .env_remove("COLUMNS")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("OPENAI_API_KEY")
        .env_remove("OPENAI_BASE_URL")
        .env_remove("HANDOFF_EVAL_JUDGE_MODEL");
    command
}

/// Runs the real binary with `args` in `dir`.
pub fn run_in(dir: &Path, args: &[&str]) -> Output {
    command_in(dir, args).output().expect("the binary runs")
}

pub fn run(args: &[&str]) -> Output {
    run_in(&root(), args)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The shared real data folder, if this checkout has one beside it.
pub fn shared_data() -> Option<PathBuf> {
    let dir = root().join("../shared/data");
    dir.is_dir().then_some(dir)
}

/// The shipped rubric, edited, written into `dir` beside a copy of its
/// prompts (which the rubric names by relative path).
pub fn edited_rubric(dir: &Path, name: &str, edit: impl Fn(&str) -> String) -> PathBuf {
    let text = std::fs::read_to_string(root().join("rubrics/handoff.yaml")).unwrap();
    let edited = edit(&text);
    assert_ne!(edited, text, "the edit changes the rubric");
    let path = dir.join(name);
    std::fs::write(&path, edited).unwrap();
    let prompts = dir.join("prompts");
    std::fs::create_dir_all(&prompts).unwrap();
    for prompt in std::fs::read_dir(root().join("rubrics/prompts")).unwrap() {
        let prompt = prompt.unwrap().path();
        std::fs::copy(&prompt, prompts.join(prompt.file_name().unwrap())).unwrap();
    }
    path
}

/// Writes `base.jsonl` and `cand.jsonl` into `dir`: the same 300
/// generated conversations (seed 11), the candidate with three times the
/// AI-side mistakes (a planted regression a gate catches).
pub fn generate_base_and_candidate(dir: &Path) {
    for (name, flaw) in [("base", "0.08"), ("cand", "0.25")] {
        let input = format!("{name}.jsonl");
        let generated = run_in(
            dir,
            &[
                "generate",
                "--count",
                "300",
                "--seed",
                "11",
                "--ai-flaw",
                flaw,
                "-o",
                &input,
            ],
        );
        assert_eq!(generated.status.code(), Some(0), "{}", stderr(&generated));
    }
}

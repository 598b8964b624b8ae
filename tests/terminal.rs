//! What a person meets at a terminal, through the real binary: the README's
//! first command and its screen, runs that score nothing, `--by` slices,
//! a rubric hash that ignores line endings and comments, colour, narrow
//! terminals, intervals on their scale, help and messages.

#![cfg(unix)]

mod common;

use std::fs;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

/// Whether a test that needs a system tool may skip without it: not in CI.
fn may_skip(tool: &str) -> bool {
    let ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false");
    assert!(!ci, "{tool} is needed for this test under CI=true");
    eprintln!("skipped: {tool} is not installed");
    true
}

fn tool_exists(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn readme() -> String {
    fs::read_to_string(common::root().join("README.md")).unwrap()
}

/// The arguments of the README's first command, after `cargo run --release --`.
fn readme_first_command() -> Vec<String> {
    let readme = readme();
    let line = readme
        .lines()
        .find(|line| line.starts_with("cargo run --release -- score"))
        .expect("the README's first command");
    line.trim_start_matches("cargo run --release --")
        .split_whitespace()
        .map(str::to_string)
        .collect()
}

/// The README's block of what the first command prints.
fn readme_first_screen() -> String {
    let readme = readme();
    let from = readme
        .find("The first command builds the tool")
        .expect("the paragraph before the block");
    let block = &readme[from..];
    let start = block.find("```text\n").unwrap() + "```text\n".len();
    let end = start + block[start..].find("```\n").unwrap();
    block[start..end].to_string()
}

/// The binary, named `target/release/handoff-eval` as `cargo run --release`
/// starts it, so that the commands it suggests read as in the README.
fn as_cargo_runs_it(dir: &Path, args: &[String]) -> Output {
    use std::os::unix::process::CommandExt;
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    common::command_in(dir, &args)
        .arg0("target/release/handoff-eval")
        .output()
        .unwrap()
}

fn git(dir: &Path, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
    String::from_utf8(output.stdout).unwrap()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&fs::read_to_string(path).unwrap()).unwrap()
}

fn demo() -> String {
    common::root()
        .join("datasets/demo.jsonl")
        .display()
        .to_string()
}

fn rubric() -> String {
    common::root()
        .join("rubrics/handoff.yaml")
        .display()
        .to_string()
}

fn stdout(output: &Output) -> String {
    common::stdout(output)
}

fn stderr(output: &Output) -> String {
    common::stderr(output)
}

/// Item 1 and 3: the README's first command, run as written in a fresh git
/// checkout of the project's .gitignore, prints the README's block (which
/// leads with what was judged and ends with what to run next), and leaves
/// `git status` clean; the repository holds no generated output.
#[test]
fn the_first_command_says_what_was_judged_prints_the_readme_block_and_leaves_git_clean() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let args = readme_first_command();
    assert!(
        !args.iter().any(|arg| arg == "--out" || arg == "-o"),
        "the first command writes where the default --out goes: {args:?}"
    );
    let screen_of = |dir: &Path| {
        let output = as_cargo_runs_it(dir, &args);
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
        assert_eq!(stderr(&output), "", "nothing on stderr");
        stdout(&output)
    };
    let screen = if tool_exists("git") {
        fs::copy(common::root().join(".gitignore"), dir.join(".gitignore")).unwrap();
        for linked in ["rubrics", "datasets"] {
            std::os::unix::fs::symlink(common::root().join(linked), dir.join(linked)).unwrap();
        }
        git(dir, &["init", "-q"]);
        git(dir, &["add", "-A"]);
        let screen = screen_of(dir);
        let status = git(dir, &["status", "--porcelain", "--untracked-files=all"]);
        assert!(
            status
                .lines()
                .all(|line| line.starts_with("A ") && !line.contains("handoff-eval-out")),
            "the first command leaves files git sees:\n{status}"
        );
        let committed = git(&common::root(), &["ls-files"]);
        for generated in [
            "calls.jsonl",
            "summary.json",
            "rejected.jsonl",
            "manifest.json",
        ] {
            assert!(
                !committed
                    .lines()
                    .any(|path| path.ends_with(&format!("/{generated}")) || path == generated),
                "generated output is committed: {generated}"
            );
        }
        screen
    } else {
        may_skip("git");
        for linked in ["rubrics", "datasets"] {
            std::os::unix::fs::symlink(common::root().join(linked), dir.join(linked)).unwrap();
        }
        screen_of(dir)
    };
    assert!(dir.join("handoff-eval-out/manifest.json").exists());
    // One line, before any table: what was judged, what was not, how many
    // verdicts wait on a judge, and how to get them judged.
    let first = screen.lines().next().unwrap();
    assert!(
        first.starts_with(
            "Judged: 17 rule checks. Not judged: 5 judge checks (no judge configured), so "
        ) && first.contains(" of 250 call verdicts wait on a judge")
            && first.contains("OPENAI_API_KEY"),
        "{first}"
    );
    let table_starts = screen.find('┌').unwrap();
    assert!(screen.find("Judged:").unwrap() < table_starts);
    // It ends with the next commands: the first failing conversation,
    // by its real id, and the HTML report.
    let calls = fs::read_to_string(dir.join("handoff-eval-out/calls.jsonl")).unwrap();
    let first_failed = calls
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).unwrap())
        .find(|card| card["verdict"] == "fail")
        .unwrap()["conversation_id"]
        .as_str()
        .unwrap()
        .to_string();
    let next = &screen[screen.find("\nnext:\n").expect("next steps")..];
    assert!(
        next.contains(&format!(
            "target/release/handoff-eval explain --rubric rubrics/handoff.yaml --conversation {first_failed} datasets/demo.jsonl"
        )) && next.contains(
            "target/release/handoff-eval report handoff-eval-out --html handoff-eval-out/report.html"
        ),
        "{next}"
    );
    assert_eq!(
        screen,
        readme_first_screen(),
        "the README's block is not what its first command prints"
    );
    common::settings().bind(|| insta::assert_snapshot!("terminal_first_screen", screen));
}

/// Item 1: the next steps are commands that run, and the ones a run with
/// `--judge off` suggests keep the option.
#[test]
fn the_suggested_commands_run() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let output = common::run_in(dir, &["score", "-r", &rubric(), &demo(), "--judge", "off"]);
    assert_eq!(output.status.code(), Some(0));
    let screen = stdout(&output);
    let commands: Vec<Vec<String>> = screen
        .lines()
        .skip_while(|line| *line != "next:")
        .filter(|line| line.starts_with("    "))
        .map(|line| shlex::split(line.trim()).unwrap())
        .collect();
    assert_eq!(commands.len(), 2, "{screen}");
    assert!(commands[0].ends_with(&["--judge".to_string(), "off".to_string()]));
    for command in commands {
        let args: Vec<&str> = command[1..].iter().map(String::as_str).collect();
        let output = common::run_in(dir, &args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{command:?}: {}",
            stderr(&output)
        );
    }
    assert!(dir.join("handoff-eval-out/report.html").exists());
}

/// Deterministic bytes that are not text.
fn noise(n: usize, mut seed: u32) -> Vec<u8> {
    (0..n)
        .map(|_| {
            seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            (seed >> 16) as u8
        })
        .collect()
}

/// Item 5: a run that scored nothing exits 2, says why and what to try,
/// prints no table of zeros, and its run directory is marked failed.
#[test]
fn a_run_that_scored_nothing_is_exit_2_with_why_and_what_to_try() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let mut xz = b"\xfd7zXZ\x00\x00\x04\xe6\xd6\xb4\x46\x02\x00\x21\x01".to_vec();
    xz.extend(noise(3000, 7));
    fs::write(dir.join("traces.jsonl.xz"), xz).unwrap();
    fs::write(dir.join("noise.bin"), noise(3000, 11)).unwrap();
    fs::write(dir.join("objects.jsonl"), "{}\n".repeat(25)).unwrap();
    fs::write(dir.join("empty.jsonl"), "").unwrap();
    let mut shown = String::new();
    for input in [
        "traces.jsonl.xz",
        "noise.bin",
        "objects.jsonl",
        "empty.jsonl",
    ] {
        let out = format!("out-{input}");
        let output = common::run_in(
            dir,
            &[
                "score",
                "-r",
                &rubric(),
                input,
                "--out",
                &out,
                "--judge",
                "off",
            ],
        );
        assert_eq!(
            output.status.code(),
            Some(2),
            "{input}: {}",
            stderr(&output)
        );
        assert_eq!(stdout(&output), "", "{input}: no table of zeros");
        let err = stderr(&output);
        let said: Vec<&str> = err
            .lines()
            .filter(|line| !line.starts_with("rejected: "))
            .collect();
        let said = said.join("\n");
        assert!(said.starts_with("error: nothing"), "{input}: {said}");
        assert!(said.contains("\nhint: "), "{input}: {said}");
        let manifest = read_json(&dir.join(&out).join("manifest.json"));
        assert_eq!(manifest["completed"], false, "{input}");
        assert!(
            manifest["error"].as_str().unwrap().starts_with("nothing"),
            "{input}: {manifest}"
        );
        assert!(!dir.join(&out).join("summary.json").exists());
        // Every reader refuses it, with the reason.
        let report = common::run_in(dir, &["report", &out]);
        assert_eq!(report.status.code(), Some(2));
        assert!(stderr(&report).contains("nothing"), "{}", stderr(&report));
        shown.push_str(&format!("$ score {input}\n{said}\n\n"));
    }
    assert!(shown.contains("traces.jsonl.xz looks compressed or archived (xz"));
    assert!(shown.contains("noise.bin looks binary"));
    assert!(shown.contains("all 25 line(s) rejected"));
    assert!(shown.contains("empty.jsonl is empty"));
    common::settings().bind(|| insta::assert_snapshot!("terminal_nothing_scored", shown));
}

/// Item 6: `--by KEY` slices are in the table, and a key no conversation
/// has is a warning that suggests the key meant.
#[test]
fn by_slices_are_shown_and_a_key_no_conversation_has_is_warned() {
    let dir = tempfile::tempdir().unwrap();
    let output = common::run_in(
        dir.path(),
        &[
            "score",
            "-r",
            &rubric(),
            &demo(),
            "--judge",
            "off",
            "--by",
            "region",
            "--by",
            "regoin",
        ],
    );
    assert_eq!(output.status.code(), Some(0));
    let screen = stdout(&output);
    let start = screen.find("┌─────────────┬").unwrap();
    let slices = &screen[start..start + screen[start..].find("└").unwrap()];
    assert!(slices.contains("--by region"), "{slices}");
    for region in ["amer", "apac", "emea"] {
        assert!(slices.contains(region), "{slices}");
    }
    assert!(
        !screen.contains("--by regoin"),
        "no table for a key no one has"
    );
    let warning = stderr(&output);
    assert_eq!(
        warning,
        "warning: --by regoin: no conversation has this metadata key (did you mean `region`?); summary.json files all of them under \"(none)\"\n"
    );
    common::settings()
        .bind(|| insta::assert_snapshot!("terminal_by_slices", format!("{slices}\n{warning}")));
}

fn lint_hash(path: &Path) -> String {
    let output = common::run(&["lint", path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    stdout(&output)
        .trim()
        .rsplit(' ')
        .next()
        .unwrap()
        .to_string()
}

/// Item 7: the rubric hash is over what scores: CRLF line endings (in the
/// rubric and its prompts) and one more comment leave it alone, a changed
/// threshold, pattern or prompt changes it; and `gate` compares runs of
/// the same rubric checked out with either line ending.
#[test]
fn the_rubric_hash_is_over_what_scores_not_the_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let variant = |name: &str, edit: &dyn Fn(&str) -> String| {
        let folder = dir.join(name);
        fs::create_dir(&folder).unwrap();
        common::edited_rubric(&folder, "handoff.yaml", edit)
    };
    let original = common::root().join("rubrics/handoff.yaml");
    let crlf = variant("crlf", &|text| text.replace('\n', "\r\n"));
    for prompt in fs::read_dir(dir.join("crlf/prompts")).unwrap() {
        let prompt = prompt.unwrap().path();
        let text = fs::read_to_string(&prompt).unwrap();
        fs::write(&prompt, text.replace('\n', "\r\n")).unwrap();
    }
    let comment = variant("comment", &|text| format!("# reviewed in March\n{text}"));
    let threshold = variant("threshold", &|text| {
        text.replacen("pass_threshold: 80", "pass_threshold: 81", 1)
    });
    let pattern = variant("pattern", &|text| {
        text.replacen("date of birth", "birth date", 1)
    });
    let prompt = variant("prompt", &|text| {
        format!("# the same text, a new prompt\n{text}")
    });
    let first_prompt = fs::read_dir(dir.join("prompt/prompts"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .min()
        .unwrap();
    let text = fs::read_to_string(&first_prompt).unwrap();
    fs::write(&first_prompt, format!("{text}\nAnswer carefully.\n")).unwrap();

    let hashes: Vec<(&str, String)> = vec![
        ("original", lint_hash(&original)),
        ("CRLF rubric and prompts", lint_hash(&crlf)),
        ("one more comment", lint_hash(&comment)),
        ("pass_threshold 81", lint_hash(&threshold)),
        ("a pattern changed", lint_hash(&pattern)),
        ("a prompt changed", lint_hash(&prompt)),
    ];
    assert_eq!(hashes[1].1, hashes[0].1, "CRLF");
    assert_eq!(hashes[2].1, hashes[0].1, "a comment");
    for (what, hash) in &hashes[3..] {
        assert_ne!(hash, &hashes[0].1, "{what}");
    }
    let listed: String = hashes
        .iter()
        .map(|(what, hash)| format!("{what}: {hash}\n"))
        .collect();
    common::settings().bind(|| insta::assert_snapshot!("terminal_rubric_hashes", listed));

    // Runs of the same rubric checked out with \n and with \r\n compare.
    for (rubric, out) in [(original.as_path(), "lf"), (crlf.as_path(), "crlf")] {
        let output = common::run_in(
            dir,
            &[
                "score",
                "-r",
                rubric.to_str().unwrap(),
                &demo(),
                "--out",
                out,
                "--judge",
                "off",
            ],
        );
        assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    }
    let gate = common::run_in(dir, &["gate", "--baseline", "lf", "--candidate", "crlf"]);
    assert_eq!(gate.status.code(), Some(0), "{}", stderr(&gate));
    assert!(!stderr(&gate).contains("different rubric"));
}

/// ESC made visible, for snapshots and messages.
fn visible(text: &str) -> String {
    text.replace('\u{1b}', "⟨ESC⟩")
}

/// Item 8: verdicts, lint errors and the gate decision are in colour on a
/// terminal or with CLICOLOR_FORCE; never with NO_COLOR, never in a pipe,
/// never in the files written.
#[test]
fn colour_follows_no_color_clicolor_force_and_pipes() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let bad = common::fixture("rubrics/many_errors.yaml");
    let bad = bad.to_str().unwrap();
    let with = |args: &[&str], env: &[(&str, &str)]| {
        let mut command = common::command_in(dir, args);
        command.env_remove("NO_COLOR").env_remove("TERM");
        for (name, value) in env {
            command.env(name, value);
        }
        command.output().unwrap()
    };
    let forced = [("CLICOLOR_FORCE", "1")];
    let refused = [("CLICOLOR_FORCE", "1"), ("NO_COLOR", "1")];
    let lint = with(&["lint", bad], &forced);
    assert_eq!(lint.status.code(), Some(2));
    assert!(
        stderr(&lint).starts_with("\u{1b}[1m\u{1b}[31merror:\u{1b}[0m "),
        "{}",
        visible(&stderr(&lint))
    );
    assert_eq!(
        stderr(&lint).matches("\u{1b}[31merror:").count(),
        13,
        "every error is red"
    );
    for plain in [with(&["lint", bad], &refused), with(&["lint", bad], &[])] {
        assert!(
            !stderr(&plain).contains('\u{1b}'),
            "{}",
            visible(&stderr(&plain))
        );
        assert!(stderr(&plain).starts_with("error: "));
    }
    let ok = with(&["lint", &rubric()], &forced);
    assert!(
        stdout(&ok).starts_with("\u{1b}[32mok:\u{1b}[0m "),
        "{}",
        visible(&stdout(&ok))
    );

    let explain = [
        "explain",
        "-r",
        &rubric(),
        "--conversation",
        "conv-0000004",
        &demo(),
        "--judge",
        "off",
    ];
    let coloured = stdout(&with(&explain, &forced));
    assert!(coloured.contains("\u{1b}[1m\u{1b}[31m[FAIL]\u{1b}[0m"));
    assert!(coloured.contains("\u{1b}[32m[pass]\u{1b}[0m"));
    let plain = stdout(&with(&explain, &refused));
    assert!(!plain.contains('\u{1b}'));
    assert_eq!(
        plain,
        coloured
            .replace("\u{1b}[1m\u{1b}[31m", "")
            .replace("\u{1b}[1m\u{1b}[33m", "")
            .replace("\u{1b}[32m", "")
            .replace("\u{1b}[0m", ""),
        "colour changes nothing but colour"
    );
    let head: String = coloured.lines().take(8).collect::<Vec<_>>().join("\n");
    common::settings().bind(|| insta::assert_snapshot!("terminal_colour_explain", visible(&head)));

    // The gate decision: red on the terminal, plain in gate.md.
    common::generate_base_and_candidate(dir);
    for name in ["base", "cand"] {
        let input = format!("{name}.jsonl");
        let scored = with(
            &[
                "score",
                "-r",
                &rubric(),
                &input,
                "--out",
                name,
                "--judge",
                "off",
            ],
            &forced,
        );
        assert_eq!(scored.status.code(), Some(0));
        let screen = stdout(&scored);
        assert!(
            screen.starts_with("\u{1b}[32mJudged:\u{1b}[0m"),
            "{}",
            visible(&screen)
        );
        assert!(
            !fs::read_to_string(dir.join(name).join("summary.json"))
                .unwrap()
                .contains('\u{1b}')
        );
    }
    let gate = with(
        &[
            "gate",
            "--baseline",
            "base",
            "--candidate",
            "cand",
            "--markdown",
            "gate.md",
        ],
        &forced,
    );
    assert_eq!(gate.status.code(), Some(1));
    assert!(
        stdout(&gate).starts_with("## handoff-eval gate: \u{1b}[1m\u{1b}[31mFAILED\u{1b}[0m"),
        "{}",
        visible(&stdout(&gate))
    );
    assert!(
        !fs::read_to_string(dir.join("gate.md"))
            .unwrap()
            .contains('\u{1b}')
    );
}

/// The lines of the tables in `screen`.
fn table_lines(screen: &str) -> Vec<&str> {
    screen
        .lines()
        .filter(|line| line.starts_with(['┌', '│', '╞', '└']))
        .collect()
}

fn assert_fits(screen: &str, columns: usize) {
    let lines = table_lines(screen);
    assert!(lines.len() > 20, "{screen}");
    for line in &lines {
        assert!(
            line.chars().count() <= columns,
            "wider than {columns}: {line}"
        );
    }
    for id in [
        "context_before_connect",
        "suggested_action_followed",
        "first_meaningful_response",
        "support-bot@2.3.1",
    ] {
        assert!(
            lines.iter().any(|line| line.contains(id)),
            "`{id}` is broken across lines:\n{}",
            lines.join("\n")
        );
    }
}

/// Item 9: at 80 columns the tables fit and no id breaks inside a word; a
/// terminal that reports 0 columns gets 80, not one character per column.
#[test]
fn tables_fit_80_columns_and_a_terminal_of_0_columns_falls_back_to_80() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let args = ["score", "-r", &rubric(), &demo(), "--judge", "off"];
    let output = common::command_in(dir, &args)
        .env("COLUMNS", "80")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let screen = stdout(&output);
    assert_fits(&screen, 80);
    common::settings()
        .bind(|| insta::assert_snapshot!("terminal_80_columns", table_lines(&screen).join("\n")));

    // A real terminal (a pseudo-terminal from util-linux's `script`) whose
    // size is 0x0, as some consoles and CI runners report it.
    if !tool_exists("script") && may_skip("script (util-linux)") {
        return;
    }
    let binary = env!("CARGO_BIN_EXE_handoff-eval");
    let line = shlex::try_join([binary].into_iter().chain(args)).unwrap();
    let output = Command::new("script")
        .args(["-qec", &line, "/dev/null"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .env("TERM", "xterm")
        .env("CI", "true")
        .env_remove("COLUMNS")
        .env_remove("NO_COLOR")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let screen = stdout(&output).replace("\r\n", "\n");
    assert!(screen.contains('\u{1b}'), "a terminal gets colour");
    let plain = strip_ansi(&screen);
    assert_fits(&plain, 80);
}

/// `text` without ANSI SGR sequences.
fn strip_ansi(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for next in chars.by_ref() {
                if next == 'm' {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// Item 11: a mean's interval stays on its scale (a score of 0 to 100, a
/// CSAT of 1 to 5), a small sample is marked, and no `-` separates two
/// numbers.
#[test]
fn intervals_stay_on_their_scale_and_small_samples_are_marked() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let demo = fs::read_to_string(demo()).unwrap();
    let two: Vec<&str> = demo
        .lines()
        .filter(|line| {
            line.contains("\"conversationId\":\"conv-0000001\"")
                || line.contains("\"conversationId\":\"conv-0000293\"")
        })
        .collect();
    assert_eq!(two.len(), 2);
    fs::write(dir.join("two.jsonl"), two.join("\n")).unwrap();
    let output = common::run_in(
        dir,
        &["score", "-r", &rubric(), "two.jsonl", "--judge", "off"],
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let screen = stdout(&output);
    let calls = screen
        .lines()
        .find(|line| line.starts_with("calls: "))
        .unwrap();
    assert!(
        calls.ends_with("mean score 66.7 [1.3, 100.0] (n=2, small sample)"),
        "{calls}"
    );
    let summary = read_json(&dir.join("handoff-eval-out/summary.json"));
    assert_eq!(summary["calls"]["mean_score"]["high"], 100.0);
    let digits_dash_digits = screen
        .as_bytes()
        .windows(3)
        .any(|w| w[0].is_ascii_digit() && w[1] == b'-' && w[2].is_ascii_digit());
    assert!(!digits_dash_digits, "a `-` between numbers:\n{screen}");
    let metrics = &screen[screen.find("calls: ").unwrap()..screen.find("\nwrote ").unwrap()];
    common::settings().bind(|| insta::assert_snapshot!("terminal_small_sample", metrics));
}

/// The options and arguments in a long `--help` that have no description.
fn undescribed(help: &str) -> Vec<String> {
    let lines: Vec<&str> = help.lines().collect();
    let mut missing = Vec::new();
    for (index, line) in lines.iter().enumerate() {
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        let is_item = (2..=6).contains(&indent)
            && (trimmed.starts_with('-') || trimmed.starts_with('<') || trimmed.starts_with('['));
        if !is_item {
            continue;
        }
        // The description follows on the same line after two spaces, or
        // on the next line (clap's long layout).
        let description = match trimmed.split_once("  ") {
            Some((_, after)) => after.trim(),
            None => lines.get(index + 1).map_or("", |l| l.trim()),
        };
        if description.is_empty() || description.starts_with('[') {
            missing.push(trimmed.to_string());
        }
    }
    missing
}

/// Item 12: help that helps (examples, a description for every option, no
/// `[env: VAR=]` for unset variables, no `-` where stdin is refused), and
/// messages that say `error:`, check the baseline first, print the import
/// summary once, and leave out handoff metrics that cannot apply.
#[test]
fn help_and_messages() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let top = stdout(&common::run(&["--help"]));
    assert!(top.contains("\nExamples:\n"), "{top}");
    common::settings().bind(|| insta::assert_snapshot!("terminal_help", top));
    for command in [
        "score",
        "lint",
        "explain",
        "gate",
        "diff",
        "calibrate",
        "schema",
        "import",
        "report",
        "generate",
    ] {
        let help = common::run_in(dir, &[command, "--help"]);
        assert_eq!(help.status.code(), Some(0));
        let help = stdout(&help);
        assert_eq!(undescribed(&help), Vec::<String>::new(), "{command} --help");
        assert!(
            !help.contains("=]"),
            "{command} --help shows an unset variable's empty value"
        );
    }
    let calibrate = stdout(&common::run(&["calibrate", "--help"]));
    assert!(!calibrate.contains("- for standard input") && !calibrate.contains(" or -"));
    let stdin = common::run(&["calibrate", "-r", &rubric(), "-"]);
    assert_eq!(stdin.status.code(), Some(2));
    assert!(stderr(&stdin).starts_with("error: calibrate reads its inputs twice"));

    // `error:` on every error.
    let missing = common::run_in(dir, &["score", "-r", "no-such-rubric.yaml", &demo()]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr(&missing).starts_with("error: no-such-rubric.yaml: cannot read rubric"),
        "{}",
        stderr(&missing)
    );
    let lint = common::run_in(dir, &["lint", "no-such-rubric.yaml"]);
    assert!(stderr(&lint).starts_with("error: "), "{}", stderr(&lint));

    // --strict names what was rejected, and nothing that was not.
    let mut lines: Vec<String> = fs::read_to_string(demo())
        .unwrap()
        .lines()
        .take(3)
        .map(str::to_string)
        .collect();
    lines.push("{}".to_string());
    fs::write(dir.join("mixed.jsonl"), lines.join("\n")).unwrap();
    let strict = common::run_in(
        dir,
        &[
            "score",
            "-r",
            &rubric(),
            "mixed.jsonl",
            "--strict",
            "--judge",
            "off",
        ],
    );
    assert_eq!(strict.status.code(), Some(2));
    assert!(
        stderr(&strict).contains("error: 1 line(s) rejected and --strict is set")
            && !stderr(&strict).contains("imported"),
        "{}",
        stderr(&strict)
    );

    // A baseline that is not there is said before anything is scored.
    let baseline = common::run_in(
        dir,
        &[
            "score",
            "-r",
            &rubric(),
            &demo(),
            "--out",
            "never",
            "--baseline",
            "no-such-run",
        ],
    );
    assert_eq!(baseline.status.code(), Some(2));
    assert!(
        stderr(&baseline).starts_with("error: --baseline: no-such-run: "),
        "{}",
        stderr(&baseline)
    );
    assert!(!dir.join("never").exists(), "nothing was scored");

    // The import summary once; no handoff metrics of dashes for AI-side runs.
    let tau = common::fixture("import/gpt-4o-airline.json");
    let ai = common::root().join("rubrics/ai-handoff.yaml");
    let imported = common::run_in(
        dir,
        &[
            "score",
            "-r",
            ai.to_str().unwrap(),
            "--input-format",
            "tau-bench",
            tau.to_str().unwrap(),
            "--out",
            "tau",
            "--judge",
            "off",
        ],
    );
    assert_eq!(imported.status.code(), Some(0), "{}", stderr(&imported));
    let both = format!("{}{}", stdout(&imported), stderr(&imported));
    assert_eq!(both.matches("import (tau-bench)").count(), 1, "{both}");
    let screen = stdout(&imported);
    assert!(
        !screen.contains("CSAT: escalated -, not escalated -"),
        "{screen}"
    );
    let metrics = screen
        .lines()
        .find(|line| line.starts_with("handoff metrics"))
        .unwrap();
    assert!(
        metrics.starts_with("handoff metrics: none apply here"),
        "{metrics}"
    );
    let said = format!(
        "{}{}\n{}{}",
        stderr(&missing),
        stderr(&strict)
            .lines()
            .filter(|line| !line.starts_with("rejected: "))
            .collect::<Vec<_>>()
            .join("\n"),
        stderr(&baseline),
        metrics
    );
    common::settings().bind(|| insta::assert_snapshot!("terminal_messages", said));
}

/// Item 4: `score --baseline` (which prints the gate after the table)
/// ends quietly on a closed pipe too, with the gate's exit code.
#[test]
fn score_with_a_baseline_ends_quietly_on_a_closed_pipe() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    common::generate_base_and_candidate(dir);
    let base = common::run_in(
        dir,
        &[
            "score",
            "-r",
            &rubric(),
            "base.jsonl",
            "--out",
            "base",
            "--judge",
            "off",
        ],
    );
    assert_eq!(base.status.code(), Some(0));
    let mut child = common::command_in(
        dir,
        &[
            "score",
            "-r",
            &rubric(),
            "cand.jsonl",
            "--out",
            "cand",
            "--judge",
            "off",
            "--baseline",
            "base",
        ],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap();
    {
        use std::io::BufRead;
        let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
    }
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let said = stderr(&output);
    assert!(
        !said.contains("panicked") && !said.to_lowercase().contains("broken pipe"),
        "{said}"
    );
    assert!(dir.join("cand/gate.json").exists());
}

/// The dependency names of Cargo.toml's `[dependencies]`,
/// `[target.*.dependencies]` and `[dev-dependencies]` tables.
fn declared_dependencies(manifest: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut in_dependencies = false;
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_dependencies = line == "[dependencies]"
                || line == "[dev-dependencies]"
                || (line.starts_with("[target.") && line.ends_with(".dependencies]"));
        } else if in_dependencies && let Some((name, _)) = line.split_once('=') {
            names.push(name.trim().to_string());
        }
    }
    names
}

/// Item 2: what made the cold build slow stays out of it (aws-lc's C build
/// with CMake, crossterm, a second version of a crate, debug information
/// for every dependency of every test binary), and every dependency has
/// its reason in the README's "Choices".
#[test]
fn the_dependency_tree_has_no_c_crypto_build_no_duplicate_and_a_reason_for_each_crate() {
    let root = common::root();
    let lock = fs::read_to_string(root.join("Cargo.lock")).unwrap();
    let locked: Vec<&str> = lock
        .lines()
        .filter_map(|line| line.strip_prefix("name = \""))
        .map(|name| name.trim_end_matches('"'))
        .collect();
    assert!(locked.contains(&"ring"), "rustls's provider is ring");
    for heavy in [
        "aws-lc-sys",
        "aws-lc-rs",
        "cmake",
        "crossterm",
        "openssl-sys",
    ] {
        assert!(!locked.contains(&heavy), "{heavy} is in Cargo.lock again");
    }

    // One version of each crate in what the program builds (the tests'
    // own dependencies may bring others).
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let tree = Command::new(cargo)
        .args(["tree", "-d", "-e", "normal,build", "--locked", "--offline"])
        .current_dir(&root)
        .output()
        .unwrap();
    assert!(tree.status.success(), "cargo tree: {}", stderr(&tree));
    assert_eq!(
        stdout(&tree).trim(),
        "",
        "crates built in two versions:\n{}",
        stdout(&tree)
    );

    // Dependencies are optimised for the tests' runs, without debug
    // information.
    let manifest = fs::read_to_string(root.join("Cargo.toml")).unwrap();
    let all_dependencies = &manifest[manifest
        .find("[profile.dev.package.\"*\"]")
        .expect("a dev profile for dependencies")..];
    let section = all_dependencies
        .lines()
        .skip(1)
        .take_while(|line| !line.starts_with('['))
        .collect::<Vec<_>>();
    assert!(section.contains(&"debug = false"), "{section:?}");

    // Every dependency is named in bold in "Choices", with its reason.
    let readme = readme();
    let choices = &readme[readme.find("\n## Choices\n").unwrap()..];
    let choices = &choices[..choices[1..].find("\n## ").unwrap()];
    let named: Vec<&str> = choices
        .split("**")
        .skip(1)
        .step_by(2)
        .flat_map(|bold| bold.split(|c: char| !(c.is_alphanumeric() || c == '-' || c == '_')))
        .collect();
    let declared = declared_dependencies(&manifest);
    assert!(declared.len() > 30, "{declared:?}");
    let unexplained: Vec<&String> = declared
        .iter()
        .filter(|name| !named.contains(&name.as_str()))
        .collect();
    assert!(
        unexplained.is_empty(),
        "dependencies without a reason in the README's Choices: {unexplained:?}"
    );
}

/// Item 5: when every line is over `--max-line-bytes`, the hint is to give
/// a larger one, not to check the trace format.
#[test]
fn every_line_over_the_line_limit_hints_at_the_limit() {
    let dir = tempfile::tempdir().unwrap();
    let output = common::run_in(
        dir.path(),
        &[
            "score",
            "-r",
            &rubric(),
            &demo(),
            "--out",
            "out",
            "--judge",
            "off",
            "--max-line-bytes",
            "1kB",
        ],
    );
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let err = stderr(&output);
    let hint = err.lines().find(|l| l.starts_with("hint: ")).unwrap_or("");
    assert!(
        hint.contains("--max-line-bytes") && !hint.contains("handoff-trace/v1"),
        "{err}"
    );
}

/// Item 9: narrower than 80 columns, a table keeps every word, interval and
/// range whole (it may be wider than the terminal, never cut inside a
/// number).
#[test]
fn below_80_columns_nothing_breaks_inside_a_number_or_a_word() {
    let dir = tempfile::tempdir().unwrap();
    let output = common::command_in(
        dir.path(),
        &[
            "score",
            "-r",
            &rubric(),
            &demo(),
            "--out",
            "out",
            "--judge",
            "off",
        ],
    )
    .env("COLUMNS", "60")
    .output()
    .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let screen = stdout(&output);
    let table: Vec<&str> = screen.lines().filter(|l| l.starts_with('│')).collect();
    assert!(!table.is_empty(), "{screen}");
    let cells: Vec<&str> = table
        .iter()
        .flat_map(|line| line.split(['│', '┆']))
        .map(str::trim)
        .filter(|cell| !cell.is_empty())
        .collect();
    for cell in &cells {
        // An interval is whole where it starts; no cell is a stray piece.
        if cell.contains('[') {
            assert!(cell.contains(']'), "cut interval: {cell}\n{screen}");
        }
        assert!(
            !["appl", "ies", "unsc", "ored", "7%", ".0,", ".0]"].contains(cell),
            "a piece of a word or number: {cell}\n{screen}"
        );
    }
    assert!(cells.contains(&"[85.0, 93.0]"), "{screen}");
}

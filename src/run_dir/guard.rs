//! What a run may not be made from: checked before anything in its
//! directory is touched, since creating a run empties `calls.jsonl` and
//! `rejected.jsonl` and removes `summary.json` and the gate reports.
//!
//! - An input that is one of the files a run writes there (`score
//!   OUT/calls.jsonl --out OUT`) would be emptied before it is read.
//! - A directory input that is the output directory would read the last
//!   run's `calls.jsonl` as input, and destroy it.
//! - A `--baseline` that is the output directory would be replaced by the
//!   run it is meant to judge.
//!
//! Paths are compared once resolved (symbolic links, `..`), so another
//! spelling of the same place is caught too.

use std::fs;
use std::path::{Path, PathBuf};

use super::publish::WriteError;
use super::{CALLS, GATE_FILES, IMPORTED, LOCK, MANIFEST, REJECTED, SUMMARY};

/// Whether `name` is a file a run writes into its directory: its outputs,
/// its lock, and the temporary files it writes them through.
pub fn is_run_file(name: &str) -> bool {
    [MANIFEST, CALLS, REJECTED, SUMMARY, LOCK, IMPORTED].contains(&name)
        || GATE_FILES.contains(&name)
        || (name.starts_with('.') && (name.ends_with(".tmp") || name.ends_with(".partial")))
}

/// `path` resolved, if it exists.
fn resolved(path: &Path) -> Option<PathBuf> {
    fs::canonicalize(path).ok()
}

fn conflict(dir: &Path, why: String) -> WriteError {
    WriteError::Conflict {
        dir: dir.display().to_string(),
        why,
    }
}

/// Refuses a run into `dir` that would read its own files: a directory
/// among `args` (the command line's inputs) that is `dir`, or a file among
/// `files` (the inputs they resolved to) that is one of the files a run
/// writes into `dir` ([`is_run_file`]).
pub fn check_inputs(dir: &Path, args: &[PathBuf], files: &[PathBuf]) -> Result<(), WriteError> {
    let Some(out) = resolved(dir) else {
        return Ok(());
    };
    for arg in args {
        if arg.is_dir() && resolved(arg).as_deref() == Some(out.as_path()) {
            return Err(conflict(
                dir,
                format!(
                    "the input directory {} is the output directory: the last run's calls.jsonl and rejected.jsonl would be read as input, and emptied; keep inputs and runs apart",
                    arg.display()
                ),
            ));
        }
    }
    for file in files {
        let Some(path) = resolved(file) else {
            continue;
        };
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        if path.parent() == Some(out.as_path()) && is_run_file(name) {
            return Err(conflict(
                dir,
                format!(
                    "the input {} is {name} of the output directory, which the run empties or replaces before reading it; copy it elsewhere, or choose another --out",
                    file.display()
                ),
            ));
        }
    }
    Ok(())
}

/// Refuses a run into `dir` gated against `baseline` when they are the
/// same directory: the run would replace its own baseline.
pub fn check_baseline(dir: &Path, baseline: &Path) -> Result<(), WriteError> {
    match (resolved(dir), resolved(baseline)) {
        (Some(out), Some(base)) if out == base => Err(conflict(
            dir,
            format!(
                "--baseline {} is the output directory: the new run would replace the run it is to be gated against; choose another --out",
                baseline.display()
            ),
        )),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_may_not_read_or_replace_what_it_writes() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("out");
        fs::create_dir(&out).unwrap();
        fs::write(out.join(CALLS), "{}\n").unwrap();
        fs::write(out.join("traces.jsonl"), "{}\n").unwrap();
        let other = dir.path().join("in.jsonl");
        fs::write(&other, "{}\n").unwrap();
        // Another spelling of the same file.
        let spelled = out.join("..").join("out").join(CALLS);
        let err = check_inputs(
            &out,
            std::slice::from_ref(&spelled),
            &[other.clone(), spelled.clone()],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("is calls.jsonl of the output directory"),
            "{err}"
        );
        assert!(check_inputs(&out, &[], &[out.join("traces.jsonl"), other]).is_ok());
        let err = check_inputs(&out, &[out.join(".")], &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("is the output directory"), "{err}");
        assert!(check_baseline(&out, &dir.path().join("out/")).is_err());
        assert!(check_baseline(&out, dir.path()).is_ok());
        assert!(check_baseline(&dir.path().join("new"), &out).is_ok());
    }
}

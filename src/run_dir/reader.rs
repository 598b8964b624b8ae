//! The one reader of run directories.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, BufRead, BufReader};
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::manifest::{FORMAT, Manifest, Outputs, digest};
use super::{CALLS, MANIFEST, REJECTED, SUMMARY, lock};

/// Why a directory cannot be read as a run, with where.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("{path}: cannot read: {source}")]
    Io { path: String, source: io::Error },
    #[error("{path}:{line}: not a scorecard line: {message}")]
    Line {
        path: String,
        line: u64,
        message: String,
    },
    #[error("{path}: not a handoff-eval summary: {message}")]
    Summary { path: String, message: String },
    /// Not written by this tool (or by a version whose runs this one cannot read).
    #[error("{path}: not a handoff-eval run: {why}")]
    Foreign { path: String, why: String },
    /// Still being written, or stopped before it completed.
    #[error("{path}: incomplete run: {why}")]
    Incomplete { path: String, why: String },
    /// Its files are not the ones its manifest lists.
    #[error("{path}: inconsistent run: {why}")]
    Inconsistent { path: String, why: String },
    /// Replaced or changed by another command while it was being read.
    #[error("{path}: the run changed while it was read: {why}; read it again")]
    Changed { path: String, why: String },
}

/// A completed run, opened for reading: the reader `gate`, `diff` and
/// `report` share, and the one any other reader of runs (an HTML report, a
/// merge of shards) should use.
///
/// [`Run::open`] checks the directory before anything is read: it must hold
/// a `manifest.json` of this tool's format that says the run completed, a
/// `summary.json` with the SHA-256 the manifest recorded, and `calls.jsonl`
/// and `rejected.jsonl` of the recorded sizes. [`Run::cards`] then streams
/// the scorecards and checks their number against the manifest, so a run
/// changed while it is read is refused too: as [`RunError::Changed`] when
/// its manifest or the size of `calls.jsonl` changed since it was opened
/// (another `score` into the same directory), rather than as a bad line. Errors say which of these
/// failed ([`RunError`]); commands exit 2 on them.
///
/// ```no_run
/// use handoff_eval::run_dir::Run;
///
/// let run = Run::open(std::path::Path::new("runs/v2.4"))?;
/// let rubric = &run.summary()["rubric"]["name"];
/// let mut failed = 0;
/// run.cards(|_line, card: serde_json::Value| {
///     failed += u64::from(card["verdict"] == "fail");
/// })?;
/// println!("{rubric}: {failed} calls failed");
/// # Ok::<(), handoff_eval::run_dir::RunError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Run {
    path: PathBuf,
    manifest: Manifest,
    /// `manifest.json` as it was opened, to tell a run replaced since.
    manifest_text: String,
    outputs: Outputs,
    summary: Value,
}

fn io_error(path: &Path, source: io::Error) -> RunError {
    RunError::Io {
        path: path.display().to_string(),
        source,
    }
}

impl Run {
    /// Opens the run in `dir`, refusing a directory that is not a complete,
    /// consistent run (see the type's documentation).
    pub fn open(dir: &Path) -> Result<Run, RunError> {
        let name = dir.display().to_string();
        let foreign = |why: String| RunError::Foreign {
            path: name.clone(),
            why,
        };
        let inconsistent = |why: String| RunError::Inconsistent {
            path: name.clone(),
            why,
        };
        std::fs::metadata(dir).map_err(|err| io_error(dir, err))?;
        let manifest_path = dir.join(MANIFEST);
        let text = match std::fs::read_to_string(&manifest_path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                let looks_like_a_run = [SUMMARY, CALLS].iter().any(|f| dir.join(f).exists());
                return Err(foreign(if looks_like_a_run {
                    "no manifest.json: it was written by a version of handoff-eval that did not \
                     record one, or by something else; score it again"
                        .to_string()
                } else {
                    "no manifest.json (a `score --out` directory has one)".to_string()
                }));
            }
            Err(err) => return Err(io_error(&manifest_path, err)),
        };
        let manifest: Manifest = serde_json::from_str(&text)
            .map_err(|err| foreign(format!("manifest.json cannot be read: {err}")))?;
        if manifest.format != FORMAT {
            return Err(foreign(format!(
                "manifest.json is of format `{}`, this version reads `{FORMAT}`",
                manifest.format
            )));
        }
        if !manifest.completed {
            return Err(RunError::Incomplete {
                path: name.clone(),
                why: why_incomplete(dir, &manifest),
            });
        }
        let Some(outputs) = manifest.outputs.clone() else {
            return Err(inconsistent(
                "manifest.json says the run completed but lists no outputs".to_string(),
            ));
        };

        let summary_path = dir.join(SUMMARY);
        let bytes = match std::fs::read(&summary_path) {
            Ok(bytes) => bytes,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(inconsistent("summary.json is missing".to_string()));
            }
            Err(err) => return Err(io_error(&summary_path, err)),
        };
        if outputs.summary.sha256.as_deref() != Some(digest(&bytes).as_str()) {
            return Err(inconsistent(
                "summary.json is not the one the run wrote (it changed since)".to_string(),
            ));
        }
        let summary: Value = serde_json::from_slice(&bytes).map_err(|err| RunError::Summary {
            path: summary_path.display().to_string(),
            message: err.to_string(),
        })?;
        if summary.pointer("/rubric/hash").and_then(Value::as_str)
            != Some(manifest.rubric.hash.as_str())
        {
            return Err(inconsistent(
                "summary.json and manifest.json name different rubrics".to_string(),
            ));
        }
        for (file, expected) in [(CALLS, &outputs.calls), (REJECTED, &outputs.rejected)] {
            let path = dir.join(file);
            match std::fs::metadata(&path) {
                Ok(meta) if meta.len() == expected.bytes => {}
                Ok(meta) => {
                    return Err(inconsistent(format!(
                        "{file} is {} bytes, the run wrote {} (it was truncated, appended to or replaced since)",
                        meta.len(),
                        expected.bytes
                    )));
                }
                Err(err) if err.kind() == io::ErrorKind::NotFound => {
                    return Err(inconsistent(format!("{file} is missing")));
                }
                Err(err) => return Err(io_error(&path, err)),
            }
        }
        Ok(Run {
            path: dir.to_path_buf(),
            manifest,
            manifest_text: text,
            outputs,
            summary,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// `summary.json`, parsed.
    pub fn summary(&self) -> &Value {
        &self.summary
    }

    /// `summary.json` as `T`; an error names the file and the problem.
    pub fn summary_as<T: DeserializeOwned>(&self) -> Result<T, RunError> {
        T::deserialize(&self.summary).map_err(|err| RunError::Summary {
            path: self.path.join(SUMMARY).display().to_string(),
            message: err.to_string(),
        })
    }

    pub fn calls_path(&self) -> PathBuf {
        self.path.join(CALLS)
    }

    /// How many scorecards the run wrote to `calls.jsonl`: a reader that
    /// streams the file itself (rather than through [`Run::cards`]) checks
    /// its count against this.
    pub fn calls_written(&self) -> u64 {
        self.outputs
            .calls
            .lines
            .unwrap_or(self.outputs.lines_scored)
    }

    /// Hands every scorecard of `calls.jsonl` to `f` as `T`, in order, with
    /// its line number (from 1). A line that is not a `T` is an error naming
    /// the file and line; so is a file with another number of lines than
    /// the run wrote.
    pub fn cards<T: DeserializeOwned>(&self, mut f: impl FnMut(u64, T)) -> Result<(), RunError> {
        let path = self.calls_path();
        let name = path.display().to_string();
        let mut number = 0;
        self.each_line(u64::MAX, |line, bytes| {
            number = line;
            let card = serde_json::from_slice(bytes).map_err(|err| RunError::Line {
                path: name.clone(),
                line,
                message: err.to_string(),
            })?;
            f(line, card);
            Ok(())
        })
        .map_err(|err| self.or_changed(err))?;
        let expected = self.calls_written();
        if number != expected {
            return Err(self.or_changed(RunError::Inconsistent {
                path: self.path.display().to_string(),
                why: format!("calls.jsonl has {number} lines, the run wrote {expected}"),
            }));
        }
        // Lines read whole may still be another run's.
        if let Some(why) = self.changed_since_opened() {
            return Err(RunError::Changed {
                path: self.path.display().to_string(),
                why,
            });
        }
        Ok(())
    }

    /// The scorecards on the given lines of `calls.jsonl` (numbered from 1),
    /// as JSON, read in one pass that stops after the last of them.
    pub fn cards_at(&self, wanted: &BTreeSet<u64>) -> Result<HashMap<u64, Value>, RunError> {
        let mut found = HashMap::new();
        let Some(&last) = wanted.last() else {
            return Ok(found);
        };
        let name = self.calls_path().display().to_string();
        self.each_line(last, |line, bytes| {
            if wanted.contains(&line) {
                let value = serde_json::from_slice(bytes).map_err(|err| RunError::Line {
                    path: name.clone(),
                    line,
                    message: err.to_string(),
                })?;
                found.insert(line, value);
            }
            Ok(())
        })
        .map_err(|err| self.or_changed(err))?;
        Ok(found)
    }

    /// What changed in the run since it was opened (its manifest, or the
    /// size of `calls.jsonl`), if anything: a `score` into the same
    /// directory, say, which starts by emptying `calls.jsonl`.
    fn changed_since_opened(&self) -> Option<String> {
        let manifest = std::fs::read_to_string(self.path.join(MANIFEST)).ok();
        if manifest.as_deref() != Some(self.manifest_text.as_str()) {
            return Some(
                "its manifest.json was replaced (another score is writing into it, or did)"
                    .to_string(),
            );
        }
        let bytes = std::fs::metadata(self.calls_path()).map(|m| m.len()).ok();
        if bytes != Some(self.outputs.calls.bytes) {
            return Some(format!(
                "calls.jsonl is now {}, the run wrote {} bytes",
                bytes.map_or_else(|| "gone".to_string(), |b| format!("{b} bytes")),
                self.outputs.calls.bytes
            ));
        }
        None
    }

    /// `err`, met reading calls.jsonl, or that the run changed meanwhile
    /// when it did: a line torn by a new score is no fault of the run.
    fn or_changed(&self, err: RunError) -> RunError {
        match self.changed_since_opened() {
            Some(why) => RunError::Changed {
                path: self.path.display().to_string(),
                why,
            },
            None => err,
        }
    }

    /// Lines of calls.jsonl up to line `last`, without their newline.
    fn each_line(
        &self,
        last: u64,
        mut f: impl FnMut(u64, &[u8]) -> Result<(), RunError>,
    ) -> Result<(), RunError> {
        let path = self.calls_path();
        let file = File::open(&path).map_err(|err| io_error(&path, err))?;
        let mut reader = BufReader::with_capacity(1 << 20, file);
        let mut bytes = Vec::new();
        let mut line = 0;
        while line < last {
            bytes.clear();
            let read = reader
                .read_until(b'\n', &mut bytes)
                .map_err(|err| io_error(&path, err))?;
            if read == 0 {
                break;
            }
            line += 1;
            if bytes.last() == Some(&b'\n') {
                bytes.pop();
            }
            f(line, &bytes)?;
        }
        Ok(())
    }
}

/// Why a run that did not complete did not, as far as the directory tells.
fn why_incomplete(dir: &Path, manifest: &Manifest) -> String {
    let resume = "`handoff-eval score --resume` with the same arguments continues it";
    if let Some(error) = &manifest.error {
        return format!("the score writing it failed: {error}; {resume} once that is fixed");
    }
    match lock::last_holder(dir) {
        Some((holder, Some(true))) if holder.pid == manifest.pid => format!(
            "a score is still writing it (pid {}, started {})",
            holder.pid, holder.started_at
        ),
        Some((holder, Some(false))) if holder.pid == manifest.pid => format!(
            "the score writing it (pid {}, started {}) stopped before it completed (killed or crashed); {resume}",
            holder.pid, holder.started_at
        ),
        _ => format!(
            "the score writing it (pid {}) has not completed it: still running, or stopped; {resume}",
            manifest.pid
        ),
    }
}

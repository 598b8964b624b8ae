//! Writing a run: a new one, or the rest of an interrupted one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use super::lock::RunLock;
use super::manifest::{FORMAT, Manifest, OutputFile, Outputs, RubricId, Settings, digest};
use super::publish::{WriteError, partial_path, publish};
use super::{CALLS, GATE_FILES, InputRecord, MANIFEST, REJECTED, SUMMARY};
use crate::run::Kept;

/// Now, as the manifest writes times: RFC 3339, milliseconds, UTC.
fn now() -> String {
    crate::checks::with_rfc3339_millis(jiff::Timestamp::now(), str::to_string)
}

impl Manifest {
    /// The manifest of a run about to start, not completed.
    pub fn new(rubric: RubricId, settings: Settings, inputs: Vec<InputRecord>) -> Manifest {
        Manifest {
            format: FORMAT.to_string(),
            tool_version: env!("CARGO_PKG_VERSION").to_string(),
            completed: false,
            error: None,
            started_at: now(),
            finished_at: None,
            pid: std::process::id(),
            resumed: 0,
            rubric,
            settings,
            inputs,
            outputs: None,
        }
    }
}

/// Makes the run directory `dir` if need be; a file there, or a symbolic
/// link to nothing, is named as such (the OS would say "File exists").
fn make_dir(dir: &Path) -> Result<(), WriteError> {
    let refuse = |why: String| Err(WriteError::io(dir, io::Error::other(why)));
    match fs::metadata(dir) {
        Ok(meta) if meta.is_dir() => Ok(()),
        Ok(_) => refuse("it is a file, not a directory; choose another --out".to_string()),
        Err(_) if fs::symlink_metadata(dir).is_ok() => {
            let target =
                fs::read_link(dir).map_or_else(|_| "?".into(), |t| t.display().to_string());
            refuse(format!(
                "it is a symbolic link to {target}, which does not exist; create that directory, or choose another --out"
            ))
        }
        Err(_) => fs::create_dir_all(dir).map_err(|err| WriteError::io(dir, err)),
    }
}

/// The complete lines at the start of calls.jsonl: their count and bytes.
#[derive(Debug, Clone, Copy)]
struct Prefix {
    lines: u64,
    bytes: u64,
}

/// A run being written, holding its directory's lock until dropped.
pub struct RunWriter {
    dir: PathBuf,
    manifest: Manifest,
    /// When resuming: the lines of calls.jsonl that are kept.
    kept: Option<Prefix>,
    /// When resuming: the manifest as the interrupted run left it, put
    /// back by [`RunWriter::abandon`].
    earlier: Option<String>,
    _lock: RunLock,
}

impl RunWriter {
    /// Starts a new run in `dir` (created if need be): takes its lock (or
    /// fails naming the holder), writes `manifest` as not completed, and
    /// removes the whole-file outputs of whatever run was there, so that
    /// nothing in `dir` reads as complete until this run is.
    pub fn create(dir: &Path, manifest: Manifest) -> Result<RunWriter, WriteError> {
        make_dir(dir)?;
        let lock = RunLock::acquire(dir, &manifest.started_at)?;
        let writer = RunWriter {
            dir: dir.to_path_buf(),
            manifest,
            kept: None,
            earlier: None,
            _lock: lock,
        };
        writer.write_manifest()?;
        writer.remove_whole_file_outputs()?;
        Ok(writer)
    }

    /// Takes up the interrupted run in `dir`: it must be a run that did not
    /// complete, made from the same tool version, rubric, settings and
    /// inputs as `manifest` describes now (any difference is named). The
    /// complete lines of its `calls.jsonl` are kept ([`RunWriter::kept`]);
    /// a torn last line is dropped.
    pub fn resume(dir: &Path, manifest: Manifest) -> Result<RunWriter, WriteError> {
        let refuse = |why: String| WriteError::Resume {
            dir: dir.display().to_string(),
            why,
        };
        if !dir.is_dir() {
            return Err(refuse("there is no run there".to_string()));
        }
        let lock = RunLock::acquire(dir, &manifest.started_at)?;
        let path = dir.join(MANIFEST);
        let text = match fs::read_to_string(&path) {
            Ok(text) => text,
            Err(err) if err.kind() == io::ErrorKind::NotFound => {
                return Err(refuse(
                    "it has no manifest.json, so there is no run to resume; score without --resume"
                        .to_string(),
                ));
            }
            Err(err) => return Err(WriteError::io(&path, err)),
        };
        let earlier: Manifest = serde_json::from_str(&text)
            .map_err(|err| refuse(format!("manifest.json cannot be read: {err}")))?;
        if earlier.format != FORMAT {
            return Err(refuse(format!(
                "manifest.json is of format `{}`, this version writes `{FORMAT}`",
                earlier.format
            )));
        }
        if earlier.completed {
            return Err(refuse(
                "the run completed: there is nothing to resume (score without --resume to score it again)"
                    .to_string(),
            ));
        }
        if let Some(stream) = manifest.inputs.iter().find(|input| input.is_stream()) {
            return Err(refuse(format!(
                "it reads {}, a stream (standard input, a pipe, a FIFO or a device), which cannot be read again",
                stream.path
            )));
        }
        let differences = earlier.differences(&manifest);
        if !differences.is_empty() {
            return Err(refuse(format!(
                "it was made from other inputs or settings: {}",
                differences.join("; ")
            )));
        }
        let calls = dir.join(CALLS);
        let kept = complete_prefix(&calls).map_err(|err| WriteError::io(&calls, err))?;
        let manifest = Manifest {
            pid: manifest.pid,
            resumed: earlier.resumed + 1,
            error: None,
            ..earlier
        };
        let writer = RunWriter {
            dir: dir.to_path_buf(),
            manifest,
            kept: Some(kept),
            earlier: Some(text),
            _lock: lock,
        };
        writer.write_manifest()?;
        writer.remove_whole_file_outputs()?;
        Ok(writer)
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The scorecard lines a resumed run keeps (the first of calls.jsonl,
    /// each ending in a newline); `None` for a new run.
    pub fn kept(&self) -> Result<Option<Kept>, WriteError> {
        let Some(prefix) = self.kept else {
            return Ok(None);
        };
        let path = self.dir.join(CALLS);
        let lines: Box<dyn BufRead + Send> = if prefix.bytes == 0 {
            Box::new(io::empty())
        } else {
            let file = File::open(&path).map_err(|err| WriteError::io(&path, err))?;
            Box::new(BufReader::with_capacity(1 << 20, file.take(prefix.bytes)))
        };
        Ok(Some(Kept {
            count: prefix.lines,
            lines,
        }))
    }

    /// `calls.jsonl`, open for writing after the kept lines (none for a new
    /// run: then it is emptied), and the offset writing starts at.
    pub fn calls_file(&self) -> Result<(File, u64), WriteError> {
        let path = self.dir.join(CALLS);
        let opened = match self.kept {
            None => super::publish::create(&path).map(|file| (file, 0)),
            Some(prefix) => (|| {
                let mut file = super::publish::no_follow(&mut OpenOptions::new())
                    .write(true)
                    .create(true)
                    .truncate(false)
                    .open(&path)?;
                file.set_len(prefix.bytes)?;
                file.seek(SeekFrom::Start(prefix.bytes))?;
                Ok((file, prefix.bytes))
            })(),
        };
        opened.map_err(|err| WriteError::io(&path, err))
    }

    /// A file of the run created empty, e.g. `rejected.jsonl`. A resumed
    /// run writes it beside the interrupted run's (`.NAME.partial`), which
    /// it replaces when the run completes ([`RunWriter::complete`]), so a
    /// resume found impossible half-way leaves it as it was
    /// ([`RunWriter::abandon`]).
    pub fn create_file(&self, name: &str) -> Result<File, WriteError> {
        let path = self.dir.join(name);
        let created = if self.kept.is_some() {
            super::publish::create_fresh(&partial_path(&path))
        } else {
            super::publish::create(&path)
        };
        created.map_err(|err| WriteError::io(&path, err))
    }

    /// The files a resumed run wrote beside the interrupted run's.
    fn partial_files(&self) -> Vec<PathBuf> {
        if self.kept.is_none() {
            return Vec::new();
        }
        fs::read_dir(&self.dir)
            .into_iter()
            .flatten()
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| name.starts_with('.') && name.ends_with(".partial"))
            })
            .collect()
    }

    /// Gives up a resume found impossible after it began (a kept line that
    /// is not the scorecard the input gives): the manifest is put back as
    /// the interrupted run left it and the files this run began are
    /// removed, so the refusal changes nothing but the torn last line of
    /// `calls.jsonl`, which a resume drops anyway. Best effort: the run is
    /// failing already. For a new run, the same as [`RunWriter::fail`].
    pub fn abandon(&mut self, error: &str) {
        let Some(earlier) = self.earlier.take() else {
            return self.fail(error);
        };
        for path in self.partial_files() {
            let _ = fs::remove_file(path);
        }
        let _ = self.publish(MANIFEST, earlier.as_bytes());
    }

    /// Writes a whole file into the run directory (see [`publish`]).
    pub fn publish(&self, name: &str, contents: &[u8]) -> Result<(), WriteError> {
        publish(&self.dir.join(name), contents)
    }

    /// Ends the run: publishes `summary.json`, then the manifest with
    /// `completed: true` and what was written. `calls.jsonl` and
    /// `rejected.jsonl` must be flushed; they hold `scored` and `rejected`
    /// lines.
    pub fn complete(
        &mut self,
        summary: &[u8],
        read: u64,
        scored: u64,
        rejected: u64,
    ) -> Result<(), WriteError> {
        for partial in self.partial_files() {
            let name = partial
                .file_name()
                .and_then(|name| name.to_str())
                .and_then(|name| name.strip_prefix('.'))
                .and_then(|name| name.strip_suffix(".partial"))
                .unwrap_or_default()
                .to_string();
            if !name.is_empty() {
                let path = self.dir.join(name);
                fs::rename(&partial, &path).map_err(|err| WriteError::io(&path, err))?;
            }
        }
        self.publish(SUMMARY, summary)?;
        let size = |name: &str| {
            let path = self.dir.join(name);
            fs::metadata(&path)
                .map(|m| m.len())
                .map_err(|err| WriteError::io(&path, err))
        };
        self.manifest.outputs = Some(Outputs {
            lines_read: read,
            lines_scored: scored,
            lines_rejected: rejected,
            calls: OutputFile {
                bytes: size(CALLS)?,
                lines: Some(scored),
                sha256: None,
            },
            rejected: OutputFile {
                bytes: size(REJECTED)?,
                lines: Some(rejected),
                sha256: None,
            },
            summary: OutputFile {
                bytes: summary.len() as u64,
                lines: None,
                sha256: Some(digest(summary)),
            },
        });
        self.manifest.completed = true;
        self.manifest.finished_at = Some(now());
        self.write_manifest()
    }

    /// Records why the run stopped, for readers to say; best effort, since
    /// the run is failing already.
    pub fn fail(&mut self, error: &str) {
        self.manifest.error = Some(error.to_string());
        let _ = self.write_manifest();
    }

    fn write_manifest(&self) -> Result<(), WriteError> {
        let mut text = serde_json::to_vec_pretty(&self.manifest).expect("a manifest serializes");
        text.push(b'\n');
        self.publish(MANIFEST, &text)
    }

    /// Removes `summary.json`, the gate reports, and the temporary files a
    /// killed writer may have left (`.NAME.PID.tmp`, `.NAME.partial`).
    fn remove_whole_file_outputs(&self) -> Result<(), WriteError> {
        let leftovers: Vec<PathBuf> = fs::read_dir(&self.dir)
            .map_err(|err| WriteError::io(&self.dir, err))?
            .filter_map(|entry| entry.ok().map(|entry| entry.path()))
            .filter(|path| {
                path.file_name()
                    .and_then(|name| name.to_str())
                    .is_some_and(|name| {
                        name.starts_with('.')
                            && (name.ends_with(".tmp") || name.ends_with(".partial"))
                    })
                    || is_html_report(path)
            })
            .collect();
        let outputs = std::iter::once(SUMMARY)
            .chain(GATE_FILES)
            .map(|name| self.dir.join(name));
        for path in outputs.chain(leftovers) {
            match fs::remove_file(&path) {
                Ok(()) => {}
                Err(err) if err.kind() == io::ErrorKind::NotFound => {}
                Err(err) => return Err(WriteError::io(&path, err)),
            }
        }
        Ok(())
    }
}

/// The complete lines at the start of the file at `path` (none if it does
/// not exist): a last line without its newline is torn, not complete.
fn complete_prefix(path: &Path) -> io::Result<Prefix> {
    let file = match File::open(path) {
        Ok(file) => file,
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            return Ok(Prefix { lines: 0, bytes: 0 });
        }
        Err(err) => return Err(err),
    };
    let mut reader = BufReader::with_capacity(1 << 20, file);
    let (mut lines, mut bytes, mut offset) = (0u64, 0u64, 0u64);
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            break;
        }
        let len = chunk.len();
        for at in memchr::memchr_iter(b'\n', chunk) {
            lines += 1;
            bytes = offset + at as u64 + 1;
        }
        offset += len as u64;
        reader.consume(len);
    }
    Ok(Prefix { lines, bytes })
}

/// Whether `path` is an HTML report this tool wrote (`--html` into a run
/// directory): a `*.html` file whose head names handoff-eval as its
/// generator. It shows the run it was made from, so a new run into the
/// directory removes it with the other whole-file outputs.
fn is_html_report(path: &Path) -> bool {
    if path.extension().is_none_or(|e| e != "html") || !path.is_file() {
        return false;
    }
    let mut head = Vec::with_capacity(1024);
    let read = File::open(path).and_then(|file| file.take(1024).read_to_end(&mut head));
    read.is_ok()
        && memchr::memmem::find(&head, br#"<meta name="generator" content="handoff-eval "#)
            .is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn manifest() -> Manifest {
        Manifest::new(
            RubricId {
                name: "r".into(),
                version: "1".into(),
                hash: "abc".into(),
            },
            Settings {
                slice_keys: Vec::new(),
                judge: "off".into(),
                input_format: None,
                max_line_bytes: 1 << 26,
            },
            vec![InputRecord {
                path: "in.jsonl".into(),
                bytes: Some(10),
                fingerprint: Some("sha256:x".into()),
            }],
        )
    }

    #[test]
    fn a_torn_last_line_is_not_kept() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("calls.jsonl");
        fs::write(&path, "{\"a\":1}\n{\"b\":2}\n{\"c\":").unwrap();
        let prefix = complete_prefix(&path).unwrap();
        assert_eq!((prefix.lines, prefix.bytes), (2, 16));
        fs::write(&path, "").unwrap();
        assert_eq!(complete_prefix(&path).unwrap().lines, 0);
    }

    #[test]
    fn a_new_run_marks_the_old_one_incomplete_and_resume_keeps_whole_lines() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("run");
        let mut writer = RunWriter::create(&out, manifest()).unwrap();
        let (mut calls, offset) = writer.calls_file().unwrap();
        assert_eq!(offset, 0);
        std::io::Write::write_all(&mut calls, b"{\"x\":1}\n").unwrap();
        writer.create_file(REJECTED).unwrap();
        writer.complete(b"{}", 1, 1, 0).unwrap();
        drop(writer);
        assert!(out.join(SUMMARY).exists());

        // A second run starts: the summary of the first is gone at once, and
        // so is what a killed writer left half-written.
        fs::write(out.join(".summary.json.999.tmp"), "{").unwrap();
        let second = RunWriter::create(&out, manifest()).unwrap();
        assert!(!out.join(SUMMARY).exists());
        assert!(!out.join(".summary.json.999.tmp").exists());
        let on_disk: Manifest =
            serde_json::from_str(&fs::read_to_string(out.join(MANIFEST)).unwrap()).unwrap();
        assert!(!on_disk.completed);
        let (mut calls, _) = second.calls_file().unwrap();
        std::io::Write::write_all(&mut calls, b"{\"y\":1}\n{\"y\":2}\n{\"y\"").unwrap();
        drop(second);

        // Resumed with other settings: refused, naming the difference.
        let mut other = manifest();
        other.settings.slice_keys = vec!["region".into()];
        let err = RunWriter::resume(&out, other).err().unwrap().to_string();
        assert!(err.contains("--by"), "{err}");

        let resumed = RunWriter::resume(&out, manifest()).unwrap();
        let mut kept = resumed.kept().unwrap().unwrap();
        assert_eq!(kept.count, 2);
        let mut text = String::new();
        kept.lines.read_to_string(&mut text).unwrap();
        assert_eq!(text, "{\"y\":1}\n{\"y\":2}\n");
        let (_, offset) = resumed.calls_file().unwrap();
        assert_eq!(offset, 16);
        assert_eq!(fs::metadata(out.join(CALLS)).unwrap().len(), 16);
        assert_eq!(resumed.manifest().resumed, 1);
    }
}

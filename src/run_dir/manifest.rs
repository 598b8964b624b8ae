//! `manifest.json`: what a run was made from, and whether it completed.

use std::fs::File;
use std::io::{self, Read, Seek, SeekFrom};
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The manifest format this version writes and reads.
pub const FORMAT: &str = "handoff-eval-run/1";

/// A run's manifest. Written with `completed: false` before the first
/// scorecard, rewritten with `completed: true` and [`Outputs`] after the
/// last output file; only then is the run read as a run.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// [`FORMAT`]: anything else was not written by this tool.
    pub format: String,
    pub tool_version: String,
    pub completed: bool,
    /// Why the run stopped, when the score writing it could say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// RFC 3339, UTC.
    pub started_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_at: Option<String>,
    /// The process that wrote (or last resumed) the run.
    pub pid: u32,
    /// How often `score --resume` took the run up again.
    #[serde(default)]
    pub resumed: u32,
    pub rubric: RubricId,
    pub settings: Settings,
    pub inputs: Vec<InputRecord>,
    /// Present once the run completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outputs: Option<Outputs>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RubricId {
    pub name: String,
    pub version: String,
    pub hash: String,
}

/// The options that change what a run writes (not how fast): a resumed run
/// must use the same.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// `--by` metadata keys.
    pub slice_keys: Vec<String>,
    /// How judge checks are answered: `off`, `unavailable`, or `live` with
    /// the model and a SHA-256 of every setting that decides a reply.
    pub judge: String,
    /// `--input-format`, if the inputs were imported.
    pub input_format: Option<String>,
    /// `--max-line-bytes`.
    pub max_line_bytes: u64,
}

/// One input: a regular file with its size and fingerprint at the start of
/// the run, or a stream (standard input, a pipe, a FIFO, a device: neither),
/// which is read once and cannot be checked or read again.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InputRecord {
    pub path: String,
    pub bytes: Option<u64>,
    pub fingerprint: Option<String>,
}

impl InputRecord {
    pub fn stdin() -> Self {
        InputRecord {
            path: "<stdin>".to_string(),
            bytes: None,
            fingerprint: None,
        }
    }

    /// The file at `path` as it is now. A path that is no regular file
    /// (`/dev/stdin`, `<(zcat x.gz)`, a FIFO) is a stream: it is not read
    /// here, since what is read from a stream is gone.
    pub fn file(path: &Path) -> io::Result<Self> {
        if !std::fs::metadata(path)?.is_file() {
            return Ok(InputRecord {
                path: path.display().to_string(),
                bytes: None,
                fingerprint: None,
            });
        }
        let (bytes, fingerprint) = fingerprint(path)?;
        Ok(InputRecord {
            path: path.display().to_string(),
            bytes: Some(bytes),
            fingerprint: Some(fingerprint),
        })
    }

    /// Whether this input is a stream, read once (see [`InputRecord`]).
    pub fn is_stream(&self) -> bool {
        self.bytes.is_none()
    }
}

/// What a completed run wrote.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Outputs {
    /// Input lines read, scored (= lines of calls.jsonl) and rejected.
    pub lines_read: u64,
    pub lines_scored: u64,
    pub lines_rejected: u64,
    pub calls: OutputFile,
    pub rejected: OutputFile,
    pub summary: OutputFile,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutputFile {
    pub bytes: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lines: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha256: Option<String>,
}

/// Blocks read for a fingerprint, and their size: a file up to their total
/// is hashed whole.
const BLOCKS: u64 = 16;
const BLOCK: u64 = 4 * 1024;

/// A file's size and a content fingerprint: the SHA-256 (hex) of its size
/// and of 16 blocks of 4 KiB spread evenly from its first byte to
/// its last (the whole file when it is at most 64 KiB). It reads 64 KiB
/// whatever the size, so inputs of gigabytes cost nothing noticeable, and a
/// truncated, extended or rewritten file is told apart from the one a run
/// read; an edit that keeps the size and misses every block is not.
pub fn fingerprint(path: &Path) -> io::Result<(u64, String)> {
    let mut file = File::open(path)?;
    let size = file.metadata()?.len();
    let mut hasher = Sha256::new();
    hasher.update(size.to_le_bytes());
    let mut block = vec![0u8; BLOCK as usize];
    if size <= BLOCKS * BLOCK {
        let mut all = Vec::with_capacity(size as usize);
        file.read_to_end(&mut all)?;
        hasher.update(&all);
    } else {
        let last_start = size - BLOCK;
        for index in 0..BLOCKS {
            let offset =
                (u128::from(last_start) * u128::from(index) / u128::from(BLOCKS - 1)) as u64;
            file.seek(SeekFrom::Start(offset))?;
            file.read_exact(&mut block)?;
            hasher.update(&block);
        }
    }
    let hex: String = hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Ok((size, format!("sha256:{hex}")))
}

/// What changed in the input files since the run recorded them, one line
/// per change: a file that is gone, or has another size or fingerprint.
/// With `read` (the bytes read from each input, in order), also a file of
/// which another number of bytes was read than it held. Streams are not
/// checked. Empty when nothing changed.
pub fn changed_inputs(inputs: &[InputRecord], read: Option<&[u64]>) -> Vec<String> {
    let mut changed = Vec::new();
    for (index, input) in inputs.iter().enumerate() {
        let Some(bytes) = input.bytes else {
            continue;
        };
        match fingerprint(Path::new(&input.path)) {
            Err(err) => changed.push(format!(
                "input {} cannot be read any more: {err}",
                input.path
            )),
            Ok((now, fingerprint)) => {
                if now != bytes || Some(&fingerprint) != input.fingerprint.as_ref() {
                    changed.push(format!(
                        "input {} changed while it was read ({bytes} bytes at the start, {now} now)",
                        input.path
                    ));
                } else if let Some(read) = read.and_then(|read| read.get(index))
                    && *read != bytes
                {
                    changed.push(format!(
                        "input {} changed while it was read ({bytes} bytes at the start and now, {read} read)",
                        input.path
                    ));
                }
            }
        }
    }
    changed
}

/// The SHA-256 of `bytes`, as the manifest writes it.
pub(super) fn digest(bytes: &[u8]) -> String {
    let hex: String = Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("sha256:{hex}")
}

impl Manifest {
    /// What differs between the run this manifest describes and one about
    /// to be made from `other`, one line per difference.
    pub fn differences(&self, other: &Manifest) -> Vec<String> {
        let mut found = Vec::new();
        if self.tool_version != other.tool_version {
            found.push(format!(
                "tool version {} then, {} now",
                self.tool_version, other.tool_version
            ));
        }
        if self.rubric != other.rubric {
            found.push(format!(
                "rubric {} v{} ({}) then, {} v{} ({}) now",
                self.rubric.name,
                self.rubric.version,
                self.rubric.hash,
                other.rubric.name,
                other.rubric.version,
                other.rubric.hash
            ));
        }
        let settings = [
            (
                "--by",
                self.settings.slice_keys.join(","),
                other.settings.slice_keys.join(","),
            ),
            (
                "judge",
                self.settings.judge.clone(),
                other.settings.judge.clone(),
            ),
            (
                "--input-format",
                self.settings.input_format.clone().unwrap_or_default(),
                other.settings.input_format.clone().unwrap_or_default(),
            ),
            (
                "--max-line-bytes",
                self.settings.max_line_bytes.to_string(),
                other.settings.max_line_bytes.to_string(),
            ),
        ];
        for (name, then, now) in settings {
            if then != now {
                let shown = |value: &str| {
                    if value.is_empty() {
                        "none".to_string()
                    } else {
                        format!("`{value}`")
                    }
                };
                found.push(format!(
                    "{name}: {} then, {} now",
                    shown(&then),
                    shown(&now)
                ));
            }
        }
        let paths = |m: &Manifest| m.inputs.iter().map(|i| i.path.clone()).collect::<Vec<_>>();
        if paths(self) != paths(other) {
            found.push(format!(
                "inputs {} then, {} now",
                paths(self).join(", "),
                paths(other).join(", ")
            ));
        } else {
            for (then, now) in self.inputs.iter().zip(&other.inputs) {
                if then != now {
                    found.push(format!(
                        "input {} changed ({} bytes then, {} now)",
                        now.path,
                        then.bytes.map_or("?".to_string(), |b| b.to_string()),
                        now.bytes.map_or("?".to_string(), |b| b.to_string())
                    ));
                }
            }
        }
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprints_tell_changed_files_apart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("in.jsonl");
        let big: Vec<u8> = (0..3_000_000u32).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, &big).unwrap();
        let (size, first) = fingerprint(&path).unwrap();
        assert_eq!(size, 3_000_000);
        assert_eq!(fingerprint(&path).unwrap().1, first, "stable");
        // The last byte is in the last block.
        let mut changed = big.clone();
        *changed.last_mut().unwrap() ^= 1;
        std::fs::write(&path, &changed).unwrap();
        assert_ne!(fingerprint(&path).unwrap().1, first);
        std::fs::write(&path, &big[..2_999_999]).unwrap();
        assert_ne!(fingerprint(&path).unwrap().1, first, "truncated");
        // Small files are hashed whole.
        std::fs::write(&path, b"abc").unwrap();
        let small = fingerprint(&path).unwrap().1;
        std::fs::write(&path, b"abd").unwrap();
        assert_ne!(fingerprint(&path).unwrap().1, small);
    }

    #[test]
    fn a_change_names_the_input_it_happened_to() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.jsonl"), dir.path().join("b.jsonl"));
        std::fs::write(&a, "{}\n").unwrap();
        std::fs::write(&b, "{}\n{}\n").unwrap();
        let records = [
            InputRecord::file(&a).unwrap(),
            InputRecord::file(&b).unwrap(),
        ];
        assert!(changed_inputs(&records, Some(&[3, 6])).is_empty());
        // Rewritten to the same bytes after it was read short.
        let changed = changed_inputs(&records, Some(&[3, 2]));
        assert_eq!(
            changed,
            [format!(
                "input {} changed while it was read (6 bytes at the start and now, 2 read)",
                b.display()
            )]
        );
        std::fs::write(&a, "{}\n{}\n").unwrap();
        assert!(
            changed_inputs(&records, None)[0]
                .contains("a.jsonl changed while it was read (3 bytes at the start, 6 now)")
        );
    }
}

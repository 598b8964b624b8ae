//! Where bytes come from: files, standard input, gzip and zstd streams, and
//! directories of them.
//!
//! Every command that reads conversations or source exports (`score`,
//! `import`, `calibrate`, `explain`) opens its inputs here, so that each of
//! them reads `calls.jsonl`, `calls.jsonl.gz` and `calls.jsonl.zst` alike.
//! Compressed inputs are decoded as streams, never into memory whole.
//!
//! - A file ending in `.gz` is gzip (RFC 1952; concatenated members, as
//!   `cat a.gz b.gz` and parallel compressors write them, are read in turn);
//!   one ending in `.zst` is Zstandard (RFC 8878; concatenated frames are
//!   read in turn and skippable frames stepped over). A file or standard
//!   input with another name is recognised by its first bytes (the gzip and
//!   Zstandard magic numbers), else read as it is.
//! - A directory stands for its files of the wanted kinds, compressed or not
//!   (`*.jsonl`, `*.jsonl.gz`, `*.jsonl.zst`), found in it and in its
//!   subdirectories (as object stores lay exports out:
//!   `Analysis/Chat/2022/10/27/...`), in path order, so that output order
//!   never depends on the file system. A file without an extension (a Kinesis
//!   Firehose object) is read when its first bytes, decompressed, start a
//!   JSON value; every other file is skipped and named ([`Skipped`]), as is
//!   a subdirectory that is a handoff-eval run (its scorecards are no
//!   input). Links to directories are not followed.
//! - Every error names the input it came from; a stream that turns out
//!   corrupt or cut short part-way is a read error of that input, never an
//!   early end of it.

mod encode;
mod gzip;
mod zstd;

pub use encode::Encoder;

use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};

/// Where conversations come from, resolved before any line is read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    Stdin,
    File(PathBuf),
}

impl Input {
    pub fn display_name(&self) -> String {
        match self {
            Input::Stdin => "<stdin>".to_string(),
            Input::File(path) => path.display().to_string(),
        }
    }

    /// Whether the input is read through a decoder (by its name, or by its
    /// first bytes as [`open`] decides): its size on disk then says nothing
    /// of how many bytes it holds. A file that cannot be read counts as
    /// plain; reading it reports the error. A path that is no regular file
    /// (a pipe such as `/dev/stdin` or `<(zcat x.gz)`, a FIFO) is judged by
    /// its name only: its first bytes, once read here, would be gone.
    pub fn is_compressed(&self) -> bool {
        match self {
            Input::Stdin => false,
            Input::File(path) => {
                Compression::of_name(path) != Compression::None
                    || (std::fs::metadata(path).is_ok_and(|m| m.is_file())
                        && File::open(path)
                            .and_then(|mut file| head::<4>(&mut file))
                            .is_ok_and(|(head, filled)| {
                                Compression::of_magic(&head[..filled]) != Compression::None
                            }))
            }
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{path}: {source}")]
    Unreadable { path: String, source: io::Error },
    #[error("{path}: directory holds no {wanted} files{skipped}")]
    EmptyDirectory {
        path: String,
        wanted: String,
        /// What it holds instead, in words (empty when nothing).
        skipped: String,
    },
    /// An entry of an input directory named like an input that is no
    /// regular file: reading it could block for ever, skipping it would be
    /// silent.
    #[error(
        "{path}: {kind}, not a regular file; a directory input reads regular files only (name a FIFO on the command line to read it as a stream)"
    )]
    NotAFile { path: String, kind: &'static str },
}

/// What a non-regular file is, in words.
fn kind_of(file_type: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO";
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return "a device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else {
        "a special file"
    }
}

/// How a stream is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

/// The gzip magic number (RFC 1952, 2.3.1).
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
/// The Zstandard frame magic number, little-endian 0xFD2FB528 (RFC 8878, 3.1.1).
const ZSTD_MAGIC: [u8; 4] = [0x28, 0xb5, 0x2f, 0xfd];

impl Compression {
    /// By the file name's last extension: `.gz` or `.zst`.
    pub fn of_name(path: &Path) -> Compression {
        match path.extension().and_then(|e| e.to_str()) {
            Some("gz") => Compression::Gzip,
            Some("zst") => Compression::Zstd,
            _ => Compression::None,
        }
    }

    /// By the first bytes of a stream.
    fn of_magic(head: &[u8]) -> Compression {
        if head.starts_with(&GZIP_MAGIC) {
            Compression::Gzip
        } else if head.starts_with(&ZSTD_MAGIC) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }

    fn suffix(self) -> &'static str {
        match self {
            Compression::None => "",
            Compression::Gzip => ".gz",
            Compression::Zstd => ".zst",
        }
    }
}

/// The file name without a compression suffix: `demo.jsonl.gz` -> `demo.jsonl`.
pub fn plain_name(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let suffix = Compression::of_name(path).suffix();
    name.strip_suffix(suffix).unwrap_or(&name).to_string()
}

/// The extension of the file's content: `jsonl` for `demo.jsonl.zst`.
pub fn content_extension(path: &Path) -> Option<String> {
    Path::new(&plain_name(path))
        .extension()
        .map(|e| e.to_string_lossy().into_owned())
}

/// The file name's stem without compression: `results` for `results.json.gz`.
pub fn content_stem(path: &Path) -> String {
    Path::new(&plain_name(path))
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// A file or directory a walk passed over, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub why: String,
}

/// The files under `dir` whose content has one of `extensions`, plain or
/// compressed (`a.jsonl`, `a.jsonl.gz`, `a.jsonl.zst`), and the files
/// without an extension whose content starts a JSON value, in path order,
/// subdirectories included, regular files only (symbolic links followed);
/// see [`walk`] for what is passed over.
pub fn files_in(dir: &Path, extensions: &[&str]) -> io::Result<Vec<PathBuf>> {
    walk(dir, extensions)
        .map(|(files, _)| files.into_iter().filter(|path| path.is_file()).collect())
}

/// [`files_in`], with what was passed over: files of other kinds, files
/// without an extension that do not hold JSON, subdirectories that are
/// handoff-eval runs, links to directories.
pub fn walk(dir: &Path, extensions: &[&str]) -> io::Result<(Vec<PathBuf>, Vec<Skipped>)> {
    let mut files = Vec::new();
    let mut skipped = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let mut entries: Vec<std::fs::DirEntry> =
            std::fs::read_dir(&dir)?.collect::<io::Result<_>>()?;
        entries.sort_by_key(std::fs::DirEntry::path);
        for entry in entries {
            let path = entry.path();
            let kind = entry.file_type()?;
            let skip = |why: &str| Skipped {
                path: path.clone(),
                why: why.to_string(),
            };
            if kind.is_dir() {
                if path.join("manifest.json").is_file() && path.join("calls.jsonl").is_file() {
                    skipped.push(skip("a handoff-eval run directory"));
                } else {
                    pending.push(path);
                }
                continue;
            }
            if kind.is_symlink() && path.is_dir() {
                skipped.push(skip("a link to a directory (not followed)"));
                continue;
            }
            match content_extension(&path) {
                Some(ext) if extensions.iter().any(|wanted| ext == *wanted) => files.push(path),
                Some(_) => skipped.push(skip(&format!("not {}", kinds(extensions)))),
                // Only a regular file is opened to look: opening a FIFO
                // waits for its writer.
                None if kind.is_file() && starts_json(&path) => files.push(path),
                None => skipped.push(skip("no extension, and its content is not JSON")),
            }
        }
    }
    files.sort();
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok((files, skipped))
}

/// Whether a file's first bytes, decompressed, start a JSON object or list
/// (after a byte-order mark and whitespace).
fn starts_json(path: &Path) -> bool {
    let Ok(reader) = open(&Input::File(path.to_path_buf())) else {
        return false;
    };
    let mut head = Vec::with_capacity(4096);
    if reader.take(4096).read_to_end(&mut head).is_err() && head.is_empty() {
        return false;
    }
    let text = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&head);
    matches!(
        text.iter().find(|b| !b.is_ascii_whitespace()),
        Some(b'{' | b'[')
    )
}

/// What a directory of `extensions` holds, in words: `*.jsonl`, `*.json or *.jsonl`.
fn kinds(extensions: &[&str]) -> String {
    let globs: Vec<String> = extensions.iter().map(|e| format!("*.{e}")).collect();
    format!("{} (or .gz, .zst)", globs.join(" or "))
}

/// Expands the command line's inputs: `-` is standard input, a directory
/// becomes its files of `extensions` (compressed or not, subdirectories
/// included, see [`walk`]) in path order, a file stands for itself. Every
/// problem is reported, not just the first. An entry named like an input
/// that cannot be read (a dangling symbolic link) or is no regular file (a
/// FIFO) is an error.
pub fn resolve(args: &[PathBuf], extensions: &[&str]) -> Result<Vec<Input>, Vec<InputError>> {
    resolve_with_skipped(args, extensions).map(|(inputs, _)| inputs)
}

/// [`resolve`], with what the directories held that is not read.
pub fn resolve_with_skipped(
    args: &[PathBuf],
    extensions: &[&str],
) -> Result<(Vec<Input>, Vec<Skipped>), Vec<InputError>> {
    let mut inputs = Vec::new();
    let mut all_skipped = Vec::new();
    let mut errors = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        let unreadable = |source| InputError::Unreadable {
            path: arg.display().to_string(),
            source,
        };
        match std::fs::metadata(arg) {
            Ok(meta) if meta.is_dir() => match walk(arg, extensions) {
                Ok((files, skipped)) => {
                    if files.is_empty() {
                        errors.push(InputError::EmptyDirectory {
                            path: arg.display().to_string(),
                            wanted: kinds(extensions),
                            skipped: describe_skipped(&skipped),
                        });
                    }
                    for path in files {
                        match std::fs::metadata(&path) {
                            Ok(meta) if meta.is_file() => inputs.push(Input::File(path)),
                            Ok(meta) => errors.push(InputError::NotAFile {
                                path: path.display().to_string(),
                                kind: kind_of(meta.file_type()),
                            }),
                            Err(source) => errors.push(InputError::Unreadable {
                                path: path.display().to_string(),
                                source,
                            }),
                        }
                    }
                    all_skipped.extend(skipped);
                }
                Err(source) => errors.push(unreadable(source)),
            },
            // A stream (a pipe, a FIFO) is not opened here: opening a FIFO
            // waits for its writer, and a pipe gives its data once.
            Ok(meta) if !meta.is_file() => inputs.push(Input::File(arg.clone())),
            Ok(_) => match File::open(arg) {
                Ok(_) => inputs.push(Input::File(arg.clone())),
                Err(source) => errors.push(unreadable(source)),
            },
            Err(source) => errors.push(unreadable(source)),
        }
    }
    if errors.is_empty() {
        Ok((inputs, all_skipped))
    } else {
        Err(errors)
    }
}

/// "; it holds 2 other file(s): notes.csv (not ...), ..." for an empty directory.
fn describe_skipped(skipped: &[Skipped]) -> String {
    if skipped.is_empty() {
        return String::new();
    }
    let named: Vec<String> = skipped
        .iter()
        .take(5)
        .map(|s| format!("{} ({})", s.path.display(), s.why))
        .collect();
    let more = skipped.len().saturating_sub(5);
    format!(
        "; it holds {} other entr{}: {}{}",
        skipped.len(),
        if skipped.len() == 1 { "y" } else { "ies" },
        named.join(", "),
        if more > 0 {
            format!(", and {more} more")
        } else {
            String::new()
        }
    )
}

/// Lines that name what [`resolve_with_skipped`] passed over, for stderr:
/// the first 20, then how many more.
pub fn skipped_notes(skipped: &[Skipped]) -> Vec<String> {
    const NAMED: usize = 20;
    let mut lines: Vec<String> = skipped
        .iter()
        .take(NAMED)
        .map(|s| format!("skipped {}: {}", s.path.display(), s.why))
        .collect();
    if skipped.len() > NAMED {
        lines.push(format!(
            "skipped {} more entries of the input directories",
            skipped.len() - NAMED
        ));
    }
    lines
}

/// [`resolve`] for handoff-trace/v1 JSONL.
pub fn resolve_inputs(args: &[PathBuf]) -> Result<Vec<Input>, Vec<InputError>> {
    resolve(args, &["jsonl"])
}

/// An input opened for reading, decoded when it is compressed. Errors,
/// opening or later while reading, name the input.
pub fn open(input: &Input) -> io::Result<Box<dyn Read + Send>> {
    let name = input.display_name();
    let located = |err: io::Error| io::Error::new(err.kind(), format!("{name}: {err}"));
    let (source, by_name): (Box<dyn Read + Send>, Compression) = match input {
        Input::Stdin => (Box::new(io::stdin()), Compression::None),
        Input::File(path) => (
            Box::new(File::open(path).map_err(located)?),
            Compression::of_name(path),
        ),
    };
    decode(source, by_name).map_err(located)
}

/// Up to `N` first bytes of `source`, fewer only at its end.
fn head<const N: usize>(source: &mut dyn Read) -> io::Result<([u8; N], usize)> {
    let mut head = [0u8; N];
    let mut filled = 0;
    while filled < N {
        match source.read(&mut head[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(err) if err.kind() == io::ErrorKind::Interrupted => {}
            Err(err) => return Err(err),
        }
    }
    Ok((head, filled))
}

/// `source` decoded: as its name says, else as its first bytes say.
pub(crate) fn decode(
    mut source: Box<dyn Read + Send>,
    by_name: Compression,
) -> io::Result<Box<dyn Read + Send>> {
    let (head, filled) = head::<4>(&mut source)?;
    let head = head[..filled].to_vec();
    let by_magic = Compression::of_magic(&head);
    let compression = match by_name {
        Compression::None => by_magic,
        named if named == by_magic => named,
        named => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "the name says {} but the content does not start as one",
                    match named {
                        Compression::Gzip => "gzip",
                        _ => "Zstandard",
                    }
                ),
            ));
        }
    };
    let stream = io::Cursor::new(head).chain(source);
    Ok(match compression {
        Compression::None => Box::new(stream),
        Compression::Gzip => Box::new(gzip::Members::new(io::BufReader::with_capacity(
            128 * 1024,
            stream,
        ))),
        Compression::Zstd => Box::new(zstd::Frames::new(io::BufReader::with_capacity(
            128 * 1024,
            stream,
        ))),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_without_compression() {
        let path = Path::new("/data/demo.jsonl.gz");
        assert_eq!(plain_name(path), "demo.jsonl");
        assert_eq!(content_extension(path).as_deref(), Some("jsonl"));
        assert_eq!(content_stem(Path::new("x/results.json.zst")), "results");
        assert_eq!(content_stem(Path::new("x/results.json")), "results");
        assert_eq!(
            Compression::of_name(Path::new("a.jsonl")),
            Compression::None
        );
    }
}

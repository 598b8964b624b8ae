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
//!   (`*.jsonl`, `*.jsonl.gz`, `*.jsonl.zst`), in name order, so that output
//!   order never depends on the file system.
//! - Every error names the input it came from; a stream that turns out
//!   corrupt or cut short part-way is a read error of that input, never an
//!   early end of it.

mod zstd;

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
    #[error("{path}: directory holds no {wanted} files")]
    EmptyDirectory { path: String, wanted: String },
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

/// The entries of `dir` named like files of `extensions`, plain or
/// compressed (`a.jsonl`, `a.jsonl.gz`, `a.jsonl.zst`), in name order, each
/// with its metadata (symbolic links followed: a dangling one is an error).
fn named_in(
    dir: &Path,
    extensions: &[&str],
) -> io::Result<Vec<(PathBuf, io::Result<std::fs::Metadata>)>> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            content_extension(path)
                .is_some_and(|ext| extensions.iter().any(|wanted| ext == *wanted))
        })
        .collect();
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| {
            let meta = std::fs::metadata(&path);
            (path, meta)
        })
        .collect())
}

/// The regular files of `dir` whose content has one of `extensions`, plain
/// or compressed (`a.jsonl`, `a.jsonl.gz`, `a.jsonl.zst`), in name order.
pub fn files_in(dir: &Path, extensions: &[&str]) -> io::Result<Vec<PathBuf>> {
    Ok(named_in(dir, extensions)?
        .into_iter()
        .filter(|(_, meta)| meta.as_ref().is_ok_and(std::fs::Metadata::is_file))
        .map(|(path, _)| path)
        .collect())
}

/// What a directory of `extensions` holds, in words: `*.jsonl`, `*.json or *.jsonl`.
fn kinds(extensions: &[&str]) -> String {
    let globs: Vec<String> = extensions.iter().map(|e| format!("*.{e}")).collect();
    format!("{} (or .gz, .zst)", globs.join(" or "))
}

/// Expands the command line's inputs: `-` is standard input, a directory
/// becomes its files of `extensions` (compressed or not) in name order, a
/// file stands for itself. Every problem is reported, not just the first,
/// including an entry of a directory named like an input that cannot be
/// read (a dangling symbolic link) or is no regular file (a FIFO).
pub fn resolve(args: &[PathBuf], extensions: &[&str]) -> Result<Vec<Input>, Vec<InputError>> {
    let mut inputs = Vec::new();
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
            Ok(meta) if meta.is_dir() => match named_in(arg, extensions) {
                Ok(entries) => {
                    if entries.is_empty() {
                        errors.push(InputError::EmptyDirectory {
                            path: arg.display().to_string(),
                            wanted: kinds(extensions),
                        });
                    }
                    for (path, meta) in entries {
                        match meta {
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
        Ok(inputs)
    } else {
        Err(errors)
    }
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
fn decode(
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
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(stream)),
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

//! Whole files written so that no reader ever sees half of one.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

/// A file that could not be written, named.
#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    /// The OS error is part of the message, not a source: printed as a
    /// chain it would be said twice.
    #[error("cannot write {path}: {error}")]
    Io { path: String, error: io::Error },
    #[error(
        "{dir} is locked: {holder} is writing a run there; wait for it to finish, or choose another --out"
    )]
    Locked { dir: String, holder: String },
    #[error("cannot resume the run in {dir}: {why}")]
    Resume { dir: String, why: String },
    /// The run would destroy what it reads: an input or the baseline.
    #[error("cannot write a run into {dir}: {why}")]
    Conflict { dir: String, why: String },
}

impl WriteError {
    /// `source` met writing `path`; a symbolic link met where a run's file
    /// is created (see [`no_follow`]) is said in words.
    pub fn io(path: &Path, source: io::Error) -> Self {
        let error = if is_symlink_refusal(&source) {
            io::Error::other(
                "it is a symbolic link, and a run's files are never written through one; remove it",
            )
        } else {
            source
        };
        WriteError::Io {
            path: path.display().to_string(),
            error,
        }
    }
}

/// Whether `err` is an open refused because the last component of the
/// path is a symbolic link (`O_NOFOLLOW` fails with `ELOOP`, as POSIX
/// specifies).
fn is_symlink_refusal(err: &io::Error) -> bool {
    #[cfg(unix)]
    {
        err.raw_os_error() == Some(libc::ELOOP)
    }
    #[cfg(not(unix))]
    {
        let _ = err;
        false
    }
}

/// `options` made to follow no symbolic link in the last component of the
/// path (`O_NOFOLLOW`): a link planted where a run writes its files (its
/// lock, `calls.jsonl`) would otherwise have its target overwritten.
pub fn no_follow(options: &mut OpenOptions) -> &mut OpenOptions {
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW)
    }
    #[cfg(not(unix))]
    {
        options
    }
}

/// Creates `path` empty (truncating a file there), following no symbolic
/// link (see [`no_follow`]).
pub fn create(path: &Path) -> io::Result<File> {
    no_follow(OpenOptions::new().write(true).create(true).truncate(true)).open(path)
}

/// Creates a temporary file at `path` anew: whatever was there (a file
/// left by a killed writer, a symbolic link) is removed, and the file is
/// created exclusively, so no link is followed.
pub(super) fn create_fresh(path: &Path) -> io::Result<File> {
    match fs::remove_file(path) {
        Ok(()) => {}
        Err(err) if err.kind() == io::ErrorKind::NotFound => {}
        Err(err) => return Err(err),
    }
    OpenOptions::new().write(true).create_new(true).open(path)
}

/// Writes `contents` to `path` whole: into a temporary file beside it
/// (`.NAME.PID.tmp`), flushed to disk, then renamed over `path`. Readers see
/// the old file or the new one. On failure (a full disk, say) the temporary
/// file is removed, `path` is left as it was, and the error names `path`.
pub fn publish(path: &Path, contents: &[u8]) -> Result<(), WriteError> {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    let temporary = path.with_file_name(format!(".{name}.{}.tmp", std::process::id()));
    let written = (|| {
        let mut file = create_fresh(&temporary)?;
        file.write_all(contents)?;
        file.sync_all()?;
        fs::rename(&temporary, path)
    })();
    written.map_err(|source| {
        let _ = fs::remove_file(&temporary);
        WriteError::io(path, source)
    })
}

/// Where a streamed output stays until it is complete: `.NAME.partial`
/// beside `path`.
pub fn partial_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "output".into(), |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.partial"))
}

/// Streams a file too large to hold (`generate -o`, `import -o`) into
/// [`partial_path`], and renames it over `path` once `write` succeeded and
/// everything is flushed: an interrupted or failed write never leaves a
/// shorter file that looks whole. On failure the partial file is removed.
pub fn stream_into<T, E: From<WriteError>>(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<T, E>,
) -> Result<T, E> {
    let partial = partial_path(path);
    let file = create_fresh(&partial).map_err(|err| WriteError::io(path, err))?;
    let mut out = BufWriter::with_capacity(1 << 20, file);
    let result = write(&mut out).and_then(|value| {
        out.flush()
            .and_then(|()| fs::rename(&partial, path))
            .map_err(|err| WriteError::io(path, err))?;
        Ok(value)
    });
    if result.is_err() {
        let _ = fs::remove_file(&partial);
    }
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_whole_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("summary.json");
        fs::write(&path, "old").unwrap();
        publish(&path, b"new contents").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "new contents");
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["summary.json"]);
    }

    #[cfg(unix)]
    #[test]
    fn a_link_planted_as_the_temporary_file_is_replaced_not_followed() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("precious.txt");
        fs::write(&target, "precious").unwrap();
        let path = dir.path().join("summary.json");
        let temporary = dir
            .path()
            .join(format!(".summary.json.{}.tmp", std::process::id()));
        std::os::unix::fs::symlink(&target, &temporary).unwrap();
        std::os::unix::fs::symlink(&target, partial_path(&path)).unwrap();
        publish(&path, b"new").unwrap();
        let streamed: Result<(), WriteError> = stream_into(&path, |out| {
            out.write_all(b"streamed")
                .map_err(|err| WriteError::io(&path, err))
        });
        streamed.unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "precious");
        assert_eq!(fs::read_to_string(&path).unwrap(), "streamed");
    }

    #[test]
    fn a_streamed_file_appears_only_when_complete() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.jsonl");
        let failed: Result<(), WriteError> = stream_into(&path, |out| {
            out.write_all(b"{}\n")
                .map_err(|err| WriteError::io(&path, err))?;
            Err(WriteError::io(&path, io::Error::other("stopped")))
        });
        assert!(failed.is_err());
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 0, "nothing left");
        let done: Result<u32, WriteError> = stream_into(&path, |out| {
            out.write_all(b"{}\n")
                .map_err(|err| WriteError::io(&path, err))?;
            Ok(1)
        });
        assert_eq!(done.unwrap(), 1);
        assert_eq!(fs::read_to_string(&path).unwrap(), "{}\n");
    }

    #[test]
    fn a_failed_write_names_the_file_and_cleans_up() {
        let dir = tempfile::tempdir().unwrap();
        // The target is a directory: the rename fails after the temporary
        // file was written.
        let path = dir.path().join("summary.json");
        fs::create_dir(&path).unwrap();
        fs::write(path.join("inside"), "x").unwrap();
        let err = publish(&path, b"{}").unwrap_err().to_string();
        assert!(
            err.starts_with(&format!("cannot write {}: ", path.display())),
            "{err}"
        );
        let names: Vec<String> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, ["summary.json"], "no temporary file is left");
    }
}

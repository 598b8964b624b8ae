//! One writer per run directory: an advisory lock (`flock`) on `DIR/.lock`.
//!
//! The kernel releases the lock when its holder exits, however it exits, so
//! a run killed with `kill -9` leaves no lock that needs removing by hand;
//! the file it leaves says who held it last. The lock file holds the
//! holder's process id and start time, so a second writer can say who is in
//! the way.

use std::fs::{self, File, OpenOptions, TryLockError};
use std::io::{self, Read, Seek, Write};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::publish::WriteError;

/// Who holds (or last held) a run directory's lock.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Holder {
    pub pid: u32,
    pub started_at: String,
}

impl Holder {
    fn describe(&self) -> String {
        format!(
            "handoff-eval score (pid {}, started {})",
            self.pid, self.started_at
        )
    }
}

/// The held lock of a run directory; released (and its file removed) when dropped.
#[derive(Debug)]
pub struct RunLock {
    file: File,
    path: PathBuf,
}

impl RunLock {
    /// Takes the lock of `dir` (which must exist), or says who holds it.
    pub fn acquire(dir: &Path, started_at: &str) -> Result<RunLock, WriteError> {
        let path = dir.join(super::LOCK);
        loop {
            let mut file = super::publish::no_follow(&mut OpenOptions::new())
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(|err| WriteError::io(&path, err))?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let holder = read_holder(&mut file).map_or_else(
                        || "another handoff-eval score".to_string(),
                        |h| h.describe(),
                    );
                    return Err(WriteError::Locked {
                        dir: dir.display().to_string(),
                        holder,
                    });
                }
                Err(TryLockError::Error(err)) => return Err(WriteError::io(&path, err)),
            }
            // A holder that finished removes the file after we opened it:
            // then our lock is on a file no one else will open. Start again.
            if !same_file(&file, &path) {
                continue;
            }
            let holder = Holder {
                pid: std::process::id(),
                started_at: started_at.to_string(),
            };
            let text = serde_json::to_string(&holder).expect("a holder serializes");
            (|| {
                file.set_len(0)?;
                file.rewind()?;
                file.write_all(text.as_bytes())?;
                file.write_all(b"\n")
            })()
            .map_err(|err| WriteError::io(&path, err))?;
            return Ok(RunLock { file, path });
        }
    }
}

impl Drop for RunLock {
    fn drop(&mut self) {
        // Removed while still held, so no one locks a file about to vanish.
        let _ = fs::remove_file(&self.path);
        let _ = self.file.unlock();
    }
}

fn read_holder(file: &mut File) -> Option<Holder> {
    let mut text = String::new();
    file.read_to_string(&mut text).ok()?;
    serde_json::from_str(text.trim()).ok()
}

/// Who last held the lock of `dir`, and whether that process still runs
/// (`None`: cannot tell on this platform).
pub(super) fn last_holder(dir: &Path) -> Option<(Holder, Option<bool>)> {
    let mut file = File::open(dir.join(super::LOCK)).ok()?;
    let holder = read_holder(&mut file)?;
    let running = process_running(holder.pid);
    Some((holder, running))
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), fs::metadata(path)) {
        (Ok(open), Ok(named)) => open.dev() == named.dev() && open.ino() == named.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

#[cfg(target_os = "linux")]
fn process_running(pid: u32) -> Option<bool> {
    let pid = libc::pid_t::try_from(pid).ok()?;
    // SAFETY: signal 0 only checks that the process exists; nothing is sent.
    let result = unsafe { libc::kill(pid, 0) };
    if result == 0 {
        return Some(true);
    }
    Some(io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH))
}

#[cfg(not(target_os = "linux"))]
fn process_running(_pid: u32) -> Option<bool> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_writer_is_told_who_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let first = RunLock::acquire(dir.path(), "2026-01-01T00:00:00.000Z").unwrap();
        let err = RunLock::acquire(dir.path(), "later")
            .unwrap_err()
            .to_string();
        assert!(
            err.contains(&format!("pid {}", std::process::id())) && err.contains("is locked"),
            "{err}"
        );
        drop(first);
        assert!(!dir.path().join(super::super::LOCK).exists());
        let again = RunLock::acquire(dir.path(), "later");
        assert!(again.is_ok(), "released on drop");
    }
}

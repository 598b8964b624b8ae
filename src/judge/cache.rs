//! Judge replies on disk, addressed by what produced them.
//!
//! The key is the SHA-256 of the model, the parameters, both messages, the
//! reply schema and the sample index: change any of them and the entry is a
//! different one. An entry is written to a temporary file and renamed into
//! place, so a run killed mid-write never leaves a corrupt entry. Only
//! replies that parsed into a verdict are stored; errors never are.
//!
//! An entry holds only what a replay needs to reach the same verdict: the
//! reply's text, already scrubbed of secrets, and how it ended. Entries
//! written before (with token counts) still read; their extra fields are
//! ignored.
//!
//! A cache that cannot be written (a full disk, a read-only folder) costs
//! calls, not verdicts: the first failure of a run is reported on stderr
//! with its reason, later ones are not, and a failed write leaves no
//! temporary file behind.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CacheMode {
    /// Read hits, call on misses, store new replies.
    ReadWrite,
    /// Only read: a miss is unscored instead of a call (for CI).
    ReplayOnly,
}

#[derive(Debug, Clone)]
pub struct Cache {
    dir: PathBuf,
    pub mode: CacheMode,
    /// Set once a failed write was reported, by any clone.
    warned: Arc<AtomicBool>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Entry {
    /// The reply's message content, scrubbed.
    pub content: String,
    /// The reply's `finish_reason`, if it gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finish_reason: Option<String>,
}

impl Cache {
    pub fn new(dir: &Path, mode: CacheMode) -> Self {
        Cache {
            dir: dir.to_path_buf(),
            mode,
            warned: Arc::new(AtomicBool::new(false)),
        }
    }

    /// The content address of one call.
    pub fn key(parts: &[&str]) -> String {
        let mut hasher = Sha256::new();
        for part in parts {
            // Length-prefixed, so that no two part lists hash alike.
            hasher.update((part.len() as u64).to_le_bytes());
            hasher.update(part.as_bytes());
        }
        hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(&key[..2]).join(format!("{key}.json"))
    }

    /// A stored reply; an unreadable or damaged entry counts as a miss.
    pub fn get(&self, key: &str) -> Option<Entry> {
        let text = fs::read_to_string(self.path(key)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Stores a reply. A failure is returned, and the first of the run is
    /// also reported on stderr with its reason.
    pub fn put(&self, key: &str, entry: &Entry) -> std::io::Result<()> {
        if self.mode == CacheMode::ReplayOnly {
            return Ok(());
        }
        let written = self.write(key, entry);
        if let Err(err) = &written
            && !self.warned.swap(true, Ordering::Relaxed)
        {
            // Not eprintln!: a closed or full stderr must not stop the run.
            let _ = writeln!(
                std::io::stderr().lock(),
                "warning: cannot write the judge cache in {}: {err}; replies are not cached \
                 (further failures are not reported)",
                self.dir.display()
            );
        }
        written
    }

    /// Writes the entry to a temporary file and renames it into place; on
    /// failure the temporary file is removed.
    fn write(&self, key: &str, entry: &Entry) -> std::io::Result<()> {
        let path = self.path(key);
        let dir = path.parent().expect("entries live in a subdirectory");
        fs::create_dir_all(dir)?;
        let temporary = dir.join(format!(".{key}.{}.tmp", std::process::id()));
        let written = (|| {
            let mut file = fs::File::create(&temporary)?;
            file.write_all(serde_json::to_string(entry)?.as_bytes())?;
            file.sync_all()?;
            fs::rename(&temporary, &path)
        })();
        if written.is_err() {
            let _ = fs::remove_file(&temporary);
        }
        written
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_damage_is_a_miss() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), CacheMode::ReadWrite);
        let key = Cache::key(&["model", "system", "user"]);
        assert_ne!(
            key,
            Cache::key(&["model", "systemuser", ""]),
            "parts are delimited"
        );
        assert!(cache.get(&key).is_none());
        let entry = Entry {
            content: r#"{"verdict": "pass"}"#.into(),
            finish_reason: Some("stop".into()),
        };
        cache.put(&key, &entry).unwrap();
        assert_eq!(cache.get(&key).unwrap().content, entry.content);
        let older = r#"{"content": "{}", "input_tokens": 10, "output_tokens": 2}"#;
        fs::write(cache.path(&key), older).unwrap();
        assert_eq!(cache.get(&key).unwrap().content, "{}", "older entries read");
        fs::write(cache.path(&key), "{not json").unwrap();
        assert!(cache.get(&key).is_none());
        let replay = Cache::new(dir.path(), CacheMode::ReplayOnly);
        let other = Cache::key(&["other"]);
        replay.put(&other, &entry).unwrap();
        assert!(replay.get(&other).is_none(), "replay mode writes nothing");
    }

    #[test]
    fn a_failed_write_is_reported_once_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::new(dir.path(), CacheMode::ReadWrite);
        let entry = Entry {
            content: "{}".into(),
            finish_reason: None,
        };
        // A directory where the entry should go: the rename fails after the
        // temporary file was written.
        let key = Cache::key(&["blocked"]);
        fs::create_dir_all(cache.path(&key).join("inside")).unwrap();
        assert!(cache.put(&key, &entry).is_err());
        assert!(cache.warned.load(Ordering::Relaxed), "reported");
        let folder = cache.path(&key).parent().unwrap().to_path_buf();
        let names: Vec<String> = fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        assert_eq!(names, [format!("{key}.json")], "no temporary file is left");
        // A clone shares the report: a second failure is not reported again.
        let clone = cache.clone();
        assert!(clone.warned.load(Ordering::Relaxed));
    }
}

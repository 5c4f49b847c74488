//! The in-progress marker: a file in the state directory that exists while a build may leave
//! named temps (or, under swap, stray files) in the output that only a sweep finds.
//!
//! `open` sweeps the whole output tree only when it finds the marker (a walk of 10,000 files
//! is not free). So the marker must be on disk before anything it covers can be: before the
//! first named temp, its creation (and the state directory's own name, when `open` just made
//! it) is made durable with one directory fsync. Unnamed temps need nothing (they vanish
//! with the process and after a power loss), so a build that stages only unnamed temps pays
//! no sync for the marker; the commit's own syncs cover it before the first rename.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::error::{OutputError, Result};
use super::fsops::{self, SyncSite};
use super::options::Durability;

/// The marker's file name in the state directory.
pub(crate) const DIRTY_MARKER: &str = "output.in-progress";

/// The marker of one build.
pub(crate) struct InProgress {
    path: PathBuf,
    /// The directories to fsync for the marker to be durable, until it is (empty under
    /// `Durability::None`).
    unsynced: Mutex<Vec<PathBuf>>,
}

impl InProgress {
    /// Whether a build was stopped before it removed its marker from `state`.
    pub(crate) fn was_left(state: &Path) -> bool {
        state.join(DIRTY_MARKER).exists()
    }

    /// Creates the marker in `state`; `created` are the directories `open` just made on the
    /// way to `state` (their names need syncing too).
    pub(crate) fn begin(state: &Path, created: &[PathBuf], durability: Durability) -> Result<Self> {
        let path = state.join(DIRTY_MARKER);
        fsops::create_empty(&path).map_err(|e| OutputError::io("create", &path, e))?;
        let mut unsynced = Vec::new();
        if durability == Durability::Fsync {
            unsynced.push(state.to_path_buf());
            unsynced.extend(
                created
                    .iter()
                    .filter_map(|d| d.parent())
                    .map(Path::to_path_buf),
            );
        }
        Ok(InProgress {
            path,
            unsynced: Mutex::new(unsynced),
        })
    }

    /// The state directory the marker is in.
    pub(crate) fn dir(&self) -> &Path {
        self.path.parent().unwrap_or(Path::new("."))
    }

    /// Makes the marker durable, once: called before anything that only a sweep would remove
    /// (a named temp) is made.
    pub(crate) fn make_durable(&self) -> Result<()> {
        let mut unsynced = self.unsynced.lock().unwrap_or_else(|p| p.into_inner());
        while let Some(dir) = unsynced.last() {
            fsops::sync_dir(dir, SyncSite::Marker).map_err(|e| OutputError::io("fsync", dir, e))?;
            unsynced.pop();
        }
        Ok(())
    }

    /// Notes that a `syncfs` made everything, the marker included, durable.
    pub(crate) fn synced(&self) {
        self.unsynced
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// Removes the marker: nothing of this build is left for a sweep.
    pub(crate) fn end(&self) {
        let _ = fsops::remove_file(&self.path);
    }
}

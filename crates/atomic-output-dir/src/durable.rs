//! How a commit is made durable: which syncs it makes, and when.
//!
//! A commit has two durability points. Before the first rename, every staged file's bytes must
//! be on disk (else a power loss could leave a renamed file empty or cut short); after the last
//! rename or removal, every changed directory entry must be (else `finish` would return before
//! the commit is on disk, and the manifest saved next could describe files that a power loss
//! takes back). Each point is one `syncfs` where the platform has it, else one `fsync` per file
//! and per directory. The crash-state explorer (`crash_model`, in tests) checks that each of
//! these syncs is needed.

use std::collections::BTreeSet;
use std::io;
use std::path::{Path, PathBuf};

use super::error::{OutputError, Result};
use super::fsops::{self, SyncSite};
use super::marker::InProgress;
use super::temp::TempFile;

/// Makes the bytes of `temps` (each with the output path it is for) durable: one `syncfs` of
/// the file system holding `root` (their writeback was started as each was staged), else one
/// `fsync` per temp. The in-progress `marker` is made durable too: the renames that follow
/// may give unnamed temps a temp name first.
pub(crate) fn sync_data<'a>(
    root: &Path,
    temps: impl Iterator<Item = (PathBuf, &'a TempFile)>,
    marker: &InProgress,
) -> Result<()> {
    match fsops::sync_filesystem(root, SyncSite::CommitDataSyncfs) {
        Ok(()) => {
            marker.synced();
            Ok(())
        }
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {
            for (path, temp) in temps {
                temp.sync(SyncSite::CommitDataFsync)
                    .map_err(|e| OutputError::io("fsync", &path, e))?;
            }
            marker.make_durable()
        }
        Err(e) => Err(OutputError::io("syncfs", root, e)),
    }
}

/// Makes the renames and removals in `dirs` durable: one `syncfs`, else one `fsync` per
/// directory.
pub(crate) fn sync_dirs(root: &Path, dirs: &BTreeSet<PathBuf>) -> Result<()> {
    match fsops::sync_filesystem(root, SyncSite::CommitDirsSyncfs) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::Unsupported => {
            for dir in dirs {
                fsops::sync_dir(dir, SyncSite::CommitDirsFsync)
                    .map_err(|e| OutputError::io("fsync", dir, e))?;
            }
            Ok(())
        }
        Err(e) => Err(OutputError::io("syncfs", root, e)),
    }
}

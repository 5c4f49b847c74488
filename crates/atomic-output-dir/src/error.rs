//! The one error type of the output layer.
//!
//! Every variant names the path it concerns and, where the OS said why, the OS cause.
//! Errors raised before the commit's first rename leave the previous output exactly as it was,
//! and say so; an error in the middle of the renames is [`OutputError::PartialCommit`], which
//! says how far it got (each file is still whole: old or new, never torn).

use std::io;
use std::path::{Path, PathBuf};

/// What went wrong while writing output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// ENOSPC, EDQUOT or EFBIG: the disk (or the file size limit) is full.
    #[error("{}: disk full ({source}); the previous output is intact", path.display())]
    DiskFull {
        /// The file or directory being written.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },

    /// EACCES or EPERM.
    #[error("{}: permission denied ({source}); the previous output is intact", path.display())]
    PermissionDenied {
        /// The file or directory refused.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },

    /// EROFS.
    #[error("{}: read-only file system ({source}); the previous output is intact", path.display())]
    ReadOnly {
        /// The file or directory being written.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },

    /// Any other I/O failure, with the operation that failed.
    #[error("{}: {op} failed ({source}); the previous output is intact", path.display())]
    Io {
        /// The operation, a verb ("create", "rename", "sync").
        op: &'static str,
        /// The path it was applied to.
        path: PathBuf,
        /// What the OS said.
        source: io::Error,
    },

    /// A path that is not a plain relative path inside the output directory.
    #[error("{path:?}: refused output path: {reason}; the previous output is intact")]
    PathEscape {
        /// The path as given.
        path: String,
        /// Why it was refused ("contains `..`", "absolute").
        reason: &'static str,
    },

    /// The target exists and is a directory (or a parent is a file).
    #[error("{}: target is a directory; the previous output is intact", path.display())]
    TargetIsDirectory {
        /// The target path.
        path: PathBuf,
    },

    /// Another process holds the output lock.
    #[error("{}: locked by another build (pid {pid}); the previous output is intact", lock.display())]
    LockHeld {
        /// The lock file (in the state directory).
        lock: PathBuf,
        /// The holder's process id as it recorded it (may be empty or stale).
        pid: String,
    },

    /// The same output path was produced twice in one build with different bytes.
    #[error("{}: written twice in one build with different content; the previous output is intact", path.display())]
    Conflict {
        /// The output path.
        path: PathBuf,
    },

    /// The build was interrupted (SIGINT/SIGTERM) before its commit.
    #[error("interrupted; the previous output is intact")]
    Interrupted,

    /// `rollback` was asked for, but the standby tree is not a complete generation.
    #[error("{}: not a complete previous generation: {reason}; nothing was changed", path.display())]
    StandbyIncomplete {
        /// The standby directory.
        path: PathBuf,
        /// What is missing or wrong.
        reason: &'static str,
    },

    /// `rollback` was asked for, but the standby is older than the build just before the
    /// live one: builds published file by file since left it behind.
    /// [`OlderStandby::Restore`](crate::OlderStandby::Restore) restores it anyway.
    #[error("{}: the standby is {standby}, {behind} builds behind the live {live}: commits published file by file keep no standby, so rolling back would skip {}; nothing was changed", path.display(), between(*behind))]
    StandbyOutdated {
        /// The standby directory.
        path: PathBuf,
        /// The standby generation, described ("build ID (committed TIME)").
        standby: String,
        /// The live generation, described likewise.
        live: String,
        /// How many generations older than the live one the standby is (2 or more).
        behind: u64,
    },

    /// `verify` has nothing to check the output against (no manifest, or one for another
    /// directory).
    #[error("{}: cannot verify: {reason}", path.display())]
    NotVerifiable {
        /// The output directory.
        path: PathBuf,
        /// Why.
        reason: String,
    },

    /// A rename failed part-way through a commit. Each file is whole (old or new bytes).
    #[error("commit stopped after {done} of {total} files: {source}; each file is complete (old or new version)")]
    PartialCommit {
        /// Files renamed into place before the failure.
        done: usize,
        /// Files the commit had to rename.
        total: usize,
        /// The failure that stopped it.
        source: Box<OutputError>,
    },
}

impl OutputError {
    /// Classifies an OS error of operation `op` (a verb: "create", "write") on `path` into the
    /// variant a user can act on: disk full, permission denied, read-only, a directory in the
    /// way, or else [`OutputError::Io`].
    pub fn io(op: &'static str, path: &Path, source: io::Error) -> Self {
        let path = path.to_path_buf();
        match source.raw_os_error() {
            Some(libc::ENOSPC) | Some(libc::EDQUOT) | Some(libc::EFBIG) => {
                OutputError::DiskFull { path, source }
            }
            Some(libc::EACCES) | Some(libc::EPERM) => {
                OutputError::PermissionDenied { path, source }
            }
            Some(libc::EROFS) => OutputError::ReadOnly { path, source },
            Some(libc::EISDIR) => OutputError::TargetIsDirectory { path },
            _ => OutputError::Io { op, path, source },
        }
    }
}

/// The builds between a standby `behind` generations old and the live one, as
/// [`OutputError::StandbyOutdated`] counts them.
fn between(behind: u64) -> String {
    match behind.saturating_sub(1) {
        1 => "the build in between".to_string(),
        n => format!("the {n} builds in between"),
    }
}

/// Shorthand used throughout the output layer.
pub type Result<T, E = OutputError> = std::result::Result<T, E>;

//! Test-only: a log of the calls made through [`super`] under one directory.
//!
//! One recording at a time (a process-wide slot): while it is active, each call of the
//! output layer whose path (or open file) lies under the recording's root is appended to
//! its log, with paths relative to the root and files identified by device and inode. Calls
//! elsewhere (other tests, running at the same time in other directories) are not logged.
//! The log is what the crash-state explorer replays.
//!
//! Two test-only switches live here because they belong to a recording: `omit` (a set of
//! sync sites whose syncs are logged as [`Call::Omitted`], as if the code did not make them:
//! the real call still happens, so nothing outside the model changes) and `hide_syncfs`
//! (`syncfs` reports `Unsupported` under the root, so the writer takes its fallback path).

use std::collections::BTreeSet;
use std::fs::File;
use std::os::unix::fs::MetadataExt;
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};

use super::SyncSite;

/// A file or directory: device and inode.
pub(crate) type Ino = (u64, u64);

/// One logged call. Paths are relative to the recording's root, `/`-separated (`""` is
/// the root itself).
#[derive(Clone, Debug)]
pub(crate) enum Call {
    Mkdir {
        path: String,
        dir: Ino,
    },
    Rmdir {
        path: String,
    },
    /// A new file: named (`O_CREAT`) or unnamed (`O_TMPFILE`, `path` `None`).
    Create {
        path: Option<String>,
        ino: Ino,
    },
    /// `linkat(AT_EMPTY_PATH)`: a name for an open (unnamed) file.
    Link {
        ino: Ino,
        path: String,
    },
    HardLink {
        from: String,
        to: String,
    },
    Rename {
        from: String,
        to: String,
    },
    Exchange {
        a: String,
        b: String,
    },
    Unlink {
        path: String,
    },
    Write {
        ino: Ino,
        offset: u64,
        bytes: Vec<u8>,
        mtime_ns: i128,
    },
    SetLen {
        ino: Ino,
        len: u64,
        mtime_ns: i128,
    },
    SetMode,
    /// `sync_file_range(WRITE)`: starts writeback, promises nothing.
    WritebackHint,
    Fsync {
        ino: Ino,
        site: SyncSite,
    },
    FsyncDir {
        path: String,
        site: SyncSite,
    },
    Syncfs {
        site: SyncSite,
    },
    /// A sync the code made but the test asked to treat as never made.
    Omitted {
        site: SyncSite,
    },
}

/// What the root held when the recording started (taken to be durable).
#[derive(Clone, Debug)]
pub(crate) enum Existing {
    Dir {
        path: String,
        dir: Ino,
    },
    File {
        path: String,
        ino: Ino,
        bytes: Vec<u8>,
        mtime_ns: i128,
    },
}

/// A finished recording.
#[derive(Clone, Debug)]
pub(crate) struct Log {
    pub(crate) initial: Vec<Existing>,
    pub(crate) calls: Vec<Call>,
}

/// How the calls under a root are turned into log entries.
pub(crate) struct Root {
    root: PathBuf,
}

impl Root {
    /// `path` relative to the root, or `None` when it is elsewhere.
    pub(crate) fn rel(&self, path: &Path) -> Option<String> {
        let rel = path.strip_prefix(&self.root).ok()?;
        Some(rel.to_string_lossy().replace('\\', "/"))
    }

    /// The device and inode of an open file under the root (`None` for a file elsewhere:
    /// the name the kernel keeps for the descriptor says where it was opened).
    pub(crate) fn id_of_file(&self, file: &File) -> Option<Ino> {
        let link = std::fs::read_link(format!("/proc/self/fd/{}", file.as_raw_fd())).ok()?;
        if !link.starts_with(&self.root) {
            return None;
        }
        let meta = file.metadata().ok()?;
        Some((meta.dev(), meta.ino()))
    }

    pub(crate) fn id_of_path(&self, path: &Path) -> Option<Ino> {
        self.rel(path)?;
        let meta = std::fs::symlink_metadata(path).ok()?;
        Some((meta.dev(), meta.ino()))
    }

    pub(crate) fn mtime_of(&self, file: &File) -> i128 {
        file.metadata().map_or(0, |m| mtime_ns(&m))
    }
}

fn mtime_ns(meta: &std::fs::Metadata) -> i128 {
    i128::from(meta.mtime()) * 1_000_000_000 + i128::from(meta.mtime_nsec())
}

struct Active {
    root: Root,
    calls: Vec<Call>,
    omit: BTreeSet<SyncSite>,
    hide_syncfs: bool,
}

fn slot() -> MutexGuard<'static, Option<Active>> {
    static SLOT: Mutex<Option<Active>> = Mutex::new(None);
    SLOT.lock().unwrap_or_else(|p| p.into_inner())
}

/// Appends the call `make` describes, if a recording is active and the call is under its root.
pub(crate) fn record(make: impl FnOnce(&Root) -> Option<Call>) {
    let mut slot = slot();
    let Some(active) = slot.as_mut() else {
        return;
    };
    let Some(call) = make(&active.root) else {
        return;
    };
    let call = match call {
        Call::Fsync { site, .. } | Call::FsyncDir { site, .. } | Call::Syncfs { site }
            if active.omit.contains(&site) =>
        {
            Call::Omitted { site }
        }
        call => call,
    };
    active.calls.push(call);
}

/// Whether `syncfs` should report `Unsupported` for `path` (the fallback being recorded).
pub(crate) fn syncfs_hidden(path: &Path) -> bool {
    let slot = slot();
    slot.as_ref()
        .is_some_and(|a| a.hide_syncfs && path.starts_with(&a.root.root))
}

/// The file offset of `file` (where the next write lands).
pub(crate) fn position_of(file: &File) -> u64 {
    // SAFETY: lseek on a descriptor we borrow; SEEK_CUR with 0 moves nothing.
    let at = unsafe { libc::lseek(file.as_raw_fd(), 0, libc::SEEK_CUR) };
    u64::try_from(at).unwrap_or(0)
}

/// What a recording pretends about the system.
#[derive(Clone, Debug, Default)]
pub(crate) struct Pretend {
    /// Sync sites whose syncs are logged as [`Call::Omitted`].
    pub(crate) omit: BTreeSet<SyncSite>,
    /// `syncfs` is unsupported (the per-file and per-directory fsync fallback runs).
    pub(crate) no_syncfs: bool,
}

/// An active recording; [`Recording::finish`] returns its log. Only one exists at a time:
/// `start` waits for the previous one to end.
pub(crate) struct Recording {
    initial: Vec<Existing>,
    _exclusive: MutexGuard<'static, ()>,
}

impl Recording {
    /// Snapshots what is under `root` (canonical) and starts logging.
    pub(crate) fn start(root: &Path, pretend: Pretend) -> Recording {
        static EXCLUSIVE: Mutex<()> = Mutex::new(());
        let exclusive = EXCLUSIVE.lock().unwrap_or_else(|p| p.into_inner());
        let initial = snapshot(root);
        *slot() = Some(Active {
            root: Root {
                root: root.to_path_buf(),
            },
            calls: Vec::new(),
            omit: pretend.omit,
            hide_syncfs: pretend.no_syncfs,
        });
        Recording {
            initial,
            _exclusive: exclusive,
        }
    }

    /// Stops logging and returns the log.
    pub(crate) fn finish(mut self) -> Log {
        let calls = slot().take().map(|a| a.calls).unwrap_or_default();
        Log {
            initial: std::mem::take(&mut self.initial),
            calls,
        }
    }
}

impl Drop for Recording {
    fn drop(&mut self) {
        slot().take();
    }
}

/// Every directory and regular file under `root`, parents before children.
pub(crate) fn snapshot(root: &Path) -> Vec<Existing> {
    let mut out = Vec::new();
    for entry in walkdir::WalkDir::new(root).sort_by_file_name() {
        let entry = entry.expect("walk the recording root");
        let meta = entry.metadata().expect("stat under the recording root");
        let path = entry
            .path()
            .strip_prefix(root)
            .expect("under the root")
            .to_string_lossy()
            .into_owned();
        let ino = (meta.dev(), meta.ino());
        if meta.is_dir() {
            out.push(Existing::Dir { path, dir: ino });
        } else if meta.is_file() {
            let bytes = std::fs::read(entry.path()).expect("read under the recording root");
            out.push(Existing::File {
                path,
                ino,
                bytes,
                mtime_ns: mtime_ns(&meta),
            });
        } else {
            panic!("{}: only files and directories are modelled", path);
        }
    }
    out
}

//! The one door for every call of the output layer that changes the disk.
//!
//! Creating, writing, linking, renaming, exchanging, removing and syncing: the writer, its
//! temps, the manifests, the swap and the lock all go through these functions, never through
//! `std::fs` directly. Reads (stat, read, walk) do not: they cannot leave anything behind.
//!
//! Why one door: what a power loss can leave depends on the exact sequence of these calls and
//! on which of them were synced. In tests, a recorder (`fsops::recorder`) logs each call here
//! with its arguments, and the crash-state explorer (`crash_model`) rebuilds from that log
//! every state a power loss could leave. Every sync names its [`SyncSite`], so a test can
//! pretend that one sync never happened and check that the explorer notices.
//!
//! In a non-test build each function is the plain system call: the hook is compiled out.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::sys;

#[cfg(test)]
pub(crate) mod recorder;

#[cfg(test)]
use recorder::{record, Call};

/// Where a sync is issued, and what it is for: the durability points of a commit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum SyncSite {
    /// `syncfs` before the first rename: every staged file's bytes are on disk.
    CommitDataSyncfs,
    /// Without `syncfs`: `fsync` of each staged file before the first rename.
    CommitDataFsync,
    /// `syncfs` after the last rename and removal: the commit is on disk.
    CommitDirsSyncfs,
    /// Without `syncfs`: `fsync` of each directory whose entries the commit changed.
    CommitDirsFsync,
    /// The in-progress marker's directory (and the state directory's own name, if just
    /// made), before the first named temp: a crash cannot leave a named temp that the next
    /// `open` does not know to sweep.
    Marker,
    /// `atomic_write`: the temp's bytes, before it is renamed over the target.
    AtomicFile,
    /// `atomic_write`: the target's directory, after the rename.
    AtomicDir,
    /// `Publish::Swap`: the parent of the two trees, after they exchanged names.
    SwapParent,
}

/// Creates the directory `path` (its parent must exist).
pub(crate) fn create_dir(path: &Path) -> io::Result<()> {
    fs::create_dir(path)?;
    #[cfg(test)]
    record(|r| {
        let dir = r.id_of_path(path)?;
        Some(Call::Mkdir {
            path: r.rel(path)?,
            dir,
        })
    });
    Ok(())
}

/// Creates `path` and its missing parents; returns the directories it created, parents first.
pub(crate) fn create_dir_all(path: &Path) -> io::Result<Vec<PathBuf>> {
    let mut missing = Vec::new();
    let mut at = path;
    while fs::symlink_metadata(at).is_err() {
        missing.push(at.to_path_buf());
        match at.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => at = parent,
            _ => break,
        }
    }
    let mut created = Vec::new();
    for dir in missing.into_iter().rev() {
        match create_dir(&dir) {
            Ok(()) => created.push(dir),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && dir.is_dir() => {}
            Err(e) => return Err(e),
        }
    }
    if !path.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
    }
    Ok(created)
}

/// Removes the empty directory `path`.
pub(crate) fn remove_dir(path: &Path) -> io::Result<()> {
    fs::remove_dir(path)?;
    #[cfg(test)]
    record(|r| Some(Call::Rmdir { path: r.rel(path)? }));
    Ok(())
}

/// Removes the file (or symlink) `path`.
pub(crate) fn remove_file(path: &Path) -> io::Result<()> {
    fs::remove_file(path)?;
    #[cfg(test)]
    record(|r| Some(Call::Unlink { path: r.rel(path)? }));
    Ok(())
}

/// Renames `from` over `to` (atomically replacing a file there).
pub(crate) fn rename(from: &Path, to: &Path) -> io::Result<()> {
    fs::rename(from, to)?;
    #[cfg(test)]
    record(|r| {
        Some(Call::Rename {
            from: r.rel(from)?,
            to: r.rel(to)?,
        })
    });
    Ok(())
}

/// Makes `link` a second name of the file `source`.
pub(crate) fn hard_link(source: &Path, link: &Path) -> io::Result<()> {
    fs::hard_link(source, link)?;
    #[cfg(test)]
    record(|r| {
        Some(Call::HardLink {
            from: r.rel(source)?,
            to: r.rel(link)?,
        })
    });
    Ok(())
}

/// Swaps the names of the directories `a` and `b` in one step.
pub(crate) fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    sys::exchange(a, b)?;
    #[cfg(test)]
    record(|r| {
        Some(Call::Exchange {
            a: r.rel(a)?,
            b: r.rel(b)?,
        })
    });
    Ok(())
}

/// Opens a new unnamed temp file in `dir` (where the platform has them).
pub(crate) fn open_anonymous(dir: &Path, mode: u32) -> io::Result<File> {
    let file = sys::open_anonymous(dir, mode)?;
    #[cfg(test)]
    record(|r| {
        let _ = r.rel(dir)?;
        Some(Call::Create {
            path: None,
            ino: r.id_of_file(&file)?,
        })
    });
    Ok(file)
}

/// Gives the unnamed temp `file` the name `target` (which must not exist).
pub(crate) fn link_anonymous(file: &File, target: &Path) -> io::Result<()> {
    sys::link_anonymous(file, target)?;
    #[cfg(test)]
    record(|r| {
        Some(Call::Link {
            ino: r.id_of_file(file)?,
            path: r.rel(target)?,
        })
    });
    Ok(())
}

/// Creates the new file `path` (an error if something is there), open for reading and writing.
pub(crate) fn create_new(path: &Path, mode: u32) -> io::Result<File> {
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .mode(mode)
        .open(path)?;
    #[cfg(test)]
    record(|r| {
        Some(Call::Create {
            path: Some(r.rel(path)?),
            ino: r.id_of_file(&file)?,
        })
    });
    Ok(file)
}

/// Opens `path` for reading and writing, creating it empty if missing (never truncating).
pub(crate) fn open_or_create(path: &Path) -> io::Result<File> {
    #[cfg(test)]
    let existed = fs::symlink_metadata(path).is_ok();
    let file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)?;
    #[cfg(test)]
    if !existed {
        record(|r| {
            Some(Call::Create {
                path: Some(r.rel(path)?),
                ino: r.id_of_file(&file)?,
            })
        });
    }
    Ok(file)
}

/// Creates `path` empty, or empties the file there.
pub(crate) fn create_empty(path: &Path) -> io::Result<File> {
    let file = open_or_create(path)?;
    set_len(&file, 0)?;
    Ok(file)
}

/// Cuts or extends `file` to `len` bytes.
pub(crate) fn set_len(file: &File, len: u64) -> io::Result<()> {
    file.set_len(len)?;
    #[cfg(test)]
    record(|r| {
        Some(Call::SetLen {
            ino: r.id_of_file(file)?,
            len,
            mtime_ns: r.mtime_of(file),
        })
    });
    Ok(())
}

/// Writes all of `bytes` to `file` at its current position.
pub(crate) fn write_all(mut file: &File, bytes: &[u8]) -> io::Result<()> {
    #[cfg(test)]
    let offset = recorder::position_of(file);
    file.write_all(bytes)?;
    #[cfg(test)]
    record(|r| {
        Some(Call::Write {
            ino: r.id_of_file(file)?,
            offset,
            bytes: bytes.to_vec(),
            mtime_ns: r.mtime_of(file),
        })
    });
    Ok(())
}

/// Sets `file`'s permission bits.
pub(crate) fn set_mode(file: &File, mode: u32) -> io::Result<()> {
    file.set_permissions(fs::Permissions::from_mode(mode))?;
    #[cfg(test)]
    record(|r| r.id_of_file(file).map(|_| Call::SetMode));
    Ok(())
}

/// Starts (does not wait for) writeback of `file`'s data: no durability promise.
pub(crate) fn kick_writeback(file: &File) {
    sys::kick_writeback(file);
    #[cfg(test)]
    record(|r| r.id_of_file(file).map(|_| Call::WritebackHint));
}

/// `fsync`: makes `file`'s bytes and size durable (not its name: that is its directory's).
pub(crate) fn sync_file(file: &File, site: SyncSite) -> io::Result<()> {
    #[cfg(not(test))]
    let _ = site;
    file.sync_all()?;
    #[cfg(test)]
    record(|r| {
        Some(Call::Fsync {
            ino: r.id_of_file(file)?,
            site,
        })
    });
    Ok(())
}

/// `fsync` of the directory `dir`: makes the changes of its entries durable.
pub(crate) fn sync_dir(dir: &Path, site: SyncSite) -> io::Result<()> {
    #[cfg(not(test))]
    let _ = site;
    File::open(dir)?.sync_all()?;
    #[cfg(test)]
    record(|r| {
        Some(Call::FsyncDir {
            path: r.rel(dir)?,
            site,
        })
    });
    Ok(())
}

/// `syncfs`: makes everything written on the file system holding `path` durable;
/// `Unsupported` where the platform has no such call.
pub(crate) fn sync_filesystem(path: &Path, site: SyncSite) -> io::Result<()> {
    #[cfg(not(test))]
    let _ = site;
    #[cfg(test)]
    if recorder::syncfs_hidden(path) {
        return Err(io::ErrorKind::Unsupported.into());
    }
    sys::sync_filesystem(path)?;
    #[cfg(test)]
    record(|r| {
        let _ = r.rel(path)?;
        Some(Call::Syncfs { site })
    });
    Ok(())
}

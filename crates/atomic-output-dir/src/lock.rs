//! The output lock: one writer per output directory at a time, across processes.
//!
//! An `flock` on a file in the state directory (never in the output directory). The kernel
//! drops it when the process dies, however it dies, so a stale lock cannot exist; the PID
//! written into the file is only there to name the holder in messages.
//!
//! A reader that must not see a build half-way (`verify`) takes the same lock shared: it
//! waits for a running build and holds off the next one while it reads, but readers do not
//! wait for each other. A shared holder leaves the PID in the file alone (the file names the
//! last exclusive holder).

use std::fs::File;
use std::io::{self, Read, Seek};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};

use super::error::{OutputError, Result};
use super::fsops;

/// What to do when another process holds the lock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum LockMode {
    /// Wait for the holder to finish, after one line on stderr naming it ("waiting for
    /// another process (pid N) to release LOCK"), so a waiting build does not look hung.
    #[default]
    Wait,
    /// Fail at once with [`OutputError::LockHeld`].
    Fail,
}

/// A held lock; released on drop.
#[derive(Debug)]
pub(crate) struct StateLock {
    _file: File,
}

fn flock(file: &File, op: libc::c_int) -> io::Result<()> {
    // SAFETY: plain syscall on an fd we own.
    if unsafe { libc::flock(file.as_raw_fd(), op) } == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

fn holder_pid(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.rewind().and_then(|_| file.read_to_string(&mut text));
    match text.trim() {
        "" => "unknown".to_string(),
        pid => pid.to_string(),
    }
}

/// Whether the lock is held alone (a writer) or with other readers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Access {
    Exclusive,
    Shared,
}

impl StateLock {
    /// Takes the lock at `path` exclusively, waiting or failing per `mode`.
    pub(crate) fn acquire(path: &Path, mode: LockMode) -> Result<Self> {
        Self::acquire_as(path, mode, Access::Exclusive)
    }

    /// Takes the lock at `path` for `access`, waiting or failing per `mode`.
    pub(crate) fn acquire_as(path: &Path, mode: LockMode, access: Access) -> Result<Self> {
        let op = match access {
            Access::Exclusive => libc::LOCK_EX,
            Access::Shared => libc::LOCK_SH,
        };
        let err = |source| OutputError::io("lock", path, source);
        let mut file = fsops::open_or_create(path).map_err(err)?;
        if let Err(e) = flock(&file, op | libc::LOCK_NB) {
            if e.kind() != io::ErrorKind::WouldBlock {
                return Err(err(e));
            }
            let pid = holder_pid(&mut file);
            match mode {
                LockMode::Fail => {
                    return Err(OutputError::LockHeld {
                        lock: PathBuf::from(path),
                        pid,
                    });
                }
                LockMode::Wait => {
                    eprintln!(
                        "waiting for another process (pid {pid}) to release {}",
                        path.display()
                    );
                    flock(&file, op).map_err(err)?;
                }
            }
        }
        if access == Access::Shared {
            return Ok(StateLock { _file: file });
        }
        fsops::set_len(&file, 0).map_err(err)?;
        file.rewind().map_err(err)?;
        let pid = format!("{}\n", std::process::id());
        fsops::write_all(&file, pid.as_bytes()).map_err(err)?;
        Ok(StateLock { _file: file })
    }
}

/// An exclusive lock held by a long-running process on a file of its own (the serve PID
/// lock, the publish lock), with a line of text naming the holder. Released when dropped or
/// when the process dies, however it dies.
///
/// The file can be removed ([`ProcessLock::remove`]) without opening a window for two
/// holders: it is unlinked only while held, and a lock taken on a file that is no longer
/// at its path (unlinked, or replaced, between the open and the `flock`) is let go and
/// taken again on the file now there.
#[derive(Debug)]
pub struct ProcessLock {
    file: File,
    path: PathBuf,
}

/// What [`ProcessLock::probe`] found at a lock's path.
#[derive(Debug)]
pub enum Probe {
    /// No lock file: nobody holds it.
    Missing,
    /// Another process holds it.
    Held,
    /// Nobody held it; now this process does.
    Taken(ProcessLock),
}

impl ProcessLock {
    /// Takes the lock at `path` (creating the file and its directory), or `None` if another
    /// process holds it.
    pub fn try_acquire(path: &Path) -> io::Result<Option<ProcessLock>> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            fsops::create_dir_all(dir)?;
        }
        loop {
            match Self::take(fsops::open_or_create(path)?, path)? {
                Probe::Taken(lock) => return Ok(Some(lock)),
                Probe::Held => return Ok(None),
                Probe::Missing => {}
            }
        }
    }

    /// Takes the lock at `path` if its file exists and nobody holds it; creates nothing
    /// (asking whether a process runs, without leaving a lock file behind).
    pub fn probe(path: &Path) -> io::Result<Probe> {
        loop {
            let file = match std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(path)
            {
                Ok(file) => file,
                Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Probe::Missing),
                Err(e) => return Err(e),
            };
            match Self::take(file, path)? {
                Probe::Missing => {}
                found => return Ok(found),
            }
        }
    }

    /// `flock`s `file`, opened at `path`: `Missing` when the lock was got on a file that
    /// is no longer the one at `path` (the caller opens again).
    fn take(file: File, path: &Path) -> io::Result<Probe> {
        use std::os::unix::fs::MetadataExt;
        match flock(&file, libc::LOCK_EX | libc::LOCK_NB) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::WouldBlock => return Ok(Probe::Held),
            Err(e) => return Err(e),
        }
        let held = file.metadata()?;
        let current = std::fs::metadata(path).ok();
        if current.is_some_and(|c| (c.dev(), c.ino()) == (held.dev(), held.ino())) {
            let path = path.to_path_buf();
            return Ok(Probe::Taken(ProcessLock { file, path }));
        }
        Ok(Probe::Missing)
    }

    /// Replaces the holder text.
    pub fn set_holder(&mut self, text: &str) -> io::Result<()> {
        fsops::set_len(&self.file, 0)?;
        self.file.rewind()?;
        fsops::write_all(&self.file, text.as_bytes())
    }

    /// The holder text of the lock file at `path` (empty if none).
    pub fn holder(path: &Path) -> String {
        std::fs::read_to_string(path).unwrap_or_default()
    }

    /// Removes the lock file, then releases the lock: what a holder does when it is done
    /// for good, so that nothing is left behind.
    pub fn remove(self) -> io::Result<()> {
        match fsops::remove_file(&self.path) {
            Err(e) if e.kind() != io::ErrorKind::NotFound => Err(e),
            _ => Ok(()),
        }
    }
}

impl Drop for ProcessLock {
    fn drop(&mut self) {
        let _ = fsops::set_len(&self.file, 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_process_lock_file_is_removed_only_while_held_and_never_doubly_held() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("state/serve.pid.lock");
        assert!(matches!(ProcessLock::probe(&path).unwrap(), Probe::Missing));
        assert!(!path.exists(), "a probe creates nothing");
        let lock = ProcessLock::try_acquire(&path).unwrap().unwrap();
        assert!(matches!(ProcessLock::probe(&path).unwrap(), Probe::Held));
        // Opened before the holder removes the file: the lock got on it afterwards is on
        // a file no longer there, and is not taken.
        let early = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .open(&path)
            .unwrap();
        lock.remove().unwrap();
        assert!(!path.exists());
        assert!(matches!(
            ProcessLock::take(early, &path).unwrap(),
            Probe::Missing
        ));
        let again = ProcessLock::try_acquire(&path).unwrap().unwrap();
        assert!(ProcessLock::try_acquire(&path).unwrap().is_none());
        match ProcessLock::probe(&path).unwrap() {
            Probe::Held => {}
            other => panic!("{other:?}"),
        }
        drop(again);
        assert!(matches!(
            ProcessLock::probe(&path).unwrap(),
            Probe::Taken(_)
        ));
    }
}

//! Single-file atomic writes outside a build (the PID file, the build cache, the manifest).
//!
//! The same temp-file code path as the [`OutputWriter`](super::OutputWriter): a temp in the
//! target's directory, written, synced, renamed over the target, directory synced. No lock, no
//! manifest: for files that have one writer at a time by other means.

use std::fs;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::error::{OutputError, Result};
use super::fsops::{self, SyncSite};
use super::temp::{TempFile, TempKind};
use super::Durability;

/// Replaces `path` with `bytes` atomically and durably: a reader sees the old file or the new
/// one, never a mix, and after a power loss the file is one of the two.
pub fn atomic_write(path: impl AsRef<Path>, bytes: impl AsRef<[u8]>) -> Result<()> {
    write_with(path.as_ref(), bytes.as_ref(), Durability::Fsync)
}

/// [`atomic_write`] with a chosen durability.
pub fn write_with(path: &Path, bytes: &[u8], durability: Durability) -> Result<()> {
    let mode = match fs::symlink_metadata(path) {
        Ok(m) if m.is_dir() => {
            return Err(OutputError::TargetIsDirectory {
                path: path.to_path_buf(),
            })
        }
        Ok(m) if m.is_file() => Some(m.permissions().mode() & 0o7777),
        _ => None,
    };
    let err = |op, e: io::Error| OutputError::io(op, path, e);
    let mut temp = TempFile::create(path, mode, TempKind::PreferAnonymous)
        .map_err(|e| err("create temp for", e))?;
    temp.open_file()
        .and_then(|f| fsops::write_all(f, bytes))
        .map_err(|e| err("write", e))?;
    if durability == Durability::Fsync {
        temp.sync(SyncSite::AtomicFile)
            .map_err(|e| err("fsync", e))?;
    }
    temp.persist(path).map_err(|e| err("rename", e))?;
    if durability == Durability::Fsync {
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        fsops::sync_dir(dir, SyncSite::AtomicDir).map_err(|e| OutputError::io("fsync", dir, e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn replaces_and_keeps_mode() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pid");
        atomic_write(&path, b"1\n").unwrap();
        fs::set_permissions(&path, fs::Permissions::from_mode(0o600)).unwrap();
        atomic_write(&path, b"22\n").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"22\n");
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1, "no temp left");
    }

    #[test]
    fn refuses_a_directory() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            atomic_write(dir.path(), b"x"),
            Err(OutputError::TargetIsDirectory { .. })
        ));
    }
}

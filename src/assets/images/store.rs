//! The store of processed images in the state directory (`.sitegen/processed-images/`): each
//! result by its store key (see the parent module), kept across builds so an image is encoded once, not at every
//! build, and not again when the output directory is cleaned or moved.
//!
//! Written without fsync (a hundred photos would wait on the disk a hundred times), so each
//! file ends with the xxh3-128 hash of the bytes before it: a file torn by a power loss fails
//! the check and is made again, never published.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use super::ImageError;
use crate::output::Durability;

const CHECK_LEN: usize = 16;

pub(super) struct Store {
    dir: PathBuf,
    puts: AtomicUsize,
}

impl Store {
    pub(super) fn new(dir: PathBuf) -> Self {
        Store {
            dir,
            puts: AtomicUsize::new(0),
        }
    }

    /// Whether `name` is stored (not checked: [`Store::get`] checks before anything is
    /// published).
    pub(super) fn contains(&self, name: &str) -> bool {
        self.dir.join(name).is_file()
    }

    /// The bytes stored as `name`, if they are there and intact.
    pub(super) fn get(&self, name: &str) -> Option<Vec<u8>> {
        let mut bytes = std::fs::read(self.dir.join(name)).ok()?;
        let split = bytes.len().checked_sub(CHECK_LEN)?;
        let check: [u8; CHECK_LEN] = bytes[split..].try_into().ok()?;
        bytes.truncate(split);
        (xxhash_rust::xxh3::xxh3_128(&bytes).to_le_bytes() == check).then_some(bytes)
    }

    /// The hash the file stored as `name` records of its bytes (xxh3-128, the output
    /// writer's hash), read from its end without checking the rest.
    pub(super) fn stored_hash(&self, name: &str) -> Option<u128> {
        use std::io::{Seek, SeekFrom};
        let mut file = std::fs::File::open(self.dir.join(name)).ok()?;
        if file.metadata().ok()?.len() < CHECK_LEN as u64 {
            return None;
        }
        file.seek(SeekFrom::End(-(CHECK_LEN as i64))).ok()?;
        let mut check = [0u8; CHECK_LEN];
        file.read_exact(&mut check).ok()?;
        Some(u128::from_le_bytes(check))
    }

    pub(super) fn put(&self, name: &str, bytes: &[u8]) -> Result<(), ImageError> {
        let path = self.dir.join(name);
        let store_err = |source| ImageError::Store {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&self.dir)
            .map_err(|e| store_err(crate::output::OutputError::io("create", &self.dir, e)))?;
        let mut file = Vec::with_capacity(bytes.len() + CHECK_LEN);
        file.extend_from_slice(bytes);
        file.extend_from_slice(&xxhash_rust::xxh3::xxh3_128(bytes).to_le_bytes());
        crate::output::atomic_write_with(&path, &file, Durability::None).map_err(store_err)?;
        self.puts.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// How many results were stored by this process's builds of this store.
    pub(super) fn puts(&self) -> usize {
        self.puts.load(Ordering::Relaxed)
    }

    /// Removes every stored file whose name `keep` refuses (and stray temps).
    pub(super) fn retain(&self, keep: impl Fn(&str) -> bool) {
        let Ok(entries) = std::fs::read_dir(&self.dir) else {
            return;
        };
        for entry in entries.flatten() {
            let name = entry.file_name();
            if !keep(&name.to_string_lossy()) {
                let _ = std::fs::remove_file(entry.path());
            }
        }
    }
}

/// The first `limit` bytes of `path` (all of it if shorter).
pub(super) fn read_prefix(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    let mut bytes = Vec::new();
    std::fs::File::open(path)?
        .take(limit)
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

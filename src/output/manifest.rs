//! The output manifest: which files the last committed build wrote, with size, mtime and hash.
//!
//! It serves two purposes: pruning (a file the previous build wrote and this one did not is
//! removed; a file sitegen never wrote is never touched) and skipping unchanged outputs
//! (same hash and the file on disk still has the recorded size and mtime: nothing to write).
//! It is kept in the state directory and replaced atomically after each commit.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

const VERSION: u32 = 1;

/// A 128-bit content hash (xxh3), hex in JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ContentHash(pub(crate) u128);

impl ContentHash {
    pub(crate) fn of(bytes: &[u8]) -> Self {
        ContentHash(xxhash_rust::xxh3::xxh3_128(bytes))
    }
}

impl Serialize for ContentHash {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&format!("{:032x}", self.0))
    }
}

impl<'de> Deserialize<'de> for ContentHash {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        u128::from_str_radix(&text, 16)
            .map(ContentHash)
            .map_err(serde::de::Error::custom)
    }
}

/// What the manifest knows of one output file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Entry {
    pub(crate) size: u64,
    pub(crate) mtime_ns: i128,
    pub(crate) hash: ContentHash,
}

/// The manifest file's content.
#[derive(Debug, Default, Serialize, Deserialize)]
pub(crate) struct Manifest {
    version: u32,
    /// The output directory it describes (canonical); a manifest for another directory is
    /// never used to prune this one.
    output_dir: PathBuf,
    pub(crate) files: BTreeMap<String, Entry>,
    /// Whether the commit that wrote it made the files durable (`Durability::Fsync`): a
    /// later durable build that changes nothing need not sync again.
    #[serde(default)]
    pub(crate) durable: bool,
    /// Device and inode of the directory it describes, under `Publish::Swap`: the two
    /// trees exchange names, and a directory's inode goes with it, so after a crash between
    /// the exchange and the saving of the manifests this still says which tree is which.
    #[serde(default)]
    pub(crate) root_id: Option<(u64, u64)>,
    /// What the caller says of the build that made this generation (run id, times,
    /// inputs; see `OutputOptions::run`), with `committed`, the time of the commit.
    #[serde(default)]
    pub(crate) run: Option<serde_json::Value>,
}

impl Manifest {
    pub(crate) fn new(output_dir: &Path) -> Self {
        Manifest {
            version: VERSION,
            output_dir: output_dir.to_path_buf(),
            files: BTreeMap::new(),
            durable: false,
            root_id: None,
            run: None,
        }
    }

    /// Loads a manifest file whatever directory it names (`None`: missing, unreadable, of
    /// another version). For the swapped trees, whose names change.
    pub(crate) fn load_any(path: &Path) -> Option<Self> {
        let bytes = fs::read(path).ok()?;
        serde_json::from_slice::<Manifest>(&bytes)
            .ok()
            .filter(|m| m.version == VERSION)
    }

    /// Whether it was made for `output_dir`.
    pub(crate) fn describes(&self, output_dir: &Path) -> bool {
        self.output_dir == output_dir
    }

    /// Whether it lists the same files with the same bytes as `other` (mtimes aside).
    pub(crate) fn same_files(&self, other: &Manifest) -> bool {
        self.files.len() == other.files.len()
            && self
                .files
                .iter()
                .zip(&other.files)
                .all(|((p, a), (q, b))| p == q && a.hash == b.hash && a.size == b.size)
    }

    /// This manifest, now describing `output_dir` (its files are unchanged).
    pub(crate) fn relabel(mut self, output_dir: &Path) -> Self {
        self.output_dir = output_dir.to_path_buf();
        self
    }

    /// Loads the manifest for `output_dir`, or an empty one (with a reason) when the file is
    /// missing, unreadable, of another version or for another directory.
    pub(crate) fn load(path: &Path, output_dir: &Path) -> (Self, Option<String>) {
        let empty = || Manifest::new(output_dir);
        let bytes = match fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return (empty(), None),
            Err(e) => {
                return (
                    empty(),
                    Some(format!("{}: unreadable ({e})", path.display())),
                )
            }
        };
        match serde_json::from_slice::<Manifest>(&bytes) {
            Ok(m) if m.version != VERSION => (
                empty(),
                Some(format!(
                    "{}: version {} is not {VERSION}",
                    path.display(),
                    m.version
                )),
            ),
            Ok(m) if m.output_dir != output_dir => (
                empty(),
                Some(format!(
                    "{}: describes {}, not this output dir",
                    path.display(),
                    m.output_dir.display()
                )),
            ),
            Ok(m) => (m, None),
            Err(e) => (empty(), Some(format!("{}: corrupt ({e})", path.display()))),
        }
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

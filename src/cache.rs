//! The JSON build cache in the site's `.sitegen/`: hashes of every input and output of the
//! last successful build. Saved atomically after the output commit; a missing, corrupt or
//! other-version file is a one-line warning and an empty cache, never an error.
//!
//! (Skipping work with it is the incremental-build step; this lays down the format.)

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::output::{atomic_write, OutputError};

/// Bumped whenever the format changes; an older file is ignored with a warning.
pub const CACHE_VERSION: u32 = 1;

/// The cache file's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct BuildCache {
    pub version: u32,
    pub sitegen_version: String,
    pub base_url: String,
    pub output_dir: String,
    pub drafts: bool,
    /// Input file (relative to the site root) to xxh3-128 hex.
    pub inputs: BTreeMap<String, String>,
    /// Output file (relative to the output dir) to xxh3-128 hex.
    pub outputs: BTreeMap<String, String>,
}

/// Hex of the xxh3-128 hash of `bytes`.
pub fn hash_hex(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

impl BuildCache {
    /// Loads the cache, or returns `None` with a one-line warning when it is unusable.
    pub fn load_or_empty(path: &Path) -> (Option<BuildCache>, Option<String>) {
        let bytes = match std::fs::read(path) {
            Ok(b) => b,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return (None, None),
            Err(e) => {
                return (
                    None,
                    Some(format!(
                        "{}: unreadable build cache ignored ({e})",
                        path.display()
                    )),
                )
            }
        };
        match serde_json::from_slice::<BuildCache>(&bytes) {
            Ok(c) if c.version == CACHE_VERSION => (Some(c), None),
            Ok(c) => (
                None,
                Some(format!(
                    "{}: build cache version {} ignored (expected {CACHE_VERSION})",
                    path.display(),
                    c.version
                )),
            ),
            Err(e) => (
                None,
                Some(format!(
                    "{}: corrupt build cache ignored ({e})",
                    path.display()
                )),
            ),
        }
    }

    /// Saves the cache atomically.
    pub fn save(&self, path: &Path) -> Result<(), OutputError> {
        let json = serde_json::to_vec_pretty(self).unwrap_or_default();
        atomic_write(path, &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_bad_files_warn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-cache.json");
        assert_eq!(BuildCache::load_or_empty(&path), (None, None));
        let mut cache = BuildCache {
            version: CACHE_VERSION,
            ..Default::default()
        };
        cache.inputs.insert("content/a.md".into(), hash_hex(b"a"));
        cache.save(&path).unwrap();
        assert_eq!(BuildCache::load_or_empty(&path).0, Some(cache));
        atomic_write(&path, b"{\"version\": 1, \"inpu").unwrap();
        let (c, warning) = BuildCache::load_or_empty(&path);
        assert!(c.is_none() && warning.unwrap().contains("corrupt"));
        atomic_write(&path, b"{\"version\": 0}").unwrap();
        assert!(BuildCache::load_or_empty(&path)
            .1
            .unwrap()
            .contains("version"));
    }
}

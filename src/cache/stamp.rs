//! The build cache's stamp (`build-cache.stamp`, beside `build-cache.json`): what a build
//! needs to know of the cache to see that nothing changed, without parsing it.
//!
//! Why: at 10,000 pages the cache is megabytes of JSON, and parsing it into maps of strings
//! was a third of a no-op build. The stamp holds the settings the cache was made with, one
//! digest of the inputs' stamps (path, size, mtime), one digest of the outputs and their
//! hashes ([`Listing`]), and the files the functions read. It names the cache it was
//! written with by the hash of its bytes: a stamp beside any other cache (a crash between
//! the two writes, a cache saved by `serve`, a file edited by hand) is not used, and the
//! build reads the cache as before. It is a memo: missing or wrong, it costs time, never a
//! different output.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::BuildCache;
use crate::output::{atomic_write_with, Durability, Listing};

/// Bumped whenever the layout changes.
const VERSION: u32 = 1;

/// See the module doc.
#[derive(Debug, PartialEq, Serialize, Deserialize)]
pub struct Stamp {
    version: u32,
    /// The cache's own `version` (a cache of another layout is not used, stamp or not).
    cache_version: u32,
    cache_hash: u128,
    pub sitegen_version: String,
    pub base_url: String,
    pub output_dir: String,
    pub drafts: bool,
    pub minify: bool,
    #[serde(default)]
    pub safety: String,
    /// [`inputs_digest`] of the cache's inputs.
    pub inputs: u128,
    /// The [`Listing`] of the cache's outputs that have a hash.
    pub outputs: u128,
    /// The cache's `read_files`.
    pub read_files: Vec<String>,
}

/// The stamp's path for the cache at `cache_path`.
pub fn stamp_path(cache_path: &Path) -> PathBuf {
    cache_path.with_extension("stamp")
}

/// The digest of input stamps `(path, size, mtime_ns)` in path order without repeats (a
/// file a function looked for and did not find is `(path, 0, 0)`, as the cache records it).
pub fn inputs_digest<'a>(inputs: impl IntoIterator<Item = (&'a str, u64, i128)>) -> u128 {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut count = 0u64;
    for (rel, size, mtime_ns) in inputs {
        h.update(&(rel.len() as u64).to_le_bytes());
        h.update(rel.as_bytes());
        h.update(&size.to_le_bytes());
        h.update(&mtime_ns.to_le_bytes());
        count += 1;
    }
    h.update(&count.to_le_bytes());
    h.digest128()
}

impl Stamp {
    /// The stamp of `cache`, whose saved bytes are `bytes`.
    pub fn of(cache: &BuildCache, bytes: &[u8]) -> Stamp {
        let outputs = cache.outputs.iter().filter_map(|(path, record)| {
            Some((path.as_str(), u128::from_str_radix(&record.hash, 16).ok()?))
        });
        Stamp {
            version: VERSION,
            cache_version: cache.version,
            cache_hash: xxhash_rust::xxh3::xxh3_128(bytes),
            sitegen_version: cache.sitegen_version.clone(),
            base_url: cache.base_url.clone(),
            output_dir: cache.output_dir.clone(),
            drafts: cache.drafts,
            minify: cache.minify,
            safety: cache.safety.clone(),
            inputs: inputs_digest(
                cache
                    .inputs
                    .iter()
                    .map(|(rel, r)| (rel.as_str(), r.size, r.mtime_ns)),
            ),
            outputs: Listing::of(outputs).0,
            read_files: cache.read_files.clone(),
        }
    }

    /// Writes the stamp beside the cache at `cache_path`, without fsync (a stamp lost in a
    /// crash is only a slower next build).
    pub fn save(&self, cache_path: &Path) {
        if let Ok(bytes) = bincode::serialize(self) {
            let _ = atomic_write_with(&stamp_path(cache_path), &bytes, Durability::None);
        }
    }

    /// The stamp beside the cache whose bytes are `cache_bytes`, if it was written for
    /// exactly those bytes by this version of sitegen.
    pub fn load_for(cache_path: &Path, cache_bytes: &[u8]) -> Option<Stamp> {
        let bytes = std::fs::read(stamp_path(cache_path)).ok()?;
        let stamp: Stamp = bincode::deserialize(&bytes).ok()?;
        (stamp.version == VERSION
            && stamp.cache_version == super::CACHE_VERSION
            && stamp.cache_hash == xxhash_rust::xxh3::xxh3_128(cache_bytes)
            && stamp.sitegen_version == env!("CARGO_PKG_VERSION"))
        .then_some(stamp)
    }

    /// Whether the stamp's settings are those of `expect` (the header of the cache this
    /// build would write).
    pub fn same_settings(&self, expect: &BuildCache) -> bool {
        (
            &self.sitegen_version,
            &self.base_url,
            &self.output_dir,
            self.drafts,
            self.minify,
            &self.safety,
        ) == (
            &expect.sitegen_version,
            &expect.base_url,
            &expect.output_dir,
            expect.drafts,
            expect.minify,
            &expect.safety,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cache::{InputRecord, OutputRecord};

    fn cache() -> BuildCache {
        let mut cache = BuildCache {
            version: crate::cache::CACHE_VERSION,
            sitegen_version: env!("CARGO_PKG_VERSION").into(),
            base_url: "https://example.com".into(),
            read_files: vec!["data/a.toml".into()],
            ..BuildCache::default()
        };
        let input = |size, mtime_ns| InputRecord {
            size,
            mtime_ns,
            hash: "00".into(),
        };
        cache.inputs.insert("config.toml".into(), input(10, 5));
        cache.inputs.insert("content/a.md".into(), input(20, 6));
        let output = OutputRecord {
            hash: format!("{:032x}", 7u128),
            ..OutputRecord::default()
        };
        cache.outputs.insert("a/index.html".into(), output);
        cache
    }

    #[test]
    fn a_stamp_is_good_only_for_the_cache_bytes_it_was_written_with() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-cache.json");
        let cache = cache();
        cache.save(&path).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        let stamp = Stamp::load_for(&path, &bytes).expect("saved with the cache");
        assert_eq!(stamp, Stamp::of(&cache, &bytes));
        assert_eq!(stamp.read_files, vec!["data/a.toml".to_string()]);
        assert_eq!(stamp.outputs, Listing::of([("a/index.html", 7)]).0);
        let mut other = bytes.clone();
        other.push(b' ');
        assert!(Stamp::load_for(&path, &other).is_none(), "another cache");
        std::fs::write(stamp_path(&path), b"junk").unwrap();
        assert!(Stamp::load_for(&path, &bytes).is_none(), "a damaged stamp");
    }

    #[test]
    fn the_inputs_digest_sees_every_path_size_and_mtime() {
        let base = inputs_digest([("a", 1, 2), ("b", 3, 4)]);
        assert_eq!(base, inputs_digest([("a", 1, 2), ("b", 3, 4)]));
        for other in [
            inputs_digest([("a", 1, 2), ("b", 3, 5)]),
            inputs_digest([("a", 1, 2), ("b", 4, 4)]),
            inputs_digest([("a", 1, 2), ("c", 3, 4)]),
            inputs_digest([("a", 1, 2)]),
        ] {
            assert_ne!(base, other);
        }
        let mut settings = cache();
        let stamp = Stamp::of(&settings, b"");
        assert!(stamp.same_settings(&settings));
        settings.drafts = true;
        assert!(!stamp.same_settings(&settings));
    }
}

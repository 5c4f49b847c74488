//! The JSON build cache in the site's `.sitegen/`: hashes of every input and output of the
//! last successful build. Saved atomically after the output commit; a missing, corrupt or
//! other-version file is a one-line warning and an empty cache, never an error.
//!
//! Incremental builds use it twice: the inputs' size, mtime and hash tell whether anything
//! changed at all (nothing: no rendering, no writes), and each output's render key (a hash of
//! everything its render reads) and recorded template-function calls tell whether that one
//! output must be rendered again.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::output::{atomic_write, OutputError};

mod stamp;
pub use stamp::{inputs_digest, stamp_path, Stamp};

/// Bumped whenever the format changes; an older file is ignored with a warning.
pub const CACHE_VERSION: u32 = 4;

/// The cache file's content.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct BuildCache {
    pub version: u32,
    pub sitegen_version: String,
    pub base_url: String,
    pub output_dir: String,
    pub drafts: bool,
    /// Whether HTML was minified (`minify_html` or `--minify`, which is in no input file).
    #[serde(default)]
    pub minify: bool,
    /// Whether the build was a `--safe` one, and its allowlists: a trusted build's renders
    /// are not reused by a safe one (they may hold what `--safe` refuses), nor the other way
    /// round, nor across allowlists.
    /// [`crate::safety::Safety::fingerprint`]: empty for a trusted build.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub safety: String,
    /// Input file (relative to the site root).
    pub inputs: BTreeMap<String, InputRecord>,
    /// Output file (relative to the output dir).
    pub outputs: BTreeMap<String, OutputRecord>,
    /// The template-function calls outputs made, each once ([`OutputRecord::calls`] are
    /// indices): thousands of pages make the same few calls.
    pub calls: Vec<Call>,
    /// Files template functions read or looked for (`load_data`, `get_hash`, ...; relative
    /// to the site root when inside it): inputs of the next build wherever they are.
    pub read_files: Vec<String>,
    /// Per CSS file compiled from Sass, the files its compile read or looked for (relative
    /// to the site root when inside it): what decides whether it must be compiled again.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub sass_inputs: BTreeMap<String, Vec<String>>,
}

/// What the cache knows of one input file.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct InputRecord {
    pub size: u64,
    pub mtime_ns: i128,
    /// xxh3-128, hex.
    pub hash: String,
}

/// A template-function call made while rendering an output: name and sorted arguments.
pub type Call = (String, Vec<(String, serde_json::Value)>);

/// What the cache knows of one output file.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct OutputRecord {
    /// xxh3-128 of the bytes, hex.
    pub hash: String,
    /// The render key (hex), absent for outputs that are always made anew.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Template functions the render called (indices into [`BuildCache::calls`]), and the
    /// hash of their results then.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub calls_hash: Option<String>,
}

/// Hex of the xxh3-128 hash of `bytes`.
pub fn hash_hex(bytes: &[u8]) -> String {
    format!("{:032x}", xxhash_rust::xxh3::xxh3_128(bytes))
}

impl BuildCache {
    /// Drops calls no output refers to any more and renumbers the rest.
    pub fn compact_calls(&mut self) {
        let mut used: Vec<Option<u32>> = vec![None; self.calls.len()];
        let mut kept = Vec::new();
        for record in self.outputs.values_mut() {
            for id in &mut record.calls {
                let Some(slot) = used.get_mut(*id as usize) else {
                    continue;
                };
                let new = *slot.get_or_insert_with(|| {
                    kept.push(*id as usize);
                    (kept.len() - 1) as u32
                });
                *id = new;
            }
        }
        let mut old = std::mem::take(&mut self.calls);
        self.calls = kept
            .into_iter()
            .map(|i| std::mem::take(&mut old[i]))
            .collect();
    }

    /// Loads the cache, or returns `None` with a one-line warning when it is unusable.
    pub fn load_or_empty(path: &Path) -> (Option<BuildCache>, Option<String>) {
        match Self::read(path) {
            Ok(Some(bytes)) => Self::parse(path, &bytes),
            Ok(None) => (None, None),
            Err(warning) => (None, Some(warning)),
        }
    }

    /// The cache file's bytes (`None` if there is none), or the warning that it is
    /// unreadable.
    pub fn read(path: &Path) -> Result<Option<Vec<u8>>, String> {
        match std::fs::read(path) {
            Ok(b) => Ok(Some(b)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(format!(
                "{}: unreadable build cache ignored ({e})",
                path.display()
            )),
        }
    }

    /// [`BuildCache::load_or_empty`] of the bytes [`BuildCache::read`] gave.
    pub fn parse(path: &Path, bytes: &[u8]) -> (Option<BuildCache>, Option<String>) {
        match serde_json::from_slice::<BuildCache>(bytes) {
            Ok(c) if c.version == CACHE_VERSION => (Some(c), None),
            parsed => {
                // Another version may not parse as this one: read the version alone.
                #[derive(serde::Deserialize)]
                struct Version {
                    version: Option<u64>,
                }
                let version = serde_json::from_slice::<Version>(bytes)
                    .ok()
                    .and_then(|v| v.version);
                let reason = match (version, parsed) {
                    (Some(v), _) if v != u64::from(CACHE_VERSION) => {
                        format!("build cache version {v} ignored (expected {CACHE_VERSION})")
                    }
                    (_, Err(e)) => format!("corrupt build cache ignored ({e})"),
                    (_, Ok(_)) => "corrupt build cache ignored (no version)".to_string(),
                };
                (None, Some(format!("{}: {reason}", path.display())))
            }
        }
    }

    /// Saves the cache atomically, and its [`Stamp`] beside it.
    pub fn save(&self, path: &Path) -> Result<(), OutputError> {
        let json = serde_json::to_vec(self).unwrap_or_default();
        atomic_write(path, &json)?;
        Stamp::of(self, &json).save(path);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn compacting_calls_keeps_what_outputs_refer_to() {
        let call = |n: &str| (n.to_string(), Vec::new());
        let mut cache = BuildCache {
            calls: vec![call("a"), call("b"), call("c")],
            ..Default::default()
        };
        let record = |calls: Vec<u32>| OutputRecord {
            calls,
            ..OutputRecord::default()
        };
        cache.outputs.insert("x.html".into(), record(vec![2, 0]));
        cache.outputs.insert("y.html".into(), record(vec![2]));
        cache.compact_calls();
        assert_eq!(cache.calls, vec![call("c"), call("a")]);
        assert_eq!(cache.outputs["x.html"].calls, vec![0, 1]);
        assert_eq!(cache.outputs["y.html"].calls, vec![0]);
    }

    #[test]
    fn round_trip_and_bad_files_warn() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-cache.json");
        assert_eq!(BuildCache::load_or_empty(&path), (None, None));
        let mut cache = BuildCache {
            version: CACHE_VERSION,
            ..Default::default()
        };
        let record = InputRecord {
            size: 1,
            mtime_ns: 2,
            hash: hash_hex(b"a"),
        };
        cache.inputs.insert("content/a.md".into(), record);
        cache.save(&path).unwrap();
        assert_eq!(BuildCache::load_or_empty(&path).0, Some(cache));
        atomic_write(&path, b"{\"version\": 1, \"inpu").unwrap();
        let (c, warning) = BuildCache::load_or_empty(&path);
        assert!(c.is_none() && warning.unwrap().contains("corrupt"));
        atomic_write(&path, b"{\"version\": 1}").unwrap();
        assert!(BuildCache::load_or_empty(&path)
            .1
            .unwrap()
            .contains("version"));
    }
}

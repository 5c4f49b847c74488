//! The output manifest: which files the last committed build wrote, with size, mtime and hash.
//!
//! It serves two purposes: pruning (a file the previous build wrote and this one did not is
//! removed; a file no commit wrote is never touched) and skipping unchanged outputs
//! (same hash and the file on disk still has the recorded size and mtime: nothing to write).
//! It is kept in the state directory and replaced atomically after each commit.
//!
//! It seals itself: the last field of the file is an xxh3-128 checksum of everything before
//! it, so a manifest changed by hand or by a flipped bit is known to be damaged ([`verify`](crate::verify)
//! says so; a build treats it like a corrupt one: starts from nothing, with a
//! warning). Sealing costs one hash of the JSON text, no second serialization. Manifests
//! of version 1 (before the seal) load as they are.

use std::collections::BTreeMap;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Sealed manifests (with `checksum`, entries with `mode`).
const VERSION: u32 = 2;
/// Manifests written before the seal; still read.
const LEGACY_VERSION: u32 = 1;
/// What precedes the checksum's 32 hex digits at the end of a sealed manifest.
const SEAL_KEY: &[u8] = b",\"checksum\":\"";

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
    /// Permission bits the file had when the writer last wrote it or found it holding its
    /// bytes (the writer keeps a replaced file's mode); `None` in manifests of version 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) mode: Option<u32>,
}

/// The manifest file's content.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
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
    /// When this generation last became live, counted in commits that made a generation
    /// live (builds that changed the output, rollbacks), so that `rollback` can tell the
    /// build just before the live one from an older standby that builds published file by
    /// file have skipped over. `None` in manifests written before it was recorded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) sequence: Option<u64>,
    /// Read to tell a sealed manifest from a legacy one; written by [`Manifest::to_json`]
    /// itself, always last.
    #[serde(default, skip_serializing)]
    checksum: Option<String>,
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
            sequence: None,
            checksum: None,
        }
    }

    /// Parses a manifest file's bytes, checking its seal; the error says why it is not
    /// usable.
    pub(crate) fn parse(bytes: &[u8]) -> Result<Self, String> {
        let manifest: Manifest =
            serde_json::from_slice(bytes).map_err(|e| format!("not a manifest ({e})"))?;
        if manifest.version != VERSION && manifest.version != LEGACY_VERSION {
            return Err(format!("version {} is not {VERSION}", manifest.version));
        }
        let text = bytes.trim_ascii_end();
        let seal = text
            .strip_suffix(b"\"}")
            .and_then(|t| t.len().checked_sub(32).map(|at| t.split_at(at)))
            .and_then(|(head, hex)| Some((head.strip_suffix(SEAL_KEY)?, hex)));
        match seal {
            Some((body, hex)) if manifest.version == VERSION => {
                let recorded = std::str::from_utf8(hex)
                    .ok()
                    .and_then(|h| u128::from_str_radix(h, 16).ok());
                if recorded == Some(xxhash_rust::xxh3::xxh3_128(body)) {
                    Ok(manifest)
                } else {
                    Err("checksum mismatch: changed since it was written".into())
                }
            }
            None if manifest.version == LEGACY_VERSION && manifest.checksum.is_none() => {
                Ok(manifest)
            }
            _ => Err("its checksum is missing or misplaced".into()),
        }
    }

    /// A manifest of the files now in `dir` (named temps left out), read and hashed: for a
    /// tree whose manifest was lost.
    pub(crate) fn scan(dir: &Path, root_id: Option<(u64, u64)>) -> Self {
        let mut manifest = Manifest::new(dir);
        manifest.root_id = root_id;
        let walk = walkdir::WalkDir::new(dir).follow_links(false).min_depth(1);
        for entry in walk.into_iter().filter_map(|e| e.ok()) {
            let name = entry.file_name().to_string_lossy();
            if !entry.file_type().is_file() || super::temp::is_temp_name(&name) {
                continue;
            }
            let (Ok(bytes), Ok(meta)) = (fs::read(entry.path()), entry.metadata()) else {
                continue;
            };
            let (size, mtime_ns) = super::temp::stamp_of(&meta);
            let rel = entry.path().strip_prefix(dir).unwrap_or(entry.path());
            let entry = Entry {
                size,
                mtime_ns,
                hash: ContentHash::of(&bytes),
                mode: Some(std::os::unix::fs::PermissionsExt::mode(&meta.permissions()) & 0o7777),
            };
            let rel = rel.to_string_lossy().replace('\\', "/");
            manifest.files.insert(rel, entry);
        }
        manifest
    }

    /// Loads a manifest file whatever directory it names (`None`: missing, unreadable, of
    /// another version). For the swapped trees, whose names change.
    pub(crate) fn load_any(path: &Path) -> Option<Self> {
        Manifest::parse(&fs::read(path).ok()?).ok()
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

    /// The sequence number of a generation that becomes live after the ones `self` and
    /// `other` describe: one more than the higher of theirs.
    pub(crate) fn next_sequence(&self, other: &Manifest) -> u64 {
        self.sequence.max(other.sequence).map_or(1, |s| s + 1)
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
        match Manifest::parse(&bytes) {
            Ok(m) if m.output_dir != output_dir => (
                empty(),
                Some(format!(
                    "{}: describes {}, not this output dir",
                    path.display(),
                    m.output_dir.display()
                )),
            ),
            Ok(m) => (m, None),
            Err(e) => (empty(), Some(format!("{}: unusable: {e}", path.display()))),
        }
    }

    /// The manifest file's bytes, sealed: `{...,"checksum":"<xxh3-128 of the text before
    /// the comma>"}`.
    pub(crate) fn to_json(&self) -> Vec<u8> {
        let mut json = serde_json::to_vec(self).unwrap_or_default();
        if json.pop() != Some(b'}') {
            return Vec::new();
        }
        let sum = xxhash_rust::xxh3::xxh3_128(&json);
        json.extend_from_slice(SEAL_KEY);
        json.extend_from_slice(format!("{sum:032x}\"}}").as_bytes());
        json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Manifest {
        let mut m = Manifest::new(Path::new("/site/public"));
        for (i, name) in ["a.html", "b/index.html"].into_iter().enumerate() {
            let entry = Entry {
                size: 10 + i as u64,
                mtime_ns: 1_700_000_000_000_000_000 + i as i128,
                hash: ContentHash::of(name.as_bytes()),
                mode: Some(0o644),
            };
            m.files.insert(name.into(), entry);
        }
        m.run = Some(serde_json::json!({ "run_id": "r1", "checksum": "not the seal" }));
        m
    }

    #[test]
    fn a_sealed_manifest_reads_back_as_written() {
        let m = sample();
        let json = m.to_json();
        let back = Manifest::parse(&json).unwrap();
        assert_eq!(back.files, m.files);
        assert_eq!(back.run, m.run);
        // A trailing newline (an editor's) is not damage.
        let mut with_newline = json.clone();
        with_newline.push(b'\n');
        assert!(Manifest::parse(&with_newline).is_ok());
    }

    #[test]
    fn any_changed_byte_is_damage() {
        let json = sample().to_json();
        let text = String::from_utf8(json.clone()).unwrap();
        // Hand edits that keep valid JSON: another hash, another size, a file removed.
        let hash = format!("{:032x}", ContentHash::of(b"a.html").0);
        let edits = [
            text.replacen(&hash, &"0".repeat(32), 1),
            text.replacen("\"size\":10", "\"size\":11", 1),
            text.replacen("\"version\":2", "\"version\":1", 1),
        ];
        for edited in edits {
            assert_ne!(edited, text);
            let err = Manifest::parse(edited.as_bytes()).unwrap_err();
            assert!(err.contains("checksum"), "{err}");
        }
        // Every single flipped bit of the body, where it still parses.
        let mut flipped_and_parsed = 0;
        for i in 0..json.len() {
            let mut bad = json.clone();
            bad[i] ^= 0x01;
            if serde_json::from_slice::<Manifest>(&bad).is_ok() {
                flipped_and_parsed += 1;
            }
            assert!(Manifest::parse(&bad).is_err(), "bit flip at {i} undetected");
        }
        assert!(flipped_and_parsed > 0, "some flips keep valid JSON");
    }

    #[test]
    fn a_missing_seal_is_damage_but_a_version_1_manifest_loads() {
        let json = String::from_utf8(sample().to_json()).unwrap();
        // The seal is last (`run` holds a `checksum` key of its own, written in its order).
        let cut = json.rfind(",\"checksum\":\"").unwrap();
        let unsealed = format!("{}}}", &json[..cut]);
        assert!(Manifest::parse(unsealed.as_bytes())
            .unwrap_err()
            .contains("missing"));
        // As the writer wrote it before the seal: version 1, no checksum, no modes.
        let legacy = r#"{"version":1,"output_dir":"/site/public","files":{"a.html":{"size":3,"mtime_ns":5,"hash":"0000000000000000000000000000002a"}},"durable":true}"#;
        let m = Manifest::parse(legacy.as_bytes()).unwrap();
        assert_eq!(m.files["a.html"].hash, ContentHash(42));
        assert_eq!(m.files["a.html"].mode, None);
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("m.json");
        fs::write(&path, legacy).unwrap();
        let (loaded, warning) = Manifest::load(&path, Path::new("/site/public"));
        assert_eq!((loaded.files.len(), warning), (1, None));
        // A damaged one loads as empty, with a warning naming the file.
        fs::write(&path, unsealed).unwrap();
        let (loaded, warning) = Manifest::load(&path, Path::new("/site/public"));
        assert!(loaded.files.is_empty());
        assert!(warning.unwrap().contains("m.json"));
    }
}

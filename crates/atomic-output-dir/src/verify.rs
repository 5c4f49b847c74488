//! `verify`: is the live output exactly what the last commit wrote?
//!
//! Every file the live generation's manifest lists is read back and hashed (xxh3-128,
//! streamed in chunks, on all cores), and the live tree is walked for what the manifest does
//! not list. Nothing is written. What it finds, per path:
//! - missing, not a regular file, unreadable, modified (other bytes than recorded), or with
//!   other permission bits than recorded: what `verify --repair` rewrites ([`super::repair`]);
//! - extra: a file no commit wrote. Only reported: the writer never touches those;
//! - a leftover temp (`.<name>.sitegen-tmp-<uuid>`) of a build that was killed;
//! - a damaged manifest (its seal does not match, see `manifest`): then no file can be
//!   judged, and only leftover temps are looked for besides.
//!
//! Hashing is what makes it a check: a file edited and given back its size and mtime
//! (`touch -r`) passes every stamp comparison a build makes, not this one.
//!
//! # Permissions
//! The manifest records the mode each file had when the writer last wrote it; a build that
//! finds a file already holding its bytes keeps the recorded mode. A file whose mode
//! differs from the record is reported (comparing with a default mode instead would flag
//! every file of a build made under another umask). The writer keeps an existing file's
//! mode when it replaces it, so a deliberate `chmod` survives the next build that rewrites
//! the file, which then records it. Entries of manifests written before modes were recorded
//! are not checked for it (the next build that finds such a file holding its bytes records
//! the mode it has).
//!
//! # Locking
//! The output lock is taken shared: a running build is waited for (its temps and half-done
//! commit are not findings), and a build started meanwhile waits until the check ends;
//! several checks run at once.
//!
//! # Limits
//! A file written through a symlinked directory inside the output (which the writer allows)
//! is found by the walk under its real path and reported as extra.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt;
use std::fs::{self, File};
use std::io::{self, Read};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use rayon::prelude::*;
use serde::Serialize;
use xxhash_rust::xxh3::Xxh3;

use super::error::{OutputError, Result};
use super::lock::{Access, LockMode, StateLock};
use super::manifest::{ContentHash, Entry, Manifest};
use super::publish::STANDBY_MANIFEST_FILE;
use super::writer::{LOCK_FILE, MANIFEST_FILE};
use super::{sys, temp};

/// Bytes read at a time; one buffer per thread, reused for every file.
const CHUNK: usize = 256 * 1024;

/// A file's size and content hash (xxh3-128, hex), as recorded or as found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FileFacts {
    /// Size in bytes.
    pub size: u64,
    /// xxh3-128 of the bytes, 32 hex digits.
    pub hash: String,
}

impl FileFacts {
    fn new(size: u64, hash: ContentHash) -> Self {
        FileFacts {
            size,
            hash: format!("{:032x}", hash.0),
        }
    }
}

/// Permission bits (shown in octal).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Mode(
    /// The bits, as `st_mode & 0o7777`.
    pub u32,
);

impl fmt::Display for Mode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:04o}", self.0)
    }
}

impl Serialize for Mode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// What is wrong at one path.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ProblemKind {
    /// Listed in the manifest, absent from the output.
    Missing,
    /// Listed, but a directory, symlink or other non-regular file is there.
    NotAFile,
    /// Listed, but could not be read.
    Unreadable {
        /// The OS error.
        reason: String,
    },
    /// Other bytes than the manifest records.
    Modified {
        /// What the manifest records.
        expected: FileFacts,
        /// What is on disk.
        actual: FileFacts,
    },
    /// Other permission bits than the manifest records.
    Permissions {
        /// What the manifest records.
        expected: Mode,
        /// What is on disk.
        actual: Mode,
    },
    /// In the output but not written by any commit (never touched, only reported).
    Extra,
    /// A temp file of a build that was stopped before it could remove it.
    LeftoverTemp,
    /// The manifest itself does not pass its checksum (or does not parse), or none describes
    /// the live tree (a commit was stopped between its swap and the saving of its manifests).
    ManifestDamaged {
        /// What failed: the checksum, or the parse.
        reason: String,
    },
}

impl ProblemKind {
    /// Whether `verify --repair` fixes it by writing the file anew.
    pub fn is_rewritable(&self) -> bool {
        matches!(
            self,
            ProblemKind::Missing
                | ProblemKind::NotAFile
                | ProblemKind::Unreadable { .. }
                | ProblemKind::Modified { .. }
                | ProblemKind::Permissions { .. }
        )
    }
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Problem {
    /// Relative to the output directory (`/`-separated); for a damaged manifest, the
    /// manifest file.
    pub path: String,
    /// What is wrong.
    #[serde(flatten)]
    pub kind: ProblemKind,
}

/// What `verify` found.
#[derive(Clone, Debug, Serialize)]
pub struct VerifyReport {
    /// The directory verified.
    pub output_dir: PathBuf,
    /// Files the manifest lists (each read and hashed).
    pub files_checked: usize,
    /// Bytes read and hashed.
    pub bytes_hashed: u64,
    /// How long the check took.
    #[serde(rename = "elapsed_ms", serialize_with = "millis")]
    pub elapsed: Duration,
    /// Sorted by path.
    pub problems: Vec<Problem>,
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_u64(d.as_millis() as u64)
}

impl VerifyReport {
    /// No problem at all.
    pub fn is_clean(&self) -> bool {
        self.problems.is_empty()
    }

    /// Paths to write anew (missing, modified, ... files), each once.
    pub fn to_rewrite(&self) -> Vec<String> {
        let mut paths: Vec<String> = self
            .problems
            .iter()
            .filter(|p| p.kind.is_rewritable())
            .map(|p| p.path.clone())
            .collect();
        paths.dedup();
        paths
    }

    /// Leftover temps, relative to the output directory.
    pub fn leftover_temps(&self) -> Vec<String> {
        self.paths_of(|k| matches!(k, ProblemKind::LeftoverTemp))
    }

    /// Whether the manifest is damaged (then no file could be judged).
    pub fn manifest_damaged(&self) -> bool {
        self.problems
            .iter()
            .any(|p| matches!(p.kind, ProblemKind::ManifestDamaged { .. }))
    }

    fn paths_of(&self, which: impl Fn(&ProblemKind) -> bool) -> Vec<String> {
        let wanted = self.problems.iter().filter(|p| which(&p.kind));
        wanted.map(|p| p.path.clone()).collect()
    }
}

impl fmt::Display for VerifyReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let verdict = match self.problems.len() {
            0 => "clean".to_string(),
            1 => "1 problem".to_string(),
            n => format!("{n} problems"),
        };
        write!(
            f,
            "{}: {} files verified ({:.1} MiB) in {} ms: {verdict}",
            self.output_dir.display(),
            self.files_checked,
            self.bytes_hashed as f64 / (1024.0 * 1024.0),
            self.elapsed.as_millis()
        )?;
        for p in &self.problems {
            let path = &p.path;
            match &p.kind {
                ProblemKind::Missing => write!(f, "\n  missing      {path}")?,
                ProblemKind::NotAFile => write!(f, "\n  not a file   {path}")?,
                ProblemKind::Unreadable { reason } => {
                    write!(f, "\n  unreadable   {path} ({reason})")?
                }
                ProblemKind::Modified { expected, actual } => write!(
                    f,
                    "\n  modified     {path} ({} bytes, hash {}; recorded {} bytes, hash {})",
                    actual.size, actual.hash, expected.size, expected.hash
                )?,
                ProblemKind::Permissions { expected, actual } => write!(
                    f,
                    "\n  permissions  {path} (mode {actual}; recorded {expected})"
                )?,
                ProblemKind::Extra => {
                    write!(f, "\n  extra        {path} (not written by a commit)")?
                }
                ProblemKind::LeftoverTemp => write!(
                    f,
                    "\n  temp         {path} (left by a build that was stopped)"
                )?,
                ProblemKind::ManifestDamaged { reason } => {
                    write!(f, "\n  manifest     {path}: damaged: {reason}")?
                }
            }
        }
        Ok(())
    }
}

/// Checks the live generation of `out_dir` against its manifest in `state_dir`: every listed
/// file hashed, the tree walked for unlisted files. Holds the output lock shared (waiting or
/// failing per `lock_mode` while a build holds it). An error when there is nothing to check
/// against (never built, or the manifest describes another directory) or the tree cannot be
/// walked; everything else is a [`Problem`] in the report.
pub fn verify(out_dir: &Path, state_dir: &Path, lock_mode: LockMode) -> Result<VerifyReport> {
    let started = Instant::now();
    if !state_dir.join(MANIFEST_FILE).exists() {
        return Err(OutputError::NotVerifiable {
            path: state_dir.join(MANIFEST_FILE),
            reason: "no manifest: nothing was built into this output yet".into(),
        });
    }
    let _lock = StateLock::acquire_as(&state_dir.join(LOCK_FILE), lock_mode, Access::Shared)?;
    let live = resolve(out_dir);
    let (problems, files_checked, bytes_hashed) = match live_manifest(state_dir, &live)? {
        Found::Manifest(manifest) => {
            let (listed, unlisted) = rayon::join(
                || check_listed(&live, &manifest.files),
                || unlisted(&live, &manifest.files),
            );
            let (mut problems, bytes) = listed;
            problems.extend(unlisted?);
            (problems, manifest.files.len(), bytes)
        }
        Found::Damaged(reason) => {
            let path = state_dir.join(MANIFEST_FILE).display().to_string();
            let mut problems = vec![Problem {
                path,
                kind: ProblemKind::ManifestDamaged { reason },
            }];
            let temps = unlisted(&live, &BTreeMap::new())?;
            problems.extend(
                temps
                    .into_iter()
                    .filter(|p| p.kind == ProblemKind::LeftoverTemp),
            );
            (problems, 0, 0)
        }
    };
    let mut problems = problems;
    problems.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(VerifyReport {
        output_dir: live,
        files_checked,
        bytes_hashed,
        elapsed: started.elapsed(),
        problems,
    })
}

/// `out_dir` made absolute and canonical, as far as it exists.
pub(crate) fn resolve(out_dir: &Path) -> PathBuf {
    if let Ok(path) = fs::canonicalize(out_dir) {
        return path;
    }
    let parent = out_dir.parent().filter(|p| !p.as_os_str().is_empty());
    match (
        fs::canonicalize(parent.unwrap_or(Path::new("."))),
        out_dir.file_name(),
    ) {
        (Ok(parent), Some(name)) => parent.join(name),
        _ => out_dir.to_path_buf(),
    }
}

/// What `verify` says of a live tree that a commit swapped in and was stopped before it
/// saved its manifest.
const STOPPED_AFTER_SWAP: &str = "the last commit was stopped between its swap and the \
     saving of its manifests: the live tree is one whole generation, but no manifest describes \
     it until the next build";

enum Found {
    Manifest(Manifest),
    Damaged(String),
}

/// The manifest of the live tree `live`.
fn live_manifest(state: &Path, live: &Path) -> Result<Found> {
    let path = state.join(MANIFEST_FILE);
    let bytes = fs::read(&path).map_err(|e| OutputError::io("read", &path, e))?;
    let manifest = match Manifest::parse(&bytes) {
        Ok(m) => m,
        Err(reason) => return Ok(Found::Damaged(reason)),
    };
    // Under swap, after a crash between the exchange of the trees and the saving of the
    // manifests, the live tree's manifest is the standby's file (the inodes say).
    let live_id = sys::dir_id(live);
    // If that commit was stopped in the window (its in-progress marker is still there), the
    // standby's file describes the tree before that commit changed it: no manifest
    // describes the live tree until the next build does.
    if manifest.root_id.is_some() && live_id.is_some() && manifest.root_id != live_id {
        let standby = Manifest::load_any(&state.join(STANDBY_MANIFEST_FILE));
        if let Some(standby) = standby.filter(|s| s.root_id == live_id) {
            if super::marker::InProgress::was_left(state) {
                return Ok(Found::Damaged(STOPPED_AFTER_SWAP.into()));
            }
            return Ok(Found::Manifest(standby.relabel(live)));
        }
    }
    if !manifest.describes(live) {
        return Err(OutputError::NotVerifiable {
            path,
            reason: format!(
                "it describes another output directory, not {}",
                live.display()
            ),
        });
    }
    Ok(Found::Manifest(manifest))
}

/// Hashes every listed file in parallel: the problems found and the bytes read.
fn check_listed(live: &Path, files: &BTreeMap<String, Entry>) -> (Vec<Problem>, u64) {
    let root_dir = File::open(live).ok();
    let entries: Vec<(&String, &Entry)> = files.iter().collect();
    entries
        .par_iter()
        .map(|(rel, entry)| check_file(live, root_dir.as_ref(), rel, entry))
        .reduce(
            || (Vec::new(), 0),
            |(mut a, x), (b, y)| {
                a.extend(b);
                (a, x + y)
            },
        )
}

/// The problems of one listed file, and the bytes read.
fn check_file(
    root: &Path,
    root_dir: Option<&File>,
    rel: &str,
    entry: &Entry,
) -> (Vec<Problem>, u64) {
    let problem = |kind| Problem {
        path: rel.to_string(),
        kind,
    };
    let Some(dir) = root_dir else {
        return (vec![problem(ProblemKind::Missing)], 0);
    };
    let opened = sys::open_read(root, dir, rel).and_then(|file| {
        let meta = file.metadata()?;
        Ok((file, meta))
    });
    let (file, meta) = match opened {
        Ok(opened) => opened,
        Err(e) => {
            let kind = match e.raw_os_error() {
                Some(libc::ENOENT) | Some(libc::ENOTDIR) => ProblemKind::Missing,
                Some(libc::ELOOP) => ProblemKind::NotAFile,
                _ => ProblemKind::Unreadable {
                    reason: e.to_string(),
                },
            };
            let mut problems = vec![problem(kind)];
            problems.extend(mode_problem(
                rel,
                entry,
                fs::symlink_metadata(root.join(rel)).ok(),
            ));
            return (problems, 0);
        }
    };
    if !meta.is_file() {
        return (vec![problem(ProblemKind::NotAFile)], 0);
    }
    let size = meta.len();
    let mut problems: Vec<Problem> = mode_problem(rel, entry, Some(meta)).into_iter().collect();
    match hash_file(file, size) {
        Ok((size, hash)) => {
            if size != entry.size || hash != entry.hash {
                problems.push(problem(ProblemKind::Modified {
                    expected: FileFacts::new(entry.size, entry.hash),
                    actual: FileFacts::new(size, hash),
                }));
            }
            (problems, size)
        }
        Err(e) => {
            problems.push(problem(ProblemKind::Unreadable {
                reason: e.to_string(),
            }));
            (problems, 0)
        }
    }
}

/// A permissions problem, when the manifest records a mode and the file has another.
fn mode_problem(rel: &str, entry: &Entry, meta: Option<fs::Metadata>) -> Option<Problem> {
    let meta = meta.filter(|m| m.is_file())?;
    let actual = meta.permissions().mode() & 0o7777;
    let expected = entry.mode.filter(|&m| m != actual)?;
    Some(Problem {
        path: rel.to_string(),
        kind: ProblemKind::Permissions {
            expected: Mode(expected),
            actual: Mode(actual),
        },
    })
}

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Size and xxh3-128 of everything `file` holds, read in chunks. `size`: what `fstat` said;
/// a file that fits one chunk is read with one `read` asking for a byte more than that:
/// getting exactly `size` bytes is its end, without a second call to see it (more: it
/// grew, less: a short read; either way reading goes on to the end).
fn hash_file(mut file: File, size: u64) -> io::Result<(u64, ContentHash)> {
    BUFFER.with(|buffer| {
        let mut buf = buffer.borrow_mut();
        if buf.len() < CHUNK {
            buf.resize(CHUNK, 0);
        }
        let want = usize::try_from(size).map_or(CHUNK, |s| s.saturating_add(1).min(CHUNK));
        let first = loop {
            match file.read(&mut buf[..want]) {
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                read => break read?,
            }
        };
        if first < want && first as u64 == size {
            // The whole file in one chunk (most outputs): one-shot hash.
            return Ok((size, ContentHash::of(&buf[..first])));
        }
        let mut hasher = Xxh3::new();
        hasher.update(&buf[..first]);
        let mut total = first as u64;
        loop {
            let n = fill(&mut file, &mut buf)?;
            if n == 0 {
                break;
            }
            hasher.update(&buf[..n]);
            total += n as u64;
        }
        Ok((total, ContentHash(hasher.digest128())))
    })
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
fn fill(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Walks `live` for what `files` does not list: extra files and leftover temps.
fn unlisted(live: &Path, files: &BTreeMap<String, Entry>) -> Result<Vec<Problem>> {
    let mut problems = Vec::new();
    if !live.is_dir() {
        return Ok(problems);
    }
    let walk = walkdir::WalkDir::new(live).min_depth(1).follow_links(false);
    for entry in walk {
        let entry = entry.map_err(|e| {
            let path = e.path().unwrap_or(live).to_path_buf();
            OutputError::io("read directory", &path, e.into())
        })?;
        if entry.file_type().is_dir() {
            continue;
        }
        let rel = entry.path().strip_prefix(live).unwrap_or(entry.path());
        let rel = rel.to_string_lossy().replace('\\', "/");
        if files.contains_key(&rel) {
            continue;
        }
        let is_temp = entry.file_name().to_str().is_some_and(temp::is_temp_name);
        problems.push(Problem {
            path: rel,
            kind: match is_temp {
                true => ProblemKind::LeftoverTemp,
                false => ProblemKind::Extra,
            },
        });
    }
    Ok(problems)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashes_equal_the_writers_at_every_chunk_boundary_whatever_the_size_hint() {
        let tmp = tempfile::tempdir().unwrap();
        for len in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 7] {
            let bytes: Vec<u8> = (0..len).map(|i| (i * 7 % 256) as u8).collect();
            let path = tmp.path().join(format!("f{len}"));
            fs::write(&path, &bytes).unwrap();
            let expected = (len as u64, ContentHash::of(&bytes));
            // The true size, and hints a file that changed since its `fstat` would give.
            for hint in [len as u64, 0, len as u64 / 2, len as u64 + 10] {
                let got = hash_file(File::open(&path).unwrap(), hint).unwrap();
                assert_eq!(got, expected, "len {len}, hint {hint}");
            }
        }
    }
}

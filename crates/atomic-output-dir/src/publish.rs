//! Whole-site publish: the output directory switches from one complete build to the next in
//! one step, and back (`rollback`).
//!
//! Under [`Publish::Swap`] there are two complete trees on one file system: the live output
//! directory and a standby beside it (`.NAME.sitegen-standby`, outside what is deployed). A
//! build brings the standby up to date, which is O(changes): it is one generation behind, so
//! it needs the last build's changes and this build's. Bytes the live tree already has are
//! hard-linked from it; new bytes go through a temp and a rename as in [`Publish::Files`];
//! a file shared by both trees is never written in place, only replaced. Then one
//! `renameat2(RENAME_EXCHANGE)` swaps the two names: a reader resolving paths sees the old
//! site or the new one, never a mix, and a crash leaves one or the other whole. The old live
//! tree is now the standby: exactly the previous generation, which `rollback` swaps back.
//!
//! Which tree is which is recorded in the manifests by each tree's directory inode, which
//! moves with the name in an exchange: after a crash between the exchange and the saving of
//! the manifests, the inodes still tell them apart. A build killed while it was updating the
//! standby leaves the standby marked incomplete (the writer's in-progress marker): `rollback`
//! refuses it, and the next build repairs it (its files are checked against their recorded
//! size and mtime as always, and files no manifest lists are removed).
//!
//! Where the exchange is not available (another OS, a kernel or file system without it), a
//! swap build falls back to [`Publish::Files`] and says so.

use std::fs::{self, File};
use std::path::{Path, PathBuf};

use super::error::{OutputError, Result};
use super::fsops::{self, SyncSite};
use super::lock::{LockMode, StateLock};
use super::manifest::{Entry, Manifest};
use super::marker::InProgress;
use super::{sys, temp};

/// The manifest of the standby tree, next to the live one in the state directory.
pub(crate) const STANDBY_MANIFEST_FILE: &str = "output-manifest.standby.json";

/// How a build's files reach the output directory.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Publish {
    /// Each file is replaced atomically, one after another: a reader during the commit can
    /// see some new files next to some old ones (each whole).
    #[default]
    Files,
    /// The whole site switches at once (see the module docs).
    Swap,
}

impl Publish {
    /// Parses `files` / `swap` (the CLI's and the config's spelling).
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "files" => Some(Publish::Files),
            "swap" => Some(Publish::Swap),
            _ => None,
        }
    }
}

/// The standby tree of the live output directory `live`: beside it, hidden.
pub fn standby_path(live: &Path) -> PathBuf {
    let name = live
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".into());
    live.with_file_name(format!(".{name}.sitegen-standby"))
}

#[cfg(test)]
thread_local! {
    /// Tests: behave as on a file system that cannot exchange directories.
    pub(crate) static NO_EXCHANGE: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

const PROBE_PREFIX: &str = ".sitegen-probe-";

/// Whether `dir`'s file system can exchange two directories: tried on two empty
/// directories made for it (the only way to know; a few microseconds). They are made in
/// `state` when that is on the same file system, else in `dir`; either way, probes a crash
/// left there are removed first.
fn exchange_works(dir: &Path, state: &Path) -> std::result::Result<(), String> {
    #[cfg(test)]
    if NO_EXCHANGE.with(|n| n.get()) {
        return Err("Invalid argument (os error 22)".into());
    }
    let device = |d: &Path| sys::dir_id(d).map(|(dev, _)| dev);
    let dir = match device(dir).is_some() && device(dir) == device(state) {
        true => state,
        false => dir,
    };
    for entry in fs::read_dir(dir).into_iter().flatten().flatten() {
        let name = entry.file_name();
        if name.to_string_lossy().starts_with(PROBE_PREFIX) {
            let _ = fsops::remove_dir(&entry.path());
        }
    }
    let id = uuid::Uuid::new_v4().simple();
    let a = dir.join(format!("{PROBE_PREFIX}{id}-a"));
    let b = dir.join(format!("{PROBE_PREFIX}{id}-b"));
    let result = fsops::create_dir(&a)
        .and_then(|()| fsops::create_dir(&b))
        .and_then(|()| fsops::exchange(&a, &b));
    let _ = fsops::remove_dir(&a);
    let _ = fsops::remove_dir(&b);
    result.map_err(|e| e.to_string())
}

/// The live tree, as a swap build sees it: where unchanged bytes are linked from.
pub(crate) struct Live {
    pub(crate) root: PathBuf,
    root_dir: Option<File>,
    pub(crate) manifest: Manifest,
    /// The live directory's device and inode before this build.
    id: Option<(u64, u64)>,
}

impl Live {
    /// The live tree's entry for `rel`, if the file there still has its recorded size and
    /// mtime.
    pub(crate) fn intact(&self, rel: &str) -> Option<Entry> {
        let entry = *self.manifest.files.get(rel)?;
        let stamp = sys::file_stamp(&self.root, self.root_dir.as_ref(), rel)?;
        (stamp == (entry.size, entry.mtime_ns)).then_some(entry)
    }

    /// Whether every file the live manifest lists still has its recorded size and mtime.
    pub(crate) fn all_intact(&self) -> bool {
        use rayon::prelude::*;
        self.manifest
            .files
            .par_iter()
            .all(|(rel, _)| self.intact(rel).is_some())
    }

    /// A temp in the standby beside `target` that is a hard link to the live file `rel`
    /// (same bytes, same inode; the live file is never written through it).
    pub(crate) fn link_temp(&self, rel: &str, target: &Path) -> Option<temp::TempFile> {
        temp::TempFile::hard_link(&self.root.join(rel), target).ok()
    }
}

/// Both trees of a swap build, as [`open_trees`] finds them.
pub(crate) struct Trees {
    pub(crate) standby: PathBuf,
    pub(crate) standby_manifest: Manifest,
    pub(crate) live: Live,
}

/// Sorts the two manifests in `state` onto the two trees by directory inode.
pub(crate) fn manifests(state: &Path, live: &Path, standby: &Path) -> (Manifest, Manifest) {
    let sorted = sort_manifests(state, live, standby);
    (
        sorted.live.unwrap_or_else(|| Manifest::new(live)),
        sorted.standby.unwrap_or_else(|| Manifest::new(standby)),
    )
}

/// The manifests of the two trees, where known.
struct Sorted {
    live: Option<Manifest>,
    standby: Option<Manifest>,
    /// The live tree's only manifest was set aside as stale (see [`sort_manifests`]).
    live_stale: bool,
}

/// Sorts the manifests in `state` by directory inode.
///
/// One case is not trusted: after a build or rollback stopped part-way (its marker is
/// there), the standby's manifest file naming the live tree. The trees were exchanged and
/// the manifests not (or only the first) saved, and that file describes the tree as it was
/// before the stopped build changed it.
fn sort_manifests(state: &Path, live: &Path, standby: &Path) -> Sorted {
    let live_id = sys::dir_id(live);
    let standby_id = sys::dir_id(standby);
    let stopped = InProgress::was_left(state);
    let mut sorted = Sorted {
        live: None,
        standby: None,
        live_stale: false,
    };
    for file in [super::writer::MANIFEST_FILE, STANDBY_MANIFEST_FILE] {
        let Some(m) = Manifest::load_any(&state.join(file)) else {
            continue;
        };
        match m.root_id {
            Some(id) if Some(id) == live_id && stopped && file == STANDBY_MANIFEST_FILE => {
                sorted.live_stale = true;
            }
            Some(id) if Some(id) == live_id => sorted.live = Some(m.relabel(live)),
            Some(id) if Some(id) == standby_id => sorted.standby = Some(m.relabel(standby)),
            // A manifest of `Publish::Files` builds describes the live tree by its path.
            None if file == super::writer::MANIFEST_FILE && m.describes(live) => {
                sorted.live = Some(m)
            }
            _ => {}
        }
    }
    sorted.live_stale &= sorted.live.is_none();
    sorted
}

/// Opens both trees for a swap build of the live directory `live` (canonical): the standby
/// is created if missing. `Ok(Err(reason))` when this file system cannot exchange
/// directories (the caller falls back to [`Publish::Files`]).
pub(crate) fn open_trees(live: &Path, state: &Path) -> Result<std::result::Result<Trees, String>> {
    let parent = live.parent().unwrap_or(Path::new("/"));
    if let Err(reason) = exchange_works(parent, state) {
        return Ok(Err(format!(
            "{}: cannot swap directories here ({reason}); publishing file by file",
            parent.display()
        )));
    }
    let standby = standby_path(live);
    fsops::create_dir_all(&standby)
        .map_err(|e| OutputError::io("create directory", &standby, e))?;
    let sorted = sort_manifests(state, live, &standby);
    // The live tree is a whole generation (the exchange came after the last change to it)
    // that no manifest describes: it is described anew from its files, so that its files
    // stay the writer's (pruned when a later build into it does not write them).
    let live_manifest = match (sorted.live, sorted.live_stale) {
        (Some(m), _) => m,
        (None, true) => Manifest::scan(live, sys::dir_id(live)),
        (None, false) => Manifest::new(live),
    };
    let standby_manifest = sorted.standby.unwrap_or_else(|| Manifest::new(&standby));
    Ok(Ok(Trees {
        live: Live {
            root_dir: File::open(live).ok(),
            root: live.to_path_buf(),
            manifest: live_manifest,
            id: sys::dir_id(live),
        },
        standby,
        standby_manifest,
    }))
}

/// Swaps the standby (now the new generation, described by `new`) and the live tree, then
/// records both manifests. `durable`: the parent directory is synced after the exchange.
pub(crate) fn swap_in(
    trees: Trees,
    mut new: Manifest,
    state: &Path,
    durability: super::Durability,
) -> Result<()> {
    let Trees {
        standby, live: old, ..
    } = trees;
    new.root_id = sys::dir_id(&standby);
    fsops::exchange(&standby, &old.root).map_err(|e| OutputError::io("swap", &old.root, e))?;
    if durability == super::Durability::Fsync {
        let parent = old.root.parent().unwrap_or(Path::new("/"));
        fsops::sync_dir(parent, SyncSite::SwapParent)
            .map_err(|e| OutputError::io("fsync", parent, e))?;
    }
    let mut previous = old.manifest.relabel(&standby);
    // The first build has no previous generation: what was there is nothing the writer
    // wrote, and `rollback` must not swap it in.
    let was_a_build = previous.root_id.is_some() || !previous.files.is_empty();
    previous.root_id = match was_a_build {
        true => previous.root_id.or(old.id),
        false => None,
    };
    record(state, new.relabel(&old.root), previous, durability)
}

/// Saves the manifests of the live and standby trees.
pub(crate) fn record(
    state: &Path,
    live: Manifest,
    standby: Manifest,
    durability: super::Durability,
) -> Result<()> {
    super::atomic::write_with(
        &state.join(super::writer::MANIFEST_FILE),
        &live.to_json(),
        durability,
    )?;
    super::atomic::write_with(
        &state.join(STANDBY_MANIFEST_FILE),
        &standby.to_json(),
        durability,
    )
}

/// The sequence number of `new`, a generation committed file by file over `previous`: the
/// previous one's when the files are the same (nothing new became live), else the next.
/// The live manifest's number is normally the higher of the two trees'; only when it has
/// none (lost, or written before the field) is the standby's manifest read.
pub(crate) fn files_sequence(state: &Path, previous: &Manifest, new: &Manifest) -> Option<u64> {
    if previous.sequence.is_some() && new.same_files(previous) {
        return previous.sequence;
    }
    let standby = match previous.sequence {
        Some(_) => None,
        None => Manifest::load_any(&state.join(STANDBY_MANIFEST_FILE)),
    };
    let standby = standby.unwrap_or_default();
    Some(previous.next_sequence(&standby))
}

/// Removes every regular file under `root` that `manifest` does not list: what a build
/// killed while updating the standby left there (files it had renamed in that no build
/// now writes). Directories left empty go too.
pub(crate) fn remove_strays(root: &Path, manifest: &Manifest) -> usize {
    let mut removed = 0;
    let walk = walkdir::WalkDir::new(root)
        .contents_first(true)
        .min_depth(1);
    for entry in walk.into_iter().filter_map(|e| e.ok()) {
        let path = entry.path();
        if entry.file_type().is_dir() {
            let _ = fsops::remove_dir(path);
            continue;
        }
        let rel = path
            .strip_prefix(root)
            .unwrap_or(path)
            .to_string_lossy()
            .replace('\\', "/");
        if !manifest.files.contains_key(&rel) && fsops::remove_file(path).is_ok() {
            removed += 1;
        }
    }
    removed
}

/// What `rollback` does with a standby older than the build just before the live one
/// (builds published file by file since keep no standby, so it skips over them).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum OlderStandby {
    /// Refuse, naming the standby's build and how far behind it is (the default: a user
    /// who asks to go back one build must not land several builds back unawares).
    #[default]
    Refuse,
    /// Restore it anyway (a command line's `rollback --force`).
    Restore,
}

/// What `rollback` did.
#[derive(Clone, Debug)]
pub struct RollbackReport {
    /// The output directory, now holding the generation that was the standby.
    pub output_dir: PathBuf,
    /// Files in the generation now live.
    pub files: usize,
    /// The generation now live (the standby before).
    pub restored: Generation,
    /// The generation that was live, now the standby (the next rollback restores it).
    pub replaced: Generation,
    /// How many generations older than the replaced one the restored one is (see
    /// [`Generations::standby_behind`]).
    pub behind: Option<u64>,
}

/// How many generations the standby (`standby`) is behind the live one (`live`), when both
/// record it: 1 for the build just before.
fn behind(live: &Manifest, standby: &Manifest) -> Option<u64> {
    Some(live.sequence?.saturating_sub(standby.sequence?))
}

/// Swaps the live output and its standby back in one step, without building: the previous
/// generation is live again; run again, it rolls forward. Refused (nothing changes) when
/// there is no standby or it is not a complete generation, and, unless `older` says
/// otherwise, when builds were published file by file since the standby was live.
pub fn rollback(
    out_dir: &Path,
    state: &Path,
    lock_mode: LockMode,
    older: OlderStandby,
) -> Result<RollbackReport> {
    let _lock = StateLock::acquire(&state.join(super::writer::LOCK_FILE), lock_mode)?;
    let live = fs::canonicalize(out_dir).map_err(|e| OutputError::io("resolve", out_dir, e))?;
    let standby = standby_path(&live);
    if InProgress::was_left(state) {
        return Err(OutputError::StandbyIncomplete {
            path: standby,
            reason: "a build or rollback was stopped part-way; the next build repairs it",
        });
    }
    let (live_manifest, mut standby_manifest) = manifests(state, &live, &standby);
    if sys::dir_id(&standby).is_none() || standby_manifest.root_id.is_none() {
        return Err(OutputError::StandbyIncomplete {
            path: standby,
            reason: "there is no previous generation (build twice with `--publish swap` first)",
        });
    }
    let behind = behind(&live_manifest, &standby_manifest);
    let (restored, replaced) = (
        Generation::of(&standby_manifest),
        Generation::of(&live_manifest),
    );
    if let Some(behind) = behind.filter(|&b| b > 1 && older == OlderStandby::Refuse) {
        return Err(OutputError::StandbyOutdated {
            path: live,
            standby: restored.name(),
            live: replaced.name(),
            behind,
        });
    }
    // Live again, after the generation it replaces: the next rollback brings that back.
    standby_manifest.sequence = Some(live_manifest.next_sequence(&standby_manifest));
    let files = standby_manifest.files.len();
    let trees = Trees {
        live: Live {
            root_dir: None,
            id: sys::dir_id(&live),
            root: live.clone(),
            manifest: live_manifest,
        },
        standby: standby.clone(),
        standby_manifest: Manifest::new(&standby),
    };
    // Marked in progress, durably, before the exchange: a crash between the exchange and
    // the manifests can leave one tree without its manifest, and then the next build must
    // treat the trees as a stopped build's (remove what no manifest lists).
    let marker = InProgress::begin(state, &[], super::Durability::Fsync)?;
    marker.make_durable()?;
    let live_id = trees.live.id;
    let swapped = swap_in(trees, standby_manifest, state, super::Durability::Fsync);
    // Kept after a failure, unless the exchange did not happen.
    if swapped.is_ok() || sys::dir_id(&live) == live_id {
        marker.end();
    }
    swapped?;
    Ok(RollbackReport {
        output_dir: live,
        files,
        restored,
        replaced,
        behind,
    })
}

/// One generation of the output, as its manifest records it.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Generation {
    /// Files in it.
    pub files: usize,
    /// The record the build gave (`OutputOptions::run`), if any.
    pub run: Option<serde_json::Value>,
}

impl Generation {
    fn of(manifest: &Manifest) -> Self {
        Generation {
            files: manifest.files.len(),
            run: manifest.run.clone(),
        }
    }

    /// How messages name it: `build RUN_ID (committed TIME)` from the record the build
    /// gave, or `a build of N files (not recorded)`.
    pub fn name(&self) -> String {
        self.named(None)
    }

    /// [`Generation::name`] with the number of files: `build RUN_ID (committed TIME, N
    /// files)`.
    pub fn name_with_files(&self) -> String {
        self.named(Some(format!("{} files", self.files)))
    }

    fn named(&self, detail: Option<String>) -> String {
        let field = |key: &str| self.run.as_ref().and_then(|r| r[key].as_str());
        let Some(id) = field("run_id") else {
            return format!("a build of {} files (not recorded)", self.files);
        };
        let details: Vec<String> = field("committed")
            .map(|time| format!("committed {time}"))
            .into_iter()
            .chain(detail)
            .collect();
        match details.is_empty() {
            true => format!("build {id}"),
            false => format!("build {id} ({})", details.join(", ")),
        }
    }
}

/// The live generation and the one `rollback` would restore.
#[derive(Clone, Debug, serde::Serialize)]
pub struct Generations {
    /// The live generation, when the output directory has a manifest.
    pub live: Option<Generation>,
    /// The standby generation, when there is a complete one.
    pub standby: Option<Generation>,
    /// How many generations older than the live one the standby is, when both record it:
    /// 1 when it is the build just before; more when builds were published file by file
    /// since (then `rollback` refuses without `--force`).
    pub standby_behind: Option<u64>,
    /// Why there is no standby to roll back to, when there is none.
    pub no_standby: Option<String>,
}

/// Reads what is live in `out_dir` and what `rollback` would restore, from the manifests
/// in `state` (nothing is locked or changed).
pub fn generations(out_dir: &Path, state: &Path) -> Generations {
    let live = fs::canonicalize(out_dir).unwrap_or_else(|_| out_dir.to_path_buf());
    let standby = standby_path(&live);
    let (live_manifest, standby_manifest) = manifests(state, &live, &standby);
    let live_known = sys::dir_id(&live).is_some() && !live_manifest.files.is_empty();
    let no_standby = if InProgress::was_left(state) {
        Some("a build or rollback was stopped part-way (or one is running); the next build repairs it".to_string())
    } else if standby_manifest.root_id.is_none() || sys::dir_id(&standby).is_none() {
        Some("no previous generation (builds with --publish swap keep one)".to_string())
    } else {
        None
    };
    let has_standby = no_standby.is_none();
    Generations {
        live: live_known.then(|| Generation::of(&live_manifest)),
        standby: has_standby.then(|| Generation::of(&standby_manifest)),
        standby_behind: behind(&live_manifest, &standby_manifest).filter(|_| has_standby),
        no_standby,
    }
}

/// Removes the standby tree of `out_dir` (its files that the standby manifest lists, then
/// the directories left empty) and its manifest: a `clean` command's removal.
pub fn remove_standby(out_dir: &Path, state: &Path) {
    // The output directory itself may be gone already (`clean` removes it first).
    let parent = out_dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let (Ok(parent), Some(name)) = (fs::canonicalize(parent), out_dir.file_name()) else {
        return;
    };
    let standby = standby_path(&parent.join(name));
    if let Some(manifest) = Manifest::load_any(&state.join(STANDBY_MANIFEST_FILE)) {
        for rel in manifest.files.keys() {
            let _ = fsops::remove_file(&standby.join(rel));
        }
    }
    let walk = walkdir::WalkDir::new(&standby).contents_first(true);
    for entry in walk.into_iter().filter_map(|e| e.ok()) {
        if entry.file_type().is_dir() {
            let _ = fsops::remove_dir(entry.path());
        }
    }
    let _ = fsops::remove_file(&state.join(STANDBY_MANIFEST_FILE));
}

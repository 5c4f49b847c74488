//! Recovery: a crash state written out for real, then the real writer reopened on it.

use std::collections::{BTreeMap, HashMap};
use std::fs;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::Path;
use std::time::{Duration, UNIX_EPOCH};

use super::explore::CrashState;
use super::model::Model;
use crate::manifest::Manifest;
use crate::marker::DIRTY_MARKER;
use crate::publish::{self, standby_path};
use crate::temp::is_temp_name;
use crate::writer::MANIFEST_FILE;
use crate::{Durability, LockMode, OutputOptions, OutputWriter, Publish, TempFiles};

/// A site: output paths and their bytes.
pub(crate) type Site = BTreeMap<String, Vec<u8>>;

/// Replaces everything under `root` with `state`: directories, files (with their mtimes,
/// hard links kept), and in the manifests, the inode numbers of the recorded directories
/// replaced by those of the directories made here (the manifests tell the swapped trees
/// apart by inode, and a directory made anew cannot keep its number).
pub(crate) fn materialize(root: &Path, model: &Model, state: &CrashState) -> io::Result<()> {
    for entry in fs::read_dir(root)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            fs::remove_dir_all(entry.path())?;
        } else {
            fs::remove_file(entry.path())?;
        }
    }
    let mut inodes = HashMap::new();
    for (path, &d) in &state.dirs {
        let full = root.join(path);
        if !path.is_empty() {
            fs::create_dir(&full)?;
        }
        if let Some(old) = model.dir_inos[d] {
            let meta = fs::metadata(&full)?;
            inodes.insert(old, (meta.dev(), meta.ino()));
        }
    }
    let mut first_name: HashMap<usize, &str> = HashMap::new();
    for (path, (f, data)) in &state.files {
        let full = root.join(path);
        if let Some(first) = first_name.get(f) {
            fs::hard_link(root.join(first), &full)?;
            continue;
        }
        first_name.insert(*f, path);
        let bytes = patch_root_ids(&data.bytes, &inodes).unwrap_or_else(|| data.bytes.to_vec());
        fs::write(&full, bytes)?;
        let ns = u64::try_from(data.mtime_ns).unwrap_or(0);
        let file = fs::File::options().write(true).open(&full)?;
        file.set_modified(UNIX_EPOCH + Duration::from_nanos(ns))?;
    }
    Ok(())
}

/// A manifest's bytes with `root_id` mapped through `inodes`, sealed again (the seal covers
/// the id); `None` if not a sound manifest (a torn one stays as it is) or nothing to change.
fn patch_root_ids(bytes: &[u8], inodes: &HashMap<(u64, u64), (u64, u64)>) -> Option<Vec<u8>> {
    let mut manifest = Manifest::parse(bytes).ok()?;
    let new = inodes.get(&manifest.root_id?)?;
    manifest.root_id = Some(*new);
    Some(manifest.to_json())
}

/// Every file below `dir`, relative, with its content hash (as the manifest records it).
fn tree(dir: &Path) -> BTreeMap<String, u128> {
    walkdir::WalkDir::new(dir)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let rel = e.path().strip_prefix(dir).unwrap_or(e.path());
            let bytes = fs::read(e.path()).unwrap_or_default();
            (
                rel.to_string_lossy().into_owned(),
                xxhash_rust::xxh3::xxh3_128(&bytes),
            )
        })
        .collect()
}

fn hashes(site: &Site) -> BTreeMap<String, u128> {
    site.iter()
        .map(|(p, b)| (p.clone(), xxhash_rust::xxh3::xxh3_128(b)))
        .collect()
}

/// Files and directories under `root` that a crash left and nothing removed.
fn debris(root: &Path) -> Vec<String> {
    walkdir::WalkDir::new(root)
        .into_iter()
        .filter_map(|e| e.ok())
        .filter(|e| {
            let name = e.file_name().to_string_lossy();
            is_temp_name(&name) || name.starts_with(".sitegen-probe-")
        })
        .map(|e| {
            e.path()
                .strip_prefix(root)
                .unwrap_or(e.path())
                .display()
                .to_string()
        })
        .collect()
}

/// The paths and content hashes a manifest lists.
fn listed(manifest: &Manifest) -> BTreeMap<String, u128> {
    manifest
        .files
        .iter()
        .map(|(p, e)| (p.clone(), e.hash.0))
        .collect()
}

/// The manifest `file` lists exactly `expected` (paths and content hashes).
fn manifest_lists(file: &Path, expected: &BTreeMap<String, u128>) -> Result<(), String> {
    let manifest =
        Manifest::load_any(file).ok_or_else(|| format!("{} unreadable", file.display()))?;
    if &listed(&manifest) != expected {
        return Err(format!("{} does not list the files there", file.display()));
    }
    Ok(())
}

/// Before any reopening: if the manifests offer a generation to roll back to, the standby
/// tree must be exactly that generation (a rollback now would publish it).
fn standby_is_what_rollback_offers(root: &Path, live: &Path, state: &Path) -> Result<(), String> {
    let standby = standby_path(live);
    if state.join(DIRTY_MARKER).exists() || crate::sys::dir_id(&standby).is_none() {
        return Ok(());
    }
    let (_, offered) = publish::manifests(state, live, &standby);
    if offered.root_id.is_none() {
        return Ok(());
    }
    if tree(&standby) != listed(&offered) {
        let rel = standby.strip_prefix(root).unwrap_or(&standby);
        return Err(format!(
            "rollback offers {} as a generation it is not",
            rel.display()
        ));
    }
    Ok(())
}

/// How the writer is reopened after the crash.
pub(crate) struct Reopen {
    pub(crate) publish: Publish,
    pub(crate) temps: TempFiles,
    /// The site the interrupted run was making live, built again.
    pub(crate) target: Site,
    /// `Fsync` where syncs cost nothing (a RAM file system); the recovery is about what the
    /// writer does, not about the disk.
    pub(crate) durability: Durability,
}

/// Writes `state` out under `root`, reopens the writer (which sweeps what it finds), builds
/// the target site again and checks: the build succeeds, the live tree is exactly the
/// target, no temp or probe is left anywhere, the manifest lists what is there, and (swap)
/// the standby is what its manifest says.
pub(crate) fn recover(
    root: &Path,
    model: &Model,
    state: &CrashState,
    reopen: &Reopen,
) -> Result<(), String> {
    materialize(root, model, state).map_err(|e| format!("materialize: {e}"))?;
    let (live, state_dir) = (root.join("public"), root.join("state"));
    if reopen.publish == Publish::Swap {
        standby_is_what_rollback_offers(root, &live, &state_dir)?;
    }
    let options = OutputOptions::new(&state_dir)
        .lock_mode(LockMode::Fail)
        .temp_files(reopen.temps)
        .durability(reopen.durability)
        .publish(reopen.publish);
    let writer = OutputWriter::open(&live, options).map_err(|e| format!("reopen: {e}"))?;
    for (path, bytes) in &reopen.target {
        writer
            .write(path, bytes)
            .map_err(|e| format!("rebuild: {e}"))?;
    }
    writer.finish().map_err(|e| format!("rebuild: {e}"))?;

    let expected = hashes(&reopen.target);
    let now = tree(&live);
    if now != expected {
        let differ: Vec<&String> = now
            .keys()
            .chain(expected.keys())
            .filter(|p| now.get(*p) != expected.get(*p))
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        return Err(format!(
            "after the rebuild, public is not the site (differs at {differ:?})"
        ));
    }
    let left = debris(root);
    if !left.is_empty() {
        return Err(format!("left after the rebuild: {}", left.join(", ")));
    }
    if reopen.publish == Publish::Files {
        return manifest_lists(&state_dir.join(MANIFEST_FILE), &expected);
    }
    let standby = standby_path(&live);
    let (for_live, offered) = publish::manifests(&state_dir, &live, &standby);
    if listed(&for_live) != expected {
        return Err("after the rebuild, the live tree's manifest does not list it".into());
    }
    // A standby of no known generation must be empty: files that no manifest lists would
    // be taken for someone else's, never pruned, and published by the next swap.
    let standby_files = tree(&standby);
    let known = offered.root_id.is_some();
    if (known && standby_files != listed(&offered)) || (!known && !standby_files.is_empty()) {
        return Err("after the rebuild, the standby is not what its manifest says".into());
    }
    Ok(())
}

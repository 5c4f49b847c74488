//! `verify --repair`, the part that needs no rendering: bad files of the live generation
//! restored from the standby tree where it holds exactly the bytes the live manifest
//! records, and leftover temps removed.
//!
//! The files go through an [`OutputWriter`] opened for a patch: it replaces only the files
//! given (each atomically, with the mode the manifest recorded, never trusting what is on
//! disk at those paths) and keeps every other entry of the manifest as it is, pruning
//! nothing. The standby's file is copied, not linked: under `Publish::Swap` the two trees
//! share the inodes of unchanged files, so a file changed in place is bad in both, which the
//! hash of the copy shows (it is then left for a build to render).

use std::fs;
use std::io::{self, Read};
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use super::error::{OutputError, Result};
use super::lock::LockMode;
use super::manifest::Manifest;
use super::options::{CommitScope, OutputOptions};
use super::writer::{OutputWriter, MANIFEST_FILE};
use super::{fsops, publish, temp};

/// What [`restore_from_standby`] did.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Restored {
    /// Files copied back from the standby generation.
    pub from_standby: Vec<String>,
    /// Leftover temps removed.
    pub temps_removed: Vec<String>,
    /// Files the standby could not give (absent there, or other bytes): to render.
    pub left: Vec<String>,
}

/// Restores `paths` of the live output `out_dir` from its standby tree where the standby
/// file holds exactly the recorded bytes, and removes the leftover temps `temps` (paths
/// relative to `out_dir`; only names of this crate's temp pattern are removed). Takes the
/// output lock per `lock_mode`. With a manifest that cannot be used, no file is restored.
pub fn restore_from_standby(
    out_dir: &Path,
    state_dir: &Path,
    paths: &[String],
    temps: &[String],
    lock_mode: LockMode,
) -> Result<Restored> {
    let mut options = OutputOptions::new(state_dir)
        .lock_mode(lock_mode)
        .distrust(paths.iter().cloned());
    options.scope = CommitScope::Patch;
    let writer = OutputWriter::open(out_dir, options)?;
    let root = writer.root().to_path_buf();
    let mut restored = Restored::default();
    for rel in temps {
        let name = Path::new(rel).file_name().and_then(|n| n.to_str());
        if name.is_some_and(temp::is_temp_name) && fsops::remove_file(&root.join(rel)).is_ok() {
            restored.temps_removed.push(rel.clone());
        }
    }
    // The lock is held: this is the manifest the patch commit starts from.
    let (manifest, unusable) = Manifest::load(&state_dir.join(MANIFEST_FILE), &root);
    if unusable.is_some() {
        restored.left = paths.to_vec();
        return Ok(restored);
    }
    let standby = publish::standby_path(&root);
    for rel in paths {
        let copied = match manifest.files.get(rel) {
            Some(entry) => copy_if_same(&writer, rel, &standby.join(rel), entry)?,
            None => false,
        };
        match copied {
            true => restored.from_standby.push(rel.clone()),
            false => restored.left.push(rel.clone()),
        }
    }
    writer.finish()?;
    Ok(restored)
}

/// Stages a copy of `source` as `rel` if it has the recorded size and hash; false (nothing
/// staged) if it is absent, not a regular file or other bytes.
fn copy_if_same(
    writer: &OutputWriter,
    rel: &str,
    source: &Path,
    entry: &super::manifest::Entry,
) -> Result<bool> {
    let opened = fs::OpenOptions::new()
        .read(true)
        .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
        .open(source);
    let Ok(mut file) = opened else {
        return Ok(false);
    };
    if !file
        .metadata()
        .is_ok_and(|m| m.is_file() && m.len() == entry.size)
    {
        return Ok(false);
    }
    let mut pending = writer.create(rel)?;
    let mut buf = vec![0u8; 256 * 1024];
    let mut size = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            // A standby file that cannot be read is no source (the temp is discarded).
            Err(_) => return Ok(false),
        };
        io::Write::write_all(&mut pending, &buf[..n]).map_err(|e| match e.downcast() {
            Ok(inner) => inner,
            Err(e) => OutputError::io("write", &writer.root().join(rel), e),
        })?;
        size += n as u64;
    }
    if size != entry.size || pending.content_hash() != entry.hash.0 {
        return Ok(false);
    }
    pending.commit()?;
    Ok(true)
}

//! What a commit did: counts for the build summary, and the paths it changed (what a deploy
//! uploads and deletes).

use std::time::Duration;

use super::manifest::Manifest;

/// What a commit did, for the build summary.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// Files whose bytes changed and were replaced (or created).
    pub written: usize,
    /// Files produced with the bytes already on disk: left alone, mtime kept.
    pub unchanged: usize,
    /// Files the previous build wrote and this one did not: removed.
    pub pruned: usize,
    /// Bytes of the written files.
    pub bytes_written: u64,
    /// Temps left by an earlier killed run and removed when this writer opened.
    pub temps_swept: usize,
    /// Time spent waiting for the disk (`syncfs`/`fsync`).
    pub sync_time: Duration,
    /// Why the previous manifest was not used, if it was not (a new output dir, corruption).
    pub manifest_warning: Option<String>,
    /// Why a swap build published file by file (the file system cannot swap directories).
    pub publish_notice: Option<String>,
    /// Whether the commit swapped the new generation in ([`Publish::Swap`]).
    pub swapped: bool,
    /// What changed in the output directory as a reader sees it: every path whose bytes
    /// are new or that is gone, by path (what a deploy must upload and delete).
    pub changes: Vec<Change>,
}

/// One path of the output that a commit changed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    pub path: String,
    pub action: ChangeAction,
    /// Size and xxh3-128 hash (hex) of the new bytes; 0 and empty for a removal.
    pub size: u64,
    pub hash: String,
}

/// What happened to a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    Written,
    Pruned,
}

/// The paths whose bytes differ between `before` and `after`, and those gone.
pub(super) fn changes(before: &Manifest, after: &Manifest) -> Vec<Change> {
    let mut list: Vec<Change> = after
        .files
        .iter()
        .filter(|(p, e)| {
            before
                .files
                .get(*p)
                .is_none_or(|b| b.hash != e.hash || b.size != e.size)
        })
        .map(|(p, e)| Change {
            path: p.clone(),
            action: ChangeAction::Written,
            size: e.size,
            hash: format!("{:032x}", e.hash.0),
        })
        .collect();
    list.extend(
        before
            .files
            .keys()
            .filter(|p| !after.files.contains_key(*p))
            .map(|p| Change {
                path: p.clone(),
                action: ChangeAction::Pruned,
                size: 0,
                hash: String::new(),
            }),
    );
    list.sort_by(|a, b| a.path.cmp(&b.path));
    list
}

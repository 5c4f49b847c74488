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
    /// Whether the commit swapped the new generation in ([`Publish::Swap`](crate::Publish::Swap)).
    pub swapped: bool,
    /// What changed in the output directory as a reader sees it: every path whose bytes
    /// are new or that is gone, by path (what a deploy must upload and delete).
    pub changes: Vec<Change>,
}

/// One path of the output that a commit changed.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// Relative to the output directory, `/`-separated.
    pub path: String,
    /// Written (new or other bytes) or pruned (gone).
    pub action: ChangeAction,
    /// Size of the new bytes; 0 for a removal.
    pub size: u64,
    /// xxh3-128 hash (32 hex digits) of the new bytes; empty for a removal.
    pub hash: String,
}

/// What happened to a path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ChangeAction {
    /// The path has new bytes (a new file or a changed one).
    Written,
    /// The path was removed: the previous commit wrote it, this one did not.
    Pruned,
}

/// The paths whose bytes differ between `before` and `after`, and those gone, by path.
/// One merge of the two sorted lists: a build that changed nothing (every no-op rebuild)
/// pays for a walk, not for a lookup per file.
pub(super) fn changes(before: &Manifest, after: &Manifest) -> Vec<Change> {
    use std::cmp::Ordering;
    let written = |p: &String, e: &super::manifest::Entry| Change {
        path: p.clone(),
        action: ChangeAction::Written,
        size: e.size,
        hash: format!("{:032x}", e.hash.0),
    };
    let pruned = |p: &String| Change {
        path: p.clone(),
        action: ChangeAction::Pruned,
        size: 0,
        hash: String::new(),
    };
    let mut list = Vec::new();
    let (mut old, mut new) = (
        before.files.iter().peekable(),
        after.files.iter().peekable(),
    );
    loop {
        match (old.peek(), new.peek()) {
            (None, None) => break,
            (Some((p, _)), None) => {
                list.push(pruned(p));
                old.next();
            }
            (None, Some((p, e))) => {
                list.push(written(p, e));
                new.next();
            }
            (Some((op, oe)), Some((np, ne))) => match op.cmp(np) {
                Ordering::Less => {
                    list.push(pruned(op));
                    old.next();
                }
                Ordering::Greater => {
                    list.push(written(np, ne));
                    new.next();
                }
                Ordering::Equal => {
                    if oe.hash != ne.hash || oe.size != ne.size {
                        list.push(written(np, ne));
                    }
                    old.next();
                    new.next();
                }
            },
        }
    }
    list
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::{ContentHash, Entry};

    #[test]
    fn changes_are_new_or_different_bytes_and_removals_by_path() {
        let entry = |h: u128, size: u64| Entry {
            size,
            mtime_ns: 1,
            hash: ContentHash(h),
            mode: None,
        };
        let mut before = Manifest::new(std::path::Path::new("/o"));
        let mut after = Manifest::new(std::path::Path::new("/o"));
        for (p, e) in [("a", entry(1, 1)), ("b", entry(2, 2)), ("c", entry(3, 3))] {
            before.files.insert(p.into(), e);
        }
        let mut touched = entry(2, 2);
        touched.mtime_ns = 99;
        for (p, e) in [("a", entry(9, 1)), ("b", touched), ("d", entry(4, 4))] {
            after.files.insert(p.into(), e);
        }
        let got: Vec<(String, ChangeAction)> = changes(&before, &after)
            .into_iter()
            .map(|c| (c.path, c.action))
            .collect();
        assert_eq!(
            got,
            vec![
                ("a".into(), ChangeAction::Written),
                ("c".into(), ChangeAction::Pruned),
                ("d".into(), ChangeAction::Written),
            ]
        );
        assert!(changes(&after, &after).is_empty());
    }
}

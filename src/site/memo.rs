//! What earlier builds parsed and rendered of each page, kept in the state directory
//! (`.sitegen/content-cache/`): the front matter of every page file and its Markdown render,
//! keyed by the file's content hash (and, for the render, everything else it depends on).
//!
//! Why: an incremental build must know every page (lists, feeds and the render keys of all
//! outputs are made from them), but reading, parsing and rendering 10,000 unchanged files
//! is most of the time of a one-page edit. This is a memo, not a record of the output: a
//! missing, corrupt or stale shard only means more work, never a different result, so it is
//! written without fsync and may be written before the output commit.
//!
//! The entries are spread over [`SHARDS`] files by path so that an edit rewrites one small
//! file; a build writes only the shards whose entries changed. Binary (bincode): HTML in
//! JSON would be escaped and unescaped, several times slower to load than to render.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::content::front_matter::PageFront;
use crate::markdown::Rendered;
use crate::output::{atomic_write_with, Durability};

const SHARDS: usize = 16;
/// Bumped whenever the layout changes.
const VERSION: u32 = 4;

/// One page file as an earlier build saw it.
#[derive(Serialize, Deserialize)]
pub(super) struct Entry {
    /// Content hash of the file (xxh3-128, as in the build cache).
    pub(super) source_hash: u128,
    /// The front matter, as JSON.
    pub(super) front: String,
    pub(super) body_line: usize,
    /// The Markdown render and its key ([`crate::markdown::render_key`]).
    pub(super) render: Option<(u128, Rendered)>,
}

#[derive(Serialize, Deserialize)]
struct Shard {
    version: u32,
    sitegen_version: String,
    /// Content path (`blog/post.md`) -> entry.
    entries: Vec<(String, Entry)>,
}

/// The entries of the last build, by content path.
pub(super) struct ContentMemo {
    dir: PathBuf,
    entries: HashMap<String, Entry>,
    /// Per shard, a digest of what it holds (to write only shards that change).
    digests: Vec<u128>,
}

fn shard_of(rel: &str) -> usize {
    (xxhash_rust::xxh3::xxh3_64(rel.as_bytes()) % SHARDS as u64) as usize
}

/// The shard's bytes, mapped rather than read: reading 60 MiB of shards into fresh buffers
/// (zeroed page by page by the kernel) cost as much as decoding them. Safe to map: a shard
/// is only ever replaced whole by a rename ([`atomic_write_with`]), never truncated or
/// written in place, and builds of one site hold its state lock.
fn map(path: &Path) -> Option<memmap2::Mmap> {
    let file = std::fs::File::open(path).ok()?;
    // SAFETY: see above; the file under this mapping is never modified.
    unsafe { memmap2::Mmap::map(&file) }.ok()
}

fn shard_path(dir: &Path, n: usize) -> PathBuf {
    dir.join(format!("{n:02}.bin"))
}

/// What identifies an entry's content: its source hash and render key.
fn entry_digest(h: &mut xxhash_rust::xxh3::Xxh3, rel: &str, source: u128, key: Option<u128>) {
    h.update(&(rel.len() as u64).to_le_bytes());
    h.update(rel.as_bytes());
    h.update(&source.to_le_bytes());
    h.update(&key.unwrap_or(0).to_le_bytes());
}

impl ContentMemo {
    /// Loads the shards in `dir`; unreadable or other-version shards count as empty.
    pub(super) fn load(dir: &Path) -> Self {
        let shards: Vec<Vec<(String, Entry)>> = (0..SHARDS)
            .into_par_iter()
            .map(|n| {
                let shard =
                    map(&shard_path(dir, n)).and_then(|m| bincode::deserialize::<Shard>(&m).ok());
                shard
                    .filter(|s| {
                        s.version == VERSION && s.sitegen_version == env!("CARGO_PKG_VERSION")
                    })
                    .map(|s| s.entries)
                    .unwrap_or_default()
            })
            .collect();
        let digests = shards
            .iter()
            .map(|entries| {
                let mut h = xxhash_rust::xxh3::Xxh3::new();
                for (rel, e) in entries {
                    entry_digest(&mut h, rel, e.source_hash, e.render.as_ref().map(|r| r.0));
                }
                h.digest128()
            })
            .collect();
        ContentMemo {
            dir: dir.to_path_buf(),
            entries: shards.into_iter().flatten().collect(),
            digests,
        }
    }

    /// A memo that knows nothing (and saves into `dir`).
    pub(super) fn empty(dir: &Path) -> Self {
        ContentMemo {
            dir: dir.to_path_buf(),
            entries: HashMap::new(),
            digests: Vec::new(),
        }
    }

    /// Removes the memo's files in `dir` (no other file) and `dir` if that leaves it empty.
    pub(super) fn remove(dir: &Path) {
        for n in 0..SHARDS {
            let _ = std::fs::remove_file(shard_path(dir, n));
        }
        let _ = std::fs::remove_dir(dir);
    }

    /// The front matter (JSON) and body line of `rel` if its content hash is `source_hash`.
    pub(super) fn front(&self, rel: &str, source_hash: u128) -> Option<(String, usize)> {
        let e = self.entries.get(rel)?;
        (e.source_hash == source_hash).then(|| (e.front.clone(), e.body_line))
    }

    /// Takes the render of `rel` made with render key `key`, if there is one.
    pub(super) fn take_render(&mut self, rel: &str, key: u128) -> Option<Rendered> {
        let e = self.entries.get_mut(rel)?;
        match e.render.take() {
            Some((k, r)) if k == key => Some(r),
            other => {
                e.render = other;
                None
            }
        }
    }

    /// The shortcodes the remembered render of `rel` called (their templates are part of
    /// its key), if there is one.
    pub(super) fn shortcodes(&self, rel: &str) -> Option<&[String]> {
        let (_, render) = self.entries.get(rel)?.render.as_ref()?;
        Some(&render.shortcodes)
    }

    /// Takes what is left of the entries (renders not taken: their pages changed), so that
    /// they need not stay in memory while the build goes on; the shards' digests stay.
    pub(super) fn take_rest(&mut self) -> HashMap<String, Entry> {
        std::mem::take(&mut self.entries)
    }

    /// Saves this build's pages: the shards whose content changed. Errors are ignored (a
    /// memo: the next build renders what it cannot read).
    pub(super) fn save(self, pages: Vec<Saved<'_>>) {
        let mut shards: Vec<Vec<Saved>> = (0..SHARDS).map(|_| Vec::new()).collect();
        for page in pages {
            shards[shard_of(page.rel)].push(page);
        }
        let _ = std::fs::create_dir_all(&self.dir);
        // One shard at a time: this runs beside the render jobs, and on a large site each
        // shard's bytes are tens of MiB.
        shards.into_iter().enumerate().for_each(|(n, mut list)| {
            list.sort_by(|a, b| a.rel.cmp(b.rel));
            let mut h = xxhash_rust::xxh3::Xxh3::new();
            for e in &list {
                entry_digest(&mut h, e.rel, e.source_hash, Some(e.key));
            }
            if self.digests.get(n) == Some(&h.digest128()) {
                return;
            }
            #[derive(Serialize)]
            struct EntryRef<'b> {
                source_hash: u128,
                front: String,
                body_line: usize,
                render: Option<(u128, &'b Rendered)>,
            }
            #[derive(Serialize)]
            struct ShardRef<'b> {
                version: u32,
                sitegen_version: &'b str,
                entries: Vec<(&'b str, EntryRef<'b>)>,
            }
            let entries = list.iter().map(|e| {
                let entry = EntryRef {
                    source_hash: e.source_hash,
                    front: serde_json::to_string(e.front).unwrap_or_default(),
                    body_line: e.body_line,
                    render: Some((e.key, e.render)),
                };
                (e.rel, entry)
            });
            let shard = ShardRef {
                version: VERSION,
                sitegen_version: env!("CARGO_PKG_VERSION"),
                entries: entries.collect(),
            };
            let size = bincode::serialized_size(&shard).unwrap_or(0);
            let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
            if bincode::serialize_into(&mut bytes, &shard).is_ok() {
                let _ = atomic_write_with(&shard_path(&self.dir, n), &bytes, Durability::None);
            }
        });
    }
}

/// A page of this build, for [`ContentMemo::save`].
pub(super) struct Saved<'a> {
    pub(super) rel: &'a str,
    pub(super) source_hash: u128,
    pub(super) front: &'a PageFront,
    pub(super) body_line: usize,
    pub(super) key: u128,
    pub(super) render: &'a Rendered,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_unusable_shards_are_empty() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("content-cache");
        let front = PageFront {
            title: Some("A".into()),
            ..PageFront::default()
        };
        let render = Rendered {
            html: "<p>a</p>".into(),
            word_count: 1,
            ..Rendered::default()
        };
        let saved = |rel: &'static str| Saved {
            rel,
            source_hash: 7,
            front: &front,
            body_line: 4,
            key: 9,
            render: &render,
        };
        ContentMemo::empty(&cache).save(vec![saved("a.md"), saved("b/c.md")]);
        let mut memo = ContentMemo::load(&cache);
        let (json, line) = memo.front("a.md", 7).unwrap();
        assert_eq!(line, 4);
        assert_eq!(
            serde_json::from_str::<PageFront>(&json)
                .unwrap()
                .title
                .as_deref(),
            Some("A")
        );
        assert!(memo.front("a.md", 8).is_none(), "another source hash");
        assert!(memo.take_render("a.md", 10).is_none(), "another render key");
        assert_eq!(memo.take_render("a.md", 9).unwrap().html, "<p>a</p>");
        assert!(memo.take_render("a.md", 9).is_none(), "taken once");

        // A damaged shard is an empty one: its pages are parsed and rendered anew.
        for n in 0..SHARDS {
            let path = shard_path(&cache, n);
            if path.exists() {
                crate::output::atomic_write(&path, b"\x05garbage").unwrap();
            }
        }
        let memo = ContentMemo::load(&cache);
        assert!(memo.front("a.md", 7).is_none() && memo.front("b/c.md", 7).is_none());
    }
}

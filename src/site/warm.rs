//! What a long-running process (`serve`) keeps between builds, so that a rebuild need not
//! read it back from disk: the last build cache and a Markdown memo.
//!
//! The build cache is still saved to disk (a restarted `serve` starts incremental), but on a
//! background thread after the build returns: the browser reload does not wait for it.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::cache::BuildCache;
use crate::markdown;

/// State kept across the builds of one process. Share one per site and output directory.
#[derive(Default)]
pub struct Warm {
    pub(super) markdown: markdown::Memo,
    cache: Mutex<Option<Arc<BuildCache>>>,
    /// Generation of the newest cache saved to disk; held while saving, so that saves run
    /// one at a time and an older cache never replaces a newer one.
    saved: Arc<Mutex<u64>>,
    generation: AtomicU64,
}

impl Warm {
    /// The cache the last successful build left (taken: a failed build leaves none, and
    /// the next one reads the file).
    pub(super) fn take_cache(&self) -> Option<BuildCache> {
        let cache = self
            .cache
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()?;
        Some(Arc::try_unwrap(cache).unwrap_or_else(|shared| (*shared).clone()))
    }

    /// Keeps `cache` for the next build and saves it to `path` in the background.
    pub(super) fn keep_cache(&self, cache: BuildCache, path: PathBuf) {
        let cache = Arc::new(cache);
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = Some(Arc::clone(&cache));
        let generation = self.generation.fetch_add(1, Ordering::Relaxed) + 1;
        let saved = Arc::clone(&self.saved);
        let _ = std::thread::Builder::new()
            .name("sitegen-cache-save".into())
            .spawn(move || {
                let mut newest = saved.lock().unwrap_or_else(|p| p.into_inner());
                if *newest < generation {
                    if let Err(e) = cache.save(&path) {
                        eprintln!("sitegen: warning: build cache not saved: {e}");
                    }
                    *newest = generation;
                }
            });
    }
}

impl std::fmt::Debug for Warm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Warm")
            .field("generation", &self.generation)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_newest_cache_is_kept_and_ends_up_on_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("build-cache.json");
        let warm = Warm::default();
        assert!(warm.take_cache().is_none());
        for url in ["https://a.example", "https://b.example"] {
            let cache = BuildCache {
                version: crate::cache::CACHE_VERSION,
                base_url: url.into(),
                ..BuildCache::default()
            };
            warm.keep_cache(cache, path.clone());
        }
        // Both saves are done once the lock is free and the newest generation is recorded.
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
        while *warm.saved.lock().unwrap() < 2 && std::time::Instant::now() < deadline {
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        let on_disk = BuildCache::load_or_empty(&path).0.unwrap();
        assert_eq!(on_disk.base_url, "https://b.example");
        assert_eq!(warm.take_cache().unwrap().base_url, "https://b.example");
        assert!(warm.take_cache().is_none(), "taken once");
    }
}
